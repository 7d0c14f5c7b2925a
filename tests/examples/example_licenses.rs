//! The `licenses` example's contract: the exact JSON shapes, the exit codes (0, 5, 4, 2),
//! `--since`, the table, and that no credential is ever printed.
//!
//! Most tests call the example's own code in-process (`examples/licenses/cli.rs` and
//! `output.rs`, included with `#[path]`): fast, and the same code the binary runs. The
//! last test runs the built binary, `target/<profile>/examples/licenses`, to check what
//! only a process shows (stdout holds exactly the JSON, the exit status); it is found, and
//! built when needed, by `common::example_bin`. Alone, run this file as
//! `cargo test --all-features --test examples -- example_licenses::`.
#![cfg(feature = "client")]

#[path = "../../examples/licenses/cli.rs"]
mod cli;
#[path = "../../examples/licenses/output.rs"]
mod output;

use std::collections::BTreeSet;

use apple_vpp_sim::{RunningSimulator, Scenario, SimOptions, Simulator};
use chrono::{Duration as TimeDelta, Utc};
use serde_json::Value;

const UID: &str = "981060278089131045";

struct Run {
    code: u8,
    out: String,
    err: String,
}

impl Run {
    fn json(&self) -> Value {
        let mut lines = self.out.lines();
        let line = lines.next().unwrap_or_default();
        assert_eq!(
            lines.next(),
            None,
            "exactly one line on stdout: {}",
            self.out
        );
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {}", self.out))
    }
}

async fn run(args: &[&str]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = args.iter().map(|a| a.to_string()).collect();
    let code = cli::run(args, &mut out, &mut err).await;
    let run = Run {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    };
    assert_no_credential(&run);
    run
}

/// The credentials these tests use: the simulator's (default scenario) and the sample's.
fn credentials() -> Vec<String> {
    let sample = std::fs::read_to_string(sample_token()).unwrap();
    let token: apple_vpp::VppToken = sample.parse().unwrap();
    vec![
        sample.trim().to_owned(),
        token.expose_inner_token().to_owned(),
    ]
}

#[track_caller]
fn assert_no_credential(run: &Run) {
    for secret in credentials()
        .iter()
        .chain(SIM_TOKENS.lock().unwrap().iter())
    {
        for text in [&run.out, &run.err] {
            assert!(
                !text.contains(secret.as_str()),
                "credential printed: {text}"
            );
        }
    }
}

/// Every simulator credential handed out in these tests.
static SIM_TOKENS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn sample_token() -> String {
    format!(
        "{}/examples/data/sample.vpptoken",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A simulator of the tests' own, and its token written to a file.
async fn sim(scenario: Scenario) -> (RunningSimulator, String) {
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap();
    let token = sim.token(UID).unwrap();
    SIM_TOKENS.lock().unwrap().push(token.clone());
    let file = format!(
        "{}/licenses-{}.vpptoken",
        env!("CARGO_TARGET_TMPDIR"),
        sim.addr().port()
    );
    std::fs::write(&file, format!("{token}\n")).unwrap();
    (sim, file)
}

fn fast() -> Scenario {
    Scenario {
        event_delay_ms: 20,
        ..Scenario::default()
    }
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn set<'a>(keys: &[&'a str]) -> BTreeSet<&'a str> {
    keys.iter().copied().collect()
}

#[tokio::test]
async fn assets_json_has_exactly_the_contracts_keys_and_types() {
    let run = run(&["--json", "assets"]).await;
    assert_eq!(run.code, 0, "{}", run.err);
    let v = run.json();
    assert_eq!(keys(&v), set(&["assets", "pages"]));
    assert_eq!(v["pages"], 1);
    let assets = v["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 3);
    for a in assets {
        assert_eq!(
            keys(a),
            set(&[
                "adam_id",
                "pricing_param",
                "product_type",
                "assigned",
                "available",
                "retired",
                "total",
                "device_assignable",
                "revocable"
            ])
        );
        assert!(a["adam_id"].is_string() && a["pricing_param"].is_string());
        assert!(a["product_type"].is_string());
        for n in ["assigned", "available", "retired", "total"] {
            assert!(a[n].is_u64(), "{n}: {a}");
        }
        assert!(a["device_assignable"].is_boolean() && a["revocable"].is_boolean());
    }
    let app = assets.iter().find(|a| a["adam_id"] == "409203825").unwrap();
    // The built-in simulator starts with three of its ten licenses assigned.
    assert_eq!(
        (app["assigned"].as_u64(), app["available"].as_u64()),
        (Some(3), Some(7))
    );
    let book = assets
        .iter()
        .find(|a| a["adam_id"] == "1234567890")
        .unwrap();
    assert_eq!(book["product_type"], "Book");
    assert_eq!(book["device_assignable"], false);
}

#[tokio::test]
async fn assignments_and_users_json_shapes() {
    let run1 = run(&["--json", "assignments"]).await;
    assert_eq!(run1.code, 0, "{}", run1.err);
    let v = run1.json();
    assert_eq!(
        keys(&v),
        set(&["assignments", "version_id", "full", "complete"])
    );
    assert!(v["version_id"].is_string());
    assert_eq!(v["full"], true);
    assert_eq!(v["complete"], true);
    assert!(
        !run1.err.contains("pass(es)"),
        "no warning when the sync settled: {}",
        run1.err
    );
    let records = v["assignments"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    let device = set(&["adam_id", "pricing_param", "serial_number"]);
    let user = set(&["adam_id", "pricing_param", "client_user_id"]);
    for r in records {
        assert!(keys(r) == device || keys(r) == user, "{r}");
        assert!(r["adam_id"].is_string(), "{r}");
    }
    assert_eq!(records.iter().filter(|r| keys(r) == user).count(), 1);

    let run2 = run(&["users", "--json"]).await;
    assert_eq!(run2.code, 0, "{}", run2.err);
    let v = run2.json();
    assert_eq!(keys(&v), set(&["users", "version_id", "full", "complete"]));
    assert_eq!(v["complete"], true);
    assert!(
        !run2.err.contains("pass(es)"),
        "no warning when the sync settled: {}",
        run2.err
    );
    let users = v["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    for u in users {
        assert_eq!(
            keys(u),
            set(&[
                "client_user_id",
                "email",
                "status",
                "invite_code",
                "id_hash"
            ])
        );
        assert!(u["id_hash"].is_null(), "absent values are null: {u}");
        assert_eq!(u["status"], "Registered");
    }
}

#[tokio::test]
async fn since_gives_an_incremental_answer_and_an_unknown_version_a_full_one() {
    let (_sim, token) = sim(fast()).await;
    let base = _sim.base_url();
    let common = [
        "--base-url",
        base.as_str(),
        "--token",
        token.as_str(),
        "--json",
    ];
    let first = run(&[&common[..], &["assignments"]].concat()).await;
    assert_eq!(first.code, 0, "{}", first.err);
    let first = first.json();
    assert_eq!(first["assignments"], Value::Array(vec![]));
    let version = first["version_id"].as_str().unwrap().to_owned();

    let assign = run(&[
        &common[..],
        &[
            "assign",
            "--adam-id",
            "409203825",
            "--users",
            "u-2",
            "--poll-secs",
            "0",
        ],
    ]
    .concat())
    .await;
    assert_eq!(assign.code, 0, "{} {}", assign.out, assign.err);

    let since = run(&[&common[..], &["assignments", "--since", &version]].concat()).await;
    assert_eq!(since.code, 0, "{}", since.err);
    let v = since.json();
    assert_eq!(v["full"], false);
    assert_eq!(
        v["assignments"],
        serde_json::json!([{"adam_id": "409203825", "pricing_param": "STDQ", "client_user_id": "u-2"}])
    );
    assert_ne!(v["version_id"], version.as_str());

    let unknown = run(&[&common[..], &["users", "--since", "no-such-version"]].concat()).await;
    assert_eq!(unknown.code, 0, "{}", unknown.err);
    assert_eq!(unknown.json()["full"], true);
    assert!(unknown.err.contains("9721"), "{}", unknown.err);
}

#[tokio::test]
async fn writes_print_one_event_per_batch_in_order_and_exit_0_when_complete() {
    let (_sim, token) = sim(Scenario {
        max_serial_numbers: 2,
        max_revoke_serial_numbers: 2,
        ..fast()
    })
    .await;
    let base = _sim.base_url();
    let common = [
        "--base-url",
        base.as_str(),
        "--token",
        token.as_str(),
        "--json",
    ];
    let serials = "S1,S2,S3,S2,S4,S5";
    let assign = run(&[
        &common[..],
        &[
            "assign",
            "--adam-id",
            "409203825",
            "--pricing",
            "STDQ",
            "--serials",
            serials,
            "--poll-secs",
            "0",
        ],
    ]
    .concat())
    .await;
    assert_eq!(assign.code, 0, "{} {}", assign.out, assign.err);
    let v = assign.json();
    assert_eq!(keys(&v), set(&["events"]));
    let events = v["events"].as_array().unwrap();
    let requested: Vec<_> = events
        .iter()
        .map(|e| e["requested"].as_u64().unwrap())
        .collect();
    assert_eq!(
        requested,
        [2, 2, 1],
        "5 distinct serials, maxSerialNumbers 2"
    );
    let ids: Vec<_> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "in batch order (the simulator numbers events)");
    for e in events {
        assert_eq!(
            keys(e),
            set(&["event_id", "status", "requested", "completed", "failures"])
        );
        assert_eq!(e["status"], "complete");
        assert_eq!(e["completed"], e["requested"]);
        assert_eq!(e["failures"], Value::Array(vec![]));
    }

    let unassign = run(&[
        &common[..],
        &[
            "unassign",
            "--adam-id",
            "409203825",
            "--serials",
            "S1",
            "--poll-secs",
            "0",
        ],
    ]
    .concat())
    .await;
    assert_eq!(unassign.code, 0, "{}", unassign.err);
    assert_eq!(unassign.json()["events"][0]["status"], "complete");

    let revoke = run(&[
        &common[..],
        &["revoke", "--serials", "S2,S3,S4", "--poll-secs", "0"],
    ]
    .concat())
    .await;
    assert_eq!(revoke.code, 0, "{}", revoke.err);
    let requested: Vec<_> = revoke.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["requested"].as_u64().unwrap())
        .collect();
    assert_eq!(requested, [2, 1], "maxRevokeSerialNumbers 2");
}

#[tokio::test]
async fn a_partial_failure_exits_5_with_the_failures_grouped() {
    // Against the built-in simulator: 361309726 has 5 licenses, 6 devices ask.
    let run = run(&[
        "--json",
        "assign",
        "--adam-id",
        "361309726",
        "--serials",
        "A1,A2,A3,A4,A5,A6",
        "--poll-secs",
        "1",
    ])
    .await;
    assert_eq!(run.code, 5, "{} {}", run.out, run.err);
    let event = run.json()["events"][0].clone();
    assert_eq!(event["status"], "failed");
    assert_eq!(
        (event["requested"].as_u64(), event["completed"].as_u64()),
        (Some(6), Some(5))
    );
    let failures = event["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        keys(&failures[0]),
        set(&[
            "error_number",
            "serial_numbers",
            "client_user_ids",
            "adam_ids"
        ])
    );
    assert_eq!(failures[0]["error_number"], 9709);
    assert_eq!(failures[0]["serial_numbers"].as_array().unwrap().len(), 1);
    assert_eq!(failures[0]["client_user_ids"], Value::Array(vec![]));
    assert_eq!(failures[0]["adam_ids"], serde_json::json!(["361309726"]));
}

#[tokio::test]
async fn an_event_still_pending_at_the_deadline_exits_5() {
    let (_sim, token) = sim(Scenario {
        event_delay_ms: 60_000,
        ..Scenario::default()
    })
    .await;
    let base = _sim.base_url();
    let run = run(&[
        "--base-url",
        &base,
        "--token",
        &token,
        "--json",
        "assign",
        "--adam-id",
        "409203825",
        "--users",
        "u-1",
        "--poll-secs",
        "0",
        "--wait-secs",
        "0",
    ])
    .await;
    assert_eq!(run.code, 5, "{} {}", run.out, run.err);
    assert_eq!(run.json()["events"][0]["status"], "pending");
}

#[tokio::test]
async fn a_rejected_token_exits_4() {
    // A token the built-in simulator does not know: 9622.
    let unknown = run(&["--token", &sample_token(), "--json", "assets"]).await;
    assert_eq!(unknown.code, 4, "{}", unknown.err);
    assert!(unknown.err.contains("9622"), "{}", unknown.err);
    assert_eq!(unknown.out, "", "nothing on stdout");

    let (sim, token) = sim(fast()).await;
    let base = sim.base_url();
    sim.set_revoked(UID, true);
    let revoked = run(&["--base-url", &base, "--token", &token, "users"]).await;
    assert_eq!(revoked.code, 4, "{}", revoked.err);
    assert!(revoked.err.contains("9625"), "{}", revoked.err);
    sim.set_revoked(UID, false);
    let past = (Utc::now() - TimeDelta::days(1)).fixed_offset();
    sim.set_token_expires(UID, past);
    let expired = run(&["--base-url", &base, "--token", &token, "assignments"]).await;
    assert_eq!(expired.code, 4, "{}", expired.err);
    assert!(expired.err.contains("9621"), "{}", expired.err);
}

#[tokio::test]
async fn the_built_in_simulator_accepts_its_own_token_from_a_file() {
    // Its token is deterministic: the default scenario's.
    let (_sim, token) = sim(Scenario::default()).await;
    let run = run(&["--token", &token, "--json", "users"]).await;
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(run.json()["users"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_arguments_and_token_files_exit_2() {
    let missing = format!("{}/no-such.vpptoken", env!("CARGO_TARGET_TMPDIR"));
    let garbage = format!("{}/garbage.vpptoken", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(&garbage, "not a token").unwrap();
    let sample = sample_token();
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["assets", "--since", "v1"],
        vec!["assets", "extra"],
        vec!["assign", "--serials", "A"],
        vec!["assign", "--adam-id", "1", "--serials", "A", "--users", "u"],
        vec!["assign", "--adam-id", "1"],
        vec![
            "assign",
            "--adam-id",
            "1",
            "--pricing",
            "FREE",
            "--serials",
            "A",
        ],
        vec!["revoke", "--adam-id", "1", "--serials", "A"],
        vec!["users", "--poll-secs", "1"],
        vec!["--timeout-secs", "0", "assets"],
        vec!["--timeout-secs", "soon", "assets"],
        vec!["assets", "--token"],
        vec!["--base-url", "http://127.0.0.1:9/mdm/v2", "assets"],
        vec!["--token", missing.as_str(), "assets"],
        vec!["--token", garbage.as_str(), "assets"],
        vec![
            "--base-url",
            "http://example.com/mdm/v2",
            "--token",
            sample.as_str(),
            "assets",
        ],
    ] {
        let run = run(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.err);
        assert_eq!(run.out, "", "{args:?}");
        assert!(run.err.starts_with("error: "), "{args:?}: {}", run.err);
    }
    // Refused by the core before anything is sent: an empty serial number.
    let blank = run(&["assign", "--adam-id", "409203825", "--serials", "A,,B"]).await;
    assert_eq!(blank.code, 2, "{}", blank.err);
    assert!(blank.err.contains("empty serialNumbers"), "{}", blank.err);
}

#[tokio::test]
async fn without_json_it_prints_tables() {
    let assets = run(&["assets"]).await;
    assert_eq!(assets.code, 0);
    let lines: Vec<&str> = assets.out.lines().collect();
    assert!(lines[0].starts_with("ADAM ID"), "{}", assets.out);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("409203825") && l.contains("App"))
    );
    assert!(
        assets.out.contains("3 asset(s) in 1 page(s)"),
        "{}",
        assets.out
    );
    assert!(serde_json::from_str::<Value>(&assets.out).is_err());

    let users = run(&["users"]).await;
    assert!(users.out.contains("u-1") && users.out.contains("anna@example.com"));
    assert!(users.out.contains("next time: --since "), "{}", users.out);

    let assign = run(&[
        "assign",
        "--adam-id",
        "361309726",
        "--serials",
        "A1,A2,A3,A4,A5,A6",
        "--poll-secs",
        "1",
    ])
    .await;
    assert_eq!(assign.code, 5);
    assert!(
        assign.out.contains("failed") && assign.out.contains("5/6"),
        "{}",
        assign.out
    );
    assert!(assign.out.contains("9709"), "{}", assign.out);
}

#[tokio::test]
async fn the_built_binary_prints_only_the_json_and_exits_with_the_code() {
    let binary = crate::common::example_bin::example_bin("licenses");
    let out = std::process::Command::new(&binary)
        .args(["--json", "assets"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(stdout.trim_end()).unwrap();
    assert_eq!(v["assets"].as_array().unwrap().len(), 3);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("built-in simulator")
    );

    let bad = std::process::Command::new(&binary)
        .arg("nope")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    let unknown = std::process::Command::new(&binary)
        .args(["--token", &sample_token(), "--json", "users"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(4));
    assert!(unknown.stdout.is_empty());
    let stderr = String::from_utf8(unknown.stderr).unwrap();
    for secret in credentials() {
        assert!(!stderr.contains(&secret), "{stderr}");
    }
}

/// The keys of each JSON object come in the order the contract lists them.
#[tokio::test]
async fn json_keys_come_in_the_contracts_order() {
    fn in_order(text: &str, keys: &[&str]) {
        let at: Vec<usize> = keys
            .iter()
            .map(|k| {
                text.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} missing in {text}"))
            })
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "{keys:?} out of order in {text}"
        );
    }
    let assets = run(&["--json", "assets"]).await.out;
    in_order(&assets, &["assets", "pages"]);
    in_order(
        &assets,
        &[
            "adam_id",
            "pricing_param",
            "product_type",
            "assigned",
            "available",
            "retired",
            "total",
            "device_assignable",
            "revocable",
        ],
    );
    let assignments = run(&["--json", "assignments"]).await.out;
    in_order(
        &assignments,
        &["assignments", "version_id", "full", "complete"],
    );
    in_order(
        &assignments,
        &["adam_id", "pricing_param", "client_user_id"],
    );
    let users = run(&["--json", "users"]).await.out;
    in_order(&users, &["users", "version_id", "full", "complete"]);
    in_order(
        &users,
        &[
            "client_user_id",
            "email",
            "status",
            "invite_code",
            "id_hash",
        ],
    );
    let events = run(&[
        "--json",
        "assign",
        "--adam-id",
        "361309726",
        "--serials",
        "A1,A2,A3,A4,A5,A6",
        "--poll-secs",
        "0",
    ])
    .await
    .out;
    in_order(
        &events,
        &[
            "events",
            "event_id",
            "status",
            "requested",
            "completed",
            "failures",
        ],
    );
    in_order(
        &events,
        &[
            "error_number",
            "serial_numbers",
            "client_user_ids",
            "adam_ids",
        ],
    );
}

const METADATA_KEYS: [&str; 6] = [
    "name",
    "bundle_id",
    "artwork_url",
    "latest_version",
    "platforms",
    "storefront",
];

#[tokio::test]
async fn assets_metadata_adds_six_keys_from_the_legacy_lookup_without_a_developer_key() {
    let plain = run(&["--json", "assets"]).await.json();
    let run = run(&["--json", "assets", "--metadata"]).await;
    assert_eq!(run.code, 0, "{}", run.err);
    let v = run.json();
    assert_eq!(keys(&v), set(&["assets", "pages"]));
    let assets = v["assets"].as_array().unwrap();
    let plain_assets = plain["assets"].as_array().unwrap();
    for (a, p) in assets.iter().zip(plain_assets) {
        // Every key of the plain output, unchanged, then the six metadata keys.
        for (k, value) in p.as_object().unwrap() {
            if !matches!(k.as_str(), "assigned" | "available") {
                assert_eq!(&a[k], value, "{k}");
            }
        }
        let mut expected = keys(p);
        expected.extend(METADATA_KEYS);
        assert_eq!(keys(a), expected);
    }
    let numbers = assets.iter().find(|a| a["adam_id"] == "409203825").unwrap();
    assert_eq!(numbers["name"], "Numbers");
    assert_eq!(numbers["bundle_id"], "com.apple.iWork.Numbers");
    assert_eq!(numbers["latest_version"], "14.1");
    assert_eq!(numbers["storefront"], "de");
    assert_eq!(
        numbers["artwork_url"],
        "https://is1-ssl.mzstatic.com/image/thumb/apple-vpp-sim/409203825/512x512bb.png"
    );
    assert!(numbers["platforms"].is_array());
    // Sold in us only: found there.
    let pages = assets.iter().find(|a| a["adam_id"] == "361309726").unwrap();
    assert_eq!(
        (&pages["name"], &pages["storefront"]),
        (&"Pages".into(), &"us".into())
    );
    let book = assets
        .iter()
        .find(|a| a["adam_id"] == "1234567890")
        .unwrap();
    assert_eq!(book["name"], "Example Field Guide");
    assert_eq!(book["bundle_id"], Value::Null);
    in_key_order(&run.out);
}

fn in_key_order(text: &str) {
    let order = [
        "\"adam_id\"",
        "\"revocable\"",
        "\"name\"",
        "\"bundle_id\"",
        "\"artwork_url\"",
        "\"latest_version\"",
        "\"platforms\"",
        "\"storefront\"",
    ];
    let first = text.split("},{").next().unwrap();
    let at: Vec<usize> = order.iter().map(|k| first.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");
}

#[tokio::test]
async fn assets_metadata_with_a_developer_key_uses_the_catalog_and_nulls_what_is_nowhere() {
    let dir = format!("{}/licenses-metadata", env!("CARGO_TARGET_TMPDIR"));
    let mut scenario = fast();
    let mut hidden = apple_vpp_sim::AssetSpec::app("555000111", 1);
    hidden.metadata = Some(apple_vpp_sim::AssetMetadataSpec {
        storefronts: Some(vec![]),
        ..Default::default()
    });
    scenario.locations[0].assets.push(hidden);
    let sim = Simulator::start(
        scenario,
        SimOptions {
            token_dir: Some(dir.clone().into()),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    SIM_TOKENS.lock().unwrap().push(sim.token(UID).unwrap());
    let key = format!("{dir}/AuthKey_{}.p8", sim.developer_key_id());
    let token = format!("{dir}/{UID}.vpptoken");
    let (base, meta_base, team, kid) = (
        sim.base_url(),
        sim.metadata_base_url(),
        sim.developer_team_id(),
        sim.developer_key_id(),
    );
    let run = run(&[
        "--base-url",
        &base,
        "--token",
        &token,
        "--json",
        "assets",
        "--metadata",
        "--metadata-base-url",
        &meta_base,
        "--developer-key",
        &key,
        "--team-id",
        &team,
        "--key-id",
        &kid,
    ])
    .await;
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(!run.out.contains("PRIVATE KEY") && !run.err.contains("PRIVATE KEY"));
    let v = run.json();
    let assets = v["assets"].as_array().unwrap();
    let nowhere = assets.iter().find(|a| a["adam_id"] == "555000111").unwrap();
    for k in METADATA_KEYS {
        assert_eq!(nowhere[k], Value::Null, "{k}");
    }
    let numbers = assets.iter().find(|a| a["adam_id"] == "409203825").unwrap();
    assert_eq!(numbers["platforms"], serde_json::json!(["ios", "osx"]));
    let catalog = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/catalog/"))
        .count();
    assert!(catalog > 0);
    assert!(
        sim.requests()
            .iter()
            .all(|r| r.path != "/mdm/v2/contentMetadataLookup")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn metadata_arguments_are_checked_and_a_bad_key_file_exits_2() {
    let garbage = format!("{}/garbage.p8", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    for args in [
        vec!["users", "--metadata"],
        vec![
            "assets",
            "--developer-key",
            "k.p8",
            "--team-id",
            "T",
            "--key-id",
            "K",
        ],
        vec!["assets", "--metadata", "--developer-key", "k.p8"],
        vec![
            "assets",
            "--metadata",
            "--developer-key",
            &garbage,
            "--team-id",
            "DEF123GHIJ",
            "--key-id",
            "ABC123DEFG",
        ],
    ] {
        let run = run(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.err);
        assert_eq!(run.out, "", "{args:?}");
        assert!(!run.err.contains("c2VjcmV0"), "{}", run.err);
    }
}

/// A fake Apple whose `versionId` changes on every page of `path`, so no pass settles.
async fn never_settling(path: &str, record: Value) -> wiremock::MockServer {
    use wiremock::matchers::{method, path as at, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(at("/mdm/v2/service/config"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"limits": {"maxRequestPerSecond": 100}})),
        )
        .mount(&server)
        .await;
    let list = path.trim_start_matches("/mdm/v2/").to_owned();
    for index in 0..2u32 {
        let mut page = serde_json::json!({
            "currentPageIndex": index,
            "size": 1,
            "totalPages": 2,
            "versionId": format!("v{index}"),
        });
        page[list.as_str()] = Value::Array(vec![record.clone()]);
        if index == 0 {
            page["nextPageIndex"] = 1.into();
        }
        Mock::given(method("GET"))
            .and(at(path))
            .and(query_param("pageIndex", index.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn a_sync_that_never_settles_says_complete_false_and_names_the_passes_on_stderr() {
    let cases = [
        (
            "/mdm/v2/users",
            "users",
            serde_json::json!({"clientUserId": "u-1", "status": "Registered"}),
        ),
        (
            "/mdm/v2/assignments",
            "assignments",
            serde_json::json!({"adamId": "408709785", "pricingParam": "STDQ", "serialNumber": "S1"}),
        ),
    ];
    for (path, command, record) in cases {
        let server = never_settling(path, record).await;
        let base = format!("{}/mdm/v2", server.uri());
        let token = sample_token();
        let r = run(&["--base-url", &base, "--token", &token, "--json", command]).await;
        assert_eq!(r.code, 0, "the exit status is unchanged: {}", r.err);
        let v = r.json();
        assert_eq!(
            keys(&v),
            set(&[command, "version_id", "full", "complete"]),
            "{v}"
        );
        assert_eq!(v["complete"], false, "{v}");
        assert_eq!(v["full"], true, "{v}");
        assert!(
            r.out.find("\"full\"").unwrap() < r.out.find("\"complete\"").unwrap(),
            "complete comes after full: {}",
            r.out
        );
        let lines: Vec<&str> = r.err.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {}", r.err);
        assert!(lines[0].contains(command), "{}", lines[0]);
        assert!(
            lines[0].contains("3 pass"),
            "names the passes read: {}",
            lines[0]
        );
    }
}
