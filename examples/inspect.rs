//! Inspect a `.vpptoken` file: organization, expiry, days left, status.
//!
//! ```text
//! cargo run --example inspect -- [--json] [--now RFC3339] [--warn-days N] [FILE]
//! ```
//!
//! With no FILE it reads the bundled sample `examples/data/sample.vpptoken`. Bad input:
//! one line on stderr, nothing on stdout, exit code 2. It never prints the credential.

use std::process::ExitCode;

use apple_vpp::{RenewalPolicy, VppToken};
use chrono::{DateTime, SecondsFormat, Utc};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.vpptoken");
const USAGE: &str = "usage: inspect [--json] [--now RFC3339] [--warn-days N] [FILE]";

struct Args {
    json: bool,
    now: DateTime<Utc>,
    policy: RenewalPolicy,
    file: String,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut json = false;
    let mut now = None;
    let mut policy = RenewalPolicy::default();
    let mut file = None;
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
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option {s}; {USAGE}"));
            }
            _ if file.is_some() => return Err(format!("more than one FILE given; {USAGE}")),
            _ => file = Some(arg),
        }
    }
    Ok(Some(Args {
        json,
        now: now.unwrap_or_else(Utc::now),
        policy,
        file: file.unwrap_or_else(|| SAMPLE.to_owned()),
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
    let token = VppToken::from_path(&args.file).map_err(|e| e.to_string())?;
    let status = token.status_at(args.now, &args.policy);
    let days_left = token.days_left_at(args.now);
    let renew_by = token.renew_by(&args.policy);
    if args.json {
        let out = serde_json::json!({
            "org_name": token.org_name(),
            "expires_at": utc(token.expires_at_utc()),
            "days_left": days_left,
            "status": status.as_str(),
            "renew_by": utc(renew_by),
        });
        println!("{out}");
    } else {
        println!("Organization: {}", token.org_name());
        println!(
            "Expires:      {} (written {})",
            utc(token.expires_at_utc()),
            token.expires_at_as_written()
        );
        println!("Days left:    {days_left}");
        println!("Status:       {}", status.as_str());
        println!(
            "Renew by:     {} ({}-day warning window)",
            utc(renew_by),
            args.policy.warning_window().num_days()
        );
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
