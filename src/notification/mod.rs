//! Apple's notifications: subscribe, authenticate, decode, de-duplicate. No I/O.
//!
//! - [`NotificationSecret`]: the shared secret (`notificationAuthToken`), generated from
//!   the operating system's secure random source and stored by the MDM.
//! - [`NotificationSubscription`]: URL + secret + the complete set of types, sent with
//!   every client-config update so that claiming and subscribing never undo each other.
//! - [`receive`]: the one function an MDM's web handler calls with the `Authorization`
//!   header and the body.
//! - [`NotificationDeduper`]: Apple delivers some notifications more than once. Where
//!   handling can fail or several replicas receive: [`NotificationDeduper::mark_at`], then
//!   confirm or release ([`Mark`]), so a notification whose handling failed is handled
//!   again when Apple resends it.
//! - Asset and user management notifications then go to
//!   [`crate::events::EventTracker::on_notification_at`].
//!
//! # The handler an MDM writes
//!
//! Framework-free: the header value and the body in, the status code out. Apple treats
//! any 2xx as delivered and retries anything else, so:
//!
//! | outcome | status |
//! | --- | --- |
//! | a notification, new | 200, after handling it |
//! | a notification already seen (duplicate) | 200, nothing else |
//! | a type this crate does not know, or a subscription type ([`Payload::Other`]) | 200 |
//! | missing, malformed or wrong `Authorization` | 401 ([`ReceiveError::http_status`]) |
//! | body over the limit (1 MiB by default) | 413 |
//! | JSON that is not a notification, or a known type with an unreadable payload | 400 |
//! | your own storage failed | 5xx, without marking the id seen: Apple retries |
//!
//! ```
//! use apple_vpp::chrono::{DateTime, Utc};
//! use apple_vpp::notification::{self, NotificationDeduper, NotificationSecret, Payload, ReceiveLimits};
//!
//! fn handle(
//!     authorization: Option<&[u8]>,
//!     body: &[u8],
//!     secret: &NotificationSecret,
//!     seen: &mut NotificationDeduper,
//!     now: DateTime<Utc>,
//! ) -> u16 {
//!     let n = match notification::receive(authorization, body, secret, &ReceiveLimits::default()) {
//!         Ok(n) => n,
//!         Err(e) => {
//!             eprintln!("{e}"); // never contains the header or the secret
//!             return e.http_status();
//!         }
//!     };
//!     if seen.contains_at(&n.notification_id, now) {
//!         return 200;
//!     }
//!     match &n.payload {
//!         Payload::AssetManagement(_) | Payload::UserManagement(_) => {
//!             // tracker.on_notification_at(&n, now): install the app only after success.
//!         }
//!         Payload::AssetCount(count) => { let _ = count.count_delta; }
//!         _ => {} // test, user associated, subscription and unknown types: accept
//!     }
//!     seen.insert_at(&n.notification_id, now);
//!     200
//! }
//!
//! let secret = NotificationSecret::generate().unwrap();
//! let mut seen = NotificationDeduper::default();
//! let now = "2026-11-25T12:00:00Z".parse().unwrap();
//! let header = format!("Bearer {}", secret.expose_secret());
//! let body = br#"{"notification":{},"notificationId":"n-1","notificationType":"TEST_NOTIFICATION","uId":"2049025000431439"}"#;
//! assert_eq!(handle(Some(header.as_bytes()), body, &secret, &mut seen, now), 200);
//! assert_eq!(handle(Some(header.as_bytes()), body, &secret, &mut seen, now), 200); // duplicate
//! assert_eq!(handle(Some(b"Bearer wrong"), body, &secret, &mut seen, now), 401);
//! assert_eq!(handle(None, body, &secret, &mut seen, now), 401);
//! assert_eq!(handle(Some(header.as_bytes()), b"[]", &secret, &mut seen, now), 400);
//! ```

// the shared secret
mod secret;

// receiving, de-duplicating and subscribing
mod dedup;
mod receive;
mod subscribe;

pub use dedup::{
    DEFAULT_PENDING_FOR, Delivery, Mark, MarkToken, MaxAgeTooLong, NotificationDeduper,
};
pub use receive::{
    DEFAULT_MAX_BODY, Notification, Payload, ReceiveError, ReceiveLimits, authenticate,
    authenticate_any, decode, receive,
};
pub use secret::{MAX_SECRET_LEN, MIN_SECRET_LEN, NotificationSecret, SecretError};
pub use subscribe::{NotificationSubscription, SubscribeError};
