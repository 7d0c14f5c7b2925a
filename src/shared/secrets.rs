//! The notification secrets every replica of an MDM accepts ([`NotificationSecrets`]),
//! with an in-process form here and a Redis form in `apple_vpp::redis` (feature `redis`).
//!
//! Setting the notification URL makes Apple send a `TEST_NOTIFICATION` at once, to
//! whichever replica the load balancer picks, and Apple refuses the settings (9728) unless
//! it is answered 2xx. So the secret is in shared storage before subscribing:
//! [`LocationHandle::subscribe_shared`](crate::client::LocationHandle::subscribe_shared)
//! stores it ([`NotificationSecrets::put`]) and only then subscribes. A receiver reads the
//! secrets of the notification's location ([`NotificationSecrets::get`]: the newest and the
//! one before, so notifications signed with the previous secret while it changes are still
//! accepted) and checks the header against them
//! ([`crate::notification::authenticate_any`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use futures_util::future::BoxFuture;

use super::error::StoreError;
use crate::notification::NotificationSecret;

/// The notification secrets every replica accepts, by location (the MDM's key: the
/// location's `uId` in
/// [`LocationHandle::subscribe_shared`](crate::client::LocationHandle::subscribe_shared)).
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
