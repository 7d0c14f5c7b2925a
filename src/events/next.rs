//! What the tracker tells the caller: [`Next`] to do, and what an [`Update`] changed.

use chrono::{DateTime, Utc};

use super::outcome::{Concerns, EventOutcome};
use crate::ids::EventId;
use crate::wire::EventType;

/// What to do next about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Next {
    /// Nothing until `until` (or a notification).
    Wait {
        /// When to ask again.
        until: DateTime<Utc>,
    },
    /// Ask `GET status?eventId=` now, then report with [`super::EventTracker::on_status_at`].
    Poll(EventId),
    /// Send the request again, then report the new id with [`super::EventTracker::resent_at`].
    Resend(Resend),
    /// Still pending after every send the policy allows: decide, e.g. with
    /// [`super::EventTracker::give_up_at`].
    GiveUp(EventId),
    /// Finished.
    Done(EventOutcome),
}

/// The request to send again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resend {
    /// The event id of the last send.
    pub event_id: EventId,
    /// The caller's key for the request.
    pub request_key: String,
    /// What it does.
    pub event_type: EventType,
    /// What it concerns.
    pub concerns: Concerns,
    /// How many times it was sent so far.
    pub sends: u32,
}

/// What a notification or status answer changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
// The outcome is reported once per event: not worth a box and a changed pattern.
#[allow(clippy::large_enum_variant)]
pub enum Update {
    /// The event finished now; this is reported once.
    Completed(EventOutcome),
    /// Part of the event was reported (a notification holds at most 100 items).
    Progress {
        /// The tracked event id.
        event_id: EventId,
        /// Items reported so far.
        reported: usize,
        /// Items expected.
        expected: usize,
    },
    /// Apple is still working on it.
    StillPending(EventId),
    /// Nothing changed.
    Ignored(Ignored),
}

/// Why a notification or status answer changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ignored {
    /// The notification has no `eventId` (test, counts, user associated, unknown types).
    NoEvent,
    /// No tracked event has this id (a `status` answer for an event sent elsewhere, or
    /// forgotten): report it.
    UnknownEvent(EventId),
    /// A notification for an event not tracked (yet): with a fast Apple it can arrive
    /// before the request's answer reaches [`super::EventTracker::track_at`]. It is held
    /// (at most [`super::TrackerPolicy::max_held`] of them, each for at most
    /// [`super::TrackerPolicy::hold_for`]) and applied when `track_at` or `resent_at`
    /// names its event.
    Held(EventId),
    /// A `FAILURE` notification about a send that was replaced by a resend: recorded (see
    /// [`super::EventOutcome::superseded_failures`]) without finishing the request, which
    /// follows its last send.
    Superseded(EventId),
    /// The event already finished: a late or repeated report.
    AlreadyCompleted(EventId),
}

/// Why [`super::EventTracker::track_at`] or [`super::EventTracker::resent_at`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrackError {
    /// The event id is already tracked.
    #[error("event {0} is already tracked")]
    AlreadyTracked(EventId),
    /// No tracked event has this id.
    #[error("event {0} is not tracked")]
    NotTracked(EventId),
}
