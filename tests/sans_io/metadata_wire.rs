//! App and book metadata through the endpoints' own `decode`, into the typed answers:
//! first Apple's published answers, verbatim (`tests/fixtures/apple/metadata/`, sources in
//! `tests/fixtures/apple/SOURCES.md`), each with the facts it carries asserted; then the
//! project's own fixtures (`tests/fixtures/metadata/`: written for these tests, shaped
//! like Apple's answers, not Apple's) for what Apple's samples lack (extended attributes,
//! several platforms, storefronts, an error with `source`).

use crate::common;

use apple_vpp::api::{
    Endpoint, GetAppsMetadata, GetBooksMetadata, GetStorefronts, LookupContentMetadata,
};
use apple_vpp::metadata::{AppMetadata, BookMetadata, Metadata, MetadataPlatform};
use apple_vpp::wire::{DeviceFamily, ErrorKind, LookupArtworkField, LookupId, ResponseError};

fn fixture(name: &str) -> Vec<u8> {
    common::fixture(&format!("metadata/{name}")).into_bytes()
}

/// One of Apple's published answers, as Apple printed it.
fn apple(name: &str) -> Vec<u8> {
    common::fixture(&format!("apple/metadata/{name}")).into_bytes()
}

fn lookup(name: &str) -> Vec<Metadata> {
    LookupContentMetadata::decode(200, &apple(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .results
        .into_iter()
        .map(|(id, result)| Metadata::from_lookup(&id, result))
        .collect()
}

fn app(meta: Metadata) -> AppMetadata {
    match meta {
        Metadata::App(app) => app,
        other => panic!("an app, not {other:?}"),
    }
}

#[test]
fn apples_lookup_answer_without_the_cookie_reads_a_numeric_id_and_fixed_size_images() {
    let mut found = lookup("legacy_lookup_pages.json");
    assert_eq!(found.len(), 1);
    let meta = found.remove(0);
    assert_eq!(meta.adam_id().as_str(), "361309726");
    assert_eq!(meta.name(), Some("Pages"));
    assert_eq!(meta.bundle_id(), Some("com.apple.Pages"));
    assert_eq!(meta.latest_version(), Some("5.0.1"));
    assert_eq!(meta.platforms(), ["ios"]);
    // The largest of the fixed-size images (216 wide, `360x216bb.png`), as a template.
    let art = meta.artwork().unwrap();
    assert_eq!((art.width, art.height), (216, 216));
    assert_eq!(
        art.url(512, 512, "png"),
        "https://is4-ssl.mzstatic.com/image/thumb/Purple113/v4/73/d4/73/73d47332-fefc-d350-2984-5b4a4755a502/AppIcon-0-1x_U007emarketing-0-0-GLES2_U002c0-512MB-sRGB-0-0-0-85-220-0-0-0-6.png/512x512bb.png"
    );
    let app = app(meta);
    assert_eq!(app.device_assignable, Some(true));
    assert_eq!(app.custom_app, Some(false));
    assert_eq!(app.developer.as_deref(), Some("Apple"));
    assert_eq!(
        app.device_families,
        [DeviceFamily::Iphone, DeviceFamily::Ipad, DeviceFamily::Ipod]
    );
    assert_eq!(
        app.platforms[0].external_version_id.as_deref(),
        Some("830786363")
    );
    // The wire keeps Apple's number as a number.
    let wire = LookupContentMetadata::decode(200, &apple("legacy_lookup_pages.json")).unwrap();
    assert!(matches!(
        wire.results["361309726"].id,
        Some(LookupId::Number(_))
    ));
}

#[test]
fn apples_lookup_answer_with_the_cookie_reads_one_template_object() {
    let mut found = lookup("legacy_lookup_custom_app.json");
    assert_eq!(found.len(), 1);
    let meta = found.remove(0);
    assert_eq!(meta.adam_id().as_str(), "451796775");
    assert_eq!(meta.name(), Some("b2b Test 2"));
    assert_eq!(meta.bundle_id(), Some("com.apple.b2bTest2"));
    assert_eq!(meta.latest_version(), Some("3.0"));
    let art = meta.artwork().unwrap();
    assert_eq!((art.width, art.height), (1024, 1024));
    assert_eq!(art.background_color.as_deref(), Some("abd763"));
    assert_eq!(
        art.url(512, 512, "png"),
        "https://is2-ssl.mzstatic.com/image/thumb/Purple124/v4/f3/2c/7f/f32c7f07-0441-052d-dc71-a406c9f90c09/AppIcon-0-1x_U007emarketing-0-0-GLES2_U002c0-512MB-sRGB-0-0-0-85-220-0-0-0-7.png/512x512bb.png"
    );
    let app = app(meta);
    assert_eq!(app.custom_app, Some(true));
    assert_eq!(app.device_assignable, Some(true));
    assert_eq!(app.developer.as_deref(), Some("GamekitTester"));
    assert_eq!(
        app.platforms[0].external_version_id.as_deref(),
        Some("126462631")
    );
    let wire = LookupContentMetadata::decode(200, &apple("legacy_lookup_custom_app.json")).unwrap();
    let result = &wire.results["451796775"];
    assert_eq!(result.id, Some(LookupId::Text("451796775".into())));
    assert!(matches!(
        result.artwork,
        Some(LookupArtworkField::Template(_))
    ));
}

#[test]
fn apples_empty_lookup_answer_finds_nothing() {
    assert!(lookup("legacy_lookup_empty.json").is_empty());
}

#[test]
fn apples_own_apps_answer_carries_the_device_licensing_flag() {
    let answer = GetAppsMetadata::decode(200, &apple("your_apps.json")).unwrap();
    assert_eq!(answer.data.len(), 1);
    let app = AppMetadata::from_wire(answer.data.into_iter().next().unwrap()).unwrap();
    assert_eq!(app.adam_id.as_str(), "2001350931");
    assert_eq!(app.name.as_deref(), Some("App_67588039"));
    assert_eq!(app.developer.as_deref(), Some("2K"));
    assert_eq!(app.device_assignable, Some(true));
    assert_eq!(app.custom_app, Some(false));
    assert_eq!(
        app.device_families,
        [
            DeviceFamily::Mac,
            DeviceFamily::Tvos,
            DeviceFamily::Iphone,
            DeviceFamily::Ipad,
            DeviceFamily::Ipod
        ]
    );
    let ios = &app.platforms[0];
    assert_eq!(ios.platform, MetadataPlatform::Ios);
    assert_eq!(ios.bundle_id.as_deref(), Some("com.67588039"));
    assert_eq!(ios.external_version_id.as_deref(), Some("2000011304"));
    // Without `extend[apps]=latestVersionInfo` Apple's example has no version.
    assert_eq!(ios.latest_version, None);
    let art = ios.artwork.as_ref().unwrap();
    assert_eq!(
        (art.width, art.height, art.background_color.as_deref()),
        (1024, 1024, Some("ffffff"))
    );
    assert_eq!(
        art.url(512, 512, "png"),
        "https://isq11.mzstatic.com/image/thumb/Purple62/v4/e5/88/8e/e5888e16-ca3a-3ba4-ec46-d1c1091f4104/AppIcon-1x_U007emarketing-0-7-0-85-220.png/512x512bb.png"
    );
}

#[test]
fn apples_own_books_answer_carries_author_isbn_and_cover() {
    let answer = GetBooksMetadata::decode(200, &apple("your_books.json")).unwrap();
    assert_eq!(answer.data.len(), 1);
    let book = BookMetadata::from_wire(answer.data.into_iter().next().unwrap()).unwrap();
    assert_eq!(book.adam_id.as_str(), "431617578");
    assert_eq!(book.name.as_deref(), Some("Steve Jobs"));
    assert_eq!(book.author.as_deref(), Some("Walter Isaacson"));
    assert_eq!(book.isbn.as_deref(), Some("9781451648553"));
    assert_eq!(book.genres.len(), 6);
    assert_eq!(book.genres[0], "Biographies & Memoirs");
    let cover = book.artwork.unwrap();
    assert_eq!((cover.width, cover.height), (1399, 2131));
    assert_eq!(
        cover.url(512, 512, "png"),
        "https://isq11.mzstatic.com/image/thumb/Publication4/v4/3f/33/b5/3f33b53e-78bb-5bb5-4007-09b5a1969842/9781451648553.jpg/512x512bb.png"
    );
}

#[test]
fn apples_catalog_app_answers_decode_with_their_flags() {
    let single = GetAppsMetadata::decode(200, &apple("catalog_app.json")).unwrap();
    let app = AppMetadata::from_wire(single.data.into_iter().next().unwrap()).unwrap();
    // Apple's placeholders, as printed.
    assert_eq!(app.adam_id.as_str(), "app_id_123");
    assert_eq!(app.name.as_deref(), Some("FooBarApp"));
    assert_eq!(app.device_assignable, Some(true));
    let art = app.platforms[0].artwork.as_ref().unwrap();
    assert_eq!(art.template, "IMAGE_URL");
    assert_eq!(
        app.platforms[0].bundle_id.as_deref(),
        Some("com.bundle.developer")
    );

    let multiple = GetAppsMetadata::decode(200, &apple("catalog_apps.json")).unwrap();
    let apps: Vec<AppMetadata> = multiple
        .data
        .into_iter()
        .filter_map(AppMetadata::from_wire)
        .collect();
    assert_eq!(
        apps.iter().map(|a| a.adam_id.as_str()).collect::<Vec<_>>(),
        ["623592465", "363556704"]
    );
    assert_eq!(
        apps.iter().map(|a| a.name.as_deref()).collect::<Vec<_>>(),
        [Some("app name 1"), Some("app2")]
    );
    assert!(apps.iter().all(|a| a.device_assignable == Some(true)));
    assert_eq!(
        apps[1].platforms[0].external_version_id.as_deref(),
        Some("865697157")
    );
    assert_eq!(
        apps[0].platforms[0]
            .artwork
            .as_ref()
            .unwrap()
            .url(512, 512, "png"),
        "https://isq11.mzstatic.com/image/thumb/Purple126/v4/71/b3/2a/71b32a24-34d2-7a89-ffba-8c252a140eb6/AppIconHalloween-0-0-1x_U007epad-0-85-220.png/512x512bb.png"
    );
    assert!(apps[1].device_families.contains(&DeviceFamily::Watch));
}

#[test]
fn apples_catalog_book_answers_decode() {
    let single = GetBooksMetadata::decode(200, &apple("catalog_book.json")).unwrap();
    let book = BookMetadata::from_wire(single.data.into_iter().next().unwrap()).unwrap();
    assert_eq!(
        (
            book.name.as_deref(),
            book.author.as_deref(),
            book.isbn.as_deref()
        ),
        (
            Some("A Very Famous Book"),
            Some("FamousAuthor"),
            Some("123456789")
        )
    );
    assert_eq!(book.artwork.unwrap().width, 2213);

    let multiple = GetBooksMetadata::decode(200, &apple("catalog_books.json")).unwrap();
    let books: Vec<BookMetadata> = multiple
        .data
        .into_iter()
        .filter_map(BookMetadata::from_wire)
        .collect();
    assert_eq!(books.len(), 2);
    assert_eq!(books[0].isbn, None);
    assert_eq!(books[1].isbn.as_deref(), Some("9788233801021"));
    assert_eq!(
        books[1].artwork.as_ref().unwrap().url(512, 512, "png"),
        "https://isq11.mzstatic.com/image/thumb/Publication128/v4/49/b2/0e/49b20e3a-43f6-6a06-d351-8eed123ff336/9788233801021_H2_Harry_En_biografi_om_prinsen_Cover.jpg/512x512bb.png"
    );
}

#[test]
fn fleets_production_403_is_a_typed_error_naming_both_causes() {
    let err = GetAppsMetadata::decode(403, &apple("fleet_43596_forbidden.json")).unwrap_err();
    let ResponseError::CatalogForbidden { errors } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].code.as_deref(), Some("40300"));
    assert_eq!(
        errors[0].detail.as_deref(),
        Some("Invalid Stoken or Empty/Null ids Request Parameter")
    );
    let message = err.to_string();
    assert!(message.contains("content token"), "{message}");
    assert!(message.contains("no ids"), "{message}");
    assert!(message.contains("Apple Business Manager"), "{message}");
    assert_eq!(err.kind(), ErrorKind::Other);
}

#[test]
fn fractional_sizes_and_crop_templates_are_read() {
    let body = br#"{"data":[{"id":"1","type":"apps","attributes":{"platformAttributes":{"ios":{"artwork":{"url":"https://a.example/x/{w}x{h}{c}.{f}","width":1023.5,"height":767.25}}}}}]}"#;
    let answer = GetAppsMetadata::decode(200, body).unwrap();
    let app = AppMetadata::from_wire(answer.data.into_iter().next().unwrap()).unwrap();
    let art = app.platforms[0].artwork.as_ref().unwrap();
    assert_eq!((art.width, art.height), (1024, 768));
    assert_eq!(
        art.url(512, 512, "png"),
        "https://a.example/x/512x512bb.png"
    );
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
fn the_lookup_sends_the_locations_token_as_the_itvt_cookie() {
    use apple_vpp::api::{Credentials, HttpRequest, LookupPlatform, ServiceBase};
    use apple_vpp::metadata::Storefront;
    let token = common::token();
    let url = "https://uclient-api.itunes.apple.com/WebObjects/MZStorePlatform.woa/wa/lookup";
    let mut request = LookupContentMetadata::new(
        url.parse().unwrap(),
        Storefront::new("us").unwrap(),
        vec!["451796775".into()],
    );
    request.platform = LookupPlatform::MacAppStore;
    let built = HttpRequest::build(
        &request,
        &ServiceBase::default(),
        Credentials::token(&token),
    )
    .unwrap();
    assert_eq!(
        built.cookie.as_ref().unwrap().expose_secret(),
        format!("itvt={}", token.expose_credential())
    );
    assert!(built.authorization.is_none());
    assert!(
        built.url.as_str().ends_with(
            "?version=2&id=451796775&p=mdm-lockup&caller=MDM&platform=macappstore&cc=us"
        )
    );
    let shown = format!("{built:?} {request:?}");
    assert!(!shown.contains(token.expose_credential()), "{shown}");
    // Without a token, no cookie (public apps only).
    let public = HttpRequest::build(&request, &ServiceBase::default(), Credentials::NONE).unwrap();
    assert!(public.cookie.is_none());
}

#[test]
fn a_metadata_request_without_ids_is_never_built() {
    use apple_vpp::SecretString;
    use apple_vpp::api::{Credentials, HttpRequest, RequestError, ServiceBase};
    use apple_vpp::metadata::Storefront;
    let token = common::token();
    let jwt = SecretString::new("h.c.s");
    let base = ServiceBase::default();
    let us = Storefront::new("us").unwrap();
    let apps = GetAppsMetadata::new(us.clone(), vec![]);
    assert_eq!(
        HttpRequest::build(
            &apps,
            &base,
            Credentials::token(&token).with_developer(&jwt)
        ),
        Err(RequestError::NoIds)
    );
    let blank = GetBooksMetadata::new(us.clone(), vec![" ".into()]);
    assert_eq!(
        HttpRequest::build(
            &blank,
            &base,
            Credentials::token(&token).with_developer(&jwt)
        ),
        Err(RequestError::NoIds)
    );
    let lookup = LookupContentMetadata::new(
        "https://uclient-api.itunes.apple.com/lookup"
            .parse()
            .unwrap(),
        us,
        vec![],
    );
    let err = HttpRequest::build(&lookup, &base, Credentials::token(&token)).unwrap_err();
    assert_eq!(err, RequestError::NoIds);
    assert!(err.to_string().contains("40300"), "{err}");
}

#[test]
fn storefronts_are_asked_with_a_platform_and_paged() {
    use apple_vpp::SecretString;
    use apple_vpp::api::{Credentials, HttpRequest, ServiceBase};
    let jwt = SecretString::new("h.c.s");
    let mut request = GetStorefronts::new();
    request.platform = "mac".into();
    let first = HttpRequest::build(
        &request,
        &ServiceBase::default(),
        Credentials::developer(&jwt),
    )
    .unwrap();
    assert_eq!(
        first.url.as_str(),
        "https://api.ent.apple.com/v1/storefronts?platform=mac&limit=25&offset=0"
    );
    let third = HttpRequest::build(
        &request.at_offset(50),
        &ServiceBase::default(),
        Credentials::developer(&jwt),
    )
    .unwrap();
    assert!(third.url.as_str().ends_with("offset=50"));
}
