//! [`RedisLeases`]: a lease per location shared by every replica.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::store::RedisStore;
use crate::shared::random_holder;
use crate::shared::{Lease, LeaseError, LeaseKind, LeaseStore, LocationKey, clamp_lease_ttl};

/// `SET lease holder NX PX ttl`, and when it was set, the next fencing number: `INCR` of
/// the counter, raised to Redis's `TIME` in microseconds when that is larger (a Redis
/// restarted without persistence, or a failover to a server that missed the last grant,
/// starts the counter again from nothing; the clock keeps the numbers growing). One
/// atomic step, so every grant has its own number. Returns the number, or, when held, minus
/// the milliseconds the lease lives on (0 or less).
/// (`TIME` before a write in a script needs Redis 5 or later: effects replication.)
const ACQUIRE: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local now = redis.call('TIME')
  local floor = tonumber(now[1]) * 1000000 + tonumber(now[2])
  local fence = redis.call('INCR', KEYS[2])
  if fence < floor then
    redis.call('SET', KEYS[2], string.format('%.0f', floor))
    fence = floor
  end
  return fence
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = 0
end
return -left
";

/// Compare and extend: only the holder extends its lease.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// Compare and delete: only the holder releases its lease.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// [`LeaseStore`] on Redis. The lease of a location is the key
/// `<prefix>:lease:<kind>:<SHA-256 of the uId>` holding a random holder value with an
/// expiry; its fencing counter is the same key with `:fence` (never expires), and each
/// grant's number is the larger of the counter plus one and Redis's `TIME` in
/// microseconds, so numbers keep growing when Redis restarts empty or fails over to a
/// server without the counter (as long as that server's clock is not behind the old
/// one's by more than the time between the two grants). Fails closed: when Redis does not
/// answer, no lease ([`LeaseError::Unavailable`]).
#[derive(Debug)]
pub struct RedisLeases {
    store: RedisStore,
    acquire: redis::Script,
    renew: redis::Script,
    release: redis::Script,
}

impl RedisLeases {
    /// Leases on `store`.
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            acquire: redis::Script::new(ACQUIRE),
            renew: redis::Script::new(RENEW),
            release: redis::Script::new(RELEASE),
        }
    }

    /// The Redis key of a lease.
    pub fn key(&self, kind: LeaseKind, location: &LocationKey) -> String {
        self.store
            .key(&format!("lease:{}:{}", kind.as_str(), location.to_hex()))
    }

    async fn run(
        &self,
        script: &redis::Script,
        keys: &[String],
        args: &[String],
    ) -> Result<i64, LeaseError> {
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(arg);
        }
        let mut conn = self.store.connection();
        self.store
            .bounded(invocation.invoke_async(&mut conn))
            .await
            .map_err(|e| LeaseError::Unavailable {
                reason: e.to_string(),
            })
    }
}

/// The time to live in milliseconds, within the client's bounds (a `Duration::MAX` would
/// make Redis refuse every `PX`).
fn millis(ttl: Duration) -> String {
    clamp_lease_ttl(ttl).as_millis().to_string()
}

impl LeaseStore for RedisLeases {
    fn acquire<'a>(
        &'a self,
        kind: LeaseKind,
        location: &'a LocationKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Lease, LeaseError>> {
        Box::pin(async move {
            let key = self.key(kind, location);
            let holder = random_holder();
            let fence_key = format!("{key}:fence");
            let fence = self
                .run(
                    &self.acquire,
                    &[key, fence_key],
                    &[holder.clone(), millis(ttl)],
                )
                .await?;
            match u64::try_from(fence) {
                Ok(fence) if fence > 0 => {
                    let ttl = clamp_lease_ttl(ttl);
                    Ok(Lease::new(kind, *location, holder, fence, ttl))
                }
                // Held: the script returned minus the lease's time left, in ms.
                _ => Err(LeaseError::Held {
                    kind,
                    retry_after: Some(Duration::from_millis(fence.unsigned_abs())),
                }),
            }
        })
    }

    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), LeaseError>> {
        Box::pin(async move {
            let key = self.key(lease.kind(), lease.location());
            let done = self
                .run(
                    &self.renew,
                    &[key],
                    &[lease.holder().to_owned(), millis(lease.ttl())],
                )
                .await?;
            if done == 1 {
                Ok(())
            } else {
                Err(LeaseError::Lost { kind: lease.kind() })
            }
        })
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), LeaseError>> {
        Box::pin(async move {
            let key = self.key(lease.kind(), lease.location());
            self.run(&self.release, &[key], &[lease.holder().to_owned()])
                .await
                .map(|_| ())
        })
    }
}
