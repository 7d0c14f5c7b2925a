//! What the configuration flows ([`super::ConfigureFlow`], [`super::RenewFlow`],
//! [`super::VerifyFlow`]) ask their driver to send, and the answers they are fed.
//!
//! Each flow is a sans-IO state machine in the style of [`crate::PageTraversal`]: it says
//! what to send ([`FlowStep`]), the driver sends it with its own HTTP stack (or the
//! `client` feature's) and hands back what came of it ([`FlowAnswer`]) with the time;
//! the flow says what to send next, or how it ended ([`FlowProgress`]). A failure that is
//! not one of the answers (a broken connection, an answer that does not decode, an Apple
//! error on a write) ends the flow in the driver: the flow keeps no state that would need
//! undoing.

use crate::location::{LocationSnapshot, Protocol};
use crate::wire::{AppleError, ClientConfigUpdate};

/// What a flow asks its driver to send next.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FlowStep {
    /// Read the location's configuration over this protocol with the flow's token (v2:
    /// `GET client/config`; v1: the legacy `VPPClientConfigSrv`), turn it into a
    /// [`LocationSnapshot`], record the token on it ([`LocationSnapshot::read_with`]) and
    /// answer [`FlowAnswer::Read`]; or answer the refusal ([`FlowAnswer::RefusedByApple`],
    /// [`FlowAnswer::RefusedWithStatus`]).
    Read(Protocol),
    /// Write with the flow's token. Over v2: `POST client/config` with `update`. Over v1:
    /// the legacy `clientContext` of the flow's identity
    /// ([`crate::MdmIdentity::legacy_client_context`]); v1 has no other settings.
    /// Then answer [`FlowAnswer::WriteAccepted`], or [`FlowAnswer::WriteFailed`] when the
    /// driver's retry policy allows deciding again (the write itself is never replayed:
    /// the flow reads again and decides again).
    Write {
        /// The protocol the location was read over.
        protocol: Protocol,
        /// What to write (over v2).
        update: ClientConfigUpdate,
    },
}

/// What came of a [`FlowStep`], handed back to the flow.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum FlowAnswer {
    /// The configuration read, as a snapshot recorded as read with the flow's token.
    Read(LocationSnapshot),
    /// Apple refused the read with this error.
    RefusedByApple(AppleError),
    /// The read was answered with this HTTP status and no Apple error.
    RefusedWithStatus(u16),
    /// Apple accepted the write (over v1: an answer with `status` 0).
    WriteAccepted,
    /// The write failed, and the driver's retry policy allows reading again and deciding
    /// again (it waited as the policy says).
    WriteFailed,
}

/// Where a flow is after an answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FlowProgress<T> {
    /// Send this next.
    Send(FlowStep),
    /// The flow ended with this outcome.
    Done(T),
    /// The answer ends the flow without an outcome: the driver returns the error it got
    /// for that request (a refusal the flow has no way around).
    GiveUp,
}

/// Apple said the v2 service does not take this (account-based, legacy) token: 9647.
pub(crate) fn refuses_legacy_token(answer: &FlowAnswer) -> bool {
    matches!(answer, FlowAnswer::RefusedByApple(apple)
        if apple.number == crate::wire::ErrorNumber::LegacyTokenNotSupported)
}

/// The v1 service answered that it is gone: HTTP 404 or 410 whatever the body (bare, or
/// with any Apple error, e.g. 9600), or Apple's "service removed" (9634) at any status.
pub(crate) fn v1_is_gone(answer: &FlowAnswer) -> bool {
    match answer {
        FlowAnswer::RefusedWithStatus(status) => matches!(status, 404 | 410),
        FlowAnswer::RefusedByApple(apple) => {
            matches!(apple.status, Some(404 | 410))
                || apple.number == crate::wire::ErrorNumber::ServiceRemoved
        }
        _ => false,
    }
}
