//! Requests per second per location token, across every concurrent call of one client.
//!
//! Apple counts requests per token in any one-second window
//! (`maxRequestPerSecond`). A token bucket that starts full lets N requests go at once
//! and N more within the same second, twice the limit in one window, so the limiter here
//! is the `governor` crate's GCRA with a burst of 1: requests are spaced evenly, one every
//! `1/N` s (plus a 5 % margin for jitter on the way), which keeps any one-second
//! window at N at most.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::token::VppToken;

/// Apple's per-token limit when the service configuration gives none.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND: u32 = 15;

/// Added to each interval (as a fraction of it, and at least [`MIN_MARGIN`]) so that
/// requests that leave evenly but travel at slightly different speeds, or wait for a busy
/// scheduler, still arrive within Apple's limit: at 10 per second, one every 107 ms.
const MARGIN_PERCENT: u32 = 5;
const MIN_MARGIN: Duration = Duration::from_millis(2);

pub(super) struct RateLimit {
    /// The caller's ceiling ([`super::VppClientBuilder::max_requests_per_second`]).
    ceiling: Option<u32>,
    /// Keyed by a hash of the credential (the credential itself is not kept here), with
    /// the rate each limiter was made for.
    limiters: Mutex<HashMap<u64, (u32, Arc<DefaultDirectRateLimiter>)>>,
    hasher: std::collections::hash_map::RandomState,
}

impl RateLimit {
    pub(super) fn new(ceiling: Option<u32>) -> Self {
        Self {
            ceiling,
            limiters: Mutex::new(HashMap::new()),
            hasher: Default::default(),
        }
    }

    /// The rate in force given Apple's limit (when known).
    pub(super) fn rate(&self, apple: Option<u32>) -> u32 {
        let apple = apple
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_MAX_REQUESTS_PER_SECOND);
        self.ceiling.map_or(apple, |c| c.min(apple)).max(1)
    }

    /// Waits until `token` may send one more request.
    pub(super) async fn acquire(&self, token: &VppToken, apple: Option<u32>) {
        let rate = self.rate(apple);
        let limiter = {
            let key = self.hasher.hash_one(token.expose_credential());
            let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
            let entry = map.entry(key).or_insert_with(|| (rate, limiter(rate)));
            if entry.0 != rate {
                *entry = (rate, limiter(rate));
            }
            entry.1.clone()
        };
        limiter.until_ready().await;
    }
}

fn limiter(rate: u32) -> Arc<DefaultDirectRateLimiter> {
    let even = Duration::from_secs(1) / rate;
    let interval = even + (even * MARGIN_PERCENT / 100).max(MIN_MARGIN);
    let quota = Quota::with_period(interval)
        .expect("the interval is positive")
        .allow_burst(NonZeroU32::MIN);
    Arc::new(RateLimiter::direct(quota))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_apples_unless_the_caller_lowers_it() {
        assert_eq!(RateLimit::new(None).rate(None), 15);
        assert_eq!(RateLimit::new(None).rate(Some(10)), 10);
        assert_eq!(RateLimit::new(None).rate(Some(0)), 15);
        assert_eq!(RateLimit::new(Some(5)).rate(Some(10)), 5);
        assert_eq!(RateLimit::new(Some(50)).rate(Some(10)), 10);
        assert_eq!(RateLimit::new(Some(50)).rate(None), 15);
    }
}
