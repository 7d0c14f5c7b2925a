//! App and book metadata: the Apps and Books Metadata for Organizations catalog
//! ([`GetAppsMetadata`], [`GetBooksMetadata`], [`GetStorefronts`]) and the legacy content
//! metadata lookup ([`LookupContentMetadata`]). See [`crate::metadata`].
//!
//! ```
//! use apple_vpp::api::{GetAppsMetadata, Credentials, HttpRequest, ServiceBase};
//! use apple_vpp::metadata::Storefront;
//! use apple_vpp::{AdamId, SecretString, VppToken};
//! # let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap()).build().unwrap();
//! let jwt = SecretString::new("eyJ…");
//! let apps = GetAppsMetadata::new(Storefront::new("de")?, vec![AdamId::new("361309726")]);
//! let request = HttpRequest::build(&apps, &ServiceBase::default(), Credentials::token(&token).with_developer(&jwt))?;
//! assert_eq!(
//!     request.url.as_str(),
//!     "https://api.ent.apple.com/v1/catalog/de/stoken-authenticated-apps?ids=361309726&platform=iphone&additionalPlatforms=ipad%2Cmac&extend%5Bapps%5D=latestVersionInfo"
//! );
//! assert!(request.cookie.unwrap().expose_secret().starts_with("itvt="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use url::Url;

use super::endpoint::{Auth, Endpoint, Host, Method, Replay, RequestError};
use crate::ids::AdamId;
use crate::metadata::Storefront;
use crate::wire::{
    self, AppResource, BookResource, CatalogResponse, LookupResponse, ResponseError,
    StorefrontResource,
};

fn join_ids(ids: &[AdamId]) -> String {
    ids.iter().map(AdamId::as_str).collect::<Vec<_>>().join(",")
}

/// Apple answers a request without ids (or with only empty ones) with HTTP 403, code
/// 40300 ("Invalid Stoken or Empty/Null ids Request Parameter", a production answer
/// logged in fleetdm/fleet#43596): such a request is never built.
fn no_empty_ids(ids: &[AdamId]) -> Result<(), RequestError> {
    if ids.iter().any(|id| !id.as_str().trim().is_empty()) {
        Ok(())
    } else {
        Err(RequestError::NoIds)
    }
}

/// `GET catalog/{storefront}/stoken-authenticated-apps?ids=…&platform=iphone&
/// additionalPlatforms=ipad,mac&extend[apps]=latestVersionInfo` ("Get Metadata for Your
/// Apps"): the location's own apps in one storefront. Ids the storefront does not know
/// are absent from the answer. Send at most [`crate::metadata::MAX_IDS_PER_REQUEST`]
/// ids.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAppsMetadata {
    /// The storefront (the path's `{storefront}`).
    pub storefront: Storefront,
    /// The adamIds (`ids`).
    pub ids: Vec<AdamId>,
    /// `platform` (default `iphone`).
    pub platform: String,
    /// `additionalPlatforms` (default `ipad`, `mac`).
    pub additional_platforms: Vec<String>,
    /// `l`: a language tag of the storefront (default: the storefront's own).
    pub language: Option<String>,
}

impl GetAppsMetadata {
    /// For `ids` in `storefront`, on iPhone, iPad and Mac, with the latest version.
    pub fn new(storefront: Storefront, ids: Vec<AdamId>) -> Self {
        Self {
            storefront,
            ids,
            platform: "iphone".into(),
            additional_platforms: vec!["ipad".into(), "mac".into()],
            language: None,
        }
    }
}

fn catalog_query(
    ids: &[AdamId],
    platform: &str,
    additional: &[String],
    extend: Option<(&'static str, &'static str)>,
    language: Option<&String>,
) -> Vec<(&'static str, String)> {
    let mut query = vec![("ids", join_ids(ids)), ("platform", platform.to_owned())];
    if !additional.is_empty() {
        query.push(("additionalPlatforms", additional.join(",")));
    }
    if let Some((name, value)) = extend {
        query.push((name, value.to_owned()));
    }
    if let Some(l) = language {
        query.push(("l", l.clone()));
    }
    query
}

impl Endpoint for GetAppsMetadata {
    type Response = CatalogResponse<AppResource>;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "catalog/{storefront}/stoken-authenticated-apps";
    const HOST: Host = Host::Metadata;
    const AUTH: Auth = Auth::DeveloperAndCookie;
    const REPLAY: Replay = Replay::Safe;

    fn path(&self) -> Cow<'_, str> {
        Cow::Owned(format!(
            "catalog/{}/stoken-authenticated-apps",
            self.storefront
        ))
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        catalog_query(
            &self.ids,
            &self.platform,
            &self.additional_platforms,
            Some(("extend[apps]", "latestVersionInfo")),
            self.language.as_ref(),
        )
    }

    fn check(&self) -> Result<(), RequestError> {
        no_empty_ids(&self.ids)
    }

    fn decode(status: u16, body: &[u8]) -> Result<Self::Response, ResponseError> {
        wire::decode_catalog(status, body)
    }
}

/// `GET catalog/{storefront}/stoken-authenticated-books?ids=…&platform=iphone` ("Get
/// Metadata for Your Books"): the location's own books in one storefront.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetBooksMetadata {
    /// The storefront.
    pub storefront: Storefront,
    /// The adamIds (`ids`).
    pub ids: Vec<AdamId>,
    /// `platform` (default `iphone`).
    pub platform: String,
    /// `additionalPlatforms` (default `ipad`, `mac`).
    pub additional_platforms: Vec<String>,
    /// `l`.
    pub language: Option<String>,
}

impl GetBooksMetadata {
    /// For `ids` in `storefront`.
    pub fn new(storefront: Storefront, ids: Vec<AdamId>) -> Self {
        Self {
            storefront,
            ids,
            platform: "iphone".into(),
            additional_platforms: vec!["ipad".into(), "mac".into()],
            language: None,
        }
    }
}

impl Endpoint for GetBooksMetadata {
    type Response = CatalogResponse<BookResource>;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "catalog/{storefront}/stoken-authenticated-books";
    const HOST: Host = Host::Metadata;
    const AUTH: Auth = Auth::DeveloperAndCookie;
    const REPLAY: Replay = Replay::Safe;

    fn path(&self) -> Cow<'_, str> {
        Cow::Owned(format!(
            "catalog/{}/stoken-authenticated-books",
            self.storefront
        ))
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        catalog_query(
            &self.ids,
            &self.platform,
            &self.additional_platforms,
            None,
            self.language.as_ref(),
        )
    }

    fn check(&self) -> Result<(), RequestError> {
        no_empty_ids(&self.ids)
    }

    fn decode(status: u16, body: &[u8]) -> Result<Self::Response, ResponseError> {
        wire::decode_catalog(status, body)
    }
}

/// The most storefronts the crate asks for in one page of [`GetStorefronts`]: 25.
pub const STOREFRONTS_PAGE_LIMIT: u32 = 25;

/// `GET storefronts?platform=…&limit=…&offset=…` ("Get All Storefronts",
/// <https://developer.apple.com/documentation/devicemanagement/get-all-storefronts>):
/// one page of the storefronts, in alphabetical order, with their names and languages
/// (developer token only). Apple marks `platform` required; `limit` and `offset` page
/// the answer (`offset` is a string on Apple's page: the crate sends the count of
/// storefronts already read). The client reads every page
/// (`VppClient::storefronts`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetStorefronts {
    /// `platform` (default `iphone`).
    pub platform: String,
    /// `limit`: at most this many in the page (default [`STOREFRONTS_PAGE_LIMIT`]).
    pub limit: u32,
    /// `offset`: the page's first storefront (0 for the first page).
    pub offset: u32,
    /// `l`: a language tag (default none).
    pub language: Option<String>,
}

impl Default for GetStorefronts {
    fn default() -> Self {
        Self::new()
    }
}

impl GetStorefronts {
    /// The first page, for iPhone.
    pub fn new() -> Self {
        Self {
            platform: "iphone".into(),
            limit: STOREFRONTS_PAGE_LIMIT,
            offset: 0,
            language: None,
        }
    }

    /// The same request from `offset` on.
    #[must_use]
    pub fn at_offset(&self, offset: u32) -> Self {
        Self {
            offset,
            ..self.clone()
        }
    }
}

impl Endpoint for GetStorefronts {
    type Response = CatalogResponse<StorefrontResource>;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "storefronts";
    const HOST: Host = Host::Metadata;
    const AUTH: Auth = Auth::Developer;
    const REPLAY: Replay = Replay::Safe;

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("platform", self.platform.clone()),
            ("limit", self.limit.to_string()),
            ("offset", self.offset.to_string()),
        ];
        if let Some(l) = &self.language {
            query.push(("l", l.clone()));
        }
        query
    }

    fn decode(status: u16, body: &[u8]) -> Result<Self::Response, ResponseError> {
        wire::decode_catalog(status, body)
    }
}

/// The `platform` of the legacy lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LookupPlatform {
    /// `enterprisestore`: apps of the business store.
    EnterpriseStore,
    /// `volumestore`: apps of the education store.
    VolumeStore,
    /// `macappstore`: the Mac metadata of an app (Apple's page: without it, an iPad app
    /// that runs on a Mac with Apple silicon is described with its iOS metadata).
    MacAppStore,
}

impl LookupPlatform {
    /// As the query writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnterpriseStore => "enterprisestore",
            Self::VolumeStore => "volumestore",
            Self::MacAppStore => "macappstore",
        }
    }
}

/// The legacy content metadata lookup ("Getting App and Book Information (Legacy)",
/// <https://developer.apple.com/documentation/devicemanagement/getting-app-and-book-information-legacy>):
/// `GET <contentMetadataLookup>?version=2&id=…&p=mdm-lockup&caller=MDM&platform=…&cc=…`.
/// No developer token. Given the location's token, it goes as the cookie
/// `itvt=<token>` ([`Auth::CookieIfToken`]): Apple then also finds the organization's
/// custom apps and apps no longer for sale, and answers a custom app's `artwork` as one
/// template object; without it, those apps are absent. The URL comes from the service
/// configuration and is checked before use ([`super::ServiceBase::check_lookup_url`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LookupContentMetadata {
    /// The service configuration's `contentMetadataLookup`.
    pub url: Url,
    /// The adamIds (`id`, comma-separated).
    pub ids: Vec<AdamId>,
    /// The storefront (`cc`).
    pub storefront: Storefront,
    /// `platform`.
    pub platform: LookupPlatform,
    /// `l`: a language (default none: the storefront's own).
    pub language: Option<String>,
}

impl LookupContentMetadata {
    /// For `ids` in `storefront`, in the business store.
    pub fn new(url: Url, storefront: Storefront, ids: Vec<AdamId>) -> Self {
        Self {
            url,
            ids,
            storefront,
            platform: LookupPlatform::EnterpriseStore,
            language: None,
        }
    }
}

impl Endpoint for LookupContentMetadata {
    type Response = LookupResponse;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "";
    const HOST: Host = Host::Absolute;
    const AUTH: Auth = Auth::CookieIfToken;
    const REPLAY: Replay = Replay::Safe;

    fn absolute_url(&self) -> Option<&Url> {
        Some(&self.url)
    }

    fn check(&self) -> Result<(), RequestError> {
        no_empty_ids(&self.ids)
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("version", "2".to_owned()),
            ("id", join_ids(&self.ids)),
            ("p", "mdm-lockup".to_owned()),
            ("caller", "MDM".to_owned()),
            ("platform", self.platform.as_str().to_owned()),
            ("cc", self.storefront.to_string()),
        ];
        if let Some(l) = &self.language {
            query.push(("l", l.clone()));
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Credentials, HttpRequest, RequestError, ServiceBase};
    use crate::secret::SecretString;
    use crate::token::VppToken;

    fn token() -> VppToken {
        VppToken::builder("o", "2031-01-01T00:00:00+00:00".parse().unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn catalog_requests_carry_the_developer_token_and_the_itvt_cookie() {
        let t = token();
        let jwt = SecretString::new("header.claims.signature");
        let books = GetBooksMetadata::new(Storefront::new("us").unwrap(), vec!["1".into()]);
        let base = ServiceBase::default()
            .with_metadata(crate::api::EDUCATION_METADATA_BASE_URL.parse().unwrap())
            .unwrap();
        let request =
            HttpRequest::build(&books, &base, Credentials::token(&t).with_developer(&jwt)).unwrap();
        assert_eq!(
            request.url.as_str(),
            "https://api.edu.apple.com/v1/catalog/us/stoken-authenticated-books?ids=1&platform=iphone&additionalPlatforms=ipad%2Cmac"
        );
        assert_eq!(
            request.authorization.as_ref().unwrap().expose_secret(),
            "Bearer header.claims.signature"
        );
        assert_eq!(
            request.cookie.as_ref().unwrap().expose_secret(),
            format!("itvt={}", t.expose_credential())
        );
        let shown = format!("{request:?}");
        assert!(!shown.contains("signature") && !shown.contains(t.expose_credential()));
        assert_eq!(
            HttpRequest::build(&books, &base, Credentials::token(&t)),
            Err(RequestError::MissingDeveloperToken)
        );
        assert_eq!(
            HttpRequest::build(&books, &base, Credentials::developer(&jwt)),
            Err(RequestError::MissingToken)
        );
        let storefronts = HttpRequest::build(
            &GetStorefronts::new().at_offset(25),
            &base,
            Credentials::token(&t).with_developer(&jwt),
        )
        .unwrap();
        assert_eq!(
            storefronts.url.as_str(),
            "https://api.edu.apple.com/v1/storefronts?platform=iphone&limit=25&offset=25"
        );
        assert!(storefronts.cookie.is_none());
    }

    #[test]
    fn the_lookup_url_must_be_apples_or_a_configured_base() {
        let base = ServiceBase::parse("http://127.0.0.1:9/mdm/v2").unwrap();
        let lookup = |url: &str| {
            let request = LookupContentMetadata::new(
                url.parse().unwrap(),
                Storefront::new("de").unwrap(),
                vec!["1".into(), "2".into()],
            );
            HttpRequest::build(&request, &base, Credentials::NONE)
        };
        let apple = lookup(
            "https://uclient-api.itunes.apple.com/WebObjects/MZStorePlatform.woa/wa/lookup?version=2&p=mdm-lockup&x=1",
        )
        .unwrap();
        assert_eq!(
            apple.url.as_str(),
            "https://uclient-api.itunes.apple.com/WebObjects/MZStorePlatform.woa/wa/lookup?x=1&version=2&id=1%2C2&p=mdm-lockup&caller=MDM&platform=enterprisestore&cc=de"
        );
        assert!(apple.authorization.is_none() && apple.cookie.is_none());
        assert!(lookup("http://127.0.0.1:9/lookup").is_ok());
        for bad in [
            "http://uclient-api.itunes.apple.com/lookup",
            "https://apple.com.evil.example/lookup",
            "https://evilapple.com/lookup",
            "http://127.0.0.1:10/lookup",
            "https://user:pw@uclient-api.itunes.apple.com/lookup",
        ] {
            assert!(
                matches!(lookup(bad), Err(RequestError::UntrustedUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn catalog_errors_keep_apples_error_objects() {
        let body = br#"{"errors":[{"id":"ABC","title":"Unauthorized","detail":"Invalid JWT","status":"401","code":"40100"}]}"#;
        let err = GetAppsMetadata::decode(401, body).unwrap_err();
        let ResponseError::Catalog { status, errors } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((*status, errors[0].code.as_deref()), (401, Some("40100")));
        assert!(err.to_string().starts_with(
            "Apple's metadata catalog answered HTTP 401 (code 40100 \"Unauthorized\"): Apple refused the developer token"
        ));
        let empty = GetStorefronts::decode(401, b"").unwrap_err();
        assert_eq!(
            empty,
            ResponseError::Catalog {
                status: 401,
                errors: vec![]
            }
        );
        assert_eq!(
            GetAppsMetadata::decode(429, b"{}").unwrap_err().kind(),
            crate::wire::ErrorKind::RateLimited
        );
    }
}
