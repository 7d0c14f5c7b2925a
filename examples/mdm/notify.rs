//! THE NOTIFICATION ENDPOINT. Apple POSTs here (`notificationUrl`) with the secret the
//! last upload set. Any replica may get a notification, and Apple may deliver one more
//! than once (to the same replica or another), so the endpoint follows the crate's fleet
//! protocol: mark the `notificationId` in the shared de-duplication store (Redis with
//! `--redis`), handle it, then confirm the mark, or release it when the database write
//! failed (Apple sends it again, and it is handled again). The `notifications` table
//! records each id once, in the same transaction as what the notification changed.

use apple_vpp::chrono::Utc;
use apple_vpp::events::Update;
use apple_vpp::notification::{self, Mark, Notification, ReceiveError, ReceiveLimits};
use apple_vpp::shared::NotificationSecrets;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use std::sync::Arc;

use crate::app::Mdm;

/// `POST /vpp/notify`. Apple retries anything but a 2xx: a notification that could not
/// be stored, or that another replica is handling right now, is answered 5xx and comes
/// again.
pub async fn notification(
    State(mdm): State<Arc<Mdm>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let auth = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    let n = match authenticated(&mdm, auth, &body).await {
        Ok(n) => n,
        // 401 wrong or missing secret, 413 too large, 400 not a notification.
        Err(e) => return StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
    };
    let id = n.notification_id.as_str();
    let token = match mdm.dedup.mark(id).await {
        Ok(Mark::First(token)) => token,
        // Handled before, by this replica or another.
        Ok(Mark::Duplicate) => return StatusCode::OK,
        // Another replica handles it now, or the store does not answer: Apple resends.
        Ok(Mark::InProgress) | Ok(_) | Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    if store(&mdm, &n).is_err() {
        // Not stored: forget the mark so that Apple's next delivery is handled.
        let _ = mdm.dedup.release(id, &token).await;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    // Stored. Were the confirmation lost, the mark lapses and a repeat finds the
    // notification in the table: nothing changes twice.
    let _ = mdm.dedup.confirm(id, &token).await;
    StatusCode::OK
}

/// The notification, once its `Authorization` header carries one of its location's
/// secrets (the newest or the previous one, as every replica stored them).
async fn authenticated(
    mdm: &Mdm,
    auth: Option<&[u8]>,
    body: &[u8],
) -> Result<Notification, ReceiveError> {
    let limits = ReceiveLimits::default();
    if body.len() > limits.max_body {
        return Err(ReceiveError::TooLarge {
            len: body.len(),
            max: limits.max_body,
        });
    }
    // The secret is the location's: the body says which location it is about.
    let n = notification::decode(body)?;
    let secrets = match n.u_id.as_deref() {
        Some(uid) => mdm.shared.get(uid).await.unwrap_or_default(),
        None => Vec::new(),
    };
    notification::authenticate_any(auth, &secrets)?;
    Ok(n)
}

/// Records the notification once and applies it to the location's event tracker, in one
/// transaction.
fn store(mdm: &Mdm, n: &Notification) -> Result<(), ()> {
    let event_id = n.event_id().map(|e| e.as_str().to_owned());
    let mut db = mdm.db().map_err(|_| ())?;
    db.record_notification(
        &n.notification_id,
        n.u_id.as_deref(),
        n.notification_type.as_str(),
        event_id.as_deref(),
        |tracker| match tracker.on_notification_at(n, Utc::now()) {
            Update::Completed(outcome) => vec![outcome],
            _ => Vec::new(),
        },
    )
    .map(drop)
    .map_err(|e| eprintln!("mdm: notification {} not stored: {e}", n.notification_id))
}
