//! Loading a scenario: the time grows linearly with its size (assignments and users), not
//! with their product. Each size holds five user assignments per user, like a location of
//! 40,000 users with 200,000 assignments at the largest.
//!
//! `cargo bench -p apple-vpp-sim --bench scenario_load`

use apple_vpp_sim::{AssetSpec, AssignmentSpec, LocationSpec, Scenario, SimOptions, Simulator};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const PER_USER: usize = 5;

/// One location with `users` users, `PER_USER` apps, and every app assigned to every user.
fn scenario(users: usize) -> Scenario {
    let mut loc = LocationSpec::new("1", "Large");
    loc.assets = (0..PER_USER)
        .map(|a| AssetSpec::app(&format!("{}", 100 + a), users as u64))
        .collect();
    loc.users = (0..users)
        .map(|u| apple_vpp_sim::UserSpec {
            client_user_id: format!("user-{u}"),
            email: None,
            managed_apple_id: None,
        })
        .collect();
    loc.assignments = (0..users * PER_USER)
        .map(|n| AssignmentSpec {
            client_user_id: Some(format!("user-{}", n % users)),
            serial_number: None,
            ..AssignmentSpec::device(&format!("{}", 100 + n / users), "unused")
        })
        .collect();
    Scenario {
        locations: vec![loc],
        ..Scenario::empty()
    }
}

fn load(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("scenario_load");
    group.sample_size(10);
    for users in [2_000usize, 8_000, 40_000] {
        let s = scenario(users);
        group.throughput(Throughput::Elements((users * (PER_USER + 1)) as u64));
        group.bench_with_input(
            BenchmarkId::new("validate", users * PER_USER),
            &s,
            |b, s| b.iter(|| s.validate().unwrap()),
        );
        group.bench_with_input(BenchmarkId::new("start", users * PER_USER), &s, |b, s| {
            b.iter(|| {
                rt.block_on(async {
                    let sim = Simulator::start(s.clone(), SimOptions::default())
                        .await
                        .unwrap();
                    sim.shutdown().await;
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
