//! Who manages a location: this MDM's identity and the ownership verdict it draws from a
//! v2 or v1 snapshot.

use crate::common;

use apple_vpp::wire::MdmInfo;
use apple_vpp::{IdentityError, MdmIdentity, MdmOwner, Ownership};
use common::account::{berlin, identity, info, other, ours, v2};
use common::{OUR_ID, us};

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
