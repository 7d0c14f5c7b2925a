//! Runs the examples as an admin or a held-out check would, and checks what they print:
//! exit codes, the exact JSON shape, and that no credential ever appears.

use crate::common;

use std::process::{Command, Output};

use common::*;

/// Runs the built example `name` with `args`.
fn example(name: &str, args: &[&str]) -> Output {
    let exe = example_bin::example_bin(name);
    Command::new(&exe)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", exe.display()))
}

fn inspect(args: &[&str]) -> Output {
    example("inspect", args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Asserts that `out` contains every one of `parts`, showing `out` when it does not.
#[track_caller]
fn assert_contains(out: &str, parts: &[&str]) {
    for part in parts {
        assert!(out.contains(part), "{part:?} not in:\n{out}");
    }
}

fn path(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[track_caller]
fn assert_no_credentials(o: &Output) {
    for file in [
        "examples/data/sample.vpptoken",
        "tests/fixtures/v2_pretty.vpptoken",
    ] {
        let secret = std::fs::read_to_string(path(file)).unwrap();
        let token: apple_vpp::VppToken = secret.parse().unwrap();
        for text in [stdout(o), stderr(o)] {
            assert_no_secret(&text, secret.trim());
            assert_no_secret(&text, token.expose_inner_token());
        }
    }
}

#[test]
fn inspect_bundled_sample_human() {
    let o = inspect(&["--now", "2026-11-25T00:00:00Z"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "Organization: Example School District",
            "Expires:      2031-03-14T09:26:53Z (written 2031-03-14T09:26:53+0000)",
            "Days left:    1570",
            "Status:       valid",
            "Renew by:     2031-02-12T09:26:53Z (30-day warning window)",
        ],
    );
    assert_no_credentials(&o);
}

#[test]
fn inspect_json_shape() {
    let o = inspect(&[
        "--json",
        "--now",
        "2030-10-20T22:33:22+00:00",
        &path("tests/fixtures/v2_pretty.vpptoken"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "exactly one JSON object: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["org_name"], "ORG12345");
    assert_eq!(v["expires_at"], "2030-11-08T22:33:22Z");
    assert_eq!(v["days_left"], 19);
    assert_eq!(v["status"], "expiring_soon");
    assert_no_credentials(&o);
}

#[test]
fn inspect_warn_days_and_expired() {
    let o = inspect(&[
        "--json",
        "--warn-days",
        "10",
        "--now",
        "2030-10-20T22:33:22Z",
        &path("tests/fixtures/v2_pretty.vpptoken"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "valid");
    let o = inspect(&[
        "--json",
        "--now",
        "2030-11-08T22:33:23Z",
        &path("tests/fixtures/v2_pretty.vpptoken"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "expired");
    assert_eq!(v["days_left"], -1);
}

#[test]
fn inspect_bad_input_exits_2_with_one_line() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-ex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.vpptoken");
    std::fs::write(
        &bad,
        b64(r#"{"token":"U0VDUkVUU0VDUkVUU0VDUkVU","orgName":"o"}"#),
    )
    .unwrap();
    let empty = dir.join("empty.vpptoken");
    std::fs::write(&empty, "").unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec![bad.display().to_string()],
        vec!["--json".into(), empty.display().to_string()],
        vec![dir.join("missing.vpptoken").display().to_string()],
        vec!["--now".into(), "tomorrow".into()],
        vec!["--warn-days".into(), "-3".into()],
        vec!["--bogus".into()],
        vec!["a".into(), "b".into()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = inspect(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: stdout {:?}", stdout(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_no_secret(&err, "U0VDUkVUU0VDUkVUU0VDUkVU");
    }
    let o = inspect(&[&bad.display().to_string()]);
    assert!(
        stderr(&o).contains("has no `expDate` field"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn inspect_json(args: &[&str]) -> serde_json::Value {
    let o = inspect(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1);
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn inspect_with_v2_client_config() {
    let cc = path("tests/fixtures/client_config_v2.json");
    let token = path("tests/fixtures/v2_pretty.vpptoken");
    let now = "2026-11-25T12:00:00Z";
    let v = inspect_json(&[
        "--json",
        "--now",
        now,
        "--client-config",
        &cc,
        "--mdm-id",
        "someone-else",
        &token,
    ]);
    assert_eq!(
        v["location"],
        serde_json::json!({"uid": "981060278089131045", "name": "Berlin Office", "country": "DE"})
    );
    assert_eq!(
        v["ownership"],
        serde_json::json!({"verdict": "other", "owner_name": "Example MDM"})
    );
    // Apple's tokenExpirationDate counts over the file's expDate (2030-11-08).
    assert_eq!(v["protocol"], "v2");
    assert_eq!(v["expires_at"], "2027-09-26T08:30:39Z");
    assert_eq!(v["days_left"], 304);
    assert_eq!(v["status"], "valid");
    assert_eq!(v["org_name"], "ORG12345");
    let v = inspect_json(&[
        "--json",
        "--now",
        now,
        "--client-config",
        &cc,
        "--mdm-id",
        "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11",
        &token,
    ]);
    assert_eq!(
        v["ownership"],
        serde_json::json!({"verdict": "ours", "owner_name": null})
    );
    let v = inspect_json(&[
        "--json",
        "--now",
        now,
        "--client-config",
        &path("tests/fixtures/client_config_v2_unclaimed.json"),
        "--mdm-id",
        "x",
        &token,
    ]);
    assert_eq!(
        v["ownership"],
        serde_json::json!({"verdict": "unclaimed", "owner_name": null})
    );
    assert_eq!(v["expires_at"], "2030-11-08T22:33:22Z");
}

#[test]
fn inspect_with_legacy_client_config() {
    let cc = path("tests/fixtures/legacy_client_config.json");
    let v = inspect_json(&[
        "--json",
        "--now",
        "2014-08-01T00:00:00Z",
        "--client-config",
        &cc,
        "--mdm-id",
        "not-b92",
    ]);
    assert_eq!(
        v["location"],
        serde_json::json!({"uid": "1234567890", "name": "Example District", "country": "US"})
    );
    assert_eq!(
        v["ownership"],
        serde_json::json!({"verdict": "other", "owner_name": "test.test.org"})
    );
    assert_eq!(
        v["expires_at"], "2014-08-09T02:13:52Z",
        "expirationMillis is Apple's date"
    );
    assert_eq!(v["status"], "expiring_soon");
    assert_eq!(v["protocol"], "v1", "a VPPClientConfigSrv answer");
    let v = inspect_json(&["--json", "--client-config", &cc, "--mdm-id", "b92"]);
    assert_eq!(v["ownership"]["verdict"], "ours");
    assert_eq!(v["status"], "expired");
}

#[test]
fn inspect_human_output_names_the_other_mdm() {
    let o = inspect(&[
        "--client-config",
        &path("tests/fixtures/client_config_v2.json"),
        "--mdm-id",
        "x",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "Location:     \"Berlin Office\" (uId 981060278089131045), country DE",
            "Managed by:   another MDM, \"Example MDM\" (at mdm.example.com",
        ],
    );
    assert_no_credentials(&o);
}

#[test]
fn inspect_human_output_says_a_v1_configuration_is_legacy() {
    let o = inspect(&[
        "--now",
        "2014-08-01T00:00:00Z",
        "--client-config",
        &path("tests/fixtures/legacy_client_config.json"),
        "--mdm-id",
        "x",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "Location:     \"Example District\" (uId 1234567890), country US",
            "Protocol:     legacy v1 (an account-based or v1 configuration",
            "Managed by:   another MDM, an MDM (at test.test.org, id b92)",
        ],
    );
    assert_no_credentials(&o);
    let o = inspect(&[
        "--client-config",
        &path("tests/fixtures/client_config_v2.json"),
        "--mdm-id",
        "x",
    ]);
    assert_contains(&stdout(&o), &["Protocol:     v2\n"]);
    assert!(!stdout(&o).contains("legacy"), "{}", stdout(&o));
}

#[test]
fn inspect_bad_client_config_exits_2() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-cc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("not-json.json", "{ this is not json"),
        ("array.json", "[1, 2, 3]"),
        ("no-uid.json", r#"{"locationName": "Berlin Office"}"#),
        ("no-name.json", r#"{"uId": "981060278089131045"}"#),
        (
            "legacy-no-name.json",
            r#"{"status": 0, "uId": "1", "location": {"locationId": 1}}"#,
        ),
        (
            "apple-error.json",
            r#"{"errorNumber": 9622, "errorMessage": "Invalid token"}"#,
        ),
    ];
    for (name, body) in cases {
        let file = dir.join(name);
        std::fs::write(&file, body).unwrap();
        let o = inspect(&[
            "--json",
            "--client-config",
            &file.display().to_string(),
            "--mdm-id",
            "x",
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(o.stdout.is_empty(), "{name}: {}", stdout(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{name}: {}", stderr(&o));
    }
    for args in [
        vec!["--client-config", "x.json"],
        vec!["--mdm-id", "x"],
        vec!["--client-config", "/no/such/file.json", "--mdm-id", "x"],
    ] {
        let o = inspect(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The core sent with a second HTTP stack (`std::net`, no reqwest) against the simulator:
/// the requests `HttpRequest::build` makes, converted into `http::Request`s, are what Apple's
/// service accepts, and its answers decode.
#[test]
fn std_http_sends_the_cores_requests_with_std_net() {
    let o = example("std_http", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "Location:     \"Berlin Office\" (uId 981060278089131045)\n\
         Managed by:   nobody\n\
         Assets:       3 on page 0 of 1\n"
    );

    // Apple's https is refused before anything is sent: the example has no TLS.
    let o = example(
        "std_http",
        &[
            "--base-url",
            "https://vpp.itunes.apple.com/mdm/v2/",
            "--token",
            &path("examples/data/sample.vpptoken"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert_contains(&stderr(&o), &["plain http", "TLS"]);
    assert_no_credentials(&o);

    // Apple's error for a token it does not know is decoded (exit 1), the token not shown.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(apple_vpp_sim::Simulator::start(
            apple_vpp_sim::Scenario::default(),
            apple_vpp_sim::SimOptions::default(),
        ))
        .unwrap();
    let o = example(
        "std_http",
        &[
            "--base-url",
            &sim.base_url(),
            "--token",
            &path("examples/data/sample.vpptoken"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert_contains(&stderr(&o), &["Apple returned error"]);
    assert_no_credentials(&o);
    assert_eq!(example("std_http", &["--base-url"]).status.code(), Some(2));
    runtime.block_on(sim.shutdown());
}

#[cfg(feature = "client")]
fn configure(args: &[&str]) -> Output {
    example("configure", args)
}

#[cfg(feature = "client")]
#[test]
fn configure_shows_the_conflict_then_the_takeover() {
    let o = configure(&[]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "Token:        organization \"Example School District\", expires 2031-03-14T09:26:53Z",
            "Location:     \"Berlin Office\" (uId 981060278089131045)",
            "Ownership:    managed by another MDM, \"Example MDM\" (at mdm.example.com",
            "run again with --accept-takeover",
        ],
    );
    assert_no_credentials(&o);

    let o = configure(&[
        "--accept-takeover",
        "--mdm-id",
        "site-7",
        "--mdm-name",
        "Site 7",
        "--mdm-metadata",
        "site7.example",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "This MDM:     \"Site 7\" (id site-7)",
            "taken over as the admin accepted",
            "Result:       configured; this MDM now manages the location",
        ],
    );
    assert_no_credentials(&o);
}

#[cfg(feature = "client")]
#[test]
fn configure_works_unchanged_against_a_v1_only_service() {
    let o = configure(&["--legacy"]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "Token:        organization \"Example School District\", expires 2031-03-14T09:26:53Z",
            "v1 only: the location is account-based (legacy)",
            "Location:     \"Berlin Office\" (uId 981060278089131045)",
            // v1 knows the other server by its clientContext: hostname and guid.
            "Ownership:    managed by another MDM, an MDM (at mdm.example.com, id 29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11)",
            "run again with --accept-takeover",
        ],
    );
    assert_no_credentials(&o);

    let o = configure(&[
        "--legacy",
        "--accept-takeover",
        "--mdm-id",
        "site-7",
        "--mdm-name",
        "Site 7",
        "--mdm-metadata",
        "site7.example",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_contains(
        &out,
        &[
            "This MDM:     \"Site 7\" (id site-7)",
            "Expires:      2027-09-26T08:30:39Z (Apple's date",
            "Protocol:     legacy v1",
            "taken over as the admin accepted",
            "Result:       configured; this MDM now manages the location",
        ],
    );
    assert_no_credentials(&o);
}

#[cfg(feature = "client")]
#[test]
fn configure_prints_the_protocol_v2_once_configured() {
    let o = configure(&["--accept-takeover"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_contains(&stdout(&o), &["Protocol:     v2\n"]);
    assert!(!stdout(&o).contains("legacy"), "{}", stdout(&o));
}

#[cfg(feature = "client")]
#[test]
fn configure_exit_codes_for_bad_input_and_unreachable_apple() {
    for args in [
        vec!["--token", "/no/such/file.vpptoken"],
        vec!["--bogus"],
        vec!["--timeout-secs", "0"],
        vec!["--mdm-id", ""],
        vec!["--base-url", "http://example.com/mdm/v2"],
        vec!["--legacy", "--base-url", "http://127.0.0.1:9/mdm/v2"],
    ] {
        let o = configure(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_no_credentials(&o);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mdm/v2");
    let o = configure(&["--base-url", &url, "--timeout-secs", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("could not reach Apple's Apps and Books service"),
        "{}",
        stderr(&o)
    );
    assert_no_credentials(&o);
}

#[cfg(feature = "client")]
#[test]
fn configure_exit_4_when_apple_rejects_the_token() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (number, advice) in [
        (9625, "has been revoked"),
        (9621, "has expired"),
        (9622, "does not accept the token"),
    ] {
        let server = rt.block_on(async {
            let s = wiremock::MockServer::start().await;
            wiremock::Mock::given(wiremock::matchers::any())
                .respond_with(wiremock::ResponseTemplate::new(401).set_body_json(
                    serde_json::json!({"errorNumber": number, "errorMessage": "no"}),
                ))
                .mount(&s)
                .await;
            s
        });
        let o = configure(&["--base-url", &server.uri()]);
        assert_eq!(o.status.code(), Some(4), "{number}: {}", stderr(&o));
        assert!(stdout(&o).contains(advice), "{number}: {}", stdout(&o));
        assert_no_credentials(&o);
    }
}
