//! Criterion benchmarks of ending a tracked event: how the time to sum up an event's
//! outcome grows with its size.
//!
//! `events/finish_on_status/N` ends an associate of one app to `N` devices on a `FAILED`
//! status that names every device but one; `events/give_up/N` gives up on the same event.
//! Both include the tracker's clone (the same for every `N` per device). The time per
//! device must stay flat as `N` grows from 1,000 to 16,000: summing up is linear in the
//! devices and users plus the licenses; a scan of subjects × licenses would make the
//! time per device grow sixteenfold.
//!
//! Run with `cargo bench --bench events`.

use std::hint::black_box;

use apple_vpp::EventId;
use apple_vpp::events::{EventStatus, EventTracker, SentEvent, Update};
use apple_vpp::wire::{EventAsset, EventType, PricingParam};
use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const APP: &str = "400000001";

fn t0() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// A tracker following one associate of one app to `n` devices.
fn tracking(n: usize) -> EventTracker {
    let sent = SentEvent::new("ev", EventType::Associate, "req")
        .with_serial_numbers((0..n).map(|i| format!("S{i:06}")))
        .with_assets([EventAsset::new(APP, Some(PricingParam::Stdq))]);
    let mut tracker = EventTracker::default();
    tracker.track_at(sent, t0()).unwrap();
    tracker
}

/// `FAILED`, with a 9709 for every device but the first.
fn failed_status(n: usize) -> EventStatus {
    let named: Vec<String> = (1..n).map(|i| format!("\"S{i:06}\"")).collect();
    let json = format!(
        r#"{{"eventStatus":"FAILED","eventType":"ASSOCIATE","numCompleted":1,"numRequested":{n},
        "failures":[{{"errorNumber":9709,"errorMessage":"Not enough licenses.",
        "errorInfo":{{"assets":[{{"adamId":"{APP}","pricingParam":"STDQ"}}],"serialNumbers":[{}]}}}}]}}"#,
        named.join(",")
    );
    EventStatus::from_response(200, json.as_bytes()).unwrap()
}

fn bench(c: &mut Criterion) {
    let id = EventId::new("ev");
    let at = t0() + TimeDelta::seconds(60);
    let mut group = c.benchmark_group("events");
    for n in [1_000, 4_000, 16_000] {
        let tracker = tracking(n);
        let status = failed_status(n);
        // The outcome is the one the bench means.
        let Update::Completed(outcome) = tracker.clone().on_status_at(&id, &status, at) else {
            panic!("the status ends the event")
        };
        assert_eq!((outcome.succeeded.len(), outcome.failed.len()), (1, n - 1));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("finish_on_status", n), &n, |b, _| {
            b.iter_batched(
                || tracker.clone(),
                |mut t| t.on_status_at(&id, black_box(&status), at),
                BatchSize::LargeInput,
            )
        });
        group.bench_with_input(BenchmarkId::new("give_up", n), &n, |b, _| {
            b.iter_batched(
                || tracker.clone(),
                |mut t| t.give_up_at(&id, at),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
