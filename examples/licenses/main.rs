//! Licenses and users from the command line: list a location's assets, assignments and
//! users; assign licenses to devices or users, take them back, revoke them, and wait for
//! Apple to finish.
//!
//! ```text
//! cargo run --features client --example licenses -- [--base-url URL] [--token FILE] [--timeout-secs N] [--json] COMMAND
//!   assets
//!   assignments [--since VERSION_ID]
//!   users [--since VERSION_ID]
//!   assign   --adam-id ID [--pricing STDQ|PLUS] (--serials S1,S2,... | --users U1,U2,...) [--poll-secs N] [--wait-secs N]
//!   unassign --adam-id ID [--pricing STDQ|PLUS] (--serials ... | --users ...) [--poll-secs N] [--wait-secs N]
//!   revoke   (--serials ... | --users ...) [--poll-secs N] [--wait-secs N]
//! ```
//!
//! Without `--base-url` it starts the simulator (`apple-vpp-sim`) in-process on
//! 127.0.0.1 with a few assets, users and assignments, and uses its token (or `--token`),
//! so it works on a fresh clone; `assign --poll-secs 1` completes there in about a
//! second.
//!
//! `--json` prints exactly one JSON object on stdout:
//! - `assets`: `{"assets":[{"adam_id","pricing_param","product_type","assigned","available","retired","total","device_assignable","revocable"}],"pages":N}`
//! - `assignments`: `{"assignments":[{"adam_id","pricing_param","serial_number"} | {"adam_id","pricing_param","client_user_id"}],"version_id":"...","full":true|false,"complete":true|false}`
//! - `users`: `{"users":[{"client_user_id","email","status","invite_code","id_hash"}],"version_id":"...","full":true|false,"complete":true|false}`
//! - `assign` / `unassign` / `revoke`: `{"events":[{"event_id","status","requested","completed","failures":[{"error_number","serial_numbers","client_user_ids","adam_ids"}]}]}`,
//!   one entry per request sent (batches of Apple's limits, in the order given).
//!
//! `full` is false for an incremental answer (`--since`), true for a full sync, also when
//! Apple no longer knew the version (9721) and a full sync replaced it. `complete` is false
//! when the location kept changing during every pass the client read (it reads up to
//! three): the list may then lack records that existed throughout, so keep records it does
//! not show; one line on stderr says how many passes were read. The exit code is the same
//! either way. Absent values are
//! `null`; `adam_id` is always a string. The writes poll each event's status every
//! `--poll-secs` (default 30, Apple's minimum) until none is pending or `--wait-secs`
//! (default 600) has passed.
//!
//! Exit codes: 0 everything complete (or a listing printed); 5 some event failed (even
//! partly) or is still pending at the deadline; 4 Apple rejected the token (9621, 9622,
//! 9625); 2 bad arguments or token file; 1 anything else. Without `--json` it prints a
//! table. Diagnostics go to stderr. It never prints the credential.

mod cli;
mod output;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::run(args, &mut std::io::stdout(), &mut std::io::stderr()).await;
    ExitCode::from(code)
}
