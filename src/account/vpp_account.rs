//! [`VppAccount`]: a location this MDM has claimed, and what Apple last said about it.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::status::AccountStatus;
use crate::expiry::{self, ExpiryStatus, RenewalPolicy};
use crate::location::{Location, LocationSnapshot, Protocol};
use crate::ownership::{MdmIdentity, MdmOwner};
use crate::token::VppToken;

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
/// last said. Made by [`configure_at`](crate::configure_at); checked by
/// [`VppAccount::verify_at`]; renewed by [`VppAccount::renew_at`].
#[derive(Debug, Clone, PartialEq)]
pub struct VppAccount {
    pub(super) token: VppToken,
    pub(super) protocol: Protocol,
    pub(super) location: Location,
    pub(super) identity: MdmIdentity,
    pub(super) apple_expires_at: Option<DateTime<FixedOffset>>,
    pub(super) verdict: AppleVerdict,
    pub(super) read_only: bool,
    pub(super) claim: ClaimState,
    pub(super) took_over_from: Option<MdmOwner>,
    pub(super) configured_at: DateTime<Utc>,
    pub(super) last_verified_at: DateTime<Utc>,
    pub(super) last_write_accepted_at: Option<DateTime<Utc>>,
}

impl VppAccount {
    /// A freshly claimed account: Apple accepted the token and records our claim.
    pub(super) fn claimed(
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
    /// [`configure_at`](crate::configure_at); accounts stored before it was recorded load
    /// as [`Protocol::V2`]).
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
