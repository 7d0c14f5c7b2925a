//! Fault injection and request recording: one middleware in front of every route. The
//! armed faults themselves are kept in the shared state.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::apple::{AppleError, code};
use crate::scenario::{FaultKind, FaultSpec};
use crate::shared::{AuthNote, Shared, normalize};

/// Records the request, applies a fault if one is armed for its path, else routes it.
pub(crate) async fn middleware(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let id = s.record_start(
        req.method().as_str(),
        &path,
        req.uri().query().map(str::to_string),
    );
    let fault = s.take_fault(&normalize(&path));
    let resp = match &fault {
        Some(f) => apply(&s, f).await,
        None => next.run(req).await,
    };
    let note = resp.extensions().get::<AuthNote>().cloned();
    s.record_end(id, resp.status().as_u16(), note, fault.map(|f| f.kind));
    resp
}

async fn apply(s: &Shared, f: &FaultSpec) -> Response {
    match f.kind {
        FaultKind::Status500 => AppleError::new(code::INTERNAL).into_response(),
        FaultKind::Status503 => AppleError::new(code::UNAVAILABLE).into_response(),
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
    }
}
