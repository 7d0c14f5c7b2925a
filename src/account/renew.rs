//! Renewing an account with a new token: [`VppAccount::renew_at`], [`Renewal`] and the
//! re-claim ([`Reclaim`], [`VppAccount::finish_reclaim_at`]).

use chrono::{DateTime, Utc};

use super::error::{ConfigureError, RenewError};
use super::same_location::ensure_same_location;
use super::vpp_account::{AppleVerdict, ClaimState, VppAccount};
use crate::expiry;
use crate::location::LocationSnapshot;
use crate::ownership::Ownership;
use crate::token::VppToken;
use crate::wire::ClientConfigUpdate;

/// What a successful renewal changed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Renewal {
    /// The expiry before.
    pub previous_expiry: DateTime<Utc>,
    /// The expiry now.
    pub new_expiry: DateTime<Utc>,
    /// `Some((old, new))` when the organization name in the file changed (the location,
    /// by `uId`, is the same).
    pub org_name_change: Option<(String, String)>,
    /// Whether the location's claim had to be written again, and whether it held.
    pub reclaim: Reclaim,
}

impl Renewal {
    /// The re-claim still to send, when there is one ([`Reclaim::Send`]).
    pub fn reclaim_update(&self) -> Option<&ClientConfigUpdate> {
        match &self.reclaim {
            Reclaim::Send(update) => Some(update),
            _ => None,
        }
    }
}

/// The re-claim part of a [`Renewal`].
///
/// When the location had no claim any more, [`VppAccount::renew_at`] returns
/// [`Reclaim::Send`] and leaves the account *released*. Then, two steps:
/// 1. send the update (`POST /client/config` with the new token), read the configuration
///    back and call [`VppAccount::finish_reclaim_at`], which makes the account ours again or
///    says why not ([`ConfigureError::LostRace`], [`ConfigureError::NotApplied`]);
/// 2. on success set `renewal.reclaim = Reclaim::Held`, so the renewal reports what
///    happened rather than what is still to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Reclaim {
    /// The location was still ours: nothing to send.
    NotNeeded,
    /// The location had no claim: send this update, then
    /// [`VppAccount::finish_reclaim_at`].
    Send(ClientConfigUpdate),
    /// The re-claim was sent and the read-back shows it held.
    Held,
}

impl VppAccount {
    /// Accepts `new_token` in place of the current one, given the snapshot Apple returned
    /// for the **new** token.
    ///
    /// Refused (the account unchanged) when the snapshot is recorded as read with another
    /// token than `new_token`, when it is for another location (different `uId`), when it
    /// has expired at `now`, when it does not expire later than the current token, or when
    /// another MDM holds the location.
    ///
    /// The token already in use, uploaded again (admins do when unsure), is a refresh, not
    /// an error: the account keeps its history and takes the location's name, the expiry
    /// Apple reports and the claim from the snapshot (`previous_expiry` equals
    /// `new_expiry`; a claim gone missing carries [`Reclaim::Send`] as for a new
    /// token).
    ///
    /// On success the account keeps its identity and history, takes the new token and
    /// expiry, and Apple's verdicts on the old token (including a wrong location) are
    /// cleared. Read-only is kept: a client-config read cannot show that Apple's built-in
    /// MDM let go.
    ///
    /// When the location has no claim, the renewal carries [`Reclaim::Send`] and the
    /// account stays released until [`VppAccount::finish_reclaim_at`].
    pub fn renew_at(
        &mut self,
        new_token: VppToken,
        snapshot: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<Renewal, RenewError> {
        if snapshot.was_read_with_another(&new_token) {
            return Err(RenewError::SnapshotForAnotherToken);
        }
        ensure_same_location(&self.location, &snapshot.location)?;
        let same_token = new_token == self.token;
        let offered = snapshot.expiry_for(&new_token);
        if expiry::is_expired_at(offered, now) {
            return Err(RenewError::Expired {
                expired_at: offered,
            });
        }
        let current = self.expiry();
        if offered <= current && !same_token {
            return Err(RenewError::NotLater { current, offered });
        }
        let reclaim = match self.identity.ownership_of(snapshot) {
            Ownership::ManagedElsewhere(owner) => {
                return Err(RenewError::ManagedElsewhere { owner });
            }
            Ownership::Ours => Reclaim::NotNeeded,
            Ownership::Unclaimed => Reclaim::Send(ClientConfigUpdate {
                mdm_info: Some(self.identity.to_mdm_info()),
                ..ClientConfigUpdate::default()
            }),
        };
        let org_name_change = (new_token.org_name() != self.token.org_name()).then(|| {
            (
                self.token.org_name().to_owned(),
                new_token.org_name().to_owned(),
            )
        });
        self.token = new_token;
        self.location = snapshot.location.clone();
        self.apple_expires_at = snapshot.token_expiry;
        self.verdict = AppleVerdict::Active;
        if reclaim == Reclaim::NotNeeded {
            self.claim = ClaimState::Ours;
            self.last_verified_at = now;
        } else {
            self.claim = ClaimState::Released;
        }
        Ok(Renewal {
            previous_expiry: current,
            new_expiry: offered,
            org_name_change,
            reclaim,
        })
    }

    /// Checks the configuration read back after sending a renewal's [`Reclaim::Send`]
    /// update (step 1 of the two-step flow in [`Reclaim`]).
    ///
    /// Ours → the claim is ours again, `last_verified()` is `now`, and the location is no
    /// longer read-only (Apple applied our write). Another MDM → the account is marked
    /// displaced and [`ConfigureError::LostRace`] is returned; nobody →
    /// [`ConfigureError::NotApplied`] (send again later); another location →
    /// [`ConfigureError::LocationChanged`] and nothing changes.
    pub fn finish_reclaim_at(
        &mut self,
        read_back: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<(), ConfigureError> {
        ensure_same_location(&self.location, &read_back.location)?;
        match self.identity.ownership_of(read_back) {
            Ownership::Ours => {
                self.claim = ClaimState::Ours;
                self.last_verified_at = now;
                self.read_only = false;
                Ok(())
            }
            Ownership::ManagedElsewhere(owner) => {
                self.claim = ClaimState::Displaced(owner.clone());
                Err(ConfigureError::LostRace { owner })
            }
            Ownership::Unclaimed => {
                self.claim = ClaimState::Released;
                Err(ConfigureError::NotApplied)
            }
        }
    }
}
