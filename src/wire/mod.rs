//! Apple's JSON, exactly as Apple writes it.
//!
//! These types mirror the Apps and Books wire format field for field (`camelCase`, Apple's
//! own spellings such as `uId` and `countryISO2ACode`). Unknown fields are ignored and
//! unknown enum values are kept (`Unknown(String)`), so a new value from Apple never breaks
//! decoding. They are separate from the domain types ([`crate::Location`],
//! [`crate::VppAccount`]), which are built from them and validated.
//!
//! [`decode_response`] turns an HTTP status and body into a wire type or a
//! [`ResponseError`], looking for Apple's `errorNumber` whatever
//! the status (Apple answers some errors with HTTP 200).

mod apple_error;
mod assets;
mod assignments;
mod client_config;
mod common;
mod error_body;
mod error_probe;
mod legacy;
mod licenses;
mod location_fields;
mod metadata;
mod notification;
mod paging;
mod service_config;
mod status;
mod users;

pub(crate) use apple_error::elide_quoted;
pub use apple_error::{AppleError, JsonError, ResponseError};
pub use assets::{AssetRecord, AssetsResponse, UNLIMITED_COUNT};
pub use assignments::{AssignmentRecord, AssignmentsResponse};
pub use client_config::{
    ClientConfig, ClientConfigUpdate, ClientConfigUpdateBuilder, MdmInfo, NotificationType,
    Platform, UpdateError,
};
pub use common::{EventType, PricingParam, ProductType};
pub use error_body::{ErrorBody, ErrorKind, ErrorNumber};
pub use legacy::{LegacyClientConfig, LegacyLocation, NumberOrString};
pub use licenses::{
    AssetRef, EventResponse, LicensesRequest, RevokeRequest, UserEntry, UsersRequest,
};
pub(crate) use location_fields::location_fields;
pub use metadata::{
    AppAttributes, AppResource, Artwork, BookAttributes, BookResource, CatalogError, CatalogErrors,
    CatalogResponse, DeviceFamily, LatestVersionInfo, LookupArtwork, LookupArtworkField, LookupId,
    LookupOffer, LookupResponse, LookupResult, LookupVersion, PlatformAttributes,
    StorefrontAttributes, StorefrontResource,
};
pub use notification::{
    AssetCountNotification, AssetManagementNotification, NotificationAssignment,
    NotificationResult, NotificationUser, UserAssociatedNotification, UserManagementNotification,
};
pub(crate) use paging::impl_page;
pub use paging::{Page, PageInfo};
pub use service_config::{
    ABSURD_FACTOR, ErrorCode, LimitProblem, LimitProblemKind, Limits, MAX_UNDOCUMENTED_LIMIT,
    ServiceConfig, Urls,
};
pub use status::{EventAsset, EventState, FailureInfo, StatusFailure, StatusResponse};
pub use users::{UserRecord, UserStatus, UsersResponse};

use serde::de::DeserializeOwned;

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

/// Serde helpers for strings that Apple sometimes writes as numbers.
pub(crate) mod string_or_number {
    use serde::{Deserialize, Deserializer};

    /// Accepts `"123"` or `123`, giving `Some("123")`; `null` gives `None`.
    ///
    /// Used for identities (`uId`), which must be kept exactly: a number that is not an
    /// integer within 64 bits is refused instead of rounded ([`crate::ids`] holds the rule).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct Exact(String);
        impl<'de> Deserialize<'de> for Exact {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::ids::exact_id(d, "a string or a number").map(Exact)
            }
        }
        Ok(Option::<Exact>::deserialize(d)?.map(|Exact(text)| text))
    }
}

/// Declares a string enum whose unknown values are kept in `Unknown(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the crate does not know, kept as Apple wrote it.
            Unknown(String),
        }

        impl $name {
            /// The value as Apple writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }
    };
}
pub(crate) use open_enum;
