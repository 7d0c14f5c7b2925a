//! [`VerifyFlow`]: re-checking an account with Apple, as a sans-IO state machine.

use chrono::{DateTime, Utc};

use super::error::LocationMismatch;
use super::flow::{FlowAnswer, FlowProgress, FlowStep};
use super::verify::Verification;
use super::vpp_account::VppAccount;
use crate::token::VppToken;

/// Re-checking an account with Apple (at the start of every session), without I/O (see
/// [`super::FlowStep`] for how a driver runs it): one read over the account's protocol
/// with `token`, then [`VppAccount::verify_at`].
///
/// Apple's refusal of the read is recorded on the account when it concerns the
/// account's own token (expired, invalid, revoked, read-only:
/// [`VppAccount::record_apple_error`]) and ends the flow with
/// [`FlowProgress::GiveUp`]: the driver returns Apple's error. A read with another token
/// cannot clear Apple's verdicts on the account's token.
///
/// ```
/// use apple_vpp::account::{FlowStep, VerifyFlow};
/// use apple_vpp::VppAccount;
///
/// # fn run(account: &VppAccount) {
/// let flow = VerifyFlow::new(account.token().clone());
/// assert_eq!(flow.start(account), FlowStep::Read(account.protocol()));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VerifyFlow {
    token: VppToken,
    done: bool,
}

impl VerifyFlow {
    /// Verifies an account by reading its location with `token` (the account's own, to
    /// renew Apple's verdicts on it).
    pub fn new(token: VppToken) -> Self {
        Self { token, done: false }
    }

    /// The one request: a read over the protocol `account` uses.
    pub fn start(&self, account: &VppAccount) -> FlowStep {
        FlowStep::Read(account.protocol())
    }

    /// The token the flow reads with.
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// Takes the answer to the read, at `now`, and records what it says on `account`.
    /// [`LocationMismatch`] when the token is for another location.
    pub fn answer_at(
        &mut self,
        account: &mut VppAccount,
        answer: FlowAnswer,
        now: DateTime<Utc>,
    ) -> Result<FlowProgress<Verification>, LocationMismatch> {
        if std::mem::replace(&mut self.done, true) {
            return Ok(FlowProgress::GiveUp);
        }
        match answer {
            FlowAnswer::Read(snapshot) => {
                Ok(FlowProgress::Done(account.verify_at(&snapshot, now)?))
            }
            FlowAnswer::RefusedByApple(apple) => {
                if account.token() == &self.token {
                    account.record_apple_error(&apple);
                }
                Ok(FlowProgress::GiveUp)
            }
            _ => Ok(FlowProgress::GiveUp),
        }
    }
}
