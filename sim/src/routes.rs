//! The router, v2 authentication, and the v2 read endpoints.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::apple::{AppleError, code};
use crate::faults::AuthNote;
use crate::model::Location;
use crate::notify::Destination;
use crate::paging::QueryMap;
use crate::ratelimit::InFlight;
use crate::shared::Shared;

/// The notification types a location may subscribe to.
pub(crate) const NOTIFICATION_TYPES: &[&str] = &[
    "ASSET_MANAGEMENT",
    "USER_MANAGEMENT",
    "USER_ASSOCIATED",
    "ASSET_COUNT",
    "SUBSCRIPTION_MANAGEMENT",
    "SUBSCRIPTION_COUNT",
];

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/mdm/v2/service/config", get(service_config))
        .route(
            "/mdm/v2/client/config",
            get(get_client_config).post(crate::config::post_client_config),
        )
        .route("/mdm/v2/assets", get(crate::lists::list_assets))
        .route("/mdm/v2/assignments", get(crate::lists::list_assignments))
        .route("/mdm/v2/users", get(crate::lists::list_users))
        .route("/mdm/v2/status", get(crate::events::status))
        .route("/mdm/v2/assets/associate", post(crate::events::associate))
        .route(
            "/mdm/v2/assets/disassociate",
            post(crate::events::disassociate),
        )
        .route("/mdm/v2/assets/revoke", post(crate::events::revoke))
        .route("/mdm/v2/users/create", post(crate::events::create_users))
        .route("/mdm/v2/users/update", post(crate::events::update_users))
        .route("/mdm/v2/users/retire", post(crate::events::retire_users))
        .route(
            "/mdm/VPPServiceConfigSrv",
            get(crate::v1::service_config).post(crate::v1::service_config),
        )
        .route("/mdm/VPPClientConfigSrv", post(crate::v1::client_config))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            crate::faults::middleware,
        ))
        .with_state(shared)
}

async fn not_found(method: Method, uri: Uri) -> Response {
    AppleError::detail(
        code::NOT_FOUND,
        format_args!("The simulator has no endpoint {method} {}.", uri.path()),
    )
    .into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
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
    let guard = s
        .rate
        .admit(&uid, s.config.max_requests_per_second)
        .map_err(|()| denied(Some(&uid), code::TOO_MANY_REQUESTS))?;
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

async fn service_config(State(s): State<Arc<Shared>>) -> Response {
    let c = &s.config;
    let base = format!("{}/mdm/v2", s.origin);
    let url = |p: &str| format!("{base}/{p}");
    Json(json!({
        "errorCodes": crate::apple::error_codes(),
        "limits": {
            "maxAssets": c.max_assets,
            "maxUsers": c.max_users,
            "maxNotificationLength": c.max_notification_length,
            "maxRevokeClientUserIds": c.max_revoke_client_user_ids,
            "maxClientUserIds": c.max_client_user_ids,
            "maxSerialNumbers": c.max_serial_numbers,
            "maxRevokeSerialNumbers": c.max_revoke_serial_numbers,
            "maxRequestPerSecond": c.max_requests_per_second,
            "maxMdmNameLength": crate::config::MAX_MDM_NAME,
            "maxMdmMetadataLength": crate::config::MAX_MDM_METADATA,
            "maxMdmIdLength": crate::config::MAX_MDM_ID,
        },
        "notificationTypes": ["ASSET_MANAGEMENT", "USER_MANAGEMENT", "USER_ASSOCIATED", "ASSET_COUNT"],
        "urls": {
            "clientConfig": url("client/config"),
            "getAssets": url("assets"),
            "getAssignments": url("assignments"),
            "getUsers": url("users"),
            "associateAssets": url("assets/associate"),
            "disassociateAssets": url("assets/disassociate"),
            "revokeAssets": url("assets/revoke"),
            "createUsers": url("users/create"),
            "updateUsers": url("users/update"),
            "retireUsers": url("users/retire"),
            "eventStatus": url("status"),
            "contentMetadataLookup": url("contentMetadataLookup"),
        },
    }))
    .into_response()
}

async fn get_client_config(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let ctx = match authorize(&s, &headers).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    ctx.finish(with_loc(&s, &ctx, |l| Ok(l.client_config_json())))
}
