//! Criterion benchmarks of token parsing and of decoding Apple's answers.
//!
//! `token/base64_only/*` is the lower bound for `token/parse/*` on the same file: only the
//! outer Base64 decode into a `Vec<u8>`. Targets: each `token/parse/*` median at most 2.5 ×
//! its `token/base64_only/*` median; `token/status_scan/1m` at most 50 ms.
//!
//! Run with `cargo bench --bench token`.

use std::hint::black_box;

use apple_vpp::LocationSnapshot;
use apple_vpp::chrono::{DateTime, TimeDelta, Utc};
use apple_vpp::wire::ClientConfig;
use apple_vpp::{ExpiryStatus, RenewalPolicy, VppToken};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};

const V2_PRETTY: &str = include_str!("../tests/fixtures/v2_pretty.vpptoken");
const LEGACY_COMPACT: &str = include_str!("../tests/fixtures/legacy_compact.vpptoken");

/// Number of expiry instants in `token/status_scan/1m`.
const ACCOUNTS: usize = 1_000_000;

/// An organization name of exactly 1 KiB (UTF-8 bytes) of non-ASCII text.
fn long_org_name() -> String {
    const WORDS: &str = "École Ünïversität 学校 Школа Σχολείο ";
    let mut org = String::with_capacity(1024);
    'fill: loop {
        for c in WORDS.chars() {
            if org.len() + c.len_utf8() > 1024 {
                break 'fill;
            }
            org.push(c);
        }
    }
    // Pad with two-byte letters, then one ASCII letter if a single byte remains.
    while org.len() + 2 <= 1024 {
        org.push('é');
    }
    if org.len() < 1024 {
        org.push('e');
    }
    assert_eq!(org.len(), 1024);
    org
}

fn long_org_token() -> String {
    let expiry = DateTime::parse_from_rfc3339("2030-11-08T22:33:22+00:00").unwrap();
    VppToken::builder(long_org_name(), expiry)
        .build()
        .unwrap()
        .expose_credential()
        .to_owned()
}

/// `ACCOUNTS` varied expiry instants around `now`: some expired, some within the default
/// 30-day warning window, most valid (spread over ±400 days, second resolution).
fn expiries(now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..ACCOUNTS)
        .map(|_| {
            // xorshift64: deterministic, cheap, good enough to defeat branch prediction.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % (800 * 86_400)) as i64 - 400 * 86_400;
            now + TimeDelta::seconds(secs)
        })
        .collect()
}

fn token(c: &mut Criterion) {
    let mut group = c.benchmark_group("token");

    group.bench_function("parse/v2_pretty", |b| {
        b.iter(|| VppToken::from_bytes(black_box(V2_PRETTY.as_bytes())).unwrap())
    });
    group.bench_function("parse/legacy_compact", |b| {
        b.iter(|| VppToken::from_bytes(black_box(LEGACY_COMPACT.as_bytes())).unwrap())
    });
    let long_org = long_org_token();
    group.bench_function("parse/long_org", |b| {
        b.iter(|| black_box(long_org.as_str()).parse::<VppToken>().unwrap())
    });

    for (name, file) in [("v2_pretty", V2_PRETTY), ("legacy_compact", LEGACY_COMPACT)] {
        let bytes = file.trim().as_bytes();
        group.bench_function(format!("base64_only/{name}"), |b| {
            b.iter(|| {
                base64::engine::general_purpose::STANDARD
                    .decode(black_box(bytes))
                    .unwrap()
            })
        });
    }

    let now: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().unwrap();
    let expiries = expiries(now);
    let policy = RenewalPolicy::default();
    // One iteration takes milliseconds: fewer samples keep the default run short.
    group.sample_size(20);
    group.bench_function("status_scan/1m", |b| {
        b.iter(|| {
            let now = black_box(now);
            black_box(&expiries)
                .iter()
                .filter(|&&exp| policy.status_at(exp, now) == ExpiryStatus::ExpiringSoon)
                .count()
        })
    });

    group.finish();
}

/// A realistic v2 client-config response into the wire type, then into a `Location`
/// (through `LocationSnapshot`, which also reads the claim and Apple's expiry date).
///
/// `client_config/serde_only` is the lower bound for `client_config/parse`: the same body
/// through `serde_json::from_slice::<ClientConfig>` alone. Target: `parse` at most 1.3 ×
/// `serde_only`.
fn client_config(c: &mut Criterion) {
    const BODY: &[u8] = include_bytes!("../tests/fixtures/client_config_v2.json");
    c.bench_function("client_config/parse", |b| {
        b.iter(|| {
            let config: ClientConfig =
                apple_vpp::wire::decode_response(200, black_box(BODY)).unwrap();
            LocationSnapshot::from_v2_owned(config).unwrap().location
        })
    });
    c.bench_function("client_config/serde_only", |b| {
        b.iter(|| serde_json::from_slice::<ClientConfig>(black_box(BODY)).unwrap())
    });
}

criterion_group!(benches, token, client_config);
criterion_main!(benches);
