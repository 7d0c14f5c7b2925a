//! [`VppClientBuilder`]: the settings of a [`VppClient`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::vpp_client::{Inner, VppClient};
use crate::api::{BaseUrlError, RetryPolicy, ServiceBase};
use crate::shared::rate::{Gcra, RateLimit};
use crate::shared::{
    DEFAULT_LEASE_TTL, InProcessBudget, LeaseStore, MAX_LEASE_TTL, MIN_LEASE_TTL, RequestBudget,
};

/// Default `User-Agent`: the crate's name and version, `apple-vpp/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("apple-vpp/", env!("CARGO_PKG_VERSION"));
/// Default per-request timeout: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default largest response body read: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Configures a [`VppClient`]; from [`VppClient::builder`].
#[derive(Clone, Default)]
pub struct VppClientBuilder {
    base_url: Option<String>,
    metadata_base_url: Option<String>,
    developer: Option<Arc<crate::metadata::DeveloperKey>>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_body: Option<usize>,
    max_requests_per_second: Option<u32>,
    http: Option<reqwest::Client>,
    budget: Option<Arc<dyn RequestBudget>>,
    leases: Option<Arc<dyn LeaseStore>>,
    lease_ttl: Option<Duration>,
}

impl std::fmt::Debug for VppClientBuilder {
    // The base URL is shown only once checked (a rejected one may hold a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VppClientBuilder")
            .field("base_url_set", &self.base_url.is_some())
            .field("metadata_base_url_set", &self.metadata_base_url.is_some())
            .field("developer_key", &self.developer)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_body", &self.max_body)
            .field("max_requests_per_second", &self.max_requests_per_second)
            .field("custom_http_client", &self.http.is_some())
            .field("budget", &self.budget)
            .field("leases", &self.leases)
            .field("lease_ttl", &self.lease_ttl)
            .finish_non_exhaustive()
    }
}

impl VppClient {
    /// Starts a builder.
    pub fn builder() -> VppClientBuilder {
        VppClientBuilder::default()
    }
}

impl VppClientBuilder {
    /// The v2 base URL (default [`crate::api::DEFAULT_BASE_URL`]); the legacy v1 calls go
    /// to its parent (`…/mdm/`). Must be `https`, except for loopback hosts (127.0.0.0/8,
    /// `::1`, `localhost`); no user name, password, query or fragment.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The base of Apps and Books Metadata for Organizations (default
    /// [`crate::api::DEFAULT_METADATA_BASE_URL`], `https://api.ent.apple.com/v1/`;
    /// [`crate::api::EDUCATION_METADATA_BASE_URL`] for educational organizations). The
    /// same rule as [`VppClientBuilder::base_url`]: `https`, or `http` to a loopback host.
    pub fn metadata_base_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_base_url = Some(url.into());
        self
    }

    /// The MDM vendor's developer key, for the metadata catalog
    /// ([`VppClient::send`] of a metadata endpoint, [`super::LocationHandle::describe_assets`]). Without one,
    /// [`super::LocationHandle::describe_assets`] uses the legacy lookup.
    pub fn developer_key(mut self, key: Arc<crate::metadata::DeveloperKey>) -> Self {
        self.developer = Some(key);
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

    /// At most this many requests per second per location token, across all concurrent
    /// calls of this client (and its clones). Apple's service configuration gives the
    /// limit (`maxRequestPerSecond`, 15 when it gives none); this setting can only lower
    /// it, e.g. for an MDM that runs several replicas with one token (give each its
    /// share). 0 is taken as 1.
    pub fn max_requests_per_second(mut self, limit: u32) -> Self {
        self.max_requests_per_second = Some(limit.max(1));
        self
    }

    /// Use this `reqwest::Client` (to share a connection pool). Its own timeout and
    /// headers apply too; this crate sets its timeout and headers per request.
    ///
    /// **Security:** build it with `redirect(reqwest::redirect::Policy::none())` (a
    /// redirect the client followed is detected afterwards and refused, but by then the
    /// request has been sent to the other address), and with `no_proxy()` when the base
    /// URL is plain `http` to a loopback host (a proxy would see the credential). The
    /// default client does both.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The request budget asked before every request that carries a token (default: an
    /// [`InProcessBudget`] of this client's own, which paces this process's requests).
    /// Replicas that share tokens give each client a shared one, e.g.
    /// `apple_vpp::redis::RedisBudget` (feature `redis`). Clients that share one budget
    /// share its pacing.
    pub fn budget(mut self, budget: Arc<dyn RequestBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Take a lease from `store` around every sync ([`LeaseKind::Sync`](crate::shared::LeaseKind::Sync)) and
    /// around configure, verify, renew and subscribe ([`LeaseKind::Config`](crate::shared::LeaseKind::Config)) of a
    /// location, so that only one replica (or task) at a time runs them; every page of a
    /// sync carries the lease's fencing number ([`super::SyncPage::fence`]).
    /// Without a store (the default) no lease is taken, as before. A lease held
    /// elsewhere, or a store that does not answer, fails the call with its
    /// [`crate::shared::LeaseError`] ([`super::FlowError::Lease`], [`super::SyncError::Lease`]).
    pub fn leases(mut self, store: Arc<dyn LeaseStore>) -> Self {
        self.leases = Some(store);
        self
    }

    /// How long a lease lives unless renewed (default [`DEFAULT_LEASE_TTL`], 30 s): the
    /// longest another replica waits after a holder died. Renewed every third of it.
    /// Below [`MIN_LEASE_TTL`] (30 ms) it is raised to that; above [`MAX_LEASE_TTL`]
    /// (one hour) [`VppClientBuilder::build`] refuses it ([`BuildError::LeaseTtl`]).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = Some(ttl.max(MIN_LEASE_TTL));
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<VppClient, BuildError> {
        let lease_ttl = self.lease_ttl.unwrap_or(DEFAULT_LEASE_TTL);
        if lease_ttl > MAX_LEASE_TTL {
            return Err(BuildError::LeaseTtl { ttl: lease_ttl });
        }
        let mut base = ServiceBase::parse(
            self.base_url
                .as_deref()
                .unwrap_or(crate::api::DEFAULT_BASE_URL),
        )?;
        if let Some(metadata) = &self.metadata_base_url {
            base = base.with_metadata(crate::api::normalize_base_url(metadata)?)?;
        }
        let agent = self
            .user_agent
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
        let user_agent = HeaderValue::from_str(&agent).map_err(|_| BuildError::UserAgent)?;
        let http = match self.http {
            Some(client) => client,
            None => {
                let mut builder =
                    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
                // Plain http is allowed only to loopback hosts; a proxy taken from the
                // environment (HTTP_PROXY) would receive the request, credential and all,
                // in clear text. https through a proxy stays encrypted end to end.
                if base.v2().scheme() == "http" || base.metadata().scheme() == "http" {
                    builder = builder.no_proxy();
                }
                builder.build().map_err(BuildError::Http)?
            }
        };
        Ok(VppClient {
            inner: Arc::new(Inner {
                http,
                base,
                user_agent,
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                retry: self.retry.unwrap_or_default(),
                max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY_BYTES),
                rate: RateLimit::new(self.max_requests_per_second),
                metadata_rate: Gcra::default(),
                developer: self.developer,
                budget: self
                    .budget
                    .unwrap_or_else(|| Arc::new(InProcessBudget::new())),
                leases: self.leases,
                lease_ttl,
                uids: std::sync::Mutex::new(std::collections::HashMap::new()),
                budget_locations: std::sync::Mutex::new(std::collections::HashMap::new()),
                apple_rate: std::sync::atomic::AtomicU32::new(0),
                service_config: tokio::sync::Mutex::new(None),
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
    #[error(
        "could not set up the HTTP client (e.g. TLS set-up failed; the cause follows): check the system's TLS configuration"
    )]
    Http(#[source] reqwest::Error),
    /// The lease time to live is longer than [`MAX_LEASE_TTL`].
    #[error(
        "the lease time to live ({ttl:?}) is longer than the most allowed (one hour): a lease outlives a crashed holder by that long; choose a shorter one (the default is 30 s)"
    )]
    LeaseTtl {
        /// The time to live asked for.
        ttl: Duration,
    },
}
