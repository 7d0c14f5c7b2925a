//! `GET /status?eventId=` response (Apps and Books v2): how far an asynchronous request
//! (associate, disassociate, revoke, create, update or retire users) has got.
//!
//! Apple: [Event Status](https://developer.apple.com/documentation/devicemanagement/events-status), [`StatusResponse`](https://developer.apple.com/documentation/devicemanagement/statusresponse).

use serde::{Deserialize, Serialize};

use super::common::{EventType, PricingParam};
use super::error_body::ErrorNumber;
use super::location_fields::location_fields;
use super::open_enum::open_enum;
use crate::ids::AdamId;

open_enum! {
    /// `eventStatus`.
    pub enum EventState {
        /// `PENDING`: Apple has not finished; ask again (at least 30 s later).
        Pending = "PENDING",
        /// `COMPLETE`: every part succeeded.
        Complete = "COMPLETE",
        /// `FAILED`: some or all parts failed (see `failures`; `numCompleted` may be
        /// close to `numRequested`).
        Failed = "FAILED",
    }
}

location_fields! {
without mdm_info;
/// The response of `GET /status`.
///
/// Every field is optional on the wire; [`crate::events::EventStatus`] is the checked
/// domain view. Unknown fields are ignored. `tokenExpirationDate` and `uId` are the
/// location fields Apple repeats in its answers, declared once for all.
///
/// Apple: [`StatusResponse`](https://developer.apple.com/documentation/devicemanagement/statusresponse).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatusResponse {
    /// `eventStatus`: `PENDING`, `COMPLETE` or `FAILED`.
    #[serde(default)]
    pub event_status: Option<EventState>,
    /// `eventType`: what the request did.
    #[serde(default)]
    pub event_type: Option<EventType>,
    /// `numCompleted`: parts done so far.
    #[serde(default)]
    pub num_completed: Option<u64>,
    /// `numRequested`: parts requested.
    #[serde(default)]
    pub num_requested: Option<u64>,
    /// `failures`: what failed, with Apple's error number and what it concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StatusFailure>,
}
}

/// One entry of `failures`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatusFailure {
    /// `errorNumber` (e.g. 9709: not enough licenses).
    pub error_number: ErrorNumber,
    /// `errorMessage` (English, for logs).
    #[serde(default)]
    pub error_message: String,
    /// `errorInfo`: the assets, users and devices the error concerns.
    #[serde(default)]
    pub error_info: Option<FailureInfo>,
}

/// `errorInfo` of a status failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FailureInfo {
    /// `assets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<EventAsset>,
    /// `clientUserIds`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_user_ids: Vec<String>,
    /// `serialNumbers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_numbers: Vec<String>,
}

/// An asset an event concerns: `{adamId, pricingParam}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventAsset {
    /// `adamId` (a string or a number on the wire).
    pub adam_id: AdamId,
    /// `pricingParam`, when given.
    #[serde(default)]
    pub pricing_param: Option<PricingParam>,
}

impl EventAsset {
    /// An asset with its price tier.
    pub fn new(adam_id: impl Into<AdamId>, pricing_param: Option<PricingParam>) -> Self {
        Self {
            adam_id: adam_id.into(),
            pricing_param,
        }
    }
}
