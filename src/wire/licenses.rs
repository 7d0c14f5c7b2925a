//! The bodies of the asynchronous writes (Apps and Books v2) and their answer:
//! `POST assets/associate`, `assets/disassociate` ([`LicensesRequest`]),
//! `assets/revoke` ([`RevokeRequest`]), `users/create`, `users/update`, `users/retire`
//! ([`UsersRequest`]); each answers an [`EventResponse`] and does the work later.
//!
//! Empty lists are left out of the JSON: `{"assets":[…],"serialNumbers":["C02X"]}`, not
//! `…,"clientUserIds":[]`. [`crate::batching`] splits a request by Apple's limits,
//! removes duplicates and refuses an empty one before anything is sent.
//!
//! Apple: [Managing assets](https://developer.apple.com/documentation/devicemanagement/managing-assets), [Create Users](https://developer.apple.com/documentation/devicemanagement/create-users), [`EventResponse`](https://developer.apple.com/documentation/devicemanagement/eventresponse).

use serde::{Deserialize, Serialize};

use super::common::PricingParam;
use super::location_fields::location_fields;
use crate::ids::{AdamId, EventId};

/// One entry of `assets` in an associate or disassociate request: which licenses.
///
/// Apple: [`ManageAssetsRequest`](https://developer.apple.com/documentation/devicemanagement/manageassetsrequest) (its `assets`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetRef {
    /// `adamId`.
    pub adam_id: AdamId,
    /// `pricingParam` (`STDQ` for most apps).
    pub pricing_param: PricingParam,
}

impl AssetRef {
    /// Licenses of `adam_id` at `pricing`.
    pub fn new(adam_id: impl Into<AdamId>, pricing: PricingParam) -> Self {
        Self {
            adam_id: adam_id.into(),
            pricing_param: pricing,
        }
    }
}

/// The body of `POST assets/associate` and `POST assets/disassociate`:
/// `{"assets":[{"adamId","pricingParam"}],"clientUserIds":[…],"serialNumbers":[…]}`.
/// Empty lists are omitted.
///
/// Apple: [`ManageAssetsRequest`](https://developer.apple.com/documentation/devicemanagement/manageassetsrequest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicensesRequest {
    /// `assets`: the licenses to assign or take back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<AssetRef>,
    /// `clientUserIds`: the users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_user_ids: Vec<String>,
    /// `serialNumbers`: the devices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_numbers: Vec<String>,
}

impl LicensesRequest {
    /// A request for `assets` to or from the devices `serial_numbers` and the users
    /// `client_user_ids` (either may be empty, not both).
    pub fn new(
        assets: impl IntoIterator<Item = AssetRef>,
        serial_numbers: impl IntoIterator<Item = impl Into<String>>,
        client_user_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            assets: assets.into_iter().collect(),
            client_user_ids: client_user_ids.into_iter().map(Into::into).collect(),
            serial_numbers: serial_numbers.into_iter().map(Into::into).collect(),
        }
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// The body of `POST assets/revoke`: `{"clientUserIds":[…],"serialNumbers":[…]}`, which
/// takes back every revocable license of those users and devices. Empty lists are
/// omitted.
///
/// Apple: [`ManageAssetsRequest`](https://developer.apple.com/documentation/devicemanagement/manageassetsrequest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RevokeRequest {
    /// `clientUserIds`: the users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_user_ids: Vec<String>,
    /// `serialNumbers`: the devices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_numbers: Vec<String>,
}

impl RevokeRequest {
    /// A request to revoke every license of the devices `serial_numbers` and the users
    /// `client_user_ids` (either may be empty, not both).
    pub fn new(
        serial_numbers: impl IntoIterator<Item = impl Into<String>>,
        client_user_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            client_user_ids: client_user_ids.into_iter().map(Into::into).collect(),
            serial_numbers: serial_numbers.into_iter().map(Into::into).collect(),
        }
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// One entry of `users` in `users/create`, `users/update` or `users/retire`.
///
/// Apple: [`ManageUsersRequest`](https://developer.apple.com/documentation/devicemanagement/manageusersrequest) (its `users`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserEntry {
    /// `clientUserId`: the MDM's own, stable id for the user.
    pub client_user_id: String,
    /// `email` (optional; create and update).
    #[serde(default)]
    pub email: Option<String>,
    /// `managedAppleId` (optional; create and update).
    #[serde(default)]
    pub managed_apple_id: Option<String>,
}

impl UserEntry {
    /// A user with only its `clientUserId` (enough for `users/retire`).
    pub fn new(client_user_id: impl Into<String>) -> Self {
        Self {
            client_user_id: client_user_id.into(),
            email: None,
            managed_apple_id: None,
        }
    }

    /// With an `email`.
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// With a `managedAppleId`.
    #[must_use]
    pub fn with_managed_apple_id(mut self, id: impl Into<String>) -> Self {
        self.managed_apple_id = Some(id.into());
        self
    }
}

/// The body of `POST users/create`, `users/update` and `users/retire`:
/// `{"users":[{"clientUserId","email"?,"managedAppleId"?}]}`.
///
/// Apple: [`ManageUsersRequest`](https://developer.apple.com/documentation/devicemanagement/manageusersrequest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsersRequest {
    /// `users`.
    #[serde(default)]
    pub users: Vec<UserEntry>,
}

impl UsersRequest {
    /// A request for `users`.
    pub fn new(users: impl IntoIterator<Item = UserEntry>) -> Self {
        Self {
            users: users.into_iter().collect(),
        }
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

location_fields! {
/// The answer to every asynchronous write: `{"eventId","tokenExpirationDate","uId"}`, and
/// `mdmInfo` once an MDM claimed the location (Apple's `EventResponse` lists `MdmInfo`
/// among its types; its samples have none). The work happens later: follow the event
/// with `GET status?eventId=` or a notification.
///
/// Apple: [`EventResponse`](https://developer.apple.com/documentation/devicemanagement/eventresponse).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventResponse {
    /// `eventId` (required: without it there is nothing to follow).
    pub event_id: EventId,
}
}

fn to_json<T: Serialize>(body: &T) -> Vec<u8> {
    // Strings, enums and lists of them always serialize.
    serde_json::to_vec(body).unwrap_or_default()
}
