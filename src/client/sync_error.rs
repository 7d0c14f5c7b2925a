//! [`SyncError`]: why a list (a [`super::PageStream`], a sync, a description of assets)
//! stopped.

use std::convert::Infallible;
use std::fmt;

use super::error::SendError;
use crate::assets::RecordError;
use crate::ownership::MdmOwner;
use crate::paging::PagingError;
use crate::shared::LeaseError;
use crate::wire::{AppleError, ErrorKind};

/// Why a list stopped: a request, a page Apple refused, a record, the lease, another MDM
/// on the location; or the caller's page handler (`X`, [`Infallible`] where there is
/// none, as for a [`super::PageStream`]). Never contains a secret.
///
/// No outcome (nor `versionId`) comes with it: sync again.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncError<X = Infallible> {
    /// A request failed (after the retries that were safe) without an answer of Apple's
    /// for the page: Apple not reached, a redirect, an oversized answer.
    Send(SendError),

    /// Apple refused a page (after retries), or answered 9650 for a page that should
    /// exist. Carries the page index and Apple's error.
    Paging(PagingError),

    /// Apple sent a record this crate cannot use (e.g. an assignment without a target).
    Record(RecordError),

    /// The location's lease could not be had (held by another replica, or the lease
    /// store did not answer), or was lost while held: nothing more was handed over.
    Lease(LeaseError),

    /// A page showed another MDM managing the location
    /// ([`super::PageStream::stop_if_managed_elsewhere`]): the same verdict as
    /// [`super::LocationHandle::verify`]'s [`crate::Verification::Displaced`].
    ManagedElsewhere(MdmOwner),

    /// The page handler returned an error for page `index`; no further page was handed
    /// over.
    Handler {
        /// The page.
        index: u32,
        /// The handler's error.
        error: X,
    },
}

impl<X> From<SendError> for SyncError<X> {
    fn from(error: SendError) -> Self {
        Self::Send(error)
    }
}

impl<X> From<LeaseError> for SyncError<X> {
    fn from(error: LeaseError) -> Self {
        Self::Lease(error)
    }
}

impl<X> From<PagingError> for SyncError<X> {
    fn from(error: PagingError) -> Self {
        Self::Paging(error)
    }
}

impl<X> From<RecordError> for SyncError<X> {
    fn from(error: RecordError) -> Self {
        Self::Record(error)
    }
}

impl SyncError {
    /// This error, as the error of a sync whose handler's errors are `X`.
    pub fn with_handler<X>(self) -> SyncError<X> {
        match self {
            Self::Send(e) => SyncError::Send(e),
            Self::Paging(e) => SyncError::Paging(e),
            Self::Record(e) => SyncError::Record(e),
            Self::Lease(e) => SyncError::Lease(e),
            Self::ManagedElsewhere(owner) => SyncError::ManagedElsewhere(owner),
            Self::Handler { error, .. } => match error {},
        }
    }
}

impl<X: fmt::Display> fmt::Display for SyncError<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send(error) => error.fmt(f),
            Self::Paging(error) => error.fmt(f),
            Self::Record(error) => error.fmt(f),
            Self::Lease(error) => error.fmt(f),
            Self::ManagedElsewhere(owner) => write!(
                f,
                "{owner} manages this location now, as the sync's pages show: the sync stopped; stop using the location until an admin accepts a takeover again"
            ),
            Self::Handler { index, error } => write!(
                f,
                "storing page {index} of the list failed: {error}; the sync stopped there, run it again"
            ),
        }
    }
}

/// An error whatever the handler's error type, as long as it prints: `anyhow::Error`
/// and `eyre::Report` (which do not implement [`std::error::Error`] themselves) work
/// with `?` into `anyhow`/`eyre`. The handler's error is part of the message, not a
/// [`source`](std::error::Error::source); take it back with
/// [`SyncError::into_handler_error`]. The other variants are transparent: their source
/// is their own.
impl<X: fmt::Debug + fmt::Display> std::error::Error for SyncError<X> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Send(error) => error.source(),
            Self::Paging(error) => error.source(),
            Self::Record(error) => error.source(),
            Self::Lease(error) => error.source(),
            Self::ManagedElsewhere(_) | Self::Handler { .. } => None,
        }
    }
}

impl<X> SyncError<X> {
    /// The page handler's error, when the handler stopped the sync.
    pub fn handler_error(&self) -> Option<&X> {
        match self {
            Self::Handler { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The page handler's error (`Ok`), or the list's own (`Err`).
    pub fn into_handler_error(self) -> Result<X, SyncError> {
        match self {
            Self::Handler { error, .. } => Ok(error),
            Self::Send(e) => Err(SyncError::Send(e)),
            Self::Paging(e) => Err(SyncError::Paging(e)),
            Self::Record(e) => Err(SyncError::Record(e)),
            Self::Lease(e) => Err(SyncError::Lease(e)),
            Self::ManagedElsewhere(owner) => Err(SyncError::ManagedElsewhere(owner)),
        }
    }

    /// The class of the error: the failed request's or refused page's;
    /// [`ErrorKind::Retryable`] when the lease could not be had; [`ErrorKind::Other`] for
    /// a record, another MDM, or the page handler (whether its error is worth a retry is
    /// the handler's to say).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Send(e) => e.kind(),
            Self::Paging(PagingError::Response { error, .. }) => error.kind(),
            Self::Lease(_) => ErrorKind::Retryable,
            _ => self.apple().map_or(ErrorKind::Other, AppleError::kind),
        }
    }

    /// Apple's error, when Apple answered with one (for the request or the page).
    pub fn apple(&self) -> Option<&AppleError> {
        match self {
            Self::Send(e) => e.apple(),
            Self::Paging(PagingError::Response { error, .. }) => error.apple(),
            Self::Paging(PagingError::BadPageIndex { error, .. }) => Some(error),
            _ => None,
        }
    }

    /// The lease error, when the location's lease could not be had or was lost.
    pub fn lease(&self) -> Option<&LeaseError> {
        match self {
            Self::Lease(e) => Some(e),
            _ => None,
        }
    }

    /// Whether another replica holds the location's lease: nothing was read; wait and
    /// try again (or let that replica sync).
    pub fn is_lease_held(&self) -> bool {
        self.lease().is_some_and(LeaseError::is_held)
    }

    /// Whether a page showed another MDM managing the location
    /// ([`SyncError::ManagedElsewhere`]).
    pub fn is_managed_elsewhere(&self) -> bool {
        matches!(self, Self::ManagedElsewhere(_))
    }

    /// Whether Apple is limiting requests (9646 or HTTP 429): back off and retry later.
    pub fn is_rate_limited(&self) -> bool {
        self.kind().is_rate_limited()
    }

    /// Whether a retry after a delay may succeed (see [`SyncError::kind`]); `false` when
    /// the page handler stopped the sync.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether Apple refused the location's token: the admin must download a new one.
    pub fn needs_new_token(&self) -> bool {
        self.kind().needs_new_token()
    }
}
