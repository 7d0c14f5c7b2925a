//! A large location is served a page at a time without reading the whole location; and
//! the on-demand controls MDM tests need: another MDM claiming now, a renewed token, the
//! request counts, the state dump and the reset (on the handle and through the binary's
//! stdin commands); and a large scenario loads in time linear in its size.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use apple_vpp_sim::{AssetSpec, AssignmentSpec, LocationSpec, MdmInfo, Scenario};
use common::*;
use serde_json::{Value, json};

const ASSIGNED: usize = 200_000;

fn serial(n: usize) -> String {
    format!("S{n:06}")
}

fn large() -> Scenario {
    let mut loc = LocationSpec::new(UID, "Large");
    loc.assets.push(AssetSpec::app("1", ASSIGNED as u64 + 10));
    loc.assignments = (0..ASSIGNED)
        .map(|n| AssignmentSpec::device("1", &serial(n)))
        .collect();
    Scenario {
        locations: vec![loc],
        ..scenario()
    }
}

fn serials(page: &Value) -> Vec<String> {
    page["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["serialNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_page_of_a_large_location_reads_only_that_page() {
    let sim = start(large()).await;
    let t = token(&sim);
    let before = sim.records_examined();
    let (status, page) = get(&sim, "assignments?pageIndex=1500", Some(&t)).await;
    assert_eq!(status, 200, "{page}");
    let read = sim.records_examined() - before;
    assert!(read <= 2 * 100, "a page of 100 read {read} stored records");
    assert_eq!(page["totalPages"], 2000);
    assert_eq!(page["currentPageIndex"], 1500);
    assert_eq!(page["nextPageIndex"], 1501);
    let expect: Vec<String> = (150_000..150_100).map(serial).collect();
    assert_eq!(serials(&page), expect);
    let (_, last) = get(&sim, "assignments?pageIndex=1999", Some(&t)).await;
    assert!(last.get("nextPageIndex").is_none());
    assert_eq!(serials(&last).last().unwrap(), &serial(ASSIGNED - 1));

    // A removal before the page closes the list up: the page's records shift by one.
    let done = run_event(&sim, "assets/disassociate", assoc("1", &[&serial(10)], &[])).await;
    assert_eq!(done["eventStatus"], "COMPLETE");
    let before = sim.records_examined();
    let (_, shifted) = get(&sim, "assignments?pageIndex=1500", Some(&t)).await;
    assert!(sim.records_examined() - before <= 2 * 100);
    let expect: Vec<String> = (150_001..150_101).map(serial).collect();
    assert_eq!(serials(&shifted), expect);

    // An incremental page reads only what changed since.
    let version = shifted["versionId"].as_str().unwrap().to_owned();
    run_event(
        &sim,
        "assets/associate",
        assoc("1", &["NEW-1", "NEW-2"], &[]),
    )
    .await;
    let before = sim.records_examined();
    let (_, since) = get(
        &sim,
        &format!("assignments?sinceVersionId={version}"),
        Some(&t),
    )
    .await;
    assert!(sim.records_examined() - before <= 10);
    assert_eq!(serials(&since), ["NEW-1", "NEW-2"]);
    assert_eq!(since["totalPages"], 1);

    // A page filtered by serial number reads only that device's records.
    let before = sim.records_examined();
    let (_, one) = get(&sim, "assignments?serialNumber=S123456", Some(&t)).await;
    assert!(sim.records_examined() - before <= 10);
    assert_eq!(serials(&one), ["S123456"]);
}

#[tokio::test]
async fn another_mdm_claims_on_demand_and_a_renewed_token_replaces_the_old_one() {
    let sim = start(scenario()).await;
    let old = token(&sim);
    let other = MdmInfo {
        id: "rival".into(),
        name: "Rival MDM".into(),
        metadata: "rival.example.com".into(),
    };
    assert!(sim.claim_as_other(UID, other.clone()));
    let (_, config) = get(&sim, "client/config", Some(&old)).await;
    assert_eq!(config["mdmInfo"]["id"], "rival");
    assert!(!sim.claim_as_other("1", other));

    let (_, before) = get(&sim, "client/config", Some(&old)).await;
    let renewed = sim.renew_token(UID).unwrap();
    assert_ne!(renewed, old);
    assert_eq!(sim.token(UID).as_deref(), Some(renewed.as_str()));
    let (status, refused) = get(&sim, "client/config", Some(&old)).await;
    assert_eq!((status, refused["errorNumber"].clone()), (200, json!(9622)));
    let (status, config) = get(&sim, "client/config", Some(&renewed)).await;
    assert_eq!(status, 200);
    assert_eq!(config["locationName"], "Berlin Office");
    assert_ne!(config["tokenExpirationDate"], before["tokenExpirationDate"]);
    assert_eq!(sim.counts_for_token(&renewed).requests, 1);
    assert!(sim.renew_token("1").is_none());
}

const BIN: &str = env!("CARGO_BIN_EXE_apple-vpp-sim");

/// Reads stderr lines until one starts with `apple-vpp-sim: {prefix}`.
fn answer(lines: &mut impl Iterator<Item = std::io::Result<String>>, prefix: &str) -> String {
    let want = format!("apple-vpp-sim: {prefix}");
    for line in lines {
        let line = line.unwrap();
        if line.starts_with(&want) {
            return line;
        }
    }
    panic!("no answer starting {want:?}");
}

#[test]
fn the_binary_takes_claim_renew_and_counts_commands_on_stdin() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-sim-stdin-{}", std::process::id()));
    let mut child = Command::new(BIN)
        .args(["--token-dir", dir.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first
            .trim_end()
            .trim_start_matches("listening on ")
            .to_owned();
        let file = dir.join(format!("{UID}.vpptoken"));
        let old = std::fs::read_to_string(&file).unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let config = |token: &str| {
            rt.block_on(async {
                let r = client()
                    .get(format!("{base}/client/config"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                r.json::<Value>().await.unwrap()
            })
        };

        writeln!(stdin, "claim {UID} rival Rival-MDM rival.example.com").unwrap();
        assert_eq!(
            answer(&mut lines, "claim"),
            format!("apple-vpp-sim: claimed {UID}")
        );
        assert_eq!(config(&old)["mdmInfo"]["id"], "rival");

        writeln!(stdin, "renew {UID}").unwrap();
        let renewed = answer(&mut lines, "renew");
        assert_eq!(renewed, format!("apple-vpp-sim: renewed {UID}"));
        let new = std::fs::read_to_string(&file).unwrap();
        assert_ne!(new, old);
        assert_eq!(config(&old)["errorNumber"], 9622);
        assert_eq!(config(&new)["locationName"], "Berlin Office");

        writeln!(stdin, "counts").unwrap();
        let counts = answer(&mut lines, "counts");
        assert!(!counts.contains(&new) && !counts.contains(&old), "{counts}");
        let v: Value =
            serde_json::from_str(counts.trim_start_matches("apple-vpp-sim: counts ")).unwrap();
        assert_eq!(v["total"]["requests"], 3);
        let per_token = v["per_token"].as_object().unwrap();
        assert_eq!(per_token.len(), 2);
        assert!(per_token.keys().all(|k| k.starts_with("token-")));

        writeln!(stdin, "accept {UID} u-1").unwrap();
        assert_eq!(answer(&mut lines, "accept"), "apple-vpp-sim: accepted u-1");
        writeln!(stdin, "accept {UID} u-1").unwrap();
        assert!(answer(&mut lines, "accept").contains("no unassociated active user u-1"));

        writeln!(stdin, "dump").unwrap();
        let dump = answer(&mut lines, "dump");
        assert!(!dump.contains(&new) && !dump.contains(&old), "{dump}");
        let v: Value =
            serde_json::from_str(dump.trim_start_matches("apple-vpp-sim: dump ")).unwrap();
        assert_eq!(v["locations"][0]["uId"], UID);
        assert_eq!(v["locations"][0]["locationName"], "Berlin Office");
        assert_eq!(v["locations"][0]["assets"].as_array().unwrap().len(), 3);
        assert_eq!(v["locations"][0]["users"][0]["clientUserId"], "u-1");
        assert_eq!(v["locations"][0]["users"][0]["status"], "Associated");
        assert!(v["locations"][0]["users"][0]["idHash"].is_string());
        assert!(v["locations"][0]["users"][1].get("idHash").is_none());

        writeln!(stdin, "reset").unwrap();
        assert!(answer(&mut lines, "reset").contains("cleared"));
        writeln!(stdin, "counts").unwrap();
        let counts = answer(&mut lines, "counts");
        let v: Value =
            serde_json::from_str(counts.trim_start_matches("apple-vpp-sim: counts ")).unwrap();
        assert_eq!(v["total"]["requests"], 0, "reset clears the counters: {v}");

        writeln!(stdin, "claim 1").unwrap();
        assert!(answer(&mut lines, "claim").contains("unknown location 1"));
        writeln!(stdin, "bogus").unwrap();
        assert!(answer(&mut lines, "unknown command").contains("bogus"));
        drop(stdin);
        // The end of stdin ends the commands, not the simulator.
        std::thread::sleep(Duration::from_millis(100));
        assert!(child.try_wait().unwrap().is_none());
    }));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[tokio::test]
async fn the_dump_is_the_whole_state_in_a_stable_order() {
    let sim = start(scenario()).await;
    // u-1 retired and created again: two records of one clientUserId.
    run_event(
        &sim,
        "users/retire",
        json!({"users": [{"clientUserId": "u-1"}]}),
    )
    .await;
    run_event(
        &sim,
        "users/create",
        json!({"users": [{"clientUserId": "u-1", "email": "anna@example.com"}]}),
    )
    .await;
    run_event(
        &sim,
        "assets/associate",
        assoc("409203825", &["S-B", "S-A"], &["u-2"]),
    )
    .await;
    run_event(&sim, "assets/associate", assoc("361309726", &["S-C"], &[])).await;

    let dump = sim.dump();
    let v = serde_json::to_value(&dump).unwrap();
    let loc = &v["locations"][0];
    assert_eq!(loc["uId"], UID);
    assert_eq!(loc["locationName"], "Berlin Office");
    assert!(loc["versionId"].is_string());
    let adam_ids: Vec<&str> = loc["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["adamId"].as_str().unwrap())
        .collect();
    assert_eq!(adam_ids, ["1234567890", "361309726", "409203825"]);
    let numbers = &loc["assets"][2];
    assert_eq!(
        numbers,
        &json!({"adamId": "409203825", "pricingParam": "STDQ", "productType": "App",
                "assignedCount": 3, "availableCount": 7, "retiredCount": 0, "totalCount": 10})
    );
    assert_eq!(
        loc["assignments"],
        json!([
            {"adamId": "361309726", "pricingParam": "STDQ", "serialNumber": "S-C"},
            {"adamId": "409203825", "pricingParam": "STDQ", "serialNumber": "S-A"},
            {"adamId": "409203825", "pricingParam": "STDQ", "serialNumber": "S-B"},
            {"adamId": "409203825", "pricingParam": "STDQ", "clientUserId": "u-2"},
        ])
    );
    let users: Vec<(&str, &str)> = loc["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["clientUserId"].as_str().unwrap(),
                u["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        users,
        [
            ("u-1", "Retired"),
            ("u-1", "Registered"),
            ("u-2", "Registered")
        ],
        "by clientUserId; one id's records in the order they were created"
    );
    assert!(loc["users"][0]["inviteCode"].is_string());
    // The counts agree with what GET assets answers.
    let (_, assets) = get(&sim, "assets", Some(&token(&sim))).await;
    let listed = assets["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["adamId"] == "409203825")
        .unwrap()
        .clone();
    assert_eq!(listed["assignedCount"], numbers["assignedCount"]);
    assert_eq!(listed["availableCount"], numbers["availableCount"]);
    // Stable: the same state dumps the same.
    assert_eq!(sim.dump(), dump);
}

#[tokio::test]
async fn clearing_the_counters_clears_the_rate_window_too() {
    let mut s = scenario();
    s.max_requests_per_second = 3;
    let sim = start(s).await;
    let t = token(&sim);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(get(&sim, "assets", Some(&t)).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    sim.clear_requests();
    assert_eq!(sim.rate_stats(UID).requests, 0);
    // Within the same second: admitted, as if nothing had come before.
    assert_eq!(get(&sim, "assets", Some(&t)).await.0, 200);
    assert_eq!(sim.counters().total.requests, 1);
    assert_eq!(sim.rate_stats(UID).refused, 0);
}
