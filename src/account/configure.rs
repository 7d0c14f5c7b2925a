//! Claiming a location: [`configure_at`], [`ClaimOptions`], [`Configure`] and
//! [`PendingClaim`].

use chrono::{DateTime, Utc};

use super::error::ConfigureError;
use super::same_location::ensure_same_location;
use super::vpp_account::VppAccount;
use crate::location::{Location, LocationSnapshot, Protocol};
use crate::ownership::{MdmIdentity, MdmOwner, Ownership, Takeover};
use crate::token::VppToken;
use crate::wire::ClientConfigUpdate;

/// How to claim: the admin's answer about a takeover and optional notification settings.
///
/// The default refuses any takeover and sets no notifications; `Takeover` converts:
///
/// ```
/// use apple_vpp::{ClaimOptions, Takeover};
///
/// let options = ClaimOptions::from(Takeover::Accept);
/// assert_eq!(options.notifications, None);
/// assert_eq!(ClaimOptions::default().takeover, Takeover::Refuse);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ClaimOptions {
    /// The admin's answer to "another MDM manages this location: take it over?".
    pub takeover: Takeover,
    /// An update carrying notification settings, built with [`ClientConfigUpdate::builder`]:
    /// our `mdmInfo` is added to it, and it forces an update even when the location is
    /// already ours.
    pub notifications: Option<ClientConfigUpdate>,
}

impl ClaimOptions {
    /// Sets the admin's answer to a takeover.
    pub fn with_takeover(mut self, takeover: Takeover) -> Self {
        self.takeover = takeover;
        self
    }

    /// Sets the notification settings to write with the claim (an update built with
    /// [`ClientConfigUpdate::builder`]).
    pub fn with_notifications(mut self, update: ClientConfigUpdate) -> Self {
        self.notifications = Some(update);
        self
    }
}

impl From<Takeover> for ClaimOptions {
    fn from(takeover: Takeover) -> Self {
        Self {
            takeover,
            notifications: None,
        }
    }
}

/// The first step of configuring: see the [module docs](super).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum Configure {
    /// Apple already records us, with the same name and metadata: nothing to send.
    AlreadyOurs(VppAccount),
    /// Send this update, read the configuration back, then [`PendingClaim::finish_at`].
    SendUpdate(PendingClaim),
    /// Another MDM holds the location and the admin has not accepted a takeover from it.
    /// Show both to the admin; with consent, call [`configure_at`] again with
    /// [`Takeover::AcceptFrom`]`(owner)`.
    ManagedElsewhere {
        /// The MDM Apple records.
        owner: MdmOwner,
        /// The location it manages.
        location: Location,
    },
    /// The options carry notification settings, and the location is served by Apple's
    /// legacy (v1) API (a legacy, account-based token), which has no notifications.
    /// Nothing to send, now or later: the same request would be refused the same way.
    NotificationsUnsupported {
        /// The location.
        location: Location,
    },
}

/// A claim waiting for Apple: the update to send and what to check afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingClaim {
    token: VppToken,
    identity: MdmIdentity,
    location: Location,
    protocol: Protocol,
    update: ClientConfigUpdate,
    took_over_from: Option<MdmOwner>,
    /// The account configured before for this location, whose history is kept.
    history: Option<Box<VppAccount>>,
}

/// Decides how to claim the location `snapshot` describes for `identity`.
///
/// `snapshot` must come from reading the client configuration with `token` (on a location
/// v2 shows as unclaimed, merged with the legacy read:
/// [`LocationSnapshot::merge_legacy_claim`]). Nothing is consumed: the token and identity
/// are cloned only into the result that keeps them.
///
/// ```
/// use apple_vpp::{ClaimOptions, Configure, Location, LocationSnapshot, MdmIdentity, Takeover, VppToken, configure_at};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let token = VppToken::builder("Example Org", "2027-09-26T08:30:39+00:00".parse()?).build()?;
/// let us = MdmIdentity::builder().id("our-id").name("Our MDM").build()?;
/// let snapshot = LocationSnapshot::new(Location::new("981060278089131045", "Berlin Office"), None, None)
///     .read_with(&token);
/// let now = "2026-11-25T12:00:00Z".parse()?;
/// let Configure::SendUpdate(pending) = configure_at(&token, &us, &snapshot, &ClaimOptions::default(), now) else {
///     unreachable!("an unclaimed location is claimed without consent")
/// };
/// assert_eq!(pending.update().mdm_info, Some(us.to_mdm_info()));
/// # Ok(()) }
/// ```
pub fn configure_at(
    token: &VppToken,
    identity: &MdmIdentity,
    snapshot: &LocationSnapshot,
    options: &ClaimOptions,
    now: DateTime<Utc>,
) -> Configure {
    if snapshot.protocol == Protocol::V1 && options.notifications.is_some() {
        return Configure::NotificationsUnsupported {
            location: snapshot.location.clone(),
        };
    }
    let took_over_from = match identity.ownership_of(snapshot) {
        Ownership::ManagedElsewhere(owner) if !options.takeover.allows(&owner) => {
            return Configure::ManagedElsewhere {
                owner,
                location: snapshot.location.clone(),
            };
        }
        Ownership::ManagedElsewhere(owner) => Some(owner),
        Ownership::Ours
            if options.notifications.is_none()
                && snapshot
                    .claim
                    .as_ref()
                    .is_some_and(|o| match snapshot.protocol {
                        Protocol::V2 => identity.matches_exactly(o),
                        // v1's clientContext holds {hostname, guid}: no name to compare.
                        Protocol::V1 => identity.matches_legacy_context(o),
                    }) =>
        {
            return Configure::AlreadyOurs(VppAccount::claimed(
                token.clone(),
                snapshot.protocol,
                snapshot,
                identity.clone(),
                None,
                now,
            ));
        }
        Ownership::Ours | Ownership::Unclaimed => None,
    };
    let mut update = options.notifications.clone().unwrap_or_default();
    update.mdm_info = Some(identity.to_mdm_info());
    Configure::SendUpdate(PendingClaim {
        token: token.clone(),
        identity: identity.clone(),
        location: snapshot.location.clone(),
        protocol: snapshot.protocol,
        update,
        took_over_from,
        history: None,
    })
}

/// Configures a location again with a token uploaded again: the same as
/// [`configure_at`], for an MDM that already has `stored`, an account for a location.
///
/// Admins upload a token again when unsure whether it took; that is not a new account.
/// When `snapshot` is for `stored`'s location (same `uId`), the account this returns
/// (directly in [`Configure::AlreadyOurs`], or from [`PendingClaim::finish_at`]) keeps
/// `stored`'s history: when it was first configured, the MDM it was taken over from
/// (unless this claim takes it over from another MDM now), and the last write Apple
/// accepted. The token, the location's name, the expiry and Apple's verdict come from the
/// new read. For another location it is exactly [`configure_at`].
pub fn configure_again_at(
    stored: &VppAccount,
    token: &VppToken,
    snapshot: &LocationSnapshot,
    options: &ClaimOptions,
    now: DateTime<Utc>,
) -> Configure {
    let same = ensure_same_location(stored.location(), &snapshot.location).is_ok();
    match configure_at(token, stored.identity(), snapshot, options, now) {
        Configure::AlreadyOurs(account) if same => {
            Configure::AlreadyOurs(account.with_history_of(stored))
        }
        Configure::SendUpdate(mut pending) if same => {
            pending.history = Some(Box::new(stored.clone()));
            Configure::SendUpdate(pending)
        }
        other => other,
    }
}

impl PendingClaim {
    /// The update to send (`POST /client/config`).
    pub fn update(&self) -> &ClientConfigUpdate {
        &self.update
    }

    /// The token to send it with.
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// The identity being written.
    pub fn identity(&self) -> &MdmIdentity {
        &self.identity
    }

    /// The MDM being taken over from, if any (for the audit log).
    pub fn took_over_from(&self) -> Option<&MdmOwner> {
        self.took_over_from.as_ref()
    }

    /// The location being claimed.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Checks the configuration read back after the update: ours → the account; the MDM
    /// taken over from still recorded → [`ConfigureError::ClaimNotTaken`]; another MDM →
    /// [`ConfigureError::LostRace`]; nobody → [`ConfigureError::NotApplied`]; another
    /// location → [`ConfigureError::LocationChanged`].
    ///
    /// Borrows the claim: after `NotApplied` or `ClaimNotTaken` ("try again later") it can
    /// be sent and finished again.
    pub fn finish_at(
        &self,
        read_back: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<VppAccount, ConfigureError> {
        ensure_same_location(&self.location, &read_back.location)?;
        match self.identity.ownership_of(read_back) {
            Ownership::Ours => {
                let account = VppAccount::claimed(
                    self.token.clone(),
                    self.protocol,
                    read_back,
                    self.identity.clone(),
                    self.took_over_from.clone(),
                    now,
                );
                Ok(match &self.history {
                    Some(stored) => account.with_history_of(stored),
                    None => account,
                })
            }
            Ownership::ManagedElsewhere(owner)
                if self
                    .took_over_from
                    .as_ref()
                    .is_some_and(|previous| previous.is_same_owner(&owner)) =>
            {
                Err(ConfigureError::ClaimNotTaken { owner })
            }
            Ownership::ManagedElsewhere(owner) => Err(ConfigureError::LostRace { owner }),
            Ownership::Unclaimed => Err(ConfigureError::NotApplied),
        }
    }
}
