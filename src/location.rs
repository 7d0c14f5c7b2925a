//! [`Location`]: the Apps and Books location behind a token, and
//! [`LocationSnapshot`]: what Apple said about it at one moment.

use std::fmt;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::ownership::{MdmIdentity, MdmOwner, Ownership};
use crate::token::VppToken;
use crate::wire::ResponseError;
use crate::wire::{self, ClientConfig, LegacyClientConfig, Platform};

/// An Apps and Books location (in Apple Business Manager; "account" in legacy VPP).
///
/// Its identity is Apple's `uId`: two locations are the same when their `uId`s are. The
/// name can change in Apple Business Manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// Apple's `uId`, the location's identity.
    pub uid: String,
    /// The location's name (`locationName`).
    pub name: String,
    /// ISO 3166-1 alpha-2 country code, when Apple gave one.
    #[serde(default)]
    pub country: Option<String>,
    /// Apple's default store platform, when given.
    #[serde(default, with = "platform_text")]
    pub default_platform: Option<Platform>,
    /// The website Apple gave, when given.
    #[serde(default)]
    pub website_url: Option<String>,
}

mod platform_text {
    use super::Platform;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(p: &Option<Platform>, s: S) -> Result<S::Ok, S::Error> {
        p.as_ref().map(Platform::as_str).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Platform>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(|s| Platform::from(s.as_str())))
    }
}

impl Location {
    /// Whether `other` is the same location (same `uId`).
    pub fn is_same_location(&self, other: &Location) -> bool {
        self.uid == other.uid
    }

    /// The location from a v2 client-config response; `uId` and `locationName` are
    /// required.
    pub fn from_v2(config: &ClientConfig) -> Result<Self, ResponseError> {
        Ok(Self {
            uid: required(&config.u_id, "uId")?,
            name: required(&config.location_name, "locationName")?,
            country: non_empty(&config.country_iso2a_code),
            default_platform: config.default_platform.clone(),
            website_url: non_empty(&config.website_url),
        })
    }

    /// The location from a legacy `VPPClientConfigSrv` response; `uId` and
    /// `location.locationName` are required.
    pub fn from_legacy(config: &LegacyClientConfig) -> Result<Self, ResponseError> {
        let name = config
            .location
            .as_ref()
            .and_then(|l| l.location_name.clone());
        Ok(Self {
            uid: required(&config.u_id, "uId")?,
            name: required(&name, "locationName")?,
            country: non_empty(&config.country_code),
            default_platform: config.default_platform.clone(),
            website_url: None,
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} (uId {})", self.name, self.uid)
    }
}

fn required(v: &Option<String>, field: &'static str) -> Result<String, ResponseError> {
    non_empty(v).ok_or(ResponseError::Incomplete { field })
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What Apple said about a location at one moment: the location, which MDM has claimed
/// it, and Apple's expiry date for the token. Built from a v2 or a legacy client-config
/// response; every decision in [`crate::account`] takes one.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LocationSnapshot {
    /// The location.
    pub location: Location,
    /// The MDM that has claimed the location, or `None` when unclaimed.
    pub claim: Option<MdmOwner>,
    /// Apple's expiry date for the token, when Apple gave one.
    pub token_expires_at: Option<DateTime<FixedOffset>>,
}

impl LocationSnapshot {
    /// From a v2 client-config response. `mdmInfo` present means claimed (by whoever its
    /// `id` names); absent means unclaimed.
    pub fn from_v2(config: &ClientConfig) -> Result<Self, ResponseError> {
        let location = Location::from_v2(config)?;
        let claim = config.mdm_info.as_ref().map(MdmOwner::from_mdm_info);
        let token_expires_at = match config.token_expiration_date.as_deref() {
            None => None,
            Some(text) => Some(parse_date("tokenExpirationDate", text)?),
        };
        Ok(Self {
            location,
            claim,
            token_expires_at,
        })
    }

    /// From a legacy response. `clientContext` absent or blank means unclaimed; a JSON
    /// object's `guid` is the owner's id and `hostname` its metadata; anything else is
    /// "claimed by an unknown MDM". Apple's error (`status` -1 or `errorNumber`) is
    /// returned as [`ResponseError::Apple`]; a failure `status` without an `errorNumber`
    /// gives `ErrorNumber::Unknown(0)`.
    pub fn from_legacy(config: &LegacyClientConfig) -> Result<Self, ResponseError> {
        let failed = config.status.is_some_and(|s| s != 0);
        if config.error_number.is_some() || failed {
            return Err(ResponseError::Apple(crate::wire::AppleError {
                status: None,
                number: config.error_number.unwrap_or(wire::ErrorNumber::Unknown(0)),
                message: config.error_message.clone().unwrap_or_default(),
                info: None,
            }));
        }
        let location = Location::from_legacy(config)?;
        let claim = match config.client_context.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(MdmOwner::from_legacy_context(text)),
        };
        let token_expires_at = match (config.expiration_millis, config.token_exp_date.as_deref()) {
            (Some(ms), _) => Some(
                Utc.timestamp_millis_opt(ms)
                    .single()
                    .ok_or(ResponseError::InvalidDate {
                        field: "expirationMillis",
                        value: ms.to_string(),
                        problem: crate::date::DateProblem::Shape,
                    })?
                    .fixed_offset(),
            ),
            (None, Some(text)) => Some(parse_date("tokenExpDate", text)?),
            (None, None) => None,
        };
        Ok(Self {
            location,
            claim,
            token_expires_at,
        })
    }

    /// The expiry that counts for `token` at this location: Apple's date when Apple gave
    /// one, else the token file's `expDate`. `token` must be the token this snapshot was
    /// read with.
    pub fn expiry_for(&self, token: &VppToken) -> DateTime<Utc> {
        effective_expiry(self.token_expires_at, token)
    }

    /// A saved client-config response, v2 or legacy (detected by its fields: legacy
    /// responses have `status`, `clientContext`, `location` or `expirationMillis`).
    pub fn from_json(body: &[u8]) -> Result<Self, ResponseError> {
        let value: serde_json::Value = wire::decode_response(200, body)?;
        let Some(object) = value.as_object() else {
            return Err(ResponseError::Malformed {
                status: 200,
                reason: "the client configuration is not a JSON object".into(),
            });
        };
        let legacy = ["status", "clientContext", "location", "expirationMillis"]
            .iter()
            .any(|k| object.contains_key(*k))
            && !object.contains_key("locationName");
        if legacy {
            let config: LegacyClientConfig =
                serde_json::from_value(value).map_err(|e| ResponseError::malformed(200, &e))?;
            Self::from_legacy(&config)
        } else {
            let config: ClientConfig =
                serde_json::from_value(value).map_err(|e| ResponseError::malformed(200, &e))?;
            Self::from_v2(&config)
        }
    }
}

// `ownership` sits below `location` (a snapshot holds an `MdmOwner`), so the verdict on a
// snapshot is defined here, where both types are known.
impl MdmIdentity {
    /// The verdict on `snapshot`'s claim: [`Ownership::of`] its owner and our id.
    pub fn ownership_of(&self, snapshot: &LocationSnapshot) -> Ownership {
        Ownership::of(snapshot.claim.as_ref(), self.id())
    }
}

/// Apple's expiry date when known, else the file's: the one rule for which date counts.
pub(crate) fn effective_expiry(
    apple: Option<DateTime<FixedOffset>>,
    token: &VppToken,
) -> DateTime<Utc> {
    apple
        .unwrap_or_else(|| token.expires_at())
        .with_timezone(&Utc)
}

fn parse_date(field: &'static str, text: &str) -> Result<DateTime<FixedOffset>, ResponseError> {
    crate::date::parse(text).map_err(|problem| ResponseError::InvalidDate {
        field,
        value: text.chars().take(64).collect(),
        problem,
    })
}
