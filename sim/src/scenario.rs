//! The scenario: the simulated world as JSON (locations, assets, users, limits, faults).
//!
//! Every object refuses unknown keys, so a typo in a scenario file fails loudly with the
//! key's name and where it was found instead of being silently ignored.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::defaults::*;

/// Why a scenario was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The JSON did not match the scenario format (unknown key, wrong type, bad syntax).
    #[error("invalid scenario JSON at `{path}`: {message}")]
    Json {
        /// Where in the document the problem is, e.g. `locations[0].assets[1]`.
        path: String,
        /// serde's message; for an unknown key it names the key.
        message: String,
    },
    /// The JSON parsed but a value is not acceptable (e.g. a bad date or a duplicate uid).
    #[error("invalid scenario: {0}")]
    Invalid(String),
}

/// The whole simulated world.
///
/// All keys except `locations[].uid` and `locations[].name` are optional and default as
/// documented on each field (and in `sim/README.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Records per page of `assets`, `assignments` and `users` (default 100).
    #[serde(default = "d_page_size")]
    pub page_size: usize,
    /// Requests allowed per credential in any sliding one-second window (default 15).
    #[serde(default = "d_rps")]
    pub max_requests_per_second: u32,
    /// Milliseconds between accepting a manage request and executing it (default 200).
    #[serde(default = "d_event_delay")]
    pub event_delay_ms: u64,
    /// Latency added to every authorized request, while it counts as in flight (default 0).
    #[serde(default)]
    pub response_delay_ms: u64,
    /// Milliseconds between notification delivery retries (default 100).
    #[serde(default = "d_retry_delay")]
    pub notification_retry_delay_ms: u64,
    /// Deliver every event notification twice with the same `notificationId` (default false).
    #[serde(default)]
    pub duplicate_notifications: bool,
    /// `maxAssets` (default 25).
    #[serde(default = "d_25")]
    pub max_assets: usize,
    /// `maxSerialNumbers` (default 1000).
    #[serde(default = "d_1000")]
    pub max_serial_numbers: usize,
    /// `maxClientUserIds` (default 1000).
    #[serde(default = "d_1000")]
    pub max_client_user_ids: usize,
    /// `maxRevokeSerialNumbers` (default 100).
    #[serde(default = "d_100")]
    pub max_revoke_serial_numbers: usize,
    /// `maxRevokeClientUserIds` (default 100).
    #[serde(default = "d_100")]
    pub max_revoke_client_user_ids: usize,
    /// `maxUsers` (default 100).
    #[serde(default = "d_100")]
    pub max_users: usize,
    /// `maxNotificationLength`: longest notification URL / auth token (default 512).
    #[serde(default = "d_512")]
    pub max_notification_length: usize,
    /// Faults armed from the start.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Faults drawn at random at a rate per kind (default: none).
    #[serde(default)]
    pub random_faults: Option<RandomFaults>,
    /// The locations (each has its own content token).
    #[serde(default)]
    pub locations: Vec<LocationSpec>,
    /// The storefronts the metadata catalog knows (default `us`, `gb`, `ca`, `au`, `de`,
    /// `fr`, `jp`, `at`, `ch`); a catalog request for another answers 404.
    #[serde(default = "d_storefronts")]
    pub metadata_storefronts: Vec<String>,
    /// The MDM vendor's private key (`.p8` text: PKCS#8 PEM, EC P-256) whose public key
    /// verifies developer tokens (default: a key pair generated at start).
    #[serde(default)]
    pub developer_key: Option<String>,
    /// The team id developer tokens must carry as `iss` (default `SIMTEAM001`).
    #[serde(default = "d_team_id")]
    pub developer_team_id: String,
    /// The key id developer tokens must carry as `kid` (default `SIMKEY0001`).
    #[serde(default = "d_key_id")]
    pub developer_key_id: String,
}

/// One location (one content token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationSpec {
    /// Apple's `uId` of the location.
    pub uid: String,
    /// `locationName`.
    pub name: String,
    /// `countryISO2ACode` (default `US`).
    #[serde(default = "d_country")]
    pub country: String,
    /// The token file's `orgName` (default `Example Org`).
    #[serde(default = "d_org")]
    pub org_name: String,
    /// Token expiry, `yyyy-mm-ddThh:mm:ss` followed by `+hhmm`, `+hh:mm` or `Z`
    /// (default `2030-01-01T00:00:00+0000`). In the past: every call answers 9621.
    #[serde(default = "d_expires")]
    pub token_expires: String,
    /// The `.vpptoken` file content (also the bearer credential, trimmed) this location
    /// accepts, instead of one the simulator derives from the uid — e.g. a token fixture
    /// your tests already use. Not decoded: its `expDate` and `orgName` are not checked
    /// against `token_expires` and `org_name`, which stay what Apple answers.
    #[serde(default)]
    pub token: Option<String>,
    /// A legacy (v1-only) location: v2 answers 9647.
    #[serde(default)]
    pub legacy: bool,
    /// The token is revoked: every call answers 9625.
    #[serde(default)]
    pub revoked: bool,
    /// `mdmInfo` already set by some MDM (`null` or absent: unclaimed).
    #[serde(default)]
    pub mdm_info: Option<MdmInfo>,
    /// `defaultPlatform` (default `volumestore`).
    #[serde(default = "d_platform")]
    pub default_platform: String,
    /// `websiteURL` (default `https://business.apple.com`).
    #[serde(default = "d_website")]
    pub website_url: String,
    /// The v1 `email` (default `vpp-admin@example.com`).
    #[serde(default = "d_email")]
    pub email: String,
    /// Seed of the v1 `clientContext` (a JSON string, e.g. another MDM's
    /// `{"hostname":"…","guid":"…"}`); v2 reads still show the location unclaimed.
    #[serde(default)]
    pub legacy_client_context: Option<String>,
    /// Milliseconds after start at which another MDM writes `other_mdm_info` (as `mdmInfo`;
    /// on a legacy location as the v1 `clientContext` `{"hostname": metadata, "guid": id}`).
    #[serde(default)]
    pub claim_by_other_at_ms: Option<u64>,
    /// The `mdmInfo` that the other MDM writes (default: id `other-mdm`).
    #[serde(default)]
    pub other_mdm_info: Option<MdmInfo>,
    /// Licensed assets.
    #[serde(default)]
    pub assets: Vec<AssetSpec>,
    /// Users already registered.
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// Licenses already assigned (each uses one of its asset's licenses).
    #[serde(default)]
    pub assignments: Vec<AssignmentSpec>,
}

/// `mdmInfo`: which MDM manages a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MdmInfo {
    /// The MDM's id for the location (Apple limit 100 characters).
    pub id: String,
    /// The MDM's name (limit 100).
    pub name: String,
    /// Free text, typically the server's host name (limit 255).
    pub metadata: String,
}

/// One licensed asset of a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    /// `adamId` (a string on the wire).
    pub adam_id: String,
    /// `STDQ` or `PLUS` (default `STDQ`).
    #[serde(default = "d_pricing")]
    pub pricing_param: String,
    /// `App` or `Book` (default `App`).
    #[serde(default = "d_product")]
    pub product_type: String,
    /// Licenses owned (ignored when `unlimited`).
    #[serde(default)]
    pub total: u64,
    /// May be assigned to serial numbers (default true; books never are).
    #[serde(default = "d_true")]
    pub device_assignable: bool,
    /// Licenses can be revoked (default true).
    #[serde(default = "d_true")]
    pub revocable: bool,
    /// A free asset with unlimited licenses: `totalCount` 2147483647.
    #[serde(default)]
    pub unlimited: bool,
    /// `supportedPlatforms` (default `["iOS", "macOS"]`).
    #[serde(default = "d_platforms")]
    pub supported_platforms: Vec<String>,
    /// What the metadata services answer for it (default: every key's default).
    #[serde(default)]
    pub metadata: Option<AssetMetadataSpec>,
}

/// An asset's metadata, as the catalog and the legacy lookup answer it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetMetadataSpec {
    /// The name (default `App <adamId>` / `Book <adamId>`).
    #[serde(default)]
    pub name: Option<String>,
    /// Per-storefront names, e.g. `{"de": "Seiten"}` (default none: `name` everywhere).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// The storefronts it is sold in (default: every storefront the catalog knows);
    /// elsewhere it is absent from the answers. `[]`: found nowhere.
    #[serde(default)]
    pub storefronts: Option<Vec<String>>,
    /// The bundle id (default `com.example.sim.<adamId>`; apps only).
    #[serde(default)]
    pub bundle_id: Option<String>,
    /// The latest version, as sent (default `1.0`; apps only).
    #[serde(default)]
    pub version: Option<String>,
    /// `platformAttributes` keys (default from `supported_platforms`: `iOS` → `ios`,
    /// `macOS` → `osx`).
    #[serde(default)]
    pub platforms: Option<Vec<String>>,
    /// `deviceFamilies` (default `iphone`, `ipad` for `ios` and `mac` for `osx`).
    #[serde(default)]
    pub device_families: Option<Vec<String>>,
    /// The artwork template (default
    /// `https://is1-ssl.mzstatic.com/image/thumb/apple-vpp-sim/<adamId>/{w}x{h}bb.{f}`).
    #[serde(default)]
    pub artwork: Option<String>,
    /// A book's author (`artistName`; default `Example Author`).
    #[serde(default)]
    pub author: Option<String>,
    /// A book's ISBN (default none).
    #[serde(default)]
    pub isbn: Option<String>,
    /// A custom app made for the organization (`isB2BCustomApp`; default false): the
    /// legacy lookup finds it only with the owning location's token as the `itvt`
    /// cookie, as Apple.
    #[serde(default)]
    pub custom: bool,
}

/// One user registered from the start (status `Registered`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// The MDM's `clientUserId`.
    pub client_user_id: String,
    /// `email`.
    #[serde(default)]
    pub email: Option<String>,
    /// `managedAppleId`.
    #[serde(default)]
    pub managed_apple_id: Option<String>,
}

/// What an injected fault does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with error 9603.
    #[serde(rename = "status_500")]
    Status500,
    /// HTTP 503 with error 9729, no `Retry-After`.
    #[serde(rename = "status_503")]
    Status503,
    /// HTTP 503 with error 9729 and `Retry-After: <retry_after_secs>` (default 1).
    #[serde(rename = "status_503_retry_after")]
    Status503RetryAfter,
    /// No answer for `hang_ms` (default 120 000) or until shutdown.
    Hang,
    /// HTTP 200 with a truncated JSON body (complete as HTTP: the JSON is cut).
    Malformed,
    /// HTTP 401: on the metadata catalog (`/v1/…`) the catalog's "Unauthorized" error
    /// (a refused developer token); elsewhere 9722.
    #[serde(rename = "status_401")]
    Status401,
    /// HTTP 429 with error 9646 and `Retry-After: 1`, as the rate limit answers; on the
    /// metadata catalog (`/v1/…`) its error shape with `Retry-After: <retry_after_secs>`
    /// (default 1).
    #[serde(rename = "status_429")]
    Status429,
    /// The real answer, after an extra `slow_ms` (default 2 000).
    Slow,
    /// The real answer's status and headers, with a `Content-Length` of the whole body
    /// but only its first half sent before the connection is closed.
    CutBody,
    /// The real answer's status and headers; the body starts (chunked), then the
    /// connection is dropped mid-body.
    ResetMidBody,
}

/// A fault: the next `count` requests to `path` are answered with `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// `assets`, `client/config`, `/mdm/v2/assets`, `VPPClientConfigSrv`… (the prefix
    /// `/mdm/v2/` or `/mdm/` is optional).
    pub path: String,
    /// How many requests are hit (default 1).
    #[serde(default = "d_one")]
    pub count: u32,
    /// What happens.
    pub kind: FaultKind,
    /// `Retry-After` seconds for `status_503_retry_after` and `status_429_retry_after`
    /// (default 1).
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// How long `hang` waits (default 120 000 ms).
    #[serde(default)]
    pub hang_ms: Option<u64>,
    /// How much later `slow` answers (default 2 000 ms).
    #[serde(default)]
    pub slow_ms: Option<u64>,
}

impl FaultSpec {
    /// The next `count` requests to `path` are answered with `kind` (other fields default).
    pub fn new(path: &str, count: u32, kind: FaultKind) -> Self {
        FaultSpec {
            path: path.into(),
            count,
            kind,
            retry_after_secs: None,
            hang_ms: None,
            slow_ms: None,
        }
    }
}

/// Faults drawn at random, each kind at its own rate (a probability per request from 0 to
/// 1; the rates together at most 1). Reproducible: the same `seed` and the same sequence of
/// requests give the same faults. Count-based `faults` are applied first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    /// Seed of the simulator's own pseudo-random generator (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Rate of `status_429` answers (9646, `Retry-After: 1`).
    #[serde(default)]
    pub status_429: f64,
    /// Rate of `status_503` answers (9729).
    #[serde(default)]
    pub status_503: f64,
    /// Rate of `slow` answers (the real answer after `slow_ms`).
    #[serde(default)]
    pub slow: f64,
    /// How much later a `slow` answer comes (default 2 000 ms).
    #[serde(default = "d_slow_ms")]
    pub slow_ms: u64,
    /// Rate of `cut_body` answers (a `Content-Length` longer than the body sent).
    #[serde(default)]
    pub cut_body: f64,
    /// Rate of `reset_mid_body` answers (the connection dropped mid-body).
    #[serde(default)]
    pub reset_mid_body: f64,
    /// Only requests to these paths (same forms as `faults[].path`); empty: every path.
    #[serde(default)]
    pub paths: Vec<String>,
}

impl Default for RandomFaults {
    /// No faults (every rate 0), seed 0, `slow_ms` 2 000, every path.
    fn default() -> Self {
        RandomFaults {
            seed: 0,
            status_429: 0.0,
            status_503: 0.0,
            slow: 0.0,
            slow_ms: d_slow_ms(),
            cut_body: 0.0,
            reset_mid_body: 0.0,
            paths: Vec::new(),
        }
    }
}

impl RandomFaults {
    /// The kinds with their rates, in the order they are drawn.
    pub(crate) fn rates(&self) -> [(FaultKind, f64); 5] {
        [
            (FaultKind::Status429, self.status_429),
            (FaultKind::Status503, self.status_503),
            (FaultKind::Slow, self.slow),
            (FaultKind::CutBody, self.cut_body),
            (FaultKind::ResetMidBody, self.reset_mid_body),
        ]
    }

    /// Every rate within 0..=1 and their sum at most 1.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let rates = self.rates();
        if rates.iter().any(|(_, r)| !(0.0..=1.0).contains(r)) {
            return Err(ScenarioError::Invalid(
                "random_faults: every rate must be between 0 and 1".into(),
            ));
        }
        if rates.iter().map(|(_, r)| r).sum::<f64>() > 1.0 + 1e-9 {
            return Err(ScenarioError::Invalid(
                "random_faults: the rates together must be at most 1".into(),
            ));
        }
        if self.paths.iter().any(|p| p.trim().is_empty()) {
            return Err(ScenarioError::Invalid(
                "random_faults.paths has an empty path".into(),
            ));
        }
        Ok(())
    }
}

/// One license held at start: an asset of the location (`adam_id`, `pricing_param`)
/// assigned to exactly one of `serial_number` or `client_user_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSpec {
    /// The asset's `adamId` (must be one of the location's assets).
    pub adam_id: String,
    /// `STDQ` or `PLUS` (default `STDQ`).
    #[serde(default = "d_pricing")]
    pub pricing_param: String,
    /// A device's serial number.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// A user's `clientUserId` (must be one of the location's users).
    #[serde(default)]
    pub client_user_id: Option<String>,
}

impl AssignmentSpec {
    /// A `STDQ` license of `adam_id` assigned to the device `serial_number`.
    pub fn device(adam_id: &str, serial_number: &str) -> Self {
        AssignmentSpec {
            adam_id: adam_id.into(),
            pricing_param: d_pricing(),
            serial_number: Some(serial_number.into()),
            client_user_id: None,
        }
    }
}

impl Scenario {
    /// A scenario with every default and no location.
    pub fn empty() -> Self {
        // An empty object only takes defaults, so this cannot fail.
        serde_json::from_str("{}").unwrap_or_else(|_| unreachable!("defaults always parse"))
    }

    /// Parses and checks a scenario. Unknown keys at any level are refused, naming the key
    /// and where it is.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            ScenarioError::Json {
                path,
                message: e.into_inner().to_string(),
            }
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks the values that serde cannot: dates, uniqueness, enumerations.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let bad = |m: String| Err(ScenarioError::Invalid(m));
        if self.page_size == 0 {
            return bad("page_size must be at least 1".into());
        }
        if self.max_requests_per_second == 0 {
            return bad("max_requests_per_second must be at least 1".into());
        }
        // The key id names the key file (`AuthKey_<key id>.p8`): letters and digits only.
        for (key, id) in [
            ("developer_team_id", &self.developer_team_id),
            ("developer_key_id", &self.developer_key_id),
        ] {
            if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return bad(format!("{key} must be 1 to 32 letters and digits"));
            }
        }
        for (i, f) in self.faults.iter().enumerate() {
            if f.path.trim().is_empty() {
                return bad(format!("faults[{i}].path is empty"));
            }
        }
        if let Some(r) = &self.random_faults {
            r.validate()?;
        }
        let mut uids = HashSet::new();
        let mut tokens = HashSet::new();
        for (i, loc) in self.locations.iter().enumerate() {
            validate_location(i, loc, &mut uids, &mut tokens)?;
        }
        Ok(())
    }
}

/// Checks location `i`: its uid (digits, not repeated in `uids`), its token's expiry,
/// its token (not repeated in `tokens`), its assets, users and assignments.
fn validate_location<'a>(
    i: usize,
    loc: &'a LocationSpec,
    uids: &mut HashSet<&'a str>,
    tokens: &mut HashSet<&'a str>,
) -> Result<(), ScenarioError> {
    let bad = |m: String| Err(ScenarioError::Invalid(m));
    if loc.uid.is_empty() || !loc.uid.bytes().all(|b| b.is_ascii_digit()) {
        return bad(format!(
            "locations[{i}].uid `{}` must be digits only (Apple's uId is a number)",
            loc.uid
        ));
    }
    if !uids.insert(loc.uid.as_str()) {
        return bad(format!(
            "locations[{i}].uid `{}` is empty or repeated",
            loc.uid
        ));
    }
    if parse_date(&loc.token_expires).is_none() {
        return bad(format!(
            "locations[{i}].token_expires `{}` is not yyyy-mm-ddThh:mm:ss+hhmm",
            loc.token_expires
        ));
    }
    if let Some(t) = &loc.token {
        if t.trim().is_empty() || !tokens.insert(t.trim()) {
            return bad(format!("locations[{i}].token is empty or repeated"));
        }
    }
    validate_assets(i, loc)?;
    let mut ids = HashSet::new();
    for (j, u) in loc.users.iter().enumerate() {
        if !ids.insert(u.client_user_id.as_str()) {
            return bad(format!(
                "locations[{i}].users[{j}] repeats a client_user_id"
            ));
        }
    }
    validate_assignments(i, loc)
}

/// Checks the assets of location `i`: pricing, product type, no (adamId, pricing) twice.
fn validate_assets(i: usize, loc: &LocationSpec) -> Result<(), ScenarioError> {
    let bad = |m: String| Err(ScenarioError::Invalid(m));
    let mut keys = HashSet::new();
    for (j, a) in loc.assets.iter().enumerate() {
        if !matches!(a.pricing_param.as_str(), "STDQ" | "PLUS") {
            return bad(format!(
                "locations[{i}].assets[{j}].pricing_param must be STDQ or PLUS"
            ));
        }
        if !matches!(a.product_type.as_str(), "App" | "Book") {
            return bad(format!(
                "locations[{i}].assets[{j}].product_type must be App or Book"
            ));
        }
        if !keys.insert((a.adam_id.as_str(), a.pricing_param.as_str())) {
            return bad(format!("locations[{i}].assets[{j}] repeats an adam_id"));
        }
    }
    Ok(())
}

impl Default for Scenario {
    /// One location "Berlin Office" (uid 981060278089131045, DE, "Example School", token
    /// expiring 2027-09-26T08:30:39+0000, unclaimed), three assets and two users.
    fn default() -> Self {
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
                assets: default_assets(),
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

/// The default scenario's assets: Numbers (10 licenses), Pages (5, sold in the US only,
/// named "Pages (DE)" in Germany) and a book (3), with their metadata.
fn default_assets() -> Vec<AssetSpec> {
    let asset = |adam: &str, product: &str, total, assignable, revocable| AssetSpec {
        adam_id: adam.into(),
        pricing_param: d_pricing(),
        product_type: product.into(),
        total,
        device_assignable: assignable,
        revocable,
        unlimited: false,
        supported_platforms: d_platforms(),
        metadata: None,
    };
    let with_metadata = |mut a: AssetSpec, m: AssetMetadataSpec| {
        a.metadata = Some(m);
        a
    };
    vec![
        with_metadata(
            asset("409203825", "App", 10, true, true),
            AssetMetadataSpec {
                name: Some("Numbers".into()),
                bundle_id: Some("com.apple.iWork.Numbers".into()),
                version: Some(" 14.1".into()),
                ..AssetMetadataSpec::default()
            },
        ),
        with_metadata(
            asset("361309726", "App", 5, true, true),
            AssetMetadataSpec {
                name: Some("Pages".into()),
                names: [("de".to_owned(), "Pages (DE)".to_owned())].into(),
                storefronts: Some(vec!["us".into()]),
                bundle_id: Some("com.apple.Pages".into()),
                version: Some("14.2".into()),
                ..AssetMetadataSpec::default()
            },
        ),
        with_metadata(
            asset("1234567890", "Book", 3, false, false),
            AssetMetadataSpec {
                name: Some("Example Field Guide".into()),
                author: Some("Ada Example".into()),
                isbn: Some("9780000000002".into()),
                ..AssetMetadataSpec::default()
            },
        ),
    ]
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
            assignments: Vec::new(),
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
            metadata: None,
        }
    }
}

/// Each assignment names an asset and a user of its location, exactly one target, no pair
/// twice, and no asset beyond its licenses.
fn validate_assignments(i: usize, loc: &LocationSpec) -> Result<(), ScenarioError> {
    let bad = |j: usize, m: &str| {
        Err(ScenarioError::Invalid(format!(
            "locations[{i}].assignments[{j}] {m}"
        )))
    };
    // Indexes, so that checking an assignment costs the same whatever the number of users
    // and assets: loading stays linear in the scenario's size.
    let assets: HashMap<(&str, &str), &AssetSpec> = loc
        .assets
        .iter()
        .map(|x| ((x.adam_id.as_str(), x.pricing_param.as_str()), x))
        .collect();
    let users: HashSet<&str> = loc
        .users
        .iter()
        .map(|x| x.client_user_id.as_str())
        .collect();
    let mut used: HashMap<(&str, &str), u64> = HashMap::new();
    let mut pairs = HashSet::new();
    for (j, a) in loc.assignments.iter().enumerate() {
        let Some(asset) = assets
            .get(&(a.adam_id.as_str(), a.pricing_param.as_str()))
            .copied()
        else {
            return bad(j, "names an asset the location does not have");
        };
        let target = match (&a.serial_number, &a.client_user_id) {
            (Some(s), None) if !s.is_empty() => ("s", s.as_str()),
            (None, Some(u)) if users.contains(u.as_str()) => ("u", u.as_str()),
            (None, Some(_)) => return bad(j, "names a user the location does not have"),
            _ => return bad(j, "needs exactly one of serial_number and client_user_id"),
        };
        if target.0 == "s" && (!asset.device_assignable || asset.product_type == "Book") {
            return bad(
                j,
                "assigns an asset that is not device-assignable to a device",
            );
        }
        if !pairs.insert((a.adam_id.as_str(), a.pricing_param.as_str(), target)) {
            return bad(j, "repeats an (asset, target) pair");
        }
        let n = used
            .entry((a.adam_id.as_str(), a.pricing_param.as_str()))
            .or_default();
        *n += 1;
        if !asset.unlimited && *n > asset.total {
            return bad(j, "uses more licenses than the asset's total");
        }
    }
    Ok(())
}

/// Parses `yyyy-mm-ddThh:mm:ss` with `+hhmm`, `+hh:mm` or `Z`.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%:z"))
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
}
