//! Renewing a `VppAccount` with a new token: the same location only, and reclaiming a
//! location released meanwhile.

use crate::common;

use apple_vpp::{
    ClaimState, ConfigureError, LocationSnapshot, Reclaim, RenewError, Verification, VppAccount,
    VppToken,
};
use chrono::DateTime;
use common::account::{account, account_token, berlin, berlin_expiring, other, ours, v2};
use common::{now, token_with, us, utc};

#[test]
fn renew_success_keeps_identity_and_history() {
    let mut a = account();
    let new = token_with("bmV3", "2028-09-26T08:30:39Z");
    let snapshot = berlin_expiring(ours(), "2028-09-26T08:30:39+0000");
    let later = utc("2027-09-01T00:00:00Z");
    let r = a.renew_at(new.clone(), &snapshot, later).unwrap();
    assert_eq!(r.previous_expiry, utc("2027-09-26T08:30:39Z"));
    assert_eq!(r.new_expiry, utc("2028-09-26T08:30:39Z"));
    assert_eq!(r.org_name_change, None);
    assert_eq!(r.reclaim, Reclaim::NotNeeded);
    assert_eq!(r.reclaim_update(), None);
    assert_eq!(a.token(), &new);
    assert_eq!(a.expiry(), utc("2028-09-26T08:30:39Z"));
    assert_eq!(a.configured(), now(), "history kept");
    assert_eq!(a.last_verified(), later);
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
    let cases: Vec<(&str, VppToken, LocationSnapshot, Check)> = vec![
        (
            "a different location",
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            v2(
                r#"{"uId":"999","locationName":"Munich","tokenExpirationDate":"2028-09-26T08:30:39+0000"}"#,
            ),
            Box::new(
                |e| matches!(e, RenewError::DifferentLocation(m) if m.expected.uid == "981060278089131045" && m.found.uid == "999"),
            ),
        ),
        (
            "not later",
            token_with("bmV3", "2027-09-26T08:30:39Z"),
            berlin_expiring(ours(), "2027-09-26T08:30:39+0000"),
            Box::new(|e| matches!(e, RenewError::NotLater { .. })),
        ),
        (
            "already expired",
            token_with("bmV3", "2026-01-01T00:00:00Z"),
            berlin_expiring(ours(), "2026-01-01T00:00:00+0000"),
            Box::new(|e| matches!(e, RenewError::Expired { .. })),
        ),
        (
            "another MDM holds it now",
            token_with("bmV3", "2028-09-26T08:30:39Z"),
            berlin_expiring(other(), "2028-09-26T08:30:39+0000"),
            Box::new(
                |e| matches!(e, RenewError::ManagedElsewhere { owner } if owner.name.as_deref() == Some("Example MDM")),
            ),
        ),
    ];
    for (case, new, snapshot, check) in cases {
        let mut b = a.clone();
        let err = b.renew_at(new, &snapshot, now()).unwrap_err();
        assert!(check(&err), "{case}: {err:?}");
        assert_eq!(b, a, "{case}: unchanged after {err}");
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
    assert_eq!(a.last_verified(), later);
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

/// Renewal refuses a snapshot recorded as read with another token than the new one.
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
