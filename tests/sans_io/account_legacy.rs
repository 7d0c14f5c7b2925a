//! Locations over the legacy v1 API: v1 ownership verdicts, v1 errors and dates, the
//! protocol an account records, and v1 claims seen next to v2.

use crate::common;

use apple_vpp::wire::{ErrorNumber, LegacyClientConfig};
use apple_vpp::{
    ClaimOptions, Configure, LocationSnapshot, MdmOwner, Ownership, Protocol, ResponseError,
    Takeover, VppAccount, configure_at,
};
use common::account::{account, account_token, berlin, legacy, ours};
use common::{OUR_ID, fixture, now, token_with, us};

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

/// A legacy `expirationMillis` outside the years 0000–9999 is refused when read, so
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

/// A body with a claim in either form yields it, whatever its shape.
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

/// A location a v1-only MDM holds looks unclaimed to v2; merging the v1
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
