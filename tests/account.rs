//! The sans-IO core: ownership verdicts, configure / verify / renew decisions, the display
//! status and persistence of `VppAccount`.

mod common;

use apple_vpp::wire::{
    ClientConfig, ClientConfigUpdate, ErrorBody, ErrorNumber, LegacyClientConfig, MdmInfo,
};
use apple_vpp::{
    AccountStatus, AppleError, AppleVerdict, ClaimOptions, ClaimState, Configure, ConfigureError,
    IdentityError, Location, LocationSnapshot, MdmIdentity, MdmOwner, Ownership, Protocol, Reclaim,
    RenewError, RenewalPolicy, ResponseError, Takeover, Verification, VppAccount, VppToken,
    configure_at,
};
use chrono::{DateTime, Utc};
use common::{OUR_ID, fixture, now, token_with, us, utc};

fn identity(id: &str, name: &str, metadata: &str) -> Result<MdmIdentity, IdentityError> {
    MdmIdentity::builder()
        .id(id)
        .name(name)
        .metadata(metadata)
        .build()
}

fn info(id: &str, name: &str, metadata: &str) -> MdmInfo {
    MdmInfo::default()
        .with_id(id)
        .with_name(name)
        .with_metadata(metadata)
}

fn v2(json: &str) -> LocationSnapshot {
    LocationSnapshot::from_v2(&serde_json::from_str::<ClientConfig>(json).unwrap()).unwrap()
}

/// A v2 snapshot of the Berlin location with the given `mdmInfo` (or none).
fn berlin(mdm: Option<(&str, &str, &str)>) -> LocationSnapshot {
    berlin_expiring(mdm, "2027-09-26T08:30:39+0000")
}

fn berlin_expiring(mdm: Option<(&str, &str, &str)>, exp: &str) -> LocationSnapshot {
    let mut c: ClientConfig = serde_json::from_str(&fixture("client_config_v2.json")).unwrap();
    c.mdm_info = mdm.map(|(id, name, meta)| info(id, name, meta));
    c.token_expiration_date = Some(exp.into());
    LocationSnapshot::from_v2(&c).unwrap()
}

fn ours() -> Option<(&'static str, &'static str, &'static str)> {
    Some((OUR_ID, "Our MDM", "mdm.ours.example"))
}

fn other() -> Option<(&'static str, &'static str, &'static str)> {
    Some((
        "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11",
        "Example MDM",
        "mdm.example.com",
    ))
}

/// The configure decision for us, with no notification settings, at `now()`.
fn decide(token: VppToken, snapshot: &LocationSnapshot, takeover: &Takeover) -> Configure {
    configure_at(
        &token,
        &us(),
        snapshot,
        &ClaimOptions::from(takeover.clone()),
        now(),
    )
}

/// The token `account()` holds.
fn account_token() -> VppToken {
    token_with("aW5uZXI=", "2027-09-26T08:30:39Z")
}

/// A snapshot of Berlin read with the account's own token.
fn own(snapshot: LocationSnapshot) -> LocationSnapshot {
    snapshot.read_with(&account_token())
}

fn account() -> VppAccount {
    match decide(account_token(), &own(berlin(ours())), &Takeover::Refuse) {
        Configure::AlreadyOurs(a) => a,
        other => panic!("{other:?}"),
    }
}

// ---- identity ----

#[test]
fn identity_is_validated_against_apples_limits() {
    assert_eq!(
        identity("", "n", "m"),
        Err(IdentityError::Empty { field: "id" })
    );
    assert_eq!(
        identity("i", "  ", "m"),
        Err(IdentityError::Empty { field: "name" })
    );
    assert!(identity("i", "n", "").is_ok(), "metadata may be empty");
    assert!(
        identity(&"é".repeat(100), &"ü".repeat(100), &"ß".repeat(255)).is_ok(),
        "limits count characters"
    );
    assert_eq!(
        identity(&"x".repeat(101), "n", "m"),
        Err(IdentityError::TooLong {
            field: "id",
            len: 101,
            max: 100
        })
    );
    assert_eq!(
        identity("i", &"x".repeat(101), "m"),
        Err(IdentityError::TooLong {
            field: "name",
            len: 101,
            max: 100
        })
    );
    let e = identity("i", "n", &"x".repeat(256)).unwrap_err();
    assert_eq!(
        e,
        IdentityError::TooLong {
            field: "metadata",
            len: 256,
            max: 255
        }
    );
    assert_eq!(
        e.to_string(),
        "the MDM identity's metadata is 256 characters, more than Apple's limit of 255: shorten it in the MDM's settings"
    );
}

#[test]
fn identity_maps_to_mdm_info_and_legacy_context() {
    let id = us();
    assert_eq!(
        id.to_mdm_info(),
        info(OUR_ID, "Our MDM", "mdm.ours.example")
    );
    let ctx: serde_json::Value = serde_json::from_str(&id.legacy_client_context()).unwrap();
    assert_eq!(
        ctx,
        serde_json::json!({"hostname": "mdm.ours.example", "guid": OUR_ID})
    );
    // Deserializing validates too.
    assert!(serde_json::from_str::<MdmIdentity>(r#"{"id":"","name":"n"}"#).is_err());
}

// ---- verdicts ----

#[test]
fn v2_verdicts() {
    let id = us();
    assert_eq!(id.ownership_of(&berlin(None)), Ownership::Unclaimed);
    assert_eq!(id.ownership_of(&berlin(ours())), Ownership::Ours);
    // Our id with a new name and metadata: still ours.
    assert_eq!(
        id.ownership_of(&berlin(Some((OUR_ID, "Renamed MDM", "new.host")))),
        Ownership::Ours
    );
    // Same name (and metadata) but another id: elsewhere.
    let impostor = id.ownership_of(&berlin(Some((
        "someone-else",
        "Our MDM",
        "mdm.ours.example",
    ))));
    match impostor {
        Ownership::ManagedElsewhere(o) => {
            assert_eq!(o.id.as_deref(), Some("someone-else"));
            assert_eq!(o.name.as_deref(), Some("Our MDM"));
        }
        other => panic!("{other:?}"),
    }
    let Ownership::ManagedElsewhere(owner) = id.ownership_of(&berlin(other())) else {
        panic!()
    };
    assert_eq!(
        owner.to_string(),
        "\"Example MDM\" (at mdm.example.com, id 29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11)"
    );
    assert_eq!(owner.label(), Some("Example MDM"));
    // mdmInfo present but empty: claimed by an unknown MDM, not free for the taking.
    let empty = v2(r#"{"uId":"1","locationName":"L","mdmInfo":{}}"#);
    assert_eq!(
        id.ownership_of(&empty),
        Ownership::ManagedElsewhere(MdmOwner::default())
    );
    assert_eq!(MdmOwner::default().to_string(), "an unknown MDM");
}

fn legacy(context: Option<&str>) -> LocationSnapshot {
    let mut l: LegacyClientConfig =
        serde_json::from_str(&fixture("legacy_client_config.json")).unwrap();
    l.client_context = context.map(str::to_owned);
    LocationSnapshot::from_legacy(&l).unwrap()
}

#[test]
fn legacy_verdicts() {
    let id = us();
    assert_eq!(id.ownership_of(&legacy(None)), Ownership::Unclaimed);
    assert_eq!(id.ownership_of(&legacy(Some(""))), Ownership::Unclaimed);
    assert_eq!(id.ownership_of(&legacy(Some("  "))), Ownership::Unclaimed);
    assert_eq!(
        id.ownership_of(&legacy(Some(&id.legacy_client_context()))),
        Ownership::Ours
    );
    // Our hostname but another guid: elsewhere.
    let Ownership::ManagedElsewhere(o) = id.ownership_of(&legacy(Some(
        r#"{"hostname":"mdm.ours.example","guid":"not-us"}"#,
    ))) else {
        panic!()
    };
    assert_eq!(
        (o.id.as_deref(), o.metadata.as_deref(), o.name.as_deref()),
        (Some("not-us"), Some("mdm.ours.example"), None)
    );
    // Apple's sample context.
    let Ownership::ManagedElsewhere(o) = id.ownership_of(&legacy(Some(
        r#"{"guid":"b92","hostname":"test.test.org","ac2":1}"#,
    ))) else {
        panic!()
    };
    assert_eq!(o.label(), Some("test.test.org"));
    // Not JSON, or JSON without a guid: elsewhere, owner unknown (or only its host).
    assert_eq!(
        id.ownership_of(&legacy(Some("used in v2"))),
        Ownership::ManagedElsewhere(MdmOwner::default())
    );
    assert_eq!(
        id.ownership_of(&legacy(Some("{}"))),
        Ownership::ManagedElsewhere(MdmOwner::default())
    );
    // The hostname alone never makes it ours.
    assert!(matches!(
        id.ownership_of(&legacy(Some(r#"{"hostname":"mdm.ours.example"}"#))),
        Ownership::ManagedElsewhere(_)
    ));
}

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
        s.token_expires_at.unwrap().to_rfc3339(),
        "2027-09-26T08:30:39+00:00"
    );
    let l = legacy(None);
    assert_eq!(l.location.uid, "1234567890");
    assert_eq!(l.location.name, "Example District");
    assert_eq!(l.location.country.as_deref(), Some("US"));
    assert_eq!(
        l.token_expires_at.unwrap().with_timezone(&Utc),
        utc("2014-08-09T02:13:52Z")
    );
    let u = LocationSnapshot::from_json(fixture("legacy_client_config_unclaimed.json").as_bytes())
        .unwrap();
    assert_eq!(u.claim, None);
    assert_eq!(
        u.token_expires_at.unwrap().with_timezone(&Utc),
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
fn legacy_error_responses_are_apple_errors() {
    let err = LocationSnapshot::from_json(fixture("legacy_error.json").as_bytes()).unwrap_err();
    assert_eq!(err.apple().unwrap().number, ErrorNumber::TokenRevoked);
    let l: LegacyClientConfig = serde_json::from_str(&fixture("legacy_error.json")).unwrap();
    assert_eq!(
        LocationSnapshot::from_legacy(&l)
            .unwrap_err()
            .apple()
            .unwrap()
            .number,
        ErrorNumber::TokenRevoked
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

// ---- configure ----

#[test]
fn configure_already_ours_sends_nothing() {
    let a = account();
    assert_eq!(a.location().name, "Berlin Office");
    assert_eq!(a.configured_at(), now());
    assert_eq!(a.last_verified_at(), now());
    assert_eq!(a.verdict(), AppleVerdict::Active);
    assert_eq!(a.claim(), &ClaimState::Ours);
    assert_eq!(a.took_over_from(), None);
}

#[test]
fn configure_unclaimed_sends_our_mdm_info_then_checks_the_read_back() {
    let t = token_with("aW5uZXI=", "2027-09-26T08:30:39Z");
    let Configure::SendUpdate(pending) = decide(t.clone(), &berlin(None), &Takeover::Refuse) else {
        panic!()
    };
    assert_eq!(pending.update().mdm_info, Some(us().to_mdm_info()));
    assert_eq!(pending.update().notification_url, None);
    assert_eq!(pending.token(), &t);
    assert_eq!(pending.took_over_from(), None);
    let a = pending.finish_at(&berlin(ours()), now()).unwrap();
    assert_eq!(a.token(), &t);
    assert_eq!(a.identity(), &us());
}

#[test]
fn configure_ours_with_changed_name_rewrites_it() {
    let c = decide(
        token_with("aW5uZXI=", "2027-09-26T08:30:39Z"),
        &berlin(Some((OUR_ID, "Old Name", "old.host"))),
        &Takeover::Refuse,
    );
    let Configure::SendUpdate(p) = c else {
        panic!("{c:?}")
    };
    assert_eq!(
        p.update().mdm_info.as_ref().unwrap().name.as_deref(),
        Some("Our MDM")
    );
    assert_eq!(
        p.took_over_from(),
        None,
        "rewriting our own name is not a takeover"
    );
}

#[test]
fn configure_managed_elsewhere_without_consent_stops() {
    for takeover in [
        Takeover::Refuse,
        Takeover::AcceptFrom(MdmOwner::default().with_id("a-different-mdm")),
    ] {
        let c = decide(
            token_with("aW5uZXI=", "2027-09-26T08:30:39Z"),
            &berlin(other()),
            &takeover,
        );
        let Configure::ManagedElsewhere { owner, location } = c else {
            panic!("{c:?}")
        };
        assert_eq!(location.name, "Berlin Office");
        assert_eq!(owner.name.as_deref(), Some("Example MDM"));
        assert_eq!(owner.metadata.as_deref(), Some("mdm.example.com"));
    }
}

#[test]
fn configure_takeover_with_consent() {
    let snapshot = berlin(other());
    let Ownership::ManagedElsewhere(shown) = us().ownership_of(&snapshot) else {
        panic!()
    };
    for takeover in [Takeover::Accept, Takeover::AcceptFrom(shown.clone())] {
        let c = decide(
            token_with("aW5uZXI=", "2027-09-26T08:30:39Z"),
            &snapshot,
            &takeover,
        );
        let Configure::SendUpdate(p) = c else {
            panic!("{c:?}")
        };
        assert_eq!(p.took_over_from(), Some(&shown));
        let a = p.finish_at(&berlin(ours()), now()).unwrap();
        assert_eq!(
            a.took_over_from(),
            Some(&shown),
            "the account remembers whom it took over from"
        );
    }
}

#[test]
fn configure_lost_race_and_not_applied() {
    let Configure::SendUpdate(p) = decide(
        token_with("aW5uZXI=", "2027-09-26T08:30:39Z"),
        &berlin(None),
        &Takeover::Refuse,
    ) else {
        panic!()
    };
    let err = p.finish_at(&berlin(other()), now()).unwrap_err();
    let ConfigureError::LostRace { owner } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(owner.name.as_deref(), Some("Example MDM"));
    assert_eq!(
        err.to_string(),
        "another MDM, \"Example MDM\" (at mdm.example.com, id 29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11), claimed the location at the same time: ask the admin whether to take it over, then try again"
    );
    assert_eq!(
        p.finish_at(&berlin(None), now()),
        Err(ConfigureError::NotApplied)
    );
    // Borrowed: after "try again later" the same claim finishes once Apple shows it.
    assert!(p.finish_at(&berlin(ours()), now()).is_ok());
    let elsewhere = v2(
        r#"{"uId":"999","locationName":"Munich","mdmInfo":{"id":"1f0e5c1e-0000-4000-8000-000000000001","name":"Our MDM","metadata":"mdm.ours.example"}}"#,
    );
    assert!(matches!(
        p.finish_at(&elsewhere, now()),
        Err(ConfigureError::LocationChanged(_))
    ));
}

#[test]
fn configure_with_notification_settings() {
    let url = apple_vpp::url::Url::parse("https://mdm.ours.example/vpp").unwrap();
    let settings = ClientConfigUpdate::builder()
        .notification_url(url)
        .notification_auth_token("n-secret".into())
        .build()
        .unwrap();
    // Even when already ours, requested settings force an update carrying our mdmInfo.
    let options = ClaimOptions {
        notifications: Some(settings),
        ..ClaimOptions::default()
    };
    let c = configure_at(
        &token_with("aW5uZXI=", "2027-09-26T08:30:39Z"),
        &us(),
        &berlin(ours()),
        &options,
        now(),
    );
    let Configure::SendUpdate(p) = c else {
        panic!("{c:?}")
    };
    assert_eq!(
        p.update().notification_url.as_deref(),
        Some("https://mdm.ours.example/vpp")
    );
    assert_eq!(p.update().mdm_info, Some(us().to_mdm_info()));
}

// ---- verify ----

#[test]
fn verify_still_ours_refreshes() {
    let mut a = account();
    let later = utc("2026-12-01T00:00:00Z");
    let mut c: ClientConfig = serde_json::from_str(&fixture("client_config_v2.json")).unwrap();
    c.mdm_info = Some(us().to_mdm_info());
    c.location_name = Some("Berlin HQ".into());
    c.token_expiration_date = Some("2027-10-01T00:00:00+0000".into());
    assert_eq!(
        a.verify_at(&own(LocationSnapshot::from_v2(&c).unwrap()), later),
        Ok(Verification::StillOurs)
    );
    assert_eq!(a.location().name, "Berlin HQ");
    assert_eq!(a.expires_at(), utc("2027-10-01T00:00:00Z"));
    assert_eq!(a.last_verified_at(), later);
    assert_eq!(a.configured_at(), now());
    assert!(a.is_usable_at(later));
}

#[test]
fn verify_displaced_marks_the_account_unusable_until_reclaimed() {
    let mut a = account();
    let later = utc("2026-12-01T00:00:00Z");
    let v = a.verify_at(&berlin(other()), later).unwrap();
    let Verification::Displaced(owner) = v else {
        panic!()
    };
    assert_eq!(owner.name.as_deref(), Some("Example MDM"));
    assert!(!a.is_usable_at(later));
    assert_eq!(a.displaced_by(), Some(&owner));
    assert_eq!(a.last_verified_at(), now(), "not verified as ours");
    let status = a.status_at(later, &RenewalPolicy::default());
    assert_eq!(status, AccountStatus::Displaced(owner));
    assert_eq!(status.as_str(), "displaced");
    assert!(status.message().contains("\"Example MDM\""));
    // An admin re-took it elsewhere (our id is back): usable again.
    assert_eq!(
        a.verify_at(&berlin(ours()), later),
        Ok(Verification::StillOurs)
    );
    assert!(a.is_usable_at(later));
}

#[test]
fn verify_released_and_location_mismatch() {
    let mut a = account();
    assert_eq!(
        a.verify_at(&berlin(None), now()),
        Ok(Verification::Released)
    );
    assert!(!a.is_usable_at(now()));
    assert_eq!(
        a.status_at(now(), &RenewalPolicy::default()),
        AccountStatus::Released
    );
    let before = a.clone();
    let munich = v2(r#"{"uId":"999","locationName":"Munich"}"#);
    // Read with another token, a mismatch says nothing about ours and changes nothing.
    let another = token_with("b3RoZXI=", "2027-09-26T08:30:39Z");
    let err = a
        .verify_at(&munich.clone().read_with(&another), now())
        .unwrap_err();
    assert_eq!(
        a, before,
        "a mismatch read with another token changes nothing"
    );
    // Without a recorded token it may be ours: the account is not usable any more.
    assert_eq!(a.verify_at(&munich, now()), Err(err.clone()));
    assert_eq!(
        a.status_at(now(), &RenewalPolicy::default()).as_str(),
        "wrong_location"
    );
    assert_eq!(
        err.to_string(),
        "the token is for the location \"Munich\" (uId 999), but this account is for \"Berlin Office\" (uId 981060278089131045): upload a token downloaded for \"Berlin Office\" (uId 981060278089131045)"
    );
}

#[test]
fn apple_errors_set_the_verdict() {
    let mut a = account();
    let err = |n: u32| AppleError::new(Some(401), ErrorBody::new(ErrorNumber::from_code(n), ""));
    assert!(
        !a.record_apple_error(&err(9646)),
        "rate limiting says nothing about the token"
    );
    assert!(!a.record_apple_error(&err(9603)));
    for (n, verdict, status) in [
        (9621, AppleVerdict::Expired, "expired"),
        (9622, AppleVerdict::Invalid, "invalid"),
        (9625, AppleVerdict::Revoked, "revoked"),
    ] {
        assert!(a.record_apple_error(&err(n)));
        assert!(
            !a.record_apple_error(&err(n)),
            "same verdict again is no change"
        );
        assert_eq!(a.verdict(), verdict);
        assert_eq!(
            a.status_at(now(), &RenewalPolicy::default()).as_str(),
            status
        );
        assert!(!a.is_usable_at(now()));
    }
    let mut b = account();
    assert!(b.record_apple_error(&AppleError::from_number(ErrorNumber::ReadOnlyLocation)));
    assert!(!b.record_apple_error(&err(9645)), "already read-only");
    assert!(b.is_read_only());
    assert_eq!(
        b.verdict(),
        AppleVerdict::Active,
        "read-only is its own flag"
    );
    assert_eq!(
        b.status_at(now(), &RenewalPolicy::default()).as_str(),
        "read_only"
    );
    assert!(!b.is_usable_at(now()));
}

#[test]
fn display_status_combines_expiry_and_precedence() {
    let a = account(); // Apple says it expires 2027-09-26T08:30:39Z
    let p = RenewalPolicy::default();
    assert_eq!(
        a.status_at(now(), &p),
        AccountStatus::Active { days_left: 304 }
    );
    assert_eq!(
        a.status_at(utc("2027-09-01T00:00:00Z"), &p),
        AccountStatus::ExpiringSoon { days_left: 25 }
    );
    assert_eq!(
        a.status_at(utc("2027-09-26T08:30:39Z"), &p),
        AccountStatus::Expired
    );
    assert!(
        a.status_at(utc("2027-09-01T00:00:00Z"), &p)
            .message()
            .starts_with("the token expires in 25 days: download a new one")
    );
    assert_eq!(
        AccountStatus::Revoked.message(),
        "the token has been revoked (a newer token was downloaded or the account's password changed): download a new one from Apple Business Manager > Settings > Apps and Books"
    );
    // Revoked wins over displaced.
    let mut b = account();
    b.verify_at(&berlin(other()), now()).unwrap();
    b.record_apple_error(&AppleError::new(
        Some(401),
        ErrorBody::new(ErrorNumber::TokenRevoked, ""),
    ));
    assert_eq!(b.status_at(now(), &p), AccountStatus::Revoked);
}

#[test]
fn apple_expiry_is_preferred_over_the_files() {
    // The file says 2027-12-31, Apple says 2027-09-26: Apple's date counts, both are kept.
    let t = token_with("aW5uZXI=", "2027-12-31T00:00:00Z");
    assert_eq!(berlin(ours()).expiry_for(&t), utc("2027-09-26T08:30:39Z"));
    let mut no_date = berlin(ours());
    no_date.token_expires_at = None;
    assert_eq!(no_date.expiry_for(&t), utc("2027-12-31T00:00:00Z"));
    let Configure::AlreadyOurs(a) = decide(t, &berlin(ours()), &Takeover::Refuse) else {
        panic!()
    };
    assert_eq!(a.expires_at(), utc("2027-09-26T08:30:39Z"));
    assert_eq!(a.token().file_expires_at_utc(), utc("2027-12-31T00:00:00Z"));
    // Without Apple's date, the file's counts.
    let s = v2(
        r#"{"uId":"981060278089131045","locationName":"Berlin Office","mdmInfo":{"id":"1f0e5c1e-0000-4000-8000-000000000001","name":"Our MDM","metadata":"mdm.ours.example"}}"#,
    );
    let Configure::AlreadyOurs(b) = decide(
        token_with("aW5uZXI=", "2027-12-31T00:00:00Z"),
        &s,
        &Takeover::Refuse,
    ) else {
        panic!()
    };
    assert_eq!(b.apple_expires_at(), None);
    assert_eq!(b.expires_at(), utc("2027-12-31T00:00:00Z"));
}

// ---- renew ----

#[test]
fn renew_success_keeps_identity_and_history() {
    let mut a = account();
    let new = token_with("bmV3", "2028-09-26T08:30:39Z");
    let snapshot = berlin_expiring(ours(), "2028-09-26T08:30:39+0000");
    let later = utc("2027-09-01T00:00:00Z");
    let r = a.renew_at(new.clone(), &snapshot, later).unwrap();
    assert_eq!(r.previous_expires_at, utc("2027-09-26T08:30:39Z"));
    assert_eq!(r.new_expires_at, utc("2028-09-26T08:30:39Z"));
    assert_eq!(r.org_name_change, None);
    assert_eq!(r.reclaim, Reclaim::NotNeeded);
    assert_eq!(r.reclaim_update(), None);
    assert_eq!(a.token(), &new);
    assert_eq!(a.expires_at(), utc("2028-09-26T08:30:39Z"));
    assert_eq!(a.configured_at(), now(), "history kept");
    assert_eq!(a.last_verified_at(), later);
    assert_eq!(a.identity(), &us());
}

#[test]
fn renew_reports_a_changed_org_name() {
    let mut a = account();
    let new = VppToken::builder(
        "Renamed Org",
        DateTime::parse_from_rfc3339("2028-09-26T08:30:39Z").unwrap(),
    )
    .inner_token("bmV3")
    .build()
    .unwrap();
    let r = a
        .renew_at(
            new,
            &berlin_expiring(ours(), "2028-09-26T08:30:39+0000"),
            now(),
        )
        .unwrap();
    assert_eq!(
        r.org_name_change,
        Some(("Example Org".into(), "Renamed Org".into()))
    );
}

#[test]
fn renew_rejections_leave_the_account_unchanged() {
    let a = account();
    type Check = Box<dyn Fn(&RenewError) -> bool>;
    let cases: Vec<(VppToken, LocationSnapshot, Check)> = vec![
        // Different location.
        (
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            v2(
                r#"{"uId":"999","locationName":"Munich","tokenExpirationDate":"2028-09-26T08:30:39+0000"}"#,
            ),
            Box::new(
                |e| matches!(e, RenewError::DifferentLocation(m) if m.expected.uid == "981060278089131045" && m.found.uid == "999"),
            ),
        ),
        // Not later.
        (
            token_with("bmV3", "2027-09-26T08:30:39Z"),
            berlin_expiring(ours(), "2027-09-26T08:30:39+0000"),
            Box::new(|e| matches!(e, RenewError::NotLater { .. })),
        ),
        // Already expired.
        (
            token_with("bmV3", "2026-01-01T00:00:00Z"),
            berlin_expiring(ours(), "2026-01-01T00:00:00+0000"),
            Box::new(|e| matches!(e, RenewError::Expired { .. })),
        ),
        // Another MDM holds it now.
        (
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            berlin_expiring(other(), "2028-09-26T08:30:39+0000"),
            Box::new(
                |e| matches!(e, RenewError::ManagedElsewhere { owner } if owner.name.as_deref() == Some("Example MDM")),
            ),
        ),
    ];
    for (new, snapshot, check) in cases {
        let mut b = a.clone();
        let err = b.renew_at(new, &snapshot, now()).unwrap_err();
        assert!(check(&err), "{err:?}");
        assert_eq!(b, a, "unchanged after {err}");
    }
    let e = a
        .clone()
        .renew_at(
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            &v2(r#"{"uId":"999","locationName":"Munich"}"#),
            now(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("the token is for the location \"Munich\" (uId 999), but this account is for \"Berlin Office\""), "{e}");
}

#[test]
fn renew_of_a_released_location_asks_to_reclaim() {
    let mut a = account();
    let r = a
        .renew_at(
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            &berlin_expiring(None, "2028-09-26T08:30:39+0000"),
            now(),
        )
        .unwrap();
    assert_eq!(
        r.reclaim_update().unwrap().mdm_info,
        Some(us().to_mdm_info())
    );
    assert!(matches!(r.reclaim, Reclaim::Send(_)));
    assert_eq!(a.claim(), &ClaimState::Released);
    assert!(!a.is_usable_at(now()));
    assert_eq!(
        a.verify_at(&berlin_expiring(ours(), "2028-09-26T08:30:39+0000"), now()),
        Ok(Verification::StillOurs)
    );
    assert!(a.is_usable_at(now()));
}

#[test]
fn a_reclaim_is_finished_from_its_read_back() {
    let renewed = |a: &mut VppAccount| {
        a.renew_at(
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            &berlin_expiring(None, "2028-09-26T08:30:39+0000"),
            now(),
        )
        .unwrap()
    };
    let later = utc("2026-12-01T00:00:00Z");
    // Held: ours again, then the caller marks the renewal.
    let mut a = account();
    let mut r = renewed(&mut a);
    assert_eq!(a.finish_reclaim_at(&berlin(ours()), later), Ok(()));
    r.reclaim = Reclaim::Held;
    assert_eq!(r.reclaim_update(), None);
    assert_eq!(a.claim(), &ClaimState::Ours);
    assert_eq!(a.last_verified_at(), later);
    assert!(a.is_usable_at(later));
    // Another MDM wrote at the same time: lost race, the account is displaced.
    let mut a = account();
    renewed(&mut a);
    let err = a.finish_reclaim_at(&berlin(other()), later).unwrap_err();
    assert!(
        matches!(&err, ConfigureError::LostRace { owner } if owner.name.as_deref() == Some("Example MDM")),
        "{err:?}"
    );
    assert!(a.displaced_by().is_some());
    assert!(!a.is_usable_at(later));
    // Nobody: not applied, still released; then it holds on a later read.
    let mut a = account();
    renewed(&mut a);
    assert_eq!(
        a.finish_reclaim_at(&berlin(None), later),
        Err(ConfigureError::NotApplied)
    );
    assert_eq!(a.claim(), &ClaimState::Released);
    // Another location: refused, nothing changes.
    let before = a.clone();
    let munich = v2(r#"{"uId":"999","locationName":"Munich"}"#);
    assert!(matches!(
        a.finish_reclaim_at(&munich, later),
        Err(ConfigureError::LocationChanged(_))
    ));
    assert_eq!(a, before);
    assert_eq!(a.finish_reclaim_at(&berlin(ours()), later), Ok(()));
}

// ---- persistence ----

#[test]
fn account_serializes_to_the_documented_shape_and_back() {
    let mut a = account();
    a.verify_at(&berlin(other()), now()).unwrap();
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["credential"], a.token().expose_credential());
    assert_eq!(json["protocol"], "v2");
    assert_eq!(json["location"]["uid"], "981060278089131045");
    assert_eq!(json["location"]["default_platform"], "enterprisestore");
    assert_eq!(json["identity"]["id"], OUR_ID);
    assert_eq!(json["apple_expires_at"], "2027-09-26T08:30:39+0000");
    assert_eq!(json["verdict"], "active");
    assert_eq!(json["read_only"], false);
    assert_eq!(json["claim"]["state"], "displaced");
    assert_eq!(json["claim"]["owner"]["name"], "Example MDM");
    assert_eq!(json["configured_at"], "2026-11-25T12:00:00Z");
    assert_eq!(json["last_write_accepted_at"], serde_json::Value::Null);
    let back: VppAccount = serde_json::from_value(json).unwrap();
    assert_eq!(back, a);
    assert_eq!(
        back.token().expose_credential(),
        a.token().expose_credential()
    );
    // Debug stays redacted.
    common::assert_no_secret(&format!("{a:?}"), a.token().expose_credential());
    common::assert_no_secret(&format!("{a:#?}"), a.token().expose_inner_token());
}

#[test]
fn every_new_state_survives_storage() {
    let mut a = account();
    a.record_apple_error(&AppleError::from_number(ErrorNumber::ReadOnlyLocation));
    let munich = own(v2(r#"{"uId":"999","locationName":"Munich"}"#));
    a.verify_at(&munich, now()).unwrap_err();
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["read_only"], true);
    assert_eq!(json["verdict"]["wrong_location"]["found"]["uid"], "999");
    let back: VppAccount = serde_json::from_value(json).unwrap();
    assert_eq!(back, a);
    let mut b = account();
    b.record_write_accepted_at(now());
    let back: VppAccount = serde_json::to_string(&b)
        .and_then(|t| serde_json::from_str(&t))
        .unwrap();
    assert_eq!(back.last_write_accepted_at(), Some(now()));
    assert_eq!(back, b);
}

/// An account as version 1 wrote it.
fn stored_v1(verdict: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(account()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.insert("version".into(), 1.into());
    o.insert("verdict".into(), verdict.into());
    for new in ["protocol", "read_only", "last_write_accepted_at"] {
        o.remove(new);
    }
    v
}

#[test]
fn version_1_accounts_still_load() {
    let a: VppAccount = serde_json::from_value(stored_v1("active")).unwrap();
    assert_eq!(a, account());
    assert_eq!(a.protocol(), Protocol::V2, "no protocol stored: v2");
    let r: VppAccount = serde_json::from_value(stored_v1("read_only")).unwrap();
    assert!(r.is_read_only());
    assert_eq!(r.verdict(), AppleVerdict::Active);
    let x: VppAccount = serde_json::from_value(stored_v1("revoked")).unwrap();
    assert_eq!(x.verdict(), AppleVerdict::Revoked);
    // A version-1 shape with version 2's fields is neither.
    let mut v = stored_v1("active");
    v["read_only"] = true.into();
    assert!(serde_json::from_value::<VppAccount>(v).is_err());
}

#[test]
fn stored_accounts_are_checked_on_load() {
    let good = serde_json::to_value(account()).unwrap();
    let mut v = good.clone();
    v["version"] = 3.into();
    let e = serde_json::from_value::<VppAccount>(v)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "version 3, this crate reads versions 1 and 2: it was stored by a newer version"
        ),
        "{e}"
    );
    let mut v = good.clone();
    v["credential"] = "bm90IGpzb24gYXQgYWxs".into();
    let e = serde_json::from_value::<VppAccount>(v)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("stored VppAccount credential: the file is not a content token"),
        "{e}"
    );
    assert!(!e.contains("bm90IGpzb24gYXQgYWxs"));
    let mut v = good.clone();
    v["identity"]["id"] = "".into();
    assert!(serde_json::from_value::<VppAccount>(v).is_err());
    let mut v = good.clone();
    v["unexpected"] = 1.into();
    let e = serde_json::from_value::<VppAccount>(v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field `unexpected`"), "{e}");
    let mut v = good;
    v.as_object_mut().unwrap().remove("version");
    let e = serde_json::from_value::<VppAccount>(v)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "stored VppAccount has no version");
    let e = serde_json::from_str::<VppAccount>("[1]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a JSON object"), "{e}");
}

/// Issue 14 item 10: an account stored by a newer version, with a field this version does
/// not know, reports the version, not the field.
#[test]
fn a_newer_account_reports_its_version_before_unknown_fields() {
    let mut v = serde_json::to_value(account()).unwrap();
    v["version"] = 99.into();
    v["field_from_the_future"] = 1.into();
    let e = serde_json::from_value::<VppAccount>(v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("version 99"), "{e}");
    assert!(!e.contains("unknown field"), "{e}");
}

#[test]
fn core_types_are_send_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<VppAccount>();
    check::<Configure>();
    check::<apple_vpp::PendingClaim>();
    check::<LocationSnapshot>();
    check::<MdmIdentity>();
    check::<MdmOwner>();
    check::<Takeover>();
    check::<AccountStatus>();
    check::<ResponseError>();
    check::<ConfigureError>();
    check::<RenewError>();
    check::<IdentityError>();
    check::<apple_vpp::UpdateError>();
    check::<apple_vpp::LocationMismatch>();
    check::<AppleError>();
    check::<ClaimOptions>();
    check::<Reclaim>();
    check::<apple_vpp::Renewal>();
    check::<Protocol>();
    check::<Location>();
    check::<apple_vpp::MdmIdentityBuilder>();
}

#[test]
fn a_successful_verify_clears_token_verdicts_but_not_read_only() {
    let err = |n| AppleError::new(Some(401), ErrorBody::new(ErrorNumber::from_code(n), ""));
    for n in [9621, 9622, 9625] {
        let mut a = account();
        a.record_apple_error(&err(n));
        assert!(!a.is_usable_at(now()));
        assert_eq!(
            a.verify_at(&own(berlin(ours())), now()),
            Ok(Verification::StillOurs)
        );
        assert_eq!(
            a.verdict(),
            AppleVerdict::Active,
            "{n}: Apple answered with the token"
        );
        assert!(a.is_usable_at(now()));
    }
    let mut a = account();
    a.record_apple_error(&err(9645));
    a.verify_at(&own(berlin(ours())), now()).unwrap();
    assert!(a.is_read_only(), "a read does not clear read-only");
}

// ---- issue 14, items 4–10 (each failed before its fix) ----

/// Item 4: read-only (9645) is not lost to a later verdict, a verify or a renewal; only a
/// write Apple accepted clears it.
#[test]
fn read_only_survives_other_verdicts_verify_and_renewal() {
    let mut a = account();
    a.record_apple_error(&AppleError::from_number(ErrorNumber::ReadOnlyLocation));
    a.record_apple_error(&AppleError::from_number(ErrorNumber::InvalidToken));
    a.verify_at(&own(berlin(ours())), now()).unwrap();
    assert!(a.is_read_only());
    assert!(!a.is_usable_at(now()), "read-only was lost");
    assert_eq!(
        a.status_at(now(), &RenewalPolicy::default()),
        AccountStatus::ReadOnly
    );
    let new = token_with("bmV3", "2028-09-26T08:30:39Z");
    let snapshot = berlin_expiring(ours(), "2028-09-26T08:30:39+0000").read_with(&new);
    a.renew_at(new, &snapshot, now()).unwrap();
    assert!(
        a.is_read_only(),
        "a client-config read cannot clear read-only"
    );
    assert!(!a.is_usable_at(now()));
    // Revoked on top: the token verdict shows first, read-only is still there beneath.
    a.record_apple_error(&AppleError::from_number(ErrorNumber::TokenRevoked));
    assert_eq!(
        a.status_at(now(), &RenewalPolicy::default()),
        AccountStatus::Revoked
    );
    a.record_write_accepted_at(utc("2026-11-26T00:00:00Z"));
    assert!(!a.is_read_only());
    assert_eq!(
        a.verdict(),
        AppleVerdict::Active,
        "the write used the token"
    );
    assert_eq!(
        a.last_write_accepted_at(),
        Some(utc("2026-11-26T00:00:00Z"))
    );
    assert!(a.is_usable_at(now()));
}

/// Item 5: a snapshot read with another token (or with none recorded) does not clear the
/// verdicts on this account's token nor adopt its expiry; it still updates the claim.
#[test]
fn only_a_read_with_the_accounts_own_token_clears_its_verdicts() {
    let newer = token_with("bmV3ZXI=", "2028-09-26T08:30:39Z");
    let other_read = berlin_expiring(ours(), "2028-09-26T08:30:39+0000").read_with(&newer);
    assert!(other_read.was_read_with(&newer));
    assert!(!other_read.was_read_with(&account_token()));
    for snapshot in [
        other_read.clone(),
        berlin_expiring(ours(), "2028-09-26T08:30:39+0000"),
    ] {
        let mut a = account();
        a.record_apple_error(&AppleError::from_number(ErrorNumber::TokenRevoked));
        assert_eq!(a.verify_at(&snapshot, now()), Ok(Verification::StillOurs));
        assert_eq!(a.verdict(), AppleVerdict::Revoked, "revoked was cleared");
        assert_eq!(
            a.expires_at(),
            utc("2027-09-26T08:30:39Z"),
            "expiry adopted"
        );
        assert!(!a.is_usable_at(now()));
    }
    // The claim still counts: another MDM seen through another token displaces us.
    let mut a = account();
    a.verify_at(&berlin(other()).read_with(&newer), now())
        .unwrap();
    assert!(a.displaced_by().is_some());
    // Read with the account's own token: cleared and adopted.
    let mut a = account();
    a.record_apple_error(&AppleError::from_number(ErrorNumber::TokenRevoked));
    a.verify_at(
        &own(berlin_expiring(ours(), "2027-10-01T00:00:00+0000")),
        now(),
    )
    .unwrap();
    assert_eq!(a.verdict(), AppleVerdict::Active);
    assert_eq!(a.expires_at(), utc("2027-10-01T00:00:00Z"));
}

/// Item 5: renewal refuses a snapshot recorded as read with another token than the new one.
#[test]
fn renew_refuses_a_snapshot_read_with_another_token() {
    let a = account();
    let new = token_with("bmV3", "2028-09-26T08:30:39Z");
    let snapshot = berlin_expiring(ours(), "2028-09-26T08:30:39+0000");
    for wrong in [
        account_token(),
        token_with("b3RoZXI=", "2028-09-26T08:30:39Z"),
    ] {
        let mut b = a.clone();
        let err = b
            .renew_at(new.clone(), &snapshot.clone().read_with(&wrong), now())
            .unwrap_err();
        assert_eq!(err, RenewError::SnapshotForAnotherToken);
        assert_eq!(
            err.to_string(),
            "the location details given with the new token were read with another token: read the client configuration with the new token, then renew again"
        );
        assert_eq!(b, a);
    }
    let mut b = a.clone();
    assert!(
        b.renew_at(new.clone(), &snapshot.read_with(&new), now())
            .is_ok()
    );
}

/// Item 6: a snapshot of another location read with the account's own token means the
/// stored token is for another location: unusable until a renewal.
#[test]
fn a_wrong_location_makes_the_account_unusable_until_renewed() {
    let mut a = account();
    let munich = v2(r#"{"uId":"999","locationName":"Munich"}"#);
    let err = a.verify_at(&own(munich.clone()), now()).unwrap_err();
    assert_eq!(err.found.uid, "999");
    assert!(!a.is_usable_at(now()), "usable after a location mismatch");
    let status = a.status_at(now(), &RenewalPolicy::default());
    assert_eq!(status.as_str(), "wrong_location");
    assert_eq!(
        status.message(),
        "the stored token is for the location \"Munich\" (uId 999), not for this account's location \"Berlin Office\" (uId 981060278089131045): this MDM stopped using it; upload a token downloaded for \"Berlin Office\" (uId 981060278089131045) from Apple Business Manager > Settings > Apps and Books"
    );
    assert!(matches!(a.verdict(), AppleVerdict::WrongLocation { found } if found.uid == "999"));
    // Neither an unrelated Apple error nor a read with another token clears it.
    a.record_apple_error(&AppleError::from_number(ErrorNumber::TooManyRequests));
    let newer = token_with("bmV3", "2028-09-26T08:30:39Z");
    a.verify_at(&berlin(ours()).read_with(&newer), now())
        .unwrap();
    assert_eq!(
        a.status_at(now(), &RenewalPolicy::default()).as_str(),
        "wrong_location"
    );
    // A renewal with a token for the right location fixes it.
    a.renew_at(
        newer.clone(),
        &berlin_expiring(ours(), "2028-09-26T08:30:39+0000").read_with(&newer),
        now(),
    )
    .unwrap();
    assert!(a.is_usable_at(now()));
    // A mismatching snapshot read with another token says nothing about ours.
    let mut b = account();
    b.verify_at(&munich.read_with(&newer), now()).unwrap_err();
    assert!(b.is_usable_at(now()));
}

/// Item 7: a body with a claim in either form yields it, whatever its shape.
#[test]
fn from_json_never_ignores_a_claim() {
    let v2_with_context = br#"{"uId":"1","locationName":"L","clientContext":"{\"guid\":\"micromdm-1\",\"hostname\":\"mdm.v1.example\"}"}"#;
    let s = LocationSnapshot::from_json(v2_with_context).unwrap();
    assert_eq!(s.protocol, Protocol::V2);
    let owner = s.claim.expect("the legacy claim was ignored");
    assert_eq!(owner.id.as_deref(), Some("micromdm-1"));
    assert!(matches!(
        us().ownership_of(&LocationSnapshot::from_json(v2_with_context).unwrap()),
        Ownership::ManagedElsewhere(_)
    ));
    for legacy_with_mdm_info in [
        &br#"{"status":0,"uId":"1","location":{"locationName":"L"},"mdmInfo":{"id":"v2-mdm","name":"N","metadata":"m"}}"#[..],
        br#"{"expirationMillis":1407550432000,"uId":"1","location":{"locationName":"L"},"mdmInfo":{"id":"v2-mdm"}}"#,
    ] {
        let s = LocationSnapshot::from_json(legacy_with_mdm_info).unwrap();
        assert_eq!(s.protocol, Protocol::V1);
        assert_eq!(s.claim.expect("the v2 claim was ignored").id.as_deref(), Some("v2-mdm"));
    }
    // Both forms: v2 decides.
    let both = br#"{"uId":"1","locationName":"L","mdmInfo":{"id":"v2-mdm"},"clientContext":"{\"guid\":\"v1-mdm\"}"}"#;
    assert_eq!(
        LocationSnapshot::from_json(both)
            .unwrap()
            .claim
            .unwrap()
            .id
            .as_deref(),
        Some("v2-mdm")
    );
    // A claim field of the wrong type is an error, not "unclaimed".
    for bad in [
        &br#"{"status":0,"uId":"1","location":{"locationName":"L"},"mdmInfo":"x"}"#[..],
        br#"{"uId":"1","locationName":"L","clientContext":{"guid":"x"}}"#,
    ] {
        assert!(matches!(
            LocationSnapshot::from_json(bad),
            Err(ResponseError::Malformed { .. })
        ));
    }
}

/// Item 8: a numeric `uId` is kept exactly or refused; two big ones never compare equal.
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

/// Item 9: a legacy `expirationMillis` outside the years 0000–9999 is refused when read, so
/// no account is made that cannot be loaded again.
#[test]
fn legacy_expiry_outside_four_digit_years_is_refused() {
    let body = |ms: i64| {
        format!(
            r#"{{"status":0,"uId":"1","location":{{"locationName":"L"}},"expirationMillis":{ms}}}"#
        )
    };
    for ms in [253_402_300_800_000, -62_167_219_200_001, i64::MAX, i64::MIN] {
        let err = LocationSnapshot::from_json(body(ms).as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                ResponseError::InvalidDate {
                    field: "expirationMillis",
                    problem: apple_vpp::error::DateProblem::Year,
                    ..
                }
            ),
            "{ms}: {err:?}"
        );
        assert!(
            err.to_string().contains("the year is outside 0000–9999"),
            "{err}"
        );
    }
    // The edges are kept, and an account built on them stores and loads.
    for ms in [253_402_300_799_999, -62_167_219_200_000] {
        let s = LocationSnapshot::from_json(body(ms).as_bytes()).unwrap();
        let t = token_with("aW5uZXI=", "2027-09-26T08:30:39Z");
        let Configure::SendUpdate(p) = configure_at(&t, &us(), &s, &ClaimOptions::default(), now())
        else {
            panic!()
        };
        let mut read_back = s.clone();
        read_back.claim = Some(MdmOwner::default().with_id(OUR_ID));
        let a = p.finish_at(&read_back, now()).unwrap();
        assert_eq!(a.protocol(), Protocol::V1);
        let back: VppAccount = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }
}

// ---- values, not only JSON ----

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

#[test]
fn owners_and_mdm_info_are_built_field_by_field() {
    let owner = MdmOwner::default()
        .with_id("an-id")
        .with_name("")
        .with_metadata("host");
    assert_eq!(owner.id.as_deref(), Some("an-id"));
    assert_eq!(owner.name, None, "empty is unknown");
    assert_eq!(owner.metadata.as_deref(), Some("host"));
    assert!(owner.is_same_owner(&MdmOwner::default().with_id("an-id").with_name("Renamed")));
    assert!(!MdmOwner::default().is_same_owner(&owner));
    assert_eq!(MdmInfo::from(&us()), us().to_mdm_info());
    assert_eq!(
        us().to_mdm_info(),
        MdmInfo::default()
            .with_id(OUR_ID)
            .with_name("Our MDM")
            .with_metadata("mdm.ours.example")
    );
    // Unset required fields are empty.
    assert_eq!(
        MdmIdentity::builder().name("n").build(),
        Err(IdentityError::Empty { field: "id" })
    );
    assert_eq!(
        MdmIdentity::builder().id("i").build(),
        Err(IdentityError::Empty { field: "name" })
    );
    assert_eq!(
        MdmIdentity::builder()
            .id("i")
            .name("n")
            .build()
            .unwrap()
            .metadata(),
        ""
    );
}

// ---- configure: the read-back after a takeover ----

/// The read-back still shows the MDM we were taking over from: our claim did not take,
/// which is not a race with a third MDM.
#[test]
fn a_takeover_that_did_not_take_is_not_a_lost_race() {
    let snapshot = berlin(other());
    let Configure::SendUpdate(p) = decide(account_token(), &snapshot, &Takeover::Accept) else {
        panic!()
    };
    let err = p.finish_at(&snapshot, now()).unwrap_err();
    let ConfigureError::ClaimNotTaken { owner } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(owner.name.as_deref(), Some("Example MDM"));
    assert_eq!(
        err.to_string(),
        "Apple still shows \"Example MDM\" (at mdm.example.com, id 29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11) as the location's MDM: this MDM's claim did not take effect; try again later"
    );
    // A third MDM: the race was lost.
    let third = berlin(Some(("third", "Third MDM", "third.example")));
    assert!(matches!(
        p.finish_at(&third, now()),
        Err(ConfigureError::LostRace { owner }) if owner.id.as_deref() == Some("third")
    ));
    // The accessors describe the claim.
    assert_eq!(p.identity(), &us());
    assert_eq!(p.location().name, "Berlin Office");
    assert_eq!(p.token(), &account_token());
}

#[test]
fn configure_borrows_and_records_the_protocol() {
    let t = account_token();
    let id = us();
    // v1 records {hostname, guid} and no name: our guid and hostname are exactly us.
    let legacy_ours = legacy(Some(&id.legacy_client_context()));
    let Configure::AlreadyOurs(ours) =
        configure_at(&t, &id, &legacy_ours, &Takeover::Refuse.into(), now())
    else {
        panic!("our own v1 clientContext needs no rewrite")
    };
    assert_eq!(ours.protocol(), Protocol::V1);
    // Our guid with another hostname is rewritten, and the claim keeps the protocol.
    let moved = legacy(Some(
        r#"{"hostname":"old.host","guid":"OUR"}"#.replace("OUR", OUR_ID).as_str(),
    ));
    let Configure::SendUpdate(p) = configure_at(&t, &id, &moved, &Takeover::Refuse.into(), now())
    else {
        panic!("a changed hostname is rewritten")
    };
    assert_eq!(
        p.finish_at(&legacy_ours, now()).unwrap().protocol(),
        Protocol::V1
    );
    // Still ours to use after the call.
    assert_eq!(t, account_token());
    assert_eq!(account().protocol(), Protocol::V2);
}

/// Issue 14 item 14: a location a v1-only MDM holds looks unclaimed to v2; merging the v1
/// read brings its claim in.
#[test]
fn merge_legacy_claim_brings_in_a_v1_only_owner() {
    let mut s = berlin(None);
    s.merge_legacy_claim(&legacy(Some(
        r#"{"guid":"micromdm","hostname":"v1.example"}"#,
    )));
    assert!(
        matches!(us().ownership_of(&s), Ownership::ManagedElsewhere(o) if o.id.as_deref() == Some("micromdm"))
    );
    assert_eq!(s.protocol, Protocol::V2);
    assert!(matches!(
        configure_at(&account_token(), &us(), &s, &ClaimOptions::default(), now()),
        Configure::ManagedElsewhere { .. }
    ));
    // Apple's "used through v2" note: claimed, owner unknown.
    let mut s = berlin(None);
    s.merge_legacy_claim(&legacy(Some("This token is used with v2")));
    assert_eq!(s.claim, Some(MdmOwner::default()));
    // Nothing in v1: still unclaimed. A v2 claim is never replaced.
    let mut s = berlin(None);
    s.merge_legacy_claim(&legacy(None));
    assert_eq!(s.claim, None);
    let mut s = berlin(ours());
    s.merge_legacy_claim(&legacy(Some(r#"{"guid":"micromdm"}"#)));
    assert_eq!(us().ownership_of(&s), Ownership::Ours);
}
