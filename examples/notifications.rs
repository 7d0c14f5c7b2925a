//! The notification endpoint an MDM runs: authenticate, decode, de-duplicate, answer.
//!
//! ```text
//! cargo run --features client --example notifications -- --listen ADDR --auth-token-file FILE [--max-requests N]
//!     [--header-timeout-ms N] [--body-timeout-ms N] [--max-connections N]
//! ```
//!
//! (The `client` feature is accepted but not needed: this uses only the framework-free
//! [`apple_vpp::notification::receive`]; axum is the web framework here, not in the
//! library.)
//!
//! - Serves `POST` on any path at `ADDR` (e.g. `127.0.0.1:0`). The first stdout line is
//!   `listening on http://HOST:PORT` (flushed at once).
//! - The secret is the content of `FILE`, trimmed (a `NotificationSecret`: at least 22
//!   Bearer-token characters).
//! - Per request: a method other than POST → 405; a missing, malformed or wrong
//!   `Authorization` → 401; a body over 1 MiB → 413; a body that is not a notification
//!   (not JSON, `[]`, `{}`, no `notificationId` or `notificationType`, a known type with
//!   an unreadable payload) → 400; a notification → 200 and one JSON line on stdout:
//!   `{"notification_id":"…","type":"ASSET_MANAGEMENT","uid":"…","event_id":"…"|null,"result":"SUCCESS"|"FAILURE"|null,"duplicate":false}`;
//!   `type` is `notificationType` as sent (unknown types too); `event_id` and `result`
//!   are the payload's `eventId` and `result` (asset and user management; for a type
//!   this crate does not know, whatever the payload holds), `null` where it has none.
//!   The same `notificationId` again → 200 and the same line with `"duplicate":true`.
//! - Stdout holds only those lines; diagnostics go to stderr. Nothing prints the secret
//!   or the `Authorization` header.
//! - With `--max-requests N` it exits 0 after answering N requests, whatever their
//!   outcome (every request reaches the one handler: no extractor refuses anything).
//! - Exit 2 with one line on stderr for bad arguments or an unreadable, empty or invalid
//!   secret file; 1 when the address cannot be bound.
//!
//! # Limits against senders that are not Apple
//!
//! Anyone who can reach the endpoint can open connections, so it bounds what one costs
//! (a production MDM should set the same three limits in its own server):
//! - `--header-timeout-ms` (default 10,000): a connection whose request headers are not
//!   complete within this time is closed (hyper's `header_read_timeout`), so a sender
//!   that writes a request line and one header and then stays silent does not hold a
//!   connection.
//! - `--body-timeout-ms` (default 10,000): the body must arrive within this time, else
//!   408. A notification is at most 1 MiB.
//! - `--max-connections` (default 64): at most this many connections are served at once;
//!   more wait in the listen backlog until one closes. With the header timeout, silent
//!   connections make room within that timeout, so Apple's delivery (retried for
//!   minutes) gets through.

use std::io::Write as _;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apple_vpp::chrono::Utc;
use apple_vpp::notification::{
    self, DEFAULT_MAX_BODY, Notification, NotificationDeduper, NotificationSecret, Payload,
    ReceiveLimits,
};
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const USAGE: &str = "usage: notifications --listen ADDR --auth-token-file FILE [--max-requests N] [--header-timeout-ms N] [--body-timeout-ms N] [--max-connections N]";

/// How much of an oversized body is read (and dropped) before answering 413, so that the
/// sender, still writing, sees the answer rather than a reset connection.
const MAX_DRAIN: usize = 16 * DEFAULT_MAX_BODY;

struct Args {
    listen: String,
    secret_file: String,
    max_requests: Option<u64>,
    header_timeout: Duration,
    body_timeout: Duration,
    max_connections: usize,
}

/// `--flag N`: a positive whole number.
fn positive(flag: &str, value: Option<String>, default: u64) -> Result<u64, String> {
    match value {
        None => Ok(default),
        Some(n) => n
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or(format!("{flag} {n:?} is not a positive whole number")),
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut listen, mut secret_file, mut max_requests) = (None, None, None);
    let (mut header_timeout, mut body_timeout, mut max_connections) = (None, None, None);
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let slot = match flag.as_str() {
            "--listen" => &mut listen,
            "--auth-token-file" => &mut secret_file,
            "--max-requests" => &mut max_requests,
            "--header-timeout-ms" => &mut header_timeout,
            "--body-timeout-ms" => &mut body_timeout,
            "--max-connections" => &mut max_connections,
            _ => return Err(format!("unknown argument {arg:?}; {USAGE}")),
        };
        let value = match inline.or_else(|| args.next()) {
            Some(v) if !v.is_empty() => v,
            _ => return Err(format!("{flag} needs a value; {USAGE}")),
        };
        if slot.replace(value).is_some() {
            return Err(format!("{flag} given twice; {USAGE}"));
        }
    }
    let max_requests = match max_requests {
        None => None,
        Some(n) => Some(n.parse::<u64>().ok().filter(|&n| n > 0).ok_or(format!(
            "--max-requests {n:?} is not a positive whole number"
        ))?),
    };
    let header_timeout = positive("--header-timeout-ms", header_timeout, 10_000)?;
    let body_timeout = positive("--body-timeout-ms", body_timeout, 10_000)?;
    let max_connections = positive("--max-connections", max_connections, 64)?;
    Ok(Args {
        listen: listen.ok_or(format!("--listen is required; {USAGE}"))?,
        secret_file: secret_file.ok_or(format!("--auth-token-file is required; {USAGE}"))?,
        max_requests,
        header_timeout: Duration::from_millis(header_timeout),
        body_timeout: Duration::from_millis(body_timeout),
        max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
    })
}

fn load_secret(path: &str) -> Result<NotificationSecret, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the secret file {path}: {e}"))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("the secret file {path} is empty"));
    }
    // The error names the problem, never the secret.
    NotificationSecret::new(text.to_owned()).map_err(|e| format!("{path}: {e}"))
}

struct Shared {
    secret: NotificationSecret,
    limits: ReceiveLimits,
    seen: Mutex<NotificationDeduper>,
    answered: AtomicU64,
    max_requests: Option<u64>,
    body_timeout: Duration,
    /// Set once `max_requests` requests are answered.
    done: tokio::sync::watch::Sender<bool>,
}

/// The stdout line for an accepted notification (fields in this order).
#[derive(Serialize)]
struct Line<'a> {
    notification_id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    uid: Option<&'a str>,
    event_id: Option<&'a str>,
    result: Option<&'a str>,
    duplicate: bool,
}

/// Every request, whatever its method and path, comes here: nothing is refused before
/// it is counted.
async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let response = answer(&shared, request).await;
    let answered = shared.answered.fetch_add(1, Ordering::SeqCst) + 1;
    if shared.max_requests == Some(answered) {
        shared.done.send_replace(true);
    }
    response
}

async fn answer(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        eprintln!(
            "refused {} {}: only POST is served",
            parts.method,
            parts.uri.path()
        );
        let allow = [(header::ALLOW, HeaderValue::from_static("POST"))];
        return (StatusCode::METHOD_NOT_ALLOWED, allow, "only POST\n").into_response();
    }
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    // Authentication first: an unauthenticated sender learns nothing about the body.
    if let Err(e) = notification::authenticate(authorization, &shared.secret) {
        eprintln!("{e}");
        return (StatusCode::UNAUTHORIZED, "unauthorized\n").into_response();
    }
    let read = tokio::time::timeout(shared.body_timeout, read_body(body, shared.limits.max_body));
    let Ok(body) = read.await else {
        eprintln!(
            "notification refused: the body did not arrive within {} ms",
            shared.body_timeout.as_millis()
        );
        return (StatusCode::REQUEST_TIMEOUT, "body too slow\n").into_response();
    };
    let Some(body) = body else {
        eprintln!(
            "notification refused: the body is larger than {} bytes",
            shared.limits.max_body
        );
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large\n").into_response();
    };
    let n = match notification::receive(authorization, &body, &shared.secret, &shared.limits) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{e}");
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, format!("{e}\n")).into_response();
        }
    };
    // Here an MDM stores the notification, and gives asset and user management ones to
    // its `EventTracker` (`on_notification_at`); this example prints it. The id is marked
    // seen only once that worked (else Apple's retry is handled again); the lock makes
    // check, print and mark one step for concurrent deliveries of one id.
    let mut seen = shared.seen.lock().unwrap_or_else(|p| p.into_inner());
    let now = Utc::now();
    let line = line(&n, seen.contains_at(&n.notification_id, now));
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot record\n").into_response();
    }
    seen.insert_at(&n.notification_id, now);
    (StatusCode::OK, "ok\n").into_response()
}

/// Returns once `max_requests` requests are answered.
async fn stopped(done: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = done.wait_for(|&done| done).await;
}

/// The stdout line for `n`.
fn line(n: &Notification, duplicate: bool) -> String {
    // A type this crate does not know keeps its payload as sent: its `eventId` and
    // `result` are shown when they are there.
    let raw = |field: &str| match &n.payload {
        Payload::Other(value) => value.get(field).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        _ => None,
    };
    let event_id = n
        .event_id()
        .map(|id| id.as_str().to_owned())
        .or_else(|| raw("eventId"));
    let result = n
        .result()
        .map(|r| r.as_str().to_owned())
        .or_else(|| raw("result"));
    let line = Line {
        notification_id: &n.notification_id,
        kind: n.notification_type.as_str(),
        uid: n.u_id.as_deref(),
        event_id: event_id.as_deref(),
        result: result.as_deref(),
        duplicate,
    };
    serde_json::to_string(&line).expect("strings serialize")
}

/// The body, or `None` when it is larger than `limit` (then up to [`MAX_DRAIN`] bytes are
/// read and dropped, so that the sender gets the answer). A body that breaks off is
/// taken as read so far (and will not decode).
async fn read_body(mut body: Body, limit: usize) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut total = 0usize;
    if body.size_hint().lower() > limit as u64 {
        total = limit + 1;
    }
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let Ok(frame) = frame else { break };
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(chunk.len());
        if total > limit {
            data = Vec::new();
            if total > MAX_DRAIN {
                break;
            }
        } else {
            data.extend_from_slice(&chunk);
        }
    }
    (total <= limit).then_some(data)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let secret = match load_secret(&args.secret_file) {
        Ok(secret) => secret,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.listen);
            return ExitCode::from(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("cannot read the listening address: {e}");
            return ExitCode::from(1);
        }
    };
    let shared = Arc::new(Shared {
        secret,
        limits: ReceiveLimits::default(),
        seen: Mutex::new(NotificationDeduper::default()),
        answered: AtomicU64::new(0),
        max_requests: args.max_requests,
        body_timeout: args.body_timeout,
        done: tokio::sync::watch::Sender::new(false),
    });
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "listening on http://{addr}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::from(1);
        }
    }
    // The one handler gets every request; the body is read there, within its own limit,
    // so axum's default body limit does not apply.
    let app = Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::clone(&shared));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(args.header_timeout);
    let permits = Arc::new(Semaphore::new(args.max_connections));
    let mut connections = JoinSet::new();
    let mut stop = shared.done.subscribe();
    loop {
        // At most `max_connections` at once: the next is accepted when one closes.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit.expect("never closed"),
            () = stopped(&mut stop) => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, or the peer left: wait a little, go on.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let http = http.clone();
        let mut stop = shared.done.subscribe();
        connections.spawn(async move {
            let _permit = permit;
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(e) = served {
                        eprintln!("connection closed: {e}");
                    }
                }
                () = stopped(&mut stop) => {
                    // Let the last answer be written, then close.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    // The last answers are written; connections that stay open are not waited for long.
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drained)
        .await
        .is_err()
    {
        eprintln!("connections still open after 5 s; exiting");
    }
    ExitCode::SUCCESS
}
