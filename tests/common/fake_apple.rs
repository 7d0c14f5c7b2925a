//! A fake of Apple's Apps and Books v2 service on 127.0.0.1, built on wiremock. Shared by
//! the client tests (`common::fake_apple`); the `configure` example runs against the
//! simulator (`apple-vpp-sim`) instead.
//!
//! It keeps one location's client configuration, accepts only one credential (anything
//! else gets Apple's 9622 with HTTP 200, as Apple does), records every POSTed `mdmInfo`,
//! and answers 500 naming any request it does not expect, so a wrong path fails loudly.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use std::time::Duration;

use apple_vpp::api::RetryPolicy;
use apple_vpp::client::VppClient;
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The path prefix the fake serves, as Apple's v2 base.
pub const BASE_PATH: &str = "/mdm/v2";

/// The fake's state: the location's client configuration and the bodies POSTed to it.
pub struct FakeState {
    pub config: Value,
    pub credential: String,
    pub posts: Vec<Value>,
    /// The location's v1 `clientContext` (absent: never set through v1).
    pub legacy_context: Option<String>,
    /// How many v1 reads were made.
    pub legacy_reads: usize,
    /// A legacy (account-based) location: v2 answers 9647, v1 serves it.
    pub legacy: bool,
    /// The `clientContext` strings written through v1.
    pub legacy_writes: Vec<String>,
    /// Written over ours right after our v1 write (another MDM racing us).
    pub legacy_racer: Option<String>,
    /// v1 answers `status: -1` with this error number.
    pub legacy_error: Option<u32>,
}

/// A running fake.
pub struct FakeApple {
    pub server: MockServer,
    pub state: Arc<Mutex<FakeState>>,
}

/// Berlin Office, claimed by "Example MDM" (another MDM), expiring 2027-09-26.
pub fn berlin_claimed_elsewhere() -> Value {
    json!({
        "countryISO2ACode": "DE",
        "defaultPlatform": "enterprisestore",
        "locationName": "Berlin Office",
        "mdmInfo": {"id": "29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11", "metadata": "mdm.example.com", "name": "Example MDM"},
        "subscribedNotificationTypes": ["ASSET_COUNT", "ASSET_MANAGEMENT"],
        "tokenExpirationDate": "2027-09-26T08:30:39+0000",
        "uId": "981060278089131045",
        "websiteURL": "https://business.apple.com"
    })
}

impl FakeApple {
    /// Starts the fake with `config` as the location's client configuration, accepting
    /// `credential` (the whole .vpptoken content) as the bearer token.
    pub async fn start(config: Value, credential: &str) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(FakeState {
            config,
            credential: credential.to_owned(),
            posts: Vec::new(),
            legacy_context: None,
            legacy_reads: 0,
            legacy: false,
            legacy_writes: Vec::new(),
            legacy_racer: None,
            legacy_error: None,
        }));
        Mock::given(method("POST"))
            .and(path("/mdm/VPPClientConfigSrv"))
            .respond_with(LegacyResponder(state.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{BASE_PATH}/client/config")))
            .respond_with(ClientConfigResponder(state.clone()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{BASE_PATH}/client/config")))
            .respond_with(ClientConfigResponder(state.clone()))
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        Self { server, state }
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.server.uri())
    }
}

/// Answers 500 to any request no other mock matched, naming it.
pub async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(Unexpected)
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

struct Unexpected;

impl Respond for Unexpected {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(500).set_body_string(format!(
            "unexpected request: {} {}",
            request.method,
            request.url.path()
        ))
    }
}

struct ClientConfigResponder(Arc<Mutex<FakeState>>);

impl Respond for ClientConfigResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        if state.legacy {
            return ResponseTemplate::new(403).set_body_json(json!({
                "errorNumber": 9647,
                "errorMessage": "Legacy tokens are not supported by this version."
            }));
        }
        let expected = format!("Bearer {}", state.credential);
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(expected.as_str()) {
            return ResponseTemplate::new(200).set_body_json(json!({
                "errorNumber": 9622,
                "errorMessage": "Invalid authentication token."
            }));
        }
        if request.method.as_str() == "POST" {
            let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
                return ResponseTemplate::new(400).set_body_json(
                    json!({"errorNumber": 9602, "errorMessage": "Invalid argument."}),
                );
            };
            if let Some(info) = body.get("mdmInfo") {
                state.config["mdmInfo"] = info.clone();
            }
            state.posts.push(body);
        }
        ResponseTemplate::new(200).set_body_json(state.config.clone())
    }
}

/// v1 `VPPClientConfigSrv`, read-only: the location with its `clientContext`.
struct LegacyResponder(Arc<Mutex<FakeState>>);

impl Respond for LegacyResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        if body["sToken"].as_str() != Some(state.credential.as_str()) {
            return ResponseTemplate::new(200).set_body_json(json!({
                "status": -1, "errorNumber": 9622, "errorMessage": "Invalid authentication token."
            }));
        }
        if let Some(number) = state.legacy_error {
            return ResponseTemplate::new(200).set_body_json(json!({
                "status": -1, "errorNumber": number, "errorMessage": "Refused."
            }));
        }
        match body["clientContext"].as_str() {
            Some(context) => {
                state.legacy_writes.push(context.to_owned());
                state.legacy_context = Some(context.to_owned());
                if let Some(racer) = state.legacy_racer.take() {
                    state.legacy_context = Some(racer);
                }
            }
            None => state.legacy_reads += 1,
        }
        let mut answer = json!({
            "status": 0,
            "uId": state.config["uId"],
            "location": {"locationId": 1, "locationName": state.config["locationName"]},
            "expirationMillis": 1_822_379_439_000_i64,
        });
        if let Some(context) = &state.legacy_context {
            answer["clientContext"] = json!(context);
        }
        ResponseTemplate::new(200).set_body_json(answer)
    }
}

/// Answers v1 `VPPClientConfigSrv` reads for Berlin Office with no `clientContext`.
pub async fn mount_legacy_unclaimed(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/mdm/VPPClientConfigSrv"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": 0,
            "uId": "981060278089131045",
            "location": {"locationId": 1, "locationName": "Berlin Office"}
        })))
        .mount(server)
        .await;
}

/// Berlin Office with no MDM's claim.
pub fn unclaimed() -> Value {
    let mut c = berlin_claimed_elsewhere();
    c.as_object_mut().unwrap().remove("mdmInfo");
    c
}

/// Fast retries: tests run in milliseconds.
pub fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_max_total(Duration::from_secs(10))
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
        .with_retry_after_cap(Duration::from_millis(20))
}

/// A client for `base` with [`fast`] retries and a 5 s timeout.
pub fn client_for(base: &str) -> VppClient {
    VppClient::builder()
        .base_url(base)
        .retry_policy(fast())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A mock server that answers 500 to anything unexpected and v1 reads with no claim.
pub async fn server() -> MockServer {
    let s = MockServer::start().await;
    mount_catch_all(&s).await;
    mount_legacy_unclaimed(&s).await;
    s
}

/// The v2 base URL of `s`.
pub fn base(s: &MockServer) -> String {
    format!("{}{BASE_PATH}", s.uri())
}
