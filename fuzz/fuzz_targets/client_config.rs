//! Fuzzes the client-config decoders: `decode_response::<ClientConfig>` (with a status
//! derived from the first byte, and with 200) and `LocationSnapshot::from_json`. They must
//! never panic; whatever they accept must survive a serialize/decode round trip; and a
//! `Malformed` error never repeats the `notificationAuthToken` it was given.
#![no_main]

use apple_vpp::error::ResponseError;
use apple_vpp::wire::{ClientConfig, decode_response};
use apple_vpp::{Location, LocationSnapshot};
use libfuzzer_sys::fuzz_target;

/// Statuses worth telling apart; the first byte picks one (the body is the whole input,
/// so seeds from the fixtures stay valid JSON).
const STATUSES: [u16; 12] = [200, 201, 204, 299, 400, 401, 404, 410, 429, 500, 503, 100];

/// The `notificationAuthToken` of the body, when it is long and plain enough that its
/// presence in an error message can only be a leak.
fn secret_in(data: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(data).ok()?;
    let token = value.get("notificationAuthToken")?.as_str()?;
    (token.len() >= 24 && token.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| token.to_owned())
}

fn check_error(e: &ResponseError, secret: Option<&str>) {
    let display = e.to_string();
    let debug = format!("{e:?}");
    assert!(!display.is_empty());
    let _ = e.kind();
    if let (ResponseError::Malformed { .. }, Some(secret)) = (e, secret) {
        assert!(!display.contains(secret), "Malformed leaks the secret");
        assert!(!debug.contains(secret), "Malformed Debug leaks the secret");
    }
}

fuzz_target!(|data: &[u8]| {
    let secret = secret_in(data);
    let first = data.first().copied().unwrap_or(0);
    let status = STATUSES[usize::from(first) % STATUSES.len()];
    for status in [status, 200] {
        match decode_response::<ClientConfig>(status, data) {
            Ok(config) => {
                assert!((200..300).contains(&status), "success with HTTP {status}");
                let json = serde_json::to_vec(&config).expect("a ClientConfig serializes");
                let again = decode_response::<ClientConfig>(200, &json)
                    .expect("a re-serialized ClientConfig decodes");
                assert_eq!(again, config, "round trip differs");
                // The snapshot's outcome does not depend on the trip.
                let a = LocationSnapshot::from_v2(&config);
                let b = LocationSnapshot::from_v2(&again);
                assert_eq!(a, b);
                if let Err(e) = &a {
                    check_error(e, secret.as_deref());
                }
            }
            Err(e) => check_error(&e, secret.as_deref()),
        }
    }
    match LocationSnapshot::from_json(data) {
        Ok(snapshot) => {
            let _ = snapshot.location.to_string();
            let json = serde_json::to_vec(&snapshot.location).expect("a Location serializes");
            let again: Location = serde_json::from_slice(&json).expect("a Location decodes");
            assert_eq!(again, snapshot.location, "Location round trip differs");
        }
        Err(e) => check_error(&e, secret.as_deref()),
    }
});
