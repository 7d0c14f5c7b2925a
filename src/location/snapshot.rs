//! [`LocationSnapshot`]: what Apple said about a location at one moment, and the one rule
//! for which expiry date counts.

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};
use serde::Deserialize;

use super::fields::{take_non_empty, take_required};
use super::location::Location;
use super::protocol::Protocol;
use crate::ownership::{MdmIdentity, MdmOwner, Ownership};
use crate::token::VppToken;
use crate::wire::ResponseError;
use crate::wire::{self, ClientConfig, LegacyClientConfig};

/// What Apple said about a location at one moment: the location, which MDM has claimed
/// it, Apple's expiry date for the token, which API said it and (when recorded) which token
/// it was read with. Built from a v2 or a legacy client-config response, or from values
/// with [`LocationSnapshot::new`]; every decision in [`crate::account`] takes one.
///
/// **Record the token** with [`LocationSnapshot::read_with`] right after reading: only a
/// snapshot read with an account's own token may clear Apple's verdicts on that token
/// ([`crate::VppAccount::verify_at`]), and [`crate::VppAccount::renew_at`] refuses one
/// recorded as read with another token than the new one.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LocationSnapshot {
    /// The location.
    pub location: Location,
    /// The MDM that has claimed the location, or `None` when unclaimed.
    pub claim: Option<MdmOwner>,
    /// Apple's expiry date for the token, when Apple gave one.
    pub token_expiry: Option<DateTime<FixedOffset>>,
    /// The API the configuration was read through.
    pub protocol: Protocol,
    /// The token the configuration was read with, when recorded (Debug is redacted).
    read_with: Option<VppToken>,
}

impl LocationSnapshot {
    /// A snapshot from values (a v2 read; change [`LocationSnapshot::protocol`] with
    /// [`LocationSnapshot::with_protocol`]), with no token recorded:
    ///
    /// ```
    /// use apple_vpp::{Location, LocationSnapshot, MdmOwner, parse_apple_date};
    ///
    /// let snapshot = LocationSnapshot::new(
    ///     Location::new("981060278089131045", "Berlin Office"),
    ///     Some(MdmOwner::default().with_id("another-mdm").with_name("Other MDM")),
    ///     Some(parse_apple_date("2027-09-26T08:30:39+0000").unwrap()),
    /// );
    /// assert_eq!(snapshot.claim.unwrap().name.as_deref(), Some("Other MDM"));
    /// ```
    pub fn new(
        location: Location,
        claim: Option<MdmOwner>,
        token_expiry: Option<DateTime<FixedOffset>>,
    ) -> Self {
        Self {
            location,
            claim,
            token_expiry,
            protocol: Protocol::V2,
            read_with: None,
        }
    }

    /// The same snapshot, marked as read through `protocol`.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Records that this configuration was read with `token` (a clone is kept; it is
    /// compared, never sent or printed).
    pub fn read_with(mut self, token: &VppToken) -> Self {
        self.read_with = Some(token.clone());
        self
    }

    /// Whether this snapshot is recorded as read with `token`. `false` when no token was
    /// recorded.
    pub fn was_read_with(&self, token: &VppToken) -> bool {
        self.read_with.as_ref() == Some(token)
    }

    /// Whether this snapshot is recorded as read with a token other than `token` (`false`
    /// when no token was recorded).
    pub(crate) fn was_read_with_another(&self, token: &VppToken) -> bool {
        self.read_with.as_ref().is_some_and(|t| t != token)
    }

    /// From a v2 client-config response. `mdmInfo` present means claimed (by whoever its
    /// `id` names); absent means unclaimed.
    ///
    /// A v2 read may show a location held through the legacy API only as unclaimed: before
    /// claiming such a location, read its legacy configuration too and
    /// [`LocationSnapshot::merge_legacy_claim`].
    pub fn from_v2(config: &ClientConfig) -> Result<Self, ResponseError> {
        let location = Location::from_v2(config)?;
        let claim = config.mdm_info.as_ref().map(MdmOwner::from_mdm_info);
        let token_expiry = match config.token_expiration_date.as_deref() {
            None => None,
            Some(text) => Some(parse_date("tokenExpirationDate", text)?),
        };
        Ok(Self::new(location, claim, token_expiry))
    }

    /// [`LocationSnapshot::from_v2`] taking the response by value: its strings are moved
    /// into the snapshot instead of copied (the client's path, and the fastest).
    pub fn from_v2_owned(config: ClientConfig) -> Result<Self, ResponseError> {
        let location = Location {
            uid: take_required(config.u_id, "uId")?,
            name: take_required(config.location_name, "locationName")?,
            country: take_non_empty(config.country_iso2a_code),
            default_platform: config.default_platform,
            website_url: take_non_empty(config.website_url),
        };
        let claim = config.mdm_info.map(MdmOwner::from);
        let token_expiry = match config.token_expiration_date.as_deref() {
            None => None,
            Some(text) => Some(parse_date("tokenExpirationDate", text)?),
        };
        Ok(Self::new(location, claim, token_expiry))
    }

    /// From a legacy response. `clientContext` absent or blank means unclaimed; a JSON
    /// object's `guid` is the owner's id and `hostname` its metadata; anything else is
    /// "claimed by an unknown MDM". Apple's error (`status` -1 or `errorNumber`) is
    /// returned as [`ResponseError::Apple`]; a failure `status` without an `errorNumber`
    /// gives `ErrorNumber::Unknown(0)`. An `expirationMillis` outside the years 0000–9999
    /// is refused ([`crate::error::DateProblem::Year`]).
    pub fn from_legacy(config: &LegacyClientConfig) -> Result<Self, ResponseError> {
        let failed = config.status.is_some_and(|s| s != 0);
        if config.error_number.is_some() || failed {
            return Err(ResponseError::Apple(crate::wire::AppleError::new(
                None,
                wire::ErrorBody::new(
                    config.error_number.unwrap_or(wire::ErrorNumber::Unknown(0)),
                    config.error_message.clone().unwrap_or_default(),
                ),
            )));
        }
        let location = Location::from_legacy(config)?;
        let claim = legacy_claim(config.client_context.as_deref());
        let token_expiry = match (config.expiration_millis, config.token_exp_date.as_deref()) {
            (Some(ms), _) => Some(millis_date(ms)?),
            (None, Some(text)) => Some(parse_date("tokenExpDate", text)?),
            (None, None) => None,
        };
        Ok(Self::new(location, claim, token_expiry).with_protocol(Protocol::V1))
    }

    /// Takes the claim of `legacy` (a read of the same location through the legacy API)
    /// when this snapshot (a v2 read) shows none.
    ///
    /// An MDM that speaks only the legacy API (micromdm) writes a `clientContext` and never
    /// `mdmInfo`, so a v2 read shows its location as unclaimed. Before claiming a location
    /// that v2 shows as unclaimed, read the legacy configuration too (a read-only
    /// `VPPClientConfigSrv` call without a context to write) and merge it here: another
    /// `guid` then counts as another MDM (consent required), and a context that is not a
    /// `{hostname, guid}` object (e.g. Apple's note that the token is used through v2)
    /// counts as claimed by an unknown MDM. Where v2 shows a claim, v2 decides and this
    /// changes nothing. Only the claim is taken; the location, expiry, protocol and
    /// recorded token stay this snapshot's.
    pub fn merge_legacy_claim(&mut self, legacy: &LocationSnapshot) {
        if self.claim.is_none() {
            self.claim.clone_from(&legacy.claim);
        }
    }

    /// The expiry that counts for `token` at this location: Apple's date when Apple gave
    /// one, else the token file's `expDate`. `token` must be the token this snapshot was
    /// read with.
    pub fn expiry_for(&self, token: &VppToken) -> DateTime<Utc> {
        effective_expiry(self.token_expiry, token)
    }

    /// A saved client-config response, v2 or legacy.
    ///
    /// The location and expiry are read in the form the body has (legacy when it has
    /// `status`, `clientContext`, `location` or `expirationMillis` and no `locationName`;
    /// else v2). The claim is read in **both** forms whatever the shape: v2 `mdmInfo`
    /// decides when present, else a legacy `clientContext`; a claim field of the wrong type
    /// is an error. So a body carrying a claim never yields a snapshot without it. A `uId`
    /// written as a number that cannot be kept exactly is refused.
    pub fn from_json(body: &[u8]) -> Result<Self, ResponseError> {
        // A full parse first: Apple's error whatever the shape, syntax errors and the
        // recursion limit. Typed decodes below read the bytes again, so `uId` digits are
        // never rounded through this value's `f64`.
        let value: serde_json::Value = wire::decode_response(200, body)?;
        if !value.is_object() {
            return Err(ResponseError::Malformed {
                status: 200,
                reason: "the client configuration is not a JSON object".into(),
                source: None,
            });
        }
        let probe = Probe::deserialize(&value).map_err(|e| ResponseError::malformed(200, e))?;
        drop(value);
        let legacy_shape = (probe.status.is_some()
            || probe.client_context.is_some()
            || probe.location.is_some()
            || probe.expiration_millis.is_some())
            && probe.location_name.is_none();
        let mut snapshot = if legacy_shape {
            let config: LegacyClientConfig =
                serde_json::from_slice(body).map_err(|e| ResponseError::malformed(200, e))?;
            Self::from_legacy(&config)?
        } else {
            let config: ClientConfig =
                serde_json::from_slice(body).map_err(|e| ResponseError::malformed(200, e))?;
            Self::from_v2(&config)?
        };
        snapshot.claim = probe
            .mdm_info
            .as_ref()
            .map(MdmOwner::from_mdm_info)
            .or_else(|| legacy_claim(probe.client_context.as_deref()));
        Ok(snapshot)
    }
}

/// The fields [`LocationSnapshot::from_json`] looks at before choosing a shape.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    status: Option<serde::de::IgnoredAny>,
    location: Option<serde::de::IgnoredAny>,
    expiration_millis: Option<serde::de::IgnoredAny>,
    location_name: Option<serde::de::IgnoredAny>,
    mdm_info: Option<wire::MdmInfo>,
    client_context: Option<String>,
}

/// A legacy `clientContext`: absent or blank is unclaimed, anything else a claim.
fn legacy_claim(context: Option<&str>) -> Option<MdmOwner> {
    match context.map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(MdmOwner::from_legacy_context(text)),
    }
}

/// `expirationMillis` as a date Apple's form can write and read back (years 0000–9999),
/// so an account built from it can be stored and loaded again.
fn millis_date(ms: i64) -> Result<DateTime<FixedOffset>, ResponseError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .filter(|t| (0..=9999).contains(&t.year()))
        .map(|t| t.fixed_offset())
        .ok_or(ResponseError::InvalidDate {
            field: "expirationMillis",
            value: ms.to_string(),
            problem: crate::date::DateProblem::Year,
        })
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
        .unwrap_or_else(|| token.file_expiry())
        .with_timezone(&Utc)
}

fn parse_date(field: &'static str, text: &str) -> Result<DateTime<FixedOffset>, ResponseError> {
    crate::date::parse(text).map_err(|problem| ResponseError::InvalidDate {
        field,
        value: text.chars().take(64).collect(),
        problem,
    })
}
