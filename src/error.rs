//! Every error the crate returns. Each message says what was wrong and what to do, and
//! none contains token bytes.

use std::path::PathBuf;

pub use crate::date::DateProblem;

/// Where an admin gets a new content token; repeated in messages that ask for one.
pub(crate) const DOWNLOAD_HINT: &str =
    "download a new one from Apple Business Manager > Settings > Apps and Books";

/// Why a `.vpptoken` file could not be decoded.
///
/// Messages are meant for the admin who uploaded the file: they name the problem and say
/// what to do. They never contain token bytes (the expiry value, which is not secret, is
/// quoted when it is the problem).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The input has no bytes at all.
    #[error("the token file is empty: {DOWNLOAD_HINT} and upload the .vpptoken file")]
    Empty,

    /// The input has only whitespace (or a byte-order mark).
    #[error(
        "the token file contains only whitespace: {DOWNLOAD_HINT} and upload the .vpptoken file"
    )]
    OnlyWhitespace,

    /// The input is larger than [`crate::token::MAX_TOKEN_FILE_BYTES`]; nothing was decoded.
    #[error(
        "the file is {size} bytes, larger than the {limit}-byte limit for a content token (real ones are under 1 KiB): check that you chose the .vpptoken file from Apple Business Manager"
    )]
    TooLarge {
        /// Size of the input in bytes (at least `limit + 1` when read from a file).
        size: usize,
        /// The limit that was exceeded.
        limit: usize,
    },

    /// The text is not standard Base64.
    #[error(
        "the file is not a content token: {problem}; upload the .vpptoken file exactly as downloaded from Apple Business Manager"
    )]
    NotBase64 {
        /// What is wrong with the Base64 text.
        problem: Base64Problem,
    },

    /// The Base64 decodes to bytes that are not UTF-8 text.
    #[error(
        "the file is not a content token: its Base64 content is not UTF-8 text (invalid byte at offset {valid_up_to}); {DOWNLOAD_HINT}"
    )]
    NotUtf8 {
        /// Length of the valid UTF-8 prefix of the decoded bytes.
        valid_up_to: usize,
    },

    /// The Base64 decodes to text that is not JSON.
    #[error(
        "the file is not a content token: its Base64 content is not JSON ({reason} at line {line}, column {column}); {DOWNLOAD_HINT}"
    )]
    NotJson {
        /// The JSON parser's reason, e.g. `expected value` or `recursion limit exceeded`.
        reason: String,
        /// 1-based line in the decoded JSON.
        line: usize,
        /// 1-based column in the decoded JSON.
        column: usize,
    },

    /// The JSON is valid but not an object.
    #[error(
        "the file is not a content token: its JSON is {found}, not an object with token, expDate and orgName; {DOWNLOAD_HINT}"
    )]
    NotAnObject {
        /// What was found instead, e.g. `an array`.
        found: &'static str,
    },

    /// A required field is absent.
    #[error(
        "the token file has no `{field}` field: it is damaged or not a content token; {DOWNLOAD_HINT}"
    )]
    MissingField {
        /// The JSON field name (`token`, `expDate` or `orgName`).
        field: &'static str,
    },

    /// A field is present but is not a string.
    #[error(
        "the token file's `{field}` field is {found}, not a string: the file is damaged; {DOWNLOAD_HINT}"
    )]
    WrongFieldType {
        /// The JSON field name.
        field: &'static str,
        /// What was found, e.g. `a number` or `null`.
        found: &'static str,
    },

    /// A field appears more than once, so which value counts would be a guess.
    #[error(
        "the token file has the `{field}` field more than once: the file has been altered; {DOWNLOAD_HINT}"
    )]
    DuplicateField {
        /// The JSON field name.
        field: &'static str,
    },

    /// The `token` field is empty.
    #[error("the token file's `token` field is empty: {DOWNLOAD_HINT}")]
    EmptyToken,

    /// `expDate` is not a date-time in one of the forms Apple writes.
    #[error(
        "the token file's expiry date {value:?} is not a valid date-time ({problem}): the file is damaged; {DOWNLOAD_HINT}"
    )]
    InvalidExpiry {
        /// The value as written (truncated to 64 characters). Dates are not secret.
        value: String,
        /// Why it was refused.
        problem: DateProblem,
    },

    /// The token file could not be read.
    #[error("could not read the token file {}: {source}", path.display())]
    Io {
        /// The path that was being read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// What is wrong with a token file's Base64 text. Offsets count bytes of the Base64 text
/// after surrounding whitespace, line breaks and a byte-order mark are removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Problem {
    /// A byte that is not in the standard Base64 alphabet.
    #[error("it contains a character that is not Base64 at offset {offset}")]
    InvalidCharacter {
        /// Offset of the first such byte.
        offset: usize,
    },
    /// `-` or `_`: the URL-safe alphabet, which Apple's token files do not use.
    #[error(
        "it contains URL-safe Base64 characters ('-' or '_') at offset {offset}, where Apple's files use standard Base64"
    )]
    UrlSafeAlphabet {
        /// Offset of the first such byte.
        offset: usize,
    },
    /// `=` padding where the text has not ended.
    #[error("it has Base64 padding ('=') in the middle, at offset {offset}")]
    MisplacedPadding {
        /// Offset of the first misplaced `=`.
        offset: usize,
    },
    /// A length no Base64 encoding produces, or a last character with stray bits: the text
    /// was cut short or altered.
    #[error("its Base64 text is truncated or altered at the end")]
    Truncated,
}

use crate::location::Location;
use crate::ownership::MdmOwner;
use crate::wire::{ErrorBody, ErrorKind, ErrorNumber};

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

impl ResponseError {
    /// The class of the error, for retry and display decisions.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Apple(e) => e.kind(),
            Self::Http { status: 429 } => ErrorKind::RateLimited,
            Self::Http { status: 500..=599 } => ErrorKind::Retryable,
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

    pub(crate) fn malformed(status: u16, e: &serde_json::Error) -> Self {
        Self::Malformed {
            status,
            reason: elide_quoted(&e.to_string()),
        }
    }
}

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

/// Why an [`crate::MdmIdentity`] is not acceptable to Apple.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A required field is empty.
    #[error("the MDM identity's {field} is empty: set it in the MDM's Apps and Books settings")]
    Empty {
        /// `id` or `name`.
        field: &'static str,
    },
    /// A field is longer than Apple allows.
    #[error(
        "the MDM identity's {field} is {len} characters, more than Apple's limit of {max}: shorten it in the MDM's settings"
    )]
    TooLong {
        /// `id`, `name` or `metadata`.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// Apple's limit.
        max: usize,
    },
}

/// Why a [`crate::wire::ClientConfigUpdate`] was refused before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// `mdmInfo` lacks a field (Apple would answer 9723).
    #[error("mdmInfo needs id, name and metadata together; {missing} is missing")]
    IncompleteMdmInfo {
        /// The missing field.
        missing: &'static str,
    },
    /// Only one of notification URL and auth token (Apple would answer 9710).
    #[error("a notification URL and a notification auth token must be set together")]
    NotificationUrlWithoutToken,
    /// The notification URL is not `https`.
    #[error("the notification URL must use https")]
    NotificationUrlNotHttps,
    /// The notification auth token is empty.
    #[error("the notification auth token is empty: set a random secret")]
    EmptyNotificationAuthToken,
    /// Nothing to update.
    #[error("the update sets nothing: give mdmInfo, notification settings or both")]
    Empty,
}

/// Why configuring (claiming) a location did not end with a usable account.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigureError {
    /// After our update, Apple shows another MDM: it wrote at the same time and won.
    #[error(
        "another MDM, {owner}, claimed the location at the same time: ask the admin whether to take it over, then try again"
    )]
    LostRace {
        /// The MDM Apple shows now.
        owner: MdmOwner,
    },
    /// After our update, Apple shows no MDM at all.
    #[error("Apple did not record this MDM's claim on the location: try again later")]
    NotApplied,
    /// The read-back describes another location.
    #[error("{0}")]
    LocationChanged(#[from] LocationMismatch),
}

/// Apple described a different location than expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the token is for the location {found}, but this account is for {expected}: upload a token downloaded for {expected}"
)]
pub struct LocationMismatch {
    /// The location the account is for.
    pub expected: Box<Location>,
    /// The location Apple described.
    pub found: Box<Location>,
}

/// Why a renewed token was refused. The account is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RenewError {
    /// The new token is for another location.
    #[error(transparent)]
    DifferentLocation(#[from] LocationMismatch),
    /// The new token is the one already in use.
    #[error(
        "this is the token already in use: download a new one from Apple Business Manager > Settings > Apps and Books"
    )]
    SameToken,
    /// The new token does not expire later than the current one.
    #[error(
        "the new token expires {offered}, not later than the current one ({current}): download the newest token from Apple Business Manager > Settings > Apps and Books"
    )]
    NotLater {
        /// The current expiry.
        current: chrono::DateTime<chrono::Utc>,
        /// The new token's expiry.
        offered: chrono::DateTime<chrono::Utc>,
    },
    /// The new token has already expired.
    #[error(
        "the new token expired on {expired_at}: download a new one from Apple Business Manager > Settings > Apps and Books"
    )]
    Expired {
        /// When it expired.
        expired_at: chrono::DateTime<chrono::Utc>,
    },
    /// Another MDM holds the location now: renewing would not make it ours.
    #[error(
        "the location is now managed by another MDM, {owner}: take it over (with the admin's consent) by configuring it again"
    )]
    ManagedElsewhere {
        /// The MDM Apple shows.
        owner: MdmOwner,
    },
}
