//! Several replicas of an MDM sharing one location token: do they keep to Apple's rate?
//!
//! ```text
//! cargo run --features client,redis --example replicas -- [--redis URL] [--replicas N]
//!     [--seconds S] [--rate R] [--local] [--json]
//! ```
//!
//! Starts the simulator (`apple-vpp-sim`) in-process with one location whose
//! `maxRequestPerSecond` is R (default 10), then N (default 4) independent clients, each
//! with its own `VppClient` and its own Redis connection sharing one budget
//! ([`apple_vpp::redis::RedisBudget`]) at `--redis` (default `redis://127.0.0.1:6379`), or
//! with `--local` each with its own in-process limiter and no Redis. Each reads the
//! location's client configuration as fast as it can for S seconds (default 5), then the
//! example reports what the simulator counted. With `--json` it prints exactly one JSON
//! object:
//!
//! ```text
//! {"rate":R,"replicas":N,"seconds":S,"requests":T,"refused":X,"max_in_any_second":M,"per_replica":[n1,...]}
//! ```
//!
//! `requests`, `refused` (429s) and `max_in_any_second` are counted by the simulator,
//! `per_replica` (requests answered) by each client.
//!
//! Exit codes: 0 when `max_in_any_second` ≤ R and nothing was refused; 5 when either is
//! not (what `--local` shows with more than one replica); 2 bad arguments; 1 Redis cannot
//! be reached at the start (checked once; the message names the host, never a password).
//! If Redis goes away during the run, the replicas pace themselves at R/N until it is back
//! (each says so on standard error).
//!
//! The tests also start its binary as one replica of a fleet, so that separate processes
//! share the budget and the leases: `--worker --base-url URL --token-file FILE` reads (or
//! with `--sync` syncs the location's users under the Redis sync lease, `--lease-ttl-ms`)
//! against a simulator started elsewhere, keys under `--prefix`, and prints JSON lines.

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use apple_vpp::VppToken;
use apple_vpp::client::VppClient;
use apple_vpp::redis::{RedisBudget, RedisLeases, RedisStore};
use apple_vpp::shared::BudgetStatus;
use apple_vpp_sim::{Scenario, SimOptions, Simulator};
use serde::Serialize;

const USAGE: &str =
    "usage: replicas [--redis URL] [--replicas N] [--seconds S] [--rate R] [--local] [--json]";
const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";

#[derive(Debug, Clone)]
struct Args {
    redis: String,
    replicas: u32,
    seconds: u64,
    rate: u32,
    local: bool,
    json: bool,
    worker: Option<Worker>,
    prefix: String,
}

/// One replica in a process of its own, against a simulator started elsewhere.
#[derive(Debug, Clone)]
struct Worker {
    base_url: String,
    token_file: String,
    /// Sync the location's users in a loop under the sync lease instead of reading.
    sync: bool,
    lease_ttl: Duration,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        redis: DEFAULT_REDIS.to_owned(),
        replicas: 4,
        seconds: 5,
        rate: 10,
        local: false,
        json: false,
        worker: None,
        prefix: apple_vpp::redis::DEFAULT_PREFIX.to_owned(),
    };
    let mut worker = false;
    let mut base_url = None;
    let mut token_file = None;
    let mut sync = false;
    let mut lease_ttl = Duration::from_secs(2);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| it.next().ok_or(format!("{flag} needs a value; {USAGE}"));
        fn number<T: std::str::FromStr + PartialOrd + From<u8>>(
            flag: &str,
            text: String,
        ) -> Result<T, String> {
            match text.parse::<T>() {
                Ok(n) if n >= T::from(1) => Ok(n),
                _ => Err(format!(
                    "{flag} must be a whole number of at least 1, not {text:?}; {USAGE}"
                )),
            }
        }
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--redis" => args.redis = value("--redis")?,
            "--replicas" => args.replicas = number("--replicas", value("--replicas")?)?,
            "--seconds" => args.seconds = number("--seconds", value("--seconds")?)?,
            "--rate" => args.rate = number("--rate", value("--rate")?)?,
            "--local" => args.local = true,
            "--json" => args.json = true,
            "--worker" => worker = true,
            "--base-url" => base_url = Some(value("--base-url")?),
            "--token-file" => token_file = Some(value("--token-file")?),
            "--sync" => sync = true,
            "--prefix" => args.prefix = value("--prefix")?,
            "--lease-ttl-ms" => {
                lease_ttl =
                    Duration::from_millis(number("--lease-ttl-ms", value("--lease-ttl-ms")?)?)
            }
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    if worker {
        let (Some(base_url), Some(token_file)) = (base_url, token_file) else {
            return Err("--worker needs --base-url and --token-file".to_owned());
        };
        args.worker = Some(Worker {
            base_url,
            token_file,
            sync,
            lease_ttl,
        });
    }
    Ok(Some(args))
}

#[derive(Serialize)]
struct Report {
    rate: u32,
    replicas: u32,
    seconds: u64,
    requests: usize,
    refused: usize,
    max_in_any_second: usize,
    per_replica: Vec<u64>,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(args))
}

/// Opens and checks Redis once (exit 1 when it does not answer).
async fn check_redis(args: &Args) -> Result<RedisStore, ExitCode> {
    let store = match RedisStore::open(&args.redis) {
        Ok(store) => store.with_prefix(args.prefix.clone()),
        Err(e) => {
            eprintln!("{e}");
            return Err(ExitCode::from(2));
        }
    };
    let patient = store.clone().with_call_timeout(Duration::from_secs(2));
    if let Err(e) = patient.ping().await {
        eprintln!("cannot reach Redis: {e}; start it, or use --local");
        return Err(ExitCode::from(1));
    }
    Ok(store)
}

async fn run(args: Args) -> ExitCode {
    let store = if args.local {
        None
    } else {
        match check_redis(&args).await {
            Ok(store) => Some(store),
            Err(code) => return code,
        }
    };
    if let Some(worker) = args.worker.clone() {
        return run_worker(&args, &worker, store).await;
    }
    let scenario = Scenario {
        max_requests_per_second: args.rate,
        ..Scenario::default()
    };
    let uid = scenario.locations[0].uid.clone();
    let sim = match Simulator::start(scenario, SimOptions::default()).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("the simulator did not start: {e}");
            return ExitCode::from(1);
        }
    };
    let token: VppToken = sim
        .token(&uid)
        .expect("the scenario's location")
        .parse()
        .expect("the simulator's token");
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut replicas = Vec::new();
    for replica in 0..args.replicas {
        let client = client(&args, &sim.base_url(), store.as_ref(), replica, None);
        let token = token.clone();
        replicas.push(tokio::spawn(async move {
            read_until(&client, &token, deadline).await
        }));
    }
    let mut per_replica = Vec::new();
    for replica in replicas {
        per_replica.push(replica.await.unwrap_or(0));
    }
    let stats = sim.rate_stats(&uid);
    let report = Report {
        rate: args.rate,
        replicas: args.replicas,
        seconds: args.seconds,
        requests: stats.requests,
        refused: stats.refused,
        max_in_any_second: stats.max_in_any_second,
        per_replica,
    };
    sim.shutdown().await;
    if args.json {
        println!("{}", serde_json::to_string(&report).expect("plain numbers"));
    } else {
        let how = if args.local {
            "each on its own in-process limiter"
        } else {
            "sharing one budget on Redis"
        };
        println!(
            "{} replicas, {how}, {} s at Apple's limit of {}/s",
            report.replicas, report.seconds, report.rate
        );
        println!(
            "the simulator counted {} requests, {} refused (429), at most {} in any one second",
            report.requests, report.refused, report.max_in_any_second
        );
        println!("answered per replica: {:?}", report.per_replica);
    }
    if report.max_in_any_second <= args.rate as usize && report.refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(5)
    }
}

/// One replica's client: its own connection pool, its own budget (on its own Redis
/// connection, or in-process with `--local`), and with `lease_ttl` the Redis leases.
fn client(
    args: &Args,
    base_url: &str,
    store: Option<&RedisStore>,
    replica: u32,
    lease_ttl: Option<Duration>,
) -> VppClient {
    let mut builder = VppClient::builder()
        .base_url(base_url)
        .timeout(Duration::from_secs(10));
    if let Some(store) = store {
        // Its own connection, as a separate replica would have.
        let own = RedisStore::open(&args.redis)
            .expect("checked at the start")
            .with_prefix(store.prefix().to_owned());
        let budget = RedisBudget::new(own.clone())
            .expected_replicas(args.replicas)
            .on_status_change(move |status| match status {
                BudgetStatus::Degraded => eprintln!(
                    "replica {replica}: Redis did not answer; pacing locally at the rate / replicas"
                ),
                _ => eprintln!("replica {replica}: Redis answers again; back on the shared budget"),
            });
        builder = builder.budget(Arc::new(budget));
        if let Some(ttl) = lease_ttl {
            builder = builder
                .leases(Arc::new(RedisLeases::new(own)))
                .lease_ttl(ttl);
        }
    }
    builder.build().expect("a loopback base URL")
}

/// Reads the client configuration until `deadline`; the number answered. The service
/// configuration first, as an MDM does at start-up: Apple's rate from the first request.
async fn read_until(client: &VppClient, token: &VppToken, deadline: Instant) -> u64 {
    if let Err(e) = client.service_config().await {
        eprintln!("reading the service configuration failed: {e}");
    }
    let mut answered = 0;
    while Instant::now() < deadline {
        if client.location(token).client_config().await.is_ok() {
            answered += 1;
        }
    }
    answered
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

/// A replica in its own process: reads (or syncs, with `--sync`) until the time is up,
/// printing one JSON line per event on standard output.
async fn run_worker(args: &Args, worker: &Worker, store: Option<RedisStore>) -> ExitCode {
    let token = match std::fs::read(&worker.token_file)
        .map_err(|e| e.to_string())
        .and_then(|bytes| VppToken::from_bytes(&bytes).map_err(|e| e.to_string()))
    {
        Ok(token) => token,
        Err(e) => {
            eprintln!("cannot read the token file: {e}");
            return ExitCode::from(2);
        }
    };
    let lease_ttl = worker.sync.then_some(worker.lease_ttl);
    let client = client(args, &worker.base_url, store.as_ref(), 0, lease_ttl);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    if !worker.sync {
        let answered = read_until(&client, &token, deadline).await;
        println!("{{\"answered\":{answered}}}");
        return ExitCode::SUCCESS;
    }
    while Instant::now() < deadline {
        let mut fence = None;
        let outcome = client
            .location(&token)
            .sync_users(None, |page| {
                if fence.is_none() {
                    fence = Some(page.fence.unwrap_or(0));
                    println!(
                        "{{\"event\":\"page\",\"fence\":{},\"ms\":{}}}",
                        page.fence.unwrap_or(0),
                        unix_ms()
                    );
                }
                Ok::<_, Infallible>(())
            })
            .await;
        match outcome {
            // Every page of the sync carries the lease's fencing number.
            Ok(_) => println!(
                "{{\"event\":\"synced\",\"fence\":{},\"ms\":{}}}",
                fence.unwrap_or(0),
                unix_ms()
            ),
            Err(e) if e.is_lease_held() => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                println!("{{\"event\":\"error\",\"ms\":{}}}", unix_ms());
                eprintln!("sync failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    ExitCode::SUCCESS
}
