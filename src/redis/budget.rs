//! [`RedisBudget`]: one Apple budget per location for a fleet, on Redis.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::error::RedisError;
use super::store::RedisStore;
use crate::shared::rate::{Gcra, MAX_LATENESS, spacing};
use crate::shared::{BudgetCell, BudgetKey, BudgetStatus, RequestBudget, TokenId};

/// The number of replicas assumed when none is set, 4: while Redis does not answer, each
/// replica paces itself at this share of the rate.
pub const DEFAULT_EXPECTED_REPLICAS: u32 = 4;

/// How far ahead of Redis's clock a slot may be stored. A reservation that would lie
/// further ahead is not stored: the caller asks again when it fits (see
/// [`RedisBudget`]). So every slot that Redis ever handed out lies at most this far
/// after the moment it was handed out, which is what the fleet relies on when Redis
/// goes away, restarts empty, fails over or its clock jumps: slots handed out before
/// may still be pending up to this far ahead, and nothing is handed out before them.
pub const SLOT_HORIZON: Duration = Duration::from_secs(2);

/// While degraded, Redis is asked again at most this often (other requests are paced
/// locally without waiting for it).
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// After Redis answers again, this replica keeps its local pace as well for this long:
/// the other replicas find Redis back only at their next probe, after their connection
/// manager reconnected (up to a few probe intervals), and until then pace locally.
const RECOVERY_BLEND: Duration = Duration::from_secs(3);

/// At most this many "ask again later" answers for one reservation before the request
/// is paced locally (a fleet far beyond its rate must not spin on Redis).
const MAX_ASKS: u32 = 64;

/// Redis's clock may run ahead of this replica's by this much (besides the round trips'
/// uncertainty) between two reservations before it counts as a jump.
const CLOCK_TOLERANCE: Duration = Duration::from_millis(100);

/// One GCRA step, atomic in Redis: the same algorithm as the in-process limiter
/// (`src/shared/rate.rs`), with one slot taken in every budget of the request (its
/// location's and its token's). The slot is the later of Redis's own clock (`TIME`, so
/// the replicas' clocks do not matter) plus the caller's earliest offset, and each
/// budget's last slot plus the spacing. A slot more than the horizon ahead is not
/// stored: the answer says when to ask again. Otherwise it is stored in
/// every budget and returned. Reservations are taken in the order they reach Redis,
/// first come first served. A budget key expires once its slot constrains nothing.
///
/// Two faults are answered here, before the slot is chosen:
/// - the epoch marker (the last key) is missing: this Redis lost what it held (restarted
///   without persistence, or an empty replica took over) or never held anything, so
///   slots handed out before may be pending up to the horizon ahead: the slot is no
///   earlier than the horizon from now;
/// - a budget's last slot lies more than the horizon ahead: Redis's clock went back
///   (no slot is ever stored further ahead), so the next slot is the horizon from now.
///
/// KEYS[1..n-1]: the request's budgets; KEYS[n]: the epoch marker. ARGV[1]: the spacing
/// in microseconds; ARGV[2]: the earliest slot in microseconds from now; ARGV[3]: the
/// horizon in microseconds.
/// Returns `{1, wait, now}` (the slot is `now + wait`, stored) or `{0, retry, now}` (not
/// stored; ask again in `retry`), microseconds, `now` being Redis's `TIME`.
const GCRA_STEP: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local spacing = tonumber(ARGV[1])
local horizon = tonumber(ARGV[3])
local slot = now + tonumber(ARGV[2])
local n = #KEYS
if redis.call('SET', KEYS[n], '1', 'NX') then
  if slot < now + horizon then slot = now + horizon end
end
for i = 1, n - 1 do
  local last = tonumber(redis.call('GET', KEYS[i]))
  if last then
    if last > now + horizon then last = now + horizon - spacing end
    if last + spacing > slot then slot = last + spacing end
  end
end
if slot > now + horizon then
  return {0, slot - now - horizon, now}
end
local ttl = math.floor((slot - now + spacing) / 1000) + 1000
for i = 1, n - 1 do
  redis.call('SET', KEYS[i], string.format('%d', slot), 'PX', ttl)
end
return {1, slot - now, now}
";

/// One answer of the step on Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SharedSlot {
    /// The slot is `wait` after Redis ran the step (stored).
    Granted {
        /// From the step to the slot.
        wait: Duration,
        /// Redis's `TIME` at the step, in microseconds since the Unix epoch.
        redis_now: i64,
    },
    /// The slot would lie beyond [`SLOT_HORIZON`]: nothing was stored; ask again after
    /// `retry`.
    Later {
        /// When to ask again.
        retry: Duration,
    },
}

/// Where Redis's clock stood at a reservation, against this replica's.
#[derive(Debug, Clone, Copy)]
struct ClockMark {
    /// The middle of the round trip, on this replica's clock.
    local: Instant,
    /// Redis's `TIME`, microseconds.
    redis: i64,
    /// The round trip.
    rtt: Duration,
}

/// Whether Redis's clock ran ahead of this replica's between two reservations by more
/// than the round trips can explain (plus [`CLOCK_TOLERANCE`]): a jump forward, after
/// which slots Redis handed out before may lie later than Redis's "now" says.
fn clock_jumped(before: &ClockMark, after: &ClockMark) -> bool {
    let local = after.local.saturating_duration_since(before.local);
    let redis = Duration::from_micros((after.redis - before.redis).max(0).unsigned_abs());
    redis > local + before.rtt + after.rtt + CLOCK_TOLERANCE
}

/// Called with the new status when the budget goes from Redis to local pacing and back.
pub type StatusHook = Arc<dyn Fn(BudgetStatus) + Send + Sync>;

/// A [`RequestBudget`] shared by every replica through Redis: each request takes the
/// next slot of its location in one atomic step (a Lua script, one round trip) keyed by
/// `<prefix>:rate:loc:<SHA-256 of the location's uId, hex>`, and of its token
/// (`<prefix>:rate:tok:<SHA-256 of the credential, hex>`; the only key until the
/// client knows the token's location, see [`BudgetKey`]). A marker without expiry,
/// `<prefix>:rate:epoch`, tells a Redis that kept its keys from one that lost them.
///
/// No slot is stored more than [`SLOT_HORIZON`] ahead; a request whose slot would lie
/// further waits and asks again. What happens on each fault:
/// - Redis does not answer within the store's call timeout: the request is paced
///   locally at the rate divided by [`RedisBudget::expected_replicas`] (so the fleet stays
///   within Apple's rate if every replica does the same), starting after the later of the
///   last slot this replica had from Redis and [`SLOT_HORIZON`] from now (slots of the
///   other replicas may be pending until then); [`RequestBudget::status`] says
///   [`BudgetStatus::Degraded`] and the hook set with [`RedisBudget::on_status_change`] is
///   called. Redis is asked again every half second, and the first answer ends the
///   degradation (status [`BudgetStatus::Shared`], hook called again); for a few seconds
///   after it this replica keeps to its local share as well, while the others find
///   Redis back.
/// - Redis restarted without persistence, or an empty server took over its address:
///   the epoch marker is gone, and the first slot it hands out is [`SLOT_HORIZON`] ahead,
///   after every slot handed out before.
/// - Redis's clock went back: a stored slot further ahead than the horizon counts as the
///   horizon from now. It went forward: the replica that sees it (Redis's clock ran
///   ahead of its own between two reservations) does not use that slot and asks again
///   for one [`SLOT_HORIZON`] ahead.
pub struct RedisBudget {
    store: RedisStore,
    script: redis::Script,
    expected_replicas: u32,
    /// The local pacing; also holds the last slot this replica had from Redis.
    local: Gcra<BudgetCell>,
    degraded: AtomicBool,
    last_probe: Mutex<Option<Instant>>,
    recovered_at: Mutex<Option<Instant>>,
    clock: Mutex<Option<ClockMark>>,
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
            clock: Mutex::new(None),
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

    /// The Redis key of a token's budget (used until the token's location is known).
    pub fn key(&self, token: &TokenId) -> String {
        self.cell_key(&BudgetCell::Token(*token))
    }

    /// The Redis key of one budget.
    pub fn cell_key(&self, cell: &BudgetCell) -> String {
        self.store.key(&format!("rate:{}", cell.name()))
    }

    /// The Redis key of the epoch marker.
    pub fn epoch_key(&self) -> String {
        self.store.key("rate:epoch")
    }

    /// One step on Redis for `key` at `spacing`, the slot no earlier than `not_before`
    /// from when Redis runs it: the slot, or "ask again later", or why Redis did not
    /// answer.
    pub async fn reserve_shared(
        &self,
        key: &BudgetKey,
        spacing: Duration,
        not_before: Duration,
    ) -> Result<SharedSlot, RedisError> {
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let mut conn = self.store.connection();
        let mut invocation = self.script.prepare_invoke();
        for cell in key.cells() {
            invocation.key(self.cell_key(&cell));
        }
        invocation.key(self.epoch_key());
        invocation
            .arg(micros(spacing))
            .arg(micros(not_before))
            .arg(micros(SLOT_HORIZON));
        let answer: Vec<i64> = self
            .store
            .bounded(invocation.invoke_async(&mut conn))
            .await?;
        let micros = |n: i64| Duration::from_micros(n.max(0).unsigned_abs());
        match answer.as_slice() {
            [1, wait, now] => Ok(SharedSlot::Granted {
                wait: micros(*wait),
                redis_now: *now,
            }),
            [0, retry, _] => Ok(SharedSlot::Later {
                retry: micros(*retry),
            }),
            _ => Err(self
                .store
                .unavailable("the budget script gave an unexpected answer".to_owned())),
        }
    }

    /// Records where Redis's clock stood at a reservation; whether it jumped forward
    /// since the last one.
    fn mark_clock(&self, sent: Instant, received: Instant, redis_now: i64) -> bool {
        let rtt = received.saturating_duration_since(sent);
        let mark = ClockMark {
            local: sent + rtt / 2,
            redis: redis_now,
            rtt,
        };
        let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        let jumped = clock
            .as_ref()
            .is_some_and(|before| clock_jumped(before, &mark));
        *clock = Some(mark);
        jumped
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
    fn reserve<'a>(&'a self, key: &'a BudgetKey, rate: u32) -> BoxFuture<'a, Duration> {
        Box::pin(async move {
            let slot = self.reserve_slot(key, rate).await;
            slot.saturating_duration_since(Instant::now())
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

impl RedisBudget {
    /// The slot of the next request of `key` at `rate`, on this replica's clock.
    ///
    /// A local slot (Redis did not answer) is tentative: the request waits for it here,
    /// asking Redis again every [`PROBE_EVERY`]; should Redis answer before the slot
    /// comes, the request takes a slot on Redis instead and the local one goes unused. So
    /// a replica that lost Redis only for a moment (a restart, a failover, a dropped
    /// connection) sends nothing on local slots while the others go on at the full rate
    /// on Redis: local slots start only after the horizon, and a probe comes first.
    async fn reserve_slot(&self, key: &BudgetKey, rate: u32) -> Instant {
        let mut held = None;
        loop {
            let slot = match self.shared_or_local(key, rate, held).await {
                Slot::Shared(slot) => return slot,
                Slot::Local(slot) => slot,
            };
            loop {
                let now = Instant::now();
                if slot <= now {
                    return slot;
                }
                tokio::time::sleep_until(slot.min(now + PROBE_EVERY).into()).await;
                if Instant::now() >= slot {
                    return slot;
                }
                if !self.degraded.load(Ordering::SeqCst) || self.probe_due() {
                    held = Some(slot);
                    break;
                }
            }
        }
    }

    /// Whether degraded and Redis was last asked [`PROBE_EVERY`] ago or more.
    fn probe_due(&self) -> bool {
        self.last_probe
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none_or(|at| at.elapsed() >= PROBE_EVERY)
    }

    /// A slot on Redis, or a local one (`held`: this request's local slot, already
    /// taken).
    async fn shared_or_local(&self, key: &BudgetKey, rate: u32, held: Option<Instant>) -> Slot {
        let cells = key.cells();
        let local = self.local_spacing(rate);
        let mut asking = Asking {
            floor: Duration::ZERO,
            local_slot: held,
            came_back: false,
        };
        for _ in 0..MAX_ASKS {
            if !self.should_ask_redis() {
                break;
            }
            // Just after an outage the other replicas may still pace locally until
            // their next probe finds Redis back: this replica keeps its local pace too
            // meanwhile (its slot on Redis is no earlier than its local one), or the
            // fleet would send its shares and the full rate at once. The slot on Redis
            // stays the time the request leaves, so Redis's order holds.
            if asking.local_slot.is_none()
                && (self.recently_recovered() || self.status() == BudgetStatus::Degraded)
            {
                asking.local_slot = Some(self.local.reserve_all(&cells, local, Instant::now()));
            }
            let sent = Instant::now();
            let not_before = asking
                .local_slot
                .map_or(Duration::ZERO, |slot| slot.saturating_duration_since(sent))
                .max(asking.floor);
            let step = match self.reserve_shared(key, spacing(rate), not_before).await {
                Ok(SharedSlot::Granted { wait, redis_now }) => {
                    self.on_granted(wait, redis_now, sent, &cells, &mut asking)
                }
                Ok(SharedSlot::Later { retry }) => self.on_later(retry, &mut asking).await,
                Err(_) => self.on_failure(&cells, &asking),
            };
            match step {
                Step::Take(slot) => return slot,
                Step::AskAgain => {}
                Step::PaceLocally => break,
            }
        }
        match held {
            Some(slot) if Instant::now() <= slot + MAX_LATENESS => Slot::Local(slot),
            _ => Slot::Local(self.local.reserve_all(&cells, local, Instant::now())),
        }
    }

    /// Redis granted a slot `wait` after its step, asked at `sent`.
    fn on_granted(
        &self,
        wait: Duration,
        redis_now: i64,
        sent: Instant,
        cells: &[BudgetCell],
        asking: &mut Asking,
    ) -> Step {
        let received = Instant::now();
        // The blend with local pacing runs from the first slot had back.
        if self.set_degraded(false) || asking.came_back {
            *self.recovered_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(received);
        }
        if self.mark_clock(sent, received, redis_now) && asking.floor.is_zero() {
            // Redis's clock ran ahead of ours: slots handed out before the jump may lie
            // later than this one. Leave this slot unused.
            asking.floor = SLOT_HORIZON;
            return Step::AskAgain;
        }
        let slot = received + wait;
        // The latest slot this replica had from Redis: local pacing, should Redis go
        // away, starts after it.
        self.local.note(cells, slot);
        Step::Take(Slot::Shared(slot))
    }

    /// Redis answered that the slot lies beyond the horizon: ask again after `retry`.
    async fn on_later(&self, retry: Duration, asking: &mut Asking) -> Step {
        // Redis answers: no longer degraded (the slot is still to be had).
        if self.set_degraded(false) {
            asking.came_back = true;
            *self.recovered_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
        tokio::time::sleep(retry.max(Duration::from_millis(1))).await;
        Step::AskAgain
    }

    /// Redis did not answer.
    fn on_failure(&self, cells: &[BudgetCell], asking: &Asking) -> Step {
        let failed = Instant::now();
        if self.set_degraded(true) {
            // Slots handed out by Redis lie at most the horizon after the moment they
            // were: local pacing starts after every slot that can still be pending (this
            // replica's own are in `local`), and after the first probe, which abandons the
            // local slots if Redis answers by then (the others may not have lost it).
            self.local
                .reserve_all(cells, Duration::ZERO, failed + SLOT_HORIZON + PROBE_EVERY);
            return Step::PaceLocally;
        }
        match asking.local_slot {
            // The local slot taken before asking Redis still holds, unless the question
            // took so long that it passed.
            Some(slot) if Instant::now() <= slot + MAX_LATENESS => Step::Take(Slot::Local(slot)),
            _ => Step::PaceLocally,
        }
    }
}

/// What one request asking Redis for its slot has learnt so far.
struct Asking {
    /// After a jump of Redis's clock: the next slot no earlier than the horizon.
    floor: Duration,
    /// This request's local slot, taken once (while degraded, and for a while after).
    local_slot: Option<Instant>,
    /// Whether Redis answered this request after an outage ("ask again later").
    came_back: bool,
}

/// What to do after one of Redis's answers.
enum Step {
    /// Send at this slot.
    Take(Slot),
    /// Ask Redis again.
    AskAgain,
    /// Stop asking: take a local slot.
    PaceLocally,
}

/// Where a request's slot came from.
enum Slot {
    /// Redis gave it.
    Shared(Instant),
    /// This replica's local pacing gave it (Redis did not answer).
    Local(Instant),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::WINDOW_SLACK;

    fn mark(local: Instant, redis: i64, rtt_ms: u64) -> ClockMark {
        ClockMark {
            local,
            redis,
            rtt: Duration::from_millis(rtt_ms),
        }
    }

    #[test]
    fn redis_clock_running_ahead_of_ours_is_a_jump() {
        let t0 = Instant::now();
        let before = mark(t0, 1_000_000_000, 2);
        // Both clocks advanced one second: no jump.
        let after = mark(t0 + Duration::from_secs(1), 1_001_000_000, 2);
        assert!(!clock_jumped(&before, &after));
        // A slow round trip explains a difference of its length.
        let slow = mark(t0 + Duration::from_secs(1), 1_001_500_000, 600);
        assert!(!clock_jumped(&before, &slow));
        // Redis advanced ten seconds while we advanced one: a jump forward.
        let jump = mark(t0 + Duration::from_secs(1), 1_011_000_000, 2);
        assert!(clock_jumped(&before, &jump));
        // A jump back is not one forward (the script clamps what lies too far ahead).
        let back = mark(t0 + Duration::from_secs(1), 990_000_000, 2);
        assert!(!clock_jumped(&before, &back));
    }

    #[test]
    fn the_horizon_leaves_room_for_a_full_window_of_pending_slots() {
        assert!(SLOT_HORIZON > Duration::from_secs(1) + WINDOW_SLACK);
    }
}
