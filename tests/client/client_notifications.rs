//! `VppClient::subscribe` and `VppClient::poll_due_at` against the simulator, with a
//! notification receiver on 127.0.0.1: Apple's test notification, the claim kept, 9728,
//! another MDM's location left alone, and an associate tracked to its end through a
//! notification and, without one, through polling.
#![cfg(feature = "client")]

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use apple_vpp::api::Associate;
use apple_vpp::api::RetryPolicy;
use apple_vpp::chrono::Utc;
use apple_vpp::client::{FlowError, SubscribeFailure, SubscribeOutcome, VppClient};
use apple_vpp::events::{CompletedBy, EventTracker, SentEvent, Subject, TrackerPolicy, Update};
use apple_vpp::notification::{
    self, NotificationSecret, NotificationSubscription, Payload, ReceiveLimits, SubscribeError,
};
use apple_vpp::wire::{AssetRef, EventAsset, EventType, LicensesRequest, PricingParam};
use apple_vpp::{EventId, MdmIdentity, VppToken};
use apple_vpp_sim::{RunningSimulator, Scenario, SimOptions, Simulator};
use axum::http::{HeaderMap, StatusCode};

const UID: &str = "981060278089131045";
const APP: &str = "409203825";

/// What the receiver got: the `Authorization` header and the body of each request.
type Received = Arc<Mutex<Vec<(Option<Vec<u8>>, Vec<u8>)>>>;

/// A notification receiver on 127.0.0.1 answering `status` to everything.
struct Receiver {
    url: String,
    received: Received,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(status: StatusCode) -> Self {
        let received: Received = Arc::default();
        let store = Arc::clone(&received);
        let app =
            axum::Router::new().fallback(move |headers: HeaderMap, body: axum::body::Bytes| {
                let store = Arc::clone(&store);
                async move {
                    let auth = headers.get("authorization").map(|v| v.as_bytes().to_vec());
                    store.lock().unwrap().push((auth, body.to_vec()));
                    status
                }
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/vpp/notify", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            received,
            _task: task,
        }
    }

    fn received(&self) -> Vec<(Option<Vec<u8>>, Vec<u8>)> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until a request whose body holds `needle` has arrived.
    async fn wait_for(&self, needle: &str) -> (Option<Vec<u8>>, Vec<u8>) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .received()
                .into_iter()
                .find(|(_, body)| String::from_utf8_lossy(body).contains(needle));
            if let Some(found) = found {
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no notification with {needle} arrived"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn sim() -> RunningSimulator {
    let scenario = Scenario {
        event_delay_ms: 30,
        notification_retry_delay_ms: 10,
        ..Scenario::default()
    };
    Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap()
}

fn client(sim: &RunningSimulator) -> VppClient {
    let fast = RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5));
    VppClient::builder()
        .base_url(sim.base_url())
        .retry_policy(fast)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn token(sim: &RunningSimulator) -> VppToken {
    sim.token(UID).unwrap().parse().unwrap()
}

fn us() -> MdmIdentity {
    common::us()
}

fn subscription(url: &str) -> (NotificationSubscription, NotificationSecret) {
    let secret = NotificationSecret::generate().unwrap();
    let sub = NotificationSubscription::new(url, secret.clone()).unwrap();
    (sub, secret)
}

fn client_config_writes(sim: &RunningSimulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("client/config"))
        .count()
}

#[tokio::test]
async fn subscribing_delivers_the_test_notification_and_keeps_the_claim() {
    let sim = sim().await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let (sub, secret) = subscription(&receiver.url);
    let c = client(&sim);
    let token = token(&sim);

    let out = c.location(&token).subscribe(&us(), &sub).await.unwrap();
    let SubscribeOutcome::Subscribed(account) = out else {
        panic!("not subscribed: {out:?}")
    };
    assert_eq!(account.location().uid, UID);
    assert_eq!(
        client_config_writes(&sim),
        1,
        "one update: claim and settings"
    );

    // Apple's test notification, with our secret, accepted by `receive`.
    let (auth, body) = receiver.wait_for("TEST_NOTIFICATION").await;
    assert_eq!(
        auth.as_deref(),
        Some(format!("Bearer {}", secret.expose_secret()).as_bytes())
    );
    let n =
        notification::receive(auth.as_deref(), &body, &secret, &ReceiveLimits::default()).unwrap();
    assert_eq!(n.payload, Payload::Test);
    assert_eq!(n.u_id.as_deref(), Some(UID));

    // The claim is ours and the settings are recorded.
    let info = sim.mdm_info(UID).expect("claimed");
    assert_eq!(info.id, common::OUR_ID);
    let config = c.location(&token).client_config().await.unwrap();
    assert_eq!(sub.check_read_back(&config), Vec::<&str>::new());

    // Subscribing again on our own location writes again (Apple wants the full set each
    // time) and keeps the claim.
    let again = c.location(&token).subscribe(&us(), &sub).await.unwrap();
    assert!(matches!(again, SubscribeOutcome::Subscribed(_)));
    assert_eq!(client_config_writes(&sim), 2);
    assert_eq!(sim.mdm_info(UID).unwrap().id, common::OUR_ID);

    // Claiming afterwards (nothing to change) does not drop the subscription.
    c.location(&token)
        .configure(&us(), &Default::default())
        .await
        .unwrap();
    let config = c.location(&token).client_config().await.unwrap();
    assert_eq!(sub.check_read_back(&config), Vec::<&str>::new());
}

#[tokio::test]
async fn a_receiver_that_fails_is_9728_with_the_url_and_without_the_secret() {
    let sim = sim().await;
    let receiver = Receiver::start(StatusCode::INTERNAL_SERVER_ERROR).await;
    let (sub, secret) = subscription(&receiver.url);
    let c = client(&sim);
    let token = token(&sim);

    let err = c.location(&token).subscribe(&us(), &sub).await.unwrap_err();
    match &err {
        FlowError::Flow(SubscribeFailure::Subscribe(
            SubscribeError::TestNotificationNotDelivered { url },
        )) => {
            assert_eq!(url, &receiver.url);
        }
        other => panic!("expected 9728, got {other:?}"),
    }
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(display.contains(&receiver.url), "{display}");
    assert!(display.contains("9728"), "{display}");
    for text in [&display, &debug] {
        assert!(!text.contains(secret.expose_secret()), "secret in {text}");
        common::assert_no_secret(text, token.expose_credential());
    }
    // Apple tried (the test notification was sent) and refused the whole update: the
    // write was not replayed, and nothing was recorded.
    assert!(!receiver.received().is_empty());
    assert_eq!(client_config_writes(&sim), 1);
    assert!(sim.mdm_info(UID).is_none());
    let config = c.location(&token).client_config().await.unwrap();
    assert_eq!(config.notification_url, None);
}

#[tokio::test]
async fn subscribing_on_another_mdms_location_is_refused_without_writing() {
    let sim = sim().await;
    let other = apple_vpp_sim::MdmInfo {
        id: "other-mdm".into(),
        name: "Other MDM".into(),
        metadata: "mdm.other.example".into(),
    };
    assert!(sim.claim_as_other(UID, other));
    let receiver = Receiver::start(StatusCode::OK).await;
    let (sub, _) = subscription(&receiver.url);
    let c = client(&sim);

    let out = c
        .location(&token(&sim))
        .subscribe(&us(), &sub)
        .await
        .unwrap();
    let SubscribeOutcome::ManagedElsewhere { owner, location } = out else {
        panic!("expected a refusal: {out:?}")
    };
    assert_eq!(owner.id.as_deref(), Some("other-mdm"));
    assert_eq!(location.uid, UID);
    assert_eq!(client_config_writes(&sim), 0);
    assert!(receiver.received().is_empty());
    assert_eq!(sim.mdm_info(UID).unwrap().id, "other-mdm");
}

/// Associates `APP` with `serial` and starts tracking the event.
async fn associate(
    c: &VppClient,
    token: &VppToken,
    tracker: &mut EventTracker,
    serial: &str,
) -> EventId {
    let request = LicensesRequest::new(
        [AssetRef::new(APP, PricingParam::Stdq)],
        [serial],
        Vec::<String>::new(),
    );
    let answer = c.location(token).send(&Associate(request)).await.unwrap();
    let sent = SentEvent::new(answer.event_id.clone(), EventType::Associate, "req-1")
        .with_serial_numbers([serial])
        .with_assets([EventAsset::new(APP, Some(PricingParam::Stdq))]);
    tracker.track_at(sent, Utc::now()).unwrap();
    answer.event_id
}

#[tokio::test]
async fn an_associate_completes_through_the_notification() {
    let sim = sim().await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let (sub, secret) = subscription(&receiver.url);
    let c = client(&sim);
    let token = token(&sim);
    let out = c.location(&token).subscribe(&us(), &sub).await.unwrap();
    assert!(matches!(out, SubscribeOutcome::Subscribed(_)));

    let mut tracker = EventTracker::default();
    let event_id = associate(&c, &token, &mut tracker, "C02NOTIFY01").await;
    let (auth, body) = receiver.wait_for(event_id.as_str()).await;
    let n =
        notification::receive(auth.as_deref(), &body, &secret, &ReceiveLimits::default()).unwrap();
    assert_eq!(n.event_id(), Some(&event_id));
    let Update::Completed(outcome) = tracker.on_notification_at(&n, Utc::now()) else {
        panic!("not completed")
    };
    assert_eq!(outcome.completed_by, CompletedBy::Notification);
    assert_eq!(
        outcome.succeeded,
        vec![Subject::Serial("C02NOTIFY01".into())]
    );
    assert!(outcome.failed.is_empty());

    // Nothing left to poll: the driver sends nothing.
    let before = sim.requests().len();
    let round = c
        .location(&token)
        .poll_due_at(&mut tracker, Utc::now())
        .await;
    assert!(round.updates.is_empty() && round.failed.is_empty());
    assert_eq!(round.next_wake, None);
    assert_eq!(sim.requests().len(), before);
}

fn short_policy() -> TrackerPolicy {
    let mut policy = TrackerPolicy::default();
    policy.notification_grace = Duration::from_millis(50);
    policy.poll_interval = Duration::from_millis(20);
    policy.resend_after = Duration::from_secs(30);
    policy
}

#[tokio::test]
async fn without_notifications_the_driver_polls_until_done() {
    let sim = sim().await;
    let c = client(&sim);
    let token = token(&sim);
    let mut tracker = EventTracker::new(short_policy());
    let event_id = associate(&c, &token, &mut tracker, "C02POLL0001").await;

    // Right after sending nothing is due: no request.
    let before = sim.requests().len();
    let round = c
        .location(&token)
        .poll_due_at(&mut tracker, Utc::now())
        .await;
    assert!(round.updates.is_empty());
    assert!(round.next_wake.is_some());
    assert_eq!(sim.requests().len(), before);

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let outcome = loop {
        assert!(std::time::Instant::now() < deadline, "never completed");
        let round = c
            .location(&token)
            .poll_due_at(&mut tracker, Utc::now())
            .await;
        assert!(round.failed.is_empty(), "{:?}", round.failed);
        assert!(round.resend.is_empty() && round.give_up.is_empty());
        if let Some(outcome) = round.completed().next() {
            break outcome.clone();
        }
        let wake = round.next_wake.expect("still open");
        let wait = (wake - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
    };
    assert_eq!(outcome.event_id, event_id);
    assert_eq!(outcome.completed_by, CompletedBy::Status);
    assert_eq!(
        outcome.succeeded,
        vec![Subject::Serial("C02POLL0001".into())]
    );
    assert_eq!(tracker.open_events().count(), 0);
    // Every poll was a `status` request for this event.
    let polls: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/status"))
        .collect();
    assert!(!polls.is_empty());
    assert!(polls.iter().all(|r| {
        r.query
            .as_deref()
            .is_some_and(|q| q.contains(event_id.as_str()))
    }));
}

#[tokio::test]
async fn an_event_apple_does_not_know_is_handed_back_for_a_resend() {
    let sim = sim().await;
    let c = client(&sim);
    let token = token(&sim);
    let mut policy = short_policy();
    policy.notification_grace = Duration::ZERO;
    let mut tracker = EventTracker::new(policy);
    let sent = SentEvent::new("no-such-event", EventType::Associate, "req-9")
        .with_serial_numbers(["C02X"]);
    tracker.track_at(sent, Utc::now()).unwrap();

    let round = c
        .location(&token)
        .poll_due_at(&mut tracker, Utc::now())
        .await;
    assert_eq!(round.failed.len(), 1);
    let (id, error) = &round.failed[0];
    assert_eq!(id.as_str(), "no-such-event");
    assert_eq!(error.apple().map(|a| a.number.code()), Some(9708));
    assert_eq!(round.resend.len(), 1);
    assert_eq!(round.resend[0].request_key, "req-9");
    assert_eq!(round.resend[0].sends, 1);
    common::assert_no_secret(&format!("{round:?}"), token.expose_credential());
}
