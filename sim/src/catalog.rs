//! The metadata services: Apps and Books Metadata for Organizations under `/v1`
//! (`catalog/{storefront}/stoken-authenticated-apps`, `…-books`, `storefronts`) and the
//! legacy content metadata lookup (`/mdm/v2/contentMetadataLookup`).
//!
//! The catalog checks, in this order: the developer token (`Authorization: Bearer <ES256
//! JWT>`, signature, `kid`, `iss`, `exp`) → 401; for owned content the `itvt` cookie (a
//! known, valid content token) → 403; the per-credential rate (a budget of its own) → 429
//! with `Retry-After: 1`; the storefront → 404. Errors are the catalog's shape,
//! `{"errors":[{"id","title","detail","status","code"}]}`, and never echo a token.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use crate::apple::catalog_error;
use crate::metadata::{app_json, available, book_json, is_book, lookup_json};
use crate::paging::QueryMap;
use crate::shared::{AuthNote, Shared};

fn unauthorized(detail: &str) -> Response {
    catalog_error(StatusCode::UNAUTHORIZED, "40100", "Unauthorized", detail)
}

fn noted(mut resp: Response, uid: Option<String>, authorized: bool) -> Response {
    resp.extensions_mut().insert(AuthNote { uid, authorized });
    resp
}

/// The developer token's check: the 401's detail when refused.
fn developer(s: &Shared, headers: &HeaderMap) -> Result<(), String> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("The Authorization header is missing.")?;
    let not_bearer = "The Authorization header is not a bearer token.";
    let (scheme, jwt) = value.trim().split_once(' ').ok_or(not_bearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(not_bearer.into());
    }
    s.developer
        .verify(jwt.trim(), Utc::now().timestamp())
        .map_err(|reason| format!("Invalid developer token: {reason}."))
}

/// Why the `itvt` cookie was refused: the location it matched, if any, and the detail.
struct CookieRefused {
    uid: Option<String>,
    detail: &'static str,
}

impl CookieRefused {
    fn response(self) -> Response {
        let resp = catalog_error(StatusCode::FORBIDDEN, "40300", "Forbidden", self.detail);
        noted(resp, self.uid, false)
    }
}

/// The `itvt` cookie's content token, checked like a bearer credential (known, not
/// revoked, not expired); the matched location's uid.
fn cookie_location(s: &Shared, headers: &HeaderMap) -> Result<String, CookieRefused> {
    let forbidden = |detail| CookieRefused { uid: None, detail };
    let itvt = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == "itvt")
        .map(|(_, value)| value.trim().to_string())
        .ok_or_else(|| {
            forbidden("The itvt cookie with the organization's content token is missing.")
        })?;
    let w = s.world();
    let loc = w
        .by_credential(&itvt)
        .ok_or_else(|| forbidden("The itvt cookie is not a known content token."))?;
    if loc.revoked || loc.expires < Utc::now() {
        return Err(CookieRefused {
            uid: Some(loc.uid.clone()),
            detail: "The content token in the itvt cookie has expired or was revoked.",
        });
    }
    Ok(loc.uid.clone())
}

fn known_storefront(s: &Shared, storefront: &str) -> bool {
    s.config
        .metadata_storefronts
        .iter()
        .any(|k| k.eq_ignore_ascii_case(storefront))
}

fn ids(q: &QueryMap) -> Vec<String> {
    q.get("ids")
        .or_else(|| q.get("id"))
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /v1/catalog/{storefront}/stoken-authenticated-apps`.
pub(crate) async fn apps(
    State(s): State<Arc<Shared>>,
    Path(storefront): Path<String>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    owned(&s, &storefront, &headers, q, false).await
}

/// `GET /v1/catalog/{storefront}/stoken-authenticated-books`.
pub(crate) async fn books(
    State(s): State<Arc<Shared>>,
    Path(storefront): Path<String>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    owned(&s, &storefront, &headers, q, true).await
}

async fn owned(
    s: &Arc<Shared>,
    storefront: &str,
    headers: &HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
    books: bool,
) -> Response {
    if let Err(detail) = developer(s, headers) {
        return noted(unauthorized(&detail), None, false);
    }
    let uid = match cookie_location(s, headers) {
        Ok(uid) => uid,
        Err(refused) => return refused.response(),
    };
    let Ok(_guard) = s
        .rate
        .admit(&format!("metadata:{uid}"), s.config.max_requests_per_second)
    else {
        let mut resp = catalog_error(
            StatusCode::TOO_MANY_REQUESTS,
            "42900",
            "Too Many Requests",
            "The request rate is over the limit; retry later.",
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return noted(resp, Some(uid), false);
    };
    s.response_delay().await;
    if !known_storefront(s, storefront) {
        let resp = catalog_error(
            StatusCode::NOT_FOUND,
            "40400",
            "Resource Not Found",
            &format!(
                "No storefront {:?}.",
                storefront.chars().take(8).collect::<String>()
            ),
        );
        return noted(resp, Some(uid), true);
    }
    let Ok(Query(q)) = q else {
        let resp = catalog_error(
            StatusCode::BAD_REQUEST,
            "40000",
            "Bad Request",
            "Undecodable query string.",
        );
        return noted(resp, Some(uid), true);
    };
    if q.get("platform").is_none_or(|p| p.is_empty()) {
        let resp = catalog_error(
            StatusCode::BAD_REQUEST,
            "40005",
            "Invalid Parameter Value",
            "The platform parameter is required.",
        );
        return noted(resp, Some(uid), true);
    }
    let wanted = ids(&q);
    let data: Vec<Value> = {
        let w = s.world();
        let Some(loc) = w.location(&uid) else {
            return noted(unauthorized("Unknown location."), None, false);
        };
        wanted
            .iter()
            .filter_map(|id| {
                loc.assets
                    .iter()
                    .find(|a| &a.adam_id == id && is_book(a) == books && available(a, storefront))
            })
            .map(|a| {
                if books {
                    book_json(a, storefront)
                } else {
                    app_json(a, storefront)
                }
            })
            .collect()
    };
    noted(Json(json!({"data": data})).into_response(), Some(uid), true)
}

/// `GET /v1/storefronts`: developer token only.
pub(crate) async fn storefronts(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(detail) = developer(&s, &headers) {
        return noted(unauthorized(&detail), None, false);
    }
    let data: Vec<Value> = s
        .config
        .metadata_storefronts
        .iter()
        .map(|id| {
            let id = id.to_ascii_lowercase();
            json!({
                "id": id,
                "type": "storefronts",
                "href": format!("/v1/storefronts/{id}"),
                "attributes": {
                    "name": id.to_ascii_uppercase(),
                    "defaultLanguageTag": format!("en-{}", id.to_ascii_uppercase()),
                    "supportedLanguageTags": [format!("en-{}", id.to_ascii_uppercase())],
                },
            })
        })
        .collect();
    Json(json!({"data": data})).into_response()
}

/// `GET /mdm/v2/contentMetadataLookup?version=2&id=…&cc=…&platform=…` (no token): the
/// ids sold in `cc` among every location's assets; an unknown storefront knows none.
pub(crate) async fn lookup(
    State(s): State<Arc<Shared>>,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return (StatusCode::BAD_REQUEST, "undecodable query string").into_response();
    };
    let cc = q.get("cc").cloned().unwrap_or_else(|| "us".into());
    let mut results = serde_json::Map::new();
    if known_storefront(&s, &cc) {
        let w = s.world();
        for id in ids(&q) {
            let asset = w
                .locations
                .iter()
                .flat_map(|l| l.assets.iter())
                .find(|a| a.adam_id == id && available(a, &cc));
            if let Some(a) = asset {
                results.insert(id.clone(), lookup_json(a, &cc));
            }
        }
    }
    Json(json!({"results": results})).into_response()
}
