//! [`RedisStore`]: the one connection to Redis the budget, the leases, the de-duplication
//! and the stores share.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::error::RedisError;

/// The prefix of every key this crate writes: `apple-vpp`.
pub const DEFAULT_PREFIX: &str = "apple-vpp";

/// How long one Redis call may take before it counts as failed: 250 ms.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_millis(250);

/// A connection to Redis shared by the budget, the leases and the de-duplication:
/// reconnects by itself, every call bounded in time. Cheap to clone.
#[derive(Clone)]
pub struct RedisStore {
    /// Kept to build the connection manager again when the call timeout changes.
    client: redis::Client,
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
        let conn = manager(&client, DEFAULT_CALL_TIMEOUT, &host)?;
        Ok(Self {
            client,
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

    /// Each Redis call may take at most `timeout` (default [`DEFAULT_CALL_TIMEOUT`]): the
    /// bound in force for every call, and for the connection manager's own connect and
    /// response timeouts (its connection is made again with them, lazily). A zero
    /// `timeout` is taken as one millisecond.
    ///
    /// Call it right after [`RedisStore::open`], before the store is cloned into a
    /// budget, leases or a deduper: clones made before keep the bound they had.
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        let timeout = timeout.max(Duration::from_millis(1));
        // Building a lazy manager connects nothing and cannot fail once `open` succeeded
        // (same client, same runtime kind); should it fail, the old one is kept, whose
        // timeouts are the former bound, and every call is still bounded by `timeout`.
        if let Ok(conn) = manager(&self.client, timeout, &self.host) {
            self.conn = conn;
        }
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

    pub(crate) fn unavailable(&self, reason: String) -> RedisError {
        RedisError::Unavailable {
            host: self.host.clone(),
            reason,
        }
    }
}

/// A reconnecting connection manager whose connect and response timeouts follow the
/// call timeout (a little longer, so that the call's own bound, with its clear message,
/// is the one that fires): a longer bound set by the caller is not cut short underneath.
fn manager(
    client: &redis::Client,
    call_timeout: Duration,
    host: &str,
) -> Result<ConnectionManager, RedisError> {
    let underneath = call_timeout + Duration::from_millis(100);
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(underneath))
        .set_response_timeout(Some(underneath))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(|e| {
        RedisError::Unavailable {
            host: host.to_owned(),
            reason: e.category().to_owned(),
        }
    })
}
