//! The one typed model of an Apple call: [`Endpoint`].
//!
//! Each of Apple's endpoints is a small type that knows its method, its path, its query,
//! its body, how it authenticates, whether a failed attempt may be sent again, and the
//! type its answer decodes to. [`HttpRequest::build`] turns any of them into the HTTP
//! request to send, as a pure function; [`Endpoint::decode`] turns the status and body
//! that came back into the typed answer. Any HTTP stack can drive them; the `client`
//! feature has one generic `send` for all.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use url::Url;

pub use http::Method;

use super::authorization::authorization;
use super::base_url::{BaseUrlError, check_base_url, default_base_url, default_metadata_base_url};
use crate::location::Protocol;
use crate::secret::SecretString;
use crate::token::VppToken;
use crate::wire::{self, ResponseError};

/// How an endpoint carries the content token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// No token (`service/config`, `VPPServiceConfigSrv`).
    None,
    /// `Authorization: Bearer <the whole .vpptoken content>` (every other v2 call).
    Bearer,
    /// In the JSON body as `sToken` (the legacy v1 calls). The body is then secret.
    InBody,
    /// The metadata catalog's owned content: `Authorization: Bearer <developer token>`
    /// and the content token as the cookie `itvt=<the whole .vpptoken content>`.
    DeveloperAndCookie,
    /// The metadata catalog's public parts (storefronts): `Authorization: Bearer
    /// <developer token>` only.
    Developer,
    /// The legacy content metadata lookup: no `Authorization`; the content token as the
    /// cookie `itvt=<the whole .vpptoken content>` when one is given (then custom apps
    /// and apps no longer for sale are found too), nothing otherwise.
    CookieIfToken,
}

/// Which service an endpoint's request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// Apps and Books (the [`ServiceBase`]'s v2 or v1 base, by [`Endpoint::PROTOCOL`]).
    Vpp,
    /// Apps and Books Metadata for Organizations ([`ServiceBase::metadata`]).
    Metadata,
    /// A URL the endpoint carries ([`Endpoint::absolute_url`]): the legacy content
    /// metadata lookup, checked by [`ServiceBase::check_lookup_url`].
    Absolute,
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
    /// The method ([`Method::GET`] or [`Method::POST`]).
    const METHOD: Method;
    /// The path relative to the protocol's base, e.g. `client/config`.
    const PATH: &'static str;
    /// The API it belongs to (default v2).
    const PROTOCOL: Protocol = Protocol::V2;
    /// The service it goes to (default [`Host::Vpp`]).
    const HOST: Host = Host::Vpp;
    /// How it carries the token.
    const AUTH: Auth;
    /// Whether a failed attempt may be sent again as it is.
    const REPLAY: Replay;

    /// The path relative to the base (default [`Endpoint::PATH`]); endpoints whose path
    /// holds a value (a storefront) override it.
    fn path(&self) -> Cow<'_, str> {
        Cow::Borrowed(Self::PATH)
    }

    /// The URL of a [`Host::Absolute`] endpoint (default none).
    fn absolute_url(&self) -> Option<&Url> {
        None
    }

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

    /// Refuses a request Apple would refuse for its content alone (default: none is),
    /// before anything is sent: e.g. a metadata request naming no ids.
    fn check(&self) -> Result<(), RequestError> {
        Ok(())
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
    metadata: Url,
}

impl ServiceBase {
    /// From a v2 base URL, checked like [`super::normalize_base_url`] (https or loopback
    /// http, no user name, password, query or fragment; a trailing slash added). The v1
    /// base is its parent: `https://vpp.itunes.apple.com/mdm/v2/` gives
    /// `https://vpp.itunes.apple.com/mdm/`; a base at the root (`http://127.0.0.1:8080/`)
    /// gives the same root.
    pub fn new(v2: Url) -> Result<Self, BaseUrlError> {
        let v2 = check_base_url(v2)?;
        let v1 = v2
            .join("../")
            .expect("a checked base URL has a host and is a base");
        let metadata = default_metadata_base_url();
        Ok(Self { v2, v1, metadata })
    }

    /// The same with another metadata base (default
    /// [`super::DEFAULT_METADATA_BASE_URL`]; [`super::EDUCATION_METADATA_BASE_URL`] for
    /// education), checked like the v2 base.
    pub fn with_metadata(mut self, metadata: Url) -> Result<Self, BaseUrlError> {
        self.metadata = check_base_url(metadata)?;
        Ok(self)
    }

    /// The metadata base (`https://api.ent.apple.com/v1/` by default).
    pub fn metadata(&self) -> &Url {
        &self.metadata
    }

    /// Checks a legacy lookup URL (the service configuration's `contentMetadataLookup`)
    /// before anything is sent to it: `https` to `apple.com` or one of its subdomains,
    /// or the scheme, host and port of one of the configured bases (a local simulator);
    /// no user name or password, no fragment. Never an arbitrary host: the service
    /// configuration is data from the network.
    pub fn check_lookup_url(&self, url: &Url) -> Result<Url, RequestError> {
        let refused = || RequestError::UntrustedUrl {
            host: url.host_str().unwrap_or("").chars().take(64).collect(),
        };
        if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
            return Err(refused());
        }
        let apple = url.scheme() == "https"
            && url.host_str().is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                h == "apple.com" || h.ends_with(".apple.com")
            });
        let configured = [&self.v2, &self.v1, &self.metadata]
            .iter()
            .any(|base| base.origin() == url.origin());
        if apple || configured {
            Ok(url.clone())
        } else {
            Err(refused())
        }
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
        Self::new(default_base_url()).expect("Apple's base URL is valid")
    }
}

/// The credentials a request may carry: the location's content token, the vendor's
/// developer token (the JWT of Apps and Books Metadata for Organizations), both or none.
///
/// [`HttpRequest::build`] puts in the request what the endpoint's [`Endpoint::AUTH`] says
/// it needs and nothing else, and refuses to build a request whose credential is missing
/// ([`RequestError::MissingToken`], [`RequestError::MissingDeveloperToken`]).
/// [`redact_error`] removes all of them from Apple's error.
///
/// `Debug` shows no secret (the token and the JWT print `[redacted]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    token: Option<&'a VppToken>,
    developer: Option<&'a SecretString>,
}

impl<'a> Credentials<'a> {
    /// No credentials (`service/config`, the legacy service configuration, a metadata
    /// lookup without a token).
    pub const NONE: Credentials<'static> = Credentials {
        token: None,
        developer: None,
    };

    /// The location's content token (every v2 and v1 call but the service configuration).
    pub fn token(token: &'a VppToken) -> Self {
        Self {
            token: Some(token),
            developer: None,
        }
    }

    /// The vendor's developer token alone (the metadata catalog's public parts:
    /// storefronts).
    pub fn developer(developer: &'a SecretString) -> Self {
        Self {
            token: None,
            developer: Some(developer),
        }
    }

    /// The same with the vendor's developer token (for owned content of the metadata
    /// catalog: the token as the `itvt` cookie, the JWT as the bearer).
    pub fn with_developer(mut self, developer: &'a SecretString) -> Self {
        self.developer = Some(developer);
        self
    }

    /// The content token, when given.
    pub fn content_token(&self) -> Option<&'a VppToken> {
        self.token
    }

    /// The developer token, when given.
    pub fn developer_token(&self) -> Option<&'a SecretString> {
        self.developer
    }
}

impl<'a> From<&'a VppToken> for Credentials<'a> {
    fn from(token: &'a VppToken) -> Self {
        Self::token(token)
    }
}

impl<'a> From<Option<&'a VppToken>> for Credentials<'a> {
    fn from(token: Option<&'a VppToken>) -> Self {
        Self {
            token,
            developer: None,
        }
    }
}

/// One HTTP request, ready to send: the pure result of [`HttpRequest::build`].
///
/// Send it with any HTTP stack: it converts into an [`http::Request`] (`TryFrom`), the
/// request type hyper, reqwest, ureq and tower accept, with its headers set
/// (`Authorization` and `Cookie` marked sensitive, `Accept` and, with a body,
/// `Content-Type: application/json`); the `client` feature sends exactly that.
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
    /// The `Cookie` header value (`itvt=<the content token>`), for the metadata
    /// catalog's owned content.
    pub cookie: Option<SecretString>,
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
            .field("cookie", &self.cookie)
            .finish()
    }
}

impl TryFrom<HttpRequest> for http::Request<Vec<u8>> {
    type Error = RequestError;

    /// The request as the `http` crate's: method, URL, `Accept: application/json`,
    /// `Authorization` and `Cookie` (both marked sensitive, so HTTP stacks that log
    /// headers leave them out), and the body with `Content-Type: application/json`.
    /// No `User-Agent`: the HTTP stack that sends it sets its own.
    ///
    /// Fails ([`RequestError::NotHttp`]) only when the URL is not a valid HTTP URI or a
    /// credential holds a character a header cannot carry (a token that is not Base64).
    fn try_from(request: HttpRequest) -> Result<Self, RequestError> {
        use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderValue};
        let not_http = |what: &'static str| RequestError::NotHttp { what };
        let sensitive = |secret: &SecretString, what| {
            let mut value =
                HeaderValue::from_str(secret.expose_secret()).map_err(|_| not_http(what))?;
            value.set_sensitive(true);
            Ok::<_, RequestError>(value)
        };
        let uri = http::Uri::try_from(request.url.as_str()).map_err(|_| not_http("URL"))?;
        let mut builder = http::Request::builder()
            .method(request.method)
            .uri(uri)
            .header(ACCEPT, "application/json");
        if let Some(authorization) = &request.authorization {
            builder = builder.header(AUTHORIZATION, sensitive(authorization, "credential")?);
        }
        if let Some(cookie) = &request.cookie {
            builder = builder.header(COOKIE, sensitive(cookie, "credential")?);
        }
        if request.body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        builder
            .body(request.body.unwrap_or_default())
            .map_err(|_| not_http("request"))
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The endpoint needs the content token and none was given.
    #[error("this Apple call needs the location's content token and none was given")]
    MissingToken,
    /// The endpoint needs the vendor's developer token and none was given.
    #[error(
        "this Apple metadata call needs the MDM vendor's developer token and none was given: configure a developer key, or use the legacy lookup"
    )]
    MissingDeveloperToken,
    /// The service configuration has no usable `contentMetadataLookup` URL.
    #[error(
        "Apple's service configuration has no content metadata lookup URL: configure a developer key to use Apps and Books Metadata for Organizations instead"
    )]
    MissingLookupUrl,
    /// A URL from Apple's answers (the legacy lookup's) is neither Apple's nor a
    /// configured base.
    #[error(
        "refusing to send a request to {host:?}: the service configuration's lookup URL must be https on apple.com or one of the configured bases"
    )]
    UntrustedUrl {
        /// The URL's host (at most 64 characters).
        host: String,
    },
    /// A metadata request naming no ids: Apple answers it with HTTP 403, code 40300
    /// ("Invalid Stoken or Empty/Null ids Request Parameter"), so it is not sent.
    #[error(
        "this Apple metadata request names no ids, which Apple refuses (HTTP 403, code 40300): ask for at least one adamId"
    )]
    NoIds,
    /// The built request cannot be written as HTTP: its URL is not a valid HTTP URI, or a
    /// credential holds a character no header can carry.
    #[error(
        "this Apple request cannot be sent over HTTP: its {what} holds characters HTTP does not allow; check the location's token file (it must be the unchanged download from Apple Business Manager) and the configured base URLs"
    )]
    NotHttp {
        /// What was not valid: `URL`, `credential` or `request`.
        what: &'static str,
    },
}

impl HttpRequest {
    /// Builds the request for `endpoint` under `base` with the `credentials` its
    /// [`Endpoint::AUTH`] needs. Pure: no I/O.
    ///
    /// | [`Auth`] | needs | carried as |
    /// |---|---|---|
    /// | [`Auth::None`] | nothing | — |
    /// | [`Auth::Bearer`] | content token | `Authorization: Bearer <token>` |
    /// | [`Auth::InBody`] | content token | `sToken` in the JSON body |
    /// | [`Auth::DeveloperAndCookie`] | both | `Authorization: Bearer <JWT>`, `Cookie: itvt=<token>` |
    /// | [`Auth::Developer`] | developer token | `Authorization: Bearer <JWT>` |
    /// | [`Auth::CookieIfToken`] | nothing (token optional) | `Cookie: itvt=<token>` |
    ///
    /// A credential the endpoint does not use is not sent.
    ///
    /// # Errors
    ///
    /// [`RequestError::MissingToken`] or [`RequestError::MissingDeveloperToken`] when a
    /// credential the endpoint needs is not given; what [`Endpoint::check`] refuses; for a
    /// [`Host::Absolute`] endpoint, a URL [`ServiceBase::check_lookup_url`] refuses.
    pub fn build<E: Endpoint>(
        endpoint: &E,
        base: &ServiceBase,
        credentials: Credentials<'_>,
    ) -> Result<Self, RequestError> {
        endpoint.check()?;
        let url = request_url(endpoint, base)?;
        let token = || credentials.token.ok_or(RequestError::MissingToken);
        let developer_bearer = || {
            credentials
                .developer
                .map(|jwt| SecretString::new(format!("Bearer {}", jwt.expose_secret())))
                .ok_or(RequestError::MissingDeveloperToken)
        };
        let cookie_of =
            |token: &VppToken| SecretString::new(format!("itvt={}", token.expose_credential()));
        let (authorization, cookie, body_token) = match E::AUTH {
            Auth::None => (None, None, None),
            Auth::Bearer => (Some(authorization(token()?)), None, None),
            Auth::InBody => (None, None, Some(token()?)),
            Auth::DeveloperAndCookie => {
                let cookie = cookie_of(token()?);
                (Some(developer_bearer()?), Some(cookie), None)
            }
            Auth::Developer => (Some(developer_bearer()?), None, None),
            Auth::CookieIfToken => (None, credentials.token.map(cookie_of), None),
        };
        Ok(Self {
            method: E::METHOD,
            url,
            authorization,
            body: endpoint.body(body_token),
            replay: E::REPLAY,
            secret_body: E::AUTH == Auth::InBody,
            cookie,
        })
    }
}

/// The full URL of `endpoint`'s request: its host's base joined with its path, and its
/// query (an absolute URL keeps its own parameters, except those the endpoint sets).
fn request_url<E: Endpoint>(endpoint: &E, base: &ServiceBase) -> Result<Url, RequestError> {
    let join = |root: &Url| {
        root.join(&endpoint.path())
            .expect("a checked base URL has a host, so a relative path joins onto it")
    };
    let mut url = match E::HOST {
        Host::Vpp => join(base.for_protocol(E::PROTOCOL)),
        Host::Metadata => join(base.metadata()),
        Host::Absolute => {
            let url = endpoint.absolute_url().ok_or(RequestError::UntrustedUrl {
                host: String::new(),
            })?;
            base.check_lookup_url(url)?
        }
    };
    let query = endpoint.query();
    if !query.is_empty() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !query.iter().any(|(name, _)| name == k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        let mut pairs = url.query_pairs_mut();
        pairs.extend_pairs(kept);
        pairs.extend_pairs(query);
    }
    Ok(url)
}

/// Removes every secret a request held (the content token, its inner token, the
/// developer token, the endpoint's own [`Endpoint::secrets`]) from an error Apple sent
/// back, which may echo the request. The one place the crate scrubs Apple's answers; the
/// `client` feature calls it on every error, and any other HTTP stack should too.
pub fn redact_error<E: Endpoint>(
    endpoint: &E,
    credentials: Credentials<'_>,
    error: &mut ResponseError,
) {
    if let Some(token) = credentials.token {
        error.redact(token.expose_credential());
        error.redact(token.expose_inner_token());
    }
    if let Some(jwt) = credentials.developer {
        error.redact(jwt.expose_secret());
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
        let get = HttpRequest::build(&GetServiceConfig, &base, Credentials::NONE).unwrap();
        assert_eq!(get.url.as_str(), "http://127.0.0.1:1/mdm/v2/service/config");
        assert_eq!(
            (&get.method, get.authorization.is_none()),
            (&Method::GET, true)
        );
        assert_eq!(
            HttpRequest::build(&GetClientConfig, &base, Credentials::NONE),
            Err(RequestError::MissingToken)
        );
        let t = token();
        let read = HttpRequest::build(&GetClientConfig, &base, Credentials::token(&t)).unwrap();
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
        let post =
            HttpRequest::build(&SetClientConfig(&update), &base, Credentials::token(&t)).unwrap();
        assert_eq!((&post.method, post.replay), (&Method::POST, Replay::Never));
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
        let mut error = SetClientConfig::decode(400, body.as_bytes()).unwrap_err();
        assert!(matches!(error, ResponseError::Apple(_)), "{error:?}");
        redact_error(
            &SetClientConfig(&update),
            Credentials::token(&t),
            &mut error,
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains(t.expose_credential()), "{shown}");
        assert!(shown.contains("9728"), "{shown}");
    }

    #[test]
    fn the_metadata_catalog_errors_are_scrubbed_of_both_tokens() {
        use crate::api::GetStorefronts;
        let t = token();
        let jwt = SecretString::new("header.claims.signature");
        let body = format!(
            r#"{{"errors":[{{"title":"bad {}","detail":"jwt header.claims.signature","status":"401","code":"40100"}}]}}"#,
            t.expose_credential()
        );
        let mut error = GetStorefronts::decode(401, body.as_bytes()).unwrap_err();
        assert!(
            matches!(error, ResponseError::Catalog { status: 401, .. }),
            "{error:?}"
        );
        redact_error(
            &GetStorefronts::new(),
            Credentials::token(&t).with_developer(&jwt),
            &mut error,
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("header.claims.signature"), "{shown}");
        assert!(!shown.contains(t.expose_credential()), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn a_request_converts_into_the_http_crates_with_its_headers() {
        let t = token();
        let base = ServiceBase::parse("http://127.0.0.1:1/mdm/v2").unwrap();
        let get: http::Request<Vec<u8>> =
            HttpRequest::build(&GetClientConfig, &base, Credentials::token(&t))
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(get.method(), Method::GET);
        assert_eq!(
            get.uri().to_string(),
            "http://127.0.0.1:1/mdm/v2/client/config"
        );
        let auth = &get.headers()[http::header::AUTHORIZATION];
        assert!(auth.is_sensitive());
        assert_eq!(
            auth.to_str().unwrap(),
            format!("Bearer {}", t.expose_credential())
        );
        assert_eq!(get.headers()[http::header::ACCEPT], "application/json");
        assert!(get.headers().get(http::header::CONTENT_TYPE).is_none());
        assert!(get.body().is_empty());
        let update = ClientConfigUpdate::builder()
            .mdm_info(
                MdmInfo::default()
                    .with_id("i")
                    .with_name("n")
                    .with_metadata("m"),
            )
            .build()
            .unwrap();
        let post: http::Request<Vec<u8>> =
            HttpRequest::build(&SetClientConfig(&update), &base, Credentials::token(&t))
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(post.method(), Method::POST);
        assert_eq!(
            post.headers()[http::header::CONTENT_TYPE],
            "application/json"
        );
        assert_eq!(
            post.body(),
            br#"{"mdmInfo":{"id":"i","name":"n","metadata":"m"}}"#
        );
        // The service configuration carries no credential, even when one is given.
        let service: http::Request<Vec<u8>> =
            HttpRequest::build(&GetServiceConfig, &base, Credentials::token(&t))
                .unwrap()
                .try_into()
                .unwrap();
        assert!(service.headers().get(http::header::AUTHORIZATION).is_none());
        assert!(service.headers().get(http::header::COOKIE).is_none());
    }

    #[test]
    fn a_credential_no_header_can_carry_is_refused_not_sent() {
        let base = ServiceBase::default();
        let mut request = HttpRequest::build(&GetServiceConfig, &base, Credentials::NONE).unwrap();
        request.authorization = Some(SecretString::new("Bearer a\nb"));
        let refused = http::Request::<Vec<u8>>::try_from(request).unwrap_err();
        assert_eq!(refused, RequestError::NotHttp { what: "credential" });
        assert!(!refused.to_string().contains("a\nb"), "{refused}");
    }
}
