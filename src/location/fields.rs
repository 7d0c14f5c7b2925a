//! Apple's optional text fields, trimmed: a blank one counts as absent.

use crate::wire::ResponseError;

/// [`non_empty`] by value: the string is moved, and copied only when it needs trimming.
pub(super) fn take_non_empty(v: Option<String>) -> Option<String> {
    let v = v?;
    let trimmed = v.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == v.len() {
        Some(v)
    } else {
        Some(trimmed.to_owned())
    }
}

pub(super) fn take_required(
    v: Option<String>,
    field: &'static str,
) -> Result<String, ResponseError> {
    take_non_empty(v).ok_or(ResponseError::Incomplete { field })
}

pub(super) fn required(v: &Option<String>, field: &'static str) -> Result<String, ResponseError> {
    non_empty(v).ok_or(ResponseError::Incomplete { field })
}

pub(super) fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
