//! The configuration flows: configure (claim), verify, renew, over v2 or, for a token
//! that v2 refuses as legacy (9647), over v1. Each reads what the core's decision needs,
//! sends what it decides, and reads back what Apple recorded.
//!
//! A write whose content was decided from a read (a claim, a re-claim) is never replayed
//! as it is: on a retryable failure the flow waits as the retry policy says, reads again
//! and decides again, so consent is always checked against the owner of *now*, and a
//! write that was applied after all shows up as ours.

use std::time::Instant;

use chrono::Utc;

use super::{ClientError, LeaseKind, LocationKey, VppClient};
use crate::account::{
    ClaimOptions, Configure, Reclaim, Renewal, Verification, VppAccount, configure_at,
};
use crate::api::{
    Failure, GetClientConfig, GetLegacyClientConfig, Replay, SetClientConfig,
    SetLegacyClientContext,
};
use crate::location::{Location, LocationSnapshot, Protocol};
use crate::ownership::{MdmIdentity, MdmOwner};
use crate::token::VppToken;
use crate::wire::{ClientConfig, ClientConfigUpdate, ErrorNumber, ResponseError};

/// The result of [`VppClient::configure`]: the same outcomes as the core's
/// [`Configure`], after the write.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum ConfigureOutcome {
    /// Apple already recorded us; nothing was written.
    AlreadyOurs(VppAccount),
    /// We wrote our claim and read it back.
    ///
    /// Apple offers no conditional write: two MDMs that claim at the same moment can both
    /// read back their own claim before the later write lands. `Claimed` is therefore not
    /// exclusive; [`VppClient::verify`] soon after (and at the start of every session)
    /// catches a later writer.
    Claimed(VppAccount),
    /// Another MDM manages the location and the admin has not accepted a takeover from
    /// it: nothing was written.
    ManagedElsewhere {
        /// The other MDM, as Apple records it.
        owner: MdmOwner,
        /// The location.
        location: Location,
    },
}

impl VppClient {
    /// Claims the token's location for `identity`: reads the client configuration, writes
    /// our claim only when needed (never over another MDM's claim without
    /// `options.takeover` allowing it; not when it already records us with the same name
    /// and metadata), then reads it back to check that our claim stuck.
    ///
    /// Requests, when nothing fails: a v2 read; when v2 shows no claim, a read-only v1
    /// read of the legacy `clientContext` (an MDM that speaks only v1, such as one that
    /// writes `{"hostname","guid"}` there, is invisible to v2, so its claim is looked for
    /// there and needs consent like any other); the write; the read-back: 4 requests on
    /// an unclaimed location (and, before a client's first request with a token, the
    /// service configuration, for Apple's rate). A legacy (account-based) token, which v2
    /// refuses with 9647, is configured over v1 the same way, and the account records
    /// [`Protocol::V1`].
    pub async fn configure(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        options: &ClaimOptions,
    ) -> Result<ConfigureOutcome, ClientError> {
        self.claim(token, identity, options)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// [`VppClient::configure`] for a token uploaded again while the MDM has `stored`, an
    /// account: for `stored`'s location the account returned keeps its history (see
    /// [`crate::configure_again_at`]); for another location it is a new account.
    pub async fn configure_again(
        &self,
        stored: &VppAccount,
        token: &VppToken,
        options: &ClaimOptions,
    ) -> Result<ConfigureOutcome, ClientError> {
        let (outcome, _) = self.claim(token, stored.identity(), options).await?;
        let keep = |account: VppAccount| {
            if crate::account::ensure_same_location(stored.location(), account.location()).is_ok() {
                account.with_history_of(stored)
            } else {
                account
            }
        };
        Ok(match outcome {
            ConfigureOutcome::AlreadyOurs(a) => ConfigureOutcome::AlreadyOurs(keep(a)),
            ConfigureOutcome::Claimed(a) => ConfigureOutcome::Claimed(keep(a)),
            other => other,
        })
    }

    /// [`VppClient::configure`], also giving the client configuration read back after a
    /// v2 write (for checks beyond the claim, such as the notification settings).
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub(super) async fn claim(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        options: &ClaimOptions,
    ) -> Result<(ConfigureOutcome, Option<ClientConfig>), ClientError> {
        let work = |_lease| self.claim_unleased(token, identity, options);
        Ok(self
            .under_token_lease(LeaseKind::Config, token, work)
            .await?
            .0)
    }

    async fn claim_unleased(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        options: &ClaimOptions,
    ) -> Result<(ConfigureOutcome, Option<ClientConfig>), ClientError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut first = self.read_any(token).await?;
            if first.protocol == Protocol::V2 && first.claim.is_none() {
                self.merge_v1_claim(token, &mut first).await?;
            }
            let pending = match configure_at(token, identity, &first, options, Utc::now()) {
                Configure::AlreadyOurs(account) => {
                    return Ok((ConfigureOutcome::AlreadyOurs(account), None));
                }
                Configure::ManagedElsewhere { owner, location } => {
                    let outcome = ConfigureOutcome::ManagedElsewhere { owner, location };
                    return Ok((outcome, None));
                }
                Configure::NotificationsUnsupported { .. } => {
                    return Err(ClientError::LegacyUnsupported("notifications"));
                }
                Configure::SendUpdate(pending) => pending,
            };
            let written = self
                .write(first.protocol, token, identity, pending.update())
                .await;
            if let Err(failed) = written {
                self.wait_to_decide_again(failed, attempts, start).await?;
                continue;
            }
            let (read_back, config) = match first.protocol {
                Protocol::V2 => {
                    let config = self.client_config(token).await?;
                    let snapshot = LocationSnapshot::from_v2(&config)?.read_with(token);
                    (snapshot, Some(config))
                }
                Protocol::V1 => (self.read(token, Protocol::V1).await?, None),
            };
            let mut account = pending.finish_at(&read_back, Utc::now())?;
            account.record_write_accepted_at(Utc::now());
            return Ok((ConfigureOutcome::Claimed(account), config));
        }
    }

    /// Re-checks `account` with Apple (do it at the start of every session), over the
    /// protocol it uses. Apple's verdict on the token (expired, invalid, revoked,
    /// read-only) is recorded on the account before the error is returned.
    ///
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub async fn verify(&self, account: &mut VppAccount) -> Result<Verification, ClientError> {
        let location = LocationKey::of_uid(&account.location().uid);
        let work = move |_lease| {
            let account = account;
            self.verify_unleased(account)
        };
        Ok(self.with_lease(LeaseKind::Config, &location, work).await?.0)
    }

    async fn verify_unleased(&self, account: &mut VppAccount) -> Result<Verification, ClientError> {
        let snapshot = match self.read(account.token(), account.protocol()).await {
            Ok(snapshot) => snapshot,
            Err(ClientError::Response(ResponseError::Apple(apple))) => {
                account.record_apple_error(&apple);
                return Err(ClientError::Response(ResponseError::Apple(apple)));
            }
            Err(e) => return Err(e),
        };
        Ok(account.verify_at(&snapshot, Utc::now())?)
    }

    /// Replaces `account`'s token with `new_token` if the core's renewal rules accept it
    /// (same location, not the same token, later expiry, not claimed by another MDM). If
    /// the location has no claim any more, re-claims it and reads it back: another MDM
    /// there is [`crate::ConfigureError::LostRace`], no claim
    /// [`crate::ConfigureError::NotApplied`]; a re-claim that held is
    /// [`Reclaim::Held`]. `account` is unchanged on error.
    ///
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub async fn renew(
        &self,
        account: &mut VppAccount,
        new_token: VppToken,
    ) -> Result<Renewal, ClientError> {
        let location = LocationKey::of_uid(&account.location().uid);
        let work = move |_lease| {
            let account = account;
            self.renew_unleased(account, new_token)
        };
        Ok(self.with_lease(LeaseKind::Config, &location, work).await?.0)
    }

    async fn renew_unleased(
        &self,
        account: &mut VppAccount,
        new_token: VppToken,
    ) -> Result<Renewal, ClientError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let snapshot = self.read_any(&new_token).await?;
            let mut renewed = account.clone();
            let mut renewal = renewed.renew_at(new_token.clone(), &snapshot, Utc::now())?;
            if let Some(update) = renewal.reclaim_update().cloned() {
                let identity = renewed.identity().clone();
                let written = self
                    .write(snapshot.protocol, &new_token, &identity, &update)
                    .await;
                if let Err(failed) = written {
                    self.wait_to_decide_again(failed, attempts, start).await?;
                    continue;
                }
                renewed.record_write_accepted_at(Utc::now());
                let read_back = self.read(&new_token, snapshot.protocol).await?;
                renewed.finish_reclaim_at(&read_back, Utc::now())?;
                renewal.reclaim = Reclaim::Held;
            }
            *account = renewed;
            return Ok(renewal);
        }
    }

    /// Reads the location with `token` over `protocol`, recording the token on the
    /// snapshot.
    pub async fn read(
        &self,
        token: &VppToken,
        protocol: Protocol,
    ) -> Result<LocationSnapshot, ClientError> {
        let snapshot = match protocol {
            Protocol::V2 => {
                LocationSnapshot::from_v2_owned(self.send(&GetClientConfig, Some(token)).await?)?
            }
            Protocol::V1 => {
                let config = self.send(&GetLegacyClientConfig, Some(token)).await?;
                LocationSnapshot::from_legacy(&config)?
            }
        };
        Ok(snapshot.read_with(token))
    }

    /// Reads over v2, or over v1 when v2 refuses the token as a legacy one (9647).
    async fn read_any(&self, token: &VppToken) -> Result<LocationSnapshot, ClientError> {
        match self.read(token, Protocol::V2).await {
            Err(e)
                if e.apple()
                    .is_some_and(|a| a.number == ErrorNumber::LegacyTokenNotSupported) =>
            {
                self.read(token, Protocol::V1).await
            }
            other => other,
        }
    }

    /// Takes the claim of the location's v1 `clientContext` into a v2 snapshot that shows
    /// none. A v1 service that is gone has nothing to say: see [`v1_is_gone`].
    async fn merge_v1_claim(
        &self,
        token: &VppToken,
        v2: &mut LocationSnapshot,
    ) -> Result<(), ClientError> {
        match self.read(token, Protocol::V1).await {
            Ok(v1) => {
                v2.merge_legacy_claim(&v1);
                Ok(())
            }
            Err(e) if v1_is_gone(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Writes a claim (and, over v2, the rest of `update`), keeping how it failed.
    async fn write(
        &self,
        protocol: Protocol,
        token: &VppToken,
        identity: &MdmIdentity,
        update: &ClientConfigUpdate,
    ) -> Result<(), (ClientError, Failure)> {
        match protocol {
            Protocol::V2 => self
                .send_inner(&SetClientConfig(update), Some(token))
                .await
                .map(|_| ()),
            Protocol::V1 => {
                if update.notification_url.is_some() || update.notification_types.is_some() {
                    // The core refuses this before any write ([`Configure::NotificationsUnsupported`]);
                    // should it come here anyway, nothing is sent and nothing is retried.
                    return Err((
                        ClientError::LegacyUnsupported("notifications"),
                        Failure::NotSent,
                    ));
                }
                let write = SetLegacyClientContext::new(identity.legacy_client_context());
                let answer = self.send_inner(&write, Some(token)).await?;
                // v1 reports failure as `status: -1`, with HTTP 200.
                LocationSnapshot::from_legacy(&answer)
                    .map(|_| ())
                    .map_err(|e| {
                        let failure = Failure::response(&e, None);
                        (ClientError::Response(e), failure)
                    })
            }
        }
    }

    /// After a failed write decided from a read: waits as the retry policy allows a
    /// read (not the write) to be retried, so the caller reads again and decides again;
    /// or gives the error back.
    async fn wait_to_decide_again(
        &self,
        (error, failure): (ClientError, Failure),
        attempts: u32,
        start: Instant,
    ) -> Result<(), ClientError> {
        let delay = self.inner.retry.next_delay(
            attempts,
            failure,
            Replay::Safe,
            start.elapsed(),
            super::send::jitter(),
        );
        match delay {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Err(error),
        }
    }
}

/// The v1 service answered that it is gone: HTTP 404 or 410 whatever the body (bare, or
/// with any Apple error, e.g. 9600), or Apple's "service removed" (9634) at any status.
fn v1_is_gone(e: &ClientError) -> bool {
    match e {
        ClientError::Response(ResponseError::Http { status }) => matches!(status, 404 | 410),
        ClientError::Response(ResponseError::Apple(a)) => {
            matches!(a.status, Some(404 | 410)) || a.number == ErrorNumber::ServiceRemoved
        }
        _ => false,
    }
}
