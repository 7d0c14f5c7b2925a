//! Reading Apple's client configuration into a `LocationSnapshot`: what is kept, what is
//! refused, and snapshots built from values.

use crate::common;

use apple_vpp::wire::{ClientConfig, LegacyClientConfig};
use apple_vpp::{Location, LocationSnapshot, Protocol, ResponseError};
use chrono::Utc;
use common::account::{account_token, berlin, legacy, v2};
use common::{fixture, utc};

#[test]
fn snapshots_from_responses() {
    let s = v2(&fixture("client_config_v2.json"));
    assert_eq!(s.location.uid, "981060278089131045");
    assert_eq!(s.location.name, "Berlin Office");
    assert_eq!(s.location.country.as_deref(), Some("DE"));
    assert_eq!(
        s.location.website_url.as_deref(),
        Some("https://business.apple.com")
    );
    assert_eq!(
        s.token_expiry.unwrap().to_rfc3339(),
        "2027-09-26T08:30:39+00:00"
    );
    let l = legacy(None);
    assert_eq!(l.location.uid, "1234567890");
    assert_eq!(l.location.name, "Example District");
    assert_eq!(l.location.country.as_deref(), Some("US"));
    assert_eq!(
        l.token_expiry.unwrap().with_timezone(&Utc),
        utc("2014-08-09T02:13:52Z")
    );
    let u = LocationSnapshot::from_json(fixture("legacy_client_config_unclaimed.json").as_bytes())
        .unwrap();
    assert_eq!(u.claim, None);
    assert_eq!(
        u.token_expiry.unwrap().with_timezone(&Utc),
        utc("2014-08-09T02:13:52Z")
    );
}

#[test]
fn incomplete_responses_are_errors_not_defaults() {
    for (json, field) in [
        (r#"{"locationName":"L"}"#, "uId"),
        (r#"{"uId":"","locationName":"L"}"#, "uId"),
        (r#"{"uId":"1"}"#, "locationName"),
        (r#"{"uId":"1","locationName":"  "}"#, "locationName"),
    ] {
        let c: ClientConfig = serde_json::from_str(json).unwrap();
        assert_eq!(
            LocationSnapshot::from_v2(&c),
            Err(ResponseError::Incomplete { field }),
            "{json}"
        );
    }
    let l: LegacyClientConfig =
        serde_json::from_str(r#"{"status":0,"uId":"1","location":{"locationId":1}}"#).unwrap();
    assert_eq!(
        LocationSnapshot::from_legacy(&l),
        Err(ResponseError::Incomplete {
            field: "locationName"
        })
    );
    let c: ClientConfig =
        serde_json::from_str(r#"{"uId":"1","locationName":"L","tokenExpirationDate":"soon"}"#)
            .unwrap();
    assert!(matches!(
        LocationSnapshot::from_v2(&c),
        Err(ResponseError::InvalidDate {
            field: "tokenExpirationDate",
            ..
        })
    ));
    assert_eq!(
        ResponseError::Incomplete { field: "uId" }.to_string(),
        "Apple's client configuration has no `uId`: the response is incomplete; try again later, and report it if it persists"
    );
}

#[test]
fn from_json_detects_the_kind_and_refuses_bad_input() {
    assert_eq!(
        LocationSnapshot::from_json(fixture("client_config_v2.json").as_bytes())
            .unwrap()
            .location
            .name,
        "Berlin Office"
    );
    assert_eq!(
        LocationSnapshot::from_json(fixture("legacy_client_config.json").as_bytes())
            .unwrap()
            .location
            .name,
        "Example District"
    );
    for bad in [&b"nope"[..], b"[]", b"{}", b"{\"uId\":\"1\"}"] {
        assert!(LocationSnapshot::from_json(bad).is_err(), "{bad:?}");
    }
}

/// A numeric `uId` is kept exactly or refused; two big ones never compare equal.
#[test]
fn big_numeric_uids_are_never_rounded() {
    let a =
        LocationSnapshot::from_json(br#"{"uId":18446744073709551615,"locationName":"L"}"#).unwrap();
    assert_eq!(a.location.uid, "18446744073709551615");
    for big in ["18446744073709551617", "18446744073709551618", "1e3", "1.5"] {
        let body = format!(r#"{{"uId":{big},"locationName":"L"}}"#);
        let err = LocationSnapshot::from_json(body.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("cannot be kept exactly"),
            "{big}: {err}"
        );
        let legacy = format!(r#"{{"status":0,"uId":{big},"location":{{"locationName":"L"}}}}"#);
        assert!(
            LocationSnapshot::from_json(legacy.as_bytes()).is_err(),
            "{big}"
        );
        assert!(
            serde_json::from_str::<ClientConfig>(&body).is_err(),
            "{big}"
        );
    }
    // As strings, any digits are kept and told apart.
    let x = v2(r#"{"uId":"18446744073709551617","locationName":"L"}"#);
    let y = v2(r#"{"uId":"18446744073709551618","locationName":"L"}"#);
    assert!(!x.location.is_same_location(&y.location));
}

#[test]
fn locations_and_snapshots_from_values() {
    let berlin_json = berlin(None);
    let built = LocationSnapshot::new(
        Location::new("981060278089131045", "Berlin Office")
            .with_country("DE")
            .with_default_platform(apple_vpp::wire::Platform::EnterpriseStore)
            .with_website_url("https://business.apple.com"),
        None,
        Some(apple_vpp::parse_apple_date("2027-09-26T08:30:39+0000").unwrap()),
    );
    assert_eq!(built, berlin_json);
    assert_eq!(built.protocol, Protocol::V2);
    assert_eq!(
        built.clone().with_protocol(Protocol::V1).protocol,
        Protocol::V1
    );
    assert_eq!(serde_json::to_string(&Protocol::V1).unwrap(), "\"v1\"");
    assert_eq!(
        serde_json::from_str::<Protocol>("\"v2\"").unwrap(),
        Protocol::V2
    );
    assert_eq!(
        apple_vpp::format_apple_date(
            &apple_vpp::parse_apple_date("2014-08-15T18:13:52-07:00").unwrap()
        ),
        "2014-08-15T18:13:52-0700"
    );
    // The recorded token is compared, not shown.
    let t = account_token();
    let read = built.read_with(&t);
    common::assert_no_secret(&format!("{read:?}"), t.expose_credential());
}
