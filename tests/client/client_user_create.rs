//! `users/create` is never sent again blind: after a failure that Apple may have applied,
//! the client waits, reads the batch's users, sends only the missing ones and follows that
//! send's event to its end (wiremock and the simulator on 127.0.0.1).
#![cfg(feature = "client")]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use apple_vpp::api::{Associate, CreateUsers, Disassociate, RetireUsers, Revoke, UpdateUsers};
use apple_vpp::api::{Endpoint, Replay};
use apple_vpp::client::VppClient;
use apple_vpp::events::CreationPolicy;
use apple_vpp::shared::{InProcessLeases, LeaseKind, LeaseStore, LocationKey};
use apple_vpp::wire::{UserEntry, UsersRequest};
use apple_vpp_sim::{FaultKind, FaultSpec};
use common::fake_apple::{BASE_PATH, base, client_for, fast, server};
use common::licenses_sim::{requests_to, scenario, start};
use common::{fixture, token};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EVENT: &str = r#"{"eventId":"e-2","uId":"981060278089131045","tokenExpirationDate":"2030-11-08T22:33:22+0000"}"#;

/// Short waits for tests: Apple's are 30 s.
fn quick() -> CreationPolicy {
    CreationPolicy::default()
        .with_settle(Duration::from_millis(20))
        .with_poll_interval(Duration::from_millis(20))
}

async fn apple_with_users(existing: &[&str]) -> MockServer {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/service/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("service_config.json")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/client/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("client_config_v2.json")))
        .mount(&s)
        .await;
    // The first create: Apple applied it, then answered 500.
    Mock::given(method("POST"))
        .and(path(format!("{BASE_PATH}/users/create")))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"errorNumber": 9603, "errorMessage": "Internal error."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE_PATH}/users/create")))
        .respond_with(ResponseTemplate::new(200).set_body_string(EVENT))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/status")))
        .and(query_param("eventId", "e-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "eventStatus": "COMPLETE", "eventType": "CREATE",
            "numCompleted": 1, "numRequested": 1,
            "uId": "981060278089131045", "tokenExpirationDate": "2030-11-08T22:33:22+0000"
        })))
        .mount(&s)
        .await;
    for id in ["u-1", "u-2"] {
        let users: Vec<Value> = existing
            .iter()
            .filter(|e| **e == id)
            .map(|e| json!({"clientUserId": e, "status": "Registered", "inviteCode": "abc"}))
            .collect();
        Mock::given(method("GET"))
            .and(path(format!("{BASE_PATH}/users")))
            .and(query_param("clientUserId", id))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "users": users, "currentPageIndex": 0, "size": users.len(),
                "totalPages": 1, "versionId": "v1"
            })))
            .mount(&s)
            .await;
    }
    s
}

async fn creates(s: &MockServer) -> Vec<Value> {
    s.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/users/create"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn two_users() -> UsersRequest {
    UsersRequest::new([UserEntry::new("u-1"), UserEntry::new("u-2")])
}

#[tokio::test]
async fn a_create_met_by_a_5xx_is_read_back_and_only_the_missing_users_are_sent_again() {
    // Apple created u-1 before the 500; u-2 is missing.
    let s = apple_with_users(&["u-1"]).await;
    let done = client_for(&base(&s))
        .location(&token())
        .create_users_with(two_users(), &quick())
        .await
        .unwrap();
    let bodies = creates(&s).await;
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0]["users"].as_array().unwrap().len(), 2);
    assert_eq!(
        bodies[1]["users"],
        json!([{"clientUserId": "u-2"}]),
        "u-1 exists: not created twice"
    );
    assert!(done.sent.is_empty(), "{done:?}");
    let outcome = &done.settled[0];
    assert_eq!(
        outcome.created,
        ["u-1", "u-2"],
        "u-2 by the event followed to its end"
    );
    assert!(outcome.failed.is_empty(), "{outcome:?}");
    assert_eq!(outcome.events, ["e-2".into()]);
}

#[tokio::test]
async fn a_create_met_by_a_5xx_that_apple_applied_in_full_is_not_sent_again() {
    let s = apple_with_users(&["u-1", "u-2"]).await;
    let done = client_for(&base(&s))
        .location(&token())
        .create_users_with(two_users(), &quick())
        .await
        .unwrap();
    assert_eq!(creates(&s).await.len(), 1, "sent once");
    assert!(done.sent.is_empty(), "{done:?}");
    assert_eq!(done.settled[0].created, ["u-1", "u-2"]);
    assert!(done.settled[0].events.is_empty());
}

#[tokio::test]
async fn the_check_after_a_lost_answer_does_not_wait_for_a_replica_that_syncs() {
    let s = apple_with_users(&["u-1"]).await;
    let leases = Arc::new(InProcessLeases::new());
    // Another replica holds the location's Sync lease for the whole test.
    let theirs = leases
        .acquire(
            LeaseKind::Sync,
            &LocationKey::of_uid("981060278089131045"),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let ours = VppClient::builder()
        .base_url(base(&s))
        .retry_policy(fast())
        .leases(leases.clone())
        .build()
        .unwrap();
    let done = ours
        .location(&token())
        .create_users_with(two_users(), &quick())
        .await;
    let done = done.expect("the read of single users takes no lease");
    assert_eq!(done.settled[0].created, ["u-1", "u-2"]);
    assert_eq!(creates(&s).await.len(), 2);
    leases.release(&theirs).await.unwrap();
}

#[tokio::test]
async fn a_create_apple_applies_later_than_its_lost_answer_ends_with_every_user_created_once() {
    // Apple takes 1.5 s to apply a create; the first answer breaks off mid-body after
    // Apple accepted it. The client reads 20 ms later (nothing yet), sends again, and
    // the second event fails with 9716 for both users: the first one created them.
    let (sim, client, token) = start(apple_vpp_sim::Scenario {
        event_delay_ms: 1_500,
        ..scenario()
    })
    .await;
    sim.inject_fault(FaultSpec::new("users/create", 1, FaultKind::ResetMidBody));
    let request = UsersRequest::new([UserEntry::new("late-1"), UserEntry::new("late-2")]);
    let done = client
        .location(&token)
        .create_users_with(request, &quick())
        .await
        .unwrap();
    assert!(done.sent.is_empty(), "{done:?}");
    let outcome = &done.settled[0];
    assert_eq!(outcome.created, ["late-1", "late-2"], "{outcome:?}");
    assert!(
        outcome.failed.is_empty(),
        "9716 is not a failure: {outcome:?}"
    );
    // Sent again (the read came before Apple applied the first), the second event being
    // the one followed; on a machine slow enough for the read to see them, sent once.
    let creates = requests_to(&sim, "POST", "users/create").len();
    assert!(creates == 2 || creates == 1, "{creates}");
    assert_eq!(outcome.events.len(), creates - 1, "{outcome:?}");
    // Apple (and the simulator) keep one active record per clientUserId.
    let mut records = Vec::new();
    client
        .location(&token)
        .sync_users(None, |page| {
            records.extend(page.records);
            Ok::<_, std::convert::Infallible>(())
        })
        .await
        .unwrap();
    for id in ["late-1", "late-2"] {
        let active = records
            .iter()
            .filter(|u| u.client_user_id == id && u.is_active())
            .count();
        assert_eq!(active, 1, "{id}: {records:?}");
    }
}

#[tokio::test]
async fn a_create_refused_as_invalid_is_not_settled_but_returned() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/service/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("service_config.json")))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE_PATH}/users/create")))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"errorNumber": 9717, "errorMessage": "This request contains an invalid email address."}),
        ))
        .mount(&s)
        .await;
    let error = client_for(&base(&s))
        .location(&token())
        .create_users_with(two_users(), &quick())
        .await
        .unwrap_err();
    assert_eq!(
        error.apple().map(|a| a.number.code()),
        Some(9717),
        "{error:?}"
    );
    assert_eq!(
        creates(&s).await.len(),
        1,
        "an invalid request is not sent again"
    );
}

#[test]
fn every_write_has_the_replay_class_of_what_a_replay_does_at_apple() {
    assert_eq!(
        CreateUsers::REPLAY,
        Replay::Never,
        "a replayed create's event fails with 9716 for users the first send created"
    );
    for replay in [
        Associate::REPLAY,
        Disassociate::REPLAY,
        Revoke::REPLAY,
        UpdateUsers::REPLAY,
        RetireUsers::REPLAY,
    ] {
        assert_eq!(replay, Replay::IfRefused);
    }
}
