//! Paging and incremental answers, license counting, events, request validation and users.

use crate::common;

use apple_vpp_sim::{AssetSpec, UserSpec};
use common::*;
use serde_json::{Value, json};

fn counts(v: &Value, adam: &str) -> (u64, u64, u64, u64) {
    let a = v["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["adamId"] == adam)
        .unwrap_or_else(|| panic!("asset {adam} in {v}"));
    let n = |k: &str| a[k].as_u64().unwrap();
    (
        n("assignedCount"),
        n("availableCount"),
        n("retiredCount"),
        n("totalCount"),
    )
}

#[tokio::test]
async fn pages_follow_the_page_size_and_drop_next_page_index_on_the_last_page() {
    let mut s = scenario();
    s.page_size = 2;
    s.locations[0].assets.push(AssetSpec::app("555", 1));
    s.locations[0].assets.push(AssetSpec::app("666", 1));
    let sim = start(s).await;
    let t = token(&sim);
    let (status, p0) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(status, 200);
    assert_eq!(p0["currentPageIndex"], 0);
    assert_eq!(p0["nextPageIndex"], 1);
    assert_eq!(p0["totalPages"], 3);
    assert_eq!(p0["size"], 2);
    assert_eq!(p0["assets"].as_array().unwrap().len(), 2);
    assert_eq!(p0["uId"], UID);
    assert_eq!(p0["tokenExpirationDate"], "2027-09-26T08:30:39+0000");
    assert!(p0["versionId"].is_string());
    assert!(p0.get("mdmInfo").is_none());
    assert!(p0["assets"][0]["adamId"].is_string());
    let (_, p2) = get(&sim, "assets?pageIndex=2", Some(&t)).await;
    assert_eq!(p2["currentPageIndex"], 2);
    assert_eq!(p2["assets"].as_array().unwrap().len(), 1);
    assert!(!p2.as_object().unwrap().contains_key("nextPageIndex"));
    for bad in ["3", "-1", "x"] {
        let (status, v) = get(&sim, &format!("assets?pageIndex={bad}"), Some(&t)).await;
        assert_eq!(
            (status, v["errorNumber"].as_u64()),
            (400, Some(9650)),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn asset_filters_and_unlimited_assets() {
    let mut s = scenario();
    let mut free = AssetSpec::app("777", 0);
    free.unlimited = true;
    s.locations[0].assets.push(free);
    let sim = start(s).await;
    let t = token(&sim);
    let (_, v) = get(&sim, "assets?productType=Book", Some(&t)).await;
    assert_eq!(v["assets"].as_array().unwrap().len(), 1);
    assert_eq!(v["assets"][0]["adamId"], "1234567890");
    let (_, v) = get(&sim, "assets?deviceAssignable=false", Some(&t)).await;
    assert_eq!(v["assets"].as_array().unwrap().len(), 1);
    let (_, v) = get(&sim, "assets?adamId=409203825&pricingParam=STDQ", Some(&t)).await;
    assert_eq!(counts(&v, "409203825"), (0, 10, 0, 10));
    let (_, v) = get(&sim, "assets?revocable=true&minAvailableCount=6", Some(&t)).await;
    let ids: Vec<&str> = v["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["adamId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["409203825", "777"]);
    let (_, v) = get(&sim, "assets?unlimited=true", Some(&t)).await;
    assert_eq!(counts(&v, "777").3, 2_147_483_647);
    let (status, v) = get(&sim, "assets?revocable=maybe", Some(&t)).await;
    assert_eq!((status, v["errorNumber"].as_u64()), (400, Some(9602)));
}

#[tokio::test]
async fn associating_consumes_licenses_and_disassociating_returns_them() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    let ev = run_event(
        &sim,
        "assets/associate",
        assoc("409203825", &["S1", "S2"], &["u-1"]),
    )
    .await;
    assert_eq!(ev["eventStatus"], "COMPLETE", "{ev}");
    assert_eq!(ev["eventType"], "ASSOCIATE");
    assert_eq!(
        (ev["numRequested"].as_u64(), ev["numCompleted"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(ev.get("failures").is_none());
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(counts(&v, "409203825"), (3, 7, 0, 10));
    assert_eq!(
        sim.asset_counts(UID, "409203825", "STDQ"),
        Some((3, 7, 0, 10))
    );

    // Already associated: idempotent, nothing consumed twice. Unknown serials are accepted.
    let ev = run_event(
        &sim,
        "assets/associate",
        assoc("409203825", &["S1", "NONSENSE"], &[]),
    )
    .await;
    assert_eq!(ev["eventStatus"], "COMPLETE");
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(counts(&v, "409203825"), (4, 6, 0, 10));

    let (_, v) = get(&sim, "assignments?serialNumber=S1", Some(&t)).await;
    assert_eq!(
        v["assignments"],
        json!([{"adamId": "409203825", "pricingParam": "STDQ", "serialNumber": "S1"}])
    );
    let (_, v) = get(&sim, "assignments?clientUserId=u-1", Some(&t)).await;
    assert_eq!(v["assignments"][0]["clientUserId"], "u-1");

    let ev = run_event(
        &sim,
        "assets/disassociate",
        assoc("409203825", &["S1", "NEVER"], &["u-1"]),
    )
    .await;
    assert_eq!(ev["eventStatus"], "COMPLETE");
    assert_eq!(ev["eventType"], "DISASSOCIATE");
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(counts(&v, "409203825"), (2, 8, 0, 10));
}

#[tokio::test]
async fn not_enough_licenses_fails_only_those_items_in_the_event() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    // 5 licenses for 361309726, 7 serials asked: 5 complete, 2 fail with 9709.
    let serials = ["A", "B", "C", "D", "E", "F", "G"];
    let (status, v) = post_json(
        &sim,
        "assets/associate",
        &t,
        &assoc("361309726", &serials, &[]),
    )
    .await;
    assert_eq!(status, 200, "the request itself is accepted: {v}");
    assert!(v["eventId"].is_string() && v["uId"] == UID && v["tokenExpirationDate"].is_string());
    let ev = wait_event(&sim, &t, v["eventId"].as_str().unwrap()).await;
    assert_eq!(ev["eventStatus"], "FAILED");
    assert_eq!(
        (ev["numRequested"].as_u64(), ev["numCompleted"].as_u64()),
        (Some(7), Some(5))
    );
    let f = &ev["failures"][0];
    assert_eq!(f["errorNumber"], 9709);
    assert!(f["errorMessage"].is_string());
    assert_eq!(
        f["errorInfo"]["assets"],
        json!([{"adamId": "361309726", "pricingParam": "STDQ"}])
    );
    assert_eq!(f["errorInfo"]["serialNumbers"], json!(["F", "G"]));
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(counts(&v, "361309726"), (5, 0, 0, 5));

    // A book cannot go to a device (9707); an unknown user (9609); an unknown asset (9610).
    let ev = run_event(
        &sim,
        "assets/associate",
        assoc("1234567890", &["S"], &["u-2", "ghost"]),
    )
    .await;
    assert_eq!(ev["eventStatus"], "FAILED");
    let mut numbers: Vec<u64> = ev["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["errorNumber"].as_u64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, [9609, 9707]);
    assert_eq!(ev["numCompleted"], 1);
    let ev = run_event(&sim, "assets/associate", assoc("999", &["S"], &[])).await;
    assert_eq!(ev["failures"][0]["errorNumber"], 9610);
}

#[tokio::test]
async fn revoke_returns_revocable_licenses_and_counts_them_retired() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    run_event(
        &sim,
        "assets/associate",
        assoc("409203825", &["S1"], &["u-1"]),
    )
    .await;
    run_event(&sim, "assets/associate", assoc("1234567890", &[], &["u-1"])).await;
    let ev = run_event(
        &sim,
        "assets/revoke",
        json!({"clientUserIds": ["u-1"], "serialNumbers": ["S1"]}),
    )
    .await;
    assert_eq!(ev["eventStatus"], "COMPLETE");
    assert_eq!(ev["eventType"], "REVOKE");
    assert_eq!(ev["numRequested"], 2);
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(counts(&v, "409203825"), (0, 10, 2, 10));
    // The book is not revocable: it stays.
    assert_eq!(counts(&v, "1234567890"), (1, 2, 0, 3));
}

#[tokio::test]
async fn events_are_pending_until_the_delay_and_unknown_events_are_9708() {
    let mut s = scenario();
    s.event_delay_ms = 300;
    let sim = start(s).await;
    let t = token(&sim);
    let (_, v) = post_json(
        &sim,
        "assets/associate",
        &t,
        &assoc("409203825", &["S1"], &[]),
    )
    .await;
    let id = v["eventId"].as_str().unwrap().to_string();
    let (_, ev) = get(&sim, &format!("status?eventId={id}"), Some(&t)).await;
    assert_eq!(ev["eventStatus"], "PENDING");
    assert_eq!(ev["numCompleted"], 0);
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(
        counts(&v, "409203825").0,
        0,
        "nothing happens before the delay"
    );
    let ev = wait_event(&sim, &t, &id).await;
    assert_eq!(ev["eventStatus"], "COMPLETE");
    let (status, v) = get(
        &sim,
        "status?eventId=00000000-0000-0000-0000-000000000000",
        Some(&t),
    )
    .await;
    assert_eq!((status, v["errorNumber"].as_u64()), (400, Some(9708)));
}

#[tokio::test]
async fn limits_duplicates_and_missing_arguments_are_refused_at_once() {
    let mut s = scenario();
    s.max_assets = 2;
    s.max_client_user_ids = 2;
    s.max_serial_numbers = 2;
    s.max_revoke_client_user_ids = 1;
    s.max_revoke_serial_numbers = 1;
    s.max_users = 2;
    let sim = start(s).await;
    let t = token(&sim);
    let a = |id: &str| json!({"adamId": id, "pricingParam": "STDQ"});
    let cases = [
        (
            "assets/associate",
            json!({"assets": [], "serialNumbers": ["S"]}),
            9718,
        ),
        ("assets/associate", json!({"assets": [a("1")]}), 9719),
        (
            "assets/associate",
            json!({"assets": [a("1"), a("2"), a("3")], "serialNumbers": ["S"]}),
            9700,
        ),
        (
            "assets/associate",
            json!({"assets": [a("1")], "clientUserIds": ["a", "b", "c"]}),
            9701,
        ),
        (
            "assets/disassociate",
            json!({"assets": [a("1")], "serialNumbers": ["a", "b", "c"]}),
            9702,
        ),
        (
            "assets/associate",
            json!({"assets": [a("1"), a("1")], "serialNumbers": ["S"]}),
            9703,
        ),
        (
            "assets/associate",
            json!({"assets": [a("1")], "clientUserIds": ["x", "x"]}),
            9704,
        ),
        (
            "assets/associate",
            json!({"assets": [a("1")], "serialNumbers": ["S", "S"]}),
            9705,
        ),
        ("assets/revoke", json!({}), 9719),
        ("assets/revoke", json!({"clientUserIds": ["a", "b"]}), 9701),
        ("assets/revoke", json!({"serialNumbers": ["a", "b"]}), 9702),
        (
            "assets/revoke",
            json!({"serialNumbers": ["a"], "clientUserIds": []}),
            0,
        ),
        ("users/create", json!({"users": []}), 9720),
        (
            "users/create",
            json!({"users": [{"clientUserId": "a"}, {"clientUserId": "b"}, {"clientUserId": "c"}]}),
            9714,
        ),
        (
            "users/create",
            json!({"users": [{"clientUserId": "a"}, {"clientUserId": "a"}]}),
            9715,
        ),
        (
            "users/create",
            json!({"users": [{"clientUserId": "a", "email": "not-an-email"}]}),
            9717,
        ),
        ("users/create", json!({"users": [{"email": "a@b.c"}]}), 9602),
    ];
    for (path, body, number) in cases {
        let (status, v) = post_json(&sim, path, &t, &body).await;
        if number == 0 {
            assert_eq!(status, 200, "{path} {body}: {v}");
            continue;
        }
        assert_eq!(
            (status, v["errorNumber"].as_u64()),
            (400, Some(number)),
            "{path} {body}: {v}"
        );
        assert!(v.get("eventId").is_none());
    }
}

#[tokio::test]
async fn users_are_created_retired_and_created_again() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    let (_, v) = get(&sim, "users", Some(&t)).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 2);
    assert_eq!(v["users"][0]["status"], "Registered");
    assert!(v["users"][0]["inviteCode"].is_string());

    let ev = run_event(&sim, "users/create", json!({"users": [{"clientUserId": "u-3", "email": "c@example.com"}, {"clientUserId": "u-1"}]})).await;
    assert_eq!(ev["eventType"], "CREATE");
    assert_eq!(ev["eventStatus"], "FAILED", "u-1 exists: {ev}");
    assert_eq!(ev["failures"][0]["errorNumber"], 9716);
    assert_eq!(
        ev["failures"][0]["errorInfo"]["clientUserIds"],
        json!(["u-1"])
    );
    assert_eq!(ev["numCompleted"], 1);

    let ev = run_event(
        &sim,
        "users/update",
        json!({"users": [{"clientUserId": "u-3", "email": "new@example.com"}]}),
    )
    .await;
    assert_eq!(
        (ev["eventType"].as_str(), ev["eventStatus"].as_str()),
        (Some("UPDATE"), Some("COMPLETE"))
    );
    let (_, v) = get(&sim, "users?clientUserId=u-3", Some(&t)).await;
    assert_eq!(v["users"][0]["email"], "new@example.com");

    // Retiring a user frees the licenses it held.
    run_event(&sim, "assets/associate", assoc("409203825", &[], &["u-3"])).await;
    let ev = run_event(
        &sim,
        "users/retire",
        json!({"users": [{"clientUserId": "u-3"}]}),
    )
    .await;
    assert_eq!(
        (ev["eventType"].as_str(), ev["eventStatus"].as_str()),
        (Some("RETIRE"), Some("COMPLETE"))
    );
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    assert_eq!(counts(&v, "409203825").0, 0);
    let (_, v) = get(&sim, "users?clientUserId=u-3", Some(&t)).await;
    assert_eq!(v["users"][0]["status"], "Retired");

    run_event(
        &sim,
        "users/create",
        json!({"users": [{"clientUserId": "u-3"}]}),
    )
    .await;
    let (_, v) = get(&sim, "users?clientUserId=u-3", Some(&t)).await;
    let statuses: Vec<&str> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["Retired", "Registered"]);
    let (_, v) = get(&sim, "users?clientUserId=u-3&activeOnly=true", Some(&t)).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 1);
    let (_, v) = get(&sim, "users?retiredOnly=true", Some(&t)).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 1);
    let ev = run_event(
        &sim,
        "users/update",
        json!({"users": [{"clientUserId": "ghost"}]}),
    )
    .await;
    assert_eq!(ev["failures"][0]["errorNumber"], 9609);
}

#[tokio::test]
async fn since_version_id_answers_only_changes_and_unknown_versions_are_9721() {
    let mut s = scenario();
    s.locations[0].users.push(UserSpec {
        client_user_id: "u-9".into(),
        email: None,
        managed_apple_id: None,
    });
    let sim = start(s).await;
    let t = token(&sim);
    run_event(&sim, "assets/associate", assoc("409203825", &["S1"], &[])).await;
    let (_, full) = get(&sim, "assignments", Some(&t)).await;
    let v1 = full["versionId"].as_str().unwrap().to_string();
    let (_, users) = get(&sim, "users", Some(&t)).await;
    assert_eq!(
        users["versionId"],
        v1.as_str(),
        "one versionId per location state"
    );

    // Nothing changed: an empty incremental answer, totalPages 0, no nextPageIndex.
    let (status, inc) = get(&sim, &format!("assignments?sinceVersionId={v1}"), Some(&t)).await;
    assert_eq!(status, 200);
    assert_eq!(inc["assignments"], json!([]));
    assert_eq!(
        (inc["totalPages"].as_u64(), inc["size"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(inc.get("nextPageIndex").is_none());

    run_event(&sim, "assets/associate", assoc("409203825", &["S2"], &[])).await;
    run_event(
        &sim,
        "users/retire",
        json!({"users": [{"clientUserId": "u-9"}]}),
    )
    .await;
    let (_, inc) = get(&sim, &format!("assignments?sinceVersionId={v1}"), Some(&t)).await;
    assert_eq!(
        inc["assignments"],
        json!([{"adamId": "409203825", "pricingParam": "STDQ", "serialNumber": "S2"}])
    );
    assert_ne!(inc["versionId"], v1.as_str());
    let (_, inc) = get(&sim, &format!("users?sinceVersionId={v1}"), Some(&t)).await;
    assert_eq!(inc["users"].as_array().unwrap().len(), 1);
    assert_eq!(inc["users"][0]["status"], "Retired");

    for bad in ["v999", "nonsense", ""] {
        let (status, v) = get(&sim, &format!("assignments?sinceVersionId={bad}"), Some(&t)).await;
        assert_eq!(
            (status, v["errorNumber"].as_u64()),
            (400, Some(9721)),
            "{bad}"
        );
    }
    let (_, v) = get(&sim, "users?sinceVersionId=v999", Some(&t)).await;
    assert_eq!(v["errorNumber"], 9721);
}
