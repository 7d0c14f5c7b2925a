//! Notifications: the documented payload of each type decodes, every bad `Authorization`
//! form is refused without echoing it, bodies are bounded, secrets are generated and
//! stored safely, subscriptions keep the claim, and the de-duplicator is bounded.

use crate::common;

use std::time::Duration;

use apple_vpp::notification::{
    self, Delivery, NotificationDeduper, NotificationSecret, NotificationSubscription, Payload,
    ReceiveError, ReceiveLimits, SecretError, SubscribeError,
};
use apple_vpp::wire::{
    AppleError, ClientConfig, ErrorBody, ErrorNumber, EventType, Limits, NotificationResult,
    NotificationType, PricingParam,
};
use apple_vpp::{AdamId, MdmIdentity, Takeover, VppToken, configure_at};
use chrono::TimeDelta;
use common::{fixture, utc};

const SECRET: &str = "vT3k9Qx2mZp7LwR4sY8nB1cF6hJ0dG5aE2uK7iO9qWe";

fn secret() -> NotificationSecret {
    NotificationSecret::new(SECRET.to_owned()).unwrap()
}

fn bearer() -> String {
    format!("Bearer {SECRET}")
}

fn body(name: &str) -> Vec<u8> {
    fixture(&format!("notifications/{name}")).into_bytes()
}

fn accept(name: &str) -> apple_vpp::Notification {
    notification::receive(
        Some(bearer().as_bytes()),
        &body(name),
        &secret(),
        &ReceiveLimits::default(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---- payloads ----

#[test]
fn test_notification() {
    let n = accept("test.json");
    assert_eq!(n.notification_type, NotificationType::TestNotification);
    assert_eq!(n.payload, Payload::Test);
    assert_eq!(n.u_id.as_deref(), Some("981060278089131045"));
    assert_eq!(n.event_id(), None);
    assert_eq!(n.result(), None);
}

#[test]
fn associate_success() {
    let n = accept("associate_success.json");
    assert_eq!(n.notification_id, "5f0c8a1e-2b7d-4c11-9e3a-0d6b4f21c002");
    assert_eq!(n.notification_type.as_str(), "ASSET_MANAGEMENT");
    assert_eq!(
        n.event_id().map(|e| e.as_str()),
        Some("a7e1d2c3-0001-4f00-8000-00000000ev01")
    );
    assert_eq!(n.result(), Some(&NotificationResult::Success));
    let Payload::AssetManagement(p) = &n.payload else {
        panic!("{n:?}")
    };
    assert_eq!(p.kind, EventType::Associate);
    assert_eq!(p.assignments.len(), 2);
    assert_eq!(
        p.assignments[1].serial_number.as_deref(),
        Some("C02TEST0002")
    );
    assert_eq!(p.assignments[0].adam_id, AdamId::new("361309726"));
    assert_eq!(p.assignments[0].pricing_param, Some(PricingParam::Stdq));
    assert!(p.error.is_none());
}

#[test]
fn associate_failure_carries_the_error() {
    let n = accept("associate_failure.json");
    assert_eq!(n.result(), Some(&NotificationResult::Failure));
    let Payload::AssetManagement(p) = &n.payload else {
        panic!("{n:?}")
    };
    let error = p.error.as_ref().unwrap();
    assert_eq!(error.error_number.code(), 9709);
    assert_eq!(
        p.assignments[1].client_user_id.as_deref(),
        Some("student-42")
    );
}

#[test]
fn disassociate_and_revoke() {
    let n = accept("disassociate.json");
    let Payload::AssetManagement(p) = &n.payload else {
        panic!("{n:?}")
    };
    assert_eq!(p.kind, EventType::Disassociate);
    assert_eq!(p.assignments[0].pricing_param, Some(PricingParam::Plus));
    let n = accept("revoke.json");
    let Payload::AssetManagement(p) = &n.payload else {
        panic!("{n:?}")
    };
    assert_eq!(p.kind, EventType::Revoke);
}

#[test]
fn asset_count_with_adam_id_as_string_and_as_number() {
    let a = accept("asset_count_string.json");
    let Payload::AssetCount(c) = &a.payload else {
        panic!("{a:?}")
    };
    assert_eq!((c.adam_id.as_str(), c.count_delta), ("361309726", 25));
    let b = accept("asset_count_number.json");
    let Payload::AssetCount(c) = &b.payload else {
        panic!("{b:?}")
    };
    assert_eq!((c.adam_id.as_str(), c.count_delta), ("1091189122", -3));
    assert_eq!(c.pricing_param, Some(PricingParam::Plus));
    // uId written as a number keeps every digit.
    assert_eq!(b.u_id.as_deref(), Some("981060278089131045"));
    assert_eq!((a.event_id(), a.result()), (None, None));
}

#[test]
fn user_management_and_user_associated() {
    let n = accept("user_management.json");
    let Payload::UserManagement(p) = &n.payload else {
        panic!("{n:?}")
    };
    assert_eq!(p.kind, EventType::Create);
    assert_eq!(p.users[0].client_user_id.as_deref(), Some("student-42"));
    assert_eq!(p.users[0].status.as_deref(), Some("Registered"));
    assert_eq!(
        n.event_id().map(|e| e.as_str()),
        Some("a7e1d2c3-0005-4f00-8000-00000000ev05")
    );
    let n = accept("user_associated.json");
    let Payload::UserAssociated(p) = &n.payload else {
        panic!("{n:?}")
    };
    assert_eq!(
        p.associated_users[0].id_hash.as_deref(),
        Some("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg=")
    );
    assert_eq!((n.event_id(), n.result()), (None, None));
}

#[test]
fn subscription_and_unknown_types_are_kept_not_refused() {
    let n = accept("subscription_count.json");
    assert_eq!(n.notification_type, NotificationType::SubscriptionCount);
    let Payload::Other(raw) = &n.payload else {
        panic!("{n:?}")
    };
    assert_eq!(raw["adamId"], 600000002);
    let n = accept("unknown_type.json");
    assert_eq!(n.notification_type.as_str(), "FUTURE_THING");
    assert!(matches!(&n.payload, Payload::Other(v) if v["somethingNew"] == true));
    // An unknown type's payload is opaque: no event id is read from it.
    assert_eq!(n.event_id(), None);
}

// ---- not a notification ----

#[test]
fn json_that_is_not_a_notification_is_400() {
    let cases: &[&[u8]] = &[
        b"[]",
        b"{}",
        b"null",
        b"\"x\"",
        b"not json",
        b"",
        br#"{"notificationType":"TEST_NOTIFICATION","notification":{}}"#,
        br#"{"notificationId":"","notificationType":"TEST_NOTIFICATION"}"#,
        br#"{"notificationId":"n-1","notification":{}}"#,
        br#"{"notificationId":{"a":1},"notificationType":"TEST_NOTIFICATION"}"#,
    ];
    for case in cases {
        let e = notification::decode(case).unwrap_err();
        assert!(
            matches!(e, ReceiveError::NotANotification { .. }),
            "{:?}: {e:?}",
            String::from_utf8_lossy(case)
        );
        assert_eq!(e.http_status(), 400);
    }
    let e = notification::decode(b"[]").unwrap_err();
    assert_eq!(
        e.to_string(),
        "notification refused: the body is not a notification (not a JSON object)"
    );
}

#[test]
fn known_type_with_unreadable_payload_is_400() {
    let e = notification::decode(
        br#"{"notificationId":"n","notificationType":"ASSET_COUNT","notification":{"adamId":"1"}}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ReceiveError::InvalidPayload { notification_type, .. } if notification_type == "ASSET_COUNT")
    );
    assert_eq!(e.http_status(), 400);
}

#[test]
fn body_over_the_limit_is_413_before_decoding() {
    let big = vec![b'x'; 101];
    let e = notification::receive(
        Some(bearer().as_bytes()),
        &big,
        &secret(),
        &ReceiveLimits::with_max_body(100),
    )
    .unwrap_err();
    assert_eq!(e, ReceiveError::TooLarge { len: 101, max: 100 });
    assert_eq!(e.http_status(), 413);
    // The default is 1 MiB.
    assert_eq!(ReceiveLimits::default().max_body, 1024 * 1024);
    let padded = format!(
        "{}{}",
        fixture("notifications/test.json").trim(),
        " ".repeat(2 << 20)
    );
    let e = notification::receive(
        Some(bearer().as_bytes()),
        padded.as_bytes(),
        &secret(),
        &ReceiveLimits::default(),
    )
    .unwrap_err();
    assert_eq!(e.http_status(), 413);
}

// ---- authentication ----

#[test]
fn every_bad_authorization_form_is_401_and_never_echoed() {
    let wrong = "Bearer vT3k9Qx2mZp7LwR4sY8nB1cF6hJ0dG5aE2uK7iO9qWf";
    let prefix = format!("Bearer {}", &SECRET[..SECRET.len() - 1]);
    let suffix = format!("Bearer {SECRET}x");
    let two_spaces = format!("Bearer  {SECRET}");
    let basic = format!("Basic {SECRET}");
    let trailing = format!("Bearer {SECRET} ");
    let tab = format!("Bearer\t{SECRET}");
    let no_space = format!("Bearer{SECRET}");
    let mut non_utf8 = b"Bearer ".to_vec();
    non_utf8.extend_from_slice(&[0xff, 0xfe, 0x80]);
    let cases: Vec<(Option<&[u8]>, ReceiveError)> = vec![
        (None, ReceiveError::MissingAuthorization),
        (Some(b""), ReceiveError::MissingAuthorization),
        (Some(basic.as_bytes()), ReceiveError::MalformedAuthorization),
        (Some(b"Bearer"), ReceiveError::MalformedAuthorization),
        (Some(b"Bearer "), ReceiveError::MalformedAuthorization),
        (
            Some(two_spaces.as_bytes()),
            ReceiveError::MalformedAuthorization,
        ),
        (
            Some(trailing.as_bytes()),
            ReceiveError::MalformedAuthorization,
        ),
        (Some(tab.as_bytes()), ReceiveError::MalformedAuthorization),
        (
            Some(no_space.as_bytes()),
            ReceiveError::MalformedAuthorization,
        ),
        (
            Some(SECRET.as_bytes()),
            ReceiveError::MalformedAuthorization,
        ),
        (Some(&non_utf8), ReceiveError::MalformedAuthorization),
        (Some(wrong.as_bytes()), ReceiveError::WrongSecret),
        (Some(prefix.as_bytes()), ReceiveError::WrongSecret),
        (Some(suffix.as_bytes()), ReceiveError::WrongSecret),
    ];
    let good_body = body("test.json");
    for (header, expected) in cases {
        let e = notification::receive(header, &good_body, &secret(), &ReceiveLimits::default())
            .unwrap_err();
        let shown = header.map(String::from_utf8_lossy).unwrap_or_default();
        assert_eq!(e, expected, "{shown:?}");
        assert_eq!(e.http_status(), 401);
        assert!(e.is_unauthorized());
        for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            common::assert_no_secret(&text, SECRET);
            assert!(!text.contains("vT3k9"), "{text}");
            assert!(!text.contains("Basic"), "{text}");
        }
    }
}

#[test]
fn scheme_is_case_insensitive() {
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let header = format!("{scheme} {SECRET}");
        let n = notification::receive(
            Some(header.as_bytes()),
            &body("test.json"),
            &secret(),
            &ReceiveLimits::default(),
        );
        assert!(n.is_ok(), "{scheme}");
    }
}

#[test]
fn authentication_comes_before_the_body() {
    // An unauthenticated caller cannot probe the size limit or the parser.
    let e = notification::receive(
        None,
        &[b'x'; 10],
        &secret(),
        &ReceiveLimits::with_max_body(1),
    )
    .unwrap_err();
    assert_eq!(e, ReceiveError::MissingAuthorization);
    let e = notification::receive(
        Some(b"Bearer nope"),
        b"[]",
        &secret(),
        &ReceiveLimits::default(),
    )
    .unwrap_err();
    assert_eq!(e, ReceiveError::WrongSecret);
}

// ---- secret ----

#[test]
fn generated_secrets() {
    let a = NotificationSecret::generate().unwrap();
    let b = NotificationSecret::generate().unwrap();
    assert_ne!(a.expose_secret(), b.expose_secret());
    assert_ne!(a, b);
    assert_eq!(a.len(), 43); // 256 bits, Base64url without padding
    assert!(
        a.expose_secret()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_eq!(format!("{a:?}"), "NotificationSecret([redacted])");
    // Serde stores the value and loads it back, checked.
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(json, format!("\"{}\"", a.expose_secret()));
    let back: NotificationSecret = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    assert!(serde_json::from_str::<NotificationSecret>("\"short\"").is_err());
    // Within Apple's limit.
    let limits: Limits = serde_json::from_str(r#"{"maxNotificationLength":256}"#).unwrap();
    a.check_limits(&limits).unwrap();
    let tight: Limits = serde_json::from_str(r#"{"maxNotificationLength":40}"#).unwrap();
    assert_eq!(
        a.check_limits(&tight),
        Err(SecretError::TooLong { len: 43, max: 40 })
    );
    a.check_limits(&Limits::default()).unwrap();
}

#[test]
fn loaded_secrets_are_checked() {
    assert_eq!(
        NotificationSecret::new("abc".into()),
        Err(SecretError::TooShort { len: 3 })
    );
    assert_eq!(
        NotificationSecret::new("=".repeat(30)),
        Err(SecretError::TooShort { len: 30 })
    );
    let with_space = format!("{} {}", &SECRET[..20], &SECRET[20..]);
    assert_eq!(
        NotificationSecret::new(with_space),
        Err(SecretError::InvalidCharacter { position: 20 })
    );
    let e = NotificationSecret::new(format!("{SECRET}\n")).unwrap_err();
    assert!(!e.to_string().contains(SECRET));
    assert!(NotificationSecret::new("a".repeat(2000)).is_err());
    // Hex and standard Base64 with padding are fine.
    NotificationSecret::new("0123456789abcdef0123456789abcdef".into()).unwrap();
    NotificationSecret::new("q83vEjRWeJq83vEjRWeJq83vEjRWeJ+/q83vEjRWeA==".into()).unwrap();
    let parsed: NotificationSecret = SECRET.parse().unwrap();
    assert_eq!(parsed, secret());
}

// ---- subscribing ----

fn config(json: &str) -> ClientConfig {
    serde_json::from_str(json).unwrap()
}

#[test]
fn subscription_sends_url_secret_and_every_type() {
    let sub =
        NotificationSubscription::new("https://mdm.example.com/vpp/notify", secret()).unwrap();
    let update = sub.settings_update();
    assert_eq!(
        update.notification_url.as_deref(),
        Some("https://mdm.example.com/vpp/notify")
    );
    assert_eq!(
        update
            .notification_auth_token
            .as_ref()
            .map(|s| s.expose_secret()),
        Some(SECRET)
    );
    let json: serde_json::Value = serde_json::from_slice(&update.to_json()).unwrap();
    assert_eq!(
        json["notificationTypes"],
        serde_json::json!([
            "ASSET_MANAGEMENT",
            "ASSET_COUNT",
            "USER_MANAGEMENT",
            "USER_ASSOCIATED",
            "SUBSCRIPTION_MANAGEMENT",
            "SUBSCRIPTION_COUNT"
        ])
    );
    assert!(json.get("mdmInfo").is_none());
    let fewer = sub
        .clone()
        .with_types([
            NotificationType::AssetManagement,
            NotificationType::AssetManagement,
        ])
        .unwrap();
    assert_eq!(fewer.types(), &[NotificationType::AssetManagement]);
    assert_eq!(
        sub.with_types([NotificationType::TestNotification]),
        Err(SubscribeError::TestType)
    );
}

#[test]
fn subscription_url_must_be_https_or_loopback_http() {
    for ok in [
        "https://mdm.example.com/n",
        "http://127.0.0.1:8080/n",
        "http://localhost/n",
        "http://[::1]:9/n",
    ] {
        NotificationSubscription::new(ok, secret()).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in ["http://mdm.example.com/n", "ftp://x/", "http://10.0.0.1/"] {
        assert!(matches!(
            NotificationSubscription::new(bad, secret()),
            Err(SubscribeError::InsecureUrl { .. })
        ));
    }
    assert!(matches!(
        NotificationSubscription::new("not a url", secret()),
        Err(SubscribeError::InvalidUrl { .. })
    ));
}

#[test]
fn subscribing_goes_through_the_claim_and_keeps_mdm_info() {
    let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap())
        .build()
        .unwrap();
    let us = MdmIdentity::builder()
        .id("our-id")
        .name("Our MDM")
        .metadata("mdm.ours.example")
        .build()
        .unwrap();
    let sub = NotificationSubscription::new("https://mdm.ours.example/n", secret()).unwrap();
    let options =
        apple_vpp::ClaimOptions::from(Takeover::Refuse).with_notifications(sub.settings_update());
    let ours = apple_vpp::LocationSnapshot::from_json(
        br#"{"uId":"1","locationName":"Berlin","mdmInfo":{"id":"our-id","name":"Our MDM","metadata":"mdm.ours.example"}}"#,
    )
    .unwrap();
    let now = utc("2026-11-25T12:00:00Z");
    let apple_vpp::Configure::SendUpdate(pending) = configure_at(&token, &us, &ours, &options, now)
    else {
        panic!("already ours, but the settings must still be sent")
    };
    let update = pending.update();
    assert_eq!(update.mdm_info, Some(us.to_mdm_info()));
    assert!(update.notification_url.is_some() && update.notification_types.is_some());
    // Another MDM's location is not taken by subscribing.
    let theirs = apple_vpp::LocationSnapshot::from_json(
        br#"{"uId":"1","locationName":"Berlin","mdmInfo":{"id":"x","name":"Other","metadata":"o"}}"#,
    )
    .unwrap();
    assert!(matches!(
        configure_at(&token, &us, &theirs, &options, now),
        apple_vpp::Configure::ManagedElsewhere { .. }
    ));
    // A re-claim update (mdmInfo only) gets the settings added, mdmInfo kept.
    let mut reclaim = apple_vpp::wire::ClientConfigUpdate::default();
    reclaim.mdm_info = Some(us.to_mdm_info());
    sub.apply_to(&mut reclaim);
    assert_eq!(reclaim.mdm_info, Some(us.to_mdm_info()));
    assert_eq!(reclaim.notification_types.as_ref().map(Vec::len), Some(6));
}

#[test]
fn read_back_is_checked() {
    let sub = NotificationSubscription::new("https://mdm.ours.example/n", secret())
        .unwrap()
        .with_types([
            NotificationType::AssetManagement,
            NotificationType::AssetCount,
        ])
        .unwrap();
    let good = config(&format!(
        r#"{{"notificationUrl":"https://mdm.ours.example/n","notificationAuthToken":"{SECRET}","subscribedNotificationTypes":["ASSET_COUNT","ASSET_MANAGEMENT"]}}"#
    ));
    assert!(sub.check_read_back(&good).is_empty());
    let bad = config(
        r#"{"notificationUrl":"https://elsewhere.example/n","notificationAuthToken":"other-secret-0123456789abcdef","subscribedNotificationTypes":["ASSET_COUNT"]}"#,
    );
    assert_eq!(
        sub.check_read_back(&bad),
        vec![
            "notificationUrl",
            "notificationAuthToken",
            "subscribedNotificationTypes"
        ]
    );
}

#[test]
fn error_9728_says_apple_could_not_reach_the_url() {
    let sub = NotificationSubscription::new("https://mdm.ours.example/n", secret()).unwrap();
    let apple = AppleError::new(
        Some(400),
        ErrorBody::new(
            ErrorNumber::from_code(9728),
            "Unable to send test notification.",
        ),
    );
    let e = SubscribeError::from_apple(apple, &sub);
    assert!(
        matches!(&e, SubscribeError::TestNotificationNotDelivered { url } if url == "https://mdm.ours.example/n")
    );
    let text = e.to_string();
    assert!(text.starts_with("Apple could not deliver its test notification to https://mdm.ours.example/n (error 9728)"), "{text}");
    assert!(!text.contains(SECRET));
    let other = AppleError::new(Some(400), ErrorBody::new(ErrorNumber::from_code(9710), ""));
    assert!(matches!(
        SubscribeError::from_apple(other, &sub),
        SubscribeError::Apple(_)
    ));
}

// ---- de-duplication ----

#[test]
fn deduper_is_bounded_by_count() {
    let t = utc("2026-11-25T12:00:00Z");
    let mut d = NotificationDeduper::new(3, Duration::from_secs(3600));
    for id in ["a", "b", "c"] {
        assert_eq!(d.check_and_insert_at(id, t), Delivery::First);
    }
    assert!(d.check_and_insert_at("a", t).is_duplicate());
    assert_eq!(d.check_and_insert_at("d", t), Delivery::First); // evicts "a"
    assert_eq!(d.len(), 3);
    assert!(!d.contains_at("a", t));
    assert!(d.contains_at("b", t) && d.contains_at("d", t));
}

#[test]
fn deduper_is_bounded_by_age() {
    let t = utc("2026-11-25T12:00:00Z");
    let mut d = NotificationDeduper::new(100, Duration::from_secs(600));
    d.insert_at("a", t);
    d.insert_at("b", t + TimeDelta::minutes(5));
    assert!(
        d.check_and_insert_at("a", t + TimeDelta::minutes(9))
            .is_duplicate()
    );
    assert!(!d.contains_at("a", t + TimeDelta::minutes(10)));
    assert_eq!(
        d.check_and_insert_at("a", t + TimeDelta::minutes(10)),
        Delivery::First
    );
    assert_eq!(d.len(), 2); // old "a" evicted, new "a" and "b"
    assert!(d.contains_at("b", t + TimeDelta::minutes(14)));
    assert!(!d.contains_at("b", t + TimeDelta::minutes(15)));
}

#[test]
fn deduper_round_trips_through_serde() {
    let t = utc("2026-11-25T12:00:00Z");
    let mut d = NotificationDeduper::new(2, Duration::from_secs(60));
    d.insert_at("x", t);
    d.insert_at("y", t + TimeDelta::seconds(1));
    let json = serde_json::to_string(&d).unwrap();
    let back: NotificationDeduper = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    assert!(back.contains_at("x", t));
    let mut back = back;
    back.insert_at("z", t); // count bound survives the round trip
    assert!(!back.contains_at("x", t));
}
