//! The legacy v1 endpoints.

use crate::common;

use apple_vpp_sim::{LocationSpec, RunningSimulator};
use common::*;
use serde_json::{Value, json};

async fn v1(sim: &RunningSimulator, endpoint: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(format!("{}{endpoint}", sim.v1_base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn with_legacy() -> apple_vpp_sim::Scenario {
    let mut s = scenario();
    let mut legacy = LocationSpec::new("77", "Old Account");
    legacy.legacy = true;
    legacy.country = "GB".into();
    s.locations.push(legacy);
    s
}

#[tokio::test]
async fn service_config_needs_no_token() {
    let sim = start(scenario()).await;
    let (status, v) = v1(&sim, "VPPServiceConfigSrv", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], 0);
    assert_eq!(
        v["clientConfigSrvUrl"],
        format!("{}VPPClientConfigSrv", sim.v1_base_url())
    );
    assert!(v["errorCodes"].is_array());
}

#[tokio::test]
async fn legacy_client_context_is_absent_then_set_then_cleared() {
    let sim = start(with_legacy()).await;
    let t = sim.token("77").unwrap();
    let (status, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], 0);
    assert!(v.get("clientContext").is_none(), "absent until set: {v}");
    assert_eq!(v["uId"], "77");
    assert_eq!(v["countryCode"], "GB");
    assert_eq!(v["location"]["locationName"], "Old Account");
    assert!(v["location"]["locationId"].is_u64());
    assert!(v["expirationMillis"].is_i64());
    assert!(v["email"].is_string() && v["organizationIdHash"].is_string());
    assert!(v["organizationId"].is_u64());

    let ctx = r#"{"hostname":"mdm.example.com","guid":"1111"}"#;
    let (_, v) = v1(
        &sim,
        "VPPClientConfigSrv",
        json!({"sToken": t, "clientContext": ctx, "verbose": true}),
    )
    .await;
    assert_eq!(v["clientContext"], ctx);
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert_eq!(v["clientContext"], ctx);
    let (_, v) = v1(
        &sim,
        "VPPClientConfigSrv",
        json!({"sToken": t, "clientContext": "x".repeat(256)}),
    )
    .await;
    assert_eq!(
        (v["status"].as_i64(), v["errorNumber"].as_u64()),
        (Some(-1), Some(9602))
    );
    let (_, v) = v1(
        &sim,
        "VPPClientConfigSrv",
        json!({"sToken": t, "clientContext": ""}),
    )
    .await;
    assert_eq!(v["status"], 0);
    assert!(v.get("clientContext").is_none());

    // The same legacy token on v2: 9647.
    let (status, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!((status, v["errorNumber"].as_u64()), (403, Some(9647)));
}

#[tokio::test]
async fn v1_errors_are_status_minus_one_with_http_200() {
    let mut s = with_legacy();
    s.locations[1].revoked = true;
    let sim = start(s).await;
    let (status, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": "bm9wZQ=="})).await;
    assert_eq!(
        (status, v["status"].as_i64(), v["errorNumber"].as_u64()),
        (200, Some(-1), Some(9622))
    );
    assert!(!v.to_string().contains("bm9wZQ=="));
    let t = sim.token("77").unwrap();
    let (status, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert_eq!(
        (status, v["status"].as_i64(), v["errorNumber"].as_u64()),
        (200, Some(-1), Some(9625))
    );
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({})).await;
    assert_eq!(
        (v["status"].as_i64(), v["errorNumber"].as_u64()),
        (Some(-1), Some(9601))
    );
    let r = client()
        .post(format!("{}VPPClientConfigSrv", sim.v1_base_url()))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["errorNumber"], 9602);
}

#[tokio::test]
async fn another_mdms_v1_context_shows_on_v1_only_and_v2_use_adds_the_marker() {
    let mut s = scenario();
    let other = r#"{"hostname":"micromdm.example.com","guid":"abc-123"}"#;
    s.locations[0].legacy_client_context = Some(other.into());
    let sim = start(s).await;
    let t = token(&sim);
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert_eq!(v["clientContext"], other);

    // v2 shows the location unclaimed, and reading it changes nothing on v1...
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert!(v.get("mdmInfo").is_none());
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert_eq!(v["clientContext"], other);
    // ...but once written to through v2, v1 says so with Apple's "ac2" marker.
    post_json(
        &sim,
        "assets/revoke",
        &t,
        &json!({"serialNumbers": ["C02X"]}),
    )
    .await;
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    let ctx: Value = serde_json::from_str(v["clientContext"].as_str().unwrap()).unwrap();
    assert_eq!(
        ctx,
        json!({"hostname": "micromdm.example.com", "guid": "abc-123", "ac2": 1})
    );
}

#[tokio::test]
async fn another_mdm_claims_a_legacy_location_through_its_client_context() {
    let sim = start(with_legacy()).await;
    let t = sim.token("77").unwrap();
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert!(v.get("clientContext").is_none());
    assert!(sim.claim_as_other(
        "77",
        apple_vpp_sim::MdmInfo {
            id: "guid-9".into(),
            name: "Old MDM".into(),
            metadata: "old.example".into(),
        }
    ));
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    let ctx: Value = serde_json::from_str(v["clientContext"].as_str().unwrap()).unwrap();
    assert_eq!(ctx, json!({"hostname": "old.example", "guid": "guid-9"}));
    assert_eq!(
        sim.mdm_info("77"),
        None,
        "no mdmInfo: v2 refuses this token"
    );
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    assert_eq!(v["errorNumber"], 9647);
}

#[tokio::test]
async fn an_unused_v2_location_without_context_has_none_on_v1() {
    let mut s = scenario();
    s.locations.push(LocationSpec::new("5", "Fresh"));
    let sim = start(s).await;
    let t = sim.token("5").unwrap();
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert!(v.get("clientContext").is_none());
    get(&sim, "client/config", Some(&t)).await;
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert!(v.get("clientContext").is_none(), "a read is not a use");
    // Refused writes change nothing, so they are not a use either.
    for (path, body) in [
        ("assets/revoke", json!({})),
        ("client/config", json!({"mdmInfo": {"id": "x"}})),
    ] {
        let (_, v) = post_json(&sim, path, &t, &body).await;
        assert!(v["errorNumber"].is_number(), "{path}: {v}");
    }
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert!(
        v.get("clientContext").is_none(),
        "a refused write is not a use"
    );
    post_json(
        &sim,
        "assets/revoke",
        &t,
        &json!({"serialNumbers": ["C02X"]}),
    )
    .await;
    let (_, v) = v1(&sim, "VPPClientConfigSrv", json!({"sToken": t})).await;
    assert_eq!(v["clientContext"], r#"{"ac2":1}"#);
}
