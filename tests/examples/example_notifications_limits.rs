//! The `notifications` example bounds what a sender that is not Apple can hold: a
//! connection that never finishes its headers is closed after the header timeout, a body
//! that never finishes is answered 408, and connections beyond the cap wait rather than
//! exhaust the server, so a real notification still gets through.

use crate::common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A valid secret (43 Base64url characters).
const SECRET: &str = "q7Hc0mYb3Kx9TzW1vLr5NfPd8sJ2gUaE4iOeR6tYw0M";

/// The built example (see `common::example_bin`).
fn binary() -> PathBuf {
    common::example_bin::example_bin("notifications")
}

/// The example running with small limits; killed (by its handle) on drop.
struct Running {
    child: Child,
    addr: String,
    _dir: PathBuf,
}

impl Running {
    fn start() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "apple-vpp-example-limits-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("secret");
        std::fs::write(&secret, SECRET).unwrap();
        let mut child = Command::new(binary())
            .args(["--listen", "127.0.0.1:0", "--auth-token-file"])
            .arg(&secret)
            .args([
                "--header-timeout-ms",
                "300",
                "--body-timeout-ms",
                "300",
                "--max-connections",
                "4",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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
        // Keep reading stdout so the example never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        Self {
            child,
            addr,
            _dir: dir,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

/// Reads until the server closes; `Err` if it did not within the read timeout.
fn read_until_closed(stream: &mut TcpStream) -> Result<String, String> {
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Ok(String::from_utf8_lossy(&answer).into_owned()),
        Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
            Ok(String::from_utf8_lossy(&answer).into_owned())
        }
        Err(e) => Err(format!("still open: {e}")),
    }
}

fn notification() -> String {
    common::fixture("notifications/associate_success.json")
}

#[test]
fn silent_senders_are_closed_and_do_not_block_a_real_notification() {
    let run = Running::start();
    // Twice the connection cap of senders that write a request line and one header,
    // then nothing.
    let mut silent: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = run.connect();
            s.write_all(b"POST / HTTP/1.1\r\nHost: mdm.example\r\n")
                .unwrap();
            s
        })
        .collect();
    // A real notification, behind all of them.
    let body = notification();
    let mut real = run.connect();
    write!(
        real,
        "POST / HTTP/1.1\r\nHost: mdm.example\r\nConnection: close\r\nAuthorization: Bearer {SECRET}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let answer = read_until_closed(&mut real).expect("the real notification is answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // Every silent sender was closed by the server.
    for (i, s) in silent.iter_mut().enumerate() {
        let rest = read_until_closed(s).unwrap_or_else(|e| panic!("silent sender {i}: {e}"));
        assert!(!rest.contains("200"), "{rest:?}");
    }
}

#[test]
fn a_body_that_never_finishes_is_answered_408() {
    let run = Running::start();
    let mut s = run.connect();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: mdm.example\r\nAuthorization: Bearer {SECRET}\r\nContent-Length: 1000\r\n\r\n{{\"notification\":"
    )
    .unwrap();
    let answer = read_until_closed(&mut s).expect("answered, then closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
}

#[test]
fn the_limits_refuse_nonsense_values() {
    let out = Command::new(binary())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--auth-token-file",
            "unused",
            "--max-connections",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--max-connections"), "{err}");
}
