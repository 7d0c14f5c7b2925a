//! THE NOTIFICATION ENDPOINT. Apple POSTs here (`notificationUrl`) with the secret this
//! installation generated. Any replica may get a notification, and Apple may deliver one
//! more than once (to the same replica or another): the de-duplication store is shared
//! (Redis with `--redis`), and the `notifications` table records each id once.

use apple_vpp::chrono::Utc;
use apple_vpp::events::Update;
use apple_vpp::notification::{self, ReceiveLimits};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use std::sync::Arc;

use crate::app::Mdm;

/// `POST /vpp/notify`. Apple retries anything but a 2xx, so a notification that could
/// not be stored is answered 500 and comes again.
pub async fn notification(
    State(mdm): State<Arc<Mdm>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let auth = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    let n = match notification::receive(auth, &body, &mdm.secret, &ReceiveLimits::default()) {
        Ok(n) => n,
        // 401 wrong or missing secret, 413 too large, 400 not a notification.
        Err(e) => return StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
    };
    // DEDUP-API: check, handle, then mark (a failure leaves it unmarked, so Apple's
    // retry is handled). Two replicas handed the same notification at the same instant
    // can both pass the check: the table's primary key then keeps the first only.
    // Switch to the shared store's mark/confirm/release when the crate has it.
    match mdm.dedup.contains(&n.notification_id).await {
        Ok(true) => return StatusCode::OK,
        Ok(false) => {}
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    let event_id = n.event_id().map(|e| e.as_str().to_owned());
    let stored = mdm.db().map_err(|_| ()).and_then(|mut db| {
        db.record_notification(
            &n.notification_id,
            n.u_id.as_deref(),
            n.notification_type.as_str(),
            event_id.as_deref(),
            |tracker| match tracker.on_notification_at(&n, Utc::now()) {
                Update::Completed(outcome) => vec![outcome],
                _ => Vec::new(),
            },
        )
        .map_err(|e| eprintln!("mdm: notification {} not stored: {e}", n.notification_id))
    });
    if stored.is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    match mdm.dedup.insert(&n.notification_id).await {
        Ok(()) => StatusCode::OK,
        // Stored, but not marked: a retry finds it in the table and changes nothing.
        Err(_) => StatusCode::OK,
    }
}
