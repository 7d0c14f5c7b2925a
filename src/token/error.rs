//! Why a `.vpptoken` file could not be decoded. Messages never contain token bytes.

use std::path::PathBuf;

use crate::date::DateProblem;

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
    #[error(
        "could not read the token file {}: check that it exists and this process may read it",
        path.display()
    )]
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
