//! A reference MDM: Apple's Apps and Books data kept in SQLite, replicas sharing one
//! request budget, one lease per location and notification de-duplication on Redis, and
//! the notification secrets and event tracker through the database.
//!
//! ```text
//! mdm --db PATH [--redis URL] [--replicas N] [--base-url URL --token FILE]
//!     [--accept-takeover] [--managed-elsewhere] [--notification-url URL] [--lease-ttl-ms N]
//!     COMMAND
//!   demo [--json]          the integrator's whole day (see demo.rs)
//!   serve [--listen ADDR]  the admin API and Apple's notification endpoint (see service.rs)
//!   sync [--full] [--json] one sync unit of the stored location (waits while another
//!                          replica holds the lease)
//! ```
//!
//! Apple's notifications go to `--notification-url` (the https address at which Apple
//! reaches `POST /vpp/notify` of this service), or with a service on this machine (the
//! simulator) straight to the service; otherwise events are followed by polling `status`.
//! `--db` defaults to `apple-vpp-mdm-demo.sqlite3` in the temporary directory.
//! Without `--base-url` it starts the simulator (`apple-vpp-sim`) in-process, with its
//! default location ("Berlin Office", unclaimed), and uploads that location's token; with
//! `--managed-elsewhere` the simulator's location is another MDM's, so `demo` stops with
//! exit 3 unless `--accept-takeover` (the admin's consent) is given too. With
//! `--redis URL` the replicas (`--replicas N`, 1 to 8, tasks of this process) share
//! Redis's stores, as separate processes would; without it, in-process stores (one process
//! only).
//!
//! Exit codes: 0 every step worked and the database equals Apple; 3 the location is
//! another MDM's and no consent was given; 4 the database and Apple disagree; 2 bad
//! arguments; 1 anything else. Files, in the order to read them: `schema.sql`, `db.rs`
//! (the fence check), `sync.rs` (the sync transaction), `notify.rs` (the notification
//! endpoint), `shared.rs` (what replicas share through the database), `app.rs`,
//! `service.rs`, `demo.rs`.

mod app;
mod db;
mod demo;
mod notify;
mod service;
mod shared;
mod sync;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use apple_vpp::shared::LeaseError;
use apple_vpp_sim::{AssignmentSpec, MdmInfo, RunningSimulator, Scenario, SimOptions, Simulator};

use crate::app::{Mdm, MdmError, Options, Stores};

const USAGE: &str = "usage: mdm --db PATH [--redis URL] [--replicas N] [--base-url URL --token FILE] [--accept-takeover] [--managed-elsewhere] [--notification-url URL] [--lease-ttl-ms N] (demo [--json] | serve [--listen ADDR] | sync [--full] [--json])";
/// The simulator's default location.
const SIM_UID: &str = "981060278089131045";

enum Command {
    Demo { json: bool },
    Serve { listen: String },
    Sync { full: bool, json: bool },
}

struct Args {
    db: PathBuf,
    redis: Option<String>,
    replicas: u32,
    base_url: Option<String>,
    token: Option<PathBuf>,
    accept_takeover: bool,
    managed_elsewhere: bool,
    lease_ttl: Duration,
    page_pause: Duration,
    notification_url: Option<String>,
    command: Command,
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut argv = argv.into_iter();
    let (mut db, mut redis, mut replicas, mut base_url, mut token) = (None, None, 1, None, None);
    let (mut accept_takeover, mut managed_elsewhere) = (false, false);
    let mut lease_ttl = Duration::from_secs(30);
    let mut page_pause = Duration::ZERO;
    let mut notification_url = None;
    let mut command = None;
    let millis = |flag: &str, v: String| -> Result<Duration, String> {
        v.parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Duration::from_millis)
            .ok_or(format!(
                "{flag} {v:?} is not a positive number of milliseconds"
            ))
    };
    while let Some(arg) = argv.next() {
        let mut value = |flag: &str| argv.next().ok_or(format!("{flag} needs a value; {USAGE}"));
        match arg.as_str() {
            "--db" => db = Some(PathBuf::from(value("--db")?)),
            "--redis" => redis = Some(value("--redis")?),
            "--replicas" => {
                let v = value("--replicas")?;
                replicas = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=8).contains(n))
                    .ok_or(format!("--replicas {v:?}: give a number from 1 to 8"))?;
            }
            "--base-url" => base_url = Some(value("--base-url")?),
            "--token" => token = Some(PathBuf::from(value("--token")?)),
            "--notification-url" => notification_url = Some(value("--notification-url")?),
            "--accept-takeover" => accept_takeover = true,
            "--managed-elsewhere" => managed_elsewhere = true,
            "--lease-ttl-ms" => lease_ttl = millis("--lease-ttl-ms", value("--lease-ttl-ms")?)?,
            "--page-pause-ms" => page_pause = millis("--page-pause-ms", value("--page-pause-ms")?)?,
            "demo" | "serve" | "sync" => {
                let rest: Vec<String> = argv.by_ref().collect();
                command = Some(parse_command(&arg, &rest)?);
            }
            other => return Err(format!("unexpected argument {other:?}; {USAGE}")),
        }
    }
    let db = db.unwrap_or_else(|| std::env::temp_dir().join("apple-vpp-mdm-demo.sqlite3"));
    let command = command.ok_or(format!("a command is required; {USAGE}"))?;
    if base_url.is_some() != token.is_some() {
        return Err(format!("--base-url and --token go together; {USAGE}"));
    }
    if redis.is_some() && !cfg!(feature = "redis") {
        return Err("--redis needs the example built with `--features client,redis`".into());
    }
    if managed_elsewhere && base_url.is_some() {
        return Err(
            "--managed-elsewhere sets up the built-in simulator; leave out --base-url".into(),
        );
    }
    Ok(Args {
        db,
        redis,
        replicas,
        base_url,
        token,
        accept_takeover,
        managed_elsewhere,
        lease_ttl,
        page_pause,
        notification_url,
        command,
    })
}

fn parse_command(name: &str, rest: &[String]) -> Result<Command, String> {
    let mut json = false;
    let mut full = false;
    let mut listen = "127.0.0.1:8080".to_owned();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match (name, arg.as_str()) {
            ("demo" | "sync", "--json") => json = true,
            ("sync", "--full") => full = true,
            ("serve", "--listen") => {
                listen = rest
                    .next()
                    .ok_or(format!("--listen needs a value; {USAGE}"))?
                    .clone()
            }
            _ => return Err(format!("unexpected argument {arg:?} for {name}; {USAGE}")),
        }
    }
    Ok(match name {
        "demo" => Command::Demo { json },
        "serve" => Command::Serve { listen },
        _ => Command::Sync { full, json },
    })
}

/// How the program ends.
struct Exit {
    code: u8,
    message: String,
}

impl From<MdmError> for Exit {
    fn from(e: MdmError) -> Self {
        let code = match e {
            MdmError::ManagedElsewhere { .. } => 3,
            _ => 1,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("mdm: {message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(exit) => {
            eprintln!("mdm: {}", exit.message);
            ExitCode::from(exit.code)
        }
    }
}

async fn run(args: Args) -> Result<(), Exit> {
    // The service: the one given, or the built-in simulator.
    let mut _sim: Option<RunningSimulator> = None;
    let (base_url, token_file) = match (&args.base_url, &args.token) {
        (Some(url), Some(file)) => {
            let token = std::fs::read_to_string(file).map_err(|e| Exit {
                code: 2,
                message: format!("--token {}: {e}", file.display()),
            })?;
            if let Err(e) = token.parse::<apple_vpp::VppToken>() {
                return Err(Exit {
                    code: 2,
                    message: format!(
                        "--token {}: not a content token ({e}); download it again from Apple Business Manager",
                        file.display()
                    ),
                });
            }
            (url.clone(), token)
        }
        _ => {
            let sim = start_simulator(args.managed_elsewhere).await?;
            let token = sim.token_file_content(SIM_UID).unwrap_or_default();
            let url = sim.base_url();
            _sim = Some(sim);
            (url, token)
        }
    };

    // The built-in simulator lives and dies with this process: so do the Redis keys
    // about it (a prefix of this run's own).
    let embedded = _sim.is_some();
    let prefix = embedded.then(|| format!("apple-vpp-mdm-demo-{}", app::random_hex(8)));
    let stores = match &args.redis {
        None => vec![Stores::in_process(); args.replicas as usize],
        Some(url) => {
            let mut each = Vec::new();
            for _ in 0..args.replicas {
                each.push(Stores::redis(url, args.replicas, prefix.as_deref()).await?);
            }
            each
        }
    };
    let options = Options {
        db: &args.db,
        base_url: &base_url,
        lease_ttl: args.lease_ttl,
        page_pause: args.page_pause,
        notification_url: args.notification_url.clone(),
    };
    let replicas = stores
        .iter()
        .map(|s| Mdm::new(&options, s).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    if embedded {
        replicas[0]
            .db()?
            .forget_simulated_events()
            .map_err(MdmError::from)?;
    }

    match args.command {
        Command::Demo { json } => {
            let report = demo::run(&replicas, &token_file, args.accept_takeover).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&report).expect("the report is JSON")
                );
            } else {
                print_report(&report);
            }
            if report.db != report.apple {
                return Err(Exit {
                    code: 4,
                    message: format!(
                        "the database ({:?}) and Apple ({:?}) disagree: look for rows no sync wrote, then run a full sync",
                        report.db, report.apple
                    ),
                });
            }
            if report.assign.failed > 0 {
                return Err(Exit {
                    code: 1,
                    message: format!(
                        "{} licenses were not assigned (see the events table)",
                        report.assign.failed
                    ),
                });
            }
            Ok(())
        }
        Command::Serve { listen } => {
            let mut addrs = Vec::new();
            for (i, replica) in replicas.iter().enumerate() {
                let at = if i == 0 {
                    listen.clone()
                } else {
                    "127.0.0.1:0".to_owned()
                };
                addrs.push(service::start(replica.clone(), &at).await?);
            }
            println!("listening on http://{}", addrs[0]);
            let _ = std::io::stdout().flush();
            let _ = tokio::signal::ctrl_c().await;
            Ok(())
        }
        Command::Sync { full, json } => {
            let replica = &replicas[0];
            let uid = replica
                .db()?
                .single_location()
                .map_err(MdmError::from)?
                .ok_or_else(|| {
                    MdmError::Other(
                        "no location in the database: run demo or upload a token first".into(),
                    )
                })?;
            let report = loop {
                match replica.sync(&uid, full).await {
                    // Try again when the holder's lease would lapse, or earlier: a live
                    // holder may finish first.
                    Err(MdmError::Lease(LeaseError::Held { retry_after, .. })) => {
                        let wait = retry_after.unwrap_or(Duration::MAX);
                        tokio::time::sleep(wait.min(Duration::from_millis(500))).await
                    }
                    done => break done?,
                }
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&report).expect("the report is JSON")
                );
            } else {
                println!("synced: {report:?}");
            }
            Ok(())
        }
    }
}

fn print_report(r: &demo::Report) {
    println!(
        "Location:     {} ({}){}",
        r.location.name,
        r.location.uid,
        if r.claimed { ", claimed now" } else { "" }
    );
    println!(
        "Full sync:    {} assets, {} assignments, {} users ({} passes, complete: {})",
        r.full_sync.assets,
        r.full_sync.assignments,
        r.full_sync.users,
        r.full_sync.passes,
        r.full_sync.complete
    );
    println!("Incremental:  {} changes", r.incremental.changes);
    println!(
        "Assigned:     event {}: {} done, {} failed",
        r.assign.event_id, r.assign.completed, r.assign.failed
    );
    for item in &r.catalog {
        println!(
            "Catalog:      {} {}",
            item.adam_id,
            item.name.as_deref().unwrap_or("(no metadata)")
        );
    }
    println!("Database:     {:?}", r.db);
    println!("Apple:        {:?}", r.apple);
    println!("Replicas:     {}", r.replicas);
}

/// The built-in simulator: its default location with three devices' licenses, paged by
/// two so that paging shows.
async fn start_simulator(managed_elsewhere: bool) -> Result<RunningSimulator, Exit> {
    let mut scenario = Scenario {
        page_size: 2,
        faults: Vec::new(),
        ..Scenario::default()
    };
    for location in &mut scenario.locations {
        location.claim_by_other_at_ms = None;
        // Licenses held from the start, so that the full sync has some to page through.
        location.assignments = ["C02SIM000001", "C02SIM000002", "C02SIM000003"]
            .iter()
            .map(|serial| AssignmentSpec::device("361309726", serial))
            .collect();
        if managed_elsewhere {
            location.mdm_info = Some(MdmInfo {
                id: "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11".into(),
                name: "Example MDM".into(),
                metadata: "mdm.example.com".into(),
            });
        }
    }
    Simulator::start(scenario, SimOptions::default())
        .await
        .map_err(|e| Exit {
            code: 1,
            message: format!("could not start the built-in simulator: {e}"),
        })
}
