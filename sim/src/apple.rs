//! Apple's error numbers, their messages and HTTP statuses, and the error body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Error numbers the simulator answers with (Apple's numbering).
pub mod code {
    /// Missing argument (9600).
    pub const MISSING_ARGUMENT: u32 = 9600;
    /// Login required (9601).
    pub const LOGIN_REQUIRED: u32 = 9601;
    /// Invalid argument (9602).
    pub const INVALID_ARGUMENT: u32 = 9602;
    /// Internal error, retry (9603).
    pub const INTERNAL: u32 = 9603;
    /// Result not found, 9604 (used for unknown routes).
    pub const NOT_FOUND: u32 = 9604;
    /// Registered user not found (9609).
    pub const USER_NOT_FOUND: u32 = 9609;
    /// License not found (unknown asset in a manage request) (9610).
    pub const LICENSE_NOT_FOUND: u32 = 9610;
    /// Token expired (9621).
    pub const TOKEN_EXPIRED: u32 = 9621;
    /// Invalid authentication token (9622).
    pub const INVALID_TOKEN: u32 = 9622;
    /// Token revoked (9625).
    pub const TOKEN_REVOKED: u32 = 9625;
    /// Too many requests (9646).
    pub const TOO_MANY_REQUESTS: u32 = 9646;
    /// Legacy token on v2 (9647).
    pub const LEGACY_TOKEN: u32 = 9647;
    /// Bad page index (9650).
    pub const BAD_PAGE_INDEX: u32 = 9650;
    /// Too many assets (9700).
    pub const MAX_ASSETS: u32 = 9700;
    /// Too many clientUserIds (9701).
    pub const MAX_CLIENT_USER_IDS: u32 = 9701;
    /// Too many serialNumbers (9702).
    pub const MAX_SERIAL_NUMBERS: u32 = 9702;
    /// Duplicate assets (9703).
    pub const DUPLICATE_ASSETS: u32 = 9703;
    /// Duplicate clientUserIds (9704).
    pub const DUPLICATE_CLIENT_USER_IDS: u32 = 9704;
    /// Duplicate serialNumbers (9705).
    pub const DUPLICATE_SERIAL_NUMBERS: u32 = 9705;
    /// Asset not revocable (9706).
    pub const NOT_REVOCABLE: u32 = 9706;
    /// Asset not device assignable (9707).
    pub const NOT_DEVICE_ASSIGNABLE: u32 = 9707;
    /// Event not found (9708).
    pub const EVENT_NOT_FOUND: u32 = 9708;
    /// Not enough licenses (9709).
    pub const NOT_ENOUGH_LICENSES: u32 = 9709;
    /// Notification URL and token must come together (9710).
    pub const NOTIFICATION_PAIR: u32 = 9710;
    /// Notification URL or token too long (9711).
    pub const NOTIFICATION_LENGTH: u32 = 9711;
    /// Notification URL invalid or not https (9712).
    pub const NOTIFICATION_URL: u32 = 9712;
    /// MDM metadata too long (9713).
    pub const MDM_METADATA_LENGTH: u32 = 9713;
    /// Too many users (9714).
    pub const MAX_USERS: u32 = 9714;
    /// Duplicate users (9715).
    pub const DUPLICATE_USERS: u32 = 9715;
    /// User already exists (9716).
    pub const USER_EXISTS: u32 = 9716;
    /// Invalid email (9717).
    pub const INVALID_EMAIL: u32 = 9717;
    /// Missing assets (9718).
    pub const MISSING_ASSETS: u32 = 9718;
    /// Missing clientUserIds / serialNumbers (9719).
    pub const MISSING_TARGETS: u32 = 9719;
    /// Missing users (9720).
    pub const MISSING_USERS: u32 = 9720;
    /// Invalid versionId (9721).
    pub const INVALID_VERSION: u32 = 9721;
    /// Malformed authorization header (9722).
    pub const BAD_AUTH_HEADER: u32 = 9722;
    /// mdmInfo incomplete (9723).
    pub const MDM_INFO_INCOMPLETE: u32 = 9723;
    /// MDM id too long (9724).
    pub const MDM_ID_LENGTH: u32 = 9724;
    /// MDM name too long (9725).
    pub const MDM_NAME_LENGTH: u32 = 9725;
    /// Method not allowed (9726).
    pub const METHOD_NOT_ALLOWED: u32 = 9726;
    /// Test notification failed (9728).
    pub const NOTIFICATION_UNREACHABLE: u32 = 9728;
    /// Service unavailable (9729).
    pub const UNAVAILABLE: u32 = 9729;
}

/// The simulator's wording for each error number (its own, close to Apple's meaning).
pub(crate) const MESSAGES: &[(u32, &str)] = &[
    (9600, "A required argument is missing."),
    (9601, "Login required."),
    (9602, "Invalid argument."),
    (9603, "Internal error; try again later."),
    (9604, "No result found."),
    (9609, "No registered user found for this clientUserId."),
    (9610, "No license found for this asset."),
    (
        9621,
        "The token has expired; download a new one from Apple Business Manager.",
    ),
    (9622, "Invalid authentication token."),
    (9625, "The token has been revoked."),
    (9646, "Too many recent requests; try again shortly."),
    (
        9647,
        "Legacy tokens cannot be used with this version of the API.",
    ),
    (
        9650,
        "The page index must be at least 0 and below the number of pages.",
    ),
    (9700, "Too many assets in the request."),
    (9701, "Too many clientUserIds in the request."),
    (9702, "Too many serialNumbers in the request."),
    (9703, "The request repeats an asset."),
    (9704, "The request repeats a clientUserId."),
    (9705, "The request repeats a serialNumber."),
    (9706, "The asset is not revocable."),
    (9707, "The asset cannot be assigned to devices."),
    (9708, "No event with this eventId."),
    (9709, "Not enough licenses available for this asset."),
    (
        9710,
        "The notification URL and its authentication token must be sent together.",
    ),
    (
        9711,
        "The notification URL or authentication token is too long.",
    ),
    (9712, "The notification URL must be a valid https URL."),
    (9713, "The MDM metadata is too long."),
    (9714, "Too many users in the request."),
    (9715, "The request repeats a user."),
    (
        9716,
        "A registered user with this clientUserId already exists.",
    ),
    (9717, "Invalid email address."),
    (9718, "The request has no asset."),
    (9719, "The request needs clientUserIds or serialNumbers."),
    (9720, "The request has no user."),
    (9721, "Invalid versionId; use one from a read API."),
    (
        9722,
        "Invalid authorization header; expected 'Bearer {sToken}'.",
    ),
    (9723, "mdmInfo needs id, name and metadata together."),
    (9724, "The MDM id is too long."),
    (9725, "The MDM name is too long."),
    (9726, "Unsupported HTTP method for this endpoint."),
    (9727, "Unsupported Content-Type for this endpoint."),
    (9728, "The notification URL is unreachable."),
    (9729, "The service is temporarily unavailable."),
];

/// The standard message for an error number.
pub(crate) fn message(number: u32) -> &'static str {
    MESSAGES
        .iter()
        .find(|(n, _)| *n == number)
        .map(|(_, m)| *m)
        .unwrap_or("Error.")
}

/// The HTTP status Apple documents for an error number.
pub(crate) fn status_for(number: u32) -> StatusCode {
    match number {
        9621 | 9625 | 9722 | 9601 => StatusCode::UNAUTHORIZED,
        9622 | 9709 => StatusCode::OK,
        9603 => StatusCode::INTERNAL_SERVER_ERROR,
        9604 => StatusCode::NOT_FOUND,
        9646 => StatusCode::TOO_MANY_REQUESTS,
        9647 => StatusCode::FORBIDDEN,
        9726 => StatusCode::METHOD_NOT_ALLOWED,
        9727 => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        9729 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// An Apple error answer: `{"errorNumber", "errorMessage", "errorInfo"?}`.
#[derive(Debug, Clone)]
pub(crate) struct AppleError {
    pub number: u32,
    pub message: String,
    pub info: Option<Value>,
    pub status: StatusCode,
}

impl AppleError {
    /// The error with its standard message and status.
    pub fn new(number: u32) -> Self {
        AppleError {
            number,
            message: message(number).to_string(),
            info: None,
            status: status_for(number),
        }
    }

    /// The error with extra detail appended to its message (never put secrets here).
    pub fn detail(number: u32, detail: impl std::fmt::Display) -> Self {
        let mut e = AppleError::new(number);
        e.message = format!("{} {detail}", e.message);
        e
    }

    /// Replaces the HTTP status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut v = json!({"errorNumber": self.number, "errorMessage": self.message});
        if let Some(info) = &self.info {
            v["errorInfo"] = info.clone();
        }
        v
    }
}

impl IntoResponse for AppleError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        if self.number == code::TOO_MANY_REQUESTS {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// `errorCodes` of the service config.
pub(crate) fn error_codes() -> Value {
    Value::Array(
        MESSAGES
            .iter()
            .map(|(n, m)| json!({"errorNumber": n, "errorMessage": m}))
            .collect(),
    )
}

/// An error answer of the metadata catalog: `{"errors":[{"id","title","detail","status",
/// "code"}]}` (Apple's "Handling requests and responses"). `detail` never holds a token.
pub(crate) fn catalog_error(status: StatusCode, code: &str, title: &str, detail: &str) -> Response {
    // A stable id per (code, detail): FNV-1a, not cryptographic.
    let hash = format!("{code}{detail}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let id = format!("SIM{hash:016X}");
    let body = json!({"errors": [{
        "id": id,
        "title": title,
        "detail": detail,
        "status": status.as_u16().to_string(),
        "code": code,
    }]});
    (status, axum::Json(body)).into_response()
}
