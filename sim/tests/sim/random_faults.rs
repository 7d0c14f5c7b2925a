//! Faults drawn at random, each kind at its rate, reproducibly from a seed; and what a
//! client sees of each kind.

use crate::common;

use std::collections::HashMap;
use std::time::Duration;

use apple_vpp_sim::{FaultKind, FaultSpec, RandomFaults, Scenario, SimOptions, Simulator};
use common::*;
use futures_util::StreamExt;

/// The load test's mix: 10 % 429, 5 % 503, 3 % slow, 2 % cut bodies, 1 % resets.
fn mix(seed: u64) -> RandomFaults {
    RandomFaults {
        seed,
        status_429: 0.10,
        status_503: 0.05,
        slow: 0.03,
        slow_ms: 1,
        cut_body: 0.02,
        reset_mid_body: 0.01,
        paths: vec!["client/config".into()],
    }
}

/// What the client saw of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Seen {
    Ok,
    Status(u16),
    BrokenBody,
}

async fn call(c: &reqwest::Client, url: &str, token: &str) -> Seen {
    let r = match c.get(url).bearer_auth(token).send().await {
        Ok(r) => r,
        Err(_) => return Seen::BrokenBody,
    };
    let status = r.status().as_u16();
    match r.bytes().await {
        Err(_) => Seen::BrokenBody,
        Ok(b) if serde_json::from_slice::<serde_json::Value>(&b).is_err() => Seen::BrokenBody,
        Ok(_) if status == 200 => Seen::Ok,
        Ok(_) => Seen::Status(status),
    }
}

async fn run(sim: &apple_vpp_sim::RunningSimulator, n: usize, parallel: usize) -> Vec<Seen> {
    let url = format!("{}/client/config", sim.base_url());
    let t = token(sim);
    let c = client();
    futures_util::stream::iter(0..n)
        .map(|_| {
            let (c, url, t) = (c.clone(), url.clone(), t.clone());
            async move { call(&c, &url, &t).await }
        })
        .buffered(parallel)
        .collect()
        .await
}

fn count<T: Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> HashMap<T, usize> {
    let mut m = HashMap::new();
    for i in items {
        *m.entry(i).or_default() += 1;
    }
    m
}

#[tokio::test]
async fn each_random_fault_kind_is_produced_at_about_its_rate() {
    let options = SimOptions {
        random_faults: Some(mix(42)),
        ..SimOptions::default()
    };
    let sim = Simulator::start(scenario(), options).await.unwrap();
    let n = 2000;
    let seen = count(run(&sim, n, 8).await);
    let faults = count(sim.requests().iter().map(|r| r.fault));
    let got = |k| faults.get(&Some(k)).copied().unwrap_or(0);
    // Expected 200, 100, 60, 40, 20 of 2,000 (bounds beyond 4 standard deviations).
    for (kind, lo, hi) in [
        (FaultKind::Status429, 140, 260),
        (FaultKind::Status503, 60, 140),
        (FaultKind::Slow, 30, 95),
        (FaultKind::CutBody, 15, 70),
        (FaultKind::ResetMidBody, 4, 42),
    ] {
        assert!(
            (lo..=hi).contains(&got(kind)),
            "{kind:?}: {} {faults:?}",
            got(kind)
        );
    }
    // The client saw exactly those: 429s, 503s, and broken bodies for cut and reset.
    assert_eq!(
        seen.get(&Seen::Status(429)),
        Some(&got(FaultKind::Status429))
    );
    assert_eq!(
        seen.get(&Seen::Status(503)),
        Some(&got(FaultKind::Status503))
    );
    assert_eq!(
        seen.get(&Seen::BrokenBody).copied().unwrap_or(0),
        got(FaultKind::CutBody) + got(FaultKind::ResetMidBody),
        "{seen:?}"
    );
    let clean = n - faults
        .iter()
        .filter(|(k, _)| k.is_some())
        .map(|(_, v)| v)
        .sum::<usize>();
    assert_eq!(seen[&Seen::Ok], clean + got(FaultKind::Slow));
    // The injected 429s are counted in the total, not as the rate limit's.
    assert_eq!(
        sim.counters().total.refused,
        got(FaultKind::Status429) as u64
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_and_another_seed_others() {
    let mut kinds = Vec::new();
    for seed in [5, 5, 6] {
        let mut s = scenario();
        s.random_faults = Some(RandomFaults {
            slow_ms: 1,
            ..mix(seed)
        });
        let sim = start(s).await;
        run(&sim, 300, 1).await;
        kinds.push(sim.requests().iter().map(|r| r.fault).collect::<Vec<_>>());
        sim.shutdown().await;
    }
    assert!(kinds[0].iter().any(Option::is_some));
    assert_eq!(kinds[0], kinds[1]);
    assert_ne!(kinds[0], kinds[2]);
}

#[tokio::test]
async fn random_faults_hit_only_their_paths_and_count_faults_come_first() {
    let mut s = scenario();
    s.random_faults = Some(RandomFaults {
        status_503: 1.0,
        paths: vec!["/mdm/v2/assets".into()],
        ..RandomFaults::default()
    });
    s.faults = vec![FaultSpec::new("assets", 1, FaultKind::Status500)];
    let sim = start(s).await;
    let t = token(&sim);
    assert_eq!(get(&sim, "assets", Some(&t)).await.0, 500);
    assert_eq!(get(&sim, "assets", Some(&t)).await.0, 503);
    assert_eq!(get(&sim, "users", Some(&t)).await.0, 200);
}

#[tokio::test]
async fn a_slow_answer_is_the_real_answer_later() {
    let mut s = scenario();
    s.faults = vec![FaultSpec {
        slow_ms: Some(300),
        ..FaultSpec::new("client/config", 1, FaultKind::Slow)
    }];
    let sim = start(s).await;
    let t = token(&sim);
    let started = std::time::Instant::now();
    let (status, v) = get(&sim, "client/config", Some(&t)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        (status, v["locationName"].as_str()),
        (200, Some("Berlin Office"))
    );
}

#[tokio::test]
async fn a_cut_body_declares_more_than_it_sends_and_a_reset_breaks_off_mid_body() {
    let mut s = scenario();
    s.faults = vec![
        FaultSpec::new("client/config", 1, FaultKind::CutBody),
        FaultSpec::new("users", 1, FaultKind::ResetMidBody),
    ];
    let sim = start(s).await;
    let t = token(&sim);
    let c = client();
    let r = c
        .get(format!("{}/client/config", sim.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let declared = r.content_length().expect("a Content-Length");
    assert!(declared > 10);
    assert!(r.bytes().await.is_err(), "the cut body read as complete");
    let r = c
        .get(format!("{}/users", sim.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.is_err(), "the reset body read as complete");
    // The next requests are answered normally.
    assert_eq!(get(&sim, "client/config", Some(&t)).await.0, 200);
    assert_eq!(get(&sim, "users", Some(&t)).await.0, 200);
}

#[test]
fn rates_out_of_range_or_over_one_together_are_refused() {
    for bad in [
        r#"{"random_faults": {"status_429": 1.5}}"#,
        r#"{"random_faults": {"status_503": -0.1}}"#,
        r#"{"random_faults": {"status_429": 0.6, "cut_body": 0.6}}"#,
        r#"{"random_faults": {"slow": 0.1, "typo": 1}}"#,
    ] {
        assert!(Scenario::from_json(bad).is_err(), "{bad}");
    }
    let ok =
        Scenario::from_json(r#"{"random_faults": {"seed": 3, "reset_mid_body": 0.5}}"#).unwrap();
    assert_eq!(ok.random_faults.unwrap().slow_ms, 2000);
    let empty = Scenario::from_json(r#"{"random_faults": {}}"#).unwrap();
    assert_eq!(empty.random_faults, Some(RandomFaults::default()));
}
