//! State shared by the handlers and the [`crate::RunningSimulator`] handle: the world, the
//! request records and the armed faults.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::counters::RequestCounters;
use crate::devkey::DevKey;
use crate::model::World;
use crate::notify::Notifier;
use crate::ratelimit::RateLimiter;
use crate::scenario::{FaultKind, FaultSpec, MdmInfo, RandomFaults, Scenario};

/// The most request details kept, 10,000: older ones are dropped first (the counters stay exact).
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
/// The longest path (and query) kept in a request's details, in bytes (256); longer ones are cut.
pub const MAX_RECORDED_PATH: usize = 256;

/// One request the simulator received. Holds no credential: only the location it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`…
    pub method: String,
    /// The path, e.g. `/mdm/v2/assets` (cut to [`MAX_RECORDED_PATH`] bytes).
    pub path: String,
    /// The raw query string, if any (cut to [`MAX_RECORDED_PATH`] bytes).
    pub query: Option<String>,
    /// When it arrived, since the simulator started.
    pub at: Duration,
    /// The location whose credential it carried (if it matched one).
    pub location_uid: Option<String>,
    /// Whether it passed authentication (credential valid, not expired, not revoked,
    /// not rate limited).
    pub authorized: bool,
    /// The HTTP status answered (0 while still being handled).
    pub status: u16,
    /// The injected fault that answered it, if any.
    pub fault: Option<FaultKind>,
}

/// Set by handlers on their response: which location the credential matched and whether
/// the request was authorized. Read by the recorder; never holds the credential.
#[derive(Debug, Clone)]
pub(crate) struct AuthNote {
    pub uid: Option<String>,
    pub authorized: bool,
}

/// `assets`, `/mdm/v2/assets`, `mdm/v2/assets/` all name the same route (the metadata
/// catalog's paths keep their `v1/` prefix: `v1/catalog/us/stoken-authenticated-apps`).
pub(crate) fn normalize(path: &str) -> String {
    let p = path.trim().trim_matches('/');
    let p = p.strip_prefix("mdm/v2/").unwrap_or(p);
    let p = p.strip_prefix("mdm/").unwrap_or(p);
    p.to_string()
}

/// Faults drawn at random: the configuration and the generator's state (SplitMix64).
pub(crate) struct RandomDraw {
    pub config: RandomFaults,
    paths: Vec<String>,
    state: Mutex<u64>,
}

impl RandomDraw {
    pub fn new(config: RandomFaults) -> Self {
        RandomDraw {
            paths: config.paths.iter().map(|p| normalize(p)).collect(),
            state: Mutex::new(config.seed),
            config,
        }
    }

    /// A number in `0..1`, the next of the seeded sequence.
    fn next(&self) -> f64 {
        let mut st = lock(&self.state);
        *st = st.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *st;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault this request meets, if any (one draw per request to a covered path).
    pub fn draw(&self, path: &str) -> Option<FaultSpec> {
        if !self.paths.is_empty() && !self.paths.iter().any(|p| p == path) {
            return None;
        }
        let x = self.next();
        let mut edge = 0.0;
        for (kind, rate) in self.config.rates() {
            edge += rate;
            if x < edge {
                let mut spec = FaultSpec::new(path, 1, kind);
                spec.slow_ms = Some(self.config.slow_ms);
                return Some(spec);
            }
        }
        None
    }
}

/// Cuts a recorded path or query to [`MAX_RECORDED_PATH`] bytes (on a character boundary).
fn cut(s: &str) -> String {
    if s.len() <= MAX_RECORDED_PATH {
        return s.to_string();
    }
    let mut end = MAX_RECORDED_PATH;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The request details kept: the last [`MAX_RECORDED_REQUESTS`], each with a sequence
/// number so a request can be completed after older ones were dropped.
#[derive(Debug)]
pub(crate) struct RequestLog {
    /// Sequence number of `details[0]`.
    first: u64,
    details: VecDeque<RecordedRequest>,
    max: usize,
}

impl RequestLog {
    pub fn new(max: usize) -> Self {
        RequestLog {
            first: 0,
            details: VecDeque::new(),
            max,
        }
    }
}

/// An armed fault.
#[derive(Debug, Clone)]
pub(crate) struct ArmedFault {
    pub path: String,
    pub remaining: u32,
    pub spec: FaultSpec,
}

impl ArmedFault {
    pub fn new(spec: FaultSpec) -> Self {
        ArmedFault {
            path: normalize(&spec.path),
            remaining: spec.count,
            spec,
        }
    }
}

/// State shared by the handlers and the handle.
pub(crate) struct Shared {
    pub world: Mutex<World>,
    pub config: Scenario,
    pub origin: String,
    pub started: Instant,
    pub requests: Mutex<RequestLog>,
    pub counters: RequestCounters,
    pub faults: Mutex<Vec<ArmedFault>>,
    pub random_faults: Option<RandomDraw>,
    /// Records read by list requests (see `RunningSimulator::records_examined`).
    pub examined: AtomicU64,
    /// Notification URLs may name hosts other than loopback.
    pub allow_remote_notifications: bool,
    /// Where token files are written (also on renewal).
    pub token_dir: Option<PathBuf>,
    pub rate: Arc<RateLimiter>,
    pub notifier: Notifier,
    pub shutdown: watch::Receiver<bool>,
    /// The developer key the metadata catalog verifies tokens with.
    pub developer: DevKey,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// Records an arriving request; its sequence number completes it later.
    pub fn record_start(&self, method: &str, path: &str, query: Option<&str>) -> u64 {
        self.counters.arrive();
        let mut log = lock(&self.requests);
        if log.details.len() >= log.max {
            if log.details.pop_front().is_some() {
                log.first += 1;
            } else {
                return log.first;
            }
        }
        log.details.push_back(RecordedRequest {
            method: method.to_string(),
            path: cut(path),
            query: query.map(cut),
            at: self.started.elapsed(),
            location_uid: None,
            authorized: false,
            status: 0,
            fault: None,
        });
        log.first + log.details.len() as u64 - 1
    }

    pub fn record_end(
        &self,
        seq: u64,
        status: u16,
        note: Option<AuthNote>,
        fault: Option<FaultKind>,
    ) {
        if status == 429 {
            self.counters.refuse();
        }
        let mut log = lock(&self.requests);
        let Some(i) = seq.checked_sub(log.first) else {
            return;
        };
        if let Some(r) = log.details.get_mut(i as usize) {
            r.status = status;
            r.fault = fault;
            if let Some(n) = note {
                r.location_uid = n.uid;
                r.authorized = n.authorized;
            }
        }
    }

    /// The kept request details, oldest first.
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).details.iter().cloned().collect()
    }

    /// Forgets the request details (the sequence goes on).
    pub fn clear_recorded(&self) {
        let mut log = lock(&self.requests);
        log.first += log.details.len() as u64;
        log.details.clear();
    }

    /// Adds records read by a list request.
    pub fn count_examined(&self, n: u64) {
        self.examined.fetch_add(n, Ordering::Relaxed);
    }

    /// Takes one hit from the first armed fault for this (normalized) path.
    pub fn take_fault(&self, path: &str) -> Option<FaultSpec> {
        let mut faults = lock(&self.faults);
        let i = faults
            .iter()
            .position(|f| f.path == path && f.remaining > 0)?;
        faults[i].remaining -= 1;
        let spec = faults[i].spec.clone();
        if faults[i].remaining == 0 {
            faults.remove(i);
        }
        Some(spec)
    }

    /// The armed fault for this (normalized) path, else one drawn at random, if any.
    pub fn fault_for(&self, path: &str) -> Option<FaultSpec> {
        self.take_fault(path)
            .or_else(|| self.random_faults.as_ref()?.draw(path))
    }

    /// Waits `response_delay_ms` (simulated service latency).
    pub async fn response_delay(&self) {
        if self.config.response_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.config.response_delay_ms)).await;
        }
    }

    /// Another MDM claims a location: over v2 it overwrites `mdmInfo`; a legacy location
    /// (which v2 refuses) it claims over v1, writing the `clientContext` a v1 MDM writes,
    /// `{"hostname": <metadata>, "guid": <id>}`.
    pub fn claim_as_other(&self, uid: &str, info: MdmInfo) -> bool {
        let mut w = self.world();
        let Some(loc) = w.location_mut(uid) else {
            return false;
        };
        if loc.legacy {
            let context = serde_json::json!({"hostname": info.metadata, "guid": info.id});
            loc.client_context = Some(context.to_string());
        } else {
            loc.mdm_info = Some(info);
            loc.used_via_v2 = true;
        }
        loc.bump();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_paths_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_RECORDED_PATH);
        let c = cut(&long);
        assert!(c.len() <= MAX_RECORDED_PATH && c.len() >= MAX_RECORDED_PATH - 1);
        assert!(long.starts_with(&c));
        assert_eq!(cut("/mdm/v2/assets"), "/mdm/v2/assets");
    }
}
