//! The request log keeps a bounded number of details (long paths cut), while the counters
//! (requests, refused, most in any second; in total and per token) stay exact.

use crate::common;

use std::time::Duration;

use apple_vpp_sim::{MAX_RECORDED_PATH, MAX_RECORDED_REQUESTS, SimOptions, Simulator, TokenId};
use common::*;
use futures_util::StreamExt;

#[tokio::test]
async fn details_are_bounded_and_cut_while_the_counts_stay_exact() {
    assert_eq!(MAX_RECORDED_REQUESTS, 10_000);
    assert_eq!(
        SimOptions::default().max_recorded_requests,
        MAX_RECORDED_REQUESTS
    );
    let kept = 500;
    let options = SimOptions {
        max_recorded_requests: kept,
        ..SimOptions::default()
    };
    let sim = Simulator::start(scenario(), options).await.unwrap();
    let t = token(&sim);
    let c = client();
    let long = format!("/mdm/v2/{}", "x".repeat(1024));
    let unauthenticated = kept + 300;
    let authenticated = 200;
    let base = sim.addr();
    let mut calls = futures_util::stream::iter(0..unauthenticated + authenticated)
        .map(|i| {
            let c = c.clone();
            let (long, t) = (long.clone(), t.clone());
            async move {
                if i < unauthenticated {
                    let r = c.get(format!("http://{base}{long}")).send().await.unwrap();
                    assert_eq!(r.status(), 404);
                } else {
                    let r = c
                        .get(format!("http://{base}/mdm/v2/client/config"))
                        .bearer_auth(&t)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                }
            }
        })
        .buffer_unordered(16);
    while calls.next().await.is_some() {}

    let details = sim.requests();
    assert_eq!(details.len(), kept);
    assert!(details.iter().all(|r| r.path.len() <= MAX_RECORDED_PATH));
    assert!(details.iter().any(|r| r.path.len() == MAX_RECORDED_PATH));
    assert!(details.iter().all(|r| r.status != 0));

    let counts = sim.counters();
    let total = (unauthenticated + authenticated) as u64;
    assert_eq!(counts.total.requests, total);
    assert_eq!(counts.total.refused, 0);
    assert!(counts.total.max_in_any_second >= 1);
    assert!(counts.total.max_in_any_second <= total);
    // Only the authenticated requests count for the token.
    let mine = sim.counts_for_token(&t);
    assert_eq!(mine.requests, authenticated as u64);
    assert_eq!(mine.refused, 0);
    assert_eq!(counts.per_token.len(), 1);
    assert_eq!(counts.per_token[&TokenId::of(&t)], mine);
    assert_eq!(sim.counts_for_token("not a token").requests, 0);
    // Output names the token by its id, never by the credential.
    let shown = format!("{counts:?} {}", TokenId::of(&t));
    assert!(!shown.contains(&t), "{shown}");

    sim.clear_requests();
    assert!(sim.requests().is_empty());
    assert_eq!(sim.counters().total.requests, 0);
    assert_eq!(get(&sim, "client/config", Some(&t)).await.0, 200);
    assert_eq!(sim.requests().len(), 1);
    assert_eq!(sim.requests()[0].status, 200);
    assert_eq!(sim.counts_for_token(&t).requests, 1);
}

#[tokio::test]
async fn refusals_and_the_busiest_second_are_counted_per_token_and_in_total() {
    let mut s = scenario();
    s.max_requests_per_second = 3;
    let sim = start(s).await;
    let t = token(&sim);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(&sim, "assets", Some(&t)).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    // Unauthenticated requests count only in the total.
    assert_eq!(get(&sim, "assets", None).await.0, 401);
    let mine = sim.counts_for_token(&t);
    assert_eq!(mine.requests, 5);
    assert_eq!(mine.refused, 2);
    assert_eq!(mine.max_in_any_second, 5);
    let total = sim.counters().total;
    assert_eq!(total.requests, 6);
    assert_eq!(total.refused, 2);
    assert_eq!(total.max_in_any_second, 6);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&sim, "assets", Some(&t)).await.0, 200);
    let mine = sim.counts_for_token(&t);
    assert_eq!((mine.requests, mine.max_in_any_second), (6, 5));
}
