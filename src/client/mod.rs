//! An async client for Apple's Apps and Books v2 endpoints (feature `client`).
//!
//! A thin adapter: it sends the requests described in [`crate::api`], decodes answers with
//! [`crate::wire::decode_response`], retries as [`RetryPolicy`] decides, and hands the
//! results to the core's decisions ([`configure_at`], [`VppAccount::verify_at`],
//! [`VppAccount::renew_at`]). No business rule lives here.
//!
//! Runs on any tokio runtime with the time driver enabled (`#[tokio::main]` has it); TLS is
//! rustls with the webpki roots, no system OpenSSL.
//!
//! ```no_run
//! use apple_vpp::client::{ConfigureOutcome, VppClient};
//! use apple_vpp::{MdmIdentity, Takeover, VppToken};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = VppClient::builder().build()?;
//! let token = VppToken::from_path("sToken_for_Berlin_Office.vpptoken")?;
//! let us = MdmIdentity::new("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11", "Example MDM", "mdm.example.com")?;
//! match client.configure(token, us, &Takeover::Refuse, None).await? {
//!     ConfigureOutcome::Claimed(account) | ConfigureOutcome::AlreadyOurs(account) => {
//!         println!("managing {} until {}", account.location(), account.expires_at());
//!     }
//!     ConfigureOutcome::ManagedElsewhere { owner, .. } => {
//!         println!("{owner} manages this location: ask the admin before taking it over");
//!     }
//! }
//! # Ok(()) }
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};
use serde::de::{DeserializeOwned, IgnoredAny};
use url::Url;

use crate::account::{Configure, Renewal, Verification, VppAccount, configure_at};
use crate::account::{ConfigureError, LocationMismatch, RenewError};
pub use crate::api::RetryPolicy;
use crate::api::{
    ApiRequest, BaseUrlError, Failure, Method, normalize_base_url, parse_retry_after,
};
use crate::location::{Location, LocationSnapshot};
use crate::ownership::{MdmIdentity, MdmOwner, Takeover};
use crate::token::VppToken;
use crate::wire::ResponseError;
use crate::wire::{self, ClientConfig, ClientConfigUpdate, ErrorKind, ServiceConfig};

pub use reqwest;

/// Default `User-Agent`: the crate's name and version.
pub const DEFAULT_USER_AGENT: &str = concat!("apple-vpp/", env!("CARGO_PKG_VERSION"));
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default largest response body read: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a service configuration is reused: Apple asks clients to re-read it about
/// every five minutes.
pub const SERVICE_CONFIG_TTL: Duration = Duration::from_secs(300);

/// Apple's Apps and Books v2 service. Cheap to clone (`Arc` inside); `Send + Sync`.
#[derive(Clone)]
pub struct VppClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    user_agent: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    max_body: usize,
    service_config: Mutex<Option<(Instant, ServiceConfig)>>,
}

impl std::fmt::Debug for VppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VppClient")
            .field("base_url", &self.inner.base.as_str())
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// Configures a [`VppClient`]; from [`VppClient::builder`].
#[derive(Debug, Clone, Default)]
pub struct VppClientBuilder {
    base_url: Option<String>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_body: Option<usize>,
    http: Option<reqwest::Client>,
}

impl VppClientBuilder {
    /// The base URL (default [`crate::api::DEFAULT_BASE_URL`]). Must be `https`, except
    /// for loopback hosts (127.0.0.0/8, `::1`, `localhost`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The `User-Agent` (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// The timeout of each request (default [`DEFAULT_TIMEOUT`], 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]: at most 4 attempts).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body read (default [`DEFAULT_MAX_BODY_BYTES`], 1 MiB); a
    /// larger one is an error and is not read further.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = Some(limit);
        self
    }

    /// Use this `reqwest::Client` (to share a connection pool). Its own timeout and
    /// headers apply too; this crate sets its timeout and headers per request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<VppClient, BuildError> {
        let base = normalize_base_url(
            self.base_url
                .as_deref()
                .unwrap_or(crate::api::DEFAULT_BASE_URL),
        )?;
        let agent = self
            .user_agent
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
        let user_agent = HeaderValue::from_str(&agent).map_err(|_| BuildError::UserAgent)?;
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .build()
                .map_err(BuildError::Http)?,
        };
        Ok(VppClient {
            inner: Arc::new(Inner {
                http,
                base,
                user_agent,
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                retry: self.retry.unwrap_or_default(),
                max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY_BYTES),
                service_config: Mutex::new(None),
            }),
        })
    }
}

/// Why a [`VppClient`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is invalid or not secure.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// The `User-Agent` is not a valid header value.
    #[error("the User-Agent must be visible ASCII")]
    UserAgent,
    /// reqwest could not build its client (e.g. TLS set-up failed).
    #[error("could not set up the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

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

/// What a [`VppClient`] call can fail with. Never contains the credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Apple answered with an error, a bad status or an unusable body (after retries, for
    /// the retryable ones). Carries the HTTP status, Apple's number and message.
    #[error(transparent)]
    Response(#[from] ResponseError),

    /// Apple could not be reached (after retries).
    #[error(
        "could not reach Apple's Apps and Books service ({}, after {attempts} attempt(s)): {source}; check the network and try again later",
        kind.describe()
    )]
    Transport {
        /// Connect, timeout or other.
        kind: TransportKind,
        /// Attempts made.
        attempts: u32,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },

    /// The response body was larger than the limit; reading stopped there.
    #[error(
        "Apple's response (HTTP {status}) is larger than the {limit}-byte limit and was not read; report it if it persists"
    )]
    BodyTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit.
        limit: usize,
    },

    /// Claiming the location did not end with our claim.
    #[error(transparent)]
    Configure(#[from] ConfigureError),

    /// A renewed token was refused.
    #[error(transparent)]
    Renew(#[from] RenewError),

    /// Apple described another location than the account's.
    #[error(transparent)]
    Verify(#[from] LocationMismatch),
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

impl ClientError {
    /// Apple's error class, when Apple answered.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Response(e) => Some(e.kind()),
            _ => None,
        }
    }
}

/// The result of [`VppClient::configure`]: exactly these three.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum ConfigureOutcome {
    /// Apple already recorded us; nothing was written.
    AlreadyOurs(VppAccount),
    /// We wrote our claim and read it back.
    Claimed(VppAccount),
    /// Another MDM manages the location and the admin has not accepted a takeover from
    /// it: nothing was written.
    ManagedElsewhere {
        /// The other MDM, as Apple records it.
        owner: MdmOwner,
        /// The location.
        location: Location,
    },
}

impl VppClient {
    /// Starts a builder.
    pub fn builder() -> VppClientBuilder {
        VppClientBuilder::default()
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// `GET service/config`, reused for [`SERVICE_CONFIG_TTL`] (5 minutes).
    pub async fn service_config(&self) -> Result<ServiceConfig, ClientError> {
        if let Some((at, config)) = &*self.lock_service_config() {
            if at.elapsed() < SERVICE_CONFIG_TTL {
                return Ok(config.clone());
            }
        }
        self.refresh_service_config().await
    }

    /// `GET service/config`, bypassing the cache (e.g. after error 9617).
    pub async fn refresh_service_config(&self) -> Result<ServiceConfig, ClientError> {
        let config: ServiceConfig = self.call(&ApiRequest::service_config(), None).await?;
        *self.lock_service_config() = Some((Instant::now(), config.clone()));
        Ok(config)
    }

    fn lock_service_config(&self) -> std::sync::MutexGuard<'_, Option<(Instant, ServiceConfig)>> {
        // A panic while holding the lock cannot leave the cache inconsistent.
        self.inner
            .service_config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// `GET client/config` with `token`.
    pub async fn client_config(&self, token: &VppToken) -> Result<ClientConfig, ClientError> {
        self.call(&ApiRequest::client_config(), Some(token)).await
    }

    /// `POST client/config` with `token`. Build `update` with
    /// [`ClientConfigUpdate::builder`], which refuses what Apple would refuse.
    pub async fn update_client_config(
        &self,
        token: &VppToken,
        update: &ClientConfigUpdate,
    ) -> Result<(), ClientError> {
        let _: IgnoredAny = self
            .call(&ApiRequest::update_client_config(update), Some(token))
            .await?;
        Ok(())
    }

    /// `GET client/config` as a [`LocationSnapshot`].
    pub async fn snapshot(&self, token: &VppToken) -> Result<LocationSnapshot, ClientError> {
        let config = self.client_config(token).await?;
        Ok(LocationSnapshot::from_v2(&config)?)
    }

    /// Claims the token's location for `identity`: reads the client configuration, writes
    /// our `mdmInfo` only when needed (never over another MDM's claim without `takeover`
    /// allowing it; not when it already records us with the same name and metadata), then
    /// reads it back to check that our claim stuck. At most three requests (plus retries).
    ///
    /// `notifications`: optional notification settings to send with the claim.
    pub async fn configure(
        &self,
        token: VppToken,
        identity: MdmIdentity,
        takeover: &Takeover,
        notifications: Option<ClientConfigUpdate>,
    ) -> Result<ConfigureOutcome, ClientError> {
        let first = self.snapshot(&token).await?;
        match configure_at(token, &first, identity, takeover, notifications, Utc::now()) {
            Configure::AlreadyOurs(account) => Ok(ConfigureOutcome::AlreadyOurs(account)),
            Configure::ManagedElsewhere(owner) => Ok(ConfigureOutcome::ManagedElsewhere {
                owner,
                location: first.location,
            }),
            Configure::SendUpdate(pending) => {
                self.update_client_config(pending.token(), pending.update())
                    .await?;
                let read_back = self.snapshot(pending.token()).await?;
                Ok(ConfigureOutcome::Claimed(
                    pending.finish_at(&read_back, Utc::now())?,
                ))
            }
        }
    }

    /// Re-checks `account` with Apple (do it at the start of every session). Apple's
    /// verdict on the token (expired, invalid, revoked, read-only) is recorded on the
    /// account before the error is returned.
    pub async fn verify(&self, account: &mut VppAccount) -> Result<Verification, ClientError> {
        let snapshot = match self.snapshot(account.token()).await {
            Ok(snapshot) => snapshot,
            Err(ClientError::Response(ResponseError::Apple(apple))) => {
                account.record_apple_error(&apple);
                return Err(ClientError::Response(ResponseError::Apple(apple)));
            }
            Err(e) => return Err(e),
        };
        Ok(account.verify_at(&snapshot, Utc::now())?)
    }

    /// Replaces `account`'s token with `new_token` if the core's renewal rules accept it
    /// (same location, not the same token, later expiry, not claimed by another MDM). If
    /// the location has no claim any more, re-claims it and verifies. `account` is
    /// unchanged on error.
    pub async fn renew(
        &self,
        account: &mut VppAccount,
        new_token: VppToken,
    ) -> Result<Renewal, ClientError> {
        let snapshot = self.snapshot(&new_token).await?;
        let mut renewed = account.clone();
        let renewal = renewed.renew_at(new_token, &snapshot, Utc::now())?;
        if let Some(update) = &renewal.reclaim {
            self.update_client_config(renewed.token(), update).await?;
            let read_back = self.snapshot(renewed.token()).await?;
            renewed.verify_at(&read_back, Utc::now())?;
        }
        *account = renewed;
        Ok(renewal)
    }

    /// Sends `request` with retries and decodes the answer.
    async fn call<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        token: Option<&VppToken>,
    ) -> Result<T, ClientError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (error, failure) = match self.attempt(request, token, attempts).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            match self
                .inner
                .retry
                .next_delay(attempts, failure, start.elapsed(), jitter())
            {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        token: Option<&VppToken>,
        attempts: u32,
    ) -> Result<T, (ClientError, Failure)> {
        let transport = |source: reqwest::Error| {
            let (kind, failure) = if source.is_timeout() {
                (TransportKind::Timeout, Failure::Timeout)
            } else if source.is_connect() {
                (TransportKind::Connect, Failure::Connect)
            } else {
                (TransportKind::Other, Failure::Transport)
            };
            (
                ClientError::Transport {
                    kind,
                    attempts,
                    source: source.without_url(),
                },
                failure,
            )
        };
        let url = request.url(&self.inner.base);
        let mut builder = match request.method {
            Method::Get => self.inner.http.get(url),
            Method::Post => self.inner.http.post(url),
        }
        .timeout(self.inner.timeout)
        .header(USER_AGENT, self.inner.user_agent.clone())
        .header(ACCEPT, "application/json");
        if let (true, Some(token)) = (request.authenticated, token) {
            let auth = ApiRequest::authorization(token);
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
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let limit = self.inner.max_body;
        let too_large = || {
            (
                ClientError::BodyTooLarge { status, limit },
                Failure::Transport,
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
        wire::decode_response(status, &body).map_err(|mut error| {
            if let (ResponseError::Apple(apple), Some(token)) = (&mut error, token) {
                apple.redact(token.expose_credential());
                apple.redact(token.expose_inner_token());
            }
            let failure = Failure::response(&error, retry_after);
            (ClientError::Response(error), failure)
        })
    }
}

/// A number in `[0, 1)` for backoff jitter, from the standard library's randomly keyed
/// hasher (no extra dependency; not for cryptography).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
