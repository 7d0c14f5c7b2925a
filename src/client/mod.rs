//! An async client for Apple's Apps and Books service (feature `client`).
//!
//! A thin adapter over the sans-IO core: [`VppClient::send`] sends any
//! [`crate::api::Endpoint`] (rate limit, retries where safe, body limit, no redirects);
//! the flows ([`LocationHandle::configure`], [`LocationHandle::verify`], [`LocationHandle::renew`],
//! [`LocationHandle::subscribe`]) read what the core's decisions need and send what they
//! decide; [`LocationHandle::poll_due_at`] polls the events a [`crate::events::EventTracker`]
//! says to poll. No business rule lives here.
//!
//! Runs on any tokio runtime with the time driver enabled (`#[tokio::main]` has it); TLS is
//! rustls with the webpki roots, no system OpenSSL.
//!
//! # What leaves this server
//! Only requests to the configured bases (Apps and Books, and the metadata catalog):
//! `https`, or plain `http` to a loopback host for tests; and to the legacy lookup URL of
//! the service configuration only when it is `https` on `apple.com` or one of the
//! configured bases.
//! Redirects are never followed (Apple's API never sends one). The default HTTP client
//! uses no proxy for a plain-`http` base (a proxy would see the credential); for `https`
//! it honours the system's proxy settings, through which TLS stays end to end. A
//! caller-supplied `reqwest::Client` must keep these rules: see
//! [`VppClientBuilder::http_client`].
//!
//! ```no_run
//! use apple_vpp::client::VppClient;
//! use apple_vpp::{ClaimOptions, ConfigureOutcome, MdmIdentity, VppToken};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = VppClient::builder().build()?;
//! let token = VppToken::from_path("sToken_for_Berlin_Office.vpptoken")?;
//! let us = MdmIdentity::builder()
//!     .id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
//!     .name("Example MDM")
//!     .metadata("mdm.example.com")
//!     .build()?;
//! match client.location(&token).configure(&us, &ClaimOptions::default()).await? {
//!     ConfigureOutcome::Claimed(account) | ConfigureOutcome::AlreadyOurs(account) => {
//!         println!("managing {} until {}", account.location(), account.expiry());
//!     }
//!     ConfigureOutcome::ManagedElsewhere { owner, .. } => {
//!         println!("{owner} manages this location: ask the admin before taking it over");
//!     }
//!     _ => println!("an outcome this version does not know"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Licenses and users
//!
//! The lists (assets, assignments, users), the license and user writes (associate,
//! disassociate, revoke; create, update, retire users) and their events.
//!
//! Every list is read by one page driver, [`LocationHandle::pages`], a [`Stream`] of pages
//! the caller drives ([`LocationHandle::for_each_page`] and the `list_assets` / `sync_*`
//! methods hand the same pages to a handler); every write is split by the core's
//! [`crate::batching`] with Apple's limits from the (cached) service configuration and
//! answers one [`SentBatch`] per request sent, in batch order
//! ([`LocationHandle::send_batched`]); [`LocationHandle::create_users`] follows a batch whose answer
//! was lost to its end ([`crate::events::UserCreation`]) and returns [`UsersCreated`]. Decisions stay in the core
//! ([`crate::paging::PageTraversal`], [`crate::batching`], [`crate::events::EventStatus`]); these
//! methods drive them.
//!
//! [`Stream`]: futures_util::stream::Stream
//!
//! ## The sync loop an MDM writes
//!
//! Store each page as it arrives (memory stays bounded by the few pages in flight,
//! whatever the location's size; stop early by dropping the stream), keep the FIRST
//! page's `versionId` for the next incremental sync, and when Apple refuses that version
//! (9721) take the full sync that follows instead:
//!
//! ```no_run
//! use apple_vpp::api::GetAssignments;
//! use apple_vpp::client::{SyncPage, VppClient};
//! use apple_vpp::{Assignment, VppToken};
//! use futures_util::StreamExt;
//!
//! # struct Db;
//! # impl Db {
//! #     fn last_version(&self) -> Option<String> { None }
//! #     fn begin_full_sync(&mut self) -> Result<(), std::io::Error> { Ok(()) }
//! #     fn upsert(&mut self, _: &[Assignment]) -> Result<(), std::io::Error> { Ok(()) }
//! #     fn end_full_sync(&mut self) -> Result<(), std::io::Error> { Ok(()) }
//! #     fn save_version(&mut self, _: Option<&str>) -> Result<(), std::io::Error> { Ok(()) }
//! # }
//! # async fn run(db: &mut Db) -> Result<(), Box<dyn std::error::Error>> {
//! let client = VppClient::builder().build()?;
//! let token = VppToken::from_path("sToken_for_Berlin_Office.vpptoken")?;
//!
//! // Incremental when we kept a versionId last time, full otherwise.
//! let request = match db.last_version() {
//!     Some(version) => GetAssignments::new().since_version_id(version),
//!     None => GetAssignments::new(),
//! };
//! let location = client.location(&token);
//! let mut pages = location.pages(request);
//! while let Some(page) = pages.next().await {
//!     let page: SyncPage<Assignment> = page?;
//!     if page.full && page.is_first() {
//!         // A full sync (first run, or the fallback after 9721): what it does not
//!         // list is gone. Mark everything unseen now, delete the unseen at the end.
//!         db.begin_full_sync()?;
//!     }
//!     db.upsert(&page.records)?; // stored now: the page is dropped after this
//! }
//! let outcome = pages.outcome().expect("the stream ended without error");
//! if outcome.full && outcome.complete {
//!     db.end_full_sync()?;
//! }
//! // Not complete: the location kept changing between pages (see `SyncOutcome::complete`):
//! // keep the records the sync did not show; sync in full again later.
//! if outcome.fell_back {
//!     eprintln!("Apple no longer knew our versionId: a full sync replaced it");
//! }
//! // The FIRST page's versionId: the sinceVersionId of the next sync.
//! db.save_version(outcome.version_id.as_deref())?;
//! # Ok(()) }
//! ```
//!
//! An incremental answer lists what was added or changed since the version; removals
//! (disassociate, revoke) show up in the events, their notifications, or a full sync.

pub(crate) mod budget;
mod builder;
mod dedup;
mod error;
mod error_is;
mod events;
mod flows;
mod handle;
pub(crate) mod lease;
mod leasing;
mod licenses;
mod metadata;
mod notifications;
mod pages;
pub(crate) mod rate;
mod send;
mod shared;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use crate::api::{GetClientConfig, GetServiceConfig, RetryPolicy, ServiceBase};
use crate::location::LocationSnapshot;
use crate::token::VppToken;
use crate::wire::{ClientConfig, ClientConfigUpdate, ServiceConfig};
pub use budget::{BudgetCell, BudgetKey, BudgetStatus, InProcessBudget, RequestBudget, TokenId};
pub use builder::{
    BuildError, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, VppClientBuilder,
};
pub use dedup::{DedupError, NotificationDedup};
pub use error::{ClientError, TransportKind};
pub use events::{DEFAULT_CLAIM_HOLD, PollRound};
pub use handle::LocationHandle;
pub use lease::{
    DEFAULT_LEASE_TTL, InProcessLeases, Lease, LeaseError, LeaseKind, LeaseStore, LocationKey,
    MAX_LEASE_TTL, MIN_LEASE_TTL,
};
pub use leasing::LeaseGuard;
pub use licenses::{DEFAULT_POLL_INTERVAL, LocationPage, LocationSync, SentBatch, UsersCreated};
pub use metadata::{
    ContentKind, DescribeOutcome, DescribedAsset, MAX_STOREFRONT_PAGES, MetadataAnswer,
    MetadataOptions,
};
pub use notifications::SubscribeOutcome;
pub use pages::{PageStream, SyncError, SyncPage};
pub use rate::{
    DEFAULT_MAX_REQUESTS_PER_SECOND, MAX_LATENESS, UNKNOWN_LIMIT_REQUESTS_PER_SECOND, WINDOW_SLACK,
    spacing,
};
pub use shared::{
    InProcessSecrets, InProcessTrackerStore, MAX_TRACKER_CONFLICTS, NotificationSecrets,
    StoreError, StoredTracker, TrackerStore, update_tracker,
};

pub use reqwest;

/// How long a service configuration is reused: 300 s. Apple asks clients to re-read it
/// about every five minutes.
pub const SERVICE_CONFIG_TTL: Duration = Duration::from_secs(300);

/// Apple's Apps and Books service. Cheap to clone (`Arc` inside: clones share the
/// connection pool, the rate limit and the service-configuration cache); `Send + Sync`.
#[derive(Clone)]
pub struct VppClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: ServiceBase,
    user_agent: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    max_body: usize,
    rate: rate::RateLimit,
    /// The same per-token rule for the metadata services, a budget of their own.
    metadata_rate: rate::Gcra,
    /// The vendor's developer key, for the metadata catalog.
    developer: Option<Arc<crate::metadata::DeveloperKey>>,
    /// Asked before every request that carries a token.
    budget: Arc<dyn RequestBudget>,
    /// Taken around syncs and flows when set.
    leases: Option<Arc<dyn LeaseStore>>,
    lease_ttl: Duration,
    /// Each token's location key, once read (only with a lease store).
    uids: std::sync::Mutex<std::collections::HashMap<TokenId, LocationKey>>,
    /// Each token's location, from the `uId` of Apple's first answer to it: the request
    /// budget is the location's (see [`BudgetKey`]).
    budget_locations: std::sync::Mutex<std::collections::HashMap<TokenId, LocationKey>>,
    /// Apple's `maxRequestPerSecond` from the last service configuration (0: not known).
    apple_rate: AtomicU32,
    /// An async lock: concurrent callers of a cold cache wait for one refresh.
    service_config: tokio::sync::Mutex<Option<(Instant, ServiceConfig)>>,
}

impl std::fmt::Debug for VppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VppClient")
            .field("base_url", &self.inner.base.v2().as_str())
            .field("metadata_base_url", &self.inner.base.metadata().as_str())
            .field("developer_key", &self.inner.developer.is_some())
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

impl VppClient {
    /// Starts a builder.
    pub fn builder() -> VppClientBuilder {
        VppClientBuilder::default()
    }

    /// The v2 base URL in use.
    pub fn base_url(&self) -> &url::Url {
        self.inner.base.v2()
    }

    /// The bases of both protocols in use.
    pub fn service_base(&self) -> &ServiceBase {
        &self.inner.base
    }

    /// `GET service/config`, reused for [`SERVICE_CONFIG_TTL`] (5 minutes). Concurrent
    /// calls on a cold cache share one request.
    pub async fn service_config(&self) -> Result<ServiceConfig, ClientError> {
        let mut cache = self.inner.service_config.lock().await;
        if let Some((at, config)) = &*cache {
            if at.elapsed() < SERVICE_CONFIG_TTL {
                return Ok(config.clone());
            }
        }
        self.fetch_service_config(&mut cache).await
    }

    /// `GET service/config`, bypassing the cache (e.g. after error 9617).
    pub async fn refresh_service_config(&self) -> Result<ServiceConfig, ClientError> {
        let mut cache = self.inner.service_config.lock().await;
        self.fetch_service_config(&mut cache).await
    }

    async fn fetch_service_config(
        &self,
        cache: &mut Option<(Instant, ServiceConfig)>,
    ) -> Result<ServiceConfig, ClientError> {
        let config = self.send(&GetServiceConfig, None).await?;
        let rate = max_requests_per_second(&config).unwrap_or(0);
        self.inner.apple_rate.store(rate, Ordering::Relaxed);
        *cache = Some((Instant::now(), config.clone()));
        Ok(config)
    }

    /// Apple's per-token request rate, when a service configuration has been read.
    fn apple_rate_limit(&self) -> Option<u32> {
        Some(self.inner.apple_rate.load(Ordering::Relaxed)).filter(|&n| n > 0)
    }

    /// The rate for the next request that carries a token: Apple's
    /// `maxRequestPerSecond` once a service configuration has been read (syncs and
    /// batched writes read it first; call [`VppClient::service_config`] at start-up to
    /// have it from the first request), lowered by the caller's ceiling. Until then, the
    /// caller's ceiling ([`VppClientBuilder::max_requests_per_second`]: the caller said
    /// what rate is safe), or without one [`UNKNOWN_LIMIT_REQUESTS_PER_SECOND`], a rate
    /// safe under the limits Apple is known to set, rather than Apple's documented
    /// default of 15, which a lowered limit would refuse.
    fn rate_for_token_request(&self) -> u32 {
        match self.apple_rate_limit() {
            Some(apple) => self.inner.rate.rate(Some(apple)),
            None => self.inner.rate.rate_before_config(),
        }
    }

    /// Where the request budget's decisions come from now (see
    /// [`VppClientBuilder::budget`]).
    pub fn budget_status(&self) -> BudgetStatus {
        self.inner.budget.status()
    }

    /// [`super::LocationHandle::client_config`] with the location's `token` (documented there).
    pub(crate) async fn client_config(
        &self,
        token: &VppToken,
    ) -> Result<ClientConfig, ClientError> {
        self.send(&GetClientConfig, Some(token)).await
    }

    /// [`super::LocationHandle::update_client_config`] with the location's `token` (documented there).
    pub(crate) async fn update_client_config(
        &self,
        token: &VppToken,
        update: &ClientConfigUpdate,
    ) -> Result<(), ClientError> {
        self.send(&crate::api::SetClientConfig(update), Some(token))
            .await
            .map(|_| ())
    }

    /// [`super::LocationHandle::snapshot`] with the location's `token` (documented there).
    pub(crate) async fn snapshot(&self, token: &VppToken) -> Result<LocationSnapshot, ClientError> {
        self.read(token, crate::location::Protocol::V2).await
    }
}

/// `maxRequestPerSecond` from the service configuration's limits.
fn max_requests_per_second(config: &ServiceConfig) -> Option<u32> {
    config
        .limits
        .max_request_per_second
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}
