//! The licenses an MDM manages: [`Asset`] (an app or book the location bought, with its
//! license counts) and [`Assignment`] (one license given to a device or a user), built
//! from Apple's answers ([`crate::wire::AssetRecord`], [`crate::wire::AssignmentRecord`]) and checked.
//!
//! The wire types accept anything Apple may send; these say what an MDM can rely on: an
//! `adamId` and a `pricingParam` always, counts that are never negative, exactly one
//! target per assignment. A record without them is a [`RecordError`] that names the
//! missing field.

use serde::{Deserialize, Serialize};

use crate::ids::AdamId;
use crate::wire::{self, PricingParam, ProductType, UNLIMITED_COUNT};

/// An app or book the location owns licenses for (one entry of `GET assets`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Asset {
    /// The App Store identifier (`adamId`).
    pub adam_id: AdamId,
    /// The price tier the licenses were bought at (`pricingParam`).
    pub pricing_param: PricingParam,
    /// App or book (`productType`), when Apple says.
    pub product_type: Option<ProductType>,
    /// Licenses assigned to devices or users (`assignedCount`).
    pub assigned: u64,
    /// Licenses free to assign (`availableCount`).
    pub available: u64,
    /// Licenses retired, e.g. refunded (`retiredCount`; 0 when absent).
    pub retired: u64,
    /// Licenses owned (`totalCount`); 2147483647 means unlimited, see
    /// [`Asset::is_unlimited`].
    pub total: u64,
    /// Whether a license can go to a device serial number (`deviceAssignable`; false
    /// when absent).
    pub device_assignable: bool,
    /// Whether assigned licenses can be taken back (`revocable`; false when absent).
    pub revocable: bool,
    /// The platforms it runs on, as Apple names them (`supportedPlatforms`).
    pub supported_platforms: Vec<String>,
}

impl Asset {
    /// Whether the location has unlimited licenses (Apple's `totalCount` 2147483647, for
    /// free apps).
    pub fn is_unlimited(&self) -> bool {
        self.total == UNLIMITED_COUNT as u64
    }

    /// The licenses as [`wire::AssetRef`], for an associate or disassociate request.
    pub fn to_ref(&self) -> wire::AssetRef {
        wire::AssetRef::new(self.adam_id.clone(), self.pricing_param.clone())
    }
}

impl TryFrom<wire::AssetRecord> for Asset {
    type Error = RecordError;

    fn try_from(a: wire::AssetRecord) -> Result<Self, RecordError> {
        let adam_id = required_id("an asset", a.adam_id)?;
        let id = Some(adam_id.as_str());
        let count = |field, value: Option<i64>| -> Result<u64, RecordError> {
            let value = value.ok_or_else(|| RecordError::missing("an asset", id, field))?;
            u64::try_from(value).map_err(|_| RecordError::Negative {
                record: "an asset",
                id: id.map(str::to_owned),
                field,
                value,
            })
        };
        Ok(Self {
            pricing_param: a
                .pricing_param
                .ok_or_else(|| RecordError::missing("an asset", id, "pricingParam"))?,
            product_type: a.product_type,
            assigned: count("assignedCount", a.assigned_count)?,
            available: count("availableCount", a.available_count)?,
            retired: count("retiredCount", a.retired_count.or(Some(0)))?,
            total: count("totalCount", a.total_count)?,
            device_assignable: a.device_assignable.unwrap_or(false),
            revocable: a.revocable.unwrap_or(false),
            supported_platforms: a.supported_platforms,
            adam_id,
        })
    }
}

/// One license given to a device or a user (one entry of `GET assignments`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assignment {
    /// The App Store identifier (`adamId`).
    pub adam_id: AdamId,
    /// The price tier (`pricingParam`).
    pub pricing_param: PricingParam,
    /// Who holds the license. Serialized flat: `"serial_number": …` or
    /// `"client_user_id": …`.
    #[serde(flatten)]
    pub target: AssignmentTarget,
}

/// Who holds a license.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AssignmentTarget {
    /// A device, by serial number (`serialNumber`).
    #[serde(rename = "serial_number")]
    Device(String),
    /// A user, by the MDM's own id (`clientUserId`).
    #[serde(rename = "client_user_id")]
    User(String),
}

impl AssignmentTarget {
    /// The serial number, for a device.
    pub fn serial_number(&self) -> Option<&str> {
        match self {
            Self::Device(s) => Some(s),
            Self::User(_) => None,
        }
    }

    /// The `clientUserId`, for a user.
    pub fn client_user_id(&self) -> Option<&str> {
        match self {
            Self::User(u) => Some(u),
            Self::Device(_) => None,
        }
    }
}

impl TryFrom<wire::AssignmentRecord> for Assignment {
    type Error = RecordError;

    fn try_from(a: wire::AssignmentRecord) -> Result<Self, RecordError> {
        let adam_id = required_id("an assignment", a.adam_id)?;
        let id = Some(adam_id.as_str());
        let pricing_param = a
            .pricing_param
            .ok_or_else(|| RecordError::missing("an assignment", id, "pricingParam"))?;
        let serial = a.serial_number.filter(|s| !s.is_empty());
        let user = a.client_user_id.filter(|u| !u.is_empty());
        let target = match (serial, user) {
            (Some(serial), None) => AssignmentTarget::Device(serial),
            (None, Some(user)) => AssignmentTarget::User(user),
            (None, None) => {
                return Err(RecordError::missing(
                    "an assignment",
                    id,
                    "serialNumber or clientUserId",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(RecordError::TwoTargets {
                    adam_id: adam_id.to_string(),
                });
            }
        };
        Ok(Self {
            adam_id,
            pricing_param,
            target,
        })
    }
}

/// Why one of Apple's records could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A required field is absent (or an empty string).
    #[error(
        "Apple sent {record}{} without `{field}`: the answer is incomplete; sync again later, and report it if it persists",
        for_id(id)
    )]
    Missing {
        /// What the record is: `an asset`, `an assignment` or `a user`.
        record: &'static str,
        /// The record's identifier, when it has one (`adamId`, `clientUserId`).
        id: Option<String>,
        /// Apple's field name.
        field: &'static str,
    },
    /// A count is negative.
    #[error(
        "Apple sent {record}{} with a negative `{field}` ({value}); sync again later, and report it if it persists",
        for_id(id)
    )]
    Negative {
        /// What the record is.
        record: &'static str,
        /// The record's identifier.
        id: Option<String>,
        /// Apple's field name.
        field: &'static str,
        /// The value.
        value: i64,
    },
    /// An assignment names both a serial number and a user.
    #[error(
        "Apple sent an assignment of {adam_id} to both a serialNumber and a clientUserId; sync again later, and report it if it persists"
    )]
    TwoTargets {
        /// The assignment's `adamId`.
        adam_id: String,
    },
}

impl RecordError {
    pub(crate) fn missing(record: &'static str, id: Option<&str>, field: &'static str) -> Self {
        Self::Missing {
            record,
            id: id.map(str::to_owned),
            field,
        }
    }
}

fn for_id(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" ({id})"))
        .unwrap_or_default()
}

fn required_id(record: &'static str, value: Option<AdamId>) -> Result<AdamId, RecordError> {
    value
        .filter(|v| !v.as_str().is_empty())
        .ok_or_else(|| RecordError::missing(record, None, "adamId"))
}
