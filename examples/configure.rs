//! The upload wizard, end to end: decode a token, ask Apple who manages its location,
//! claim it (taking it over only with `--accept-takeover`), and report the result.
//!
//! ```text
//! cargo run --features client --example configure -- [--base-url URL] [--token FILE]
//!     [--mdm-id ID --mdm-name NAME --mdm-metadata META] [--accept-takeover] [--timeout-secs N]
//!     [--legacy]
//! ```
//!
//! Without `--base-url` it starts a fake Apple service on 127.0.0.1 (the simulator,
//! `apple-vpp-sim`, in-process) whose location is managed by another MDM and which accepts
//! the token file given (by default the bundled sample token), so it shows the conflict on
//! a fresh clone; `--accept-takeover` shows the takeover. `--legacy` (only without
//! `--base-url`) makes that service v1-only: the location is an account-based (legacy) one,
//! which Apple's v2 refuses with 9647, held by another MDM through its v1 `clientContext`
//! `{"hostname", "guid"}`; the example then configures it over v1, unchanged, with the same
//! exit codes. Once configured it prints which protocol the account uses (`v2` or
//! `legacy v1`).
//!
//! Exit codes: 0 configured (or already ours); 3 managed by another MDM and not taken
//! over, or another MDM won a race; 4 Apple rejected the token; 2 bad arguments or token
//! file; 1 anything else. It never prints the credential.

use std::process::ExitCode;
use std::time::Duration;

use apple_vpp::ConfigureOutcome;
use apple_vpp::client::VppClient;
use apple_vpp::{MdmIdentity, Protocol, Takeover, VppAccount, VppToken};
use apple_vpp_sim::{LocationSpec, MdmInfo, RunningSimulator, Scenario, SimOptions, Simulator};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.vpptoken");
const USAGE: &str = "usage: configure [--base-url URL] [--token FILE] [--mdm-id ID --mdm-name NAME --mdm-metadata META] [--accept-takeover] [--timeout-secs N] [--legacy]";

struct Args {
    base_url: Option<String>,
    token: String,
    identity: MdmIdentity,
    takeover: Takeover,
    timeout: Duration,
    legacy: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut base_url = None;
    let mut token = None;
    let mut id = "5a1e0c2b-7d3f-4e8a-9b6c-0000000000e1".to_owned();
    let mut name = "apple-vpp configure example".to_owned();
    let mut metadata = "configure.example.invalid".to_owned();
    let mut takeover = Takeover::Refuse;
    let mut timeout = Duration::from_secs(30);
    let mut legacy = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value; {USAGE}"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--base-url" => base_url = Some(value("--base-url")?),
            "--token" => token = Some(value("--token")?),
            "--mdm-id" => id = value("--mdm-id")?,
            "--mdm-name" => name = value("--mdm-name")?,
            "--mdm-metadata" => metadata = value("--mdm-metadata")?,
            "--accept-takeover" => takeover = Takeover::Accept,
            "--legacy" => legacy = true,
            "--timeout-secs" => {
                let v = value("--timeout-secs")?;
                let secs: u64 = v.parse().ok().filter(|s| *s > 0).ok_or(format!(
                    "--timeout-secs {v:?} is not a positive whole number"
                ))?;
                timeout = Duration::from_secs(secs);
            }
            other => return Err(format!("unexpected argument {other:?}; {USAGE}")),
        }
    }
    if legacy && base_url.is_some() {
        return Err(format!(
            "--legacy sets up the built-in fake service; leave out --base-url; {USAGE}"
        ));
    }
    let identity = MdmIdentity::builder()
        .id(id)
        .name(name)
        .metadata(metadata)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Some(Args {
        base_url,
        token: token.unwrap_or_else(|| SAMPLE.to_owned()),
        identity,
        takeover,
        timeout,
        legacy,
    }))
}

fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn print_account(account: &VppAccount) {
    println!("Location:     {}", account.location());
    println!(
        "Expires:      {} (Apple's date when Apple gave one)",
        utc(account.expiry())
    );
    match account.protocol() {
        Protocol::V2 => println!("Protocol:     v2"),
        Protocol::V1 => {
            println!("Protocol:     legacy v1 (an account-based token, which Apple's v2 refuses)")
        }
    }
}

/// The MDM that manages the built-in fake's location.
const OTHER_MDM_ID: &str = "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11";

/// The built-in fake: Berlin Office, managed by "Example MDM" (over v2, or with `legacy`
/// over v1 as `{"hostname", "guid"}`), accepting `token`.
async fn start_fake(token: &VppToken, legacy: bool) -> Result<RunningSimulator, String> {
    let mut berlin = LocationSpec::new("981060278089131045", "Berlin Office");
    berlin.country = "DE".into();
    berlin.org_name = token.org_name().to_owned();
    berlin.token_expires = "2027-09-26T08:30:39+0000".into();
    berlin.token = Some(token.expose_credential().to_owned());
    if legacy {
        berlin.legacy = true;
        berlin.legacy_client_context = Some(
            serde_json::json!({"hostname": "mdm.example.com", "guid": OTHER_MDM_ID}).to_string(),
        );
    } else {
        berlin.mdm_info = Some(MdmInfo {
            id: OTHER_MDM_ID.into(),
            name: "Example MDM".into(),
            metadata: "mdm.example.com".into(),
        });
    }
    let scenario = Scenario {
        locations: vec![berlin],
        ..Scenario::empty()
    };
    Simulator::start(scenario, SimOptions::default())
        .await
        .map_err(|e| format!("could not start the built-in fake service: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("configure: {message}");
            return ExitCode::from(2);
        }
    };
    let token = match VppToken::from_path(&args.token) {
        Ok(token) => token,
        Err(e) => {
            eprintln!("configure: {}", with_causes(&e));
            return ExitCode::from(2);
        }
    };
    println!(
        "Token:        organization {:?}, expires {}",
        token.org_name(),
        utc(token.file_expiry_utc())
    );

    // Without --base-url, a fake Apple (the simulator) whose location another MDM manages.
    let _fake;
    let base_url = match args.base_url {
        Some(url) => url,
        None => {
            let fake = match start_fake(&token, args.legacy).await {
                Ok(fake) => fake,
                Err(e) => {
                    eprintln!("configure: {e}");
                    return ExitCode::from(1);
                }
            };
            if args.legacy {
                println!(
                    "Apple:        a fake Apps and Books service on {} (no --base-url given), v1 only: the location is account-based (legacy)",
                    fake.addr()
                );
            } else {
                println!(
                    "Apple:        a fake Apps and Books service on {} (no --base-url given)",
                    fake.addr()
                );
            }
            let url = fake.base_url();
            _fake = fake;
            url
        }
    };
    let client = match VppClient::builder()
        .base_url(base_url)
        .timeout(args.timeout)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            eprintln!("configure: {}", with_causes(&e));
            return ExitCode::from(2);
        }
    };
    println!(
        "This MDM:     {:?} (id {})",
        args.identity.name(),
        args.identity.id()
    );

    match client
        .location(&token)
        .configure(&args.identity, &args.takeover.clone().into())
        .await
    {
        Ok(ConfigureOutcome::AlreadyOurs(account)) => {
            print_account(&account);
            println!("Ownership:    already managed by this MDM");
            println!("Result:       configured; nothing needed changing");
            ExitCode::SUCCESS
        }
        Ok(ConfigureOutcome::Claimed(account)) => {
            print_account(&account);
            match account.took_over_from() {
                Some(owner) => println!(
                    "Ownership:    was managed by another MDM, {owner}; taken over as the admin accepted"
                ),
                None => println!("Ownership:    was unclaimed"),
            }
            println!("Result:       configured; this MDM now manages the location");
            ExitCode::SUCCESS
        }
        Ok(ConfigureOutcome::ManagedElsewhere { owner, location }) => {
            println!("Location:     {location}");
            println!("Ownership:    managed by another MDM, {owner}");
            println!(
                "Result:       not configured. Only one MDM should manage a location; to move it to this MDM, run again with --accept-takeover"
            );
            ExitCode::from(3)
        }
        Ok(other) => {
            let _ = other;
            eprintln!("configure: an outcome this example does not know");
            ExitCode::FAILURE
        }
        Err(e) if e.is_managed_elsewhere() => {
            println!("Result:       not configured: {e}");
            ExitCode::from(3)
        }
        Err(e) => {
            let rejected = e.needs_new_token();
            println!("Result:       not configured: {e}");
            eprintln!("configure: {}", with_causes(&e));
            ExitCode::from(if rejected { 4 } else { 1 })
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
