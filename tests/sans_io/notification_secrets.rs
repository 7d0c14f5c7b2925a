//! Secret hygiene for the notification secret, in the spirit of the `secrets` module: every
//! value and error built from it is formatted with `{:?}`, `{:#?}` and (where it has one)
//! `{}`, and none may contain the secret or any 16-byte window of it. Serializing the
//! secret (documented as secret) is the one place it appears.

use crate::common;

use apple_vpp::api::{Credentials, HttpRequest, ServiceBase, SetClientConfig, redact_error};
use apple_vpp::notification::{
    self, NotificationSecret, NotificationSubscription, ReceiveLimits, SubscribeError,
};
use apple_vpp::wire::{AppleError, ErrorBody, ErrorNumber, Limits, ResponseError};
use apple_vpp::{MdmIdentity, Takeover, VppToken, configure_at};
use common::{assert_no_secret, utc};

#[track_caller]
fn check_debug<T: std::fmt::Debug>(value: &T, secret: &str) {
    assert_no_secret(&format!("{value:?}"), secret);
    assert_no_secret(&format!("{value:#?}"), secret);
}

#[track_caller]
fn check_both<T: std::fmt::Debug + std::fmt::Display>(value: &T, secret: &str) {
    check_debug(value, secret);
    assert_no_secret(&value.to_string(), secret);
}

#[test]
fn nothing_built_from_the_notification_secret_prints_it() {
    let secret = NotificationSecret::generate().unwrap();
    let s = secret.expose_secret().to_owned();
    check_debug(&secret, &s);

    let sub = NotificationSubscription::new("https://mdm.example.com/n", secret.clone()).unwrap();
    check_debug(&sub, &s);
    let update = sub.settings_update();
    check_debug(&update, &s);

    // The claim that carries it, and the request that sends it.
    let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap())
        .build()
        .unwrap();
    let snapshot =
        apple_vpp::LocationSnapshot::from_json(br#"{"uId":"1","locationName":"B"}"#).unwrap();
    let us = MdmIdentity::builder()
        .id("id")
        .name("MDM")
        .metadata("meta")
        .build()
        .unwrap();
    let options =
        apple_vpp::ClaimOptions::from(Takeover::Refuse).with_notifications(update.clone());
    let configure = configure_at(
        &token,
        &us,
        &snapshot,
        &options,
        utc("2026-11-25T12:00:00Z"),
    );
    check_debug(&configure, &s);
    let endpoint = SetClientConfig::new(&update);
    let request = HttpRequest::build(
        &endpoint,
        &ServiceBase::default(),
        Credentials::token(&token),
    )
    .unwrap();
    check_debug(&request, &s);

    // Apple echoing the secret in an error is redacted.
    let echoed = AppleError::new(
        Some(400),
        ErrorBody::new(
            ErrorNumber::from_code(9728),
            format!("cannot reach with {s}"),
        ),
    );
    let mut response = ResponseError::Apple(echoed);
    redact_error(&endpoint, Credentials::token(&token), &mut response);
    let ResponseError::Apple(echoed) = response else {
        panic!("still Apple's error")
    };
    check_both(&echoed, &s);
    check_both(&SubscribeError::from_apple(echoed.clone(), &sub), &s);

    // Errors about the secret itself.
    let tight: Limits = serde_json::from_str(r#"{"maxNotificationLength":10}"#).unwrap();
    check_both(&secret.check_limits(&tight).unwrap_err(), &s);
    let bad = NotificationSecret::new(format!("{s} ")).unwrap_err();
    check_both(&bad, &s);

    // Authentication errors for headers close to the secret.
    let prefix = format!("Bearer {}", &s[..s.len() - 1]);
    let spaced = format!("Bearer  {s}");
    let lower = format!("basic {s}");
    for header in [prefix.as_bytes(), spaced.as_bytes(), lower.as_bytes()] {
        let e = notification::receive(Some(header), b"{}", &secret, &ReceiveLimits::default())
            .unwrap_err();
        check_both(&e, &s);
    }

    // Serialization is the documented exception.
    assert!(serde_json::to_string(&secret).unwrap().contains(&s));
    assert!(String::from_utf8(update.to_json()).unwrap().contains(&s));
}

#[test]
fn public_types_are_send_and_sync() {
    fn is<T: Send + Sync>() {}
    is::<NotificationSecret>();
    is::<NotificationSubscription>();
    is::<apple_vpp::Notification>();
    is::<notification::ReceiveError>();
    is::<notification::SecretError>();
    is::<SubscribeError>();
    is::<notification::NotificationDeduper>();
    is::<apple_vpp::events::EventTracker>();
    is::<apple_vpp::events::EventStatus>();
    is::<apple_vpp::events::Next>();
    is::<apple_vpp::events::Update>();
}

/// Stored in shared storage before subscribing (every replica must accept Apple's test
/// notification): the serde form is the secret itself, read back with the checks of
/// `NotificationSecret::new`.
#[test]
fn a_stored_notification_secret_reads_back_and_stays_redacted() {
    let secret = NotificationSecret::generate().unwrap();
    let stored = serde_json::to_string(&secret).unwrap();
    assert_eq!(stored, format!("\"{}\"", secret.expose_secret()));
    let back: NotificationSecret = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, secret);
    assert_eq!(format!("{back:?}"), "NotificationSecret([redacted])");
    let short = serde_json::from_str::<NotificationSecret>(r#""short""#).unwrap_err();
    assert!(short.to_string().contains("too short"), "{short}");
}

#[test]
fn a_header_is_checked_against_every_stored_secret() {
    let old = NotificationSecret::generate().unwrap();
    let new = NotificationSecret::generate().unwrap();
    let header = |s: &NotificationSecret| format!("Bearer {}", s.expose_secret());
    let both = [new.clone(), old.clone()];
    assert!(notification::authenticate_any(Some(header(&old).as_bytes()), &both).is_ok());
    assert!(notification::authenticate_any(Some(header(&new).as_bytes()), &both).is_ok());
    let other = NotificationSecret::generate().unwrap();
    let wrong = notification::authenticate_any(Some(header(&other).as_bytes()), &both);
    assert_eq!(wrong.unwrap_err().http_status(), 401);
    // No stored secret accepts nothing; a missing header is still told apart.
    assert!(notification::authenticate_any(Some(header(&new).as_bytes()), &[]).is_err());
    assert_eq!(
        notification::authenticate_any(None, &[]),
        Err(notification::ReceiveError::MissingAuthorization)
    );
}
