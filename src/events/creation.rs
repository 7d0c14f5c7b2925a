//! [`UserCreation`]: creating users safely when Apple's answer was lost, decided from the
//! event model, with the clock passed in.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::status::EventStatus;
use crate::ids::EventId;
use crate::notification::{Notification, Payload};
use crate::wire::{ErrorBody, ErrorNumber};
use crate::wire::{EventState, NotificationResult, UserEntry, UsersRequest};

/// The durations and bounds of [`UserCreation`] (defaults: Apple's guidance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreationPolicy {
    /// How long to wait after a lost answer before reading the users (30 s): Apple may
    /// still be applying a create it accepted.
    pub settle: Duration,
    /// The least time between two `status` polls of the event (30 s, Apple's minimum).
    pub poll_interval: Duration,
    /// How long an event may stay `PENDING` before the missing users are sent again
    /// (10 minutes).
    pub resend_after: Duration,
    /// How many times a user is sent in all (3).
    pub max_sends: u32,
}

impl Default for CreationPolicy {
    fn default() -> Self {
        Self {
            settle: Duration::from_secs(30),
            poll_interval: Duration::from_secs(30),
            resend_after: Duration::from_secs(10 * 60),
            max_sends: 3,
        }
    }
}

impl CreationPolicy {
    /// Sets [`CreationPolicy::settle`].
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// Sets [`CreationPolicy::poll_interval`].
    pub fn with_poll_interval(mut self, poll_interval: Duration) -> Self {
        self.poll_interval = poll_interval;
        self
    }

    /// Sets [`CreationPolicy::resend_after`].
    pub fn with_resend_after(mut self, resend_after: Duration) -> Self {
        self.resend_after = resend_after;
        self
    }

    /// Sets [`CreationPolicy::max_sends`] (at least 1).
    pub fn with_max_sends(mut self, max_sends: u32) -> Self {
        self.max_sends = max_sends.max(1);
        self
    }
}

/// How a send of `users/create` failed, as far as the decision is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendFailure {
    /// Apple may have applied it (a time-out, a 5xx, a broken answer): read after
    /// [`CreationPolicy::settle`].
    Unsure,
    /// Apple refused it for now (429 / 9646): nothing was applied; send again at `retry_at`.
    Refused {
        /// When to send again (the caller's retry policy).
        retry_at: DateTime<Utc>,
    },
    /// Apple refused the whole request with 9716 (a user of it already exists): read the
    /// users now.
    UserExists,
}

/// What to do next about a [`UserCreation`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CreationStep {
    /// Send `users/create` with these users, then [`UserCreation::on_answer_at`] or
    /// [`UserCreation::on_send_failed_at`].
    Send(UsersRequest),
    /// Poll `status` of this event, then [`UserCreation::on_status_at`].
    Poll(EventId),
    /// Read these users (`GET users?clientUserId=`), then [`UserCreation::on_read_at`]
    /// with those that have an active record.
    Read(Vec<String>),
    /// Nothing to do before `until`.
    Wait {
        /// When to ask again.
        until: DateTime<Utc>,
    },
    /// Finished.
    Done(CreationOutcome),
}

/// A user the creation did not end with an active record for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreationFailure {
    /// The user.
    pub client_user_id: String,
    /// Apple's error for it (e.g. 9717, an invalid email); `None` when it was still
    /// missing after the last send.
    pub error: Option<ErrorBody>,
}

/// How a [`UserCreation`] ended.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct CreationOutcome {
    /// Users with an active record now: created by this creation (by a send whose answer
    /// was lost, too), or already there (9716), in the batch's order.
    pub created: Vec<String>,
    /// Users that have none, in the batch's order.
    pub failed: Vec<CreationFailure>,
    /// Every event Apple answered, the first first.
    pub events: Vec<EventId>,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Send these users at `not_before`.
    ToSend {
        users: Vec<String>,
        not_before: DateTime<Utc>,
    },
    /// A send whose answer was lost: read these users at `read_at`.
    Unsure {
        users: Vec<String>,
        read_at: DateTime<Utc>,
    },
    /// Following an event.
    Following {
        event: EventId,
        users: Vec<String>,
        sent_at: DateTime<Utc>,
        poll_at: DateTime<Utc>,
    },
    /// Read these users now.
    Reading { users: Vec<String> },
    /// Every user is decided.
    Done,
}

/// One batch of `users/create`, followed until every user is created or failed. Pure:
/// the caller sends, polls and reads, and hands each answer back with the time.
///
/// # What Apple does with a second create
///
/// Apple keeps at most one active record per `clientUserId`: "For a given `clientUserId`
/// at an organizational unit, there can be zero or more entries in the Retired state, but
/// only zero or one entry in the Created or Associated state" (Apple, "Managing users",
/// <https://developer.apple.com/documentation/devicemanagement/managing-users>). Several
/// records per `clientUserId` come only from retiring a user and creating it again. A
/// create for a `clientUserId` that has an active record is refused with 9716, "A
/// registered user already exists with the specified clientUserId" (Apple's error list in
/// "Service Config",
/// <https://developer.apple.com/documentation/devicemanagement/service-config>).
///
/// So a replayed create makes no duplicate user, but it is not harmless either: Apple
/// applies a create later than it answers, so a second send made while the first is still
/// pending gets its own event, which fails with 9716 for every user the first one
/// created. Reading the users right after a lost answer cannot tell (the first create may
/// not be applied yet), and taking the second event's 9716 for a failure reports users
/// that exist as not created.
///
/// # The decision
///
/// [`UserCreation`] follows one batch of `users/create` to its end:
///
/// - Apple answered with an `eventId`: keep it (the first event id is kept for the
///   outcome) and follow it ([`CreationStep::Poll`] every poll interval, or a
///   `USER_MANAGEMENT` notification) until it finishes. A user it created, or refused with
///   9716 (the user exists: created by an earlier send whose answer was lost), is created.
///   A user it refused for another reason failed with that error (not sent again: the same
///   request would be refused the same way). Users the finished event does not account
///   for are read ([`CreationStep::Read`]).
/// - Apple's answer was lost (a time-out, a 5xx, a broken answer): Apple may have an event
///   nobody knows the id of. Wait [`CreationPolicy::settle`], then read the users: those
///   with an active record are created; only the missing ones are sent again, and that
///   send's event decides as above.
/// - Apple refused the request for now (429 / 9646): nothing was applied; send again when
///   the caller's retry policy says.
/// - Still `PENDING` after [`CreationPolicy::resend_after`] (Apple's 10 minutes): read,
///   and send again only the missing users.
///
/// At most [`CreationPolicy::max_sends`] sends; a user still missing after the last is
/// failed without an error ([`CreationFailure::error`] `None`).
///
/// ```
/// use apple_vpp::chrono::{DateTime, TimeDelta, Utc};
/// use apple_vpp::events::{CreationPolicy, CreationStep, EventStatus, SendFailure, UserCreation};
/// use apple_vpp::wire::{UserEntry, UsersRequest};
///
/// let t0: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
/// let request = UsersRequest::new([UserEntry::new("u-1"), UserEntry::new("u-2")]);
/// let mut creation = UserCreation::new(request, CreationPolicy::default(), t0);
/// let CreationStep::Send(batch) = creation.next_at(t0) else { panic!() };
/// assert_eq!(batch.users.len(), 2);
/// // The answer was lost: wait, then read.
/// creation.on_send_failed_at(SendFailure::Unsure, t0);
/// let t1 = t0 + TimeDelta::seconds(30);
/// assert_eq!(creation.next_at(t1), CreationStep::Read(vec!["u-1".into(), "u-2".into()]));
/// // Apple had applied it for u-1 meanwhile: only u-2 is sent again.
/// creation.on_read_at(&["u-1".to_owned()], t1);
/// let CreationStep::Send(again) = creation.next_at(t1) else { panic!() };
/// assert_eq!(again.users, vec![UserEntry::new("u-2")]);
/// creation.on_answer_at("ev-2".into(), t1);
/// // The second event fails with 9716 for u-2: the lost first send had created it too.
/// let status = EventStatus::from_response(200, br#"{"eventStatus":"FAILED","eventType":"CREATE",
///     "numCompleted":0,"numRequested":1,"failures":[{"errorNumber":9716,
///     "errorMessage":"A registered user already exists with the specified clientUserId.",
///     "errorInfo":{"clientUserIds":["u-2"]}}]}"#).unwrap();
/// creation.on_status_at(&"ev-2".into(), &status, t1 + TimeDelta::seconds(30));
/// let CreationStep::Done(outcome) = creation.next_at(t1 + TimeDelta::seconds(30)) else { panic!() };
/// assert_eq!(outcome.created, vec!["u-1".to_owned(), "u-2".to_owned()]);
/// assert!(outcome.failed.is_empty());
/// assert_eq!(outcome.events, vec!["ev-2".into()]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UserCreation {
    policy: CreationPolicy,
    /// The batch, by `clientUserId`, in order.
    order: Vec<String>,
    entries: BTreeMap<String, UserEntry>,
    created: BTreeSet<String>,
    failed: BTreeMap<String, Option<ErrorBody>>,
    sends: u32,
    events: Vec<EventId>,
    phase: Phase,
}

fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl UserCreation {
    /// A creation of `request`'s users (duplicates by `clientUserId` are sent once),
    /// starting at `now` with a send.
    pub fn new(request: UsersRequest, policy: CreationPolicy, now: DateTime<Utc>) -> Self {
        let mut order = Vec::new();
        let mut entries = BTreeMap::new();
        for user in request.users {
            if !entries.contains_key(&user.client_user_id) {
                order.push(user.client_user_id.clone());
                entries.insert(user.client_user_id.clone(), user);
            }
        }
        let users = order.clone();
        let done = users.is_empty();
        Self {
            policy: CreationPolicy {
                max_sends: policy.max_sends.max(1),
                ..policy
            },
            order,
            entries,
            created: BTreeSet::new(),
            failed: BTreeMap::new(),
            sends: 0,
            events: Vec::new(),
            phase: if done {
                Phase::Done
            } else {
                Phase::ToSend {
                    users,
                    not_before: now,
                }
            },
        }
    }

    /// How many sends were made.
    pub fn sends(&self) -> u32 {
        self.sends
    }

    /// Every event Apple answered so far, the first first.
    pub fn events(&self) -> &[EventId] {
        &self.events
    }

    /// What to do at `now`.
    pub fn next_at(&self, now: DateTime<Utc>) -> CreationStep {
        match &self.phase {
            Phase::Done => CreationStep::Done(self.outcome()),
            Phase::ToSend { users, not_before } => {
                if now < *not_before {
                    return CreationStep::Wait { until: *not_before };
                }
                CreationStep::Send(UsersRequest::new(
                    users.iter().map(|id| self.entries[id].clone()),
                ))
            }
            Phase::Unsure { users, read_at } => {
                if now < *read_at {
                    CreationStep::Wait { until: *read_at }
                } else {
                    CreationStep::Read(users.clone())
                }
            }
            Phase::Following { event, poll_at, .. } => {
                if now < *poll_at {
                    CreationStep::Wait { until: *poll_at }
                } else {
                    CreationStep::Poll(event.clone())
                }
            }
            Phase::Reading { users } => CreationStep::Read(users.clone()),
        }
    }

    /// The users of the send in flight (or last made).
    fn in_flight(&self) -> Vec<String> {
        match &self.phase {
            Phase::ToSend { users, .. }
            | Phase::Unsure { users, .. }
            | Phase::Following { users, .. }
            | Phase::Reading { users } => users.clone(),
            Phase::Done => Vec::new(),
        }
    }

    /// Apple answered the send with `event_id` at `now`: follow it.
    pub fn on_answer_at(&mut self, event_id: EventId, now: DateTime<Utc>) {
        let users = self.in_flight();
        if !matches!(self.phase, Phase::ToSend { .. }) {
            return;
        }
        self.sends += 1;
        self.events.push(event_id.clone());
        self.phase = Phase::Following {
            event: event_id,
            users,
            sent_at: now,
            poll_at: after(now, self.policy.poll_interval),
        };
    }

    /// The send failed at `now` as `failure` says.
    pub fn on_send_failed_at(&mut self, failure: SendFailure, now: DateTime<Utc>) {
        let Phase::ToSend { users, .. } = &self.phase else {
            return;
        };
        let users = users.clone();
        match failure {
            // Nothing reached Apple's records: this send does not count.
            SendFailure::Refused { retry_at } => {
                self.phase = Phase::ToSend {
                    users,
                    not_before: retry_at,
                };
            }
            SendFailure::Unsure => {
                self.sends += 1;
                self.phase = Phase::Unsure {
                    users,
                    read_at: after(now, self.policy.settle),
                };
            }
            SendFailure::UserExists => {
                self.sends += 1;
                self.phase = Phase::Reading { users };
            }
        }
    }

    /// A `status` answer for `event_id` at `now`.
    pub fn on_status_at(&mut self, event_id: &EventId, status: &EventStatus, now: DateTime<Utc>) {
        let Phase::Following {
            event,
            users,
            sent_at,
            ..
        } = &self.phase
        else {
            return;
        };
        if event != event_id {
            return;
        }
        let users = users.clone();
        if status.is_pending() {
            self.phase = if now >= after(*sent_at, self.policy.resend_after) {
                Phase::Reading { users }
            } else {
                Phase::Following {
                    event: event.clone(),
                    users,
                    sent_at: *sent_at,
                    poll_at: after(now, self.policy.poll_interval),
                }
            };
            return;
        }
        let mut unaccounted: BTreeSet<String> = users.iter().cloned().collect();
        for group in &status.failures {
            for id in &group.client_user_ids {
                if !unaccounted.remove(id) {
                    continue;
                }
                if group.error == ErrorNumber::ClientUserIdExists {
                    self.created.insert(id.clone());
                } else {
                    self.failed.insert(
                        id.clone(),
                        Some(ErrorBody::new(group.error, group.message.clone())),
                    );
                }
            }
        }
        if status.state == EventState::Complete {
            self.created.extend(unaccounted);
            self.finish_or_continue(Vec::new(), now);
        } else {
            // Failed without naming them (or partly): read after the finished event.
            let rest: Vec<String> = users
                .into_iter()
                .filter(|u| unaccounted.contains(u))
                .collect();
            self.finish_or_continue(rest, now);
        }
    }

    /// Apple answered a `status` poll of `event_id` with 9708 (the event is not known):
    /// nothing says the users were created, so read them (and send the missing again).
    pub fn on_event_not_found_at(&mut self, event_id: &EventId, _now: DateTime<Utc>) {
        if let Phase::Following { event, users, .. } = &self.phase {
            if event == event_id {
                self.phase = Phase::Reading {
                    users: users.clone(),
                };
            }
        }
    }

    /// A `USER_MANAGEMENT` notification at `now`: a `SUCCESS` for the followed event
    /// creates its users; a `FAILURE` makes its `status` (which names the failed users)
    /// due at once. Any other notification changes nothing.
    pub fn on_notification_at(&mut self, n: &Notification, now: DateTime<Utc>) {
        let Payload::UserManagement(um) = &n.payload else {
            return;
        };
        let Phase::Following {
            event,
            users,
            sent_at,
            ..
        } = &self.phase
        else {
            return;
        };
        if *event != um.event_id {
            return;
        }
        if um.result == NotificationResult::Success {
            let users = users.clone();
            self.created.extend(users);
            self.finish_or_continue(Vec::new(), now);
        } else {
            self.phase = Phase::Following {
                event: event.clone(),
                users: users.clone(),
                sent_at: *sent_at,
                poll_at: now,
            };
        }
    }

    /// What a read at `now` showed: `active` are the users (of those asked) that have an
    /// active record. The others are sent again (within [`CreationPolicy::max_sends`]).
    pub fn on_read_at(&mut self, active: &[String], now: DateTime<Utc>) {
        let users = match &self.phase {
            Phase::Reading { users } | Phase::Unsure { users, .. } => users.clone(),
            _ => return,
        };
        let mut missing = Vec::new();
        for id in users {
            if active.contains(&id) {
                self.failed.remove(&id);
                self.created.insert(id);
            } else {
                missing.push(id);
            }
        }
        if missing.is_empty() || self.sends >= self.policy.max_sends {
            for id in missing {
                self.failed.entry(id).or_insert(None);
            }
            self.phase = Phase::Done;
        } else {
            self.phase = Phase::ToSend {
                users: missing,
                not_before: now,
            };
        }
    }

    /// After a finished event: read `rest` if any, else done.
    fn finish_or_continue(&mut self, rest: Vec<String>, _now: DateTime<Utc>) {
        self.phase = if rest.is_empty() {
            Phase::Done
        } else {
            Phase::Reading { users: rest }
        };
    }

    /// The outcome so far (complete once [`CreationStep::Done`]).
    pub fn outcome(&self) -> CreationOutcome {
        CreationOutcome {
            created: self
                .order
                .iter()
                .filter(|id| self.created.contains(*id))
                .cloned()
                .collect(),
            failed: self
                .order
                .iter()
                .filter(|id| !self.created.contains(*id))
                .filter_map(|id| {
                    self.failed.get(id).map(|error| CreationFailure {
                        client_user_id: id.clone(),
                        error: error.clone(),
                    })
                })
                .collect(),
            events: self.events.clone(),
        }
    }
}
