//! Paging of list answers, and the query-string helpers the list endpoints share.
//!
//! Choices (documented in the README):
//! - `totalPages` is `ceil(records / page_size)`, so an empty answer has `totalPages: 0`;
//!   page 0 is always valid, even then.
//! - `size` is the number of records on the answered page.
//! - `nextPageIndex` is present only when a further page exists.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::apple::{AppleError, code};

/// Query parameters of a GET (last value wins when a key repeats).
pub(crate) type QueryMap = HashMap<String, String>;

/// The requested `pageIndex` (default 0); negative or non-numeric → 9650.
pub(crate) fn page_index(q: &QueryMap) -> Result<usize, AppleError> {
    match q.get("pageIndex") {
        None => Ok(0),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| AppleError::new(code::BAD_PAGE_INDEX)),
    }
}

/// A boolean filter: `true` / `false` (any case); anything else → 9602.
pub(crate) fn flag(q: &QueryMap, key: &str) -> Result<Option<bool>, AppleError> {
    match q.get(key).map(|s| s.to_ascii_lowercase()) {
        None => Ok(None),
        Some(s) if s == "true" => Ok(Some(true)),
        Some(s) if s == "false" => Ok(Some(false)),
        Some(_) => Err(AppleError::detail(
            code::INVALID_ARGUMENT,
            format_args!("`{key}` must be true or false."),
        )),
    }
}

/// A numeric filter; anything not a non-negative integer → 9602.
pub(crate) fn number(q: &QueryMap, key: &str) -> Result<Option<u64>, AppleError> {
    match q.get(key) {
        None => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(|_| {
            AppleError::detail(
                code::INVALID_ARGUMENT,
                format_args!("`{key}` must be a number."),
            )
        }),
    }
}

/// One page of a list and how many records match in all.
#[derive(Debug)]
pub(crate) struct Listing {
    /// The records of the requested page only.
    pub records: Vec<Value>,
    /// Records matching the request on every page.
    pub total: usize,
    /// Stored records read to answer (the cost of the page).
    pub examined: u64,
}

impl Listing {
    /// A page cut from every matching record (for short lists such as assets).
    pub fn from_all(all: Vec<Value>, index: usize, size: usize) -> Listing {
        let total = all.len();
        let examined = total as u64;
        let records = all
            .into_iter()
            .skip(index.saturating_mul(size))
            .take(size)
            .collect();
        Listing {
            records,
            total,
            examined,
        }
    }
}

/// Writes the paging fields and the page's records into `out` under `key`. A page index
/// at or past the end (other than page 0) → 9650.
pub(crate) fn page(
    listing: Listing,
    page_size: usize,
    index: usize,
    key: &str,
    out: &mut Value,
) -> Result<(), AppleError> {
    let total_pages = listing.total.div_ceil(page_size.max(1));
    if index > 0 && index >= total_pages {
        return Err(AppleError::new(code::BAD_PAGE_INDEX));
    }
    out["currentPageIndex"] = json!(index);
    out["size"] = json!(listing.records.len());
    out["totalPages"] = json!(total_pages);
    if index + 1 < total_pages {
        out["nextPageIndex"] = json!(index + 1);
    }
    out[key] = Value::Array(listing.records);
    Ok(())
}
