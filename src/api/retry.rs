//! When to send a failed request again: bounded in attempts and time, and only where it
//! is safe ([`super::Replay`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::wire::{ErrorKind, ResponseError};

/// Why one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// Apple answered; the error's class and any `Retry-After`.
    Response {
        /// The class ([`ResponseError::kind`]).
        kind: ErrorKind,
        /// `Retry-After`, already parsed ([`parse_retry_after`]).
        retry_after: Option<Duration>,
    },
    /// The connection could not be made.
    Connect,
    /// No answer in time.
    Timeout,
    /// Another transport failure (e.g. the connection broke mid-body): not retried, as
    /// the request may have been processed.
    Transport,
}

impl Failure {
    /// The failure for a decoded response error.
    pub fn response(error: &ResponseError, retry_after: Option<Duration>) -> Self {
        Self::Response {
            kind: error.kind(),
            retry_after,
        }
    }
}

/// When to retry: bounded in attempts and in total time.
///
/// Retried: HTTP 429 / 9646, 5xx / 9603 / 9644, connect errors and timeouts. Never
/// retried: 9621, 9622, 9625, 9645 and other 4xx. `Retry-After` is honoured (capped);
/// otherwise the delay is exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 4). 1 disables retries.
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt, or would
    /// end its wait after it (default 90 s).
    pub max_total: Duration,
    /// The first backoff delay (default 500 ms); doubled each retry.
    pub base_delay: Duration,
    /// The largest backoff delay (default 30 s).
    pub max_delay: Duration,
    /// The largest `Retry-After` honoured (default 60 s); a longer one is cut to this.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_total: Duration::from_secs(90),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before the next attempt, or `None` to give up.
    ///
    /// `attempts` is how many attempts were made so far (1 after the first), `elapsed`
    /// the time since the first began, and `jitter` a random number in `[0, 1)` (the
    /// backoff is scaled into `[½, 1]` of its value by it).
    pub fn next_delay(
        &self,
        attempts: u32,
        failure: Failure,
        elapsed: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let retry_after = match failure {
            Failure::Response { kind, retry_after } if kind.is_retryable() => retry_after,
            Failure::Connect | Failure::Timeout => None,
            _ => return None,
        };
        let delay = match retry_after {
            Some(after) => after.min(self.retry_after_cap),
            None => {
                let exp = self
                    .base_delay
                    .saturating_mul(1u32 << (attempts - 1).min(20))
                    .min(self.max_delay);
                exp.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
            }
        };
        (elapsed.saturating_add(delay) <= self.max_total).then_some(delay)
    }
}

/// Parses `Retry-After`: whole seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), relative to `now`. A date in the past gives zero.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}
