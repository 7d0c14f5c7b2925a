//! The license tests' simulator helpers (`common::licenses_sim`, used by `client_licenses.rs`
//! and `client_rate.rs`): start the simulator on 127.0.0.1 with a client and its token, read
//! what the server recorded, collect a sync.
#![allow(dead_code)]

use std::convert::Infallible;
use std::time::Duration;

use apple_vpp::client::{SentBatch, SyncError, SyncPage, VppClient};
use apple_vpp::wire::{AssetRef, LicensesRequest, PricingParam};
use apple_vpp::{Assignment, EventId, VppToken, VppUser};
use apple_vpp_sim::{RecordedRequest, RunningSimulator, Scenario, SimOptions, Simulator, UserSpec};

pub const UID: &str = "981060278089131045";
pub const POLL: Duration = Duration::from_millis(25);
pub const WAIT: Duration = Duration::from_secs(10);

/// The default scenario (3 assets, users u-1 and u-2), fast events, no rate limit in the
/// way unless a test sets one.
pub fn scenario() -> Scenario {
    Scenario {
        event_delay_ms: 20,
        max_requests_per_second: 1000,
        ..Scenario::default()
    }
}

pub async fn start(scenario: Scenario) -> (RunningSimulator, VppClient, VppToken) {
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .expect("the simulator starts");
    let client = VppClient::builder()
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let token = sim.token(UID).unwrap().parse().unwrap();
    (sim, client, token)
}

pub fn with_users(mut s: Scenario, n: usize) -> Scenario {
    s.locations[0].users = (0..n)
        .map(|i| UserSpec {
            client_user_id: format!("user-{i:03}"),
            email: Some(format!("user{i}@example.com")),
            managed_apple_id: None,
        })
        .collect();
    s
}

pub fn requests_to(sim: &RunningSimulator, method: &str, path: &str) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == format!("/mdm/v2/{path}"))
        .collect()
}

pub fn page_index(r: &RecordedRequest) -> u32 {
    query_value(r, "pageIndex").unwrap().parse().unwrap()
}

pub fn query_value(r: &RecordedRequest, key: &str) -> Option<String> {
    r.query.as_deref()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_owned())
    })
}

pub fn serials(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

pub fn licenses(adam: &str, serials: Vec<String>) -> LicensesRequest {
    LicensesRequest::new(
        [AssetRef::new(adam, PricingParam::Stdq)],
        serials,
        Vec::<String>::new(),
    )
}

pub fn ids<R>(sent: &[SentBatch<R>]) -> Vec<EventId> {
    sent.iter().map(|b| b.event_id.clone()).collect()
}

/// Collects every record of a sync, with each page's (index, full, fell_back).
pub async fn all_assignments(
    client: &VppClient,
    token: &VppToken,
    since: Option<&str>,
) -> Result<
    (
        Vec<Assignment>,
        Vec<(u32, bool, bool)>,
        apple_vpp::SyncOutcome,
    ),
    SyncError,
> {
    let mut records = Vec::new();
    let mut pages = Vec::new();
    let outcome = client
        .location(token)
        .sync_assignments(since, |page: SyncPage<Assignment>| {
            pages.push((page.index, page.full, page.fell_back));
            // A new pass (the location changed mid-sync) replaces the last one.
            if page.abandons_previous_pass() {
                records.clear();
            }
            records.extend(page.records);
            Ok::<_, Infallible>(())
        })
        .await?;
    Ok((records, pages, outcome))
}

pub async fn all_users(
    client: &VppClient,
    token: &VppToken,
    since: Option<&str>,
) -> Result<(Vec<VppUser>, apple_vpp::SyncOutcome), SyncError> {
    let mut users = Vec::new();
    let outcome = client
        .location(token)
        .sync_users(since, |page| {
            // A new pass (the location changed mid-sync) replaces the last one.
            if page.abandons_previous_pass() {
                users.clear();
            }
            users.extend(page.records);
            Ok::<_, Infallible>(())
        })
        .await?;
    Ok((users, outcome))
}
