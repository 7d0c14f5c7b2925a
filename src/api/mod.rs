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

// the request vocabulary: base URLs, credentials, one request built and sent again
mod authorization;
mod base_url;
mod endpoint;
mod retry;

// what the lists and the writes share
mod paged;
mod write;

// Apple's calls
mod assets;
mod assignments;
mod client_config;
mod legacy;
mod licenses;
mod metadata;
mod service_config;
mod status;
mod users;

pub use assets::GetAssets;
pub use assignments::GetAssignments;
pub use authorization::authorization;
pub use base_url::{
    BaseUrlError, DEFAULT_BASE_URL, DEFAULT_METADATA_BASE_URL, EDUCATION_METADATA_BASE_URL,
    check_base_url, default_base_url, default_metadata_base_url, is_loopback, normalize_base_url,
};
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
pub use write::{BatchedWrite, WriteRequest};
