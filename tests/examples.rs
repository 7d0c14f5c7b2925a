//! Runs the examples as an admin or a held-out check would, and checks what they print:
//! exit codes, the exact JSON shape, and that no credential ever appears.

mod common;

use std::process::{Command, Output};

use common::*;

fn example(name: &str, features: &[&str], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name]);
    for f in features {
        cmd.args(["--features", f]);
    }
    cmd.arg("--").args(args);
    cmd.output().expect("cargo runs")
}

fn inspect(args: &[&str]) -> Output {
    example("inspect", &[], args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn path(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

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
    assert!(
        out.contains("Organization: Example School District"),
        "{out}"
    );
    assert!(
        out.contains("Expires:      2031-03-14T09:26:53Z (written 2031-03-14T09:26:53+0000)"),
        "{out}"
    );
    assert!(out.contains("Days left:    1570"), "{out}");
    assert!(out.contains("Status:       valid"), "{out}");
    assert!(
        out.contains("Renew by:     2031-02-12T09:26:53Z (30-day warning window)"),
        "{out}"
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
