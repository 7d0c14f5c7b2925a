//! Fault injection and request recording: one middleware in front of every route. The
//! armed faults themselves are kept in the shared state.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::apple::{AppleError, code};
use crate::scenario::{FaultKind, FaultSpec};
use crate::shared::{AuthNote, Shared, normalize};

/// Records the request, applies a fault if one is armed (or drawn) for its path, else
/// routes it.
pub(crate) async fn middleware(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let seq = s.record_start(req.method().as_str(), &path, req.uri().query());
    let fault = s.fault_for(&normalize(&path));
    let resp = match &fault {
        Some(f) => apply(&s, f, req, next).await,
        None => next.run(req).await,
    };
    let note = resp.extensions().get::<AuthNote>().cloned();
    s.record_end(seq, resp.status().as_u16(), note, fault.map(|f| f.kind));
    resp
}

async fn apply(s: &Shared, f: &FaultSpec, req: Request, next: Next) -> Response {
    match f.kind {
        FaultKind::Status500 => AppleError::new(code::INTERNAL).into_response(),
        FaultKind::Status503 => AppleError::new(code::UNAVAILABLE).into_response(),
        FaultKind::Status429 => AppleError::new(code::TOO_MANY_REQUESTS).into_response(),
        FaultKind::Status503RetryAfter => {
            let mut r = AppleError::new(code::UNAVAILABLE).into_response();
            let secs = f.retry_after_secs.unwrap_or(1).to_string();
            if let Ok(v) = HeaderValue::from_str(&secs) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        FaultKind::Hang => {
            let mut stop = s.shutdown.clone();
            let wait = Duration::from_millis(f.hang_ms.unwrap_or(120_000));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|v| *v) => {}
            }
            AppleError::new(code::UNAVAILABLE).into_response()
        }
        FaultKind::Malformed => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"assets\": [{\"adamId\": \"40920"))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        FaultKind::Slow => {
            tokio::time::sleep(Duration::from_millis(f.slow_ms.unwrap_or(2_000))).await;
            next.run(req).await
        }
        FaultKind::CutBody => broken_body(next.run(req).await, false).await,
        FaultKind::ResetMidBody => broken_body(next.run(req).await, true).await,
    }
}

/// The answer's status and headers with only the first half of its body: either declared
/// whole by `Content-Length` and then ended (`reset: false`), or sent chunked and then
/// failed, which drops the connection mid-body (`reset: true`).
async fn broken_body(resp: Response, reset: bool) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    if !reset {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    }
    // The first half goes out (headers and all) before the break: the stream pauses so
    // the server flushes what it has, then ends early or fails.
    let end = async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if reset {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "simulated connection reset mid-body",
            ))
        } else {
            Ok(Bytes::new())
        }
    };
    let chunks = futures_util::stream::iter([Ok(half)]).chain(futures_util::stream::once(end));
    Response::from_parts(parts, Body::from_stream(chunks))
}
