//! [`Location`]: the Apps and Books location behind a token, and
//! [`LocationSnapshot`]: what Apple said about it at one moment.

// what a location is
mod fields;
#[allow(clippy::module_inception)] // the folder is named for its main type, as its file is
mod location;
mod protocol;

// what Apple said about it
mod snapshot;

pub use location::Location;
pub use protocol::Protocol;
pub use snapshot::LocationSnapshot;
pub(crate) use snapshot::effective_expiry;
