//! The configuration flows as sans-IO machines (`ConfigureFlow`, `RenewFlow`,
//! `VerifyFlow`), driven here without any HTTP: each test plays Apple's answers.

use crate::common;

use apple_vpp::account::{
    ConfigureFlow, ConfigureOutcome, FlowAnswer, FlowProgress, FlowStep, RenewFlow, RenewRefusal,
    VerifyFlow,
};
use apple_vpp::wire::{ClientConfigUpdate, ErrorBody, ErrorNumber, NotificationType};
use apple_vpp::{
    AppleError, AppleVerdict, ClaimOptions, ConfigureError, LocationSnapshot, Protocol, Reclaim,
    RenewError, Takeover, Verification, VppToken,
};
use common::account::{account, account_token, berlin_expiring, legacy, other, ours};
use common::{now, token, token_with, us, utc};

fn apple(status: u16, number: u32) -> FlowAnswer {
    FlowAnswer::RefusedByApple(AppleError::new(
        Some(status),
        ErrorBody::new(ErrorNumber::from_code(number), ""),
    ))
}

/// Berlin over v2 as read with `token`, with the given MDM recorded.
fn v2_read(token: &VppToken, mdm: Option<(&str, &str, &str)>) -> FlowAnswer {
    FlowAnswer::Read(berlin_expiring(mdm, "2027-09-26T08:30:39+0000").read_with(token))
}

/// Berlin over v1 as read with `token`, with the given legacy `clientContext`.
fn v1_read(token: &VppToken, context: Option<&str>) -> FlowAnswer {
    FlowAnswer::Read(legacy(context).read_with(token))
}

fn send<T: std::fmt::Debug>(progress: FlowProgress<T>) -> FlowStep {
    match progress {
        FlowProgress::Send(step) => step,
        other => panic!("expected a step, got {other:?}"),
    }
}

fn done<T: std::fmt::Debug>(progress: FlowProgress<T>) -> T {
    match progress {
        FlowProgress::Done(outcome) => outcome,
        other => panic!("expected the end, got {other:?}"),
    }
}

// ----- configure -----

#[test]
fn an_unclaimed_location_is_read_over_both_protocols_written_and_read_back() {
    let t = token();
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    assert_eq!(flow.start(), FlowStep::Read(Protocol::V2));
    // v2 shows no claim: the v1 clientContext is asked for one.
    let step = send(flow.answer_at(v2_read(&t, None), now()).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V1));
    // The v1 service is gone (410): it has nothing to say; the claim is written over v2.
    let step = send(
        flow.answer_at(FlowAnswer::RefusedWithStatus(410), now())
            .unwrap(),
    );
    let FlowStep::Write { protocol, update } = step else {
        panic!("{step:?}")
    };
    assert_eq!(protocol, Protocol::V2);
    assert_eq!(update.mdm_info, Some(us().to_mdm_info()));
    let accepted = utc("2026-11-25T12:00:01Z");
    let step = send(flow.answer_at(FlowAnswer::WriteAccepted, accepted).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V2), "the read-back");
    let read_back = utc("2026-11-25T12:00:02Z");
    let outcome = done(flow.answer_at(v2_read(&t, ours()), read_back).unwrap());
    let ConfigureOutcome::Claimed(account) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(account.protocol(), Protocol::V2);
    assert_eq!(account.last_write_accepted(), Some(accepted));
    assert_eq!(account.configured(), read_back);
    // Ended: a further answer is no step.
    assert_eq!(
        flow.answer_at(v2_read(&t, ours()), read_back).unwrap(),
        FlowProgress::GiveUp
    );
}

#[test]
fn a_claim_only_v1_shows_needs_consent_like_any_other() {
    let t = token();
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    send(flow.answer_at(v2_read(&t, None), now()).unwrap());
    let theirs = r#"{"hostname":"mdm.example.com","guid":"a-v1-only-mdm"}"#;
    let outcome = done(flow.answer_at(v1_read(&t, Some(theirs)), now()).unwrap());
    let ConfigureOutcome::ManagedElsewhere { owner, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(owner.id.as_deref(), Some("a-v1-only-mdm"));
}

#[test]
fn a_legacy_token_is_configured_over_v1_from_read_to_read_back() {
    let t = token();
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    // v2 refuses the token as a legacy one (9647): read over v1 instead.
    let step = send(flow.answer_at(apple(400, 9647), now()).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V1));
    let step = send(flow.answer_at(v1_read(&t, None), now()).unwrap());
    assert!(
        matches!(
            step,
            FlowStep::Write {
                protocol: Protocol::V1,
                ..
            }
        ),
        "{step:?}"
    );
    let step = send(flow.answer_at(FlowAnswer::WriteAccepted, now()).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V1));
    let ours = us().legacy_client_context();
    let outcome = done(flow.answer_at(v1_read(&t, Some(&ours)), now()).unwrap());
    let ConfigureOutcome::Claimed(account) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(account.protocol(), Protocol::V1);
}

#[test]
fn after_a_failed_write_it_reads_again_and_decides_against_the_owner_of_now() {
    let t = token();
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    send(flow.answer_at(v2_read(&t, None), now()).unwrap());
    let step = send(
        flow.answer_at(FlowAnswer::RefusedWithStatus(404), now())
            .unwrap(),
    );
    assert!(matches!(step, FlowStep::Write { .. }), "{step:?}");
    // The write failed: nothing is replayed; the location is read again.
    let step = send(flow.answer_at(FlowAnswer::WriteFailed, now()).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V2));
    // Meanwhile another MDM claimed it: no write without consent.
    let outcome = done(flow.answer_at(v2_read(&t, other()), now()).unwrap());
    assert!(
        matches!(outcome, ConfigureOutcome::ManagedElsewhere { .. }),
        "{outcome:?}"
    );
}

#[test]
fn a_write_that_landed_after_all_shows_up_as_ours_on_the_next_read() {
    let t = token();
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    send(flow.answer_at(v2_read(&t, None), now()).unwrap());
    send(
        flow.answer_at(FlowAnswer::RefusedWithStatus(404), now())
            .unwrap(),
    );
    send(flow.answer_at(FlowAnswer::WriteFailed, now()).unwrap());
    let outcome = done(flow.answer_at(v2_read(&t, ours()), now()).unwrap());
    assert!(
        matches!(outcome, ConfigureOutcome::AlreadyOurs(_)),
        "{outcome:?}"
    );
}

#[test]
fn a_read_back_showing_another_mdm_is_a_lost_race() {
    let t = token();
    let options = ClaimOptions::from(Takeover::Accept);
    let mut flow = ConfigureFlow::new(t.clone(), us(), options);
    // Another MDM holds it; the admin accepted a takeover: write at once.
    let step = send(flow.answer_at(v2_read(&t, other()), now()).unwrap());
    assert!(matches!(step, FlowStep::Write { .. }), "{step:?}");
    send(flow.answer_at(FlowAnswer::WriteAccepted, now()).unwrap());
    let third = Some(("a-third-mdm", "Third MDM", "third.example"));
    let err = flow.answer_at(v2_read(&t, third), now()).unwrap_err();
    assert!(matches!(err, ConfigureError::LostRace { .. }), "{err:?}");
}

#[test]
fn notification_settings_for_a_v1_location_end_the_flow_before_any_write() {
    let t = token();
    let update = ClientConfigUpdate::builder()
        .notification_url("https://mdm.ours.example/vpp".parse().unwrap())
        .notification_auth_token(apple_vpp::SecretString::from("a-secret-for-the-test"))
        .notification_types([NotificationType::AssetManagement])
        .build()
        .unwrap();
    let options = ClaimOptions::default().with_notifications(update);
    let mut flow = ConfigureFlow::new(t.clone(), us(), options);
    send(flow.answer_at(apple(400, 9647), now()).unwrap());
    let err = flow.answer_at(v1_read(&t, None), now()).unwrap_err();
    assert!(
        matches!(err, ConfigureError::NotificationsUnsupported { .. }),
        "{err:?}"
    );
}

#[test]
fn a_refusal_it_has_no_way_around_gives_up() {
    let t = token();
    // An expired token (9621) on the first read.
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    assert_eq!(
        flow.answer_at(apple(401, 9621), now()).unwrap(),
        FlowProgress::GiveUp
    );
    // A v1 read that fails otherwise than "gone" while looking for a legacy claim.
    let mut flow = ConfigureFlow::new(t.clone(), us(), ClaimOptions::default());
    send(flow.answer_at(v2_read(&t, None), now()).unwrap());
    assert_eq!(
        flow.answer_at(FlowAnswer::RefusedWithStatus(500), now())
            .unwrap(),
        FlowProgress::GiveUp
    );
}

#[test]
fn a_token_uploaded_again_keeps_the_accounts_history() {
    let stored = account();
    let again = token_with("aW5uZXI=", "2027-09-26T08:30:39Z");
    let mut flow = ConfigureFlow::again(stored.clone(), again.clone(), ClaimOptions::default());
    let later = utc("2026-12-01T00:00:00Z");
    let outcome = done(flow.answer_at(v2_read(&again, ours()), later).unwrap());
    let ConfigureOutcome::AlreadyOurs(account) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(account.configured(), stored.configured());
}

// ----- renew -----

fn new_token() -> VppToken {
    token_with("bmV3LWlubmVy", "2028-09-26T08:30:39Z")
}

/// Berlin as read with the new token, expiring a year later than the account's.
fn renewed_read(mdm: Option<(&str, &str, &str)>) -> FlowAnswer {
    FlowAnswer::Read(berlin_expiring(mdm, "2028-09-26T08:30:39+0000").read_with(&new_token()))
}

#[test]
fn a_renewal_of_a_location_still_ours_needs_one_read() {
    let mut flow = RenewFlow::new(account(), new_token());
    assert_eq!(flow.start(), FlowStep::Read(Protocol::V2));
    let (renewed, renewal) = done(flow.answer_at(renewed_read(ours()), now()).unwrap());
    assert_eq!(renewal.reclaim, Reclaim::NotNeeded);
    assert_eq!(renewed.token(), &new_token());
    assert_eq!(renewed.expiry(), utc("2028-09-26T08:30:39Z"));
}

#[test]
fn a_location_that_lost_its_claim_is_reclaimed_and_read_back() {
    let before = account();
    let mut flow = RenewFlow::new(before.clone(), new_token());
    let step = send(flow.answer_at(renewed_read(None), now()).unwrap());
    let FlowStep::Write { protocol, update } = step else {
        panic!("{step:?}")
    };
    assert_eq!(protocol, Protocol::V2);
    assert_eq!(update.mdm_info, Some(us().to_mdm_info()));
    // The write failed: read again and decide again; the claim is written again.
    let step = send(flow.answer_at(FlowAnswer::WriteFailed, now()).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V2));
    send(flow.answer_at(renewed_read(None), now()).unwrap());
    let accepted = utc("2026-11-25T12:00:05Z");
    let step = send(flow.answer_at(FlowAnswer::WriteAccepted, accepted).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V2));
    let (renewed, renewal) = done(flow.answer_at(renewed_read(ours()), now()).unwrap());
    assert_eq!(renewal.reclaim, Reclaim::Held);
    assert_eq!(renewed.last_write_accepted(), Some(accepted));
    // The account the flow started from is as it was.
    assert_eq!(flow.account(), &before);
}

#[test]
fn a_reclaim_another_mdm_beat_is_a_lost_race() {
    let mut flow = RenewFlow::new(account(), new_token());
    send(flow.answer_at(renewed_read(None), now()).unwrap());
    send(flow.answer_at(FlowAnswer::WriteAccepted, now()).unwrap());
    let err = flow.answer_at(renewed_read(other()), now()).unwrap_err();
    assert!(
        matches!(err, RenewRefusal::Reclaim(ConfigureError::LostRace { .. })),
        "{err:?}"
    );
}

#[test]
fn the_renewal_rules_refuse_before_any_write() {
    // Another MDM manages the location now: no renewal, nothing written.
    let mut flow = RenewFlow::new(account(), new_token());
    let err = flow.answer_at(renewed_read(other()), now()).unwrap_err();
    assert!(
        matches!(
            err,
            RenewRefusal::Renew(RenewError::ManagedElsewhere { .. })
        ),
        "{err:?}"
    );
    // A legacy new token: read over v1.
    let mut flow = RenewFlow::new(account(), new_token());
    let step = send(flow.answer_at(apple(400, 9647), now()).unwrap());
    assert_eq!(step, FlowStep::Read(Protocol::V1));
}

// ----- verify -----

#[test]
fn verify_reads_once_and_records_what_apple_says() {
    let mut a = account();
    let mut flow = VerifyFlow::new(account_token());
    assert_eq!(flow.start(&a), FlowStep::Read(Protocol::V2));
    let later = utc("2026-12-01T00:00:00Z");
    let answer = FlowAnswer::Read(
        berlin_expiring(ours(), "2027-09-26T08:30:39+0000").read_with(&account_token()),
    );
    assert_eq!(
        done(flow.answer_at(&mut a, answer, later).unwrap()),
        Verification::StillOurs
    );
    assert_eq!(a.last_verified(), later);
}

#[test]
fn apples_verdict_on_the_accounts_own_token_is_recorded_and_ends_the_flow() {
    let mut a = account();
    let mut flow = VerifyFlow::new(account_token());
    let progress = flow.answer_at(&mut a, apple(401, 9621), now()).unwrap();
    assert_eq!(progress, FlowProgress::GiveUp);
    assert_eq!(a.verdict(), AppleVerdict::Expired);
    // Read with another token, Apple's verdict is about that token, not the account's.
    let mut b = account();
    let mut flow = VerifyFlow::new(token());
    let progress = flow.answer_at(&mut b, apple(401, 9621), now()).unwrap();
    assert_eq!(progress, FlowProgress::GiveUp);
    assert_eq!(b.verdict(), AppleVerdict::Active);
}

#[test]
fn verify_with_another_locations_token_is_a_mismatch() {
    let mut a = account();
    let mut flow = VerifyFlow::new(account_token());
    let mut config: apple_vpp::wire::ClientConfig =
        serde_json::from_str(&common::fixture("client_config_v2.json")).unwrap();
    config.u_id = Some("another-uid".into());
    let other_place = LocationSnapshot::from_v2(&config)
        .unwrap()
        .read_with(&account_token());
    assert!(
        flow.answer_at(&mut a, FlowAnswer::Read(other_place), now())
            .is_err()
    );
}
