//! [`BatchedWrite`]: the license and user writes ([`super::Associate`],
//! [`super::Disassociate`], [`super::Revoke`], [`super::CreateUsers`],
//! [`super::UpdateUsers`], [`super::RetireUsers`]), which differ only by path, body, how
//! the body is split into batches and whether a batch may be sent again.

use super::endpoint::Endpoint;
use crate::batching::{BatchError, BatchLimits};
use crate::wire::EventResponse;

/// A write whose request Apple limits in size: it is split by [`BatchedWrite::split`]
/// (one of [`crate::batching`]'s splitters) and each batch is sent as one endpoint value,
/// answered by an event. Whether a batch may be sent again is the endpoint's
/// [`Endpoint::REPLAY`].
pub trait BatchedWrite: Endpoint<Response = EventResponse> {
    /// The request as the caller writes it, and each batch of it.
    type Request: Clone;

    /// Splits `request` into batches within `limits` (duplicates removed; an empty
    /// request refused).
    fn split(
        request: Self::Request,
        limits: &BatchLimits,
    ) -> Result<Vec<Self::Request>, BatchError>;

    /// The endpoint that sends `batch`.
    fn with_batch(batch: Self::Request) -> Self;

    /// The event type Apple reports for it (`ASSOCIATE`, ..., `RETIRE`).
    fn event_type() -> crate::wire::EventType;
}
