//! [`Paged`]: the list endpoints ([`super::GetAssets`], [`super::GetAssignments`],
//! [`super::GetUsers`]) as [`crate::paging::PageTraversal`] drives them.

use std::fmt::Display;

use super::endpoint::Endpoint;
use crate::wire::Page;

/// A list endpoint read page by page. Its answer is a [`Page`].
pub trait Paged: Endpoint<Response: Page> + Clone {
    /// The same request for page `index` (`pageIndex`).
    #[must_use]
    fn at_page(&self, index: u32) -> Self;

    /// The `sinceVersionId` the request carries: an incremental sync (assignments and
    /// users only).
    fn since_version(&self) -> Option<&str>;

    /// The same request without `sinceVersionId`: the full sync that follows a 9721.
    #[must_use]
    fn full(&self) -> Self;

    /// The request for page `index` of the current pass: [`Paged::full`] when the
    /// traversal says full ([`crate::paging::PageTraversal::is_full`]).
    #[must_use]
    fn page(&self, index: u32, full: bool) -> Self {
        if full {
            self.full().at_page(index)
        } else {
            self.at_page(index)
        }
    }
}

/// Appends `name=value` when there is a value (booleans as `true` / `false`).
pub(super) fn push<T: Display>(
    query: &mut Vec<(&'static str, String)>,
    name: &'static str,
    value: Option<T>,
) {
    if let Some(value) = value {
        query.push((name, value.to_string()));
    }
}

/// Where a list request is: the page (`pageIndex`) and, for an incremental sync, the
/// version it continues from (`sinceVersionId`). Shared by every list request; each
/// [`Paged`] implementation works on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PageQuery {
    /// `pageIndex` (absent: page 0).
    pub(super) index: Option<u32>,
    /// `sinceVersionId`: only what changed since that version (incremental sync).
    pub(super) since_version_id: Option<String>,
}

impl PageQuery {
    /// Appends `pageIndex` and `sinceVersionId`, after the filters.
    pub(super) fn push_into(&self, query: &mut Vec<(&'static str, String)>) {
        push(query, "pageIndex", self.index);
        push(query, "sinceVersionId", self.since_version_id.as_ref());
    }
}
