//! Names, icons, versions and platforms of the apps and books a location owns, for the
//! MDM's catalog screen.
//!
//! Apple offers two services, and both are modelled here, sans-IO:
//! - **Apps and Books Metadata for Organizations** (`https://api.ent.apple.com/v1`, or
//!   `https://api.edu.apple.com/v1` for education): the catalog answers
//!   ([`crate::wire::AppResource`], [`crate::wire::BookResource`]) for the location's
//!   owned content, authenticated by the MDM vendor's developer token
//!   ([`DeveloperKey`], feature `client`) and the location's content token as the `itvt`
//!   cookie. Endpoints: [`crate::api::GetAppsMetadata`], [`crate::api::GetBooksMetadata`],
//!   [`crate::api::GetStorefronts`].
//! - **The legacy content metadata lookup**: the `contentMetadataLookup` URL of the
//!   service configuration, without a developer token
//!   ([`crate::api::LookupContentMetadata`]).
//!
//! Both answers become one [`Metadata`] per adamId: name, bundle id per platform,
//! [`Artwork`] (with [`Artwork::url`] for a size and format), the latest version
//! (trimmed), device families and platforms; a book's author and ISBN.
//!
//! Apps are sold per storefront: [`StorefrontSearch`] asks the location's own storefront
//! first ([`storefront_for_country`]) and the ids it does not know once in a fallback set
//! ([`DEFAULT_FALLBACK_STOREFRONTS`]); its [`StorefrontResolution`] says where each id was
//! found and which were found nowhere.
//!
//! Apple documents no largest number of `ids` per catalog request; the crate sends at
//! most [`MAX_IDS_PER_REQUEST`] (25) per request, see there.

// the catalog's answers as one model
mod model;
mod storefront;

// the vendor's credential for the catalog
#[cfg(feature = "client")]
mod developer_token;

#[cfg(feature = "client")]
pub use developer_token::{
    APPLE_MAX_TOKEN_LIFETIME, CLOCK_SKEW_MARGIN, DEFAULT_TOKEN_LIFETIME, DeveloperKey,
    DeveloperKeyError, DeveloperToken, REMINT_MARGIN,
};
pub use model::{
    AppMetadata, Artwork, BookMetadata, DEFAULT_ARTWORK_CROP, MAX_IDS_PER_REQUEST, Metadata,
    MetadataPlatform, PlatformInfo,
};
pub use storefront::{
    DEFAULT_FALLBACK_STOREFRONTS, Storefront, StorefrontError, StorefrontResolution,
    StorefrontSearch, storefront_for_country,
};
