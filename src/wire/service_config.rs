//! `GET /service/config` response (Apps and Books v2). No token needed.
//!
//! Apple: [Service Config](https://developer.apple.com/documentation/devicemanagement/service-config), [`ServiceConfigResponse`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ErrorNumber, NotificationType};

/// Apple's service configuration: error codes, limits, notification types and endpoint
/// URLs. Apple changes limits without notice and asks clients to re-read this about every
/// five minutes.
///
/// Apple: [`ServiceConfigResponse`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceConfig {
    /// `errorCodes`: every error Apple may return.
    #[serde(default)]
    pub error_codes: Vec<ErrorCode>,
    /// `limits`.
    #[serde(default)]
    pub limits: Limits,
    /// `notificationTypes`.
    #[serde(default)]
    pub notification_types: Vec<NotificationType>,
    /// `urls`: endpoint URLs by name.
    #[serde(default)]
    pub urls: Urls,
}

/// One entry of `errorCodes`.
///
/// Apple: [`ResponseErrorCode`](https://developer.apple.com/documentation/devicemanagement/responseerrorcode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorCode {
    /// `errorNumber`.
    pub error_number: ErrorNumber,
    /// `errorMessage`.
    #[serde(default)]
    pub error_message: String,
}

/// `limits`. Each is optional; the `max_mdm_*` limits bound [`crate::MdmIdentity`], the
/// request limits bound [`crate::batching::BatchLimits`].
///
/// Apple: [`ServiceConfigResponse.Limits`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse/limits-data.dictionary).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Limits {
    /// `maxAssets`: assets per associate or disassociate request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_assets: Option<u64>,
    /// `maxUsers`: users per `users/create`, `users/update` or `users/retire` request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_users: Option<u64>,
    /// `maxNotificationLength`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_notification_length: Option<u64>,
    /// `maxClientUserIds`: users per associate or disassociate request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_client_user_ids: Option<u64>,
    /// `maxSerialNumbers`: serial numbers per associate or disassociate request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_serial_numbers: Option<u64>,
    /// `maxRevokeClientUserIds`: users per `assets/revoke` request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_revoke_client_user_ids: Option<u64>,
    /// `maxRevokeSerialNumbers`: serial numbers per `assets/revoke` request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_revoke_serial_numbers: Option<u64>,
    /// `maxRequestPerSecond`: requests per second per location token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_per_second: Option<u64>,
    /// `maxMdmNameLength` (100 when documented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mdm_name_length: Option<u64>,
    /// `maxMdmMetadataLength` (255 when documented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mdm_metadata_length: Option<u64>,
    /// `maxMdmIdLength` (100 when documented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mdm_id_length: Option<u64>,
    /// Limits this version of the crate does not name, kept as Apple wrote them.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `urls`: Apple's endpoint URLs by name.
///
/// Apple: [`ServiceConfigResponse.Urls`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse/urls-data.dictionary).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Urls {
    /// `clientConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_config: Option<String>,
    /// `getAssets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_assets: Option<String>,
    /// `contentMetadataLookup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_metadata_lookup: Option<String>,
    /// Every other endpoint, by Apple's name.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}
