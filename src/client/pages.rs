//! The one page driver of the client: [`super::LocationHandle::pages`] runs the core's
//! [`PageTraversal`] over any [`Paged`] endpoint, several pages at once, as a [`Stream`]
//! of pages the caller drives; [`super::LocationHandle::for_each_page`] hands the same pages to a
//! handler.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, Stream, StreamExt};

use super::error::SendError;
use super::leasing::LeaseGuard;
use super::sync_error::SyncError;
use super::vpp_client::VppClient;
use crate::api::{Endpoint, Paged};
use crate::assets::RecordError;
use crate::ownership::{MdmIdentity, MdmOwner, Ownership};
use crate::paging::{SyncOutcome, SyncPasses};
use crate::shared::LeaseKind;
use crate::token::VppToken;
use crate::wire::Page;

/// One page of a sync, as [`super::LocationHandle::pages`] yields it.
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
    /// The pass this page belongs to (1 for the first). When the location changed
    /// between the pages of a pass, the client reads the list again (see
    /// [`SyncOutcome::complete`]): the first page of pass *n* + 1 (index 0) abandons pass
    /// *n*; drop what you staged from its pages and keep the new pass's.
    pub pass: u32,
    /// The MDM this page says manages the location (its `mdmInfo`; `None`: unclaimed).
    /// Another MDM's here means the location was taken over: stop using it, as
    /// [`super::LocationHandle::verify`] would say ([`crate::Verification::Displaced`]);
    /// [`PageStream::stop_if_managed_elsewhere`] does it for you.
    pub managed_by: Option<MdmOwner>,
    /// The fencing number of the lease the sync runs under (`None` without a lease):
    /// store it with every write made from this page, and make those writes conditional
    /// on it (refuse a write whose number is lower than the one stored). The client
    /// confirmed the lease with the store just before handing the page over.
    pub fence: Option<u64>,
}

impl<T> SyncPage<T> {
    /// Whether this is page 0, the first page handed over in its pass.
    pub fn is_first(&self) -> bool {
        self.index == 0
    }

    /// Whether this page starts a new pass, abandoning every page of the previous one.
    pub fn abandons_previous_pass(&self) -> bool {
        self.index == 0 && self.pass > 1
    }
}

/// The pages of a list as a [`Stream`], from [`super::LocationHandle::pages`]: poll it to read the
/// next page, drop it to stop.
///
/// Pages are asked for only while the stream is polled, at most five at once (those in
/// flight), so memory stays bounded by those pages whatever the location's size; dropping
/// the stream cancels the pages in flight and asks for no other. A page asked for leaves
/// at its rate slot whether or not the stream is being polled then (each request runs in
/// a task of its own, see [`VppClient::send`]): a caller slow to take each page does not
/// hold the requests in flight back until they all leave together. After an error the
/// stream ends. Once it has ended without error, [`PageStream::outcome`] gives the
/// [`SyncOutcome`] (keep its `versionId` for the next incremental sync).
#[must_use = "a stream does nothing unless polled"]
pub struct PageStream<'a, E: Paged, T> {
    client: &'a VppClient,
    token: &'a VppToken,
    request: E,
    /// The core's passes of the sync: the traversal of each, and when to read again.
    passes: SyncPasses,
    /// The service configuration read first (Apple's rate applies from page 0 on).
    start: Option<BoxFuture<'a, Result<(), SyncError>>>,
    /// The pages in flight, polled together in the caller's task; each one's wait for its
    /// slot and its HTTP request run in a task of their own (aborted when dropped).
    in_flight: FuturesUnordered<PageFetch<'a, E>>,
    ended: bool,
    /// Whether the stream ended with an error (then no outcome).
    failed: bool,
    /// Our MDM's id, when the stream stops at a page that shows another MDM.
    our_id: Option<String>,
    /// The lease the stream runs under, confirmed before every page and before the end.
    lease: Option<LeaseGuard>,
    /// A lease check under way, and what it holds back: a page, or (`None`) the end.
    checking: Option<Checking<'a, T>>,
    records: PhantomData<fn() -> T>,
}

type Checking<'a, T> = (BoxFuture<'a, Result<(), SyncError>>, Option<SyncPage<T>>);

type PageFetch<'a, E> = BoxFuture<'a, (u32, Result<<E as Endpoint>::Response, SendError>)>;

// No field is pinned in place: the futures are boxed.
impl<E: Paged, T> Unpin for PageStream<'_, E, T> {}

impl<E: Paged + fmt::Debug, T> fmt::Debug for PageStream<'_, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("request", &self.request)
            .field("passes", &self.passes)
            .field("in_flight", &self.in_flight.len())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<E: Paged, T> PageStream<'_, E, T> {
    /// Ends the stream with [`SyncError::ManagedElsewhere`] at the first page whose
    /// `mdmInfo` shows another MDM than `identity` (the verdict
    /// [`super::LocationHandle::verify`] gives: [`crate::Verification::Displaced`]); no further page
    /// is asked for. A page without `mdmInfo` (unclaimed) does not stop it.
    pub fn stop_if_managed_elsewhere(mut self, identity: &MdmIdentity) -> Self {
        self.our_id = Some(identity.id().to_owned());
        self
    }

    /// Runs the stream under `lease` (the guard [`super::LocationHandle::with_lease`] hands its
    /// work): before each page is handed over, and before the stream ends, the lease is
    /// confirmed with the store ([`LeaseGuard::check`]); once it is lost the stream ends
    /// with [`SyncError::Lease`] and hands nothing more over, and
    /// [`PageStream::outcome`] stays `None`. Each page carries the lease's fencing number
    /// ([`SyncPage::fence`]).
    pub fn under_lease(mut self, lease: LeaseGuard) -> Self {
        // A guard without a lease (no lease store) has nothing to check.
        self.lease = lease.lease().is_some().then_some(lease);
        self
    }

    /// What the sync found, once the stream has ended without error: the FIRST page's
    /// `versionId`, whether the sync was full, whether it fell back. `None` before the
    /// end, or after an error.
    ///
    /// When the location changed between the pages of a pass, the list is read again (up
    /// to [`crate::paging::MAX_PASSES`] passes, waiting 0.5 s and then 1 s before each):
    /// a pass whose pages all carry page 0's `versionId` is complete, and its page 0's
    /// `versionId` is the cursor. If no pass settles, the outcome says
    /// [`SyncOutcome::complete`] `false` and its cursor is the FIRST pass's page 0
    /// `versionId` (the earliest: the next incremental sync brings every change since).
    pub fn outcome(&self) -> Option<SyncOutcome> {
        if !self.ended || self.failed {
            return None;
        }
        self.passes.outcome()
    }

    /// After a finished pass that did not settle: starts the next one (after the wait the
    /// core's [`SyncPasses`] says) and returns `true`, unless the passes are used up.
    fn next_pass(&mut self) -> bool {
        let Some(wait) = self.passes.next_pass() else {
            return false;
        };
        self.start = Some(Box::pin(async move {
            tokio::time::sleep(wait).await;
            Ok::<(), SyncError>(())
        }));
        true
    }

    fn end(&mut self, error: SyncError) -> Poll<Option<Result<SyncPage<T>, SyncError>>> {
        self.ended = true;
        self.failed = true;
        self.in_flight.clear();
        self.checking = None;
        Poll::Ready(Some(Err(error)))
    }

    /// Hands `page` over (`None`: ends the stream) once the lease, if any, is confirmed.
    fn hand_over(
        &mut self,
        page: Option<SyncPage<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<SyncPage<T>, SyncError>>> {
        let Some(lease) = self.lease.clone() else {
            self.ended |= page.is_none();
            return Poll::Ready(page.map(Ok));
        };
        self.checking = Some((
            Box::pin(async move { lease.check().await.map_err(SyncError::Lease) }),
            page,
        ));
        self.poll_check(cx)
    }

    /// Polls the lease check under way.
    fn poll_check(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<SyncPage<T>, SyncError>>> {
        let Some((check, _)) = &mut self.checking else {
            return Poll::Pending;
        };
        match check.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => self.end(error),
            Poll::Ready(Ok(())) => {
                let page = self.checking.take().and_then(|(_, page)| page);
                self.ended |= page.is_none();
                Poll::Ready(page.map(Ok))
            }
        }
    }
}

impl<'a, E, T> Stream for PageStream<'a, E, T>
where
    E: Paged + Send + Sync + 'a,
    E::Response: Send,
    T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
{
    type Item = Result<SyncPage<T>, SyncError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if this.checking.is_some() {
            return this.poll_check(cx);
        }
        if let Some(start) = &mut this.start {
            match start.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(error)) => return this.end(error),
                Poll::Ready(Ok(())) => this.start = None,
            }
        }
        loop {
            this.ask_for_pages();
            let (index, answer) = match this.in_flight.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    if this.next_pass() {
                        return Pin::new(this).poll_next(cx);
                    }
                    return this.hand_over(None, cx);
                }
                Poll::Ready(Some(answer)) => answer,
            };
            match this.take_answer(index, answer) {
                Ok(Some(page)) => return this.hand_over(Some(page), cx),
                Ok(None) => continue,
                Err(error) => return this.end(error),
            }
        }
    }
}

impl<'a, E, T> PageStream<'a, E, T>
where
    E: Paged + Send + Sync + 'a,
    E::Response: Send,
    T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
{
    /// Asks for the pages the traversal says to ask for now.
    fn ask_for_pages(&mut self) {
        let indexes = self.passes.traversal_mut().next_pages();
        let full = self.passes.traversal().is_full();
        for index in indexes {
            let page = self.request.page(index, full);
            let (client, token) = (self.client, self.token);
            self.in_flight.push(Box::pin(async move {
                (index, client.send_with(&page, Some(token)).await)
            }));
        }
    }

    /// Records the answer for page `index` with the traversal: the page to hand over;
    /// `None` when there is none (Apple's error the traversal works around, an answer of
    /// an abandoned pass); or the error that ends the stream.
    fn take_answer(
        &mut self,
        index: u32,
        answer: Result<E::Response, SendError>,
    ) -> Result<Option<SyncPage<T>>, SyncError> {
        let traversal = self.passes.traversal_mut();
        let page = match answer {
            Ok(page) => page,
            Err(SendError::Response(error)) => {
                traversal.record_error(index, error)?;
                return Ok(None);
            }
            Err(error) => return Err(error.into()),
        };
        traversal.record(index, page.page_info())?;
        self.passes.recorded(index);
        // An answer for the incremental pass that a 9721 abandoned: the full pass
        // replaces it.
        if !self.passes.traversal().is_full() && self.passes.traversal().fell_back() {
            return Ok(None);
        }
        let managed_by = page
            .page_info()
            .mdm_info
            .as_ref()
            .map(MdmOwner::from_mdm_info);
        if let Some(our_id) = &self.our_id {
            if let Ownership::ManagedElsewhere(owner) = Ownership::of(managed_by.as_ref(), our_id) {
                return Err(SyncError::ManagedElsewhere(owner));
            }
        }
        let records = page
            .into_items()
            .into_iter()
            .map(T::try_from)
            .collect::<Result<_, _>>()?;
        Ok(Some(SyncPage {
            index,
            records,
            full: self.passes.traversal().is_full(),
            fell_back: self.passes.fell_back(),
            pass: self.passes.pass(),
            managed_by,
            fence: self.lease.as_ref().and_then(LeaseGuard::fence),
        }))
    }
}

impl VppClient {
    /// [`super::LocationHandle::pages`] with the location's `token` (documented there).
    pub(crate) fn pages<'a, E, T>(&'a self, token: &'a VppToken, request: E) -> PageStream<'a, E, T>
    where
        E: Paged + Send + Sync + 'a,
        E::Response: Send,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        PageStream {
            client: self,
            token,
            passes: SyncPasses::new(request.since_version()),
            request,
            start: Some(Box::pin(async move {
                self.service_config()
                    .await
                    .map(drop)
                    .map_err(SyncError::from)
            })),
            in_flight: FuturesUnordered::new(),
            ended: false,
            failed: false,
            our_id: None,
            lease: None,
            checking: None,
            records: PhantomData,
        }
    }

    /// [`super::LocationHandle::for_each_page`] with the location's `token` (documented there).
    pub(crate) async fn for_each_page<E, T, X>(
        &self,
        token: &VppToken,
        request: &E,
        on_page: impl FnMut(SyncPage<T>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>>
    where
        E: Paged + Send + Sync,
        E::Response: Send,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        let pages = |lease| self.every_page(token, request, lease, on_page);
        let (outcome, _) = self
            .under_token_lease(LeaseKind::Sync, token, pages)
            .await?;
        Ok(outcome)
    }

    /// [`super::LocationHandle::for_each_page`] under `lease` (already held, or none).
    pub(super) async fn every_page<E, T, X>(
        &self,
        token: &VppToken,
        request: &E,
        lease: LeaseGuard,
        mut on_page: impl FnMut(SyncPage<T>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>>
    where
        E: Paged + Send + Sync,
        E::Response: Send,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        let mut pages = self.pages(token, request.clone()).under_lease(lease);
        while let Some(page) = pages.next().await {
            let page = page.map_err(SyncError::with_handler)?;
            let index = page.index;
            on_page(page).map_err(|error| SyncError::Handler { index, error })?;
        }
        Ok(pages
            .outcome()
            .expect("a stream that ended without error has finished its traversal"))
    }
}
