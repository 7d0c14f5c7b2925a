//! Request helpers the handlers share: the bearer check (`authorize`), body and query
//! extraction, the answers for unknown routes and wrong methods, and access to the matched
//! location.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::apple::{AppleError, code};
use crate::counters::TokenId;
use crate::model::Location;
use crate::notify::Destination;
use crate::paging::QueryMap;
use crate::ratelimit::InFlight;
use crate::shared::{AuthNote, Shared};

/// Unknown route: 404 with an Apple-style body naming the path.
pub(crate) async fn not_found(method: Method, uri: Uri) -> Response {
    AppleError::detail(
        code::NOT_FOUND,
        format_args!("The simulator has no endpoint {method} {}.", uri.path()),
    )
    .into_response()
}

/// A known route with another method: 405, 9726.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    AppleError::detail(
        code::METHOD_NOT_ALLOWED,
        format_args!("{method} {}", uri.path()),
    )
    .into_response()
}

/// An authorized v2 (or v1) request: the matched location, held in flight.
pub(crate) struct Ctx {
    pub uid: String,
    _guard: InFlight,
}

impl Ctx {
    /// Records that the location was written to through v2 (a claim, notification
    /// settings, a license or user request): from then on v1 shows Apple's `"ac2":1`
    /// marker. Reads do not count: reading a location does not manage it.
    pub fn mark_used_via_v2(&self, s: &Shared) {
        if let Some(loc) = s.world().location_mut(&self.uid) {
            loc.used_via_v2 = true;
        }
    }

    /// Turns a handler result into the answer, tagged for the request log.
    pub fn finish(&self, r: Result<Value, AppleError>) -> Response {
        let mut resp = match r {
            Ok(v) => Json(v).into_response(),
            Err(e) => e.into_response(),
        };
        resp.extensions_mut().insert(AuthNote {
            uid: Some(self.uid.clone()),
            authorized: true,
        });
        resp
    }
}

/// An error answer for a request that was not authorized.
pub(crate) fn deny(uid: Option<String>, e: AppleError) -> Response {
    let mut resp = e.into_response();
    resp.extensions_mut().insert(AuthNote {
        uid,
        authorized: false,
    });
    resp
}

/// A refused credential: which location it matched (if any) and the error.
pub(crate) struct Denied {
    pub uid: Option<String>,
    pub error: AppleError,
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        deny(self.uid, self.error)
    }
}

/// Checks a credential: unknown → 9622 (HTTP 200, as Apple), rate → 9646, revoked → 9625,
/// expired → 9621, legacy on v2 → 9647. Error messages never contain the credential.
pub(crate) fn check_credential(s: &Arc<Shared>, credential: &str, v2: bool) -> Result<Ctx, Denied> {
    let credential = credential.trim();
    let denied = |uid: Option<&str>, n: u32| Denied {
        uid: uid.map(str::to_string),
        error: AppleError::new(n),
    };
    let uid = match s.world().by_credential(credential) {
        Some(l) => l.uid.clone(),
        None => return Err(denied(None, code::INVALID_TOKEN)),
    };
    let token = TokenId::of(credential);
    s.counters.arrive_token(token);
    let guard = s
        .rate
        .admit(&uid, s.config.max_requests_per_second)
        .map_err(|()| {
            s.counters.refuse_token(token);
            denied(Some(&uid), code::TOO_MANY_REQUESTS)
        })?;
    let mut w = s.world();
    let Some(loc) = w.location_mut(&uid) else {
        return Err(denied(None, code::INVALID_TOKEN));
    };
    let err = if loc.revoked {
        Some(code::TOKEN_REVOKED)
    } else if loc.expires < Utc::now() {
        Some(code::TOKEN_EXPIRED)
    } else if v2 && loc.legacy {
        Some(code::LEGACY_TOKEN)
    } else {
        None
    };
    if let Some(n) = err {
        return Err(denied(Some(&uid), n));
    }
    Ok(Ctx { uid, _guard: guard })
}

/// `Authorization: Bearer <credential>`; anything else → 9722. An authorized request then
/// waits the scenario's `response_delay_ms` (while counted in flight).
pub(crate) async fn authorize(s: &Arc<Shared>, headers: &HeaderMap) -> Result<Ctx, Denied> {
    let ctx = authorize_now(s, headers)?;
    s.response_delay().await;
    Ok(ctx)
}

fn authorize_now(s: &Arc<Shared>, headers: &HeaderMap) -> Result<Ctx, Denied> {
    let bad = || Denied {
        uid: None,
        error: AppleError::new(code::BAD_AUTH_HEADER),
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(bad)?
        .to_str()
        .map_err(|_| bad())?;
    let (scheme, rest) = value.trim().split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
        return Err(bad());
    }
    check_credential(s, rest, true)
}

/// The query map, or 9602 for an undecodable query string.
pub(crate) fn query(q: Result<Query<QueryMap>, QueryRejection>) -> Result<QueryMap, AppleError> {
    q.map(|Query(m)| m)
        .map_err(|_| AppleError::detail(code::INVALID_ARGUMENT, "Undecodable query string."))
}

/// A JSON body, or 9602 naming the problem.
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, AppleError> {
    serde_json::from_slice(bytes).map_err(|e| {
        AppleError::detail(
            code::INVALID_ARGUMENT,
            format_args!("The request body is not valid: {e}."),
        )
    })
}

/// Where a location's notifications of this type go, if it subscribed.
pub(crate) fn destination(loc: &Location, typ: &str) -> Option<Destination> {
    if !loc.subscribed.iter().any(|t| t == typ) {
        return None;
    }
    Some(Destination {
        uid: loc.uid.clone(),
        url: loc.notification_url.clone()?,
        secret: loc.notification_secret.clone()?,
    })
}

/// Runs `f` on the authorized location (which exists: it was just matched).
pub(crate) fn with_loc<T>(
    s: &Shared,
    ctx: &Ctx,
    f: impl FnOnce(&mut Location) -> Result<T, AppleError>,
) -> Result<T, AppleError> {
    let mut w = s.world();
    let loc = w
        .location_mut(&ctx.uid)
        .ok_or_else(|| AppleError::new(code::INVALID_TOKEN))?;
    f(loc)
}
