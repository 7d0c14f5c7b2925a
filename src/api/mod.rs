//! Apple's Apps and Books calls without I/O: what to send, how, and when to send it again.
//!
//! Every call is an [`Endpoint`]: a small value ([`GetClientConfig`],
//! [`SetClientConfig`], [`GetServiceConfig`], [`GetAssignments`], [`Associate`], …) that
//! [`HttpRequest::build`] turns into the request to send and whose [`Endpoint::decode`]
//! reads the answer. The `client` feature sends any of them with one generic function;
//! any other HTTP stack can too.
//!
//! The lists ([`GetAssets`], [`GetAssignments`], [`GetUsers`]) are [`Paged`]:
//! [`crate::paging::PageTraversal`] says which page to ask for next. The license and user
//! writes ([`Associate`], [`Disassociate`], [`Revoke`], [`CreateUsers`], [`UpdateUsers`],
//! [`RetireUsers`]) each carry one batch from [`crate::batching`] and answer an event.
//!
//! App and book metadata goes to two more hosts ([`Host`]): Apps and Books Metadata for
//! Organizations ([`GetAppsMetadata`], [`GetBooksMetadata`], [`GetStorefronts`], under
//! [`ServiceBase::metadata`], built with [`Credentials`] holding the vendor's developer
//! token: the JWT as the bearer and the content token as the `itvt` cookie), and the legacy lookup
//! ([`LookupContentMetadata`], whose URL [`ServiceBase::check_lookup_url`] checks).
//!
//! ```
//! use apple_vpp::api::{Credentials, Endpoint, GetClientConfig, HttpRequest, Method, ServiceBase};
//! use apple_vpp::VppToken;
//! # let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap()).build().unwrap();
//! let request = HttpRequest::build(&GetClientConfig, &ServiceBase::default(), Credentials::token(&token))?;
//! assert_eq!(request.method, Method::GET);
//! assert_eq!(request.url.as_str(), "https://vpp.itunes.apple.com/mdm/v2/client/config");
//! // Any HTTP stack takes it as the `http` crate's request, headers set:
//! let request: apple_vpp::http::Request<Vec<u8>> = request.try_into()?;
//! assert!(request.headers()["authorization"].is_sensitive());
//! // Send it (`examples/std_http.rs` does with `std::net`), then decode the answer:
//! let answer = GetClientConfig::decode(200, br#"{"uId":"1","locationName":"Berlin"}"#)?;
//! assert_eq!(answer.location_name.as_deref(), Some("Berlin"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod assets;
mod assignments;
mod base_url;
mod client_config;
mod endpoint;
mod legacy;
mod metadata;
mod retry;
mod service_config;
mod status;

pub use base_url::{BaseUrlError, check_base_url, is_loopback, normalize_base_url};
mod licenses;
mod paged;
mod users;
mod write;

pub use assets::GetAssets;
pub use assignments::GetAssignments;

pub use client_config::{GetClientConfig, SetClientConfig};
pub use endpoint::{
    Auth, Credentials, Endpoint, Host, HttpRequest, Method, Replay, RequestError, ServiceBase,
    redact_error,
};
pub use legacy::{GetLegacyClientConfig, GetLegacyServiceConfig, SetLegacyClientContext};
pub use licenses::{Associate, Disassociate, Revoke};
pub use metadata::{
    GetAppsMetadata, GetBooksMetadata, GetStorefronts, LookupContentMetadata, LookupPlatform,
    STOREFRONTS_PAGE_LIMIT,
};
pub use paged::Paged;
pub use retry::{Failure, RetryPolicy, is_cut_short, parse_retry_after_at};
pub use service_config::GetServiceConfig;
pub use status::GetEventStatus;
pub use users::{CreateUsers, GetUsers, RetireUsers, UpdateUsers};
pub use write::BatchedWrite;

use url::Url;

use crate::secret::SecretString;
use crate::token::VppToken;

/// Apple's Apps and Books v2 base URL: `https://vpp.itunes.apple.com/mdm/v2/`.
pub const DEFAULT_BASE_URL: &str = "https://vpp.itunes.apple.com/mdm/v2/";

/// Apps and Books Metadata for Organizations, for enterprise organizations:
/// `https://api.ent.apple.com/v1/`.
pub const DEFAULT_METADATA_BASE_URL: &str = "https://api.ent.apple.com/v1/";

/// Apps and Books Metadata for Organizations, for educational organizations:
/// `https://api.edu.apple.com/v1/`.
pub const EDUCATION_METADATA_BASE_URL: &str = "https://api.edu.apple.com/v1/";

/// [`DEFAULT_METADATA_BASE_URL`] parsed.
pub fn default_metadata_base_url() -> Url {
    Url::parse(DEFAULT_METADATA_BASE_URL).expect("the default metadata base URL is valid")
}

/// [`DEFAULT_BASE_URL`] parsed.
pub fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid")
}

/// The `Authorization` header value: `Bearer <the whole .vpptoken content>`.
///
/// **Security:** the result is the secret credential; it stays wrapped.
pub fn authorization(token: &VppToken) -> SecretString {
    SecretString::new(format!("Bearer {}", token.expose_credential()))
}
