//! Asynchronous requests (license and user changes) and knowing when they really landed.
//!
//! Apple answers an associate, disassociate, revoke or user request with an `eventId` and
//! does the work later. Apple's guidance: act (e.g. install the app) only after success;
//! wait for a notification; if none comes within 5 minutes, poll `status` no more often
//! than every 30 seconds; if it is still `PENDING` 10 minutes after sending, send the
//! request again. [`EventTracker`] follows that schedule with the clock passed in:
//!
//! 1. After sending, [`EventTracker::track_at`] with the `eventId`, what the request
//!    concerns, and your key for the request (the client's `SentBatch` converts into
//!    that as it is).
//! 2. Feed it every asset or user management notification
//!    ([`EventTracker::on_notification_at`]) and every `status` answer
//!    ([`EventTracker::on_status_at`], [`EventTracker::on_status_error_at`]).
//! 3. Ask [`EventTracker::due_at`] (or [`EventTracker::next_at`] for one event) what to do,
//!    and sleep until [`EventTracker::next_wake_at`]: [`Next::Poll`], [`Next::Resend`]
//!    (then [`EventTracker::resent_at`]), [`Next::GiveUp`], or [`Next::Done`].
//! 4. An [`Update::Completed`] carries the [`EventOutcome`] once: the result of each
//!    license (asset × device or user), summed up per device and user. A late or
//!    repeated notification is [`Ignored::AlreadyCompleted`]; one for an event not
//!    tracked yet is [`Ignored::Held`] and applied when `track_at` names it.
//!
//! An `ASSET_MANAGEMENT` notification lists the licenses Apple made, whatever its
//! `result`; a `FAILURE` makes `status` due at once, and the event finishes on the
//! status's answer, which names the failed (asset, device or user) pairs (Apple's
//! "Handling error responses":
//! <https://developer.apple.com/documentation/devicemanagement/handling-error-responses>).
//!
//! [`EventStatus`] is Apple's `status` answer, with failures grouped by error number.
//!
//! [`UserCreation`] follows one batch of `users/create` whose answer may have been lost
//! to its end, from the event model (see its module for what Apple does with a second
//! create).
//!
//! ```
//! use apple_vpp::events::{EventStatus, EventTracker, Next, SentEvent, Subject, Update};
//! use apple_vpp::wire::{EventAsset, EventType, PricingParam};
//! use apple_vpp::chrono::{DateTime, TimeDelta, Utc};
//!
//! let t0: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
//! let mut tracker = EventTracker::default();
//! let sent = SentEvent::new("ev-1", EventType::Associate, "request-17")
//!     .with_serial_numbers(["C02AAA", "C02BBB"])
//!     .with_assets([EventAsset::new("361309726", Some(PricingParam::Stdq))]);
//! tracker.track_at(sent, t0).unwrap();
//! // No notification: wait 5 minutes, then poll.
//! let id = "ev-1".into();
//! assert_eq!(tracker.next_at(&id, t0), Some(Next::Wait { until: t0 + TimeDelta::minutes(5) }));
//! let t1 = t0 + TimeDelta::minutes(5);
//! assert_eq!(tracker.due_at(t1), vec![Next::Poll(id.clone())]);
//! // Apple: FAILED, 1 of 2 done, 9709 for one device.
//! let status = EventStatus::from_response(200, br#"{"eventStatus":"FAILED","eventType":"ASSOCIATE",
//!     "numCompleted":1,"numRequested":2,"failures":[{"errorNumber":9709,
//!     "errorMessage":"not enough licenses","errorInfo":{"serialNumbers":["C02BBB"]}}]}"#).unwrap();
//! let Update::Completed(outcome) = tracker.on_status_at(&id, &status, t1) else { panic!() };
//! assert_eq!(outcome.succeeded, vec![Subject::Serial("C02AAA".into())]);
//! assert_eq!(outcome.failed[0].error.map(|e| e.code()), Some(9709));
//! ```

// Apple's status answer, and what came of a request
mod outcome;
mod status;

// one event's state and what to do next
mod entry;
mod next;

// following every event; one batch of users/create to its end
mod creation;
mod tracker;

pub use creation::{
    CreationFailure, CreationOutcome, CreationPolicy, CreationStep, SendFailure, UserCreation,
};
pub use next::{Ignored, Next, Resend, TrackError, Update};
pub use outcome::{
    AssignmentKey, AssignmentOutcome, AssignmentResult, CompletedBy, Concerns, EventOutcome,
    Subject, SubjectFailure, SupersededFailure, UnattributedError,
};
pub use status::{EventStatus, FailureGroup, FailurePart, is_event_not_found};
pub use tracker::{EventTracker, SentEvent, TrackerPolicy};
