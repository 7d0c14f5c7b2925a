//! `users/create` is never sent again blind: after a failure that Apple may have applied,
//! the client reads the batch's users and sends only the missing ones (wiremock on
//! 127.0.0.1).
#![cfg(feature = "client")]

use crate::common;

use apple_vpp::api::{Associate, CreateUsers, Disassociate, RetireUsers, Revoke, UpdateUsers};
use apple_vpp::api::{Endpoint, Replay};
use apple_vpp::wire::{UserEntry, UsersRequest};
use common::fake_apple::{BASE_PATH, base, client_for, server};
use common::{fixture, token};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EVENT: &str = r#"{"eventId":"e-2","uId":"981060278089131045","tokenExpirationDate":"2030-11-08T22:33:22+0000"}"#;

async fn apple_with_users(existing: &[&str]) -> MockServer {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/service/config")))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("service_config.json")))
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
    let sent = client_for(&base(&s))
        .create_users(&token(), two_users())
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
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].request.users.len(), 1);
    assert_eq!(sent[0].request.users[0].client_user_id, "u-2");
}

#[tokio::test]
async fn a_create_met_by_a_5xx_that_apple_applied_in_full_is_not_sent_again() {
    let s = apple_with_users(&["u-1", "u-2"]).await;
    let sent = client_for(&base(&s))
        .create_users(&token(), two_users())
        .await
        .unwrap();
    assert_eq!(creates(&s).await.len(), 1, "sent once");
    assert!(sent.is_empty(), "{sent:?}");
}

#[test]
fn every_write_has_the_replay_class_of_what_a_replay_does_at_apple() {
    assert_eq!(
        CreateUsers::REPLAY,
        Replay::Never,
        "a replayed create duplicates users"
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
