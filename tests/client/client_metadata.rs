//! App and book metadata against the simulator on 127.0.0.1: the catalog with a developer
//! token (signature verified by the server), the legacy lookup without one, the location's
//! storefront first and the fallback set once, and the failure paths: a bad key file, an
//! expired token, 401 then exactly one re-mint, a missing cookie, 429 with `Retry-After`,
//! an id in no storefront, a storefront-exclusive app, an unknown storefront; the lookup's
//! `itvt` cookie (custom apps), no request without ids, an id Apple repeats returned once,
//! a refused content token as a typed 403, storefronts read page by page, and a token
//! minted at the longest lifetime accepted by a server whose clock is behind.
#![cfg(feature = "client")]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apple_vpp::api::{Credentials, GetAppsMetadata, GetStorefronts, HttpRequest};
use apple_vpp::client::{ContentKind, DescribedAsset, MetadataOptions, SendError, VppClient};
use apple_vpp::metadata::{DeveloperKey, DeveloperKeyError, Metadata, Storefront};
use apple_vpp::wire::ResponseError;
use apple_vpp::{AdamId, VppToken};
use apple_vpp_sim::{
    AssetMetadataSpec, AssetSpec, FaultKind, FaultSpec, RecordedRequest, RunningSimulator,
    Scenario, SimOptions, Simulator,
};

const UID: &str = "981060278089131045";

fn scenario() -> Scenario {
    Scenario {
        max_requests_per_second: 1000,
        ..Scenario::default()
    }
}

struct Setup {
    sim: RunningSimulator,
    token: VppToken,
    key: Arc<DeveloperKey>,
    client: VppClient,
    legacy: VppClient,
}

async fn start(scenario: Scenario) -> Setup {
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .expect("the simulator starts");
    let key = Arc::new(
        DeveloperKey::from_pem(
            &sim.developer_key_pem(),
            &sim.developer_team_id(),
            &sim.developer_key_id(),
        )
        .unwrap(),
    );
    let client = VppClient::builder()
        .base_url(sim.base_url())
        .metadata_base_url(sim.metadata_base_url())
        .developer_key(Arc::clone(&key))
        .build()
        .unwrap();
    let legacy = VppClient::builder()
        .base_url(sim.base_url())
        .metadata_base_url(sim.metadata_base_url())
        .build()
        .unwrap();
    let token = sim.token(UID).unwrap().parse().unwrap();
    Setup {
        sim,
        token,
        key,
        client,
        legacy,
    }
}

fn catalog_requests(sim: &RunningSimulator) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/catalog/"))
        .collect()
}

fn storefront_of(r: &RecordedRequest) -> &str {
    r.path.split('/').nth(3).unwrap()
}

async fn describe(client: &VppClient, token: &VppToken) -> Vec<DescribedAsset> {
    let mut all = Vec::new();
    client
        .location(token)
        .describe_assets(&MetadataOptions::default(), |batch| {
            all.extend(batch);
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
    all
}

fn find<'a>(all: &'a [DescribedAsset], id: &str) -> &'a DescribedAsset {
    all.iter().find(|d| d.asset.adam_id.as_str() == id).unwrap()
}

#[tokio::test]
async fn the_catalog_describes_every_asset_in_its_storefront() {
    let s = start(scenario()).await;
    let all = describe(&s.client, &s.token).await;
    assert_eq!(all.len(), 3);

    let numbers = find(&all, "409203825");
    let meta = numbers.metadata.as_ref().unwrap();
    assert_eq!(numbers.storefront.as_ref().unwrap().as_str(), "de");
    assert_eq!(meta.name(), Some("Numbers"));
    assert_eq!(meta.bundle_id(), Some("com.apple.iWork.Numbers"));
    // Sent as " 14.1", with Apple's leading space.
    assert_eq!(meta.latest_version(), Some("14.1"));
    assert_eq!(meta.platforms(), ["ios", "osx"]);
    assert_eq!(
        meta.artwork().unwrap().url(512, 512, "png"),
        "https://is1-ssl.mzstatic.com/image/thumb/apple-vpp-sim/409203825/512x512bb.png"
    );
    assert!(numbers.asset.device_assignable);

    let Some(Metadata::Book(book)) = &find(&all, "1234567890").metadata else {
        panic!("the book has book metadata")
    };
    assert_eq!(book.author.as_deref(), Some("Ada Example"));
    assert_eq!(book.isbn.as_deref(), Some("9780000000002"));

    // Every catalog request carried the developer token and the cookie (the server
    // verified both: all were authorized).
    let requests = catalog_requests(&s.sim);
    assert!(requests.iter().all(|r| r.authorized && r.status == 200));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn a_storefront_exclusive_app_is_found_in_the_fallback_set_and_says_where() {
    let s = start(scenario()).await;
    let all = describe(&s.client, &s.token).await;
    let pages = find(&all, "361309726");
    assert_eq!(pages.storefront.as_ref().unwrap().as_str(), "us");
    // The us name, not the de one: it is not sold in de.
    assert_eq!(pages.metadata.as_ref().unwrap().name(), Some("Pages"));
    // de (home) first with both apps, then us with only the missing one; never again.
    let apps: Vec<_> = catalog_requests(&s.sim)
        .into_iter()
        .filter(|r| r.path.ends_with("stoken-authenticated-apps"))
        .collect();
    let asked: Vec<_> = apps.iter().map(storefront_of).collect();
    assert_eq!(asked, ["de", "us"]);
    assert!(apps[1].query.as_deref().unwrap().contains("ids=361309726&"));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn an_id_in_no_storefront_is_reported_not_dropped() {
    let mut scenario = scenario();
    let mut hidden = AssetSpec::app("555000111", 1);
    hidden.metadata = Some(AssetMetadataSpec {
        storefronts: Some(vec![]),
        ..AssetMetadataSpec::default()
    });
    scenario.locations[0].assets.push(hidden);
    let s = start(scenario).await;
    let all = describe(&s.client, &s.token).await;
    let nowhere = find(&all, "555000111");
    assert_eq!((&nowhere.metadata, &nowhere.storefront), (&None, &None));
    // Asked in de, then once in each fallback storefront, then given up.
    let asked: Vec<String> = catalog_requests(&s.sim)
        .iter()
        .filter(|r| r.query.as_deref().unwrap_or("").contains("555000111"))
        .map(|r| storefront_of(r).to_owned())
        .collect();
    assert_eq!(asked, ["de", "us", "gb", "ca", "au", "fr", "jp"]);

    let answer = s
        .client
        .location(&s.token)
        .metadata(
            Storefront::new("de").ok(),
            ContentKind::Apps,
            &[AdamId::new("555000111"), AdamId::new("409203825")],
            &MetadataOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.not_found, [AdamId::new("555000111")]);
    assert_eq!(answer.found.len(), 1);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn ids_are_sent_in_batches_of_at_most_25() {
    let mut scenario = scenario();
    scenario.locations[0].assets = (0..60)
        // Short ids, so that the recorded query (cut at 256 bytes) holds all of them.
        .map(|i| AssetSpec::app(&(100 + i).to_string(), 1))
        .collect();
    let s = start(scenario).await;
    let all = describe(&s.client, &s.token).await;
    assert!(all.iter().all(|d| d.metadata.is_some()));
    let sizes: Vec<usize> = catalog_requests(&s.sim)
        .iter()
        .map(|r| {
            let q = r.query.as_deref().unwrap();
            let ids = q.split('&').find(|p| p.starts_with("ids=")).unwrap();
            ids.split("%2C").count()
        })
        .collect();
    assert_eq!(sizes, [25, 25, 10]);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn without_a_developer_key_the_legacy_lookup_answers() {
    let s = start(scenario()).await;
    let all = describe(&s.legacy, &s.token).await;
    let numbers = find(&all, "409203825").metadata.as_ref().unwrap();
    assert_eq!(numbers.name(), Some("Numbers"));
    assert_eq!(numbers.latest_version(), Some("14.1"));
    assert_eq!(
        numbers.artwork().unwrap().url(512, 512, "png"),
        "https://is1-ssl.mzstatic.com/image/thumb/apple-vpp-sim/409203825/512x512bb.png"
    );
    let Metadata::App(app) = numbers else {
        panic!("an app")
    };
    assert_eq!(app.device_assignable, Some(true));
    assert_eq!(
        find(&all, "361309726")
            .storefront
            .as_ref()
            .unwrap()
            .as_str(),
        "us"
    );
    assert!(catalog_requests(&s.sim).is_empty());
    let lookups: Vec<_> = s
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/mdm/v2/contentMetadataLookup")
        .collect();
    assert!(lookups[0].query.as_deref().unwrap().contains("cc=de"));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn after_a_401_the_developer_token_is_minted_again_exactly_once() {
    let s = start(scenario()).await;
    let path = "/v1/catalog/de/stoken-authenticated-apps";
    let before = s.key.token();
    s.sim.inject_fault(FaultSpec {
        path: path.into(),
        count: 1,
        kind: FaultKind::Status401,
        retry_after_secs: None,
        hang_ms: None,
        slow_ms: None,
    });
    let ids = [AdamId::new("409203825")];
    let de = Storefront::new("de").ok();
    let opts = MetadataOptions::default();
    let answer = s
        .client
        .location(&s.token)
        .metadata(de.clone(), ContentKind::Apps, &ids, &opts)
        .await
        .unwrap();
    assert_eq!(answer.found.len(), 1);
    assert_ne!(before.expose_secret(), s.key.token().expose_secret());
    assert_eq!(catalog_requests(&s.sim).len(), 2);

    // Refused twice: the second 401 is the error, after one re-mint only.
    s.sim.clear_requests();
    s.sim.inject_fault(FaultSpec {
        path: path.into(),
        count: 2,
        kind: FaultKind::Status401,
        retry_after_secs: None,
        hang_ms: None,
        slow_ms: None,
    });
    let err = s
        .client
        .location(&s.token)
        .metadata(de, ContentKind::Apps, &ids, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Response(ResponseError::Catalog { status: 401, .. })
        ),
        "{err:?}"
    );
    assert_eq!(catalog_requests(&s.sim).len(), 2);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let s = start(scenario()).await;
    s.sim.inject_fault(FaultSpec {
        path: "/v1/catalog/de/stoken-authenticated-apps".into(),
        count: 1,
        kind: FaultKind::Status429,
        retry_after_secs: Some(1),
        hang_ms: None,
        slow_ms: None,
    });
    let started = Instant::now();
    let answer = s
        .client
        .location(&s.token)
        .metadata(
            Storefront::new("de").ok(),
            ContentKind::Apps,
            &[AdamId::new("409203825")],
            &MetadataOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.found.len(), 1);
    let requests = catalog_requests(&s.sim);
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );
    // The second request waited for Retry-After (1 s), as the server saw it.
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(900));
    assert!(started.elapsed() >= Duration::from_millis(900));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn the_server_refuses_an_expired_token_a_foreign_key_and_a_missing_cookie() {
    let s = start(scenario()).await;
    let http = reqwest::Client::new();
    let base = apple_vpp::api::ServiceBase::parse(&s.sim.base_url())
        .unwrap()
        .with_metadata(s.sim.metadata_base_url().parse().unwrap())
        .unwrap();
    let apps = GetAppsMetadata::new(
        Storefront::new("de").unwrap(),
        vec![AdamId::new("409203825")],
    );
    let send = |jwt: apple_vpp::SecretString, cookie: bool| {
        let request = HttpRequest::build(
            &apps,
            &base,
            Credentials::token(&s.token).with_developer(&jwt),
        )
        .unwrap();
        let mut builder = http.get(request.url.clone()).header(
            "authorization",
            request.authorization.unwrap().expose_secret(),
        );
        if cookie {
            builder = builder.header("cookie", request.cookie.unwrap().expose_secret());
        }
        async move {
            let response = builder.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let valid = s.key.token().expose_secret().clone();
    assert_eq!(send(valid.clone(), true).await.0, 200);

    let expired = s
        .key
        .mint_at(chrono::Utc::now() - chrono::Duration::hours(2));
    let (status, body) = send(expired.expose_secret().clone(), true).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("expired"), "{body}");
    assert!(!body.contains(expired.expose_secret().expose_secret()));

    let stranger = DeveloperKey::from_pem(
        &generate_pem(),
        &s.sim.developer_team_id(),
        &s.sim.developer_key_id(),
    )
    .unwrap();
    let (status, body) = send(stranger.token().expose_secret().clone(), true).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("signature"), "{body}");

    let (status, body) = send(valid, false).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("Invalid Stoken or Empty/Null ids Request Parameter"),
        "{body}"
    );
    assert!(!body.contains(s.token.expose_credential()));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_storefront_is_a_404_and_counts_as_knowing_nothing() {
    let s = start(scenario()).await;
    let err = s
        .client
        .location(&s.token)
        .send(&GetAppsMetadata::new(
            Storefront::new("zz").unwrap(),
            vec!["409203825".into()],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            SendError::Response(ResponseError::Catalog { status: 404, errors }) if errors[0].code.as_deref() == Some("40400")
        ),
        "{err:?}"
    );
    let answer = s
        .client
        .location(&s.token)
        .metadata(
            Storefront::new("zz").ok(),
            ContentKind::Apps,
            &[AdamId::new("409203825")],
            &MetadataOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.found[0].1.as_str(), "us");
    s.sim.shutdown().await;
}

#[tokio::test]
async fn storefronts_are_listed_with_the_developer_token_only() {
    let s = start(scenario()).await;
    let list = s.client.send(&GetStorefronts::new()).await.unwrap();
    assert!(list.data.iter().any(|s| s.id == "de"));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn no_key_or_token_appears_in_debug_or_errors() {
    let s = start(scenario()).await;
    let jwt = s.key.token();
    let jwt_text = jwt.expose_secret().expose_secret().to_owned();
    let shown = format!("{:?} {:?} {:?}", s.key, jwt, s.client);
    assert!(!shown.contains(&jwt_text), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    s.sim.inject_fault(FaultSpec {
        path: "/v1/catalog/de/stoken-authenticated-apps".into(),
        count: 2,
        kind: FaultKind::Status401,
        retry_after_secs: None,
        hang_ms: None,
        slow_ms: None,
    });
    let err = s
        .client
        .location(&s.token)
        .send(&GetAppsMetadata::new(
            Storefront::new("de").unwrap(),
            vec!["1".into()],
        ))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(&jwt_text) && !shown.contains(s.token.expose_credential()));
    s.sim.shutdown().await;
}

#[test]
fn a_bad_key_file_is_refused_without_its_bytes() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-meta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("AuthKey_ABC123DEFG.p8");
    std::fs::write(
        &path,
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = DeveloperKey::from_path(&path, "DEF123GHIJ", "ABC123DEFG").unwrap_err();
    assert!(matches!(err, DeveloperKeyError::NotEcP256));
    assert!(!format!("{err} {err:?}").contains("c2VjcmV0"));
    std::fs::write(&path, "not a key").unwrap();
    assert!(matches!(
        DeveloperKey::from_path(&path, "DEF123GHIJ", "ABC123DEFG"),
        Err(DeveloperKeyError::NotPem)
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_simulator_writes_its_developer_key_beside_the_tokens_owner_only() {
    let dir = std::env::temp_dir().join(format!("apple-vpp-meta-sim-{}", std::process::id()));
    let sim = Simulator::start(
        scenario(),
        SimOptions {
            token_dir: Some(dir.clone()),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let path = dir.join(format!("AuthKey_{}.p8", sim.developer_key_id()));
    let key = DeveloperKey::from_path(&path, &sim.developer_team_id(), &sim.developer_key_id());
    assert!(key.is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    sim.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

fn generate_pem() -> String {
    use base64::Engine as _;
    let rng = ring::rand::SystemRandom::new();
    let der = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der.as_ref())
    )
}

#[test]
fn the_metadata_base_follows_the_https_or_loopback_rule() {
    for bad in [
        "http://api.ent.apple.com/v1",
        "https://user:pw@api.ent.apple.com/v1",
        "https://api.ent.apple.com/v1?x=1",
    ] {
        let err = VppClient::builder()
            .metadata_base_url(bad)
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
    let edu = VppClient::builder()
        .metadata_base_url(apple_vpp::api::EDUCATION_METADATA_BASE_URL)
        .build()
        .unwrap();
    assert_eq!(
        edu.service_base().metadata().as_str(),
        "https://api.edu.apple.com/v1/"
    );
    let default = VppClient::builder().build().unwrap();
    assert_eq!(
        default.service_base().metadata().as_str(),
        "https://api.ent.apple.com/v1/"
    );
}

#[tokio::test]
async fn the_lookup_sends_the_cookie_and_finds_the_locations_custom_app() {
    let mut scenario = scenario();
    let mut custom = AssetSpec::app("451796775", 3);
    custom.supported_platforms = vec!["iOS".into()];
    custom.metadata = Some(AssetMetadataSpec {
        name: Some("b2b Test".into()),
        custom: true,
        ..AssetMetadataSpec::default()
    });
    scenario.locations[0].assets.push(custom);
    let s = start(scenario).await;
    let answer = s
        .legacy
        .location(&s.token)
        .metadata(
            Storefront::new("de").ok(),
            ContentKind::Apps,
            &[AdamId::new("451796775")],
            &MetadataOptions::default(),
        )
        .await
        .unwrap();
    assert!(answer.not_found.is_empty(), "{answer:?}");
    let Metadata::App(app) = &answer.found[0].0 else {
        panic!("an app")
    };
    assert_eq!(app.name.as_deref(), Some("b2b Test"));
    assert_eq!(app.custom_app, Some(true));
    let lookup = s
        .sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/mdm/v2/contentMetadataLookup")
        .unwrap();
    assert!(!format!("{lookup:?}").contains(s.token.expose_credential()));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn no_ids_send_no_request() {
    let s = start(scenario()).await;
    for client in [&s.client, &s.legacy] {
        let answer = client
            .location(&s.token)
            .metadata(
                Storefront::new("de").ok(),
                ContentKind::Books,
                &[],
                &MetadataOptions::default(),
            )
            .await
            .unwrap();
        assert!(answer.found.is_empty() && answer.not_found.is_empty());
    }
    assert!(
        s.sim
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/v1/catalog/")
                && r.path != "/mdm/v2/contentMetadataLookup"),
        "{:?}",
        s.sim.requests()
    );
    s.sim.shutdown().await;
}

#[tokio::test]
async fn a_content_token_apple_refuses_is_a_typed_403_naming_both_causes() {
    let s = start(scenario()).await;
    // A well-formed token the service does not know.
    let stranger: VppToken = {
        let inner = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            r#"{"token":"c3RyYW5nZXI=","expDate":"2031-01-01T00:00:00+0000","orgName":"Other"}"#,
        );
        inner.parse().unwrap()
    };
    let err = s
        .client
        .location(&stranger)
        .metadata(
            Storefront::new("de").ok(),
            ContentKind::Apps,
            &[AdamId::new("409203825")],
            &MetadataOptions::default(),
        )
        .await
        .unwrap_err();
    let SendError::Response(ResponseError::CatalogForbidden { errors }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].code.as_deref(), Some("40300"));
    let message = err.to_string();
    assert!(
        message.contains("content token") && message.contains("no ids"),
        "{message}"
    );
    assert!(!message.contains(stranger.expose_credential()));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn an_id_apple_repeats_is_returned_once() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let s = start(scenario()).await;
    let apple = MockServer::start().await;
    let app = |id: &str, name: &str| {
        serde_json::json!({"id": id, "type": "apps", "attributes": {"name": name,
            "platformAttributes": {"ios": {"bundleId": format!("com.example.{id}")}}}})
    };
    // Apple repeats 1 within the answer, apart and side by side.
    let body = serde_json::json!({"data": [
        app("1", "One"), app("1", "One again"), app("2", "Two"), app("1", "One, third")
    ]});
    Mock::given(method("GET"))
        .and(path_regex("stoken-authenticated-apps$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&apple)
        .await;
    let client = VppClient::builder()
        .base_url(s.sim.base_url())
        .metadata_base_url(format!("{}/v1/", apple.uri()))
        .developer_key(Arc::clone(&s.key))
        .build()
        .unwrap();
    let answer = client
        .location(&s.token)
        .metadata(
            Storefront::new("de").ok(),
            ContentKind::Apps,
            &[AdamId::new("1"), AdamId::new("2")],
            &MetadataOptions::default(),
        )
        .await
        .unwrap();
    let ids: Vec<&str> = answer
        .found
        .iter()
        .map(|(m, _)| m.adam_id().as_str())
        .collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(answer.found[0].0.name(), Some("One"));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn storefronts_are_read_page_by_page() {
    let mut scenario = scenario();
    scenario.metadata_storefronts = (0..30)
        .map(|i| {
            let a = (b'a' + (i / 26) as u8) as char;
            let b = (b'a' + (i % 26) as u8) as char;
            format!("{a}{b}")
        })
        .collect();
    let s = start(scenario).await;
    let all = s.client.storefronts(Some("ipad")).await.unwrap();
    assert_eq!(all.len(), 30);
    assert_eq!((all[0].id.as_str(), all[29].id.as_str()), ("aa", "bd"));
    let asked: Vec<String> = s
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/storefronts")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(
        asked,
        [
            "platform=ipad&limit=25&offset=0",
            "platform=ipad&limit=25&offset=25"
        ]
    );
    s.sim.shutdown().await;
}

#[tokio::test]
async fn a_token_minted_at_the_longest_lifetime_passes_a_server_whose_clock_is_behind() {
    let s = start(scenario()).await;
    let base = apple_vpp::api::ServiceBase::parse(&s.sim.base_url())
        .unwrap()
        .with_metadata(s.sim.metadata_base_url().parse().unwrap())
        .unwrap();
    let apps = GetAppsMetadata::new(
        Storefront::new("de").unwrap(),
        vec![AdamId::new("409203825")],
    );
    let longest = DeveloperKey::from_pem(
        &s.sim.developer_key_pem(),
        &s.sim.developer_team_id(),
        &s.sim.developer_key_id(),
    )
    .unwrap()
    .with_lifetime(chrono::Duration::days(365));
    // This MDM's clock runs 50 s ahead of Apple's (the simulator's, which tolerates an
    // `iat` up to a minute ahead): Apple's limit on `exp` is counted from its own clock.
    let token = longest.mint_at(chrono::Utc::now() + chrono::Duration::seconds(50));
    let request = HttpRequest::build(
        &apps,
        &base,
        Credentials::token(&s.token).with_developer(token.expose_secret()),
    )
    .unwrap();
    let response = reqwest::Client::new()
        .get(request.url.clone())
        .header(
            "authorization",
            request.authorization.unwrap().expose_secret(),
        )
        .header("cookie", request.cookie.unwrap().expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    s.sim.shutdown().await;
}
