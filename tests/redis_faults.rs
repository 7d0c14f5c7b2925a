//! The fleet's rate through Redis's faults, as the simulator counts it: three replicas
//! (three `VppClient`s, each in a thread with its own runtime and its own Redis
//! connection, sharing one `RedisBudget`) sync one location's users against the
//! simulator, each with a page handler that blocks 200 ms per page (a slow database
//! commit), while a real `redis-server` started here freezes, restarts empty, answers
//! slowly, fails over, or one replica is cut off from it.
//!
//! Each test asserts the simulator's count of requests in its busiest one-second window
//! for the location: at most Apple's rate (15) where the bound is proven, at most the
//! rate plus one replica's share where it is only measured (one replica cut off; see the
//! README, "Reliability"). The short forms run in `cargo test --all-features` (about 5 s
//! each); the long forms are ignored:
//!
//! ```text
//! cargo test --all-features --test redis_faults -- --ignored --test-threads 1
//! ```
#![cfg(feature = "redis")]

#[path = "common/redis_server.rs"]
mod redis_server;

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use apple_vpp::VppToken;
use apple_vpp::client::VppClient;
use apple_vpp::redis::{RedisBudget, RedisStore};
use apple_vpp_sim::{RateStats, RunningSimulator, Scenario, SimOptions, Simulator, UserSpec};
use redis_server::{CutProxy, RedisServer, serial};

/// Apple's documented `maxRequestPerSecond`.
const RATE: u32 = 15;
const REPLICAS: u32 = 3;
/// What each page costs the caller.
const HANDLER: Duration = Duration::from_millis(200);

/// The simulator in a runtime of its own, with one location of `users` users, one per
/// page.
struct Apple {
    runtime: tokio::runtime::Runtime,
    sim: Option<RunningSimulator>,
    uid: String,
}

impl Apple {
    fn start(users: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut scenario = Scenario {
            page_size: 1,
            max_requests_per_second: RATE,
            response_delay_ms: 20,
            ..Scenario::default()
        };
        scenario.locations[0].users = (0..users)
            .map(|i| UserSpec {
                client_user_id: format!("user-{i:03}"),
                email: None,
                managed_apple_id: None,
            })
            .collect();
        let uid = scenario.locations[0].uid.clone();
        let sim = runtime
            .block_on(Simulator::start(scenario, SimOptions::default()))
            .unwrap();
        Self {
            runtime,
            sim: Some(sim),
            uid,
        }
    }

    fn sim(&self) -> &RunningSimulator {
        self.sim.as_ref().unwrap()
    }

    fn stats(&self) -> RateStats {
        self.sim().rate_stats(&self.uid)
    }
}

impl Drop for Apple {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}

/// What one replica did.
#[derive(Debug, Default)]
struct Report {
    pages: u64,
    syncs: u64,
    /// Errors other than the end of the run (printed; a sync that fails is run again).
    errors: Vec<String>,
}

/// One replica: syncs the location's users again and again until `until`, blocking
/// `HANDLER` per page, its budget on Redis at `redis_url`.
fn replica(apple: &Apple, redis_url: String, call_timeout: Duration, until: Instant) -> JoinHandle<Report> {
    let base_url = apple.sim().base_url();
    let token: VppToken = apple.sim().token(&apple.uid).unwrap().parse().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let store = RedisStore::open(&redis_url)
                .unwrap()
                .with_prefix("fleet")
                .with_call_timeout(call_timeout);
            let budget = RedisBudget::new(store).expected_replicas(REPLICAS);
            let client = VppClient::builder()
                .base_url(base_url)
                .budget(Arc::new(budget))
                .build()
                .unwrap();
            let mut report = Report::default();
            while Instant::now() < until {
                let pages = &mut report.pages;
                let outcome = client
                    .sync_users(&token, None, |_| {
                        *pages += 1;
                        std::thread::sleep(HANDLER);
                        if Instant::now() < until { Ok(()) } else { Err("the run is over") }
                    })
                    .await;
                match outcome {
                    Ok(_) => report.syncs += 1,
                    Err(e) if e.handler_error().is_some() => break,
                    Err(e) => report.errors.push(e.to_string()),
                }
            }
            report
        })
    })
}

/// Runs the fleet for `run`, calling `fault` (in this thread) once it started; returns
/// what the simulator counted. Replica 0 goes through `proxy` when given.
fn fleet(
    redis_url: &str,
    proxy: Option<&CutProxy>,
    call_timeout: Duration,
    users: usize,
    run: Duration,
    fault: impl FnOnce(),
) -> RateStats {
    let apple = Apple::start(users);
    let until = Instant::now() + run;
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|i| {
            let url = match (i, proxy) {
                (0, Some(proxy)) => proxy.url(),
                _ => redis_url.to_owned(),
            };
            replica(&apple, url, call_timeout, until)
        })
        .collect();
    fault();
    let reports: Vec<_> = replicas.into_iter().map(|r| r.join().unwrap()).collect();
    let stats = apple.stats();
    eprintln!("the simulator counted {stats:?}; replicas: {reports:?}");
    let pages: u64 = reports.iter().map(|r| r.pages).sum();
    assert!(pages >= 10, "the fleet made progress: {reports:?}");
    stats
}

/// A Redis in use: the budget's epoch marker is there (on a fresh one the first slot
/// waits the horizon, see `tests/redis.rs`).
fn in_use(server: &RedisServer) -> String {
    server.command(&["SET", "fleet:rate:epoch", "1"]);
    server.url()
}

fn assert_within_rate(stats: RateStats) {
    assert!(
        stats.max_in_any_second <= RATE as usize,
        "at most {RATE} requests in any one-second window: {stats:?}"
    );
    assert_eq!(stats.refused, 0, "{stats:?}");
}

const SHORT: Duration = Duration::from_secs(5);
const LONG: Duration = Duration::from_secs(40);
const BOUND: Duration = Duration::from_millis(250);

fn normal(run: Duration) {
    let _serial = serial();
    let server = RedisServer::start();
    assert_within_rate(fleet(&in_use(&server), None, BOUND, 40, run, || {}));
}

#[test]
fn three_replicas_with_slow_page_handlers_keep_to_apples_rate() {
    normal(SHORT);
}

#[test]
#[ignore = "long form: 40 s"]
fn three_replicas_with_slow_page_handlers_keep_to_apples_rate_long() {
    normal(LONG);
}

fn freeze(run: Duration, times: u32) {
    let _serial = serial();
    let server = RedisServer::start();
    let stats = fleet(&in_use(&server), None, BOUND, 40, run, || {
        for _ in 0..times {
            std::thread::sleep(Duration::from_millis(1500));
            server.freeze_for(Duration::from_millis(1500));
        }
    });
    assert_within_rate(stats);
}

#[test]
fn the_rate_holds_through_a_redis_freeze() {
    freeze(SHORT + Duration::from_secs(1), 1);
}

#[test]
#[ignore = "long form: 40 s, a freeze every 3 s"]
fn the_rate_holds_through_redis_freezes_long() {
    freeze(LONG, 12);
}

fn restart(run: Duration, times: u32) {
    let _serial = serial();
    let mut server = RedisServer::start();
    let stats = fleet(&in_use(&server), None, BOUND, 40, run, || {
        for _ in 0..times {
            std::thread::sleep(Duration::from_millis(1500));
            server.restart_empty();
        }
    });
    assert_within_rate(stats);
}

#[test]
fn the_rate_holds_through_a_redis_restart_without_persistence() {
    restart(SHORT, 1);
}

#[test]
#[ignore = "long form: 40 s, a restart every 1.5 s"]
fn the_rate_holds_through_redis_restarts_long() {
    restart(LONG, 20);
}

fn fail_over(run: Duration, times: u32) {
    let _serial = serial();
    let mut server = RedisServer::start();
    let stats = fleet(&in_use(&server), None, BOUND, 40, run, || {
        for _ in 0..times {
            std::thread::sleep(Duration::from_millis(1500));
            server.fail_over();
        }
    });
    assert_within_rate(stats);
}

#[test]
fn the_rate_holds_through_a_failover_to_an_empty_server() {
    fail_over(SHORT, 1);
}

#[test]
#[ignore = "long form: 40 s, a failover every 1.5 s"]
fn the_rate_holds_through_failovers_long() {
    fail_over(LONG, 20);
}

fn slow(run: Duration, bound: Duration, times: u32) {
    let _serial = serial();
    let server = RedisServer::start();
    let stats = fleet(&in_use(&server), None, bound, 40, run, || {
        std::thread::sleep(Duration::from_millis(1000));
        for _ in 0..times {
            server.slow_for(Duration::from_millis(600)).join().unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert_within_rate(stats);
}

#[test]
fn the_rate_holds_when_redis_answers_in_600_ms_under_a_3_s_bound() {
    slow(SHORT, Duration::from_secs(3), 4);
}

#[test]
fn the_rate_holds_when_redis_answers_past_the_bound() {
    slow(SHORT, Duration::from_millis(300), 4);
}

#[test]
#[ignore = "long form: 40 s of 0.6 s answers under a 3 s bound"]
fn the_rate_holds_when_redis_is_slow_long() {
    slow(LONG, Duration::from_secs(3), 50);
}

#[test]
#[ignore = "long form: 40 s of 0.6 s answers past a 0.3 s bound"]
fn the_rate_holds_when_redis_is_slower_than_the_bound_long() {
    slow(LONG, Duration::from_millis(300), 50);
}

fn cut_off(run: Duration, times: u32) -> RateStats {
    let _serial = serial();
    let server = RedisServer::start();
    let proxy = CutProxy::start(server.port());
    fleet(&in_use(&server), Some(&proxy), BOUND, 40, run, || {
        for _ in 0..times {
            std::thread::sleep(Duration::from_millis(1000));
            proxy.cut();
            std::thread::sleep(Duration::from_millis(2500));
            proxy.mend();
        }
    })
}

/// Measured, not proven: while one replica is cut off, the others share the whole rate
/// on Redis and it adds its local share, so the fleet's bound is the rate plus one
/// share (`RATE / REPLICAS`).
#[test]
fn one_replica_cut_off_adds_at_most_its_share() {
    let stats = cut_off(SHORT, 1);
    assert!(
        stats.max_in_any_second <= (RATE + RATE / REPLICAS) as usize,
        "{stats:?}"
    );
}

#[test]
#[ignore = "long form: 40 s, cut off 2.5 s of every 3.5 s"]
fn one_replica_cut_off_adds_at_most_its_share_long() {
    let stats = cut_off(LONG, 11);
    assert!(
        stats.max_in_any_second <= (RATE + RATE / REPLICAS) as usize,
        "{stats:?}"
    );
}
