//! State an MDM's replicas share, as traits with an in-process form each (feature
//! `client`): the request budget per location ([`RequestBudget`], [`InProcessBudget`]), a
//! lease per location ([`LeaseStore`], [`InProcessLeases`]), notification
//! de-duplication ([`NotificationDedup`]), the stored event tracker ([`TrackerStore`],
//! [`InProcessTrackerStore`]) and the notification secrets ([`NotificationSecrets`],
//! [`InProcessSecrets`]).
//!
//! The client ([`crate::client::VppClient`]) takes them through its builder and the
//! location handle's methods; `apple_vpp::redis` (feature `redis`) implements each on
//! Redis for a fleet. Shared state is keyed by hashes, never by a secret: a token by the
//! SHA-256 of its credential ([`TokenId`]), a location by the SHA-256 of its `uId`
//! ([`LocationKey`]).
//!
//! The budget paces requests with one algorithm, in process and on Redis alike: a
//! location's requests leave [`spacing`] apart (one second and [`WINDOW_SLACK`] shared by
//! the rate), each no later than [`MAX_LATENESS`] after its slot.

// the keys, and the pacing the budget follows
mod keys;
pub(crate) mod rate;

// one trait family per file
mod budget;
mod dedup;
mod error;
mod lease;
mod secrets;
mod tracker;

pub use budget::{BudgetCell, BudgetKey, BudgetStatus, InProcessBudget, RequestBudget};
pub use dedup::{DedupError, NotificationDedup};
pub use error::StoreError;
pub use keys::{LocationKey, TokenId};
pub use lease::{
    DEFAULT_LEASE_TTL, InProcessLeases, Lease, LeaseError, LeaseKind, LeaseStore, MAX_LEASE_TTL,
    MIN_LEASE_TTL,
};
#[cfg(feature = "redis")]
pub(crate) use lease::{clamp_lease_ttl, random_holder};
pub use rate::{
    DEFAULT_MAX_REQUESTS_PER_SECOND, MAX_LATENESS, UNKNOWN_LIMIT_REQUESTS_PER_SECOND, WINDOW_SLACK,
    spacing,
};
pub use secrets::{InProcessSecrets, NotificationSecrets};
pub use tracker::{
    InProcessTrackerStore, MAX_TRACKER_CONFLICTS, StoredTracker, TrackerStore, update_tracker,
};
