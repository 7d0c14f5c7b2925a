//! Account-based (legacy) tokens over Apple's v1 API, and locations held by an MDM that
//! speaks only v1, against the fake on 127.0.0.1.
#![cfg(feature = "client")]

use crate::common;

use std::time::Duration;

use apple_vpp::ConfigureOutcome;
use apple_vpp::api::RetryPolicy;
use apple_vpp::client::{FlowError, VppClient};
use apple_vpp::{AppleVerdict, ConfigureError, Protocol, Takeover, Verification};
use common::fake_apple::{FakeApple, berlin_claimed_elsewhere, unclaimed};
use common::{assert_no_secret, token, us};

const OTHER: &str = r#"{"hostname":"micromdm.example","guid":"0b7d-other"}"#;

async fn legacy_fake(context: Option<&str>) -> FakeApple {
    let fake = FakeApple::start(unclaimed(), token().expose_credential()).await;
    {
        let mut state = fake.state.lock().unwrap();
        state.legacy = true;
        state.legacy_context = context.map(str::to_owned);
    }
    fake
}

fn client(fake: &FakeApple) -> VppClient {
    VppClient::builder()
        .base_url(fake.base_url())
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

async fn paths(fake: &FakeApple) -> Vec<String> {
    fake.server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn a_legacy_token_refused_by_v2_is_claimed_over_v1() {
    let fake = legacy_fake(None).await;
    let outcome = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let ConfigureOutcome::Claimed(account) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(account.protocol(), Protocol::V1);
    assert_eq!(account.location().name, "Berlin Office");
    assert_eq!(
        fake.state.lock().unwrap().legacy_writes,
        vec![us().legacy_client_context()]
    );
    assert_eq!(
        paths(&fake).await,
        [
            "GET /mdm/v2/client/config",
            "POST /mdm/VPPClientConfigSrv",
            "POST /mdm/VPPClientConfigSrv",
            "POST /mdm/VPPClientConfigSrv"
        ]
    );
    // The protocol is stored with the account.
    let stored = serde_json::to_value(&account).unwrap();
    assert_eq!(stored["protocol"], "v1");
    // The sToken travelled in bodies only.
    for request in fake.server.received_requests().await.unwrap() {
        assert_no_secret(request.url.as_str(), token().expose_credential());
    }
}

#[tokio::test]
async fn a_legacy_account_that_is_already_ours_is_not_written() {
    let fake = legacy_fake(Some(&us().legacy_client_context())).await;
    let outcome = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    assert!(
        matches!(outcome, ConfigureOutcome::AlreadyOurs(_)),
        "{outcome:?}"
    );
    assert!(fake.state.lock().unwrap().legacy_writes.is_empty());
}

#[tokio::test]
async fn another_guid_needs_consent_and_shows_its_hostname() {
    let fake = legacy_fake(Some(OTHER)).await;
    let outcome = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let ConfigureOutcome::ManagedElsewhere { owner, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(owner.id.as_deref(), Some("0b7d-other"));
    assert!(owner.to_string().contains("micromdm.example"), "{owner}");
    assert!(fake.state.lock().unwrap().legacy_writes.is_empty());

    let outcome = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::AcceptFrom(owner.clone()).into())
        .await
        .unwrap();
    let ConfigureOutcome::Claimed(account) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(account.took_over_from(), Some(&owner));
}

#[tokio::test]
async fn a_lost_race_on_the_v1_read_back_is_reported() {
    let fake = legacy_fake(None).await;
    fake.state.lock().unwrap().legacy_racer = Some(OTHER.to_owned());
    let err = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FlowError::Flow(ConfigureError::LostRace { owner }) if owner.id.as_deref() == Some("0b7d-other")),
        "{err:?}"
    );
}

#[tokio::test]
async fn revoked_and_expired_in_a_v1_failure_status_are_recorded_and_not_retried() {
    let fake = legacy_fake(None).await;
    let ConfigureOutcome::Claimed(mut account) = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap()
    else {
        panic!()
    };
    for (number, verdict) in [(9625, AppleVerdict::Revoked), (9621, AppleVerdict::Expired)] {
        fake.state.lock().unwrap().legacy_error = Some(number);
        let before = fake.server.received_requests().await.unwrap().len();
        let err = client(&fake)
            .location(account.token())
            .verify(&mut account)
            .await
            .unwrap_err();
        assert_eq!(
            err.apple().map(|a| a.number.code()),
            Some(number),
            "{err:?}"
        );
        assert_eq!(account.verdict(), verdict);
        let after = fake.server.received_requests().await.unwrap().len();
        assert_eq!(after - before, 1, "{number} is not retried");
        assert_no_secret(&format!("{err} {err:?}"), token().expose_credential());
    }
    fake.state.lock().unwrap().legacy_error = None;
    let verification = client(&fake)
        .location(account.token())
        .verify(&mut account)
        .await
        .unwrap();
    assert_eq!(verification, Verification::StillOurs);
    assert_eq!(account.verdict(), AppleVerdict::Active);
}

#[tokio::test]
async fn a_v1_only_mdm_on_a_v2_location_needs_consent() {
    // v2 shows no claim; the location's v1 clientContext names another MDM (one that
    // speaks only v1).
    let fake = FakeApple::start(unclaimed(), token().expose_credential()).await;
    fake.state.lock().unwrap().legacy_context = Some(OTHER.to_owned());
    let outcome = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let ConfigureOutcome::ManagedElsewhere { owner, .. } = outcome else {
        panic!("claimed a location a v1-only MDM holds: {outcome:?}")
    };
    assert_eq!(owner.id.as_deref(), Some("0b7d-other"));
    assert!(
        fake.state.lock().unwrap().posts.is_empty(),
        "nothing written"
    );
    // Where v2 shows a claim, v2 decides and v1 is not consulted.
    let fake = FakeApple::start(berlin_claimed_elsewhere(), token().expose_credential()).await;
    fake.state.lock().unwrap().legacy_context = Some(us().legacy_client_context());
    let outcome = client(&fake)
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    assert!(matches!(outcome, ConfigureOutcome::ManagedElsewhere { .. }));
    assert_eq!(fake.state.lock().unwrap().legacy_reads, 0);
}

#[tokio::test]
async fn notification_settings_for_a_legacy_token_are_refused_at_once_without_a_write_or_a_retry() {
    use apple_vpp::ClaimOptions;
    use apple_vpp::notification::{NotificationSecret, NotificationSubscription};
    let fake = legacy_fake(None).await;
    // The default retry policy: before the core refused this, the refusal was taken for
    // a transport failure and the flow read and decided again four times (about 3.5 s).
    let client = VppClient::builder()
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let secret = NotificationSecret::generate().unwrap();
    let sub = NotificationSubscription::new("https://mdm.example.com/n", secret).unwrap();
    let options = ClaimOptions::from(Takeover::Refuse).with_notifications(sub.settings_update());
    let error = client
        .location(&token())
        .configure(&us(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            FlowError::Flow(ConfigureError::NotificationsUnsupported { .. })
        ) && error.is_legacy_unsupported(),
        "{error:?}"
    );
    assert_eq!(
        paths(&fake).await,
        ["GET /mdm/v2/client/config", "POST /mdm/VPPClientConfigSrv"],
        "one read over each protocol, no write, no second round"
    );
    assert!(fake.state.lock().unwrap().legacy_writes.is_empty());
}
