//! [`ConfigureFlow`]: claiming a location from the first read to the read-back, as a
//! sans-IO state machine.

use chrono::{DateTime, Utc};

use super::configure::{ClaimOptions, Configure, PendingClaim, configure_again_at, configure_at};
use super::error::ConfigureError;
use super::flow::{FlowAnswer, FlowProgress, FlowStep, refuses_legacy_token, v1_is_gone};
use super::vpp_account::VppAccount;
use crate::location::{Location, LocationSnapshot, Protocol};
use crate::ownership::{MdmIdentity, MdmOwner};
use crate::token::VppToken;

/// How configuring a location ended (see [`ConfigureFlow`]).
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
    /// exclusive; verifying the account soon after ([`VppAccount::verify_at`], and at the
    /// start of every session) catches a later writer.
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

/// Configuring (claiming) a location, from the first read to the read-back: the loop of
/// reads, the decision ([`configure_at`] or [`configure_again_at`]), the write and the
/// read-back, without I/O (see [`super::FlowStep`] for how a driver runs it).
///
/// The requests it asks for, when nothing fails: a v2 read; when v2 shows no claim, a
/// read of the legacy v1 `clientContext` (an MDM that speaks only v1 is invisible to v2:
/// its claim is looked for there and needs consent like any other; a v1 service that is
/// gone has nothing to say); the write; the read-back. A token v2 refuses as a legacy one
/// (9647) is configured over v1 the same way. After a failed write
/// ([`FlowAnswer::WriteFailed`]) it reads again and decides again, so consent is checked
/// against the owner of *now* and a write that was applied after all shows up as ours.
///
/// ```
/// use apple_vpp::account::{ConfigureFlow, ConfigureOutcome, FlowAnswer, FlowProgress, FlowStep};
/// use apple_vpp::{ClaimOptions, Location, LocationSnapshot, MdmIdentity, MdmOwner, Protocol, VppToken};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let token = VppToken::builder("Example Org", "2027-09-26T08:30:39+00:00".parse()?).build()?;
/// let us = MdmIdentity::builder().id("our-id").name("Our MDM").build()?;
/// let berlin = Location::new("981060278089131045", "Berlin Office");
/// let now = "2026-11-25T12:00:00Z".parse()?;
/// let mut flow = ConfigureFlow::new(token.clone(), us.clone(), ClaimOptions::default());
/// assert_eq!(flow.start(), FlowStep::Read(Protocol::V2));
/// // v2 shows a location with an MDM already recorded: ours.
/// let recorded = MdmOwner::default().with_id("our-id").with_name("Our MDM");
/// let ours = LocationSnapshot::new(berlin, Some(recorded), None).read_with(&token);
/// let FlowProgress::Done(ConfigureOutcome::AlreadyOurs(_)) = flow.answer_at(FlowAnswer::Read(ours), now)? else {
///     unreachable!("nothing to write")
/// };
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ConfigureFlow {
    token: VppToken,
    identity: MdmIdentity,
    options: ClaimOptions,
    /// The account a token uploaded again is for ([`ConfigureFlow::again`]).
    stored: Option<Box<VppAccount>>,
    stage: Stage,
}

#[derive(Debug, Clone)]
enum Stage {
    /// The first read, over v2.
    Read,
    /// v2 refused the token as a legacy one: the read over v1.
    ReadLegacy,
    /// v2 showed no claim: the v1 `clientContext` is read for one.
    ReadLegacyClaim(Box<LocationSnapshot>),
    /// The claim decided; written over this protocol.
    Write(Box<PendingClaim>, Protocol),
    /// The write accepted at this time; read back over the same protocol.
    ReadBack(Box<PendingClaim>, DateTime<Utc>),
    /// Ended.
    Done,
}

impl ConfigureFlow {
    /// Configures the location of `token` for `identity` as `options` allow.
    pub fn new(token: VppToken, identity: MdmIdentity, options: ClaimOptions) -> Self {
        Self {
            token,
            identity,
            options,
            stored: None,
            stage: Stage::Read,
        }
    }

    /// Configures with a token uploaded again while the MDM has `stored`: for `stored`'s
    /// location the account keeps its history ([`configure_again_at`]); for another
    /// location it is a new account. The identity is `stored`'s.
    pub fn again(stored: VppAccount, token: VppToken, options: ClaimOptions) -> Self {
        Self {
            token,
            identity: stored.identity().clone(),
            options,
            stored: Some(Box::new(stored)),
            stage: Stage::Read,
        }
    }

    /// The first request: a v2 read.
    pub fn start(&self) -> FlowStep {
        FlowStep::Read(Protocol::V2)
    }

    /// The token the flow reads and writes with.
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// The identity being claimed for.
    pub fn identity(&self) -> &MdmIdentity {
        &self.identity
    }

    /// Takes the answer to the last step, at `now`: what to send next, the outcome, or
    /// [`FlowProgress::GiveUp`] (a refusal the flow has no way around: the driver returns
    /// the error it got). [`ConfigureError`] when the read-back shows the claim did not
    /// hold, or notification settings were asked for a location served over v1
    /// ([`ConfigureError::NotificationsUnsupported`]). An answer after the end is
    /// [`FlowProgress::GiveUp`].
    pub fn answer_at(
        &mut self,
        answer: FlowAnswer,
        now: DateTime<Utc>,
    ) -> Result<FlowProgress<ConfigureOutcome>, ConfigureError> {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        match (stage, answer) {
            (Stage::Read, FlowAnswer::Read(v2)) => {
                if v2.protocol == Protocol::V2 && v2.claim.is_none() {
                    self.stage = Stage::ReadLegacyClaim(Box::new(v2));
                    Ok(FlowProgress::Send(FlowStep::Read(Protocol::V1)))
                } else {
                    self.decide(&v2, now)
                }
            }
            (Stage::Read, refused) if refuses_legacy_token(&refused) => {
                self.stage = Stage::ReadLegacy;
                Ok(FlowProgress::Send(FlowStep::Read(Protocol::V1)))
            }
            (Stage::ReadLegacy, FlowAnswer::Read(v1)) => self.decide(&v1, now),
            (Stage::ReadLegacyClaim(mut v2), FlowAnswer::Read(v1)) => {
                v2.merge_legacy_claim(&v1);
                self.decide(&v2, now)
            }
            (Stage::ReadLegacyClaim(v2), gone) if v1_is_gone(&gone) => self.decide(&v2, now),
            (Stage::Write(pending, protocol), FlowAnswer::WriteAccepted) => {
                self.stage = Stage::ReadBack(pending, now);
                Ok(FlowProgress::Send(FlowStep::Read(protocol)))
            }
            (Stage::Write(..), FlowAnswer::WriteFailed) => {
                self.stage = Stage::Read;
                Ok(FlowProgress::Send(self.start()))
            }
            (Stage::ReadBack(pending, accepted_at), FlowAnswer::Read(read_back)) => {
                let mut account = pending.finish_at(&read_back, now)?;
                account.record_write_accepted_at(accepted_at);
                Ok(FlowProgress::Done(ConfigureOutcome::Claimed(account)))
            }
            _ => Ok(FlowProgress::GiveUp),
        }
    }

    /// The core's decision on what was read.
    fn decide(
        &mut self,
        snapshot: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<FlowProgress<ConfigureOutcome>, ConfigureError> {
        let decision = match &self.stored {
            Some(stored) => configure_again_at(stored, &self.token, snapshot, &self.options, now),
            None => configure_at(&self.token, &self.identity, snapshot, &self.options, now),
        };
        match decision {
            Configure::AlreadyOurs(account) => {
                Ok(FlowProgress::Done(ConfigureOutcome::AlreadyOurs(account)))
            }
            Configure::ManagedElsewhere { owner, location } => {
                Ok(FlowProgress::Done(ConfigureOutcome::ManagedElsewhere {
                    owner,
                    location,
                }))
            }
            Configure::NotificationsUnsupported { location } => {
                Err(ConfigureError::NotificationsUnsupported { location })
            }
            Configure::SendUpdate(pending) => {
                let step = FlowStep::Write {
                    protocol: snapshot.protocol,
                    update: pending.update().clone(),
                };
                self.stage = Stage::Write(Box::new(pending), snapshot.protocol);
                Ok(FlowProgress::Send(step))
            }
        }
    }
}
