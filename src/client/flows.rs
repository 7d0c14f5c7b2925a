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

use super::error::SendError;
use super::flow_error::FlowError;
use super::send::Failed;
use super::vpp_client::VppClient;
use crate::account::{
    ClaimOptions, ConfigureError, ConfigureFlow, ConfigureOutcome, FlowAnswer, FlowProgress,
    FlowStep, LocationMismatch, RenewFlow, RenewRefusal, Renewal, Verification, VerifyFlow,
    VppAccount,
};
use crate::api::{
    GetClientConfig, GetLegacyClientConfig, Replay, SetClientConfig, SetLegacyClientContext,
};
use crate::location::{LocationSnapshot, Protocol};
use crate::ownership::MdmIdentity;
use crate::shared::{LeaseKind, LocationKey};
use crate::token::VppToken;
use crate::wire::{ClientConfig, ClientConfigUpdate, ResponseError};

impl VppClient {
    /// [`super::LocationHandle::configure`] with the location's `token` (documented there).
    pub(crate) async fn configure(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        options: &ClaimOptions,
    ) -> Result<ConfigureOutcome, FlowError<ConfigureError>> {
        self.claim(token, identity, options)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// [`super::LocationHandle::configure_again`]: the claim of a token uploaded again
    /// while the MDM has `stored`.
    pub(crate) async fn configure_again(
        &self,
        stored: &VppAccount,
        token: &VppToken,
        options: &ClaimOptions,
    ) -> Result<ConfigureOutcome, FlowError<ConfigureError>> {
        let flow = ConfigureFlow::again(stored.clone(), token.clone(), options.clone());
        let work = |_lease| self.drive_configure(flow);
        Ok(self
            .under_token_lease(LeaseKind::Config, token, work)
            .await?
            .0
            .0)
    }

    /// [`super::LocationHandle::configure`], also giving the client configuration read back after a
    /// v2 write (for checks beyond the claim, such as the notification settings).
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub(super) async fn claim(
        &self,
        token: &VppToken,
        identity: &MdmIdentity,
        options: &ClaimOptions,
    ) -> Result<(ConfigureOutcome, Option<ClientConfig>), FlowError<ConfigureError>> {
        let flow = ConfigureFlow::new(token.clone(), identity.clone(), options.clone());
        let work = |_lease| self.drive_configure(flow);
        Ok(self
            .under_token_lease(LeaseKind::Config, token, work)
            .await?
            .0)
    }

    /// Drives a [`ConfigureFlow`]: sends what it asks for and hands it the answers. The
    /// last v2 configuration read is kept: after a write, it is the read-back.
    async fn drive_configure(
        &self,
        mut flow: ConfigureFlow,
    ) -> Result<(ConfigureOutcome, Option<ClientConfig>), FlowError<ConfigureError>> {
        let token = flow.token().clone();
        let identity = flow.identity().clone();
        let mut retry = DecideAgain::new();
        let mut step = flow.start();
        let mut last_config = None;
        loop {
            let (answer, error) = match step {
                FlowStep::Read(protocol) => {
                    match self.read_config(&token, protocol, &mut last_config).await {
                        Ok(snapshot) => (FlowAnswer::Read(snapshot), None),
                        Err(e) => {
                            let (answer, error) = refusal(e)?;
                            (answer, Some(error))
                        }
                    }
                }
                FlowStep::Write { protocol, update } => {
                    let written = self.write(protocol, &token, &identity, &update).await;
                    (self.answer_to_write(written, &mut retry).await?, None)
                }
            };
            match flow
                .answer_at(answer, Utc::now())
                .map_err(FlowError::Flow)?
            {
                FlowProgress::Send(next) => step = next,
                FlowProgress::Done(outcome) => {
                    let config = match &outcome {
                        ConfigureOutcome::Claimed(_) => last_config,
                        _ => None,
                    };
                    return Ok((outcome, config));
                }
                FlowProgress::GiveUp => return Err(give_up(error)),
            }
        }
    }

    /// [`super::LocationHandle::verify`] with the location's `token` (documented there).
    pub(crate) async fn verify(
        &self,
        token: &VppToken,
        account: &mut VppAccount,
    ) -> Result<Verification, FlowError<LocationMismatch>> {
        let location = LocationKey::of_uid(&account.location().uid);
        let work = move |_lease| {
            let account = account;
            self.verify_unleased(token, account)
        };
        Ok(self.with_lease(LeaseKind::Config, &location, work).await?.0)
    }

    async fn verify_unleased(
        &self,
        token: &VppToken,
        account: &mut VppAccount,
    ) -> Result<Verification, FlowError<LocationMismatch>> {
        let mut flow = VerifyFlow::new(token.clone());
        let FlowStep::Read(protocol) = flow.start(account) else {
            unreachable!("verifying starts with a read")
        };
        let (answer, error) = match self.read(token, protocol).await {
            Ok(snapshot) => (FlowAnswer::Read(snapshot), None),
            Err(e) => {
                let (answer, error) = refusal(e)?;
                (answer, Some(error))
            }
        };
        match flow
            .answer_at(account, answer, Utc::now())
            .map_err(FlowError::Flow)?
        {
            FlowProgress::Done(verification) => Ok(verification),
            FlowProgress::Send(_) | FlowProgress::GiveUp => Err(give_up(error)),
        }
    }

    /// [`super::LocationHandle::renew`] with the location's `token` (documented there).
    pub(crate) async fn renew(
        &self,
        account: &mut VppAccount,
        new_token: VppToken,
    ) -> Result<Renewal, FlowError<RenewRefusal>> {
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
    ) -> Result<Renewal, FlowError<RenewRefusal>> {
        let mut flow = RenewFlow::new(account.clone(), new_token.clone());
        let identity = account.identity().clone();
        let mut retry = DecideAgain::new();
        let mut step = flow.start();
        loop {
            let (answer, error) = match step {
                FlowStep::Read(protocol) => match self.read(&new_token, protocol).await {
                    Ok(snapshot) => (FlowAnswer::Read(snapshot), None),
                    Err(e) => {
                        let (answer, error) = refusal(e)?;
                        (answer, Some(error))
                    }
                },
                FlowStep::Write { protocol, update } => {
                    let written = self.write(protocol, &new_token, &identity, &update).await;
                    (self.answer_to_write(written, &mut retry).await?, None)
                }
            };
            let progress = flow
                .answer_at(answer, Utc::now())
                .map_err(FlowError::Flow)?;
            match progress {
                FlowProgress::Send(next) => step = next,
                FlowProgress::Done((renewed, renewal)) => {
                    *account = renewed;
                    return Ok(renewal);
                }
                FlowProgress::GiveUp => return Err(give_up(error)),
            }
        }
    }

    /// Reads the location with `token` over `protocol`, recording the token on the
    /// snapshot.
    pub(crate) async fn read(
        &self,
        token: &VppToken,
        protocol: Protocol,
    ) -> Result<LocationSnapshot, SendError> {
        let snapshot = match protocol {
            Protocol::V2 => LocationSnapshot::from_v2_owned(
                self.send_with(&GetClientConfig, Some(token)).await?,
            )?,
            Protocol::V1 => {
                let config = self.send_with(&GetLegacyClientConfig, Some(token)).await?;
                LocationSnapshot::from_legacy(&config)?
            }
        };
        Ok(snapshot.read_with(token))
    }

    /// [`VppClient::read`], keeping the v2 configuration read in `last` (the configure
    /// flow hands the read-back to its caller).
    async fn read_config(
        &self,
        token: &VppToken,
        protocol: Protocol,
        last: &mut Option<ClientConfig>,
    ) -> Result<LocationSnapshot, SendError> {
        match protocol {
            Protocol::V2 => {
                let config = self.client_config(token).await?;
                let snapshot = LocationSnapshot::from_v2(&config)?.read_with(token);
                *last = Some(config);
                Ok(snapshot)
            }
            Protocol::V1 => self.read(token, Protocol::V1).await,
        }
    }

    /// Writes a claim (and, over v2, the rest of `update`), keeping how it failed.
    async fn write(
        &self,
        protocol: Protocol,
        token: &VppToken,
        identity: &MdmIdentity,
        update: &ClientConfigUpdate,
    ) -> Result<(), Failed> {
        match protocol {
            Protocol::V2 => self
                .send_inner(&SetClientConfig(update), Some(token))
                .await
                .map(|_| ()),
            Protocol::V1 => {
                // v1 has no notification settings: the core's flow refuses them for a
                // legacy location before any write (`ConfigureError::NotificationsUnsupported`).
                debug_assert!(
                    update.notification_url.is_none() && update.notification_types.is_none()
                );
                let write = SetLegacyClientContext::new(identity.legacy_client_context());
                let answer = self.send_inner(&write, Some(token)).await?;
                // v1 reports failure as `status: -1`, with HTTP 200.
                LocationSnapshot::from_legacy(&answer)
                    .map(|_| ())
                    .map_err(|e| Failed {
                        error: SendError::Response(e),
                        retry_after: None,
                    })
            }
        }
    }

    /// What came of a write, for a flow: accepted; or, after a failure the retry policy
    /// allows reading again after (it waited as the policy says), failed; or the error.
    async fn answer_to_write(
        &self,
        written: Result<(), Failed>,
        retry: &mut DecideAgain,
    ) -> Result<FlowAnswer, SendError> {
        let Err(failed) = written else {
            return Ok(FlowAnswer::WriteAccepted);
        };
        retry.attempts += 1;
        let delay = self.inner.retry.next_delay(
            retry.attempts,
            failed.failure(),
            Replay::Safe,
            retry.start.elapsed(),
            super::send::jitter(),
        );
        match delay {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                Ok(FlowAnswer::WriteFailed)
            }
            None => Err(failed.error),
        }
    }
}

/// The attempts of a flow's read-decide-write cycle, for the retry policy: a write decided
/// from a read is never replayed; the flow reads again and decides again.
struct DecideAgain {
    attempts: u32,
    start: Instant,
}

impl DecideAgain {
    fn new() -> Self {
        Self {
            attempts: 0,
            start: Instant::now(),
        }
    }
}

/// A read's failure as a flow's answer, with the error to return should the flow give
/// up; a failure that is no answer of Apple's (transport, a body that does not decode)
/// ends the flow at once.
fn refusal(error: SendError) -> Result<(FlowAnswer, SendError), SendError> {
    match &error {
        SendError::Response(ResponseError::Apple(apple)) => {
            Ok((FlowAnswer::RefusedByApple(apple.clone()), error))
        }
        SendError::Response(ResponseError::Http { status }) => {
            Ok((FlowAnswer::RefusedWithStatus(*status), error))
        }
        _ => Err(error),
    }
}

/// The error of the refusal a flow gave up on. A flow gives up only on a refusal it has no
/// way around, and the drivers here hand it only answers to the step it asked for.
fn give_up<E: super::flow_error::FlowStop>(refused: Option<SendError>) -> FlowError<E> {
    FlowError::Send(
        refused.unwrap_or_else(|| unreachable!("a flow gives up only after a refused read")),
    )
}
