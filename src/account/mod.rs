//! [`VppAccount`] and the decisions that make, check and renew one.
//!
//! Every function here is pure: the caller reads Apple's client configuration with its own
//! HTTP stack (or the `client` feature), turns it into a
//! [`LocationSnapshot`](crate::LocationSnapshot), records the token it read with
//! ([`LocationSnapshot::read_with`](crate::LocationSnapshot::read_with)), and hands it in
//! with the time.
//!
//! # Configure (claim a location)
//! 1. Read the client configuration with the uploaded token; call [`configure_at`] with
//!    [`ClaimOptions`] (the admin's [`Takeover`](crate::Takeover) answer and optional
//!    notification settings).
//! 2. [`Configure::AlreadyOurs`]: done, nothing to send.
//!    [`Configure::ManagedElsewhere`]: show the owner to the admin; stop unless they accept
//!    (then call again with [`Takeover::Accept`](crate::Takeover::Accept) or
//!    [`Takeover::AcceptFrom`](crate::Takeover::AcceptFrom)).
//!    [`Configure::NotificationsUnsupported`]: notification settings asked for a location
//!    served by the legacy (v1) API, which has none: nothing to send, ever.
//!    [`Configure::SendUpdate`]: send [`PendingClaim::update`], read the configuration back
//!    and call [`PendingClaim::finish_at`], which returns the account or why not:
//!    [`ConfigureError::LostRace`] (another MDM wrote at the same time),
//!    [`ConfigureError::ClaimNotTaken`] (the MDM taken over from is still recorded),
//!    [`ConfigureError::NotApplied`] (nobody is recorded). `finish_at` borrows the claim,
//!    so it can be finished again after a later read.
//!
//! Apple offers no conditional write: two MDMs claiming at once may both see their own
//! claim in their read-back. [`VppAccount::verify_at`] soon after catches the loser.
//!
//! # Verify (at the start of every session)
//! [`VppAccount::verify_at`] with a fresh snapshot. If another MDM has claimed the location
//! the account becomes *displaced*: [`VppAccount::is_usable_at`] is false and it must not be
//! used against Apple until an admin accepts a takeover again. Apple's errors for the
//! token go to [`VppAccount::record_apple_error`]; a write Apple accepted to
//! [`VppAccount::record_write_accepted_at`].
//!
//! # Renew
//! [`VppAccount::renew_at`] accepts a new token only for the same location (`uId`), not the
//! token in use, expiring later than the current one. When the location has lost its claim
//! the [`Renewal`] carries a re-claim to send ([`Reclaim::Send`]); after sending it and
//! reading back, call [`VppAccount::finish_reclaim_at`] and set the renewal's `reclaim` to
//! [`Reclaim::Held`].
//!
//! # The whole loops
//! [`ConfigureFlow`], [`RenewFlow`] and [`VerifyFlow`] run the steps above from the first
//! read to the read-back as state machines in the style of [`crate::PageTraversal`]: each
//! says what to send ([`FlowStep`]), takes what came of it ([`FlowAnswer`]) with the time,
//! and says what to send next or how it ended ([`FlowProgress`]). The `client` feature
//! only drives them; an MDM with its own HTTP stack drives them the same way.
//!
//! # Status precedence
//! [`VppAccount::status_at`] shows one [`AccountStatus`], the first that applies:
//! wrong location, revoked, invalid, expired (by Apple or by date), displaced, read-only,
//! released, expiring soon, active. Token problems come first because fixing them (a new
//! token) is needed before anything else can be checked. Read-only is its own flag, not a
//! token verdict: other verdicts neither hide it for long nor erase it.
//!
//! # Persistence
//! `VppAccount` implements serde (for a self-describing format such as JSON). The stored
//! JSON (version 2) is:
//!
//! ```json
//! {
//!   "version": 2,
//!   "credential": "<the .vpptoken content: SECRET>",
//!   "protocol": "v2",
//!   "location": {"uid": "981060278089131045", "name": "Berlin Office", "country": "DE",
//!                "default_platform": "enterprisestore", "website_url": null},
//!   "identity": {"id": "…", "name": "Example MDM", "metadata": "mdm.example.com"},
//!   "apple_expires_at": "2027-09-26T08:30:39+0000",
//!   "verdict": "active",
//!   "read_only": false,
//!   "claim": {"state": "ours"},
//!   "took_over_from": null,
//!   "configured_at": "2026-11-25T10:00:00Z",
//!   "last_verified_at": "2026-11-25T10:00:00Z",
//!   "last_write_accepted_at": null
//! }
//! ```
//!
//! - `protocol`: `"v2"` or `"v1"` (the API the location was configured through).
//! - `verdict`: `"active"`, `"expired"`, `"invalid"`, `"revoked"`, or
//!   `{"wrong_location": {"found": <location>}}`.
//! - `read_only`: Apple answered 9645 and has not accepted a write since.
//!
//! Version 1 (no `protocol`, no `read_only`, no `last_write_accepted_at`, and `"read_only"`
//! as a verdict) still loads: as `v2`, with a `"read_only"` verdict becoming the flag. The
//! version is checked before anything else, so an account stored by a newer version
//! reports that, not an unknown field.
//!
//! **The `credential` field is the secret bearer token**: store the serialized account as
//! you store other secrets (encrypted at rest where you can). It is the only output of the
//! crate that contains it; `Debug` stays redacted.

// what can go wrong, and the one check of a location
mod error;
mod same_location;

// the account
mod status;
mod vpp_account;

// the decisions
mod configure;
mod renew;
mod stored;
mod verify;

// the whole loops
mod configure_flow;
mod flow;
mod renew_flow;
mod verify_flow;

pub use configure::{ClaimOptions, Configure, PendingClaim, configure_again_at, configure_at};
pub use configure_flow::{ConfigureFlow, ConfigureOutcome};
pub use error::{ConfigureError, LocationMismatch, RenewError};
pub use flow::{FlowAnswer, FlowProgress, FlowStep};
pub use renew::{Reclaim, Renewal};
pub use renew_flow::{RenewFlow, RenewRefusal};
pub use status::AccountStatus;
pub use stored::STORED_ACCOUNT_VERSION;
pub use verify::Verification;
pub use verify_flow::VerifyFlow;
pub use vpp_account::{AppleVerdict, ClaimState, VppAccount};
