//! [`NotificationDedup`]: de-duplication of Apple's notifications that every replica of
//! an MDM can share.
//!
//! Apple retries a notification that was not answered in time and sometimes sends one
//! twice; behind a load balancer the repeat can land on another replica. The trait has
//! the shape of [`NotificationDeduper`] (check, mark, or both in one step; mark, then
//! confirm or release), async and fallible because a shared store may not answer.
//! `Mutex<NotificationDeduper>` is the one-process implementation;
//! `apple_vpp::redis::RedisDeduper` (feature `redis`) the shared one.
//!
//! # The fleet protocol: mark, then confirm or release
//!
//! ```text
//! match dedup.mark(id).await? {          // store down: answer 503, Apple resends
//!     Mark::First(token) => match handle(notification).await {
//!         Ok(())  => { dedup.confirm(id, &token).await?; 200 }
//!         Err(_)  => { dedup.release(id, &token).await?; 503 } // Apple resends: handled again
//!     },
//!     Mark::Duplicate  => 200,            // handled before, by any replica
//!     Mark::InProgress => 503,            // another replica handles it now: Apple resends
//! }
//! ```
//!
//! A replica that dies between `mark` and `confirm` holds the mark for its pending time
//! ([`crate::notification::DEFAULT_PENDING_FOR`], 60 s); Apple's next delivery after that
//! is handled again.

use std::fmt;
use std::sync::Mutex;

use chrono::Utc;
use futures_util::future::BoxFuture;

use crate::notification::{DEFAULT_PENDING_FOR, Delivery, Mark, MarkToken, NotificationDeduper};

/// The de-duplication store did not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
#[error(
    "the notification de-duplication store did not answer ({reason}); answer Apple with a 5xx so it sends the notification again later"
)]
pub struct DedupError {
    /// What happened (no secret).
    pub reason: String,
}

/// Has this `notificationId` been seen (by any replica sharing the store)?
///
/// As with [`NotificationDeduper`], mark an id only once the notification has been
/// handled, or use [`NotificationDedup::check_and_insert`] when handling cannot fail.
pub trait NotificationDedup: Send + Sync + fmt::Debug {
    /// Whether `id` was marked within the window. Does not mark it.
    fn contains<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, DedupError>>;
    /// Marks `id` as seen.
    fn insert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Checks and marks in one atomic step.
    fn check_and_insert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Delivery, DedupError>>;
    /// Marks `id` as being handled (atomic across every replica sharing the store): see
    /// [`Mark`] for what each answer means.
    fn mark<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Mark, DedupError>>;
    /// `id` was handled: a duplicate from now on, for the window.
    fn confirm<'a>(
        &'a self,
        id: &'a str,
        token: &'a MarkToken,
    ) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Handling `id` failed: forget the mark (only its holder's), so that Apple's next
    /// delivery is handled.
    fn release<'a>(
        &'a self,
        id: &'a str,
        token: &'a MarkToken,
    ) -> BoxFuture<'a, Result<(), DedupError>>;
}

impl NotificationDedup for Mutex<NotificationDeduper> {
    fn contains<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, DedupError>> {
        let seen = self
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_at(id, Utc::now());
        Box::pin(std::future::ready(Ok(seen)))
    }

    fn insert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        self.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert_at(id, Utc::now());
        Box::pin(std::future::ready(Ok(())))
    }

    fn check_and_insert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Delivery, DedupError>> {
        let delivery = self
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check_and_insert_at(id, Utc::now());
        Box::pin(std::future::ready(Ok(delivery)))
    }

    fn mark<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Mark, DedupError>> {
        let mark = self.lock().unwrap_or_else(|e| e.into_inner()).mark_at(
            id,
            Utc::now(),
            DEFAULT_PENDING_FOR,
        );
        Box::pin(std::future::ready(Ok(mark)))
    }

    fn confirm<'a>(
        &'a self,
        id: &'a str,
        token: &'a MarkToken,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.lock()
            .unwrap_or_else(|e| e.into_inner())
            .confirm_at(id, token, Utc::now());
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(
        &'a self,
        id: &'a str,
        token: &'a MarkToken,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.lock()
            .unwrap_or_else(|e| e.into_inner())
            .release(id, token);
        Box::pin(std::future::ready(Ok(())))
    }
}
