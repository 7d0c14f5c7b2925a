//! The client's page driver against single-purpose mock servers (wiremock on 127.0.0.1)
//! for Apple's paging quirks the simulator does not produce on demand: `totalPages` that
//! grows or shrinks during a traversal, `versionId` that changes between pages, 9650 for a
//! page that should exist. Every server answers 500 naming any request it did not expect.
#![cfg(feature = "client")]

use crate::common;

use std::convert::Infallible;
use std::time::Duration;

use apple_vpp::api::RetryPolicy;
use apple_vpp::client::{SyncError, SyncPage, VppClient};
use apple_vpp::{PagingError, VppToken, VppUser};
use common::fake_apple::mount_catch_all;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn token() -> VppToken {
    VppToken::builder("Example Org", "2031-01-01T00:00:00+00:00".parse().unwrap())
        .build()
        .unwrap()
}

async fn server() -> (MockServer, VppClient) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/mdm/v2/service/config"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"limits": {"maxRequestPerSecond": 100}})),
        )
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = VppClient::builder()
        .base_url(format!("{}/mdm/v2", server.uri()))
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    (server, client)
}

fn users_page(index: u32, next: Option<u32>, total: u32, version: &str) -> Value {
    let mut page = json!({
        "users": [{"clientUserId": format!("user-{index}"), "status": "Registered"}],
        "currentPageIndex": index,
        "size": 1,
        "totalPages": total,
        "versionId": version,
    });
    if let Some(next) = next {
        page["nextPageIndex"] = next.into();
    }
    page
}

/// Answers page `index` once with `body` (after `delay_ms`); a second request for it
/// fails the test when the server is dropped.
async fn page(server: &MockServer, index: u32, status: u16, body: Value, delay_ms: u64) {
    Mock::given(method("GET"))
        .and(path("/mdm/v2/users"))
        .and(query_param("pageIndex", index.to_string()))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_json(body)
                .set_delay(Duration::from_millis(delay_ms)),
        )
        .expect(1)
        .mount(server)
        .await;
}

async fn sync(client: &VppClient) -> Result<(Vec<String>, apple_vpp::SyncOutcome), SyncError> {
    let mut ids = Vec::new();
    let outcome = client
        .location(&token())
        .sync_users(None, |page: SyncPage<VppUser>| {
            ids.extend(page.records.into_iter().map(|u| u.client_user_id));
            Ok::<_, Infallible>(())
        })
        .await?;
    ids.sort();
    Ok((ids, outcome))
}

fn asked(requests: &[wiremock::Request]) -> Vec<u32> {
    let mut pages: Vec<u32> = requests
        .iter()
        .filter(|r| r.url.path() == "/mdm/v2/users")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "pageIndex")
                .unwrap()
                .1
                .parse()
                .unwrap()
        })
        .collect();
    pages.sort();
    pages
}

#[tokio::test]
async fn total_pages_that_grows_is_followed() {
    let (server, client) = server().await;
    page(&server, 0, 200, users_page(0, Some(1), 2, "v1"), 0).await;
    page(&server, 1, 200, users_page(1, Some(2), 3, "v1"), 0).await;
    page(&server, 2, 200, users_page(2, None, 3, "v1"), 0).await;
    let (ids, outcome) = sync(&client).await.unwrap();
    assert_eq!(ids, ["user-0", "user-1", "user-2"]);
    assert_eq!(outcome.pages, 3);
    assert_eq!(asked(&server.received_requests().await.unwrap()), [0, 1, 2]);
}

#[tokio::test]
async fn total_pages_that_shrinks_ends_the_traversal_without_error() {
    let (server, client) = server().await;
    page(&server, 0, 200, users_page(0, Some(1), 4, "v1"), 0).await;
    // Page 1 says it is the last; pages 2 and 3, already in flight, are past the end.
    page(&server, 1, 200, users_page(1, None, 2, "v1"), 0).await;
    let gone = json!({"errorNumber": 9650, "errorMessage": "Invalid pageIndex"});
    page(&server, 2, 400, gone.clone(), 150).await;
    page(&server, 3, 400, gone, 150).await;
    let (ids, outcome) = sync(&client).await.unwrap();
    assert_eq!(ids, ["user-0", "user-1"]);
    assert_eq!(outcome.pages, 2);
    assert_eq!(
        asked(&server.received_requests().await.unwrap()),
        [0, 1, 2, 3],
        "each page once: 9650 past the end is not retried"
    );
}

/// Answers page `index` with `body` every time, expecting `times` requests.
async fn page_each_time(server: &MockServer, index: u32, body: Value, times: u64) {
    Mock::given(method("GET"))
        .and(path("/mdm/v2/users"))
        .and(query_param("pageIndex", index.to_string()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_version_that_never_settles_is_read_three_times_then_reported_incomplete() {
    let (server, client) = server().await;
    page_each_time(&server, 0, users_page(0, Some(1), 3, "v7"), 3).await;
    page_each_time(&server, 1, users_page(1, Some(2), 3, "v8"), 3).await;
    page_each_time(&server, 2, users_page(2, None, 3, "v9"), 3).await;
    let mut passes = Vec::new();
    let outcome = client
        .location(&token())
        .sync_users(None, |page: SyncPage<VppUser>| {
            passes.push((page.pass, page.index, page.abandons_previous_pass()));
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
    assert!(!outcome.complete, "{outcome:?}");
    assert_eq!(outcome.passes, 3);
    assert_eq!(
        outcome.version_id.as_deref(),
        Some("v7"),
        "the first pass's page 0"
    );
    passes.sort();
    assert_eq!(passes.len(), 9);
    assert_eq!(passes[0], (1, 0, false));
    assert_eq!(passes[3], (2, 0, true), "pass 2 abandons pass 1");
    assert_eq!(passes[6], (3, 0, true));
}

#[tokio::test]
async fn a_version_that_settles_on_the_second_pass_is_complete_with_that_passs_cursor() {
    let (server, client) = server().await;
    // Pass 1: page 1 shows a change; pass 2: every page carries v8.
    for (index, next) in [(0, Some(1)), (1, Some(2)), (2, None)] {
        let first = if index == 0 { "v7" } else { "v8" };
        Mock::given(method("GET"))
            .and(path("/mdm/v2/users"))
            .and(query_param("pageIndex", index.to_string()))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(users_page(index, next, 3, first)),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        page_each_time(&server, index, users_page(index, next, 3, "v8"), 1).await;
    }
    let (ids, outcome) = sync(&client).await.unwrap();
    assert!(outcome.complete, "{outcome:?}");
    assert_eq!(outcome.passes, 2);
    assert_eq!(outcome.version_id.as_deref(), Some("v8"));
    assert_eq!(ids.len(), 6, "both passes were handed over");
}

#[tokio::test]
async fn an_answer_for_another_page_is_refused() {
    let (server, client) = server().await;
    page(&server, 0, 200, users_page(0, Some(1), 2, "v1"), 0).await;
    // Page 0 once more, answered for page 1.
    page(&server, 1, 200, users_page(0, Some(1), 2, "v1"), 0).await;
    let error = sync(&client).await.unwrap_err();
    let SyncError::Paging(PagingError::WrongPage { asked, answered }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*asked, *answered), (1, 0));
}

#[tokio::test]
async fn a_9650_for_a_page_that_should_exist_is_an_error_not_a_loop() {
    let (server, client) = server().await;
    page(&server, 0, 200, users_page(0, Some(1), 2, "v1"), 0).await;
    let bad = json!({"errorNumber": 9650, "errorMessage": "Invalid pageIndex"});
    page(&server, 1, 400, bad, 0).await;
    let error = sync(&client).await.unwrap_err();
    let SyncError::Paging(PagingError::BadPageIndex { index, .. }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*index, 1);
    assert_eq!(error.apple().map(|a| a.number.code()), Some(9650));
    assert_eq!(asked(&server.received_requests().await.unwrap()), [0, 1]);
    assert!(error.to_string().contains("page 1"), "{error}");
}

#[tokio::test]
async fn a_record_without_its_id_stops_the_sync_naming_the_field() {
    let (server, client) = server().await;
    let mut body = users_page(0, None, 1, "v1");
    body["users"] = json!([{"email": "x@example.com"}]);
    page(&server, 0, 200, body, 0).await;
    let error = sync(&client).await.unwrap_err();
    assert!(matches!(error, SyncError::Record(_)), "{error:?}");
    assert!(error.to_string().contains("clientUserId"), "{error}");
}

#[tokio::test]
async fn a_page_that_keeps_failing_is_retried_then_reported_with_its_index() {
    let (server, client) = server().await;
    page(&server, 0, 200, users_page(0, Some(1), 2, "v1"), 0).await;
    Mock::given(method("GET"))
        .and(path("/mdm/v2/users"))
        .and(query_param("pageIndex", "1"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"errorNumber": 9729, "errorMessage": "unavailable"})),
        )
        .expect(4)
        .mount(&server)
        .await;
    let error = sync(&client).await.unwrap_err();
    let SyncError::Paging(PagingError::Response { index, .. }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*index, 1);
    assert_eq!(error.kind(), apple_vpp::wire::ErrorKind::Retryable);
}
