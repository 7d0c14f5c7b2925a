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

use super::{ClientError, VppClient};
use crate::account::{
    ClaimOptions, ConfigureError, ConfigureFlow, ConfigureOutcome, FlowAnswer, FlowProgress,
    FlowStep, RenewFlow, RenewFlowError, Renewal, Verification, VerifyFlow, VppAccount,
};
use crate::api::{
    Failure, GetClientConfig, GetLegacyClientConfig, Replay, SetClientConfig,
    SetLegacyClientContext,
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
    ) -> Result<ConfigureOutcome, ClientError> {
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
    ) -> Result<ConfigureOutcome, ClientError> {
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
    ) -> Result<(ConfigureOutcome, Option<ClientConfig>), ClientError> {
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
    ) -> Result<(ConfigureOutcome, Option<ClientConfig>), ClientError> {
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
                .map_err(configure_error)?
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
    ) -> Result<Verification, ClientError> {
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
    ) -> Result<Verification, ClientError> {
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
        match flow.answer_at(account, answer, Utc::now())? {
            FlowProgress::Done(verification) => Ok(verification),
            FlowProgress::Send(_) | FlowProgress::GiveUp => Err(give_up(error)),
        }
    }

    /// [`super::LocationHandle::renew`] with the location's `token` (documented there).
    pub(crate) async fn renew(
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
            let progress = flow.answer_at(answer, Utc::now()).map_err(|e| match e {
                RenewFlowError::Renew(e) => ClientError::Renew(e),
                RenewFlowError::Reclaim(e) => configure_error(e),
            })?;
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

    /// [`VppClient::read`], keeping the v2 configuration read in `last` (the configure
    /// flow hands the read-back to its caller).
    async fn read_config(
        &self,
        token: &VppToken,
        protocol: Protocol,
        last: &mut Option<ClientConfig>,
    ) -> Result<LocationSnapshot, ClientError> {
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

    /// What came of a write, for a flow: accepted; or, after a failure the retry policy
    /// allows reading again after (it waited as the policy says), failed; or the error.
    async fn answer_to_write(
        &self,
        written: Result<(), (ClientError, Failure)>,
        retry: &mut DecideAgain,
    ) -> Result<FlowAnswer, ClientError> {
        let Err((error, failure)) = written else {
            return Ok(FlowAnswer::WriteAccepted);
        };
        retry.attempts += 1;
        let delay = self.inner.retry.next_delay(
            retry.attempts,
            failure,
            Replay::Safe,
            retry.start.elapsed(),
            super::send::jitter(),
        );
        match delay {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                Ok(FlowAnswer::WriteFailed)
            }
            None => Err(error),
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
fn refusal(error: ClientError) -> Result<(FlowAnswer, ClientError), ClientError> {
    match &error {
        ClientError::Response(ResponseError::Apple(apple)) => {
            Ok((FlowAnswer::RefusedByApple(apple.clone()), error))
        }
        ClientError::Response(ResponseError::Http { status }) => {
            Ok((FlowAnswer::RefusedWithStatus(*status), error))
        }
        _ => Err(error),
    }
}

/// The configure flow's error as the client's: notification settings for a v1 location
/// stay [`ClientError::LegacyUnsupported`].
fn configure_error(error: ConfigureError) -> ClientError {
    match error {
        ConfigureError::NotificationsUnsupported { .. } => {
            ClientError::LegacyUnsupported("notifications")
        }
        other => ClientError::Configure(other),
    }
}

/// The error of the refusal a flow gave up on. A flow gives up only on a refusal it has no
/// way around, and the drivers here hand it only answers to the step it asked for.
fn give_up(refused: Option<ClientError>) -> ClientError {
    refused.unwrap_or_else(|| unreachable!("a flow gives up only after a refused read"))
}
