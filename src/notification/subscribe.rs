//! [`NotificationSubscription`]: where Apple should send notifications, with which
//! secret, for which types, as one value that goes into every client-config update.

use url::Url;

use super::secret::{NotificationSecret, SecretError};
use crate::wire::{
    AppleError, ClientConfig, ClientConfigUpdate, ErrorNumber, Limits, NotificationType,
};

/// The notification settings to send with every client-config update.
///
/// # What an update does, and why the settings travel with the claim
///
/// `POST client/config` takes `mdmInfo`, `notificationUrl` + `notificationAuthToken` and
/// `notificationTypes`; Apple wants the complete set of types each time, and it does not
/// document whether an update that leaves the notification fields out keeps or clears
/// them. The crate's claim ([`crate::configure_at`]) sends our `mdmInfo` plus whatever
/// update it is given, and a renewal that must re-claim ([`crate::Renewal::reclaim`])
/// carries `mdmInfo` only. So:
///
/// - **Subscribe by claiming.** Read the client configuration, then call
///   [`crate::configure_at`] with `Some(subscription.settings_update())`: it refuses when
///   another MDM holds the location (subscribing must not take a location silently), adds
///   our `mdmInfo` (subscribing cannot drop the claim), and even when the location is
///   already ours it sends the update. Check the read-back with
///   [`crate::PendingClaim::finish_at`] and [`NotificationSubscription::check_read_back`].
/// - **Claim with the subscription.** Whenever the MDM claims (or re-claims) a location
///   that should get notifications, pass the same `settings_update()` to
///   [`crate::configure_at`], and [`NotificationSubscription::apply_to`] a renewal's
///   `reclaim` update: claiming then never drops notifications.
///
/// Setting a URL makes Apple POST a `TEST_NOTIFICATION` to it at once; when that fails
/// Apple refuses the whole update with error 9728: see [`SubscribeError::from_apple`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSubscription {
    url: Url,
    secret: NotificationSecret,
    types: Vec<NotificationType>,
}

/// Why notification settings were refused (before sending, or by Apple).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeError {
    /// Not a URL.
    #[error("the notification URL is not a valid URL: {reason}")]
    InvalidUrl {
        /// The parser's reason.
        reason: String,
    },
    /// A user name or password in the URL (`https://user:pw@host/...`): Apple would be
    /// handed a credential it has no use for, and it would show in every log of the URL.
    /// (Neither is repeated in this error.)
    #[error(
        "the notification URL must not contain a user name or password (user:password@): remove them; Apple authenticates to the MDM with the notification secret alone"
    )]
    Userinfo,
    /// Not `https` (plain `http` is allowed only to loopback hosts, for tests).
    #[error(
        "the notification URL {url} must use https (Apple only delivers to https; plain http is allowed only for loopback hosts in tests)"
    )]
    InsecureUrl {
        /// The URL given.
        url: String,
    },
    /// `TEST_NOTIFICATION` is not a type one subscribes to (Apple sends it by itself).
    #[error("TEST_NOTIFICATION is sent by Apple whenever the URL is set; do not subscribe to it")]
    TestType,
    /// 9728: Apple could not deliver the test notification; nothing was changed.
    #[error(
        "Apple could not deliver its test notification to {url} (error 9728), so the notification settings were not changed: make sure this address is reachable from the internet over https with a publicly trusted certificate, and that it answers 2xx to a POST carrying the new secret"
    )]
    TestNotificationNotDelivered {
        /// The URL Apple could not reach.
        url: String,
    },
    /// Apple accepted the update, but the configuration read back afterwards does not
    /// show these settings.
    #[error(
        "Apple accepted the notification settings for {url} but did not record them: {} differ in the configuration read back; subscribe again, and report it if it persists",
        fields.join(", ")
    )]
    NotRecorded {
        /// The URL subscribed.
        url: String,
        /// Apple's names of the fields that differ (see
        /// [`NotificationSubscription::check_read_back`]).
        fields: Vec<&'static str>,
    },
    /// Any other error Apple returned for the update.
    #[error(transparent)]
    Apple(AppleError),
}

impl SubscribeError {
    /// Classifies an error Apple returned for an update carrying `subscription`: 9728
    /// becomes [`SubscribeError::TestNotificationNotDelivered`], with the URL.
    pub fn from_apple(error: AppleError, subscription: &NotificationSubscription) -> Self {
        if error.number == ErrorNumber::TestNotificationFailed {
            Self::TestNotificationNotDelivered {
                url: subscription.url.to_string(),
            }
        } else {
            Self::Apple(error)
        }
    }
}

impl NotificationSubscription {
    /// Every type an MDM can subscribe to: Apple wants the complete set in each update.
    /// The six types: `ASSET_MANAGEMENT`, `ASSET_COUNT`, `USER_MANAGEMENT`,
    /// `USER_ASSOCIATED`, `SUBSCRIPTION_MANAGEMENT` and `SUBSCRIPTION_COUNT`.
    pub const ALL_TYPES: [NotificationType; 6] = [
        NotificationType::AssetManagement,
        NotificationType::AssetCount,
        NotificationType::UserManagement,
        NotificationType::UserAssociated,
        NotificationType::SubscriptionManagement,
        NotificationType::SubscriptionCount,
    ];

    /// Settings for `url` (https, or http to a loopback host for tests and simulators)
    /// with `secret`, subscribed to [`Self::ALL_TYPES`]. A URL carrying a user name or
    /// password is refused ([`SubscribeError::Userinfo`]), and no error repeats them.
    pub fn new(url: &str, secret: NotificationSecret) -> Result<Self, SubscribeError> {
        let url = Url::parse(url).map_err(|e| SubscribeError::InvalidUrl {
            reason: e.to_string(),
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SubscribeError::Userinfo);
        }
        let secure = match url.scheme() {
            "https" => url.host().is_some(),
            "http" => crate::api::is_loopback(&url),
            _ => false,
        };
        if !secure {
            return Err(SubscribeError::InsecureUrl {
                url: url.to_string(),
            });
        }
        Ok(Self {
            url,
            secret,
            types: Self::ALL_TYPES.to_vec(),
        })
    }

    /// Subscribes to exactly `types` instead (the complete set wanted; duplicates are
    /// dropped). Types Apple adds later can be given as [`NotificationType::Unknown`].
    pub fn with_types(
        mut self,
        types: impl IntoIterator<Item = NotificationType>,
    ) -> Result<Self, SubscribeError> {
        let mut chosen: Vec<NotificationType> = Vec::new();
        for t in types {
            if t == NotificationType::TestNotification {
                return Err(SubscribeError::TestType);
            }
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        self.types = chosen;
        Ok(self)
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The secret.
    pub fn secret(&self) -> &NotificationSecret {
        &self.secret
    }

    /// The types.
    pub fn types(&self) -> &[NotificationType] {
        &self.types
    }

    /// Checks the secret against the service configuration's limits.
    pub fn check_limits(&self, limits: &Limits) -> Result<(), SecretError> {
        self.secret.check_limits(limits)
    }

    /// The notification part of an update (no `mdmInfo`): give it to
    /// [`crate::configure_at`], which adds our `mdmInfo`.
    pub fn settings_update(&self) -> ClientConfigUpdate {
        let mut update = ClientConfigUpdate::default();
        self.apply_to(&mut update);
        update
    }

    /// Adds the URL, the secret and the complete set of types to `update`, keeping its
    /// `mdmInfo` (e.g. a renewal's `reclaim`).
    pub fn apply_to(&self, update: &mut ClientConfigUpdate) {
        update.notification_url = Some(self.url.to_string());
        update.notification_auth_token = Some(self.secret.to_secret_string());
        update.notification_types = Some(self.types.clone());
    }

    /// Compares a client configuration read back after the update with these settings.
    /// Returns Apple's names of the fields that differ (empty when all match):
    /// `notificationUrl`, `notificationAuthToken` (compared in constant time; absent
    /// counts as matching, since Apple may not echo it) and
    /// `subscribedNotificationTypes` (same set, in any order).
    pub fn check_read_back(&self, config: &ClientConfig) -> Vec<&'static str> {
        let mut differs = Vec::new();
        let url_matches = config
            .notification_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .is_some_and(|u| u == self.url);
        if !url_matches {
            differs.push("notificationUrl");
        }
        if let Some(token) = &config.notification_auth_token {
            if !self.secret.matches(token.expose_secret().as_bytes()) {
                differs.push("notificationAuthToken");
            }
        }
        let subscribed = config
            .subscribed_notification_types
            .as_deref()
            .unwrap_or_default();
        let same_set = subscribed.iter().all(|t| self.types.contains(t))
            && self.types.iter().all(|t| subscribed.contains(t));
        if !same_set {
            differs.push("subscribedNotificationTypes");
        }
        differs
    }
}
