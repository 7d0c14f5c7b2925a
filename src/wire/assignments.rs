//! `GET assignments` response (Apps and Books v2): which licenses are assigned to which
//! device serial numbers and users.
//!
//! Apple: [Get Assignments](https://developer.apple.com/documentation/devicemanagement/get-assignments-9wv1e), [`GetAssignmentsResponse`](https://developer.apple.com/documentation/devicemanagement/getassignmentsresponse).

use serde::{Deserialize, Serialize};

use super::common::PricingParam;
use super::paging::{PageInfo, impl_page};
use crate::ids::AdamId;

/// The response of `GET assignments`: one page of assignments and the paging fields.
///
/// Apple: [`GetAssignmentsResponse`](https://developer.apple.com/documentation/devicemanagement/getassignmentsresponse).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignmentsResponse {
    /// `assignments`: this page's assignments (empty when absent, e.g. an incremental
    /// answer with nothing new).
    #[serde(default)]
    pub assignments: Vec<AssignmentRecord>,
    /// The paging fields (`currentPageIndex`, `nextPageIndex`, `versionId`, …).
    #[serde(flatten)]
    pub paging: PageInfo,
}

impl_page!(AssignmentsResponse, assignments, AssignmentRecord);

/// One entry of `assignments`: a license of `adamId` at `pricingParam`, assigned to a
/// device (`serialNumber`) or a user (`clientUserId`). Every field is optional on the
/// wire; [`crate::Assignment::try_from`] decides which are required.
///
/// Apple: [Get Assignments](https://developer.apple.com/documentation/devicemanagement/get-assignments-9wv1e) (the entries of `assignments`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignmentRecord {
    /// `adamId` (a string; a number is accepted).
    #[serde(default)]
    pub adam_id: Option<AdamId>,
    /// `pricingParam`: `STDQ` or `PLUS`.
    #[serde(default)]
    pub pricing_param: Option<PricingParam>,
    /// `serialNumber`: the device, for a device assignment.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// `clientUserId`: the MDM's user id, for a user assignment.
    #[serde(default)]
    pub client_user_id: Option<String>,
}
