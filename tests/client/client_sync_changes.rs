//! A location that changes while a sync runs, against the simulator: a license taken back
//! between pages (Apple's offset paging shifts a record onto a page already read), and
//! another MDM claiming the location mid-sync.
#![cfg(feature = "client")]

use crate::common;

use std::collections::BTreeSet;

use apple_vpp::api::GetAssignments;
use apple_vpp::client::{SyncError, SyncPage};
use apple_vpp::{Assignment, AssignmentTarget, Takeover};
use apple_vpp_sim::{AssignmentSpec, MdmInfo, Scenario};
use common::licenses_sim::{POLL, UID, WAIT, ids, licenses, scenario, start};
use common::us;
use futures_util::StreamExt;

/// 20 devices hold a license of 409203825; 5 records a page, so 4 pages.
fn twenty_devices() -> Scenario {
    let mut s = Scenario {
        page_size: 5,
        ..scenario()
    };
    let location = &mut s.locations[0];
    location.assets[0].total = 100;
    location.assignments = (0..20)
        .map(|i| AssignmentSpec {
            adam_id: "409203825".into(),
            pricing_param: "STDQ".into(),
            serial_number: Some(format!("S{i:02}")),
            client_user_id: None,
        })
        .collect();
    s
}

fn serial(a: &Assignment) -> String {
    match &a.target {
        AssignmentTarget::Device(serial) => serial.clone(),
        other => panic!("a device was expected: {other:?}"),
    }
}

#[tokio::test]
async fn a_full_sync_during_a_removal_reports_every_record_that_existed_throughout() {
    let (_sim, client, token) = start(twenty_devices()).await;
    let location = client.location(&token);
    let mut pages = location.pages(GetAssignments::new());
    let mut passes: Vec<BTreeSet<String>> = Vec::new();
    let mut removed = false;
    while let Some(page) = pages.next().await {
        let page: SyncPage<Assignment> = page.unwrap();
        if page.abandons_previous_pass() || passes.is_empty() {
            passes.push(BTreeSet::new());
        }
        passes
            .last_mut()
            .unwrap()
            .extend(page.records.iter().map(serial));
        if page.pass == 1 && page.is_first() && !removed {
            // Between page 0 and the others: S00 (on page 0) loses its license, so
            // every later record moves up one place and S05 lands on page 0.
            removed = true;
            let sent = client
                .location(&token)
                .disassociate(licenses("409203825", vec!["S00".to_owned()]))
                .await
                .unwrap();
            client
                .location(&token)
                .wait_for_events(&ids(&sent), POLL, WAIT)
                .await
                .unwrap();
        }
    }
    let outcome = pages.outcome().unwrap();
    assert!(
        passes[0].len() < 20 && !passes[0].contains("S05"),
        "{passes:?}"
    );
    assert!(outcome.complete, "{outcome:?}");
    assert_eq!(outcome.passes, 2);
    let expected: BTreeSet<String> = (1..20).map(|i| format!("S{i:02}")).collect();
    assert_eq!(
        passes.last().unwrap(),
        &expected,
        "the settled pass has every record"
    );
}

#[tokio::test]
async fn a_sync_stops_at_a_page_that_shows_another_mdm() {
    let (sim, client, token) = start(twenty_devices()).await;
    client
        .location(&token)
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let location = client.location(&token);
    let mut pages = location
        .pages(GetAssignments::new())
        .stop_if_managed_elsewhere(&us());
    let first: SyncPage<Assignment> = pages.next().await.unwrap().unwrap();
    assert_eq!(
        first.managed_by.as_ref().and_then(|o| o.id.as_deref()),
        Some(common::OUR_ID)
    );
    assert!(sim.claim_as_other(
        UID,
        MdmInfo {
            id: "rival-1".into(),
            name: "Rival MDM".into(),
            metadata: "rival.example".into(),
        }
    ));
    let mut error = None;
    while let Some(page) = pages.next().await {
        if let Err(e) = page {
            error = Some(e);
        }
    }
    let Some(SyncError::ManagedElsewhere(owner)) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(owner.name.as_deref(), Some("Rival MDM"));
    assert_eq!(pages.outcome(), None, "no outcome: the sync stopped");
    // The same verdict verify gives.
    let verdict = apple_vpp::Ownership::of(Some(owner), common::OUR_ID);
    assert!(matches!(verdict, apple_vpp::Ownership::ManagedElsewhere(_)));
}
