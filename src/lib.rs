//! # apple-vpp
//!
//! Apple Volume Purchase Program ("Apps and Books" in Apple Business Manager) for MDM
//! servers: decode an admin's content token, check it with Apple, claim its location
//! without silently taking it from another MDM, warn before the yearly expiry and accept a
//! renewed token only for the same location.
//!
//! ## The model
//!
//! - [`VppToken`]: the decoded `.vpptoken` file an admin downloads from Apple Business
//!   Manager > Settings > Apps and Books. It holds the organization name, the expiry date
//!   and the bearer credential (secret, redacted from `Debug`).
//! - A token belongs to one *location* (the name is not in the file; Apple tells it).
//! - An MDM that has claimed the location for itself holds a *VPP account*: the token, the
//!   location, the MDM's identity and what Apple last said.
//!
//! The core is sans-IO: every decision is a pure function over typed values, with the
//! clock passed in (`..._at(now)`; thin wrappers read the system clock). Any HTTP stack can
//! drive it.
//!
//! ```
//! use apple_vpp::{ExpiryStatus, RenewalPolicy, VppToken};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // What an admin uploads (here made from parts; normally read from the upload).
//! let upload = VppToken::builder("Example School", "2031-03-14T09:26:53+00:00".parse()?)
//!     .build()?
//!     .expose_credential()
//!     .to_owned();
//!
//! let token: VppToken = upload.parse()?;
//! let now = "2031-03-01T00:00:00Z".parse()?;
//! assert_eq!(token.org_name(), "Example School");
//! assert_eq!(token.days_left_at(now), 13);
//! assert_eq!(token.status_at(now, &RenewalPolicy::default()), ExpiryStatus::ExpiringSoon);
//! # Ok(()) }
//! ```
//!
//! ## Security
//! The credential is the whole `.vpptoken` file content. [`VppToken`] and
//! [`SecretString`] print `[redacted]` in `Debug` and have no `Display`; no error
//! message contains token bytes. The value is reachable only through methods named
//! `expose_*`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod api;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
mod date;
pub mod error;
pub mod expiry;
pub mod location;
pub mod ownership;
pub mod secret;
pub mod token;
pub mod wire;

pub use account::{
    AccountStatus, AppleVerdict, ClaimState, Configure, PendingClaim, Renewal, Verification,
    VppAccount, configure_at,
};
pub use chrono;
pub use error::{
    AppleError, ConfigureError, IdentityError, LocationMismatch, RenewError, ResponseError,
    TokenError, UpdateError,
};
pub use expiry::{ExpiryStatus, RenewalPolicy};
pub use location::{Location, LocationSnapshot};
pub use ownership::{MdmIdentity, MdmOwner, Ownership, Takeover};
pub use secret::SecretString;
pub use token::VppToken;
pub use url;

/// The README's Rust examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
