//! State that every replica of an MDM shares for events and notifications: one
//! [`EventTracker`] ([`TrackerStore`]) and the notification secrets
//! ([`NotificationSecrets`]). Each trait has an in-process form here and a Redis form in
//! `apple_vpp::redis` (feature `redis`).
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
//! [`super::LocationHandle::poll_shared_at`] is that round. A notification goes to the stored
//! tracker the same way, in one read-modify-write
//! (`update_tracker(store, |t| t.on_notification_at(&n, now))`), on whichever replica it
//! lands. A claim lapses after its hold (a replica that died), and the work is due again.
//!
//! # The notification secret behind a load balancer
//!
//! Setting the notification URL makes Apple send a `TEST_NOTIFICATION` at once, to
//! whichever replica the load balancer picks, and Apple refuses the settings (9728) unless
//! it is answered 2xx. So the secret is in shared storage before subscribing:
//! [`super::LocationHandle::subscribe_shared`] stores it ([`NotificationSecrets::put`]) and only
//! then subscribes. A receiver reads the secrets of the notification's location
//! ([`NotificationSecrets::get`]: the newest and the one before, so notifications signed
//! with the previous secret while it changes are still accepted) and checks the header
//! against them ([`crate::notification::authenticate_any`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use futures_util::future::BoxFuture;

use crate::events::EventTracker;
use crate::notification::NotificationSecret;

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

/// The notification secrets every replica accepts, by location (the MDM's key: the
/// location's `uId` in [`super::LocationHandle::subscribe_shared`]).
///
/// Holds secrets: protect the store as the content tokens' store.
pub trait NotificationSecrets: Send + Sync + fmt::Debug {
    /// Stores `secret` as the newest for `location`, keeping the one before it.
    fn put<'a>(
        &'a self,
        location: &'a str,
        secret: &'a NotificationSecret,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The secrets to accept for `location`, newest first (at most two).
    fn get<'a>(
        &'a self,
        location: &'a str,
    ) -> BoxFuture<'a, Result<Vec<NotificationSecret>, StoreError>>;
}

/// [`NotificationSecrets`] within one process.
#[derive(Default)]
pub struct InProcessSecrets {
    state: Mutex<HashMap<String, Vec<NotificationSecret>>>,
}

impl fmt::Debug for InProcessSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InProcessSecrets([redacted])")
    }
}

impl InProcessSecrets {
    /// No secret stored.
    pub fn new() -> Self {
        Self::default()
    }
}

impl NotificationSecrets for InProcessSecrets {
    fn put<'a>(
        &'a self,
        location: &'a str,
        secret: &'a NotificationSecret,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let list = state.entry(location.to_owned()).or_default();
        list.insert(0, secret.clone());
        list.truncate(2);
        Box::pin(std::future::ready(Ok(())))
    }

    fn get<'a>(
        &'a self,
        location: &'a str,
    ) -> BoxFuture<'a, Result<Vec<NotificationSecret>, StoreError>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let list = state.get(location).cloned().unwrap_or_default();
        Box::pin(std::future::ready(Ok(list)))
    }
}
