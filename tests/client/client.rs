//! The `client` feature against mock servers on 127.0.0.1: request shapes, the configure /
//! verify / renew flows, retries, time-outs and limits. Every server mounts a catch-all that
//! answers 500 naming any unexpected request.
#![cfg(feature = "client")]

use crate::common;

use std::time::Duration;

use apple_vpp::ConfigureOutcome;
use apple_vpp::api::RetryPolicy;
use apple_vpp::client::{BuildError, FlowError, FlowStop, SendError, TransportKind, VppClient};
use apple_vpp::wire::{ClientConfigUpdate, ErrorKind, ErrorNumber};
use apple_vpp::{
    ConfigureError, RenewError, RenewRefusal, ResponseError, Takeover, Verification, VppAccount,
    VppToken,
};
use common::fake_apple::{
    BASE_PATH, FakeApple, base, berlin_claimed_elsewhere, client_for, fast, server,
};
use common::{OUR_ID, assert_no_secret, fixture, token, us};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn our_info() -> Value {
    json!({"id": OUR_ID, "name": "Our MDM", "metadata": "mdm.ours.example"})
}

fn bearer() -> String {
    format!("Bearer {}", token().expose_credential())
}

async fn requests(s: &MockServer) -> usize {
    s.received_requests().await.unwrap().len()
}

fn config_with(mdm_info: Option<Value>) -> Value {
    let mut c = berlin_claimed_elsewhere();
    match mdm_info {
        Some(info) => c["mdmInfo"] = info,
        None => {
            c.as_object_mut().unwrap().remove("mdmInfo");
        }
    }
    c
}

// ---- request shapes ----

#[tokio::test]
async fn service_config_request_shape_and_cache() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/service/config")))
        .and(header(
            "user-agent",
            concat!("apple-vpp/", env!("CARGO_PKG_VERSION")),
        ))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("service_config.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client_for(&base(&s));
    let config = c.service_config().await.unwrap();
    assert_eq!(config.limits.max_mdm_name_length, Some(100));
    let again = c.service_config().await.unwrap();
    assert_eq!(again, config, "served from the cache");
    let reqs = s.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(
        reqs[0].headers.get("authorization").is_none(),
        "service config needs no token"
    );
}

#[tokio::test]
async fn client_config_request_shape() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .and(header("authorization", bearer().as_str()))
        .and(header("user-agent", "my-mdm/2.0"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("client_config_v2.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = VppClient::builder()
        .base_url(base(&s))
        .user_agent("my-mdm/2.0")
        .build()
        .unwrap();
    let config = c.location(&token()).client_config().await.unwrap();
    assert_eq!(config.location_name.as_deref(), Some("Berlin Office"));
}

#[tokio::test]
async fn update_request_shape() {
    let s = server().await;
    let url = apple_vpp::url::Url::parse("https://mdm.ours.example/vpp").unwrap();
    let update = ClientConfigUpdate::builder()
        .mdm_info(us().to_mdm_info())
        .notification_url(url)
        .notification_auth_token("n-secret".into())
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "mdmInfo": our_info(),
            "notificationUrl": "https://mdm.ours.example/vpp",
            "notificationAuthToken": "n-secret"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("client_config_v2.json")))
        .expect(1)
        .mount(&s)
        .await;
    client_for(&base(&s))
        .location(&token())
        .update_client_config(&update)
        .await
        .unwrap();
}

// ---- configure ----

#[tokio::test]
async fn configure_unclaimed_claims_and_reads_back() {
    let fake = FakeApple::start(config_with(None), token().expose_credential()).await;
    let out = client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let ConfigureOutcome::Claimed(account) = out else {
        panic!("{out:?}")
    };
    assert_eq!(account.location().uid, "981060278089131045");
    assert_eq!(account.took_over_from(), None);
    assert_eq!(
        fake.state.lock().unwrap().posts,
        vec![json!({"mdmInfo": our_info()})]
    );
    let reqs = fake.server.received_requests().await.unwrap();
    let seq: Vec<_> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        seq,
        [
            "GET /mdm/v2/client/config",
            "POST /mdm/VPPClientConfigSrv",
            "POST /mdm/v2/client/config",
            "GET /mdm/v2/client/config"
        ],
        "read, look for a v1-only owner, write, read back: four requests"
    );
}

#[tokio::test]
async fn configure_takes_a_v1_404_or_410_with_any_body_as_v1_having_nothing_to_say() {
    let answers = [
        (
            404,
            json!({"errorNumber": 9600, "errorMessage": "Missing argument."}),
        ),
        (
            410,
            json!({"errorNumber": 9600, "errorMessage": "Missing argument."}),
        ),
        (
            404,
            json!({"status": -1, "errorNumber": 9602, "errorMessage": "Invalid argument."}),
        ),
        (410, json!({"unexpected": true})),
        (404, json!("Not Found")),
    ];
    for (status, body) in answers {
        let fake = FakeApple::start(config_with(None), token().expose_credential()).await;
        Mock::given(method("POST"))
            .and(path("/mdm/VPPClientConfigSrv"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .with_priority(1)
            .mount(&fake.server)
            .await;
        let out = client_for(&fake.base_url())
            .location(&token())
            .configure(&us(), &Takeover::Refuse.into())
            .await
            .unwrap_or_else(|e| panic!("v1 {status} {body}: {e:?}"));
        assert!(
            matches!(out, ConfigureOutcome::Claimed(_)),
            "v1 {status} {body}: {out:?}"
        );
        assert_eq!(
            fake.state.lock().unwrap().posts,
            vec![json!({"mdmInfo": our_info()})],
            "v1 {status} {body}"
        );
    }
}

#[tokio::test]
async fn configure_already_ours_sends_no_post() {
    let fake = FakeApple::start(config_with(Some(our_info())), token().expose_credential()).await;
    let out = client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    assert!(matches!(out, ConfigureOutcome::AlreadyOurs(_)), "{out:?}");
    assert_eq!(requests(&fake.server).await, 1);
    assert!(fake.state.lock().unwrap().posts.is_empty());
}

#[tokio::test]
async fn configure_ours_with_an_old_name_rewrites_it() {
    let old = json!({"id": OUR_ID, "name": "Old name", "metadata": "old.host"});
    let fake = FakeApple::start(config_with(Some(old)), token().expose_credential()).await;
    let out = client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    assert!(
        matches!(out, ConfigureOutcome::Claimed(ref a) if a.took_over_from().is_none()),
        "{out:?}"
    );
    assert_eq!(fake.state.lock().unwrap().posts.len(), 1);
}

#[tokio::test]
async fn configure_managed_elsewhere_never_posts_without_consent() {
    let fake = FakeApple::start(berlin_claimed_elsewhere(), token().expose_credential()).await;
    let out = client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let ConfigureOutcome::ManagedElsewhere { owner, location } = out else {
        panic!("{out:?}")
    };
    assert_eq!(owner.name.as_deref(), Some("Example MDM"));
    assert_eq!(location.name, "Berlin Office");
    assert_eq!(requests(&fake.server).await, 1, "only the read");
    assert!(
        fake.state.lock().unwrap().posts.is_empty(),
        "no POST without consent"
    );
}

#[tokio::test]
async fn configure_takes_over_with_consent() {
    let fake = FakeApple::start(berlin_claimed_elsewhere(), token().expose_credential()).await;
    let out = client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Accept.into())
        .await
        .unwrap();
    let ConfigureOutcome::Claimed(account) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        account.took_over_from().and_then(|o| o.name.as_deref()),
        Some("Example MDM")
    );
    assert_eq!(fake.state.lock().unwrap().config["mdmInfo"], our_info());
    assert_eq!(requests(&fake.server).await, 3);
}

#[tokio::test]
async fn configure_lost_race() {
    let s = server().await;
    let cfg = |info: Option<Value>| ResponseTemplate::new(200).set_body_json(config_with(info));
    // First read: unclaimed. The write succeeds, but the read back shows another MDM.
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(cfg(None))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(cfg(Some(our_info())))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(cfg(Some(
            json!({"id": "rival", "name": "Rival MDM", "metadata": "rival.example"}),
        )))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/mdm/VPPClientConfigSrv"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 0, "uId": "981060278089131045", "location": {"locationName": "Berlin Office"}}),
        ))
        .mount(&s)
        .await;
    let err = client_for(&base(&s))
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap_err();
    let FlowError::Flow(ConfigureError::LostRace { owner }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(owner.name.as_deref(), Some("Rival MDM"));
    assert_eq!(requests(&s).await, 4);
    // The question an MDM asks, without the match above.
    assert!(err.is_managed_elsewhere(), "{err:?}");
    assert!(!err.is_retryable() && !err.is_lease_held() && !err.needs_new_token());
}

#[tokio::test]
async fn configure_with_a_bad_token_is_rejected_by_apple() {
    let fake = FakeApple::start(berlin_claimed_elsewhere(), "some-other-credential").await;
    let err = client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Accept.into())
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::TokenInvalid,
        "200 + 9622 is an error: {err}"
    );
    assert_eq!(requests(&fake.server).await, 1, "9622 is not retried");
    assert!(fake.state.lock().unwrap().posts.is_empty());
}

// ---- Apple's errors ----

async fn one_answer(
    template: ResponseTemplate,
) -> (MockServer, Result<apple_vpp::wire::ClientConfig, SendError>) {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(template)
        .mount(&s)
        .await;
    let r = client_for(&base(&s))
        .location(&token())
        .client_config()
        .await;
    (s, r)
}

#[tokio::test]
async fn token_errors_are_typed_and_not_retried() {
    for (status, number, kind) in [
        (200, 9622, ErrorKind::TokenInvalid),
        (401, 9625, ErrorKind::TokenRevoked),
        (401, 9621, ErrorKind::TokenExpired),
        (200, 9645, ErrorKind::ReadOnlyLocation),
        (400, 9602, ErrorKind::RequestInvalid),
    ] {
        let body = json!({"errorNumber": number, "errorMessage": "from Apple"});
        let (s, r) = one_answer(ResponseTemplate::new(status).set_body_json(body)).await;
        let err = r.unwrap_err();
        assert_eq!(err.kind(), kind, "{number}");
        let token_refused = matches!(number, 9621 | 9622 | 9625);
        assert_eq!(err.needs_new_token(), token_refused, "{number}");
        assert!(!err.is_retryable() && !err.is_rate_limited(), "{number}");
        let SendError::Response(ResponseError::Apple(apple)) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(apple.status, Some(status));
        assert_eq!(apple.number, ErrorNumber::from_code(number));
        assert_eq!(apple.message, "from Apple");
        assert_eq!(requests(&s).await, 1, "{number} is not retried");
        assert_no_secret(&err.to_string(), token().expose_credential());
    }
}

#[tokio::test]
async fn an_echoed_credential_is_redacted() {
    let body = json!({"errorNumber": 9722, "errorMessage": format!("bad header: {}", bearer())});
    let (_s, r) = one_answer(ResponseTemplate::new(401).set_body_json(body)).await;
    let err = r.unwrap_err();
    assert_no_secret(&err.to_string(), token().expose_credential());
    assert_no_secret(&format!("{err:?}"), token().expose_credential());
}

#[tokio::test]
async fn complete_json_of_another_shape_is_not_retried() {
    // A cut body (JSON that ends early) is retried: see client_broken_answers.rs.
    let (s, r) = one_answer(ResponseTemplate::new(200).set_body_string("[1, 2]")).await;
    assert!(
        matches!(
            r,
            Err(SendError::Response(ResponseError::Malformed {
                status: 200,
                ..
            }))
        ),
        "{r:?}"
    );
    assert_eq!(requests(&s).await, 1);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let s = server().await;
    let big = format!(
        "{{\"uId\":\"1\",\"locationName\":\"{}\"}}",
        "x".repeat(4096)
    );
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(big))
        .mount(&s)
        .await;
    let c = VppClient::builder()
        .base_url(base(&s))
        .max_body_bytes(1024)
        .retry_policy(fast())
        .build()
        .unwrap();
    let err = c.location(&token()).client_config().await.unwrap_err();
    assert!(
        matches!(
            err,
            SendError::BodyTooLarge {
                status: 200,
                limit: 1024
            }
        ),
        "{err:?}"
    );
    assert_eq!(requests(&s).await, 1);
    // At the limit exactly, it is read.
    let exact = json!({"uId": "1", "locationName": "L"}).to_string();
    let s2 = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(exact.clone()))
        .mount(&s2)
        .await;
    let c = VppClient::builder()
        .base_url(base(&s2))
        .max_body_bytes(exact.len())
        .build()
        .unwrap();
    assert!(c.location(&token()).client_config().await.is_ok());
}

// ---- retries ----

/// Answers `first` `n` times, then the Berlin configuration.
async fn flaky(first: ResponseTemplate, n: u64) -> MockServer {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(first)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("client_config_v2.json")))
        .mount(&s)
        .await;
    s
}

#[tokio::test]
async fn retries_429_with_and_without_retry_after() {
    for template in [
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        ResponseTemplate::new(429),
        ResponseTemplate::new(429)
            .set_body_json(json!({"errorNumber": 9646, "errorMessage": "Too many requests"})),
    ] {
        let s = flaky(template, 2).await;
        let config = client_for(&base(&s))
            .location(&token())
            .client_config()
            .await
            .unwrap();
        assert_eq!(config.u_id.as_deref(), Some("981060278089131045"));
        assert_eq!(requests(&s).await, 3);
    }
}

#[tokio::test]
async fn retries_9646_in_a_200_body() {
    let s = flaky(
        ResponseTemplate::new(200).set_body_json(json!({"errorNumber": 9646})),
        1,
    )
    .await;
    assert!(
        client_for(&base(&s))
            .location(&token())
            .client_config()
            .await
            .is_ok()
    );
    assert_eq!(requests(&s).await, 2);
}

#[tokio::test]
async fn retries_5xx_with_retry_after_in_seconds_and_as_a_date() {
    let date = (chrono::Utc::now() + chrono::TimeDelta::seconds(2))
        .to_rfc2822()
        .replace("+0000", "GMT");
    for template in [
        ResponseTemplate::new(503).insert_header("retry-after", "2"),
        ResponseTemplate::new(500).insert_header("retry-after", date.as_str()),
        ResponseTemplate::new(500).set_body_json(json!({"errorNumber": 9603})),
        ResponseTemplate::new(200).set_body_json(json!({"errorNumber": 9644})),
    ] {
        let s = flaky(template, 1).await;
        let started = std::time::Instant::now();
        assert!(
            client_for(&base(&s))
                .location(&token())
                .client_config()
                .await
                .is_ok()
        );
        assert_eq!(requests(&s).await, 2);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "Retry-After is capped by the policy (20 ms here)"
        );
    }
}

#[tokio::test]
async fn retries_stop_at_the_bound() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s)
        .await;
    let err = client_for(&base(&s))
        .location(&token())
        .client_config()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Retryable);
    assert!(err.is_retryable() && !err.is_rate_limited() && !err.needs_new_token());
    assert!(matches!(
        err,
        SendError::Response(ResponseError::Http { status: 503 })
    ));
    assert_eq!(requests(&s).await, 4, "at most 4 attempts in all");
    let c = VppClient::builder()
        .base_url(base(&s))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    c.location(&token()).client_config().await.unwrap_err();
    assert_eq!(requests(&s).await, 5, "RetryPolicy::none makes one attempt");
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .mount(&s)
        .await;
    let c = VppClient::builder()
        .base_url(base(&s))
        .timeout(Duration::from_millis(100))
        .retry_policy(fast().with_max_attempts(2))
        .build()
        .unwrap();
    let err = c.location(&token()).client_config().await.unwrap_err();
    let SendError::Transport { kind, attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*kind, *attempts), (TransportKind::Timeout, 2));
    assert!(
        std::error::Error::source(&err).is_some(),
        "reqwest's error is kept as the source"
    );
    assert!(
        err.to_string().starts_with(
            "could not reach Apple's Apps and Books service (no answer in time, after 2 attempt(s))"
        ),
        "{err}"
    );
    assert_eq!(requests(&s).await, 2);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client_for(&format!("http://127.0.0.1:{port}/mdm/v2"));
    let err = c.location(&token()).client_config().await.unwrap_err();
    let SendError::Transport { kind, attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*kind, *attempts), (TransportKind::Connect, 4));
    assert_no_secret(&err.to_string(), token().expose_credential());
    assert_no_secret(&format!("{err:?}"), token().expose_credential());
}

// ---- builder ----

#[test]
fn insecure_base_urls_are_refused() {
    for url in [
        "http://vpp.itunes.apple.com/mdm/v2",
        "http://192.168.1.10:8080/",
        "ftp://127.0.0.1/",
    ] {
        let err = VppClient::builder().base_url(url).build().unwrap_err();
        assert!(matches!(err, BuildError::BaseUrl(_)), "{url}");
    }
    assert_eq!(
        VppClient::builder().build().unwrap().base_url().as_str(),
        "https://vpp.itunes.apple.com/mdm/v2/"
    );
    assert!(
        VppClient::builder()
            .base_url("http://localhost:1/")
            .build()
            .is_ok()
    );
    assert!(matches!(
        VppClient::builder().user_agent("bad\nagent").build(),
        Err(BuildError::UserAgent)
    ));
}

#[test]
fn client_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<VppClient>();
    fn errors<T: std::error::Error + Send + Sync + 'static>() {}
    errors::<SendError>();
    errors::<BuildError>();
    errors::<apple_vpp::metadata::DeveloperKeyError>();
    fn shared<T: Send + Sync + 'static>() {}
    shared::<apple_vpp::metadata::DeveloperKey>();
    check::<apple_vpp::metadata::DeveloperToken>();
    check::<apple_vpp::client::MetadataOptions>();
    check::<apple_vpp::client::DescribedAsset>();
}

#[tokio::test]
async fn a_shared_reqwest_client_is_used() {
    let fake = FakeApple::start(config_with(Some(our_info())), token().expose_credential()).await;
    let shared = apple_vpp::client::reqwest::Client::new();
    let c = VppClient::builder()
        .base_url(fake.base_url())
        .http_client(shared)
        .build()
        .unwrap();
    assert!(matches!(
        c.location(&token())
            .configure(&us(), &Takeover::Refuse.into())
            .await
            .unwrap(),
        ConfigureOutcome::AlreadyOurs(_)
    ));
}

// ---- verify and renew ----

async fn configured(fake: &FakeApple) -> VppAccount {
    match client_for(&fake.base_url())
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap()
    {
        ConfigureOutcome::AlreadyOurs(a) | ConfigureOutcome::Claimed(a) => a,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn verify_detects_displacement_and_apple_verdicts() {
    let fake = FakeApple::start(config_with(Some(our_info())), token().expose_credential()).await;
    let mut account = configured(&fake).await;
    let c = client_for(&fake.base_url());
    assert_eq!(
        c.location(account.token())
            .verify(&mut account)
            .await
            .unwrap(),
        Verification::StillOurs
    );
    fake.state.lock().unwrap().config["mdmInfo"] =
        json!({"id": "rival", "name": "Rival MDM", "metadata": "rival.example"});
    let v = c
        .location(account.token())
        .verify(&mut account)
        .await
        .unwrap();
    assert!(
        matches!(v, Verification::Displaced(ref o) if o.name.as_deref() == Some("Rival MDM")),
        "{v:?}"
    );
    assert!(!account.is_usable_at(chrono::Utc::now()));
    // Apple revokes the token: the verdict lands on the account.
    fake.state.lock().unwrap().credential = "revoked".into();
    let err = c
        .location(account.token())
        .verify(&mut account)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TokenInvalid);
    assert_eq!(account.verdict(), apple_vpp::AppleVerdict::Invalid);
}

#[tokio::test]
async fn renew_accepts_only_the_same_location() {
    let fake = FakeApple::start(config_with(Some(our_info())), token().expose_credential()).await;
    let mut account = configured(&fake).await;
    let before = account.clone();
    let new = VppToken::builder("ORG12345", "2028-09-26T08:30:39+00:00".parse().unwrap())
        .inner_token("bmV3")
        .build()
        .unwrap();
    let c = client_for(&fake.base_url());
    // The new token is for another location.
    {
        let mut s = fake.state.lock().unwrap();
        s.credential = new.expose_credential().to_owned();
        s.config["uId"] = "999".into();
        s.config["locationName"] = "Munich".into();
        s.config["tokenExpirationDate"] = "2028-09-26T08:30:39+0000".into();
    }
    let err = c.location(&new).renew(&mut account).await.unwrap_err();
    assert!(
        matches!(
            err,
            FlowError::Flow(RenewRefusal::Renew(RenewError::DifferentLocation(_)))
        ),
        "{err:?}"
    );
    assert_eq!(account, before, "unchanged");
    // The same location: accepted.
    {
        let mut s = fake.state.lock().unwrap();
        s.config["uId"] = "981060278089131045".into();
        s.config["locationName"] = "Berlin Office".into();
    }
    let r = c.location(&new).renew(&mut account).await.unwrap();
    assert_eq!(r.new_expiry.to_rfc3339(), "2028-09-26T08:30:39+00:00");
    assert_eq!(account.token(), &new);
}

#[tokio::test]
async fn renew_reclaims_a_released_location() {
    let fake = FakeApple::start(config_with(Some(our_info())), token().expose_credential()).await;
    let mut account = configured(&fake).await;
    let new = VppToken::builder("ORG12345", "2028-09-26T08:30:39+00:00".parse().unwrap())
        .inner_token("bmV3")
        .build()
        .unwrap();
    {
        let mut s = fake.state.lock().unwrap();
        s.credential = new.expose_credential().to_owned();
        s.config.as_object_mut().unwrap().remove("mdmInfo");
        s.config["tokenExpirationDate"] = "2028-09-26T08:30:39+0000".into();
    }
    let r = client_for(&fake.base_url())
        .location(&new)
        .renew(&mut account)
        .await
        .unwrap();
    assert_eq!(r.reclaim, apple_vpp::Reclaim::Held);
    assert_eq!(
        fake.state.lock().unwrap().posts,
        vec![json!({"mdmInfo": our_info()})]
    );
    assert!(
        account.is_usable_at(chrono::Utc::now()),
        "re-claimed and verified"
    );
}

#[test]
fn each_question_on_an_error_picks_its_own_errors_and_sees_through_a_partial_send() {
    use apple_vpp::client::{SubscribeFailure, SyncError, WriteError};
    use apple_vpp::shared::{LeaseError, LeaseKind};
    use apple_vpp::{MdmOwner, RenewError, RenewRefusal};
    let owner = MdmOwner::default().with_name("Rival MDM");
    let limited = || SendError::Response(ResponseError::Http { status: 429 });
    let held = || LeaseError::Held {
        kind: LeaseKind::Sync,
        retry_after: None,
    };
    let lost = LeaseError::Lost {
        kind: LeaseKind::Sync,
    };
    // [rate limited, lease held, managed elsewhere, retryable, legacy]
    fn flow<E: FlowStop>(e: &FlowError<E>) -> [bool; 5] {
        [
            e.is_rate_limited(),
            e.is_lease_held(),
            e.is_managed_elsewhere(),
            e.is_retryable(),
            e.is_legacy_unsupported(),
        ]
    }
    fn sync(e: &SyncError) -> [bool; 5] {
        [
            e.is_rate_limited(),
            e.is_lease_held(),
            e.is_managed_elsewhere(),
            e.is_retryable(),
            false,
        ]
    }
    fn write(e: &WriteError) -> [bool; 5] {
        [e.is_rate_limited(), false, false, e.is_retryable(), false]
    }
    let renewal =
        FlowError::<RenewRefusal>::Flow(RenewRefusal::Renew(RenewError::ManagedElsewhere {
            owner: owner.clone(),
        }));
    let answers = [
        ("rate limited", sync(&SyncError::Send(limited()))),
        ("lease held", sync(&SyncError::Lease(held()))),
        ("lease lost", sync(&SyncError::Lease(lost))),
        (
            "managed elsewhere",
            sync(&SyncError::ManagedElsewhere(owner.clone())),
        ),
        ("renewal found another MDM", flow(&renewal)),
        (
            "legacy",
            flow(&FlowError::Flow(SubscribeFailure::LegacyToken)),
        ),
        (
            "partly sent, then limited",
            write(&WriteError::PartlySent {
                sent: vec!["e-1".into()],
                unsent: 1,
                source: limited(),
            }),
        ),
        (
            "subscribe lease held",
            flow(&FlowError::<SubscribeFailure>::Lease(held())),
        ),
    ];
    assert_eq!(
        answers,
        [
            ("rate limited", [true, false, false, true, false]),
            ("lease held", [false, true, false, true, false]),
            ("lease lost", [false, false, false, true, false]),
            ("managed elsewhere", [false, false, true, false, false]),
            (
                "renewal found another MDM",
                [false, false, true, false, false]
            ),
            ("legacy", [false, false, false, false, true]),
            (
                "partly sent, then limited",
                [true, false, false, true, false]
            ),
            ("subscribe lease held", [false, true, false, true, false]),
        ]
    );
    let lease = held();
    assert!(lease.is_held() && !lease.is_lost() && !lease.is_unavailable());
}
