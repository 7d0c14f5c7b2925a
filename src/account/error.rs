//! Why a configuration or a renewal did not end with a usable account.

use crate::location::Location;
use crate::ownership::MdmOwner;

/// Why configuring (claiming) a location did not end with a usable account.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigureError {
    /// After our update, Apple shows another MDM, neither us nor the one taken over from:
    /// it wrote at the same time and won.
    #[error(
        "another MDM, {owner}, claimed the location at the same time: ask the admin whether to take it over, then try again"
    )]
    LostRace {
        /// The MDM Apple shows now.
        owner: MdmOwner,
    },
    /// After our takeover, Apple still shows the MDM we were taking it over from: our
    /// claim did not take effect (yet).
    #[error(
        "Apple still shows {owner} as the location's MDM: this MDM's claim did not take effect; try again later"
    )]
    ClaimNotTaken {
        /// The MDM Apple still shows (the one being taken over from).
        owner: MdmOwner,
    },
    /// After our update, Apple shows no MDM at all.
    #[error("Apple did not record this MDM's claim on the location: try again later")]
    NotApplied,
    /// The read-back describes another location.
    #[error(transparent)]
    LocationChanged(#[from] LocationMismatch),
    /// Notification settings were asked for a location served by Apple's legacy (v1)
    /// API (a legacy, account-based token), which has no notifications: nothing was
    /// sent, and the same request would be refused the same way
    /// ([`super::Configure::NotificationsUnsupported`]).
    #[error(
        "the location {location} is served by Apple's legacy (v1) API, which has no notifications: configure it without notification settings, or upload a current (v2) token for it"
    )]
    NotificationsUnsupported {
        /// The location.
        location: Location,
    },
}

/// Apple described a different location than expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "the token is for the location {found}, but this account is for {expected}: upload a token downloaded for {expected}"
)]
pub struct LocationMismatch {
    /// The location the account is for.
    pub expected: Box<Location>,
    /// The location Apple described.
    pub found: Box<Location>,
}

/// Why a renewed token was refused. The account is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RenewError {
    /// The snapshot was read with another token than the one offered: it says nothing
    /// about the new token.
    #[error(
        "the location details given with the new token were read with another token: read the client configuration with the new token, then renew again"
    )]
    SnapshotForAnotherToken,
    /// The new token is for another location.
    #[error(transparent)]
    DifferentLocation(#[from] LocationMismatch),
    /// The new token is the one already in use. No longer returned: uploading the token in
    /// use again is a refresh ([`crate::VppAccount::renew_at`]); kept so that code
    /// matching on it still builds.
    #[error(
        "this is the token already in use: download a new one from Apple Business Manager > Settings > Apps and Books"
    )]
    SameToken,
    /// The new token does not expire later than the current one.
    #[error(
        "the new token expires {offered}, not later than the current one ({current}): download the newest token from Apple Business Manager > Settings > Apps and Books"
    )]
    NotLater {
        /// The current expiry.
        current: chrono::DateTime<chrono::Utc>,
        /// The new token's expiry.
        offered: chrono::DateTime<chrono::Utc>,
    },
    /// The new token has already expired.
    #[error(
        "the new token expired on {expired_at}: download a new one from Apple Business Manager > Settings > Apps and Books"
    )]
    Expired {
        /// When it expired.
        expired_at: chrono::DateTime<chrono::Utc>,
    },
    /// Another MDM holds the location now: renewing would not make it ours.
    #[error(
        "the location is now managed by another MDM, {owner}: take it over (with the admin's consent) by configuring it again"
    )]
    ManagedElsewhere {
        /// The MDM Apple shows.
        owner: MdmOwner,
    },
}
