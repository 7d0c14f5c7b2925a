//! Property tests for the `.vpptoken` decoder: it never panics, never leaks its input in
//! an error, round-trips every token the builder can make, and tolerates the whitespace
//! and padding variants admins' copies pick up.

use crate::common;

use apple_vpp::{TokenError, VppToken};
use chrono::{DateTime, FixedOffset, NaiveDate};
use common::*;
use proptest::prelude::*;

const CASES: u32 = 256;

fn is_base64_text(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// Whatever the outcome, an error never repeats the input when the input looks like a
/// token (at least 16 bytes of Base64 once trimmed).
#[track_caller]
fn check_no_leak(input: &[u8], result: &Result<VppToken, TokenError>) {
    let Err(e) = result else { return };
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.len() >= 16 && is_base64_text(text) {
        assert_no_secret(&e.to_string(), text);
        assert_no_secret(&format!("{e:?}"), text);
    }
}

fn decode_both(input: &[u8]) -> Result<VppToken, TokenError> {
    let r = VppToken::from_bytes(input);
    if let Ok(text) = std::str::from_utf8(input) {
        let r2 = text.parse::<VppToken>();
        match (&r, &r2) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
            _ => panic!("from_bytes and parse disagree: {r:?} vs {r2:?}"),
        }
    }
    check_no_leak(input, &r);
    r
}

/// JSON-ish text: mostly the punctuation and keys the decoder cares about.
fn json_ish() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(":".to_owned()),
        Just(",".to_owned()),
        Just("\"token\"".to_owned()),
        Just("\"expDate\"".to_owned()),
        Just("\"orgName\"".to_owned()),
        Just("\"2031-01-02T03:04:05Z\"".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("\\u0000".to_owned()),
        Just("\\".to_owned()),
        "-?[0-9]{1,20}(\\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?",
        "\"[^\"\\\\]{0,12}\"",
        any::<String>(),
    ];
    proptest::collection::vec(atom, 0..24).prop_map(|parts| parts.concat())
}

/// A JSON value for one of the three fields: usually a string, sometimes not.
fn field_value() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => any::<String>().prop_map(|s| Some(serde_json::to_string(&s).unwrap())),
        2 => "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:?[0-9]{2})?"
            .prop_map(|s| Some(format!("\"{s}\""))),
        1 => Just(Some("null".to_owned())),
        1 => any::<i64>().prop_map(|n| Some(n.to_string())),
        1 => Just(Some("[]".to_owned())),
        1 => Just(Some("{}".to_owned())),
        1 => Just(None),
    ]
}

fn json_object() -> impl Strategy<Value = String> {
    (field_value(), field_value(), field_value(), any::<bool>()).prop_map(
        |(token, exp, org, extra)| {
            let mut fields = Vec::new();
            for (key, value) in [("token", token), ("expDate", exp), ("orgName", org)] {
                if let Some(v) = value {
                    fields.push(format!("\"{key}\":{v}"));
                }
            }
            if extra {
                fields.push("\"extra\":{\"a\":[1,2,{\"b\":null}]}".to_owned());
            }
            format!("{{{}}}", fields.join(","))
        },
    )
}

/// Any expiry from 1970 to 9999 (local time), any offset within ±23:59, whole seconds or
/// with a nanosecond fraction.
fn expiry() -> impl Strategy<Value = DateTime<FixedOffset>> {
    let first = NaiveDate::from_ymd_opt(1970, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)
        .unwrap()
        .and_hms_opt(23, 59, 59)
        .unwrap()
        .and_utc()
        .timestamp();
    let nanos = prop_oneof![
        2 => Just(0u32),
        1 => (1u32..1000).prop_map(|ms| ms * 1_000_000),
        1 => 0u32..1_000_000_000,
    ];
    (first..=last, nanos, -1439i32..=1439).prop_map(|(secs, nanos, offset_min)| {
        let local = DateTime::from_timestamp(secs, nanos).unwrap().naive_utc();
        let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
        local.and_local_timezone(offset).single().unwrap()
    })
}

fn fixtures() -> Vec<String> {
    let mut files: Vec<String> = ["v2_pretty", "legacy_compact", "simulator"]
        .iter()
        .map(|name| fixture(&format!("{name}.vpptoken")))
        .collect();
    files.push(
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/sample.vpptoken"
        ))
        .unwrap(),
    );
    files
}

fn blanks() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just(' '), Just('\t'), Just('\r'), Just('\n')],
        0..6,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// (a) Arbitrary bytes never panic the decoder.
    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_both(&input);
    }

    /// (a) Arbitrary bytes drawn from the Base64 alphabet (plus blanks) never panic and
    /// never leak.
    #[test]
    fn arbitrary_base64_alphabet_text_never_panics(
        input in "[A-Za-z0-9+/=\\-_ \r\n]{0,400}"
    ) {
        let _ = decode_both(input.as_bytes());
    }

    /// (b) Arbitrary strings never panic `str::parse`.
    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = decode_both(input.as_bytes());
    }

    /// (c) Base64 of arbitrary bytes never panics or leaks.
    #[test]
    fn base64_of_arbitrary_bytes_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400)
    ) {
        let _ = decode_both(b64_bytes(&bytes).as_bytes());
    }

    /// (c) Base64 of JSON-ish text never panics or leaks.
    #[test]
    fn base64_of_json_ish_text_never_panics(text in json_ish()) {
        let _ = decode_both(b64(&text).as_bytes());
    }

    /// (c) Base64 of JSON objects with arbitrary field values never panics; when it
    /// decodes, the credential re-parses to the same token.
    #[test]
    fn base64_of_arbitrary_objects_never_panics(json in json_object()) {
        let file = b64(&json);
        if let Ok(t) = decode_both(file.as_bytes()) {
            prop_assert_eq!(t.expose_credential(), file.as_str());
            let again: VppToken = t.expose_credential().parse().unwrap();
            prop_assert_eq!(&again, &t);
            let debug = format!("{t:?}");
            prop_assert!(!debug.contains(&file));
        }
    }

    /// (d) A token built from arbitrary parts round-trips exactly through its credential.
    #[test]
    fn builder_round_trips(
        org in any::<String>(),
        exp in expiry(),
        inner in any::<String>().prop_filter("not blank", |s| !s.trim().is_empty()),
    ) {
        let t = VppToken::builder(org.clone(), exp)
            .inner_token(inner.clone())
            .build()
            .unwrap();
        let again: VppToken = t.expose_credential().parse().unwrap();
        prop_assert_eq!(&again, &t);
        prop_assert_eq!(again.expose_credential(), t.expose_credential());
        for tok in [&t, &again] {
            prop_assert_eq!(tok.org_name(), org.as_str());
            prop_assert_eq!(tok.file_expiry(), exp);
            prop_assert_eq!(
                tok.file_expiry().offset().local_minus_utc(),
                exp.offset().local_minus_utc()
            );
            prop_assert_eq!(tok.file_expiry().naive_local(), exp.naive_local());
            prop_assert_eq!(tok.expose_inner_token(), inner.as_str());
        }
    }

    /// (e) Whitespace, a byte-order mark, line wrapping and missing padding do not change
    /// the token or its credential.
    #[test]
    fn whitespace_and_padding_variants_decode_to_the_same_token(
        which in 0usize..4,
        lead in blanks(),
        trail in blanks(),
        bom in any::<bool>(),
        wrap in proptest::option::of(1usize..120),
        crlf in any::<bool>(),
        strip_padding in any::<bool>(),
    ) {
        let original = fixtures().swap_remove(which);
        let reference: VppToken = original.parse().unwrap();
        let mut body = reference.expose_credential().to_owned();
        if strip_padding {
            body.truncate(body.trim_end_matches('=').len());
        }
        if let Some(width) = wrap {
            let newline = if crlf { "\r\n" } else { "\n" };
            body = body
                .as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(newline);
        }
        let variant = format!("{}{lead}{body}{trail}", if bom { "\u{feff}" } else { "" });
        let t = decode_both(variant.as_bytes())
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        prop_assert_eq!(&t, &reference);
        prop_assert_eq!(t.expose_credential(), reference.expose_credential());
        prop_assert_eq!(t.expose_credential(), original.trim());
        prop_assert_eq!(t.org_name(), reference.org_name());
        prop_assert_eq!(t.file_expiry(), reference.file_expiry());
    }
}
