//! `VppToken` decoding: Apple's samples, every tolerance, expiry, the builder and
//! redaction. Every error class is in the `malformed` module; `Send + Sync` in
//! `autotrait`.

use crate::common;

use apple_vpp::token::MAX_TOKEN_FILE_BYTES;
use apple_vpp::{ExpiryStatus, RenewalPolicy, TokenError, VppToken};
use chrono::{DateTime, TimeDelta};
use common::*;

const V2_INNER: &str = "VFdwQmVVMVRRWFJKUldSNVdsZGpjMGxHU25Cak1taG9aR2wzWjFGdVNteGtTRkZ6U1VaT2FHTnRSbTlNUTBKQ1pGaE9NR0ZYTkQwPQ==";

fn decode(s: &str) -> Result<VppToken, TokenError> {
    s.parse()
}

#[test]
fn apples_v2_pretty_sample() {
    let file = fixture("v2_pretty.vpptoken");
    let t = decode(&file).unwrap();
    assert_eq!(t.org_name(), "ORG12345");
    assert_eq!(t.file_expiry_utc(), utc("2030-11-08T22:33:22Z"));
    assert_eq!(t.file_expiry_as_written(), "2030-11-08T22:33:22+0000");
    assert_eq!(t.expose_inner_token(), V2_INNER);
    // The credential is the whole file, not the inner token.
    assert_eq!(t.expose_credential(), file.trim());
}

#[test]
fn apples_legacy_compact_sample_keeps_its_offset() {
    let t = decode(&fixture("legacy_compact.vpptoken")).unwrap();
    assert_eq!(t.org_name(), "Example Org Inc.");
    assert_eq!(t.file_expiry().to_rfc3339(), "2014-08-15T18:13:52-07:00");
    assert_eq!(t.file_expiry().offset().local_minus_utc(), -7 * 3600);
    assert_eq!(t.file_expiry_utc(), utc("2014-08-16T01:13:52Z"));
}

#[test]
fn simulator_sample_with_colon_offset_and_trailing_newline() {
    let file = fixture("simulator.vpptoken");
    assert!(file.ends_with('\n'));
    let t = decode(&file).unwrap();
    assert_eq!(t.org_name(), "Simulator Org");
    assert_eq!(t.file_expiry().to_rfc3339(), "2018-07-03T13:48:31+10:00");
    assert_eq!(t.expose_credential(), file.trim_end());
}

#[test]
fn three_constructors_share_one_decoder() {
    let path = format!(
        "{}/tests/fixtures/v2_pretty.vpptoken",
        env!("CARGO_MANIFEST_DIR")
    );
    let from_path = VppToken::from_path(&path).unwrap();
    let from_bytes = VppToken::from_bytes(fixture("v2_pretty.vpptoken").as_bytes()).unwrap();
    let from_str: VppToken = fixture("v2_pretty.vpptoken").parse().unwrap();
    assert_eq!(from_path, from_bytes);
    assert_eq!(from_bytes, from_str);
    assert!(matches!(
        VppToken::from_bytes(b"%%%"),
        Err(TokenError::NotBase64 { .. })
    ));
}

#[test]
fn from_path_reports_io_errors_with_the_path() {
    let err = VppToken::from_path("/definitely/not/here.vpptoken").unwrap_err();
    assert!(matches!(err, TokenError::Io { .. }));
    let msg = err.to_string();
    assert!(
        msg.starts_with("could not read the token file /definitely/not/here.vpptoken: "),
        "{msg}"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn from_path_refuses_huge_files_without_reading_them_whole() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-huge-{}", std::process::id()));
    std::fs::write(&dir, vec![b'A'; 3 * MAX_TOKEN_FILE_BYTES]).unwrap();
    let err = VppToken::from_path(&dir).unwrap_err();
    std::fs::remove_file(&dir).unwrap();
    match err {
        TokenError::TooLarge { size, limit } => {
            assert_eq!(limit, MAX_TOKEN_FILE_BYTES);
            assert_eq!(
                size,
                MAX_TOKEN_FILE_BYTES + 1,
                "read stops one byte past the limit"
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---- tolerances ----

fn same_token_as_v2(variant: &str) {
    let reference = decode(&fixture("v2_pretty.vpptoken")).unwrap();
    let t = decode(variant).unwrap_or_else(|e| panic!("{variant:?}: {e}"));
    assert_eq!(t, reference);
    assert_eq!(t.expose_credential(), reference.expose_credential());
    assert_eq!(t.org_name(), "ORG12345");
}

#[test]
fn tolerates_whitespace_crlf_and_bom() {
    let f = fixture("v2_pretty.vpptoken");
    same_token_as_v2(&format!("  {f}  "));
    same_token_as_v2(&format!("{f}\r\n"));
    same_token_as_v2(&format!("\n\t{f}\n\n"));
    same_token_as_v2(&format!("\u{feff}{f}\n"));
    // Wrapped at 76 columns with CR/LF, as some tools and mail clients do.
    let wrapped: Vec<String> = f
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    same_token_as_v2(&wrapped.join("\r\n"));
}

#[test]
fn tolerates_missing_padding_and_canonicalises_it() {
    let full = fixture("v2_pretty.vpptoken");
    let trimmed = full.trim_end_matches('=');
    assert_ne!(
        trimmed.len(),
        full.len(),
        "fixture must need padding for this test"
    );
    same_token_as_v2(trimmed);
}

#[test]
fn accepts_compact_json_unknown_fields_escapes_and_non_ascii() {
    let t = decode(&b64(
        r#"{"orgName":"\u00c9cole \"Sainte-Anne\" \u2013 Montr\u00e9al","extra":{"nested":[1,2,null]},"token":"abc\/def","expDate":"2031-01-02T03:04:05Z","flag":true}"#,
    ))
    .unwrap();
    assert_eq!(t.org_name(), "École \"Sainte-Anne\" – Montréal");
    assert_eq!(t.expose_inner_token(), "abc/def");
    let raw = decode(&b64(
        r#"{"token":"x","expDate":"2031-01-02T03:04:05+00:00","orgName":"Bücherei Köln 図書館"}"#,
    ))
    .unwrap();
    assert_eq!(raw.org_name(), "Bücherei Köln 図書館");
}

#[test]
fn accepts_every_offset_form_and_fractional_seconds() {
    let cases = [
        ("2031-01-02T03:04:05Z", "2031-01-02T03:04:05+00:00"),
        ("2031-01-02T03:04:05+0000", "2031-01-02T03:04:05+00:00"),
        ("2031-01-02T03:04:05-0700", "2031-01-02T03:04:05-07:00"),
        ("2031-01-02T03:04:05+05:30", "2031-01-02T03:04:05+05:30"),
        ("2031-01-02T03:04:05.250Z", "2031-01-02T03:04:05.250+00:00"),
        (
            "2031-01-02T03:04:05.123456+0100",
            "2031-01-02T03:04:05.123456+01:00",
        ),
    ];
    for (written, rfc) in cases {
        let t = decode(&b64(&format!(
            r#"{{"token":"x","expDate":"{written}","orgName":"o"}}"#
        )))
        .unwrap();
        assert_eq!(t.file_expiry().to_rfc3339(), rfc);
        assert_eq!(t.file_expiry_as_written(), written);
    }
}

// Every error class, with its message, is in the `malformed` module.

// ---- expiry through the token, with an injected clock ----

fn expiring(at: &str) -> VppToken {
    VppToken::builder("Org", DateTime::parse_from_rfc3339(at).unwrap())
        .build()
        .unwrap()
}

#[test]
fn expiry_boundaries_with_injected_clock() {
    let t = expiring("2030-01-31T00:00:00Z");
    let exp = utc("2030-01-31T00:00:00Z");
    let s = TimeDelta::seconds(1);
    let p = RenewalPolicy::default();
    assert!(!t.is_expired_at(exp - s));
    assert!(t.is_expired_at(exp));
    assert!(t.is_expired_at(exp + s));
    assert_eq!(t.status_at(exp - s, &p), ExpiryStatus::ExpiringSoon);
    assert_eq!(t.status_at(exp, &p), ExpiryStatus::Expired);
    let edge = exp - TimeDelta::days(30);
    assert_eq!(t.status_at(edge - s, &p), ExpiryStatus::Valid);
    assert_eq!(t.status_at(edge, &p), ExpiryStatus::ExpiringSoon);
    assert_eq!(t.status_at(edge + s, &p), ExpiryStatus::ExpiringSoon);
    assert_eq!(t.days_left_at(edge), 30);
    assert_eq!(t.days_left_at(edge + s), 29);
    assert_eq!(t.days_left_at(exp - s), 0);
    assert_eq!(t.days_left_at(exp), 0);
    assert_eq!(t.days_left_at(exp + s), -1);
    assert_eq!(t.time_left_at(exp - s), s);
    assert_eq!(t.renew_by(&p), edge);
    assert_eq!(
        t.renew_by(&RenewalPolicy::with_warning_days(15)),
        exp - TimeDelta::days(15)
    );
}

#[test]
fn expiry_compares_instants_not_wall_clock() {
    // 18:13:52-0700 is 01:13:52 UTC the next day.
    let t = decode(&fixture("legacy_compact.vpptoken")).unwrap();
    assert!(!t.is_expired_at(utc("2014-08-16T01:13:51Z")));
    assert!(t.is_expired_at(utc("2014-08-16T01:13:52Z")));
}

#[test]
fn system_clock_wrappers() {
    assert!(expiring("2000-01-01T00:00:00Z").is_expired());
    assert_eq!(
        expiring("2000-01-01T00:00:00Z").status(&RenewalPolicy::default()),
        ExpiryStatus::Expired
    );
    assert_eq!(
        expiring("9999-01-01T00:00:00Z").status(&RenewalPolicy::default()),
        ExpiryStatus::Valid
    );
}

// ---- building from parts ----

#[test]
fn builder_round_trips_through_the_decoder() {
    let exp = DateTime::parse_from_rfc3339("2031-06-01T12:00:00-07:00").unwrap();
    let t = VppToken::builder("Ünïcødé \"Org\"", exp)
        .inner_token("aW5uZXI=")
        .build()
        .unwrap();
    let again: VppToken = t.expose_credential().parse().unwrap();
    assert_eq!(again, t);
    assert_eq!(again.org_name(), "Ünïcødé \"Org\"");
    assert_eq!(again.file_expiry(), exp);
    assert_eq!(again.file_expiry().offset(), exp.offset());
    assert_eq!(again.file_expiry_as_written(), "2031-06-01T12:00:00-0700");
    assert_eq!(again.expose_inner_token(), "aW5uZXI=");
    assert!(matches!(
        VppToken::builder("o", exp).inner_token("").build(),
        Err(TokenError::EmptyToken)
    ));
}

#[test]
fn equality_is_by_credential() {
    let exp = DateTime::parse_from_rfc3339("2031-06-01T12:00:00Z").unwrap();
    let a = VppToken::builder("o", exp)
        .inner_token("a")
        .build()
        .unwrap();
    let b = VppToken::builder("o", exp)
        .inner_token("b")
        .build()
        .unwrap();
    assert_ne!(a, b);
    assert_eq!(a, a.clone());
}

// ---- secrets ----

#[test]
fn debug_is_redacted() {
    let file = fixture("v2_pretty.vpptoken");
    let t = decode(&file).unwrap();
    let dbg = format!("{t:?}");
    assert_eq!(
        dbg,
        r#"VppToken { org_name: "ORG12345", expires_at: "2030-11-08T22:33:22+0000", credential: [redacted] }"#
    );
    assert_no_secret(&format!("{t:#?}"), file.trim());
    assert_no_secret(&dbg, V2_INNER);
}

#[test]
fn no_error_message_contains_token_bytes() {
    let secret_inner = "U0VDUkVUU0VDUkVUU0VDUkVUU0VDUkVU";
    let bodies = [
        format!(r#"{{"token":"{secret_inner}","expDate":"never","orgName":"o"}}"#),
        format!(r#"{{"token":"{secret_inner}","orgName":"o"}}"#),
        format!(r#"{{"token":"{secret_inner}","expDate":"2031-01-01T00:00:00Z","orgName":7}}"#),
        format!(
            r#"{{"token":"{secret_inner}","token":"{secret_inner}","expDate":"x","orgName":"o"}}"#
        ),
        format!(r#"{{"token":"{secret_inner}" "expDate"}}"#),
        format!(r#"["{secret_inner}"]"#),
        format!(r#""{secret_inner}""#),
    ];
    for body in bodies {
        let file = b64(&body);
        let e = decode(&file).unwrap_err();
        for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert_no_secret(&text, secret_inner);
            assert_no_secret(&text, &file);
        }
    }
    let bad = format!(
        "{}-{}",
        &fixture("v2_pretty.vpptoken")[..40],
        &fixture("v2_pretty.vpptoken")[41..]
    );
    let e = decode(&bad).unwrap_err();
    assert_no_secret(&e.to_string(), &bad);
    assert_no_secret(&format!("{e:?}"), &bad);
}
