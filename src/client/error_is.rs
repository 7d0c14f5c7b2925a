//! Questions an MDM asks of a [`LeaseError`], answered without a `match`: was the lease
//! held by another replica, lost while held, or the store unreachable.
//!
//! The flows' errors ([`super::FlowError`], [`super::SyncError`], [`super::WriteError`],
//! [`super::SendError`]) answer the other questions themselves (`is_lease_held`,
//! `is_managed_elsewhere`, `is_rate_limited`, `is_retryable`, `needs_new_token`), from
//! Apple's error numbers and their classes on Apple's "Handling error responses" page
//! (<https://developer.apple.com/documentation/devicemanagement/handling-error-responses>).

use super::lease::LeaseError;

impl LeaseError {
    /// Whether another holder (another replica or task) has the lease: wait and try
    /// again; nothing was done.
    pub fn is_held(&self) -> bool {
        matches!(self, Self::Held { .. })
    }

    /// Whether the lease expired or was taken over while held: the work stopped part-way.
    pub fn is_lost(&self) -> bool {
        matches!(self, Self::Lost { .. })
    }

    /// Whether the lease store did not answer.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}
