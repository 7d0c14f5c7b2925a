//! A catalogue of malformed `.vpptoken` input, one test per class.
//!
//! Every case asserts the specific [`TokenError`] variant (and its fields where they carry
//! meaning), that both public entry points (`VppToken::from_bytes` and `str::parse`) agree,
//! and that the message helps the admin: it names the problem, says what to do, and
//! contains no token bytes.

use crate::common;

use apple_vpp::error::{Base64Problem, DateProblem};
use apple_vpp::token::MAX_TOKEN_FILE_BYTES;
use apple_vpp::{TokenError, VppToken};
use common::*;

/// The inner token used in hand-made bodies: a secret that must never appear in a message.
const INNER: &str = "c2VjcmV0LWlubmVyLXRva2VuLXZhbHVlLTEyMzQ1Ng==";
const GOOD_DATE: &str = "2031-01-02T03:04:05Z";

/// Phrases that tell the admin what to do; every message has at least one.
const ACTIONS: &[&str] = &[
    "download a new one from Apple Business Manager",
    "upload the .vpptoken file",
    "check that you chose the .vpptoken file from Apple Business Manager",
];

/// A token file (Base64 of `json`).
fn file(json: &str) -> String {
    b64(json)
}

/// A token file whose JSON has the three fields with the given raw JSON values.
fn with_values(token: &str, exp: &str, org: &str) -> String {
    file(&format!(
        r#"{{"token":{token},"expDate":{exp},"orgName":{org}}}"#
    ))
}

/// `s` as a JSON string literal.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Decodes `input` through both public entry points, checks that they agree and that
/// the message names the problem (`names`), says what to do and leaks nothing.
#[track_caller]
fn reject(input: &[u8], names: &str) -> TokenError {
    let e = match VppToken::from_bytes(input) {
        Ok(t) => panic!("accepted: {t:?}"),
        Err(e) => e,
    };
    if let Ok(text) = std::str::from_utf8(input) {
        let e2 = text.parse::<VppToken>().unwrap_err();
        assert_eq!(format!("{e:?}"), format!("{e2:?}"), "entry points disagree");
    }
    let msg = e.to_string();
    assert!(
        msg.contains(names),
        "message does not name the problem ({names:?}): {msg}"
    );
    assert!(
        msg.contains("Apple Business Manager"),
        "message does not send the admin to Apple Business Manager: {msg}"
    );
    assert!(
        ACTIONS.iter().any(|a| msg.contains(a)),
        "message does not say what to do: {msg}"
    );
    // Large inputs: a prefix is enough (and keeps the window scan fast).
    let head = String::from_utf8_lossy(&input[..input.len().min(4096)]);
    let head = head.trim();
    for text in [msg, format!("{e:?}"), format!("{e:#?}")] {
        assert_no_secret(&text, INNER);
        if head.len() >= 16 {
            assert_no_secret(&text, head);
        }
    }
    e
}

/// Rejects `input` as [`reject`] does and asserts the Base64 problem it names; `case`
/// names the row in a failure.
#[track_caller]
fn reject_base64(case: &str, input: &[u8], names: &str, want: Base64Problem) -> TokenError {
    let e = reject(input, names);
    match &e {
        TokenError::NotBase64 { problem } => assert_eq!(*problem, want, "{case}"),
        other => panic!("{case}: {other:?}"),
    }
    e
}

#[track_caller]
fn reject_str(input: &str, names: &str) -> TokenError {
    reject(input.as_bytes(), names)
}

/// Runs `f` on a thread with a deliberately small stack: a decoder that recursed per
/// nesting level would overflow it.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("decoder panicked or overflowed its stack")
}

/// Deterministic bytes that look random, all with the high bit set (not ASCII).
fn garbage(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as u8) | 0x80
        })
        .collect()
}

// ---- size and emptiness ----

#[test]
fn empty() {
    let e = reject(b"", "empty");
    assert!(matches!(e, TokenError::Empty), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the token file is empty: download a new one from Apple Business Manager > Settings > Apps and Books and upload the .vpptoken file"
    );
}

#[test]
fn whitespace_only() {
    for input in [
        " ",
        "\n",
        "\r\n",
        "\t \r\n \t",
        "\r\n\t ",
        "\u{feff}",
        "\u{feff}\r\n",
        "\u{feff} \n",
    ] {
        let e = reject_str(input, "only whitespace");
        assert!(matches!(e, TokenError::OnlyWhitespace), "{input:?}: {e:?}");
    }
}

#[test]
fn eight_mib_is_too_large() {
    let big = vec![b'A'; 8 * 1024 * 1024];
    match reject(&big, "larger than") {
        TokenError::TooLarge { size, limit } => {
            assert_eq!(size, 8 * 1024 * 1024);
            assert_eq!(limit, MAX_TOKEN_FILE_BYTES);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_limit_is_64_kib_and_input_at_it_is_decoded() {
    assert_eq!(MAX_TOKEN_FILE_BYTES, 65_536);
    let big = "A".repeat(MAX_TOKEN_FILE_BYTES + 1);
    match reject_str(&big, "larger than") {
        TokenError::TooLarge { size, limit } => {
            assert_eq!((size, limit), (MAX_TOKEN_FILE_BYTES + 1, 65_536));
        }
        other => panic!("{other:?}"),
    }
    // Exactly at the limit is decoded (and fails later, as it is not a token).
    let at_limit = "A".repeat(MAX_TOKEN_FILE_BYTES);
    let e = VppToken::from_bytes(at_limit.as_bytes()).unwrap_err();
    assert!(
        matches!(e, TokenError::NotUtf8 { .. } | TokenError::NotJson { .. }),
        "{e:?}"
    );
}

#[test]
fn one_byte_over_the_limit_of_whitespace_is_too_large() {
    // Size is checked before trimming: padding a file with blanks cannot sneak past it.
    let mut input = fixture("v2_pretty.vpptoken").into_bytes();
    input.resize(MAX_TOKEN_FILE_BYTES + 1, b' ');
    match reject(&input, "larger than") {
        TokenError::TooLarge { size, limit } => {
            assert_eq!(
                (size, limit),
                (MAX_TOKEN_FILE_BYTES + 1, MAX_TOKEN_FILE_BYTES)
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---- Base64 layer ----

#[test]
fn not_base64() {
    for (input, offset) in [("hello!world", 5), ("QUJD*QUJD", 4)] {
        reject_base64(
            input,
            input.as_bytes(),
            "not Base64",
            Base64Problem::InvalidCharacter { offset },
        );
    }
    let e = reject_str("QUJD*QUJD", "not Base64");
    assert_eq!(
        e.to_string(),
        "the file is not a content token: it contains a character that is not Base64 at offset 4; upload the .vpptoken file exactly as downloaded from Apple Business Manager"
    );
}

#[test]
fn url_safe_alphabet_mixed_with_standard() {
    // Base64 of `{"token":"??>?"...` has '+' and '/' in the standard alphabet; swap the
    // first one for its URL-safe twin and keep the rest standard.
    let standard = with_values(&q("??>??>"), &q(GOOD_DATE), &q("o"));
    let first = standard.find(['+', '/']).expect("needs + or /");
    let twin = if &standard[first..=first] == "+" {
        "-"
    } else {
        "_"
    };
    let mixed = format!("{}{twin}{}", &standard[..first], &standard[first + 1..]);
    assert!(mixed.contains(['+', '/']), "the rest stays standard");
    // Apple's sample with one `_` and one `-`: the first is reported.
    let f = fixture("v2_pretty.vpptoken");
    let url_safe = format!("{}_{}-{}", &f[..20], &f[21..30], &f[31..]);
    for (case, input, offset) in [
        ("one URL-safe twin among standard characters", mixed, first),
        ("Apple's sample with one `_` and one `-`", url_safe, 20),
    ] {
        reject_base64(
            case,
            input.as_bytes(),
            "URL-safe",
            Base64Problem::UrlSafeAlphabet { offset },
        );
    }
}

#[test]
fn misplaced_padding() {
    let f = fixture("legacy_compact.vpptoken");
    let broken = format!("{}={}", &f[..8], &f[8..]);
    for (case, input, offset) in [
        ("a sample with `=` at offset 8", broken.as_str(), 8),
        ("QUJD=QUJD", "QUJD=QUJD", 4),
    ] {
        reject_base64(
            case,
            input.as_bytes(),
            "padding",
            Base64Problem::MisplacedPadding { offset },
        );
    }
}

#[test]
fn truncated_base64_mid_quantum() {
    let f = fixture("legacy_compact.vpptoken");
    let f = f.trim_end();
    for (case, cut) in [
        // One character into a 4-character quantum: no Base64 encoder produces that length.
        ("one character into a quantum", &f[..(f.len() / 4) * 4 - 3]),
        // Two or three characters into the last quantum: the last character has stray bits.
        ("cut at +2", &f[..(f.len() / 4 - 1) * 4 + 2]),
        ("cut at +3", &f[..(f.len() / 4 - 1) * 4 + 3]),
    ] {
        reject_base64(case, cut.as_bytes(), "truncated", Base64Problem::Truncated);
    }
    // Cut at a quantum boundary the Base64 is fine, but the JSON stops mid-string.
    let cut = &f[..f.len() - 4];
    let e = reject_str(cut, "not JSON");
    assert!(
        matches!(&e, TokenError::NotJson { reason, line: 1, .. } if reason == "EOF while parsing a string"),
        "{e:?}"
    );
}

#[test]
fn one_character_into_a_quantum() {
    reject_base64("QUJDR", b"QUJDR", "truncated", Base64Problem::Truncated);
}

#[test]
fn last_character_with_stray_bits() {
    // "e30" is "{}"; "e31" has non-zero trailing bits, which no encoder writes.
    reject_base64(
        "e31",
        b"e31",
        "truncated or altered",
        Base64Problem::Truncated,
    );
}

#[test]
fn binary_garbage() {
    reject_base64(
        "300 bytes of garbage",
        &garbage(300),
        "not Base64",
        Base64Problem::InvalidCharacter { offset: 0 },
    );
}

#[test]
fn zip_archive_instead_of_the_token() {
    // Admins sometimes upload the archive their browser made: "PK\x03\x04...".
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend(garbage(64));
    reject_base64(
        "a zip archive",
        &zip,
        "not Base64",
        Base64Problem::InvalidCharacter { offset: 2 },
    );
}

#[test]
fn utf16_encoded_file() {
    let text = fixture("v2_pretty.vpptoken");
    let units: Vec<u16> = text.encode_utf16().collect();
    // With a byte-order mark (as Windows editors write it): FF FE is not Base64.
    let mut le_bom = vec![0xFF, 0xFE];
    le_bom.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    // Without one: the first NUL byte, right after the first character.
    let le: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    for (case, input, offset) in [
        ("UTF-16LE with a byte-order mark", le_bom, 0),
        ("UTF-16LE without one", le, 1),
        ("UTF-16BE without one", be, 0),
    ] {
        reject_base64(
            case,
            &input,
            "not Base64",
            Base64Problem::InvalidCharacter { offset },
        );
    }
}

// ---- what the Base64 decodes to ----

#[test]
fn base64_of_binary_bytes_is_not_utf8() {
    let e = reject_str(&b64_bytes(&garbage(48)), "not UTF-8");
    assert!(matches!(e, TokenError::NotUtf8 { valid_up_to: 0 }), "{e:?}");
}

#[test]
fn invalid_utf8_inside_the_json() {
    let mut json =
        format!(r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":""#).into_bytes();
    let at = json.len();
    json.extend(b"Caf\xC3\x28\"}"); // a two-byte sequence cut short
    let e = reject_str(&b64_bytes(&json), "not UTF-8");
    match e {
        TokenError::NotUtf8 { valid_up_to } => assert_eq!(valid_up_to, at + 3),
        other => panic!("{other:?}"),
    }
    // Bytes that never start a UTF-8 sequence, right inside the first string.
    let e = reject_str(&b64_bytes(b"{\"token\":\"\xff\xfe\"}"), "not UTF-8");
    assert!(
        matches!(e, TokenError::NotUtf8 { valid_up_to: 10 }),
        "{e:?}"
    );
}

#[test]
fn base64_of_plain_text() {
    let e = reject_str(
        &file("Hello, this is my token, please accept it."),
        "not JSON",
    );
    match e {
        TokenError::NotJson {
            reason,
            line,
            column,
        } => {
            assert_eq!(reason, "expected value");
            assert_eq!((line, column), (1, 1));
        }
        other => panic!("{other:?}"),
    }
    let e = reject_str(&file("hello, world"), "not JSON");
    assert!(
        e.to_string()
            .contains("its Base64 content is not JSON (expected value at line 1, column 1)"),
        "{e}"
    );
}

#[test]
fn base64_encoded_twice() {
    // The admin (or a tool) Base64-encoded the already-Base64 file once more.
    let twice = b64(fixture("legacy_compact.vpptoken").trim());
    let e = reject_str(&twice, "not JSON");
    assert!(
        matches!(&e, TokenError::NotJson { reason, line: 1, column: 1 } if reason == "expected value"),
        "{e:?}"
    );
}

#[test]
fn base64_of_a_json_array() {
    let e = reject_str(&file(&format!(r#"["{INNER}", 1, null]"#)), "not an object");
    assert!(
        matches!(e, TokenError::NotAnObject { found: "an array" }),
        "{e:?}"
    );
}

#[test]
fn base64_of_a_json_string() {
    let e = reject_str(&file(&q(INNER)), "not an object");
    assert!(
        matches!(e, TokenError::NotAnObject { found: "a string" }),
        "{e:?}"
    );
}

#[test]
fn json_scalars() {
    for (json, found) in [
        ("42", "a number"),
        ("-1.5e3", "a number"),
        ("null", "null"),
        ("true", "a boolean"),
        ("false", "a boolean"),
    ] {
        let e = reject_str(&file(json), "not an object");
        assert!(
            matches!(e, TokenError::NotAnObject { found: f } if f == found),
            "{json}: {e:?}"
        );
    }
}

#[test]
fn json_with_trailing_garbage() {
    let json = format!(r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o"}} trailing"#);
    let e = reject_str(&file(&json), "not JSON");
    match e {
        TokenError::NotJson { reason, line, .. } => {
            assert_eq!(reason, "trailing characters");
            assert_eq!(line, 1);
        }
        other => panic!("{other:?}"),
    }
    // Trailing text right after a short object (the fast path's shape) too.
    assert!(matches!(
        reject_str(&file(r#"{"token":"a"} trailing"#), "not JSON"),
        TokenError::NotJson { .. }
    ));
    // A second object after the first is trailing garbage too.
    let two = format!(r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o"}}{{}}"#);
    let e = reject_str(&file(&two), "not JSON");
    assert!(
        matches!(&e, TokenError::NotJson { reason, .. } if reason == "trailing characters"),
        "{e:?}"
    );
}

#[test]
fn unterminated_json_object() {
    let json = format!(r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}""#);
    let e = reject_str(&file(&json), "not JSON");
    assert!(
        matches!(&e, TokenError::NotJson { reason, .. } if reason == "EOF while parsing an object"),
        "{e:?}"
    );
}

#[test]
fn byte_order_mark_inside_the_base64_payload() {
    let json =
        format!("\u{feff}{{\"token\":\"{INNER}\",\"expDate\":\"{GOOD_DATE}\",\"orgName\":\"o\"}}");
    let e = reject_str(&file(&json), "not JSON");
    assert!(
        matches!(&e, TokenError::NotJson { reason, line: 1, column: 1 } if reason == "expected value"),
        "{e:?}"
    );
}

// ---- deep nesting ----

#[test]
fn nesting_100_000_levels_is_too_large() {
    // 100,000 levels need 100,000+ bytes of JSON: over the limit once Base64-encoded.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let input = file(&nested);
    let e = reject_str(&input, "larger than");
    match e {
        TokenError::TooLarge { size, limit } => {
            assert_eq!((size, limit), (input.len(), MAX_TOKEN_FILE_BYTES));
        }
        other => panic!("{other:?}"),
    }
    let in_token = format!(
        r#"{{"token":{}{},"expDate":"{GOOD_DATE}","orgName":"o"}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(matches!(
        reject_str(&file(&in_token), "larger than"),
        TokenError::TooLarge { .. }
    ));
}

/// 40,000 opening brackets: 40 KB of JSON, 53 KB of Base64, under the 64 KiB limit.
const DEEP: usize = 40_000;

fn deep_open() -> String {
    "[".repeat(DEEP)
}

#[track_caller]
fn assert_deep_rejected(json: String) {
    let input = file(&json);
    assert!(input.len() <= MAX_TOKEN_FILE_BYTES, "{}", input.len());
    let e = on_small_stack(move || reject_str(&input, "not JSON"));
    match e {
        // serde_json skips nested values it does not keep with an iterative scanner, so
        // depth never reaches its recursion limit: the input fails where it ends instead.
        TokenError::NotJson { reason, line, .. } => {
            assert!(
                reason.contains("recursion limit") || reason.starts_with("EOF while parsing"),
                "{reason}"
            );
            assert_eq!(line, 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_nesting_as_the_top_level_value() {
    assert_deep_rejected(deep_open());
    assert_deep_rejected("{\"a\":".repeat(DEEP / 5));
}

#[test]
fn deep_nesting_as_an_unknown_fields_value() {
    assert_deep_rejected(format!(
        r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o","extra":{}"#,
        deep_open()
    ));
}

#[test]
fn deep_nesting_as_the_token_value() {
    assert_deep_rejected(format!(r#"{{"orgName":"o","token":{}"#, deep_open()));
}

#[test]
fn deep_balanced_nesting_never_overflows_the_stack() {
    // Closed nesting that still fits: 16,000 levels (32 KB of JSON, 43 KB of Base64).
    const LEVELS: usize = 16_000;
    let nest = || format!("{}{}", "[".repeat(LEVELS), "]".repeat(LEVELS));
    let top = file(&nest());
    let in_token = with_values(&nest(), &q(GOOD_DATE), &q("o"));
    let in_unknown = file(&format!(
        r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o","extra":{}}}"#,
        nest()
    ));
    for input in [&top, &in_token, &in_unknown] {
        assert!(input.len() <= MAX_TOKEN_FILE_BYTES);
    }
    let (top, in_token, in_unknown) = on_small_stack(move || {
        (
            VppToken::from_bytes(top.as_bytes()).map(|t| t.org_name().to_owned()),
            VppToken::from_bytes(in_token.as_bytes()).map(|t| t.org_name().to_owned()),
            VppToken::from_bytes(in_unknown.as_bytes()).map(|t| t.org_name().to_owned()),
        )
    });
    assert!(
        matches!(top, Err(TokenError::NotAnObject { found: "an array" })),
        "{top:?}"
    );
    assert!(
        matches!(
            in_token,
            Err(TokenError::WrongFieldType {
                field: "token",
                found: "an array"
            })
        ),
        "{in_token:?}"
    );
    // Unknown fields are ignored whatever their depth (see the report to the lead: the
    // recursion limit does not apply to skipped values).
    assert_eq!(in_unknown.unwrap(), "o");
}

// ---- fields ----

#[test]
fn duplicate_keys() {
    for (json, field) in [
        (
            format!(
                r#"{{"token":"{INNER}","token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o"}}"#
            ),
            "token",
        ),
        (
            format!(
                r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","expDate":"2099-01-01T00:00:00Z","orgName":"o"}}"#
            ),
            "expDate",
        ),
        (
            // Two strings: which one is meant cannot be known.
            format!(r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"a","orgName":"b"}}"#),
            "orgName",
        ),
        (
            // A duplicate of the wrong type still counts as a duplicate.
            format!(
                r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o","orgName":null}}"#
            ),
            "orgName",
        ),
    ] {
        let e = reject_str(&file(&json), "more than once");
        assert!(
            matches!(e, TokenError::DuplicateField { field: f } if f == field),
            "{e:?}"
        );
    }
}

#[test]
fn null_values() {
    for (input, field) in [
        (with_values("null", &q(GOOD_DATE), &q("o")), "token"),
        (with_values(&q(INNER), "null", &q("o")), "expDate"),
        (with_values(&q(INNER), &q(GOOD_DATE), "null"), "orgName"),
    ] {
        assert_wrong_type(&input, field, "null");
    }
}

#[test]
fn numbers_where_strings_belong() {
    for (input, field) in [
        (with_values("12345", &q(GOOD_DATE), &q("o")), "token"),
        (with_values(&q(INNER), "1924830000", &q("o")), "expDate"),
        (with_values(&q(INNER), &q(GOOD_DATE), "-1.5e3"), "orgName"),
    ] {
        assert_wrong_type(&input, field, "a number");
    }
}

/// Checks the whole message of a wrong-typed field.
#[track_caller]
fn assert_wrong_type(input: &str, field: &str, found: &str) {
    let e = reject_str(input, &format!("is {found}, not a string"));
    assert!(
        matches!(e, TokenError::WrongFieldType { field: f, found: k } if f == field && k == found),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "the token file's `{field}` field is {found}, not a string: the file is damaged; download a new one from Apple Business Manager > Settings > Apps and Books"
        )
    );
}

#[test]
fn arrays_and_booleans_where_strings_belong() {
    assert_wrong_type(
        &with_values(&q(INNER), &q(GOOD_DATE), r#"["o"]"#),
        "orgName",
        "an array",
    );
    assert_wrong_type(
        &with_values("[]", &q(GOOD_DATE), &q("o")),
        "token",
        "an array",
    );
    assert_wrong_type(
        &with_values(&q(INNER), &q(GOOD_DATE), "false"),
        "orgName",
        "a boolean",
    );
    assert_wrong_type(
        &with_values(&q(INNER), "true", &q("o")),
        "expDate",
        "a boolean",
    );
}

#[test]
fn object_as_the_token_value() {
    let input = with_values(&format!(r#"{{"value":"{INNER}"}}"#), &q(GOOD_DATE), &q("o"));
    assert_wrong_type(&input, "token", "an object");
}

#[track_caller]
fn assert_missing(json: String, field: &str) {
    let e = reject_str(&file(&json), &format!("has no `{field}` field"));
    assert!(
        e.to_string()
            .starts_with(&format!("the token file has no `{field}` field")),
        "{e}"
    );
    assert!(
        matches!(e, TokenError::MissingField { field: f } if f == field),
        "{e:?}"
    );
}

#[test]
fn missing_token() {
    assert_missing(
        format!(r#"{{"expDate":"{GOOD_DATE}","orgName":"o"}}"#),
        "token",
    );
    // Keys are case-sensitive.
    assert_missing(
        format!(r#"{{"Token":"{INNER}","expDate":"{GOOD_DATE}","orgName":"o"}}"#),
        "token",
    );
}

#[test]
fn missing_exp_date() {
    assert_missing(format!(r#"{{"token":"{INNER}","orgName":"o"}}"#), "expDate");
    assert_missing(
        format!(r#"{{"token":"{INNER}","exp_date":"{GOOD_DATE}","orgName":"o"}}"#),
        "expDate",
    );
}

#[test]
fn missing_org_name() {
    assert_missing(
        format!(r#"{{"token":"{INNER}","expDate":"{GOOD_DATE}"}}"#),
        "orgName",
    );
}

#[test]
fn empty_object() {
    assert_missing("{}".to_owned(), "token");
}

#[test]
fn empty_token() {
    for inner in ["", " ", "\t\r\n", "\u{3000}"] {
        let e = reject_str(&with_values(&q(inner), &q(GOOD_DATE), &q("o")), "is empty");
        assert!(matches!(e, TokenError::EmptyToken), "{inner:?}: {e:?}");
    }
}

// ---- expiry date ----

#[track_caller]
fn assert_bad_date(date: &str, problem: DateProblem) {
    let e = reject_str(
        &with_values(&q(INNER), &q(date), &q("o")),
        "is not a valid date-time",
    );
    match e {
        TokenError::InvalidExpiry { value, problem: p } => {
            assert_eq!(value, date);
            assert_eq!(p, problem, "{date}");
        }
        other => panic!("{date}: {other:?}"),
    }
}

#[test]
fn impossible_month() {
    assert_bad_date("2031-13-02T03:04:05+0000", DateProblem::Month);
    let e = reject_str(
        &with_values(&q(INNER), &q("2031-13-02T03:04:05Z"), &q("o")),
        "the month does not exist",
    );
    assert_eq!(
        e.to_string(),
        "the token file's expiry date \"2031-13-02T03:04:05Z\" is not a valid date-time (the month does not exist): the file is damaged; download a new one from Apple Business Manager > Settings > Apps and Books"
    );
    assert_bad_date("2031-00-02T03:04:05+0000", DateProblem::Month);
}

#[test]
fn impossible_day() {
    assert_bad_date("2031-02-30T03:04:05+0000", DateProblem::Day);
    assert_bad_date("2031-02-29T03:04:05+0000", DateProblem::Day);
    assert_bad_date("2031-04-31T03:04:05Z", DateProblem::Day);
}

#[test]
fn impossible_time_of_day() {
    assert_bad_date("2031-01-02T24:00:00+0000", DateProblem::Time);
    assert_bad_date("2031-01-02T23:60:00+0000", DateProblem::Time);
    assert_bad_date("2031-01-02T23:59:60Z", DateProblem::Time);
}

#[test]
fn date_without_time() {
    assert_bad_date("2031-01-02", DateProblem::MissingTime);
}

#[test]
fn date_without_offset() {
    assert_bad_date("2031-01-02T03:04:05", DateProblem::MissingOffset);
}

#[test]
fn offset_out_of_range() {
    assert_bad_date("2031-01-02T03:04:05+2500", DateProblem::Offset);
    assert_bad_date("2031-01-02T03:04:05-24:00", DateProblem::Offset);
    assert_bad_date("2031-01-02T03:04:05+0160", DateProblem::Offset);
}

#[test]
fn a_long_expiry_is_quoted_truncated() {
    let long = "9".repeat(500);
    match reject_str(
        &with_values(&q(INNER), &q(&long), &q("o")),
        "is not a valid date-time",
    ) {
        TokenError::InvalidExpiry { value, problem } => {
            assert_eq!(value, "9".repeat(64), "quoted value is truncated");
            assert_eq!(problem, DateProblem::Shape);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn date_in_another_shape() {
    for date in [
        "",
        "never",
        "1924830000",
        "2031-01-02 03:04:05+0000",
        "02/01/2031",
        "Thu, 02 Jan 2031 03:04:05 GMT",
    ] {
        assert_bad_date(date, DateProblem::Shape);
    }
}

// ---- regressions ----

/// Found while writing the round-trip property: the builder wrote the offset with `%z`,
/// which has no seconds, so an offset with seconds (possible in a `FixedOffset`) was
/// silently rounded and the built token expired at another instant. It now refuses.
#[test]
fn builder_refuses_sub_minute_offsets_instead_of_moving_the_instant() {
    let offset = chrono::FixedOffset::east_opt(3600 + 30).unwrap();
    let exp = chrono::NaiveDate::from_ymd_opt(2031, 1, 2)
        .unwrap()
        .and_hms_opt(3, 4, 5)
        .unwrap()
        .and_local_timezone(offset)
        .single()
        .unwrap();
    // Apple's `+hhmm` form cannot carry the seconds: refused rather than rounded.
    match VppToken::builder("o", exp).build() {
        Err(TokenError::InvalidExpiry { value, problem }) => {
            assert_eq!(problem, DateProblem::Offset);
            assert_eq!(value, "2031-01-02T03:04:05+01:00:30");
        }
        other => panic!("{other:?}"),
    }
    // Whole-minute offsets keep their instant and offset.
    let whole = exp.with_timezone(&chrono::FixedOffset::east_opt(3600 + 60).unwrap());
    let t = VppToken::builder("o", whole).build().unwrap();
    assert_eq!(t.file_expiry(), whole);
    assert_eq!(t.file_expiry().offset(), whole.offset());
}
