//! The mutable world: locations with their licenses, assignments, users and events.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};

use crate::assignments::{Assignment, Assignments, Target};
use crate::scenario::{AssetMetadataSpec, AssetSpec, LocationSpec, MdmInfo, parse_date};

/// The value Apple shows as `totalCount` for unlimited (free) assets.
pub(crate) const UNLIMITED: u64 = 2_147_483_647;

/// Apple's date format in v2 answers: `2027-09-26T08:30:39+0000` (always UTC).
pub(crate) fn apple_date(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string()
}

/// Builds a `.vpptoken` file's content (also the bearer credential).
///
/// The inner `token` is derived from the uid and the location's position: deterministic,
/// not secret, and not produced by a CSPRNG — this is a test tool; never use such tokens for
/// anything real.
pub(crate) fn token_file(uid: &str, index: usize, exp: &str, org: &str) -> String {
    let inner = STANDARD.encode(format!("apple-vpp-sim|{uid}|{index}"));
    let json = json!({"token": inner, "expDate": exp, "orgName": org});
    STANDARD.encode(json.to_string())
}

/// A small deterministic hash (FNV-1a) for derived identifiers; not cryptographic.
pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A licensed asset and its counters.
#[derive(Debug, Clone)]
pub(crate) struct Asset {
    pub adam_id: String,
    pub pricing_param: String,
    pub product_type: String,
    pub total: u64,
    pub assigned: u64,
    pub retired: u64,
    pub device_assignable: bool,
    pub revocable: bool,
    pub unlimited: bool,
    pub supported_platforms: Vec<String>,
    pub metadata: AssetMetadataSpec,
}

impl Asset {
    /// An asset as the scenario describes it, none of its licenses assigned yet (a book
    /// is never device-assignable).
    pub fn from_spec(a: &AssetSpec) -> Asset {
        Asset {
            adam_id: a.adam_id.clone(),
            pricing_param: a.pricing_param.clone(),
            product_type: a.product_type.clone(),
            total: a.total,
            assigned: 0,
            retired: 0,
            device_assignable: a.device_assignable && a.product_type != "Book",
            revocable: a.revocable,
            unlimited: a.unlimited,
            supported_platforms: a.supported_platforms.clone(),
            metadata: a.metadata.clone().unwrap_or_default(),
        }
    }

    pub fn total_count(&self) -> u64 {
        if self.unlimited {
            UNLIMITED
        } else {
            self.total
        }
    }
    pub fn available(&self) -> u64 {
        self.total_count().saturating_sub(self.assigned)
    }
    pub fn json(&self) -> Value {
        json!({
            "adamId": self.adam_id,
            "assignedCount": self.assigned,
            "availableCount": self.available(),
            "deviceAssignable": self.device_assignable,
            "pricingParam": self.pricing_param,
            "productType": self.product_type,
            "retiredCount": self.retired,
            "revocable": self.revocable,
            "supportedPlatforms": self.supported_platforms,
            "totalCount": self.total_count(),
        })
    }
}

/// A user record (one clientUserId may have several, all but one retired).
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub client_user_id: String,
    pub email: Option<String>,
    pub managed_apple_id: Option<String>,
    pub retired: bool,
    pub invite_code: String,
    /// `idHash`, once the user accepted the invitation with an Apple Account (kept when
    /// retired, as Apple's "Managing users" says).
    pub id_hash: Option<String>,
    pub version: u64,
}

impl User {
    /// `status`: `Retired`, else `Associated` once an Apple Account accepted the
    /// invitation, else `Registered`.
    pub fn status(&self) -> &'static str {
        match (self.retired, &self.id_hash) {
            (true, _) => "Retired",
            (false, Some(_)) => "Associated",
            (false, None) => "Registered",
        }
    }

    pub fn json(&self) -> Value {
        let mut v = json!({
            "clientUserId": self.client_user_id,
            "inviteCode": self.invite_code,
            "status": self.status(),
        });
        if let Some(e) = &self.email {
            v["email"] = json!(e);
        }
        if let Some(h) = &self.id_hash {
            v["idHash"] = json!(h);
        }
        // No `managedAppleId`: Apple's ResponseUser has clientUserId, email, idHash,
        // inviteCode and status only.
        v
    }
}

/// `eventType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Associate,
    Disassociate,
    Revoke,
    Create,
    Update,
    Retire,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Associate => "ASSOCIATE",
            EventType::Disassociate => "DISASSOCIATE",
            EventType::Revoke => "REVOKE",
            EventType::Create => "CREATE",
            EventType::Update => "UPDATE",
            EventType::Retire => "RETIRE",
        }
    }
}

/// One failure entry of an event.
#[derive(Debug, Clone, Default)]
pub(crate) struct Failure {
    pub number: u32,
    pub assets: Vec<(String, String)>,
    pub client_user_ids: Vec<String>,
    pub serial_numbers: Vec<String>,
}

impl Failure {
    pub fn json(&self) -> Value {
        let assets: Vec<Value> = self
            .assets
            .iter()
            .map(|(a, p)| json!({"adamId": a, "pricingParam": p}))
            .collect();
        // Only the lists that name something, as in Apple's samples ("Managing assets",
        // "Handling error responses": `"errorInfo": {"clientUserIds": [...]}`).
        let mut info = serde_json::Map::new();
        if !assets.is_empty() {
            info.insert("assets".into(), json!(assets));
        }
        if !self.client_user_ids.is_empty() {
            info.insert("clientUserIds".into(), json!(self.client_user_ids));
        }
        if !self.serial_numbers.is_empty() {
            info.insert("serialNumbers".into(), json!(self.serial_numbers));
        }
        json!({
            "errorInfo": info,
            "errorNumber": self.number,
            "errorMessage": crate::apple::message(self.number),
        })
    }
}

/// An asynchronous event and, once executed, its outcome.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub event_type: EventType,
    pub done: bool,
    pub num_requested: u64,
    pub num_completed: u64,
    pub failures: Vec<Failure>,
}

impl Event {
    pub fn status(&self) -> &'static str {
        match (self.done, self.failures.is_empty()) {
            (false, _) => "PENDING",
            (true, true) => "COMPLETE",
            (true, false) => "FAILED",
        }
    }
}

/// A location and everything Apple keeps for it.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub uid: String,
    pub name: String,
    pub country: String,
    pub org_name: String,
    pub email: String,
    pub expires: DateTime<FixedOffset>,
    pub legacy: bool,
    pub revoked: bool,
    pub default_platform: String,
    pub website_url: String,
    pub credential: String,
    pub mdm_info: Option<MdmInfo>,
    pub notification_url: Option<String>,
    pub notification_secret: Option<String>,
    pub subscribed: Vec<String>,
    pub client_context: Option<String>,
    pub used_via_v2: bool,
    pub assets: Vec<Asset>,
    pub assignments: Assignments,
    /// Every user record, in the order they were created (never removed: retired users
    /// stay listed).
    pub users: Vec<User>,
    /// The index in `users` of each clientUserId's active (not retired) record.
    pub active_users: HashMap<String, usize>,
    pub version: u64,
    pub events: HashMap<String, Event>,
    /// How often the token was renewed (each renewal derives another credential).
    pub renewals: u32,
}

impl Location {
    /// Builds a location from its (already validated) spec.
    pub fn from_spec(spec: &LocationSpec, index: usize) -> Location {
        let expires = parse_date(&spec.token_expires)
            .unwrap_or_else(|| DateTime::<Utc>::MIN_UTC.fixed_offset());
        let exp_text = apple_date(expires);
        let mut loc = Location {
            uid: spec.uid.clone(),
            name: spec.name.clone(),
            country: spec.country.clone(),
            org_name: spec.org_name.clone(),
            email: spec.email.clone(),
            expires,
            legacy: spec.legacy,
            revoked: spec.revoked,
            default_platform: spec.default_platform.clone(),
            website_url: spec.website_url.clone(),
            credential: match &spec.token {
                Some(t) => t.trim().to_owned(),
                None => token_file(&spec.uid, index, &exp_text, &spec.org_name),
            },
            mdm_info: spec.mdm_info.clone(),
            notification_url: None,
            notification_secret: None,
            subscribed: Vec::new(),
            client_context: spec.legacy_client_context.clone(),
            used_via_v2: spec.mdm_info.is_some(),
            assets: spec.assets.iter().map(Asset::from_spec).collect(),
            assignments: Assignments::default(),
            users: Vec::new(),
            active_users: HashMap::new(),
            version: 1,
            events: HashMap::new(),
            renewals: 0,
        };
        loc.load_users(spec);
        loc.load_assignments(spec);
        loc
    }

    /// Adds the spec's users, each with its invitation code.
    fn load_users(&mut self, spec: &LocationSpec) {
        for u in &spec.users {
            let code = self.invite_code(&u.client_user_id);
            self.add_user(User {
                client_user_id: u.client_user_id.clone(),
                email: u.email.clone(),
                managed_apple_id: u.managed_apple_id.clone(),
                retired: false,
                invite_code: code,
                id_hash: None,
                version: 1,
            });
        }
    }

    /// Adds the spec's assignments of known assets, counting them on their asset.
    fn load_assignments(&mut self, spec: &LocationSpec) {
        // Looked up once per assignment without scanning the assets: linear loading.
        let asset_at: HashMap<(String, String), usize> = self
            .assets
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.adam_id.clone(), a.pricing_param.clone()), i))
            .collect();
        for a in &spec.assignments {
            let target = match (&a.serial_number, &a.client_user_id) {
                (Some(s), _) => Target::Serial(s.clone()),
                (None, Some(u)) => Target::User(u.clone()),
                (None, None) => continue,
            };
            if let Some(&i) = asset_at.get(&(a.adam_id.clone(), a.pricing_param.clone())) {
                self.assets[i].assigned += 1;
                self.assignments.push(Assignment {
                    adam_id: a.adam_id.clone(),
                    pricing_param: a.pricing_param.clone(),
                    target,
                    version: 1,
                });
            }
        }
    }

    /// Adds a user record; it becomes the clientUserId's active record.
    pub fn add_user(&mut self, user: User) {
        self.active_users
            .insert(user.client_user_id.clone(), self.users.len());
        self.users.push(user);
    }

    /// Retires the user record at `i`.
    pub fn retire_user(&mut self, i: usize, version: u64) {
        let u = &mut self.users[i];
        u.retired = true;
        u.version = version;
        if self.active_users.get(&u.client_user_id) == Some(&i) {
            self.active_users.remove(&u.client_user_id);
        }
    }

    /// Replaces the token by a renewed one expiring a year from now; returns the new
    /// credential (the old one no longer matches this location).
    pub fn renew_token(&mut self) -> String {
        self.renewals += 1;
        self.expires = (Utc::now() + chrono::Duration::days(365)).fixed_offset();
        let exp_text = apple_date(self.expires);
        let uid = format!("{}|renewed-{}", self.uid, self.renewals);
        self.credential = token_file(&uid, 0, &exp_text, &self.org_name);
        self.credential.clone()
    }

    /// `versionId` of the current state.
    pub fn version_id(&self) -> String {
        format!("v{}", self.version)
    }

    /// The version a `sinceVersionId` names, if it is one this location handed out.
    pub fn parse_version(&self, s: &str) -> Option<u64> {
        let n: u64 = s.strip_prefix('v')?.parse().ok()?;
        (1..=self.version).contains(&n).then_some(n)
    }

    /// Records a state change; returns the new version.
    pub fn bump(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    /// `tokenExpirationDate`.
    pub fn expiration_text(&self) -> String {
        apple_date(self.expires)
    }

    /// A deterministic invite code (not secret: a test tool).
    pub fn invite_code(&self, client_user_id: &str) -> String {
        let n = self.users.len();
        format!(
            "{:016x}",
            fnv(&format!("{}|{client_user_id}|{n}", self.uid))
        )
    }

    pub fn asset_index(&self, adam_id: &str, pricing_param: &str) -> Option<usize> {
        self.assets
            .iter()
            .position(|a| a.adam_id == adam_id && a.pricing_param == pricing_param)
    }

    /// The active (not retired) record of a clientUserId.
    pub fn active_user(&self, id: &str) -> Option<usize> {
        self.active_users.get(id).copied()
    }

    /// Fields every v2 answer about this location carries.
    pub fn common_fields(&self, v: &mut Value) {
        v["uId"] = json!(self.uid);
        v["tokenExpirationDate"] = json!(self.expiration_text());
        if let Some(m) = &self.mdm_info {
            v["mdmInfo"] = json!(m);
        }
    }

    /// The `client/config` answer.
    pub fn client_config_json(&self) -> Value {
        let mut v = json!({
            "countryISO2ACode": self.country,
            "defaultPlatform": self.default_platform,
            "locationName": self.name,
            "tokenExpirationDate": self.expiration_text(),
            "uId": self.uid,
            "websiteURL": self.website_url,
        });
        if let Some(m) = &self.mdm_info {
            v["mdmInfo"] = json!(m);
        }
        if let Some(u) = &self.notification_url {
            v["notificationUrl"] = json!(u);
        }
        if let Some(t) = &self.notification_secret {
            v["notificationAuthToken"] = json!(t);
        }
        if !self.subscribed.is_empty() {
            v["subscribedNotificationTypes"] = json!(self.subscribed);
        }
        v
    }
}

/// All locations plus counters for identifiers.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub locations: Vec<Location>,
    pub next_event: u64,
}

impl World {
    pub fn location(&self, uid: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.uid == uid)
    }
    pub fn location_mut(&mut self, uid: &str) -> Option<&mut Location> {
        self.locations.iter_mut().find(|l| l.uid == uid)
    }
    pub fn by_credential(&self, credential: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.credential == credential)
    }
    /// A fresh, UUID-shaped, deterministic event id.
    pub fn new_event_id(&mut self) -> String {
        self.next_event += 1;
        format!("5e000000-0000-4000-8000-{:012x}", self.next_event)
    }
}
