//! When to send a failed request again: bounded in attempts and time, and only where it
//! is safe ([`Replay`]).

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::endpoint::Replay;
use crate::wire::{ErrorKind, ResponseError};

/// Why one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// Apple answered; the error's class and any `Retry-After`.
    Response {
        /// The class ([`ResponseError::kind`]).
        kind: ErrorKind,
        /// `Retry-After`, already parsed ([`parse_retry_after_at`]).
        retry_after: Option<Duration>,
    },
    /// The connection could not be made: the request never reached Apple.
    Connect,
    /// No answer in time: the request may have been applied.
    Timeout,
    /// Another transport failure (e.g. the connection broke before the answer began): the
    /// request may have been applied.
    Transport,
    /// Apple's answer began but did not arrive whole: the connection broke mid-body, or a
    /// 2xx body ended before its JSON did. The request reached Apple and may have been
    /// applied.
    BrokenAnswer,
    /// The answer was larger than the body limit: the same answer would come again, so
    /// never retried.
    BodyTooLarge,
    /// The answer was a redirect, which Apple's API never sends: never followed, never
    /// retried.
    Redirect,
    /// Nothing was sent: the request could not be built, or the crate refused it before
    /// sending (e.g. notification settings for a legacy token). Apple never saw it and
    /// the same request would fail the same way: never retried.
    NotSent,
    /// The attempt was cancelled before its answer arrived (the async runtime running it
    /// shut down): it may have reached Apple, and nothing more can be sent from there;
    /// never retried.
    Cancelled,
}

impl Failure {
    /// The failure for a decoded response error.
    pub fn response(error: &ResponseError, retry_after: Option<Duration>) -> Self {
        Self::Response {
            kind: error.kind(),
            retry_after,
        }
    }

    /// Whether a request of this [`Replay`] class may be sent again after this failure
    /// (before counting attempts and time).
    ///
    /// - A request that was never sent ([`Failure::NotSent`]) would fail the same way:
    ///   never.
    /// - A connection that could not be made never reached Apple: always safe.
    /// - Reads ([`Replay::Safe`]): also timeouts, broken connections, answers that broke
    ///   off mid-body or arrived cut ([`Failure::BrokenAnswer`]) and retryable answers
    ///   (429, 5xx): sending a read again changes nothing at Apple.
    /// - Writes that start work ([`Replay::IfRefused`]): also answers in which Apple
    ///   refused the request (429 / 9646, 5xx errors), never a timeout, a broken
    ///   connection or a broken answer, after which Apple may have applied it.
    /// - Writes decided from a read ([`Replay::Never`]): nothing else; read again and
    ///   decide again.
    pub fn allows_replay(self, replay: Replay) -> bool {
        match (self, replay) {
            (Self::NotSent | Self::Cancelled, _) => false,
            (Self::Connect, _) => true,
            (Self::BodyTooLarge | Self::Redirect, _) | (_, Replay::Never) => false,
            (Self::Timeout | Self::Transport | Self::BrokenAnswer, Replay::Safe) => true,
            (Self::Timeout | Self::Transport | Self::BrokenAnswer, Replay::IfRefused) => false,
            (Self::Response { kind, .. }, Replay::Safe | Replay::IfRefused) => kind.is_retryable(),
        }
    }
}

/// When to retry: bounded in attempts and in total time.
///
/// What may be retried at all is [`Failure::allows_replay`]. Never retried: 9621, 9622,
/// 9625, 9645 and other 4xx. A `Retry-After` is honoured (capped); a delay is never
/// shorter than the backoff, so a `Retry-After` of 0 or a date in the past still waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Sets [`RetryPolicy::max_attempts`] (the first attempt included; 1 disables retries).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets [`RetryPolicy::max_total`].
    pub fn with_max_total(mut self, max_total: Duration) -> Self {
        self.max_total = max_total;
        self
    }

    /// Sets [`RetryPolicy::base_delay`].
    pub fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// Sets [`RetryPolicy::max_delay`].
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets [`RetryPolicy::retry_after_cap`].
    pub fn with_retry_after_cap(mut self, retry_after_cap: Duration) -> Self {
        self.retry_after_cap = retry_after_cap;
        self
    }

    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before the next attempt, or `None` to give up.
    ///
    /// `attempts` is how many attempts were made so far (1 after the first; 0 is taken
    /// as 1), `replay` the request's class, `elapsed` the time since the first began, and
    /// `jitter` a random number in `[0, 1]` (the backoff is scaled into `[½, 1]` of its
    /// value by it; out of range or NaN is clamped). Never panics.
    pub fn next_delay(
        &self,
        attempts: u32,
        failure: Failure,
        replay: Replay,
        elapsed: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        let attempts = attempts.max(1);
        if attempts >= self.max_attempts || !failure.allows_replay(replay) {
            return None;
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempts - 1).min(20))
            .min(self.max_delay);
        let jitter = if jitter.is_nan() {
            0.5
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // exp * (0.5 + jitter / 2) without overflow: half of exp, plus a jittered half.
        let half = exp / 2;
        let backoff = half.saturating_add(mul_fraction(exp - half, jitter));
        let delay = match failure {
            Failure::Response {
                retry_after: Some(after),
                ..
            } => after.min(self.retry_after_cap).max(backoff),
            _ => backoff,
        };
        (elapsed.saturating_add(delay) <= self.max_total).then_some(delay)
    }
}

/// Whether `body` ends before its JSON does (e.g. an answer cut short on the way): the
/// JSON read so far is valid but incomplete, or there is none. A body that is complete
/// JSON of another shape, or not JSON at all, is not cut: the same answer would come again.
pub fn is_cut_short(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err_and(|e| e.is_eof())
}

/// `d * fraction` for a fraction in `[0, 1]`, without the panics of `Duration::mul_f64`.
fn mul_fraction(d: Duration, fraction: f64) -> Duration {
    // Float rounding may land a few nanoseconds above `d`: never more than `d`.
    Duration::try_from_secs_f64(d.as_secs_f64() * fraction)
        .unwrap_or(d)
        .min(d)
}

/// Parses `Retry-After` relative to `now`: whole seconds (`120`) or an HTTP date in any of
/// the three forms HTTP requires recipients to accept (`Sun, 06 Nov 1994 08:49:37 GMT`,
/// `Sunday, 06-Nov-94 08:49:37 GMT`, `Sun Nov  6 08:49:37 1994`). A date in the past gives
/// zero (the retry policy then still waits its backoff). `None` for anything else.
pub fn parse_retry_after_at(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc2822(value) {
        return Some(at.with_timezone(&Utc));
    }
    // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit year: HTTP says a year that
    // looks more than 50 years ahead is in the past century).
    if let Some(rest) = value.strip_suffix(" GMT") {
        if let Some((_, date)) = rest.split_once(", ") {
            if let Ok(naive) = NaiveDateTime::parse_from_str(date, "%d-%b-%y %H:%M:%S") {
                return Some(naive.and_utc());
            }
        }
    }
    // asctime: `Sun Nov  6 08:49:37 1994` (day padded with a space).
    let squeezed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&squeezed, "%a %b %e %H:%M:%S %Y")
        .ok()
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Replay = Replay::Safe;

    fn answer(kind: ErrorKind, retry_after: Option<Duration>) -> Failure {
        Failure::Response { kind, retry_after }
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn what_each_replay_class_may_retry() {
        let refused = answer(ErrorKind::RateLimited, None);
        let broken = answer(ErrorKind::Retryable, None);
        let fatal = answer(ErrorKind::TokenRevoked, None);
        let table = [
            // failure, Safe, IfRefused, Never
            (Failure::Connect, true, true, true),
            (Failure::Timeout, true, false, false),
            (Failure::Transport, true, false, false),
            (Failure::BrokenAnswer, true, false, false),
            (Failure::BodyTooLarge, false, false, false),
            (Failure::Redirect, false, false, false),
            (Failure::NotSent, false, false, false),
            (Failure::Cancelled, false, false, false),
            (refused, true, true, false),
            (broken, true, true, false),
            (fatal, false, false, false),
        ];
        for (failure, safe, if_refused, never) in table {
            assert_eq!(failure.allows_replay(Replay::Safe), safe, "{failure:?}");
            assert_eq!(
                failure.allows_replay(Replay::IfRefused),
                if_refused,
                "{failure:?}"
            );
            assert_eq!(failure.allows_replay(Replay::Never), never, "{failure:?}");
        }
        let p = RetryPolicy::default();
        for kind in [
            ErrorKind::TokenExpired,
            ErrorKind::TokenInvalid,
            ErrorKind::TokenRevoked,
            ErrorKind::ReadOnlyLocation,
            ErrorKind::RequestInvalid,
            ErrorKind::Other,
        ] {
            let f = answer(kind, Some(secs(1)));
            assert_eq!(p.next_delay(1, f, S, Duration::ZERO, 0.0), None, "{kind:?}");
        }
        assert_eq!(
            p.next_delay(1, Failure::Timeout, Replay::Never, Duration::ZERO, 0.0),
            None
        );
    }

    #[test]
    fn bounded_in_attempts_and_time() {
        let p = RetryPolicy::default();
        assert!(
            p.next_delay(3, Failure::Timeout, S, Duration::ZERO, 0.0)
                .is_some()
        );
        assert_eq!(
            p.next_delay(4, Failure::Timeout, S, Duration::ZERO, 0.0),
            None
        );
        assert_eq!(
            RetryPolicy::none().next_delay(1, Failure::Connect, S, Duration::ZERO, 0.0),
            None
        );
        let limited = answer(ErrorKind::RateLimited, Some(secs(10)));
        assert_eq!(p.next_delay(1, limited, S, secs(80), 0.0), Some(secs(10)));
        assert_eq!(p.next_delay(1, limited, S, secs(81), 0.0), None);
    }

    #[test]
    fn retry_after_is_honoured_capped_and_never_below_the_backoff() {
        let p = RetryPolicy::default();
        let after = |d| answer(ErrorKind::RateLimited, Some(d));
        assert_eq!(
            p.next_delay(1, after(secs(7)), S, Duration::ZERO, 0.9),
            Some(secs(7))
        );
        assert_eq!(
            p.next_delay(1, after(secs(3600)), S, Duration::ZERO, 0.0),
            Some(secs(60))
        );
        // A zero Retry-After (or a date in the past) still waits the backoff.
        assert_eq!(
            p.next_delay(1, after(Duration::ZERO), S, Duration::ZERO, 0.0),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            p.next_delay(3, after(Duration::ZERO), S, Duration::ZERO, 1.0),
            Some(secs(2))
        );
    }

    #[test]
    fn exponential_backoff_with_jitter() {
        let p = RetryPolicy::default();
        let d = |n, j| {
            p.next_delay(n, Failure::Timeout, S, Duration::ZERO, j)
                .unwrap()
        };
        assert_eq!(d(1, 0.0), Duration::from_millis(250));
        assert_eq!(d(1, 1.0), Duration::from_millis(500));
        assert_eq!(d(2, 1.0), Duration::from_millis(1000));
        assert_eq!(d(3, 0.5), Duration::from_millis(1500));
        let slow = RetryPolicy {
            max_attempts: 40,
            max_total: Duration::MAX,
            ..p
        };
        assert_eq!(
            slow.next_delay(30, Failure::Timeout, S, Duration::ZERO, 1.0),
            Some(secs(30)),
            "capped"
        );
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        let p = RetryPolicy::default();
        // NaN and out-of-range jitter are clamped.
        assert_eq!(
            p.next_delay(1, Failure::Timeout, S, Duration::ZERO, f64::NAN),
            Some(Duration::from_millis(375))
        );
        assert_eq!(
            p.next_delay(1, Failure::Timeout, S, Duration::ZERO, f64::INFINITY),
            Some(Duration::from_millis(500))
        );
        // Attempt 0 is taken as 1.
        assert_eq!(
            p.next_delay(0, Failure::Timeout, S, Duration::ZERO, 0.0),
            Some(Duration::from_millis(250))
        );
        // The largest durations do not overflow.
        let huge = RetryPolicy {
            max_attempts: u32::MAX,
            max_total: Duration::MAX,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            retry_after_cap: Duration::MAX,
        };
        assert_eq!(
            huge.next_delay(u32::MAX - 1, Failure::Timeout, S, Duration::MAX, 1.0),
            Some(Duration::MAX)
        );
        let d = huge
            .next_delay(5, Failure::Timeout, S, Duration::ZERO, 1.0)
            .unwrap();
        assert_eq!(d, Duration::MAX);
        let d = huge
            .next_delay(
                5,
                answer(ErrorKind::RateLimited, Some(Duration::MAX)),
                S,
                Duration::ZERO,
                1.0,
            )
            .unwrap();
        assert_eq!(d, Duration::MAX);
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2026-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = |v| parse_retry_after_at(v, now);
        assert_eq!(p("120"), Some(secs(120)));
        assert_eq!(p(" 0 "), Some(Duration::ZERO));
        assert_eq!(p("99999999999999999999999"), Some(secs(u64::MAX)));
        assert_eq!(p("Wed, 21 Oct 2026 07:28:30 GMT"), Some(secs(30)));
        assert_eq!(p("Wednesday, 21-Oct-26 07:28:45 GMT"), Some(secs(45)));
        assert_eq!(p("Wed Oct 21 07:29:00 2026"), Some(secs(60)));
        assert_eq!(p("Thu Oct  1 07:29:00 2026"), Some(Duration::ZERO));
        assert_eq!(p("Wed, 21 Oct 2026 07:27:00 GMT"), Some(Duration::ZERO));
        for bad in ["soon", "-5", "1.5", "", "Wed, 32 Oct 2026 07:27:00 GMT"] {
            assert_eq!(p(bad), None, "{bad:?}");
        }
    }
}
