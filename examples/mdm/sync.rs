//! THE SYNC TRANSACTION. One sync unit reads the location's three lists (assets,
//! assignments, users) under ONE sync lease (`VppClient::with_lease`; its pages through
//! `PageStream::under_lease`, whose page handling may wait, unlike the synchronous page
//! handler of `VppClient::sync_location`) and stores each page as it arrives, in one
//! transaction that carries the lease's fence (see `db.rs`, `check_fence`). Records a
//! sync did not show are deleted only when the list was read in full AND completely.

use apple_vpp::api::{GetAssets, GetAssignments, GetUsers, Paged};
use apple_vpp::assets::RecordError;
use apple_vpp::client::{LeaseGuard, SyncPage};
use apple_vpp::shared::LeaseKind;
use apple_vpp::wire::Page;
use apple_vpp::{Asset, Assignment, SyncOutcome, VppToken, VppUser};
use futures_util::StreamExt;

use crate::app::{Mdm, MdmError};
use crate::db::{Row, RunEnd};

/// What one sync unit did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncReport {
    /// Whether every list was read in full (a first sync, or the 9721 fallback).
    pub full: bool,
    /// Records stored per list (of the final pass).
    pub assets: u64,
    pub assignments: u64,
    pub users: u64,
    /// The most passes a list needed.
    pub passes: u32,
    /// Whether every list was read completely (see `SyncOutcome::complete`).
    pub complete: bool,
    /// The lease's fence every write carried.
    pub fence: u64,
}

impl Mdm {
    /// One sync unit of `uid`: in full when `full` or when no cursor is stored, else the
    /// assignments and users changed since the stored cursors (assets are always listed
    /// in full: Apple has no incremental form for them).
    /// [`LeaseError::Held`] when another replica is syncing this location.
    pub async fn sync(&self, uid: &str, full: bool) -> Result<SyncReport, MdmError> {
        let token = self.db()?.account(uid)?.token().clone();
        // The client takes the location's sync lease, renews it while the work runs,
        // checks it once more at the end, and releases it. The work gets the lease from
        // its start: its fence goes with every write, and each page is handed over only
        // after the lease was confirmed with the store.
        let (report, _) = self
            .client
            .location(&token)
            .with_lease(LeaseKind::Sync, |lease| {
                self.sync_lists(uid, &token, lease, full)
            })
            .await?;
        Ok(report)
    }

    async fn sync_lists(
        &self,
        uid: &str,
        token: &VppToken,
        lease: LeaseGuard,
        full: bool,
    ) -> Result<SyncReport, MdmError> {
        // The example always runs with a lease store (in-process or Redis).
        let fence = lease.fence().ok_or_else(|| {
            MdmError::Other("the client has no lease store; build it with one".into())
        })?;
        let (assignments_since, users_since) = match full {
            true => (None, None),
            false => self.db()?.cursors(uid)?,
        };
        let run = self.db()?.begin_run(uid, fence, full)?;

        let (assets, n_assets) = self
            .sync_list::<_, Asset>(uid, token, run, &lease, GetAssets::new())
            .await?;
        let request = match &assignments_since {
            Some(v) => GetAssignments::new().since_version_id(v.clone()),
            None => GetAssignments::new(),
        };
        let (assignments, n_assignments) = self
            .sync_list::<_, Assignment>(uid, token, run, &lease, request)
            .await?;
        let request = match &users_since {
            Some(v) => GetUsers::new().since_version_id(v.clone()),
            None => GetUsers::new(),
        };
        let (users, n_users) = self
            .sync_list::<_, VppUser>(uid, token, run, &lease, request)
            .await?;

        let lists = [
            ("assets", &assets),
            ("assignments", &assignments),
            ("users", &users),
        ];
        let delete_unseen: Vec<(&'static str, u32)> = lists
            .iter()
            .filter(|(_, o)| o.full && o.complete)
            .map(|(table, o)| (*table, o.passes))
            .collect();
        let complete = lists.iter().all(|(_, o)| o.complete);
        self.db()?.finish_run(&RunEnd {
            uid,
            run,
            fence,
            complete,
            assignments_cursor: assignments.version_id.as_deref(),
            users_cursor: users.version_id.as_deref(),
            delete_unseen: &delete_unseen,
        })?;
        Ok(SyncReport {
            full: assignments.full && users.full,
            assets: n_assets,
            assignments: n_assignments,
            users: n_users,
            passes: lists.iter().map(|(_, o)| o.passes).max().unwrap_or(1),
            complete,
            fence,
        })
    }

    /// Reads one list page by page, storing each page as it arrives.
    async fn sync_list<E, T>(
        &self,
        uid: &str,
        token: &VppToken,
        run: i64,
        lease: &LeaseGuard,
        request: E,
    ) -> Result<(SyncOutcome, u64), MdmError>
    where
        E: Paged + Send + Sync,
        E::Response: Send,
        T: Row + TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        let location = self.client.location(token);
        let mut pages = location
            .pages(request)
            .under_lease(lease.clone())
            .stop_if_managed_elsewhere(&self.identity);
        let mut stored = 0;
        while let Some(page) = pages.next().await {
            // The lease was confirmed just before the page was handed over; a lost lease
            // ends the stream with `SyncError::Lease(Lost)`.
            let page: SyncPage<T> = page?;
            if page.abandons_previous_pass() {
                stored = 0; // the rows of the abandoned pass are deleted at the end
            }
            // A replica that stalls HERE (a GC pause, a frozen VM) past its lease's time
            // to live holds a page whose lease was confirmed, and writes it when it
            // wakes: only the fence check refuses that write.
            self.pause_before_write().await;
            self.db()?.write_page(uid, run, &page)?;
            stored += page.records.len() as u64;
        }
        let outcome = pages.outcome().ok_or_else(|| {
            MdmError::Other("the sync ended without an outcome; run it again".into())
        })?;
        Ok((outcome, stored))
    }

    /// Test hook (`--page-pause-ms`): a slower sync, so a test can stop a replica
    /// mid-sync, between the lease check and the write.
    async fn pause_before_write(&self) {
        if !self.page_pause.is_zero() {
            tokio::time::sleep(self.page_pause).await;
        }
    }
}
