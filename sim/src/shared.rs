//! State shared by the handlers and the [`crate::RunningSimulator`] handle: the world, the
//! request records and the armed faults.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::model::World;
use crate::notify::Notifier;
use crate::ratelimit::RateLimiter;
use crate::scenario::{FaultKind, FaultSpec, MdmInfo, Scenario};

/// One request the simulator received. Holds no credential: only the location it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`…
    pub method: String,
    /// The path, e.g. `/mdm/v2/assets`.
    pub path: String,
    /// The raw query string, if any.
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

/// `assets`, `/mdm/v2/assets`, `mdm/v2/assets/` all name the same route.
pub(crate) fn normalize(path: &str) -> String {
    let p = path.trim().trim_matches('/');
    let p = p.strip_prefix("mdm/v2/").unwrap_or(p);
    let p = p.strip_prefix("mdm/").unwrap_or(p);
    p.to_string()
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
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub faults: Mutex<Vec<ArmedFault>>,
    pub rate: Arc<RateLimiter>,
    pub notifier: Notifier,
    pub shutdown: watch::Receiver<bool>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    pub fn record_start(&self, method: &str, path: &str, query: Option<String>) -> usize {
        let mut r = lock(&self.requests);
        r.push(RecordedRequest {
            method: method.to_string(),
            path: path.to_string(),
            query,
            at: self.started.elapsed(),
            location_uid: None,
            authorized: false,
            status: 0,
            fault: None,
        });
        r.len() - 1
    }

    pub fn record_end(
        &self,
        id: usize,
        status: u16,
        note: Option<AuthNote>,
        fault: Option<FaultKind>,
    ) {
        if let Some(r) = lock(&self.requests).get_mut(id) {
            r.status = status;
            r.fault = fault;
            if let Some(n) = note {
                r.location_uid = n.uid;
                r.authorized = n.authorized;
            }
        }
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
