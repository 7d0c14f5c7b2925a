//! The per-token rate limit and injected faults.

use crate::common;

use std::time::Duration;

use apple_vpp_sim::{FaultKind, FaultSpec, LocationSpec};
use common::*;
use serde_json::Value;

fn fault(path: &str, count: u32, kind: FaultKind) -> FaultSpec {
    FaultSpec::new(path, count, kind)
}

#[tokio::test]
async fn over_the_rate_limit_is_429_with_9646_and_retry_after() {
    let mut s = scenario();
    s.max_requests_per_second = 3;
    s.locations.push(LocationSpec::new("2", "Other"));
    let sim = start(s).await;
    let t = token(&sim);
    let c = client();
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..5 {
        let r = c
            .get(format!("{}/assets", sim.base_url()))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            refused = Some((retry, r.json::<Value>().await.unwrap()));
        }
    }
    assert_eq!(&statuses[..3], [200, 200, 200]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let (retry, body) = refused.unwrap();
    assert_eq!(retry.as_deref(), Some("1"));
    assert_eq!(body["errorNumber"], 9646);
    // The limit is per token: another location is not affected.
    let other = sim.token("2").unwrap();
    assert_eq!(get(&sim, "assets", Some(&other)).await.0, 200);
    let stats = sim.rate_stats(UID);
    assert!(stats.max_in_any_second >= 5, "{stats:?}");
    assert_eq!(stats.refused, 2);
    assert_eq!(stats.max_in_flight, 1);
    // A second later the window has moved on.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&sim, "assets", Some(&t)).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_observed() {
    let mut s = scenario();
    s.response_delay_ms = 300;
    let sim = start(s).await;
    let t = token(&sim);
    let url = format!("{}/users", sim.base_url());
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (url, t) = (url.clone(), t.clone());
            tokio::spawn(async move {
                client()
                    .get(url)
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let stats = sim.rate_stats(UID);
    assert_eq!(stats.max_in_flight, 4, "{stats:?}");
    assert_eq!(stats.in_flight, 0);
    assert_eq!(stats.max_in_any_second, 4);
}

#[tokio::test]
async fn scenario_faults_answer_5xx_then_recover() {
    let mut s = scenario();
    s.faults = vec![
        fault("assets", 2, FaultKind::Status500),
        FaultSpec {
            retry_after_secs: Some(7),
            ..fault("/mdm/v2/users", 1, FaultKind::Status503RetryAfter)
        },
        fault("client/config", 1, FaultKind::Status503),
    ];
    let sim = start(s).await;
    let t = token(&sim);
    for _ in 0..2 {
        let (status, v) = get(&sim, "assets", Some(&t)).await;
        assert_eq!((status, v["errorNumber"].as_u64()), (500, Some(9603)));
    }
    assert_eq!(get(&sim, "assets", Some(&t)).await.0, 200);

    let r = client()
        .get(format!("{}/users", sim.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    let r = client()
        .get(format!("{}/client/config", sim.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(get(&sim, "client/config", Some(&t)).await.0, 200);
    let faulted: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .collect();
    assert_eq!(faulted.len(), 4);
}

#[tokio::test]
async fn malformed_bodies_and_runtime_injection() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    sim.inject_fault(fault("assignments", 1, FaultKind::Malformed));
    let r = client()
        .get(format!("{}/assignments", sim.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    assert_eq!(get(&sim, "assignments", Some(&t)).await.0, 200);
}

#[tokio::test]
async fn hang_outlasts_the_client_timeout_and_ends_at_shutdown() {
    let sim = start(scenario()).await;
    let t = token(&sim);
    sim.inject_fault(fault("service/config", 1, FaultKind::Hang));
    let short = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = short
        .get(format!("{}/service/config", sim.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(get(&sim, "client/config", Some(&t)).await.0, 200);
    // A hanging request does not keep the simulator from stopping.
    sim.inject_fault(fault("service/config", 1, FaultKind::Hang));
    let base = sim.base_url();
    let pending = tokio::spawn(async move {
        client()
            .get(format!("{base}/service/config"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), sim.shutdown())
        .await
        .expect("shutdown ends hanging requests");
    let _ = pending.await;
}
