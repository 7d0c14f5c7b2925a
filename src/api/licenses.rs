//! `POST assets/associate`, `assets/disassociate` and `assets/revoke`: give licenses to
//! devices and users, and take them back. Each answers an event; the work happens later.

use super::write::event_write;
use crate::batching::{license_batches, revoke_batches};
use crate::wire::{LicensesRequest, RevokeRequest};

event_write!(
    /// `POST assets/associate`: assigns licenses of the assets to the devices and users
    /// (one batch of [`crate::batching::license_batches`]).
    Associate,
    LicensesRequest,
    "assets/associate",
    license_batches,
    Associate
);
event_write!(
    /// `POST assets/disassociate`: takes licenses of the assets back from the devices and
    /// users (one batch of [`crate::batching::license_batches`]).
    Disassociate,
    LicensesRequest,
    "assets/disassociate",
    license_batches,
    Disassociate
);
event_write!(
    /// `POST assets/revoke`: takes back every revocable license of the devices and users
    /// (one batch of [`crate::batching::revoke_batches`]).
    Revoke,
    RevokeRequest,
    "assets/revoke",
    revoke_batches,
    Revoke
);
