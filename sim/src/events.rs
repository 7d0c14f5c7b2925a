//! The manage endpoints (validated at once, executed after `event_delay_ms`) and `status`.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::apple::{AppleError, code};
use crate::licenses::{Job, Targets, UserItem};
use crate::model::{Event, EventType};
use crate::paging::QueryMap;
use crate::request::{authorize, body, destination, query, with_loc};
use crate::shared::Shared;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManageRequest {
    #[serde(default)]
    assets: Option<Vec<AssetRef>>,
    #[serde(default)]
    client_user_ids: Option<Vec<String>>,
    #[serde(default)]
    serial_numbers: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssetRef {
    /// A string on the wire; a number is accepted too.
    adam_id: Value,
    pricing_param: Option<String>,
}

#[derive(Deserialize)]
struct UsersRequest {
    #[serde(default)]
    users: Option<Vec<UserIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIn {
    client_user_id: Option<String>,
    email: Option<String>,
    managed_apple_id: Option<String>,
}

fn has_duplicates<T: Eq + Hash>(items: &[T]) -> bool {
    let mut seen = HashSet::new();
    !items.iter().all(|i| seen.insert(i))
}

fn check(cond: bool, number: u32) -> Result<(), AppleError> {
    if cond {
        Err(AppleError::new(number))
    } else {
        Ok(())
    }
}

fn asset_ref(a: AssetRef) -> Result<(String, String), AppleError> {
    let adam = match a.adam_id {
        Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(AppleError::detail(
                code::INVALID_ARGUMENT,
                "adamId must be a non-empty string.",
            ));
        }
    };
    Ok((adam, a.pricing_param.unwrap_or_else(|| "STDQ".into())))
}

/// Validates an associate / disassociate body.
fn targets(s: &Shared, bytes: &Bytes) -> Result<Targets, AppleError> {
    let r: ManageRequest = body(bytes)?;
    let assets: Vec<(String, String)> = r
        .assets
        .unwrap_or_default()
        .into_iter()
        .map(asset_ref)
        .collect::<Result<_, _>>()?;
    let users = r.client_user_ids.unwrap_or_default();
    let serials = r.serial_numbers.unwrap_or_default();
    let c = &s.config;
    check(assets.is_empty(), code::MISSING_ASSETS)?;
    check(
        users.is_empty() && serials.is_empty(),
        code::MISSING_TARGETS,
    )?;
    check(assets.len() > c.max_assets, code::MAX_ASSETS)?;
    check(
        users.len() > c.max_client_user_ids,
        code::MAX_CLIENT_USER_IDS,
    )?;
    check(
        serials.len() > c.max_serial_numbers,
        code::MAX_SERIAL_NUMBERS,
    )?;
    check(has_duplicates(&assets), code::DUPLICATE_ASSETS)?;
    check(has_duplicates(&users), code::DUPLICATE_CLIENT_USER_IDS)?;
    check(has_duplicates(&serials), code::DUPLICATE_SERIAL_NUMBERS)?;
    Ok(Targets {
        assets,
        users,
        serials,
    })
}

fn revoke_job(s: &Shared, bytes: &Bytes) -> Result<Job, AppleError> {
    let r: ManageRequest = body(bytes)?;
    let users = r.client_user_ids.unwrap_or_default();
    let serials = r.serial_numbers.unwrap_or_default();
    let c = &s.config;
    check(
        users.is_empty() && serials.is_empty(),
        code::MISSING_TARGETS,
    )?;
    check(
        users.len() > c.max_revoke_client_user_ids,
        code::MAX_CLIENT_USER_IDS,
    )?;
    check(
        serials.len() > c.max_revoke_serial_numbers,
        code::MAX_SERIAL_NUMBERS,
    )?;
    check(has_duplicates(&users), code::DUPLICATE_CLIENT_USER_IDS)?;
    check(has_duplicates(&serials), code::DUPLICATE_SERIAL_NUMBERS)?;
    Ok(Job::Revoke { users, serials })
}

fn users_job(s: &Shared, bytes: &Bytes, kind: EventType) -> Result<Job, AppleError> {
    let r: UsersRequest = body(bytes)?;
    let users = r.users.unwrap_or_default();
    check(users.is_empty(), code::MISSING_USERS)?;
    check(users.len() > s.config.max_users, code::MAX_USERS)?;
    let mut items = Vec::with_capacity(users.len());
    for u in users {
        let id = u.client_user_id.unwrap_or_default();
        if id.trim().is_empty() {
            return Err(AppleError::detail(
                code::INVALID_ARGUMENT,
                "Every user needs a clientUserId.",
            ));
        }
        if u.email.as_deref().is_some_and(|e| !valid_email(e)) {
            return Err(AppleError::new(code::INVALID_EMAIL));
        }
        items.push(UserItem {
            client_user_id: id,
            email: u.email,
            managed_apple_id: u.managed_apple_id,
        });
    }
    let ids: Vec<&str> = items.iter().map(|u| u.client_user_id.as_str()).collect();
    check(has_duplicates(&ids), code::DUPLICATE_USERS)?;
    Ok(Job::Users(kind, items))
}

fn valid_email(e: &str) -> bool {
    e.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
}

/// Authorizes, validates, records a PENDING event, answers at once and schedules the job.
async fn accept(
    s: Arc<Shared>,
    headers: HeaderMap,
    bytes: Bytes,
    make: impl FnOnce(&Shared, &Bytes) -> Result<Job, AppleError>,
) -> Response {
    let ctx = match authorize(&s, &headers).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    let job = match make(&s, &bytes) {
        Ok(j) => j,
        Err(e) => return ctx.finish(Err(e)),
    };
    ctx.mark_used_via_v2(&s);
    let Some((event_id, answer)) = record_pending(&s, &ctx.uid, &job) else {
        return ctx.finish(Err(AppleError::new(code::INVALID_TOKEN)));
    };
    schedule(Arc::clone(&s), ctx.uid.clone(), event_id, job);
    ctx.finish(Ok(answer))
}

/// Records a PENDING event for `job` at location `uid`: its id and the answer to send
/// (`None` when the location is gone).
fn record_pending(s: &Shared, uid: &str, job: &Job) -> Option<(String, Value)> {
    let mut w = s.world();
    let event_id = w.new_event_id();
    let loc = w.location_mut(uid)?;
    loc.events.insert(
        event_id.clone(),
        Event {
            event_type: job.event_type(),
            done: false,
            num_requested: job.num_requested(),
            num_completed: 0,
            failures: Vec::new(),
        },
    );
    let answer = json!({
        "eventId": event_id,
        "tokenExpirationDate": loc.expiration_text(),
        "uId": loc.uid,
    });
    Some((event_id, answer))
}

/// Runs `job` after the scenario's event delay, then sends its notifications.
fn schedule(shared: Arc<Shared>, uid: String, event_id: String, job: Job) {
    let delay = Duration::from_millis(shared.config.event_delay_ms);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let outgoing = {
            let mut w = shared.world();
            let Some(loc) = w.location_mut(&uid) else {
                return;
            };
            let items = crate::licenses::run(loc, &event_id, &job);
            items
                .into_iter()
                .filter_map(|(typ, payload)| destination(loc, typ).map(|d| (d, typ, payload)))
                .collect::<Vec<_>>()
        };
        if let Some((dest, _, _)) = outgoing.first() {
            let dest = dest.clone();
            let items = outgoing.into_iter().map(|(_, t, p)| (t, p)).collect();
            shared.notifier.send_all(&dest, items).await;
        }
    });
}

macro_rules! manage_handler {
    ($(#[$doc:meta])* $name:ident, $make:expr) => {
        $(#[$doc])*
        pub(crate) async fn $name(
            State(s): State<Arc<Shared>>,
            headers: HeaderMap,
            bytes: Bytes,
        ) -> Response {
            accept(s, headers, bytes, $make).await
        }
    };
}

manage_handler!(
    /// `POST assets/associate`.
    associate,
    |s, b| targets(s, b).map(Job::Associate)
);
manage_handler!(
    /// `POST assets/disassociate`.
    disassociate,
    |s, b| targets(s, b).map(Job::Disassociate)
);
manage_handler!(
    /// `POST assets/revoke`.
    revoke,
    revoke_job
);
manage_handler!(
    /// `POST users/create`.
    create_users,
    |s, b| users_job(s, b, EventType::Create)
);
manage_handler!(
    /// `POST users/update`.
    update_users,
    |s, b| users_job(s, b, EventType::Update)
);
manage_handler!(
    /// `POST users/retire`.
    retire_users,
    |s, b| users_job(s, b, EventType::Retire)
);

/// `GET status?eventId=`: unknown (or another location's) event → 9708.
pub(crate) async fn status(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<QueryMap>, QueryRejection>,
) -> Response {
    let ctx = match authorize(&s, &headers).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    let r = query(q).and_then(|q| {
        let id = q
            .get("eventId")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| AppleError::detail(code::MISSING_ARGUMENT, "eventId is required."))?
            .clone();
        with_loc(&s, &ctx, |loc| {
            let ev = loc
                .events
                .get(&id)
                .ok_or_else(|| AppleError::new(code::EVENT_NOT_FOUND))?;
            let mut v = json!({
                "eventStatus": ev.status(),
                "eventType": ev.event_type.as_str(),
                "numCompleted": ev.num_completed,
                "numRequested": ev.num_requested,
            });
            if !ev.failures.is_empty() {
                v["failures"] = ev.failures.iter().map(|f| f.json()).collect();
            }
            v["uId"] = json!(loc.uid);
            v["tokenExpirationDate"] = json!(loc.expiration_text());
            Ok(v)
        })
    });
    ctx.finish(r)
}
