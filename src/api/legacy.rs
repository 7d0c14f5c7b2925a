//! The legacy VPP API (v1, maintenance mode) calls a configuration needs:
//! `VPPServiceConfigSrv` and `VPPClientConfigSrv`, under `https://vpp.itunes.apple.com/mdm/`.
//!
//! v1 carries the content token in the JSON body (`sToken`), never in the URL; the body
//! is then secret ([`super::HttpRequest`]'s `Debug` shows its length only). Apple answers
//! `status` 0 or -1 with an `errorNumber`, usually with HTTP 200.

use serde::Serialize;

use super::endpoint::{Auth, Endpoint, Method, Replay};
use crate::location::Protocol;
use crate::token::VppToken;
use crate::wire::LegacyClientConfig;

/// `POST VPPServiceConfigSrv` (no token): v1's service configuration, kept as JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetLegacyServiceConfig;

impl Endpoint for GetLegacyServiceConfig {
    type Response = serde_json::Map<String, serde_json::Value>;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "VPPServiceConfigSrv";
    const PROTOCOL: Protocol = Protocol::V1;
    const AUTH: Auth = Auth::None;
    const REPLAY: Replay = Replay::Safe;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(b"{}".to_vec())
    }
}

/// `POST VPPClientConfigSrv` without a `clientContext`: reads the account's
/// configuration and changes nothing, so it is safe to send again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetLegacyClientConfig;

impl Endpoint for GetLegacyClientConfig {
    type Response = LegacyClientConfig;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "VPPClientConfigSrv";
    const PROTOCOL: Protocol = Protocol::V1;
    const AUTH: Auth = Auth::InBody;
    const REPLAY: Replay = Replay::Safe;

    fn body(&self, token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(legacy_body(token, None))
    }
}

/// `POST VPPClientConfigSrv` with a `clientContext` to write (`""` clears it). Decided
/// from a read (whose owner it overwrites), so never replayed as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetLegacyClientContext {
    /// The `clientContext` string to write: by convention
    /// `{"hostname":"<server>","guid":"<id>"}` ([`crate::MdmIdentity::legacy_client_context`]).
    pub client_context: String,
}

impl SetLegacyClientContext {
    /// Writes `client_context` (`""` clears it).
    pub fn new(client_context: impl Into<String>) -> Self {
        Self {
            client_context: client_context.into(),
        }
    }
}

impl Endpoint for SetLegacyClientContext {
    type Response = LegacyClientConfig;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "VPPClientConfigSrv";
    const PROTOCOL: Protocol = Protocol::V1;
    const AUTH: Auth = Auth::InBody;
    const REPLAY: Replay = Replay::Never;

    fn body(&self, token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(legacy_body(token, Some(&self.client_context)))
    }
}

fn legacy_body(token: Option<&VppToken>, client_context: Option<&str>) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        s_token: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_context: Option<&'a str>,
        verbose: bool,
    }
    let body = Body {
        s_token: token.map(VppToken::expose_credential).unwrap_or_default(),
        client_context,
        verbose: true,
    };
    serde_json::to_vec(&body).expect("strings always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Credentials, HttpRequest, RequestError, ServiceBase};

    #[test]
    fn v1_calls_go_beside_v2_with_the_token_in_the_body() {
        let token = VppToken::builder("o", "2031-01-01T00:00:00+00:00".parse().unwrap())
            .build()
            .unwrap();
        for base in [
            "https://vpp.itunes.apple.com/mdm/v2",
            "https://vpp.itunes.apple.com/mdm/v2/",
        ] {
            let base = ServiceBase::parse(base).unwrap();
            let read =
                HttpRequest::build(&GetLegacyClientConfig, &base, Credentials::token(&token))
                    .unwrap();
            assert_eq!(
                read.url.as_str(),
                "https://vpp.itunes.apple.com/mdm/VPPClientConfigSrv"
            );
            assert_eq!((&read.method, read.replay), (&Method::POST, Replay::Safe));
            assert!(read.authorization.is_none(), "not in a header");
            assert!(read.secret_body);
            let body: serde_json::Value = serde_json::from_slice(&read.body.unwrap()).unwrap();
            assert_eq!(
                body,
                serde_json::json!({"sToken": token.expose_credential(), "verbose": true})
            );
        }
        let base = ServiceBase::parse("http://127.0.0.1:7/mdm/v2").unwrap();
        let write = SetLegacyClientContext {
            client_context: r#"{"hostname":"h","guid":"g"}"#.into(),
        };
        let request = HttpRequest::build(&write, &base, Credentials::token(&token)).unwrap();
        assert_eq!(
            request.url.as_str(),
            "http://127.0.0.1:7/mdm/VPPClientConfigSrv"
        );
        assert_eq!(request.replay, Replay::Never);
        let body: serde_json::Value = serde_json::from_slice(&request.body.unwrap()).unwrap();
        assert_eq!(body["clientContext"], r#"{"hostname":"h","guid":"g"}"#);
        assert!(!request.url.as_str().contains(token.expose_credential()));
        assert_eq!(
            HttpRequest::build(&GetLegacyClientConfig, &base, Credentials::NONE),
            Err(RequestError::MissingToken)
        );
        let service =
            HttpRequest::build(&GetLegacyServiceConfig, &base, Credentials::NONE).unwrap();
        assert_eq!(
            service.url.as_str(),
            "http://127.0.0.1:7/mdm/VPPServiceConfigSrv"
        );
    }
}
