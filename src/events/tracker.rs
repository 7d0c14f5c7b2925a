//! [`EventTracker`]: Apple's schedule for asynchronous requests, with the clock passed in.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::entry::{Applied, Entry, Report};
use super::next::{Ignored, Next, Resend, TrackError, Update};
use super::outcome::{CompletedBy, Concerns, EventOutcome};
use super::status::{EventStatus, is_event_not_found};
use crate::ids::EventId;
use crate::notification::Notification;
use crate::wire::{AppleError, EventAsset, EventType};

/// The durations of Apple's schedule (defaults: Apple's guidance), and the bounds of the
/// notifications held for events not tracked yet.
///
/// Every duration is at most [`TrackerPolicy::MAX_DURATION`] (30 days):
/// [`EventTracker::new`] lowers a longer one to it, and a stored tracker carrying a longer
/// one is refused when read back (one bad stored row must not stall or crash a poll loop).
/// Serde stores durations in milliseconds (`notification_grace_ms`, ...) and still reads
/// the whole seconds earlier versions wrote (`notification_grace`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackerPolicy {
    /// How long to wait for a notification before polling `status` (5 minutes).
    pub notification_grace: Duration,
    /// The least time between two polls of one event (30 seconds).
    pub poll_interval: Duration,
    /// How long after sending a request that is still `PENDING` to send it again
    /// (10 minutes).
    pub resend_after: Duration,
    /// How many times a request is sent in all before [`Next::GiveUp`] (3).
    pub max_sends: u32,
    /// How long a finished event is remembered, so that a late notification is known as
    /// late rather than unknown (1 hour).
    pub keep_done: Duration,
    /// How long a notification for an event not tracked yet is held for
    /// [`EventTracker::track_at`] (10 minutes, Apple's resend horizon).
    pub hold_for: Duration,
    /// How many such notifications are held at most, the oldest dropped first (1,000; at
    /// most [`TrackerPolicy::MAX_HELD`]).
    pub max_held: usize,
}

impl Default for TrackerPolicy {
    fn default() -> Self {
        Self {
            notification_grace: Duration::from_secs(5 * 60),
            poll_interval: Duration::from_secs(30),
            resend_after: Duration::from_secs(10 * 60),
            max_sends: 3,
            keep_done: Duration::from_secs(3600),
            hold_for: Duration::from_secs(10 * 60),
            max_held: 1000,
        }
    }
}

impl TrackerPolicy {
    /// The longest duration a policy holds (30 days).
    pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);
    /// The most notifications held for events not tracked yet (100,000).
    pub const MAX_HELD: usize = 100_000;

    /// This policy with every duration at most [`Self::MAX_DURATION`] and `max_held` at
    /// most [`Self::MAX_HELD`].
    pub fn capped(mut self) -> Self {
        for d in [
            &mut self.notification_grace,
            &mut self.poll_interval,
            &mut self.resend_after,
            &mut self.keep_done,
            &mut self.hold_for,
        ] {
            *d = (*d).min(Self::MAX_DURATION);
        }
        self.max_held = self.max_held.min(Self::MAX_HELD);
        self
    }

    /// Sets [`TrackerPolicy::notification_grace`].
    pub fn with_notification_grace(mut self, notification_grace: Duration) -> Self {
        self.notification_grace = notification_grace;
        self
    }

    /// Sets [`TrackerPolicy::poll_interval`].
    pub fn with_poll_interval(mut self, poll_interval: Duration) -> Self {
        self.poll_interval = poll_interval;
        self
    }

    /// Sets [`TrackerPolicy::resend_after`].
    pub fn with_resend_after(mut self, resend_after: Duration) -> Self {
        self.resend_after = resend_after;
        self
    }

    /// Sets [`TrackerPolicy::max_sends`].
    pub fn with_max_sends(mut self, max_sends: u32) -> Self {
        self.max_sends = max_sends;
        self
    }

    /// Sets [`TrackerPolicy::keep_done`].
    pub fn with_keep_done(mut self, keep_done: Duration) -> Self {
        self.keep_done = keep_done;
        self
    }

    /// Sets [`TrackerPolicy::hold_for`].
    pub fn with_hold_for(mut self, hold_for: Duration) -> Self {
        self.hold_for = hold_for;
        self
    }

    /// Sets [`TrackerPolicy::max_held`].
    pub fn with_max_held(mut self, max_held: usize) -> Self {
        self.max_held = max_held;
        self
    }
}

/// The stored shape of [`TrackerPolicy`]: milliseconds, and the seconds of earlier
/// versions.
#[derive(Serialize, Deserialize)]
struct StoredPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notification_grace_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notification_grace: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poll_interval_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poll_interval: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resend_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resend_after: Option<u64>,
    max_sends: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keep_done_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keep_done: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hold_for_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_held: Option<usize>,
}

fn millis(d: Duration) -> Option<u64> {
    Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Serialize for TrackerPolicy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredPolicy {
            notification_grace_ms: millis(self.notification_grace),
            notification_grace: None,
            poll_interval_ms: millis(self.poll_interval),
            poll_interval: None,
            resend_after_ms: millis(self.resend_after),
            resend_after: None,
            max_sends: self.max_sends,
            keep_done_ms: millis(self.keep_done),
            keep_done: None,
            hold_for_ms: millis(self.hold_for),
            max_held: Some(self.max_held),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TrackerPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let stored = StoredPolicy::deserialize(d)?;
        let defaults = TrackerPolicy::default();
        let duration = |name: &str,
                        ms: Option<u64>,
                        secs: Option<u64>,
                        default: Duration|
         -> Result<Duration, D::Error> {
            let d = match (ms, secs) {
                (Some(ms), _) => Duration::from_millis(ms),
                (None, Some(secs)) => Duration::from_secs(secs),
                (None, None) => default,
            };
            if d > TrackerPolicy::MAX_DURATION {
                return Err(D::Error::custom(format!(
                    "tracker policy {name} is longer than 30 days ({} s): the stored tracker is damaged; fix or drop that value",
                    d.as_secs()
                )));
            }
            Ok(d)
        };
        let max_held = stored.max_held.unwrap_or(defaults.max_held);
        if max_held > TrackerPolicy::MAX_HELD {
            return Err(D::Error::custom(format!(
                "tracker policy max_held is {max_held}, more than {}: the stored tracker is damaged; fix or drop that value",
                TrackerPolicy::MAX_HELD
            )));
        }
        Ok(Self {
            notification_grace: duration(
                "notification_grace",
                stored.notification_grace_ms,
                stored.notification_grace,
                defaults.notification_grace,
            )?,
            poll_interval: duration(
                "poll_interval",
                stored.poll_interval_ms,
                stored.poll_interval,
                defaults.poll_interval,
            )?,
            resend_after: duration(
                "resend_after",
                stored.resend_after_ms,
                stored.resend_after,
                defaults.resend_after,
            )?,
            max_sends: stored.max_sends,
            keep_done: duration(
                "keep_done",
                stored.keep_done_ms,
                stored.keep_done,
                defaults.keep_done,
            )?,
            hold_for: duration("hold_for", stored.hold_for_ms, None, defaults.hold_for)?,
            max_held,
        })
    }
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// `t + d`, saturating at the latest time `DateTime` holds (a huge duration is "never").
fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(delta(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A notification held for an event not tracked yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Held {
    report: Report,
    received_at: DateTime<Utc>,
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
/// A notification can beat the request's answer (a fast Apple, or a simulator without
/// delay): one for an event not tracked yet is held ([`Ignored::Held`]) and applied when
/// [`EventTracker::track_at`] (or [`EventTracker::resent_at`]) names the event, bounded
/// by [`TrackerPolicy::max_held`] and [`TrackerPolicy::hold_for`].
///
/// Serde stores it whole (JSON object keyed by event id). The clock is passed in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventTracker {
    policy: TrackerPolicy,
    events: BTreeMap<EventId, Entry>,
    /// Every event id ever sent for a tracked request → the id it is tracked under.
    aliases: BTreeMap<EventId, EventId>,
    /// Notifications for events not tracked yet, oldest first.
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    held: VecDeque<Held>,
    /// Due work claimed by one replica ([`EventTracker::claim_due_at`]): tracked id →
    /// until when.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    claims: BTreeMap<EventId, DateTime<Utc>>,
}

impl EventTracker {
    /// An empty tracker with `policy` ([`TrackerPolicy::capped`]: durations over 30 days
    /// are lowered to 30 days).
    pub fn new(policy: TrackerPolicy) -> Self {
        Self {
            policy: policy.capped(),
            ..Self::default()
        }
    }

    /// The policy.
    pub fn policy(&self) -> &TrackerPolicy {
        &self.policy
    }

    /// Starts tracking a request sent at `now`. Returns what the notifications held for
    /// this event (they arrived before it was tracked) changed, in arrival order: usually
    /// nothing; an [`Update::Completed`] when they finished it.
    pub fn track_at(
        &mut self,
        sent: impl Into<SentEvent>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Update>, TrackError> {
        let sent = sent.into();
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
        self.events.insert(id.clone(), entry);
        Ok(self.apply_held(&id, now))
    }

    /// Records that the request tracked under (or last sent as) `old` was sent again at
    /// `now` and Apple answered `new`. Reports already received are kept. A late
    /// `SUCCESS` notification for `old` still counts (those licenses were made); a late
    /// `FAILURE` for `old` is recorded ([`Ignored::Superseded`],
    /// [`EventOutcome::superseded_failures`]) without finishing the request, which follows
    /// `new`. Returns what notifications held for `new` changed (see
    /// [`EventTracker::track_at`]).
    pub fn resent_at(
        &mut self,
        old: &EventId,
        new: EventId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Update>, TrackError> {
        if self.aliases.contains_key(&new) {
            return Err(TrackError::AlreadyTracked(new));
        }
        let key = self
            .key(old)
            .ok_or_else(|| TrackError::NotTracked(old.clone()))?;
        self.claims.remove(&key);
        let entry = self.events.get_mut(&key).expect("aliases point at entries");
        entry.current_id = new.clone();
        entry.sent_at = now;
        entry.sends += 1;
        entry.last_heard_at = None;
        entry.last_poll_at = None;
        entry.last_pending_at = None;
        entry.not_found = false;
        entry.failure_heard_at = None;
        self.aliases.insert(new.clone(), key);
        Ok(self.apply_held(&new, now))
    }

    /// Takes a notification: asset and user management ones complete or advance their
    /// event; others are [`Ignored::NoEvent`]. One for an event not tracked yet is held
    /// ([`Ignored::Held`]).
    ///
    /// An `ASSET_MANAGEMENT` notification lists the licenses Apple made, whatever its
    /// `result`. A `FAILURE` says the event finished with failures: what it lists is
    /// done, and the `status` that names the failed items is due at once (within the
    /// poll interval); the event finishes on that status's answer.
    pub fn on_notification_at(&mut self, n: &Notification, now: DateTime<Utc>) -> Update {
        let Some(report) = Report::from_notification(n) else {
            return Update::Ignored(Ignored::NoEvent);
        };
        if self.key(&report.event_id).is_none() {
            let id = report.event_id.clone();
            self.hold(report, now);
            return Update::Ignored(Ignored::Held(id));
        }
        self.apply_report(&report, now)
    }

    fn apply_report(&mut self, report: &Report, now: DateTime<Utc>) -> Update {
        let entry = match self.open_entry(&report.event_id) {
            Ok(entry) => entry,
            Err(ignored) => return Update::Ignored(ignored),
        };
        let current = entry.current_id == report.event_id;
        match entry.apply_report(report, current, now) {
            Applied::Complete => {
                Update::Completed(entry.finish(CompletedBy::Notification, Vec::new(), now))
            }
            Applied::Superseded => Update::Ignored(Ignored::Superseded(report.event_id.clone())),
            Applied::Progress => Update::Progress {
                event_id: entry.event_id.clone(),
                reported: entry.covered(),
                expected: entry.expected(),
            },
        }
    }

    /// Holds a notification for an event not tracked yet, within the policy's bounds.
    fn hold(&mut self, report: Report, now: DateTime<Utc>) {
        self.drop_stale_held(now);
        if self.policy.max_held == 0 {
            return;
        }
        while self.held.len() >= self.policy.max_held {
            self.held.pop_front();
        }
        self.held.push_back(Held {
            report,
            received_at: now,
        });
    }

    fn drop_stale_held(&mut self, now: DateTime<Utc>) {
        let keep = self.policy.hold_for;
        self.held.retain(|h| now <= after(h.received_at, keep));
    }

    /// Applies (and forgets) the notifications held for `event_id`.
    fn apply_held(&mut self, event_id: &EventId, now: DateTime<Utc>) -> Vec<Update> {
        self.drop_stale_held(now);
        let (mine, others): (VecDeque<Held>, VecDeque<Held>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| h.report.event_id == *event_id);
        self.held = others;
        mine.into_iter()
            .map(|h| self.apply_report(&h.report, now))
            .collect()
    }

    /// Takes a `status` answer for `event_id` received at `now`.
    pub fn on_status_at(
        &mut self,
        event_id: &EventId,
        status: &EventStatus,
        now: DateTime<Utc>,
    ) -> Update {
        self.release_claim(event_id);
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
        if entry.current_id != *event_id && status.state == crate::wire::EventState::Failed {
            // A replaced send that failed: the request follows its last send.
            entry.apply_report(
                &Report {
                    event_id: event_id.clone(),
                    success: false,
                    error: status
                        .failures
                        .first()
                        .map(|g| crate::wire::ErrorBody::new(g.error, g.message.clone())),
                    items: Vec::new(),
                },
                false,
                now,
            );
            return Update::Ignored(Ignored::Superseded(event_id.clone()));
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
        self.release_claim(event_id);
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
        self.release_claim(event_id);
        let entry = self.open_entry(event_id).ok()?;
        Some(entry.finish(CompletedBy::GaveUp, Vec::new(), now))
    }

    /// What to do next about `event_id` at `now` (`None` if it is not tracked).
    pub fn next_at(&self, event_id: &EventId, now: DateTime<Utc>) -> Option<Next> {
        let entry = self.events.get(&self.key(event_id)?)?;
        Some(self.next_for(entry, now))
    }

    /// Everything to do now: the polls, resends and give-ups that are due (and not
    /// claimed by a replica: [`EventTracker::claim_due_at`]).
    pub fn due_at(&self, now: DateTime<Utc>) -> Vec<Next> {
        self.events
            .values()
            .filter(|e| e.outcome.is_none() && self.claimed_until(&e.event_id, now).is_none())
            .map(|e| self.next_for(e, now))
            .filter(|n| !matches!(n, Next::Wait { .. }))
            .collect()
    }

    /// When something is next due (`now` if something is due already; `None` when no
    /// event is open). Claimed work is due again when its claim lapses.
    pub fn next_wake_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.events
            .values()
            .filter(|e| e.outcome.is_none())
            .map(
                |e| match (self.claimed_until(&e.event_id, now), self.next_for(e, now)) {
                    (_, Next::Wait { until }) => until,
                    (Some(claimed), _) => claimed,
                    _ => now,
                },
            )
            .min()
    }

    /// Claims what is due at `now` (as [`EventTracker::due_at`] lists it) for `hold`: it
    /// is not due for anyone else until its answer is taken
    /// ([`EventTracker::on_status_at`], [`EventTracker::on_status_error_at`],
    /// [`EventTracker::resent_at`], [`EventTracker::give_up_at`]), the claim is released
    /// ([`EventTracker::release_claim`]), or `hold` has passed (a replica that died).
    ///
    /// This is how replicas sharing one stored tracker split the work: claim in one short
    /// read-modify-write of the stored tracker, send the requests without holding it,
    /// then take the answers in another (see `LocationHandle::poll_shared_at`, feature
    /// `client`). Returns what was claimed.
    pub fn claim_due_at(&mut self, now: DateTime<Utc>, hold: Duration) -> Vec<Next> {
        self.claims.retain(|_, until| *until > now);
        let due = self.due_at(now);
        for next in &due {
            let id = match next {
                Next::Poll(id) | Next::GiveUp(id) => id,
                Next::Resend(resend) => &resend.event_id,
                _ => continue,
            };
            if let Some(key) = self.key(id) {
                self.claims.insert(key, after(now, hold));
            }
        }
        due
    }

    /// Releases the claim on the event `event_id` belongs to (e.g. its poll could not
    /// reach Apple): it is due again for anyone. Whether there was one.
    pub fn release_claim(&mut self, event_id: &EventId) -> bool {
        self.key(event_id)
            .is_some_and(|key| self.claims.remove(&key).is_some())
    }

    /// When the claim on `key` lapses, if it is claimed at `now`.
    fn claimed_until(&self, key: &EventId, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.claims.get(key).copied().filter(|until| *until > now)
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
        self.claims.remove(&key);
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
                .is_some_and(|t| t >= after(e.sent_at, p.resend_after));
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
        // A FAILURE notification says the event finished: the status that names the
        // failed items is due at once.
        let mut poll_at = match e.failure_heard_at {
            Some(at) => at,
            None => after(heard, p.notification_grace),
        };
        if let Some(polled) = e.last_poll_at {
            poll_at = poll_at.max(after(polled, p.poll_interval));
        }
        if now >= poll_at {
            Next::Poll(e.current_id.clone())
        } else {
            Next::Wait { until: poll_at }
        }
    }
}
