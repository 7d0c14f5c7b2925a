//! [`SendError`]: sending one request failed. The shared envelope of every client error:
//! each flow's error ([`super::FlowError`], [`super::SyncError`], [`super::WriteError`])
//! wraps it beside what only that flow can fail with.

use std::time::Duration;

use crate::api::{Failure, RequestError};
use crate::wire::{AppleError, ErrorKind, ResponseError};

/// How a request failed to reach Apple, or Apple's answer failed to reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made: the request never reached Apple.
    Connect,
    /// No answer within the timeout: the request may have been applied.
    Timeout,
    /// The connection broke before the answer began: the request may have been applied.
    Other,
    /// Apple's answer began but the connection broke before its end: the request reached
    /// Apple and may have been applied.
    Interrupted,
}

impl TransportKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "the connection failed",
            Self::Timeout => "no answer in time",
            Self::Other => "the connection broke",
            Self::Interrupted => "the answer broke off",
        }
    }
}

/// Sending one request failed: it could not be built, Apple could not be reached, or
/// Apple's answer was an error or unusable. Never contains a secret.
///
/// Every method of the client that sends returns it, alone ([`super::VppClient::send`],
/// [`super::LocationHandle::client_config`], the metadata calls) or inside its flow's
/// error. Whether the request was sent again before this error came back is decided from
/// the error itself ([`SendError::failure`]): a request that never reached Apple because
/// the crate refused it is never sent again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Apple answered with an error, a bad status or an unusable body (after retries, for
    /// the retryable ones). Carries the HTTP status, Apple's number and message.
    #[error(transparent)]
    Response(#[from] ResponseError),

    /// Apple could not be reached, or its answer broke off (after retries).
    #[error(
        "could not reach Apple's Apps and Books service ({}, after {attempts} attempt(s)): check the network and try again later",
        kind.describe()
    )]
    Transport {
        /// Connect, timeout, a broken connection or a broken answer.
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

    /// The request could not be built (e.g. no developer key for the metadata catalog, or
    /// a metadata request without ids): nothing was sent.
    #[error(transparent)]
    Request(#[from] RequestError),

    /// The Tokio runtime that ran the request's task shut down before the request was
    /// sent or answered.
    #[error(
        "the request was cancelled because the Tokio runtime running the client shut down; it may not have reached Apple: send it again from a running runtime"
    )]
    RuntimeShutDown,
}

impl SendError {
    /// The class of the error: Apple's class when Apple answered;
    /// [`ErrorKind::Retryable`] when Apple could not be reached or its answer broke off;
    /// [`ErrorKind::Other`] for the rest (a redirect, an oversized answer, a request that
    /// could not be built, a runtime that shut down), which need a person rather than a
    /// retry.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Response(e) => e.kind(),
            Self::Transport { .. } => ErrorKind::Retryable,
            Self::BodyTooLarge { .. }
            | Self::Redirect { .. }
            | Self::Request(_)
            | Self::RuntimeShutDown => ErrorKind::Other,
        }
    }

    /// Apple's error, when Apple answered with one.
    pub fn apple(&self) -> Option<&AppleError> {
        match self {
            Self::Response(e) => e.apple(),
            _ => None,
        }
    }

    /// Whether the request may have reached Apple (and, for a write, been applied):
    /// `false` only when it was never sent (it could not be built) or the connection
    /// could not be made.
    pub fn may_have_reached_apple(&self) -> bool {
        !matches!(
            self,
            Self::Request(_)
                | Self::Transport {
                    kind: TransportKind::Connect,
                    ..
                }
        )
    }

    /// Whether Apple is limiting requests (9646 or HTTP 429): back off and retry later.
    pub fn is_rate_limited(&self) -> bool {
        self.kind().is_rate_limited()
    }

    /// Whether a retry after a delay may succeed (see [`SendError::kind`]).
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether Apple refused the location's token (expired, not recognised or revoked):
    /// the admin must download a new one from Apple Business Manager > Settings > Apps
    /// and Books; retrying never helps.
    pub fn needs_new_token(&self) -> bool {
        self.kind().needs_new_token()
    }

    /// How the attempt that ended with this error failed, as far as sending it again is
    /// concerned: the one place the client derives it, so a failure that never reached
    /// Apple ([`SendError::Request`]) is [`Failure::NotSent`], never retried.
    /// `retry_after` is the answer's `Retry-After`, when an answer came with one.
    ///
    /// A 2xx answer whose JSON ended early ([`ResponseError::Malformed`] at end of input)
    /// arrived cut short on the way: [`Failure::BrokenAnswer`], like a connection that
    /// broke mid-body. A complete body of another shape would come again the same way.
    pub fn failure(&self, retry_after: Option<Duration>) -> Failure {
        match self {
            Self::Response(ResponseError::Malformed {
                status: 200..=299,
                source: Some(json),
                ..
            }) if json.classify() == serde_json::error::Category::Eof => Failure::BrokenAnswer,
            Self::Response(e) => Failure::response(e, retry_after),
            Self::Transport { kind, .. } => match kind {
                TransportKind::Connect => Failure::Connect,
                TransportKind::Timeout => Failure::Timeout,
                TransportKind::Other => Failure::Transport,
                TransportKind::Interrupted => Failure::BrokenAnswer,
            },
            Self::BodyTooLarge { .. } => Failure::BodyTooLarge,
            Self::Redirect { .. } => Failure::Redirect,
            Self::Request(_) => Failure::NotSent,
            Self::RuntimeShutDown => Failure::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ErrorBody;
    use crate::wire::ErrorNumber;

    fn malformed(status: u16, body: &str) -> SendError {
        let error = serde_json::from_str::<crate::wire::ClientConfig>(body).unwrap_err();
        SendError::Response(ResponseError::malformed(status, error))
    }

    #[test]
    fn how_an_attempt_failed_is_read_from_its_error() {
        let limited = SendError::Response(ResponseError::Apple(AppleError::new(
            Some(200),
            ErrorBody::new(ErrorNumber::TooManyRequests, "slow down"),
        )));
        let wait = Some(Duration::from_secs(7));
        let table = [
            (
                SendError::Request(RequestError::MissingToken),
                Failure::NotSent,
            ),
            (SendError::RuntimeShutDown, Failure::Cancelled),
            (SendError::Redirect { status: 307 }, Failure::Redirect),
            (
                SendError::BodyTooLarge {
                    status: 200,
                    limit: 1,
                },
                Failure::BodyTooLarge,
            ),
            // A 2xx body that ends before its JSON: cut short on the way.
            (
                malformed(200, r#"{"uId": "1", "locat"#),
                Failure::BrokenAnswer,
            ),
            // Complete JSON of another shape, or an error status: the same again.
            (
                malformed(200, "[1, 2]"),
                Failure::Response {
                    kind: ErrorKind::Other,
                    retry_after: wait,
                },
            ),
            (
                malformed(500, r#"{"uId": "#),
                Failure::Response {
                    kind: ErrorKind::Other,
                    retry_after: wait,
                },
            ),
            (
                limited,
                Failure::Response {
                    kind: ErrorKind::RateLimited,
                    retry_after: wait,
                },
            ),
        ];
        for (error, failure) in table {
            assert_eq!(error.failure(wait), failure, "{error:?}");
        }
    }

    #[test]
    fn only_a_request_never_sent_or_never_connected_surely_missed_apple() {
        assert!(!SendError::Request(RequestError::MissingToken).may_have_reached_apple());
        assert!(SendError::RuntimeShutDown.may_have_reached_apple());
        assert!(SendError::Redirect { status: 302 }.may_have_reached_apple());
    }
}
