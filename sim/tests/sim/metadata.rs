//! The metadata services as the simulator answers them, over HTTP on 127.0.0.1 with
//! developer tokens signed here with the simulator's own key: availability per storefront,
//! the checks in order (developer token 401, cookie 403, rate 429 with `Retry-After`,
//! storefront 404), the catalog's error shape, the legacy lookup in Apple's two forms,
//! and every answer held by shape to Apple's published example for the same endpoint
//! (the crate's corpus, `tests/fixtures/apple/metadata/`).

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::shape::{compare_shape, empty_lists, kind};
use common::*;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};

/// An ES256 JWT signed with `pem`'s key, `exp_in` seconds from now.
fn jwt(pem: &str, team: &str, kid: &str, exp_in: i64) -> String {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body.trim()).unwrap();
    let rng = SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng).unwrap();
    let now = chrono::Utc::now().timestamp();
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": kid}).to_string());
    let claims = URL_SAFE_NO_PAD
        .encode(json!({"iss": team, "iat": now - 10, "exp": now + exp_in}).to_string());
    let signed = format!("{header}.{claims}");
    let signature = key.sign(&rng, signed.as_bytes()).unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

struct Catalog {
    sim: apple_vpp_sim::RunningSimulator,
    jwt: String,
    cookie: String,
}

async fn catalog(scenario: apple_vpp_sim::Scenario) -> Catalog {
    let sim = start(scenario).await;
    let jwt = jwt(
        &sim.developer_key_pem(),
        &sim.developer_team_id(),
        &sim.developer_key_id(),
        3600,
    );
    let cookie = format!("itvt={}", sim.token(UID).unwrap());
    Catalog { sim, jwt, cookie }
}

impl Catalog {
    async fn get(
        &self,
        path: &str,
        jwt: Option<&str>,
        cookie: bool,
    ) -> (u16, Option<String>, Value) {
        let mut request = client().get(format!("{}{path}", self.sim.metadata_base_url()));
        if let Some(jwt) = jwt {
            request = request.bearer_auth(jwt);
        }
        if cookie {
            request = request.header("cookie", &self.cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.json().await.unwrap_or(Value::Null);
        (status, retry_after, body)
    }

    async fn apps(&self, storefront: &str, ids: &str) -> (u16, Option<String>, Value) {
        let path = format!(
            "catalog/{storefront}/stoken-authenticated-apps?ids={ids}&platform=iphone&extend[apps]=latestVersionInfo"
        );
        self.get(&path, Some(&self.jwt), true).await
    }
}

fn ids(body: &Value) -> Vec<&str> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn apps_are_answered_per_storefront_and_an_exclusive_one_only_where_sold() {
    let c = catalog(scenario()).await;
    let (status, _, de) = c.apps("de", "409203825,361309726,1234567890,999").await;
    assert_eq!(status, 200, "{de}");
    // Pages is sold in us only; the book is not an app; 999 is not the location's.
    assert_eq!(ids(&de), ["409203825"]);
    let numbers = &de["data"][0]["attributes"];
    assert_eq!(numbers["name"], "Numbers");
    assert_eq!(
        numbers["platformAttributes"]["ios"]["latestVersionInfo"]["versionDisplay"],
        " 14.1"
    );
    assert!(
        numbers["platformAttributes"]["osx"]["artwork"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/{w}x{h}bb.{f}")
    );
    let (_, _, us) = c.apps("us", "361309726").await;
    assert_eq!(us["data"][0]["attributes"]["name"], "Pages");
    let books = c
        .get(
            "catalog/de/stoken-authenticated-books?ids=1234567890&platform=iphone",
            Some(&c.jwt),
            true,
        )
        .await
        .2;
    assert_eq!(books["data"][0]["attributes"]["artistName"], "Ada Example");
    assert_eq!(books["data"][0]["attributes"]["isbn"], "9780000000002");
}

#[tokio::test]
async fn the_developer_token_is_checked_first_then_the_cookie_then_the_storefront() {
    let c = catalog(scenario()).await;
    let expired = jwt(
        &c.sim.developer_key_pem(),
        &c.sim.developer_team_id(),
        &c.sim.developer_key_id(),
        -60,
    );
    let wrong_kid = jwt(
        &c.sim.developer_key_pem(),
        &c.sim.developer_team_id(),
        "OTHERKEY01",
        600,
    );
    // Apple refuses an exp more than 15,777,000 s ahead of its clock.
    let too_long = jwt(
        &c.sim.developer_key_pem(),
        &c.sim.developer_team_id(),
        &c.sim.developer_key_id(),
        15_777_000 + 120,
    );
    let path = "catalog/zz/stoken-authenticated-apps?ids=1&platform=iphone";
    for (jwt, detail) in [
        (None, "missing"),
        (Some(expired.as_str()), "expired"),
        (Some(wrong_kid.as_str()), "kid"),
        (Some(too_long.as_str()), "six months"),
        (Some("not.a.jwt"), "JWT"),
    ] {
        let (status, _, body) = c.get(path, jwt, true).await;
        assert_eq!(status, 401, "{body}");
        let error = &body["errors"][0];
        assert_eq!(
            (error["status"].as_str(), error["code"].as_str()),
            (Some("401"), Some("40100"))
        );
        assert!(error["detail"].as_str().unwrap().contains(detail), "{body}");
        assert!(error["id"].is_string() && error["title"].is_string());
    }
    let (status, _, body) = c.get(path, Some(&c.jwt), false).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (403, Some("40300"))
    );
    let (status, _, body) = c.get(path, Some(&c.jwt), true).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (404, Some("40400"))
    );
    // Storefronts need the developer token only.
    let (status, _, list) = c
        .get("storefronts?platform=iphone", Some(&c.jwt), false)
        .await;
    assert_eq!(status, 200);
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "de")
    );
}

#[tokio::test]
async fn over_the_rate_the_catalog_answers_429_with_retry_after() {
    let mut s = scenario();
    s.max_requests_per_second = 2;
    let c = catalog(s).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(c.apps("de", "409203825").await);
    }
    assert_eq!(
        seen.iter().map(|r| r.0).collect::<Vec<_>>(),
        [200, 200, 429]
    );
    assert_eq!(seen[2].1.as_deref(), Some("1"));
    assert_eq!(seen[2].2["errors"][0]["code"], "42900");
}

#[tokio::test]
async fn the_legacy_lookup_answers_by_storefront_without_a_token() {
    let sim = start(scenario()).await;
    let lookup = |cc: &str| {
        client().get(format!(
            "{}/contentMetadataLookup?version=2&id=409203825,361309726,1234567890&p=mdm-lockup&caller=MDM&platform=volumestore&cc={cc}",
            sim.base_url()
        ))
    };
    let de: Value = lookup("de").send().await.unwrap().json().await.unwrap();
    let results = de["results"].as_object().unwrap();
    assert_eq!(
        results.keys().map(String::as_str).collect::<Vec<_>>(),
        ["1234567890", "409203825"]
    );
    assert_eq!(
        results["409203825"]["offers"][0]["version"]["display"],
        " 14.1"
    );
    assert_eq!(results["1234567890"]["kind"], "ebook");
    let zz: Value = lookup("zz").send().await.unwrap().json().await.unwrap();
    assert_eq!(zz["results"], json!({}));
}

/// One of Apple's published answers, from the crate's corpus.
fn apple(name: &str) -> Value {
    let path = format!(
        "{}/../tests/fixtures/apple/metadata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Fails naming every path where the simulator's answer differs from Apple's by shape.
fn assert_apples_shape(sample: &str, sim: &Value) {
    let apple = apple(sample);
    let mut differences = compare_shape(&apple, sim);
    differences.extend(empty_lists(&apple, sim));
    assert!(
        differences.is_empty(),
        "the simulator's answer differs from Apple's {sample}:\n{}\n{sim:#}",
        differences.join("\n")
    );
}

const CUSTOM_APP: &str = "451796775";

/// The default scenario with a custom app (and a watch app) of the location.
fn with_custom_app() -> apple_vpp_sim::Scenario {
    let mut s = scenario();
    let mut custom = apple_vpp_sim::AssetSpec::app(CUSTOM_APP, 5);
    custom.supported_platforms = vec!["iOS".into()];
    custom.metadata = Some(apple_vpp_sim::AssetMetadataSpec {
        name: Some("b2b Test".into()),
        custom: true,
        device_families: Some(vec!["iphone".into(), "ipad".into(), "watch".into()]),
        ..Default::default()
    });
    s.locations[0].assets.push(custom);
    s
}

async fn lookup(sim: &apple_vpp_sim::RunningSimulator, ids: &str, cookie: Option<&str>) -> Value {
    let mut request = client().get(format!(
        "{}/contentMetadataLookup?version=2&id={ids}&p=mdm-lockup&caller=MDM&platform=enterprisestore&cc=us&l=en",
        sim.base_url()
    ));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_lookup_answers_in_apples_two_forms_and_finds_custom_apps_only_with_the_cookie() {
    let c = catalog(with_custom_app()).await;
    let ids = format!("409203825,{CUSTOM_APP}");
    // Without the cookie: Apple's first form; the custom app is absent.
    let public = lookup(&c.sim, &ids, None).await;
    let results = public["results"].as_object().unwrap();
    assert_eq!(results.keys().collect::<Vec<_>>(), ["409203825"]);
    let numbers = &results["409203825"];
    assert_eq!(numbers["id"], json!(409_203_825_u64));
    assert_eq!(kind(&numbers["artwork"]), "array");
    assert_eq!(numbers["isVppDeviceBasedLicensingEnabled"], true);
    assert!(numbers.get("isVppDeviceBasedLicenseEnabled").is_none());
    // With the location's token as the cookie: the second form, custom app included.
    let own = lookup(&c.sim, &ids, Some(&c.cookie)).await;
    let results = own["results"].as_object().unwrap();
    let mut found: Vec<&String> = results.keys().collect();
    found.sort();
    assert_eq!(found, ["409203825", CUSTOM_APP]);
    let custom = &results[CUSTOM_APP];
    assert_eq!(custom["id"], CUSTOM_APP);
    assert_eq!(custom["isB2BCustomApp"], true);
    assert_eq!(kind(&custom["artwork"]), "object");
    assert!(
        custom["artwork"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/{w}x{h}bb.{f}")
    );
    // A cookie that is no token finds nothing, as Apple's failed authentication.
    let refused = lookup(&c.sim, &ids, Some("itvt=not-a-token")).await;
    assert_eq!(refused["results"], json!({}));
}

#[tokio::test]
async fn the_lookup_has_the_shape_of_apples_examples() {
    let c = catalog(with_custom_app()).await;
    assert_apples_shape(
        "legacy_lookup_pages.json",
        &lookup(&c.sim, "409203825", None).await,
    );
    assert_apples_shape(
        "legacy_lookup_custom_app.json",
        &lookup(&c.sim, CUSTOM_APP, Some(&c.cookie)).await,
    );
    assert_apples_shape(
        "legacy_lookup_empty.json",
        &lookup(&c.sim, "999", Some(&c.cookie)).await,
    );
}

#[tokio::test]
async fn the_catalog_has_the_shape_of_apples_examples() {
    let c = catalog(scenario()).await;
    let (status, _, apps) = c
        .get(
            "catalog/us/stoken-authenticated-apps?ids=409203825&platform=iphone",
            Some(&c.jwt),
            true,
        )
        .await;
    assert_eq!(status, 200, "{apps}");
    assert_apples_shape("your_apps.json", &apps);
    assert_eq!(
        apps["data"][0]["attributes"]["isVppDeviceBasedLicensingEnabled"],
        true
    );
    // Without `extend[apps]=latestVersionInfo`, no version, as Apple's example.
    assert!(
        apps["data"][0]["attributes"]["platformAttributes"]["ios"]
            .get("latestVersionInfo")
            .is_none()
    );
    let (status, _, books) = c
        .get(
            "catalog/us/stoken-authenticated-books?ids=1234567890&platform=iphone",
            Some(&c.jwt),
            true,
        )
        .await;
    assert_eq!(status, 200, "{books}");
    assert_apples_shape("your_books.json", &books);
}

#[tokio::test]
async fn no_ids_and_a_refused_cookie_get_apples_403_40300() {
    let c = catalog(scenario()).await;
    let (status, _, empty) = c
        .get(
            "catalog/us/stoken-authenticated-apps?ids=&platform=iphone",
            Some(&c.jwt),
            true,
        )
        .await;
    assert_eq!(status, 403, "{empty}");
    assert_apples_shape("fleet_43596_forbidden.json", &empty);
    assert_eq!(
        empty["errors"][0]["detail"],
        "Invalid Stoken or Empty/Null ids Request Parameter"
    );
    let (status, _, missing) = c
        .get(
            "catalog/us/stoken-authenticated-books?platform=iphone",
            Some(&c.jwt),
            true,
        )
        .await;
    assert_eq!(
        (status, &missing["errors"][0]["code"]),
        (403, &json!("40300"))
    );
    let (status, _, no_cookie) = c
        .get(
            "catalog/us/stoken-authenticated-apps?ids=409203825&platform=iphone",
            Some(&c.jwt),
            false,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        no_cookie["errors"][0]["detail"],
        empty["errors"][0]["detail"]
    );
}

#[tokio::test]
async fn storefronts_need_a_platform_and_page_with_limit_and_offset() {
    let mut s = scenario();
    s.metadata_storefronts = ["us", "de", "gb", "fr", "jp"].map(String::from).to_vec();
    let c = catalog(s).await;
    let (status, _, refused) = c.get("storefronts", Some(&c.jwt), false).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "40005");
    let c = &c;
    let page = |offset: usize| async move {
        let path = format!("storefronts?platform=iphone&limit=2&offset={offset}");
        c.get(&path, Some(&c.jwt), false).await
    };
    let (status, _, first) = page(0).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(ids(&first), ["de", "fr"]);
    assert_eq!(first["next"], "/v1/storefronts?offset=2");
    let (_, _, last) = page(4).await;
    assert_eq!(ids(&last), ["us"]);
    assert!(last.get("next").is_none());
}
