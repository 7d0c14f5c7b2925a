//! The payloads of Apple's notifications (the `notification` member of the envelope
//! Apple POSTs to the MDM's `notificationUrl`). The envelope itself is read by
//! [`crate::notification::receive`].
//!
//! Apple: [Subscribing to notifications](https://developer.apple.com/documentation/devicemanagement/subscribing-to-notifications).

use serde::{Deserialize, Serialize};

use super::common::{EventType, PricingParam};
use super::error_body::ErrorBody;
use super::open_enum::open_enum;
use crate::ids::{AdamId, EventId};

open_enum! {
    /// `result` of an asset or user management notification.
    pub enum NotificationResult {
        /// `SUCCESS`.
        Success = "SUCCESS",
        /// `FAILURE` (see the payload's `error`).
        Failure = "FAILURE",
    }
}

/// `ASSET_MANAGEMENT`: licenses were associated, disassociated or revoked.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetManagementNotification {
    /// `assignments`: the licenses this notification reports (at most 100: a larger
    /// request is reported in several notifications).
    #[serde(default)]
    pub assignments: Vec<NotificationAssignment>,
    /// `eventId`: the request this reports on.
    pub event_id: EventId,
    /// `result`.
    pub result: NotificationResult,
    /// `type`: `ASSOCIATE`, `DISASSOCIATE` or `REVOKE`.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// `error`, on failure: `{errorNumber, errorMessage}`.
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

/// One license in an `ASSET_MANAGEMENT` notification: an asset and a device or a user.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NotificationAssignment {
    /// `adamId` (a string or a number on the wire).
    pub adam_id: AdamId,
    /// `pricingParam`.
    #[serde(default)]
    pub pricing_param: Option<PricingParam>,
    /// `serialNumber`, for a device license.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// `clientUserId`, for a user license.
    #[serde(default)]
    pub client_user_id: Option<String>,
}

/// `USER_MANAGEMENT`: users were created, updated or retired.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserManagementNotification {
    /// `eventId`: the request this reports on.
    pub event_id: EventId,
    /// `result`.
    pub result: NotificationResult,
    /// `type`: `CREATE`, `UPDATE` or `RETIRE`.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// `users`.
    #[serde(default)]
    pub users: Vec<NotificationUser>,
    /// `error`, on failure.
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

/// `USER_ASSOCIATED`: users accepted their invitation (no `eventId`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserAssociatedNotification {
    /// `associatedUsers`.
    #[serde(default)]
    pub associated_users: Vec<NotificationUser>,
}

/// A user in a user notification. Every field is optional on the wire.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NotificationUser {
    /// `clientUserId`: the MDM's id for the user.
    #[serde(default)]
    pub client_user_id: Option<String>,
    /// `email`.
    #[serde(default)]
    pub email: Option<String>,
    /// `inviteCode`, until the user accepts.
    #[serde(default)]
    pub invite_code: Option<String>,
    /// `idHash`, once associated.
    #[serde(default)]
    pub id_hash: Option<String>,
    /// `status`: `Registered`, `Associated`, `Retired` or `Deleted`, as Apple wrote it.
    #[serde(default)]
    pub status: Option<String>,
}

/// `ASSET_COUNT`: an asset's license count changed (purchase, transfer, refund).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetCountNotification {
    /// `adamId` (a string or a number on the wire).
    pub adam_id: AdamId,
    /// `countDelta`: positive for more licenses, negative for fewer.
    pub count_delta: i64,
    /// `pricingParam`.
    #[serde(default)]
    pub pricing_param: Option<PricingParam>,
}
