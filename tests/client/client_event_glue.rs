//! The glue an MDM no longer writes: a sent batch goes into the event tracker as it is,
//! a sync error goes into `anyhow` with `?`, and a wait longer than the clock can hold
//! means "no deadline" (in the client and the `licenses` example).
#![cfg(feature = "client")]

use crate::common;

#[path = "../../examples/licenses/cli.rs"]
mod cli;
#[path = "../../examples/licenses/output.rs"]
mod output;

use std::time::Duration;

use apple_vpp::api::RetryPolicy;
use apple_vpp::chrono::Utc;
use apple_vpp::client::{SyncError, SyncPage, VppClient};
use apple_vpp::events::{EventTracker, Next, SentEvent, Subject, TrackerPolicy};
use apple_vpp::wire::{AssetRef, EventType, LicensesRequest, PricingParam};
use apple_vpp::{VppToken, VppUser};
use apple_vpp_sim::{RunningSimulator, Scenario, SimOptions, Simulator};

const UID: &str = "981060278089131045";
const APP: &str = "409203825";

async fn sim() -> RunningSimulator {
    let scenario = Scenario {
        event_delay_ms: 20,
        ..Scenario::default()
    };
    Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap()
}

fn client(sim: &RunningSimulator) -> VppClient {
    let fast = RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5));
    VppClient::builder()
        .base_url(sim.base_url())
        .retry_policy(fast)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn token(sim: &RunningSimulator) -> VppToken {
    sim.token(UID).unwrap().parse().unwrap()
}

fn request(serials: &[&str]) -> LicensesRequest {
    LicensesRequest::new(
        [AssetRef::new(APP, PricingParam::Stdq)],
        serials.iter().copied(),
        Vec::<String>::new(),
    )
}

fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}

/// What an MDM writes: its own storage error type is `anyhow::Error`.
async fn store_users(client: &VppClient, token: &VppToken) -> anyhow::Result<()> {
    client
        .location(token)
        .sync_users(None, |_page: SyncPage<VppUser>| {
            Err(anyhow::anyhow!("the users table is locked"))
        })
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_sync_error_with_an_anyhow_handler_error_goes_into_anyhow_with_question_mark() {
    let sim = sim().await;
    let (c, token) = (client(&sim), token(&sim));
    let error = store_users(&c, &token).await.unwrap_err();
    let text = format!("{error:#}");
    assert!(text.contains("the users table is locked"), "{text}");
    assert!(text.contains("storing page 0"), "{text}");
    // And the handler's error can be taken back.
    let sync = error.downcast::<SyncError<anyhow::Error>>().unwrap();
    is_error(&sync);
    let handler = sync.into_handler_error().unwrap();
    assert_eq!(handler.to_string(), "the users table is locked");
}

#[tokio::test]
async fn a_sent_batch_is_tracked_as_it_is() {
    let sim = sim().await;
    let (c, token) = (client(&sim), token(&sim));
    let sent = c
        .location(&token)
        .associate(request(&["C02GLUE0001", "C02GLUE0002"]))
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].event_type, EventType::Associate);
    let mut policy = TrackerPolicy::default();
    policy.notification_grace = Duration::from_millis(50);
    policy.poll_interval = Duration::from_millis(20);
    let mut tracker = EventTracker::new(policy);
    tracker.track_at(&sent[0], Utc::now()).unwrap();
    // What the tracker keeps is what was sent: the request key rebuilds the request.
    let event: SentEvent = (&sent[0]).into();
    assert_eq!(event.event_id, sent[0].event_id);
    assert_eq!(
        event.concerns.serial_numbers,
        ["C02GLUE0001", "C02GLUE0002"]
    );
    assert_eq!(event.concerns.assets[0].adam_id.as_str(), APP);
    let rebuilt: LicensesRequest = serde_json::from_str(&event.request_key).unwrap();
    assert_eq!(rebuilt, sent[0].request);

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let outcome = loop {
        assert!(std::time::Instant::now() < deadline, "never completed");
        let round = c
            .location(&token)
            .poll_due_at(&mut tracker, Utc::now())
            .await;
        if let Some(o) = round.completed().next() {
            break o.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        outcome.succeeded,
        [
            Subject::Serial("C02GLUE0001".into()),
            Subject::Serial("C02GLUE0002".into())
        ]
    );
    assert!(matches!(
        tracker.next_at(&sent[0].event_id, Utc::now()),
        Some(Next::Done(_))
    ));
    // An owned batch converts too.
    let mut other = EventTracker::default();
    other.track_at(sent[0].clone(), Utc::now()).unwrap();
}

#[tokio::test]
async fn waiting_for_events_for_the_longest_duration_has_no_deadline() {
    let sim = sim().await;
    let (c, token) = (client(&sim), token(&sim));
    let sent = c
        .location(&token)
        .associate(request(&["C02WAIT0001"]))
        .await
        .unwrap();
    let statuses = c
        .location(&token)
        .wait_for_events(
            &[sent[0].event_id.clone()],
            Duration::from_millis(10),
            Duration::MAX,
        )
        .await
        .unwrap();
    assert!(statuses[0].is_finished());
}

#[tokio::test]
async fn the_licenses_example_takes_the_largest_wait_secs() {
    let sim = sim().await;
    let file = format!(
        "{}/glue-{}.vpptoken",
        env!("CARGO_TARGET_TMPDIR"),
        sim.addr().port()
    );
    std::fs::write(&file, format!("{}\n", sim.token(UID).unwrap())).unwrap();
    let base = sim.base_url();
    let args: Vec<String> = [
        "--base-url",
        base.as_str(),
        "--token",
        file.as_str(),
        "--json",
        "assign",
        "--adam-id",
        APP,
        "--serials",
        "C02WAIT0002",
        "--poll-secs",
        "0",
        "--wait-secs",
        "18446744073709551615",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::run(args, &mut out, &mut err).await;
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, 0, "{out} {err}");
    assert!(out.contains("\"events\""), "{out}");
}

#[tokio::test]
async fn uploading_a_managed_token_again_keeps_the_accounts_history() {
    let mut scenario = Scenario::default();
    scenario.locations[0].mdm_info = Some(apple_vpp_sim::MdmInfo {
        id: "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11".into(),
        name: "Example MDM".into(),
        metadata: "mdm.example.com".into(),
    });
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap();
    let (c, token) = (client(&sim), token(&sim));
    let us = common::us();
    let takeover = apple_vpp::ClaimOptions::from(apple_vpp::Takeover::Accept);
    let apple_vpp::ConfigureOutcome::Claimed(stored) =
        c.location(&token).configure(&us, &takeover).await.unwrap()
    else {
        panic!("claimed with consent")
    };
    let previous = stored.took_over_from().cloned().expect("taken over");
    // The admin uploads the same token again.
    let again = c
        .location(&token)
        .configure_again(&stored, &apple_vpp::ClaimOptions::default())
        .await
        .unwrap();
    let apple_vpp::ConfigureOutcome::AlreadyOurs(again) = again else {
        panic!("{again:?}")
    };
    assert_eq!(again.took_over_from(), Some(&previous));
    assert_eq!(again.configured(), stored.configured());
    // A plain configure makes a new account without that history.
    let apple_vpp::ConfigureOutcome::AlreadyOurs(fresh) = c
        .location(&token)
        .configure(&us, &apple_vpp::ClaimOptions::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(fresh.took_over_from(), None);
    // Renewing with the token in use is a refresh.
    let mut account = again.clone();
    let renewal = c.location(&token).renew(&mut account).await.unwrap();
    assert_eq!(renewal.previous_expiry, renewal.new_expiry);
    assert_eq!(account.took_over_from(), Some(&previous));
}
