//! Shared state for a fleet of replicas on Redis (feature `redis`): one Apple budget per
//! token ([`RedisBudget`]), a lease per location ([`RedisLeases`]), notification
//! de-duplication ([`RedisDeduper`]), the stored event tracker ([`RedisTrackerStore`]) and
//! the notification secrets ([`RedisSecrets`]).
//!
//! All of them use one [`RedisStore`]: redis-rs's reconnecting `ConnectionManager` with
//! every call bounded by [`RedisStore::call_timeout`] (250 ms by default), so a Redis
//! that is down or slow never holds a request past that. What each does then:
//! - the budget falls back to pacing locally at the rate divided by the expected number
//!   of replicas, reports [`crate::client::BudgetStatus::Degraded`] (and calls its hook),
//!   and goes back to Redis when it answers again;
//! - a lease fails closed: no lease, no sync ([`crate::client::LeaseError::Unavailable`]);
//! - de-duplication reports an error: the caller decides (see [`RedisDeduper`]);
//! - the tracker and secret stores report an error (`StoreError`): nothing was changed.
//!
//! Keys start with the store's prefix (default [`DEFAULT_PREFIX`]) and carry no secret
//! and no location name: a token appears as the SHA-256 of its credential, a location as
//! the SHA-256 of its `uId`.

mod budget;
mod dedup;
mod lease;
mod secrets;
mod tracker;

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use budget::{DEFAULT_EXPECTED_REPLICAS, RedisBudget, StatusHook};
pub use dedup::RedisDeduper;
pub use lease::RedisLeases;
pub use secrets::RedisSecrets;
pub use tracker::RedisTrackerStore;

/// The prefix of every key this crate writes: `apple-vpp`.
pub const DEFAULT_PREFIX: &str = "apple-vpp";

/// How long one Redis call may take before it counts as failed: 250 ms.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_millis(250);

/// A connection to Redis shared by the budget, the leases and the de-duplication:
/// reconnects by itself, every call bounded in time. Cheap to clone.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    call_timeout: Duration,
    host: String,
}

impl fmt::Debug for RedisStore {
    // The URL may hold a password: only the host is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("host", &self.host)
            .field("prefix", &self.prefix)
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

/// Why Redis could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// The URL is not a Redis URL (`redis://[:password@]host[:port][/db]`).
    #[error(
        "the Redis URL is not valid (expected redis://[:password@]host[:port][/db], or rediss:// for TLS): {reason}"
    )]
    Url {
        /// What was wrong, without the URL (it may hold a password).
        reason: String,
    },
    /// [`RedisStore::open`] was called outside a Tokio runtime (its connection manager
    /// runs in a background task).
    #[error(
        "a Redis store must be opened within a Tokio runtime (for example inside #[tokio::main]); open it there"
    )]
    NoRuntime,
    /// Redis did not answer in time, or the connection failed.
    #[error(
        "Redis at {host} did not answer ({reason}): check that it runs and is reachable from this server"
    )]
    Unavailable {
        /// `host:port`, never the password.
        host: String,
        /// What happened (no secret).
        reason: String,
    },
}

impl RedisStore {
    /// A store for `url` (`redis://host:port`), keys under [`DEFAULT_PREFIX`]. Connects
    /// lazily, on the first call, and again whenever the connection broke; use
    /// [`RedisStore::ping`] to check it answers. Must be called within a Tokio runtime
    /// ([`RedisError::NoRuntime`] otherwise).
    pub fn open(url: &str) -> Result<Self, RedisError> {
        let client = redis::Client::open(url).map_err(|e| RedisError::Url {
            reason: e.category().to_owned(),
        })?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisError::NoRuntime);
        }
        let host = client.get_connection_info().addr().to_string();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEFAULT_CALL_TIMEOUT))
            .set_response_timeout(Some(DEFAULT_CALL_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| {
            RedisError::Unavailable {
                host: host.clone(),
                reason: e.category().to_owned(),
            }
        })?;
        Ok(Self {
            conn,
            prefix: DEFAULT_PREFIX.to_owned(),
            call_timeout: DEFAULT_CALL_TIMEOUT,
            host,
        })
    }

    /// Keys start with `prefix` (e.g. one per environment sharing a Redis).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Each Redis call may take at most `timeout` (default [`DEFAULT_CALL_TIMEOUT`]).
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// The bound on each call.
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// `host:port` (never the password).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether Redis answers `PING` within the call timeout.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.conn.clone();
        self.bounded(async move { redis::cmd("PING").query_async::<String>(&mut conn).await })
            .await
            .map(|_| ())
    }

    pub(crate) fn key(&self, rest: &str) -> String {
        format!("{}:{rest}", self.prefix)
    }

    pub(crate) fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Runs one Redis call within the call timeout.
    pub(crate) async fn bounded<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisError> {
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.unavailable(e.category().to_owned())),
            Err(_) => Err(self.unavailable(format!("no answer within {:?}", self.call_timeout))),
        }
    }

    fn unavailable(&self, reason: String) -> RedisError {
        RedisError::Unavailable {
            host: self.host.clone(),
            reason,
        }
    }
}
