//! The simulator's state as an MDM author compares it with their own database: every
//! location's assets with their counts, its assignments and its user records, in a stable
//! order, with Apple's field names.

use serde::Serialize;

use crate::assignments::Target;
use crate::model::{Location, World};

/// Everything the simulator holds, location by location (in the scenario's order). Serialize
/// it with `serde_json` for a file an MDM's own data can be compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StateDump {
    /// The locations, in the scenario's order.
    pub locations: Vec<LocationDump>,
}

/// One location's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocationDump {
    /// `uId`.
    #[serde(rename = "uId")]
    pub u_id: String,
    /// `locationName`.
    pub location_name: String,
    /// The `versionId` the location's lists answer now.
    pub version_id: String,
    /// Its assets, sorted by `adamId` then `pricingParam`, with the counts `GET assets`
    /// answers now.
    pub assets: Vec<AssetDump>,
    /// Its assignments, sorted by `adamId`, `pricingParam`, then devices (by serial number)
    /// before users (by `clientUserId`).
    pub assignments: Vec<AssignmentDump>,
    /// Every user record, retired ones included, sorted by `clientUserId` and, for one
    /// `clientUserId`, in the order the records were created (the active one last).
    pub users: Vec<UserDump>,
}

/// An asset and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetDump {
    /// `adamId`.
    pub adam_id: String,
    /// `pricingParam`.
    pub pricing_param: String,
    /// `productType`.
    pub product_type: String,
    /// `assignedCount`.
    pub assigned_count: u64,
    /// `availableCount`.
    pub available_count: u64,
    /// `retiredCount`.
    pub retired_count: u64,
    /// `totalCount` (2147483647 for an unlimited asset, as Apple answers).
    pub total_count: u64,
}

/// One license held by a device or a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignmentDump {
    /// `adamId`.
    pub adam_id: String,
    /// `pricingParam`.
    pub pricing_param: String,
    /// `serialNumber`, for a device's license.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// `clientUserId`, for a user's license.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_user_id: Option<String>,
}

/// One user record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserDump {
    /// `clientUserId`.
    pub client_user_id: String,
    /// `email`, when given.
    pub email: Option<String>,
    /// `status`: `Registered`, `Associated` or `Retired`.
    pub status: String,
    /// `inviteCode`.
    pub invite_code: String,
    /// `idHash`, once an Apple Account accepted the invitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_hash: Option<String>,
}

pub(crate) fn dump(world: &World) -> StateDump {
    let locations = world
        .locations
        .iter()
        .map(|loc| LocationDump {
            u_id: loc.uid.clone(),
            location_name: loc.name.clone(),
            version_id: loc.version_id(),
            assets: asset_dumps(loc),
            assignments: assignment_dumps(loc),
            users: user_dumps(loc),
        })
        .collect();
    StateDump { locations }
}

/// The location's assets, by (adamId, pricing).
fn asset_dumps(loc: &Location) -> Vec<AssetDump> {
    let mut assets: Vec<AssetDump> = loc
        .assets
        .iter()
        .map(|a| AssetDump {
            adam_id: a.adam_id.clone(),
            pricing_param: a.pricing_param.clone(),
            product_type: a.product_type.clone(),
            assigned_count: a.assigned,
            available_count: a.available(),
            retired_count: a.retired,
            total_count: a.total_count(),
        })
        .collect();
    assets.sort_by(|a, b| (&a.adam_id, &a.pricing_param).cmp(&(&b.adam_id, &b.pricing_param)));
    assets
}

/// The location's assignments, by (adamId, pricing), devices before users, then id.
fn assignment_dumps(loc: &Location) -> Vec<AssignmentDump> {
    let mut assignments: Vec<AssignmentDump> = loc
        .assignments
        .iter()
        .map(|a| {
            let (serial_number, client_user_id) = match &a.target {
                Target::Serial(s) => (Some(s.clone()), None),
                Target::User(u) => (None, Some(u.clone())),
            };
            AssignmentDump {
                adam_id: a.adam_id.clone(),
                pricing_param: a.pricing_param.clone(),
                serial_number,
                client_user_id,
            }
        })
        .collect();
    assignments.sort_by(|a, b| {
        let key = |x: &AssignmentDump| {
            (
                x.adam_id.clone(),
                x.pricing_param.clone(),
                x.serial_number.is_none(),
                x.serial_number.clone().or_else(|| x.client_user_id.clone()),
            )
        };
        key(a).cmp(&key(b))
    });
    assignments
}

/// The location's user records, by clientUserId.
fn user_dumps(loc: &Location) -> Vec<UserDump> {
    let mut users: Vec<UserDump> = loc
        .users
        .iter()
        .map(|u| UserDump {
            client_user_id: u.client_user_id.clone(),
            email: u.email.clone(),
            status: u.status().to_owned(),
            invite_code: u.invite_code.clone(),
            id_hash: u.id_hash.clone(),
        })
        .collect();
    // Stable: one clientUserId's records keep the order they were created in.
    users.sort_by(|a, b| a.client_user_id.cmp(&b.client_user_id));
    users
}
