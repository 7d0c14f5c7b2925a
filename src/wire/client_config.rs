//! `GET /client/config` response and `POST /client/config` request (Apps and Books v2).
//!
//! Apple: [Client Config (read)](https://developer.apple.com/documentation/devicemanagement/client-config-71glv), [Client Config (write)](https://developer.apple.com/documentation/devicemanagement/client-config-4szk1).

use serde::{Deserialize, Serialize};

use super::location_fields::{MdmInfo, location_fields};
use super::open_enum::open_enum;
use crate::secret::SecretString;

location_fields! {
/// The response of `GET /client/config` (and of `POST`): what Apple knows about the
/// location behind a token.
///
/// Every field is optional on the wire; [`crate::LocationSnapshot::from_v2`] decides
/// which are required. Unknown fields are ignored. `mdmInfo`, `tokenExpirationDate` and
/// `uId` are the location fields Apple repeats in its answers, declared once for all.
///
/// Apple: [`ClientConfigResponse`](https://developer.apple.com/documentation/devicemanagement/clientconfigresponse).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientConfig {
    /// `countryISO2ACode`: the location's country, ISO 3166-1 alpha-2 (e.g. `DE`).
    #[serde(rename = "countryISO2ACode", default)]
    pub country_iso2a_code: Option<String>,
    /// `defaultPlatform`: `volumestore` or `enterprisestore`.
    #[serde(default)]
    pub default_platform: Option<Platform>,
    /// `locationName`: the location's name as shown in Apple Business Manager.
    #[serde(default)]
    pub location_name: Option<String>,
    /// `notificationAuthToken`: the secret Apple sends with notifications.
    #[serde(default)]
    pub notification_auth_token: Option<SecretString>,
    /// `notificationUrl`: where Apple sends notifications.
    #[serde(default)]
    pub notification_url: Option<String>,
    /// `subscribedNotificationTypes`.
    #[serde(default)]
    pub subscribed_notification_types: Option<Vec<NotificationType>>,
    /// `websiteURL`.
    #[serde(rename = "websiteURL", default)]
    pub website_url: Option<String>,
}
}

impl ClientConfig {
    /// `tokenExpirationDate` parsed (`Z`, `+hhmm` and `+hh:mm` accepted); `None` when
    /// absent, `Some(Err(_))` when present but not a date-time.
    pub fn token_expiration(
        &self,
    ) -> Option<Result<chrono::DateTime<chrono::FixedOffset>, crate::date::DateProblem>> {
        self.token_expiration_date
            .as_deref()
            .map(crate::date::parse)
    }
}

open_enum! {
    /// `defaultPlatform`.
    pub enum Platform {
        /// `volumestore`: the Apps and Books store.
        VolumeStore = "volumestore",
        /// `enterprisestore`.
        EnterpriseStore = "enterprisestore",
    }
}

open_enum! {
    /// A notification type (`notificationTypes`, `subscribedNotificationTypes`).
    pub enum NotificationType {
        /// `ASSET_MANAGEMENT`.
        AssetManagement = "ASSET_MANAGEMENT",
        /// `USER_MANAGEMENT`.
        UserManagement = "USER_MANAGEMENT",
        /// `USER_ASSOCIATED`.
        UserAssociated = "USER_ASSOCIATED",
        /// `ASSET_COUNT`.
        AssetCount = "ASSET_COUNT",
        /// `SUBSCRIPTION_MANAGEMENT`.
        SubscriptionManagement = "SUBSCRIPTION_MANAGEMENT",
        /// `SUBSCRIPTION_COUNT`.
        SubscriptionCount = "SUBSCRIPTION_COUNT",
        /// `TEST_NOTIFICATION`: sent by Apple when a notification URL is set.
        TestNotification = "TEST_NOTIFICATION",
    }
}

/// The body of `POST /client/config`. Build it with [`ClientConfigUpdate::builder`], which
/// refuses combinations Apple would refuse (9710, 9723) before anything is sent.
///
/// Apple: [`ClientConfigRequest`](https://developer.apple.com/documentation/devicemanagement/clientconfigrequest).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientConfigUpdate {
    /// Our `mdmInfo` (all three fields).
    #[serde(default)]
    pub mdm_info: Option<MdmInfo>,
    /// Where Apple should send notifications.
    #[serde(default)]
    pub notification_url: Option<String>,
    /// The secret Apple sends with each notification.
    #[serde(default)]
    pub notification_auth_token: Option<SecretString>,
    /// The notification types to subscribe to.
    #[serde(default)]
    pub notification_types: Option<Vec<NotificationType>>,
}

impl ClientConfigUpdate {
    /// Starts an update.
    pub fn builder() -> ClientConfigUpdateBuilder {
        ClientConfigUpdateBuilder::default()
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing strings and enums cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Builds a [`ClientConfigUpdate`]; see [`ClientConfigUpdate::builder`].
#[derive(Debug, Clone, Default)]
pub struct ClientConfigUpdateBuilder {
    mdm_info: Option<MdmInfo>,
    notification_url: Option<url::Url>,
    notification_auth_token: Option<SecretString>,
    notification_types: Option<Vec<NotificationType>>,
}

impl ClientConfigUpdateBuilder {
    /// Our identity as `mdmInfo`. Prefer [`crate::MdmIdentity::to_mdm_info`], which is
    /// validated against Apple's limits.
    pub fn mdm_info(mut self, info: MdmInfo) -> Self {
        self.mdm_info = Some(info);
        self
    }

    /// The notification URL (must be `https`). Needs [`Self::notification_auth_token`].
    pub fn notification_url(mut self, url: url::Url) -> Self {
        self.notification_url = Some(url);
        self
    }

    /// The secret Apple will send with notifications. Needs [`Self::notification_url`].
    pub fn notification_auth_token(mut self, token: SecretString) -> Self {
        self.notification_auth_token = Some(token);
        self
    }

    /// The notification types to subscribe to.
    pub fn notification_types(mut self, types: impl IntoIterator<Item = NotificationType>) -> Self {
        self.notification_types = Some(types.into_iter().collect());
        self
    }

    /// Checks the combination and builds the update.
    pub fn build(self) -> Result<ClientConfigUpdate, UpdateError> {
        if let Some(info) = &self.mdm_info {
            let missing = [
                ("id", &info.id),
                ("name", &info.name),
                ("metadata", &info.metadata),
            ]
            .into_iter()
            .find(|(_, v)| v.is_none());
            if let Some((field, _)) = missing {
                return Err(UpdateError::IncompleteMdmInfo { missing: field });
            }
        }
        match (&self.notification_url, &self.notification_auth_token) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(UpdateError::NotificationUrlWithoutToken);
            }
            (Some(url), Some(token)) => {
                if url.scheme() != "https" {
                    return Err(UpdateError::NotificationUrlNotHttps);
                }
                if token.is_empty() {
                    return Err(UpdateError::EmptyNotificationAuthToken);
                }
            }
            (None, None) => {}
        }
        if self.mdm_info.is_none()
            && self.notification_url.is_none()
            && self.notification_types.is_none()
        {
            return Err(UpdateError::Empty);
        }
        Ok(ClientConfigUpdate {
            mdm_info: self.mdm_info,
            notification_url: self.notification_url.map(String::from),
            notification_auth_token: self.notification_auth_token,
            notification_types: self.notification_types,
        })
    }
}

/// Why a [`crate::wire::ClientConfigUpdate`] was refused before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// `mdmInfo` lacks a field (Apple would answer 9723).
    #[error("mdmInfo needs id, name and metadata together; {missing} is missing")]
    IncompleteMdmInfo {
        /// The missing field.
        missing: &'static str,
    },
    /// Only one of notification URL and auth token (Apple would answer 9710).
    #[error("a notification URL and a notification auth token must be set together")]
    NotificationUrlWithoutToken,
    /// The notification URL is not `https`.
    #[error("the notification URL must use https")]
    NotificationUrlNotHttps,
    /// The notification auth token is empty.
    #[error("the notification auth token is empty: set a random secret")]
    EmptyNotificationAuthToken,
    /// Nothing to update.
    #[error("the update sets nothing: give mdmInfo, notification settings or both")]
    Empty,
}
