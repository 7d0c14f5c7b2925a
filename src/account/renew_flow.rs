//! [`RenewFlow`]: renewing an account with a new token, re-claim included, as a sans-IO
//! state machine.

use chrono::{DateTime, Utc};

use super::error::{ConfigureError, RenewError};
use super::flow::{FlowAnswer, FlowProgress, FlowStep, refuses_legacy_token};
use super::renew::{Reclaim, Renewal};
use super::vpp_account::VppAccount;
use crate::location::Protocol;
use crate::token::VppToken;

/// Why a [`RenewFlow`] ended without a renewed account.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RenewRefusal {
    /// The core's renewal rules refused the new token ([`VppAccount::renew_at`]).
    #[error(transparent)]
    Renew(#[from] RenewError),
    /// The location had lost its claim, and the re-claim did not hold
    /// ([`VppAccount::finish_reclaim_at`]).
    #[error(transparent)]
    Reclaim(#[from] ConfigureError),
}

/// Renewing an account with the new token an admin uploaded, from the read to the
/// re-claim's read-back, without I/O (see [`super::FlowStep`] for how a driver runs it).
///
/// It reads the location with the new token (over v2, or v1 when v2 refuses it as a
/// legacy one, 9647) and applies the core's renewal rules to a copy of the account
/// ([`VppAccount::renew_at`]: same location, not the same token, later expiry, not
/// claimed by another MDM). When the location has no claim any more it writes the
/// re-claim, reads back and checks it held ([`VppAccount::finish_reclaim_at`]); after a
/// failed write it reads again and decides again. The account it ends with replaces the
/// old one; on error the old one stays as it was.
///
/// ```
/// use apple_vpp::account::{FlowStep, RenewFlow};
/// use apple_vpp::{Protocol, VppAccount, VppToken};
///
/// # fn run(account: VppAccount, new_token: VppToken) {
/// let flow = RenewFlow::new(account, new_token);
/// assert_eq!(flow.start(), FlowStep::Read(Protocol::V2));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RenewFlow {
    account: VppAccount,
    new_token: VppToken,
    stage: Stage,
}

#[derive(Debug, Clone)]
enum Stage {
    /// The read with the new token, over v2.
    Read,
    /// v2 refused the new token as a legacy one: the read over v1.
    ReadLegacy,
    /// The re-claim decided: the renewed account and its renewal, written over this
    /// protocol.
    Write(Box<(VppAccount, Renewal)>, Protocol),
    /// The re-claim accepted: read back over this protocol.
    ReadBack(Box<(VppAccount, Renewal)>),
    /// Ended.
    Done,
}

impl RenewFlow {
    /// Renews `account` with `new_token`.
    pub fn new(account: VppAccount, new_token: VppToken) -> Self {
        Self {
            account,
            new_token,
            stage: Stage::Read,
        }
    }

    /// The first request: a v2 read with the new token.
    pub fn start(&self) -> FlowStep {
        FlowStep::Read(Protocol::V2)
    }

    /// The token the flow reads and writes with: the new one.
    pub fn token(&self) -> &VppToken {
        &self.new_token
    }

    /// The account being renewed, as it was before the flow.
    pub fn account(&self) -> &VppAccount {
        &self.account
    }

    /// Takes the answer to the last step, at `now`: what to send next, the renewed
    /// account with its [`Renewal`] (its `reclaim` is [`Reclaim::Held`] when a re-claim
    /// was written and held), or [`FlowProgress::GiveUp`] (a refusal the flow has no way
    /// around: the driver returns the error it got).
    pub fn answer_at(
        &mut self,
        answer: FlowAnswer,
        now: DateTime<Utc>,
    ) -> Result<FlowProgress<(VppAccount, Renewal)>, RenewRefusal> {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        match (stage, answer) {
            (Stage::Read | Stage::ReadLegacy, FlowAnswer::Read(snapshot)) => {
                let mut renewed = self.account.clone();
                let renewal = renewed.renew_at(self.new_token.clone(), &snapshot, now)?;
                match renewal.reclaim_update().cloned() {
                    Some(update) => {
                        let protocol = snapshot.protocol;
                        self.stage = Stage::Write(Box::new((renewed, renewal)), protocol);
                        Ok(FlowProgress::Send(FlowStep::Write { protocol, update }))
                    }
                    None => Ok(FlowProgress::Done((renewed, renewal))),
                }
            }
            (Stage::Read, refused) if refuses_legacy_token(&refused) => {
                self.stage = Stage::ReadLegacy;
                Ok(FlowProgress::Send(FlowStep::Read(Protocol::V1)))
            }
            (Stage::Write(mut renewed, protocol), FlowAnswer::WriteAccepted) => {
                renewed.0.record_write_accepted_at(now);
                self.stage = Stage::ReadBack(renewed);
                Ok(FlowProgress::Send(FlowStep::Read(protocol)))
            }
            (Stage::Write(..), FlowAnswer::WriteFailed) => {
                self.stage = Stage::Read;
                Ok(FlowProgress::Send(self.start()))
            }
            (Stage::ReadBack(renewed), FlowAnswer::Read(read_back)) => {
                let (mut account, mut renewal) = *renewed;
                account.finish_reclaim_at(&read_back, now)?;
                renewal.reclaim = Reclaim::Held;
                Ok(FlowProgress::Done((account, renewal)))
            }
            _ => Ok(FlowProgress::GiveUp),
        }
    }
}
