//! What the metadata services say about an asset: availability per storefront and the
//! JSON of the catalog (`apps`, `books`) and of the legacy lookup.

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

/// One resource of `stoken-authenticated-apps`.
pub(crate) fn app_json(asset: &Asset, storefront: &str) -> Value {
    let artwork = json!({"url": artwork(asset), "width": 1024, "height": 1024});
    let mut platform_attributes = serde_json::Map::new();
    for p in platforms(asset) {
        platform_attributes.insert(
            p,
            json!({
                "artwork": artwork,
                "bundleId": bundle_id(asset),
                "externalVersionId": external_version_id(asset),
                "latestVersionInfo": {"versionDisplay": version(asset)},
            }),
        );
    }
    json!({
        "id": asset.adam_id,
        "type": "apps",
        "href": format!("/v1/catalog/{storefront}/apps/{}", asset.adam_id),
        "attributes": {
            "name": name(asset, storefront),
            "deviceFamilies": device_families(asset),
            "platformAttributes": platform_attributes,
            "url": format!("https://apps.apple.com/{storefront}/app/id{}", asset.adam_id),
        },
    })
}

/// One resource of `stoken-authenticated-books`.
pub(crate) fn book_json(asset: &Asset, storefront: &str) -> Value {
    let mut attributes = json!({
        "name": name(asset, storefront),
        "artistName": asset.metadata.author.clone().unwrap_or_else(|| "Example Author".into()),
        "artwork": {"url": artwork(asset), "width": 1400, "height": 2100},
        "genreNames": ["Reference"],
        "url": format!("https://books.apple.com/{storefront}/book/id{}", asset.adam_id),
    });
    if let Some(isbn) = &asset.metadata.isbn {
        attributes["isbn"] = json!(isbn);
    }
    json!({
        "id": asset.adam_id,
        "type": "books",
        "href": format!("/v1/catalog/{storefront}/books/{}", asset.adam_id),
        "attributes": attributes,
    })
}

/// One entry of the legacy lookup's `results`: fixed-size images, the version in
/// `offers[].version.display`.
pub(crate) fn lookup_json(asset: &Asset, storefront: &str) -> Value {
    let image = |size: u32| {
        json!({
            "width": size,
            "height": size,
            "url": artwork(asset)
                .replace("{w}", &size.to_string())
                .replace("{h}", &size.to_string())
                .replace("{f}", "png"),
        })
    };
    let book = is_book(asset);
    let mut v = json!({
        "id": asset.adam_id,
        "name": name(asset, storefront),
        "artwork": [image(128), image(512)],
        "url": format!("https://itunes.apple.com/{storefront}/app/id{}", asset.adam_id),
    });
    if book {
        v["kind"] = json!("ebook");
        v["artistName"] = json!(
            asset
                .metadata
                .author
                .clone()
                .unwrap_or_else(|| "Example Author".into())
        );
        if let Some(isbn) = &asset.metadata.isbn {
            v["isbn"] = json!(isbn);
        }
    } else {
        let mac_only = platforms(asset) == ["osx"];
        v["kind"] = json!(if mac_only {
            "macSoftware"
        } else {
            "iosSoftware"
        });
        v["artistName"] = json!("Example Developer");
        v["bundleId"] = json!(bundle_id(asset));
        v["deviceFamilies"] = json!(device_families(asset));
        v["isVppDeviceBasedLicenseEnabled"] = json!(asset.device_assignable);
        v["offers"] = json!([{"version": {"display": version(asset), "externalId": external_version_id(asset)}}]);
    }
    v
}
