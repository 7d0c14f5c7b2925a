//! The metadata services as the simulator answers them, over HTTP on 127.0.0.1 with
//! developer tokens signed here with the simulator's own key: availability per storefront,
//! the checks in order (developer token 401, cookie 403, rate 429 with `Retry-After`,
//! storefront 404), the catalog's error shape, and the legacy lookup.

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
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
    let path = "catalog/zz/stoken-authenticated-apps?ids=1&platform=iphone";
    for (jwt, detail) in [
        (None, "missing"),
        (Some(expired.as_str()), "expired"),
        (Some(wrong_kid.as_str()), "kid"),
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
    let (status, _, list) = c.get("storefronts", Some(&c.jwt), false).await;
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
