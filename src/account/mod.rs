//! [`VppAccount`] and the decisions that make, check and renew one.
//!
//! Every function here is pure: the caller reads Apple's client configuration with its own
//! HTTP stack (or the `client` feature), turns it into a [`LocationSnapshot`], records the
//! token it read with ([`LocationSnapshot::read_with`]), and hands it in with the time.
//!
//! # Configure (claim a location)
//! 1. Read the client configuration with the uploaded token; call [`configure_at`] with
//!    [`ClaimOptions`] (the admin's [`Takeover`](crate::Takeover) answer and optional
//!    notification settings).
//! 2. [`Configure::AlreadyOurs`]: done, nothing to send.
//!    [`Configure::ManagedElsewhere`]: show the owner to the admin; stop unless they accept
//!    (then call again with [`Takeover::Accept`](crate::Takeover::Accept) or
//!    [`Takeover::AcceptFrom`](crate::Takeover::AcceptFrom)).
//!    [`Configure::NotificationsUnsupported`]: notification settings asked for a location
//!    served by the legacy (v1) API, which has none: nothing to send, ever.
//!    [`Configure::SendUpdate`]: send [`PendingClaim::update`], read the configuration back
//!    and call [`PendingClaim::finish_at`], which returns the account or why not:
//!    [`ConfigureError::LostRace`] (another MDM wrote at the same time),
//!    [`ConfigureError::ClaimNotTaken`] (the MDM taken over from is still recorded),
//!    [`ConfigureError::NotApplied`] (nobody is recorded). `finish_at` borrows the claim,
//!    so it can be finished again after a later read.
//!
//! Apple offers no conditional write: two MDMs claiming at once may both see their own
//! claim in their read-back. [`VppAccount::verify_at`] soon after catches the loser.
//!
//! # Verify (at the start of every session)
//! [`VppAccount::verify_at`] with a fresh snapshot. If another MDM has claimed the location
//! the account becomes *displaced*: [`VppAccount::is_usable_at`] is false and it must not be
//! used against Apple until an admin accepts a takeover again. Apple's errors for the
//! token go to [`VppAccount::record_apple_error`]; a write Apple accepted to
//! [`VppAccount::record_write_accepted_at`].
//!
//! # Renew
//! [`VppAccount::renew_at`] accepts a new token only for the same location (`uId`), not the
//! token in use, expiring later than the current one. When the location has lost its claim
//! the [`Renewal`] carries a re-claim to send ([`Reclaim::Send`]); after sending it and
//! reading back, call [`VppAccount::finish_reclaim_at`] and set the renewal's `reclaim` to
//! [`Reclaim::Held`].
//!
//! # The whole loops
//! [`ConfigureFlow`], [`RenewFlow`] and [`VerifyFlow`] run the steps above from the first
//! read to the read-back as state machines in the style of [`crate::PageTraversal`]: each
//! says what to send ([`FlowStep`]), takes what came of it ([`FlowAnswer`]) with the time,
//! and says what to send next or how it ended ([`FlowProgress`]). The `client` feature
//! only drives them; an MDM with its own HTTP stack drives them the same way.
//!
//! # Status precedence
//! [`VppAccount::status_at`] shows one [`AccountStatus`], the first that applies:
//! wrong location, revoked, invalid, expired (by Apple or by date), displaced, read-only,
//! released, expiring soon, active. Token problems come first because fixing them (a new
//! token) is needed before anything else can be checked. Read-only is its own flag, not a
//! token verdict: other verdicts neither hide it for long nor erase it.
//!
//! # Persistence
//! `VppAccount` implements serde (for a self-describing format such as JSON). The stored
//! JSON (version 2) is:
//!
//! ```json
//! {
//!   "version": 2,
//!   "credential": "<the .vpptoken content: SECRET>",
//!   "protocol": "v2",
//!   "location": {"uid": "981060278089131045", "name": "Berlin Office", "country": "DE",
//!                "default_platform": "enterprisestore", "website_url": null},
//!   "identity": {"id": "…", "name": "Example MDM", "metadata": "mdm.example.com"},
//!   "apple_expires_at": "2027-09-26T08:30:39+0000",
//!   "verdict": "active",
//!   "read_only": false,
//!   "claim": {"state": "ours"},
//!   "took_over_from": null,
//!   "configured_at": "2026-11-25T10:00:00Z",
//!   "last_verified_at": "2026-11-25T10:00:00Z",
//!   "last_write_accepted_at": null
//! }
//! ```
//!
//! - `protocol`: `"v2"` or `"v1"` (the API the location was configured through).
//! - `verdict`: `"active"`, `"expired"`, `"invalid"`, `"revoked"`, or
//!   `{"wrong_location": {"found": <location>}}`.
//! - `read_only`: Apple answered 9645 and has not accepted a write since.
//!
//! Version 1 (no `protocol`, no `read_only`, no `last_write_accepted_at`, and `"read_only"`
//! as a verdict) still loads: as `v2`, with a `"read_only"` verdict becoming the flag. The
//! version is checked before anything else, so an account stored by a newer version
//! reports that, not an unknown field.
//!
//! **The `credential` field is the secret bearer token**: store the serialized account as
//! you store other secrets (encrypted at rest where you can). It is the only output of the
//! crate that contains it; `Debug` stays redacted.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

mod configure;
mod configure_flow;
mod error;
mod flow;
mod renew;
mod renew_flow;
mod stored;
mod verify;
mod verify_flow;

pub use configure::{ClaimOptions, Configure, PendingClaim, configure_again_at, configure_at};
pub use configure_flow::{ConfigureFlow, ConfigureOutcome};
pub use error::{ConfigureError, LocationMismatch, RenewError};
pub use flow::{FlowAnswer, FlowProgress, FlowStep};
pub use renew::{Reclaim, Renewal};
pub use renew_flow::{RenewFlow, RenewRefusal};
pub use stored::STORED_ACCOUNT_VERSION;
pub use verify_flow::VerifyFlow;

use crate::expiry::{self, ExpiryStatus, RenewalPolicy};
use crate::location::{Location, LocationSnapshot, Protocol};
use crate::ownership::{MdmIdentity, MdmOwner};
use crate::token::VppToken;
use crate::wire::ErrorKind;

/// What Apple last said about the token itself. Whether the location is read-only is
/// separate ([`VppAccount::is_read_only`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AppleVerdict {
    /// Apple accepted the token.
    Active,
    /// 9621: expired.
    Expired,
    /// 9622: not recognised.
    Invalid,
    /// 9625: revoked.
    Revoked,
    /// Read with this account's token, Apple described another location: the stored
    /// credential is not this location's. Cleared by a renewal (or a read with the token
    /// that shows the right location).
    WrongLocation {
        /// The location Apple described.
        found: Box<Location>,
    },
}

/// Whether Apple still records our claim on the location, as of the last check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "owner", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClaimState {
    /// Apple records our id.
    Ours,
    /// Another MDM claimed the location: do not use the account until an admin accepts a
    /// takeover again.
    Displaced(MdmOwner),
    /// Nobody claims the location: claim it again.
    Released,
}

/// A location claimed by this MDM: the token, the location, our identity and what Apple
/// last said. Made by [`configure_at`]; checked by [`VppAccount::verify_at`]; renewed by
/// [`VppAccount::renew_at`].
#[derive(Debug, Clone, PartialEq)]
pub struct VppAccount {
    token: VppToken,
    protocol: Protocol,
    location: Location,
    identity: MdmIdentity,
    apple_expires_at: Option<DateTime<FixedOffset>>,
    verdict: AppleVerdict,
    read_only: bool,
    claim: ClaimState,
    took_over_from: Option<MdmOwner>,
    configured_at: DateTime<Utc>,
    last_verified_at: DateTime<Utc>,
    last_write_accepted_at: Option<DateTime<Utc>>,
}

/// The result of [`VppAccount::verify_at`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// Still ours; the account is refreshed from the snapshot.
    StillOurs,
    /// Another MDM claimed the location: the account is displaced and must not be used
    /// against Apple until an admin accepts a takeover again.
    Displaced(MdmOwner),
    /// Nobody claims it any more: claim it again by configuring (no consent needed, no
    /// other MDM holds it). The account is not usable until then.
    Released,
}

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

/// The one check that a snapshot describes the expected location (same `uId`).
pub(crate) fn ensure_same_location(
    expected: &Location,
    found: &Location,
) -> Result<(), LocationMismatch> {
    if found.is_same_location(expected) {
        Ok(())
    } else {
        Err(LocationMismatch {
            expected: Box::new(expected.clone()),
            found: Box::new(found.clone()),
        })
    }
}

impl VppAccount {
    /// A freshly claimed account: Apple accepted the token and records our claim.
    fn claimed(
        token: VppToken,
        protocol: Protocol,
        snapshot: &LocationSnapshot,
        identity: MdmIdentity,
        took_over_from: Option<MdmOwner>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            token,
            protocol,
            location: snapshot.location.clone(),
            identity,
            apple_expires_at: snapshot.token_expiry,
            verdict: AppleVerdict::Active,
            read_only: false,
            claim: ClaimState::Ours,
            took_over_from,
            configured_at: now,
            last_verified_at: now,
            last_write_accepted_at: None,
        }
    }

    /// This account (just configured for the location `stored` manages) with `stored`'s
    /// history: first configured at, taken over from (unless this claim took over from
    /// another MDM), the last write Apple accepted.
    pub(crate) fn with_history_of(mut self, stored: &VppAccount) -> Self {
        self.configured_at = stored.configured_at.min(self.configured_at);
        if self.took_over_from.is_none() {
            self.took_over_from = stored.took_over_from.clone();
        }
        self.last_write_accepted_at = self
            .last_write_accepted_at
            .max(stored.last_write_accepted_at);
        self
    }

    /// The token in use.
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// The API the location was configured through (from the snapshot given to
    /// [`configure_at`]; accounts stored before it was recorded load as [`Protocol::V2`]).
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The location.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Our identity, as written to Apple.
    pub fn identity(&self) -> &MdmIdentity {
        &self.identity
    }

    /// Apple's `tokenExpirationDate`, when Apple gave one.
    pub fn apple_expiry(&self) -> Option<DateTime<FixedOffset>> {
        self.apple_expires_at
    }

    /// The expiry that counts: Apple's date when known, else the file's `expDate`.
    pub fn expiry(&self) -> DateTime<Utc> {
        crate::location::effective_expiry(self.apple_expires_at, &self.token)
    }

    /// What Apple last said about the token (a clone; cheap except for
    /// [`AppleVerdict::WrongLocation`]).
    pub fn verdict(&self) -> AppleVerdict {
        self.verdict.clone()
    }

    /// Whether Apple said the location is read-only (9645: managed by Apple's built-in
    /// MDM) and has not accepted a write with this token since.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Whether Apple still records our claim, as of the last check.
    pub fn claim(&self) -> &ClaimState {
        &self.claim
    }

    /// The MDM that displaced us, if one did.
    pub fn displaced_by(&self) -> Option<&MdmOwner> {
        match &self.claim {
            ClaimState::Displaced(owner) => Some(owner),
            _ => None,
        }
    }

    /// The MDM this account was taken over from, when configuring took it over.
    pub fn took_over_from(&self) -> Option<&MdmOwner> {
        self.took_over_from.as_ref()
    }

    /// When the location was claimed (or last re-claimed).
    pub fn configured(&self) -> DateTime<Utc> {
        self.configured_at
    }

    /// When Apple last confirmed the claim.
    pub fn last_verified(&self) -> DateTime<Utc> {
        self.last_verified_at
    }

    /// When Apple last accepted a write with this token
    /// ([`VppAccount::record_write_accepted_at`]), if recorded.
    pub fn last_write_accepted(&self) -> Option<DateTime<Utc>> {
        self.last_write_accepted_at
    }

    /// Whether the account may be used against Apple at `now`: Apple's last verdict is
    /// active, the location is not read-only, it is not displaced or released, and it has
    /// not expired.
    pub fn is_usable_at(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status_at(now, &RenewalPolicy::default()),
            AccountStatus::Active { .. } | AccountStatus::ExpiringSoon { .. }
        )
    }

    /// The status for display at `now`; see [`AccountStatus`] for precedence.
    pub fn status_at(&self, now: DateTime<Utc>, policy: &RenewalPolicy) -> AccountStatus {
        let expiry = policy.status_at(self.expiry(), now);
        let days_left = expiry::days_left_at(self.expiry(), now);
        match (&self.verdict, &self.claim, expiry) {
            (AppleVerdict::WrongLocation { found }, _, _) => AccountStatus::WrongLocation {
                found: found.clone(),
                expected: Box::new(self.location.clone()),
            },
            (AppleVerdict::Revoked, _, _) => AccountStatus::Revoked,
            (AppleVerdict::Invalid, _, _) => AccountStatus::Invalid,
            (AppleVerdict::Expired, _, _) | (_, _, ExpiryStatus::Expired) => AccountStatus::Expired,
            (_, ClaimState::Displaced(owner), _) => AccountStatus::Displaced(owner.clone()),
            _ if self.read_only => AccountStatus::ReadOnly,
            (_, ClaimState::Released, _) => AccountStatus::Released,
            (_, ClaimState::Ours, ExpiryStatus::ExpiringSoon) => {
                AccountStatus::ExpiringSoon { days_left }
            }
            (_, ClaimState::Ours, _) => AccountStatus::Active { days_left },
        }
    }

    /// [`VppAccount::status_at`] on the system clock.
    pub fn status(&self, policy: &RenewalPolicy) -> AccountStatus {
        self.status_at(Utc::now(), policy)
    }
}
