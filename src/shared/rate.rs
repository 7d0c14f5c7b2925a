//! Requests per second per location token, across every concurrent call of one client.
//!
//! Apple counts requests per token in any one-second window (`maxRequestPerSecond`). A
//! token bucket that starts full lets N requests go at once and N more within the same
//! second, twice the limit in one window, so requests are spaced evenly instead: one
//! every `(1 s + WINDOW_SLACK) / N` ([`spacing`]), which keeps any one-second window at N
//! at most as long as no request arrives more than [`WINDOW_SLACK`] later, relative to
//! the one N places before it, than it left.
//!
//! The spacing is kept by [`Gcra`], a generic cell rate algorithm with a burst of 1 of this
//! crate's own: one theoretical arrival time per token. It is the same algorithm, step for
//! step, as the Lua script of the shared budget on Redis
//! ([`RequestBudget`](super::budget::RequestBudget)), so one process and a fleet pace
//! alike. It replaced the `governor` crate's limiter because governor's quota is fixed when
//! the limiter is made: when Apple's limit changed, a fresh limiter had to be made, and it
//! let the next request go at once, however recently the last one left. Here the rate is an
//! argument of each step, and the last slot is kept across a change: the next request waits
//! the NEW interval after the last one.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::keys::TokenId;

/// Apple's per-token limit when the service configuration gives none: 15 requests a
/// second.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND: u32 = 15;

/// The rate a client keeps to until it has read Apple's limit from the service
/// configuration, 5 requests a second: a third of Apple's documented default, so that a location whose limit
/// Apple lowered does not see a 429 from the first requests of a fresh client.
pub const UNKNOWN_LIMIT_REQUESTS_PER_SECOND: u32 = 5;

/// Spare time in every one-second window, 100 ms: N requests are spread over `1 s +
/// WINDOW_SLACK`, so a request may arrive up to this much later than the one N places
/// before it (a busy scheduler, a slow hop) and the window still holds N. Chosen from a
/// measurement (README, "Reliability"; the ignored test `pacing_bunching` in
/// `tests/client/client_rate.rs`): the worst bunching on a loaded 2-core machine was 60 ms,
/// more than the former margin of 5 % of the interval (50 ms per window).
pub const WINDOW_SLACK: Duration = Duration::from_millis(100);

/// How late after its slot a request may still leave. A request that could not leave by
/// then (its caller did not poll it, the machine was busy, the budget's store answered
/// slowly) takes a new slot instead: the window's slack is kept for what happens after
/// the request left (the hop to Apple).
pub const MAX_LATENESS: Duration = Duration::from_millis(40);

/// How many times one request takes a new slot because it could not leave in time,
/// before it leaves late all the same (a runtime so starved that no timer fires in time
/// must not hold a request for ever).
pub(crate) const MAX_RETAKES: u32 = 20;

/// The interval between two requests of one location at `rate` requests per second.
pub fn spacing(rate: u32) -> Duration {
    (Duration::from_secs(1) + WINDOW_SLACK) / rate.max(1)
}

/// The caller's ceiling on Apple's rate.
pub(crate) struct RateLimit {
    /// The caller's ceiling
    /// ([`VppClientBuilder::max_requests_per_second`](crate::client::VppClientBuilder::max_requests_per_second)).
    ceiling: Option<u32>,
}

impl RateLimit {
    pub(crate) fn new(ceiling: Option<u32>) -> Self {
        Self { ceiling }
    }

    /// The rate in force given Apple's limit (when known).
    pub(crate) fn rate(&self, apple: Option<u32>) -> u32 {
        let apple = apple
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_MAX_REQUESTS_PER_SECOND);
        self.ceiling.map_or(apple, |c| c.min(apple)).max(1)
    }

    /// The rate before Apple's limit is known: the caller's ceiling (within Apple's
    /// documented default), or [`UNKNOWN_LIMIT_REQUESTS_PER_SECOND`] without one.
    pub(crate) fn rate_before_config(&self) -> u32 {
        match self.ceiling {
            Some(_) => self.rate(None),
            None => UNKNOWN_LIMIT_REQUESTS_PER_SECOND,
        }
    }
}

/// Keys kept before the limiter drops those whose slot is long past.
const PRUNE_ABOVE: usize = 1024;

/// One theoretical arrival time per key: GCRA with a burst of 1 (see the module docs).
#[derive(Debug)]
pub(crate) struct Gcra<K = TokenId> {
    /// The slot given to the last request of each key.
    last: Mutex<HashMap<K, Instant>>,
}

impl<K> Default for Gcra<K> {
    fn default() -> Self {
        Self {
            last: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Copy + Eq + Hash> Gcra<K> {
    /// Reserves the next slot for `key`: at `now`, or `spacing` after the last slot,
    /// whichever is later. Returns how long to wait until that slot. Reservations are
    /// first come, first served.
    pub(crate) fn reserve(&self, key: &K, spacing: Duration, now: Instant) -> Duration {
        self.reserve_all(std::slice::from_ref(key), spacing, now) - now
    }

    /// Reserves one slot shared by every key of `keys`: no earlier than `now`, and
    /// `spacing` after the last slot of each; the slot is recorded for all of them.
    /// Returns the slot.
    pub(crate) fn reserve_all(&self, keys: &[K], spacing: Duration, now: Instant) -> Instant {
        let mut last = self.lock(now);
        let slot = keys
            .iter()
            .filter_map(|key| last.get(key))
            .map(|&previous| previous + spacing)
            .fold(now, Instant::max);
        for key in keys {
            last.insert(*key, slot);
        }
        slot
    }

    /// Records that a request of `keys` takes the slot `at` (taken elsewhere, e.g. on
    /// Redis): the next local slot is no earlier than `at` plus the spacing.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis budget's
    pub(crate) fn note(&self, keys: &[K], at: Instant) {
        let mut last = self.lock(at);
        for key in keys {
            let entry = last.entry(*key).or_insert(at);
            *entry = (*entry).max(at);
        }
    }

    fn lock(&self, now: Instant) -> std::sync::MutexGuard<'_, HashMap<K, Instant>> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.len() > PRUNE_ABOVE {
            // A slot more than a second old constrains nothing at any rate of at least 1/s.
            last.retain(|_, slot| now.saturating_duration_since(*slot) < Duration::from_secs(2));
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(n: u8) -> TokenId {
        TokenId::from_bytes([n; 32])
    }

    #[test]
    fn the_rate_is_apples_unless_the_caller_lowers_it() {
        assert_eq!(RateLimit::new(None).rate(None), 15);
        assert_eq!(RateLimit::new(None).rate(Some(10)), 10);
        assert_eq!(RateLimit::new(None).rate(Some(0)), 15);
        assert_eq!(RateLimit::new(Some(5)).rate(Some(10)), 5);
        assert_eq!(RateLimit::new(Some(50)).rate(Some(10)), 10);
        assert_eq!(RateLimit::new(Some(50)).rate(None), 15);
    }

    #[test]
    fn before_apples_limit_is_known_the_rate_is_safe_or_the_callers() {
        assert_eq!(RateLimit::new(None).rate_before_config(), 5);
        assert_eq!(RateLimit::new(Some(10)).rate_before_config(), 10);
        assert_eq!(RateLimit::new(Some(50)).rate_before_config(), 15);
    }

    #[test]
    fn requests_are_spaced_evenly_and_first_come_first_served() {
        let gcra = Gcra::<TokenId>::default();
        let t0 = Instant::now();
        let step = spacing(10);
        assert_eq!(step, Duration::from_millis(110));
        assert_eq!(gcra.reserve(&token(1), step, t0), Duration::ZERO);
        assert_eq!(gcra.reserve(&token(1), step, t0), step);
        assert_eq!(gcra.reserve(&token(1), step, t0), step * 2);
        // Another token has its own spacing.
        assert_eq!(gcra.reserve(&token(2), step, t0), Duration::ZERO);
        // After a quiet spell the next request goes at once.
        assert_eq!(
            gcra.reserve(&token(1), step, t0 + Duration::from_secs(5)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_lower_rate_makes_the_next_request_wait_the_new_interval_after_the_last() {
        let gcra = Gcra::<TokenId>::default();
        let t0 = Instant::now();
        assert_eq!(gcra.reserve(&token(1), spacing(10), t0), Duration::ZERO);
        // Apple's limit drops to 5 per second 10 ms later.
        let wait = gcra.reserve(&token(1), spacing(5), t0 + Duration::from_millis(10));
        assert_eq!(wait, spacing(5) - Duration::from_millis(10));
    }

    #[test]
    fn a_higher_rate_shortens_the_wait_from_the_last_slot() {
        let gcra = Gcra::<TokenId>::default();
        let t0 = Instant::now();
        gcra.reserve(&token(1), spacing(2), t0);
        assert_eq!(gcra.reserve(&token(1), spacing(10), t0), spacing(10));
    }

    #[test]
    fn a_slot_shared_by_several_keys_follows_the_latest_of_them() {
        let gcra = Gcra::<TokenId>::default();
        let t0 = Instant::now();
        let step = spacing(10);
        gcra.reserve(&token(1), step, t0);
        gcra.reserve(&token(1), step, t0);
        // Key 2 is new, key 1 has a slot at t0 + step: the shared slot follows key 1's.
        let slot = gcra.reserve_all(&[token(2), token(1)], step, t0);
        assert_eq!(slot, t0 + step * 2);
        // Both keys now hold that slot.
        assert_eq!(gcra.reserve(&token(2), step, t0), step * 3);
        // A slot taken elsewhere moves the next local one after it.
        gcra.note(&[token(3)], t0 + step * 5);
        assert_eq!(gcra.reserve(&token(3), step, t0), step * 6);
    }

    #[test]
    fn n_evenly_spaced_requests_span_more_than_a_second_by_the_slack() {
        for rate in [1, 5, 10, 15, 100] {
            let span = spacing(rate) * rate;
            assert!(span >= Duration::from_secs(1) + WINDOW_SLACK - Duration::from_micros(1));
        }
    }
}
