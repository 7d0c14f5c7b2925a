//! The client's use of a [`LeaseStore`]: a sync, or a flow, runs while the location's
//! lease is held, and the lease is kept alive (renewed every third of its time to live)
//! until the work ends. A lease that cannot be had, or is lost while held, stops the work
//! ([`LeaseError`]): leases fail closed.
//!
//! The work receives a [`LeaseGuard`] from its start: the fencing number to store with
//! every write, and [`LeaseGuard::check`] to confirm, with the store, that the lease is
//! still this holder's before something is handed on (a sync checks before every page and
//! before its outcome).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::{Either, select};

use super::error::SendError;
use super::vpp_client::VppClient;
use crate::location::Protocol;
use crate::shared::{Lease, LeaseError, LeaseKind, LeaseStore, LocationKey, TokenId};
use crate::token::VppToken;

/// The lease a piece of work runs under, handed to it by [`super::LocationHandle::with_lease`] from
/// its start. Cheap to clone.
///
/// Store [`LeaseGuard::fence`] with every write the work makes, and make the write
/// conditional on it (refuse a write whose number is lower than the one stored): a holder
/// whose lease expired while it was paused then changes nothing. Call
/// [`LeaseGuard::check`] before handing results on; it fails once the lease is no longer
/// this holder's.
///
/// Without a lease store ([`super::VppClientBuilder::leases`] not set), the guard holds
/// nothing: [`LeaseGuard::fence`] is `None` and [`LeaseGuard::check`] always succeeds.
#[derive(Debug, Clone)]
pub struct LeaseGuard {
    held: Option<Held>,
}

#[derive(Debug, Clone)]
struct Held {
    store: Arc<dyn LeaseStore>,
    lease: Lease,
    /// Set once a renewal failed: the lease is gone for good.
    lost: Arc<AtomicBool>,
}

impl LeaseGuard {
    /// A guard without a lease (a client without a lease store).
    pub fn none() -> Self {
        Self { held: None }
    }

    /// The lease's fencing number (`None` without a lease store): larger than every
    /// earlier grant's for this location and kind, also across Redis restarts and
    /// failovers (see [`LeaseStore::acquire`]).
    pub fn fence(&self) -> Option<u64> {
        self.held.as_ref().map(|h| h.lease.fence())
    }

    /// The lease itself (`None` without a lease store).
    pub fn lease(&self) -> Option<&Lease> {
        self.held.as_ref().map(|h| &h.lease)
    }

    /// Confirms with the store that the lease is still this holder's, extending it by its
    /// time to live. [`LeaseError::Lost`] when it expired, was
    /// taken over, or the store cannot confirm it (leases fail closed): stop, and hand
    /// nothing more on. Always `Ok` without a lease store.
    pub async fn check(&self) -> Result<(), LeaseError> {
        let Some(held) = &self.held else {
            return Ok(());
        };
        let kind = held.lease.kind();
        if held.lost.load(Ordering::Acquire) {
            return Err(LeaseError::Lost { kind });
        }
        match held.store.renew(&held.lease).await {
            Ok(()) => Ok(()),
            Err(_) => {
                held.lost.store(true, Ordering::Release);
                Err(LeaseError::Lost { kind })
            }
        }
    }
}

impl VppClient {
    /// The location key of `token`'s location: the hash of its `uId`, read from
    /// `client/config` (over v1 for a legacy token that v2 refuses, 9647) and remembered
    /// once read. A read that fails (after the retries of [`VppClient::send`]) fails the
    /// call with the read's error: a lease is never keyed by anything but the location,
    /// so two replicas can never hold "different" leases of one location.
    pub(super) async fn location_key(&self, token: &VppToken) -> Result<LocationKey, SendError> {
        let id = TokenId::of(token);
        if let Some(key) = self.lock_uids().get(&id) {
            return Ok(*key);
        }
        let uid = match self.read(token, Protocol::V2).await {
            Ok(snapshot) => snapshot.location.uid,
            Err(e)
                if e.apple().is_some_and(|a| {
                    a.number == crate::wire::ErrorNumber::LegacyTokenNotSupported
                }) =>
            {
                self.read(token, Protocol::V1).await?.location.uid
            }
            Err(e) => return Err(e),
        };
        let key = LocationKey::of_uid(&uid);
        let mut uids = self.lock_uids();
        if uids.len() >= 10_000 {
            uids.clear();
        }
        uids.insert(id, key);
        Ok(key)
    }

    fn lock_uids(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<TokenId, LocationKey>> {
        self.inner.uids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` under the `kind` lease of `token`'s location when a lease store is
    /// set (see [`super::LocationHandle::with_lease`]); returns the lease's fencing number with the
    /// result.
    pub(super) async fn under_token_lease<T, E, F, Fut>(
        &self,
        kind: LeaseKind,
        token: &VppToken,
        work: F,
    ) -> Result<(T, Option<u64>), E>
    where
        E: From<LeaseError> + From<SendError>,
        F: FnOnce(LeaseGuard) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.inner.leases.is_none() {
            return work(LeaseGuard::none()).await.map(|v| (v, None));
        }
        let location = self.location_key(token).await.map_err(E::from)?;
        self.with_lease(kind, &location, work).await
    }

    /// Runs `work` while holding the `kind` lease of `location`, when the client has a
    /// lease store ([`super::VppClientBuilder::leases`]); without one, just runs it.
    /// `work` receives the [`LeaseGuard`] from its start: its fencing number
    /// ([`LeaseGuard::fence`]) for every write the work makes, and
    /// [`LeaseGuard::check`] before it hands results on (a [`super::PageStream`] given
    /// the guard with [`super::PageStream::under_lease`] checks before every page).
    /// Returns the lease's fencing number (`None` without a store) with the result.
    ///
    /// The lease is renewed every third of its time to live while `work` runs, checked
    /// once more when `work` ends (a holder that stalled past the time to live ends with
    /// [`LeaseError::Lost`], not `Ok`), and released. A [`LeaseError`] when it is
    /// held elsewhere, when the store does not answer, or when it is lost while held (the
    /// work is then stopped where it was: it may have sent part of its requests).
    pub(crate) async fn with_lease<T, E, F, Fut>(
        &self,
        kind: LeaseKind,
        location: &LocationKey,
        work: F,
    ) -> Result<(T, Option<u64>), E>
    where
        E: From<LeaseError> + From<SendError>,
        F: FnOnce(LeaseGuard) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let Some(store) = self.inner.leases.clone() else {
            return work(LeaseGuard::none()).await.map(|v| (v, None));
        };
        let ttl = self.inner.lease_ttl;
        let lease = store.acquire(kind, location, ttl).await.map_err(E::from)?;
        let guard = LeaseGuard {
            held: Some(Held {
                store: store.clone(),
                lease: lease.clone(),
                lost: Arc::new(AtomicBool::new(false)),
            }),
        };
        let keep_alive = keep_alive(&guard);
        let work = std::pin::pin!(work(guard.clone()));
        let keep_alive = std::pin::pin!(keep_alive);
        let outcome = match select(work, keep_alive).await {
            // The work may have stalled (a blocking handler, a paused process) while the
            // lease expired: it ends `Ok` only if the lease is still ours.
            Either::Left((Ok(done), _)) => match guard.check().await {
                Ok(()) => Ok((done, Some(lease.fence()))),
                Err(lost) => Err(E::from(lost)),
            },
            Either::Left((Err(e), _)) => Err(e),
            Either::Right((lost, _)) => Err(E::from(lost)),
        };
        // Releasing is a courtesy: a lease not released expires.
        let _ = store.release(&lease).await;
        outcome
    }
}

/// Renews the guard's lease every third of its time to live; returns only when a renewal
/// fails (and marks the guard lost).
async fn keep_alive(guard: &LeaseGuard) -> LeaseError {
    let Some(held) = &guard.held else {
        return std::future::pending().await;
    };
    let kind = held.lease.kind();
    let every = held.lease.ttl() / 3;
    loop {
        tokio::time::sleep(every).await;
        if guard.check().await.is_err() {
            return LeaseError::Lost { kind };
        }
    }
}
