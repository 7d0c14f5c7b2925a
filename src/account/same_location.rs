//! The one check that a snapshot describes the expected location.

use super::error::LocationMismatch;
use crate::location::Location;

/// Whether `found` is the `expected` location (same `uId`).
pub(crate) fn ensure_same_location(
    expected: &Location,
    found: &Location,
) -> Result<(), LocationMismatch> {
    if found.is_same_location(expected) {
        Ok(())
    } else {
        Err(LocationMismatch {
            expected: Box::new(expected.clone()),
            found: Box::new(found.clone()),
        })
    }
}
