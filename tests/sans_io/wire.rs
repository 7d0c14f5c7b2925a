//! Apple's JSON: wire types against fixtures, round trips, tolerance of the unknown, and
//! `decode_response`'s handling of error bodies whatever the status.

use crate::common;

use apple_vpp::batching::BatchLimits;
use apple_vpp::wire::{
    self, ClientConfig, ClientConfigUpdate, ErrorBody, ErrorKind, ErrorNumber, LegacyClientConfig,
    LimitProblemKind, MdmInfo, NotificationType, NumberOrString, Platform, ServiceConfig,
};
use apple_vpp::{ResponseError, SecretString, UpdateError};
use common::fixture;
use serde_json::Value;

fn json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Decodes the fixture, re-encodes it and compares as JSON values (unknown fields dropped).
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) -> (T, Value) {
    let typed: T = serde_json::from_str(&fixture(name)).unwrap();
    let again = serde_json::to_value(&typed).unwrap();
    (typed, again)
}

#[test]
fn v2_client_config_fixture() {
    let (c, again): (ClientConfig, _) = round_trip("client_config_v2.json");
    assert_eq!(c.country_iso2a_code.as_deref(), Some("DE"));
    assert_eq!(c.default_platform, Some(Platform::EnterpriseStore));
    assert_eq!(c.location_name.as_deref(), Some("Berlin Office"));
    assert_eq!(
        c.mdm_info,
        Some(
            MdmInfo::default()
                .with_id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
                .with_name("Example MDM")
                .with_metadata("mdm.example.com")
        )
    );
    assert_eq!(
        c.subscribed_notification_types,
        Some(vec![
            NotificationType::AssetCount,
            NotificationType::AssetManagement
        ])
    );
    assert_eq!(
        c.token_expiration_date.as_deref(),
        Some("2027-09-26T08:30:39+0000")
    );
    assert_eq!(
        c.token_expiration().unwrap().unwrap().to_rfc3339(),
        "2027-09-26T08:30:39+00:00"
    );
    assert_eq!(c.u_id.as_deref(), Some("981060278089131045"));
    assert_eq!(c.website_url.as_deref(), Some("https://business.apple.com"));
    assert_eq!(again, json("client_config_v2.json"), "exact round trip");
}

#[test]
fn unknown_fields_are_ignored_and_unknown_enum_values_kept() {
    let (c, again): (ClientConfig, _) = round_trip("client_config_v2_future.json");
    assert_eq!(
        c.default_platform,
        Some(Platform::Unknown("spatialstore".into()))
    );
    assert_eq!(
        c.subscribed_notification_types,
        Some(vec![
            NotificationType::AssetManagement,
            NotificationType::Unknown("LICENSE_TRANSFER".into())
        ])
    );
    assert_eq!(
        c.token_expiration().unwrap().unwrap().to_rfc3339(),
        "2028-01-15T00:00:00+00:00"
    );
    // Everything known survives; the unknown fields are dropped, the unknown values kept.
    let mut expected = json("client_config_v2_future.json");
    expected
        .as_object_mut()
        .unwrap()
        .remove("newFieldFromApple");
    expected.as_object_mut().unwrap().remove("anotherFlag");
    assert_eq!(again, expected);
}

#[test]
fn notification_auth_token_is_secret_in_debug() {
    let c: ClientConfig = serde_json::from_str(
        r#"{"uId":"1","locationName":"L","notificationAuthToken":"n0t1f1cat10n-s3cret-value","notificationUrl":"https://x.example/n"}"#,
    )
    .unwrap();
    assert_eq!(
        c.notification_auth_token.as_ref().unwrap().expose_secret(),
        "n0t1f1cat10n-s3cret-value"
    );
    common::assert_no_secret(&format!("{c:?}"), "n0t1f1cat10n-s3cret-value");
}

#[test]
fn numeric_uid_is_accepted_as_text() {
    let c: ClientConfig = serde_json::from_str(r#"{"uId":981060278089131045}"#).unwrap();
    assert_eq!(c.u_id.as_deref(), Some("981060278089131045"));
    let c: ClientConfig = serde_json::from_str(r#"{"uId":null}"#).unwrap();
    assert_eq!(c.u_id, None);
}

#[test]
fn service_config_fixture() {
    let (s, again): (ServiceConfig, _) = round_trip("service_config.json");
    assert_eq!(s.error_codes.len(), 5);
    assert_eq!(s.error_codes[2].error_number, ErrorNumber::TokenExpired);
    assert_eq!(s.error_codes[4].error_number, ErrorNumber::Unknown(9999));
    assert_eq!(s.limits.max_mdm_name_length, Some(100));
    assert_eq!(s.limits.max_mdm_metadata_length, Some(255));
    assert_eq!(s.limits.max_mdm_id_length, Some(100));
    assert_eq!(s.limits.other.get("maxSomethingNew"), Some(&Value::from(7)));
    assert!(
        s.notification_types
            .contains(&NotificationType::Unknown("BRAND_NEW_TYPE".into()))
    );
    assert_eq!(
        s.urls.client_config.as_deref(),
        Some("https://vpp.itunes.apple.com/mdm/v2/client/config")
    );
    assert!(s.urls.other.contains_key("assignments"));
    assert_eq!(
        again,
        json("service_config.json"),
        "unknown limits and urls survive"
    );
}

#[test]
fn odd_service_config_limits_fall_back_to_documented_defaults_and_are_reported() {
    // One negative limit used to make the whole configuration undecodable.
    let s: ServiceConfig = serde_json::from_str(
        r#"{"limits":{"maxSerialNumbers":-5,"maxRequestPerSecond":-1,"maxAssets":0,
            "maxUsers":10000000,"maxClientUserIds":"many","maxRevokeSerialNumbers":2.5,
            "maxRevokeClientUserIds":40,"maxMdmNameLength":100,"maxMdmMetadataLength":255,
            "maxMdmIdLength":100,"maxNotificationLength":null,"maxSomethingNew":-3},
            "urls":{"clientConfig":"https://vpp.itunes.apple.com/mdm/v2/client/config"}}"#,
    )
    .expect("odd limits do not make the configuration undecodable");
    let l = &s.limits;
    assert_eq!(
        (
            l.max_serial_numbers,
            l.max_request_per_second,
            l.max_assets,
            l.max_users
        ),
        (None, None, None, None)
    );
    assert_eq!(l.max_client_user_ids, None);
    assert_eq!(l.max_revoke_serial_numbers, None);
    assert_eq!(
        l.max_revoke_client_user_ids,
        Some(40),
        "a good limit is kept"
    );
    assert_eq!(l.other.get("maxSomethingNew"), Some(&Value::from(-3)));
    assert!(s.urls.client_config.is_some(), "the rest still decodes");
    let problems: Vec<(&str, LimitProblemKind, Option<&str>, Option<u64>)> = l
        .problems
        .iter()
        .map(|p| (p.limit, p.kind, p.found.as_deref(), p.used))
        .collect();
    assert_eq!(
        problems,
        [
            ("maxAssets", LimitProblemKind::Zero, Some("0"), Some(25)),
            (
                "maxUsers",
                LimitProblemKind::TooLarge { max: 10_000 },
                Some("10000000"),
                Some(100)
            ),
            (
                "maxClientUserIds",
                LimitProblemKind::NotANumber,
                Some("\"many\""),
                Some(1000)
            ),
            (
                "maxSerialNumbers",
                LimitProblemKind::Negative,
                Some("-5"),
                Some(1000)
            ),
            (
                "maxRevokeSerialNumbers",
                LimitProblemKind::NotWhole,
                Some("2.5"),
                Some(100)
            ),
            (
                "maxRequestPerSecond",
                LimitProblemKind::Negative,
                Some("-1"),
                Some(15)
            ),
            (
                "maxNotificationLength",
                LimitProblemKind::NotANumber,
                Some("null"),
                None
            ),
        ]
    );
    assert_eq!(
        l.problems[3].to_string(),
        "service configuration limit maxSerialNumbers is -5 (negative); \
         using Apple's documented default 1000"
    );
    // What the crate then uses: Apple's documented defaults.
    let batch = BatchLimits::from(l);
    assert_eq!(
        (
            batch.max_serial_numbers,
            batch.max_assets,
            batch.max_users,
            batch.max_client_user_ids
        ),
        (1000, 25, 100, 1000)
    );
    assert_eq!(batch.max_revoke_client_user_ids, 40);
}

#[test]
fn absent_service_config_limits_are_reported_as_absent() {
    let s: ServiceConfig = serde_json::from_str(r#"{"limits":{"maxAssets":10}}"#).unwrap();
    assert_eq!(s.limits.max_assets, Some(10));
    assert_eq!(s.limits.problems.len(), 10);
    assert!(
        s.limits
            .problems
            .iter()
            .all(|p| p.kind == LimitProblemKind::Absent && p.found.is_none())
    );
    let rate = s
        .limits
        .problems
        .iter()
        .find(|p| p.limit == "maxRequestPerSecond")
        .unwrap();
    assert_eq!(rate.used, Some(15));
    assert_eq!(
        rate.to_string(),
        "service configuration limit maxRequestPerSecond is absent; using Apple's documented default 15"
    );
    // `limits` itself null or of another type: every limit absent, nothing fatal.
    for limits in ["null", "[]", "7"] {
        let s: ServiceConfig = serde_json::from_str(&format!(r#"{{"limits":{limits}}}"#)).unwrap();
        assert_eq!(s.limits.problems.len(), 11, "{limits}");
    }
}

#[test]
fn legacy_fixture() {
    let (l, again): (LegacyClientConfig, _) = round_trip("legacy_client_config.json");
    assert_eq!(l.status, Some(0));
    assert_eq!(
        l.client_context.as_deref(),
        Some(r#"{"guid":"b92","hostname":"test.test.org","ac2":1}"#)
    );
    assert_eq!(l.u_id.as_deref(), Some("1234567890"));
    assert_eq!(l.expiration_millis, Some(1_407_550_432_000));
    let loc = l.location.as_ref().unwrap();
    assert_eq!(loc.location_id.as_ref().unwrap().to_string(), "20092");
    assert_eq!(loc.location_name.as_deref(), Some("Example District"));
    assert!(matches!(l.organization_id, Some(NumberOrString::Number(_))));
    assert_eq!(
        l.facilitator_member_id,
        Some(NumberOrString::String("123456".into()))
    );
    assert_eq!(again, json("legacy_client_config.json"));
    let (u, again): (LegacyClientConfig, _) = round_trip("legacy_client_config_unclaimed.json");
    assert_eq!(
        u.organization_id,
        Some(NumberOrString::String("80000021435".into()))
    );
    assert_eq!(again, json("legacy_client_config_unclaimed.json"));
}

#[test]
fn error_body_fixture() {
    let (e, again): (ErrorBody, _) = round_trip("error_body.json");
    assert_eq!(e.error_number, ErrorNumber::TokenExpired);
    assert_eq!(e.error_message, "Token has expired.");
    assert!(e.error_info.is_some());
    assert_eq!(again, json("error_body.json"));
}

#[test]
fn every_error_number_round_trips_and_is_classified() {
    use ErrorKind as K;
    let table = [
        (9600, K::RequestInvalid),
        (9601, K::RequestInvalid),
        (9602, K::RequestInvalid),
        (9603, K::Retryable),
        (9604, K::Other),
        (9605, K::Other),
        (9609, K::LicenseConflict),
        (9610, K::LicenseConflict),
        (9616, K::LicenseConflict),
        (9617, K::Other),
        (9621, K::TokenExpired),
        (9622, K::TokenInvalid),
        (9623, K::Other),
        (9625, K::TokenRevoked),
        (9630, K::Other),
        (9631, K::Other),
        (9632, K::Other),
        (9634, K::Unsupported),
        (9644, K::Retryable),
        (9645, K::ReadOnlyLocation),
        (9637, K::Unsupported),
        (9646, K::RateLimited),
        (9647, K::Unsupported),
        (9650, K::RequestInvalid),
        (9700, K::RequestInvalid),
        (9701, K::RequestInvalid),
        (9702, K::RequestInvalid),
        (9703, K::RequestInvalid),
        (9704, K::RequestInvalid),
        (9705, K::RequestInvalid),
        (9706, K::LicenseConflict),
        (9707, K::LicenseConflict),
        (9708, K::RequestInvalid),
        (9709, K::LicenseConflict),
        (9710, K::RequestInvalid),
        (9715, K::RequestInvalid),
        (9716, K::LicenseConflict),
        (9718, K::RequestInvalid),
        (9719, K::RequestInvalid),
        (9721, K::RequestInvalid),
        (9722, K::RequestInvalid),
        (9723, K::RequestInvalid),
        (9726, K::RequestInvalid),
        (9727, K::RequestInvalid),
        (9728, K::RequestInvalid),
        (9729, K::Retryable),
        (1, K::Other),
    ];
    for (code, kind) in table {
        let n = ErrorNumber::from_code(code);
        assert_eq!(n.code(), code);
        assert_eq!(n.kind(), kind, "{code}");
        assert_eq!(serde_json::to_string(&n).unwrap(), code.to_string());
        assert_eq!(
            serde_json::from_str::<ErrorNumber>(&code.to_string()).unwrap(),
            n
        );
    }
    assert_eq!(
        ErrorNumber::from_code(9715),
        ErrorNumber::RequestValidation(9715)
    );
    assert_eq!(ErrorNumber::from_code(12345), ErrorNumber::Unknown(12345));
    assert!(ErrorKind::RateLimited.is_retryable() && ErrorKind::Retryable.is_retryable());
    assert!(!ErrorKind::TokenRevoked.is_retryable());
}

// ---- decode_response ----

#[test]
fn error_body_with_http_200_is_an_error() {
    let body = br#"{"errorNumber":9622,"errorMessage":"Invalid authentication token."}"#;
    let err = wire::decode_response::<ClientConfig>(200, body).unwrap_err();
    let apple = err.apple().unwrap();
    assert_eq!(apple.number, ErrorNumber::InvalidToken);
    assert_eq!(apple.status, Some(200));
    assert_eq!(err.kind(), ErrorKind::TokenInvalid);
    assert_eq!(
        err.to_string(),
        "Apple returned error 9622 (HTTP 200) \"Invalid authentication token.\": Apple does not accept the token: upload the .vpptoken file exactly as downloaded from Apple Business Manager > Settings > Apps and Books"
    );
}

#[test]
fn status_429_is_rate_limited_whatever_the_number() {
    let err = wire::decode_response::<ClientConfig>(429, br#"{"errorNumber":9999}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let err = wire::decode_response::<ClientConfig>(
        200,
        br#"{"errorNumber":9646,"errorMessage":"slow down"}"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let err = wire::decode_response::<ClientConfig>(503, br#"{"errorNumber":12345}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Retryable, "unknown number with 5xx");
    let err = wire::decode_response::<ClientConfig>(401, br#"{"errorNumber":9625}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TokenRevoked);
}

#[test]
fn non_2xx_without_error_body() {
    for (status, kind) in [
        (500, ErrorKind::Retryable),
        (503, ErrorKind::Retryable),
        (429, ErrorKind::RateLimited),
        (404, ErrorKind::Other),
    ] {
        let err = wire::decode_response::<ClientConfig>(status, b"<html>oops</html>").unwrap_err();
        assert_eq!(err, ResponseError::Http { status });
        assert_eq!(err.kind(), kind);
    }
    assert_eq!(
        ResponseError::Http { status: 503 }.to_string(),
        "Apple answered HTTP 503 without an error body: Apple's service is having trouble: try again later"
    );
}

#[test]
fn malformed_bodies() {
    for body in [&b"not json"[..], b"[1,2]", b"{\"uId\": {\"a\": 1}}", b""] {
        let err = wire::decode_response::<ClientConfig>(200, body).unwrap_err();
        assert!(
            matches!(err, ResponseError::Malformed { status: 200, .. }),
            "{body:?}: {err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Other);
    }
    // A type error quoting a secret value does not repeat it.
    let err = wire::decode_response::<ClientConfig>(
        200,
        br#"{"subscribedNotificationTypes":"s3cr3t-s3cr3t-s3cr3t"}"#,
    )
    .unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    // errorNumber that is not a number is not Apple's error shape.
    let err = wire::decode_response::<ClientConfig>(200, br#"{"errorNumber":"x"}"#);
    assert!(err.is_ok(), "unknown fields are ignored: {err:?}");
}

#[test]
fn apple_error_redacts_echoed_secrets() {
    let mut e = wire::apple_error(400, br#"{"errorNumber":9722,"errorMessage":"bad header Bearer QUJDREVGR0hJSktMTU5PUA==","errorInfo":{"h":"QUJDREVGR0hJSktMTU5PUA=="}}"#).unwrap();
    e.redact("QUJDREVGR0hJSktMTU5PUA==");
    assert_eq!(e.message, "bad header Bearer [redacted]");
    assert_eq!(e.info, Some(Value::String("[redacted]".into())));
    assert!(!e.to_string().contains("QUJDREVGR0hJSktMTU5PUA=="));
}

// ---- the update request ----

#[test]
fn update_builder_refuses_invalid_combinations() {
    let url = apple_vpp::url::Url::parse("https://mdm.example.com/vpp/notify").unwrap();
    let http = apple_vpp::url::Url::parse("http://mdm.example.com/vpp/notify").unwrap();
    let secret = || SecretString::new("notify-secret");
    assert_eq!(
        ClientConfigUpdate::builder().build(),
        Err(UpdateError::Empty)
    );
    assert_eq!(
        ClientConfigUpdate::builder()
            .notification_url(url.clone())
            .build(),
        Err(UpdateError::NotificationUrlWithoutToken)
    );
    assert_eq!(
        ClientConfigUpdate::builder()
            .notification_auth_token(secret())
            .build(),
        Err(UpdateError::NotificationUrlWithoutToken)
    );
    assert_eq!(
        ClientConfigUpdate::builder()
            .notification_url(http)
            .notification_auth_token(secret())
            .build(),
        Err(UpdateError::NotificationUrlNotHttps)
    );
    assert_eq!(
        ClientConfigUpdate::builder()
            .notification_url(url.clone())
            .notification_auth_token(SecretString::new(""))
            .build(),
        Err(UpdateError::EmptyNotificationAuthToken)
    );
    let partial = MdmInfo::default().with_id("id").with_metadata("m");
    assert_eq!(
        ClientConfigUpdate::builder().mdm_info(partial).build(),
        Err(UpdateError::IncompleteMdmInfo { missing: "name" })
    );
    assert_eq!(
        UpdateError::NotificationUrlWithoutToken.to_string(),
        "a notification URL and a notification auth token must be set together"
    );
}

#[test]
fn update_serializes_in_apples_shape() {
    let url = apple_vpp::url::Url::parse("https://mdm.example.com/vpp/notify").unwrap();
    let update = ClientConfigUpdate::builder()
        .mdm_info(
            MdmInfo::default()
                .with_id("id-1")
                .with_name("Example MDM")
                .with_metadata("mdm.example.com"),
        )
        .notification_url(url)
        .notification_auth_token(SecretString::new("notify-secret"))
        .notification_types([
            NotificationType::AssetManagement,
            NotificationType::AssetCount,
        ])
        .build()
        .unwrap();
    let v: Value = serde_json::from_slice(&update.to_json()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "mdmInfo": {"id": "id-1", "name": "Example MDM", "metadata": "mdm.example.com"},
            "notificationUrl": "https://mdm.example.com/vpp/notify",
            "notificationAuthToken": "notify-secret",
            "notificationTypes": ["ASSET_MANAGEMENT", "ASSET_COUNT"]
        })
    );
    assert!(!format!("{update:?}").contains("notify-secret"));
    let only_info = ClientConfigUpdate::builder()
        .mdm_info(
            MdmInfo::default()
                .with_id("a")
                .with_name("b")
                .with_metadata("c"),
        )
        .build()
        .unwrap();
    assert_eq!(
        String::from_utf8(only_info.to_json()).unwrap(),
        r#"{"mdmInfo":{"id":"a","name":"b","metadata":"c"}}"#
    );
}

#[test]
fn a_snapshot_by_value_equals_one_by_reference() {
    for body in [
        common::fixture("client_config_v2.json"),
        common::fixture("client_config_v2_unclaimed.json"),
        r#"{"uId":" 42 ","locationName":"  Padded  ","countryISO2ACode":" ","websiteURL":""}"#
            .to_owned(),
    ] {
        let config: apple_vpp::wire::ClientConfig = serde_json::from_str(&body).unwrap();
        assert_eq!(
            apple_vpp::LocationSnapshot::from_v2_owned(config.clone()).unwrap(),
            apple_vpp::LocationSnapshot::from_v2(&config).unwrap(),
            "{body}"
        );
    }
    let missing: apple_vpp::wire::ClientConfig =
        serde_json::from_str(r#"{"uId":"1","locationName":" "}"#).unwrap();
    assert_eq!(
        apple_vpp::LocationSnapshot::from_v2_owned(missing).unwrap_err(),
        apple_vpp::ResponseError::Incomplete {
            field: "locationName"
        }
    );
}

/// `uId`, `tokenExpirationDate` and `mdmInfo` are declared once for every answer that
/// carries them: each reads them by the same rules (a numeric `uId` kept as its exact
/// text, a fractional one refused) and writes them back as Apple does.
#[test]
fn location_fields_read_alike_in_every_answer() {
    let location = r#""tokenExpirationDate":"2030-11-08T22:33:22+0000","uId":2049025000431439,"mdmInfo":{"id":"29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11","metadata":"mdm.example.com","name":"Example MDM"}"#;
    let ours = MdmInfo::default()
        .with_id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
        .with_name("Example MDM")
        .with_metadata("mdm.example.com");

    let config: ClientConfig =
        serde_json::from_str(&format!(r#"{{"locationName":"Berlin",{location}}}"#)).unwrap();
    let page: wire::AssetsResponse =
        serde_json::from_str(&format!(r#"{{"assets":[],"size":0,{location}}}"#)).unwrap();
    let event: wire::EventResponse =
        serde_json::from_str(&format!(r#"{{"eventId":"ev-1",{location}}}"#)).unwrap();
    let status: wire::StatusResponse =
        serde_json::from_str(&format!(r#"{{"eventStatus":"PENDING",{location}}}"#)).unwrap();

    let read = [
        (
            config.u_id.as_deref(),
            config.token_expiration_date.as_deref(),
        ),
        (
            page.paging.u_id.as_deref(),
            page.paging.token_expiration_date.as_deref(),
        ),
        (
            event.u_id.as_deref(),
            event.token_expiration_date.as_deref(),
        ),
        (
            status.u_id.as_deref(),
            status.token_expiration_date.as_deref(),
        ),
    ];
    for (u_id, expiry) in read {
        assert_eq!(u_id, Some("2049025000431439"));
        assert_eq!(expiry, Some("2030-11-08T22:33:22+0000"));
    }
    assert_eq!(config.mdm_info.as_ref(), Some(&ours));
    assert_eq!(page.paging.mdm_info.as_ref(), Some(&ours));
    assert_eq!(event.mdm_info.as_ref(), Some(&ours));

    // Written back: the uId as Apple's text, absent fields left out.
    let written = serde_json::to_value(&event).unwrap();
    assert_eq!(written["uId"], "2049025000431439");
    assert_eq!(written["mdmInfo"]["name"], "Example MDM");
    let bare: wire::EventResponse = serde_json::from_str(r#"{"eventId":"ev-2"}"#).unwrap();
    assert_eq!(
        serde_json::to_value(&bare).unwrap(),
        serde_json::json!({"eventId": "ev-2"})
    );

    // The same rule everywhere: a uId that is not an integer is refused, never rounded.
    let fractional = r#""uId":2049025000431439.5"#;
    assert!(serde_json::from_str::<ClientConfig>(&format!("{{{fractional}}}")).is_err());
    assert!(serde_json::from_str::<wire::AssetsResponse>(&format!("{{{fractional}}}")).is_err());
    assert!(
        serde_json::from_str::<wire::EventResponse>(&format!(r#"{{"eventId":"e",{fractional}}}"#))
            .is_err()
    );
    assert!(serde_json::from_str::<wire::StatusResponse>(&format!("{{{fractional}}}")).is_err());
}
