//! Helpers shared by the simulator's tests: start a simulator, call it, receive
//! notifications. Everything stays on 127.0.0.1.
#![allow(dead_code)]

pub mod shape;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apple_vpp_sim::{RunningSimulator, Scenario, SimOptions, Simulator};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

pub const UID: &str = "981060278089131045";

/// The default scenario with short delays for tests.
pub fn scenario() -> Scenario {
    Scenario {
        event_delay_ms: 20,
        notification_retry_delay_ms: 10,
        // Polling loops would trip Apple's 15/s; the rate-limit tests set their own.
        max_requests_per_second: 10_000,
        ..Scenario::default()
    }
}

pub async fn start(s: Scenario) -> RunningSimulator {
    Simulator::start(s, SimOptions::default())
        .await
        .expect("simulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// GET `base_url/path` with a bearer token; answers (status, JSON body).
pub async fn get(sim: &RunningSimulator, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut rb = client().get(format!("{}/{path}", sim.base_url()));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// POST JSON to `base_url/path` with a bearer token.
pub async fn post_json(
    sim: &RunningSimulator,
    path: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let r = client()
        .post(format!("{}/{path}", sim.base_url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub fn token(sim: &RunningSimulator) -> String {
    sim.token(UID).expect("default location has a token")
}

/// Polls `status` until the event is no longer PENDING.
pub async fn wait_event(sim: &RunningSimulator, token: &str, event_id: &str) -> Value {
    for _ in 0..200 {
        let (_, v) = get(sim, &format!("status?eventId={event_id}"), Some(token)).await;
        if v["eventStatus"] != "PENDING" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("event {event_id} stayed PENDING");
}

/// POSTs a manage request and waits for its event; answers the final status.
pub async fn run_event(sim: &RunningSimulator, path: &str, body: Value) -> Value {
    run_event_with_id(sim, path, body).await.1
}

/// Like [`run_event`], also answering the eventId.
pub async fn run_event_with_id(sim: &RunningSimulator, path: &str, body: Value) -> (String, Value) {
    let t = token(sim);
    let (status, v) = post_json(sim, path, &t, &body).await;
    assert_eq!(status, 200, "{path}: {v}");
    let id = v["eventId"].as_str().expect("eventId").to_string();
    let status = wait_event(sim, &t, &id).await;
    (id, status)
}

pub fn assoc(adam: &str, serials: &[&str], users: &[&str]) -> Value {
    json!({
        "assets": [{"adamId": adam, "pricingParam": "STDQ"}],
        "serialNumbers": serials,
        "clientUserIds": users,
    })
}

/// One notification the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    got: Mutex<Vec<Received>>,
    statuses: Mutex<VecDeque<u16>>,
}

/// A tiny HTTP server standing in for the MDM's notification endpoint.
pub struct Receiver {
    inner: Arc<Inner>,
    pub url: String,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new()
            .route("/hook", post(hook))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            inner,
            url: format!("http://{addr}/hook"),
            _task: task,
        }
    }

    /// The next answers to give (then 200).
    pub fn answer_with(&self, statuses: &[u16]) {
        self.inner.statuses.lock().unwrap().extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.got.lock().unwrap().clone()
    }

    /// The received notifications of one type.
    pub fn of_type(&self, typ: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.body["notificationType"] == typ)
            .collect()
    }

    /// Waits until `n` notifications of this type arrived.
    pub async fn wait_for(&self, typ: &str, n: usize) -> Vec<Received> {
        // Generous: on a loaded 2-core machine a delivery and its retries can take seconds;
        // the test still fails when the notifications never come.
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            let got = self.of_type(typ);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "expected {n} {typ} notifications, got {:?}",
            self.received()
        );
    }
}

async fn hook(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> StatusCode {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    inner.got.lock().unwrap().push(Received {
        authorization,
        body,
    });
    let status = inner.statuses.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// Subscribes the default location to every notification type at `url`.
pub async fn subscribe(sim: &RunningSimulator, url: &str, secret: &str) -> (u16, Value) {
    post_json(
        sim,
        "client/config",
        &token(sim),
        &json!({
            "notificationUrl": url,
            "notificationAuthToken": secret,
            "notificationTypes": ["ASSET_MANAGEMENT", "USER_MANAGEMENT", "ASSET_COUNT"],
        }),
    )
    .await
}

/// The simulator's delivery records once `ready` holds for them (or after 10 s, as they
/// are then). The simulator records a delivery when the receiver has answered it, a moment
/// after the receiver saw the body: a test that has just received a notification waits
/// here rather than reading the records at once.
pub async fn sent_records(
    sim: &RunningSimulator,
    ready: impl Fn(&[apple_vpp_sim::NotificationRecord]) -> bool,
) -> Vec<apple_vpp_sim::NotificationRecord> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let records = sim.notifications_sent();
        if ready(&records) || std::time::Instant::now() > deadline {
            return records;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
