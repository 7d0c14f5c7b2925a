//! The router: which handler answers which path (and the fault/recording middleware in
//! front of them all). The handlers live in `config`, `lists`, `events` and `v1`.

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use crate::request::{method_not_allowed, not_found};
use crate::shared::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/mdm/v2/service/config", get(crate::config::service_config))
        .route(
            "/mdm/v2/client/config",
            get(crate::config::get_client_config).post(crate::config::post_client_config),
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
