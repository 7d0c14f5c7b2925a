//! The configure decision (`configure_at`) and finishing a claim from its read-back.

use crate::common;

use apple_vpp::wire::ClientConfigUpdate;
use apple_vpp::{
    AppleVerdict, ClaimOptions, ClaimState, Configure, ConfigureError, MdmOwner, Ownership,
    Takeover, configure_at,
};
use common::account::{account, account_token, berlin, decide, other, ours, v2};
use common::{OUR_ID, now, token_with, us, utc};

#[test]
fn configure_already_ours_sends_nothing() {
    let a = account();
    assert_eq!(a.location().name, "Berlin Office");
    assert_eq!(a.configured(), now());
    assert_eq!(a.last_verified(), now());
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
    let options = ClaimOptions::default().with_notifications(settings);
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

#[test]
fn apple_expiry_is_preferred_over_the_files() {
    // The file says 2027-12-31, Apple says 2027-09-26: Apple's date counts, both are kept.
    let t = token_with("aW5uZXI=", "2027-12-31T00:00:00Z");
    assert_eq!(berlin(ours()).expiry_for(&t), utc("2027-09-26T08:30:39Z"));
    let mut no_date = berlin(ours());
    no_date.token_expiry = None;
    assert_eq!(no_date.expiry_for(&t), utc("2027-12-31T00:00:00Z"));
    let Configure::AlreadyOurs(a) = decide(t, &berlin(ours()), &Takeover::Refuse) else {
        panic!()
    };
    assert_eq!(a.expiry(), utc("2027-09-26T08:30:39Z"));
    assert_eq!(a.token().file_expiry_utc(), utc("2027-12-31T00:00:00Z"));
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
    assert_eq!(b.apple_expiry(), None);
    assert_eq!(b.expiry(), utc("2027-12-31T00:00:00Z"));
}

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
fn notification_settings_over_the_legacy_api_are_refused_by_the_decision() {
    let url = apple_vpp::url::Url::parse("https://mdm.ours.example/vpp").unwrap();
    let settings = ClientConfigUpdate::builder()
        .notification_url(url)
        .notification_auth_token("n-secret".into())
        .build()
        .unwrap();
    let token = token_with("aW5uZXI=", "2027-09-26T08:30:39Z");
    let options = ClaimOptions::default().with_notifications(settings);
    // Unclaimed, ours or another MDM's: v1 has no notifications, so nothing is sent.
    for mdm in [None, ours()] {
        let v1 = berlin(mdm).with_protocol(apple_vpp::Protocol::V1);
        let c = configure_at(&token, &us(), &v1, &options, now());
        let Configure::NotificationsUnsupported { location } = c else {
            panic!("{c:?}")
        };
        assert_eq!(location.name, "Berlin Office");
    }
    // Without notification settings the same v1 location is claimed as before.
    let v1 = berlin(None).with_protocol(apple_vpp::Protocol::V1);
    let c = configure_at(&token, &us(), &v1, &ClaimOptions::default(), now());
    assert!(matches!(c, Configure::SendUpdate(_)), "{c:?}");
}
