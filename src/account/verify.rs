//! Re-checking an account: [`VppAccount::verify_at`] and what Apple's answers say about
//! its token ([`VppAccount::record_apple_error`], [`VppAccount::record_write_accepted_at`]).

use chrono::{DateTime, Utc};

use super::error::LocationMismatch;
use super::same_location::ensure_same_location;
use super::vpp_account::{AppleVerdict, ClaimState, VppAccount};
use crate::location::LocationSnapshot;
use crate::ownership::{MdmOwner, Ownership};
use crate::wire::{AppleError, ErrorKind};

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

impl VppAccount {
    /// Re-checks the claim with a fresh snapshot (Apple: at the start of every session).
    ///
    /// The claim is judged whatever token the snapshot was read with (all tokens of a
    /// location see the same claim). Ours: the location and `last_verified()` are
    /// refreshed and any earlier displacement is cleared. Another MDM: the account is
    /// marked displaced. Unclaimed: marked released.
    ///
    /// **Only a snapshot recorded as read with this account's token**
    /// ([`LocationSnapshot::read_with`]`(account.token())`) speaks for the token: it clears
    /// Apple's verdicts on it (expired, invalid, revoked, wrong location) and adopts Apple's
    /// expiry date. A snapshot read with another token, or with no token recorded, leaves
    /// both as they are. Read-only is never cleared here (a read cannot show that Apple's
    /// built-in MDM let go): see [`VppAccount::record_write_accepted_at`].
    ///
    /// A snapshot of another location is refused with [`LocationMismatch`]. Unless it is
    /// recorded as read with another token, it also marks the account
    /// [`AppleVerdict::WrongLocation`]: the stored token is for another location, so the
    /// account is not usable until an admin uploads a token for the right one (a renewal).
    pub fn verify_at(
        &mut self,
        snapshot: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<Verification, LocationMismatch> {
        let own_token = snapshot.was_read_with(&self.token);
        if let Err(mismatch) = ensure_same_location(&self.location, &snapshot.location) {
            if !snapshot.was_read_with_another(&self.token) {
                self.verdict = AppleVerdict::WrongLocation {
                    found: mismatch.found.clone(),
                };
            }
            return Err(mismatch);
        }
        self.location = snapshot.location.clone();
        if own_token {
            if snapshot.token_expiry.is_some() {
                self.apple_expires_at = snapshot.token_expiry;
            }
            self.verdict = AppleVerdict::Active;
        }
        Ok(match self.identity.ownership_of(snapshot) {
            Ownership::Ours => {
                self.claim = ClaimState::Ours;
                self.last_verified_at = now;
                Verification::StillOurs
            }
            Ownership::ManagedElsewhere(owner) => {
                self.claim = ClaimState::Displaced(owner.clone());
                Verification::Displaced(owner)
            }
            Ownership::Unclaimed => {
                self.claim = ClaimState::Released;
                Verification::Released
            }
        })
    }

    /// Records an error Apple returned for this account's token: 9621 → expired,
    /// 9622 → invalid, 9625 → revoked, 9645 → read-only. Returns whether anything changed;
    /// other errors say nothing about the token and change nothing.
    ///
    /// Read-only is kept apart from the token verdicts: a later 9621/9622/9625 does not
    /// erase it, and a read does not clear it; only [`VppAccount::record_write_accepted_at`]
    /// (or a write whose read-back shows our claim) does. Token verdicts are cleared by
    /// [`VppAccount::verify_at`] with a snapshot read with this token, or by a renewal.
    ///
    /// Build the error from what your HTTP stack received with
    /// [`crate::wire::decode_response`], or from a number alone with
    /// [`AppleError::from_number`] (with a status and message:
    /// `AppleError::new(Some(status), ErrorBody::new(number, message))`).
    pub fn record_apple_error(&mut self, error: &AppleError) -> bool {
        let verdict = match error.kind() {
            ErrorKind::TokenExpired => AppleVerdict::Expired,
            ErrorKind::TokenInvalid => AppleVerdict::Invalid,
            ErrorKind::TokenRevoked => AppleVerdict::Revoked,
            ErrorKind::ReadOnlyLocation => {
                let changed = !self.read_only;
                self.read_only = true;
                return changed;
            }
            _ => return false,
        };
        let changed = self.verdict != verdict;
        self.verdict = verdict;
        changed
    }

    /// Records that Apple accepted a write (any `POST` answered with success) sent with
    /// this account's token at `now`: the location is not read-only, and the token was
    /// accepted, so expired, invalid and revoked verdicts are cleared (a wrong-location
    /// verdict is not: a write does not say which location it reached).
    pub fn record_write_accepted_at(&mut self, now: DateTime<Utc>) {
        self.read_only = false;
        if matches!(
            self.verdict,
            AppleVerdict::Expired | AppleVerdict::Invalid | AppleVerdict::Revoked
        ) {
            self.verdict = AppleVerdict::Active;
        }
        self.last_write_accepted_at = Some(now);
    }
}
