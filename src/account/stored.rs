//! Persistence of [`VppAccount`]: the stored shapes (documented in the
//! [module docs](super#persistence)), versions 1 and 2.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::vpp_account::{AppleVerdict, ClaimState, VppAccount};
use crate::location::{Location, Protocol};
use crate::ownership::{MdmIdentity, MdmOwner};
use crate::secret::SecretString;
use crate::token::VppToken;

/// The version [`VppAccount`]'s serialized form carries: 2. Version 1 is still read.
pub const STORED_ACCOUNT_VERSION: u32 = 2;

/// Version 2: adds `protocol`, `read_only` and `last_write_accepted_at`; `verdict` no
/// longer holds read-only and may be `wrong_location`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredV2 {
    version: u32,
    credential: SecretString,
    protocol: Protocol,
    location: Location,
    identity: MdmIdentity,
    apple_expires_at: Option<String>,
    verdict: AppleVerdict,
    read_only: bool,
    claim: ClaimState,
    took_over_from: Option<MdmOwner>,
    configured_at: DateTime<Utc>,
    last_verified_at: DateTime<Utc>,
    last_write_accepted_at: Option<DateTime<Utc>>,
}

/// Version 1, as written by earlier releases.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredV1 {
    #[allow(dead_code)]
    version: u32,
    credential: SecretString,
    location: Location,
    identity: MdmIdentity,
    apple_expires_at: Option<String>,
    verdict: VerdictV1,
    claim: ClaimState,
    took_over_from: Option<MdmOwner>,
    configured_at: DateTime<Utc>,
    last_verified_at: DateTime<Utc>,
}

/// Version 1's verdicts, read-only among them.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum VerdictV1 {
    Active,
    Expired,
    Invalid,
    Revoked,
    ReadOnly,
}

impl Serialize for VppAccount {
    /// Writes the documented version-2 shape, **including the secret credential**.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredV2 {
            version: STORED_ACCOUNT_VERSION,
            credential: SecretString::new(self.token.expose_credential()),
            protocol: self.protocol,
            location: self.location.clone(),
            identity: self.identity.clone(),
            apple_expires_at: self
                .apple_expires_at
                .as_ref()
                .map(crate::date::format_apple),
            verdict: self.verdict.clone(),
            read_only: self.read_only,
            claim: self.claim.clone(),
            took_over_from: self.took_over_from.clone(),
            configured_at: self.configured_at,
            last_verified_at: self.last_verified_at,
            last_write_accepted_at: self.last_write_accepted_at,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for VppAccount {
    /// Reads the version-2 or version-1 shape. The version is checked first; the
    /// credential is decoded and checked like an upload.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        let version = match value.get("version") {
            Some(v) => v.as_u64().ok_or_else(|| {
                D::Error::custom(format_args!(
                    "stored VppAccount has version {v}, this crate reads versions 1 and {STORED_ACCOUNT_VERSION}"
                ))
            })?,
            None if value.is_object() => {
                return Err(D::Error::custom("stored VppAccount has no version"));
            }
            None => return Err(D::Error::custom("stored VppAccount is not a JSON object")),
        };
        let stored = match version {
            1 => StoredV1::deserialize(value)
                .map_err(D::Error::custom)?
                .into(),
            2 => StoredV2::deserialize(value).map_err(D::Error::custom)?,
            other => {
                let newer = if other > u64::from(STORED_ACCOUNT_VERSION) {
                    ": it was stored by a newer version of apple-vpp"
                } else {
                    ""
                };
                return Err(D::Error::custom(format_args!(
                    "stored VppAccount has version {other}, this crate reads versions 1 and {STORED_ACCOUNT_VERSION}{newer}"
                )));
            }
        };
        let token = VppToken::from_bytes(stored.credential.expose_secret().as_bytes())
            .map_err(|e| D::Error::custom(format_args!("stored VppAccount credential: {e}")))?;
        let apple_expires_at = match stored.apple_expires_at.as_deref() {
            None => None,
            Some(text) => Some(parse_stored_date(text).map_err(D::Error::custom)?),
        };
        Ok(VppAccount {
            token,
            protocol: stored.protocol,
            location: stored.location,
            identity: stored.identity,
            apple_expires_at,
            verdict: stored.verdict,
            read_only: stored.read_only,
            claim: stored.claim,
            took_over_from: stored.took_over_from,
            configured_at: stored.configured_at,
            last_verified_at: stored.last_verified_at,
            last_write_accepted_at: stored.last_write_accepted_at,
        })
    }
}

/// A version-1 account read as version 2: its verdict `ReadOnly` becomes an active
/// account marked read-only.
impl From<StoredV1> for StoredV2 {
    fn from(v1: StoredV1) -> Self {
        let (verdict, read_only) = match v1.verdict {
            VerdictV1::Active => (AppleVerdict::Active, false),
            VerdictV1::Expired => (AppleVerdict::Expired, false),
            VerdictV1::Invalid => (AppleVerdict::Invalid, false),
            VerdictV1::Revoked => (AppleVerdict::Revoked, false),
            VerdictV1::ReadOnly => (AppleVerdict::Active, true),
        };
        StoredV2 {
            version: 1,
            credential: v1.credential,
            protocol: Protocol::V2,
            location: v1.location,
            identity: v1.identity,
            apple_expires_at: v1.apple_expires_at,
            verdict,
            read_only,
            claim: v1.claim,
            took_over_from: v1.took_over_from,
            configured_at: v1.configured_at,
            last_verified_at: v1.last_verified_at,
            last_write_accepted_at: None,
        }
    }
}

fn parse_stored_date(text: &str) -> Result<DateTime<FixedOffset>, String> {
    crate::date::parse(text)
        .map_err(|p| format!("stored VppAccount apple_expires_at {text:?}: {p}"))
}
