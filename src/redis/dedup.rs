//! [`RedisDeduper`]: notification de-duplication shared by every replica.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::error::RedisError;
use super::store::RedisStore;
use crate::notification::{
    DEFAULT_PENDING_FOR, Delivery, Mark, MarkToken, MaxAgeTooLong, NotificationDeduper,
};
use crate::shared::{DedupError, NotificationDedup};

/// `SET id p:<token> NX PX pending`: 1 when marked; else 2 when it was handled
/// (confirmed), 3 while another holder handles it.
const MARK: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'p:' then
  return 3
end
return 2
";

/// Confirm: done for the window, unless another holder's mark is in progress.
const CONFIRM: &str = r"
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
  return 1
end
return 0
";

/// Release: compare and delete, only the holder's mark.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// [`NotificationDedup`] on Redis. An id is the key `<prefix>:notification:<id>`:
/// [`NotificationDedup::mark`] sets it to the holder's token with `NX` for the pending
/// time (60 s by default), so the first replica to mark it wins; confirming sets it to
/// `1` for the de-duplication window (one hour by default, as
/// [`crate::notification::NotificationDeduper`]); releasing deletes it (compare and
/// delete: only the holder's). `check_and_insert` sets `1` with `NX` for the window. Ids
/// are Apple's `notificationId`s (no secret). When Redis does not answer, the call fails
/// ([`DedupError`]): answer Apple 5xx and it sends the notification again.
///
/// The window is at most [`NotificationDeduper::MAX_AGE`] (30 days): [`RedisDeduper::new`]
/// lowers a longer one (Redis refuses an expiry that large, which would fail every call),
/// [`RedisDeduper::try_new`] refuses it.
#[derive(Debug, Clone)]
pub struct RedisDeduper {
    store: RedisStore,
    max_age: Duration,
    pending_for: Duration,
}

fn script(source: &str) -> redis::Script {
    redis::Script::new(source)
}

impl RedisDeduper {
    /// Remembers ids for `max_age` (at least 1 ms, at most 30 days).
    pub fn new(store: RedisStore, max_age: Duration) -> Self {
        Self {
            store,
            max_age: max_age.clamp(Duration::from_millis(1), NotificationDeduper::MAX_AGE),
            pending_for: DEFAULT_PENDING_FOR,
        }
    }

    /// [`RedisDeduper::new`], refusing a window longer than 30 days.
    pub fn try_new(store: RedisStore, max_age: Duration) -> Result<Self, MaxAgeTooLong> {
        if max_age > NotificationDeduper::MAX_AGE {
            return Err(MaxAgeTooLong {
                secs: max_age.as_secs(),
            });
        }
        Ok(Self::new(store, max_age))
    }

    /// How long a mark holds a notification for its handler (default 60 s; at least
    /// 1 ms, at most the window).
    pub fn with_pending_for(mut self, pending_for: Duration) -> Self {
        self.pending_for = pending_for.clamp(Duration::from_millis(1), self.max_age);
        self
    }

    /// The window.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    async fn run(&self, source: &str, key: String, args: [String; 2]) -> Result<i64, DedupError> {
        let script = script(source);
        let mut invocation = script.prepare_invoke();
        invocation.key(key);
        for arg in args {
            invocation.arg(arg);
        }
        let mut conn = self.store.connection();
        self.store
            .bounded(async move { invocation.invoke_async(&mut conn).await })
            .await
            .map_err(failed)
    }

    fn key(&self, id: &str) -> String {
        self.store.key(&format!("notification:{id}"))
    }

    fn millis(&self) -> u64 {
        millis(self.max_age)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn failed(e: RedisError) -> DedupError {
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

    fn mark<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Mark, DedupError>> {
        Box::pin(async move {
            let token = MarkToken::random();
            let value = format!("p:{}", token.as_str());
            let answer = self
                .run(
                    MARK,
                    self.key(id),
                    [value, millis(self.pending_for).to_string()],
                )
                .await?;
            Ok(match answer {
                1 => Mark::First(token),
                3 => Mark::InProgress,
                _ => Mark::Duplicate,
            })
        })
    }

    fn confirm<'a>(
        &'a self,
        id: &'a str,
        token: &'a MarkToken,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let value = format!("p:{}", token.as_str());
            self.run(CONFIRM, self.key(id), [value, self.millis().to_string()])
                .await
                .map(drop)
        })
    }

    fn release<'a>(
        &'a self,
        id: &'a str,
        token: &'a MarkToken,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let value = format!("p:{}", token.as_str());
            self.run(RELEASE, self.key(id), [value, String::new()])
                .await
                .map(drop)
        })
    }
}
