//! `GET assignments`: which licenses are assigned to which devices and users, in full or
//! since a `versionId`.

use super::paged::list_request;
use crate::ids::AdamId;
use crate::wire::{AssignmentsResponse, PricingParam};

list_request! {
    /// `GET assignments`, with Apple's optional filters. Set
    /// [`GetAssignments::since_version_id`] to the previous sync's
    /// [`crate::SyncOutcome::version_id`] for an incremental sync.
    GetAssignments => AssignmentsResponse, "assignments", since since_version_id;
    /// `adamId`: only this app or book.
    adam_id: AdamId = "adamId" [adam_id],
    /// `clientUserId`: only this user's.
    client_user_id: String = "clientUserId" [client_user_id],
    /// `serialNumber`: only this device's.
    serial_number: String = "serialNumber" [serial_number],
    /// `pricingParam`: only this price tier.
    pricing_param: PricingParam = "pricingParam" [pricing_param],
    /// `excludeInactiveUsers`: leave out (or keep) users that are not active.
    exclude_inactive_users: bool = "excludeInactiveUsers" [exclude_inactive_users],
    /// `includeUserState`: include each user's state.
    include_user_state: bool = "includeUserState" [include_user_state],
}
