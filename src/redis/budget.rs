//! [`RedisBudget`]: one Apple budget per token for a fleet, on Redis.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::RedisStore;
use crate::client::rate::{Gcra, spacing};
use crate::client::{BudgetStatus, RequestBudget, TokenId};

/// The number of replicas assumed when none is set, 4: while Redis does not answer, each
/// replica paces itself at this share of the rate.
pub const DEFAULT_EXPECTED_REPLICAS: u32 = 4;

/// While degraded, Redis is asked again at most this often (other requests are paced
/// locally without waiting for it).
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// After Redis answers again, this replica keeps its local pace as well for this long:
/// the other replicas find Redis back only at their next probe, after their connection
/// manager reconnected (up to a few probe intervals), and until then pace locally.
const RECOVERY_BLEND: Duration = Duration::from_secs(3);

/// One GCRA step, atomic in Redis: the same algorithm as the in-process limiter
/// (`src/client/rate.rs`). The slot is the later of Redis's own clock (`TIME`, so the
/// replicas' clocks do not matter) plus the caller's earliest offset, and the last slot
/// plus the spacing; it is stored, and the wait until it returned. Reservations are taken
/// in the order they reach Redis, first come first served, so no replica starves. The key
/// expires once the slot it holds constrains nothing any more.
///
/// KEYS[1]: the token's key. ARGV[1]: the spacing in microseconds. ARGV[2]: the earliest
/// slot, in microseconds from now (0 but just after an outage, see `reserve`).
/// Returns the wait in microseconds.
const GCRA_STEP: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local spacing = tonumber(ARGV[1])
local slot = now + tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[1]))
if last and last + spacing > slot then slot = last + spacing end
local ttl = math.floor((slot - now + spacing) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', slot), 'PX', ttl)
return slot - now
";

/// Called with the new status when the budget goes from Redis to local pacing and back.
pub type StatusHook = Arc<dyn Fn(BudgetStatus) + Send + Sync>;

/// A [`RequestBudget`] shared by every replica through Redis: each request of a token
/// takes the next slot in one atomic step (a Lua script, one round trip) keyed by
/// `<prefix>:rate:<SHA-256 of the credential, hex>`.
///
/// When Redis does not answer within the store's call timeout, the request is paced
/// locally at the rate divided by [`RedisBudget::expected_replicas`] (so the fleet stays
/// within Apple's rate if every replica does the same), [`RequestBudget::status`] says
/// [`BudgetStatus::Degraded`] and the hook set with [`RedisBudget::on_status_change`] is
/// called; Redis is asked again every half second, and the first answer ends the
/// degradation (status [`BudgetStatus::Shared`], hook called again).
pub struct RedisBudget {
    store: RedisStore,
    script: redis::Script,
    expected_replicas: u32,
    local: Gcra,
    degraded: AtomicBool,
    last_probe: Mutex<Option<Instant>>,
    recovered_at: Mutex<Option<Instant>>,
    hook: Option<StatusHook>,
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("store", &self.store)
            .field("expected_replicas", &self.expected_replicas)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl RedisBudget {
    /// A budget on `store`, assuming [`DEFAULT_EXPECTED_REPLICAS`] replicas.
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            script: redis::Script::new(GCRA_STEP),
            expected_replicas: DEFAULT_EXPECTED_REPLICAS,
            local: Gcra::default(),
            degraded: AtomicBool::new(false),
            last_probe: Mutex::new(None),
            recovered_at: Mutex::new(None),
            hook: None,
        }
    }

    /// How many replicas share the tokens: while Redis does not answer, this replica
    /// sends at the rate divided by it. 0 is taken as 1.
    pub fn expected_replicas(mut self, replicas: u32) -> Self {
        self.expected_replicas = replicas.max(1);
        self
    }

    /// Calls `hook` with the new status whenever the budget falls back to local pacing
    /// ([`BudgetStatus::Degraded`]) and when it is back on Redis ([`BudgetStatus::Shared`]).
    /// It runs in the request's task: keep it short (log, count, set a flag).
    pub fn on_status_change(mut self, hook: impl Fn(BudgetStatus) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// The Redis key of `token`'s budget.
    pub fn key(&self, token: &TokenId) -> String {
        self.store.key(&format!("rate:{}", token.to_hex()))
    }

    /// One step on Redis, the slot no earlier than `not_before` from now: the wait, or
    /// why Redis did not answer.
    pub async fn reserve_shared(
        &self,
        token: &TokenId,
        spacing: Duration,
        not_before: Duration,
    ) -> Result<Duration, super::RedisError> {
        let key = self.key(token);
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let mut conn = self.store.connection();
        let mut invocation = self.script.key(key);
        invocation.arg(micros(spacing)).arg(micros(not_before));
        let wait: i64 = self
            .store
            .bounded(invocation.invoke_async(&mut conn))
            .await?;
        Ok(Duration::from_micros(wait.max(0).unsigned_abs()))
    }

    /// Records the status; whether it changed (the hook is called when it did).
    fn set_degraded(&self, degraded: bool) -> bool {
        if degraded {
            *self.last_probe.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
        let changed = self.degraded.swap(degraded, Ordering::SeqCst) != degraded;
        if changed {
            if let Some(hook) = &self.hook {
                hook(if degraded {
                    BudgetStatus::Degraded
                } else {
                    BudgetStatus::Shared
                });
            }
        }
        changed
    }

    /// The spacing of this replica's share while Redis does not answer: `rate /
    /// replicas` rounded down (at least 1 per second), paced like the whole rate, so each
    /// replica sends at most its share in any one-second window and the fleet at most the
    /// rate (at most one request per second per replica when there are more replicas than
    /// the rate allows).
    fn local_spacing(&self, rate: u32) -> Duration {
        spacing((rate / self.expected_replicas).max(1))
    }

    /// Whether Redis came back less than [`RECOVERY_BLEND`] ago.
    fn recently_recovered(&self) -> bool {
        self.recovered_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < RECOVERY_BLEND)
    }

    /// Whether this request should ask Redis (always, unless degraded and Redis was asked
    /// less than [`PROBE_EVERY`] ago).
    fn should_ask_redis(&self) -> bool {
        if !self.degraded.load(Ordering::SeqCst) {
            return true;
        }
        let mut last = self.last_probe.lock().unwrap_or_else(|e| e.into_inner());
        match *last {
            Some(at) if at.elapsed() < PROBE_EVERY => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }
}

impl RequestBudget for RedisBudget {
    fn reserve<'a>(&'a self, token: &'a TokenId, rate: u32) -> BoxFuture<'a, Duration> {
        Box::pin(async move {
            let local = self.local_spacing(rate);
            if self.should_ask_redis() {
                // Just after an outage the other replicas may still pace locally until
                // their next probe finds Redis back: this replica keeps its local pace
                // too meanwhile (its slot on Redis is no earlier than its local one), or
                // the fleet would send its shares and the full rate at once. The slot on
                // Redis stays the time the request leaves, so Redis's order holds.
                let not_before =
                    if self.recently_recovered() || self.status() == BudgetStatus::Degraded {
                        self.local.reserve(token, local, Instant::now())
                    } else {
                        Duration::ZERO
                    };
                match self.reserve_shared(token, spacing(rate), not_before).await {
                    Ok(wait) => {
                        if self.set_degraded(false) {
                            *self.recovered_at.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(Instant::now());
                        }
                        return wait;
                    }
                    Err(_) => {
                        if self.set_degraded(true) {
                            // Slots reserved on Redis may still be pending: local pacing
                            // starts a whole window later, so no window holds both.
                            let start = Instant::now() + spacing(1);
                            self.local.reserve(token, Duration::ZERO, start);
                        }
                        if !not_before.is_zero() {
                            // The local slot was taken above.
                            return not_before;
                        }
                    }
                }
            }
            self.local.reserve(token, local, Instant::now())
        })
    }

    fn status(&self) -> BudgetStatus {
        if self.degraded.load(Ordering::SeqCst) {
            BudgetStatus::Degraded
        } else {
            BudgetStatus::Shared
        }
    }
}
