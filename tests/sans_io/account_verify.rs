//! Verifying a `VppAccount` at the start of a session, Apple's verdicts on its token, and
//! the status shown to the admin.

use crate::common;

use apple_vpp::wire::{ClientConfig, ErrorBody, ErrorNumber};
use apple_vpp::{
    AccountStatus, AppleError, AppleVerdict, LocationSnapshot, RenewalPolicy, Verification,
};
use common::account::{account, account_token, berlin, berlin_expiring, other, ours, own, v2};
use common::{fixture, now, token_with, us, utc};

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
    assert_eq!(a.expiry(), utc("2027-10-01T00:00:00Z"));
    assert_eq!(a.last_verified(), later);
    assert_eq!(a.configured(), now());
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
    assert_eq!(a.last_verified(), now(), "not verified as ours");
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

/// Read-only (9645) is not lost to a later verdict, a verify or a renewal; only a
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
    assert_eq!(a.last_write_accepted(), Some(utc("2026-11-26T00:00:00Z")));
    assert!(a.is_usable_at(now()));
}

/// A snapshot read with another token (or with none recorded) does not clear the
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
        assert_eq!(a.expiry(), utc("2027-09-26T08:30:39Z"), "expiry adopted");
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
    assert_eq!(a.expiry(), utc("2027-10-01T00:00:00Z"));
}

/// A snapshot of another location read with the account's own token means the
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
