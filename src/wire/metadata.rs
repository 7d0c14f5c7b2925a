//! Apple's app and book metadata answers, as Apple writes them: the Apps and Books
//! Metadata for Organizations catalog (`…/v1/catalog/{storefront}/stoken-authenticated-apps`,
//! `…-books`, `…/v1/storefronts`) and the legacy content metadata lookup
//! (`contentMetadataLookup` of the service configuration).
//!
//! Apple's pages: "Get Metadata for Your Apps", "Get Metadata for Your Books", "Fetching
//! storefront objects", "Handling requests and responses" and "Getting App and Book
//! Information (Legacy)". Every field is optional here; [`crate::metadata`] decides what
//! an MDM can rely on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;

/// A catalog answer: `{"data": [...]}` (a "resource collection response"). Ids the
/// storefront does not know are simply absent from `data`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct CatalogResponse<T> {
    /// `data`: the resources found (empty when absent).
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// `next`: the path of the next page of a paged answer (storefronts), when there is
    /// one.
    #[serde(default)]
    pub next: Option<String>,
}

impl<T> Default for CatalogResponse<T> {
    fn default() -> Self {
        Self {
            data: Vec::new(),
            next: None,
        }
    }
}

/// One app of `stoken-authenticated-apps`: `{"id","type":"apps","href","attributes"}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppResource {
    /// `id`: the adamId.
    #[serde(default)]
    pub id: String,
    /// `type`: `apps`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// `href`: the resource's path.
    #[serde(default)]
    pub href: Option<String>,
    /// `attributes`.
    #[serde(default)]
    pub attributes: AppAttributes,
}

/// `attributes` of an app.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppAttributes {
    /// `name`: the app's name in the storefront's language.
    #[serde(default)]
    pub name: Option<String>,
    /// `deviceFamilies`: e.g. `iphone`, `ipad`, `mac`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_families: Vec<DeviceFamily>,
    /// `platformAttributes`: per platform (`ios`, `osx`, `appletvos`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platform_attributes: BTreeMap<String, PlatformAttributes>,
    /// `artistName`: the developer's name, when Apple sends it.
    #[serde(default)]
    pub artist_name: Option<String>,
    /// `url`: the App Store page.
    #[serde(default)]
    pub url: Option<String>,
    /// `isVppDeviceBasedLicensingEnabled`: whether a license of the app can be assigned to
    /// a device (Apple's "Get Metadata for Your Apps" example carries it).
    #[serde(default)]
    pub is_vpp_device_based_licensing_enabled: Option<bool>,
    /// `isB2BCustomApp`: a custom app made for the organization.
    #[serde(default, rename = "isB2BCustomApp")]
    pub is_b2b_custom_app: Option<bool>,
}

/// One platform's attributes of an app (`platformAttributes.ios`, `.osx`, …).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlatformAttributes {
    /// `artwork`: the icon as a URL template.
    #[serde(default)]
    pub artwork: Option<Artwork>,
    /// `bundleId`.
    #[serde(default)]
    pub bundle_id: Option<String>,
    /// `externalVersionId`: the version's identifier (compare with a device's
    /// `ExternalVersionIdentifier`).
    #[serde(default)]
    pub external_version_id: Option<serde_json::Number>,
    /// `latestVersionInfo` (with `extend[apps]=latestVersionInfo`).
    #[serde(default)]
    pub latest_version_info: Option<LatestVersionInfo>,
    /// `minimumOSVersion`, when Apple sends it.
    #[serde(default, rename = "minimumOSVersion")]
    pub minimum_os_version: Option<String>,
}

/// `latestVersionInfo`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LatestVersionInfo {
    /// `versionDisplay`: as Apple wrote it (Apple has sent one with a leading space).
    #[serde(default)]
    pub version_display: Option<String>,
    /// `releaseDate`, when Apple sends it.
    #[serde(default)]
    pub release_date: Option<String>,
}

/// `artwork`: `{"url": "…/{w}x{h}bb.{f}", "width", "height", "bgColor", "textColor1"…}`
/// (Apple's "Artwork" object of "Common objects": the template may also hold `{c}`, the
/// crop; width and height are JSON numbers, kept as Apple wrote them, possibly
/// fractional).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Artwork {
    /// `url`: a template with `{w}`, `{h}`, `{f}` and possibly `{c}`.
    #[serde(default)]
    pub url: String,
    /// `width`: the largest width available.
    #[serde(default)]
    pub width: Option<serde_json::Number>,
    /// `height`: the largest height available.
    #[serde(default)]
    pub height: Option<serde_json::Number>,
    /// `bgColor`: the background colour, hexadecimal RGB (`ffffff`).
    #[serde(default)]
    pub bg_color: Option<String>,
    /// `textColor1`: the primary text colour on `bgColor`.
    #[serde(default)]
    pub text_color1: Option<String>,
    /// `textColor2`.
    #[serde(default)]
    pub text_color2: Option<String>,
    /// `textColor3`.
    #[serde(default)]
    pub text_color3: Option<String>,
    /// `textColor4`.
    #[serde(default)]
    pub text_color4: Option<String>,
}

open_enum! {
    /// `deviceFamilies`: the devices an app runs on.
    pub enum DeviceFamily {
        /// `iphone`.
        Iphone = "iphone",
        /// `ipad`.
        Ipad = "ipad",
        /// `ipod`.
        Ipod = "ipod",
        /// `mac`.
        Mac = "mac",
        /// `tvos`.
        Tvos = "tvos",
        /// `watch`.
        Watch = "watch",
        /// `realityDevice` (Apple Vision Pro).
        RealityDevice = "realityDevice",
    }
}

/// One book of `stoken-authenticated-books`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BookResource {
    /// `id`: the adamId.
    #[serde(default)]
    pub id: String,
    /// `type`: `books`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// `href`.
    #[serde(default)]
    pub href: Option<String>,
    /// `attributes`.
    #[serde(default)]
    pub attributes: BookAttributes,
}

/// `attributes` of a book.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BookAttributes {
    /// `name`: the title.
    #[serde(default)]
    pub name: Option<String>,
    /// `artistName`: the author.
    #[serde(default)]
    pub artist_name: Option<String>,
    /// `isbn`.
    #[serde(default)]
    pub isbn: Option<String>,
    /// `genreNames`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub genre_names: Vec<String>,
    /// `artwork`: the cover as a URL template.
    #[serde(default)]
    pub artwork: Option<Artwork>,
    /// `url`: the Book Store page.
    #[serde(default)]
    pub url: Option<String>,
}

/// One storefront of `GET /v1/storefronts`: `{"id":"us","type":"storefronts",
/// "attributes":{"name","defaultLanguageTag","supportedLanguageTags"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StorefrontResource {
    /// `id`: the storefront, an ISO 3166 alpha-2 code in lower case (`us`).
    #[serde(default)]
    pub id: String,
    /// `type`: `storefronts`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// `attributes`.
    #[serde(default)]
    pub attributes: StorefrontAttributes,
}

/// `attributes` of a storefront.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StorefrontAttributes {
    /// `name`: e.g. `United States`.
    #[serde(default)]
    pub name: Option<String>,
    /// `defaultLanguageTag`: e.g. `en-US`.
    #[serde(default)]
    pub default_language_tag: Option<String>,
    /// `supportedLanguageTags`: the values the `l` parameter takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_language_tags: Vec<String>,
}

/// The catalog's error answer: `{"errors":[{"id","title","detail","status","code"}]}`
/// ("Handling requests and responses": the status code reflects the primary error).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CatalogErrors {
    /// `errors`.
    #[serde(default)]
    pub errors: Vec<CatalogError>,
}

/// One error object of the catalog.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CatalogError {
    /// `id`: this occurrence's identifier.
    #[serde(default)]
    pub id: Option<String>,
    /// `title`: a short summary.
    #[serde(default)]
    pub title: Option<String>,
    /// `detail`: a longer explanation.
    #[serde(default)]
    pub detail: Option<String>,
    /// `status`: the HTTP status, as a string.
    #[serde(default)]
    pub status: Option<String>,
    /// `code`: Apple's code, e.g. `40400`.
    #[serde(default)]
    pub code: Option<String>,
}

impl CatalogError {
    /// Removes `secret` from the title and detail (a server that echoes the request must
    /// not put a credential into logs).
    pub fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for text in [&mut self.title, &mut self.detail].into_iter().flatten() {
            if text.contains(secret) {
                *text = text.replace(secret, "[redacted]");
            }
        }
    }
}

/// The legacy lookup's answer: `{"results": {"<adamId>": {…}, …}}`. Ids the storefront
/// does not know are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LookupResponse {
    /// `results`, by adamId.
    #[serde(default)]
    pub results: BTreeMap<String, LookupResult>,
}

/// The legacy lookup's `id`: Apple's first example writes it as a JSON number
/// (`361309726`), the example with the cookie as a string (`"451796775"`). Kept as
/// written; [`LookupId::to_adam_id`] gives the id either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum LookupId {
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string.
    Text(String),
}

impl LookupId {
    /// The id as text: the number's digits, or the string.
    pub fn to_adam_id(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(s) => s.clone(),
        }
    }
}

/// The legacy lookup's `artwork`, in either of Apple's two forms ("Getting App and Book
/// Information (Legacy)"): without the cookie an array of fixed-size images
/// (`…/128x128bb.png`); with the cookie (custom apps) one object with a
/// `{w}x{h}bb.{f}` template and colours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum LookupArtworkField {
    /// Fixed-size images (tried first: a struct would also accept an array).
    Images(Vec<LookupArtwork>),
    /// One object with a template (as the catalog's [`Artwork`]).
    Template(Artwork),
}

/// One entry of the legacy lookup's `results`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LookupResult {
    /// `id`: a number or a string, as Apple wrote it.
    #[serde(default)]
    pub id: Option<LookupId>,
    /// `name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `artistName`: the developer, or a book's author.
    #[serde(default)]
    pub artist_name: Option<String>,
    /// `kind`: e.g. `iosSoftware`, `macSoftware`, `ebook`.
    #[serde(default)]
    pub kind: Option<String>,
    /// `bundleId`.
    #[serde(default)]
    pub bundle_id: Option<String>,
    /// `artwork`: fixed-size images, or one template object (with the cookie).
    #[serde(default)]
    pub artwork: Option<LookupArtworkField>,
    /// `deviceFamilies`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_families: Vec<DeviceFamily>,
    /// `isVppDeviceBasedLicensingEnabled`: whether a license can go to a device.
    #[serde(default)]
    pub is_vpp_device_based_licensing_enabled: Option<bool>,
    /// `isB2BCustomApp`: a custom app (found only with the cookie).
    #[serde(default, rename = "isB2BCustomApp")]
    pub is_b2b_custom_app: Option<bool>,
    /// `offers`: the version is in `offers[].version.display`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<LookupOffer>,
    /// `isbn`, for a book.
    #[serde(default)]
    pub isbn: Option<String>,
    /// `genreNames`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub genre_names: Vec<String>,
    /// `url`: the store page.
    #[serde(default)]
    pub url: Option<String>,
}

/// One image of the legacy lookup's `artwork`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LookupArtwork {
    /// `url`: a fixed-size image.
    #[serde(default)]
    pub url: String,
    /// `width`, as Apple wrote the number.
    #[serde(default)]
    pub width: Option<serde_json::Number>,
    /// `height`, as Apple wrote the number.
    #[serde(default)]
    pub height: Option<serde_json::Number>,
}

/// One entry of the legacy lookup's `offers`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LookupOffer {
    /// `version`.
    #[serde(default)]
    pub version: Option<LookupVersion>,
}

/// `offers[].version`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LookupVersion {
    /// `display`: the version shown to users.
    #[serde(default)]
    pub display: Option<String>,
    /// `externalId`.
    #[serde(default, rename = "externalId")]
    pub external_id: Option<serde_json::Number>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_ignored_and_unknown_families_kept() {
        let body =
            br#"{"data":[{"id":"361309726","type":"apps","href":"/v1/catalog/us/apps/361309726",
            "attributes":{"name":"Pages","deviceFamilies":["iphone","ipad","vision-2"],"newThing":1,
            "platformAttributes":{"ios":{"bundleId":"com.apple.Pages","externalVersionId":8600,
              "artwork":{"url":"https://is1.example/{w}x{h}bb.{f}","width":1024,"height":1024},
              "latestVersionInfo":{"versionDisplay":" 14.1"}}}}}]}"#;
        let answer: CatalogResponse<AppResource> = serde_json::from_slice(body).unwrap();
        let app = &answer.data[0];
        assert_eq!(app.id, "361309726");
        assert_eq!(
            app.attributes.device_families,
            [
                DeviceFamily::Iphone,
                DeviceFamily::Ipad,
                DeviceFamily::Unknown("vision-2".into())
            ]
        );
        let ios = &app.attributes.platform_attributes["ios"];
        assert_eq!(ios.bundle_id.as_deref(), Some("com.apple.Pages"));
        assert_eq!(
            ios.latest_version_info
                .as_ref()
                .unwrap()
                .version_display
                .as_deref(),
            Some(" 14.1")
        );
    }

    #[test]
    fn an_empty_answer_has_no_data() {
        let answer: CatalogResponse<BookResource> = serde_json::from_slice(b"{}").unwrap();
        assert!(answer.data.is_empty());
        let errors: CatalogErrors = serde_json::from_slice(
            br#"{"errors":[{"id":"X","title":"Not Found","detail":"No storefront xx","status":"404","code":"40400"}]}"#,
        )
        .unwrap();
        assert_eq!(errors.errors[0].code.as_deref(), Some("40400"));
    }
}
