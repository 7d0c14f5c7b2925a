//! Reading one of Apple's answers: Apple's error whatever the HTTP status, else the
//! expected type.

use serde::de::DeserializeOwned;

use super::apple_error::{AppleError, ResponseError};
use super::error_probe;
use super::metadata::CatalogErrors;

/// Decodes one of Apple's responses.
///
/// 1. A JSON object with an `errorNumber` is Apple's error, whatever the HTTP status.
/// 2. Otherwise a non-2xx status is [`ResponseError::Http`].
/// 3. Otherwise the body must decode as `T`, else [`ResponseError::Malformed`].
///
/// Pure: hand it what your HTTP stack received.
pub fn decode_response<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ResponseError> {
    if let Some(error) = apple_error(status, body) {
        return Err(ResponseError::Apple(error));
    }
    if !(200..300).contains(&status) {
        return Err(ResponseError::Http { status });
    }
    serde_json::from_slice(body).map_err(|e| ResponseError::malformed(status, e))
}

/// Apple's error in `body`, if it holds one (a JSON object with a numeric `errorNumber`).
///
/// The number must be a non-negative integer; one above `u32::MAX` becomes
/// `ErrorNumber::Unknown(u32::MAX)`. The rest is read leniently so that a known number is
/// never lost: an `errorMessage` that is not a string is taken as empty, and
/// `errorInfo` is kept whatever its type (`null` counts as absent).
///
/// Cost: no DOM is built. A body without the text `errorNumber` (nor a `\u` escape, which
/// could spell it) is answered by a byte scan; any other is read once, keeping only these
/// three keys and checking the rest without storing it. A body that is not valid JSON, or
/// nests deeper than serde_json's recursion limit (128 levels), is not Apple's error.
pub fn apple_error(status: u16, body: &[u8]) -> Option<AppleError> {
    error_probe::find(body).map(|error| AppleError::new(Some(status), error))
}

/// Decodes one of the metadata catalog's answers: a 2xx body as `T`; a 403 as
/// [`ResponseError::CatalogForbidden`]; any other status as [`ResponseError::Catalog`]
/// with Apple's `errors` (empty when the body has none).
pub fn decode_catalog<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ResponseError> {
    if !(200..300).contains(&status) {
        let errors = serde_json::from_slice::<CatalogErrors>(body)
            .map(|e| e.errors)
            .unwrap_or_default();
        if status == 403 {
            return Err(ResponseError::CatalogForbidden { errors });
        }
        return Err(ResponseError::Catalog { status, errors });
    }
    serde_json::from_slice(body).map_err(|e| ResponseError::malformed(status, e))
}
