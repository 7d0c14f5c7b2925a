//! Criterion benchmarks of license list decoding.
//!
//! `wire/assignments_page_serde_only/1000` is the lower bound for
//! `wire/assignments_page/1000` on the same body: a 1,000-record `GET assignments` page
//! through `serde_json::from_slice` into the wire type alone, against the crate's response
//! decoding (`GetAssignments::decode`, which also looks for Apple's `errorNumber`).
//! Target: the first median at most 1.3 × the second.
//!
//! Run with `cargo bench --bench licenses`.

use std::hint::black_box;

use apple_vpp::api::{Endpoint, GetAssignments};
use apple_vpp::wire::{AssignmentsResponse, Page};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A realistic page of `n` assignments: devices and users, both pricings, adamIds as
/// strings and a few as numbers, with Apple's paging and location fields.
fn assignments_page(n: usize) -> Vec<u8> {
    let mut body = String::from("{\"assignments\":[");
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        let adam = 361_309_726 + (i % 37) as u64 * 1_013;
        let adam = if i % 10 == 0 {
            adam.to_string()
        } else {
            format!("\"{adam}\"")
        };
        let pricing = if i % 7 == 0 { "PLUS" } else { "STDQ" };
        if i % 3 == 0 {
            body.push_str(&format!(
                "{{\"adamId\":{adam},\"clientUserId\":\"8c1f2d7e-{i:04x}-4a5b-9c3d-2e1f0a9b8c7d\",\"pricingParam\":\"{pricing}\"}}"
            ));
        } else {
            body.push_str(&format!(
                "{{\"adamId\":{adam},\"pricingParam\":\"{pricing}\",\"serialNumber\":\"C02X{i:08}\"}}"
            ));
        }
    }
    body.push_str(
        "],\"currentPageIndex\":3,\"nextPageIndex\":4,\"size\":1000,\"tokenExpirationDate\":\"2030-11-08T22:33:22+0000\",\"totalPages\":12,\"uId\":\"2049025000431439\",\"versionId\":\"009061cb-87d1-4ea8-ae4c-7849dc49224e\"}",
    );
    body.into_bytes()
}

fn bench(c: &mut Criterion) {
    let body = assignments_page(1000);
    // Both paths must read the same page.
    let decoded = GetAssignments::decode(200, &body).unwrap();
    assert_eq!(decoded.items().len(), 1000);
    assert_eq!(
        decoded,
        serde_json::from_slice::<AssignmentsResponse>(&body).unwrap()
    );

    let mut group = c.benchmark_group("wire");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("assignments_page/1000", |b| {
        b.iter(|| GetAssignments::decode(200, black_box(&body)).unwrap())
    });
    group.bench_function("assignments_page_serde_only/1000", |b| {
        b.iter(|| serde_json::from_slice::<AssignmentsResponse>(black_box(&body)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
