//! Default values of the scenario's keys, the default scenario, and constructors.

use crate::scenario::{AssetSpec, LocationSpec, Scenario, UserSpec};

pub(crate) fn d_page_size() -> usize {
    100
}
pub(crate) fn d_rps() -> u32 {
    15
}
pub(crate) fn d_event_delay() -> u64 {
    200
}
pub(crate) fn d_retry_delay() -> u64 {
    100
}
pub(crate) fn d_25() -> usize {
    25
}
pub(crate) fn d_100() -> usize {
    100
}
pub(crate) fn d_512() -> usize {
    512
}
pub(crate) fn d_1000() -> usize {
    1000
}
pub(crate) fn d_one() -> u32 {
    1
}
pub(crate) fn d_true() -> bool {
    true
}
pub(crate) fn d_country() -> String {
    "US".into()
}
pub(crate) fn d_org() -> String {
    "Example Org".into()
}
pub(crate) fn d_expires() -> String {
    "2030-01-01T00:00:00+0000".into()
}
pub(crate) fn d_platform() -> String {
    "volumestore".into()
}
pub(crate) fn d_website() -> String {
    "https://business.apple.com".into()
}
pub(crate) fn d_email() -> String {
    "vpp-admin@example.com".into()
}
pub(crate) fn d_pricing() -> String {
    "STDQ".into()
}
pub(crate) fn d_product() -> String {
    "App".into()
}
pub(crate) fn d_platforms() -> Vec<String> {
    vec!["iOS".into(), "macOS".into()]
}

impl Default for Scenario {
    /// One location "Berlin Office" (uid 981060278089131045, DE, "Example School", token
    /// expiring 2027-09-26T08:30:39+0000, unclaimed), three assets and two users.
    fn default() -> Self {
        let asset = |adam: &str, product: &str, total, assignable, revocable| AssetSpec {
            adam_id: adam.into(),
            pricing_param: d_pricing(),
            product_type: product.into(),
            total,
            device_assignable: assignable,
            revocable,
            unlimited: false,
            supported_platforms: d_platforms(),
        };
        let user = |id: &str, email: &str| UserSpec {
            client_user_id: id.into(),
            email: Some(email.into()),
            managed_apple_id: None,
        };
        Scenario {
            locations: vec![LocationSpec {
                uid: "981060278089131045".into(),
                name: "Berlin Office".into(),
                country: "DE".into(),
                org_name: "Example School".into(),
                token_expires: "2027-09-26T08:30:39+0000".into(),
                assets: vec![
                    asset("409203825", "App", 10, true, true),
                    asset("361309726", "App", 5, true, true),
                    asset("1234567890", "Book", 3, false, false),
                ],
                users: vec![
                    user("u-1", "anna@example.com"),
                    user("u-2", "ben@example.com"),
                ],
                ..LocationSpec::new("981060278089131045", "Berlin Office")
            }],
            ..Scenario::empty()
        }
    }
}

impl LocationSpec {
    /// A location with every default: unclaimed, not legacy, no assets, no users.
    pub fn new(uid: &str, name: &str) -> Self {
        LocationSpec {
            uid: uid.into(),
            name: name.into(),
            country: d_country(),
            org_name: d_org(),
            token_expires: d_expires(),
            token: None,
            legacy: false,
            revoked: false,
            mdm_info: None,
            default_platform: d_platform(),
            website_url: d_website(),
            email: d_email(),
            legacy_client_context: None,
            claim_by_other_at_ms: None,
            other_mdm_info: None,
            assets: Vec::new(),
            users: Vec::new(),
        }
    }
}

impl AssetSpec {
    /// A device-assignable, revocable `STDQ` app with `total` licenses.
    pub fn app(adam_id: &str, total: u64) -> Self {
        AssetSpec {
            adam_id: adam_id.into(),
            pricing_param: d_pricing(),
            product_type: d_product(),
            total,
            device_assignable: true,
            revocable: true,
            unlimited: false,
            supported_platforms: d_platforms(),
        }
    }
}
