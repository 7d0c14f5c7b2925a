//! [`RedisSecrets`]: the notification secrets every replica accepts.

use futures_util::future::BoxFuture;

use super::store::RedisStore;
use crate::notification::NotificationSecret;
use crate::shared::{LocationKey, NotificationSecrets, StoreError};

/// Pushes the newest secret and keeps two, in one step.
const PUT: &str = r"
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, 1)
return 1
";

/// [`NotificationSecrets`] on Redis: the list `<prefix>:notification-secrets:<SHA-256 of
/// the location>`, newest first, at most two. **Redis then holds the secrets**: protect
/// it (a password, TLS with `rediss://`, no access from outside the MDM) as the store of
/// the content tokens. Fails when Redis does not answer ([`StoreError`]); a stored value
/// that is not a valid secret is an error too, never skipped silently.
#[derive(Debug, Clone)]
pub struct RedisSecrets {
    store: RedisStore,
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError {
        what: "notification secrets",
        reason: e.to_string(),
    }
}

impl RedisSecrets {
    /// Secrets on `store`.
    pub fn new(store: RedisStore) -> Self {
        Self { store }
    }

    fn key(&self, location: &str) -> String {
        self.store.key(&format!(
            "notification-secrets:{}",
            LocationKey::of_uid(location).to_hex()
        ))
    }
}

impl NotificationSecrets for RedisSecrets {
    fn put<'a>(
        &'a self,
        location: &'a str,
        secret: &'a NotificationSecret,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let script = redis::Script::new(PUT);
            let mut invocation = script.prepare_invoke();
            invocation
                .key(self.key(location))
                .arg(secret.expose_secret());
            let mut conn = self.store.connection();
            self.store
                .bounded(async move { invocation.invoke_async::<i64>(&mut conn).await })
                .await
                .map_err(failed)
                .map(drop)
        })
    }

    fn get<'a>(
        &'a self,
        location: &'a str,
    ) -> BoxFuture<'a, Result<Vec<NotificationSecret>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.store.connection();
            let cmd = redis::cmd("LRANGE")
                .arg(self.key(location))
                .arg(0)
                .arg(1)
                .clone();
            let values: Vec<String> = self
                .store
                .bounded(async move { cmd.query_async(&mut conn).await })
                .await
                .map_err(failed)?;
            values
                .into_iter()
                .map(|v| NotificationSecret::new(v).map_err(failed))
                .collect()
        })
    }
}
