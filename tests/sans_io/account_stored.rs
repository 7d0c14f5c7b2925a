//! A stored `VppAccount`: the documented, versioned JSON shape, older versions loading,
//! and what is refused on load.

use crate::common;

use apple_vpp::wire::ErrorNumber;
use apple_vpp::{AppleError, AppleVerdict, Protocol, VppAccount};
use common::account::{account, berlin, other, own, v2};
use common::{OUR_ID, now};

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
    assert_eq!(back.last_write_accepted(), Some(now()));
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

/// An account stored by a newer version, with a field this version does
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
