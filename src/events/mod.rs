//! Asynchronous requests (license and user changes) and knowing when they really landed.
//!
//! Apple answers an associate, disassociate, revoke or user request with an `eventId` and
//! does the work later. [`EventStatus`] is Apple's `status` answer, grouped by error
//! number.

mod status;

pub use status::{EVENT_NOT_FOUND, EventStatus, FailureGroup, is_event_not_found};
