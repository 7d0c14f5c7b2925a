//! Properties of the request side: base URLs, `Retry-After` and the retry policy take any
//! input without panicking, and what they accept keeps the rules.

use std::time::Duration;

use apple_vpp::api::{Failure, Replay, RetryPolicy, ServiceBase, parse_retry_after_at};
use apple_vpp::wire::ErrorKind;
use proptest::prelude::*;

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        Just(Failure::Connect),
        Just(Failure::Timeout),
        Just(Failure::Transport),
        Just(Failure::BodyTooLarge),
        Just(Failure::Redirect),
        (any::<Option<u64>>(), 0..3u8).prop_map(|(after, k)| Failure::Response {
            kind: [
                ErrorKind::RateLimited,
                ErrorKind::Retryable,
                ErrorKind::TokenRevoked
            ][usize::from(k)],
            retry_after: after.map(Duration::from_nanos),
        }),
    ]
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        any::<u64>().prop_map(Duration::from_nanos),
        any::<u64>().prop_map(Duration::from_secs),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn next_delay_never_panics_and_stays_within_its_bounds(
        max_attempts in any::<u32>(),
        max_total in duration(),
        base_delay in duration(),
        max_delay in duration(),
        retry_after_cap in duration(),
        attempts in any::<u32>(),
        failure in failure(),
        replay in prop_oneof![Just(Replay::Safe), Just(Replay::IfRefused), Just(Replay::Never)],
        elapsed in duration(),
        jitter in prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY), 0.0..1.0f64],
    ) {
        let policy = RetryPolicy::default()
            .with_max_attempts(max_attempts)
            .with_max_total(max_total)
            .with_base_delay(base_delay)
            .with_max_delay(max_delay)
            .with_retry_after_cap(retry_after_cap);
        if let Some(delay) = policy.next_delay(attempts, failure, replay, elapsed, jitter) {
            prop_assert!(failure.allows_replay(replay));
            prop_assert!(attempts.max(1) < max_attempts);
            prop_assert!(elapsed.saturating_add(delay) <= max_total);
            prop_assert!(delay <= max_delay.max(retry_after_cap), "{:?}", delay);
        }
    }

    #[test]
    fn retry_after_never_panics(value in ".{0,64}", secs in any::<i64>()) {
        let now = chrono::DateTime::from_timestamp(secs % 100_000_000_000, 0)
            .unwrap_or_default();
        let _ = parse_retry_after_at(&value, now);
    }

    #[test]
    fn whole_seconds_are_read_exactly(n in any::<u64>()) {
        prop_assert_eq!(
            parse_retry_after_at(&n.to_string(), chrono::Utc::now()),
            Some(Duration::from_secs(n))
        );
    }

    #[test]
    fn base_urls_never_panic_and_keep_the_rules(
        scheme in prop_oneof![
            Just("https".to_owned()),
            Just("http".to_owned()),
            Just("mailto".to_owned()),
            "[a-z]{1,6}"
        ],
        userinfo in prop_oneof![Just(String::new()), "[a-z]{1,5}(:[a-z0-9]{4,8})?@"],
        host in prop_oneof![Just("127.0.0.1".to_owned()), Just("localhost".to_owned()), Just("[::1]".to_owned()), "[a-z]{1,10}\\.example", Just(String::new())],
        rest in "(/[a-z0-9]{0,5}){0,3}(\\?[a-z=]{0,5})?(#[a-z]{0,3})?",
    ) {
        let text = format!("{scheme}://{userinfo}{host}{rest}");
        match ServiceBase::parse(&text) {
            Ok(base) => {
                let v2 = base.v2();
                prop_assert!(v2.username().is_empty() && v2.password().is_none());
                prop_assert!(v2.query().is_none() && v2.fragment().is_none());
                prop_assert!(v2.path().ends_with('/'));
                prop_assert!(
                    v2.scheme() == "https"
                        || (v2.scheme() == "http" && apple_vpp::api::is_loopback(v2))
                );
                prop_assert!(base.v1().host() == v2.host());
            }
            Err(e) => {
                if let Some((_, pw)) = userinfo.trim_end_matches('@').split_once(':') {
                    let shown = format!("{e} {e:?}");
                    prop_assert!(!shown.contains(pw), "{}", shown);
                }
            }
        }
    }
}
