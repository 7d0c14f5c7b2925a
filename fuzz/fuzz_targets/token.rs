//! Fuzzes the `.vpptoken` decoder: arbitrary bytes must never panic, and every token it
//! accepts must round-trip through its credential without leaking it.
#![no_main]

use apple_vpp::VppToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match VppToken::from_bytes(data) {
        Ok(token) => {
            let credential = token.expose_credential();
            let again: VppToken = credential
                .parse()
                .expect("the credential of a decoded token must decode");
            assert_eq!(again, token, "re-parse of the credential differs");
            assert_eq!(again.expose_credential(), credential);
            assert_eq!(again.org_name(), token.org_name());
            assert_eq!(again.file_expiry(), token.file_expiry());
            assert_eq!(again.file_expiry().offset(), token.file_expiry().offset());
            assert_eq!(again.expose_inner_token(), token.expose_inner_token());
            for debug in [format!("{token:?}"), format!("{token:#?}")] {
                assert!(!debug.contains(credential), "Debug leaks the credential");
            }
        }
        Err(e) => {
            // No message repeats input that looks like a token: at least 16 bytes of
            // Base64 once trimmed. (Other text may legitimately coincide with message
            // words: libFuzzer learns them from comparisons and feeds them back.)
            let Ok(text) = std::str::from_utf8(data) else {
                return;
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            let base64 = text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
            if text.len() >= 16 && base64 {
                assert!(
                    !e.to_string().contains(text),
                    "error message leaks the input"
                );
                assert!(
                    !format!("{e:?}").contains(text),
                    "error Debug leaks the input"
                );
            }
        }
    }
});
