//! One [`EventTracker`] every replica of an MDM shares ([`TrackerStore`]), with an
//! in-process form here and a Redis form in `apple_vpp::redis` (feature `redis`).
//!
//! # Events across replicas: claim a due poll
//!
//! A stored tracker read, polled and written back by two replicas loses whatever one of
//! them applied in between (a notification, a resend). So no replica holds the tracker
//! while it talks to Apple:
//!
//! 1. in one short read-modify-write of the stored tracker ([`update_tracker`]), claim
//!    what is due ([`EventTracker::claim_due_at`]): another replica does not poll or
//!    resend it meanwhile;
//! 2. send the `status` requests without holding anything;
//! 3. in a second read-modify-write, hand the answers to the tracker as it is *now*,
//!    with what other replicas applied meanwhile.
//!
//! [`LocationHandle::poll_shared_at`](crate::client::LocationHandle::poll_shared_at) is
//! that round. A notification goes to the stored tracker the same way, in one
//! read-modify-write (`update_tracker(store, |t| t.on_notification_at(&n, now))`), on
//! whichever replica it lands. A claim lapses after its hold (a replica that died), and the
//! work is due again.

use std::fmt;
use std::sync::Mutex;

use futures_util::future::BoxFuture;

use super::error::StoreError;
use crate::events::EventTracker;

/// A stored tracker and its version (the number of writes it has seen).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredTracker {
    /// The tracker.
    pub tracker: EventTracker,
    /// Its version: [`TrackerStore::save`] writes only over this one.
    pub version: u64,
}

impl StoredTracker {
    /// `tracker` read at `version`: what [`TrackerStore::load`] returns, also from a store
    /// outside this crate (an MDM's own database).
    pub fn new(tracker: EventTracker, version: u64) -> Self {
        Self { tracker, version }
    }
}

/// One [`EventTracker`] shared by every replica: read whole, written whole only over the
/// version read (compare and set).
pub trait TrackerStore: Send + Sync + fmt::Debug {
    /// The tracker and its version (an empty tracker at version 0 when none is stored).
    fn load(&self) -> BoxFuture<'_, Result<StoredTracker, StoreError>>;
    /// Writes `tracker` if the stored version is still `version`; `false` (nothing
    /// written) when another writer came first.
    fn save<'a>(
        &'a self,
        tracker: &'a EventTracker,
        version: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// How many times [`update_tracker`] reads again after another writer came first: 64.
pub const MAX_TRACKER_CONFLICTS: usize = 64;

/// Changes the stored tracker in one read-modify-write: reads it, applies `change`, and
/// writes it back over the version read; when another replica wrote first, reads again
/// and applies `change` again (so `change` must depend on the tracker only, not on an
/// earlier run). Returns what the last run of `change` returned.
pub async fn update_tracker<T>(
    store: &dyn TrackerStore,
    mut change: impl FnMut(&mut EventTracker) -> T,
) -> Result<T, StoreError> {
    for _ in 0..MAX_TRACKER_CONFLICTS {
        let StoredTracker {
            mut tracker,
            version,
        } = store.load().await?;
        let out = change(&mut tracker);
        if store.save(&tracker, version).await? {
            return Ok(out);
        }
    }
    Err(StoreError {
        what: "event tracker",
        reason: format!("{MAX_TRACKER_CONFLICTS} writers came first in a row"),
    })
}

/// [`TrackerStore`] within one process (tests, or one replica with several tasks).
#[derive(Debug, Default)]
pub struct InProcessTrackerStore {
    state: Mutex<(EventTracker, u64)>,
}

impl InProcessTrackerStore {
    /// A store holding `tracker` at version 0.
    pub fn new(tracker: EventTracker) -> Self {
        Self {
            state: Mutex::new((tracker, 0)),
        }
    }
}

impl TrackerStore for InProcessTrackerStore {
    fn load(&self) -> BoxFuture<'_, Result<StoredTracker, StoreError>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let stored = StoredTracker {
            tracker: state.0.clone(),
            version: state.1,
        };
        Box::pin(std::future::ready(Ok(stored)))
    }

    fn save<'a>(
        &'a self,
        tracker: &'a EventTracker,
        version: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let saved = state.1 == version;
        if saved {
            *state = (tracker.clone(), version + 1);
        }
        Box::pin(std::future::ready(Ok(saved)))
    }
}
