//! What a [`super::VppClient`] call can fail with.

use crate::account::{ConfigureError, LocationMismatch, RenewError};
use crate::api::RequestError;
use crate::assets::RecordError;
use crate::batching::BatchError;
use crate::ids::EventId;
use crate::notification::SubscribeError;
use crate::ownership::MdmOwner;
use crate::paging::PagingError;
use crate::wire::{AppleError, ErrorKind, ResponseError};

/// How a request failed to reach Apple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made.
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// Anything else (e.g. the connection broke).
    Other,
}

impl TransportKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "the connection failed",
            Self::Timeout => "no answer in time",
            Self::Other => "the connection broke",
        }
    }
}

/// What a [`super::VppClient`] call can fail with. Never contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Apple answered with an error, a bad status or an unusable body (after retries, for
    /// the retryable ones). Carries the HTTP status, Apple's number and message.
    #[error(transparent)]
    Response(#[from] ResponseError),

    /// Apple could not be reached (after retries).
    #[error(
        "could not reach Apple's Apps and Books service ({}, after {attempts} attempt(s)): check the network and try again later",
        kind.describe()
    )]
    Transport {
        /// Connect, timeout or other.
        kind: TransportKind,
        /// Attempts made.
        attempts: u32,
        /// reqwest's error (without the URL).
        #[source]
        source: reqwest::Error,
    },

    /// The response body was larger than the limit; reading stopped there. Not retried:
    /// the same answer would come again.
    #[error(
        "Apple's response (HTTP {status}) is larger than the {limit}-byte limit and was not read; report it if it persists"
    )]
    BodyTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit.
        limit: usize,
    },

    /// The answer was a redirect. Apple's API never redirects; following one could send
    /// the credential somewhere else, so it was not followed.
    #[error(
        "the service answered with a redirect (HTTP {status}), which Apple's API never does; it was not followed: check the base URL and any proxy between this server and Apple"
    )]
    Redirect {
        /// The HTTP status.
        status: u16,
    },

    /// The request could not be built (e.g. no token for an endpoint that needs one).
    #[error(transparent)]
    Request(#[from] RequestError),

    /// Claiming the location did not end with our claim.
    #[error(transparent)]
    Configure(#[from] ConfigureError),

    /// A renewed token was refused.
    #[error(transparent)]
    Renew(#[from] RenewError),

    /// Apple described another location than the account's.
    #[error(transparent)]
    Verify(#[from] LocationMismatch),

    /// Notification settings were refused: Apple could not deliver its test notification
    /// (9728, with the URL), or did not record the settings. Never holds the secret.
    #[error(transparent)]
    Subscribe(#[from] SubscribeError),

    /// The location's token is a legacy (account-based) one, served by Apple's v1 API,
    /// which does not offer this.
    #[error(
        "this location's token is a legacy (account-based) token, served by Apple's v1 API, which has no {0}: download a location token from Apple Business Manager > Settings > Apps and Books to use them"
    )]
    LegacyUnsupported(&'static str),

    /// A page of a sync showed another MDM managing the location
    /// ([`super::PageStream::stop_if_managed_elsewhere`]): the same verdict as
    /// [`super::LocationHandle::verify`](super::LocationHandle::verify)'s
    /// [`crate::Verification::Displaced`]. The sync stopped there.
    #[error(
        "{0} manages this location now, as the sync's pages show: the sync stopped; stop using the location until an admin accepts a takeover again"
    )]
    ManagedElsewhere(MdmOwner),

    /// A paged list stopped: Apple refused a page (after retries), or answered 9650 for
    /// a page that should exist. Carries the page index and Apple's error.
    #[error(transparent)]
    Paging(#[from] PagingError),

    /// Apple sent a record this crate cannot use (e.g. an assignment without a target);
    /// the sync stopped there.
    #[error(transparent)]
    Record(#[from] RecordError),

    /// A license or user request was refused before anything was sent (empty, or an
    /// empty identifier).
    #[error(transparent)]
    Batch(#[from] BatchError),

    /// A store shared by the replicas (the notification secrets, a stored event tracker)
    /// failed: nothing was sent to Apple.
    #[error(transparent)]
    SharedStore(crate::shared::StoreError),

    /// The location's lease could not be had (held by another replica, or the lease
    /// store did not answer), or was lost while held: nothing more was done.
    #[error(transparent)]
    Lease(#[from] crate::shared::LeaseError),

    /// The Tokio runtime that ran the request's task shut down before the request was
    /// sent or answered.
    #[error(
        "the request was cancelled because the Tokio runtime running the client shut down; it may not have reached Apple: send it again from a running runtime"
    )]
    RuntimeShutDown,

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
        source: Box<ClientError>,
    },
}

fn list(ids: &[EventId]) -> String {
    ids.iter()
        .map(EventId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl ClientError {
    /// The class of the error, for every variant: Apple's class when Apple answered;
    /// [`ErrorKind::Retryable`] when Apple could not be reached, a location's lease
    /// could not be had or a shared store failed (try again later); [`ErrorKind::Other`]
    /// for the rest (a redirect, an oversized answer, a refused claim or renewal), which
    /// need a person rather than a retry.
    ///
    /// A paged list that stopped on a page takes the class of that page's error; a
    /// request sent in part, the class of the batch that failed.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::PartlySent { source, .. } => return source.kind(),
            Self::Lease(_) | Self::SharedStore(_) => return ErrorKind::Retryable,
            _ => {}
        }
        match self.answer() {
            Answer::Response(e) => e.kind(),
            Answer::Apple(e) => e.kind(),
            Answer::Unreached => ErrorKind::Retryable,
            Answer::None => ErrorKind::Other,
        }
    }

    /// Apple's error, when Apple answered with one (also for a page of a list, or the
    /// failing batch of a request sent in part).
    pub fn apple(&self) -> Option<&AppleError> {
        match self.answer() {
            Answer::Response(e) => e.apple(),
            Answer::Apple(e) => Some(e),
            Answer::Unreached | Answer::None => None,
        }
    }

    /// What Apple answered (for a page of a list, or the failing batch of a request sent
    /// in part, that page's or batch's answer): the one place that sorts the variants.
    fn answer(&self) -> Answer<'_> {
        match self {
            Self::Response(e) | Self::Paging(PagingError::Response { error: e, .. }) => {
                Answer::Response(e)
            }
            Self::Paging(PagingError::BadPageIndex { error, .. }) => Answer::Apple(error),
            Self::PartlySent { source, .. } => source.answer(),
            Self::Transport { .. } => Answer::Unreached,
            _ => Answer::None,
        }
    }
}

/// What Apple answered, as [`ClientError::kind`] and [`ClientError::apple`] read it.
enum Answer<'a> {
    /// An unusable answer (Apple's error among them).
    Response(&'a ResponseError),
    /// Apple's error.
    Apple(&'a AppleError),
    /// Apple could not be reached.
    Unreached,
    /// Nothing from Apple is involved.
    None,
}
