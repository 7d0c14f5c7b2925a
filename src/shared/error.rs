//! [`StoreError`]: a shared store (the event tracker's, the notification secrets') failed.

/// A shared store did not answer, or holds a value that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
#[error(
    "the shared {what} store failed ({reason}): nothing was changed; check that the store runs, and for a damaged value fix or drop it"
)]
pub struct StoreError {
    /// Which store (`event tracker`, `notification secrets`).
    pub what: &'static str,
    /// What happened (no secret).
    pub reason: String,
}

impl StoreError {
    /// A failure of the `what` store (`event tracker`, `notification secrets`), for a
    /// store outside this crate (an MDM's own database); `reason` must hold no secret.
    pub fn new(what: &'static str, reason: impl Into<String>) -> Self {
        Self {
            what,
            reason: reason.into(),
        }
    }
}
