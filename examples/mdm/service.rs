//! The HTTP service: the admin API and Apple's notification endpoint, on axum.
//!
//! | request | does |
//! |---------|------|
//! | `POST /admin/token[?accept_takeover=true]`, body: the `.vpptoken` file | configure the location (and subscribe notifications) |
//! | `POST /admin/sync[?full=true]` | one sync unit (409 with `Retry-After` while another replica syncs) |
//! | `POST /admin/assign` `{"adam_id","pricing"?,"serials":[],"users":[]}` | assign; `{"event_ids":[…]}` |
//! | `POST /admin/revoke` `{"serials":[],"users":[]}` | revoke; `{"event_ids":[…]}` |
//! | `GET /admin/assets` | the catalog: each asset with its name and icon |
//! | `POST /vpp/notify` | Apple's notifications (see `notify.rs`) |
//!
//! `axum::serve` sets no header-read timeout and no connection cap: a service reachable
//! from the Internet sets both, as the `notifications` example shows.

use std::net::SocketAddr;
use std::sync::Arc;

use apple_vpp::shared::LeaseError;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::app::{Mdm, MdmError};

pub fn router(mdm: Arc<Mdm>) -> Router {
    Router::new()
        .route("/admin/token", post(upload))
        .route("/admin/sync", post(sync))
        .route("/admin/assign", post(assign))
        .route("/admin/revoke", post(revoke))
        .route("/admin/assets", get(assets))
        .route("/vpp/notify", post(crate::notify::notification))
        .with_state(mdm)
}

/// Listens on `listen` and serves in the background; returns the address (and, for a
/// service on this machine, sets the replica's notification URL to it).
pub async fn start(mdm: Arc<Mdm>, listen: &str) -> Result<SocketAddr, MdmError> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        MdmError::Other(format!(
            "cannot listen on {listen} ({e}); pick another --listen address"
        ))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| MdmError::Other(e.to_string()))?;
    // Apple must reach the endpoint: over https at the address the admin gave
    // (`--notification-url`), or, only for a service on this machine (the simulator),
    // here. Otherwise no notifications: events are followed by polling `status`.
    let mut url = mdm
        .notification_url
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if url.is_none() && apple_vpp::api::is_loopback(mdm.client.base_url()) {
        *url = Some(format!("http://{addr}/vpp/notify"));
    }
    drop(url);
    let app = router(mdm);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("mdm: the HTTP service stopped: {e}");
        }
    });
    Ok(addr)
}

struct ApiError(MdmError);

impl From<MdmError> for ApiError {
    fn from(e: MdmError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Another replica syncs: when to try again, as the lease store says.
        let retry_after = match &self.0 {
            MdmError::Lease(LeaseError::Held {
                retry_after: Some(left),
                ..
            }) => Some(left.as_millis().div_ceil(1000).max(1).to_string()),
            _ => None,
        };
        let status = match &self.0 {
            e if e.is_managed_elsewhere() || e.is_lease_held() => StatusCode::CONFLICT,
            MdmError::Db(crate::db::DbError::NoLocation { .. }) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_GATEWAY,
        };
        let mut response = (
            status,
            Json(serde_json::json!({"error": self.0.to_string()})),
        )
            .into_response();
        if let Some(seconds) = retry_after.and_then(|s| HeaderValue::from_str(&s).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, seconds);
        }
        response
    }
}

fn location(mdm: &Mdm) -> Result<String, ApiError> {
    mdm.db()?
        .single_location()
        .map_err(MdmError::from)?
        .ok_or_else(|| {
            ApiError(MdmError::Other(
                "no location yet: POST its token to /admin/token".into(),
            ))
        })
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(default)]
    accept_takeover: bool,
}

async fn upload(
    State(mdm): State<Arc<Mdm>>,
    Query(q): Query<UploadQuery>,
    body: String,
) -> Result<Response, ApiError> {
    Ok(Json(mdm.upload(&body, q.accept_takeover).await?).into_response())
}

#[derive(Deserialize)]
struct SyncQuery {
    #[serde(default)]
    full: bool,
}

async fn sync(
    State(mdm): State<Arc<Mdm>>,
    Query(q): Query<SyncQuery>,
) -> Result<Response, ApiError> {
    let uid = location(&mdm)?;
    Ok(Json(mdm.sync(&uid, q.full).await?).into_response())
}

#[derive(Deserialize)]
struct AssignBody {
    adam_id: String,
    #[serde(default = "stdq")]
    pricing: String,
    #[serde(default)]
    serials: Vec<String>,
    #[serde(default)]
    users: Vec<String>,
}

fn stdq() -> String {
    "STDQ".into()
}

async fn assign(
    State(mdm): State<Arc<Mdm>>,
    Json(b): Json<AssignBody>,
) -> Result<Response, ApiError> {
    let uid = location(&mdm)?;
    let events = mdm
        .assign(&uid, &b.adam_id, &b.pricing, b.serials, b.users)
        .await?;
    let ids: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    Ok(Json(serde_json::json!({ "event_ids": ids })).into_response())
}

#[derive(Deserialize)]
struct RevokeBody {
    #[serde(default)]
    serials: Vec<String>,
    #[serde(default)]
    users: Vec<String>,
}

async fn revoke(
    State(mdm): State<Arc<Mdm>>,
    Json(b): Json<RevokeBody>,
) -> Result<Response, ApiError> {
    let uid = location(&mdm)?;
    let events = mdm.revoke(&uid, b.serials, b.users).await?;
    let ids: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    Ok(Json(serde_json::json!({ "event_ids": ids })).into_response())
}

async fn assets(State(mdm): State<Arc<Mdm>>) -> Result<Response, ApiError> {
    let uid = location(&mdm)?;
    Ok(Json(mdm.describe(&uid).await?).into_response())
}
