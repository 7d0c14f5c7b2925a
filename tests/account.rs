//! The sans-IO core: ownership verdicts, configure / verify / renew decisions, the display
//! status and persistence of `VppAccount`.

mod common;

use apple_vpp::wire::{
    ClientConfig, ClientConfigUpdate, ErrorBody, ErrorNumber, LegacyClientConfig, MdmInfo,
};
use apple_vpp::{
    AccountStatus, AppleError, AppleVerdict, ClaimState, Configure, ConfigureError, IdentityError,
    LocationSnapshot, MdmIdentity, MdmOwner, Ownership, RenewError, RenewalPolicy, ResponseError,
    Takeover, Verification, VppAccount, VppToken, configure_at,
};
use chrono::{DateTime, Utc};
use common::{fixture, utc};

const OUR_ID: &str = "1f0e5c1e-0000-4000-8000-000000000001";

fn us() -> MdmIdentity {
    MdmIdentity::new(OUR_ID, "Our MDM", "mdm.ours.example").unwrap()
}

fn now() -> DateTime<Utc> {
    utc("2026-11-25T12:00:00Z")
}

fn token(inner: &str, exp: &str) -> VppToken {
    VppToken::builder("Example Org", DateTime::parse_from_rfc3339(exp).unwrap())
        .inner_token(inner)
        .build()
        .unwrap()
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
    c.mdm_info = mdm.map(|(id, name, meta)| MdmInfo::new(id, name, meta));
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
    configure_at(token, snapshot, us(), takeover, None, now())
}

fn account() -> VppAccount {
    match decide(
        token("aW5uZXI=", "2027-09-26T08:30:39Z"),
        &berlin(ours()),
        &Takeover::Refuse,
    ) {
        Configure::AlreadyOurs(a) => a,
        other => panic!("{other:?}"),
    }
}

// ---- identity ----

#[test]
fn identity_is_validated_against_apples_limits() {
    assert_eq!(
        MdmIdentity::new("", "n", "m"),
        Err(IdentityError::Empty { field: "id" })
    );
    assert_eq!(
        MdmIdentity::new("i", "  ", "m"),
        Err(IdentityError::Empty { field: "name" })
    );
    assert!(
        MdmIdentity::new("i", "n", "").is_ok(),
        "metadata may be empty"
    );
    assert!(
        MdmIdentity::new("é".repeat(100), "ü".repeat(100), "ß".repeat(255)).is_ok(),
        "limits count characters"
    );
    assert_eq!(
        MdmIdentity::new("x".repeat(101), "n", "m"),
        Err(IdentityError::TooLong {
            field: "id",
            len: 101,
            max: 100
        })
    );
    assert_eq!(
        MdmIdentity::new("i", "x".repeat(101), "m"),
        Err(IdentityError::TooLong {
            field: "name",
            len: 101,
            max: 100
        })
    );
    let e = MdmIdentity::new("i", "n", "x".repeat(256)).unwrap_err();
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
        MdmInfo::new(OUR_ID, "Our MDM", "mdm.ours.example")
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
    let t = token("aW5uZXI=", "2027-09-26T08:30:39Z");
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
        token("aW5uZXI=", "2027-09-26T08:30:39Z"),
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
        Takeover::AcceptFrom(MdmOwner::new(Some("a-different-mdm".into()), None, None)),
    ] {
        let c = decide(
            token("aW5uZXI=", "2027-09-26T08:30:39Z"),
            &berlin(other()),
            &takeover,
        );
        let Configure::ManagedElsewhere(owner) = c else {
            panic!("{c:?}")
        };
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
            token("aW5uZXI=", "2027-09-26T08:30:39Z"),
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
        token("aW5uZXI=", "2027-09-26T08:30:39Z"),
        &berlin(None),
        &Takeover::Refuse,
    ) else {
        panic!()
    };
    let err = p.clone().finish_at(&berlin(other()), now()).unwrap_err();
    let ConfigureError::LostRace { owner } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(owner.name.as_deref(), Some("Example MDM"));
    assert_eq!(
        err.to_string(),
        "another MDM, \"Example MDM\" (at mdm.example.com, id 29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11), claimed the location at the same time: ask the admin whether to take it over, then try again"
    );
    assert_eq!(
        p.clone().finish_at(&berlin(None), now()),
        Err(ConfigureError::NotApplied)
    );
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
    let c = configure_at(
        token("aW5uZXI=", "2027-09-26T08:30:39Z"),
        &berlin(ours()),
        us(),
        &Takeover::Refuse,
        Some(settings),
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
        a.verify_at(&LocationSnapshot::from_v2(&c).unwrap(), later),
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
    let err = a.verify_at(&munich, now()).unwrap_err();
    assert_eq!(a, before, "a mismatch changes nothing");
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
        (9645, AppleVerdict::ReadOnly, "read_only"),
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
    let t = token("aW5uZXI=", "2027-12-31T00:00:00Z");
    assert_eq!(berlin(ours()).expiry_for(&t), utc("2027-09-26T08:30:39Z"));
    let mut no_date = berlin(ours());
    no_date.token_expires_at = None;
    assert_eq!(no_date.expiry_for(&t), utc("2027-12-31T00:00:00Z"));
    let Configure::AlreadyOurs(a) = decide(t, &berlin(ours()), &Takeover::Refuse) else {
        panic!()
    };
    assert_eq!(a.expires_at(), utc("2027-09-26T08:30:39Z"));
    assert_eq!(a.token().expires_at_utc(), utc("2027-12-31T00:00:00Z"));
    // Without Apple's date, the file's counts.
    let s = v2(
        r#"{"uId":"981060278089131045","locationName":"Berlin Office","mdmInfo":{"id":"1f0e5c1e-0000-4000-8000-000000000001","name":"Our MDM","metadata":"mdm.ours.example"}}"#,
    );
    let Configure::AlreadyOurs(b) = decide(
        token("aW5uZXI=", "2027-12-31T00:00:00Z"),
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
    let new = token("bmV3", "2028-09-26T08:30:39Z");
    let snapshot = berlin_expiring(ours(), "2028-09-26T08:30:39+0000");
    let later = utc("2027-09-01T00:00:00Z");
    let r = a.renew_at(new.clone(), &snapshot, later).unwrap();
    assert_eq!(r.previous_expires_at, utc("2027-09-26T08:30:39Z"));
    assert_eq!(r.new_expires_at, utc("2028-09-26T08:30:39Z"));
    assert_eq!(r.org_name_change, None);
    assert_eq!(r.reclaim, None);
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
    let later_snapshot = berlin_expiring(ours(), "2028-09-26T08:30:39+0000");
    type Check = Box<dyn Fn(&RenewError) -> bool>;
    let cases: Vec<(VppToken, LocationSnapshot, Check)> = vec![
        // Different location.
        (
            token("bmV3", "2028-09-26T08:30:39Z"),
            v2(
                r#"{"uId":"999","locationName":"Munich","tokenExpirationDate":"2028-09-26T08:30:39+0000"}"#,
            ),
            Box::new(
                |e| matches!(e, RenewError::DifferentLocation(m) if m.expected.uid == "981060278089131045" && m.found.uid == "999"),
            ),
        ),
        // The token in use.
        (
            a.token().clone(),
            later_snapshot.clone(),
            Box::new(|e| matches!(e, RenewError::SameToken)),
        ),
        // Not later.
        (
            token("bmV3", "2027-09-26T08:30:39Z"),
            berlin_expiring(ours(), "2027-09-26T08:30:39+0000"),
            Box::new(|e| matches!(e, RenewError::NotLater { .. })),
        ),
        // Already expired.
        (
            token("bmV3", "2026-01-01T00:00:00Z"),
            berlin_expiring(ours(), "2026-01-01T00:00:00+0000"),
            Box::new(|e| matches!(e, RenewError::Expired { .. })),
        ),
        // Another MDM holds it now.
        (
            token("bmV3", "2028-09-26T08:30:39Z"),
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
            token("bmV3", "2028-09-26T08:30:39Z"),
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
            token("bmV3", "2028-09-26T08:30:39Z"),
            &berlin_expiring(None, "2028-09-26T08:30:39+0000"),
            now(),
        )
        .unwrap();
    assert_eq!(r.reclaim.unwrap().mdm_info, Some(us().to_mdm_info()));
    assert_eq!(a.claim(), &ClaimState::Released);
    assert!(!a.is_usable_at(now()));
    assert_eq!(
        a.verify_at(&berlin_expiring(ours(), "2028-09-26T08:30:39+0000"), now()),
        Ok(Verification::StillOurs)
    );
    assert!(a.is_usable_at(now()));
}

// ---- persistence ----

#[test]
fn account_serializes_to_the_documented_shape_and_back() {
    let mut a = account();
    a.verify_at(&berlin(other()), now()).unwrap();
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["credential"], a.token().expose_credential());
    assert_eq!(json["location"]["uid"], "981060278089131045");
    assert_eq!(json["location"]["default_platform"], "enterprisestore");
    assert_eq!(json["identity"]["id"], OUR_ID);
    assert_eq!(json["apple_expires_at"], "2027-09-26T08:30:39+0000");
    assert_eq!(json["verdict"], "active");
    assert_eq!(json["claim"]["state"], "displaced");
    assert_eq!(json["claim"]["owner"]["name"], "Example MDM");
    assert_eq!(json["configured_at"], "2026-11-25T12:00:00Z");
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
fn stored_accounts_are_checked_on_load() {
    let good = serde_json::to_value(account()).unwrap();
    let mut v = good.clone();
    v["version"] = 2.into();
    let e = serde_json::from_value::<VppAccount>(v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("version 2, this crate reads version 1"), "{e}");
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
    let mut v = good;
    v["unexpected"] = 1.into();
    assert!(serde_json::from_value::<VppAccount>(v).is_err());
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
}

#[test]
fn a_successful_verify_clears_token_verdicts_but_not_read_only() {
    let err = |n| AppleError::new(Some(401), ErrorBody::new(ErrorNumber::from_code(n), ""));
    for n in [9621, 9622, 9625] {
        let mut a = account();
        a.record_apple_error(&err(n));
        assert!(!a.is_usable_at(now()));
        assert_eq!(
            a.verify_at(&berlin(ours()), now()),
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
    a.verify_at(&berlin(ours()), now()).unwrap();
    assert_eq!(
        a.verdict(),
        AppleVerdict::ReadOnly,
        "read-only lasts until renewal"
    );
    let r = a.renew_at(
        token("bmV3", "2028-09-26T08:30:39Z"),
        &berlin_expiring(ours(), "2028-09-26T08:30:39+0000"),
        now(),
    );
    assert!(r.is_ok());
    assert_eq!(a.verdict(), AppleVerdict::Active);
}
