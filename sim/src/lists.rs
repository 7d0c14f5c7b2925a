//! The v2 list endpoints `assets`, `assignments` and `users`, with their filters.
//!
//! `sinceVersionId` (assignments and users) answers the records changed after that
//! version: assignments added since (a removed assignment is simply gone: it does not show
//! in an incremental answer), and user records created, updated or retired since.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::apple::{AppleError, code};
use crate::assignments::Filter;
use crate::model::Location;
use crate::paging::{Listing, QueryMap, flag, number, page, page_index};
use crate::request::{authorize, query, with_loc};
use crate::shared::Shared;

/// Shared frame of the list endpoints: auth, query, location fields, paging.
async fn list(
    s: Arc<Shared>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
    key: &'static str,
    records: fn(&Location, &QueryMap, usize, usize) -> Result<Listing, AppleError>,
) -> Response {
    let ctx = match authorize(&s, &headers).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    let size = s.config.page_size.max(1);
    let r = query(q).and_then(|q| {
        let index = page_index(&q)?;
        with_loc(&s, &ctx, |loc| {
            let mut out = json!({"versionId": loc.version_id()});
            loc.common_fields(&mut out);
            let listing = records(loc, &q, index, size)?;
            s.count_examined(listing.examined);
            page(listing, size, index, key, &mut out)?;
            Ok(out)
        })
    });
    ctx.finish(r)
}

pub(crate) async fn list_assets(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    list(s, headers, q, "assets", asset_records).await
}

pub(crate) async fn list_assignments(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    list(s, headers, q, "assignments", assignment_records).await
}

pub(crate) async fn list_users(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    list(s, headers, q, "users", user_records).await
}

fn eq(q: &QueryMap, key: &str, value: &str) -> bool {
    q.get(key).is_none_or(|v| v == value)
}

fn asset_records(
    loc: &Location,
    q: &QueryMap,
    index: usize,
    size: usize,
) -> Result<Listing, AppleError> {
    let device = flag(q, "deviceAssignable")?;
    let revocable = flag(q, "revocable")?;
    let unlimited = flag(q, "unlimited")?;
    let bounds = [
        number(q, "minAssignedCount")?,
        number(q, "maxAssignedCount")?,
        number(q, "minAvailableCount")?,
        number(q, "maxAvailableCount")?,
    ];
    let all = loc
        .assets
        .iter()
        .filter(|a| {
            eq(q, "adamId", &a.adam_id)
                && eq(q, "productType", &a.product_type)
                && eq(q, "pricingParam", &a.pricing_param)
                && device.is_none_or(|d| d == a.device_assignable)
                && revocable.is_none_or(|r| r == a.revocable)
                && unlimited.is_none_or(|u| u == a.unlimited)
                && bounds[0].is_none_or(|n| a.assigned >= n)
                && bounds[1].is_none_or(|n| a.assigned <= n)
                && bounds[2].is_none_or(|n| a.available() >= n)
                && bounds[3].is_none_or(|n| a.available() <= n)
        })
        .map(|a| a.json())
        .collect();
    Ok(Listing::from_all(all, index, size))
}

/// `sinceVersionId`: `None` for a full answer; unknown → 9721.
fn since(loc: &Location, q: &QueryMap) -> Result<Option<u64>, AppleError> {
    match q.get("sinceVersionId") {
        None => Ok(None),
        Some(s) => loc
            .parse_version(s.trim())
            .map(Some)
            .ok_or_else(|| AppleError::new(code::INVALID_VERSION)),
    }
}

fn assignment_records(
    loc: &Location,
    q: &QueryMap,
    index: usize,
    size: usize,
) -> Result<Listing, AppleError> {
    let filter = Filter {
        since: since(loc, q)?,
        adam_id: q.get("adamId").map(String::as_str),
        pricing_param: q.get("pricingParam").map(String::as_str),
        client_user_id: q.get("clientUserId").map(String::as_str),
        serial_number: q.get("serialNumber").map(String::as_str),
    };
    let p = loc.assignments.page(&filter, index, size);
    Ok(Listing {
        records: p.records,
        total: p.total,
        examined: p.examined,
    })
}

/// Users are never removed, so an unfiltered page is a slice of the stored order; a
/// filtered one reads every user record.
fn user_records(
    loc: &Location,
    q: &QueryMap,
    index: usize,
    size: usize,
) -> Result<Listing, AppleError> {
    let since = since(loc, q)?;
    let active_only = flag(q, "activeOnly")?.unwrap_or(false);
    let retired_only = flag(q, "retiredOnly")?.unwrap_or(false);
    let client_user_id = q.get("clientUserId");
    if since.is_none() && !active_only && !retired_only && client_user_id.is_none() {
        let start = index.saturating_mul(size).min(loc.users.len());
        let records: Vec<Value> = loc.users[start..]
            .iter()
            .take(size)
            .map(|u| u.json())
            .collect();
        return Ok(Listing {
            examined: records.len() as u64,
            records,
            total: loc.users.len(),
        });
    }
    let all: Vec<Value> = loc
        .users
        .iter()
        .filter(|u| {
            since.is_none_or(|v| u.version > v)
                && client_user_id.is_none_or(|c| c == &u.client_user_id)
                && !(active_only && u.retired)
                && (!retired_only || u.retired)
        })
        .map(|u| u.json())
        .collect();
    let mut listing = Listing::from_all(all, index, size);
    listing.examined = loc.users.len() as u64;
    Ok(listing)
}
