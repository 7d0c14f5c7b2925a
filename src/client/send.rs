//! The one generic way to send any [`Endpoint`]: rate limit, retries where safe, body
//! limit, no redirects, secrets scrubbed from Apple's errors.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, USER_AGENT};

use super::error::{SendError, TransportKind};
use super::vpp_client::VppClient;
use crate::api::{
    Auth, Credentials, Endpoint, Failure, Host, HttpRequest, parse_retry_after_at, redact_error,
};
use crate::shared::{BudgetKey, LocationKey, TokenId, rate};
use crate::token::VppToken;
use crate::wire::ResponseError;

/// What one attempt brought back: Apple's answer (to decode), or why there is none.
type Attempt = Result<Answer, Failed>;

/// An answer of Apple's, not decoded yet.
struct Answer {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<Duration>,
}

/// A request that failed: the error, and the `Retry-After` of the answer it failed with
/// (when an answer came with one). How it failed, for the retry policy, is derived from
/// the error ([`Failed::failure`]), never set by hand.
#[derive(Debug)]
pub(super) struct Failed {
    pub(super) error: SendError,
    pub(super) retry_after: Option<Duration>,
}

impl Failed {
    fn new(error: impl Into<SendError>) -> Self {
        Self {
            error: error.into(),
            retry_after: None,
        }
    }

    /// How the request failed, as far as sending it again is concerned
    /// ([`SendError::failure`]).
    pub(super) fn failure(&self) -> Failure {
        self.error.failure(self.retry_after)
    }
}

impl VppClient {
    /// Sends a service-wide `endpoint` (one that needs no location's token: the service
    /// configuration, the metadata catalog) and decodes Apple's answer. A location's
    /// calls are sent by its handle, [`super::LocationHandle::send`], the same way with
    /// its token: between them, the one way the client sends.
    ///
    /// It brings the credentials the endpoint's [`Endpoint::AUTH`] needs: the location's
    /// content token (only through a [`super::LocationHandle`]), and for the metadata
    /// catalog ([`crate::api::GetAppsMetadata`], [`crate::api::GetBooksMetadata`],
    /// [`crate::api::GetStorefronts`]) the developer token of
    /// [`super::VppClientBuilder::developer_key`] (minted, or cached until shortly before
    /// it expires); when the catalog answers 401 it is minted again once and the request
    /// sent again, and a second 401 is the error. A call whose credential is missing
    /// (here: every endpoint that needs a content token) fails before anything is sent
    /// ([`SendError::Request`]).
    ///
    /// Then:
    /// - requests carrying a token wait for their slot in the request budget
    ///   ([`super::VppClientBuilder::budget`]), at Apple's `maxRequestPerSecond` once the
    ///   service configuration has been read, or the caller's lower
    ///   [`super::VppClientBuilder::max_requests_per_second`]
    ///   ([`crate::shared::UNKNOWN_LIMIT_REQUESTS_PER_SECOND`] before either is known), in the
    ///   budget of the token's location once an answer named it (its `uId`; see
    ///   [`crate::shared::BudgetKey`]). The wait and the request run in a task of their own, so a
    ///   request leaves at its slot however slowly the caller polls; one that could not
    ///   leave within [`crate::shared::MAX_LATENESS`] of its slot takes a new one; the
    ///   metadata hosts have a pacing of their own;
    /// - a failed attempt is sent again only as [`crate::api::Failure::allows_replay`]
    ///   allows, for how it failed ([`SendError::failure`]) and the endpoint's
    ///   [`crate::api::Replay`] class (a read whose answer broke
    ///   off mid-body or arrived cut is sent again; a write never is), within the
    ///   [`crate::api::RetryPolicy`] (attempts, total time, `Retry-After`);
    /// - a redirect is never followed, a body over the limit never read to its end;
    /// - every secret the request held is removed from Apple's error
    ///   ([`crate::api::redact_error`]).
    ///
    /// The request on the wire is exactly [`HttpRequest::build`]'s, converted into an
    /// [`http::Request`] (plus the client's `User-Agent`): what any other HTTP stack
    /// sends.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Response, SendError> {
        self.send_inner(endpoint, None).await.map_err(|f| f.error)
    }

    /// Sends `endpoint` with a location's `token` where it needs one (what
    /// [`super::LocationHandle::send`] does), telling how the last attempt failed (for
    /// flows that read again and decide again instead of replaying a write).
    pub(super) async fn send_inner<E: Endpoint>(
        &self,
        endpoint: &E,
        token: Option<&VppToken>,
    ) -> Result<E::Response, Failed> {
        let developer = match E::AUTH {
            Auth::Developer | Auth::DeveloperAndCookie => self.inner.developer.as_ref(),
            Auth::None | Auth::Bearer | Auth::InBody | Auth::CookieIfToken => None,
        };
        let mut reminted = false;
        loop {
            let jwt = developer.map(|key| key.token());
            let mut credentials = Credentials::from(token);
            if let Some(jwt) = &jwt {
                credentials = credentials.with_developer(jwt.expose_secret());
            }
            let answer = self.send_request(endpoint, credentials).await;
            match (&answer, developer) {
                (Err(failed), Some(key)) if !reminted && is_catalog_401(&failed.error) => {
                    key.invalidate();
                    reminted = true;
                }
                _ => return answer,
            }
        }
    }

    /// [`VppClient::send_inner`] without how it failed.
    pub(super) async fn send_with<E: Endpoint>(
        &self,
        endpoint: &E,
        token: Option<&VppToken>,
    ) -> Result<E::Response, SendError> {
        self.send_inner(endpoint, token).await.map_err(|f| f.error)
    }

    /// Builds the request with `credentials` and runs its retry loop: each failed attempt
    /// is sent again only as the retry policy allows for how it failed
    /// ([`SendError::failure`]) and the endpoint's replay class.
    async fn send_request<E: Endpoint>(
        &self,
        endpoint: &E,
        credentials: Credentials<'_>,
    ) -> Result<E::Response, Failed> {
        let request =
            HttpRequest::build(endpoint, &self.inner.base, credentials).map_err(Failed::new)?;
        let (replay, url) = (request.replay, request.url.clone());
        let request = http::Request::<Vec<u8>>::try_from(request).map_err(Failed::new)?;
        let start = Instant::now();
        let budget_key = credentials.content_token().map(TokenId::of);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let attempt = self
                .paced_attempt(E::HOST, budget_key, &url, &request, attempts)
                .await;
            let mut failed = match attempt.and_then(decode::<E>) {
                Ok((value, body)) => {
                    if let (Some(id), Host::Vpp) = (budget_key, E::HOST) {
                        self.learn_location(id, &body);
                    }
                    return Ok(value);
                }
                Err(failed) => failed,
            };
            if let SendError::Response(response) = &mut failed.error {
                redact_error(endpoint, credentials, response);
            }
            let delay = self.inner.retry.next_delay(
                attempts,
                failed.failure(),
                replay,
                start.elapsed(),
                jitter(),
            );
            match delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(failed),
            }
        }
    }

    /// One attempt, in a task of its own: waits for the request's slot (when it carries
    /// a token), then sends it. The caller's polling no longer decides when the request
    /// leaves: a caller busy with an earlier page does not hold it past its slot (it would
    /// then leave together with the next ones). Dropping the returned future aborts the
    /// task (a sync that stops cancels its pages in flight).
    async fn paced_attempt(
        &self,
        host: Host,
        token: Option<TokenId>,
        url: &reqwest::Url,
        request: &http::Request<Vec<u8>>,
        attempts: u32,
    ) -> Attempt {
        let client = self.clone();
        let (url, request) = (url.clone(), request.clone());
        let task = tokio::spawn(async move {
            if let Some(token) = token {
                client.wait_for_slot(host, token).await;
            }
            client.attempt(&url, &request, attempts).await
        });
        let abort = AbortOnDrop(task.abort_handle());
        let joined = task.await;
        drop(abort);
        match joined {
            Ok(attempt) => attempt,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // Only this future aborts the task, and it is being dropped then; a runtime
            // that shuts down cancels it too.
            Err(_) => Err(Failed::new(SendError::RuntimeShutDown)),
        }
    }

    /// Waits for the next slot of `token`'s budget at the rate in force: Apple's budget
    /// of the token's location for the Apps and Books service, an in-process pacing of
    /// its own for the metadata services (another service with limits of its own, which
    /// does not spend Apple's VPP budget). A slot the request could not leave at (more
    /// than [`rate::MAX_LATENESS`] after it) is given up for a new one.
    async fn wait_for_slot(&self, host: Host, token: TokenId) {
        for _ in 0..rate::MAX_RETAKES {
            let rate = self.rate_for_token_request();
            let slot = match host {
                Host::Vpp => {
                    let key = self.budget_key(token);
                    let wait = self.inner.budget.reserve(&key, rate).await;
                    Instant::now() + wait
                }
                Host::Metadata | Host::Absolute => {
                    let now = Instant::now();
                    now + self
                        .inner
                        .metadata_rate
                        .reserve(&token, rate::spacing(rate), now)
                }
            };
            tokio::time::sleep_until(slot.into()).await;
            if Instant::now() <= slot + rate::MAX_LATENESS {
                return;
            }
        }
    }

    /// The budget key of `token`: its location's once known.
    fn budget_key(&self, token: TokenId) -> BudgetKey {
        match self.lock_budget_locations().get(&token) {
            Some(location) => BudgetKey::of_location(token, *location),
            None => BudgetKey::of_token(token),
        }
    }

    /// Remembers the location of `token` from the `uId` of Apple's answer `body` (every
    /// answer of the Apps and Books service carries it), once.
    fn learn_location(&self, token: TokenId, body: &[u8]) {
        if self.lock_budget_locations().contains_key(&token) {
            return;
        }
        #[derive(serde::Deserialize)]
        struct Peek {
            #[serde(rename = "uId")]
            uid: Option<serde_json::Value>,
        }
        let uid = match serde_json::from_slice::<Peek>(body)
            .ok()
            .and_then(|p| p.uid)
        {
            Some(serde_json::Value::String(uid)) if !uid.is_empty() => uid,
            Some(serde_json::Value::Number(uid)) => uid.to_string(),
            _ => return,
        };
        let mut locations = self.lock_budget_locations();
        if locations.len() >= 10_000 {
            locations.clear();
        }
        locations.insert(token, LocationKey::of_uid(&uid));
    }

    fn lock_budget_locations(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<TokenId, LocationKey>> {
        self.inner
            .budget_locations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// One attempt: Apple's answer, or why there is none. A non-2xx answer is returned
    /// as an error here only when it cannot be decoded (redirect, body too large);
    /// Apple's error bodies are decoded by the endpoint.
    ///
    /// `request` is [`HttpRequest::build`]'s converted into the `http` crate's, `url` its
    /// URL as built (what reqwest takes).
    async fn attempt(
        &self,
        url: &reqwest::Url,
        request: &http::Request<Vec<u8>>,
        attempts: u32,
    ) -> Attempt {
        let mut builder = self
            .inner
            .http
            .request(request.method().clone(), url.clone())
            .timeout(self.inner.timeout)
            .headers(request.headers().clone())
            .header(USER_AGENT, self.inner.user_agent.clone());
        // A request without a body (every GET) is sent without one, as built.
        if request.headers().contains_key(CONTENT_TYPE) {
            builder = builder.body(request.body().clone());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| transport(e, attempts, false))?;
        let status = response.status().as_u16();
        // A caller-supplied client may follow redirects: refuse what it followed.
        if (300..400).contains(&status) || response.url() != url {
            return Err(Failed::new(SendError::Redirect { status }));
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after_at(v, Utc::now()));
        let body = self.read_body(response, attempts).await?;
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }

    /// Reads the body of `response` up to the client's limit.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        attempts: u32,
    ) -> Result<Vec<u8>, Failed> {
        let status = response.status().as_u16();
        let limit = self.inner.max_body;
        let too_large = || Failed::new(SendError::BodyTooLarge { status, limit });
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        // The answer began: a failure from here on is a broken answer.
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport(e, attempts, true))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Decodes `answer` as `endpoint`'s response, keeping the body (its `uId` names the
/// location); Apple's error, or a body that does not decode, is the failure.
fn decode<E: Endpoint>(answer: Answer) -> Result<(E::Response, Vec<u8>), Failed> {
    match E::decode(answer.status, &answer.body) {
        Ok(value) => Ok((value, answer.body)),
        Err(error) => Err(Failed {
            error: SendError::Response(error),
            retry_after: answer.retry_after,
        }),
    }
}

/// reqwest's error as the client's: a timeout, a connection that could not be made, or
/// one that broke (`answer_began`: while the answer was arriving).
fn transport(source: reqwest::Error, attempts: u32, answer_began: bool) -> Failed {
    let kind = if source.is_timeout() {
        TransportKind::Timeout
    } else if source.is_connect() {
        TransportKind::Connect
    } else if answer_began {
        TransportKind::Interrupted
    } else {
        TransportKind::Other
    };
    Failed::new(SendError::Transport {
        kind,
        attempts,
        source: source.without_url(),
    })
}

/// Whether the metadata catalog refused the developer token (HTTP 401): minted again once.
fn is_catalog_401(error: &SendError) -> bool {
    matches!(
        error,
        SendError::Response(ResponseError::Catalog { status: 401, .. })
    )
}

/// A number in `[0, 1)` for backoff jitter, from the standard library's randomly keyed
/// hasher (no extra dependency; not for cryptography).
pub(super) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Aborts a spawned attempt when the future waiting for it is dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
