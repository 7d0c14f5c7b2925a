//! `apple-vpp-sim [--listen ADDR] [--scenario FILE] [--token-dir DIR] [--allow-non-loopback]
//! [--allow-remote-notifications]`
//!
//! Prints `listening on http://HOST:PORT/mdm/v2` as its first stdout line, then runs until
//! Ctrl-C or SIGTERM. Bad arguments or a bad scenario: one line on stderr, exit 2.
//!
//! Commands on stdin, one per line, each answered with one line on stderr:
//! `claim UID [ID [NAME [METADATA]]]` (another MDM claims the location now), `renew UID`
//! (a renewed token, written to the token directory), `accept UID CLIENT_USER_ID` (the
//! user accepts the invitation: Associated, USER_ASSOCIATED sent), `counts` (the request counters as
//! JSON), `dump` (the whole state as JSON: assets with counts, assignments, users, in a
//! stable order), `reset` (clears the counters and the rate windows). End of stdin just
//! ends the commands.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use apple_vpp_sim::{MdmInfo, RequestCounts, RunningSimulator, Scenario, SimOptions, Simulator};

const USAGE: &str = "usage: apple-vpp-sim [--listen ADDR] [--scenario FILE] [--token-dir DIR] [--allow-non-loopback] [--allow-remote-notifications]";

struct Args {
    listen: SocketAddr,
    scenario: Option<PathBuf>,
    token_dir: Option<PathBuf>,
    allow_non_loopback: bool,
    allow_remote_notifications: bool,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        scenario: None,
        token_dir: None,
        allow_non_loopback: false,
        allow_remote_notifications: false,
    };
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} needs {what} ({USAGE})"))
        };
        match name.as_str() {
            "--listen" => {
                let v = value("an address like 127.0.0.1:8080")?;
                args.listen = v
                    .parse()
                    .map_err(|_| format!("--listen: `{v}` is not an IP:PORT address"))?;
            }
            "--scenario" => args.scenario = Some(PathBuf::from(value("a file")?)),
            "--token-dir" => args.token_dir = Some(PathBuf::from(value("a directory")?)),
            "--allow-non-loopback" if inline.is_none() => args.allow_non_loopback = true,
            "--allow-remote-notifications" if inline.is_none() => {
                args.allow_remote_notifications = true;
            }
            "-h" | "--help" => return Ok(None),
            _ => return Err(format!("unknown argument `{arg}` ({USAGE})")),
        }
    }
    Ok(Some(args))
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("apple-vpp-sim: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(e),
    };
    if !args.listen.ip().is_loopback() {
        if !args.allow_non_loopback {
            return fail(format!(
                "refusing non-loopback --listen {} (a test tool; add --allow-non-loopback to insist)",
                args.listen
            ));
        }
        eprintln!(
            "apple-vpp-sim: WARNING: listening on non-loopback {}: anyone who can reach it can use its deterministic tokens",
            args.listen
        );
    }
    let scenario = match &args.scenario {
        None => Scenario::default(),
        Some(path) => match std::fs::read_to_string(path) {
            Err(e) => return fail(format!("cannot read scenario {}: {e}", path.display())),
            Ok(text) => match Scenario::from_json(&text) {
                Ok(s) => s,
                Err(e) => return fail(format!("{}: {e}", path.display())),
            },
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let code = runtime.block_on(run(args, scenario));
    // The stdin reader may still be blocked in a read: do not wait for it.
    runtime.shutdown_background();
    code
}

async fn run(args: Args, scenario: Scenario) -> ExitCode {
    let uids: Vec<(String, String)> = scenario
        .locations
        .iter()
        .map(|l| (l.uid.clone(), l.name.clone()))
        .collect();
    let options = SimOptions {
        listen: args.listen,
        allow_non_loopback: args.allow_non_loopback,
        token_dir: args.token_dir.clone(),
        allow_remote_notifications: args.allow_remote_notifications,
        ..SimOptions::default()
    };
    let sim = match Simulator::start(scenario, options).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", sim.base_url());
    let _ = out.flush();
    drop(out);
    announce(&sim, &args, &uids);
    let sim = std::sync::Arc::new(sim);
    let commands = tokio::spawn(read_commands(std::sync::Arc::clone(&sim)));
    wait_for_signal().await;
    commands.abort();
    let _ = commands.await;
    eprintln!("apple-vpp-sim: stopping");
    let Ok(sim) = std::sync::Arc::try_unwrap(sim) else {
        return ExitCode::SUCCESS;
    };
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// Tells on stderr where the v1 endpoints, each location's token file and the metadata
/// catalog are, and warns when notifications may go to any host.
fn announce(sim: &RunningSimulator, args: &Args, uids: &[(String, String)]) {
    eprintln!("apple-vpp-sim: v1 endpoints under {}", sim.v1_base_url());
    for (uid, name) in uids {
        match &args.token_dir {
            Some(dir) => eprintln!(
                "apple-vpp-sim: location {uid} ({name}): token file {}",
                dir.join(format!("{uid}.vpptoken")).display()
            ),
            None => eprintln!(
                "apple-vpp-sim: location {uid} ({name}) (use --token-dir DIR to get its token file)"
            ),
        }
    }
    match &args.token_dir {
        Some(dir) => eprintln!(
            "apple-vpp-sim: metadata catalog under {}; developer key {} (team id {}, key id {})",
            sim.metadata_base_url(),
            dir.join(format!("AuthKey_{}.p8", sim.developer_key_id()))
                .display(),
            sim.developer_team_id(),
            sim.developer_key_id()
        ),
        None => eprintln!(
            "apple-vpp-sim: metadata catalog under {} (use --token-dir DIR to get the developer key file)",
            sim.metadata_base_url()
        ),
    }
    if args.allow_remote_notifications {
        eprintln!(
            "apple-vpp-sim: WARNING: notification URLs may name any host: whoever can reach this simulator can make it POST there"
        );
    }
}

/// Reads commands from stdin until it ends (see the module docs).
async fn read_commands(sim: std::sync::Arc<RunningSimulator>) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words.is_empty() {
            eprintln!("apple-vpp-sim: {}", command(&sim, &words));
        }
    }
}

/// Runs one stdin command; the answer line (never a credential).
fn command(sim: &RunningSimulator, words: &[&str]) -> String {
    match words {
        ["claim", uid, rest @ ..] if rest.len() <= 3 => {
            let info = MdmInfo {
                id: rest.first().unwrap_or(&"other-mdm").to_string(),
                name: rest.get(1).unwrap_or(&"Other MDM").to_string(),
                metadata: rest.get(2).unwrap_or(&"other-mdm.example.com").to_string(),
            };
            if sim.claim_as_other(uid, info) {
                format!("claimed {uid}")
            } else {
                format!("claim: unknown location {uid}")
            }
        }
        ["renew", uid] => match sim.renew_token(uid) {
            Some(_) => format!("renewed {uid}"),
            None => format!("renew: unknown location {uid}"),
        },
        ["counts"] => {
            let c = sim.counters();
            let counts = |r: &RequestCounts| {
                serde_json::json!({
                    "requests": r.requests,
                    "refused": r.refused,
                    "max_in_any_second": r.max_in_any_second,
                })
            };
            let per_token: serde_json::Map<String, serde_json::Value> = c
                .per_token
                .iter()
                .map(|(id, r)| (id.to_string(), counts(r)))
                .collect();
            format!(
                "counts {}",
                serde_json::json!({"total": counts(&c.total), "per_token": per_token})
            )
        }
        ["accept", uid, client_user_id] => {
            if sim.accept_invitation(uid, client_user_id) {
                format!("accepted {client_user_id}")
            } else {
                format!("accept: no unassociated active user {client_user_id} in location {uid}")
            }
        }
        ["dump"] => match serde_json::to_string(&sim.dump()) {
            Ok(json) => format!("dump {json}"),
            Err(e) => format!("dump: {e}"),
        },
        ["reset"] => {
            sim.clear_requests();
            "reset: counters, recorded requests and rate windows cleared".to_owned()
        }
        _ => format!(
            "unknown command `{}` (claim UID [ID [NAME [METADATA]]] | renew UID | accept UID CLIENT_USER_ID | counts | dump | reset)",
            words.join(" ")
        ),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
