//! Fuzzes the request-side helpers that take outside input: base URLs, `Retry-After`
//! values and the retry policy. None may panic; a base URL with a password never repeats it.
#![no_main]

use std::time::Duration;

use apple_vpp::api::{Failure, Replay, RetryPolicy, ServiceBase, parse_retry_after_at};
use apple_vpp::wire::ErrorKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match ServiceBase::parse(&text) {
        Ok(base) => {
            assert!(base.v2().username().is_empty() && base.v2().password().is_none());
            assert!(matches!(base.v2().scheme(), "https" | "http"));
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            if let Ok(url) = url::Url::parse(&text) {
                if let Some(password) = url.password().filter(|p| p.len() >= 4) {
                    assert!(!shown.contains(password), "{shown}");
                }
            }
        }
    }
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let after = parse_retry_after_at(&text, now);
    // Any numbers for the policy, any failure.
    let n = |i: usize| data.get(i).copied().unwrap_or(0);
    let policy = RetryPolicy::default()
        .with_max_attempts(u32::from(n(0)))
        .with_max_total(Duration::from_millis(u64::from(n(1)) << n(2) % 64))
        .with_base_delay(Duration::from_nanos(u64::from(n(3)) << n(4) % 64))
        .with_max_delay(Duration::from_nanos(u64::from(n(5)) << n(6) % 64))
        .with_retry_after_cap(Duration::from_secs(u64::from(n(7))));
    let failure = match n(8) % 5 {
        0 => Failure::Connect,
        1 => Failure::Timeout,
        2 => Failure::Transport,
        3 => Failure::BodyTooLarge,
        _ => Failure::Response {
            kind: ErrorKind::RateLimited,
            retry_after: after,
        },
    };
    let replay = [Replay::Safe, Replay::IfRefused, Replay::Never][usize::from(n(9)) % 3];
    let jitter = f64::from_bits(u64::from_le_bytes(
        data.get(10..18).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]),
    ));
    if let Some(delay) = policy.next_delay(u32::from(n(18)), failure, replay, Duration::ZERO, jitter) {
        assert!(delay <= policy.max_total);
    }
});
