//! [`WriteError`]: why a license or user write ([`super::LocationHandle::associate`],
//! [`super::LocationHandle::create_users`], [`super::LocationHandle::send_batched`] …)
//! failed.

use super::error::SendError;
use crate::batching::BatchError;
use crate::ids::EventId;
use crate::wire::{AppleError, ErrorKind};

/// Why a license or user write failed: refused before anything was sent, a request
/// failed, or a request split into batches failed part-way. Never contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The write was refused before anything was sent (empty, or an empty identifier).
    #[error(transparent)]
    Batch(#[from] BatchError),

    /// The request (the only batch, or the first) failed: nothing was applied, or, after
    /// a timeout, it may have been ([`SendError::may_have_reached_apple`]).
    #[error(transparent)]
    Send(#[from] SendError),

    /// A request split into batches failed part-way: the first batches were sent (their
    /// events are in `sent`, in batch order), the failing one and those after it were
    /// not (or, after a timeout, may have been: see `source`).
    #[error(
        "{} of {} requests were sent (events {}), then one failed (the cause follows): follow the sent events and send the rest again",
        sent.len(),
        sent.len() + unsent,
        list(sent)
    )]
    PartlySent {
        /// The events of the batches sent, in batch order.
        sent: Vec<EventId>,
        /// Batches not sent (the failing one included).
        unsent: usize,
        /// Why the next batch failed.
        #[source]
        source: SendError,
    },
}

fn list(ids: &[EventId]) -> String {
    ids.iter()
        .map(EventId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl WriteError {
    /// The error of the request that failed: the failing batch's for a write sent in
    /// part.
    pub fn send_error(&self) -> Option<&SendError> {
        match self {
            Self::Send(e) | Self::PartlySent { source: e, .. } => Some(e),
            Self::Batch(_) => None,
        }
    }

    /// The events of the batches sent before the failure (empty unless
    /// [`WriteError::PartlySent`]).
    pub fn sent(&self) -> &[EventId] {
        match self {
            Self::PartlySent { sent, .. } => sent,
            _ => &[],
        }
    }

    /// The class of the failed request ([`SendError::kind`]; for a write sent in part,
    /// the failing batch's); [`ErrorKind::Other`] for a write refused before
    /// sending.
    pub fn kind(&self) -> ErrorKind {
        self.send_error().map_or(ErrorKind::Other, SendError::kind)
    }

    /// Apple's error, when Apple answered with one (the failing batch's).
    pub fn apple(&self) -> Option<&AppleError> {
        self.send_error().and_then(SendError::apple)
    }

    /// Whether Apple is limiting requests (9646 or HTTP 429): back off and retry later.
    pub fn is_rate_limited(&self) -> bool {
        self.kind().is_rate_limited()
    }

    /// Whether a retry after a delay may succeed (see [`WriteError::kind`]); after
    /// [`WriteError::PartlySent`] send only the batches not sent.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether Apple refused the location's token: the admin must download a new one.
    pub fn needs_new_token(&self) -> bool {
        self.kind().needs_new_token()
    }
}
