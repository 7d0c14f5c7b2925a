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

// how Apple's text is read
mod open_enum;
pub(crate) mod string_or_number;

// values many answers share
mod common;
mod error_body;

// Apple's records
mod assets;
mod assignments;
mod client_config;
mod legacy;
mod licenses;
mod location_fields;
mod metadata;
mod notification;
mod paging;
mod service_config;
mod status;
mod users;

// Apple's errors, and reading an answer
mod apple_error;
mod decode;
mod error_probe;

pub(crate) use apple_error::elide_quoted;
pub use apple_error::{AppleError, JsonError, ResponseError};
pub use assets::{AssetRecord, AssetsResponse, UNLIMITED_COUNT};
pub use assignments::{AssignmentRecord, AssignmentsResponse};
pub use client_config::{
    ClientConfig, ClientConfigUpdate, ClientConfigUpdateBuilder, NotificationType, Platform,
    UpdateError,
};
pub use common::{EventType, PricingParam, ProductType};
pub use decode::{apple_error, decode_catalog, decode_response};
pub use error_body::{ErrorBody, ErrorKind, ErrorNumber};
pub use legacy::{LegacyClientConfig, LegacyLocation, NumberOrString};
pub use licenses::{
    AssetRef, EventResponse, LicensesRequest, RevokeRequest, UserEntry, UsersRequest,
};
pub use location_fields::MdmInfo;
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
pub use paging::{Page, PageInfo};
pub use service_config::{
    ABSURD_FACTOR, ErrorCode, LimitProblem, LimitProblemKind, Limits, MAX_UNDOCUMENTED_LIMIT,
    ServiceConfig, Urls,
};
pub use status::{EventAsset, EventState, FailureInfo, StatusFailure, StatusResponse};
pub use users::{UserRecord, UserStatus, UsersResponse};

pub(crate) use open_enum::open_enum;
