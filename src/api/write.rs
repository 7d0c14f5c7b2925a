//! [`BatchedWrite`]: the license and user writes ([`super::Associate`],
//! [`super::Disassociate`], [`super::Revoke`], [`super::CreateUsers`],
//! [`super::UpdateUsers`], [`super::RetireUsers`]), which differ only by path, body, how
//! the body is split into batches and whether a batch may be sent again.

use super::endpoint::Endpoint;
use crate::batching::{BatchError, BatchLimits, license_batches, revoke_batches, user_batches};
use crate::wire::{EventResponse, LicensesRequest, RevokeRequest, UsersRequest};

/// A write's request as the caller writes it, which Apple limits in size: it knows how to
/// split itself into batches with [`crate::batching`]'s splitter for its kind.
pub trait WriteRequest: Clone + Sized {
    /// Splits the request into batches within `limits` (duplicates removed; an empty
    /// request refused).
    fn split(self, limits: &BatchLimits) -> Result<Vec<Self>, BatchError>;
}

/// Licenses to associate or disassociate: [`license_batches`].
impl WriteRequest for LicensesRequest {
    fn split(self, limits: &BatchLimits) -> Result<Vec<Self>, BatchError> {
        license_batches(self, limits)
    }
}

/// Devices and users whose licenses to revoke: [`revoke_batches`].
impl WriteRequest for RevokeRequest {
    fn split(self, limits: &BatchLimits) -> Result<Vec<Self>, BatchError> {
        revoke_batches(self, limits)
    }
}

/// Users to create, update or retire: [`user_batches`].
impl WriteRequest for UsersRequest {
    fn split(self, limits: &BatchLimits) -> Result<Vec<Self>, BatchError> {
        user_batches(self, limits)
    }
}

/// A write whose request Apple limits in size: it is split by [`BatchedWrite::split`]
/// (the request's [`WriteRequest::split`]) and each batch is sent as one endpoint value,
/// answered by an event. Whether a batch may be sent again is the endpoint's
/// [`Endpoint::REPLAY`].
pub trait BatchedWrite: Endpoint<Response = EventResponse> {
    /// The request as the caller writes it, and each batch of it.
    type Request: WriteRequest;

    /// Splits `request` into batches within `limits` (duplicates removed; an empty
    /// request refused): the request's own [`WriteRequest::split`].
    fn split(
        request: Self::Request,
        limits: &BatchLimits,
    ) -> Result<Vec<Self::Request>, BatchError> {
        request.split(limits)
    }

    /// The endpoint that sends `batch`.
    fn with_batch(batch: Self::Request) -> Self;

    /// The event type Apple reports for it (`ASSOCIATE`, ..., `RETIRE`).
    fn event_type() -> crate::wire::EventType;
}
