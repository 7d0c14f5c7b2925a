//! The configuration flows: configure (claim), verify, renew. Each reads what the core's
//! decision needs, sends what it decides, and reads back what Apple recorded.
//!
//! A write whose content was decided from a read (a claim, a re-claim) is never replayed
//! as it is: on a retryable failure the flow waits as the retry policy says, reads again
//! and decides again, so consent is always checked against the owner of *now*, and a
//! write that was applied after all shows up as ours.

use std::time::Instant;

use chrono::Utc;

use super::{ClientError, VppClient};
use crate::account::{Configure, ConfigureError, Renewal, Verification, VppAccount, configure_at};
use crate::api::{Failure, Replay, SetClientConfig};
use crate::location::Location;
use crate::ownership::{MdmIdentity, MdmOwner, Takeover};
use crate::token::VppToken;
use crate::wire::{ClientConfigUpdate, ResponseError};

/// The result of [`VppClient::configure`]: the same outcomes as the core's
/// [`Configure`], after the write.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
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
    /// our `mdmInfo` only when needed (never over another MDM's claim without `takeover`
    /// allowing it; not when it already records us with the same name and metadata), then
    /// reads it back to check that our claim stuck. Three requests when nothing fails.
    ///
    /// `notifications`: optional notification settings to send with the claim.
    pub async fn configure(
        &self,
        token: VppToken,
        identity: MdmIdentity,
        takeover: &Takeover,
        notifications: Option<ClientConfigUpdate>,
    ) -> Result<ConfigureOutcome, ClientError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let first = self.snapshot(&token).await?;
            let decision = configure_at(
                token.clone(),
                &first,
                identity.clone(),
                takeover,
                notifications.clone(),
                Utc::now(),
            );
            let pending = match decision {
                Configure::AlreadyOurs(account) => {
                    return Ok(ConfigureOutcome::AlreadyOurs(account));
                }
                Configure::ManagedElsewhere(owner) => {
                    return Ok(ConfigureOutcome::ManagedElsewhere {
                        owner,
                        location: first.location,
                    });
                }
                Configure::SendUpdate(pending) => pending,
            };
            if let Err(failed) = self.write(pending.token(), pending.update()).await {
                self.wait_to_decide_again(failed, attempts, start).await?;
                continue;
            }
            let read_back = self.snapshot(pending.token()).await?;
            return Ok(ConfigureOutcome::Claimed(
                pending.finish_at(&read_back, Utc::now())?,
            ));
        }
    }

    /// Re-checks `account` with Apple (do it at the start of every session). Apple's
    /// verdict on the token (expired, invalid, revoked, read-only) is recorded on the
    /// account before the error is returned.
    pub async fn verify(&self, account: &mut VppAccount) -> Result<Verification, ClientError> {
        let snapshot = match self.snapshot(account.token()).await {
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
    /// there is [`ConfigureError::LostRace`], no claim [`ConfigureError::NotApplied`].
    /// `account` is unchanged on error.
    pub async fn renew(
        &self,
        account: &mut VppAccount,
        new_token: VppToken,
    ) -> Result<Renewal, ClientError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let snapshot = self.snapshot(&new_token).await?;
            let mut renewed = account.clone();
            let renewal = renewed.renew_at(new_token.clone(), &snapshot, Utc::now())?;
            if let Some(update) = &renewal.reclaim {
                if let Err(failed) = self.write(renewed.token(), update).await {
                    self.wait_to_decide_again(failed, attempts, start).await?;
                    continue;
                }
                let read_back = self.snapshot(renewed.token()).await?;
                match renewed.verify_at(&read_back, Utc::now())? {
                    Verification::StillOurs => {}
                    Verification::Displaced(owner) => {
                        return Err(ConfigureError::LostRace { owner }.into());
                    }
                    _ => return Err(ConfigureError::NotApplied.into()),
                }
            }
            *account = renewed;
            return Ok(renewal);
        }
    }

    /// `POST client/config`, keeping how it failed.
    async fn write(
        &self,
        token: &VppToken,
        update: &ClientConfigUpdate,
    ) -> Result<(), (ClientError, Failure)> {
        self.send_inner(&SetClientConfig(update), Some(token))
            .await
            .map(|_| ())
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
        let delay =
            self.inner
                .retry
                .next_delay(attempts, failure, Replay::Safe, start.elapsed(), 0.5);
        match delay {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Err(error),
        }
    }
}
