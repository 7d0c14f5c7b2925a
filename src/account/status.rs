//! [`AccountStatus`]: one value for display.

use crate::location::Location;
use crate::ownership::MdmOwner;
use crate::wire::ErrorKind;

/// One value for display: ownership, Apple's verdict, read-only and expiry combined.
///
/// Precedence (first that applies): wrong location, revoked, invalid, expired (by Apple or
/// by date), displaced, read-only, released, expiring soon, active. Token problems come
/// first because fixing them (a new token) is needed before anything else can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountStatus {
    /// Usable.
    Active {
        /// Whole days left.
        days_left: i64,
    },
    /// Usable, but renew soon.
    ExpiringSoon {
        /// Whole days left.
        days_left: i64,
    },
    /// Expired.
    Expired,
    /// Revoked by Apple.
    Revoked,
    /// Apple does not accept the token.
    Invalid,
    /// The stored token belongs to another location than the account's.
    WrongLocation {
        /// The location Apple described for the token.
        found: Box<Location>,
        /// The account's location.
        expected: Box<Location>,
    },
    /// Another MDM took the location.
    Displaced(MdmOwner),
    /// Nobody claims the location any more: configure it again.
    Released,
    /// Apple's built-in MDM manages the location.
    ReadOnly,
}

impl AccountStatus {
    /// A stable key: `active`, `expiring_soon`, `expired`, `revoked`, `invalid`,
    /// `wrong_location`, `displaced`, `released`, `read_only`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active { .. } => "active",
            Self::ExpiringSoon { .. } => "expiring_soon",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Invalid => "invalid",
            Self::WrongLocation { .. } => "wrong_location",
            Self::Displaced(_) => "displaced",
            Self::Released => "released",
            Self::ReadOnly => "read_only",
        }
    }

    /// A sentence for the admin: what is the state and what to do.
    pub fn message(&self) -> String {
        match self {
            Self::Active { days_left } => format!("active; the token expires in {days_left} days"),
            Self::ExpiringSoon { days_left } => format!(
                "the token expires in {days_left} days: download a new one from Apple Business Manager > Settings > Apps and Books and upload it"
            ),
            Self::Expired => ErrorKind::TokenExpired.advice().to_owned(),
            Self::Revoked => ErrorKind::TokenRevoked.advice().to_owned(),
            Self::Invalid => ErrorKind::TokenInvalid.advice().to_owned(),
            Self::WrongLocation { found, expected } => format!(
                "the stored token is for the location {found}, not for this account's location {expected}: this MDM stopped using it; upload a token downloaded for {expected} from Apple Business Manager > Settings > Apps and Books"
            ),
            Self::Displaced(owner) => format!(
                "another MDM, {owner}, now manages this location: this MDM stopped using it; take it over again only if that MDM should no longer manage it"
            ),
            Self::Released => {
                "no MDM manages this location any more: configure it again".to_owned()
            }
            Self::ReadOnly => ErrorKind::ReadOnlyLocation.advice().to_owned(),
        }
    }
}
