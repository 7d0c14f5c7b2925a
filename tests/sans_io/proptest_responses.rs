//! Property tests for the Apple-response decoders: arbitrary bytes, text and JSON never
//! panic them, they agree with each other on what is Apple's error, a `ClientConfig` made
//! of arbitrary strings round-trips through its JSON, no error repeats the
//! `notificationAuthToken` it was given, and error numbers round-trip.

use crate::common;

use apple_vpp::LocationSnapshot;
use apple_vpp::SecretString;
use apple_vpp::error::ResponseError;
use apple_vpp::wire::{
    self, ClientConfig, ErrorNumber, LegacyClientConfig, MdmInfo, NotificationType, Platform,
    ServiceConfig,
};
use common::assert_no_secret;
use proptest::prelude::*;
use serde_json::Value;

const CASES: u32 = 256;

/// Runs every decoder on `body` with `status` and checks what must hold whatever the
/// input: no panic, messages render, `decode_response` reports Apple's error exactly when
/// `apple_error` finds one, and success only with a 2xx status.
#[track_caller]
fn check_all(status: u16, body: &[u8]) {
    let apple = wire::apple_error(status, body);
    if let Some(e) = &apple {
        assert_eq!(e.status, Some(status));
        assert!(!e.to_string().is_empty());
        let _ = e.kind();
    }
    check_one(
        status,
        body,
        &apple,
        wire::decode_response::<ClientConfig>(status, body),
    );
    check_one(
        status,
        body,
        &apple,
        wire::decode_response::<ServiceConfig>(status, body),
    );
    check_one(
        status,
        body,
        &apple,
        wire::decode_response::<LegacyClientConfig>(status, body),
    );
    check_one(
        status,
        body,
        &apple,
        wire::decode_response::<Value>(status, body),
    );
    match LocationSnapshot::from_json(body) {
        Ok(s) => {
            assert!(!s.location.uid.trim().is_empty());
            assert!(!s.location.name.trim().is_empty());
            let _ = s.location.to_string();
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"), e.kind());
        }
    }
}

#[track_caller]
fn check_one<T: std::fmt::Debug>(
    status: u16,
    body: &[u8],
    apple: &Option<apple_vpp::error::AppleError>,
    result: Result<T, ResponseError>,
) {
    match (&result, apple) {
        (Err(ResponseError::Apple(e)), Some(a)) => assert_eq!(e, a),
        (Err(ResponseError::Apple(e)), None) => panic!("Apple error {e:?} not from apple_error"),
        (_, Some(a)) => panic!("apple_error found {a:?} but decode_response gave {result:?}"),
        (Ok(_), None) => assert!((200..300).contains(&status), "success with HTTP {status}"),
        (Err(ResponseError::Http { status: s }), None) => {
            assert_eq!(*s, status);
            assert!(!(200..300).contains(&status));
        }
        (
            Err(ResponseError::Malformed {
                status: s, reason, ..
            }),
            None,
        ) => {
            assert_eq!(*s, status);
            assert!((200..300).contains(&status));
            assert!(!reason.is_empty());
        }
        (Err(e), None) => panic!("unexpected {e:?} for {body:?}"),
    }
    if let Err(e) = &result {
        let _ = (e.to_string(), format!("{e:?}"), e.kind());
    }
}

/// Keys the decoders care about, and some they do not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "uId",
            "locationName",
            "countryISO2ACode",
            "defaultPlatform",
            "mdmInfo",
            "id",
            "name",
            "metadata",
            "notificationAuthToken",
            "notificationUrl",
            "subscribedNotificationTypes",
            "tokenExpirationDate",
            "websiteURL",
            "errorNumber",
            "errorMessage",
            "errorInfo",
            "status",
            "clientContext",
            "location",
            "expirationMillis",
            "tokenExpDate",
            "errorCodes",
            "limits",
            "urls",
            "notificationTypes",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z]{0,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (9590u64..9740).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::from),
        key().prop_map(Value::from),
        prop::sample::select(vec![
            "2030-11-08T22:33:22+0000",
            "2030-13-08T22:33:22+0000",
            "2027-02-29T00:00:00Z",
            "ASSET_COUNT",
            "volumestore",
            "{\"guid\":\"g\",\"hostname\":\"h\"}",
            "",
            " ",
        ])
        .prop_map(Value::from),
    ]
}

/// Arbitrary JSON, at most 4 levels deep.
fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn opt(s: impl Strategy<Value = String>) -> impl Strategy<Value = Option<String>> {
    prop::option::of(s)
}

/// A ClientConfig whose text fields are arbitrary strings.
fn client_config() -> impl Strategy<Value = ClientConfig> {
    (
        (
            opt(any::<String>()),
            opt(any::<String>()),
            opt(any::<String>()),
            opt(any::<String>()),
        ),
        prop::option::of((
            opt(any::<String>()),
            opt(any::<String>()),
            opt(any::<String>()),
        )),
        (
            opt(any::<String>()),
            opt(any::<String>()),
            opt(any::<String>()),
            prop::option::of(prop::collection::vec(any::<String>(), 0..4)),
            opt(any::<String>()),
        ),
    )
        .prop_map(
            |((uid, name, country, platform), mdm, (token, url, website, types, date))| {
                let mut c = ClientConfig::default();
                c.u_id = uid;
                c.location_name = name;
                c.country_iso2a_code = country;
                c.default_platform = platform.as_deref().map(Platform::from);
                c.mdm_info = mdm.map(|(id, name, metadata)| {
                    let mut info = MdmInfo::default();
                    info.id = id;
                    info.name = name;
                    info.metadata = metadata;
                    info
                });
                c.notification_auth_token = token.map(SecretString::from);
                c.notification_url = url;
                c.website_url = website;
                c.subscribed_notification_types = types.map(|t| {
                    t.iter()
                        .map(|s| NotificationType::from(s.as_str()))
                        .collect()
                });
                c.token_expiration_date = date;
                c
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes_never_panic(
        status in 100u16..600,
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        check_all(status, &body);
        check_all(200, &body);
    }

    #[test]
    fn arbitrary_text_never_panics(status in 100u16..600, body in any::<String>()) {
        check_all(status, body.as_bytes());
        check_all(200, body.as_bytes());
    }

    #[test]
    fn json_ish_text_never_panics(
        status in 100u16..600,
        body in r#"[{}\[\],:"0-9a-zA-Z \-.]{0,64}"#,
    ) {
        check_all(status, body.as_bytes());
        check_all(200, body.as_bytes());
    }

    #[test]
    fn arbitrary_json_never_panics(status in 100u16..600, value in json()) {
        let body = serde_json::to_vec(&value).unwrap();
        check_all(status, &body);
        check_all(200, &body);
    }

    #[test]
    fn arbitrary_json_objects_never_panic(
        status in 100u16..600,
        fields in prop::collection::btree_map(key(), json(), 0..6),
    ) {
        let body = serde_json::to_vec(&fields).unwrap();
        check_all(status, &body);
        check_all(200, &body);
    }

    #[test]
    fn no_error_repeats_the_notification_auth_token(
        status in prop::sample::select(vec![200u16, 204, 400, 500]),
        secret in "[A-Za-z0-9]{24,40}",
        fields in prop::collection::btree_map(key(), json(), 0..6),
    ) {
        let mut object: serde_json::Map<String, Value> = fields.into_iter().collect();
        object.insert("notificationAuthToken".into(), secret.clone().into());
        let body = serde_json::to_vec(&object).unwrap();
        let errors = [
            wire::decode_response::<ClientConfig>(status, &body).err(),
            wire::decode_response::<ClientConfig>(200, &body)
                .ok()
                .and_then(|c| LocationSnapshot::from_v2(&c).err()),
            LocationSnapshot::from_json(&body).err(),
        ];
        for e in errors.into_iter().flatten() {
            assert_no_secret(&e.to_string(), &secret);
            assert_no_secret(&format!("{e:?}"), &secret);
        }
        if let Ok(c) = wire::decode_response::<ClientConfig>(200, &body) {
            assert_no_secret(&format!("{c:?}"), &secret);
        }
    }

    #[test]
    fn client_config_round_trips(config in client_config()) {
        let json = serde_json::to_vec(&config).unwrap();
        let again = wire::decode_response::<ClientConfig>(200, &json).unwrap();
        prop_assert_eq!(&again, &config);
        // And through LocationSnapshot: the same outcome either way.
        let value: Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(
            serde_json::from_value::<ClientConfig>(value).unwrap(),
            config.clone()
        );
        let direct = LocationSnapshot::from_v2(&config);
        prop_assert_eq!(LocationSnapshot::from_v2(&again), direct.clone());
        if let Ok(s) = &direct {
            prop_assert_eq!(Some(s.location.uid.as_str()), config.u_id.as_deref().map(str::trim));
            prop_assert_eq!(
                Some(s.location.name.as_str()),
                config.location_name.as_deref().map(str::trim)
            );
            prop_assert_eq!(s.claim.is_some(), config.mdm_info.is_some());
        }
    }

    /// A numeric `uId` is kept digit for digit or refused: two different numbers never
    /// give the same location.
    #[test]
    fn numeric_uids_are_exact_or_refused(a in "-?[1-9][0-9]{0,30}", b in "-?[1-9][0-9]{0,30}") {
        let read = |digits: &str| {
            LocationSnapshot::from_json(format!(r#"{{"uId":{digits},"locationName":"L"}}"#).as_bytes())
        };
        match (read(&a), read(&b)) {
            (Ok(x), Ok(y)) => {
                prop_assert_eq!(&x.location.uid, &a);
                prop_assert_eq!(x.location.is_same_location(&y.location), a == b);
            }
            (x, y) => {
                for (r, digits) in [(x, &a), (y, &b)] {
                    if let Err(e) = r {
                        prop_assert!(
                            e.to_string().contains("cannot be kept exactly"),
                            "{}: {}", digits, e
                        );
                    }
                }
            }
        }
    }

    /// Any body carrying a claim in either form yields a claim or an error.
    #[test]
    fn a_claim_in_either_form_is_never_dropped(
        legacy_shape in any::<bool>(),
        with_v2 in any::<bool>(),
        context in "[ -~]{1,40}",
    ) {
        let mut body = serde_json::json!({"uId": "1"});
        if legacy_shape {
            body["status"] = 0.into();
            body["location"] = serde_json::json!({"locationName": "L"});
        } else {
            body["locationName"] = "L".into();
        }
        if with_v2 {
            body["mdmInfo"] = serde_json::json!({"id": "v2"});
        }
        body["clientContext"] = context.clone().into();
        if let Ok(s) = LocationSnapshot::from_json(body.to_string().as_bytes()) {
            prop_assert!(
                s.claim.is_some() || context.trim().is_empty(),
                "claim dropped from {}", body
            );
        }
    }

    #[test]
    fn error_number_round_trips(n in any::<u32>()) {
        prop_assert_eq!(ErrorNumber::from_code(n).code(), n);
        let body = format!(r#"{{"errorNumber":{n},"errorMessage":"m"}}"#);
        let e = wire::apple_error(400, body.as_bytes()).unwrap();
        prop_assert_eq!(e.number, ErrorNumber::from_code(n));
    }
}

#[test]
fn error_numbers_round_trip_around_apples_ranges() {
    for n in (0..20_000).chain(u32::MAX - 10..=u32::MAX) {
        assert_eq!(ErrorNumber::from_code(n).code(), n);
    }
}
