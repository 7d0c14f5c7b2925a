//! The client's use of a [`LeaseStore`]: a sync, or a flow, runs while the location's
//! lease is held, and the lease is kept alive (renewed every third of its time to live)
//! until the work ends. A lease that cannot be had, or is lost while held, stops the work
//! ([`ClientError::Lease`]): leases fail closed.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::{Either, select};

use super::budget::TokenId;
use super::lease::{Lease, LeaseError, LeaseKind, LeaseStore, LocationKey};
use super::{ClientError, VppClient};
use crate::token::VppToken;

impl VppClient {
    /// The location key of `token`'s location: the hash of its `uId`, read once from
    /// `client/config` and remembered. A token whose `uId` cannot be read (a legacy
    /// account-based one, which v2 refuses) is keyed by the hash of its credential.
    pub(super) async fn location_key(&self, token: &VppToken) -> LocationKey {
        let id = TokenId::of(token);
        if let Some(key) = self.lock_uids().get(&id) {
            return *key;
        }
        let key = match self.client_config(token).await.ok().and_then(|c| c.u_id) {
            Some(uid) => LocationKey::of_uid(&uid),
            None => LocationKey::of_uid(&id.to_hex()),
        };
        let mut uids = self.lock_uids();
        if uids.len() >= 10_000 {
            uids.clear();
        }
        uids.insert(id, key);
        key
    }

    fn lock_uids(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<TokenId, LocationKey>> {
        self.inner.uids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` under the `kind` lease of `token`'s location when a lease store is
    /// set (see [`VppClient::with_lease`]); returns the lease's fencing number with the
    /// result.
    pub(super) async fn under_token_lease<T, E>(
        &self,
        kind: LeaseKind,
        token: &VppToken,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<(T, Option<u64>), E>
    where
        E: From<ClientError>,
    {
        if self.inner.leases.is_none() {
            return work.await.map(|v| (v, None));
        }
        let location = self.location_key(token).await;
        self.with_lease(kind, &location, work).await
    }

    /// Runs `work` while holding the `kind` lease of `location`, when the client has a
    /// lease store ([`super::VppClientBuilder::leases`]); without one, just runs it.
    /// Returns the lease's fencing number (`None` without a store) with the result.
    ///
    /// The lease is renewed every third of its time to live while `work` runs, and
    /// released when it ends. [`ClientError::Lease`] when it is held elsewhere, when the
    /// store does not answer, or when it is lost while held (the work is then stopped
    /// where it was: it may have sent part of its requests).
    pub async fn with_lease<T, E>(
        &self,
        kind: LeaseKind,
        location: &LocationKey,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<(T, Option<u64>), E>
    where
        E: From<ClientError>,
    {
        let Some(store) = self.inner.leases.clone() else {
            return work.await.map(|v| (v, None));
        };
        let ttl = self.inner.lease_ttl;
        let lease = store
            .acquire(kind, location, ttl)
            .await
            .map_err(|e| E::from(ClientError::Lease(e)))?;
        let keep_alive = keep_alive(&store, &lease);
        let work = std::pin::pin!(work);
        let keep_alive = std::pin::pin!(keep_alive);
        let outcome = match select(work, keep_alive).await {
            Either::Left((done, _)) => done.map(|v| (v, Some(lease.fence()))),
            Either::Right((lost, _)) => Err(E::from(ClientError::Lease(lost))),
        };
        // Releasing is a courtesy: a lease not released expires.
        let _ = store.release(&lease).await;
        outcome
    }
}

/// Renews `lease` every third of its time to live; returns only when a renewal fails.
async fn keep_alive(store: &Arc<dyn LeaseStore>, lease: &Lease) -> LeaseError {
    let every = lease.ttl() / 3;
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = store.renew(lease).await {
            return match e {
                LeaseError::Unavailable { .. } | LeaseError::Lost { .. } => {
                    LeaseError::Lost { kind: lease.kind() }
                }
                other => other,
            };
        }
    }
}
