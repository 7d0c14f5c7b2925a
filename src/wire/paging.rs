//! The paging fields Apple adds to every list answer (`GET assets`, `GET assignments`,
//! `GET users`), and [`Page`], the trait those answers share.
//!
//! Apple's "Using paginated endpoints": `pageIndex` starts at 0; `nextPageIndex` is absent
//! on the last page; `totalPages` and `versionId` may change while a client walks the
//! pages, which is not an error. [`crate::paging::PageTraversal`] decides which page to
//! ask for next.
//!
//! Apple: [Get Assets](https://developer.apple.com/documentation/devicemanagement/get-assets-4ski1), [Get Assignments](https://developer.apple.com/documentation/devicemanagement/get-assignments-9wv1e), [Get Users](https://developer.apple.com/documentation/devicemanagement/get-users-4mwln).

use serde::{Deserialize, Serialize};

use super::location_fields::location_fields;

location_fields! {
/// The paging fields of a list answer, plus the location fields Apple adds to it
/// (`mdmInfo`, `tokenExpirationDate`, `uId`, declared once for all of Apple's answers).
///
/// Every field is optional on the wire; unknown fields are ignored.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PageInfo {
    /// `currentPageIndex`: the index of this page (0 for the first).
    #[serde(default)]
    pub current_page_index: Option<u32>,
    /// `nextPageIndex`: the index of the next page; **absent on the last page**.
    #[serde(default)]
    pub next_page_index: Option<u32>,
    /// `size`: how many records this page holds.
    #[serde(default)]
    pub size: Option<u64>,
    /// `totalPages`: how many pages the answer has now (it may change between pages).
    #[serde(default)]
    pub total_pages: Option<u32>,
    /// `versionId`: the version of the data this page was read from. The FIRST page's
    /// is the `sinceVersionId` of the next incremental sync (assignments and users).
    #[serde(default)]
    pub version_id: Option<String>,
}
}

impl PageInfo {
    /// Whether Apple marked this page as the last one (no `nextPageIndex`).
    pub fn is_last(&self) -> bool {
        self.next_page_index.is_none()
    }
}

/// One page of a list answer: its [`PageInfo`] and its records.
///
/// Implemented by [`super::AssetsResponse`], [`super::AssignmentsResponse`] and
/// [`super::UsersResponse`].
pub trait Page {
    /// One record of the list (a wire type).
    type Item;

    /// The paging fields.
    fn page_info(&self) -> &PageInfo;

    /// The records, in Apple's order.
    fn items(&self) -> &[Self::Item];

    /// The records, taken out of the page.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Implements [`Page`] for a list answer with a `paging` field and a record list.
macro_rules! impl_page {
    ($response:ty, $field:ident, $item:ty) => {
        impl $crate::wire::paging::Page for $response {
            type Item = $item;

            fn page_info(&self) -> &$crate::wire::paging::PageInfo {
                &self.paging
            }

            fn items(&self) -> &[$item] {
                &self.$field
            }

            fn into_items(self) -> Vec<$item> {
                self.$field
            }
        }
    };
}
pub(crate) use impl_page;
