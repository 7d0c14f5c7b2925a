//! The `licenses` example's logic: arguments, the built-in simulator, the calls, the exit
//! code. `run` writes only the result to `out` and diagnostics to `err`, so tests can
//! call it in-process.
#![allow(dead_code)]

use std::convert::Infallible;
use std::io::Write;
use std::time::Duration;

use apple_vpp::client::{
    DEFAULT_POLL_INTERVAL, DescribedAsset, MetadataOptions, SendError, SentBatch, SyncError,
    VppClient, WriteError,
};
use apple_vpp::metadata::DeveloperKey;
use apple_vpp::wire::{AssetRef, LicensesRequest, PricingParam, RevokeRequest};
use apple_vpp::{Asset, Assignment, EventId, VppToken, VppUser};
use apple_vpp_sim::{RunningSimulator, Scenario, SimOptions, Simulator};

use super::output::{self, Listing};

pub const USAGE: &str = "\
usage: licenses [--base-url URL] [--token FILE] [--timeout-secs N] [--json] COMMAND
  assets [--metadata [--developer-key FILE --team-id ID --key-id ID] [--metadata-base-url URL]]
  assignments [--since VERSION_ID]
  users [--since VERSION_ID]
  assign   --adam-id ID [--pricing STDQ|PLUS] (--serials S1,S2,... | --users U1,U2,...) [--poll-secs N] [--wait-secs N]
  unassign --adam-id ID [--pricing STDQ|PLUS] (--serials ... | --users ...) [--poll-secs N] [--wait-secs N]
  revoke   (--serials ... | --users ...) [--poll-secs N] [--wait-secs N]";

/// Everything is fine (or a listing was printed).
pub const OK: u8 = 0;
/// Anything else.
pub const FAILED: u8 = 1;
/// Bad arguments or token file.
pub const BAD_ARGS: u8 = 2;
/// Apple rejected the token (9621, 9622, 9625).
pub const TOKEN_REJECTED: u8 = 4;
/// Some event failed (even partly) or is still pending at the deadline.
pub const EVENTS_NOT_COMPLETE: u8 = 5;

/// The built-in simulator's location.
const SIM_LOCATION: &str = "981060278089131045";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Assets,
    Assignments,
    Users,
    Assign,
    Unassign,
    Revoke,
}

#[derive(Debug, Default)]
struct Args {
    base_url: Option<String>,
    token: Option<String>,
    timeout: Option<Duration>,
    json: bool,
    command: Option<Command>,
    since: Option<String>,
    adam_id: Option<String>,
    pricing: Option<PricingParam>,
    serials: Option<Vec<String>>,
    users: Option<Vec<String>>,
    poll: Option<Duration>,
    wait: Option<Duration>,
    metadata: bool,
    developer_key: Option<String>,
    team_id: Option<String>,
    key_id: Option<String>,
    metadata_base_url: Option<String>,
    help: bool,
}

/// Runs the example with `args` (without the program name) and returns the exit code.
pub async fn run(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match parse(args) {
        Ok(args) if args.help => {
            let _ = writeln!(out, "{USAGE}");
            return OK;
        }
        Ok(args) => args,
        Err(message) => {
            let _ = writeln!(err, "error: {message}\n{USAGE}");
            return BAD_ARGS;
        }
    };
    match execute(&args, out, err).await {
        Ok(code) => code,
        Err(Failure::BadInput(message)) => {
            let _ = writeln!(err, "error: {message}");
            BAD_ARGS
        }
        Err(Failure::Client {
            error,
            needs_new_token,
            refused,
        }) => {
            let _ = writeln!(err, "error: {}", with_causes(error.as_ref()));
            if needs_new_token {
                TOKEN_REJECTED
            } else if refused {
                BAD_ARGS
            } else {
                FAILED
            }
        }
        Err(Failure::Other(message)) => {
            let _ = writeln!(err, "error: {message}");
            FAILED
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

enum Failure {
    BadInput(String),
    /// The client's error; whether Apple refused the token; whether the write was refused
    /// before anything was sent (bad arguments).
    Client {
        error: Box<dyn std::error::Error + Send + Sync>,
        needs_new_token: bool,
        refused: bool,
    },
    Other(String),
}

impl From<SendError> for Failure {
    fn from(error: SendError) -> Self {
        Self::Client {
            needs_new_token: error.needs_new_token(),
            refused: false,
            error: Box::new(error),
        }
    }
}

impl From<SyncError> for Failure {
    fn from(error: SyncError) -> Self {
        Self::Client {
            needs_new_token: error.needs_new_token(),
            refused: false,
            error: Box::new(error),
        }
    }
}

impl From<WriteError> for Failure {
    fn from(error: WriteError) -> Self {
        Self::Client {
            needs_new_token: error.needs_new_token(),
            refused: matches!(error, WriteError::Batch(_)),
            error: Box::new(error),
        }
    }
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut a = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .filter(|v| !v.starts_with("--"))
                .ok_or(format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => a.help = true,
            "--json" => a.json = true,
            "--base-url" => a.base_url = Some(value(&arg)?),
            "--token" => a.token = Some(value(&arg)?),
            "--timeout-secs" => a.timeout = Some(seconds(&arg, &value(&arg)?, 1)?),
            "--since" => a.since = Some(value(&arg)?),
            "--adam-id" => a.adam_id = Some(value(&arg)?),
            "--pricing" => {
                a.pricing = Some(match value(&arg)?.as_str() {
                    "STDQ" => PricingParam::Stdq,
                    "PLUS" => PricingParam::Plus,
                    other => return Err(format!("--pricing {other:?} is not STDQ or PLUS")),
                })
            }
            "--serials" => a.serials = Some(list(&value(&arg)?)),
            "--users" => a.users = Some(list(&value(&arg)?)),
            "--poll-secs" => a.poll = Some(seconds(&arg, &value(&arg)?, 0)?),
            "--wait-secs" => a.wait = Some(seconds(&arg, &value(&arg)?, 0)?),
            "--metadata" => a.metadata = true,
            "--developer-key" => a.developer_key = Some(value(&arg)?),
            "--team-id" => a.team_id = Some(value(&arg)?),
            "--key-id" => a.key_id = Some(value(&arg)?),
            "--metadata-base-url" => a.metadata_base_url = Some(value(&arg)?),
            word if !word.starts_with('-') && a.command.is_none() => {
                a.command = Some(match word {
                    "assets" => Command::Assets,
                    "assignments" => Command::Assignments,
                    "users" => Command::Users,
                    "assign" => Command::Assign,
                    "unassign" => Command::Unassign,
                    "revoke" => Command::Revoke,
                    other => return Err(format!("unknown command {other:?}")),
                })
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if a.help {
        return Ok(a);
    }
    check(&a)?;
    Ok(a)
}

/// What each command accepts and needs.
fn check(a: &Args) -> Result<(), String> {
    let command = a.command.ok_or("no command given")?;
    let given = |present: bool, flag: &str, allowed: bool| -> Result<(), String> {
        if present && !allowed {
            return Err(format!("{flag} does not apply to this command"));
        }
        Ok(())
    };
    let listing = matches!(command, Command::Assignments | Command::Users);
    let licenses = matches!(command, Command::Assign | Command::Unassign);
    let write = licenses || command == Command::Revoke;
    given(a.since.is_some(), "--since", listing)?;
    given(a.adam_id.is_some(), "--adam-id", licenses)?;
    given(a.pricing.is_some(), "--pricing", licenses)?;
    given(a.serials.is_some(), "--serials", write)?;
    given(a.users.is_some(), "--users", write)?;
    given(a.poll.is_some(), "--poll-secs", write)?;
    given(a.wait.is_some(), "--wait-secs", write)?;
    given(a.metadata, "--metadata", command == Command::Assets)?;
    for (present, flag) in [
        (a.developer_key.is_some(), "--developer-key"),
        (a.team_id.is_some(), "--team-id"),
        (a.key_id.is_some(), "--key-id"),
        (a.metadata_base_url.is_some(), "--metadata-base-url"),
    ] {
        given(present, flag, a.metadata)?;
    }
    let developer = [&a.developer_key, &a.team_id, &a.key_id];
    if developer.iter().any(|v| v.is_some()) && !developer.iter().all(|v| v.is_some()) {
        return Err("--developer-key, --team-id and --key-id go together".into());
    }
    if licenses && a.adam_id.is_none() {
        return Err("--adam-id is required".into());
    }
    if write && a.serials.is_some() == a.users.is_some() {
        return Err("give either --serials or --users".into());
    }
    if a.base_url.is_some() && a.token.is_none() {
        return Err("--token FILE is required with --base-url".into());
    }
    Ok(())
}

fn seconds(flag: &str, value: &str, min: u64) -> Result<Duration, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|&n| n >= min)
        .map(Duration::from_secs)
        .ok_or(format!(
            "{flag} {value:?} is not a whole number of seconds (at least {min})"
        ))
}

/// `S1,S2,...`, as given (the core refuses blanks and removes duplicates).
fn list(value: &str) -> Vec<String> {
    value.split(',').map(|s| s.trim().to_owned()).collect()
}

async fn execute(a: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let token = match &a.token {
        Some(path) => Some(
            VppToken::from_path(path)
                .map_err(|e| Failure::BadInput(format!("the token file {path:?}: {e}")))?,
        ),
        None => None,
    };
    let developer = match (&a.developer_key, &a.team_id, &a.key_id) {
        (Some(path), Some(team), Some(kid)) => Some(std::sync::Arc::new(
            DeveloperKey::from_path(path, team, kid)
                .map_err(|e| Failure::BadInput(format!("--developer-key: {e}")))?,
        )),
        _ => None,
    };
    // Kept alive until the command is done.
    let mut _sim: Option<RunningSimulator> = None;
    let mut metadata_base_url = a.metadata_base_url.clone();
    let (base_url, token) = match &a.base_url {
        Some(url) => (
            url.clone(),
            token.expect("checked: --token with --base-url"),
        ),
        None => {
            let sim = start_simulator().await?;
            let _ = writeln!(
                err,
                "using the built-in simulator at {} (location Berlin Office)",
                sim.base_url()
            );
            let sim_token = sim.token(SIM_LOCATION).expect("the simulator's location");
            let token = match token {
                Some(token) => token,
                None => sim_token
                    .parse()
                    .map_err(|e| Failure::Other(format!("{e}")))?,
            };
            let url = sim.base_url();
            if metadata_base_url.is_none() {
                metadata_base_url = Some(sim.metadata_base_url());
            }
            _sim = Some(sim);
            (url, token)
        }
    };
    let mut builder = VppClient::builder().base_url(base_url);
    if let Some(timeout) = a.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(url) = metadata_base_url {
        builder = builder.metadata_base_url(url);
    }
    if let Some(key) = developer {
        builder = builder.developer_key(key);
    }
    let client = builder
        .build()
        .map_err(|e| Failure::BadInput(format!("--base-url: {e}")))?;
    if a.base_url.is_none() && a.token.is_none() {
        seed(&client, &token).await?;
    }
    let command = a.command.expect("checked");
    match command {
        Command::Assets if a.metadata => {
            let mut described: Vec<DescribedAsset> = Vec::new();
            let outcome = client
                .location(&token)
                .describe_assets(&MetadataOptions::default(), |batch| {
                    described.extend(batch);
                    Ok::<_, Infallible>(())
                })
                .await?;
            output::described_assets(out, a.json, &described, outcome.pages);
        }
        Command::Assets => {
            let mut assets: Vec<Asset> = Vec::new();
            let outcome = client
                .location(&token)
                .list_assets(|page| {
                    // A new pass (the location changed mid-sync) replaces the last one.
                    if page.abandons_previous_pass() {
                        assets.clear();
                    }
                    assets.extend(page.records);
                    Ok::<_, Infallible>(())
                })
                .await?;
            output::assets(out, a.json, &assets, outcome.pages);
        }
        Command::Assignments => {
            let mut records: Vec<Assignment> = Vec::new();
            let outcome = client
                .location(&token)
                .sync_assignments(a.since.as_deref(), |page| {
                    // A new pass (the location changed mid-sync) replaces the last one.
                    if page.abandons_previous_pass() {
                        records.clear();
                    }
                    records.extend(page.records);
                    Ok::<_, Infallible>(())
                })
                .await?;
            note_fallback(err, outcome.fell_back);
            let listing = Listing::new(&records, &outcome);
            output::warn_incomplete(err, "assignments", &listing);
            output::assignments(out, a.json, &listing);
        }
        Command::Users => {
            let mut records: Vec<VppUser> = Vec::new();
            let outcome = client
                .location(&token)
                .sync_users(a.since.as_deref(), |page| {
                    // A new pass (the location changed mid-sync) replaces the last one.
                    if page.abandons_previous_pass() {
                        records.clear();
                    }
                    records.extend(page.records);
                    Ok::<_, Infallible>(())
                })
                .await?;
            note_fallback(err, outcome.fell_back);
            let listing = Listing::new(&records, &outcome);
            output::warn_incomplete(err, "users", &listing);
            output::users(out, a.json, &listing);
        }
        Command::Assign | Command::Unassign | Command::Revoke => {
            return write(&client, &token, a, command, out, err).await;
        }
    }
    Ok(OK)
}

fn note_fallback(err: &mut dyn Write, fell_back: bool) {
    if fell_back {
        let _ = writeln!(
            err,
            "Apple no longer knows that --since version (9721): this is a full sync instead"
        );
    }
}

/// Sends the write in batches, waits for its events and prints them.
async fn write(
    client: &VppClient,
    token: &VppToken,
    a: &Args,
    command: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let serials = a.serials.clone().unwrap_or_default();
    let users = a.users.clone().unwrap_or_default();
    let events: Vec<EventId> = if command == Command::Revoke {
        let request = RevokeRequest::new(serials, users);
        ids(client.location(token).revoke(request).await?)
    } else {
        let adam_id = a.adam_id.clone().expect("checked");
        let pricing = a.pricing.clone().unwrap_or(PricingParam::Stdq);
        let request = LicensesRequest::new([AssetRef::new(adam_id, pricing)], serials, users);
        if command == Command::Assign {
            ids(client.location(token).associate(request).await?)
        } else {
            ids(client.location(token).disassociate(request).await?)
        }
    };
    let poll = a.poll.unwrap_or(DEFAULT_POLL_INTERVAL);
    let wait = a.wait.unwrap_or(Duration::from_secs(600));
    let _ = writeln!(
        err,
        "sent {} request(s); polling their status every {}s for up to {}s",
        events.len(),
        poll.as_secs(),
        wait.as_secs()
    );
    let statuses = client
        .location(token)
        .wait_for_events(&events, poll, wait)
        .await?;
    output::events(out, a.json, &events, &statuses);
    let complete = statuses
        .iter()
        .all(|s| s.state == apple_vpp::wire::EventState::Complete);
    Ok(if complete { OK } else { EVENTS_NOT_COMPLETE })
}

fn ids<R>(sent: Vec<SentBatch<R>>) -> Vec<EventId> {
    sent.into_iter().map(|b| b.event_id).collect()
}

/// The built-in simulator: the default scenario (three assets, users `u-1` and `u-2`),
/// events that run after 200 ms.
async fn start_simulator() -> Result<RunningSimulator, Failure> {
    let scenario = Scenario {
        event_delay_ms: 200,
        ..Scenario::default()
    };
    Simulator::start(scenario, SimOptions::default())
        .await
        .map_err(|e| Failure::Other(format!("the built-in simulator did not start: {e}")))
}

/// A few assignments, so that the listings are not empty: 409203825 on two devices and
/// on user `u-1`.
async fn seed(client: &VppClient, token: &VppToken) -> Result<(), Failure> {
    let request = LicensesRequest::new(
        [AssetRef::new("409203825", PricingParam::Stdq)],
        ["C02SIM000001", "C02SIM000002"],
        ["u-1"],
    );
    let events = ids(client.location(token).associate(request).await?);
    client
        .location(token)
        .wait_for_events(&events, Duration::from_millis(50), Duration::from_secs(10))
        .await?;
    Ok(())
}
