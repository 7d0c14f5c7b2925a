//! [`BatchedWrite`]: the license and user writes, declared by [`event_write!`] (they differ
//! only by path, body and how the body is split into batches).

use super::Endpoint;
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

/// Declares a `POST` endpoint whose body is one batch and whose answer is an event:
/// sent again only when Apple did not take it ([`super::Replay::IfRefused`]).
macro_rules! event_write {
    ($(#[$meta:meta])* $name:ident, $body:ty, $path:literal, $split:path, $event:ident) => {
        $(#[$meta])*
        ///
        /// Sent again only when Apple did not take it ([`crate::api::Replay::IfRefused`]): after a
        /// timeout, follow the event instead.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub $body);

        impl $crate::api::Endpoint for $name {
            type Response = $crate::wire::EventResponse;
            const METHOD: $crate::api::Method = $crate::api::Method::Post;
            const PATH: &'static str = $path;
            const AUTH: $crate::api::Auth = $crate::api::Auth::Bearer;
            const REPLAY: $crate::api::Replay = $crate::api::Replay::IfRefused;

            fn body(&self, _token: Option<&$crate::token::VppToken>) -> Option<Vec<u8>> {
                Some(self.0.to_json())
            }
        }

        impl $crate::api::BatchedWrite for $name {
            type Request = $body;

            fn split(
                request: $body,
                limits: &$crate::batching::BatchLimits,
            ) -> Result<Vec<$body>, $crate::batching::BatchError> {
                $split(request, limits)
            }

            fn with_batch(batch: $body) -> Self {
                Self(batch)
            }

            fn event_type() -> $crate::wire::EventType {
                $crate::wire::EventType::$event
            }
        }
    };
}
pub(super) use event_write;
