//! The one generic way to send any [`Endpoint`]: rate limit, retries where safe, body
//! limit, no redirects, secrets scrubbed from Apple's errors.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};

use super::{ClientError, TokenId, TransportKind, VppClient};
use crate::api::{Endpoint, Failure, HttpRequest, Method, parse_retry_after_at, redact_error};
use crate::token::VppToken;
use crate::wire::ResponseError;

/// Status, body and `Retry-After` of an answer; or why there is none to decode.
type Attempt = Result<(u16, Vec<u8>, Option<Duration>), (ClientError, Failure)>;

impl VppClient {
    /// Sends `endpoint` (with `token` where it needs one) and decodes Apple's answer.
    ///
    /// Every call of the client goes through here:
    /// - requests carrying a token wait for their slot in the request budget
    ///   ([`super::VppClientBuilder::budget`]), at Apple's `maxRequestPerSecond` once the
    ///   service configuration has been read, or the caller's lower
    ///   [`super::VppClientBuilder::max_requests_per_second`]
    ///   ([`super::UNKNOWN_LIMIT_REQUESTS_PER_SECOND`] before either is known);
    /// - a failed attempt is sent again only as [`crate::api::Failure::allows_replay`]
    ///   allows for the endpoint's [`crate::api::Replay`] class, within the
    ///   [`crate::api::RetryPolicy`] (attempts, total time, `Retry-After`);
    /// - a redirect is never followed, a body over the limit never read to its end;
    /// - every secret the request held is removed from Apple's error.
    pub async fn send<E: Endpoint>(
        &self,
        endpoint: &E,
        token: Option<&VppToken>,
    ) -> Result<E::Response, ClientError> {
        self.send_inner(endpoint, token).await.map_err(|(e, _)| e)
    }

    /// [`VppClient::send`], also telling how the last attempt failed (for flows that
    /// read again and decide again instead of replaying a write).
    pub(super) async fn send_inner<E: Endpoint>(
        &self,
        endpoint: &E,
        token: Option<&VppToken>,
    ) -> Result<E::Response, (ClientError, Failure)> {
        let request = HttpRequest::build(endpoint, &self.inner.base, token)
            .map_err(|e| (e.into(), Failure::Transport))?;
        let start = Instant::now();
        let budget_key = token.map(TokenId::of);
        let mut attempts = 0;
        loop {
            attempts += 1;
            if let Some(key) = &budget_key {
                self.wait_for_slot(key).await;
            }
            let (mut error, failure) = match self.attempt(&request, attempts).await {
                Ok((status, body, retry_after)) => match E::decode(status, &body) {
                    Ok(value) => return Ok(value),
                    Err(error) => {
                        let failure = Failure::response(&error, retry_after);
                        (ClientError::Response(error), failure)
                    }
                },
                Err(e) => e,
            };
            if let ClientError::Response(ResponseError::Apple(apple)) = &mut error {
                redact_error(endpoint, token, apple);
            }
            let delay = self.inner.retry.next_delay(
                attempts,
                failure,
                request.replay,
                start.elapsed(),
                jitter(),
            );
            match delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err((error, failure)),
            }
        }
    }

    /// Waits for the next slot of `token` in the request budget, at the rate in force.
    async fn wait_for_slot(&self, token: &TokenId) {
        let rate = self.rate_for_token_request();
        let wait = self.inner.budget.reserve(token, rate).await;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: the status and the body, or the error and how it failed. A non-2xx
    /// answer is returned as an error here only when it cannot be decoded (redirect,
    /// body too large); Apple's error bodies are decoded by the endpoint.
    async fn attempt(&self, request: &HttpRequest, attempts: u32) -> Attempt {
        let transport = |source: reqwest::Error| {
            let (kind, failure) = if source.is_timeout() {
                (TransportKind::Timeout, Failure::Timeout)
            } else if source.is_connect() {
                (TransportKind::Connect, Failure::Connect)
            } else {
                (TransportKind::Other, Failure::Transport)
            };
            let source = source.without_url();
            let error = ClientError::Transport {
                kind,
                attempts,
                source,
            };
            (error, failure)
        };
        let url = request.url.clone();
        let mut builder = match request.method {
            Method::Get => self.inner.http.get(url),
            Method::Post => self.inner.http.post(url),
        }
        .timeout(self.inner.timeout)
        .header(USER_AGENT, self.inner.user_agent.clone())
        .header(ACCEPT, "application/json");
        if let Some(auth) = &request.authorization {
            // The credential is Base64, so always a valid header value.
            let mut value = HeaderValue::from_str(auth.expose_secret())
                .expect("Base64 is a valid header value");
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        // A caller-supplied client may follow redirects: refuse what it followed.
        if (300..400).contains(&status) || response.url() != &request.url {
            return Err((ClientError::Redirect { status }, Failure::Redirect));
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after_at(v, Utc::now()));
        let limit = self.inner.max_body;
        let too_large = || {
            (
                ClientError::BodyTooLarge { status, limit },
                Failure::BodyTooLarge,
            )
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body, retry_after))
    }
}

/// A number in `[0, 1)` for backoff jitter, from the standard library's randomly keyed
/// hasher (no extra dependency; not for cryptography).
pub(super) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
