//! Events and notifications across replicas, each fleet protocol in its in-process and
//! its Redis form (a real `redis-server` started by the test on a free loopback port):
//! claiming a due poll of a shared tracker, marking / confirming / releasing a
//! notification, and storing the notification secret before subscribing.
#![cfg(feature = "redis")]
// The serial guard is held for a whole test on purpose (timing-sensitive tests never
// share the two cores).
#![allow(clippy::await_holding_lock)]

use crate::common;
use crate::common::redis_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use apple_vpp::chrono::{DateTime, TimeDelta, Utc};
use apple_vpp::client::{FlowError, SubscribeFailure, SubscribeOutcome, VppClient};
use apple_vpp::events::{CompletedBy, EventTracker, Next, SentEvent};
use apple_vpp::notification::{
    self, Mark, NotificationDeduper, NotificationSecret, NotificationSubscription, SubscribeError,
};
use apple_vpp::redis::{RedisDeduper, RedisSecrets, RedisStore, RedisTrackerStore};
use apple_vpp::shared::{
    InProcessSecrets, InProcessTrackerStore, NotificationDedup, NotificationSecrets, StoreError,
    StoredTracker, TrackerStore, update_tracker,
};
use apple_vpp::wire::{EventAsset, EventType, PricingParam};
use apple_vpp::{EventId, VppToken};
use apple_vpp_sim::{Scenario, SimOptions, Simulator};
use axum::http::{HeaderMap, StatusCode};
use common::fake_apple::{BASE_PATH, base, client_for, server};
use redis_server::{RedisServer, serial};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn store(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::open(&server.url())
        .unwrap()
        .with_prefix(prefix)
        .with_call_timeout(Duration::from_secs(2))
}

fn id(s: &str) -> EventId {
    EventId::new(s)
}

fn t0() -> DateTime<Utc> {
    Utc::now() - TimeDelta::minutes(6)
}

fn sent(event: &str, serial: &str) -> SentEvent {
    SentEvent::new(event, EventType::Associate, format!("req-{event}"))
        .with_serial_numbers([serial])
        .with_assets([EventAsset::new("361309726", Some(PricingParam::Stdq))])
}

fn success(event: &str, serial: &str) -> notification::Notification {
    let body = format!(
        r#"{{"notification":{{"assignments":[{{"adamId":"361309726","pricingParam":"STDQ","serialNumber":"{serial}"}}],"eventId":"{event}","result":"SUCCESS","type":"ASSOCIATE"}},"notificationId":"n-{event}","notificationType":"ASSET_MANAGEMENT","uId":"981060278089131045"}}"#
    );
    notification::decode(body.as_bytes()).unwrap()
}

/// The fake Apple, with its service configuration.
async fn apple() -> MockServer {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/service/config")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(common::fixture("service_config.json")),
        )
        .mount(&s)
        .await;
    s
}

/// Apple answering `status` of `event` COMPLETE after `delay`.
async fn apple_status(s: &MockServer, event: &str, delay: Duration) {
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/status")))
        .and(query_param("eventId", event))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "eventStatus": "COMPLETE", "eventType": "ASSOCIATE",
                    "numCompleted": 1, "numRequested": 1,
                    "uId": "981060278089131045", "tokenExpirationDate": "2030-11-08T22:33:22+0000"
                }))
                .set_delay(delay),
        )
        .mount(s)
        .await;
}

async fn status_requests(s: &MockServer, event: &str) -> usize {
    s.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url.path().ends_with("/status")
                && r.url
                    .query()
                    .is_some_and(|q| q.contains(&format!("eventId={event}")))
        })
        .count()
}

fn token() -> VppToken {
    common::token()
}

// ----- claim a due poll -----

/// ev-1 is due (tracked 6 minutes ago); ev-2 was sent a minute ago (not due). Replica A
/// polls; while its `status` request is in flight, replica B takes ev-2's notification.
async fn a_notification_applied_during_a_poll_is_kept(
    store: Arc<dyn TrackerStore>,
    b_store: Arc<dyn TrackerStore>,
) {
    let apple = apple().await;
    apple_status(&apple, "ev-1", Duration::from_millis(400)).await;
    let t0 = t0();
    update_tracker(store.as_ref(), |t| {
        t.track_at(sent("ev-1", "S1"), t0).unwrap();
        t.track_at(sent("ev-2", "S2"), t0 + TimeDelta::minutes(5))
            .unwrap();
    })
    .await
    .unwrap();
    let a = client_for(&base(&apple));
    let b = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        update_tracker(b_store.as_ref(), |t| {
            t.on_notification_at(&success("ev-2", "S2"), Utc::now())
        })
        .await
        .unwrap()
    });
    let round = a
        .location(&token())
        .poll_shared_at(store.as_ref(), Utc::now())
        .await
        .unwrap();
    b.await.unwrap();
    assert_eq!(round.completed().count(), 1, "{round:?}");
    assert!(round.failed.is_empty(), "{round:?}");
    let stored = store.load().await.unwrap().tracker;
    let now = Utc::now();
    let Some(Next::Done(one)) = stored.next_at(&id("ev-1"), now) else {
        panic!("ev-1: {:?}", stored.next_at(&id("ev-1"), now))
    };
    assert_eq!(one.completed_by, CompletedBy::Status);
    let Some(Next::Done(two)) = stored.next_at(&id("ev-2"), now) else {
        panic!(
            "ev-2's notification, applied by B during A's poll, was lost: {:?}",
            stored.next_at(&id("ev-2"), now)
        )
    };
    assert_eq!(two.completed_by, CompletedBy::Notification);
    assert_eq!(round.next_wake, None, "nothing open");
}

/// Two replicas poll at the same moment: one `status` request for the due event.
async fn two_replicas_polling_at_once_poll_each_event_once(
    store: Arc<dyn TrackerStore>,
    b_store: Arc<dyn TrackerStore>,
) {
    let apple = apple().await;
    apple_status(&apple, "ev-1", Duration::from_millis(300)).await;
    let t0 = t0();
    update_tracker(store.as_ref(), |t| {
        t.track_at(sent("ev-1", "S1"), t0).unwrap();
    })
    .await
    .unwrap();
    let a = client_for(&base(&apple));
    let b = client_for(&base(&apple));
    let now = Utc::now();
    let token = token();
    let (a, b) = (a.location(&token), b.location(&token));
    let (ra, rb) = tokio::join!(
        a.poll_shared_at(store.as_ref(), now),
        b.poll_shared_at(b_store.as_ref(), now)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(status_requests(&apple, "ev-1").await, 1);
    assert_eq!(ra.completed().count() + rb.completed().count(), 1);
}

/// A tracker store of the MDM's own, outside this crate: the tracker kept as JSON with a
/// version, as a database row would keep it.
#[derive(Debug, Default)]
struct JsonRowStore(Mutex<(Option<String>, u64)>);

impl TrackerStore for JsonRowStore {
    fn load(&self) -> futures_util::future::BoxFuture<'_, Result<StoredTracker, StoreError>> {
        let row = self.0.lock().unwrap().clone();
        let tracker = match row.0 {
            Some(json) => serde_json::from_str(&json).unwrap(),
            None => EventTracker::new(Default::default()),
        };
        Box::pin(std::future::ready(Ok(StoredTracker::new(tracker, row.1))))
    }

    fn save<'a>(
        &'a self,
        tracker: &'a EventTracker,
        version: u64,
    ) -> futures_util::future::BoxFuture<'a, Result<bool, StoreError>> {
        let mut row = self.0.lock().unwrap();
        let saved = row.1 == version;
        if saved {
            *row = (Some(serde_json::to_string(tracker).unwrap()), version + 1);
        }
        Box::pin(std::future::ready(Ok(saved)))
    }
}

#[tokio::test]
async fn a_tracker_store_of_the_mdms_own_runs_the_fleet_protocol() {
    let _serial = serial();
    let shared = Arc::new(JsonRowStore::default());
    a_notification_applied_during_a_poll_is_kept(shared.clone(), shared.clone()).await;
    let shared = Arc::new(JsonRowStore::default());
    two_replicas_polling_at_once_poll_each_event_once(shared.clone(), shared).await;
}

#[tokio::test]
async fn in_process_a_notification_applied_during_a_poll_is_kept() {
    let _serial = serial();
    let shared = Arc::new(InProcessTrackerStore::default());
    a_notification_applied_during_a_poll_is_kept(shared.clone(), shared).await;
}

#[tokio::test]
async fn on_redis_a_notification_applied_during_a_poll_is_kept() {
    let _serial = serial();
    let server = RedisServer::start();
    let a = RedisTrackerStore::new(store(&server, "fleet1"), "981060278089131045");
    let b = RedisTrackerStore::new(store(&server, "fleet1"), "981060278089131045");
    assert!(
        !a.key().contains("981060278089131045"),
        "no location id in keys"
    );
    a_notification_applied_during_a_poll_is_kept(Arc::new(a), Arc::new(b)).await;
}

#[tokio::test]
async fn in_process_two_replicas_polling_at_once_poll_each_event_once() {
    let _serial = serial();
    let shared = Arc::new(InProcessTrackerStore::default());
    two_replicas_polling_at_once_poll_each_event_once(shared.clone(), shared).await;
}

#[tokio::test]
async fn on_redis_two_replicas_polling_at_once_poll_each_event_once() {
    let _serial = serial();
    let server = RedisServer::start();
    let a = RedisTrackerStore::new(store(&server, "fleet2"), "loc");
    let b = RedisTrackerStore::new(store(&server, "fleet2"), "loc");
    two_replicas_polling_at_once_poll_each_event_once(Arc::new(a), Arc::new(b)).await;
}

#[tokio::test]
async fn on_redis_a_damaged_stored_tracker_is_an_error_not_an_empty_tracker() {
    let _serial = serial();
    let server = RedisServer::start();
    let s = store(&server, "fleet3");
    let trackers = RedisTrackerStore::new(s.clone(), "loc");
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("HSET")
        .arg(trackers.key())
        .arg("v")
        .arg(3)
        .arg("t")
        .arg("{not json")
        .query_async(&mut conn)
        .await
        .unwrap();
    let error = trackers.load().await.unwrap_err();
    assert_eq!(error.what, "event tracker");
    assert!(error.to_string().contains("fix or drop it"), "{error}");
}

// ----- mark, confirm or release a notification -----

async fn mark_confirm_release(a: &dyn NotificationDedup, b: &dyn NotificationDedup) {
    // Replica A marks first; B meets it in progress (answers 503: Apple resends).
    let Mark::First(token_a) = a.mark("n-1").await.unwrap() else {
        panic!("first")
    };
    assert_eq!(b.mark("n-1").await.unwrap(), Mark::InProgress);
    // A's handling failed: released, so Apple's resend is handled (here by B).
    a.release("n-1", &token_a).await.unwrap();
    let Mark::First(token_b) = b.mark("n-1").await.unwrap() else {
        panic!("a released notification is handled again")
    };
    // A stale release (A's token) does not drop B's mark.
    a.release("n-1", &token_a).await.unwrap();
    assert_eq!(a.mark("n-1").await.unwrap(), Mark::InProgress);
    // B handled it: a duplicate everywhere from now on.
    b.confirm("n-1", &token_b).await.unwrap();
    assert_eq!(a.mark("n-1").await.unwrap(), Mark::Duplicate);
    assert!(a.contains("n-1").await.unwrap());
    // check_and_insert marks are duplicates for mark too.
    assert!(!a.check_and_insert("n-2").await.unwrap().is_duplicate());
    assert_eq!(b.mark("n-2").await.unwrap(), Mark::Duplicate);
}

#[tokio::test]
async fn in_process_a_notification_is_marked_then_confirmed_or_released() {
    let shared = Arc::new(Mutex::new(NotificationDeduper::default()));
    mark_confirm_release(shared.as_ref(), shared.as_ref()).await;
}

#[tokio::test]
async fn on_redis_a_notification_is_marked_then_confirmed_or_released_across_replicas() {
    let _serial = serial();
    let server = RedisServer::start();
    let a = RedisDeduper::new(store(&server, "d1"), Duration::from_secs(3600));
    let b = RedisDeduper::new(store(&server, "d1"), Duration::from_secs(3600));
    mark_confirm_release(&a, &b).await;
}

#[tokio::test]
async fn on_redis_a_mark_whose_replica_died_lapses_and_the_resend_is_handled() {
    let _serial = serial();
    let server = RedisServer::start();
    let a = RedisDeduper::new(store(&server, "d2"), Duration::from_secs(3600))
        .with_pending_for(Duration::from_millis(200));
    assert!(matches!(a.mark("n-9").await.unwrap(), Mark::First(_)));
    assert_eq!(a.mark("n-9").await.unwrap(), Mark::InProgress);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(matches!(a.mark("n-9").await.unwrap(), Mark::First(_)));
}

#[tokio::test]
async fn on_redis_a_huge_dedup_window_is_clamped_and_every_call_still_works() {
    let _serial = serial();
    let server = RedisServer::start();
    let huge = RedisDeduper::new(store(&server, "d3"), Duration::MAX);
    assert!(!huge.check_and_insert("n-1").await.unwrap().is_duplicate());
    assert!(huge.check_and_insert("n-1").await.unwrap().is_duplicate());
    assert!(matches!(huge.mark("n-2").await.unwrap(), Mark::First(_)));
    assert_eq!(huge.max_age(), NotificationDeduper::MAX_AGE);
    let refused = RedisDeduper::try_new(store(&server, "d3"), Duration::MAX).unwrap_err();
    assert!(refused.to_string().contains("at most 30 days"), "{refused}");
}

#[test]
fn a_huge_dedup_window_in_process_is_clamped_refused_by_try_new_and_when_stored() {
    let d = NotificationDeduper::new(10, Duration::MAX);
    assert_eq!(d.max_age(), NotificationDeduper::MAX_AGE);
    assert!(NotificationDeduper::try_new(10, Duration::MAX).is_err());
    let stored = r#"{"max_entries":10,"max_age_ms":18446744073709551615,"seen":[]}"#;
    let error = serde_json::from_str::<NotificationDeduper>(stored).unwrap_err();
    assert!(error.to_string().contains("30 days"), "{error}");
}

// ----- the notification secret, stored before subscribing -----

/// Replica B's receiver: looks the location's secrets up in the shared store and
/// answers 200 to a notification signed with one of them, 401 otherwise.
async fn replica_b_receiver(secrets: Arc<dyn NotificationSecrets>) -> String {
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: axum::body::Bytes| {
        let secrets = Arc::clone(&secrets);
        async move {
            let Ok(n) = notification::decode(&body) else {
                return StatusCode::BAD_REQUEST;
            };
            let Ok(accepted) = secrets.get(n.u_id.as_deref().unwrap_or("")).await else {
                return StatusCode::SERVICE_UNAVAILABLE;
            };
            let auth = headers.get("authorization").map(|v| v.as_bytes());
            match notification::authenticate_any(auth, &accepted) {
                Ok(()) => StatusCode::OK,
                Err(e) => StatusCode::from_u16(e.http_status()).unwrap(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/vpp/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn the_secret_is_shared_before_subscribing(
    a_secrets: Arc<dyn NotificationSecrets>,
    b_secrets: Arc<dyn NotificationSecrets>,
) {
    let sim = Simulator::start(
        Scenario {
            notification_retry_delay_ms: 10,
            ..Scenario::default()
        },
        SimOptions::default(),
    )
    .await
    .unwrap();
    let token: VppToken = sim.token("981060278089131045").unwrap().parse().unwrap();
    let b_url = replica_b_receiver(b_secrets).await;
    // Replica A subscribes; Apple's test notification goes to replica B.
    let a = VppClient::builder()
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let first = NotificationSecret::generate().unwrap();
    let sub = NotificationSubscription::new(&b_url, first.clone()).unwrap();
    let out = a
        .location(&token)
        .subscribe_shared(&common::us(), &sub, a_secrets.as_ref())
        .await
        .unwrap();
    assert!(matches!(out, SubscribeOutcome::Subscribed(_)), "{out:?}");
    // Without the shared store, B does not know a new secret: Apple's test fails (9728).
    let unknown = NotificationSecret::generate().unwrap();
    let sub = NotificationSubscription::new(&b_url, unknown).unwrap();
    let error = a
        .location(&token)
        .subscribe(&common::us(), &sub)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            FlowError::Flow(SubscribeFailure::Subscribe(
                SubscribeError::TestNotificationNotDelivered { .. }
            ))
        ),
        "{error:?}"
    );
    // A new secret through the store: accepted, and the previous one still is.
    let second = NotificationSecret::generate().unwrap();
    let sub = NotificationSubscription::new(&b_url, second.clone()).unwrap();
    a.location(&token)
        .subscribe_shared(&common::us(), &sub, a_secrets.as_ref())
        .await
        .unwrap();
    let kept = a_secrets.get("981060278089131045").await.unwrap();
    assert_eq!(kept, vec![second, first]);
}

#[tokio::test]
async fn in_process_the_secret_is_shared_before_subscribing() {
    let _serial = serial();
    let shared: Arc<InProcessSecrets> = Arc::new(InProcessSecrets::new());
    the_secret_is_shared_before_subscribing(shared.clone(), shared).await;
}

#[tokio::test]
async fn on_redis_the_secret_is_shared_before_subscribing() {
    let _serial = serial();
    let server = RedisServer::start();
    let a = RedisSecrets::new(store(&server, "s1"));
    let b = RedisSecrets::new(store(&server, "s1"));
    the_secret_is_shared_before_subscribing(Arc::new(a), Arc::new(b)).await;
}

#[test]
fn the_fleet_types_are_send_and_sync() {
    fn is<T: Send + Sync + 'static>() {}
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    is::<InProcessTrackerStore>();
    is::<InProcessSecrets>();
    assert!(format!("{:?}", InProcessSecrets::new()).contains("redacted"));
    is::<RedisTrackerStore>();
    is::<RedisSecrets>();
    is::<apple_vpp::client::UsersCreated>();
    is::<apple_vpp::shared::StoredTracker>();
    error::<apple_vpp::shared::StoreError>();
}
