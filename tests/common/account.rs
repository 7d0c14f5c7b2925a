//! The account tests' locations, MDMs and accounts: Berlin as Apple shows it (v2 or v1),
//! this MDM and another one, and an account this MDM configured at `now()`.

use apple_vpp::wire::{ClientConfig, LegacyClientConfig, MdmInfo};
use apple_vpp::{
    ClaimOptions, Configure, IdentityError, LocationSnapshot, MdmIdentity, Takeover, VppAccount,
    VppToken, configure_at,
};

use super::{OUR_ID, fixture, now, token_with, us};

pub fn identity(id: &str, name: &str, metadata: &str) -> Result<MdmIdentity, IdentityError> {
    MdmIdentity::builder()
        .id(id)
        .name(name)
        .metadata(metadata)
        .build()
}

pub fn info(id: &str, name: &str, metadata: &str) -> MdmInfo {
    MdmInfo::default()
        .with_id(id)
        .with_name(name)
        .with_metadata(metadata)
}

pub fn v2(json: &str) -> LocationSnapshot {
    LocationSnapshot::from_v2(&serde_json::from_str::<ClientConfig>(json).unwrap()).unwrap()
}

/// A v2 snapshot of the Berlin location with the given `mdmInfo` (or none).
pub fn berlin(mdm: Option<(&str, &str, &str)>) -> LocationSnapshot {
    berlin_expiring(mdm, "2027-09-26T08:30:39+0000")
}

pub fn berlin_expiring(mdm: Option<(&str, &str, &str)>, exp: &str) -> LocationSnapshot {
    let mut c: ClientConfig = serde_json::from_str(&fixture("client_config_v2.json")).unwrap();
    c.mdm_info = mdm.map(|(id, name, meta)| info(id, name, meta));
    c.token_expiration_date = Some(exp.into());
    LocationSnapshot::from_v2(&c).unwrap()
}

pub fn ours() -> Option<(&'static str, &'static str, &'static str)> {
    Some((OUR_ID, "Our MDM", "mdm.ours.example"))
}

pub fn other() -> Option<(&'static str, &'static str, &'static str)> {
    Some((
        "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11",
        "Example MDM",
        "mdm.example.com",
    ))
}

/// The configure decision for us, with no notification settings, at `now()`.
pub fn decide(token: VppToken, snapshot: &LocationSnapshot, takeover: &Takeover) -> Configure {
    configure_at(
        &token,
        &us(),
        snapshot,
        &ClaimOptions::from(takeover.clone()),
        now(),
    )
}

/// The token `account()` holds.
pub fn account_token() -> VppToken {
    token_with("aW5uZXI=", "2027-09-26T08:30:39Z")
}

/// A snapshot of Berlin read with the account's own token.
pub fn own(snapshot: LocationSnapshot) -> LocationSnapshot {
    snapshot.read_with(&account_token())
}

pub fn account() -> VppAccount {
    match decide(account_token(), &own(berlin(ours())), &Takeover::Refuse) {
        Configure::AlreadyOurs(a) => a,
        other => panic!("{other:?}"),
    }
}

pub fn legacy(context: Option<&str>) -> LocationSnapshot {
    let mut l: LegacyClientConfig =
        serde_json::from_str(&fixture("legacy_client_config.json")).unwrap();
    l.client_context = context.map(str::to_owned);
    LocationSnapshot::from_legacy(&l).unwrap()
}
