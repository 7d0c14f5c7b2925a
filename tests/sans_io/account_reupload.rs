//! A token uploaded again for a location the MDM already manages is the same account:
//! its history (first configured, taken over from) is kept, and renewing with the token
//! in use is a refresh.

use crate::common;

use apple_vpp::wire::{ClientConfig, MdmInfo};
use apple_vpp::{
    ClaimOptions, Configure, LocationSnapshot, Ownership, Reclaim, Takeover, VppAccount,
    configure_again_at, configure_at,
};
use chrono::TimeDelta;
use common::{OUR_ID, fixture, now, token_with, us};

fn berlin(mdm: Option<(&str, &str, &str)>) -> LocationSnapshot {
    let mut c: ClientConfig = serde_json::from_str(&fixture("client_config_v2.json")).unwrap();
    c.mdm_info = mdm.map(|(id, name, meta)| {
        MdmInfo::default()
            .with_id(id)
            .with_name(name)
            .with_metadata(meta)
    });
    c.token_expiration_date = Some("2027-09-26T08:30:39+0000".into());
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

/// An account that took Berlin over from the other MDM, at `now()`.
fn taken_over() -> VppAccount {
    let token = token_with("aW5uZXI=", "2027-09-26T08:30:39Z");
    let snapshot = berlin(other()).read_with(&token);
    let Configure::SendUpdate(p) = configure_at(
        &token,
        &us(),
        &snapshot,
        &ClaimOptions::from(Takeover::Accept),
        now(),
    ) else {
        panic!()
    };
    p.finish_at(&berlin(ours()).read_with(&token), now())
        .unwrap()
}

#[test]
fn uploading_the_same_token_again_keeps_the_accounts_history() {
    let stored = taken_over();
    let Ownership::ManagedElsewhere(previous) = us().ownership_of(&berlin(other())) else {
        panic!()
    };
    assert_eq!(stored.took_over_from(), Some(&previous));
    let later = now() + TimeDelta::days(3);
    let token = stored.token().clone();
    let snapshot = berlin(ours()).read_with(&token);
    let c = configure_again_at(&stored, &token, &snapshot, &ClaimOptions::default(), later);
    let Configure::AlreadyOurs(again) = c else {
        panic!("{c:?}")
    };
    assert_eq!(again.took_over_from(), Some(&previous), "history kept");
    assert_eq!(again.configured(), now(), "first configured, not re-made");
    assert_eq!(again.last_verified(), later, "refreshed");
    assert_eq!(again.token(), &token);
}

#[test]
fn uploading_again_when_a_write_is_needed_keeps_the_history_through_the_claim() {
    let stored = taken_over();
    let later = now() + TimeDelta::days(3);
    let token = stored.token().clone();
    // The claim is gone (someone cleared it): the re-upload claims again.
    let c = configure_again_at(
        &stored,
        &token,
        &berlin(None).read_with(&token),
        &ClaimOptions::default(),
        later,
    );
    let Configure::SendUpdate(p) = c else {
        panic!("{c:?}")
    };
    let again = p
        .finish_at(&berlin(ours()).read_with(&token), later)
        .unwrap();
    assert_eq!(again.took_over_from(), stored.took_over_from());
    assert_eq!(again.configured(), now());
}

#[test]
fn plain_configure_still_makes_a_new_account() {
    let stored = taken_over();
    let token = stored.token().clone();
    let Configure::AlreadyOurs(fresh) = configure_at(
        &token,
        &us(),
        &berlin(ours()).read_with(&token),
        &ClaimOptions::default(),
        now() + TimeDelta::days(1),
    ) else {
        panic!()
    };
    assert_eq!(fresh.took_over_from(), None);
}

#[test]
fn renewing_with_the_token_in_use_is_a_refresh() {
    let mut account = taken_over();
    let before = account.clone();
    let later = now() + TimeDelta::days(3);
    let token = account.token().clone();
    let r = account
        .renew_at(token.clone(), &berlin(ours()).read_with(&token), later)
        .unwrap();
    assert_eq!(r.previous_expiry, r.new_expiry);
    assert_eq!(r.reclaim, Reclaim::NotNeeded);
    assert_eq!(account.took_over_from(), before.took_over_from());
    assert_eq!(account.configured(), before.configured());
    assert_eq!(account.last_verified(), later);
    // A claim gone missing is written again, as with a new token.
    let mut account = before.clone();
    let r = account
        .renew_at(token.clone(), &berlin(None).read_with(&token), later)
        .unwrap();
    assert!(matches!(r.reclaim, Reclaim::Send(_)));
}
