//! [`receive`]: authenticate and decode one notification, as a pure function.

use serde::Deserialize;
use serde_json::Value;

use super::secret::NotificationSecret;
use crate::ids::EventId;
use crate::wire::{
    AssetCountNotification, AssetManagementNotification, NotificationResult, NotificationType,
    UserAssociatedNotification, UserManagementNotification,
};

/// The largest body [`receive`] decodes by default: 1 MiB (a notification holds at most
/// 100 elements, a few tens of KiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Bounds on what [`receive`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiveLimits {
    /// The largest body decoded, in bytes (default [`DEFAULT_MAX_BODY`]). Also refuse a
    /// larger `Content-Length` before reading the body, where your framework lets you.
    pub max_body: usize,
}

impl Default for ReceiveLimits {
    fn default() -> Self {
        Self {
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

impl ReceiveLimits {
    /// Limits with `max_body` bytes.
    pub fn with_max_body(max_body: usize) -> Self {
        Self { max_body }
    }
}

/// One notification from Apple: the envelope and its typed payload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// `notificationId`: unique per notification; Apple may deliver one more than once
    /// (see [`super::NotificationDeduper`]).
    pub notification_id: String,
    /// `notificationType`, as sent (unknown types are kept: [`NotificationType::as_str`]).
    pub notification_type: NotificationType,
    /// `uId`: the location it concerns (written as a string or a number).
    pub u_id: Option<String>,
    /// The payload.
    pub payload: Payload,
}

/// A notification's payload, by type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// `TEST_NOTIFICATION`: sent when the URL is set (payload `{}`).
    Test,
    /// `ASSET_MANAGEMENT`.
    AssetManagement(AssetManagementNotification),
    /// `USER_MANAGEMENT`.
    UserManagement(UserManagementNotification),
    /// `USER_ASSOCIATED`.
    UserAssociated(UserAssociatedNotification),
    /// `ASSET_COUNT`.
    AssetCount(AssetCountNotification),
    /// Subscription types and types this crate does not know: the `notification` member
    /// kept as Apple sent it (`null` when absent).
    Other(Value),
}

impl Notification {
    /// The `eventId` of an asset or user management notification; `None` for the others.
    pub fn event_id(&self) -> Option<&EventId> {
        match &self.payload {
            Payload::AssetManagement(n) => Some(&n.event_id),
            Payload::UserManagement(n) => Some(&n.event_id),
            _ => None,
        }
    }

    /// The `result` of an asset or user management notification; `None` for the others.
    pub fn result(&self) -> Option<&NotificationResult> {
        match &self.payload {
            Payload::AssetManagement(n) => Some(&n.result),
            Payload::UserManagement(n) => Some(&n.result),
            _ => None,
        }
    }
}

/// Why a notification request was refused. No variant holds or prints the
/// `Authorization` header or the secret.
///
/// [`ReceiveError::http_status`] is the status to answer: Apple retries anything but 2xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// No `Authorization` header (answer 401).
    #[error("notification refused: no Authorization header")]
    MissingAuthorization,
    /// The header is not `Bearer <token>` (answer 401).
    #[error("notification refused: the Authorization header is not of the form `Bearer <token>`")]
    MalformedAuthorization,
    /// The Bearer token is not the secret (answer 401).
    #[error("notification refused: the Bearer token does not match the notification secret")]
    WrongSecret,
    /// The body is larger than the limit; it was not decoded (answer 413).
    #[error("notification refused: the body has {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// The body's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not a notification: not JSON, not an object, or without a
    /// `notificationId` or `notificationType` (answer 400).
    #[error("notification refused: the body is not a notification ({reason})")]
    NotANotification {
        /// What was wrong.
        reason: String,
    },
    /// A known type whose payload does not have the documented shape (answer 400; Apple
    /// retries, and an event it concerns is still found by polling `status`).
    #[error("notification refused: the {notification_type} payload could not be read ({reason})")]
    InvalidPayload {
        /// `notificationType`.
        notification_type: String,
        /// What was wrong.
        reason: String,
    },
}

impl ReceiveError {
    /// The HTTP status the handler should answer: 401 for the authentication errors,
    /// 413 for a body over the limit, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingAuthorization | Self::MalformedAuthorization | Self::WrongSecret => 401,
            Self::TooLarge { .. } => 413,
            Self::NotANotification { .. } | Self::InvalidPayload { .. } => 400,
        }
    }

    /// Whether the request failed authentication (401).
    pub fn is_unauthorized(&self) -> bool {
        self.http_status() == 401
    }
}

/// Authenticates and decodes one notification. Pure: hand it what your web framework
/// received.
///
/// - `authorization`: the raw `Authorization` header value, if any. It must be
///   `Bearer <token>`: the scheme in any case, one space, a token without spaces. The
///   token is compared with `secret` in constant time.
/// - `body`: the request body; refused unread when longer than `limits.max_body`.
///
/// Authentication comes first, so an unauthenticated caller learns nothing about the body
/// checks. See the [module docs](super) for the status to answer per outcome.
pub fn receive(
    authorization: Option<&[u8]>,
    body: &[u8],
    secret: &NotificationSecret,
    limits: &ReceiveLimits,
) -> Result<Notification, ReceiveError> {
    authenticate(authorization, secret)?;
    if body.len() > limits.max_body {
        return Err(ReceiveError::TooLarge {
            len: body.len(),
            max: limits.max_body,
        });
    }
    decode(body)
}

/// Checks an `Authorization` header value against the secret (the first step of
/// [`receive`]).
pub fn authenticate(
    authorization: Option<&[u8]>,
    secret: &NotificationSecret,
) -> Result<(), ReceiveError> {
    let header = authorization.ok_or(ReceiveError::MissingAuthorization)?;
    if header.is_empty() {
        return Err(ReceiveError::MissingAuthorization);
    }
    let token = match header.split_at_checked(7) {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case(b"bearer ") => token,
        _ => return Err(ReceiveError::MalformedAuthorization),
    };
    if token.is_empty() || token.iter().any(|b| !b.is_ascii_graphic()) {
        return Err(ReceiveError::MalformedAuthorization);
    }
    if secret.matches(token) {
        Ok(())
    } else {
        Err(ReceiveError::WrongSecret)
    }
}

/// [`authenticate`] against several secrets (the newest and the previous one while the
/// secret changes: see `NotificationSecrets`, feature `client`): accepted when the header
/// carries any of them. Each is compared in constant time; an empty list accepts nothing.
pub fn authenticate_any(
    authorization: Option<&[u8]>,
    secrets: &[NotificationSecret],
) -> Result<(), ReceiveError> {
    let mut last = ReceiveError::WrongSecret;
    for secret in secrets {
        match authenticate(authorization, secret) {
            Ok(()) => return Ok(()),
            Err(ReceiveError::WrongSecret) => {}
            Err(other) => last = other,
        }
    }
    if secrets.is_empty() {
        // Still tell a missing or malformed header apart from a wrong one.
        if let Err(e) = authenticate(authorization, &NotificationSecret::placeholder()) {
            if !matches!(e, ReceiveError::WrongSecret) {
                return Err(e);
            }
        }
    }
    Err(last)
}

/// The envelope; `notification` is decoded by type afterwards.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    notification: Option<Value>,
    notification_id: Option<crate::ids::EventId>,
    notification_type: Option<String>,
    #[serde(
        rename = "uId",
        default,
        deserialize_with = "crate::wire::string_or_number::deserialize"
    )]
    u_id: Option<String>,
}

/// Decodes a notification body without authenticating it (the last step of [`receive`];
/// also for replaying stored notifications).
pub fn decode(body: &[u8]) -> Result<Notification, ReceiveError> {
    let not_one = |reason: &str| ReceiveError::NotANotification {
        reason: reason.to_owned(),
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| not_one("not JSON"))?;
    if !value.is_object() {
        return Err(not_one("not a JSON object"));
    }
    let envelope: Envelope = serde_json::from_value(value)
        .map_err(|e| not_one(&crate::wire::elide_quoted(&e.to_string())))?;
    // Reuses EventId's string-or-integer reading for the id.
    let notification_id = envelope
        .notification_id
        .map(|id| id.as_str().to_owned())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| not_one("no notificationId"))?;
    let type_text = envelope
        .notification_type
        .filter(|t| !t.is_empty())
        .ok_or_else(|| not_one("no notificationType"))?;
    let notification_type = NotificationType::from(type_text.as_str());
    let raw = envelope.notification.unwrap_or(Value::Null);
    let payload = payload(&notification_type, raw).map_err(|e| ReceiveError::InvalidPayload {
        notification_type: type_text.clone(),
        reason: crate::wire::elide_quoted(&e.to_string()),
    })?;
    Ok(Notification {
        notification_id,
        notification_type,
        u_id: envelope.u_id,
        payload,
    })
}

fn payload(kind: &NotificationType, raw: Value) -> Result<Payload, serde_json::Error> {
    Ok(match kind {
        NotificationType::TestNotification => Payload::Test,
        NotificationType::AssetManagement => Payload::AssetManagement(serde_json::from_value(raw)?),
        NotificationType::UserManagement => Payload::UserManagement(serde_json::from_value(raw)?),
        NotificationType::UserAssociated => Payload::UserAssociated(serde_json::from_value(raw)?),
        NotificationType::AssetCount => Payload::AssetCount(serde_json::from_value(raw)?),
        _ => Payload::Other(raw),
    })
}
