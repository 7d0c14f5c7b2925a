//! Fuzzes the notification handler: `receive` must never panic, never accept a wrong
//! secret, and never put the header or the secret into an error's text.
#![no_main]

use apple_vpp::NotificationSecret;
use apple_vpp::notification::{ReceiveLimits, receive};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret-0123456789abcdefghijklmnopqrstuv";
/// Put into every header: an error that echoes the header shows it.
const CANARY: &str = "Zq9canaryXw";

fuzz_target!(|data: &[u8]| {
    let secret = NotificationSecret::new(SECRET.to_owned()).unwrap();
    // The first byte splits the input into a header and a body.
    let split = usize::from(data.first().copied().unwrap_or(0)).min(data.len());
    let (header, body) = data.split_at(split);
    let limits = ReceiveLimits::default();
    let mut marked = header.to_vec();
    marked.extend_from_slice(CANARY.as_bytes());
    let mut bearer = b"Bearer ".to_vec();
    bearer.extend_from_slice(&marked);
    for authorization in [Some(header), Some(&marked[..]), Some(&bearer[..]), None] {
        if let Err(e) = receive(authorization, body, &secret, &limits) {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(SECRET));
            assert!(!text.contains(CANARY), "{text}");
        }
    }
    // With the right header, only the body decides.
    let right = format!("Bearer {SECRET}");
    if let Ok(n) = receive(Some(right.as_bytes()), data, &secret, &limits) {
        let _ = (n.event_id(), n.result(), format!("{n:?}"));
    }
});
