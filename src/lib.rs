//! # apple-vpp
//!
//! Apple Volume Purchase Program ("Apps and Books" in Apple Business Manager) for MDM
//! servers: decode an admin's content token, check it with Apple, claim its location
//! without silently taking it from another MDM, warn before the yearly expiry and accept a
//! renewed token only for the same location; then list the apps and books bought, assign
//! and revoke licenses, invite and retire users, keep the MDM's database in step with
//! Apple's, and learn when asynchronous work really finished.
//!
//! ## The model
//!
//! - [`VppToken`]: the decoded `.vpptoken` file an admin downloads from Apple Business
//!   Manager > Settings > Apps and Books: organization name, expiry, and the bearer
//!   credential (secret, redacted from `Debug`).
//! - [`Location`]: the Apps and Books location behind the token (its name is not in the
//!   file; Apple's client configuration tells it). Its identity is Apple's `uId`.
//!   [`LocationSnapshot`] is what Apple said about it at one moment: the location, which
//!   MDM has claimed it, and Apple's expiry date.
//! - [`MdmIdentity`]: who we are (a stable id, a name, metadata). [`Ownership`] is the
//!   verdict on a snapshot: unclaimed, ours (same id), or managed elsewhere.
//! - [`VppAccount`]: a location this MDM has claimed: token + location + identity + what
//!   Apple last said. Made by [`configure_at`], re-checked by [`VppAccount::verify_at`],
//!   renewed by [`VppAccount::renew_at`], shown by [`VppAccount::status_at`], stored with
//!   serde.
//! - Licenses: [`Asset`] (an app or book with its license counts), [`Assignment`] (a
//!   license on a device or a user), [`VppUser`], built from Apple's lists. Every list is
//!   read with one page driver, [`PageTraversal`] (full or incremental sync, Apple's
//!   paging quirks, the 9721 fallback); writes are split by Apple's limits in
//!   [`batching`].
//! - [`notification`]: Apple's notifications: the shared [`NotificationSecret`], a
//!   [`NotificationSubscription`] sent with every claim, [`notification::receive`] for the
//!   MDM's web handler, and de-duplication.
//! - [`events`]: asynchronous license and user requests: [`events::EventTracker`] follows
//!   Apple's schedule (wait for a notification, poll `status`, resend) and reports success
//!   and failure per device and user.
//!
//! The core is **sans-IO**: every decision is a pure function over typed values, with the
//! clock passed in (`..._at(now)`; thin wrappers read the system clock). [`api`] describes
//! the HTTP requests, [`wire`] decodes Apple's answers, and any HTTP stack can drive them.
//! The optional `client` feature is such a driver, over reqwest.
//!
//! ## Example: the upload wizard without I/O
//!
//! ```
//! use apple_vpp::{configure_at, ClaimOptions, Configure, LocationSnapshot, MdmIdentity, Ownership, Takeover, VppToken};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let upload = VppToken::builder("Example School", "2031-03-14T09:26:53+00:00".parse()?).build()?.expose_credential().to_owned();
//! let now = "2026-11-25T12:00:00Z".parse()?;
//! // 1. Decode what the admin uploaded.
//! let token: VppToken = upload.parse()?;
//! let us = MdmIdentity::builder()
//!     .id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
//!     .name("Example MDM")
//!     .metadata("mdm.example.com")
//!     .build()?;
//!
//! // 2. GET client/config with the token (your HTTP stack), then decide.
//! let body = br#"{"uId":"981060278089131045","locationName":"Berlin Office",
//!     "mdmInfo":{"id":"another-mdm","name":"Other MDM","metadata":"other.example"},
//!     "tokenExpirationDate":"2027-09-26T08:30:39+0000"}"#;
//! let snapshot = LocationSnapshot::from_json(body)?.read_with(&token);
//! assert!(matches!(us.ownership_of(&snapshot), Ownership::ManagedElsewhere(_)));
//!
//! // 3. Without the admin's consent, nothing is sent.
//! let shown = match configure_at(&token, &us, &snapshot, &ClaimOptions::default(), now) {
//!     Configure::ManagedElsewhere { owner, .. } => owner,
//!     other => panic!("{other:?}"),
//! };
//! assert_eq!(shown.name.as_deref(), Some("Other MDM"));
//!
//! // 4. With it (for the owner the admin was shown): POST the update, GET again, and
//! //    check the read-back.
//! let consent = ClaimOptions::from(Takeover::AcceptFrom(shown));
//! let Configure::SendUpdate(pending) = configure_at(&token, &us, &snapshot, &consent, now) else {
//!     unreachable!()
//! };
//! let _post_body = pending.update().to_json();
//! let read_back = LocationSnapshot::from_json(br#"{"uId":"981060278089131045","locationName":"Berlin Office",
//!     "mdmInfo":{"id":"29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11","name":"Example MDM","metadata":"mdm.example.com"},
//!     "tokenExpirationDate":"2027-09-26T08:30:39+0000"}"#)?.read_with(&token);
//! let account = pending.finish_at(&read_back, now)?;
//! assert_eq!(account.location().name, "Berlin Office");
//! assert_eq!(account.took_over_from().and_then(|o| o.name.as_deref()), Some("Other MDM"));
//! assert_eq!(account.status_at(now, &Default::default()).as_str(), "active");
//! # Ok(()) }
//! ```
//!
//! ## Naming rules
//!
//! - **One path per name.** Every public item has one home, the module that defines it.
//!   Two documented re-exports add a second path: the crate root for the main types
//!   ([`VppToken`], [`Location`], [`Protocol`], …) and [`error`] for every error type.
//!   No other module re-exports another's items.
//! - **Wire types are records of Apple's JSON.** [`wire`] mirrors Apple's field names;
//!   where a domain type has the same subject, the wire one is a record
//!   ([`wire::AssetRecord`] becomes an [`Asset`]).
//! - **`_at` means "takes the clock".** A function or method named `…_at` takes `now` as
//!   its last argument and decides nothing else from the system clock
//!   ([`VppAccount::verify_at`], [`expiry::days_left_at`], [`api::parse_retry_after_at`]).
//!   A getter or field that holds a moment is named by what it is ([`VppAccount::expiry`],
//!   [`VppAccount::configured`], [`LocationSnapshot::token_expiry`]). The thin wrappers that
//!   read the system clock drop the suffix ([`VppToken::is_expired`]).
//! - **Builders.** Construction that can fail or has many optional parts goes through a
//!   `Type::builder()` whose setters are named after the field and whose `build()`
//!   validates ([`VppToken::builder`], [`MdmIdentity::builder`],
//!   [`wire::ClientConfigUpdate::builder`], `client::VppClient::builder`). A value that is
//!   complete when made gets consuming `with_*` setters for its optional parts
//!   ([`Location::with_country`], [`ClaimOptions::with_notifications`],
//!   [`api::RetryPolicy::with_max_attempts`], [`events::SentEvent::with_assets`]); one
//!   that can refuse its argument returns a `Result`
//!   ([`NotificationSubscription::with_types`]). An associated `Type::with_*(part)`, without
//!   `self`, is a constructor from that one part, as `Vec::with_capacity` is
//!   ([`RenewalPolicy::with_warning_days`]). A request
//!   description in [`api`] is the builder of one HTTP request: its filters are named after
//!   Apple's query parameters ([`api::GetAssets::adam_id`]) and it needs no `build()`, since
//!   no combination is invalid. No public type has `&mut self` setters.
//! - **`#[non_exhaustive]`.** Every error; every enum a new Apple value or verdict can grow
//!   (Apple's values, which also keep an `Unknown`, and the decisions and outcomes read from
//!   Apple's answers: [`Configure`], [`Ownership`], [`Verification`], `ConfigureOutcome`,
//!   `SubscribeOutcome`, [`events::Subject`], …); every struct with public fields (a new
//!   Apple field becomes a new field), built through its constructor, `Default` and
//!   `with_*` setters ([`ClaimOptions`], [`api::RetryPolicy`], [`api::GetEventStatus`], the
//!   wire records). Exhaustive, so that a new case fails to compile where it must be
//!   handled: the request vocabulary every HTTP driver implements ([`api::Auth`],
//!   [`api::Replay`], [`Protocol`]; the method is the `http` crate's [`api::Method`]) and sets closed by definition
//!   ([`ExpiryStatus`], [`notification::Delivery`], [`wire::NumberOrString`]).
//!
//! ## Feature flags
//! - `client` (off by default): `client::VppClient`, an async client for Apple's v2 and
//!   legacy v1 endpoints over reqwest with rustls (no OpenSSL): one generic `send` for any
//!   [`api::Endpoint`] (per-token rate limit, retries only where safe, no redirects), and
//!   the configure / verify / renew, license, user, notification and event flows on it;
//!   and [`shared`], what an MDM's replicas share (the request budget, a lease per
//!   location, notification de-duplication, the event tracker, the notification secrets)
//!   as traits with in-process forms, which the `redis` feature implements on Redis.
//!
//! ## Security
//! The credential is the whole `.vpptoken` file content. [`VppToken`] and
//! [`SecretString`] print `[redacted]` in `Debug` and have no `Display`; no error
//! message contains token bytes. The value is reachable only through methods named
//! `expose_*`, and the serialized [`VppAccount`] (documented as secret) is the one output
//! that contains it. The same holds for the [`NotificationSecret`]. Apple's errors are
//! scrubbed of every secret the request held.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod account;
pub mod api;
pub mod assets;
pub mod batching;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
mod date;
pub mod error;
pub mod events;
pub mod expiry;
pub mod ids;
pub mod location;
pub mod metadata;
pub mod notification;
pub mod ownership;
pub mod paging;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod secret;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod shared;
pub mod token;
pub mod users;
pub mod wire;

pub use account::{
    AccountStatus, AppleVerdict, ClaimOptions, ClaimState, Configure, ConfigureOutcome,
    PendingClaim, Reclaim, Renewal, Verification, VppAccount, configure_again_at, configure_at,
};
pub use assets::{Asset, Assignment, AssignmentTarget};
pub use chrono;
pub use date::{format_apple_date, parse_apple_date};
pub use error::{
    AppleError, BatchError, ConfigureError, IdentityError, LocationMismatch, PagingError,
    RecordError, RenewError, RenewRefusal, ResponseError, TokenError, UpdateError,
};
pub use expiry::{ExpiryStatus, RenewalPolicy};
/// The `http` crate (1.x), whose `Request` an [`api::HttpRequest`] converts into and
/// whose `Method` [`api::Endpoint::METHOD`] is: use this re-export so the versions match.
pub use http;
pub use ids::{AdamId, EventId};
pub use location::{Location, LocationSnapshot, Protocol};
pub use notification::{Notification, NotificationSecret, NotificationSubscription};
pub use ownership::{MdmIdentity, MdmIdentityBuilder, MdmOwner, Ownership, Takeover};

pub use paging::{PageTraversal, SyncOutcome, SyncPasses};
pub use secret::SecretString;
pub use token::VppToken;
pub use url;
pub use users::{UserRecordKey, VppUser};

/// The README's Rust examples, compiled as doc tests so they stay true (with the `client`
/// feature, which some of them use: `cargo test --all-features`).
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
