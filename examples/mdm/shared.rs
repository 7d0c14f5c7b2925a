//! What the replicas share through the database, as the crate's store traits: every
//! replica opens the same SQLite file, so the file is the one store they all see, and it
//! outlives a restart.
//!
//! - [`NotificationSecrets`]: the secrets Apple sends with each notification, by
//!   location, the newest two. The upload stores a new one BEFORE it subscribes (Apple
//!   sends a `TEST_NOTIFICATION` at once, to any replica); the endpoint accepts either.
//! - [`TrackerStore`]: the location's `EventTracker`, read with its version and written
//!   only over that version (compare and set), so `VppClient::poll_shared_at` can claim a
//!   due poll without holding the tracker while it asks Apple.

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use apple_vpp::events::EventTracker;
use apple_vpp::notification::NotificationSecret;
use apple_vpp::shared::{NotificationSecrets, StoreError, StoredTracker, TrackerStore};
use futures_util::future::BoxFuture;

use crate::db::{Db, DbError};

/// One replica's database connection, shared by its tasks (never held across an
/// `.await`).
pub struct SharedDb(Mutex<Db>);

impl fmt::Debug for SharedDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedDb([redacted])") // it holds secrets
    }
}

impl SharedDb {
    pub fn new(db: Db) -> Self {
        Self(Mutex::new(db))
    }

    pub fn lock(&self) -> MutexGuard<'_, Db> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The event tracker of location `uid`, as a [`TrackerStore`].
    pub fn tracker<'a>(&'a self, uid: &'a str) -> LocationTracker<'a> {
        LocationTracker { db: self, uid }
    }
}

fn store_error(what: &'static str) -> impl Fn(DbError) -> StoreError {
    move |e| StoreError::new(what, e.to_string())
}

impl NotificationSecrets for SharedDb {
    fn put<'a>(
        &'a self,
        location: &'a str,
        secret: &'a NotificationSecret,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let done = self
            .lock()
            .put_secret(location, secret.expose_secret())
            .map_err(store_error("notification secrets"));
        Box::pin(std::future::ready(done))
    }

    fn get<'a>(
        &'a self,
        location: &'a str,
    ) -> BoxFuture<'a, Result<Vec<NotificationSecret>, StoreError>> {
        let found = self
            .lock()
            .secrets(location)
            .map_err(store_error("notification secrets"))
            .and_then(|stored| {
                stored
                    .into_iter()
                    .map(|s| {
                        NotificationSecret::new(s)
                            .map_err(|e| StoreError::new("notification secrets", e.to_string()))
                    })
                    .collect()
            });
        Box::pin(std::future::ready(found))
    }
}

/// The event tracker of one location in the database.
#[derive(Debug)]
pub struct LocationTracker<'a> {
    db: &'a SharedDb,
    uid: &'a str,
}

impl TrackerStore for LocationTracker<'_> {
    fn load(&self) -> BoxFuture<'_, Result<StoredTracker, StoreError>> {
        let loaded = self
            .db
            .lock()
            .load_tracker(self.uid)
            .map_err(store_error("event tracker"))
            .map(|(tracker, version)| StoredTracker::new(tracker, version));
        Box::pin(std::future::ready(loaded))
    }

    fn save<'a>(
        &'a self,
        tracker: &'a EventTracker,
        version: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let saved = self
            .db
            .lock()
            .save_tracker_over(self.uid, tracker, version)
            .map_err(store_error("event tracker"));
        Box::pin(std::future::ready(saved))
    }
}
