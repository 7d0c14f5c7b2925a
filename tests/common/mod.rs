//! Fixtures and helpers shared by the integration tests, their one home: `us()`, `now()`
//! and the tokens here, so every file means the same MDM, clock and token by them; the
//! account tests' locations in [`account`]; the examples' built binaries in [`example_bin`];
//! a real `redis-server` on a free port in [`redis_server`]; with the `client` feature, a
//! wiremock fake of Apple in `fake_apple` and the simulator helpers of the license tests in
//! `licenses_sim`.
//!
//! Each test area (`tests/<area>/main.rs`) declares this module once with
//! `#[path = "../common/mod.rs"] mod common;` and its test modules `use crate::common;`.
#![allow(dead_code)]

pub mod account;
pub mod example_bin;
#[cfg(feature = "client")]
pub mod fake_apple;
#[cfg(feature = "client")]
pub mod licenses_sim;
pub mod redis_server;

use apple_vpp::{MdmIdentity, VppToken};
use base64::Engine as _;
use chrono::{DateTime, Utc};

/// This MDM's id in the tests.
pub const OUR_ID: &str = "1f0e5c1e-0000-4000-8000-000000000001";

/// This MDM: [`OUR_ID`], "Our MDM", "mdm.ours.example".
pub fn us() -> MdmIdentity {
    MdmIdentity::builder()
        .id(OUR_ID)
        .name("Our MDM")
        .metadata("mdm.ours.example")
        .build()
        .unwrap()
}

/// The tests' clock: 2026-11-25T12:00:00Z.
pub fn now() -> DateTime<Utc> {
    utc("2026-11-25T12:00:00Z")
}

/// Apple's v2 sample token (`v2_pretty.vpptoken`): "ORG12345", expiring
/// 2030-11-08T22:33:22Z.
pub fn token() -> VppToken {
    fixture("v2_pretty.vpptoken").parse().unwrap()
}

/// A token of "Example Org" with the inner token `inner`, expiring at `exp` (RFC 3339).
pub fn token_with(inner: &str, exp: &str) -> VppToken {
    VppToken::builder("Example Org", DateTime::parse_from_rfc3339(exp).unwrap())
        .inner_token(inner)
        .build()
        .unwrap()
}

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
#[track_caller]
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
