//! [`EventTracker`]: Apple's schedule for asynchronous requests, with the clock passed in.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::entry::Entry;
use super::next::{Ignored, Next, Resend, TrackError, Update};
use super::outcome::{CompletedBy, Concerns, EventOutcome};
use super::status::{EventStatus, is_event_not_found};
use crate::ids::EventId;
use crate::notification::Notification;
use crate::wire::{AppleError, EventAsset, EventType};

/// The durations of Apple's schedule (defaults: Apple's guidance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrackerPolicy {
    /// How long to wait for a notification before polling `status` (5 minutes).
    #[serde(with = "secs")]
    pub notification_grace: Duration,
    /// The least time between two polls of one event (30 seconds).
    #[serde(with = "secs")]
    pub poll_interval: Duration,
    /// How long after sending a request that is still `PENDING` to send it again
    /// (10 minutes).
    #[serde(with = "secs")]
    pub resend_after: Duration,
    /// How many times a request is sent in all before [`Next::GiveUp`] (3).
    pub max_sends: u32,
    /// How long a finished event is remembered, so that a late notification is known as
    /// late rather than unknown (1 hour).
    #[serde(with = "secs")]
    pub keep_done: Duration,
}

impl Default for TrackerPolicy {
    fn default() -> Self {
        Self {
            notification_grace: Duration::from_secs(5 * 60),
            poll_interval: Duration::from_secs(30),
            resend_after: Duration::from_secs(10 * 60),
            max_sends: 3,
            keep_done: Duration::from_secs(3600),
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// A request just sent, to track: see [`EventTracker::track_at`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentEvent {
    /// The `eventId` Apple answered.
    pub event_id: EventId,
    /// What the request does.
    pub event_type: EventType,
    /// What it concerns.
    pub concerns: Concerns,
    /// The caller's key for the request (e.g. a database id, or the serialized request),
    /// handed back by [`Next::Resend`] and in the outcome.
    pub request_key: String,
}

impl SentEvent {
    /// A request of `event_type` that Apple answered with `event_id`.
    pub fn new(
        event_id: impl Into<EventId>,
        event_type: EventType,
        request_key: impl Into<String>,
    ) -> Self {
        Self {
            event_id: event_id.into(),
            event_type,
            concerns: Concerns::default(),
            request_key: request_key.into(),
        }
    }

    /// The devices it concerns.
    pub fn with_serial_numbers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, i: I) -> Self {
        self.concerns.serial_numbers = i.into_iter().map(Into::into).collect();
        self
    }

    /// The users it concerns.
    pub fn with_client_user_ids<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        i: I,
    ) -> Self {
        self.concerns.client_user_ids = i.into_iter().map(Into::into).collect();
        self
    }

    /// The assets it concerns.
    pub fn with_assets(mut self, assets: impl IntoIterator<Item = EventAsset>) -> Self {
        self.concerns.assets = assets.into_iter().collect();
        self
    }
}

/// Tracks asynchronous requests until Apple has finished them, following Apple's
/// schedule: wait for a notification; without one for 5 minutes, poll `status` at least
/// 30 s apart; still `PENDING` 10 minutes after sending, send again.
///
/// Serde stores it whole (JSON object keyed by event id). The clock is passed in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventTracker {
    policy: TrackerPolicy,
    events: BTreeMap<EventId, Entry>,
    /// Every event id ever sent for a tracked request → the id it is tracked under.
    aliases: BTreeMap<EventId, EventId>,
}

impl EventTracker {
    /// An empty tracker with `policy`.
    pub fn new(policy: TrackerPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    /// The policy.
    pub fn policy(&self) -> &TrackerPolicy {
        &self.policy
    }

    /// Starts tracking a request sent at `now`.
    pub fn track_at(&mut self, sent: SentEvent, now: DateTime<Utc>) -> Result<(), TrackError> {
        self.prune_at(now);
        if self.aliases.contains_key(&sent.event_id) {
            return Err(TrackError::AlreadyTracked(sent.event_id));
        }
        let id = sent.event_id.clone();
        let entry = Entry::new(
            id.clone(),
            sent.event_type,
            sent.concerns,
            sent.request_key,
            now,
        );
        self.aliases.insert(id.clone(), id.clone());
        self.events.insert(id, entry);
        Ok(())
    }

    /// Records that the request tracked under (or last sent as) `old` was sent again at
    /// `now` and Apple answered `new`. Reports already received are kept, and a late
    /// notification for `old` still counts.
    pub fn resent_at(
        &mut self,
        old: &EventId,
        new: EventId,
        now: DateTime<Utc>,
    ) -> Result<(), TrackError> {
        if self.aliases.contains_key(&new) {
            return Err(TrackError::AlreadyTracked(new));
        }
        let key = self
            .key(old)
            .ok_or_else(|| TrackError::NotTracked(old.clone()))?;
        let entry = self.events.get_mut(&key).expect("aliases point at entries");
        entry.current_id = new.clone();
        entry.sent_at = now;
        entry.sends += 1;
        entry.last_heard_at = None;
        entry.last_poll_at = None;
        entry.last_pending_at = None;
        entry.not_found = false;
        self.aliases.insert(new, key);
        Ok(())
    }

    /// Takes a notification: asset and user management ones complete or advance their
    /// event; others are [`Ignored::NoEvent`].
    pub fn on_notification_at(&mut self, n: &Notification, now: DateTime<Utc>) -> Update {
        let Some(id) = n.event_id() else {
            return Update::Ignored(Ignored::NoEvent);
        };
        let entry = match self.open_entry(id) {
            Ok(entry) => entry,
            Err(ignored) => return Update::Ignored(ignored),
        };
        if entry.apply_notification(n, now) {
            Update::Completed(entry.finish(CompletedBy::Notification, Vec::new(), now))
        } else {
            Update::Progress {
                event_id: entry.event_id.clone(),
                reported: entry.covered(),
                expected: entry.expected(),
            }
        }
    }

    /// Takes a `status` answer for `event_id` received at `now`.
    pub fn on_status_at(
        &mut self,
        event_id: &EventId,
        status: &EventStatus,
        now: DateTime<Utc>,
    ) -> Update {
        let entry = match self.open_entry(event_id) {
            Ok(entry) => entry,
            Err(ignored) => return Update::Ignored(ignored),
        };
        if status.is_pending() {
            // Only the last send's answers move the schedule: an earlier send still
            // pending says nothing about the one Apple is working on now.
            if entry.current_id == *event_id {
                entry.last_poll_at = Some(now);
                entry.last_pending_at = Some(now);
            }
            return Update::StillPending(entry.event_id.clone());
        }
        let unattributed = entry.apply_final_status(status);
        Update::Completed(entry.finish(CompletedBy::Status, unattributed, now))
    }

    /// Takes an error Apple answered to a `status` poll: 9708 (event not known) makes the
    /// next step a resend; any other error only counts as a poll.
    pub fn on_status_error_at(
        &mut self,
        event_id: &EventId,
        error: &AppleError,
        now: DateTime<Utc>,
    ) -> Update {
        let entry = match self.open_entry(event_id) {
            Ok(entry) => entry,
            Err(ignored) => return Update::Ignored(ignored),
        };
        if entry.current_id == *event_id {
            entry.last_poll_at = Some(now);
            entry.not_found = is_event_not_found(error);
        }
        Update::StillPending(entry.event_id.clone())
    }

    /// Ends an event without Apple's final word: devices and users not yet reported are
    /// `unknown` in the outcome. `None` if it is not tracked or already finished.
    pub fn give_up_at(&mut self, event_id: &EventId, now: DateTime<Utc>) -> Option<EventOutcome> {
        let entry = self.open_entry(event_id).ok()?;
        Some(entry.finish(CompletedBy::GaveUp, Vec::new(), now))
    }

    /// What to do next about `event_id` at `now` (`None` if it is not tracked).
    pub fn next_at(&self, event_id: &EventId, now: DateTime<Utc>) -> Option<Next> {
        let entry = self.events.get(&self.key(event_id)?)?;
        Some(self.next_for(entry, now))
    }

    /// Everything to do now: the polls, resends and give-ups that are due.
    pub fn due_at(&self, now: DateTime<Utc>) -> Vec<Next> {
        self.events
            .values()
            .filter(|e| e.outcome.is_none())
            .map(|e| self.next_for(e, now))
            .filter(|n| !matches!(n, Next::Wait { .. }))
            .collect()
    }

    /// When something is next due (`now` if something is due already; `None` when no
    /// event is open).
    pub fn next_wake_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.events
            .values()
            .filter(|e| e.outcome.is_none())
            .map(|e| match self.next_for(e, now) {
                Next::Wait { until } => until,
                _ => now,
            })
            .min()
    }

    /// The ids of the events not finished yet.
    pub fn open_events(&self) -> impl Iterator<Item = &EventId> {
        self.events
            .values()
            .filter(|e| e.outcome.is_none())
            .map(|e| &e.event_id)
    }

    /// Forgets finished events older than the policy's `keep_done`.
    pub fn prune_at(&mut self, now: DateTime<Utc>) {
        let keep = delta(self.policy.keep_done);
        let old: Vec<EventId> = self
            .events
            .iter()
            .filter(|(_, e)| {
                e.outcome
                    .as_ref()
                    .is_some_and(|o| now.signed_duration_since(o.completed) >= keep)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in old {
            self.forget(&key);
        }
    }

    /// Stops tracking the event `event_id` belongs to, finished or not.
    pub fn forget(&mut self, event_id: &EventId) -> bool {
        let Some(key) = self.key(event_id) else {
            return false;
        };
        self.events.remove(&key);
        self.aliases.retain(|_, v| *v != key);
        true
    }

    fn key(&self, event_id: &EventId) -> Option<EventId> {
        self.aliases.get(event_id).cloned()
    }

    fn open_entry(&mut self, id: &EventId) -> Result<&mut Entry, Ignored> {
        let key = self
            .key(id)
            .ok_or_else(|| Ignored::UnknownEvent(id.clone()))?;
        let entry = self.events.get_mut(&key).expect("aliases point at entries");
        if entry.outcome.is_some() {
            return Err(Ignored::AlreadyCompleted(id.clone()));
        }
        Ok(entry)
    }

    fn next_for(&self, e: &Entry, now: DateTime<Utc>) -> Next {
        if let Some(outcome) = &e.outcome {
            return Next::Done(outcome.clone());
        }
        let p = &self.policy;
        let resend_due = e.not_found
            || e.last_pending_at
                .is_some_and(|t| t >= e.sent_at + delta(p.resend_after));
        if resend_due {
            return if e.sends >= p.max_sends {
                Next::GiveUp(e.event_id.clone())
            } else {
                Next::Resend(Resend {
                    event_id: e.current_id.clone(),
                    request_key: e.request_key.clone(),
                    event_type: e.event_type.clone(),
                    concerns: e.concerns.clone(),
                    sends: e.sends,
                })
            };
        }
        let heard = e.last_heard_at.map_or(e.sent_at, |h| h.max(e.sent_at));
        let mut poll_at = heard + delta(p.notification_grace);
        if let Some(polled) = e.last_poll_at {
            poll_at = poll_at.max(polled + delta(p.poll_interval));
        }
        if now >= poll_at {
            Next::Poll(e.current_id.clone())
        } else {
            Next::Wait { until: poll_at }
        }
    }
}
