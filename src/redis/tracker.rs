//! [`RedisTrackerStore`]: one event tracker shared by every replica.

use futures_util::future::BoxFuture;

use super::store::RedisStore;
use crate::events::{EventTracker, TrackerPolicy};
use crate::shared::{LocationKey, StoreError, StoredTracker, TrackerStore};

/// Writes the tracker only over the version read: `v` is the version, `t` the JSON.
const SAVE: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 't', ARGV[3])
return 1
";

/// [`TrackerStore`] on Redis: the hash `<prefix>:tracker:<SHA-256 of the name>` holds the
/// tracker's JSON (`t`) and its version (`v`); a write is a compare-and-set script, so
/// two replicas never overwrite each other's changes. The tracker holds event ids, the
/// MDM's request keys and device and user ids, no secret. Fails when Redis does not
/// answer ([`StoreError`]), or when the stored JSON cannot be read (fix or drop it).
#[derive(Debug, Clone)]
pub struct RedisTrackerStore {
    store: RedisStore,
    key: String,
    policy: TrackerPolicy,
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError {
        what: "event tracker",
        reason: e.to_string(),
    }
}

impl RedisTrackerStore {
    /// The tracker called `name` (e.g. one per location: its `uId`) on `store`; an empty
    /// one uses the default [`TrackerPolicy`].
    pub fn new(store: RedisStore, name: &str) -> Self {
        let key = store.key(&format!("tracker:{}", LocationKey::of_uid(name).to_hex()));
        Self {
            store,
            key,
            policy: TrackerPolicy::default(),
        }
    }

    /// The policy of a tracker not stored yet.
    pub fn with_policy(mut self, policy: TrackerPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The Redis key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl TrackerStore for RedisTrackerStore {
    fn load(&self) -> BoxFuture<'_, Result<StoredTracker, StoreError>> {
        Box::pin(async move {
            let mut conn = self.store.connection();
            let cmd = redis::cmd("HMGET").arg(&self.key).arg("v").arg("t").clone();
            let (version, json): (Option<u64>, Option<String>) = self
                .store
                .bounded(async move { cmd.query_async(&mut conn).await })
                .await
                .map_err(failed)?;
            let tracker = match json {
                Some(json) => serde_json::from_str::<EventTracker>(&json).map_err(failed)?,
                None => EventTracker::new(self.policy),
            };
            Ok(StoredTracker {
                tracker,
                version: version.unwrap_or(0),
            })
        })
    }

    fn save<'a>(
        &'a self,
        tracker: &'a EventTracker,
        version: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let json = serde_json::to_string(tracker).map_err(failed)?;
            let script = redis::Script::new(SAVE);
            let mut invocation = script.prepare_invoke();
            invocation
                .key(&self.key)
                .arg(version.to_string())
                .arg((version + 1).to_string())
                .arg(json);
            let mut conn = self.store.connection();
            let saved: i64 = self
                .store
                .bounded(async move { invocation.invoke_async(&mut conn).await })
                .await
                .map_err(failed)?;
            Ok(saved == 1)
        })
    }
}
