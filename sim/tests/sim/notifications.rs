//! Event notifications: envelope, bearer secret, retries, duplicates, subscriptions.

use crate::common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn asset_management_notification_follows_an_associate_event() {
    let sim = start(scenario()).await;
    let rx = Receiver::start().await;
    assert_eq!(subscribe(&sim, &rx.url, "hook-secret").await.0, 200);
    let (id, _) = run_event_with_id(
        &sim,
        "assets/associate",
        assoc("409203825", &["S1"], &["u-1"]),
    )
    .await;
    let got = rx.wait_for("ASSET_MANAGEMENT", 1).await;
    let n = &got[0];
    assert_eq!(n.authorization.as_deref(), Some("Bearer hook-secret"));
    assert_eq!(n.body["uId"], UID);
    assert!(n.body["notificationId"].is_string());
    let p = &n.body["notification"];
    assert_eq!(p["eventId"], id.as_str());
    assert_eq!(p["result"], "SUCCESS");
    assert_eq!(p["type"], "ASSOCIATE");
    assert_eq!(p["assignments"].as_array().unwrap().len(), 2);
    assert!(p.get("error").is_none());
    let delivered_once = |r: &apple_vpp_sim::NotificationRecord| {
        r.notification_type == "ASSET_MANAGEMENT" && r.delivered && r.attempts == 1
    };
    let sent = sent_records(&sim, |recs| recs.iter().any(delivered_once)).await;
    assert!(sent.iter().any(delivered_once));
}

#[tokio::test]
async fn failure_result_carries_the_error() {
    let sim = start(scenario()).await;
    let rx = Receiver::start().await;
    subscribe(&sim, &rx.url, "s").await;
    run_event(&sim, "assets/associate", assoc("1234567890", &["S1"], &[])).await;
    let got = rx.wait_for("ASSET_MANAGEMENT", 1).await;
    let p = &got[0].body["notification"];
    assert_eq!(p["result"], "FAILURE");
    assert_eq!(p["error"]["errorNumber"], 9707);
}

#[tokio::test]
async fn delivery_is_retried_up_to_three_times_on_non_2xx() {
    let sim = start(scenario()).await;
    let rx = Receiver::start().await;
    subscribe(&sim, &rx.url, "s").await;
    rx.answer_with(&[500, 503, 404]);
    run_event(
        &sim,
        "users/create",
        json!({"users": [{"clientUserId": "new"}]}),
    )
    .await;
    let got = rx.wait_for("USER_MANAGEMENT", 4).await;
    assert_eq!(got.len(), 4);
    let id = &got[0].body["notificationId"];
    assert!(got.iter().all(|g| &g.body["notificationId"] == id));
    let p = &got[0].body["notification"];
    assert_eq!(
        (p["type"].as_str(), p["result"].as_str()),
        (Some("CREATE"), Some("SUCCESS"))
    );
    assert_eq!(p["users"][0]["clientUserId"], "new");
    assert_eq!(p["users"][0]["status"], "Registered");
    let is_user_management =
        |r: &apple_vpp_sim::NotificationRecord| r.notification_type == "USER_MANAGEMENT";
    let rec = sent_records(&sim, |recs| {
        recs.iter().any(|r| is_user_management(r) && r.delivered)
    })
    .await
    .into_iter()
    .find(is_user_management)
    .expect("the simulator recorded the delivery");
    assert_eq!(
        (rec.attempts, rec.delivered, rec.last_status),
        (4, true, Some(200))
    );

    // Four failures: given up after 1 + 3 attempts.
    rx.answer_with(&[500, 500, 500, 500, 500]);
    run_event(
        &sim,
        "users/retire",
        json!({"users": [{"clientUserId": "new"}]}),
    )
    .await;
    rx.wait_for("USER_MANAGEMENT", 8).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(rx.of_type("USER_MANAGEMENT").len(), 8);
    // Both events' deliveries recorded (the create's, then the retire's).
    let user_management = |recs: &[apple_vpp_sim::NotificationRecord]| {
        recs.iter()
            .filter(|r| r.notification_type == "USER_MANAGEMENT")
            .count()
    };
    let last = sent_records(&sim, |recs| user_management(recs) == 2)
        .await
        .into_iter()
        .rfind(|r| r.notification_type == "USER_MANAGEMENT")
        .expect("the simulator recorded the deliveries");
    assert_eq!((last.attempts, last.delivered), (4, false));
}

#[tokio::test]
async fn duplicate_notifications_share_their_notification_id() {
    let mut s = scenario();
    s.duplicate_notifications = true;
    let sim = start(s).await;
    let rx = Receiver::start().await;
    subscribe(&sim, &rx.url, "s").await;
    run_event(&sim, "assets/revoke", json!({"serialNumbers": ["S1"]})).await;
    let got = rx.wait_for("ASSET_MANAGEMENT", 2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(got[0].body["notification"]["type"], "REVOKE");
    // The simulator records a delivery once the receiver has answered it, which can be a
    // moment after the receiver saw the body: wait (bounded) for both records.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let recs = loop {
        let recs: Vec<_> = sim
            .notifications_sent()
            .into_iter()
            .filter(|r| r.notification_type == "ASSET_MANAGEMENT")
            .collect();
        if recs.len() >= 2 || std::time::Instant::now() > deadline {
            break recs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(recs.len(), 2);
    assert_eq!(recs.iter().filter(|r| r.duplicate).count(), 1);
    // The test notification is never duplicated.
    assert_eq!(rx.of_type("TEST_NOTIFICATION").len(), 1);
}

#[tokio::test]
async fn only_subscribed_types_are_sent_and_asset_count_reports_the_delta() {
    let sim = start(scenario()).await;
    let rx = Receiver::start().await;
    let body = json!({
        "notificationUrl": rx.url, "notificationAuthToken": "s",
        "notificationTypes": ["ASSET_COUNT"],
    });
    assert_eq!(
        post_json(&sim, "client/config", &token(&sim), &body)
            .await
            .0,
        200
    );
    run_event(&sim, "assets/associate", assoc("409203825", &["S1"], &[])).await;
    assert!(sim.set_asset_total(UID, "409203825", "STDQ", 25));
    let got = rx.wait_for("ASSET_COUNT", 1).await;
    assert_eq!(
        got[0].body["notification"],
        json!({"adamId": "409203825", "countDelta": 15, "pricingParam": "STDQ"})
    );
    assert!(rx.of_type("ASSET_MANAGEMENT").is_empty());
    let (_, v) = get(&sim, "assets?adamId=409203825", Some(&token(&sim))).await;
    assert_eq!(v["assets"][0]["totalCount"], 25);
    assert_eq!(v["assets"][0]["availableCount"], 24);
}

#[tokio::test]
async fn large_events_are_split_into_notifications_of_at_most_100_records() {
    let mut s = scenario();
    s.locations[0].assets[0].total = 300;
    let sim = start(s).await;
    let rx = Receiver::start().await;
    subscribe(&sim, &rx.url, "s").await;
    let serials: Vec<String> = (0..250).map(|i| format!("SER{i}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    run_event(&sim, "assets/associate", assoc("409203825", &refs, &[])).await;
    let got = rx.wait_for("ASSET_MANAGEMENT", 3).await;
    let sizes: Vec<usize> = got
        .iter()
        .map(|g| {
            g.body["notification"]["assignments"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
}
