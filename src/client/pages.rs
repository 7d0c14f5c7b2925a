//! The one page driver of the client: [`VppClient::for_each_page`] runs the core's
//! [`PageTraversal`] over any [`Paged`] endpoint, several pages at once, and hands the
//! records to the caller page by page.

use std::convert::Infallible;
use std::fmt;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::{ClientError, LeaseKind, VppClient};
use crate::api::Paged;
use crate::assets::RecordError;
use crate::paging::{PageTraversal, SyncOutcome};
use crate::token::VppToken;
use crate::wire::Page;

/// One page of a sync, as [`VppClient::for_each_page`] hands it over.
///
/// Pages arrive in the order Apple answers them, not by index, except that each pass
/// starts with page 0, alone, before any other page of that pass.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncPage<T> {
    /// The page's index (`pageIndex`).
    pub index: u32,
    /// The page's records, checked ([`crate::Asset`], [`crate::Assignment`],
    /// [`crate::VppUser`]).
    pub records: Vec<T>,
    /// Whether the records belong to a full sync: together, the pages of a full sync
    /// are everything Apple has, so what was not among them is gone. `false` for an
    /// incremental sync: the records changed since `sinceVersionId`.
    pub full: bool,
    /// Whether an incremental sync fell back to a full one (Apple refused the
    /// `sinceVersionId` with 9721): replace what you stored with the full sync's
    /// records, including any incremental page handed over before the fallback.
    pub fell_back: bool,
}

impl<T> SyncPage<T> {
    /// Whether this is page 0, the first page handed over in its pass.
    pub fn is_first(&self) -> bool {
        self.index == 0
    }
}

/// Why [`VppClient::for_each_page`] stopped: Apple, the network or a record; or the
/// caller's page handler.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncError<X> {
    /// Apple, the network, or a record Apple sent (see [`ClientError`]).
    Client(ClientError),
    /// The page handler returned an error for page `index`; no further page was handed
    /// over, and no outcome (nor `versionId`) is returned: sync again.
    Handler {
        /// The page.
        index: u32,
        /// The handler's error.
        error: X,
    },
}

impl<X> From<ClientError> for SyncError<X> {
    fn from(error: ClientError) -> Self {
        Self::Client(error)
    }
}

impl From<SyncError<Infallible>> for ClientError {
    fn from(error: SyncError<Infallible>) -> Self {
        match error {
            SyncError::Client(error) => error,
            SyncError::Handler { error, .. } => match error {},
        }
    }
}

impl<X: fmt::Display> fmt::Display for SyncError<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Client(error) => error.fmt(f),
            Self::Handler { index, error } => write!(
                f,
                "storing page {index} of the list failed: {error}; the sync stopped there, run it again"
            ),
        }
    }
}

impl<X: std::error::Error + 'static> std::error::Error for SyncError<X> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Client(error) => error.source(),
            Self::Handler { error, .. } => Some(error),
        }
    }
}

impl VppClient {
    /// Reads every page of `request` and hands each page's records to `on_page` as it
    /// arrives; returns the [`SyncOutcome`]: the FIRST page's `versionId` (keep it for
    /// the next incremental sync), whether the sync was full, whether it fell back.
    ///
    /// The core's [`PageTraversal`] decides which page to ask for: page 0 first, then up
    /// to five pages at once (Apple's limit), never a page twice or past the end;
    /// `totalPages` that grows or shrinks and a `versionId` that changes between pages
    /// are followed. When `request` carries a `sinceVersionId` that Apple refuses (9721),
    /// the sync starts again in full and says so ([`SyncPage::fell_back`],
    /// [`SyncOutcome::fell_back`]). A 9650 for a page that should exist is an error
    /// ([`ClientError::Paging`]), never a loop. Each request waits for the per-token
    /// rate limit and is retried as [`VppClient::send`] does.
    ///
    /// With a lease store ([`super::VppClientBuilder::leases`]), the sync runs under the
    /// location's [`LeaseKind::Sync`] lease (so the five pages in flight are the fleet's
    /// five) and the outcome carries its fencing number
    /// ([`SyncOutcome::lease_fence`]).
    ///
    /// Memory: at most five pages are held at once (those in flight), whatever the
    /// location's size; `on_page` owns each page's records.
    ///
    /// The service configuration is read first (cached) to learn Apple's
    /// `maxRequestPerSecond`. The records are checked with [`TryFrom`]
    /// (e.g. [`crate::Assignment::try_from`]); a record Apple sent without a required
    /// field stops the sync with [`ClientError::Record`].
    pub async fn for_each_page<E, T, X>(
        &self,
        token: &VppToken,
        request: &E,
        on_page: impl FnMut(SyncPage<T>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>>
    where
        E: Paged,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        let pages = self.every_page(token, request, on_page);
        let (mut outcome, fence) = self
            .under_token_lease(LeaseKind::Sync, token, pages)
            .await?;
        outcome.lease_fence = fence;
        Ok(outcome)
    }

    /// [`VppClient::for_each_page`] without the lease.
    async fn every_page<E, T, X>(
        &self,
        token: &VppToken,
        request: &E,
        mut on_page: impl FnMut(SyncPage<T>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>>
    where
        E: Paged,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        // Apple's rate applies from the first page on.
        self.service_config().await?;
        let mut traversal = PageTraversal::for_version(request.since_version());
        let fetch = |index: u32, full: bool| {
            let page = request.page(index, full);
            async move { (index, self.send(&page, Some(token)).await) }
        };
        // The pages in flight, polled together in the caller's task (no spawning).
        let mut in_flight = FuturesUnordered::new();
        loop {
            for index in traversal.next_pages() {
                in_flight.push(fetch(index, traversal.is_full()));
            }
            let Some((index, answer)) = in_flight.next().await else {
                break;
            };
            match answer {
                Ok(page) => {
                    traversal.record(index, page.page_info()).map_err(cut)?;
                    // An answer for the incremental pass that a 9721 abandoned: the full
                    // pass replaces it.
                    if !traversal.is_full() && traversal.fell_back() {
                        continue;
                    }
                    let records = page
                        .into_items()
                        .into_iter()
                        .map(T::try_from)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(ClientError::Record)?;
                    let page = SyncPage {
                        index,
                        records,
                        full: traversal.is_full(),
                        fell_back: traversal.fell_back(),
                    };
                    on_page(page).map_err(|error| SyncError::Handler { index, error })?;
                }
                Err(ClientError::Response(error)) => {
                    traversal.record_error(index, error).map_err(cut)?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(traversal
            .outcome()
            .expect("a traversal with nothing in flight and nothing to hand out has finished"))
    }
}

fn cut<X>(error: crate::paging::PagingError) -> SyncError<X> {
    SyncError::Client(ClientError::Paging(error))
}
