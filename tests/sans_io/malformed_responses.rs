//! Catalogue of malformed Apple responses, one test per class, through the public
//! decoders (`wire::decode_response`, `wire::apple_error` and `LocationSnapshot`): each
//! asserts the specific `ResponseError` variant and that its message names the problem and
//! says what to do. No input may panic, overflow the stack or leak a secret it carried.
//! (Fixture round trips and the basic cases live in the `wire` and `account_*` modules.)

use crate::common;

use apple_vpp::LocationSnapshot;
use apple_vpp::error::{DateProblem, ResponseError};
use apple_vpp::wire::{
    self, ClientConfig, ErrorKind, ErrorNumber, LegacyClientConfig, NotificationType, ServiceConfig,
};
use common::assert_no_secret;
use serde_json::Value;

/// A `notificationAuthToken` value long enough that its presence in a message is a leak.
const SECRET: &str = "nAt0k3nS3cr3tV4lu3ABCDEFGHIJKLMNOP";

const RETRY: &str = "try again later";
const REPORT: &str = "report it";

/// Decodes a v2 body with HTTP 200 and builds the snapshot, as an MDM would.
fn v2(body: &str) -> Result<LocationSnapshot, ResponseError> {
    let config = wire::decode_response::<ClientConfig>(200, body.as_bytes())?;
    LocationSnapshot::from_v2(&config)
}

/// Decodes a legacy body with HTTP 200 and builds the snapshot.
fn legacy(body: &str) -> Result<LocationSnapshot, ResponseError> {
    let config = wire::decode_response::<LegacyClientConfig>(200, body.as_bytes())?;
    LocationSnapshot::from_legacy(&config)
}

/// Both ways of reading a v2 body (`decode_response` + `from_v2`, and `from_json`) give
/// the same error.
fn v2_err(body: &str) -> ResponseError {
    let err = v2(body).expect_err(body);
    let again = LocationSnapshot::from_json(body.as_bytes()).expect_err(body);
    assert_eq!(
        std::mem::discriminant(&err),
        std::mem::discriminant(&again),
        "{body}: {err:?} vs {again:?}"
    );
    err
}

/// The message contains every one of `needles`, and neither it nor `Debug` repeats
/// [`SECRET`].
#[track_caller]
fn assert_says(err: &ResponseError, needles: &[&str]) {
    let text = err.to_string();
    for needle in needles {
        assert!(text.contains(needle), "{text:?} does not say {needle:?}");
    }
    assert_no_leak(err);
}

#[track_caller]
fn assert_malformed(err: &ResponseError, status: u16, reason_says: &str) {
    let ResponseError::Malformed {
        status: s,
        reason,
        source,
    } = err
    else {
        panic!("expected Malformed, got {err:?}");
    };
    assert_eq!(*s, status, "{err:?}");
    // serde's error is kept as the source, its message elided as the reason is.
    if let Some(json) = source {
        let chained = std::error::Error::source(err).expect("the JSON error is the source");
        assert_eq!(chained.to_string(), json.to_string());
        assert_eq!(json.to_string(), *reason);
        assert_no_secret(&format!("{json:?}"), SECRET);
    }
    assert!(
        reason.contains(reason_says),
        "reason {reason:?} does not say {reason_says:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_says(
        err,
        &["Apple's response", "could not be read", RETRY, REPORT],
    );
}

#[track_caller]
fn assert_incomplete(err: &ResponseError, field: &str) {
    assert!(
        matches!(err, ResponseError::Incomplete { field: f } if *f == field),
        "expected Incomplete {{ {field} }}, got {err:?}"
    );
    assert_says(
        err,
        &[&format!("no `{field}`"), "incomplete", RETRY, REPORT],
    );
}

#[track_caller]
fn assert_apple(err: &ResponseError, number: ErrorNumber, kind: ErrorKind) -> &str {
    let ResponseError::Apple(apple) = err else {
        panic!("expected Apple, got {err:?}");
    };
    assert_eq!(apple.number, number, "{err:?}");
    assert_eq!(err.kind(), kind, "{err:?}");
    assert_says(err, &["Apple returned error", kind.advice()]);
    &apple.message
}

/// A valid v2 body with `field` replaced by `value` (or removed when `None`).
fn v2_with(field: &str, value: Option<Value>) -> String {
    let mut body: Value = serde_json::from_str(&common::fixture("client_config_v2.json")).unwrap();
    let object = body.as_object_mut().unwrap();
    object.insert("notificationAuthToken".into(), SECRET.into());
    match value {
        Some(v) => object.insert(field.into(), v),
        None => object.remove(field),
    };
    body.to_string()
}

/// The error's Display and Debug do not repeat [`SECRET`].
#[track_caller]
fn assert_no_leak(err: &ResponseError) {
    assert_no_secret(&err.to_string(), SECRET);
    assert_no_secret(&format!("{err:?}"), SECRET);
    assert_no_secret(&format!("{err:#?}"), SECRET);
}

// ---- uId ----

#[test]
fn uid_missing() {
    let err = v2_err(&v2_with("uId", None));
    assert_incomplete(&err, "uId");
    assert_no_leak(&err);
}

#[test]
fn uid_empty_or_blank() {
    for uid in ["", "   ", "\t\n"] {
        let err = v2_err(&v2_with("uId", Some(uid.into())));
        assert_incomplete(&err, "uId");
    }
    let err = v2_err(&v2_with("uId", Some(Value::Null)));
    assert_incomplete(&err, "uId");
}

#[test]
fn uid_of_the_wrong_type() {
    for bad in [
        serde_json::json!({"id": "1"}),
        serde_json::json!(["1"]),
        serde_json::json!(true),
    ] {
        let body = v2_with("uId", Some(bad));
        let err = v2_err(&body);
        // Regression: the reason used to be "data did not match any variant of untagged
        // enum NumberOrString", naming a Rust type instead of what was expected.
        assert_malformed(&err, 200, "invalid type: ");
        assert_malformed(&err, 200, "expected a string or a number");
        assert_no_leak(&err);
    }
}

// ---- locationName ----

#[test]
fn location_name_missing() {
    let err = v2_err(&v2_with("locationName", None));
    assert_incomplete(&err, "locationName");
    assert_no_leak(&err);
}

#[test]
fn location_name_is_a_number() {
    let err = v2_err(&v2_with("locationName", Some(42.into())));
    assert_malformed(&err, 200, "invalid type: integer `42`, expected a string");
    assert_no_leak(&err);
}

// ---- mdmInfo ----

#[test]
fn mdm_info_is_a_string() {
    let body = v2_with("mdmInfo", Some("Example MDM".into()));
    let err = v2_err(&body);
    assert_malformed(&err, 200, "invalid type: string");
    assert_malformed(&err, 200, "expected struct MdmInfo");
    assert!(
        !err.to_string().contains("Example MDM"),
        "quoted values are elided"
    );
    assert_no_leak(&err);
}

#[test]
fn mdm_info_is_an_array() {
    // An array of non-strings is refused.
    let err = v2_err(&v2_with("mdmInfo", Some(serde_json::json!([1, 2, 3]))));
    assert_malformed(&err, 200, "invalid type: integer `1`, expected a string");
    assert_no_leak(&err);
    // Documented quirk: serde reads a struct from an array positionally, so an array of
    // strings decodes as (id, name, metadata) and an empty array as an mdmInfo without an
    // id. Apple never sends either; the result is a claim, never a crash or "unclaimed".
    let s = v2(&v2_with(
        "mdmInfo",
        Some(serde_json::json!(["id-1", "N", "M"])),
    ))
    .unwrap();
    assert_eq!(s.claim.unwrap().id.as_deref(), Some("id-1"));
    let s = v2(&v2_with("mdmInfo", Some(serde_json::json!([])))).unwrap();
    assert!(s.claim.is_some(), "an empty mdmInfo is still present");
}

// ---- subscribedNotificationTypes ----

#[test]
fn subscribed_notification_types_is_a_string() {
    let err = v2_err(&v2_with(
        "subscribedNotificationTypes",
        Some("ASSET_COUNT".into()),
    ));
    assert_malformed(&err, 200, "expected a sequence");
    assert_no_leak(&err);
}

#[test]
fn subscribed_notification_types_with_200_000_entries() {
    let types: Vec<Value> = (0..200_000)
        .map(|i| match i % 3 {
            0 => "ASSET_COUNT".into(),
            1 => format!("NEW_TYPE_{i}").into(),
            _ => "USER_MANAGEMENT".into(),
        })
        .collect();
    let body = v2_with("subscribedNotificationTypes", Some(types.into()));
    let config = wire::decode_response::<ClientConfig>(200, body.as_bytes()).unwrap();
    let types = config.subscribed_notification_types.as_ref().unwrap();
    assert_eq!(types.len(), 200_000);
    assert_eq!(types[0], NotificationType::AssetCount);
    assert_eq!(types[1], NotificationType::Unknown("NEW_TYPE_1".into()));
    assert!(LocationSnapshot::from_v2(&config).is_ok());
    assert!(LocationSnapshot::from_json(body.as_bytes()).is_ok());
    // One bad entry among them fails cleanly.
    let mut types: Vec<Value> = vec!["ASSET_COUNT".into(); 200_000];
    types[199_999] = 7.into();
    let err = v2_err(&v2_with("subscribedNotificationTypes", Some(types.into())));
    assert_malformed(&err, 200, "invalid type: integer `7`, expected a string");
}

// ---- tokenExpirationDate ----

#[test]
fn token_expiration_date_is_a_number() {
    let err = v2_err(&v2_with(
        "tokenExpirationDate",
        Some(1_790_000_000_000_i64.into()),
    ));
    assert_malformed(&err, 200, "invalid type: integer `1790000000000`");
    assert_no_leak(&err);
}

#[test]
fn token_expiration_date_with_month_13() {
    let err = v2_err(&v2_with(
        "tokenExpirationDate",
        Some("2030-13-08T22:33:22+0000".into()),
    ));
    assert_eq!(
        err,
        ResponseError::InvalidDate {
            field: "tokenExpirationDate",
            value: "2030-13-08T22:33:22+0000".into(),
            problem: DateProblem::Month,
        }
    );
    assert_says(
        &err,
        &[
            "`tokenExpirationDate`",
            "2030-13-08T22:33:22+0000",
            "the month does not exist",
            REPORT,
        ],
    );
    assert_no_leak(&err);
}

#[test]
fn token_expiration_date_is_long_garbage() {
    // The value is echoed (dates are not secret) but cut to 64 characters.
    let long = format!("2030-11-08T22:33:22+0000{}", "x".repeat(10_000));
    let err = v2_err(&v2_with("tokenExpirationDate", Some(long.into())));
    let ResponseError::InvalidDate { field, value, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*field, "tokenExpirationDate");
    assert_eq!(value.chars().count(), 64);
    assert!(err.to_string().len() < 400);
}

// ---- huge nesting ----

#[test]
fn deeply_nested_body_hits_the_recursion_limit() {
    let open = "[".repeat(100_000);
    let err = wire::decode_response::<Value>(200, open.as_bytes()).unwrap_err();
    assert_malformed(&err, 200, "recursion limit exceeded");
    let err = wire::decode_response::<ServiceConfig>(200, open.as_bytes()).unwrap_err();
    assert!(
        matches!(err, ResponseError::Malformed { status: 200, .. }),
        "{err:?}"
    );
    let err = wire::decode_response::<ClientConfig>(200, open.as_bytes()).unwrap_err();
    assert!(
        matches!(err, ResponseError::Malformed { status: 200, .. }),
        "{err:?}"
    );
    let err = LocationSnapshot::from_json(open.as_bytes()).unwrap_err();
    assert_malformed(&err, 200, "recursion limit exceeded");

    let objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    let err = wire::decode_response::<Value>(200, objects.as_bytes()).unwrap_err();
    assert_malformed(&err, 200, "recursion limit exceeded");
    let err = LocationSnapshot::from_json(objects.as_bytes()).unwrap_err();
    assert_malformed(&err, 200, "recursion limit exceeded");
    // Typed decoders skip unknown fields without recursing: the nesting is ignored.
    let config = wire::decode_response::<ClientConfig>(200, objects.as_bytes()).unwrap();
    assert_eq!(config, ClientConfig::default());
    let err = LocationSnapshot::from_v2(&config).unwrap_err();
    assert_incomplete(&err, "uId");

    // Nested inside a known field that keeps any JSON (`limits`' unknown entries).
    let service = format!(r#"{{"limits":{{"x":{open}"#);
    let err = wire::decode_response::<ServiceConfig>(200, service.as_bytes()).unwrap_err();
    assert_malformed(&err, 200, "recursion limit exceeded");
    // And with an error status: no error body can be found, so it is an HTTP error.
    for status in [400, 500] {
        let err = wire::decode_response::<ClientConfig>(status, open.as_bytes()).unwrap_err();
        assert_eq!(err, ResponseError::Http { status });
    }
}

// ---- Apple's error bodies ----

#[test]
fn unknown_error_number_with_any_status() {
    for (status, kind) in [
        (200, ErrorKind::Other),
        (400, ErrorKind::Other),
        (500, ErrorKind::Retryable),
    ] {
        let body = br#"{"errorNumber":12345,"errorMessage":"Something new."}"#;
        let err = wire::decode_response::<ClientConfig>(status, body).unwrap_err();
        let message = assert_apple(&err, ErrorNumber::Unknown(12345), kind);
        assert_eq!(message, "Something new.");
        assert_eq!(err.apple().unwrap().status, Some(status));
        assert_says(
            &err,
            &["12345", &format!("HTTP {status}"), "Something new."],
        );
        if status != 500 {
            assert_says(&err, &[RETRY, REPORT]);
        }
        let err = LocationSnapshot::from_json(body).unwrap_err();
        assert_apple(&err, ErrorNumber::Unknown(12345), ErrorKind::Other);
    }
}

#[test]
fn unlisted_request_validation_number_with_any_status() {
    for status in [200, 400, 500] {
        let err =
            wire::decode_response::<ServiceConfig>(status, br#"{"errorNumber":9715}"#).unwrap_err();
        assert_apple(
            &err,
            ErrorNumber::RequestValidation(9715),
            ErrorKind::RequestInvalid,
        );
        assert_says(&err, &["9715", "report it to the MDM's developers"]);
    }
}

#[test]
fn error_number_negative_float_or_huge() {
    // Not a non-negative integer: not Apple's error shape. With 2xx the body decodes as
    // the type asked for (unknown fields ignored); with an error status it is an HTTP
    // error.
    for body in [
        &br#"{"errorNumber":-9625}"#[..],
        br#"{"errorNumber":9625.0}"#,
        br#"{"errorNumber":9625.5}"#,
        br#"{"errorNumber":1e300}"#,
        br#"{"errorNumber":100000000000000000000}"#,
    ] {
        assert_eq!(wire::apple_error(200, body), None, "{body:?}");
        assert_eq!(
            wire::decode_response::<ClientConfig>(200, body),
            Ok(ClientConfig::default())
        );
        assert_eq!(
            wire::decode_response::<ClientConfig>(500, body),
            Err(ResponseError::Http { status: 500 })
        );
        // LegacyClientConfig has `errorNumber` as a typed field: it refuses the value.
        let err = wire::decode_response::<LegacyClientConfig>(200, body).unwrap_err();
        assert_malformed(&err, 200, "expected u64");
        // from_json takes such a body as v2 without `uId`.
        let err = LocationSnapshot::from_json(body).unwrap_err();
        assert_incomplete(&err, "uId");
    }
    // Above u32::MAX but within u64: Apple's error with the number saturated to u32::MAX.
    for body in [
        &br#"{"errorNumber":4294967296}"#[..],
        br#"{"errorNumber":18446744073709551615}"#,
    ] {
        let err = wire::decode_response::<ClientConfig>(400, body).unwrap_err();
        assert_apple(&err, ErrorNumber::Unknown(u32::MAX), ErrorKind::Other);
        assert_says(&err, &["4294967295", "HTTP 400"]);
    }
    let err = wire::decode_response::<ClientConfig>(200, br#"{"errorNumber":0}"#).unwrap_err();
    assert_apple(&err, ErrorNumber::Unknown(0), ErrorKind::Other);
}

#[test]
fn error_body_with_wrong_typed_message_or_info_keeps_the_number() {
    // Regression: an `errorMessage` that is not a string used to make the whole error
    // body unreadable, so with HTTP 200 a revoked token decoded as an empty
    // ClientConfig (and with 401 as a bare HTTP error). The number is what matters.
    for message in ["5", "null", "{\"en\":\"revoked\"}", "[\"revoked\"]"] {
        let body = format!(r#"{{"errorNumber":9625,"errorMessage":{message}}}"#);
        for status in [200, 401] {
            let err = wire::decode_response::<ClientConfig>(status, body.as_bytes()).unwrap_err();
            let text = assert_apple(&err, ErrorNumber::TokenRevoked, ErrorKind::TokenRevoked);
            assert_eq!(text, "", "a non-string message is dropped: {body}");
        }
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert_apple(&err, ErrorNumber::TokenRevoked, ErrorKind::TokenRevoked);
    }
    let err = wire::decode_response::<ClientConfig>(
        200,
        br#"{"errorNumber":9621,"errorMessage":"Expired.","errorInfo":"text"}"#,
    )
    .unwrap_err();
    assert_apple(&err, ErrorNumber::TokenExpired, ErrorKind::TokenExpired);
    assert_eq!(err.apple().unwrap().info, Some(Value::from("text")));
}

#[test]
fn error_body_that_is_not_an_object() {
    // Regression: an array used to be read positionally as Apple's error body.
    for body in [
        &b"[9625]"[..],
        b"[9625, \"revoked\"]",
        b"9625",
        b"\"errorNumber\"",
        b"null",
    ] {
        assert_eq!(wire::apple_error(401, body), None, "{body:?}");
        assert_eq!(
            wire::decode_response::<Value>(401, body),
            Err(ResponseError::Http { status: 401 })
        );
        assert_eq!(
            wire::decode_response::<Value>(200, body),
            Ok(serde_json::from_slice(body).unwrap())
        );
        let err = LocationSnapshot::from_json(body).unwrap_err();
        assert_malformed(&err, 200, "not a JSON object");
    }
    // errorNumber nested one level down is not Apple's error either.
    let body = br#"{"error":{"errorNumber":9625}}"#;
    assert_eq!(wire::apple_error(500, body), None);
}

// ---- empty bodies ----

#[test]
fn empty_body() {
    for body in [&b""[..], b"   ", b"\r\n"] {
        // 200 and 204: a typed response needs a body.
        for status in [200, 204] {
            let err = wire::decode_response::<ClientConfig>(status, body).unwrap_err();
            assert_malformed(&err, status, "EOF while parsing a value");
            let err = wire::decode_response::<Value>(status, body).unwrap_err();
            assert_malformed(&err, status, "EOF while parsing a value");
        }
        // 500: an HTTP error, retryable.
        let err = wire::decode_response::<ServiceConfig>(500, body).unwrap_err();
        assert_eq!(err, ResponseError::Http { status: 500 });
        assert_eq!(err.kind(), ErrorKind::Retryable);
        assert_says(&err, &["HTTP 500", "without an error body", RETRY]);
        let err = LocationSnapshot::from_json(body).unwrap_err();
        assert_malformed(&err, 200, "EOF while parsing a value");
    }
}

// ---- legacy responses ----

#[test]
fn legacy_failure_status_with_error_number() {
    let body = r#"{"status":-1,"errorNumber":9621,"errorMessage":"Token expired."}"#;
    let err = legacy(body).unwrap_err();
    let message = assert_apple(&err, ErrorNumber::TokenExpired, ErrorKind::TokenExpired);
    assert_eq!(message, "Token expired.");
    assert_eq!(err.apple().unwrap().status, Some(200));
    let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
    assert_apple(&err, ErrorNumber::TokenExpired, ErrorKind::TokenExpired);
}

#[test]
fn legacy_failure_status_without_error_number() {
    // Regression: `status: -1` without `errorNumber` used to be taken as success when the
    // body also had a uId and location, contradicting `from_legacy`'s documentation.
    for body in [
        r#"{"status":-1}"#,
        r#"{"status":-1,"errorMessage":"Failed."}"#,
        r#"{"status":-1,"uId":"1234567890","location":{"locationName":"Example District"}}"#,
    ] {
        let err = legacy(body).unwrap_err();
        assert_apple(&err, ErrorNumber::Unknown(0), ErrorKind::Other);
        assert_says(&err, &[RETRY, REPORT]);
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert_apple(&err, ErrorNumber::Unknown(0), ErrorKind::Other);
    }
    let err = legacy(r#"{"status":-1,"errorMessage":"Failed."}"#).unwrap_err();
    assert_eq!(err.apple().unwrap().message, "Failed.");
}

#[test]
fn legacy_client_context_is_an_object() {
    let body = r#"{"status":0,"uId":"1","location":{"locationName":"L"},"clientContext":{"guid":"g","hostname":"h"}}"#;
    let err = legacy(body).unwrap_err();
    assert_malformed(&err, 200, "invalid type: map, expected a string");
    let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
    assert_malformed(&err, 200, "invalid type: map, expected a string");
}

#[test]
fn legacy_expiration_millis_out_of_range() {
    // Beyond chrono's range, and beyond Apple's four-digit years (year 10000 and year -1:
    // accepted before, then stored in a form that could not be loaded again).
    for millis in [i64::MAX, i64::MIN, 253_402_300_800_000, -62_167_219_200_001] {
        let body = format!(
            r#"{{"status":0,"uId":"1","location":{{"locationName":"L"}},"expirationMillis":{millis}}}"#
        );
        let err = legacy(&body).unwrap_err();
        assert_eq!(
            err,
            ResponseError::InvalidDate {
                field: "expirationMillis",
                value: millis.to_string(),
                problem: DateProblem::Year,
            }
        );
        assert_says(
            &err,
            &[
                "`expirationMillis`",
                &millis.to_string(),
                "the year is outside 0000–9999",
                REPORT,
            ],
        );
        assert_eq!(LocationSnapshot::from_json(body.as_bytes()), Err(err));
    }
    // Beyond i64: not an i64 at all.
    let body = r#"{"status":0,"uId":"1","location":{"locationName":"L"},"expirationMillis":99999999999999999999}"#;
    let err = legacy(body).unwrap_err();
    assert_malformed(&err, 200, "expected i64");
}

#[test]
fn numeric_uid_that_cannot_be_kept_exactly() {
    // serde_json reads integers beyond 64 bits (and any fraction or exponent) as f64:
    // rounded, two locations would compare equal. Refused instead, in both shapes.
    for number in [
        "18446744073709551616",
        "1e3",
        "-1.5",
        "100000000000000000000",
    ] {
        let body = format!(r#"{{"uId":{number},"locationName":"L"}}"#);
        let err = v2_err(&body);
        assert_malformed(&err, 200, "cannot be kept exactly");
        let body = format!(r#"{{"status":0,"uId":{number},"location":{{"locationName":"L"}}}}"#);
        assert_malformed(&legacy(&body).unwrap_err(), 200, "cannot be kept exactly");
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert_malformed(&err, 200, "cannot be kept exactly");
    }
    // Within 64 bits, either sign: kept digit for digit.
    for number in ["18446744073709551615", "-9223372036854775808", "0"] {
        let body = format!(r#"{{"uId":{number},"locationName":"L"}}"#);
        assert_eq!(v2(&body).unwrap().location.uid, number);
    }
}

#[test]
fn legacy_location_missing_or_wrong() {
    let body = r#"{"status":0,"uId":"1234567890","countryCode":"US"}"#;
    let err = legacy(body).unwrap_err();
    assert_incomplete(&err, "locationName");
    assert_eq!(LocationSnapshot::from_json(body.as_bytes()), Err(err));
    let body = r#"{"status":0,"uId":"1","location":"Example District"}"#;
    let err = legacy(body).unwrap_err();
    assert_malformed(&err, 200, "expected struct LegacyLocation");
    let body = r#"{"status":0,"location":{"locationName":"L"}}"#;
    assert_incomplete(&legacy(body).unwrap_err(), "uId");
}

// ---- whole v2 bodies of the wrong shape ----

#[test]
fn v2_body_is_a_string_array_or_null() {
    for (body, says) in [
        (r#""uId""#, "invalid type: string"),
        ("null", "invalid type: null"),
        ("true", "invalid type: boolean"),
        ("42", "invalid type: integer"),
    ] {
        let err = wire::decode_response::<ClientConfig>(200, body.as_bytes()).unwrap_err();
        assert_malformed(&err, 200, says);
        assert_malformed(&err, 200, "expected struct ClientConfig");
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert_malformed(&err, 200, "the client configuration is not a JSON object");
    }
    // Documented quirk: serde reads a struct from an array positionally, so
    // `decode_response::<ClientConfig>` accepts an array of strings (here `[]`, all fields
    // absent); the snapshot then refuses it. `from_json` refuses any array outright.
    let config = wire::decode_response::<ClientConfig>(200, b"[]").unwrap();
    assert_eq!(config, ClientConfig::default());
    assert_incomplete(&LocationSnapshot::from_v2(&config).unwrap_err(), "uId");
    let err = wire::decode_response::<ClientConfig>(200, b"[1]").unwrap_err();
    assert_malformed(&err, 200, "invalid type: integer `1`");
    for body in ["[]", r#"["DE"]"#, "[{}]"] {
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert_malformed(&err, 200, "the client configuration is not a JSON object");
    }
}

// ---- secrets ----

#[test]
fn no_message_repeats_the_notification_auth_token() {
    let wrong_types = [
        ("uId", serde_json::json!({"a": SECRET})),
        ("locationName", serde_json::json!(42)),
        ("mdmInfo", serde_json::json!(SECRET)),
        ("mdmInfo", serde_json::json!({"id": 7})),
        ("subscribedNotificationTypes", serde_json::json!(SECRET)),
        ("tokenExpirationDate", serde_json::json!(7)),
        ("websiteURL", serde_json::json!([SECRET])),
        ("notificationUrl", serde_json::json!(false)),
        ("defaultPlatform", serde_json::json!({})),
    ];
    for (field, value) in wrong_types {
        let body = v2_with(field, Some(value));
        assert!(body.contains(SECRET));
        for status in [200, 204] {
            let err = wire::decode_response::<ClientConfig>(status, body.as_bytes()).unwrap_err();
            assert!(
                matches!(err, ResponseError::Malformed { .. }),
                "{field}: {err:?}"
            );
            assert_no_leak(&err);
        }
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert_no_leak(&err);
    }
    // The token itself of the wrong type.
    let err = v2_err(&v2_with(
        "notificationAuthToken",
        Some(serde_json::json!({ "value": SECRET })),
    ));
    assert_malformed(&err, 200, "invalid type: map, expected a string");
    assert_no_leak(&err);
    // A secret with escaped quotes inside still does not come back.
    let tricky = format!("{}\\\"{}", &SECRET[..20], &SECRET[20..]);
    let body = format!(r#"{{"uId":"1","locationName":"L","mdmInfo":"{tricky}"}}"#);
    let err = wire::decode_response::<ClientConfig>(200, body.as_bytes()).unwrap_err();
    assert_no_secret(&err.to_string(), &SECRET[..20]);
    assert_no_secret(&format!("{err:?}"), &SECRET[..20]);
    // A valid body's Debug keeps the token out too.
    let config = wire::decode_response::<ClientConfig>(200, v2_with("x", None).as_bytes()).unwrap();
    assert_no_secret(&format!("{config:?}"), SECRET);
}

// ---- every decoder, every class: the outcome, and no panic ----

/// What a decoder gives for a body with a 2xx status.
#[derive(Debug, Clone, Copy)]
enum Want {
    Ok,
    /// `Malformed`, its reason containing this.
    Malformed(&'static str),
    /// `Incomplete` naming this field (`LocationSnapshot` only).
    Incomplete(&'static str),
}

/// Checks one decoder's outcome for `body` with `status`: Apple's error whenever the body
/// holds one (`apple`), else `Http` for a non-2xx status, else `want`.
#[track_caller]
fn assert_outcome<T: std::fmt::Debug>(
    decoder: &str,
    body: &str,
    status: u16,
    apple: Option<ErrorNumber>,
    want: Want,
    got: Result<T, ResponseError>,
) {
    let context = format!("{decoder} with HTTP {status} on {body:.60?}");
    if let Err(err) = &got {
        assert_no_leak(err);
    }
    match (apple, &got) {
        (Some(number), Err(ResponseError::Apple(e))) => {
            assert_eq!(e.number, number, "{context}");
            assert_eq!(e.status, Some(status), "{context}");
            assert_eq!(e.info, None, "{context}: a null errorInfo is no info");
        }
        (Some(_), other) => panic!("{context}: expected Apple's error, got {other:?}"),
        (None, Err(ResponseError::Http { status: s })) if !(200..300).contains(&status) => {
            assert_eq!(*s, status, "{context}");
        }
        (None, other) if !(200..300).contains(&status) => {
            panic!("{context}: expected Http, got {other:?}")
        }
        (None, Ok(_)) => assert!(matches!(want, Want::Ok), "{context}: expected {want:?}"),
        (
            None,
            Err(ResponseError::Malformed {
                status: s, reason, ..
            }),
        ) => {
            assert_eq!(*s, status, "{context}");
            let Want::Malformed(says) = want else {
                panic!("{context}: expected {want:?}, got Malformed({reason})");
            };
            assert!(
                reason.contains(says),
                "{context}: {reason:?} does not say {says:?}"
            );
        }
        (None, Err(ResponseError::Incomplete { field })) => {
            assert!(
                matches!(want, Want::Incomplete(f) if f == *field),
                "{context}: expected {want:?}, got Incomplete({field})"
            );
        }
        (None, Err(other)) => panic!("{context}: expected {want:?}, got {other:?}"),
    }
}

#[test]
fn every_decoder_gives_the_expected_outcome_for_the_catalogue() {
    use Want::{Incomplete, Malformed, Ok};
    let deep = "[".repeat(100_000);
    const EOF: Want = Malformed("EOF while parsing a value");
    const NULL: Want = Malformed("invalid type: null");
    const NOT_OBJECT: Want = Malformed("not a JSON object");
    const SEQUENCE: Want = Malformed("invalid type: sequence");
    const DEPTH: Want = Malformed("recursion limit exceeded");
    const U64: Want = Malformed("expected u64");
    const I64: Want = Malformed("expected i64");
    const RANGE: Want = Malformed("number out of range");
    const BOM: Want = Malformed("expected value");
    const CONTROL: Want = Malformed("control character");
    const SURROGATE: Want = Malformed("unexpected end of hex escape");
    const MDM_INFO: Want = Malformed("expected struct MdmInfo");
    // `-0` is a float to serde_json: a uId that cannot be kept digit for digit.
    const INEXACT: Want = Malformed("cannot be kept exactly");
    let rejected = Some(ErrorNumber::RequestValidation(9715));
    // Per body: Apple's error in it (whatever the status), then with a 2xx status what
    // ClientConfig, ServiceConfig, LegacyClientConfig, Value and LocationSnapshot::from_json
    // give. Note that serde reads a struct from an array too (`[]` is an empty config);
    // from_json insists on an object.
    #[rustfmt::skip]
    let catalogue: [(String, Option<ErrorNumber>, [Want; 5]); 16] = [
        (String::new(), None, [EOF, EOF, EOF, EOF, EOF]),
        ("null".into(), None, [NULL, NULL, NULL, Ok, NOT_OBJECT]),
        ("[]".into(), None, [Ok, Ok, Ok, Ok, NOT_OBJECT]),
        ("{}".into(), None, [Ok, Ok, Ok, Ok, Incomplete("uId")]),
        (deep, None, [SEQUENCE, SEQUENCE, SEQUENCE, DEPTH, DEPTH]),
        (r#"{"errorNumber":-1}"#.into(), None, [Ok, Ok, U64, Ok, Incomplete("uId")]),
        (r#"{"errorNumber":1.5}"#.into(), None, [Ok, Ok, U64, Ok, Incomplete("uId")]),
        (r#"{"errorNumber":9715,"errorInfo":null}"#.into(), rejected, [Ok; 5]),
        (r#"{"status":"-1"}"#.into(), None, [Ok, Ok, I64, Ok, I64]),
        (r#"{"status":-1.0}"#.into(), None, [Ok, Ok, I64, Ok, I64]),
        (r#"{"uId":1e400}"#.into(), None, [RANGE, Ok, RANGE, RANGE, RANGE]),
        (r#"{"uId":-0}"#.into(), None, [INEXACT, Ok, INEXACT, Ok, INEXACT]),
        ("\u{feff}{}".into(), None, [BOM, BOM, BOM, BOM, BOM]),
        ("{\"uId\":\"\u{0}\"}".into(), None, [CONTROL; 5]),
        ("{\"uId\":\"\\ud800\"}".into(), None, [SURROGATE, Ok, SURROGATE, SURROGATE, SURROGATE]),
        (v2_with("mdmInfo", Some("x".into())), None, [MDM_INFO, Ok, Ok, Ok, MDM_INFO]),
    ];
    for (body, apple, [config, service, legacy, value, snapshot]) in &catalogue {
        let (b, apple) = (body.as_bytes(), *apple);
        for status in [100, 200, 204, 304, 400, 429, 500, 599] {
            assert_eq!(
                wire::apple_error(status, b).map(|e| e.number),
                apple,
                "apple_error with HTTP {status} on {body:.60?}"
            );
            let decode = wire::decode_response::<ClientConfig>;
            assert_outcome(
                "ClientConfig",
                body,
                status,
                apple,
                *config,
                decode(status, b),
            );
            let decode = wire::decode_response::<ServiceConfig>;
            assert_outcome(
                "ServiceConfig",
                body,
                status,
                apple,
                *service,
                decode(status, b),
            );
            let decode = wire::decode_response::<LegacyClientConfig>;
            assert_outcome(
                "LegacyClientConfig",
                body,
                status,
                apple,
                *legacy,
                decode(status, b),
            );
            let decode = wire::decode_response::<Value>;
            assert_outcome("Value", body, status, apple, *value, decode(status, b));
        }
        let got = LocationSnapshot::from_json(b);
        assert_outcome("from_json", body, 200, apple, *snapshot, got);
    }
}
