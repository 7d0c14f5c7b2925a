//! The legacy v1 endpoints `VPPServiceConfigSrv` and `VPPClientConfigSrv`.
//!
//! Answers are always HTTP 200 with `status` 0 (success) or -1 (failure, with
//! `errorNumber` / `errorMessage`), except the rate limit (HTTP 429, 9646, `Retry-After`).
//!
//! `clientContext` of a location that has been written to through v2 (a claim, notification
//! settings, a license or user request; not a read), or has `mdm_info` in the scenario, carries Apple's marker `"ac2":1`, merged into the
//! stored JSON object (or `{"ac2":1}` when none is stored).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::apple::{AppleError, code};
use crate::model::{Location, fnv};
use crate::request::{check_credential, deny, with_loc};
use crate::shared::Shared;

/// Longest `clientContext` accepted (Apple: under 256 bytes).
const MAX_CLIENT_CONTEXT: usize = 255;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    #[serde(rename = "sToken")]
    s_token: Option<String>,
    client_context: Option<String>,
    #[allow(dead_code)]
    verbose: Option<bool>,
}

fn failure(number: u32, detail: Option<&str>) -> Value {
    let mut message = crate::apple::message(number).to_string();
    if let Some(d) = detail {
        message = format!("{message} {d}");
    }
    json!({"status": -1, "errorNumber": number, "errorMessage": message})
}

/// `POST VPPServiceConfigSrv` (no auth).
pub(crate) async fn service_config(State(s): State<Arc<Shared>>) -> Response {
    let base = format!("{}/mdm", s.origin);
    Json(json!({
        "status": 0,
        "clientConfigSrvUrl": format!("{base}/VPPClientConfigSrv"),
        "serviceConfigSrvUrl": format!("{base}/VPPServiceConfigSrv"),
        "errorCodes": crate::apple::error_codes(),
        "maxBatchAssociateLicenseCount": s.config.max_serial_numbers,
        "maxBatchDisassociateLicenseCount": s.config.max_serial_numbers,
    }))
    .into_response()
}

/// The `clientContext` as v1 shows it.
fn shown_context(loc: &Location) -> Option<String> {
    if !loc.used_via_v2 || loc.legacy {
        return loc.client_context.clone();
    }
    let mut obj = loc
        .client_context
        .as_deref()
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    obj["ac2"] = json!(1);
    Some(obj.to_string())
}

fn answer(loc: &Location) -> Value {
    let mut v = json!({
        "status": 0,
        "uId": loc.uid,
        // The account that downloaded the token (Apple's sample prints it beside `email`).
        "appleId": loc.email,
        "countryCode": loc.country,
        "defaultPlatform": loc.default_platform,
        "email": loc.email,
        "expirationMillis": loc.expires.timestamp_millis(),
        "location": {
            "locationId": fnv(&loc.uid) % 1_000_000_000,
            "locationName": loc.name,
        },
        "organizationId": fnv(&loc.org_name) % 1_000_000_000_000,
        "organizationIdHash": format!("{:016x}{:016x}", fnv(&loc.org_name), fnv(&loc.uid)),
    });
    if let Some(c) = shown_context(loc) {
        v["clientContext"] = json!(c);
    }
    let left = loc.expires.signed_duration_since(chrono::Utc::now());
    if left.num_days() < 15 {
        v["tokenExpDate"] = json!(crate::model::apple_date(loc.expires));
    }
    v
}

/// `POST VPPClientConfigSrv` `{"sToken", "clientContext"?, "verbose"?}`: reads, sets
/// (`""` clears) the `clientContext`.
pub(crate) async fn client_config(State(s): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: Request = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(_) => {
            return Json(failure(
                code::INVALID_ARGUMENT,
                Some("The body must be JSON."),
            ))
            .into_response();
        }
    };
    let Some(token) = req.s_token.filter(|t| !t.trim().is_empty()) else {
        return Json(failure(code::LOGIN_REQUIRED, None)).into_response();
    };
    let ctx = match check_credential(&s, &token, false) {
        Ok(c) => c,
        Err(d) => {
            let status = if d.error.number == code::TOO_MANY_REQUESTS {
                d.error.status
            } else {
                StatusCode::OK
            };
            let e = d.error.with_status(status);
            let mut r = deny(d.uid, e.clone());
            *r.body_mut() = axum::body::Body::from(failure(e.number, None).to_string());
            return r;
        }
    };
    s.response_delay().await;
    let r = with_loc(&s, &ctx, |loc| {
        if let Some(c) = req.client_context {
            if c.len() > MAX_CLIENT_CONTEXT {
                return Err(AppleError::detail(
                    code::INVALID_ARGUMENT,
                    "clientContext is longer than 255 bytes.",
                ));
            }
            loc.client_context = (!c.is_empty()).then_some(c);
            loc.bump();
        }
        Ok(answer(loc))
    });
    let v = match r {
        Ok(v) => v,
        Err(e) => failure(e.number, None),
    };
    ctx.finish(Ok(v))
}
