//! One sans-IO driver for every paged list (`GET assets`, `GET assignments`,
//! `GET users`): [`PageTraversal`] says which page to ask for next, the caller fetches it
//! with any HTTP stack, stores its records and tells the traversal what the page said.
//!
//! What it follows (Apple's "Using paginated endpoints"):
//! - page 0 first, alone; then the other pages, up to [`MAX_IN_FLIGHT`] at once;
//! - a page without `nextPageIndex` is the last; `totalPages` may grow or shrink between
//!   pages: the latest answer wins, pages past a shrunk end are not asked for, new pages
//!   of a grown total are; a `versionId` that changes between pages is not an error;
//! - the FIRST page's `versionId` is the `sinceVersionId` of the next incremental sync
//!   ([`SyncOutcome::version_id`]); an incremental answer with no records is normal;
//! - a page whose `versionId` differs from page 0's means the location changed during the
//!   pass: offset paging may have shifted a record onto a page already read, so the pass
//!   is not [`SyncOutcome::complete`] (the client then reads the list again, up to
//!   [`MAX_PASSES`] passes);
//! - an answer whose `currentPageIndex` is not the page asked for is refused
//!   ([`PagingError::WrongPage`]);
//! - 9721 (the `sinceVersionId` is no longer valid) restarts the traversal as a full sync
//!   and says so ([`Recovery::RestartFull`], [`SyncOutcome::fell_back`]); 9650 (bad page
//!   index) is an error, unless the page lay past an end that shrank meanwhile.
//!
//! It never hands out the same page twice (within a pass) nor a page past the end it
//! knows, and it keeps no records: memory is bounded by one page, not by the location.
//!
//! ## The sync loop an MDM writes
//!
//! ```
//! use apple_vpp::api::{Endpoint, GetAssignments, Paged};
//! use apple_vpp::paging::{PageTraversal, Recovery};
//! use apple_vpp::wire::Page;
//! use apple_vpp::Assignment;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Your HTTP stack: send `HttpRequest::build(&request, …)`, return status and body.
//! # let mut pages = vec![
//! #     (400, r#"{"errorNumber":9721,"errorMessage":"Invalid versionId"}"#),
//! #     (200, r#"{"assignments":[{"adamId":"408709785","clientUserId":"client-1","pricingParam":"STDQ"}],
//! #         "currentPageIndex":0,"nextPageIndex":1,"totalPages":2,"size":1,"versionId":"v7"}"#),
//! #     (200, r#"{"assignments":[{"adamId":408709785,"serialNumber":"C02X1234","pricingParam":"STDQ"}],
//! #         "currentPageIndex":1,"totalPages":2,"size":1,"versionId":"v8"}"#),
//! # ].into_iter();
//! # let mut fetch = |_: &GetAssignments| { let (s, b) = pages.next().unwrap(); (s, b.as_bytes().to_vec()) };
//! # let mut store = |_: Vec<Assignment>| {};
//! # let mut replace_all = || {};
//! let last_version = Some("v3".to_owned()); // what the previous sync kept, if any
//! let request = match &last_version {
//!     Some(version) => GetAssignments::new().since_version_id(version.clone()),
//!     None => GetAssignments::new(),
//! };
//! let mut traversal = PageTraversal::for_version(last_version.as_deref());
//! while let Some(index) = traversal.next_page() {
//!     let (status, body) = fetch(&request.page(index, traversal.is_full()));
//!     match GetAssignments::decode(status, &body) {
//!         Ok(page) => {
//!             traversal.record(index, page.page_info())?;
//!             // Store this page now: memory stays bounded by one page.
//!             store(page.into_items().into_iter().map(Assignment::try_from).collect::<Result<_, _>>()?);
//!         }
//!         Err(error) => {
//!             // 9721: a full sync follows. 9650 past a shrunk end: nothing missed.
//!             // Any other error (after your retries) ends the sync.
//!             if traversal.record_error(index, error)? == Recovery::RestartFull {
//!                 replace_all();
//!             }
//!         }
//!     }
//! }
//! let outcome = traversal.outcome().expect("finished");
//! assert!(outcome.full && outcome.fell_back);
//! assert_eq!(outcome.version_id.as_deref(), Some("v7")); // the FIRST page's: keep it
//! assert_eq!(outcome.pages, 2);
//! # Ok(()) }
//! ```
//!
//! With concurrency: take [`PageTraversal::next_pages`] (at most five in flight), record
//! each answer as it completes, in any order, and stop when
//! [`PageTraversal::is_finished`].

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::wire::{AppleError, ErrorNumber, PageInfo, ResponseError};

/// Apple's limit on pages of one list fetched at once: 5.
pub const MAX_IN_FLIGHT: usize = 5;

/// The default bound on the pages one traversal follows, 1,000,000 (see
/// [`PageTraversal::with_page_limit`]).
pub const DEFAULT_PAGE_LIMIT: u32 = 1_000_000;

/// The page driver: see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageTraversal {
    full: bool,
    fell_back: bool,
    max_in_flight: usize,
    page_limit: u32,
    state: State,
    /// How many pages the latest answer says there are; `None` until page 0 answers.
    end: Option<u32>,
    /// The next index to hand out.
    next: u32,
    in_flight: BTreeSet<u32>,
    /// Pages recorded in this pass.
    recorded: u32,
    version_id: Option<String>,
    /// Whether every page of this pass carried page 0's `versionId`.
    settled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    /// 9721: waiting for the pages still in flight, then a full pass from page 0.
    Restarting,
    Done,
    Failed,
}

/// What [`PageTraversal::record_error`] made of an error that does not end the traversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recovery {
    /// 9721 on an incremental sync: the traversal starts again as a full sync (without
    /// `sinceVersionId`) once the pages in flight are recorded. Replace the location's
    /// records with what the full sync returns.
    RestartFull,
    /// 9650 for a page past the end as Apple now counts it (`totalPages` shrank while the
    /// page was in flight): nothing was missed.
    PastEnd,
    /// An answer for a page of the pass that 9721 abandoned: ignored.
    Stale,
}

/// The result of a finished traversal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SyncOutcome {
    /// The FIRST page's `versionId`: the `sinceVersionId` of the next incremental sync
    /// (assignments and users). `None` when Apple gave none. When the client read the
    /// list in several passes: page 0's of the pass that settled, or, when none did
    /// (`complete` false), page 0's of the first pass (the earliest).
    pub version_id: Option<String>,
    /// Whether this was a full sync (also after the 9721 fallback); `false` for an
    /// incremental one.
    pub full: bool,
    /// Whether an incremental sync fell back to a full one (9721).
    pub fell_back: bool,
    /// Pages read (in the final pass).
    pub pages: u32,
    /// Whether the records are everything Apple had throughout the sync: every page of the
    /// pass carried page 0's `versionId`. When the location changed between pages, Apple's
    /// offset paging may have shifted a record onto a page already read, so a record that
    /// existed before, during and after the sync may be missing: keep what you have and
    /// do **not** delete records the sync did not show. The client reads such a sync again
    /// (up to [`MAX_PASSES`] passes) before it reports `false`.
    #[serde(default = "yes")]
    pub complete: bool,
    /// Passes read (1 unless the location changed during a pass and the client read it
    /// again).
    #[serde(default = "one")]
    pub passes: u32,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// The most passes of one sync (3) the client reads while the location keeps changing between
/// pages (see [`SyncOutcome::complete`]).
pub const MAX_PASSES: u32 = 3;

/// Why a traversal stopped. Every error ends it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PagingError {
    /// 9650 for a page that should exist.
    #[error(
        "Apple refused page {index} of the list as a bad page index (9650): start the sync again from the first page, and report it if it persists"
    )]
    BadPageIndex {
        /// The page.
        index: u32,
        /// Apple's error.
        error: AppleError,
    },
    /// Any other error for a page.
    #[error("page {index} of the list could not be read; the sync stopped there")]
    Response {
        /// The page.
        index: u32,
        /// The error.
        #[source]
        error: ResponseError,
    },
    /// The caller recorded a page the traversal did not hand out (or recorded it twice).
    #[error("page {index} was recorded but not handed out by this traversal (a bug in the MDM)")]
    NotRequested {
        /// The page.
        index: u32,
    },
    /// Apple answered another page than the one asked for (`currentPageIndex`): taking it
    /// would read that page twice and the asked page never.
    #[error(
        "Apple answered page {answered} when asked for page {asked}: the sync stopped; start it again, and report it if it persists"
    )]
    WrongPage {
        /// The page asked for.
        asked: u32,
        /// The `currentPageIndex` of the answer.
        answered: u32,
    },
    /// Apple announced more pages than the limit.
    #[error(
        "Apple announced more than {limit} pages for one list: stopped; try again later, and report it if it persists"
    )]
    TooManyPages {
        /// The limit ([`PageTraversal::with_page_limit`]).
        limit: u32,
    },
}

impl Default for PageTraversal {
    fn default() -> Self {
        Self::new()
    }
}

impl PageTraversal {
    /// A full sync (no `sinceVersionId`), up to [`MAX_IN_FLIGHT`] pages at once.
    pub fn new() -> Self {
        Self {
            full: true,
            fell_back: false,
            max_in_flight: MAX_IN_FLIGHT,
            page_limit: DEFAULT_PAGE_LIMIT,
            state: State::Running,
            end: None,
            next: 0,
            in_flight: BTreeSet::new(),
            recorded: 0,
            version_id: None,
            settled: true,
        }
    }

    /// An incremental sync (the request carries `sinceVersionId`).
    pub fn incremental() -> Self {
        Self {
            full: false,
            ..Self::new()
        }
    }

    /// Incremental when there is a `sinceVersionId`, full otherwise.
    pub fn for_version(since_version_id: Option<&str>) -> Self {
        match since_version_id {
            Some(_) => Self::incremental(),
            None => Self::new(),
        }
    }

    /// At most `n` pages handed out and not yet recorded (clamped to 1..=5).
    #[must_use]
    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.clamp(1, MAX_IN_FLIGHT);
        self
    }

    /// Stops with [`PagingError::TooManyPages`] when Apple announces more than `limit`
    /// pages (default [`DEFAULT_PAGE_LIMIT`]; at least 1).
    #[must_use]
    pub fn with_page_limit(mut self, limit: u32) -> Self {
        self.page_limit = limit.max(1);
        self
    }

    /// The next page to fetch, or `None` when there is none to hand out now: the
    /// traversal is finished, or it waits for pages in flight (page 0 is always alone;
    /// at most `max_in_flight` at once).
    pub fn next_page(&mut self) -> Option<u32> {
        if self.state == State::Restarting && self.in_flight.is_empty() {
            *self = Self {
                fell_back: true,
                max_in_flight: self.max_in_flight,
                page_limit: self.page_limit,
                ..Self::new()
            };
        }
        if self.state != State::Running || self.in_flight.len() >= self.max_in_flight {
            return None;
        }
        let index = self.next;
        if index > 0 && index >= self.end? {
            return None;
        }
        self.next += 1;
        self.in_flight.insert(index);
        Some(index)
    }

    /// Every page that may be fetched now (up to `max_in_flight` in all).
    pub fn next_pages(&mut self) -> Vec<u32> {
        std::iter::from_fn(|| self.next_page()).collect()
    }

    /// Records the answer for page `index`: the caller stores its records itself.
    ///
    /// An answer whose `currentPageIndex` is another page than `index` is refused
    /// ([`PagingError::WrongPage`]). A page whose `versionId` differs from page 0's marks
    /// the pass as not complete ([`SyncOutcome::complete`]).
    pub fn record(&mut self, index: u32, page: &PageInfo) -> Result<(), PagingError> {
        self.take(index)?;
        if self.state == State::Restarting {
            return Ok(());
        }
        if let Some(answered) = page.current_page_index.filter(|&a| a != index) {
            return Err(self.fail(PagingError::WrongPage {
                asked: index,
                answered,
            }));
        }
        if index == 0 {
            self.version_id.clone_from(&page.version_id);
        } else if page.version_id.is_some() && page.version_id != self.version_id {
            self.settled = false;
        }
        let end = match page.next_page_index {
            None => index.saturating_add(1),
            Some(next) => next
                .saturating_add(1)
                .max(page.total_pages.unwrap_or(0))
                .max(index.saturating_add(1)),
        };
        if end > self.page_limit {
            return Err(self.fail(PagingError::TooManyPages {
                limit: self.page_limit,
            }));
        }
        self.end = Some(end);
        self.recorded += 1;
        self.settle();
        Ok(())
    }

    /// Records an error Apple (or the transport) gave for page `index`, after any retries
    /// the caller makes. 9721 on an incremental sync and 9650 past a shrunk end are
    /// recovered from ([`Recovery`]); every other error ends the traversal.
    pub fn record_error(
        &mut self,
        index: u32,
        error: ResponseError,
    ) -> Result<Recovery, PagingError> {
        self.take(index)?;
        if self.state == State::Restarting {
            return Ok(Recovery::Stale);
        }
        let number = error.apple().map(|e| e.number);
        match (number, error) {
            (Some(ErrorNumber::InvalidVersionId), _) if !self.full => {
                self.state = State::Restarting;
                self.fell_back = true;
                Ok(Recovery::RestartFull)
            }
            (Some(ErrorNumber::BadPageIndex), _) if self.end.is_some_and(|end| index >= end) => {
                self.settle();
                Ok(Recovery::PastEnd)
            }
            (Some(ErrorNumber::BadPageIndex), ResponseError::Apple(error)) => {
                Err(self.fail(PagingError::BadPageIndex { index, error }))
            }
            (_, error) => Err(self.fail(PagingError::Response { index, error })),
        }
    }

    /// Whether nothing is left to hand out or record: finished, or stopped by an error.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done | State::Failed)
    }

    /// Whether the current pass is a full sync (no `sinceVersionId`): build each request
    /// accordingly (`Paged::page(index, is_full)`).
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Whether an incremental sync fell back to a full one (9721).
    pub fn fell_back(&self) -> bool {
        self.fell_back
    }

    /// Pages handed out and not yet recorded.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// How many pages the latest answer says there are (`None` before page 0 answers).
    pub fn known_pages(&self) -> Option<u32> {
        self.end
    }

    /// The FIRST page's `versionId` in the current pass, once page 0 has answered.
    pub fn version_id(&self) -> Option<&str> {
        self.version_id.as_deref()
    }

    /// The result, once the traversal finished without error.
    pub fn outcome(&self) -> Option<SyncOutcome> {
        (self.state == State::Done).then(|| SyncOutcome {
            version_id: self.version_id.clone(),
            full: self.full,
            fell_back: self.fell_back,
            pages: self.recorded,
            complete: self.settled,
            passes: 1,
        })
    }

    fn take(&mut self, index: u32) -> Result<(), PagingError> {
        if self.in_flight.remove(&index) {
            Ok(())
        } else {
            Err(self.fail(PagingError::NotRequested { index }))
        }
    }

    fn fail(&mut self, error: PagingError) -> PagingError {
        self.state = State::Failed;
        self.in_flight.clear();
        error
    }

    /// Done once nothing is in flight and nothing is left below the end.
    fn settle(&mut self) {
        if self.in_flight.is_empty() && self.end.is_some_and(|end| self.next >= end) {
            self.state = State::Done;
        }
    }
}

/// The passes of one sync: a [`PageTraversal`] per pass, and the decision to read the
/// list again when a pass did not settle (the location changed between its pages, see
/// [`SyncOutcome::complete`]), up to [`MAX_PASSES`] passes, waiting 0.5 s and then 1 s
/// before each. A pass whose pages all carry page 0's `versionId` is complete and its
/// page 0's `versionId` is the cursor; when no pass settles, the cursor is the FIRST
/// pass's page 0 `versionId` (the earliest: the next incremental sync brings every
/// change since). Sans-IO: the caller drives [`SyncPasses::traversal_mut`] as it drives
/// any traversal, tells the passes each page it recorded, and waits as told.
///
/// ```
/// use apple_vpp::paging::SyncPasses;
/// use apple_vpp::wire::PageInfo;
///
/// let mut sync = SyncPasses::new(None);
/// let first = sync.traversal_mut().next_page();
/// assert_eq!(first, Some(0));
/// let mut page = PageInfo::default();
/// page.version_id = Some("v1".into());
/// sync.traversal_mut().record(0, &page).unwrap();
/// sync.recorded(0);
/// // One page, and it settled: no other pass.
/// assert_eq!(sync.next_pass(), None);
/// let outcome = sync.outcome().unwrap();
/// assert_eq!((outcome.passes, outcome.version_id.as_deref()), (1, Some("v1")));
/// ```
#[derive(Debug, Clone)]
pub struct SyncPasses {
    since_version_id: Option<String>,
    traversal: PageTraversal,
    pass: u32,
    /// Whether an earlier pass fell back to a full sync (9721).
    fell_back: bool,
    /// Page 0's `versionId` of the first pass (of the first full pass after a fallback),
    /// with whether that pass was full: the cursor of a sync that never settles.
    first_version: Option<(bool, Option<String>)>,
}

impl SyncPasses {
    /// A sync of a list, incremental from `since_version_id` when there is one.
    pub fn new(since_version_id: Option<&str>) -> Self {
        Self {
            since_version_id: since_version_id.map(str::to_owned),
            traversal: PageTraversal::for_version(since_version_id),
            pass: 1,
            fell_back: false,
            first_version: None,
        }
    }

    /// The traversal of the current pass.
    pub fn traversal(&self) -> &PageTraversal {
        &self.traversal
    }

    /// The traversal of the current pass, to drive: ask it for pages, record their
    /// answers (then call [`SyncPasses::recorded`]).
    pub fn traversal_mut(&mut self) -> &mut PageTraversal {
        &mut self.traversal
    }

    /// The current pass (1 first).
    pub fn pass(&self) -> u32 {
        self.pass
    }

    /// Whether the sync fell back to a full one (9721), in this pass or an earlier one.
    pub fn fell_back(&self) -> bool {
        self.fell_back || self.traversal.fell_back()
    }

    /// Notes that page `index` was recorded in the current traversal (keeps the cursor of
    /// a sync that never settles: page 0 of the first pass, of the full sync after a
    /// fallback).
    pub fn recorded(&mut self, index: u32) {
        let first_unknown = match &self.first_version {
            None => true,
            Some((full, _)) => !full && self.traversal.is_full(),
        };
        if index == 0 && first_unknown {
            let version = self.traversal.version_id().map(str::to_owned);
            self.first_version = Some((self.traversal.is_full(), version));
        }
    }

    /// Once the current traversal has no page left to ask for: `Some(wait)` when the pass
    /// did not settle and another is due (its traversal is ready: wait, then drive it),
    /// `None` when the sync is done ([`SyncPasses::outcome`]).
    pub fn next_pass(&mut self) -> Option<Duration> {
        let settled = self.traversal.outcome().is_none_or(|o| o.complete);
        if settled || self.pass >= MAX_PASSES {
            return None;
        }
        self.fell_back |= self.traversal.fell_back();
        self.traversal = if self.traversal.is_full() {
            PageTraversal::new()
        } else {
            PageTraversal::for_version(self.since_version_id.as_deref())
        };
        let wait = Duration::from_millis(500) * (1 << (self.pass - 1));
        self.pass += 1;
        Some(wait)
    }

    /// What the sync found, once its last pass finished: as
    /// [`PageTraversal::outcome`], with the passes read, whether any pass fell back, and
    /// the cursor of a sync that never settled.
    pub fn outcome(&self) -> Option<SyncOutcome> {
        let mut outcome = self.traversal.outcome()?;
        outcome.passes = self.pass;
        outcome.fell_back |= self.fell_back;
        if !outcome.complete {
            if let Some((_, first)) = &self.first_version {
                outcome.version_id.clone_from(first);
            }
        }
        Some(outcome)
    }
}
