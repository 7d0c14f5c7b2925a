//! [`VppClient`]: the client of Apple's Apps and Books service, its settings and its
//! service-wide calls (the service configuration, the request budget's status). The
//! location's flows are on [`super::LocationHandle`]; sending is in `send.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use super::error::SendError;
use crate::api::{GetClientConfig, GetServiceConfig, RetryPolicy, ServiceBase};
use crate::location::LocationSnapshot;
use crate::shared::rate;
use crate::shared::{BudgetStatus, LeaseStore, LocationKey, RequestBudget, TokenId};
use crate::token::VppToken;
use crate::wire::{ClientConfig, ClientConfigUpdate, ServiceConfig};

/// How long a service configuration is reused: 300 s. Apple asks clients to re-read it
/// about every five minutes.
pub const SERVICE_CONFIG_TTL: Duration = Duration::from_secs(300);

/// Apple's Apps and Books service. Cheap to clone (`Arc` inside: clones share the
/// connection pool, the rate limit and the service-configuration cache); `Send + Sync`.
#[derive(Clone)]
pub struct VppClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) base: ServiceBase,
    pub(super) user_agent: HeaderValue,
    pub(super) timeout: Duration,
    pub(super) retry: RetryPolicy,
    pub(super) max_body: usize,
    pub(super) rate: rate::RateLimit,
    /// The same per-token rule for the metadata services, a budget of their own.
    pub(super) metadata_rate: rate::Gcra,
    /// The vendor's developer key, for the metadata catalog.
    pub(super) developer: Option<Arc<crate::metadata::DeveloperKey>>,
    /// Asked before every request that carries a token.
    pub(super) budget: Arc<dyn RequestBudget>,
    /// Taken around syncs and flows when set.
    pub(super) leases: Option<Arc<dyn LeaseStore>>,
    pub(super) lease_ttl: Duration,
    /// Each token's location key, once read (only with a lease store).
    pub(super) uids: std::sync::Mutex<std::collections::HashMap<TokenId, LocationKey>>,
    /// Each token's location, from the `uId` of Apple's first answer to it: the request
    /// budget is the location's (see [`BudgetKey`]).
    pub(super) budget_locations: std::sync::Mutex<std::collections::HashMap<TokenId, LocationKey>>,
    /// Apple's `maxRequestPerSecond` from the last service configuration (0: not known).
    pub(super) apple_rate: AtomicU32,
    /// An async lock: concurrent callers of a cold cache wait for one refresh.
    pub(super) service_config: tokio::sync::Mutex<Option<(Instant, ServiceConfig)>>,
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
    pub async fn service_config(&self) -> Result<ServiceConfig, SendError> {
        let mut cache = self.inner.service_config.lock().await;
        if let Some((at, config)) = &*cache {
            if at.elapsed() < SERVICE_CONFIG_TTL {
                return Ok(config.clone());
            }
        }
        self.fetch_service_config(&mut cache).await
    }

    /// `GET service/config`, bypassing the cache (e.g. after error 9617).
    pub async fn refresh_service_config(&self) -> Result<ServiceConfig, SendError> {
        let mut cache = self.inner.service_config.lock().await;
        self.fetch_service_config(&mut cache).await
    }

    async fn fetch_service_config(
        &self,
        cache: &mut Option<(Instant, ServiceConfig)>,
    ) -> Result<ServiceConfig, SendError> {
        let config = self.send(&GetServiceConfig).await?;
        let rate = max_requests_per_second(&config).unwrap_or(0);
        self.inner.apple_rate.store(rate, Ordering::Relaxed);
        *cache = Some((Instant::now(), config.clone()));
        Ok(config)
    }

    /// Apple's per-token request rate, when a service configuration has been read.
    pub(super) fn apple_rate_limit(&self) -> Option<u32> {
        Some(self.inner.apple_rate.load(Ordering::Relaxed)).filter(|&n| n > 0)
    }

    /// The rate for the next request that carries a token: Apple's
    /// `maxRequestPerSecond` once a service configuration has been read (syncs and
    /// batched writes read it first; call [`VppClient::service_config`] at start-up to
    /// have it from the first request), lowered by the caller's ceiling. Until then, the
    /// caller's ceiling ([`super::VppClientBuilder::max_requests_per_second`]: the caller said
    /// what rate is safe), or without one [`UNKNOWN_LIMIT_REQUESTS_PER_SECOND`], a rate
    /// safe under the limits Apple is known to set, rather than Apple's documented
    /// default of 15, which a lowered limit would refuse.
    pub(super) fn rate_for_token_request(&self) -> u32 {
        match self.apple_rate_limit() {
            Some(apple) => self.inner.rate.rate(Some(apple)),
            None => self.inner.rate.rate_before_config(),
        }
    }

    /// Where the request budget's decisions come from now (see
    /// [`super::VppClientBuilder::budget`]).
    pub fn budget_status(&self) -> BudgetStatus {
        self.inner.budget.status()
    }

    /// [`super::LocationHandle::client_config`] with the location's `token` (documented there).
    pub(crate) async fn client_config(&self, token: &VppToken) -> Result<ClientConfig, SendError> {
        self.send_with(&GetClientConfig, Some(token)).await
    }

    /// [`super::LocationHandle::update_client_config`] with the location's `token` (documented there).
    pub(crate) async fn update_client_config(
        &self,
        token: &VppToken,
        update: &ClientConfigUpdate,
    ) -> Result<(), SendError> {
        self.send_with(&crate::api::SetClientConfig(update), Some(token))
            .await
            .map(|_| ())
    }

    /// [`super::LocationHandle::snapshot`] with the location's `token` (documented there).
    pub(crate) async fn snapshot(&self, token: &VppToken) -> Result<LocationSnapshot, SendError> {
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
