//! Subscribing to Apple's notifications: the claim flow with the notification settings in
//! the same update, then a check of what Apple recorded.

use super::flow_error::{FlowError, SubscribeFailure};
use super::vpp_client::VppClient;
use crate::account::{ClaimOptions, VppAccount};
use crate::account::{ConfigureError, ConfigureOutcome};
use crate::location::Location;
use crate::notification::{NotificationSubscription, SubscribeError};
use crate::ownership::{MdmIdentity, MdmOwner, Takeover};
use crate::shared::NotificationSecrets;
use crate::token::VppToken;
use crate::wire::ErrorNumber;

/// The result of [`super::LocationHandle::subscribe`].
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum SubscribeOutcome {
    /// Apple recorded our claim and the notification settings (read back and checked).
    Subscribed(VppAccount),
    /// Another MDM manages the location: nothing was written. Subscribing never takes a
    /// location over; claim it first with [`super::LocationHandle::configure`] and the admin's consent.
    ManagedElsewhere {
        /// The other MDM, as Apple records it.
        owner: MdmOwner,
        /// The location.
        location: Location,
    },
}

impl VppClient {
    /// [`super::LocationHandle::subscribe`] with the location's `token` (documented there).
    pub(crate) async fn subscribe(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        subscription: &NotificationSubscription,
    ) -> Result<SubscribeOutcome, FlowError<SubscribeFailure>> {
        let options =
            ClaimOptions::from(Takeover::Refuse).with_notifications(subscription.settings_update());
        let (outcome, read_back) = match self.claim(token, identity, &options).await {
            Ok(done) => done,
            Err(e) => return Err(subscribe_error(e, subscription)),
        };
        match outcome {
            ConfigureOutcome::ManagedElsewhere { owner, location } => {
                Ok(SubscribeOutcome::ManagedElsewhere { owner, location })
            }
            // With notification settings the claim always writes; a location that took
            // no write cannot show the settings.
            ConfigureOutcome::AlreadyOurs(_) => Err(not_recorded(subscription, Vec::new())),
            ConfigureOutcome::Claimed(account) => {
                let Some(config) = read_back else {
                    // Only a v1 write reads back without a v2 configuration, and v1 has
                    // no notifications (refused before writing).
                    return Err(FlowError::Flow(SubscribeFailure::LegacyToken));
                };
                let differs = subscription.check_read_back(&config);
                if differs.is_empty() {
                    Ok(SubscribeOutcome::Subscribed(account))
                } else {
                    Err(not_recorded(subscription, differs))
                }
            }
        }
    }
}

impl VppClient {
    /// [`super::LocationHandle::subscribe_shared`] with the location's `token` (documented there).
    pub(crate) async fn subscribe_shared(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        subscription: &NotificationSubscription,
        secrets: &dyn NotificationSecrets,
    ) -> Result<SubscribeOutcome, FlowError<SubscribeFailure>> {
        let config = self.client_config(token).await?;
        let Some(uid) = config.u_id else {
            return Err(FlowError::Flow(SubscribeFailure::LegacyToken));
        };
        secrets
            .put(&uid, subscription.secret())
            .await
            .map_err(|e| FlowError::Flow(SubscribeFailure::Store(e)))?;
        self.subscribe(token, identity, subscription).await
    }
}

fn not_recorded(
    subscription: &NotificationSubscription,
    fields: Vec<&'static str>,
) -> FlowError<SubscribeFailure> {
    let fields = if fields.is_empty() {
        vec!["notificationUrl", "subscribedNotificationTypes"]
    } else {
        fields
    };
    FlowError::Flow(SubscribeFailure::Subscribe(SubscribeError::NotRecorded {
        url: subscription.url().to_string(),
        fields,
    }))
}

/// The claim's error as subscribing's: Apple's 9728 becomes
/// [`SubscribeError::TestNotificationNotDelivered`], notification settings refused for a
/// legacy location [`SubscribeFailure::LegacyToken`]; the rest is kept as it is.
fn subscribe_error(
    error: FlowError<ConfigureError>,
    subscription: &NotificationSubscription,
) -> FlowError<SubscribeFailure> {
    match error {
        FlowError::Send(e) => match e.apple() {
            Some(apple) if apple.number == ErrorNumber::TestNotificationFailed => {
                FlowError::Flow(SubscribeFailure::Subscribe(SubscribeError::from_apple(
                    apple.clone(),
                    subscription,
                )))
            }
            _ => FlowError::Send(e),
        },
        FlowError::Lease(e) => FlowError::Lease(e),
        FlowError::Flow(ConfigureError::NotificationsUnsupported { .. }) => {
            FlowError::Flow(SubscribeFailure::LegacyToken)
        }
        FlowError::Flow(e) => FlowError::Flow(SubscribeFailure::Claim(e)),
    }
}
