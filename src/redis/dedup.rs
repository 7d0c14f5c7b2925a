//! [`RedisDeduper`]: notification de-duplication shared by every replica.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::RedisStore;
use crate::client::{DedupError, NotificationDedup};
use crate::notification::Delivery;

/// [`NotificationDedup`] on Redis: an id is marked with `SET <prefix>:notification:<id>
/// 1 NX PX <max age>`, so the first replica to mark it wins and the mark expires with
/// the de-duplication window (one hour by default, as [`crate::notification::NotificationDeduper`]).
/// Ids are Apple's `notificationId`s (no secret). When Redis does not answer, the call
/// fails ([`DedupError`]): answer Apple 5xx and it sends the notification again.
#[derive(Debug, Clone)]
pub struct RedisDeduper {
    store: RedisStore,
    max_age: Duration,
}

impl RedisDeduper {
    /// Remembers ids for `max_age`.
    pub fn new(store: RedisStore, max_age: Duration) -> Self {
        Self {
            store,
            max_age: max_age.max(Duration::from_millis(1)),
        }
    }

    fn key(&self, id: &str) -> String {
        self.store.key(&format!("notification:{id}"))
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.max_age.as_millis()).unwrap_or(u64::MAX)
    }
}

fn failed(e: super::RedisError) -> DedupError {
    DedupError {
        reason: e.to_string(),
    }
}

impl NotificationDedup for RedisDeduper {
    fn contains<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, DedupError>> {
        Box::pin(async move {
            let mut conn = self.store.connection();
            let cmd = redis::cmd("EXISTS").arg(self.key(id)).clone();
            let n: i64 = self
                .store
                .bounded(async move { cmd.query_async(&mut conn).await })
                .await
                .map_err(failed)?;
            Ok(n > 0)
        })
    }

    fn insert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move { self.check_and_insert(id).await.map(|_| ()) })
    }

    fn check_and_insert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Delivery, DedupError>> {
        Box::pin(async move {
            let mut conn = self.store.connection();
            let cmd = redis::cmd("SET")
                .arg(self.key(id))
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(self.millis())
                .clone();
            let set: Option<String> = self
                .store
                .bounded(async move { cmd.query_async(&mut conn).await })
                .await
                .map_err(failed)?;
            Ok(if set.is_some() {
                Delivery::First
            } else {
                Delivery::Duplicate
            })
        })
    }
}
