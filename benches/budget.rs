//! The cost of one request-budget step: the in-process limiter against the shared one on a
//! loopback Redis (one Lua GCRA step, one round trip). The bench starts its own
//! `redis-server` on a free loopback port (installing it with `.ci/install-redis` when
//! missing) and stops it at the end.
//!
//! `cargo bench --features client,redis --bench budget`

#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use std::time::Instant;

use apple_vpp::redis::{RedisBudget, RedisStore};
use apple_vpp::shared::{BudgetKey, InProcessBudget, LocationKey, RequestBudget, TokenId};
use criterion::{Criterion, criterion_group, criterion_main};

/// A rate so high that the slots never run ahead of the clock by much: the step, not the
/// wait, is measured.
const RATE: u32 = 1_000_000;

fn budget(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A token whose location is known: one slot in two budgets, as most requests take.
    let token = BudgetKey::of_location(
        TokenId::from_bytes([42; 32]),
        LocationKey::of_uid("981060278089131045"),
    );
    let mut group = c.benchmark_group("budget/step");

    let local = InProcessBudget::new();
    group.bench_function("in_process", |b| {
        b.iter(|| local.reserve_at(&token, RATE, Instant::now()))
    });

    let server = redis_server::RedisServer::start();
    let _runtime = runtime.enter();
    let shared = RedisBudget::new(
        RedisStore::open(&server.url())
            .unwrap()
            .with_prefix("bench"),
    );
    group.bench_function("redis_loopback", |b| {
        b.iter(|| runtime.block_on(shared.reserve(&token, RATE)))
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, budget);
criterion_main!(benches);
