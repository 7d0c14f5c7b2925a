//! [`Paged`]: the list endpoints ([`super::GetAssets`], [`super::GetAssignments`],
//! [`super::GetUsers`]) as [`crate::paging::PageTraversal`] drives them.

use std::fmt::Display;

use super::Endpoint;
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
/// version it continues from (`sinceVersionId`). Shared by every list request; the
/// one [`Paged`] implementation ([`list_request!`]) works on it.
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

/// Declares a list request (`GET` of a [`crate::wire::Page`]) from one table of its
/// filters: each row is a public field, its place in the query string (in row order,
/// before `pageIndex` and `sinceVersionId`) and, when a setter name is given in
/// brackets, a setter taking `impl Into<_>`. `since <setter>` gives the request an
/// incremental form. The [`Endpoint`] and [`Paged`] implementations are written here once.
macro_rules! list_request {
    (
        $(#[$meta:meta])*
        $name:ident => $response:ty, $path:literal $(, since $since:ident)?;
        $($(#[$fmeta:meta])* $field:ident: $ty:ty = $query:literal $([$setter:ident])?,)*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name {
            $($(#[$fmeta])* pub $field: Option<$ty>,)*
            page: $crate::api::paged::PageQuery,
        }

        impl $name {
            /// Every record, no filter (page 0; a full sync).
            pub fn new() -> Self {
                Self::default()
            }

            $($crate::api::paged::list_setter!($(#[$fmeta])* $field: $ty $(, $setter)?);)*

            $(
                /// Only what changed since `version_id` (the previous sync's
                /// [`crate::SyncOutcome::version_id`]): an incremental sync.
                #[must_use]
                pub fn $since(mut self, version_id: impl Into<String>) -> Self {
                    self.page.since_version_id = Some(version_id.into());
                    self
                }
            )?
        }

        impl $crate::api::Endpoint for $name {
            type Response = $response;
            const METHOD: $crate::api::Method = $crate::api::Method::Get;
            const PATH: &'static str = $path;
            const AUTH: $crate::api::Auth = $crate::api::Auth::Bearer;
            const REPLAY: $crate::api::Replay = $crate::api::Replay::Safe;

            fn query(&self) -> Vec<(&'static str, String)> {
                let mut q = Vec::new();
                $($crate::api::paged::push(&mut q, $query, self.$field.as_ref());)*
                self.page.push_into(&mut q);
                q
            }
        }

        impl $crate::api::Paged for $name {
            fn at_page(&self, index: u32) -> Self {
                let mut request = self.clone();
                request.page.index = Some(index);
                request
            }

            fn since_version(&self) -> Option<&str> {
                self.page.since_version_id.as_deref()
            }

            fn full(&self) -> Self {
                let mut request = self.clone();
                request.page.since_version_id = None;
                request
            }
        }
    };
}
pub(super) use list_request;

/// The setter of one [`list_request!`] filter row: none without a setter name.
macro_rules! list_setter {
    ($(#[$meta:meta])* $field:ident: $ty:ty) => {};
    ($(#[$meta:meta])* $field:ident: $ty:ty, $setter:ident) => {
        $(#[$meta])*
        #[must_use]
        pub fn $setter(mut self, value: impl Into<$ty>) -> Self {
            self.$field = Some(value.into());
            self
        }
    };
}
pub(super) use list_setter;
