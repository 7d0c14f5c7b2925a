//! The metadata of one app or book, from either service, as the MDM shows it.

use serde::{Deserialize, Serialize};

use crate::ids::AdamId;
use crate::wire::{self, DeviceFamily, open_enum};

/// The most adamIds the crate puts in one metadata request, 25 (`ids=…`, and the legacy
/// lookup's `id=…`).
///
/// Apple's pages ("Get Metadata for Your Apps", "Get Metadata for Your Books") give no
/// maximum (its pages for the public catalog give 100 apps and 150 books). 25 keeps each request's URL short (25 ids of up to 10 digits) and each answer
/// well under the client's 1 MiB body limit even with every extended attribute, while a
/// location with 1000 apps still needs only 40 requests per storefront.
pub const MAX_IDS_PER_REQUEST: usize = 25;

open_enum! {
    /// A key of `platformAttributes`: the platform an app's attributes describe.
    pub enum MetadataPlatform {
        /// `ios` (iPhone, iPad).
        Ios = "ios",
        /// `osx` (Mac).
        Osx = "osx",
        /// `appletvos` (Apple TV).
        AppleTvOs = "appletvos",
        /// `watchos` (Apple Watch).
        WatchOs = "watchos",
        /// `xros` (Apple Vision Pro).
        XrOs = "xros",
    }
}

/// An icon or cover: a URL template with `{w}`, `{h}`, `{f}` (and possibly `{c}`, the
/// crop), the largest size Apple has, and the background colour when Apple sends one
/// (the "Artwork" object of Apple's "Common objects",
/// <https://developer.apple.com/documentation/devicemanagement/artwork>).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Artwork {
    /// The template, e.g. `https://is1-ssl.mzstatic.com/…/{w}x{h}bb.{f}`.
    pub template: String,
    /// The largest width available, rounded up when Apple sent a fraction (0 when Apple
    /// did not say).
    pub width: u32,
    /// The largest height available, rounded up (0 when Apple did not say).
    pub height: u32,
    /// `bgColor`, hexadecimal RGB (`ffffff`), when Apple sends it: the colour to show
    /// behind the image while it loads.
    pub background_color: Option<String>,
}

/// The crop [`Artwork::url`] puts for `{c}`: `bb`, the bounding box, the crop Apple's
/// own templates spell out (`{w}x{h}bb.{f}`).
pub const DEFAULT_ARTWORK_CROP: &str = "bb";

impl Artwork {
    /// The image's URL for `width` × `height` in `format` (`png`, `jpg`, `webp`), with
    /// the crop [`DEFAULT_ARTWORK_CROP`] where the template has `{c}`.
    ///
    /// ```
    /// use apple_vpp::metadata::Artwork;
    /// let icon = Artwork::new("https://is1.example/a/{w}x{h}bb.{f}", 1024, 1024);
    /// assert_eq!(icon.url(512, 512, "png"), "https://is1.example/a/512x512bb.png");
    /// let cropped = Artwork::new("https://is1.example/a/{w}x{h}{c}.{f}", 1024, 1024);
    /// assert_eq!(cropped.url(512, 512, "png"), "https://is1.example/a/512x512bb.png");
    /// ```
    pub fn url(&self, width: u32, height: u32, format: &str) -> String {
        self.template
            .replace("{w}", &width.to_string())
            .replace("{h}", &height.to_string())
            .replace("{c}", DEFAULT_ARTWORK_CROP)
            .replace("{f}", format)
    }

    /// An artwork from its template and largest size.
    pub fn new(template: impl Into<String>, width: u32, height: u32) -> Self {
        Self {
            template: template.into(),
            width,
            height,
            background_color: None,
        }
    }

    pub(crate) fn from_wire(artwork: wire::Artwork) -> Option<Self> {
        (!artwork.url.is_empty()).then(|| Self {
            template: artwork.url,
            width: pixels(artwork.width.as_ref()),
            height: pixels(artwork.height.as_ref()),
            background_color: non_empty(artwork.bg_color),
        })
    }

    /// The legacy lookup's `artwork`: one template object (with the cookie) is read as
    /// the catalog's; of fixed-size images (`…/128x128bb.png`) the largest becomes a
    /// template when its last path segment has that shape (`{w}x{h}bb.{f}`), else it is
    /// kept as it is (then [`Artwork::url`] gives that image whatever the size asked).
    fn from_lookup(artwork: Option<wire::LookupArtworkField>) -> Option<Self> {
        let images = match artwork? {
            wire::LookupArtworkField::Template(template) => return Self::from_wire(template),
            wire::LookupArtworkField::Images(images) => images,
        };
        let largest = images
            .into_iter()
            .filter(|a| !a.url.is_empty())
            .max_by_key(|a| pixels(a.width.as_ref()))?;
        let template = templated(&largest.url).unwrap_or_else(|| largest.url.clone());
        Some(Self {
            template,
            width: pixels(largest.width.as_ref()),
            height: pixels(largest.height.as_ref()),
            background_color: None,
        })
    }
}

/// A width or height as Apple wrote it (a JSON number, possibly fractional) in whole
/// pixels: rounded up, negative or absent as 0, at most `u32::MAX`.
fn pixels(number: Option<&serde_json::Number>) -> u32 {
    let Some(number) = number else { return 0 };
    if let Some(whole) = number.as_u64() {
        return u32::try_from(whole).unwrap_or(u32::MAX);
    }
    match number.as_f64() {
        Some(f) if f > 0.0 => {
            let up = f.ceil();
            if up >= f64::from(u32::MAX) {
                u32::MAX
            } else {
                up as u32
            }
        }
        _ => 0,
    }
}

/// `…/128x128bb.png` → `…/{w}x{h}bb.{f}`.
fn templated(url: &str) -> Option<String> {
    let (head, last) = url.rsplit_once('/')?;
    let (size, rest) = last.split_once('x')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let height_end = rest.find(|c: char| !c.is_ascii_digit())?;
    let (height, tail) = rest.split_at(height_end);
    let (suffix, _format) = tail.rsplit_once('.')?;
    if !digits(size) || !digits(height) || suffix.contains('/') {
        return None;
    }
    Some(format!("{head}/{{w}}x{{h}}{suffix}.{{f}}"))
}

/// What one platform of an app says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlatformInfo {
    /// The platform (`ios`, `osx`, …).
    pub platform: MetadataPlatform,
    /// The bundle identifier on this platform.
    pub bundle_id: Option<String>,
    /// The icon on this platform.
    pub artwork: Option<Artwork>,
    /// The latest version shown to users, trimmed (Apple has sent `" 353.0"`); `None`
    /// when absent or blank.
    pub latest_version: Option<String>,
    /// The latest version's `externalVersionId`, as Apple wrote the number.
    pub external_version_id: Option<String>,
}

/// An app's metadata in one storefront.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppMetadata {
    /// The adamId.
    pub adam_id: AdamId,
    /// The name in the storefront's language.
    pub name: Option<String>,
    /// The device families it runs on (`iphone`, `ipad`, `mac`, …).
    pub device_families: Vec<DeviceFamily>,
    /// Per platform, in Apple's order of keys (alphabetical).
    pub platforms: Vec<PlatformInfo>,
    /// Whether a license can go to a device, when the answer says (the catalog's
    /// `attributes.isVppDeviceBasedLicensingEnabled`, the legacy lookup's
    /// `isVppDeviceBasedLicensingEnabled`; the location's assets say it too, as
    /// [`crate::Asset::device_assignable`]).
    pub device_assignable: Option<bool>,
    /// The developer's name, when Apple sends it.
    pub developer: Option<String>,
    /// Whether it is a custom app made for the organization (`isB2BCustomApp`), when
    /// the answer says. The legacy lookup finds these only with the location's token.
    pub custom_app: Option<bool>,
}

/// A book's metadata in one storefront.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BookMetadata {
    /// The adamId.
    pub adam_id: AdamId,
    /// The title.
    pub name: Option<String>,
    /// The author (`artistName`).
    pub author: Option<String>,
    /// The ISBN.
    pub isbn: Option<String>,
    /// The genres.
    pub genres: Vec<String>,
    /// The cover.
    pub artwork: Option<Artwork>,
}

/// An app's or a book's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Metadata {
    /// An app.
    App(AppMetadata),
    /// A book.
    Book(BookMetadata),
}

impl Metadata {
    /// The adamId.
    pub fn adam_id(&self) -> &AdamId {
        match self {
            Self::App(a) => &a.adam_id,
            Self::Book(b) => &b.adam_id,
        }
    }

    /// The name or title.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::App(a) => a.name.as_deref(),
            Self::Book(b) => b.name.as_deref(),
        }
    }

    /// The first platform's bundle id (an app's; `None` for a book).
    pub fn bundle_id(&self) -> Option<&str> {
        match self {
            Self::App(a) => a.platforms.iter().find_map(|p| p.bundle_id.as_deref()),
            Self::Book(_) => None,
        }
    }

    /// The icon (the first platform's that has one) or the cover.
    pub fn artwork(&self) -> Option<&Artwork> {
        match self {
            Self::App(a) => a.platforms.iter().find_map(|p| p.artwork.as_ref()),
            Self::Book(b) => b.artwork.as_ref(),
        }
    }

    /// The latest version (the first platform's that has one; `None` for a book).
    pub fn latest_version(&self) -> Option<&str> {
        match self {
            Self::App(a) => a.platforms.iter().find_map(|p| p.latest_version.as_deref()),
            Self::Book(_) => None,
        }
    }

    /// The platforms, as Apple names them (`ios`, `osx`, …; empty for a book).
    pub fn platforms(&self) -> Vec<&str> {
        match self {
            Self::App(a) => a.platforms.iter().map(|p| p.platform.as_str()).collect(),
            Self::Book(_) => Vec::new(),
        }
    }
}

fn trimmed(version: Option<String>) -> Option<String> {
    let version = version?;
    let trimmed = version.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

impl AppMetadata {
    /// From one app of the catalog's answer; `None` when it has no id.
    pub fn from_wire(app: wire::AppResource) -> Option<Self> {
        if app.id.is_empty() {
            return None;
        }
        let attributes = app.attributes;
        let platforms = attributes
            .platform_attributes
            .into_iter()
            .map(|(key, p)| PlatformInfo {
                platform: MetadataPlatform::from(key.as_str()),
                bundle_id: non_empty(p.bundle_id),
                artwork: p.artwork.and_then(Artwork::from_wire),
                latest_version: trimmed(p.latest_version_info.and_then(|v| v.version_display)),
                external_version_id: p.external_version_id.map(|n| n.to_string()),
            })
            .collect();
        Some(Self {
            adam_id: AdamId::new(app.id),
            name: non_empty(attributes.name),
            device_families: attributes.device_families,
            platforms,
            device_assignable: attributes.is_vpp_device_based_licensing_enabled,
            developer: non_empty(attributes.artist_name),
            custom_app: attributes.is_b2b_custom_app,
        })
    }
}

impl BookMetadata {
    /// From one book of the catalog's answer; `None` when it has no id.
    pub fn from_wire(book: wire::BookResource) -> Option<Self> {
        if book.id.is_empty() {
            return None;
        }
        let a = book.attributes;
        Some(Self {
            adam_id: AdamId::new(book.id),
            name: non_empty(a.name),
            author: non_empty(a.artist_name),
            isbn: non_empty(a.isbn),
            genres: a.genre_names,
            artwork: a.artwork.and_then(Artwork::from_wire),
        })
    }
}

impl Metadata {
    /// From one entry of the legacy lookup's `results` (keyed by `adam_id`). A `kind`
    /// naming a book (`ebook`, `book`) gives a book; anything else an app, whose one
    /// platform is `osx` for `macSoftware` and `ios` otherwise.
    pub fn from_lookup(adam_id: &str, result: wire::LookupResult) -> Self {
        // The key of `results` is the id asked for; `id` says the same, as a number or a
        // string.
        let adam_id = AdamId::new(
            result
                .id
                .as_ref()
                .map(wire::LookupId::to_adam_id)
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| adam_id.to_owned()),
        );
        let kind = result.kind.as_deref().unwrap_or("");
        let artwork = Artwork::from_lookup(result.artwork);
        if kind.eq_ignore_ascii_case("ebook") || kind.eq_ignore_ascii_case("book") {
            return Self::Book(BookMetadata {
                adam_id,
                name: non_empty(result.name),
                author: non_empty(result.artist_name),
                isbn: non_empty(result.isbn),
                genres: result.genre_names,
                artwork,
            });
        }
        let platform = if kind.eq_ignore_ascii_case("macSoftware") {
            MetadataPlatform::Osx
        } else {
            MetadataPlatform::Ios
        };
        let version = result
            .offers
            .into_iter()
            .find_map(|o| o.version)
            .unwrap_or_default();
        Self::App(AppMetadata {
            adam_id,
            name: non_empty(result.name),
            device_families: result.device_families,
            platforms: vec![PlatformInfo {
                platform,
                bundle_id: non_empty(result.bundle_id),
                artwork,
                latest_version: trimmed(version.display),
                external_version_id: version.external_id.map(|n| n.to_string()),
            }],
            device_assignable: result.is_vpp_device_based_licensing_enabled,
            developer: non_empty(result.artist_name),
            custom_app: result.is_b2b_custom_app,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artwork_urls_for_a_size_and_format() {
        let art = Artwork::new("https://is1.example/p/{w}x{h}bb.{f}", 1024, 1024);
        assert_eq!(
            art.url(512, 512, "png"),
            "https://is1.example/p/512x512bb.png"
        );
        assert_eq!(
            art.url(64, 32, "webp"),
            "https://is1.example/p/64x32bb.webp"
        );
    }

    #[test]
    fn legacy_fixed_size_images_become_a_template() {
        assert_eq!(
            templated("https://is4-ssl.mzstatic.com/image/thumb/x/AppIcon.png/128x128bb.png")
                .as_deref(),
            Some("https://is4-ssl.mzstatic.com/image/thumb/x/AppIcon.png/{w}x{h}bb.{f}")
        );
        assert_eq!(templated("https://a.example/icon.png"), None);
        assert_eq!(templated("https://a.example/axb.png"), None);
    }

    #[test]
    fn fractional_and_odd_sizes_become_whole_pixels() {
        let n = |text: &str| serde_json::from_str::<serde_json::Number>(text).unwrap();
        assert_eq!(pixels(Some(&n("1024"))), 1024);
        assert_eq!(pixels(Some(&n("511.5"))), 512);
        assert_eq!(pixels(Some(&n("-3"))), 0);
        assert_eq!(pixels(Some(&n("1e20"))), u32::MAX);
        assert_eq!(pixels(Some(&n("99999999999"))), u32::MAX);
        assert_eq!(pixels(None), 0);
    }

    #[test]
    fn versions_are_trimmed_and_blank_ones_dropped() {
        assert_eq!(trimmed(Some(" 353.0".into())).as_deref(), Some("353.0"));
        assert_eq!(trimmed(Some("  ".into())), None);
        assert_eq!(trimmed(None), None);
    }

    #[test]
    fn unknown_platforms_are_kept() {
        let app: wire::AppResource = serde_json::from_str(
            r#"{"id":"1","attributes":{"name":"X","platformAttributes":{"visionos2":{"bundleId":"b"},"ios":{}}}}"#,
        )
        .unwrap();
        let app = AppMetadata::from_wire(app).unwrap();
        assert_eq!(
            app.platforms
                .iter()
                .map(|p| p.platform.clone())
                .collect::<Vec<_>>(),
            [
                MetadataPlatform::Ios,
                MetadataPlatform::Unknown("visionos2".into())
            ]
        );
        assert_eq!(Metadata::App(app).bundle_id(), Some("b"));
    }
}
