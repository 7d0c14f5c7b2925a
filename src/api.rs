//! The Apps and Books v2 protocol without I/O: which requests to send, how, and when to
//! retry. The `client` feature executes these; any other HTTP stack can too.
//!
//! ```
//! use apple_vpp::api::{ApiRequest, Method};
//! use apple_vpp::VppToken;
//! # let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap()).build().unwrap();
//! let request = ApiRequest::client_config();
//! assert_eq!(request.method, Method::Get);
//! let url = request.url(&apple_vpp::api::default_base_url());
//! assert_eq!(url.as_str(), "https://vpp.itunes.apple.com/mdm/v2/client/config");
//! // Send it with header `Authorization: <this>`, then decode the answer with
//! // `apple_vpp::wire::decode_response(status, &body)`.
//! let _authorization = ApiRequest::authorization(&token);
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::error::ResponseError;
use crate::secret::SecretString;
use crate::token::VppToken;
use crate::wire::{ClientConfigUpdate, ErrorKind};

/// Apple's Apps and Books v2 base URL.
pub const DEFAULT_BASE_URL: &str = "https://vpp.itunes.apple.com/mdm/v2/";

/// [`DEFAULT_BASE_URL`] parsed.
pub fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid")
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST (with a JSON body).
    Post,
}

/// One request to Apple, described: method, path relative to the base URL, whether it
/// carries the token, and the JSON body. `Debug` shows the body's length only (it may
/// carry the notification auth token).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path relative to the base URL, e.g. `client/config`.
    pub path: &'static str,
    /// Whether to send `Authorization: Bearer <credential>`.
    pub authenticated: bool,
    /// The JSON body (`Content-Type: application/json`), for POST.
    pub body: Option<Vec<u8>>,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("authenticated", &self.authenticated)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())),
            )
            .finish()
    }
}

impl ApiRequest {
    /// `GET service/config` (no token).
    pub fn service_config() -> Self {
        Self {
            method: Method::Get,
            path: "service/config",
            authenticated: false,
            body: None,
        }
    }

    /// `GET client/config`.
    pub fn client_config() -> Self {
        Self {
            method: Method::Get,
            path: "client/config",
            authenticated: true,
            body: None,
        }
    }

    /// `POST client/config` with `update`.
    pub fn update_client_config(update: &ClientConfigUpdate) -> Self {
        Self {
            method: Method::Post,
            path: "client/config",
            authenticated: true,
            body: Some(update.to_json()),
        }
    }

    /// The full URL under `base` (a trailing slash on `base` is assumed; see
    /// [`normalize_base_url`]).
    pub fn url(&self, base: &Url) -> Url {
        base.join(self.path)
            .expect("relative paths join onto a base URL")
    }

    /// The `Authorization` header value: `Bearer <the whole .vpptoken content>`.
    ///
    /// **Security:** the result is the secret credential; it stays wrapped.
    pub fn authorization(token: &VppToken) -> SecretString {
        SecretString::new(format!("Bearer {}", token.expose_credential()))
    }
}

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL.
    #[error("the base URL {url:?} is not a valid URL: {reason}")]
    Invalid {
        /// What was given.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// Plain HTTP to a non-loopback host: the credential would travel in clear text.
    #[error(
        "the base URL {url} must use https (plain http is allowed only for loopback hosts such as 127.0.0.1, ::1 or localhost)"
    )]
    Insecure {
        /// What was given.
        url: String,
    },
}

/// Checks a base URL and gives it a trailing slash: `https`, or `http` to a loopback host
/// (127.0.0.0/8, `::1`, `localhost`) for tests and local fakes. Nothing else: the
/// credential must not travel in clear text.
pub fn normalize_base_url(url: &str) -> Result<Url, BaseUrlError> {
    let mut parsed = Url::parse(url).map_err(|e| BaseUrlError::Invalid {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => {}
        "http" if loopback => {}
        _ => {
            return Err(BaseUrlError::Insecure {
                url: parsed.to_string(),
            });
        }
    }
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn rate_limited(after: Option<Duration>) -> Failure {
        Failure::Response {
            kind: ErrorKind::RateLimited,
            retry_after: after,
        }
    }

    #[test]
    fn retries_only_retryable_failures() {
        let p = RetryPolicy::default();
        for kind in [ErrorKind::RateLimited, ErrorKind::Retryable] {
            assert!(
                p.next_delay(
                    1,
                    Failure::Response {
                        kind,
                        retry_after: None
                    },
                    Duration::ZERO,
                    0.0
                )
                .is_some()
            );
        }
        assert!(
            p.next_delay(1, Failure::Connect, Duration::ZERO, 0.0)
                .is_some()
        );
        assert!(
            p.next_delay(1, Failure::Timeout, Duration::ZERO, 0.0)
                .is_some()
        );
        assert_eq!(
            p.next_delay(1, Failure::Transport, Duration::ZERO, 0.0),
            None
        );
        for kind in [
            ErrorKind::TokenExpired,
            ErrorKind::TokenInvalid,
            ErrorKind::TokenRevoked,
            ErrorKind::ReadOnlyLocation,
            ErrorKind::RequestInvalid,
            ErrorKind::Other,
        ] {
            let f = Failure::Response {
                kind,
                retry_after: Some(MS),
            };
            assert_eq!(p.next_delay(1, f, Duration::ZERO, 0.0), None, "{kind:?}");
        }
    }

    #[test]
    fn bounded_in_attempts_and_time() {
        let p = RetryPolicy::default();
        assert!(
            p.next_delay(3, Failure::Timeout, Duration::ZERO, 0.0)
                .is_some()
        );
        assert_eq!(p.next_delay(4, Failure::Timeout, Duration::ZERO, 0.0), None);
        assert_eq!(
            RetryPolicy::none().next_delay(1, Failure::Timeout, Duration::ZERO, 0.0),
            None
        );
        let after = Some(Duration::from_secs(10));
        assert_eq!(
            p.next_delay(1, rate_limited(after), Duration::from_secs(80), 0.0),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            p.next_delay(1, rate_limited(after), Duration::from_secs(81), 0.0),
            None
        );
    }

    #[test]
    fn honours_and_caps_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.next_delay(
                1,
                rate_limited(Some(Duration::from_secs(7))),
                Duration::ZERO,
                0.9
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            p.next_delay(
                1,
                rate_limited(Some(Duration::from_secs(3600))),
                Duration::ZERO,
                0.0
            ),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            p.next_delay(1, rate_limited(Some(Duration::ZERO)), Duration::ZERO, 0.0),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn exponential_backoff_with_jitter() {
        let p = RetryPolicy::default();
        let d = |n, j| {
            p.next_delay(n, Failure::Timeout, Duration::ZERO, j)
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
            slow.next_delay(30, Failure::Timeout, Duration::ZERO, 1.0),
            Some(Duration::from_secs(30)),
            "capped"
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2026-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("https://vpp.itunes.apple.com/mdm/v2")
                .unwrap()
                .as_str(),
            DEFAULT_BASE_URL
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(normalize_base_url("http://127.3.4.5:1/x/").is_ok());
        assert!(normalize_base_url("http://[::1]:9/").is_ok());
        assert!(normalize_base_url("http://LOCALHOST:9/").is_ok());
        for bad in [
            "http://vpp.itunes.apple.com/mdm/v2",
            "http://10.0.0.1/",
            "http://localhost.evil.example/",
            "ftp://127.0.0.1/",
            "file:///tmp/x",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(BaseUrlError::Insecure { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            normalize_base_url("not a url"),
            Err(BaseUrlError::Invalid { .. })
        ));
        assert_eq!(
            normalize_base_url("http://example.com/")
                .unwrap_err()
                .to_string(),
            "the base URL http://example.com/ must use https (plain http is allowed only for loopback hosts such as 127.0.0.1, ::1 or localhost)"
        );
    }

    #[test]
    fn requests() {
        let base = normalize_base_url("http://127.0.0.1:1/mdm/v2").unwrap();
        assert_eq!(
            ApiRequest::service_config().url(&base).as_str(),
            "http://127.0.0.1:1/mdm/v2/service/config"
        );
        assert!(!ApiRequest::service_config().authenticated);
        let update = ClientConfigUpdate::builder()
            .mdm_info(crate::wire::MdmInfo::new("i", "n", "m"))
            .build()
            .unwrap();
        let post = ApiRequest::update_client_config(&update);
        assert_eq!(
            (post.method, post.path, post.authenticated),
            (Method::Post, "client/config", true)
        );
        assert_eq!(
            post.body.as_deref(),
            Some(&br#"{"mdmInfo":{"id":"i","name":"n","metadata":"m"}}"#[..])
        );
        let token = VppToken::builder("o", "2031-01-01T00:00:00+00:00".parse().unwrap())
            .build()
            .unwrap();
        let auth = ApiRequest::authorization(&token);
        assert_eq!(
            auth.expose_secret(),
            format!("Bearer {}", token.expose_credential())
        );
        assert_eq!(format!("{auth:?}"), "SecretString([redacted])");
    }
}
