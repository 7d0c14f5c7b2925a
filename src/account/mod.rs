//! [`VppAccount`] and the decisions that make, check and renew one.
//!
//! Every function here is pure: the caller reads Apple's client configuration with its own
//! HTTP stack (or the `client` feature), turns it into a [`LocationSnapshot`], and hands it
//! in with the time.
//!
//! # Configure (claim a location)
//! 1. Read the client configuration with the uploaded token; call [`configure_at`].
//! 2. [`Configure::AlreadyOurs`]: done, nothing to send.
//!    [`Configure::ManagedElsewhere`]: show the owner to the admin; stop unless they accept
//!    (then call again with [`Takeover::Accept`] or [`Takeover::AcceptFrom`]).
//!    [`Configure::SendUpdate`]: send [`PendingClaim::update`], read the configuration back
//!    and call [`PendingClaim::finish_at`], which returns the account or
//!    [`ConfigureError::LostRace`] if another MDM wrote at the same time.
//!
//! # Verify (at the start of every session)
//! [`VppAccount::verify_at`] with a fresh snapshot. If another MDM has claimed the location
//! the account becomes *displaced*: [`VppAccount::is_usable_at`] is false and it must not be
//! used against Apple until an admin accepts a takeover again.
//!
//! # Renew
//! [`VppAccount::renew_at`] accepts a new token only for the same location (`uId`), not the
//! token in use, expiring later than the current one.
//!
//! # Persistence
//! `VppAccount` implements serde. The stored JSON (version 1) is:
//!
//! ```json
//! {
//!   "version": 1,
//!   "credential": "<the .vpptoken content: SECRET>",
//!   "location": {"uid": "981060278089131045", "name": "Berlin Office", "country": "DE",
//!                "default_platform": "enterprisestore", "website_url": null},
//!   "identity": {"id": "…", "name": "Example MDM", "metadata": "mdm.example.com"},
//!   "apple_expires_at": "2027-09-26T08:30:39+0000",
//!   "verdict": "active",
//!   "claim": {"state": "ours"},
//!   "took_over_from": null,
//!   "configured_at": "2026-11-25T10:00:00Z",
//!   "last_verified_at": "2026-11-25T10:00:00Z"
//! }
//! ```
//!
//! **The `credential` field is the secret bearer token**: store the serialized account as
//! you store other secrets (encrypted at rest where you can). It is the only output of the
//! crate that contains it; `Debug` stays redacted.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

mod error;

pub use error::{ConfigureError, LocationMismatch, RenewError};

use crate::expiry::{self, ExpiryStatus, RenewalPolicy};
use crate::location::{Location, LocationSnapshot};
use crate::ownership::{MdmIdentity, MdmOwner, Ownership, Takeover};
use crate::token::VppToken;
use crate::wire::AppleError;
use crate::wire::{ClientConfigUpdate, ErrorKind};

/// What Apple last said about the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AppleVerdict {
    /// Apple accepted the token.
    Active,
    /// 9621: expired.
    Expired,
    /// 9622: not recognised.
    Invalid,
    /// 9625: revoked.
    Revoked,
    /// 9645: the location is managed by Apple's built-in MDM and is read-only.
    ReadOnly,
}

/// Whether Apple still records our claim on the location, as of the last check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "owner", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClaimState {
    /// Apple records our id.
    Ours,
    /// Another MDM claimed the location: do not use the account until an admin accepts a
    /// takeover again.
    Displaced(MdmOwner),
    /// Nobody claims the location: claim it again.
    Released,
}

/// A location claimed by this MDM: the token, the location, our identity and what Apple
/// last said. Made by [`configure_at`]; checked by [`VppAccount::verify_at`]; renewed by
/// [`VppAccount::renew_at`].
#[derive(Debug, Clone, PartialEq)]
pub struct VppAccount {
    token: VppToken,
    location: Location,
    identity: MdmIdentity,
    apple_expires_at: Option<DateTime<FixedOffset>>,
    verdict: AppleVerdict,
    claim: ClaimState,
    took_over_from: Option<MdmOwner>,
    configured_at: DateTime<Utc>,
    last_verified_at: DateTime<Utc>,
}

/// The first step of configuring: see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Configure {
    /// Apple already records us, with the same name and metadata: nothing to send.
    AlreadyOurs(VppAccount),
    /// Send this update, read the configuration back, then [`PendingClaim::finish_at`].
    SendUpdate(PendingClaim),
    /// Another MDM holds the location and the admin has not accepted a takeover from it.
    ManagedElsewhere(MdmOwner),
}

/// A claim waiting for Apple: the update to send and what to check afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingClaim {
    token: VppToken,
    identity: MdmIdentity,
    location: Location,
    update: ClientConfigUpdate,
    took_over_from: Option<MdmOwner>,
}

/// Decides how to claim the location `snapshot` describes for `identity`.
///
/// `snapshot` must come from reading the client configuration with `token`.
/// `notifications` (optional) is an update carrying notification settings, built with
/// [`ClientConfigUpdate::builder`]; our `mdmInfo` is added to it, and it forces an update
/// even when the location is already ours.
pub fn configure_at(
    token: VppToken,
    snapshot: &LocationSnapshot,
    identity: MdmIdentity,
    takeover: &Takeover,
    notifications: Option<ClientConfigUpdate>,
    now: DateTime<Utc>,
) -> Configure {
    let took_over_from = match identity.ownership_of(snapshot) {
        Ownership::ManagedElsewhere(owner) if !takeover.allows(&owner) => {
            return Configure::ManagedElsewhere(owner);
        }
        Ownership::ManagedElsewhere(owner) => Some(owner),
        Ownership::Ours
            if notifications.is_none()
                && snapshot
                    .claim
                    .as_ref()
                    .is_some_and(|o| identity.matches_exactly(o)) =>
        {
            return Configure::AlreadyOurs(VppAccount::new(token, snapshot, identity, None, now));
        }
        Ownership::Ours | Ownership::Unclaimed => None,
    };
    let mut update = notifications.unwrap_or_default();
    update.mdm_info = Some(identity.to_mdm_info());
    Configure::SendUpdate(PendingClaim {
        token,
        identity,
        location: snapshot.location.clone(),
        update,
        took_over_from,
    })
}

impl PendingClaim {
    /// The update to send (`POST /client/config`).
    pub fn update(&self) -> &ClientConfigUpdate {
        &self.update
    }

    /// The token to send it with.
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// The MDM being taken over from, if any (for the audit log).
    pub fn took_over_from(&self) -> Option<&MdmOwner> {
        self.took_over_from.as_ref()
    }

    /// Checks the configuration read back after the update: ours → the account; another
    /// MDM → [`ConfigureError::LostRace`]; nobody → [`ConfigureError::NotApplied`].
    pub fn finish_at(
        self,
        read_back: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<VppAccount, ConfigureError> {
        if !read_back.location.is_same_location(&self.location) {
            return Err(mismatch(&self.location, &read_back.location).into());
        }
        match self.identity.ownership_of(read_back) {
            Ownership::Ours => Ok(VppAccount::new(
                self.token,
                read_back,
                self.identity,
                self.took_over_from,
                now,
            )),
            Ownership::ManagedElsewhere(owner) => Err(ConfigureError::LostRace { owner }),
            Ownership::Unclaimed => Err(ConfigureError::NotApplied),
        }
    }
}

fn mismatch(expected: &Location, found: &Location) -> LocationMismatch {
    LocationMismatch {
        expected: Box::new(expected.clone()),
        found: Box::new(found.clone()),
    }
}

/// The result of [`VppAccount::verify_at`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// Still ours; the account is refreshed from the snapshot.
    StillOurs,
    /// Another MDM claimed the location: the account is displaced and must not be used
    /// against Apple until an admin accepts a takeover again.
    Displaced(MdmOwner),
    /// Nobody claims it any more: claim it again by configuring (no consent needed, no
    /// other MDM holds it). The account is not usable until then.
    Released,
}

/// What a successful renewal changed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Renewal {
    /// The expiry before.
    pub previous_expires_at: DateTime<Utc>,
    /// The expiry now.
    pub new_expires_at: DateTime<Utc>,
    /// `Some((old, new))` when the organization name in the file changed (the location,
    /// by `uId`, is the same).
    pub org_name_change: Option<(String, String)>,
    /// An update to send when the location has no claim any more (re-claim it).
    pub reclaim: Option<ClientConfigUpdate>,
}

/// One value for display: ownership, Apple's verdict and expiry combined.
///
/// Precedence (first that applies): revoked, invalid, expired (by Apple or by date),
/// displaced, read-only, released, expiring soon, active. Token problems come first because
/// fixing them (a new token) is needed before anything else can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountStatus {
    /// Usable.
    Active {
        /// Whole days left.
        days_left: i64,
    },
    /// Usable, but renew soon.
    ExpiringSoon {
        /// Whole days left.
        days_left: i64,
    },
    /// Expired.
    Expired,
    /// Revoked by Apple.
    Revoked,
    /// Apple does not accept the token.
    Invalid,
    /// Another MDM took the location.
    Displaced(MdmOwner),
    /// Nobody claims the location any more: configure it again.
    Released,
    /// Apple's built-in MDM manages the location.
    ReadOnly,
}

impl AccountStatus {
    /// A stable key: `active`, `expiring_soon`, `expired`, `revoked`, `invalid`,
    /// `displaced`, `released`, `read_only`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active { .. } => "active",
            Self::ExpiringSoon { .. } => "expiring_soon",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Invalid => "invalid",
            Self::Displaced(_) => "displaced",
            Self::Released => "released",
            Self::ReadOnly => "read_only",
        }
    }

    /// A sentence for the admin: what is the state and what to do.
    pub fn message(&self) -> String {
        match self {
            Self::Active { days_left } => format!("active; the token expires in {days_left} days"),
            Self::ExpiringSoon { days_left } => format!(
                "the token expires in {days_left} days: download a new one from Apple Business Manager > Settings > Apps and Books and upload it"
            ),
            Self::Expired => ErrorKind::TokenExpired.advice().to_owned(),
            Self::Revoked => ErrorKind::TokenRevoked.advice().to_owned(),
            Self::Invalid => ErrorKind::TokenInvalid.advice().to_owned(),
            Self::Displaced(owner) => format!(
                "another MDM, {owner}, now manages this location: this MDM stopped using it; take it over again only if that MDM should no longer manage it"
            ),
            Self::Released => {
                "no MDM manages this location any more: configure it again".to_owned()
            }
            Self::ReadOnly => ErrorKind::ReadOnlyLocation.advice().to_owned(),
        }
    }
}

impl VppAccount {
    fn new(
        token: VppToken,
        snapshot: &LocationSnapshot,
        identity: MdmIdentity,
        took_over_from: Option<MdmOwner>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            token,
            location: snapshot.location.clone(),
            identity,
            apple_expires_at: snapshot.token_expires_at,
            verdict: AppleVerdict::Active,
            claim: ClaimState::Ours,
            took_over_from,
            configured_at: now,
            last_verified_at: now,
        }
    }

    /// The token in use.
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// The location.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Our identity, as written to Apple.
    pub fn identity(&self) -> &MdmIdentity {
        &self.identity
    }

    /// Apple's `tokenExpirationDate`, when Apple gave one.
    pub fn apple_expires_at(&self) -> Option<DateTime<FixedOffset>> {
        self.apple_expires_at
    }

    /// The expiry that counts: Apple's date when known, else the file's `expDate`.
    pub fn expires_at(&self) -> DateTime<Utc> {
        crate::location::effective_expiry(self.apple_expires_at, &self.token)
    }

    /// What Apple last said about the token.
    pub fn verdict(&self) -> AppleVerdict {
        self.verdict
    }

    /// Whether Apple still records our claim, as of the last check.
    pub fn claim(&self) -> &ClaimState {
        &self.claim
    }

    /// The MDM that displaced us, if one did.
    pub fn displaced_by(&self) -> Option<&MdmOwner> {
        match &self.claim {
            ClaimState::Displaced(owner) => Some(owner),
            _ => None,
        }
    }

    /// The MDM this account was taken over from, when configuring took it over.
    pub fn took_over_from(&self) -> Option<&MdmOwner> {
        self.took_over_from.as_ref()
    }

    /// When the location was claimed (or last re-claimed).
    pub fn configured_at(&self) -> DateTime<Utc> {
        self.configured_at
    }

    /// When Apple last confirmed the claim.
    pub fn last_verified_at(&self) -> DateTime<Utc> {
        self.last_verified_at
    }

    /// Whether the account may be used against Apple at `now`: Apple's last verdict is
    /// active, it is not displaced or released, and it has not expired.
    pub fn is_usable_at(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status_at(now, &RenewalPolicy::default()),
            AccountStatus::Active { .. } | AccountStatus::ExpiringSoon { .. }
        )
    }

    /// The status for display at `now`; see [`AccountStatus`] for precedence.
    pub fn status_at(&self, now: DateTime<Utc>, policy: &RenewalPolicy) -> AccountStatus {
        let expiry = policy.status_at(self.expires_at(), now);
        let days_left = expiry::days_left(self.expires_at(), now);
        match (self.verdict, &self.claim, expiry) {
            (AppleVerdict::Revoked, _, _) => AccountStatus::Revoked,
            (AppleVerdict::Invalid, _, _) => AccountStatus::Invalid,
            (AppleVerdict::Expired, _, _) | (_, _, ExpiryStatus::Expired) => AccountStatus::Expired,
            (_, ClaimState::Displaced(owner), _) => AccountStatus::Displaced(owner.clone()),
            (AppleVerdict::ReadOnly, _, _) => AccountStatus::ReadOnly,
            (_, ClaimState::Released, _) => AccountStatus::Released,
            (_, ClaimState::Ours, ExpiryStatus::ExpiringSoon) => {
                AccountStatus::ExpiringSoon { days_left }
            }
            (_, ClaimState::Ours, _) => AccountStatus::Active { days_left },
        }
    }

    /// [`VppAccount::status_at`] on the system clock.
    pub fn status(&self, policy: &RenewalPolicy) -> AccountStatus {
        self.status_at(Utc::now(), policy)
    }

    /// Re-checks the claim with a fresh snapshot (Apple: at the start of every session).
    ///
    /// Ours: the location, Apple's expiry and `last_verified_at` are refreshed, Apple's
    /// verdict becomes active and any earlier displacement is cleared. Another MDM: the
    /// account is marked displaced. Unclaimed: marked released. A snapshot of another
    /// location is refused and changes nothing.
    pub fn verify_at(
        &mut self,
        snapshot: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<Verification, LocationMismatch> {
        if !snapshot.location.is_same_location(&self.location) {
            return Err(mismatch(&self.location, &snapshot.location));
        }
        self.location = snapshot.location.clone();
        if snapshot.token_expires_at.is_some() {
            self.apple_expires_at = snapshot.token_expires_at;
        }
        if self.verdict != AppleVerdict::ReadOnly {
            self.verdict = AppleVerdict::Active;
        }
        Ok(match self.identity.ownership_of(snapshot) {
            Ownership::Ours => {
                self.claim = ClaimState::Ours;
                self.last_verified_at = now;
                Verification::StillOurs
            }
            Ownership::ManagedElsewhere(owner) => {
                self.claim = ClaimState::Displaced(owner.clone());
                Verification::Displaced(owner)
            }
            Ownership::Unclaimed => {
                self.claim = ClaimState::Released;
                Verification::Released
            }
        })
    }

    /// Records an error Apple returned for this account's token: 9621 → expired,
    /// 9622 → invalid, 9625 → revoked, 9645 → read-only. Returns whether the verdict
    /// changed; other errors say nothing about the token and change nothing.
    ///
    /// Expired, invalid and revoked are cleared by the next successful
    /// [`VppAccount::verify_at`] (Apple answered with the token). Read-only is not: a
    /// client-config read does not show whether Apple's built-in MDM still holds the
    /// location, so it lasts until a renewal or a new configuration.
    pub fn record_apple_error(&mut self, error: &AppleError) -> bool {
        let verdict = match error.kind() {
            ErrorKind::TokenExpired => AppleVerdict::Expired,
            ErrorKind::TokenInvalid => AppleVerdict::Invalid,
            ErrorKind::TokenRevoked => AppleVerdict::Revoked,
            ErrorKind::ReadOnlyLocation => AppleVerdict::ReadOnly,
            _ => return false,
        };
        let changed = self.verdict != verdict;
        self.verdict = verdict;
        changed
    }

    /// Accepts `new_token` in place of the current one, given the snapshot Apple returned
    /// for the **new** token.
    ///
    /// Refused (the account unchanged) when the snapshot is for another location
    /// (different `uId`), when it is the token already in use, when it has expired at `now`,
    /// when it does not expire later than the current token, or when another MDM holds the
    /// location. On success the account keeps its identity and history, takes the new token
    /// and expiry, and is active again.
    pub fn renew_at(
        &mut self,
        new_token: VppToken,
        snapshot: &LocationSnapshot,
        now: DateTime<Utc>,
    ) -> Result<Renewal, RenewError> {
        if !snapshot.location.is_same_location(&self.location) {
            return Err(mismatch(&self.location, &snapshot.location).into());
        }
        if new_token == self.token {
            return Err(RenewError::SameToken);
        }
        let offered = snapshot.expiry_for(&new_token);
        if expiry::is_expired(offered, now) {
            return Err(RenewError::Expired {
                expired_at: offered,
            });
        }
        let current = self.expires_at();
        if offered <= current {
            return Err(RenewError::NotLater { current, offered });
        }
        let reclaim = match self.identity.ownership_of(snapshot) {
            Ownership::ManagedElsewhere(owner) => {
                return Err(RenewError::ManagedElsewhere { owner });
            }
            Ownership::Ours => None,
            Ownership::Unclaimed => Some(ClientConfigUpdate {
                mdm_info: Some(self.identity.to_mdm_info()),
                ..ClientConfigUpdate::default()
            }),
        };
        let org_name_change = (new_token.org_name() != self.token.org_name()).then(|| {
            (
                self.token.org_name().to_owned(),
                new_token.org_name().to_owned(),
            )
        });
        self.token = new_token;
        self.location = snapshot.location.clone();
        self.apple_expires_at = snapshot.token_expires_at;
        self.verdict = AppleVerdict::Active;
        if reclaim.is_none() {
            self.claim = ClaimState::Ours;
            self.last_verified_at = now;
        } else {
            self.claim = ClaimState::Released;
        }
        Ok(Renewal {
            previous_expires_at: current,
            new_expires_at: offered,
            org_name_change,
            reclaim,
        })
    }
}

/// The stored JSON shape, version 1 (documented in the module docs).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredAccount {
    version: u32,
    credential: crate::secret::SecretString,
    location: Location,
    identity: MdmIdentity,
    apple_expires_at: Option<String>,
    verdict: AppleVerdict,
    claim: ClaimState,
    took_over_from: Option<MdmOwner>,
    configured_at: DateTime<Utc>,
    last_verified_at: DateTime<Utc>,
}

/// The version [`VppAccount`]'s serialized form carries.
pub const STORED_ACCOUNT_VERSION: u32 = 1;

impl Serialize for VppAccount {
    /// Writes the documented version-1 shape, **including the secret credential**.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredAccount {
            version: STORED_ACCOUNT_VERSION,
            credential: crate::secret::SecretString::new(self.token.expose_credential()),
            location: self.location.clone(),
            identity: self.identity.clone(),
            apple_expires_at: self
                .apple_expires_at
                .as_ref()
                .map(crate::date::format_apple),
            verdict: self.verdict,
            claim: self.claim.clone(),
            took_over_from: self.took_over_from.clone(),
            configured_at: self.configured_at,
            last_verified_at: self.last_verified_at,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for VppAccount {
    /// Reads the version-1 shape; the credential is decoded and checked like an upload.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let stored = StoredAccount::deserialize(d)?;
        if stored.version != STORED_ACCOUNT_VERSION {
            return Err(D::Error::custom(format_args!(
                "stored VppAccount has version {}, this crate reads version {STORED_ACCOUNT_VERSION}",
                stored.version
            )));
        }
        let token = VppToken::from_bytes(stored.credential.expose_secret().as_bytes())
            .map_err(|e| D::Error::custom(format_args!("stored VppAccount credential: {e}")))?;
        let apple_expires_at = match stored.apple_expires_at.as_deref() {
            None => None,
            Some(text) => Some(crate::date::parse(text).map_err(|p| {
                D::Error::custom(format_args!(
                    "stored VppAccount apple_expires_at {text:?}: {p}"
                ))
            })?),
        };
        Ok(Self {
            token,
            location: stored.location,
            identity: stored.identity,
            apple_expires_at,
            verdict: stored.verdict,
            claim: stored.claim,
            took_over_from: stored.took_over_from,
            configured_at: stored.configured_at,
            last_verified_at: stored.last_verified_at,
        })
    }
}
