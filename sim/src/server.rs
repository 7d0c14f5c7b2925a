//! Starting and stopping the simulator, and the handle tests use to look at and steer it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::counters::{Counters, RequestCounters, RequestCounts, TokenId};
use crate::devkey::DevKey;
use crate::model::{Location, World};
use crate::notify::{NotificationRecord, Notifier};
use crate::ratelimit::{RateLimiter, RateStats};
use crate::scenario::{FaultSpec, MdmInfo, RandomFaults, Scenario, ScenarioError};
use crate::shared::{
    ArmedFault, MAX_RECORDED_REQUESTS, RandomDraw, RecordedRequest, RequestLog, Shared, lock,
};
use crate::token_files;

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Where to listen (default `127.0.0.1:0`: a free loopback port).
    pub listen: SocketAddr,
    /// Allow a non-loopback `listen` address (default false: refused).
    pub allow_non_loopback: bool,
    /// Write each location's token as `<dir>/<uId>.vpptoken` (created at mode 0600 and
    /// renamed into place; a renewed token is written there too).
    pub token_dir: Option<PathBuf>,
    /// Allow notification URLs on hosts other than loopback (default false: such a URL is
    /// refused with 9728, as an unreachable one).
    pub allow_remote_notifications: bool,
    /// Faults drawn at random; overrides the scenario's `random_faults` when set.
    pub random_faults: Option<RandomFaults>,
    /// The most request details kept (default [`MAX_RECORDED_REQUESTS`](crate::MAX_RECORDED_REQUESTS),
    /// also the largest accepted); the oldest are dropped first, the counters stay exact.
    pub max_recorded_requests: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_non_loopback: false,
            token_dir: None,
            allow_remote_notifications: false,
            random_faults: None,
            max_recorded_requests: MAX_RECORDED_REQUESTS,
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A non-loopback address without `allow_non_loopback`.
    #[error(
        "refusing to listen on non-loopback address {0}: this is a test tool (allow it explicitly)"
    )]
    NonLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A token file could not be written.
    #[error("cannot write token file {path}: {source}")]
    TokenDir {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The notification HTTP client could not be built.
    #[error("cannot build the notification client: {0}")]
    Client(String),
}

/// The simulator (use [`Simulator::start`]).
#[derive(Debug)]
pub struct Simulator;

/// A running simulator. Dropping it stops the server too; [`RunningSimulator::shutdown`]
/// also waits for it.
pub struct RunningSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

fn default_other() -> MdmInfo {
    MdmInfo {
        id: "other-mdm".into(),
        name: "Other MDM".into(),
        metadata: "other-mdm.example.com".into(),
    }
}

impl Simulator {
    /// Validates the scenario, binds the address, writes token files if asked and spawns
    /// the server on the current tokio runtime.
    pub async fn start(
        scenario: Scenario,
        options: SimOptions,
    ) -> Result<RunningSimulator, SimError> {
        scenario.validate()?;
        if let Some(r) = &options.random_faults {
            r.validate()?;
        }
        if !options.listen.ip().is_loopback() && !options.allow_non_loopback {
            return Err(SimError::NonLoopback(options.listen));
        }
        let world = build_world(&scenario);
        let developer = developer_key(&scenario)?;
        if let Some(dir) = &options.token_dir {
            write_token_files(dir, &world)?;
            write_developer_key(dir, &developer)?;
        }
        let (listener, addr) = bind(options.listen).await?;
        let (stop, stop_rx) = watch::channel(false);
        let shared = Arc::new(shared_state(
            scenario,
            &options,
            world,
            addr,
            stop_rx.clone(),
            developer,
        )?);
        schedule_claims_by_other(&shared);
        let server = spawn_server(listener, Arc::clone(&shared), stop_rx);
        Ok(RunningSimulator {
            shared,
            addr,
            stop,
            server: Some(server),
        })
    }
}

/// The world at start: one location per scenario location.
fn build_world(scenario: &Scenario) -> World {
    World {
        locations: scenario
            .locations
            .iter()
            .enumerate()
            .map(|(i, l)| Location::from_spec(l, i))
            .collect(),
        next_event: 0,
    }
}

/// Writes each location's token as `<dir>/<uId>.vpptoken`.
fn write_token_files(dir: &Path, world: &World) -> Result<(), SimError> {
    for loc in &world.locations {
        write_token_file(dir, &loc.uid, &loc.credential)?;
    }
    Ok(())
}

/// The scenario's developer key, or a fresh key pair.
fn developer_key(scenario: &Scenario) -> Result<DevKey, SimError> {
    let (team, kid) = (&scenario.developer_team_id, &scenario.developer_key_id);
    match &scenario.developer_key {
        Some(pem) => DevKey::from_pem(pem, team, kid),
        None => DevKey::generate(team, kid),
    }
    .map_err(|e| SimError::Scenario(ScenarioError::Invalid(e)))
}

/// Writes the developer key's private half as `<dir>/AuthKey_<key id>.p8`, readable by
/// its owner only (mode 0600 on Unix), as the token files are written.
fn write_developer_key(dir: &Path, key: &DevKey) -> Result<(), SimError> {
    let name = developer_key_file_name(&key.key_id);
    token_files::write_file(dir, &name, &key.pem)
        .map(|_| ())
        .map_err(|source| SimError::TokenDir {
            path: dir.join(name),
            source,
        })
}

/// `AuthKey_<key id>.p8`, as Apple names the file it lets you download.
pub(crate) fn developer_key_file_name(key_id: &str) -> String {
    format!("AuthKey_{key_id}.p8")
}

fn write_token_file(dir: &Path, uid: &str, credential: &str) -> Result<(), SimError> {
    token_files::write(dir, uid, credential)
        .map(|_| ())
        .map_err(|source| SimError::TokenDir {
            path: token_files::token_path(dir, uid),
            source,
        })
}

/// Binds the listener and reports the address it got (a free port for port 0).
async fn bind(listen: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), SimError> {
    let bind_error = |source| SimError::Bind {
        addr: listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    Ok((listener, addr))
}

/// The state the handlers and the handle share.
fn shared_state(
    scenario: Scenario,
    options: &SimOptions,
    world: World,
    addr: SocketAddr,
    shutdown: watch::Receiver<bool>,
    developer: DevKey,
) -> Result<Shared, SimError> {
    let notifier = Notifier::new(
        Duration::from_millis(scenario.notification_retry_delay_ms),
        scenario.duplicate_notifications,
    )
    .map_err(|e| SimError::Client(e.to_string()))?;
    let faults = scenario
        .faults
        .iter()
        .cloned()
        .map(ArmedFault::new)
        .collect();
    let random = options
        .random_faults
        .clone()
        .or_else(|| scenario.random_faults.clone())
        .map(RandomDraw::new);
    Ok(Shared {
        world: Mutex::new(world),
        faults: Mutex::new(faults),
        random_faults: random,
        config: scenario,
        origin: format!("http://{addr}"),
        started: Instant::now(),
        requests: Mutex::new(RequestLog::new(
            options.max_recorded_requests.min(MAX_RECORDED_REQUESTS),
        )),
        counters: RequestCounters::default(),
        examined: AtomicU64::new(0),
        allow_remote_notifications: options.allow_remote_notifications,
        token_dir: options.token_dir.clone(),
        rate: Arc::new(RateLimiter::default()),
        notifier,
        shutdown,
        developer,
    })
}

/// Spawns the timers of the scenario's `claim_by_other_at_ms`.
fn schedule_claims_by_other(shared: &Arc<Shared>) {
    for spec in &shared.config.locations {
        if let Some(ms) = spec.claim_by_other_at_ms {
            let s = Arc::clone(shared);
            let uid = spec.uid.clone();
            let info = spec.other_mdm_info.clone().unwrap_or_else(default_other);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                s.claim_as_other(&uid, info);
            });
        }
    }
}

/// Serves until the stop signal, then shuts down gracefully.
fn spawn_server(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let app = crate::routes::router(shared);
    tokio::spawn(async move {
        let done = async move {
            let _ = stop.wait_for(|v| *v).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(done)
            .await
        {
            eprintln!("apple-vpp-sim: server error: {e}");
        }
    })
}

impl RunningSimulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The v2 base URL, `http://HOST:PORT/mdm/v2` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}/mdm/v2", self.shared.origin)
    }

    /// The v1 base URL, `http://HOST:PORT/mdm/` (with the trailing slash).
    pub fn v1_base_url(&self) -> String {
        format!("{}/mdm/", self.shared.origin)
    }

    /// The metadata catalog's base URL, `http://HOST:PORT/v1/` (with the trailing slash;
    /// Apple's is `https://api.ent.apple.com/v1/`).
    pub fn metadata_base_url(&self) -> String {
        format!("{}/v1/", self.shared.origin)
    }

    /// The developer key's private half, `.p8` text (PKCS#8 PEM, EC P-256): sign
    /// developer tokens with it. A test key; never use it for anything real.
    pub fn developer_key_pem(&self) -> String {
        self.shared.developer.pem.clone()
    }

    /// The team id developer tokens must carry (`iss`).
    pub fn developer_team_id(&self) -> String {
        self.shared.developer.team_id.clone()
    }

    /// The key id developer tokens must carry (`kid`).
    pub fn developer_key_id(&self) -> String {
        self.shared.developer.key_id.clone()
    }

    /// The bearer credential of a location: the whole `.vpptoken` file content.
    pub fn token(&self, uid: &str) -> Option<String> {
        self.shared
            .world()
            .location(uid)
            .map(|l| l.credential.clone())
    }

    /// The `.vpptoken` file content of a location (same as [`RunningSimulator::token`]:
    /// Apple's credential is the whole file).
    pub fn token_file_content(&self, uid: &str) -> Option<String> {
        self.token(uid)
    }

    /// The details of the requests received so far, in arrival order: the last
    /// [`MAX_RECORDED_REQUESTS`](crate::MAX_RECORDED_REQUESTS) only, paths cut to
    /// [`MAX_RECORDED_PATH`](crate::MAX_RECORDED_PATH) bytes. Exact totals:
    /// [`RunningSimulator::counters`].
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorded()
    }

    /// Forgets the recorded requests, the counters, the rate observations and the rate
    /// limit's one-second windows: the next requests are admitted (and counted) as if none
    /// had come before, so a test that resets between phases does not inherit a 429 from
    /// the phase before.
    pub fn clear_requests(&self) {
        self.shared.clear_recorded();
        self.shared.counters.reset();
        self.shared.rate.reset();
    }

    /// The whole state, for comparing an MDM's database with it: every location's assets
    /// with their counts, its assignments and its user records, in a stable order (see
    /// [`StateDump`](crate::StateDump)). `serde_json::to_string(&sim.dump())` gives the
    /// same JSON as the binary's `dump` command.
    pub fn dump(&self) -> crate::dump::StateDump {
        crate::dump::dump(&self.shared.world())
    }

    /// Exact request counts (requests, refused, most in any second), in total and per
    /// token, however many request details were dropped.
    pub fn counters(&self) -> Counters {
        self.shared.counters.snapshot()
    }

    /// The counts of one token (a credential, e.g. from [`RunningSimulator::token`]): the
    /// requests that presented it, the rate limit's refusals of it, and the most that
    /// arrived in any one second. Zeros for a token never presented.
    pub fn counts_for_token(&self, token: &str) -> RequestCounts {
        self.shared.counters.for_token(TokenId::of(token))
    }

    /// Stored records (assignments, users, assets) read by list requests so far: the cost
    /// of serving pages, which for an unfiltered page is about the page's size, not the
    /// location's.
    pub fn records_examined(&self) -> u64 {
        self.shared.examined.load(Ordering::Relaxed)
    }

    /// A renewed token for the location, as downloading a new one from Apple Business
    /// Manager gives: a new credential expiring a year from now; the old one stops
    /// working (9622). Written to the token directory if there is one (a failure to write
    /// it goes to stderr; the renewal stands). `None`: unknown uid.
    pub fn renew_token(&self, uid: &str) -> Option<String> {
        let credential = self.shared.world().location_mut(uid)?.renew_token();
        if let Some(dir) = &self.shared.token_dir {
            if let Err(e) = write_token_file(dir, uid, &credential) {
                eprintln!("apple-vpp-sim: {e}");
            }
        }
        Some(credential)
    }

    /// Every notification sent (or attempted) so far, in completion order.
    pub fn notifications_sent(&self) -> Vec<NotificationRecord> {
        self.shared.notifier.records()
    }

    /// Rate and concurrency observations for a location's credential.
    pub fn rate_stats(&self, uid: &str) -> RateStats {
        self.shared.rate.stats(uid)
    }

    /// Arms a fault at run time (same meaning as a scenario `faults` entry).
    pub fn inject_fault(&self, fault: FaultSpec) {
        lock(&self.shared.faults).push(ArmedFault::new(fault));
    }

    /// Another MDM claims the location now: it writes `mdm_info` as its `mdmInfo`, or, on a
    /// legacy location, as the v1 `clientContext` `{"hostname": metadata, "guid": id}`.
    /// `false`: unknown uid.
    pub fn claim_as_other(&self, uid: &str, mdm_info: MdmInfo) -> bool {
        self.shared.claim_as_other(uid, mdm_info)
    }

    /// The location's current `mdmInfo`.
    pub fn mdm_info(&self, uid: &str) -> Option<MdmInfo> {
        self.shared.world().location(uid)?.mdm_info.clone()
    }

    /// Revokes (or un-revokes) the location's token. `false`: unknown uid.
    pub fn set_revoked(&self, uid: &str, revoked: bool) -> bool {
        self.with_location(uid, |l| l.revoked = revoked)
    }

    /// Moves the token's expiry (in the past: 9621 from now on). `false`: unknown uid.
    pub fn set_token_expires(&self, uid: &str, at: DateTime<FixedOffset>) -> bool {
        self.with_location(uid, |l| l.expires = at)
    }

    /// `(assignedCount, availableCount, retiredCount, totalCount)` of an asset.
    pub fn asset_counts(
        &self,
        uid: &str,
        adam_id: &str,
        pricing_param: &str,
    ) -> Option<(u64, u64, u64, u64)> {
        let w = self.shared.world();
        let loc = w.location(uid)?;
        let a = &loc.assets[loc.asset_index(adam_id, pricing_param)?];
        Some((a.assigned, a.available(), a.retired, a.total_count()))
    }

    /// Changes an asset's licensed total (a purchase or a transfer) and sends ASSET_COUNT
    /// with `countDelta` to a subscribed location. `false`: unknown location or asset.
    pub fn set_asset_total(
        &self,
        uid: &str,
        adam_id: &str,
        pricing_param: &str,
        total: u64,
    ) -> bool {
        let dest;
        let payload;
        {
            let mut w = self.shared.world();
            let Some(loc) = w.location_mut(uid) else {
                return false;
            };
            let Some(i) = loc.asset_index(adam_id, pricing_param) else {
                return false;
            };
            let delta = total as i64 - loc.assets[i].total as i64;
            loc.assets[i].total = total;
            loc.bump();
            payload = serde_json::json!({
                "adamId": adam_id, "countDelta": delta, "pricingParam": pricing_param,
            });
            dest = crate::request::destination(loc, "ASSET_COUNT");
        }
        if let Some(d) = dest {
            let s = Arc::clone(&self.shared);
            tokio::spawn(async move {
                s.notifier
                    .send_all(&d, vec![("ASSET_COUNT", payload)])
                    .await
            });
        }
        true
    }

    /// The user accepts the invitation with an Apple Account now, as a person following
    /// the invitation link would: the active record of `client_user_id` becomes
    /// `Associated` with an `idHash`, and a subscribed location gets a `USER_ASSOCIATED`
    /// notification. `false`: unknown location, no active record, or already associated.
    pub fn accept_invitation(&self, uid: &str, client_user_id: &str) -> bool {
        use base64::Engine as _;
        let dest;
        let payload;
        {
            let mut w = self.shared.world();
            let Some(loc) = w.location_mut(uid) else {
                return false;
            };
            let Some(i) = loc.active_user(client_user_id) else {
                return false;
            };
            if loc.users[i].id_hash.is_some() {
                return false;
            }
            let version = loc.bump();
            let seed = format!("{uid}|{client_user_id}|{i}|apple-account");
            let hash = [
                crate::model::fnv(&seed),
                crate::model::fnv(&format!("{seed}|2")),
            ];
            let bytes: Vec<u8> = hash.iter().flat_map(|h| h.to_be_bytes()).collect();
            let user = &mut loc.users[i];
            user.id_hash = Some(base64::engine::general_purpose::STANDARD.encode(&bytes[..15]));
            user.version = version;
            payload = serde_json::json!({"associatedUsers": [user.json()]});
            dest = crate::request::destination(loc, "USER_ASSOCIATED");
        }
        if let Some(d) = dest {
            let s = Arc::clone(&self.shared);
            tokio::spawn(async move {
                s.notifier
                    .send_all(&d, vec![("USER_ASSOCIATED", payload)])
                    .await
            });
        }
        true
    }

    fn with_location(&self, uid: &str, f: impl FnOnce(&mut Location)) -> bool {
        let mut w = self.shared.world();
        match w.location_mut(uid) {
            Some(l) => {
                f(l);
                true
            }
            None => false,
        }
    }

    /// Stops the server (ending hanging requests) and waits for it.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }
}

impl std::fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSimulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
