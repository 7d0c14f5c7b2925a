//! Inspect a `.vpptoken` file: organization, expiry, days left, status; with a saved
//! client-config response, also the location and who manages it.
//!
//! ```text
//! cargo run --example inspect -- [--json] [--now RFC3339] [--warn-days N]
//!                                [--client-config FILE --mdm-id ID] [TOKEN_FILE]
//! ```
//!
//! With no TOKEN_FILE it reads the bundled sample `examples/data/sample.vpptoken`.
//! `--client-config` takes a saved v2 or legacy client-config response (detected by its
//! fields); expiry then follows Apple's date when the response has one, and the output says
//! which protocol the response is from (`Protocol:` line; `"protocol": "v2"` or `"v1"` in
//! JSON): a `VPPClientConfigSrv` answer is a legacy (account-based or v1) configuration.
//! Bad input: one line on stderr, nothing on stdout, exit code 2. It never prints the
//! credential.

use std::process::ExitCode;

use apple_vpp::{LocationSnapshot, Ownership, Protocol, RenewalPolicy, VppToken};
use chrono::{DateTime, SecondsFormat, Utc};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.vpptoken");
const USAGE: &str = "usage: inspect [--json] [--now RFC3339] [--warn-days N] [--client-config FILE --mdm-id ID] [TOKEN_FILE]";

struct Args {
    json: bool,
    now: DateTime<Utc>,
    policy: RenewalPolicy,
    file: String,
    client_config: Option<(String, String)>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut json = false;
    let mut now = None;
    let mut policy = RenewalPolicy::default();
    let mut file = None;
    let mut client_config = None;
    let mut mdm_id = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value; {USAGE}"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => json = true,
            "--now" => {
                let v = value("--now")?;
                let t = DateTime::parse_from_rfc3339(&v)
                    .map_err(|e| format!("--now {v:?} is not an RFC 3339 date-time: {e}"))?;
                now = Some(t.with_timezone(&Utc));
            }
            "--warn-days" => {
                let v = value("--warn-days")?;
                let days = v
                    .parse()
                    .map_err(|_| format!("--warn-days {v:?} is not a whole number of days"))?;
                policy = RenewalPolicy::with_warning_days(days);
            }
            "--client-config" => client_config = Some(value("--client-config")?),
            "--mdm-id" => mdm_id = Some(value("--mdm-id")?),
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option {s}; {USAGE}"));
            }
            _ if file.is_some() => return Err(format!("more than one FILE given; {USAGE}")),
            _ => file = Some(arg),
        }
    }
    let client_config = match (client_config, mdm_id) {
        (Some(file), Some(id)) => Some((file, id)),
        (None, None) => None,
        _ => return Err(format!("--client-config and --mdm-id go together; {USAGE}")),
    };
    Ok(Some(Args {
        json,
        now: now.unwrap_or_else(Utc::now),
        policy,
        file: file.unwrap_or_else(|| SAMPLE.to_owned()),
        client_config,
    }))
}

fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn run() -> Result<(), String> {
    let Some(args) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let token = VppToken::from_path(&args.file).map_err(|e| with_causes(&e))?;
    let apple = match &args.client_config {
        None => None,
        Some((file, id)) => {
            let body = std::fs::read(file)
                .map_err(|e| format!("could not read the client configuration {file}: {e}"))?;
            let snapshot = LocationSnapshot::from_json(&body)
                .map_err(|e| format!("the client configuration {file} is not usable: {e}"))?;
            let ownership = Ownership::of(snapshot.claim.as_ref(), id);
            Some((snapshot, ownership))
        }
    };
    // Apple's expiry date, when it gave one, counts over the file's.
    let expires_at = apple
        .as_ref()
        .map_or(token.file_expiry_utc(), |(s, _)| s.expiry_for(&token));
    let status = args.policy.status_at(expires_at, args.now);
    let days_left = apple_vpp::expiry::days_left_at(expires_at, args.now);
    let renew_by = args.policy.renew_by(expires_at);
    if args.json {
        let mut out = serde_json::json!({
            "org_name": token.org_name(),
            "expires_at": utc(expires_at),
            "days_left": days_left,
            "status": status.as_str(),
            "renew_by": utc(renew_by),
        });
        if let Some((snapshot, ownership)) = &apple {
            let owner_name = match ownership {
                Ownership::ManagedElsewhere(owner) => owner.name.clone().or(owner.metadata.clone()),
                _ => None,
            };
            out["location"] = serde_json::json!({
                "uid": snapshot.location.uid,
                "name": snapshot.location.name,
                "country": snapshot.location.country,
            });
            out["ownership"] = serde_json::json!({
                "verdict": ownership.as_str(),
                "owner_name": owner_name,
            });
            out["protocol"] = serde_json::json!(snapshot.protocol.as_str());
        }
        println!("{out}");
    } else {
        println!("Organization: {}", token.org_name());
        match &apple {
            Some((snapshot, _)) if snapshot.token_expiry.is_some() => println!(
                "Expires:      {} (Apple's date; the file says {})",
                utc(expires_at),
                token.file_expiry_as_written()
            ),
            _ => println!(
                "Expires:      {} (written {})",
                utc(expires_at),
                token.file_expiry_as_written()
            ),
        }
        println!("Days left:    {days_left}");
        println!("Status:       {}", status.as_str());
        println!(
            "Renew by:     {} ({}-day warning window)",
            utc(renew_by),
            args.policy.warning_window().num_days()
        );
        if let Some((snapshot, ownership)) = &apple {
            let l = &snapshot.location;
            println!(
                "Location:     {l}, country {}",
                l.country.as_deref().unwrap_or("unknown")
            );
            match snapshot.protocol {
                Protocol::V2 => println!("Protocol:     v2"),
                Protocol::V1 => println!(
                    "Protocol:     legacy v1 (an account-based or v1 configuration, from VPPClientConfigSrv)"
                ),
            }
            match ownership {
                Ownership::Unclaimed => println!("Managed by:   no MDM (unclaimed)"),
                Ownership::Ours => println!("Managed by:   this MDM"),
                Ownership::ManagedElsewhere(owner) => {
                    println!("Managed by:   another MDM, {owner}")
                }
                _ => println!("Managed by:   unknown"),
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("inspect: {message}");
            ExitCode::from(2)
        }
    }
}

/// The error and its causes (`source()` chain), each said once: `error: cause: cause`.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(&format!(": {next}"));
        cause = next.source();
    }
    text
}
