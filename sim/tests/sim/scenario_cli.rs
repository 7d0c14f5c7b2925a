//! Scenario parsing (unknown keys refused at every level) and the binary's interface.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use apple_vpp_sim::{Scenario, ScenarioError, SimError, SimOptions, Simulator};

const BIN: &str = env!("CARGO_BIN_EXE_apple-vpp-sim");

const EXAMPLE_SCENARIO: &str = r#"{"page_size": 100, "max_requests_per_second": 15, "event_delay_ms": 200,
 "locations": [{"uid": "981060278089131045", "name": "Berlin Office", "country": "DE",
   "org_name": "Example School", "token_expires": "2027-09-26T08:30:39+0000",
   "legacy": false, "revoked": false,
   "mdm_info": {"id": "x", "name": "y", "metadata": "z"},
   "assets": [{"adam_id": "409203825", "pricing_param": "STDQ", "product_type": "App",
               "total": 10, "device_assignable": true, "revocable": true}],
   "users": [{"client_user_id": "u-1", "email": "a@example.com"}]}]}"#;

#[test]
fn a_full_example_scenario_parses() {
    let s = Scenario::from_json(EXAMPLE_SCENARIO).unwrap();
    assert_eq!(s.locations[0].assets[0].total, 10);
    assert_eq!(s.locations[0].mdm_info.as_ref().unwrap().id, "x");
    let null_info =
        EXAMPLE_SCENARIO.replace(r#"{"id": "x", "name": "y", "metadata": "z"}"#, "null");
    assert!(
        Scenario::from_json(&null_info).unwrap().locations[0]
            .mdm_info
            .is_none()
    );
    assert!(Scenario::from_json("{}").unwrap().locations.is_empty());
}

#[test]
fn the_default_scenario_is_as_documented() {
    let s = Scenario::default();
    let l = &s.locations[0];
    assert_eq!(
        (l.uid.as_str(), l.name.as_str(), l.country.as_str()),
        ("981060278089131045", "Berlin Office", "DE")
    );
    assert_eq!(l.org_name, "Example School");
    assert_eq!(l.token_expires, "2027-09-26T08:30:39+0000");
    assert!(l.mdm_info.is_none());
    assert_eq!(l.assets.len(), 3);
    assert_eq!(l.users.len(), 2);
    assert_eq!(
        (s.page_size, s.max_requests_per_second, s.max_assets),
        (100, 15, 25)
    );
    // Round trip through JSON.
    let text = serde_json::to_string(&s).unwrap();
    assert_eq!(Scenario::from_json(&text).unwrap(), s);
}

#[test]
fn unknown_keys_are_refused_at_every_level_naming_key_and_place() {
    let cases = [
        (r#"{"pagesize": 3}"#, "pagesize", ""),
        (
            r#"{"locations": [{"uid": "1", "name": "n", "colour": "red"}]}"#,
            "colour",
            "locations[0]",
        ),
        (
            r#"{"locations": [{"uid": "1", "name": "n", "assets": [{"adam_id": "1", "totl": 3}]}]}"#,
            "totl",
            "locations[0].assets[0]",
        ),
        (
            r#"{"locations": [{"uid": "1", "name": "n", "users": [{"client_user_id": "u", "mail": "x"}]}]}"#,
            "mail",
            "locations[0].users[0]",
        ),
        (
            r#"{"locations": [{"uid": "1", "name": "n", "mdm_info": {"id": "a", "name": "b", "metadata": "c", "x": 1}}]}"#,
            "`x`",
            "locations[0].mdm_info",
        ),
        (
            r#"{"faults": [{"path": "assets", "kind": "hang", "sleep": 3}]}"#,
            "sleep",
            "faults[0]",
        ),
    ];
    for (json, key, place) in cases {
        let err = Scenario::from_json(json).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ScenarioError::Json { .. }), "{msg}");
        assert!(msg.contains(key), "{json}: {msg}");
        assert!(msg.contains(place), "{json}: {msg}");
        assert!(msg.contains("unknown field"), "{msg}");
        assert!(!msg.contains('\n'), "one line: {msg}");
    }
}

#[test]
fn invalid_values_are_refused() {
    for json in [
        r#"{"locations": [{"uid": "1", "name": "n", "token_expires": "tomorrow"}]}"#,
        r#"{"locations": [{"uid": "1", "name": "n"}, {"uid": "1", "name": "m"}]}"#,
        r#"{"locations": [{"uid": "1", "name": "n", "assets": [{"adam_id": "1", "pricing_param": "FREE"}]}]}"#,
        r#"{"page_size": 0}"#,
        r#"{"faults": [{"path": "assets", "kind": "explode"}]}"#,
        r#"{"locations": [{"name": "n"}]}"#,
        r#"{"locations": [{"uid": "1", "name": "n", "token": " "}]}"#,
        r#"{"locations": [{"uid": "1", "name": "n", "token": "A"}, {"uid": "2", "name": "m", "token": "A\n"}]}"#,
    ] {
        assert!(Scenario::from_json(json).is_err(), "{json}");
    }
    for ok in [
        "2030-11-08T22:33:22+0000",
        "2014-08-15T18:13:52-0700",
        "2018-07-03T13:48:31+10:00",
        "2030-01-01T00:00:00Z",
    ] {
        let json =
            format!(r#"{{"locations": [{{"uid": "1", "name": "n", "token_expires": "{ok}"}}]}}"#);
        assert!(Scenario::from_json(&json).is_ok(), "{ok}");
    }
}

#[tokio::test]
async fn non_loopback_addresses_are_refused_by_the_library() {
    let opts = SimOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..SimOptions::default()
    };
    let err = Simulator::start(Scenario::default(), opts)
        .await
        .unwrap_err();
    assert!(matches!(err, SimError::NonLoopback(_)), "{err}");
}

#[tokio::test]
async fn token_files_are_written_to_the_token_dir() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-sim-lib-{}", std::process::id()));
    let opts = SimOptions {
        token_dir: Some(dir.clone()),
        ..SimOptions::default()
    };
    let sim = Simulator::start(Scenario::default(), opts).await.unwrap();
    let file = std::fs::read_to_string(dir.join("981060278089131045.vpptoken")).unwrap();
    assert_eq!(
        Some(file.clone()),
        sim.token_file_content("981060278089131045")
    );
    use base64::Engine;
    let json: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(&file)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json["expDate"], "2027-09-26T08:30:39+0000");
    assert_eq!(json["orgName"], "Example School");
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(json["token"].as_str().unwrap())
            .is_ok()
    );
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_location_can_accept_a_given_token_file() {
    let mut scenario = Scenario::default();
    scenario.locations[0].token = Some("Z2l2ZW4tdG9rZW4=\n".into());
    let derived = Simulator::start(Scenario::default(), SimOptions::default())
        .await
        .unwrap()
        .token("981060278089131045")
        .unwrap();
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap();
    assert_eq!(
        sim.token("981060278089131045").as_deref(),
        Some("Z2l2ZW4tdG9rZW4="),
        "trimmed, like the credential Apple takes from a file"
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/client/config", sim.base_url());
    for (credential, expected) in [("Z2l2ZW4tdG9rZW4=", None), (derived.as_str(), Some(9622))] {
        let v: serde_json::Value = client
            .get(&url)
            .bearer_auth(credential)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["errorNumber"].as_u64(), expected, "{v}");
    }
    sim.shutdown().await;
}

/// Runs the binary with arguments that must fail; answers (exit code, stderr).
fn fails(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"locations": [{"uid": "1", "name": "n", "frobnicate": true}]}"#,
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--bogus"], "--bogus"),
        (&["--listen"], "--listen"),
        (&["--listen", "nonsense"], "nonsense"),
        (&["--listen", "0.0.0.0:0"], "non-loopback"),
        (&["--scenario", "/no/such/file.json"], "/no/such/file.json"),
        (&["--scenario", bad], "frobnicate"),
    ];
    for (args, needle) in cases {
        let (code, stderr) = fails(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_first_stdout_line_is_the_v2_base_url_and_the_server_answers() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-sim-bin-{}", std::process::id()));
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token-dir",
            dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        let base = line
            .trim_end()
            .strip_prefix("listening on http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line: {line:?}"));
        let port = base.strip_suffix("/mdm/v2").expect("ends with /mdm/v2");
        assert!(port.parse::<u16>().unwrap() > 0);
        let token = std::fs::read_to_string(dir.join("981060278089131045.vpptoken")).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let r = reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap()
                .get(format!(
                    "{}/client/config",
                    line.trim_end().trim_start_matches("listening on ")
                ))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["locationName"], "Berlin Office");
        });
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn allow_non_loopback_warns_and_starts() {
    let mut child = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0", "--allow-non-loopback"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARNING"));
}
