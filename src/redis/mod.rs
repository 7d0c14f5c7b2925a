//! Shared state for a fleet of replicas on Redis (feature `redis`): one Apple budget per
//! token ([`RedisBudget`]), a lease per location ([`RedisLeases`]), notification
//! de-duplication ([`RedisDeduper`]), the stored event tracker ([`RedisTrackerStore`]) and
//! the notification secrets ([`RedisSecrets`]).
//!
//! All of them use one [`RedisStore`]: redis-rs's reconnecting `ConnectionManager` with
//! every call bounded by [`RedisStore::call_timeout`] (250 ms by default, raised or
//! lowered with [`RedisStore::with_call_timeout`]; the connection manager's own connect
//! and response timeouts follow it), so a Redis that is down or slow never holds a
//! request past that. What each does then:
//! - the budget falls back to pacing locally at the rate divided by the expected number
//!   of replicas, reports [`crate::shared::BudgetStatus::Degraded`] (and calls its hook),
//!   and goes back to Redis when it answers again;
//! - a lease fails closed: no lease, no sync ([`crate::shared::LeaseError::Unavailable`]);
//! - de-duplication reports an error: the caller decides (see [`RedisDeduper`]);
//! - the tracker and secret stores report an error (`StoreError`): nothing was changed.
//!
//! Keys start with the store's prefix (default [`DEFAULT_PREFIX`]) and carry no secret
//! and no location name: a token appears as the SHA-256 of its credential, a location as
//! the SHA-256 of its `uId`. The budget's keys are one per location (one per token until
//! the client knows its location) and an epoch marker without expiry.

// the connection
mod error;
mod store;

// what the replicas share on it
mod budget;
mod dedup;
mod lease;
mod secrets;
mod tracker;

pub use budget::{DEFAULT_EXPECTED_REPLICAS, RedisBudget, SLOT_HORIZON, SharedSlot, StatusHook};
pub use dedup::RedisDeduper;
pub use error::RedisError;
pub use lease::RedisLeases;
pub use secrets::RedisSecrets;
pub use store::{DEFAULT_CALL_TIMEOUT, DEFAULT_PREFIX, RedisStore};
pub use tracker::RedisTrackerStore;
