//! Delivering notifications to the MDM's `notificationUrl`.
//!
//! Every notification is POSTed as `{notification, notificationId, notificationType, uId}`
//! with `Authorization: Bearer <notificationAuthToken>`. Any 2xx is a delivery. Event
//! notifications are retried up to 3 times (4 attempts) on a non-2xx answer or a transport
//! error; the test notification gets exactly one attempt. Redirects are never followed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

/// Retries after the first attempt for event notifications.
pub(crate) const RETRIES: u32 = 3;

/// One notification the simulator sent (or tried to send).
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    /// `notificationId` (shared by a duplicate delivery).
    pub notification_id: String,
    /// `notificationType`, e.g. `ASSET_MANAGEMENT`.
    pub notification_type: String,
    /// The location's `uId`.
    pub uid: String,
    /// Where it was POSTed.
    pub url: String,
    /// The whole envelope as sent.
    pub body: Value,
    /// Attempts made (1 + retries).
    pub attempts: u32,
    /// Whether an attempt got a 2xx.
    pub delivered: bool,
    /// HTTP status of the last attempt (`None`: connection failed).
    pub last_status: Option<u16>,
    /// This is the second, deliberately duplicated, delivery.
    pub duplicate: bool,
}

/// Where and how to deliver (a snapshot of a location's settings).
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub uid: String,
    pub url: String,
    pub secret: String,
}

pub(crate) struct Notifier {
    client: reqwest::Client,
    records: Mutex<Vec<NotificationRecord>>,
    next_id: AtomicU64,
    retry_delay: Duration,
    duplicate: bool,
}

impl Notifier {
    pub fn new(retry_delay: Duration, duplicate: bool) -> Result<Self, reqwest::Error> {
        // Never follow a redirect: a 3xx is an answer (not a 2xx, so not a delivery), and
        // the simulator never POSTs anywhere but the URL the MDM set.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()?;
        Ok(Notifier {
            client,
            records: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
            retry_delay,
            duplicate,
        })
    }

    fn envelope(&self, dest: &Destination, typ: &str, payload: Value) -> (String, Value) {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("a0000000-0000-4000-8000-{n:012x}");
        let body = json!({
            "notification": payload,
            "notificationId": id,
            "notificationType": typ,
            "uId": dest.uid,
        });
        (id, body)
    }

    async fn attempt(&self, dest: &Destination, body: &Value) -> Option<u16> {
        let resp = self
            .client
            .post(&dest.url)
            .bearer_auth(&dest.secret)
            .json(body)
            .send()
            .await
            .ok()?;
        Some(resp.status().as_u16())
    }

    async fn deliver(
        &self,
        dest: &Destination,
        typ: &str,
        id: &str,
        body: &Value,
        retries: u32,
        duplicate: bool,
    ) -> bool {
        let mut attempts = 0;
        let mut last_status = None;
        let mut delivered = false;
        while attempts <= retries {
            if attempts > 0 {
                tokio::time::sleep(self.retry_delay).await;
            }
            attempts += 1;
            last_status = self.attempt(dest, body).await;
            if last_status.is_some_and(|s| (200..300).contains(&s)) {
                delivered = true;
                break;
            }
        }
        self.lock().push(NotificationRecord {
            notification_id: id.to_string(),
            notification_type: typ.to_string(),
            uid: dest.uid.clone(),
            url: dest.url.clone(),
            body: body.clone(),
            attempts,
            delivered,
            last_status,
            duplicate,
        });
        delivered
    }

    /// Sends the TEST_NOTIFICATION once; `true` when it was delivered.
    pub async fn test(&self, dest: &Destination) -> bool {
        let (id, body) = self.envelope(dest, "TEST_NOTIFICATION", json!({}));
        self.deliver(dest, "TEST_NOTIFICATION", &id, &body, 0, false)
            .await
    }

    /// Sends event notifications in order, with retries and the optional duplicate.
    pub async fn send_all(&self, dest: &Destination, items: Vec<(&'static str, Value)>) {
        for (typ, payload) in items {
            let (id, body) = self.envelope(dest, typ, payload);
            self.deliver(dest, typ, &id, &body, RETRIES, false).await;
            if self.duplicate {
                self.deliver(dest, typ, &id, &body, RETRIES, true).await;
            }
        }
    }

    pub fn records(&self) -> Vec<NotificationRecord> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<NotificationRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}
