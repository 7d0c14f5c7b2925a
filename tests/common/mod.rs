//! Helpers shared by the integration tests.
#![allow(dead_code)]

use base64::Engine as _;
use chrono::{DateTime, Utc};

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

pub fn b64_bytes(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A token file with the given JSON fields text inside the braces.
pub fn token_json(json: &str) -> String {
    b64(json)
}

/// Asserts that `text` contains neither secret nor any 16-byte window of it.
pub fn assert_no_secret(text: &str, secret: &str) {
    assert!(!text.contains(secret), "secret leaked in {text:?}");
    let bytes = secret.as_bytes();
    if bytes.len() >= 16 {
        for window in bytes.windows(16) {
            let w = String::from_utf8_lossy(window);
            assert!(
                !text.contains(w.as_ref()),
                "16-byte window {w:?} of a secret leaked in {text:?}"
            );
        }
    }
}
