//! Per-location rate limiting over a sliding one-second window (every token of a
//! location counts against one window, as Apple's 9646 "too many requests for the
//! current Organization" says:
//! <https://developer.apple.com/documentation/devicemanagement/handling-error-responses>),
//! with observations that tests of a client's own throttling can assert on.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// What the simulator observed for one location (all its tokens).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateStats {
    /// Requests that ARRIVED with one of the location's tokens (admitted or refused).
    pub requests: usize,
    /// Most requests that ARRIVED (admitted or refused) within any one-second window.
    pub max_in_any_second: usize,
    /// Requests refused with 429 / 9646.
    pub refused: usize,
    /// Most requests being handled at the same time.
    pub max_in_flight: usize,
    /// Requests being handled now.
    pub in_flight: usize,
}

#[derive(Debug, Default)]
struct Tracker {
    admitted: VecDeque<Instant>,
    arrived: VecDeque<Instant>,
    stats: RateStats,
}

fn trim(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        q.pop_front();
    }
}

/// All trackers, keyed by location uid (whichever token a request presents).
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    trackers: Mutex<HashMap<String, Tracker>>,
}

/// Decrements a location's in-flight count when the request is done.
#[derive(Debug)]
pub(crate) struct InFlight {
    limiter: Arc<RateLimiter>,
    uid: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut t) = self.limiter.trackers.lock() {
            if let Some(tr) = t.get_mut(&self.uid) {
                tr.stats.in_flight = tr.stats.in_flight.saturating_sub(1);
            }
        }
    }
}

impl RateLimiter {
    /// Counts an arriving request; `Ok` with an in-flight guard when admitted, `Err` when
    /// `limit` requests were already admitted in the last second. Refused requests do not
    /// use up the window (so a client that backs off recovers after a second).
    pub fn admit(self: &Arc<Self>, uid: &str, limit: u32) -> Result<InFlight, ()> {
        let now = Instant::now();
        let mut all = self.trackers.lock().unwrap_or_else(|p| p.into_inner());
        let tr = all.entry(uid.to_string()).or_default();
        trim(&mut tr.arrived, now);
        trim(&mut tr.admitted, now);
        tr.arrived.push_back(now);
        tr.stats.requests += 1;
        tr.stats.max_in_any_second = tr.stats.max_in_any_second.max(tr.arrived.len());
        if tr.admitted.len() >= limit as usize {
            tr.stats.refused += 1;
            return Err(());
        }
        tr.admitted.push_back(now);
        tr.stats.in_flight += 1;
        tr.stats.max_in_flight = tr.stats.max_in_flight.max(tr.stats.in_flight);
        Ok(InFlight {
            limiter: Arc::clone(self),
            uid: uid.to_string(),
        })
    }

    /// The observations for a location (zeros if it was never called).
    pub fn stats(&self, uid: &str) -> RateStats {
        let all = self.trackers.lock().unwrap_or_else(|p| p.into_inner());
        all.get(uid).map(|t| t.stats).unwrap_or_default()
    }

    /// Forgets the observations and the one-second windows of every location: after a
    /// reset the next requests are admitted as if none had come before (requests still
    /// being handled stay counted in flight).
    pub fn reset(&self) {
        let mut all = self.trackers.lock().unwrap_or_else(|p| p.into_inner());
        for t in all.values_mut() {
            let in_flight = t.stats.in_flight;
            t.admitted.clear();
            t.arrived.clear();
            t.stats = RateStats {
                in_flight,
                ..RateStats::default()
            };
        }
    }
}
