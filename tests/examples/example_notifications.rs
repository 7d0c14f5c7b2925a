//! The `notifications` example's contract, checked on the built binary
//! (`target/debug/examples/notifications`, not `cargo run`):
//! the first line, one JSON line per accepted notification, duplicates, 401/400/413/405,
//! nothing on stdout for a refused request, the exit after N requests whatever their
//! outcome, exit 2 for bad arguments and secret files, and the secret never printed.
//! With the `client` feature, the simulator subscribed to the example delivers to it.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A valid secret (43 Base64url characters, as `NotificationSecret::generate` makes).
const SECRET: &str = "q7Hc0mYb3Kx9TzW1vLr5NfPd8sJ2gUaE4iOeR6tYw0M";

/// The built example (see `common::example_bin`).
fn binary() -> PathBuf {
    common::example_bin::example_bin("notifications")
}

/// A file in a fresh temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn with(content: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "apple-vpp-example-notifications-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, content).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

/// The example running, its stdout read line by line.
struct Running {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
    stdout: std::sync::Arc<Mutex<Vec<String>>>,
    _secret: TempFile,
}

impl Running {
    fn start(max_requests: Option<u32>) -> Self {
        // Whitespace around the secret is trimmed.
        let secret = TempFile::with(&format!("  {SECRET}\n"));
        let mut cmd = Command::new(binary());
        cmd.args([
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            secret.path(),
        ]);
        if let Some(n) = max_requests {
            cmd.args(["--max-requests", &n.to_string()]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let addr = first
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        assert!(addr.starts_with("127.0.0.1:"), "{first:?}");
        let (tx, lines) = mpsc::channel();
        let stdout = std::sync::Arc::new(Mutex::new(vec![first.trim_end().to_owned()]));
        let all = std::sync::Arc::clone(&stdout);
        std::thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { break };
                all.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        Self {
            child,
            addr,
            lines,
            stdout,
            _secret: secret,
        }
    }

    #[cfg(feature = "client")]
    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// POSTs `body` with `Bearer SECRET`.
    fn post(&self, body: &[u8]) -> u16 {
        let auth = format!("Bearer {SECRET}");
        http(&self.addr, "POST", "/", Some(&auth), body)
    }

    /// The next stdout line, as JSON.
    fn next_json(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(10))
            .expect("a stdout line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    /// Waits for the exit; returns the status, all stdout lines and stderr.
    fn wait(mut self) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the example did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(50));
        let stdout = self.stdout.lock().unwrap().clone();
        (status, stdout, stderr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Only our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status answered.
fn http(addr: &str, method: &str, path: &str, authorization: Option<&str>, body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(auth) = authorization {
        head.push_str(&format!("Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    assert!(!answer.contains(SECRET), "the answer holds the secret");
    status.parse().unwrap()
}

fn fixture(name: &str) -> String {
    common::fixture(&format!("notifications/{name}"))
}

/// The line the contract promises for a fixture's envelope.
fn expected_line(envelope: &Value, duplicate: bool) -> Value {
    let text = |v: &Value| match v {
        Value::String(s) => Value::String(s.clone()),
        Value::Number(n) => Value::String(n.to_string()),
        _ => Value::Null,
    };
    let payload = &envelope["notification"];
    serde_json::json!({
        "notification_id": text(&envelope["notificationId"]),
        "type": envelope["notificationType"],
        "uid": text(&envelope["uId"]),
        "event_id": text(&payload["eventId"]),
        "result": text(&payload["result"]),
        "duplicate": duplicate,
    })
}

#[track_caller]
fn assert_quiet(stdout: &[String], stderr: &str) {
    for text in stdout.iter().map(String::as_str).chain([stderr]) {
        common::assert_no_secret(text, SECRET);
    }
}

const FIXTURES: [&str; 11] = [
    "test.json",
    "associate_success.json",
    "associate_failure.json",
    "disassociate.json",
    "revoke.json",
    "user_management.json",
    "user_associated.json",
    "asset_count_string.json",
    "asset_count_number.json",
    "subscription_count.json",
    "unknown_type.json",
];

#[test]
fn every_payload_type_is_one_json_line_and_a_repeat_is_a_duplicate() {
    let run = Running::start(Some(FIXTURES.len() as u32 + 1));
    for name in FIXTURES {
        let body = fixture(name);
        assert_eq!(run.post(body.as_bytes()), 200, "{name}");
        let envelope: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(run.next_json(), expected_line(&envelope, false), "{name}");
    }
    // The same notificationId again: 200, the same line, marked.
    let body = fixture("associate_success.json");
    assert_eq!(run.post(body.as_bytes()), 200);
    let envelope: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(run.next_json(), expected_line(&envelope, true));

    let (status, stdout, stderr) = run.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.len(), FIXTURES.len() + 2, "{stdout:#?}");
    // The exact text and field order of one line.
    assert_eq!(
        stdout[2],
        r#"{"notification_id":"5f0c8a1e-2b7d-4c11-9e3a-0d6b4f21c002","type":"ASSET_MANAGEMENT","uid":"981060278089131045","event_id":"a7e1d2c3-0001-4f00-8000-00000000ev01","result":"SUCCESS","duplicate":false}"#
    );
    assert_quiet(&stdout, &stderr);
}

#[test]
fn refused_requests_print_nothing_and_count_towards_the_exit() {
    let too_large = vec![b' '; apple_vpp::notification::DEFAULT_MAX_BODY + 1];
    let test = fixture("test.json");
    let bad_payload =
        br#"{"notification":{"result":7},"notificationId":"n-9","notificationType":"ASSET_MANAGEMENT"}"#;
    let run = Running::start(Some(16));
    let addr = run.addr.clone();
    let secret_bearer = format!("Bearer {SECRET}");
    // Authentication: missing, wrong, malformed. 401, nothing printed.
    let wrong = format!("Bearer {}x", &SECRET[..SECRET.len() - 1]);
    let cases: [(Option<&str>, u16); 7] = [
        (None, 401),
        (Some(""), 401),
        (Some(&wrong), 401),
        (Some("Bearer"), 401),
        (Some("Basic dXNlcjpwYXNz"), 401),
        (Some(&format!("Bearer  {SECRET}")), 401),
        (Some(&format!("Token {SECRET}")), 401),
    ];
    for (auth, want) in cases {
        assert_eq!(
            http(&addr, "POST", "/", auth, test.as_bytes()),
            want,
            "{auth:?}"
        );
    }
    // Not a notification: 400 (not 422), also for JSON that is not one.
    for body in [
        &b"[]"[..],
        b"{}",
        br#"{"notificationType":"TEST_NOTIFICATION","notification":{}}"#,
        b"this is not JSON",
        b"",
        bad_payload,
    ] {
        let got = http(&addr, "POST", "/", Some(&secret_bearer), body);
        assert_eq!(got, 400, "{}", String::from_utf8_lossy(body));
    }
    // Over 1 MiB: 413 (or 400).
    let got = http(&addr, "POST", "/", Some(&secret_bearer), &too_large);
    assert!(got == 413 || got == 400, "{got}");
    // Another method: 405; any path is served.
    assert_eq!(http(&addr, "GET", "/", Some(&secret_bearer), b""), 405);
    assert_eq!(
        http(
            &addr,
            "POST",
            "/some/path?x=1",
            Some(&secret_bearer),
            test.as_bytes()
        ),
        200
    );
    assert_eq!(run.next_json()["type"], "TEST_NOTIFICATION");
    // 7 + 6 + 1 + 2 = 16 requests: it exits.
    let (status, stdout, stderr) = run.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout.len(),
        2,
        "only the listening line and one JSON line: {stdout:#?}"
    );
    assert_quiet(&stdout, &stderr);
}

#[test]
fn it_exits_after_n_requests_whatever_their_outcome() {
    let run = Running::start(Some(3));
    let addr = run.addr.clone();
    assert_eq!(http(&addr, "DELETE", "/x", None, b""), 405);
    assert_eq!(http(&addr, "POST", "/", None, b"{}"), 401);
    assert_eq!(run.post(b"[]"), 400);
    let (status, stdout, stderr) = run.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.len(), 1);
    assert_quiet(&stdout, &stderr);
}

fn run_with(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn bad_arguments_and_secret_files_exit_2_with_one_line() {
    let good = TempFile::with(SECRET);
    let empty = TempFile::with("  \n");
    let short = TempFile::with("tooShortSecret\n");
    let spaces = TempFile::with("q7Hc0mYb3Kx9 TzW1vLr5NfPd8sJ2gUaE4iOeR6tYw0M");
    let missing = format!("{}-missing", good.path());
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--listen", "127.0.0.1:0"],
        vec!["--auth-token-file", good.path()],
        vec!["--listen"],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            good.path(),
            "--bogus",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            good.path(),
            "--max-requests",
            "0",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            good.path(),
            "--max-requests",
            "x",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            good.path(),
        ],
        vec!["--listen", "127.0.0.1:0", "--auth-token-file", &missing],
        vec!["--listen", "127.0.0.1:0", "--auth-token-file", empty.path()],
        vec!["--listen", "127.0.0.1:0", "--auth-token-file", short.path()],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            spaces.path(),
        ],
    ];
    for args in cases {
        let out = run_with(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("tooShortSecret"), "{stderr}");
        assert!(!stderr.contains("TzW1vLr5NfPd8sJ2g"), "{stderr}");
        common::assert_no_secret(&stderr, SECRET);
    }
}

/// The simulator subscribed to the example: Apple's test notification, then the
/// notification of an associate, printed by the example.
#[cfg(feature = "client")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_delivers_to_the_example() {
    use apple_vpp::api::Associate;
    use apple_vpp::client::{SubscribeOutcome, VppClient};
    use apple_vpp::notification::{NotificationSecret, NotificationSubscription};
    use apple_vpp::wire::{AssetRef, LicensesRequest, PricingParam};

    let scenario = apple_vpp_sim::Scenario {
        event_delay_ms: 30,
        ..Default::default()
    };
    let sim = apple_vpp_sim::Simulator::start(scenario, Default::default())
        .await
        .unwrap();
    let run = Running::start(Some(2));
    let token: apple_vpp::VppToken = sim.token("981060278089131045").unwrap().parse().unwrap();
    let client = VppClient::builder()
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let secret = NotificationSecret::new(SECRET.to_owned()).unwrap();
    let sub = NotificationSubscription::new(&run.url(), secret).unwrap();

    let out = client
        .location(&token)
        .subscribe(&common::us(), &sub)
        .await
        .unwrap();
    assert!(matches!(out, SubscribeOutcome::Subscribed(_)), "{out:?}");
    let line = tokio::task::block_in_place(|| run.next_json());
    assert_eq!(line["type"], "TEST_NOTIFICATION");
    assert_eq!(line["uid"], "981060278089131045");
    assert_eq!(line["duplicate"], false);

    let request = LicensesRequest::new(
        [AssetRef::new("409203825", PricingParam::Stdq)],
        ["C02EXAMPLE1"],
        Vec::<String>::new(),
    );
    let answer = client
        .location(&token)
        .send(&Associate(request))
        .await
        .unwrap();
    let line = tokio::task::block_in_place(|| run.next_json());
    assert_eq!(line["type"], "ASSET_MANAGEMENT");
    assert_eq!(line["event_id"], answer.event_id.as_str());
    assert_eq!(line["result"], "SUCCESS");

    let (status, stdout, stderr) = tokio::task::block_in_place(|| run.wait());
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.len(), 3);
    assert_quiet(&stdout, &stderr);
    sim.shutdown().await;
}
