//! Fuzzes Apple's error-body detection: `apple_error` and `decode_response::<Value>` must
//! never panic, must agree with each other, and an error's kind follows its number except
//! that HTTP 429 is rate limiting and an unclassified number with 5xx is retryable.
#![no_main]

use apple_vpp::error::ResponseError;
use apple_vpp::wire::{ErrorKind, ErrorNumber, apple_error, decode_response};
use libfuzzer_sys::fuzz_target;

/// The first byte picks a status; the body is the whole input.
const STATUSES: [u16; 12] = [200, 201, 204, 299, 400, 401, 404, 410, 429, 500, 503, 100];

fuzz_target!(|data: &[u8]| {
    let first = data.first().copied().unwrap_or(0);
    let status = STATUSES[usize::from(first) % STATUSES.len()];
    for status in [status, 200] {
        let decoded = decode_response::<serde_json::Value>(status, data);
        match apple_error(status, data) {
            Some(error) => {
                let text = error.to_string();
                assert!(text.starts_with("Apple returned error "), "{text}");
                let _ = format!("{error:?}");
                assert_eq!(error.status, Some(status));
                assert_eq!(ErrorNumber::from_code(error.number.code()), error.number);
                let expected = match (status, error.number.kind()) {
                    (429, _) => ErrorKind::RateLimited,
                    (500..=599, ErrorKind::Other) => ErrorKind::Retryable,
                    (_, kind) => kind,
                };
                assert_eq!(error.kind(), expected);
                assert_eq!(decoded, Err(ResponseError::Apple(error)));
            }
            None => match decoded {
                Ok(_) => assert!((200..300).contains(&status)),
                Err(ResponseError::Http { status: s }) => {
                    assert_eq!(s, status);
                    assert!(!(200..300).contains(&status));
                }
                Err(ResponseError::Malformed { status: s, .. }) => {
                    assert_eq!(s, status);
                    assert!((200..300).contains(&status));
                }
                Err(e) => panic!("unexpected error without an error body: {e:?}"),
            },
        }
        if let Err(e) = decode_response::<serde_json::Value>(status, data) {
            let _ = e.to_string();
            let _ = e.kind();
        }
    }
});
