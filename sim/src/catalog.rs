//! The metadata services: Apps and Books Metadata for Organizations under `/v1`
//! (`catalog/{storefront}/stoken-authenticated-apps`, `…-books`, `storefronts`) and the
//! legacy content metadata lookup (`/mdm/v2/contentMetadataLookup`).
//!
//! The catalog checks, in this order: the developer token (`Authorization: Bearer <ES256
//! JWT>`, signature, `kid`, `iss`, `exp`, and `exp` at most 15,777,000 s ahead) → 401;
//! for owned content the `itvt` cookie (a known, valid content token) → 403 with code
//! 40300; the per-credential rate (a budget of its own) → 429 with `Retry-After: 1`; the
//! storefront → 404; `platform` missing → 400; no `ids` → 403 with code 40300, as Apple
//! ("Invalid Stoken or Empty/Null ids Request Parameter", the production answer logged in
//! fleetdm/fleet#43596: Apple gives the bad cookie and the missing ids one answer).
//! Errors are the catalog's shape, `{"errors":[{"id","title","detail","status","code"}]}`,
//! and never echo a token.
//!
//! `GET /v1/storefronts` needs the developer token and `platform` ("Get All Storefronts"
//! marks it required) and pages with `limit` (default 25) and `offset`, with `next` while
//! more follow. The legacy lookup needs no token; with the owning location's token as the
//! `itvt` cookie it also finds that location's custom apps and answers in Apple's second
//! form ("Getting App and Book Information (Legacy)").

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use crate::apple::catalog_error;
use crate::metadata::{
    app_json, available, book_json, is_book, lookup_answer, lookup_json, visible_to,
};
use crate::paging::QueryMap;
use crate::shared::{AuthNote, Shared};

/// Apple's detail of its 403 on the catalog, for a content token it does not accept and
/// for a request without ids alike.
const FORBIDDEN_DETAIL: &str = "Invalid Stoken or Empty/Null ids Request Parameter";

fn forbidden(uid: Option<String>) -> Response {
    let resp = catalog_error(
        StatusCode::FORBIDDEN,
        "40300",
        "Forbidden",
        FORBIDDEN_DETAIL,
    );
    noted(resp, uid, false)
}

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

/// Why the `itvt` cookie was refused: the location it matched, if any. Apple's answer
/// does not say which check failed.
struct CookieRefused {
    uid: Option<String>,
}

impl CookieRefused {
    fn response(self) -> Response {
        forbidden(self.uid)
    }
}

/// The `itvt` cookie's value, if the request has one.
fn itvt(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == "itvt")
        .map(|(_, value)| value.trim().to_string())
}

/// The `itvt` cookie's content token, checked like a bearer credential (known, not
/// revoked, not expired); the matched location's uid.
fn cookie_location(s: &Shared, headers: &HeaderMap) -> Result<String, CookieRefused> {
    let itvt = itvt(headers).ok_or(CookieRefused { uid: None })?;
    let w = s.world();
    let loc = w.by_credential(&itvt).ok_or(CookieRefused { uid: None })?;
    if loc.revoked || loc.expires < Utc::now() {
        return Err(CookieRefused {
            uid: Some(loc.uid.clone()),
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
        return noted(too_many_requests(), Some(uid), false);
    };
    s.response_delay().await;
    let q = match owned_query(s, storefront, q) {
        Ok(q) => q,
        Err(resp) => return noted(*resp, Some(uid), true),
    };
    let wanted = ids(&q);
    if wanted.is_empty() {
        return forbidden(Some(uid));
    }
    let latest_version = q
        .get("extend[apps]")
        .or_else(|| q.get("extend"))
        .is_some_and(|e| e.split(',').any(|x| x.trim() == "latestVersionInfo"));
    let Some(data) = owned_records(s, &uid, &wanted, storefront, books, latest_version) else {
        return noted(unauthorized("Unknown location."), None, false);
    };
    noted(Json(json!({"data": data})).into_response(), Some(uid), true)
}

/// The catalog's 429, with a `Retry-After` of one second.
fn too_many_requests() -> Response {
    let mut resp = catalog_error(
        StatusCode::TOO_MANY_REQUESTS,
        "42900",
        "Too Many Requests",
        "The request rate is over the limit; retry later.",
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    resp
}

/// The query of a request for owned content, or the catalog's answer to a storefront it
/// does not know, an undecodable query or a missing `platform`, in that order.
fn owned_query(
    s: &Arc<Shared>,
    storefront: &str,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Result<QueryMap, Box<Response>> {
    if !known_storefront(s, storefront) {
        return Err(Box::new(catalog_error(
            StatusCode::NOT_FOUND,
            "40400",
            "Resource Not Found",
            &format!(
                "No storefront {:?}.",
                storefront.chars().take(8).collect::<String>()
            ),
        )));
    }
    let Ok(Query(q)) = q else {
        return Err(Box::new(catalog_error(
            StatusCode::BAD_REQUEST,
            "40000",
            "Bad Request",
            "Undecodable query string.",
        )));
    };
    if q.get("platform").is_none_or(|p| p.is_empty()) {
        return Err(Box::new(catalog_error(
            StatusCode::BAD_REQUEST,
            "40005",
            "Invalid Parameter Value",
            "The platform parameter is required.",
        )));
    }
    Ok(q)
}

/// The `data` records of the `wanted` ids the location `uid` owns (books or apps) and
/// that are sold in `storefront`, in the order asked; `None` for an unknown location.
fn owned_records(
    s: &Arc<Shared>,
    uid: &str,
    wanted: &[String],
    storefront: &str,
    books: bool,
    latest_version: bool,
) -> Option<Vec<Value>> {
    let w = s.world();
    let loc = w.location(uid)?;
    let data = wanted
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
                app_json(a, storefront, latest_version)
            }
        })
        .collect();
    Some(data)
}

/// The default and largest `limit` of `GET /v1/storefronts` in the simulator.
const STOREFRONTS_DEFAULT_LIMIT: usize = 25;

/// `GET /v1/storefronts?platform=…&limit=…&offset=…`: developer token only; `platform`
/// required; pages of `limit` (default 25) from `offset`, with `next` while more follow.
pub(crate) async fn storefronts(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    if let Err(detail) = developer(&s, &headers) {
        return noted(unauthorized(&detail), None, false);
    }
    let (limit, offset) = match storefronts_window(q) {
        Ok(window) => window,
        Err(resp) => return *resp,
    };
    let mut all: Vec<String> = s
        .config
        .metadata_storefronts
        .iter()
        .map(|id| id.to_ascii_lowercase())
        .collect();
    all.sort();
    all.dedup();
    let page: Vec<&String> = all.iter().skip(offset).take(limit).collect();
    let more = offset.saturating_add(page.len()) < all.len();
    let data: Vec<Value> = page.into_iter().map(|id| storefront_json(id)).collect();
    let mut body = json!({"data": data});
    if more {
        body["next"] = json!(format!("/v1/storefronts?offset={}", offset + limit));
    }
    Json(body).into_response()
}

/// The `limit` and `offset` of a storefronts request, or the catalog's 400 for an
/// undecodable query, a missing `platform` or a bad number.
fn storefronts_window(
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Result<(usize, usize), Box<Response>> {
    let bad = |detail: &str| {
        Box::new(catalog_error(
            StatusCode::BAD_REQUEST,
            "40005",
            "Invalid Parameter Value",
            detail,
        ))
    };
    let Ok(Query(q)) = q else {
        return Err(bad("Undecodable query string."));
    };
    if q.get("platform").is_none_or(|p| p.is_empty()) {
        return Err(bad("The platform parameter is required."));
    }
    let number = |name: &str, default: usize| match q.get(name) {
        None => Some(default),
        Some(v) => v.trim().parse::<usize>().ok(),
    };
    let (Some(limit), Some(offset)) = (
        number("limit", STOREFRONTS_DEFAULT_LIMIT),
        number("offset", 0),
    ) else {
        return Err(bad("limit and offset must be non-negative integers."));
    };
    if limit == 0 || limit > STOREFRONTS_DEFAULT_LIMIT {
        return Err(bad("limit must be between 1 and 25."));
    }
    Ok((limit, offset))
}

/// One storefront resource, named and tagged after its id.
fn storefront_json(id: &str) -> Value {
    let id = id.to_ascii_lowercase();
    let upper = id.to_ascii_uppercase();
    json!({
        "id": id,
        "type": "storefronts",
        "href": format!("/v1/storefronts/{id}"),
        "attributes": {
            "name": upper,
            "defaultLanguageTag": format!("en-{upper}"),
            "supportedLanguageTags": [format!("en-{upper}")],
        },
    })
}

/// `GET /mdm/v2/contentMetadataLookup?version=2&id=…&cc=…&platform=…`: the ids sold in
/// `cc` among every location's assets; an unknown storefront knows none. No token is
/// needed; with a location's token as the `itvt` cookie, that location's custom apps are
/// found too and the answer takes Apple's second form (string `id`, one template
/// `artwork`). A cookie that is not a valid token finds nothing (Apple: an empty
/// `results` may mean that authentication failed).
pub(crate) async fn lookup(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return (StatusCode::BAD_REQUEST, "undecodable query string").into_response();
    };
    let cc = q
        .get("cc")
        .cloned()
        .unwrap_or_else(|| "us".into())
        .to_ascii_lowercase();
    let cookie = itvt(&headers);
    let owner = match &cookie {
        Some(_) => match cookie_location(&s, &headers) {
            Ok(uid) => Some(uid),
            Err(_) => {
                return Json(lookup_answer(serde_json::Map::new(), &cc, true)).into_response();
            }
        },
        None => None,
    };
    let authenticated = owner.is_some();
    let mut results = serde_json::Map::new();
    if known_storefront(&s, &cc) {
        let w = s.world();
        for id in ids(&q) {
            let asset = w.locations.iter().find_map(|l| {
                let owns = owner.as_deref() == Some(l.uid.as_str());
                l.assets
                    .iter()
                    .find(|a| a.adam_id == id && available(a, &cc) && visible_to(a, owns))
            });
            if let Some(a) = asset {
                results.insert(id.clone(), lookup_json(a, &cc, authenticated));
            }
        }
    }
    Json(lookup_answer(results, &cc, authenticated)).into_response()
}
