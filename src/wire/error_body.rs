//! Apple's error body and error numbers.

use serde::{Deserialize, Serialize};

/// Apple's error body: `{"errorNumber": 9625, "errorMessage": "...", "errorInfo": {...}}`.
///
/// Apple may send it with HTTP 200, so look for it in every response
/// ([`super::decode_response`] does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// Apple's error number.
    pub error_number: ErrorNumber,
    /// Apple's message (English, for logs; not shown to admins as-is).
    #[serde(default)]
    pub error_message: String,
    /// Extra details some errors carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_info: Option<serde_json::Value>,
}

impl ErrorBody {
    /// An error body with a number and message (for fakes and tests).
    pub fn new(number: ErrorNumber, message: impl Into<String>) -> Self {
        Self {
            error_number: number,
            error_message: message.into(),
            error_info: None,
        }
    }
}

/// Apple's error numbers (Apps and Books v2 and legacy VPP), with `Unknown(n)` for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorNumber {
    /// 9600: a required argument is missing.
    MissingArgument,
    /// 9601: login required (HTTP 401).
    LoginRequired,
    /// 9602: an argument is invalid (HTTP 400).
    InvalidArgument,
    /// 9603: Apple's internal error; retry (HTTP 500).
    InternalError,
    /// 9604: no result found.
    ResultNotFound,
    /// 9605: the storefront is incorrect.
    StorefrontIncorrect,
    /// 9609: registered user not found.
    RegisteredUserNotFound,
    /// 9610: license not found.
    LicenseNotFound,
    /// 9616: license already assigned.
    LicenseAlreadyAssigned,
    /// 9617: the URL moved; re-read the service configuration.
    UrlMoved,
    /// 9621: the token has expired (HTTP 401).
    TokenExpired,
    /// 9622: the authentication token is invalid.
    InvalidToken,
    /// 9623: the APNs token is invalid.
    InvalidApnsToken,
    /// 9625: the token has been revoked (HTTP 401).
    TokenRevoked,
    /// 9630: too many recent identical calls.
    TooManyIdenticalCalls,
    /// 9631: too many recent failed calls.
    TooManyFailedCalls,
    /// 9632: too many recent calls of this kind.
    TooManyRecentCalls,
    /// 9634: the service was removed (HTTP 410).
    ServiceRemoved,
    /// 9644: Apple's service is in maintenance mode.
    MaintenanceMode,
    /// 9645: the location is managed by Apple's built-in MDM and is read-only.
    ReadOnlyLocation,
    /// 9646: too many requests (HTTP 429): back off.
    TooManyRequests,
    /// 9650: bad page index.
    BadPageIndex,
    /// 9710: notification URL and auth token must be given together.
    NotificationUrlAndTokenTogether,
    /// 9722: the `Authorization` header is malformed (HTTP 401).
    MalformedAuthorization,
    /// 9723: `mdmInfo` needs id, name and metadata together.
    IncompleteMdmInfo,
    /// 9726: method not allowed (HTTP 405).
    MethodNotAllowed,
    /// 9727: unsupported media type (HTTP 415).
    UnsupportedMediaType,
    /// 9728: Apple's test notification to the notification URL failed.
    TestNotificationFailed,
    /// Another request-validation error, 9700–9728.
    RequestValidation(u32),
    /// A number this version of the crate does not know.
    Unknown(u32),
}

/// What an error means for the caller: the classes MDM code acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 9621: the token has expired.
    TokenExpired,
    /// 9622: Apple does not recognise the token.
    TokenInvalid,
    /// 9625: the token was revoked (a newer one downloaded, or the password changed).
    TokenRevoked,
    /// 9646 or HTTP 429: back off and retry later.
    RateLimited,
    /// 9603, 9644 or HTTP 5xx: Apple's trouble; retry later.
    Retryable,
    /// 9645: Apple's built-in MDM manages the location; it is read-only here.
    ReadOnlyLocation,
    /// 9600–9602 and 97xx: the request was invalid (a bug or a bad setting).
    RequestInvalid,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// What the admin should do, in one sentence.
    pub fn advice(self) -> &'static str {
        match self {
            Self::TokenExpired => {
                "the token has expired: download a new one from Apple Business Manager > Settings > Apps and Books"
            }
            Self::TokenInvalid => {
                "Apple does not accept the token: upload the .vpptoken file exactly as downloaded from Apple Business Manager > Settings > Apps and Books"
            }
            Self::TokenRevoked => {
                "the token has been revoked (a newer token was downloaded or the account's password changed): download a new one from Apple Business Manager > Settings > Apps and Books"
            }
            Self::RateLimited => "Apple is limiting requests: wait and try again later",
            Self::Retryable => "Apple's service is having trouble: try again later",
            Self::ReadOnlyLocation => {
                "the location is managed by Apple's built-in device management and is read-only for other MDMs: choose another location in Apple Business Manager"
            }
            Self::RequestInvalid => {
                "Apple refused the request as invalid: check the MDM's settings, or report it to the MDM's developers with Apple's message"
            }
            Self::Other => "try again later; if it persists, report it with Apple's message",
        }
    }

    /// Whether a retry after a delay may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::Retryable)
    }
}

impl ErrorNumber {
    /// The number itself.
    pub fn code(self) -> u32 {
        use ErrorNumber::*;
        match self {
            MissingArgument => 9600,
            LoginRequired => 9601,
            InvalidArgument => 9602,
            InternalError => 9603,
            ResultNotFound => 9604,
            StorefrontIncorrect => 9605,
            RegisteredUserNotFound => 9609,
            LicenseNotFound => 9610,
            LicenseAlreadyAssigned => 9616,
            UrlMoved => 9617,
            TokenExpired => 9621,
            InvalidToken => 9622,
            InvalidApnsToken => 9623,
            TokenRevoked => 9625,
            TooManyIdenticalCalls => 9630,
            TooManyFailedCalls => 9631,
            TooManyRecentCalls => 9632,
            ServiceRemoved => 9634,
            MaintenanceMode => 9644,
            ReadOnlyLocation => 9645,
            TooManyRequests => 9646,
            BadPageIndex => 9650,
            NotificationUrlAndTokenTogether => 9710,
            MalformedAuthorization => 9722,
            IncompleteMdmInfo => 9723,
            MethodNotAllowed => 9726,
            UnsupportedMediaType => 9727,
            TestNotificationFailed => 9728,
            RequestValidation(n) | Unknown(n) => n,
        }
    }

    /// The typed number for `code`.
    pub fn from_code(code: u32) -> Self {
        use ErrorNumber::*;
        match code {
            9600 => MissingArgument,
            9601 => LoginRequired,
            9602 => InvalidArgument,
            9603 => InternalError,
            9604 => ResultNotFound,
            9605 => StorefrontIncorrect,
            9609 => RegisteredUserNotFound,
            9610 => LicenseNotFound,
            9616 => LicenseAlreadyAssigned,
            9617 => UrlMoved,
            9621 => TokenExpired,
            9622 => InvalidToken,
            9623 => InvalidApnsToken,
            9625 => TokenRevoked,
            9630 => TooManyIdenticalCalls,
            9631 => TooManyFailedCalls,
            9632 => TooManyRecentCalls,
            9634 => ServiceRemoved,
            9644 => MaintenanceMode,
            9645 => ReadOnlyLocation,
            9646 => TooManyRequests,
            9650 => BadPageIndex,
            9710 => NotificationUrlAndTokenTogether,
            9722 => MalformedAuthorization,
            9723 => IncompleteMdmInfo,
            9726 => MethodNotAllowed,
            9727 => UnsupportedMediaType,
            9728 => TestNotificationFailed,
            n @ 9700..=9728 => RequestValidation(n),
            n => Unknown(n),
        }
    }

    /// The class of this error number.
    pub fn kind(self) -> ErrorKind {
        use ErrorNumber::*;
        match self {
            TokenExpired => ErrorKind::TokenExpired,
            InvalidToken => ErrorKind::TokenInvalid,
            TokenRevoked => ErrorKind::TokenRevoked,
            TooManyRequests => ErrorKind::RateLimited,
            InternalError | MaintenanceMode => ErrorKind::Retryable,
            ReadOnlyLocation => ErrorKind::ReadOnlyLocation,
            MissingArgument
            | LoginRequired
            | InvalidArgument
            | NotificationUrlAndTokenTogether
            | MalformedAuthorization
            | IncompleteMdmInfo
            | MethodNotAllowed
            | UnsupportedMediaType
            | TestNotificationFailed
            | RequestValidation(_) => ErrorKind::RequestInvalid,
            _ => ErrorKind::Other,
        }
    }
}

impl std::fmt::Display for ErrorNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl Serialize for ErrorNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

impl<'de> Deserialize<'de> for ErrorNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        Ok(Self::from_code(u32::try_from(n).unwrap_or(u32::MAX)))
    }
}
