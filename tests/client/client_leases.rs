//! The client under a lease store, in one process ([`InProcessLeases`] shared by several
//! clients stands for a fleet's replicas): how a lease is keyed (only by the location's
//! `uId`, whatever failed and whatever the token), a sync that lost its lease while its
//! page handler stalled, the fence handed to the work from its start and on every page, the
//! day's sync of the three lists as one unit under one lease, and the time-to-live bounds.
#![cfg(feature = "client")]

use crate::common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apple_vpp::client::{
    BuildError, FlowError, FlowStop, LeaseGuard, LocationPage, SyncError, SyncPage, VppClient,
};
use apple_vpp::shared::{
    InProcessLeases, LeaseError, LeaseKind, LeaseStore, LocationKey, MAX_LEASE_TTL,
};
use apple_vpp::{Takeover, VppToken, VppUser};
use apple_vpp_sim::{FaultKind, FaultSpec, RunningSimulator, Scenario, SimOptions, Simulator};
use common::fake_apple::{FakeApple, fast, unclaimed};
use common::licenses_sim::{UID, scenario, with_users};
use common::{token, us};
use futures_util::FutureExt;
use futures_util::StreamExt;

async fn sim(users: usize, page_size: usize) -> (RunningSimulator, VppToken) {
    let scenario = Scenario {
        page_size,
        ..with_users(scenario(), users)
    };
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap();
    let token = sim.token(UID).unwrap().parse().unwrap();
    (sim, token)
}

fn leased(base: &str, leases: &Arc<InProcessLeases>, ttl: Duration) -> VppClient {
    VppClient::builder()
        .base_url(base)
        .retry_policy(fast())
        .leases(leases.clone())
        .lease_ttl(ttl)
        .build()
        .unwrap()
}

fn here() -> LocationKey {
    LocationKey::of_uid(UID)
}

fn take(leases: &InProcessLeases, kind: LeaseKind) -> apple_vpp::shared::Lease {
    leases
        .acquire(kind, &here(), Duration::from_secs(30))
        .now_or_never()
        .expect("the in-process store answers at once")
        .expect("the lease is free")
}

/// The questions the flows' and the syncs' errors answer alike.
trait LeaseQuestions: std::fmt::Debug {
    fn lease(&self) -> Option<&LeaseError>;
    fn is_lease_held(&self) -> bool;
    fn is_retryable(&self) -> bool;
    fn is_managed_elsewhere(&self) -> bool;
}

impl<X: std::fmt::Debug> LeaseQuestions for SyncError<X> {
    fn lease(&self) -> Option<&LeaseError> {
        SyncError::lease(self)
    }
    fn is_lease_held(&self) -> bool {
        SyncError::is_lease_held(self)
    }
    fn is_retryable(&self) -> bool {
        SyncError::is_retryable(self)
    }
    fn is_managed_elsewhere(&self) -> bool {
        SyncError::is_managed_elsewhere(self)
    }
}

impl<E: FlowStop> LeaseQuestions for FlowError<E> {
    fn lease(&self) -> Option<&LeaseError> {
        FlowError::lease(self)
    }
    fn is_lease_held(&self) -> bool {
        FlowError::is_lease_held(self)
    }
    fn is_retryable(&self) -> bool {
        FlowError::is_retryable(self)
    }
    fn is_managed_elsewhere(&self) -> bool {
        FlowError::is_managed_elsewhere(self)
    }
}

#[track_caller]
fn assert_held(error: impl LeaseQuestions, kind: LeaseKind) {
    assert!(error.is_lease_held() && error.is_retryable(), "{error:?}");
    assert!(!error.is_managed_elsewhere(), "{error:?}");
    match error.lease() {
        Some(LeaseError::Held { kind: k, .. }) if *k == kind => {}
        _ => panic!("expected the {kind:?} lease held elsewhere, got {error:?}"),
    }
}

// ----- keyed by the location only -----

#[tokio::test]
async fn a_failed_uid_read_fails_the_leased_sync_and_never_keys_the_lease_by_the_credential() {
    let (sim, token) = sim(3, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let client = leased(&sim.base_url(), &leases, Duration::from_secs(30));
    // Every attempt of the `uId` read fails (four 503 answers: the retry policy's four
    // attempts).
    sim.inject_fault(FaultSpec::new("client/config", 4, FaultKind::Status503));
    let error = client
        .location(&token)
        .sync_users(None, |_| Ok::<_, Infallible>(()))
        .await
        .expect_err("a sync whose location is unknown must not run");
    assert!(
        error.lease().is_none(),
        "the read's own error, saying what failed: {error:?}"
    );
    assert!(
        sim.requests().iter().all(|r| r.path != "/mdm/v2/users"),
        "no page was asked for without the location's lease"
    );
    // Another replica holds the location's lease, keyed by its `uId`: this client, whose
    // first read failed, must find it held (a key cached from the failure would not).
    let other = take(&leases, LeaseKind::Sync);
    let error = client
        .location(&token)
        .sync_users(None, |_| Ok::<_, Infallible>(()))
        .await
        .unwrap_err();
    assert_held(error, LeaseKind::Sync);
    leases.release(&other).await.unwrap();
    let outcome = client
        .location(&token)
        .sync_users(None, |_| Ok::<_, Infallible>(()))
        .await
        .unwrap();
    assert_eq!(outcome.pages, 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn configure_with_a_legacy_token_takes_the_same_config_lease_as_verify() {
    let fake = FakeApple::start(unclaimed(), token().expose_credential()).await;
    fake.state.lock().unwrap().legacy = true;
    let leases = Arc::new(InProcessLeases::new());
    let client = leased(&fake.base_url(), &leases, Duration::from_secs(30));
    // Another replica verifies the account (its key: the account's `uId`).
    let verifying = take(&leases, LeaseKind::Config);
    let error = client
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .expect_err("the location's config lease is held");
    assert_held(error, LeaseKind::Config);
    assert!(
        fake.state.lock().unwrap().legacy_writes.is_empty(),
        "nothing written while another replica holds the lease"
    );
    leases.release(&verifying).await.unwrap();
    let outcome = client
        .location(&token())
        .configure(&us(), &Takeover::Refuse.into())
        .await
        .unwrap();
    let apple_vpp::ConfigureOutcome::Claimed(mut account) = outcome else {
        panic!("{outcome:?}")
    };
    // verify keys by the account's `uId`: the same lease.
    let held = take(&leases, LeaseKind::Config);
    assert_held(
        client
            .location(account.token())
            .verify(&mut account)
            .await
            .unwrap_err(),
        LeaseKind::Config,
    );
    leases.release(&held).await.unwrap();
    client
        .location(account.token())
        .verify(&mut account)
        .await
        .unwrap();
}

#[tokio::test]
async fn subscribe_with_a_legacy_token_takes_the_locations_config_lease_too() {
    let fake = FakeApple::start(unclaimed(), token().expose_credential()).await;
    fake.state.lock().unwrap().legacy = true;
    let leases = Arc::new(InProcessLeases::new());
    let client = leased(&fake.base_url(), &leases, Duration::from_secs(30));
    let secret = apple_vpp::notification::NotificationSecret::generate().unwrap();
    let subscription = apple_vpp::notification::NotificationSubscription::new(
        "https://mdm.example.com/vpp/notify",
        secret,
    )
    .unwrap();
    let held = take(&leases, LeaseKind::Config);
    let error = client
        .location(&token())
        .subscribe(&us(), &subscription)
        .await
        .expect_err("the location's config lease is held");
    assert_held(error, LeaseKind::Config);
    leases.release(&held).await.unwrap();
    // Free: the lease is had, and the legacy token then meets v1's own refusal of
    // notifications (not a lease error).
    let error = client
        .location(&token())
        .subscribe(&us(), &subscription)
        .await
        .unwrap_err();
    assert!(error.lease().is_none(), "{error:?}");
}

// ----- a lost lease never ends Ok -----

#[tokio::test]
async fn a_sync_whose_handler_stalled_past_the_ttl_while_another_replica_took_the_lease_ends_lost()
{
    let (sim, token) = sim(2, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let ttl = Duration::from_millis(200);
    let client = leased(&sim.base_url(), &leases, ttl);
    let mut handed = 0;
    let mut other = None;
    let outcome = client
        .location(&token)
        .sync_users(None, |_page: SyncPage<VppUser>| {
            handed += 1;
            if handed == 2 {
                // The last page: a blocking commit outlives the lease, and meanwhile
                // another replica is granted it.
                std::thread::sleep(ttl * 2);
                other = Some(take(&leases, LeaseKind::Sync));
            }
            Ok::<_, Infallible>(())
        })
        .await;
    let other = other.expect("the other replica got the lease");
    match outcome {
        Err(SyncError::Lease(LeaseError::Lost {
            kind: LeaseKind::Sync,
        })) => {}
        other => panic!("a sync whose lease was lost must not end Ok: {other:?}"),
    }
    // The other replica's lease is untouched by the stale holder.
    assert!(leases.renew(&other).await.is_ok());
    sim.shutdown().await;
}

#[tokio::test]
async fn after_a_stall_past_the_ttl_no_further_page_is_handed_over() {
    let (sim, token) = sim(6, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let ttl = Duration::from_millis(200);
    let client = leased(&sim.base_url(), &leases, ttl);
    let mut fences = Vec::new();
    let outcome = client
        .location(&token)
        .sync_users(None, |page: SyncPage<VppUser>| {
            fences.push(page.fence);
            if fences.len() == 1 {
                std::thread::sleep(ttl * 2);
                take(&leases, LeaseKind::Sync);
            }
            Ok::<_, Infallible>(())
        })
        .await;
    assert!(matches!(
        outcome,
        Err(SyncError::Lease(LeaseError::Lost { .. }))
    ));
    assert_eq!(
        fences.len(),
        1,
        "pages handed over after the lease was lost"
    );
    assert!(fences[0].is_some(), "each page carries the lease's fence");
    sim.shutdown().await;
}

// ----- the fence from the start -----

#[tokio::test]
async fn with_lease_hands_the_fence_to_the_work_from_its_start_and_on_every_page() {
    let (sim, token) = sim(4, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let client = leased(&sim.base_url(), &leases, Duration::from_secs(30));
    let seen = Mutex::new(Vec::new());
    let location = client.location(&token);
    let (pages, fence) = location
        .with_lease(LeaseKind::Sync, |lease: LeaseGuard| {
            let (location, seen) = (&location, &seen);
            async move {
                // Before any request: the fence to make the writes conditional on.
                seen.lock().unwrap().push(lease.fence());
                let mut stream = location
                    .pages::<_, VppUser>(apple_vpp::api::GetUsers::new())
                    .under_lease(lease);
                let mut n = 0;
                while let Some(page) = stream.next().await {
                    seen.lock().unwrap().push(page?.fence);
                    n += 1;
                }
                assert!(stream.outcome().is_some());
                Ok::<_, SyncError>(n)
            }
        })
        .await
        .unwrap();
    assert_eq!(pages, 4);
    let seen = seen.into_inner().unwrap();
    assert!(fence.is_some());
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|f| *f == fence), "{seen:?} vs {fence:?}");
    // Without a lease store the guard holds nothing and its check passes.
    let plain = VppClient::builder()
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let (none, fence) = plain
        .location(&token)
        .with_lease(LeaseKind::Sync, |lease: LeaseGuard| async move {
            lease.check().await?;
            Ok::<_, SyncError>(lease.fence())
        })
        .await
        .unwrap();
    assert_eq!((none, fence), (None, None));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_stream_under_a_lost_lease_ends_with_the_lease_error_and_no_outcome() {
    let (sim, token) = sim(1, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let ttl = Duration::from_millis(100);
    let client = leased(&sim.base_url(), &leases, ttl);
    let location = client.location(&token);
    let result = location
        .with_lease(LeaseKind::Sync, |lease: LeaseGuard| {
            let (location, leases) = (&location, leases.clone());
            async move {
                let mut stream = location
                    .pages::<_, VppUser>(apple_vpp::api::GetUsers::new())
                    .under_lease(lease);
                // The only page: handed over under the lease.
                let page = stream.next().await.expect("a page")?;
                assert_eq!(page.index, 0);
                // The caller stalls past the ttl; another replica takes the lease.
                std::thread::sleep(ttl * 2);
                let _other = take(&leases, LeaseKind::Sync);
                let end = stream.next().await;
                assert!(
                    matches!(end, Some(Err(SyncError::Lease(LeaseError::Lost { .. })))),
                    "{end:?}"
                );
                assert!(stream.next().await.is_none());
                assert_eq!(
                    stream.outcome(),
                    None,
                    "no outcome after the lease was lost"
                );
                Ok::<_, SyncError>(())
            }
        })
        .await;
    assert!(
        matches!(result, Err(SyncError::Lease(LeaseError::Lost { .. }))),
        "{result:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_guard_check_fails_once_another_holder_has_the_lease() {
    let (sim, token) = sim(1, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let ttl = Duration::from_millis(100);
    let client = leased(&sim.base_url(), &leases, ttl);
    let result = client
        .location(&token)
        .with_lease(LeaseKind::Sync, |lease: LeaseGuard| {
            let leases = leases.clone();
            async move {
                lease.check().await?;
                std::thread::sleep(ttl * 2);
                let _other = take(&leases, LeaseKind::Sync);
                lease.check().await?;
                Ok::<_, SyncError>(())
            }
        })
        .await;
    assert!(
        matches!(result, Err(SyncError::Lease(LeaseError::Lost { .. }))),
        "{result:?}"
    );
    sim.shutdown().await;
}

// ----- the day's sync: one unit, one lease -----

#[tokio::test]
async fn two_replicas_doing_the_days_sync_of_three_lists_send_it_once_not_twice() {
    let (sim, token) = sim(12, 2).await;
    // One replica alone: the requests of the day's sync.
    let alone_leases = Arc::new(InProcessLeases::new());
    let alone = leased(&sim.base_url(), &alone_leases, Duration::from_secs(30));
    let mut kinds = [0u32; 3];
    let day = alone
        .location(&token)
        .sync_location(None, None, |page| {
            let fence = page.fence();
            assert!(fence.is_some());
            match page {
                LocationPage::Assets(_) => kinds[0] += 1,
                LocationPage::Assignments(_) => kinds[1] += 1,
                LocationPage::Users(_) => kinds[2] += 1,
                _ => unreachable!(),
            }
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
    assert!(kinds.iter().all(|n| *n > 0), "{kinds:?}");
    assert_eq!(kinds[2], 6);
    assert_eq!(day.users.pages, 6);
    assert!(day.lease_fence.is_some(), "{day:?}");
    let once = sim.rate_stats(UID).requests;
    // Two replicas of a fleet start it at the same moment.
    let fleet = Arc::new(InProcessLeases::new());
    let a = leased(&sim.base_url(), &fleet, Duration::from_secs(30));
    let b = leased(&sim.base_url(), &fleet, Duration::from_secs(30));
    let before = sim.rate_stats(UID).requests;
    let run = |client: VppClient| {
        let token = token.clone();
        async move {
            client
                .location(&token)
                .sync_location(None, None, |_| Ok::<_, Infallible>(()))
                .await
        }
    };
    let (ra, rb) = tokio::join!(run(a), run(b));
    let sent = sim.rate_stats(UID).requests - before;
    let done = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(done, 1, "{ra:?} {rb:?}");
    let refused = if ra.is_err() { ra } else { rb };
    assert_held(refused.unwrap_err(), LeaseKind::Sync);
    eprintln!("the day's sync: {once} requests alone, {sent} for two replicas");
    // At most the second replica's one `uId` read more than one replica alone.
    assert!(
        sent <= once + 1,
        "{sent} requests for two replicas, {once} for one"
    );
    sim.shutdown().await;
}

// ----- time-to-live bounds -----

#[test]
fn an_endless_lease_ttl_is_refused_at_the_builder_not_a_panic_later() {
    let error = VppClient::builder()
        .leases(Arc::new(InProcessLeases::new()))
        .lease_ttl(Duration::MAX)
        .build()
        .expect_err("a lease that outlives its holder for ever");
    assert!(matches!(error, BuildError::LeaseTtl { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("shorter"), "{text}");
    assert!(
        VppClient::builder()
            .lease_ttl(MAX_LEASE_TTL)
            .build()
            .is_ok()
    );
}

#[tokio::test]
async fn a_lease_ttl_at_the_maximum_works() {
    let (sim, token) = sim(2, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let client = leased(&sim.base_url(), &leases, MAX_LEASE_TTL);
    let mut fences = Vec::new();
    client
        .location(&token)
        .sync_users(None, |page| {
            fences.push(page.fence);
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
    assert!(
        !fences.is_empty() && fences.iter().all(Option::is_some),
        "{fences:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_sync_while_another_replica_holds_the_lease_says_so_without_a_match() {
    let (sim, token) = sim(2, 1).await;
    let leases = Arc::new(InProcessLeases::new());
    let client = leased(&sim.base_url(), &leases, Duration::from_secs(30));
    let held = take(&leases, LeaseKind::Sync);
    let error = client
        .location(&token)
        .sync_users(None, |_page: SyncPage<VppUser>| Ok::<_, Infallible>(()))
        .await
        .expect_err("another replica holds the sync lease");
    assert!(error.is_lease_held(), "{error:?}");
    assert!(error.is_retryable() && !error.is_managed_elsewhere() && !error.needs_new_token());
    assert!(error.lease().is_some_and(LeaseError::is_held));
    // A handler's error is the handler's: no question about Apple answers yes.
    leases.release(&held).await.unwrap();
    let stopped = client
        .location(&token)
        .sync_users(None, |_page: SyncPage<VppUser>| Err("disk full"))
        .await
        .expect_err("the handler stopped the sync");
    assert_eq!(stopped.handler_error(), Some(&"disk full"));
    assert!(stopped.lease().is_none());
    assert!(!stopped.is_lease_held() && !stopped.is_retryable());
    sim.shutdown().await;
}
