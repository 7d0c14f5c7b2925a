//! The client's safety rules against mock servers on 127.0.0.1: nothing follows a
//! redirect, an oversized answer is not fetched again, a claim is never replayed from a
//! stale decision, secrets never come back in errors, concurrent cold service-config
//! reads share one request, and the per-token rate holds in any one-second window.
#![cfg(feature = "client")]

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apple_vpp::ConfigureOutcome;
use apple_vpp::client::{FlowError, SendError, VppClient};
use apple_vpp::wire::ClientConfigUpdate;
use apple_vpp::{ConfigureError, RenewRefusal, Takeover, VppToken};
use common::fake_apple::{BASE_PATH, FakeApple, base, client_for, fast, server, unclaimed};
use common::{assert_no_secret, fixture, token, us};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Requests with `verb` to the v2 endpoints (the v1 reads a claim makes are not counted).
async fn count(s: &MockServer, verb: &str) -> usize {
    s.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().starts_with(BASE_PATH))
        .count()
}

#[tokio::test]
async fn a_redirect_is_refused_and_never_followed() {
    let elsewhere = server().await;
    for status in [301, 302, 303, 307, 308] {
        let apple = server().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).insert_header(
                "location",
                format!("{}/mdm/v2/client/config", elsewhere.uri()).as_str(),
            ))
            .mount(&apple)
            .await;
        let err = client_for(&base(&apple))
            .location(&token())
            .client_config()
            .await
            .unwrap_err();
        assert!(
            matches!(err, SendError::Redirect { status: s } if s == status),
            "{err:?}"
        );
        assert!(err.to_string().contains(&format!("HTTP {status}")), "{err}");
        assert_eq!(count(&apple, "GET").await, 1, "a redirect is not retried");
    }
    assert_eq!(
        count(&elsewhere, "GET").await,
        0,
        "nothing reached the other host"
    );
}

#[tokio::test]
async fn a_redirect_followed_by_a_caller_supplied_client_is_refused() {
    let elsewhere = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(unclaimed()))
        .mount(&elsewhere)
        .await;
    let apple = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/mdm/v2/client/config", elsewhere.uri()).as_str(),
        ))
        .mount(&apple)
        .await;
    let following = reqwest::Client::builder().build().unwrap();
    let client = VppClient::builder()
        .base_url(base(&apple))
        .http_client(following)
        .retry_policy(fast())
        .build()
        .unwrap();
    let err = client.location(&token()).client_config().await.unwrap_err();
    assert!(matches!(err, SendError::Redirect { .. }), "{err:?}");
}

#[tokio::test]
async fn an_oversized_answer_is_not_fetched_again() {
    let apple = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("x".repeat(4096)))
        .mount(&apple)
        .await;
    let client = VppClient::builder()
        .base_url(base(&apple))
        .retry_policy(fast())
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let err = client.location(&token()).client_config().await.unwrap_err();
    assert!(
        matches!(
            err,
            SendError::BodyTooLarge {
                status: 503,
                limit: 1024
            }
        ),
        "{err:?}"
    );
    assert_eq!(count(&apple, "GET").await, 1);
}

/// GET answers the location's current configuration; the first POST is refused with 429
/// while another MDM claims the location in the same moment.
struct ClaimedWhileRefused {
    config: Arc<Mutex<Value>>,
    posts: Arc<Mutex<u32>>,
}

impl Respond for ClaimedWhileRefused {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut config = self.config.lock().unwrap();
        if request.method.as_str() == "POST" {
            let mut posts = self.posts.lock().unwrap();
            *posts += 1;
            if *posts == 1 {
                config["mdmInfo"] =
                    json!({"id": "other-mdm", "name": "Other MDM", "metadata": "other.example"});
                return ResponseTemplate::new(429)
                    .insert_header("retry-after", "0")
                    .set_body_json(json!({"errorNumber": 9646, "errorMessage": "Too many"}));
            }
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            config["mdmInfo"] = body["mdmInfo"].clone();
        }
        ResponseTemplate::new(200).set_body_json(config.clone())
    }
}

#[tokio::test]
async fn a_refused_claim_is_decided_again_not_replayed_over_a_new_owner() {
    let apple = server().await;
    let posts = Arc::new(Mutex::new(0));
    Mock::given(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ClaimedWhileRefused {
            config: Arc::new(Mutex::new(unclaimed())),
            posts: posts.clone(),
        })
        .mount(&apple)
        .await;
    let outcome = client_for(&base(&apple))
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let ConfigureOutcome::ManagedElsewhere { owner, .. } = outcome else {
        panic!("took the location over without consent: {outcome:?}")
    };
    assert_eq!(owner.id.as_deref(), Some("other-mdm"));
    assert_eq!(*posts.lock().unwrap(), 1, "the claim was not sent again");
    // GET, POST (429), GET again: then the decision is "ask the admin".
    assert_eq!(count(&apple, "GET").await, 2);
}

/// Applies the claim, then answers too late for the client's timeout.
struct AppliedButSlow(Arc<Mutex<Value>>);

impl Respond for AppliedButSlow {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut config = self.0.lock().unwrap();
        if request.method.as_str() == "POST" {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            config["mdmInfo"] = body["mdmInfo"].clone();
            return ResponseTemplate::new(200)
                .set_body_json(config.clone())
                .set_delay(Duration::from_secs(3));
        }
        ResponseTemplate::new(200).set_body_json(config.clone())
    }
}

#[tokio::test]
async fn a_timed_out_claim_is_not_sent_again_and_shows_as_ours() {
    let apple = server().await;
    Mock::given(path(format!("{BASE_PATH}/client/config")))
        .respond_with(AppliedButSlow(Arc::new(Mutex::new(unclaimed()))))
        .mount(&apple)
        .await;
    let client = VppClient::builder()
        .base_url(base(&apple))
        .retry_policy(fast())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let outcome = client
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    assert!(
        matches!(outcome, ConfigureOutcome::AlreadyOurs(_)),
        "{outcome:?}"
    );
    assert_eq!(count(&apple, "POST").await, 1);
}

#[tokio::test]
async fn renew_reports_a_lost_race_on_the_reclaim() {
    // The location was released; our re-claim is accepted but another MDM's lands after it.
    let fake = FakeApple::start(unclaimed(), token().expose_credential()).await;
    let client = client_for(&fake.base_url());
    let ConfigureOutcome::Claimed(mut account) = client
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap()
    else {
        panic!()
    };
    let newer: VppToken = VppToken::builder(
        "Example School",
        "2031-09-26T08:30:39+00:00".parse().unwrap(),
    )
    .build()
    .unwrap();
    // Serve the newer token: unclaimed on the first read, another MDM on the read-back.
    let other = server().await;
    let reads = Arc::new(Mutex::new(0));
    struct ReleasedThenTaken(Arc<Mutex<u32>>);
    impl Respond for ReleasedThenTaken {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let mut config = unclaimed();
            config["tokenExpirationDate"] = json!("2031-09-26T08:30:39+0000");
            if request.method.as_str() == "GET" {
                let mut reads = self.0.lock().unwrap();
                *reads += 1;
                if *reads > 1 {
                    config["mdmInfo"] =
                        json!({"id": "other-mdm", "name": "Other MDM", "metadata": "o"});
                }
            }
            ResponseTemplate::new(200).set_body_json(config)
        }
    }
    Mock::given(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ReleasedThenTaken(reads))
        .mount(&other)
        .await;
    let before = account.clone();
    let err = client_for(&base(&other))
        .location(&newer)
        .renew(&mut account)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            FlowError::Flow(RenewRefusal::Reclaim(ConfigureError::LostRace { owner }))
                if owner.id.as_deref() == Some("other-mdm")
        ),
        "{err:?}"
    );
    assert_eq!(account, before, "the account is unchanged");
    assert_eq!(count(&other, "POST").await, 1);
}

#[tokio::test]
async fn the_notification_secret_never_comes_back_in_an_error() {
    let apple = server().await;
    let secret = "n0tify-s3cret-QWERTYUIOPASDFGHJKL";
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errorNumber": 9728,
            "errorMessage": format!("Test notification with token {secret} failed"),
            "errorInfo": {"notificationAuthToken": secret}
        })))
        .mount(&apple)
        .await;
    let update = ClientConfigUpdate::builder()
        .notification_url("https://mdm.example/notify".parse().unwrap())
        .notification_auth_token(secret.into())
        .build()
        .unwrap();
    let err = client_for(&base(&apple))
        .location(&token())
        .update_client_config(&update)
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("9728"), "{shown}");
    assert_no_secret(&shown, secret);
    assert_no_secret(&shown, token().expose_credential());
}

#[tokio::test]
async fn concurrent_cold_service_config_reads_share_one_request() {
    let apple = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/service/config")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("service_config.json"))
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&apple)
        .await;
    let client = client_for(&base(&apple));
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.service_config().await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(count(&apple, "GET").await, 1);
}

/// Records when each request arrived.
struct Clock(Arc<Mutex<Vec<Instant>>>);

impl Respond for Clock {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_body_json(unclaimed())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_holds_in_any_one_second_window_across_concurrent_calls() {
    let apple = server().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .respond_with(Clock(arrivals.clone()))
        .mount(&apple)
        .await;
    let client = VppClient::builder()
        .base_url(base(&apple))
        .max_requests_per_second(10)
        .build()
        .unwrap();
    let t = token();
    let start = Instant::now();
    let calls: Vec<_> = (0..25)
        .map(|_| {
            let (client, t) = (client.clone(), t.clone());
            tokio::spawn(async move { client.location(&t).client_config().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let elapsed = start.elapsed();
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 25);
    let most = arrivals
        .iter()
        .map(|&from| {
            arrivals
                .iter()
                .filter(|&&t| t >= from && t < from + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap();
    assert!(most <= 10, "{most} requests in one second");
    // Evenly spaced, not one at a time: 25 requests at 10/s take about 2.4 s.
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(2300), "{elapsed:?}");
}

#[test]
fn a_base_url_with_a_password_is_refused_and_never_shown() {
    let builder =
        VppClient::builder().base_url("https://admin:hunter2@vpp.itunes.apple.com/mdm/v2");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let err = builder.build().unwrap_err();
    assert!(
        matches!(
            err,
            apple_vpp::client::BuildError::BaseUrl(apple_vpp::api::BaseUrlError::Userinfo)
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("hunter2"));
    let client = VppClient::builder().build().unwrap();
    assert!(format!("{client:?}").contains("https://vpp.itunes.apple.com/mdm/v2/"));
}
