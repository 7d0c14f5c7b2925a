//! App and book metadata decoded from fixtures shaped like Apple's documented samples
//! (the catalog's `data` answers, its `errors` answer, and the legacy lookup's
//! `results`), through the endpoints' own `decode`, into the typed answers.

use crate::common;

use apple_vpp::api::{
    Endpoint, GetAppsMetadata, GetBooksMetadata, GetStorefronts, LookupContentMetadata,
};
use apple_vpp::metadata::{AppMetadata, BookMetadata, Metadata, MetadataPlatform};
use apple_vpp::wire::{DeviceFamily, ErrorKind, ResponseError};

fn fixture(name: &str) -> Vec<u8> {
    common::fixture(&format!("metadata/{name}")).into_bytes()
}

#[test]
fn an_app_keeps_name_bundle_ids_artwork_versions_and_platforms() {
    let answer = GetAppsMetadata::decode(200, &fixture("apps.json")).unwrap();
    let app = AppMetadata::from_wire(answer.data.into_iter().next().unwrap()).unwrap();
    assert_eq!(app.adam_id.as_str(), "361309726");
    assert_eq!(app.name.as_deref(), Some("Pages"));
    assert_eq!(app.developer.as_deref(), Some("Apple"));
    assert_eq!(
        app.device_families,
        [
            DeviceFamily::Iphone,
            DeviceFamily::Ipad,
            DeviceFamily::Ipod,
            DeviceFamily::Mac
        ]
    );
    let ios = &app.platforms[0];
    assert_eq!(ios.platform, MetadataPlatform::Ios);
    assert_eq!(ios.bundle_id.as_deref(), Some("com.apple.Pages"));
    assert_eq!(ios.latest_version.as_deref(), Some("14.1"));
    assert_eq!(ios.external_version_id.as_deref(), Some("860170186"));
    let art = ios.artwork.as_ref().unwrap();
    assert_eq!((art.width, art.height), (1024, 1024));
    assert_eq!(
        art.url(512, 512, "png"),
        "https://is1-ssl.mzstatic.com/image/thumb/Purple126/v4/a1/b2/c3/AppIcon.png/512x512bb.png"
    );
    let mac = &app.platforms[1];
    assert_eq!(
        (mac.platform.as_str(), mac.bundle_id.as_deref()),
        ("osx", Some("com.apple.iWork.Pages"))
    );
    let meta = Metadata::App(app);
    assert_eq!(meta.platforms(), ["ios", "osx"]);
    assert_eq!(meta.bundle_id(), Some("com.apple.Pages"));
}

#[test]
fn a_book_keeps_author_isbn_and_cover() {
    let answer = GetBooksMetadata::decode(200, &fixture("books.json")).unwrap();
    let book = BookMetadata::from_wire(answer.data.into_iter().next().unwrap()).unwrap();
    assert_eq!(book.name.as_deref(), Some("Example Field Guide"));
    assert_eq!(book.author.as_deref(), Some("Ada Example"));
    assert_eq!(book.isbn.as_deref(), Some("9780000000002"));
    assert_eq!(book.genres, ["Reference", "Books"]);
    assert_eq!(
        book.artwork.unwrap().url(200, 300, "jpg"),
        "https://is1-ssl.mzstatic.com/image/thumb/Publication/v4/x/cover.jpg/200x300bb.jpg"
    );
}

#[test]
fn storefronts_and_catalog_errors_decode() {
    let list = GetStorefronts::decode(200, &fixture("storefronts.json")).unwrap();
    assert_eq!(list.data[0].id, "us");
    assert_eq!(
        list.data[0].attributes.supported_language_tags,
        ["en-US", "es-MX"]
    );
    let err = GetAppsMetadata::decode(400, &fixture("errors.json")).unwrap_err();
    let ResponseError::Catalog { status, errors } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 400);
    assert_eq!(errors[0].code.as_deref(), Some("40005"));
    assert_eq!(
        errors[0].detail.as_deref(),
        Some("Value must be one of: iphone, ipad, mac")
    );
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(
        GetAppsMetadata::decode(503, b"").unwrap_err().kind(),
        ErrorKind::Retryable
    );
    // A 200 that is not the catalog's JSON is malformed, never an empty answer.
    assert!(matches!(
        GetAppsMetadata::decode(200, b"<html>"),
        Err(ResponseError::Malformed { .. })
    ));
}

#[test]
fn the_legacy_lookup_becomes_the_same_typed_answer() {
    let answer = LookupContentMetadata::decode(200, &fixture("lookup.json")).unwrap();
    let (id, result) = answer.results.into_iter().next().unwrap();
    let meta = Metadata::from_lookup(&id, result);
    assert_eq!(meta.name(), Some("Pages"));
    assert_eq!(meta.bundle_id(), Some("com.apple.Pages"));
    assert_eq!(meta.latest_version(), Some("7.3"));
    assert_eq!(meta.platforms(), ["ios"]);
    // The largest fixed-size image, as a template.
    assert_eq!(
        meta.artwork().unwrap().url(512, 512, "png"),
        "https://is4-ssl.mzstatic.com/image/thumb/Purple113/v4/73/d4/73/73d47332-fefc-d350-2984-5b4a4755a502/AppIcon-0-1x_U007emarketing-0-0-GLES2_U002c0-512MB-sRGB-0-0-0-85-220-0-0-0-6.png/512x512bb.png"
    );
    let Metadata::App(app) = meta else {
        panic!("an app")
    };
    assert_eq!(app.device_assignable, Some(true));
}
