//! What an event concerned and how it ended: [`Concerns`], [`Subject`], [`EventOutcome`].

use std::fmt;

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

impl Subject {
    /// `"serial"` for a device, `"user"` for a user: a row's subject kind, without a
    /// `match` (and its `_` arm) in the caller.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Serial(_) => "serial",
            Self::User(_) => "user",
        }
    }

    /// The serial number or client user id.
    pub fn id(&self) -> &str {
        match self {
            Self::Serial(id) | Self::User(id) => id,
        }
    }

    /// The serial number, for a device.
    pub fn serial_number(&self) -> Option<&str> {
        match self {
            Self::Serial(id) => Some(id),
            Self::User(_) => None,
        }
    }

    /// The client user id, for a user.
    pub fn client_user_id(&self) -> Option<&str> {
        match self {
            Self::User(id) => Some(id),
            Self::Serial(_) => None,
        }
    }
}

/// `serial C02XK1ABCDEF` or `user alice-42`: [`Subject::kind`], a space, [`Subject::id`].
impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.id())
    }
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

/// A device or user the event failed for, at least in part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubjectFailure {
    /// The device or user.
    pub subject: Subject,
    /// Apple's error number, when Apple gave one (the first failure's, when several).
    pub error: Option<ErrorNumber>,
    /// Apple's message (may be empty).
    pub message: String,
    /// For an associate or disassociate: the assets that failed for this device or user.
    /// Its other assets succeeded (see [`EventOutcome::assignments`]): a device that got
    /// one app of two is listed here with the one it did not get. Empty for the other
    /// events.
    #[serde(default)]
    pub assets: Vec<EventAsset>,
}

/// How one license (asset × device or user) of an event ended; for revoke and user
/// events, how one device or user did ([`AssignmentOutcome::asset`] is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssignmentOutcome {
    /// The asset, for an associate or disassociate.
    pub asset: Option<EventAsset>,
    /// The device or user.
    pub subject: Subject,
    /// How it ended.
    pub result: AssignmentResult,
}

impl AssignmentOutcome {
    /// The asset's adamId, for an associate or disassociate.
    pub fn adam_id(&self) -> Option<&str> {
        self.asset.as_ref().map(|a| a.adam_id.as_str())
    }

    /// The key of this license (or device or user) within its event: unique among
    /// [`EventOutcome::assignments`], so that rows can be stored keyed by it.
    pub fn key(&self) -> AssignmentKey {
        AssignmentKey {
            adam_id: self.adam_id().map(str::to_owned),
            subject: self.subject.clone(),
        }
    }
}

/// Which license (asset × device or user) an [`AssignmentOutcome`] is about; for revoke
/// and user events, which device or user (`adam_id` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssignmentKey {
    /// The asset's adamId, for an associate or disassociate.
    pub adam_id: Option<String>,
    /// The device or user.
    pub subject: Subject,
}

/// `361309726 serial C02XK1ABCDEF` (adamId, then the subject), or the subject alone.
impl fmt::Display for AssignmentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.adam_id {
            Some(adam_id) => write!(f, "{adam_id} {}", self.subject),
            None => self.subject.fmt(f),
        }
    }
}

/// The result of one license or one device or user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AssignmentResult {
    /// Done.
    Succeeded,
    /// Apple named it among the failures.
    Failed {
        /// Apple's error number, when Apple gave one.
        error: Option<ErrorNumber>,
        /// Apple's message (may be empty).
        message: String,
    },
    /// Not known: Apple reported an error without saying whom it concerns, or the
    /// caller gave up.
    Unknown,
}

impl AssignmentResult {
    /// `"succeeded"`, `"failed"` or `"unknown"`: the `result` field of its JSON form, and
    /// a row's status column, without a `match` in the caller.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed { .. } => "failed",
            Self::Unknown => "unknown",
        }
    }

    /// Apple's error number, for a failure that carries one.
    pub fn error(&self) -> Option<ErrorNumber> {
        match self {
            Self::Failed { error, .. } => *error,
            Self::Succeeded | Self::Unknown => None,
        }
    }

    /// Apple's message, for a failure (may be empty).
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Failed { message, .. } => Some(message),
            Self::Succeeded | Self::Unknown => None,
        }
    }
}

/// [`AssignmentResult::as_str`].
impl fmt::Display for AssignmentResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `FAILURE` notification about a send that was replaced by a resend, recorded without
/// changing the request's outcome (which follows the last send).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SupersededFailure {
    /// The replaced send's event id.
    pub event_id: EventId,
    /// Apple's error number, when the notification carried one.
    pub error: Option<ErrorNumber>,
    /// Apple's message (may be empty).
    pub message: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
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

impl CompletedBy {
    /// `"notification"`, `"status"` or `"gave_up"`: its JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification => "notification",
            Self::Status => "status",
            Self::GaveUp => "gave_up",
        }
    }
}

/// [`CompletedBy::as_str`].
impl fmt::Display for CompletedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// One result per license (asset × device or user) for an associate or
    /// disassociate; per device or user for the other events. The lists above sum these
    /// up per device and user: `succeeded` when all its licenses succeeded, `failed` when
    /// at least one failed (with the failed assets), `unknown` otherwise.
    #[serde(default)]
    pub assignments: Vec<AssignmentOutcome>,
    /// `FAILURE` notifications about replaced sends (recorded, not applied).
    #[serde(default)]
    pub superseded_failures: Vec<SupersededFailure>,
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

    /// The failure for `subject`, if it failed (at least in part).
    pub fn failure_for(&self, subject: &Subject) -> Option<&SubjectFailure> {
        self.failed.iter().find(|f| &f.subject == subject)
    }

    /// The result of the license of asset `adam_id` for `subject` (for revoke and user
    /// events, whose results are per device or user, pass `None`).
    pub fn assignment(
        &self,
        adam_id: Option<&str>,
        subject: &Subject,
    ) -> Option<&AssignmentResult> {
        self.assignments
            .iter()
            .find(|a| {
                &a.subject == subject && a.asset.as_ref().map(|x| x.adam_id.as_str()) == adam_id
            })
            .map(|a| &a.result)
    }
}
