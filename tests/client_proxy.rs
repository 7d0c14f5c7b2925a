//! With a plain-http loopback base URL, the default client must not hand the request
//! (credential included) to a proxy named in the environment. Its own test binary: it
//! sets process-wide environment variables.
#![cfg(feature = "client")]

mod common;

use apple_vpp::VppToken;
use apple_vpp::client::VppClient;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn an_environment_proxy_never_sees_a_loopback_request() {
    let proxy = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&proxy)
        .await;
    let apple = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"uId":"1","locationName":"Berlin Office"}"#),
        )
        .mount(&apple)
        .await;
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        // SAFETY: this test binary runs this one test; no other thread reads the
        // environment while it is written.
        unsafe { std::env::set_var(name, proxy.uri()) };
    }
    for name in ["NO_PROXY", "no_proxy"] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(name) };
    }
    let token: VppToken = common::fixture("v2_pretty.vpptoken").parse().unwrap();
    let client = VppClient::builder()
        .base_url(format!("{}/mdm/v2", apple.uri()))
        .build()
        .unwrap();
    let config = client.location(&token).client_config().await.unwrap();
    assert_eq!(config.location_name.as_deref(), Some("Berlin Office"));
    assert_eq!(proxy.received_requests().await.unwrap().len(), 0);
    assert_eq!(apple.received_requests().await.unwrap().len(), 1);
}
