//! [`Location`]: the Apps and Books location behind a token.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::fields::{non_empty, required};
use crate::wire::{ClientConfig, LegacyClientConfig, Platform, ResponseError};

/// An Apps and Books location (in Apple Business Manager; "account" in legacy VPP).
///
/// Its identity is Apple's `uId`: two locations are the same when their `uId`s are. The
/// name can change in Apple Business Manager.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    use crate::wire::Platform;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(p: &Option<Platform>, s: S) -> Result<S::Ok, S::Error> {
        p.as_ref().map(Platform::as_str).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Platform>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(|s| Platform::from(s.as_str())))
    }
}

impl Location {
    /// A location from values: Apple's `uId` (its identity, kept exactly as written) and
    /// its name. Add the optional details with the `with_*` methods:
    ///
    /// ```
    /// use apple_vpp::Location;
    /// use apple_vpp::wire::Platform;
    ///
    /// let berlin = Location::new("981060278089131045", "Berlin Office")
    ///     .with_country("DE")
    ///     .with_default_platform(Platform::EnterpriseStore)
    ///     .with_website_url("https://business.apple.com");
    /// assert!(berlin.is_same_location(&Location::new("981060278089131045", "Berlin HQ")));
    /// ```
    pub fn new(uid: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            uid: uid.into(),
            name: name.into(),
            country: None,
            default_platform: None,
            website_url: None,
        }
    }

    /// Sets the ISO 3166-1 alpha-2 country code.
    pub fn with_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets Apple's default store platform.
    pub fn with_default_platform(mut self, platform: Platform) -> Self {
        self.default_platform = Some(platform);
        self
    }

    /// Sets the website Apple gives for the location.
    pub fn with_website_url(mut self, url: impl Into<String>) -> Self {
        self.website_url = Some(url.into());
        self
    }

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
