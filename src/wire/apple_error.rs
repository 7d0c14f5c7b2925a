//! Apple's errors: [`AppleError`] (Apple's error body with its HTTP status) and
//! [`ResponseError`] (any answer that could not be used).

use std::sync::Arc;

use super::error_body::{ErrorBody, ErrorKind, ErrorNumber};
use super::metadata::CatalogError;
use crate::date::DateProblem;

/// An error Apple returned: its number, message and the HTTP status it came with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AppleError {
    /// The HTTP status, when the error came over HTTP.
    pub status: Option<u16>,
    /// Apple's error number.
    pub number: ErrorNumber,
    /// Apple's message.
    pub message: String,
    /// Apple's `errorInfo`, when present.
    pub info: Option<serde_json::Value>,
}

impl AppleError {
    /// An error from Apple's body and the HTTP status it came with.
    pub fn new(status: Option<u16>, body: ErrorBody) -> Self {
        Self {
            status,
            number: body.error_number,
            message: body.error_message,
            info: body.error_info,
        }
    }

    /// An error with only a number (no HTTP status, message or info), e.g. to record one
    /// Apple returned through another channel with [`crate::VppAccount::record_apple_error`]:
    ///
    /// ```
    /// use apple_vpp::AppleError;
    /// use apple_vpp::wire::{ErrorKind, ErrorNumber};
    ///
    /// let revoked = AppleError::from_number(ErrorNumber::TokenRevoked);
    /// assert_eq!(revoked.kind(), ErrorKind::TokenRevoked);
    /// assert_eq!(AppleError::from_number(ErrorNumber::from_code(9645)).kind(), ErrorKind::ReadOnlyLocation);
    /// ```
    ///
    /// With a status and Apple's message: [`AppleError::new`] with
    /// [`ErrorBody::new`]`(number, message)`.
    pub fn from_number(number: ErrorNumber) -> Self {
        Self::new(None, ErrorBody::new(number, ""))
    }

    /// The class of the error: the error number's, except that HTTP 429 is always
    /// [`ErrorKind::RateLimited`] and an unclassified number with a 5xx status is
    /// [`ErrorKind::Retryable`].
    pub fn kind(&self) -> ErrorKind {
        match (self.number.kind(), self.status) {
            (_, Some(429)) => ErrorKind::RateLimited,
            (ErrorKind::Other, Some(500..=599)) => ErrorKind::Retryable,
            (kind, _) => kind,
        }
    }

    /// Removes `secret` from Apple's message and info (defence in depth: a server that
    /// echoes the request must not put the credential into logs).
    pub fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        if self.message.contains(secret) {
            self.message = self.message.replace(secret, "[redacted]");
        }
        if let Some(info) = &self.info {
            let text = info.to_string();
            if text.contains(secret) {
                self.info = Some(serde_json::Value::String("[redacted]".into()));
            }
        }
    }
}

impl std::fmt::Display for AppleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Apple returned error {}", self.number)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if !self.message.is_empty() {
            write!(f, " {:?}", self.message)?;
        }
        write!(f, ": {}", self.kind().advice())
    }
}

impl std::error::Error for AppleError {}

/// Why one of Apple's responses could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Apple returned an error body (whatever the HTTP status).
    #[error(transparent)]
    Apple(AppleError),

    /// A non-2xx status without Apple's error body.
    #[error("Apple answered HTTP {status} without an error body: {}", http_advice(*status))]
    Http {
        /// The HTTP status.
        status: u16,
    },

    /// The body is not the JSON expected.
    #[error(
        "Apple's response (HTTP {status}) could not be read: {reason}; try again later, and report it if it persists"
    )]
    Malformed {
        /// The HTTP status.
        status: u16,
        /// What was wrong (quoted values from the body are elided).
        reason: String,
        /// The JSON error it came from (none when the JSON was valid but not the shape
        /// expected, e.g. not an object).
        #[source]
        source: Option<JsonError>,
    },

    /// The metadata catalog's error answer (`{"errors":[{"id","title","detail","status",
    /// "code"}]}`), e.g. 401 for a developer token Apple refused, 404 for an unknown
    /// storefront.
    #[error("Apple's metadata catalog answered HTTP {status}{}: {}", catalog_summary(errors), catalog_advice(*status))]
    Catalog {
        /// The HTTP status.
        status: u16,
        /// Apple's error objects (possibly empty: a 401 may come without a body).
        errors: Vec<CatalogError>,
    },

    /// The metadata catalog refused the request with HTTP 403: Apple did not accept the
    /// location's content token (the `itvt` cookie), or the request named no ids. Apple
    /// gives both causes one answer, code `40300` "Invalid Stoken or Empty/Null ids
    /// Request Parameter" (a production answer logged in fleetdm/fleet#43596;
    /// "Handling requests and responses": 403 means the request's authentication was not
    /// accepted). The crate never sends an empty `ids`, so for its own requests the token
    /// is the cause to check first.
    #[error(
        "Apple's metadata catalog refused the request (HTTP 403{}): either Apple did not accept the location's content token sent as the itvt cookie (expired, revoked, or replaced by a newer download), or the request named no ids; check the location's token and upload a current one from Apple Business Manager if needed, and ask only for ids the location owns",
        catalog_summary(errors)
    )]
    CatalogForbidden {
        /// Apple's error objects (possibly empty).
        errors: Vec<CatalogError>,
    },

    /// A field the crate needs is absent or empty.
    #[error(
        "Apple's client configuration has no `{field}`: the response is incomplete; try again later, and report it if it persists"
    )]
    Incomplete {
        /// Apple's field name, e.g. `uId` or `locationName`.
        field: &'static str,
    },

    /// A date field is not a date-time.
    #[error(
        "Apple's client configuration has an unreadable `{field}` {value:?} ({problem}); report it if it persists"
    )]
    InvalidDate {
        /// Apple's field name.
        field: &'static str,
        /// The value (truncated to 64 characters; dates are not secret).
        value: String,
        /// Why it was refused.
        problem: DateProblem,
    },
}

fn http_advice(status: u16) -> &'static str {
    match status {
        429 => ErrorKind::RateLimited.advice(),
        500..=599 => ErrorKind::Retryable.advice(),
        _ => ErrorKind::Other.advice(),
    }
}

/// ` (code 40400 "Not Found")`: the first error's code and title; details may be long.
fn catalog_summary(errors: &[CatalogError]) -> String {
    let Some(first) = errors.first() else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(code) = &first.code {
        out.push_str(&format!(" (code {code}"));
    } else {
        out.push_str(" (");
    }
    if let Some(title) = &first.title {
        out.push_str(&format!(" {:?}", elide_long(title)));
    }
    out.push(')');
    out
}

fn elide_long(text: &str) -> String {
    text.chars().take(120).collect()
}

fn catalog_advice(status: u16) -> &'static str {
    match status {
        401 => {
            "Apple refused the developer token: check the key file, team id and key id, and that the key is enabled for Apps and Books for Organizations"
        }
        403 => {
            "Apple refused the location's content token or the request: check the location's token"
        }
        404 => "the storefront or resource does not exist: check the storefront code",
        _ => http_advice(status),
    }
}

impl ResponseError {
    /// Removes `secret` from whatever text of Apple's the error carries (its error's
    /// message and info, the metadata catalog's titles and details): a server that echoes
    /// the request must not put a credential into logs. [`crate::api::redact_error`]
    /// calls it for every secret a request held.
    pub fn redact(&mut self, secret: &str) {
        match self {
            Self::Apple(apple) => apple.redact(secret),
            Self::Catalog { errors, .. } | Self::CatalogForbidden { errors } => {
                for error in errors {
                    error.redact(secret);
                }
            }
            _ => {}
        }
    }

    /// The class of the error, for retry and display decisions.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Apple(e) => e.kind(),
            Self::Http { status: 429 } | Self::Catalog { status: 429, .. } => {
                ErrorKind::RateLimited
            }
            Self::Http { status: 500..=599 }
            | Self::Catalog {
                status: 500..=599, ..
            } => ErrorKind::Retryable,
            _ => ErrorKind::Other,
        }
    }

    /// Apple's error, if this is one.
    pub fn apple(&self) -> Option<&AppleError> {
        match self {
            Self::Apple(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn malformed(status: u16, e: serde_json::Error) -> Self {
        Self::Malformed {
            status,
            reason: elide_quoted(&e.to_string()),
            source: Some(JsonError(Arc::new(e))),
        }
    }
}

/// The JSON error behind a [`ResponseError::Malformed`], kept as its `source`.
///
/// Its `Display` elides quoted values, as the `reason` does: a value from Apple's body
/// may be a credential Apple echoed. [`JsonError::as_serde`] gives serde_json's error
/// itself (its category, line and column), whose message does not elide them. `Debug`
/// elides them too.
#[derive(Clone)]
pub struct JsonError(Arc<serde_json::Error>);

impl std::fmt::Debug for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonError")
            .field("category", &self.classify())
            .field("line", &self.line())
            .field("column", &self.column())
            .field("message", &self.to_string())
            .finish()
    }
}

impl JsonError {
    /// serde_json's error. **Its message may quote values from Apple's body.**
    pub fn as_serde(&self) -> &serde_json::Error {
        &self.0
    }

    /// What kind of error it is (syntax, data, a body cut short, I/O).
    pub fn classify(&self) -> serde_json::error::Category {
        self.0.classify()
    }

    /// The line (from 1) where it was found; 0 when not known.
    pub fn line(&self) -> usize {
        self.0.line()
    }

    /// The column (from 1) where it was found; 0 when not known.
    pub fn column(&self) -> usize {
        self.0.column()
    }
}

impl PartialEq for JsonError {
    /// The same category at the same place with the same (elided) message.
    fn eq(&self, other: &Self) -> bool {
        (self.classify(), self.line(), self.column())
            == (other.classify(), other.line(), other.column())
            && self.to_string() == other.to_string()
    }
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&elide_quoted(&self.0.to_string()))
    }
}

impl std::error::Error for JsonError {}

/// serde_json's data errors quote the offending value; a response may carry secrets
/// (`notificationAuthToken`), so quoted text is elided.
pub(crate) fn elide_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' if !in_quote => {
                in_quote = true;
                out.push_str("\"…");
            }
            '"' => {
                in_quote = false;
                out.push('"');
            }
            '\\' if in_quote => {
                chars.next();
            }
            c if !in_quote => out.push(c),
            _ => {}
        }
    }
    if in_quote {
        out.push('"');
    }
    out
}
