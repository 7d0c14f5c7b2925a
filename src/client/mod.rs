//! An async client for Apple's Apps and Books service (feature `client`).
//!
//! A thin adapter over the sans-IO core: [`LocationHandle::send`] sends any
//! [`crate::api::Endpoint`] with the location's token, [`VppClient::send`] the
//! service-wide ones (rate limit, retries where safe, body limit, no redirects); the flows ([`LocationHandle::configure`], [`LocationHandle::verify`], [`LocationHandle::renew`],
//! [`LocationHandle::subscribe`]) read what the core's decisions need and send what they
//! decide; [`LocationHandle::poll_due_at`] polls the events a [`crate::events::EventTracker`]
//! says to poll. No business rule lives here. Each call's error names what it can fail
//! with, over one envelope, [`SendError`]: [`FlowError`] for the configuration flows,
//! [`SyncError`] for the lists, [`WriteError`] for the writes.
//!
//! Runs on any tokio runtime with the time driver enabled (`#[tokio::main]` has it); TLS is
//! rustls with the webpki roots, no system OpenSSL.
//!
//! # What leaves this server
//! Only requests to the configured bases (Apps and Books, and the metadata catalog):
//! `https`, or plain `http` to a loopback host for tests; and to the legacy lookup URL of
//! the service configuration only when it is `https` on `apple.com` or one of the
//! configured bases.
//! Redirects are never followed (Apple's API never sends one). The default HTTP client
//! uses no proxy for a plain-`http` base (a proxy would see the credential); for `https`
//! it honours the system's proxy settings, through which TLS stays end to end. A
//! caller-supplied `reqwest::Client` must keep these rules: see
//! [`VppClientBuilder::http_client`].
//!
//! ```no_run
//! use apple_vpp::client::VppClient;
//! use apple_vpp::{ClaimOptions, ConfigureOutcome, MdmIdentity, VppToken};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = VppClient::builder().build()?;
//! let token = VppToken::from_path("sToken_for_Berlin_Office.vpptoken")?;
//! let us = MdmIdentity::builder()
//!     .id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
//!     .name("Example MDM")
//!     .metadata("mdm.example.com")
//!     .build()?;
//! match client.location(&token).configure(&us, &ClaimOptions::default()).await? {
//!     ConfigureOutcome::Claimed(account) | ConfigureOutcome::AlreadyOurs(account) => {
//!         println!("managing {} until {}", account.location(), account.expiry());
//!     }
//!     ConfigureOutcome::ManagedElsewhere { owner, .. } => {
//!         println!("{owner} manages this location: ask the admin before taking it over");
//!     }
//!     _ => println!("an outcome this version does not know"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Licenses and users
//!
//! The lists (assets, assignments, users), the license and user writes (associate,
//! disassociate, revoke; create, update, retire users) and their events.
//!
//! Every list is read by one page driver, [`LocationHandle::pages`], a [`Stream`] of pages
//! the caller drives ([`LocationHandle::for_each_page`] and the `list_assets` / `sync_*`
//! methods hand the same pages to a handler); every write is split by the core's
//! [`crate::batching`] with Apple's limits from the (cached) service configuration and
//! answers one [`SentBatch`] per request sent, in batch order
//! ([`LocationHandle::send_batched`]); [`LocationHandle::create_users`] follows a batch whose answer
//! was lost to its end ([`crate::events::UserCreation`]) and returns [`UsersCreated`]. Decisions stay in the core
//! ([`crate::paging::PageTraversal`], [`crate::batching`], [`crate::events::EventStatus`]); these
//! methods drive them.
//!
//! [`Stream`]: futures_util::stream::Stream
//!
//! ## The sync loop an MDM writes
//!
//! Store each page as it arrives (memory stays bounded by the few pages in flight,
//! whatever the location's size; stop early by dropping the stream), keep the FIRST
//! page's `versionId` for the next incremental sync, and when Apple refuses that version
//! (9721) take the full sync that follows instead:
//!
//! ```no_run
//! use apple_vpp::api::GetAssignments;
//! use apple_vpp::client::{SyncPage, VppClient};
//! use apple_vpp::{Assignment, VppToken};
//! use futures_util::StreamExt;
//!
//! # struct Db;
//! # impl Db {
//! #     fn last_version(&self) -> Option<String> { None }
//! #     fn begin_full_sync(&mut self) -> Result<(), std::io::Error> { Ok(()) }
//! #     fn upsert(&mut self, _: &[Assignment]) -> Result<(), std::io::Error> { Ok(()) }
//! #     fn end_full_sync(&mut self) -> Result<(), std::io::Error> { Ok(()) }
//! #     fn save_version(&mut self, _: Option<&str>) -> Result<(), std::io::Error> { Ok(()) }
//! # }
//! # async fn run(db: &mut Db) -> Result<(), Box<dyn std::error::Error>> {
//! let client = VppClient::builder().build()?;
//! let token = VppToken::from_path("sToken_for_Berlin_Office.vpptoken")?;
//!
//! // Incremental when we kept a versionId last time, full otherwise.
//! let request = match db.last_version() {
//!     Some(version) => GetAssignments::new().since_version_id(version),
//!     None => GetAssignments::new(),
//! };
//! let location = client.location(&token);
//! let mut pages = location.pages(request);
//! while let Some(page) = pages.next().await {
//!     let page: SyncPage<Assignment> = page?;
//!     if page.full && page.is_first() {
//!         // A full sync (first run, or the fallback after 9721): what it does not
//!         // list is gone. Mark everything unseen now, delete the unseen at the end.
//!         db.begin_full_sync()?;
//!     }
//!     db.upsert(&page.records)?; // stored now: the page is dropped after this
//! }
//! let outcome = pages.outcome().expect("the stream ended without error");
//! if outcome.full && outcome.complete {
//!     db.end_full_sync()?;
//! }
//! // Not complete: the location kept changing between pages (see `SyncOutcome::complete`):
//! // keep the records the sync did not show; sync in full again later.
//! if outcome.fell_back {
//!     eprintln!("Apple no longer knew our versionId: a full sync replaced it");
//! }
//! // The FIRST page's versionId: the sinceVersionId of the next sync.
//! db.save_version(outcome.version_id.as_deref())?;
//! # Ok(()) }
//! ```
//!
//! An incremental answer lists what was added or changed since the version; removals
//! (disassociate, revoke) show up in the events, their notifications, or a full sync.

// what the client's calls fail with
mod error;
mod flow_error;
mod sync_error;
mod write_error;

// the client and its settings
mod builder;
mod vpp_client;

// sending one request; work under a location's lease
mod leasing;
mod send;

// the lists, the writes and the flows
mod events;
mod flows;
mod licenses;
mod metadata;
mod notifications;
mod pages;

// one location's calls
mod handle;

pub use builder::{
    BuildError, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, VppClientBuilder,
};
pub use error::{SendError, TransportKind};
pub use events::{DEFAULT_CLAIM_HOLD, PollRound};
pub use flow_error::{FlowError, FlowStop, SubscribeFailure};
pub use handle::LocationHandle;
pub use leasing::LeaseGuard;
pub use licenses::{DEFAULT_POLL_INTERVAL, LocationPage, LocationSync, SentBatch, UsersCreated};
pub use metadata::{
    ContentKind, DescribeOutcome, DescribedAsset, MAX_STOREFRONT_PAGES, MetadataAnswer,
    MetadataOptions,
};
pub use notifications::SubscribeOutcome;
pub use pages::{PageStream, SyncPage};
pub use sync_error::SyncError;
pub use vpp_client::{SERVICE_CONFIG_TTL, VppClient};
pub use write_error::WriteError;

pub use reqwest;
