//! The license and user methods of the `client` feature against the simulator, started
//! in-process on 127.0.0.1: listings page by page, full and incremental syncs, the 9721
//! fallback, batched writes counted on the server, partial failures, 429 with
//! `Retry-After`, and the rate and concurrency as the server counted them.
#![cfg(feature = "client")]

use crate::common;

use std::convert::Infallible;
use std::time::{Duration, Instant};

use apple_vpp::client::{VppClient, WriteError};
use apple_vpp::wire::{ErrorNumber, UserEntry, UserStatus, UsersRequest};
use apple_vpp::wire::{EventState, LicensesRequest, RevokeRequest};
use apple_vpp::{BatchError, EventId, VppToken};
use apple_vpp_sim::{AssetSpec, Scenario};
use common::licenses_sim::*;

#[test]
fn the_sync_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = VppClient::builder().build().unwrap();
    let token: VppToken = VppToken::builder("o", "2031-01-01T00:00:00+00:00".parse().unwrap())
        .build()
        .unwrap();
    assert_send(
        &client
            .location(&token)
            .sync_assignments(None, |_| Ok::<_, Infallible>(())),
    );
    assert_send(
        &client
            .location(&token)
            .associate(LicensesRequest::default()),
    );
    assert_send(&client.location(&token).wait_for_events(&[], POLL, WAIT));
}

#[tokio::test]
async fn assets_are_listed_page_by_page_each_page_asked_once() {
    let (sim, client, token) = start(Scenario {
        page_size: 1,
        ..scenario()
    })
    .await;
    let mut pages = Vec::new();
    let outcome = client
        .location(&token)
        .list_assets(|page| {
            pages.push((page.index, page.records));
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
    assert_eq!(
        (outcome.pages, outcome.full, outcome.fell_back),
        (3, true, false)
    );
    assert_eq!(pages[0].0, 0, "page 0 comes first");
    let mut assets: Vec<_> = pages.into_iter().flat_map(|(_, records)| records).collect();
    assets.sort_by(|a, b| a.adam_id.cmp(&b.adam_id));
    let summary: Vec<_> = assets
        .iter()
        .map(|a| {
            (
                a.adam_id.as_str(),
                a.total,
                a.available,
                a.device_assignable,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("1234567890", 3, 3, false),
            ("361309726", 5, 5, true),
            ("409203825", 10, 10, true)
        ]
    );
    let mut asked: Vec<u32> = requests_to(&sim, "GET", "assets")
        .iter()
        .map(page_index)
        .collect();
    asked.sort();
    assert_eq!(asked, [0, 1, 2], "each page once, none past the end");
}

#[tokio::test]
async fn batches_full_and_incremental_syncs_and_an_empty_incremental_answer() {
    let mut s = Scenario {
        page_size: 500,
        ..scenario()
    };
    s.locations[0]
        .assets
        .push(AssetSpec::app("555000111", 3000));
    let (sim, client, token) = start(s).await;

    // 2,500 serials (one duplicated) with maxSerialNumbers 1000: three requests.
    let mut wanted = serials("C02A", 2500);
    wanted.push(wanted[7].clone());
    let sent = client
        .location(&token)
        .associate(licenses("555000111", wanted.clone()))
        .await
        .unwrap();
    let sizes: Vec<usize> = sent
        .iter()
        .map(|b| b.request.serial_numbers.len())
        .collect();
    assert_eq!(
        sizes,
        [1000, 1000, 500],
        "in the order given, duplicate removed"
    );
    assert_eq!(sent[0].request.serial_numbers[0], "C02A00000");
    assert_eq!(sent[2].request.serial_numbers[499], "C02A02499");
    assert_eq!(requests_to(&sim, "POST", "assets/associate").len(), 3);
    let statuses = client
        .location(&token)
        .wait_for_events(&ids(&sent), POLL, WAIT)
        .await
        .unwrap();
    assert_eq!(statuses.len(), 3);
    for status in &statuses {
        assert_eq!(status.state, EventState::Complete);
    }
    assert_eq!(
        statuses.iter().map(|s| s.requested).collect::<Vec<_>>(),
        [1000, 1000, 500]
    );

    // Full sync: 5 pages of 500.
    let (records, pages, full) = all_assignments(&client, &token, None).await.unwrap();
    assert_eq!(records.len(), 2500);
    assert_eq!((full.pages, full.full, full.fell_back), (5, true, false));
    assert_eq!(pages[0], (0, true, false));
    let version = full.version_id.clone().expect("a versionId");

    // Two more; the incremental sync lists only them.
    let more = client
        .location(&token)
        .associate(licenses("409203825", serials("C02B", 2)))
        .await
        .unwrap();
    client
        .location(&token)
        .wait_for_events(&ids(&more), POLL, WAIT)
        .await
        .unwrap();
    let (records, pages, incremental) = all_assignments(&client, &token, Some(&version))
        .await
        .unwrap();
    let mut got: Vec<_> = records
        .iter()
        .map(|a| a.target.serial_number().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, ["C02B00000", "C02B00001"]);
    assert_eq!((incremental.full, incremental.fell_back), (false, false));
    assert_eq!(pages, [(0, false, false)]);
    let since: Vec<_> = requests_to(&sim, "GET", "assignments")
        .iter()
        .filter_map(|r| query_value(r, "sinceVersionId"))
        .collect();
    assert_eq!(since, std::slice::from_ref(&version));
    let latest = incremental.version_id.unwrap();
    assert_ne!(latest, version);

    // Nothing changed since: an empty answer, not an error.
    let (records, _, nothing) = all_assignments(&client, &token, Some(&latest))
        .await
        .unwrap();
    assert!(records.is_empty());
    assert_eq!((nothing.full, nothing.pages), (false, 1));
    assert_eq!(nothing.version_id.as_deref(), Some(latest.as_str()));

    // Revoke 250 devices, maxRevokeSerialNumbers 100: three requests.
    let revoked = client
        .location(&token)
        .revoke(RevokeRequest::new(
            serials("C02A", 250),
            Vec::<String>::new(),
        ))
        .await
        .unwrap();
    let sizes: Vec<usize> = revoked
        .iter()
        .map(|b| b.request.serial_numbers.len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(requests_to(&sim, "POST", "assets/revoke").len(), 3);
}

#[tokio::test]
async fn an_unknown_version_falls_back_to_a_full_sync_and_says_so() {
    let (sim, client, token) = start(Scenario {
        page_size: 1,
        ..scenario()
    })
    .await;
    let (users, outcome) = all_users(&client, &token, Some("v-unknown")).await.unwrap();
    assert_eq!((outcome.full, outcome.fell_back), (true, true));
    assert_eq!(outcome.pages, 2);
    let mut ids: Vec<_> = users.iter().map(|u| u.client_user_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["u-1", "u-2"]);
    let asked = requests_to(&sim, "GET", "users");
    let with_since: Vec<_> = asked
        .iter()
        .filter(|r| query_value(r, "sinceVersionId").is_some())
        .collect();
    assert_eq!(with_since.len(), 1, "{asked:?}");
    assert_eq!(with_since[0].status, 400);
    assert_eq!(asked.len(), 3, "the refused page, then two full pages");

    // The pages after the fallback say so.
    let mut seen = Vec::new();
    client
        .location(&token)
        .sync_users(Some("v-unknown"), |page| {
            seen.push((page.index, page.full, page.fell_back));
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
    seen.sort();
    assert_eq!(seen, [(0, true, true), (1, true, true)]);
}

#[tokio::test]
async fn a_sync_during_which_the_data_changes_is_read_again_and_keeps_the_settled_passs_version() {
    let (_sim, client, token) = start(Scenario {
        page_size: 1,
        response_delay_ms: 100,
        ..with_users(scenario(), 20)
    })
    .await;
    let before = all_users(&client, &token, None).await.unwrap().1;
    let (sync, write) = tokio::join!(all_users(&client, &token, None), async {
        tokio::time::sleep(Duration::from_millis(120)).await;
        let request = UsersRequest::new([UserEntry::new("late-user")]);
        let sent = client
            .location(&token)
            .create_users(request)
            .await
            .unwrap()
            .sent;
        client
            .location(&token)
            .wait_for_events(&ids(&sent), POLL, WAIT)
            .await
            .unwrap()
    });
    assert_eq!(write[0].state, EventState::Complete);
    let (users, outcome) = sync.unwrap();
    // The pages after the change carried another versionId: the list was read again,
    // and the second pass, read after the change, settled.
    assert!(outcome.complete, "{outcome:?}");
    assert!(outcome.passes >= 2, "{outcome:?}");
    assert_ne!(
        outcome.version_id, before.version_id,
        "the settled pass's page 0 version, read after the change"
    );
    assert!(users.iter().any(|u| u.client_user_id == "late-user"));
    // Nothing changed since that version.
    let (changed, next) = all_users(&client, &token, outcome.version_id.as_deref())
        .await
        .unwrap();
    assert!(!next.full);
    assert!(changed.is_empty(), "{changed:?}");
}

#[tokio::test]
async fn not_enough_licenses_fails_part_of_the_event_with_9709_per_device() {
    let (_sim, client, token) = start(scenario()).await;
    // 361309726 has 5 licenses.
    let sent = client
        .location(&token)
        .associate(licenses("361309726", serials("C02F", 7)))
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    let status = client
        .location(&token)
        .wait_for_events(&ids(&sent), POLL, WAIT)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(status.state, EventState::Failed);
    assert_eq!((status.completed, status.requested), (5, 7));
    assert!(status.is_partial_failure());
    let group = status
        .failure(ErrorNumber::NotEnoughLicenses)
        .expect("9709");
    assert_eq!(group.serial_numbers.len(), 2);
    assert_eq!(group.assets[0].adam_id.as_str(), "361309726");
}

#[tokio::test]
async fn users_are_created_updated_and_retired_in_batches() {
    let mut s = scenario();
    s.max_users = 2;
    let (sim, client, token) = start(s).await;
    let entries =
        (0..5).map(|i| UserEntry::new(format!("new-{i}")).with_email(format!("n{i}@example.com")));
    let created = client
        .location(&token)
        .create_users(UsersRequest::new(entries))
        .await
        .unwrap()
        .sent;
    assert_eq!(created.len(), 3, "maxUsers 2: 2 + 2 + 1");
    assert_eq!(requests_to(&sim, "POST", "users/create").len(), 3);
    let done = client
        .location(&token)
        .wait_for_events(&ids(&created), POLL, WAIT)
        .await
        .unwrap();
    assert!(
        done.iter().all(|s| s.state == EventState::Complete),
        "{done:?}"
    );

    let updated = client
        .location(&token)
        .update_users(UsersRequest::new([
            UserEntry::new("new-0").with_email("zero@example.com")
        ]))
        .await
        .unwrap();
    let retired = client
        .location(&token)
        .retire_users(UsersRequest::new([UserEntry::new("new-1")]))
        .await
        .unwrap();
    let both = [ids(&updated), ids(&retired)].concat();
    let done = client
        .location(&token)
        .wait_for_events(&both, POLL, WAIT)
        .await
        .unwrap();
    assert!(
        done.iter().all(|s| s.state == EventState::Complete),
        "{done:?}"
    );

    let (users, _) = all_users(&client, &token, None).await.unwrap();
    let find = |id: &str| users.iter().find(|u| u.client_user_id == id).unwrap();
    assert_eq!(find("new-0").email.as_deref(), Some("zero@example.com"));
    assert_eq!(find("new-1").status, Some(UserStatus::Retired));
    assert_eq!(find("new-4").status, Some(UserStatus::Registered));
    assert!(find("new-4").invite_code.is_some());
}

#[tokio::test]
async fn an_empty_request_is_refused_before_anything_is_sent() {
    let (sim, client, token) = start(scenario()).await;
    let error = client
        .location(&token)
        .associate(licenses("409203825", Vec::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, WriteError::Batch(BatchError::NoTargets)),
        "{error:?}"
    );
    let error = client
        .location(&token)
        .revoke(RevokeRequest::new(["  "], Vec::<String>::new()))
        .await
        .unwrap_err();
    assert!(matches!(error, WriteError::Batch(BatchError::Blank { .. })));
    assert!(
        sim.requests().iter().all(|r| r.method == "GET"),
        "nothing was POSTed"
    );
}

#[tokio::test]
async fn waiting_stops_at_the_deadline_with_the_event_still_pending() {
    let (_sim, client, token) = start(Scenario {
        event_delay_ms: 5_000,
        ..scenario()
    })
    .await;
    let sent = client
        .location(&token)
        .associate(licenses("409203825", serials("C02P", 1)))
        .await
        .unwrap();
    let start = Instant::now();
    let statuses = client
        .location(&token)
        .wait_for_events(
            &ids(&sent),
            Duration::from_millis(100),
            Duration::from_millis(350),
        )
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert!(statuses[0].is_pending(), "{statuses:?}");
    assert!(elapsed >= Duration::from_millis(350), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");

    let unknown = client
        .location(&token)
        .event_status(&EventId::new("no-such-event"))
        .await
        .unwrap_err();
    assert_eq!(unknown.apple().map(|a| a.number.code()), Some(9708));
}

#[tokio::test]
async fn a_rejected_token_stops_the_listing_with_apples_error() {
    let (sim, client, _) = start(scenario()).await;
    let unknown: VppToken =
        VppToken::builder("Nobody", "2031-01-01T00:00:00+00:00".parse().unwrap())
            .build()
            .unwrap();
    let error = client
        .location(&unknown)
        .list_assets(|_| Ok::<_, Infallible>(()))
        .await
        .unwrap_err();
    assert_eq!(error.apple().map(|a| a.number.code()), Some(9622));
    assert_eq!(error.kind(), apple_vpp::wire::ErrorKind::TokenInvalid);
    assert_eq!(requests_to(&sim, "GET", "assets").len(), 1, "not retried");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(unknown.expose_credential()));
}

#[tokio::test]
async fn a_failing_page_handler_stops_the_sync() {
    let (sim, client, token) = start(Scenario {
        page_size: 1,
        ..with_users(scenario(), 10)
    })
    .await;
    let error = client
        .location(&token)
        .sync_users(None, |page| {
            if page.index == 0 {
                Ok(())
            } else {
                Err(std::io::Error::other("disk full"))
            }
        })
        .await
        .unwrap_err();
    let apple_vpp::client::SyncError::Handler { index, error } = &error else {
        panic!("{error:?}")
    };
    assert_ne!(*index, 0);
    assert_eq!(error.to_string(), "disk full");
    assert!(requests_to(&sim, "GET", "users").len() <= 6);
}

/// A location of 20 one-asset pages, for the stream tests.
async fn twenty_pages() -> (apple_vpp_sim::RunningSimulator, VppClient, VppToken) {
    let mut s = Scenario {
        page_size: 1,
        ..scenario()
    };
    s.locations[0].assets = (0..20)
        .map(|i| AssetSpec::app(&format!("{}", 700_000_000 + i), 1))
        .collect();
    start(s).await
}

fn asked_pages(sim: &apple_vpp_sim::RunningSimulator) -> Vec<u32> {
    let mut asked: Vec<u32> = requests_to(sim, "GET", "assets")
        .iter()
        .map(page_index)
        .collect();
    asked.sort();
    asked
}

#[tokio::test]
async fn the_page_stream_yields_every_page_once_then_the_outcome() {
    use futures_util::StreamExt;
    let (sim, client, token) = twenty_pages().await;
    let location = client.location(&token);
    let mut pages = location.pages(apple_vpp::api::GetAssets::new());
    assert_eq!(pages.outcome(), None, "no outcome before the end");
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        let page: apple_vpp::client::SyncPage<apple_vpp::Asset> = page.unwrap();
        assert_eq!(page.records.len(), 1);
        seen.push(page.index);
    }
    assert_eq!(seen[0], 0, "page 0 comes first");
    seen.sort();
    assert_eq!(seen, (0..20).collect::<Vec<_>>());
    let outcome = pages.outcome().expect("the stream ended without error");
    assert_eq!((outcome.pages, outcome.full), (20, true));
    assert_eq!(asked_pages(&sim), (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn dropping_the_page_stream_asks_for_no_page_beyond_those_in_flight() {
    use futures_util::StreamExt;
    let (sim, client, token) = twenty_pages().await;

    // Dropped after page 0: nothing else was in flight, so nothing else is asked for.
    let location = client.location(&token);
    let mut pages = location.pages::<_, apple_vpp::Asset>(apple_vpp::api::GetAssets::new());
    assert_eq!(pages.next().await.unwrap().unwrap().index, 0);
    drop(pages);
    assert_eq!(asked_pages(&sim), [0]);

    // Dropped after a second page: at most the five pages then in flight were asked for.
    let mut pages = location.pages::<_, apple_vpp::Asset>(apple_vpp::api::GetAssets::new());
    pages.next().await.unwrap().unwrap();
    let second = pages.next().await.unwrap().unwrap();
    assert!((1..=5).contains(&second.index), "{}", second.index);
    drop(pages);
    // A request already on its way may still land: give it the time to.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = asked_pages(&sim);
    assert!(
        asked.iter().all(|&index| index <= 5),
        "no page past those in flight: {asked:?}"
    );
    assert!(asked.len() <= 1 + 1 + 5, "{asked:?}");
}
