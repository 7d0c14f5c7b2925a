//! A fake of Apple's Apps and Books v2 service on 127.0.0.1, built on wiremock. Shared by
//! the client tests and the `configure` example (`#[path]`-included by both).
//!
//! It keeps one location's client configuration, accepts only one credential (anything
//! else gets Apple's 9622 with HTTP 200, as Apple does), records every POSTed `mdmInfo`,
//! and answers 500 naming any request it does not expect, so a wrong path fails loudly.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

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
        }));
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
