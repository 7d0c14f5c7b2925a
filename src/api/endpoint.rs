//! The one typed model of an Apple call: [`Endpoint`].
//!
//! Each of Apple's endpoints is a small type that knows its method, its path, its query,
//! its body, how it authenticates, whether a failed attempt may be sent again, and the
//! type its answer decodes to. [`HttpRequest::build`] turns any of them into the HTTP
//! request to send, as a pure function; [`Endpoint::decode`] turns the status and body
//! that came back into the typed answer. Any HTTP stack can drive them; the `client`
//! feature has one generic `send` for all.

use serde::de::DeserializeOwned;
use url::Url;

use super::BaseUrlError;
use crate::location::Protocol;
use crate::secret::SecretString;
use crate::token::VppToken;
use crate::wire::{self, AppleError, ResponseError};

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST (with a JSON body).
    Post,
}

/// How an endpoint carries the content token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// No token (`service/config`, `VPPServiceConfigSrv`).
    None,
    /// `Authorization: Bearer <the whole .vpptoken content>` (every other v2 call).
    Bearer,
    /// In the JSON body as `sToken` (the legacy v1 calls). The body is then secret.
    InBody,
}

/// Whether a failed attempt of a request may be sent again as it is.
///
/// A request that never reached Apple (the connection could not be made) can always be
/// sent again. After that, it depends on what the request does:
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Replay {
    /// Reads: retried on any retryable failure (connection, timeout, 429, 5xx).
    Safe,
    /// Writes that start asynchronous work (licenses, users): retried only when Apple
    /// did not take the request: the connection failed, or Apple answered 429 / 9646 or
    /// a 5xx error. Never after a timeout or a broken connection, where Apple may have
    /// applied it (track the event instead; Apple's own advice is to resend only after
    /// 10 minutes without a result).
    IfRefused,
    /// Writes whose content was decided from an earlier read (a claim, notification
    /// settings): never sent again as they are, since what was read may have changed
    /// meanwhile. Only a connection that could not be made is retried; otherwise the
    /// caller reads again and decides again.
    Never,
}

/// One of Apple's endpoints, as a value: see the [module docs](crate::api).
pub trait Endpoint {
    /// The typed answer (a [`crate::wire`] type).
    type Response: DeserializeOwned;
    /// The method.
    const METHOD: Method;
    /// The path relative to the protocol's base, e.g. `client/config`.
    const PATH: &'static str;
    /// The API it belongs to (default v2).
    const PROTOCOL: Protocol = Protocol::V2;
    /// How it carries the token.
    const AUTH: Auth;
    /// Whether a failed attempt may be sent again as it is.
    const REPLAY: Replay;

    /// Query parameters, in order (default none).
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The JSON body, for POST (default none). `token` is given for [`Auth::InBody`]
    /// endpoints, which put it in the body.
    fn body(&self, token: Option<&VppToken>) -> Option<Vec<u8>> {
        let _ = token;
        None
    }

    /// Secrets the request carries besides the token (e.g. a notification auth token):
    /// removed from any error Apple sends back, which may echo the request.
    fn secrets(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Decodes Apple's answer (default [`wire::decode_response`]: an `errorNumber`
    /// anywhere is Apple's error, whatever the status).
    fn decode(status: u16, body: &[u8]) -> Result<Self::Response, ResponseError> {
        wire::decode_response(status, body)
    }
}

/// The bases of Apple's two APIs: v2, and v1 beside it (`…/mdm/v2/` → `…/mdm/`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceBase {
    v2: Url,
    v1: Url,
}

impl ServiceBase {
    /// From a v2 base URL, checked like [`super::normalize_base_url`] (https or loopback
    /// http, no user name, password, query or fragment; a trailing slash added). The v1
    /// base is its parent: `https://vpp.itunes.apple.com/mdm/v2/` gives
    /// `https://vpp.itunes.apple.com/mdm/`; a base at the root (`http://127.0.0.1:8080/`)
    /// gives the same root.
    pub fn new(v2: Url) -> Result<Self, BaseUrlError> {
        let v2 = super::base_url::check_base_url(v2)?;
        let v1 = v2
            .join("../")
            .expect("a checked base URL has a host and is a base");
        Ok(Self { v2, v1 })
    }

    /// [`ServiceBase::new`] from text.
    pub fn parse(v2: &str) -> Result<Self, BaseUrlError> {
        Self::new(Url::parse(v2).map_err(|e| BaseUrlError::Invalid {
            reason: e.to_string(),
        })?)
    }

    /// The v2 base.
    pub fn v2(&self) -> &Url {
        &self.v2
    }

    /// The v1 base.
    pub fn v1(&self) -> &Url {
        &self.v1
    }

    /// The base for `protocol`.
    pub fn for_protocol(&self, protocol: Protocol) -> &Url {
        match protocol {
            Protocol::V2 => &self.v2,
            Protocol::V1 => &self.v1,
        }
    }
}

impl Default for ServiceBase {
    /// Apple's production service.
    fn default() -> Self {
        Self::new(super::default_base_url()).expect("Apple's base URL is valid")
    }
}

/// One HTTP request, ready to send: the pure result of [`HttpRequest::build`].
///
/// `Debug` shows the body's length only (it may hold the notification auth token, or the
/// v1 `sToken`); the `Authorization` value is a [`SecretString`].
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// The `Authorization` header value (`Bearer …`), when the endpoint needs one.
    pub authorization: Option<SecretString>,
    /// The JSON body (`Content-Type: application/json`), for POST.
    pub body: Option<Vec<u8>>,
    /// Whether a failed attempt may be sent again as it is.
    pub replay: Replay,
    /// Whether the body holds a secret (the v1 `sToken`).
    pub secret_body: bool,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("authorization", &self.authorization)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())),
            )
            .field("replay", &self.replay)
            .finish()
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The endpoint needs the content token and none was given.
    #[error("this Apple call needs the location's content token and none was given")]
    MissingToken,
}

impl HttpRequest {
    /// Builds the request for `endpoint` under `base`, with `token` where the endpoint
    /// needs it. Pure: no I/O.
    pub fn build<E: Endpoint>(
        endpoint: &E,
        base: &ServiceBase,
        token: Option<&VppToken>,
    ) -> Result<Self, RequestError> {
        let mut url = base
            .for_protocol(E::PROTOCOL)
            .join(E::PATH)
            .expect("a checked base URL has a host, so a relative path joins onto it");
        let query = endpoint.query();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let authorization = match E::AUTH {
            Auth::Bearer => {
                let token = token.ok_or(RequestError::MissingToken)?;
                Some(super::authorization(token))
            }
            Auth::InBody if token.is_none() => return Err(RequestError::MissingToken),
            Auth::InBody | Auth::None => None,
        };
        Ok(Self {
            method: E::METHOD,
            url,
            authorization,
            body: endpoint.body(token),
            replay: E::REPLAY,
            secret_body: E::AUTH == Auth::InBody,
        })
    }
}

/// Removes every secret a request held (the token, its inner token, the endpoint's own
/// secrets) from an error Apple sent back.
pub fn redact_error<E: Endpoint>(endpoint: &E, token: Option<&VppToken>, error: &mut AppleError) {
    if let Some(token) = token {
        error.redact(token.expose_credential());
        error.redact(token.expose_inner_token());
    }
    for secret in endpoint.secrets() {
        error.redact(secret);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{GetClientConfig, GetServiceConfig, SetClientConfig};
    use crate::wire::{ClientConfigUpdate, MdmInfo};

    fn token() -> VppToken {
        VppToken::builder("o", "2031-01-01T00:00:00+00:00".parse().unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn bases_for_both_protocols() {
        let apple = ServiceBase::default();
        assert_eq!(apple.v2().as_str(), "https://vpp.itunes.apple.com/mdm/v2/");
        assert_eq!(apple.v1().as_str(), "https://vpp.itunes.apple.com/mdm/");
        let root = ServiceBase::parse("http://127.0.0.1:9").unwrap();
        assert_eq!(root.v2().as_str(), "http://127.0.0.1:9/");
        assert_eq!(root.v1().as_str(), "http://127.0.0.1:9/");
        assert_eq!(
            ServiceBase::parse("mailto:a@b.example"),
            Err(BaseUrlError::Insecure {
                url: "mailto:a@b.example".into()
            })
        );
    }

    #[test]
    fn requests_are_built_without_io() {
        let base = ServiceBase::parse("http://127.0.0.1:1/mdm/v2").unwrap();
        let get = HttpRequest::build(&GetServiceConfig, &base, None).unwrap();
        assert_eq!(get.url.as_str(), "http://127.0.0.1:1/mdm/v2/service/config");
        assert_eq!(
            (get.method, get.authorization.is_none()),
            (Method::Get, true)
        );
        assert_eq!(
            HttpRequest::build(&GetClientConfig, &base, None),
            Err(RequestError::MissingToken)
        );
        let t = token();
        let read = HttpRequest::build(&GetClientConfig, &base, Some(&t)).unwrap();
        assert_eq!(
            read.authorization.unwrap().expose_secret(),
            format!("Bearer {}", t.expose_credential())
        );
        assert_eq!(read.replay, Replay::Safe);
        let update = ClientConfigUpdate::builder()
            .mdm_info(
                MdmInfo::default()
                    .with_id("i")
                    .with_name("n")
                    .with_metadata("m"),
            )
            .build()
            .unwrap();
        let post = HttpRequest::build(&SetClientConfig(&update), &base, Some(&t)).unwrap();
        assert_eq!((post.method, post.replay), (Method::Post, Replay::Never));
        assert_eq!(
            post.body.as_deref(),
            Some(&br#"{"mdmInfo":{"id":"i","name":"n","metadata":"m"}}"#[..])
        );
        let debug = format!("{post:?}");
        assert!(debug.contains("[48 bytes]"), "{debug}");
        assert!(!debug.contains(t.expose_credential()), "{debug}");
    }

    #[test]
    fn every_secret_the_request_held_is_scrubbed_from_apple_errors() {
        let t = token();
        let secret = "notify-secret-0123456789abcdef";
        let update = ClientConfigUpdate::builder()
            .notification_url("https://mdm.example/notify".parse().unwrap())
            .notification_auth_token(secret.into())
            .build()
            .unwrap();
        let body = format!(
            r#"{{"errorNumber":9728,"errorMessage":"could not deliver with {secret} for {}"}}"#,
            t.expose_credential()
        );
        let crate::wire::ResponseError::Apple(mut error) =
            SetClientConfig::decode(400, body.as_bytes()).unwrap_err()
        else {
            panic!("not Apple's error")
        };
        redact_error(&SetClientConfig(&update), Some(&t), &mut error);
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains(t.expose_credential()), "{shown}");
        assert!(shown.contains("9728"), "{shown}");
    }
}
