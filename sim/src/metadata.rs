//! What the metadata services say about an asset: availability per storefront and the
//! JSON of the catalog (`apps`, `books`) and of the legacy lookup.
//!
//! Every answer has the keys and JSON types of Apple's published example for the same
//! endpoint (the simulator's tests compare them by shape with the crate's corpus of
//! Apple's answers): "Get Metadata for Your Apps", "Get Metadata for Your Books", and the
//! two forms of "Getting App and Book Information (Legacy)" (without the `itvt` cookie:
//! `id` a number and `artwork` an array of fixed-size images; with it: `id` a string and
//! `artwork` one template object with colours). Values the scenario does not set are
//! plausible placeholders.

use serde_json::{Value, json};

use crate::model::Asset;

/// Whether the asset is sold in `storefront` (one the catalog knows).
pub(crate) fn available(asset: &Asset, storefront: &str) -> bool {
    match &asset.metadata.storefronts {
        Some(list) => list.iter().any(|s| s.eq_ignore_ascii_case(storefront)),
        None => true,
    }
}

pub(crate) fn is_book(asset: &Asset) -> bool {
    asset.product_type == "Book"
}

fn name(asset: &Asset, storefront: &str) -> String {
    let m = &asset.metadata;
    if let Some(n) = m.names.get(&storefront.to_ascii_lowercase()) {
        return n.clone();
    }
    m.name.clone().unwrap_or_else(|| {
        let kind = if is_book(asset) { "Book" } else { "App" };
        format!("{kind} {}", asset.adam_id)
    })
}

fn platforms(asset: &Asset) -> Vec<String> {
    if let Some(p) = &asset.metadata.platforms {
        return p.clone();
    }
    asset
        .supported_platforms
        .iter()
        .map(|p| match p.as_str() {
            "iOS" => "ios".to_string(),
            "macOS" => "osx".to_string(),
            "tvOS" => "appletvos".to_string(),
            "watchOS" => "watchos".to_string(),
            "visionOS" => "xros".to_string(),
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

fn device_families(asset: &Asset) -> Vec<String> {
    if let Some(d) = &asset.metadata.device_families {
        return d.clone();
    }
    let mut out = Vec::new();
    for p in platforms(asset) {
        match p.as_str() {
            "ios" => out.extend(["iphone".to_string(), "ipad".to_string()]),
            "osx" => out.push("mac".to_string()),
            "appletvos" => out.push("tvos".to_string()),
            "watchos" => out.push("watch".to_string()),
            "xros" => out.push("realityDevice".to_string()),
            _ => {}
        }
    }
    out
}

fn artwork(asset: &Asset) -> String {
    asset.metadata.artwork.clone().unwrap_or_else(|| {
        format!(
            "https://is1-ssl.mzstatic.com/image/thumb/apple-vpp-sim/{}/{{w}}x{{h}}bb.{{f}}",
            asset.adam_id
        )
    })
}

fn bundle_id(asset: &Asset) -> String {
    asset
        .metadata
        .bundle_id
        .clone()
        .unwrap_or_else(|| format!("com.example.sim.{}", asset.adam_id))
}

fn version(asset: &Asset) -> String {
    asset
        .metadata
        .version
        .clone()
        .unwrap_or_else(|| "1.0".into())
}

/// A stable external version id derived from the adamId (the simulator has one version).
fn external_version_id(asset: &Asset) -> u64 {
    crate::model::fnv(&asset.adam_id) % 900_000_000 + 100_000_000
}

/// The adamId as a JSON number when it is one (Apple's lookup without the cookie writes
/// `id` so), else as a string.
fn numeric_id(asset: &Asset) -> Value {
    asset
        .adam_id
        .parse::<u64>()
        .map_or_else(|_| json!(asset.adam_id), |n| json!(n))
}

fn is_custom(asset: &Asset) -> bool {
    asset.metadata.custom
}

fn developer_name(asset: &Asset) -> String {
    if is_book(asset) {
        asset
            .metadata
            .author
            .clone()
            .unwrap_or_else(|| "Example Author".into())
    } else {
        "Example Developer".into()
    }
}

fn genre(storefront: &str, book: bool) -> Value {
    if book {
        json!({
            "attributes": {
                "name": "Reference",
                "parentId": "38",
                "parentName": "Books",
                "url": "https://itunes.apple.com/us/genre/id9029",
            },
            "href": format!("/v1/catalog/{storefront}/genres/9029"),
            "id": "9029",
            "type": "genres",
        })
    } else {
        json!({
            "attributes": {
                "name": "Productivity",
                "parentId": "36",
                "parentName": "App Store",
                "url": "https://itunes.apple.com/us/genre/id6007",
            },
            "href": format!("/v1/catalog/{storefront}/genres/6007"),
            "id": "6007",
            "type": "genres",
        })
    }
}

fn offer(asset: &Asset, flavor: &str) -> Value {
    json!({
        "assets": [{"flavor": flavor, "size": 104_857_600}],
        "buyParams": format!(
            "productType={}&price=0&salableAdamId={}&pricingParameters=STDQ&pg=default&marketType=ENT",
            if is_book(asset) { "PUB" } else { "C" },
            asset.adam_id
        ),
        "currencyCode": "USD",
        "price": 0,
        "priceFormatted": "$0.00",
        "type": "get",
    })
}

/// The catalog's `artwork` object, as Apple's examples write it.
fn artwork_object(asset: &Asset, width: u32, height: u32) -> Value {
    json!({
        "bgColor": "ffffff",
        "height": height,
        "textColor1": "000000",
        "textColor2": "1c1c1c",
        "textColor3": "333333",
        "textColor4": "494949",
        "url": artwork(asset),
        "width": width,
    })
}

/// One resource of `stoken-authenticated-apps`; `latestVersionInfo` in each platform's
/// attributes only when asked for (`extend[apps]=latestVersionInfo`), as Apple.
pub(crate) fn app_json(asset: &Asset, storefront: &str, latest_version: bool) -> Value {
    let mut platform_attributes = serde_json::Map::new();
    for p in platforms(asset) {
        let mut attributes = json!({
            "artwork": artwork_object(asset, 1024, 1024),
            "bundleId": bundle_id(asset),
            "externalVersionId": external_version_id(asset),
            "minimumOSVersion": "15.0",
            "requiredCapabilities": "arm64 ",
            "seller": "Example Developer",
        });
        if latest_version {
            attributes["latestVersionInfo"] = json!({"versionDisplay": version(asset)});
        }
        platform_attributes.insert(p, attributes);
    }
    json!({
        "attributes": {
            "artistName": developer_name(asset),
            "contentRatingsBySystem": {"appsApple": {"name": "4+", "rank": 1, "value": 100}},
            "deviceFamilies": device_families(asset),
            "genreDisplayName": "Productivity",
            "hasEula": false,
            "isB2BCustomApp": is_custom(asset),
            "isFirstPartyHideableApp": false,
            "isVppDeviceBasedLicensingEnabled": asset.device_assignable,
            "name": name(asset, storefront),
            "offers": [offer(asset, "iosSoftware")],
            "platformAttributes": platform_attributes,
            "supportsDeviceSharing": false,
            "url": format!("https://apps.apple.com/{storefront}/app/id{}", asset.adam_id),
            "userRating": {"ratingCount": 0, "value": 0},
            "usesClassKit": false,
        },
        "href": format!("/v1/catalog/{storefront}/apps/{}", asset.adam_id),
        "id": asset.adam_id,
        "relationships": {
            "genres": {
                "data": [genre(storefront, false)],
                "href": format!("/v1/catalog/{storefront}/apps/{}/genres", asset.adam_id),
            }
        },
        "type": "apps",
    })
}

/// One resource of `stoken-authenticated-books`.
pub(crate) fn book_json(asset: &Asset, storefront: &str) -> Value {
    let mut attributes = json!({
        "artistName": developer_name(asset),
        "artwork": {"height": 2100, "url": artwork(asset), "width": 1400},
        "genreNames": ["Reference", "Books"],
        "name": name(asset, storefront),
        "offers": [offer(asset, "publication")],
        "url": format!("https://books.apple.com/{storefront}/book/id{}", asset.adam_id),
        "userRating": {"ratingCount": 0, "value": 0},
    });
    if let Some(isbn) = &asset.metadata.isbn {
        attributes["isbn"] = json!(isbn);
    }
    json!({
        "attributes": attributes,
        "href": format!("/v1/catalog/{storefront}/books/{}", asset.adam_id),
        "id": asset.adam_id,
        "relationships": {
            "genres": {
                "data": [genre(storefront, true)],
                "href": format!("/v1/catalog/{storefront}/books/{}/genres", asset.adam_id),
            }
        },
        "type": "books",
    })
}

/// Whether the legacy lookup shows `asset`: a custom app only to the location that owns
/// it, with its token as the `itvt` cookie (Apple's page: custom B2B apps are found only
/// with the cookie).
pub(crate) fn visible_to(asset: &Asset, owner: bool) -> bool {
    !is_custom(asset) || owner
}

/// One entry of the legacy lookup's `results`. `authenticated`: asked with a valid
/// `itvt` cookie (then `id` is a string and `artwork` one template object, as Apple's
/// example with the cookie; else `id` a number and `artwork` fixed-size images, as
/// Apple's first example).
pub(crate) fn lookup_json(asset: &Asset, storefront: &str, authenticated: bool) -> Value {
    let book = is_book(asset);
    let name = name(asset, storefront);
    let kind = lookup_kind(asset);
    let store_url = format!(
        "https://apps.apple.com/{storefront}/app/id{}",
        asset.adam_id
    );
    let mut v = json!({
        "artistName": developer_name(asset),
        "artistUrl": format!("https://apps.apple.com/{storefront}/developer/id284417353"),
        "bundleId": bundle_id(asset),
        "contentRatingsBySystem": {"appsApple": {"name": "4+", "rank": 1, "value": 100}},
        "copyright": "© Example",
        "description": {"standard": format!("{name}, as the simulator describes it.")},
        "deviceFamilies": device_families(asset),
        "genreNames": ["Productivity"],
        "genres": [{
            "genreId": "6007",
            "mediaType": "8",
            "name": "Productivity",
            "url": "https://itunes.apple.com/us/genre/id6007",
        }],
        "isB2BCustomApp": is_custom(asset),
        "isVppDeviceBasedLicensingEnabled": asset.device_assignable,
        "kind": kind,
        "latestVersionReleaseDate": "Jan 1, 2026",
        "minimumOSVersion": "15.0",
        "name": name,
        "nameRaw": name,
        "nameSortValue": name,
        "offers": [lookup_offer(asset, book)],
        "releaseDate": "2026-01-01",
        "requiredCapabilities": "arm64 ",
        "shortUrl": store_url,
        "softwareInfo": software_info(),
        "url": store_url,
        "userRating": {"ratingCount": 0, "ratingCountCurrentVersion": 0, "value": 0, "valueCurrentVersion": 0},
        "whatsNew": "Bug fixes.",
    });
    if device_families(asset).iter().any(|f| f == "watch") {
        v["watchBundleId"] = json!(format!("{}.watchkitapp", bundle_id(asset)));
    }
    if book {
        if let Some(isbn) = &asset.metadata.isbn {
            v["isbn"] = json!(isbn);
        }
    }
    if authenticated {
        add_authenticated_fields(&mut v, asset);
    } else {
        add_anonymous_fields(&mut v, asset);
    }
    v
}

/// The lookup's `kind`: a book, a Mac app (macOS only) or an iOS app.
fn lookup_kind(asset: &Asset) -> &'static str {
    if is_book(asset) {
        "ebook"
    } else if platforms(asset) == ["osx"] {
        "macSoftware"
    } else {
        "iosSoftware"
    }
}

/// The lookup's one offer: free, with Apple's `buyParams` and the asset's version.
fn lookup_offer(asset: &Asset, book: bool) -> Value {
    json!({
        "actionText": {
            "downloaded": "Installed",
            "downloading": "Installing",
            "long": "Get App",
            "medium": "Get",
            "short": "Get",
        },
        "assets": [{"flavor": if book { "publication" } else { "iosSoftware" }, "size": 104_857_600}],
        "buyParams": format!(
            "productType=C&price=0&salableAdamId={}&pricingParameters=STDQ&pg=default&marketType=ENT&appExtVrsId={}",
            asset.adam_id,
            external_version_id(asset)
        ),
        "price": 0,
        "priceFormatted": "$0.00",
        "type": "get",
        "version": {"display": version(asset), "externalId": external_version_id(asset)},
    })
}

/// The lookup's `softwareInfo`, the same for every asset.
fn software_info() -> Value {
    json!({
        "eulaUrl": "https://example.com/eula",
        "languagesDisplayString": "English",
        "privacyPolicyTextUrl": null,
        "privacyPolicyUrl": "https://example.com/privacy",
        "requirementsString": "Requires iOS 15.0 or later.",
        "seller": "Example Developer",
        "supportUrl": "https://example.com/support",
        "websiteUrl": "https://example.com",
    })
}

/// What a lookup with the `itvt` cookie adds: one artwork template, string ids.
fn add_authenticated_fields(v: &mut Value, asset: &Asset) {
    let mut art = artwork_object(asset, 1024, 1024);
    art["hasAlpha"] = json!(false);
    art["hasP3"] = json!(false);
    art["supportsLayeredImage"] = json!(false);
    v["artwork"] = art;
    v["id"] = json!(asset.adam_id);
    v["artistId"] = json!("284417353");
    v["editorialArtwork"] = json!({});
    v["softwareInfo"]["isGameCenter"] = json!(false);
}

/// What a lookup without the cookie adds: fixed-size images, numeric ids, and the
/// fields Apple's anonymous example carries as `null` or `false`.
fn add_anonymous_fields(v: &mut Value, asset: &Asset) {
    let image = |width: u32, height: u32| {
        json!({
            "width": width,
            "height": height,
            "url": artwork(asset)
                .replace("{w}", &width.to_string())
                .replace("{h}", &height.to_string())
                .replace("{c}", "bb")
                .replace("{f}", "png"),
        })
    };
    v["artwork"] = json!([image(128, 128), image(512, 512)]);
    v["id"] = numeric_id(asset);
    v["artistId"] = json!(284_417_353_u64);
    let none = Value::Null;
    for key in [
        "ageBand",
        "editorialBadgeInfo",
        "uber",
        "ovalArtwork",
        "circularArtwork",
    ] {
        v[key] = none.clone();
    }
    for key in [
        "hasMessagesExtension",
        "isFirstParty",
        "isPreorder",
        "isFirstPartyHideableApp",
        "hasInAppPurchases",
        "isAppleWatchSupported",
        "requiresGameController",
        "isHiddenFromSpringboard",
        "isGameControllerSupported",
        "is32bitOnly",
        "isSiriSupported",
    ] {
        v[key] = json!(false);
    }
    v["subtitle"] = json!("");
    v["contentRating"] = json!({"system": "GAMES", "name": "4+", "value": 100, "rank": 1});
}

/// The lookup's envelope around `results`, as Apple's examples: `version` 1 without the
/// cookie, 2 with it; `isAuthenticated` always `false` (Apple's page says so).
pub(crate) fn lookup_answer(
    results: serde_json::Map<String, Value>,
    storefront: &str,
    authenticated: bool,
) -> Value {
    json!({
        "isAuthenticated": false,
        "meta": {
            "language": {"tag": "en-us"},
            "storefront": {"cc": storefront.to_ascii_uppercase(), "id": storefront_number(storefront)},
        },
        "results": results,
        "version": if authenticated { 2 } else { 1 },
    })
}

/// The store's numeric storefront id (`143441` for the United States), a stable
/// placeholder for others.
fn storefront_number(storefront: &str) -> String {
    match storefront.to_ascii_lowercase().as_str() {
        "us" => "143441".into(),
        "de" => "143443".into(),
        "gb" => "143444".into(),
        "fr" => "143442".into(),
        other => (143_400 + crate::model::fnv(other) % 100).to_string(),
    }
}
