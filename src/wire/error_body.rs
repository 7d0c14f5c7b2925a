//! Apple's error body and error numbers.
//!
//! Apple: [`ErrorResponse`](https://developer.apple.com/documentation/devicemanagement/errorresponse), [Service Config](https://developer.apple.com/documentation/devicemanagement/service-config) (its `errorCodes`).

use serde::{Deserialize, Serialize};

/// Apple's error body: `{"errorNumber": 9625, "errorMessage": "...", "errorInfo": {...}}`.
///
/// Apple may send it with HTTP 200, so look for it in every response
/// ([`super::decode_response`] does).
///
/// Apple: [`ErrorResponse`](https://developer.apple.com/documentation/devicemanagement/errorresponse).
#[serde_with::skip_serializing_none]
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
    #[serde(default)]
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

/// Declares [`ErrorNumber`] from one table: each row gives a variant, its code (or range)
/// and its [`ErrorKind`]; `code()`, `from_code()` and `kind()` are generated from it.
macro_rules! error_numbers {
    (
        $(#[$meta:meta])*
        numbers { $($(#[$vmeta:meta])* $variant:ident = $code:literal => $kind:ident,)* }
        $(#[$rmeta:meta])*
        ranges { $($(#[$rvmeta:meta])* $range_variant:ident($lo:literal..=$hi:literal) => $range_kind:ident,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorNumber {
            $($(#[$vmeta])* $variant,)*
            $($(#[$rvmeta])* $range_variant(u32),)*
            /// A number this version of the crate does not know.
            Unknown(u32),
        }

        impl ErrorNumber {
            /// The number itself.
            pub fn code(self) -> u32 {
                match self {
                    $(Self::$variant => $code,)*
                    $(Self::$range_variant(n))|* | Self::Unknown(n) => n,
                }
            }

            /// The typed number for `code`.
            pub fn from_code(code: u32) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    $(n @ $lo..=$hi => Self::$range_variant(n),)*
                    n => Self::Unknown(n),
                }
            }

            /// The class of this error number.
            pub fn kind(self) -> ErrorKind {
                match self {
                    $(Self::$variant => ErrorKind::$kind,)*
                    $(Self::$range_variant(_) => ErrorKind::$range_kind,)*
                    Self::Unknown(_) => ErrorKind::Other,
                }
            }
        }
    };
}

error_numbers! {
    /// Apple's error numbers (Apps and Books v2 and legacy VPP), with `Unknown(n)` for the rest.
    ///
    /// One row per number: its variant, its code and its class ([`ErrorKind`]).
    numbers {
        /// 9600: a required argument is missing.
        MissingArgument = 9600 => RequestInvalid,
        /// 9601: login required (HTTP 401).
        LoginRequired = 9601 => RequestInvalid,
        /// 9602: an argument is invalid (HTTP 400).
        InvalidArgument = 9602 => RequestInvalid,
        /// 9603: Apple's internal error; retry (HTTP 500).
        InternalError = 9603 => Retryable,
        /// 9604: no result found.
        ResultNotFound = 9604 => Other,
        /// 9605: the storefront is incorrect.
        StorefrontIncorrect = 9605 => Other,
        /// 9609: registered user not found.
        RegisteredUserNotFound = 9609 => LicenseConflict,
        /// 9610: license not found.
        LicenseNotFound = 9610 => LicenseConflict,
        /// 9616: license already assigned.
        LicenseAlreadyAssigned = 9616 => LicenseConflict,
        /// 9617: the URL moved; re-read the service configuration.
        UrlMoved = 9617 => Other,
        /// 9621: the token has expired (HTTP 401).
        TokenExpired = 9621 => TokenExpired,
        /// 9622: the authentication token is invalid.
        InvalidToken = 9622 => TokenInvalid,
        /// 9623: the APNs token is invalid.
        InvalidApnsToken = 9623 => Other,
        /// 9625: the token has been revoked (HTTP 401).
        TokenRevoked = 9625 => TokenRevoked,
        /// 9630: too many recent identical calls.
        TooManyIdenticalCalls = 9630 => Other,
        /// 9631: too many recent failed calls.
        TooManyFailedCalls = 9631 => Other,
        /// 9632: too many recent calls of this kind.
        TooManyRecentCalls = 9632 => Other,
        /// 9634: the service was removed (HTTP 410).
        ServiceRemoved = 9634 => Unsupported,
        /// 9637: not available for facilitator accounts.
        FacilitatorNotSupported = 9637 => Unsupported,
        /// 9644: Apple's service is in maintenance mode.
        MaintenanceMode = 9644 => Retryable,
        /// 9645: the location is managed by Apple's built-in MDM and is read-only.
        ReadOnlyLocation = 9645 => ReadOnlyLocation,
        /// 9646: too many requests (HTTP 429): back off.
        TooManyRequests = 9646 => RateLimited,
        /// 9647: legacy (account-based) tokens are not supported by v2 (HTTP 403).
        LegacyTokenNotSupported = 9647 => Unsupported,
        /// 9650: bad page index.
        BadPageIndex = 9650 => RequestInvalid,
        /// 9706: the license is not revocable.
        NotRevocable = 9706 => LicenseConflict,
        /// 9707: the asset cannot be assigned to a device (serial number).
        NotDeviceAssignable = 9707 => LicenseConflict,
        /// 9708: no event with this `eventId`.
        EventNotFound = 9708 => RequestInvalid,
        /// 9709: not enough licenses (reported later, in the event's status or a
        /// notification).
        NotEnoughLicenses = 9709 => LicenseConflict,
        /// 9710: notification URL and auth token must be given together.
        NotificationUrlAndTokenTogether = 9710 => RequestInvalid,
        /// 9716: a user with this `clientUserId` already exists.
        ClientUserIdExists = 9716 => LicenseConflict,
        /// 9718: the request names no assets.
        MissingAssets = 9718 => RequestInvalid,
        /// 9719: the request names no users or serial numbers.
        MissingUsersOrSerials = 9719 => RequestInvalid,
        /// 9721: the `sinceVersionId` is invalid (too old or unknown): sync in full.
        InvalidVersionId = 9721 => RequestInvalid,
        /// 9722: the `Authorization` header is malformed (HTTP 401).
        MalformedAuthorization = 9722 => RequestInvalid,
        /// 9723: `mdmInfo` needs id, name and metadata together.
        IncompleteMdmInfo = 9723 => RequestInvalid,
        /// 9726: method not allowed (HTTP 405).
        MethodNotAllowed = 9726 => RequestInvalid,
        /// 9727: unsupported media type (HTTP 415).
        UnsupportedMediaType = 9727 => RequestInvalid,
        /// 9728: Apple's test notification to the notification URL failed.
        TestNotificationFailed = 9728 => RequestInvalid,
        /// 9729: the service is unavailable (HTTP 503); retry later.
        Unavailable = 9729 => Retryable,
    }
    /// Ranges of numbers, tried after the single numbers above, in this order.
    ranges {
        /// 9700–9702: more assets, serial numbers or users than the service configuration's
        /// limits allow in one request.
        OverLimit(9700..=9702) => RequestInvalid,
        /// 9703–9705: the same asset, serial number or user twice in one request.
        DuplicateInRequest(9703..=9705) => RequestInvalid,
        /// Another request-validation error, 9700–9728.
        RequestValidation(9700..=9728) => RequestInvalid,
    }
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
    /// 9600–9602, 9650 and 97xx: the request was invalid (a bug or a bad setting).
    RequestInvalid,
    /// 9609, 9610, 9616, 9706, 9707, 9709, 9716: the request does not fit the
    /// location's licenses, users or devices as they are now (fix the data, not the code).
    LicenseConflict,
    /// 9634, 9637, 9647: Apple does not offer this to this token or account at all
    /// (fatal: retrying never helps).
    Unsupported,
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
            Self::LicenseConflict => {
                "Apple refused it for these licenses, users or devices as they are now: check the app's license counts and the users or devices in Apple Business Manager > Apps and Books, then try again"
            }
            Self::Unsupported => {
                "Apple does not offer this to this token or account: use a location token downloaded from Apple Business Manager > Settings > Apps and Books, or update the MDM"
            }
            Self::Other => "try again later; if it persists, report it with Apple's message",
        }
    }

    /// Whether a retry after a delay may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::Retryable)
    }

    /// Whether Apple is limiting requests (9646 or HTTP 429): back off and retry later.
    pub fn is_rate_limited(self) -> bool {
        self == Self::RateLimited
    }

    /// Whether Apple refused the location's token (expired, not recognised or revoked):
    /// the admin must download a new one; retrying never helps.
    pub fn needs_new_token(self) -> bool {
        matches!(
            self,
            Self::TokenExpired | Self::TokenInvalid | Self::TokenRevoked
        )
    }
}

impl ErrorNumber {
    /// What the admin should do, in one sentence: specific to the number where the
    /// crate knows more than the class ([`ErrorKind::advice`]) says.
    pub fn advice(self) -> &'static str {
        use ErrorNumber::*;
        match self {
            RegisteredUserNotFound => {
                "Apple does not know this user: create the user (users/create) before assigning licenses to it"
            }
            LicenseNotFound => {
                "no such license is assigned: sync the assignments again before taking licenses back"
            }
            LicenseAlreadyAssigned => {
                "the license is already assigned: sync the assignments again; nothing else is needed"
            }
            ServiceRemoved => "Apple removed this service: update the MDM",
            FacilitatorNotSupported => {
                "facilitator accounts cannot manage licenses: use a location token downloaded by an administrator or content manager"
            }
            LegacyTokenNotSupported => {
                "this is a legacy VPP account token, which Apps and Books v2 does not accept: download a location token from Apple Business Manager > Settings > Apps and Books"
            }
            BadPageIndex => {
                "Apple refused the page index: sync the list again from the first page, and report it to the MDM's developers if it persists"
            }
            OverLimit(_) => {
                "the request named more assets, devices or users than Apple allows at once: send it in smaller batches (re-read the service configuration's limits)"
            }
            DuplicateInRequest(_) => {
                "the request named the same asset, device or user twice: remove the duplicates and send it again"
            }
            NotRevocable => {
                "the license cannot be taken back (Apple does not allow revoking it): leave it assigned"
            }
            NotDeviceAssignable => {
                "this app or book cannot be assigned to a device: assign it to a user instead"
            }
            EventNotFound => {
                "Apple does not know this event (it may be too old): sync the assignments to see the result"
            }
            NotEnoughLicenses => {
                "there are not enough free licenses: buy more in Apple Business Manager > Apps and Books, or take licenses back from devices or users that no longer need them"
            }
            ClientUserIdExists => {
                "a user with this id already exists: update it (users/update) instead of creating it"
            }
            MissingAssets => "the request named no app or book: choose at least one",
            MissingUsersOrSerials => {
                "the request named no device or user: choose at least one serial number or user"
            }
            InvalidVersionId => {
                "Apple no longer knows the version of the last sync: sync everything again (a full sync)"
            }
            other => other.kind().advice(),
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
