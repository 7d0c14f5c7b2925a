//! What an event concerned and how it ended: [`Concerns`], [`Subject`], [`EventOutcome`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::EventId;
use crate::wire::{ErrorNumber, EventAsset, EventType};

/// A device or a user an event concerns: what an MDM acts on afterwards (install the app
/// on the device, tell the user).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Subject {
    /// A device, by serial number.
    Serial(String),
    /// A user, by client user id.
    User(String),
}

/// What a request concerned: devices, users and assets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Concerns {
    /// Device serial numbers.
    pub serial_numbers: Vec<String>,
    /// Client user ids.
    pub client_user_ids: Vec<String>,
    /// Assets (empty for revoke and user requests).
    pub assets: Vec<EventAsset>,
}

impl Concerns {
    /// Every device and user, devices first.
    pub fn subjects(&self) -> Vec<Subject> {
        let serials = self.serial_numbers.iter().cloned().map(Subject::Serial);
        let users = self.client_user_ids.iter().cloned().map(Subject::User);
        serials.chain(users).collect()
    }
}

/// A device or user the event failed for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubjectFailure {
    /// The device or user.
    pub subject: Subject,
    /// Apple's error number, when Apple gave one.
    pub error: Option<ErrorNumber>,
    /// Apple's message (may be empty).
    pub message: String,
}

/// An error Apple reported for the event without saying which device or user it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnattributedError {
    /// Apple's error number.
    pub error: ErrorNumber,
    /// Apple's message.
    pub message: String,
}

/// How the tracker learnt that an event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CompletedBy {
    /// Notifications covered every device and user.
    Notification,
    /// A `status` answer said `COMPLETE` or `FAILED`.
    Status,
    /// The caller gave up ([`super::EventTracker::give_up_at`]).
    GaveUp,
}

/// How an event ended, per device and user. Act (e.g. install the app) only for
/// [`EventOutcome::succeeded`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventOutcome {
    /// The event id the request was first tracked under.
    pub event_id: EventId,
    /// The event id of the last send (differs after a resend).
    pub last_event_id: EventId,
    /// What the request did.
    pub event_type: EventType,
    /// The caller's key for the request.
    pub request_key: String,
    /// Devices and users it succeeded for.
    pub succeeded: Vec<Subject>,
    /// Devices and users it failed for, with Apple's error.
    pub failed: Vec<SubjectFailure>,
    /// Devices and users whose result is not known (Apple reported errors without naming
    /// whom they concern, or the caller gave up).
    pub unknown: Vec<Subject>,
    /// Errors Apple did not attribute to a device or user.
    pub unattributed: Vec<UnattributedError>,
    /// How the end was learnt.
    pub completed_by: CompletedBy,
    /// When.
    pub completed: DateTime<Utc>,
}

impl EventOutcome {
    /// Whether it succeeded for everything it concerned.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && self.unknown.is_empty() && self.unattributed.is_empty()
    }

    /// The failure for `subject`, if it failed.
    pub fn failure_for(&self, subject: &Subject) -> Option<&SubjectFailure> {
        self.failed.iter().find(|f| &f.subject == subject)
    }
}
