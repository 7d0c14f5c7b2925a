//! What the `licenses` example prints: one JSON object (`--json`) or a table.
#![allow(dead_code)]

use std::io::Write;

use apple_vpp::client::DescribedAsset;
use apple_vpp::events::EventStatus;
use apple_vpp::wire::EventState;
use apple_vpp::{Asset, Assignment, EventId, SyncOutcome, VppUser};
use serde::Serialize;

/// The records of a sync and how it went.
pub struct Listing<'a, T> {
    pub records: &'a [T],
    pub version_id: Option<&'a str>,
    pub full: bool,
    /// Whether every page of the pass that counts carried page 0's `versionId`.
    pub complete: bool,
    /// Passes read.
    pub passes: u32,
}

impl<'a, T> Listing<'a, T> {
    pub fn new(records: &'a [T], outcome: &'a SyncOutcome) -> Self {
        Self {
            records,
            version_id: outcome.version_id.as_deref(),
            full: outcome.full,
            complete: outcome.complete,
            passes: outcome.passes,
        }
    }
}

/// One line on stderr when a sync did not settle: what was printed may lack records that
/// existed throughout, so a script must not delete what the answer does not show.
pub fn warn_incomplete<T>(err: &mut dyn Write, what: &str, listing: &Listing<'_, T>) {
    if listing.complete {
        return;
    }
    let _ = writeln!(
        err,
        "licenses: the {what} changed during every one of the {} pass(es) read: the list may lack records that existed throughout; keep records it does not show and run it again",
        listing.passes
    );
}

/// Prints one JSON object. The shapes below are structs, not maps, so the keys come out in
/// the order the example's contract lists them.
fn print_json(out: &mut dyn Write, value: &impl Serialize) {
    let text = serde_json::to_string(value).expect("plain data always serializes");
    let _ = writeln!(out, "{text}");
}

#[derive(Serialize)]
struct AssetsJson<'a> {
    assets: Vec<AssetJson<'a>>,
    pages: u32,
}

#[derive(Serialize)]
struct AssetJson<'a> {
    adam_id: &'a str,
    pricing_param: &'a str,
    product_type: Option<&'a str>,
    assigned: u64,
    available: u64,
    retired: u64,
    total: u64,
    device_assignable: bool,
    revocable: bool,
    /// With `--metadata` only: six more keys, each `null` for an asset found nowhere.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    metadata: Option<MetadataJson<'a>>,
}

#[derive(Serialize)]
struct MetadataJson<'a> {
    name: Option<&'a str>,
    bundle_id: Option<&'a str>,
    artwork_url: Option<String>,
    latest_version: Option<&'a str>,
    platforms: Option<Vec<&'a str>>,
    storefront: Option<&'a str>,
}

impl<'a> MetadataJson<'a> {
    fn new(d: &'a DescribedAsset) -> Self {
        let m = d.metadata.as_ref();
        Self {
            name: m.and_then(|m| m.name()),
            bundle_id: m.and_then(|m| m.bundle_id()),
            artwork_url: m.and_then(|m| m.artwork()).map(|a| a.url(512, 512, "png")),
            latest_version: m.and_then(|m| m.latest_version()),
            platforms: m.map(|m| m.platforms()),
            storefront: d.storefront.as_ref().map(|s| s.as_str()),
        }
    }
}

#[derive(Serialize)]
struct AssignmentJson<'a> {
    adam_id: &'a str,
    pricing_param: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_user_id: Option<&'a str>,
}

#[derive(Serialize)]
struct UserJson<'a> {
    client_user_id: &'a str,
    email: Option<&'a str>,
    status: Option<&'a str>,
    invite_code: Option<&'a str>,
    id_hash: Option<&'a str>,
}

#[derive(Serialize)]
struct AssignmentsJson<'a> {
    assignments: Vec<AssignmentJson<'a>>,
    version_id: Option<&'a str>,
    full: bool,
    complete: bool,
}

#[derive(Serialize)]
struct UsersJson<'a> {
    users: Vec<UserJson<'a>>,
    version_id: Option<&'a str>,
    full: bool,
    complete: bool,
}

#[derive(Serialize)]
struct EventsJson<'a> {
    events: Vec<EventJson<'a>>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    event_id: &'a str,
    status: &'static str,
    requested: u64,
    completed: u64,
    failures: Vec<FailureJson<'a>>,
}

#[derive(Serialize)]
struct FailureJson<'a> {
    error_number: u32,
    serial_numbers: &'a [String],
    client_user_ids: &'a [String],
    adam_ids: Vec<&'a str>,
}

fn asset_json(a: &Asset) -> AssetJson<'_> {
    AssetJson {
        adam_id: a.adam_id.as_str(),
        pricing_param: a.pricing_param.as_str(),
        product_type: a.product_type.as_ref().map(|p| p.as_str()),
        assigned: a.assigned,
        available: a.available,
        retired: a.retired,
        total: a.total,
        device_assignable: a.device_assignable,
        revocable: a.revocable,
        metadata: None,
    }
}

/// `assets --metadata`: the assets' JSON with the six metadata keys, or the table with
/// name, version and storefront.
pub fn described_assets(out: &mut dyn Write, json: bool, described: &[DescribedAsset], pages: u32) {
    if json {
        let assets = described
            .iter()
            .map(|d| AssetJson {
                metadata: Some(MetadataJson::new(d)),
                ..asset_json(&d.asset)
            })
            .collect();
        return print_json(out, &AssetsJson { assets, pages });
    }
    let _ = writeln!(
        out,
        "{:<12} {:<5} {:<32} {:<10} {:<10}",
        "ADAM ID", "TYPE", "NAME", "VERSION", "STOREFRONT"
    );
    for d in described {
        let m = MetadataJson::new(d);
        let _ = writeln!(
            out,
            "{:<12} {:<5} {:<32} {:<10} {:<10}",
            d.asset.adam_id.as_str(),
            d.asset.product_type.as_ref().map_or("-", |p| p.as_str()),
            m.name.unwrap_or("(found in no storefront)"),
            m.latest_version.unwrap_or("-"),
            m.storefront.unwrap_or("-"),
        );
    }
    let _ = writeln!(out, "{} asset(s) in {pages} page(s)", described.len());
}

pub fn assets(out: &mut dyn Write, json: bool, assets: &[Asset], pages: u32) {
    if json {
        let assets = assets.iter().map(asset_json).collect();
        return print_json(out, &AssetsJson { assets, pages });
    }
    let _ = writeln!(
        out,
        "{:<12} {:<7} {:<5} {:>8} {:>9} {:>7} {:>9}  {:<6} {:<9}",
        "ADAM ID",
        "PRICING",
        "TYPE",
        "ASSIGNED",
        "AVAILABLE",
        "RETIRED",
        "TOTAL",
        "DEVICE",
        "REVOCABLE"
    );
    for a in assets {
        let total = if a.is_unlimited() {
            "unlimited".to_owned()
        } else {
            a.total.to_string()
        };
        let _ = writeln!(
            out,
            "{:<12} {:<7} {:<5} {:>8} {:>9} {:>7} {:>9}  {:<6} {:<9}",
            a.adam_id.as_str(),
            a.pricing_param.as_str(),
            a.product_type.as_ref().map_or("-", |p| p.as_str()),
            a.assigned,
            a.available,
            a.retired,
            total,
            yes_no(a.device_assignable),
            yes_no(a.revocable),
        );
    }
    let _ = writeln!(out, "{} asset(s) in {pages} page(s)", assets.len());
}

pub fn assignments(out: &mut dyn Write, json: bool, listing: &Listing<'_, Assignment>) {
    if json {
        let assignments = listing
            .records
            .iter()
            .map(|a| AssignmentJson {
                adam_id: a.adam_id.as_str(),
                pricing_param: a.pricing_param.as_str(),
                serial_number: a.target.serial_number(),
                client_user_id: a
                    .target
                    .serial_number()
                    .is_none()
                    .then(|| a.target.client_user_id())
                    .flatten(),
            })
            .collect();
        return print_json(
            out,
            &AssignmentsJson {
                assignments,
                version_id: listing.version_id,
                full: listing.full,
                complete: listing.complete,
            },
        );
    }
    let _ = writeln!(
        out,
        "{:<12} {:<7} {:<20} {:<20}",
        "ADAM ID", "PRICING", "SERIAL NUMBER", "CLIENT USER ID"
    );
    for a in listing.records {
        let _ = writeln!(
            out,
            "{:<12} {:<7} {:<20} {:<20}",
            a.adam_id.as_str(),
            a.pricing_param.as_str(),
            a.target.serial_number().unwrap_or("-"),
            a.target.client_user_id().unwrap_or("-"),
        );
    }
    summary(out, "assignment(s)", listing);
}

pub fn users(out: &mut dyn Write, json: bool, listing: &Listing<'_, VppUser>) {
    if json {
        let users = listing
            .records
            .iter()
            .map(|u| UserJson {
                client_user_id: &u.client_user_id,
                email: u.email.as_deref(),
                status: u.status.as_ref().map(|s| s.as_str()),
                invite_code: u.invite_code.as_deref(),
                id_hash: u.id_hash.as_deref(),
            })
            .collect();
        return print_json(
            out,
            &UsersJson {
                users,
                version_id: listing.version_id,
                full: listing.full,
                complete: listing.complete,
            },
        );
    }
    let _ = writeln!(
        out,
        "{:<20} {:<28} {:<11} {:<24} {:<20}",
        "CLIENT USER ID", "EMAIL", "STATUS", "INVITE CODE", "ID HASH"
    );
    for u in listing.records {
        let _ = writeln!(
            out,
            "{:<20} {:<28} {:<11} {:<24} {:<20}",
            u.client_user_id,
            u.email.as_deref().unwrap_or("-"),
            u.status.as_ref().map_or("-", |s| s.as_str()),
            u.invite_code.as_deref().unwrap_or("-"),
            u.id_hash.as_deref().unwrap_or("-"),
        );
    }
    summary(out, "user record(s)", listing);
}

fn summary<T>(out: &mut dyn Write, what: &str, listing: &Listing<'_, T>) {
    let kind = if listing.full {
        "full sync"
    } else {
        "changes since --since"
    };
    let _ = writeln!(
        out,
        "{} {what} ({kind}); next time: --since {}",
        listing.records.len(),
        listing.version_id.unwrap_or("-")
    );
}

fn state(status: &EventStatus) -> &'static str {
    match status.state {
        EventState::Complete => "complete",
        EventState::Failed => "failed",
        _ => "pending",
    }
}

pub fn events(out: &mut dyn Write, json: bool, ids: &[EventId], statuses: &[EventStatus]) {
    if json {
        let events = ids
            .iter()
            .zip(statuses)
            .map(|(id, s)| EventJson {
                event_id: id.as_str(),
                status: state(s),
                requested: s.requested,
                completed: s.completed,
                failures: s
                    .failures
                    .iter()
                    .map(|f| FailureJson {
                        error_number: f.error.code(),
                        serial_numbers: &f.serial_numbers,
                        client_user_ids: &f.client_user_ids,
                        adam_ids: f.assets.iter().map(|a| a.adam_id.as_str()).collect(),
                    })
                    .collect(),
            })
            .collect();
        return print_json(out, &EventsJson { events });
    }
    let _ = writeln!(
        out,
        "{:<38} {:<9} {:>11}  FAILURES",
        "EVENT", "STATUS", "DONE"
    );
    for (id, s) in ids.iter().zip(statuses) {
        let done = format!("{}/{}", s.completed, s.requested);
        let failures: Vec<String> = s
            .failures
            .iter()
            .map(|f| {
                let mut named: Vec<&str> = f.serial_numbers.iter().map(String::as_str).collect();
                named.extend(f.client_user_ids.iter().map(String::as_str));
                format!("{} ({}): {}", f.error.code(), f.message, named.join(", "))
            })
            .collect();
        let _ = writeln!(
            out,
            "{:<38} {:<9} {:>11}  {}",
            id.as_str(),
            state(s),
            done,
            if failures.is_empty() {
                "-".to_owned()
            } else {
                failures.join("; ")
            }
        );
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
