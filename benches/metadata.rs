//! Criterion benchmarks of app metadata decoding.
//!
//! `metadata/apps_page_serde_only/25` is the lower bound for `metadata/apps_page/25` on
//! the same body: a 25-app catalog answer (`stoken-authenticated-apps` with
//! `extend[apps]=latestVersionInfo`, two platforms per app) through `serde_json::from_slice`
//! into the wire type alone, against the crate's decoding (`GetAppsMetadata::decode`, then
//! `AppMetadata::from_wire` for each app: trimmed versions, artwork, platforms). Target:
//! the first median at most 1.3 × the second.
//!
//! `metadata/storefront_search/{1000,10000,100000}`: the sans-IO search of `n` ids across
//! the home storefront and the seven fallbacks (`StorefrontSearch`), where the home
//! storefront knows half the ids, the first fallback half of the rest, and so on, each
//! storefront's answer recorded in one call, and `StorefrontResolution::by_id` built at
//! the end. Target: linear in `n` (the time per id stays flat from 1,000 to 100,000 ids;
//! the earlier search removed each found id from a vector, quadratic in `n`).
//!
//! Run with `cargo bench --bench metadata`.

use std::hint::black_box;

use apple_vpp::AdamId;
use apple_vpp::api::{Endpoint, GetAppsMetadata};
use apple_vpp::metadata::{AppMetadata, Storefront, StorefrontSearch};
use apple_vpp::wire::{AppResource, CatalogResponse};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A realistic answer for `n` apps, each on iOS and macOS, with fields the crate ignores.
fn apps_page(n: usize) -> Vec<u8> {
    let mut body = String::from("{\"data\":[");
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        let adam = 361_309_726 + i as u64 * 1_013;
        let platform = |key: &str, bundle: &str| {
            format!(
                "\"{key}\":{{\"artwork\":{{\"width\":1024,\"height\":1024,\"url\":\"https://is1-ssl.mzstatic.com/image/thumb/Purple126/v4/a1/b2/{i:02x}/AppIcon-{key}.png/{{w}}x{{h}}bb.{{f}}\",\"bgColor\":\"ffffff\",\"textColor1\":\"000000\",\"hasP3\":false}},\"bundleId\":\"{bundle}\",\"externalVersionId\":{},\"isDeviceBasedVpp\":true,\"latestVersionInfo\":{{\"versionDisplay\":\" {}.{}\",\"releaseDate\":\"2024-07-01\"}},\"minimumOSVersion\":\"17.0\",\"requirementsByDeviceFamily\":{{\"iphone\":{{\"deviceFamily\":\"iphone\",\"minimumOSVersion\":\"17.0\"}}}}}}",
                860_170_186 + i,
                10 + i % 7,
                i % 10
            )
        };
        body.push_str(&format!(
            "{{\"id\":\"{adam}\",\"type\":\"apps\",\"href\":\"/v1/catalog/us/apps/{adam}\",\"attributes\":{{\"name\":\"Example App {i}\",\"artistName\":\"Example Developer\",\"url\":\"https://apps.apple.com/us/app/id{adam}\",\"deviceFamilies\":[\"iphone\",\"ipad\",\"mac\"],\"isFirstParty\":false,\"platformAttributes\":{{{},{}}}}}}}",
            platform("ios", &format!("com.example.app{i}")),
            platform("osx", &format!("com.example.app{i}.mac")),
        ));
    }
    body.push_str("]}");
    body.into_bytes()
}

fn decode(body: &[u8]) -> Vec<AppMetadata> {
    GetAppsMetadata::decode(200, body)
        .expect("a valid answer")
        .data
        .into_iter()
        .filter_map(AppMetadata::from_wire)
        .collect()
}

/// Searches `ids`: each storefront knows every second id still missing.
fn search(ids: &[AdamId]) -> usize {
    let home = Storefront::new("de").ok();
    let mut search = StorefrontSearch::new(home, &Storefront::default_fallbacks(), ids.to_vec());
    while let Some((storefront, missing)) = search.next_request() {
        let known: Vec<&AdamId> = missing.iter().step_by(2).collect();
        search.record(&storefront, known);
    }
    let resolution = search.finish();
    resolution.by_id().len() + resolution.not_found.len()
}

fn bench_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("metadata/storefront_search");
    for n in [1_000_usize, 10_000, 100_000] {
        let ids: Vec<AdamId> = (0..n)
            .map(|i| AdamId::new((100_000_000 + i).to_string()))
            .collect();
        assert_eq!(search(&ids), n, "every id found or reported, once");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(n.to_string(), |b| b.iter(|| search(black_box(&ids))));
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let body = apps_page(25);
    // Both paths must read the same answer.
    let apps = decode(&body);
    assert_eq!(apps.len(), 25);
    assert!(apps.iter().all(|a| a.platforms.len() == 2));
    assert_eq!(apps[3].platforms[0].latest_version.as_deref(), Some("13.3"));
    let wire: CatalogResponse<AppResource> = serde_json::from_slice(&body).unwrap();
    assert_eq!(wire.data.len(), 25);

    let mut group = c.benchmark_group("metadata");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("apps_page/25", |b| b.iter(|| decode(black_box(&body))));
    group.bench_function("apps_page_serde_only/25", |b| {
        b.iter(|| serde_json::from_slice::<CatalogResponse<AppResource>>(black_box(&body)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench, bench_search);
criterion_main!(benches);
