//! Authentication errors, service config, client config (claiming, notification settings,
//! the test notification), other-MDM claims and unknown routes.

use crate::common;

use std::time::Duration;

use apple_vpp_sim::{LocationSpec, MdmInfo};
use chrono::{TimeDelta, Utc};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn service_config_needs_no_token_and_lists_limits_and_urls() {
    let sim = start(apple_vpp_sim::Scenario::default()).await;
    let (status, v) = get(&sim, "service/config", None).await;
    assert_eq!(status, 200);
    let limits = &v["limits"];
    assert_eq!(limits["maxAssets"], 25);
    assert_eq!(limits["maxSerialNumbers"], 1000);
    assert_eq!(limits["maxClientUserIds"], 1000);
    assert_eq!(limits["maxRevokeSerialNumbers"], 100);
    assert_eq!(limits["maxRevokeClientUserIds"], 100);
    assert_eq!(limits["maxUsers"], 100);
    assert_eq!(limits["maxRequestPerSecond"], 15);
    assert_eq!(limits["maxMdmNameLength"], 100);
    assert_eq!(limits["maxMdmMetadataLength"], 255);
    assert_eq!(limits["maxMdmIdLength"], 100);
    assert!(limits["maxNotificationLength"].is_u64());
    let codes = v["errorCodes"].as_array().unwrap();
    assert!(codes.iter().any(|c| c["errorNumber"] == 9646));
    assert_eq!(v["urls"]["getAssets"], format!("{}/assets", sim.base_url()));
    assert!(
        v["notificationTypes"]
            .as_array()
            .unwrap()
            .contains(&json!("ASSET_MANAGEMENT"))
    );
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_9722_with_401() {
    let sim = start(scenario()).await;
    let (status, v) = get(&sim, "client/config", None).await;
    assert_eq!((status, v["errorNumber"].clone()), (401, json!(9722)));
    for header in ["Basic abc", "Bearer", "Bearer   ", "token"] {
        let r = client()
            .get(format!("{}/client/config", sim.base_url()))
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{header}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["errorNumber"], 9722, "{header}");
    }
}

#[tokio::test]
async fn unknown_credential_is_9622_with_http_200_and_never_echoed() {
    let sim = start(scenario()).await;
    let secret = "c2VjcmV0LWNyZWRlbnRpYWwtdGhhdC1tdXN0LW5vdC1sZWFr";
    let (status, v) = get(&sim, "assets", Some(secret)).await;
    assert_eq!(status, 200);
    assert_eq!(v["errorNumber"], 9622);
    assert!(!v.to_string().contains(secret));
    // The inner `token` of the file is not the credential either.
    let file = token(&sim);
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&file)
        .unwrap();
    let inner: Value = serde_json::from_slice(&decoded).unwrap();
    let (_, v) = get(&sim, "assets", inner["token"].as_str()).await;
    assert_eq!(v["errorNumber"], 9622);
    let recorded = sim.requests();
    assert!(
        recorded
            .iter()
            .all(|r| !r.authorized && r.location_uid.is_none())
    );
}

#[tokio::test]
async fn expired_revoked_and_legacy_tokens() {
    let mut s = scenario();
    let mut expired = LocationSpec::new("2", "Expired");
    expired.token_expires = "2020-01-01T00:00:00+0000".into();
    let mut revoked = LocationSpec::new("3", "Revoked");
    revoked.revoked = true;
    let mut legacy = LocationSpec::new("4", "Legacy");
    legacy.legacy = true;
    s.locations.extend([expired, revoked, legacy]);
    let sim = start(s).await;
    for (uid, status, number) in [("2", 401, 9621), ("3", 401, 9625), ("4", 403, 9647)] {
        let t = sim.token(uid).unwrap();
        let (st, v) = get(&sim, "client/config", Some(&t)).await;
        assert_eq!(
            (st, v["errorNumber"].as_u64()),
            (status, Some(number)),
            "{uid}"
        );
        assert!(!v.to_string().contains(&t));
    }
    // At run time: revoke, then expire the default location.
    let t = token(&sim);
    assert_eq!(get(&sim, "client/config", Some(&t)).await.0, 200);
    sim.set_revoked(UID, true);
    assert_eq!(
        get(&sim, "client/config", Some(&t)).await.1["errorNumber"],
        9625
    );
    sim.set_revoked(UID, false);
    let past = (Utc::now() - TimeDelta::seconds(1)).fixed_offset();
    sim.set_token_expires(UID, past);
    assert_eq!(
        get(&sim, "client/config", Some(&t)).await.1["errorNumber"],
        9621
    );
    let log = sim.requests();
    let last = log.last().unwrap();
    assert_eq!(last.location_uid.as_deref(), Some(UID));
    assert!(!last.authorized);
    assert_eq!(last.status, 401);
}

#[tokio::test]
async fn client_config_has_no_mdm_info_before_a_claim_then_shows_it() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    let (status, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!(status, 200);
    assert_eq!(v["uId"], UID);
    assert_eq!(v["locationName"], "Berlin Office");
    assert_eq!(v["countryISO2ACode"], "DE");
    assert_eq!(v["tokenExpirationDate"], "2027-09-26T08:30:39+0000");
    assert!(v["defaultPlatform"].is_string() && v["websiteURL"].is_string());
    let obj = v.as_object().unwrap();
    assert!(!obj.contains_key("mdmInfo"), "absent, not null: {v}");
    assert!(!obj.contains_key("notificationUrl"));

    let info = json!({"id": "mine", "name": "My MDM", "metadata": "mdm.example.com"});
    let (status, v) = post_json(&sim, "client/config", &t, &json!({"mdmInfo": info})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["mdmInfo"], info);
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!(v["mdmInfo"], info);
    // List answers carry it too.
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(v["mdmInfo"], info);
}

#[tokio::test]
async fn client_config_validation_errors() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    let cases = [
        (json!({"mdmInfo": {"id": "x", "name": "y"}}), 9723),
        (
            json!({"notificationUrl": "https://mdm.example.com/n"}),
            9710,
        ),
        (json!({"notificationAuthToken": "s"}), 9710),
        (
            json!({"notificationUrl": "http://mdm.example.com/n", "notificationAuthToken": "s"}),
            9712,
        ),
        (
            json!({"notificationUrl": "not a url", "notificationAuthToken": "s"}),
            9712,
        ),
        (
            json!({"mdmInfo": {"id": "x".repeat(101), "name": "y", "metadata": "z"}}),
            9724,
        ),
        (
            json!({"mdmInfo": {"id": "x", "name": "y".repeat(101), "metadata": "z"}}),
            9725,
        ),
        (
            json!({"mdmInfo": {"id": "x", "name": "y", "metadata": "z".repeat(256)}}),
            9713,
        ),
        (json!({"notificationTypes": ["NOPE"]}), 9602),
    ];
    for (body, number) in cases {
        let (status, v) = post_json(&sim, "client/config", &t, &body).await;
        assert_eq!(
            (status, v["errorNumber"].as_u64()),
            (400, Some(number)),
            "{body}"
        );
    }
    // Not JSON at all.
    let r = client()
        .post(format!("{}/client/config", sim.base_url()))
        .bearer_auth(&t)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["errorNumber"], 9602);
    // Nothing was changed by the refused updates.
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert!(v.get("mdmInfo").is_none() && v.get("notificationUrl").is_none());
}

#[tokio::test]
async fn setting_a_url_sends_a_test_notification_with_the_bearer_secret() {
    let sim = start(scenario()).await;
    let rx = Receiver::start().await;
    let (status, v) = subscribe(&sim, &rx.url, "shh-secret").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["notificationUrl"], rx.url.as_str());
    assert_eq!(
        v["subscribedNotificationTypes"],
        json!(["ASSET_MANAGEMENT", "USER_MANAGEMENT", "ASSET_COUNT"])
    );
    let got = rx.of_type("TEST_NOTIFICATION");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer shh-secret"));
    assert_eq!(got[0].body["uId"], UID);
    assert_eq!(got[0].body["notification"], json!({}));
    assert!(got[0].body["notificationId"].is_string());
}

#[tokio::test]
async fn failed_test_notification_is_9728_and_keeps_previous_settings() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    let good = Receiver::start().await;
    assert_eq!(subscribe(&sim, &good.url, "first").await.0, 200);

    // A receiver that answers 500: the whole update (mdmInfo too) is refused.
    let bad = Receiver::start().await;
    bad.answer_with(&[500]);
    let body = json!({
        "mdmInfo": {"id": "a", "name": "b", "metadata": "c"},
        "notificationUrl": bad.url, "notificationAuthToken": "second-secret",
    });
    let (status, v) = post_json(&sim, "client/config", &t, &body).await;
    assert_eq!(
        (status, v["errorNumber"].as_u64()),
        (400, Some(9728)),
        "{v}"
    );
    assert!(!v.to_string().contains("second-secret"));
    assert_eq!(bad.of_type("TEST_NOTIFICATION").len(), 1);

    // Nobody listening at all.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/gone", l.local_addr().unwrap())
    };
    let body = json!({"notificationUrl": closed, "notificationAuthToken": "third"});
    let (_, v) = post_json(&sim, "client/config", &t, &body).await;
    assert_eq!(v["errorNumber"], 9728);

    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!(v["notificationUrl"], good.url.as_str());
    assert_eq!(v["notificationAuthToken"], "first");
    assert!(v.get("mdmInfo").is_none());
}

#[tokio::test]
async fn another_mdm_claims_at_a_given_moment_and_on_demand() {
    let mut s = scenario();
    s.locations[0].claim_by_other_at_ms = Some(150);
    s.locations[0].other_mdm_info = Some(MdmInfo {
        id: "theirs".into(),
        name: "Their MDM".into(),
        metadata: "their.example.com".into(),
    });
    let sim = start(s).await;
    let t = token(&sim);
    let mine = json!({"id": "mine", "name": "Mine", "metadata": "mine.example.com"});
    let (_, v) = post_json(&sim, "client/config", &t, &json!({"mdmInfo": mine})).await;
    assert_eq!(v["mdmInfo"]["id"], "mine");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!(v["mdmInfo"]["id"], "theirs");
    let (_, v) = get(&sim, "users", Some(&t)).await;
    assert_eq!(v["mdmInfo"]["id"], "theirs");

    assert!(sim.claim_as_other(
        UID,
        MdmInfo {
            id: "third".into(),
            name: "Third".into(),
            metadata: "3".into()
        }
    ));
    assert_eq!(sim.mdm_info(UID).unwrap().id, "third");
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!(v["mdmInfo"]["id"], "third");
    assert!(!sim.claim_as_other("nope", sim.mdm_info(UID).unwrap()));
}

#[tokio::test]
async fn unknown_routes_and_methods_fail_loudly() {
    let sim = start(scenario()).await;
    let (status, v) = get(&sim, "no/such/thing", Some(&token(&sim))).await;
    assert_eq!(status, 404);
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .contains("/mdm/v2/no/such/thing")
    );
    assert!(v["errorNumber"].is_u64());
    let r = client()
        .delete(format!("{}/assets", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.json::<Value>().await.unwrap()["errorNumber"], 9726);
}

#[tokio::test]
async fn requests_are_recorded_without_credentials() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    get(&sim, "assets?pageIndex=0", Some(&t)).await;
    let log = sim.requests();
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/mdm/v2/assets")
    );
    assert_eq!(r.query.as_deref(), Some("pageIndex=0"));
    assert_eq!(r.location_uid.as_deref(), Some(UID));
    assert!(r.authorized);
    assert_eq!(r.status, 200);
    assert!(!format!("{log:?}").contains(&t));
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}
