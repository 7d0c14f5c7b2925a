//! The client under the simulator's random faults: many `client/config` reads at once, each
//! request drawing 10 % 429, 5 % 503, 3 % slow, 2 % cut 200 body and 1 % reset mid-body.
//! A read is sent again after any of them within the default retry policy (4 attempts), so
//! a call fails only when every one of its attempts met a fault (about 0.18⁴ ≈ 0.1 %).
//!
//! The short form (300 reads, 50 at once) runs with the other tests; the full form (2,000
//! reads, 100 at once) is ignored by default:
//! `cargo test --all-features --test client -- --ignored --nocapture load_faults::`.
#![cfg(feature = "client")]

use std::time::{Duration, Instant};

use apple_vpp::VppToken;
use apple_vpp::client::{SendError, VppClient};
use apple_vpp_sim::{FaultKind, Scenario, SimOptions, Simulator};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::json;

const UID: &str = "981060278089131045";

/// What one run measured.
#[derive(Debug)]
struct Run {
    calls: usize,
    failed: usize,
    /// Failed calls whose error is a broken answer (cut or reset) with attempts left.
    broken_with_attempts_left: usize,
    panics: usize,
    requests: usize,
    faults: usize,
    elapsed: Duration,
}

async fn run(calls: usize, in_flight: usize, seed: u64) -> Run {
    let scenario: Scenario = serde_json::from_value(json!({
        "max_requests_per_second": 1000,
        "random_faults": {
            "seed": seed, "status_429": 0.10, "status_503": 0.05, "slow": 0.03,
            "slow_ms": 500, "cut_body": 0.02, "reset_mid_body": 0.01,
            "paths": ["client/config"]
        },
        "locations": [{"uid": UID, "name": "Berlin Office"}]
    }))
    .unwrap();
    let options = SimOptions {
        max_recorded_requests: 20_000,
        ..SimOptions::default()
    };
    let sim = Simulator::start(scenario, options).await.unwrap();
    // The default retry policy: 4 attempts, 90 s in all.
    let client = VppClient::builder()
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let token: VppToken = sim.token(UID).unwrap().parse().unwrap();
    // Apple's rate (1000 per second here) from the service configuration (no faults there).
    client.service_config().await.unwrap();
    sim.clear_requests();

    let start = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut results = Vec::with_capacity(calls);
    for _ in 0..calls {
        if pending.len() == in_flight {
            results.push(pending.next().await.unwrap());
        }
        let (client, token) = (client.clone(), token.clone());
        pending.push(tokio::spawn(async move {
            client.location(&token).client_config().await
        }));
    }
    while let Some(result) = pending.next().await {
        results.push(result);
    }
    let elapsed = start.elapsed();

    let mut run = Run {
        calls,
        failed: 0,
        broken_with_attempts_left: 0,
        panics: 0,
        requests: 0,
        faults: 0,
        elapsed,
    };
    for result in results {
        match result {
            Err(_) => run.panics += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                run.failed += 1;
                if matches!(&e, SendError::Transport { attempts, .. } if *attempts < 4) {
                    run.broken_with_attempts_left += 1;
                }
            }
        }
    }
    let recorded = sim.requests();
    run.requests = recorded.len();
    run.faults = recorded
        .iter()
        .filter(|r| r.fault.is_some_and(|f| f != FaultKind::Slow))
        .count();
    sim.shutdown().await;
    run
}

fn check(run: &Run) {
    println!(
        "{} calls: {} failed, {} requests, {} faults, {:.1} s",
        run.calls,
        run.failed,
        run.requests,
        run.faults,
        run.elapsed.as_secs_f64()
    );
    assert_eq!(run.panics, 0, "{run:?}");
    assert!(
        run.failed * 100 <= run.calls,
        "at most 1 % of calls fail: {run:?}"
    );
    assert_eq!(run.broken_with_attempts_left, 0, "{run:?}");
    assert!(
        run.requests <= 4 * run.calls,
        "at most 4 attempts per call: {run:?}"
    );
    // Every failed call met a fault on each of its 4 attempts.
    assert!(
        run.faults >= 4 * run.failed,
        "failures only where every attempt met a fault: {run:?}"
    );
    assert!(run.faults > 0, "the faults were drawn: {run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_survive_random_faults_short_form() {
    check(&run(300, 50, 7).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the full load run (2,000 reads, 100 at once): run with --ignored"]
async fn reads_survive_random_faults_full_form() {
    for seed in [7, 8, 9] {
        check(&run(2000, 100, seed).await);
    }
}
