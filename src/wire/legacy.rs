//! The legacy `VPPClientConfigSrv` response (VPP API v1, in maintenance mode).
//!
//! Apple: [Client Configuration](https://developer.apple.com/documentation/devicemanagement/client-configuration), [Managing apps and books through web services (Legacy)](https://developer.apple.com/documentation/devicemanagement/managing-apps-and-books-through-web-services-legacy).

use serde::{Deserialize, Serialize};

use super::client_config::Platform;
use super::error_body::ErrorNumber;

/// The response of the legacy `POST .../mdm/VPPClientConfigSrv`.
///
/// `status` is 0 on success and -1 on failure (with `errorNumber`). `clientContext` is a
/// JSON *string* that by convention holds `{"hostname": ..., "guid": ...}` of the claiming
/// MDM; absent until set.
///
/// Apple: [Client Configuration](https://developer.apple.com/documentation/devicemanagement/client-configuration) (VPP v1).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LegacyClientConfig {
    /// `status`: 0 success, -1 failure.
    #[serde(default)]
    pub status: Option<i64>,
    /// `errorNumber`, on failure.
    #[serde(default)]
    pub error_number: Option<ErrorNumber>,
    /// `errorMessage`, on failure.
    #[serde(default)]
    pub error_message: Option<String>,
    /// `clientContext`: a JSON string, under 256 bytes; `""` means cleared.
    #[serde(default)]
    pub client_context: Option<String>,
    /// `uId`: the location's identity.
    #[serde(
        rename = "uId",
        default,
        deserialize_with = "super::string_or_number::deserialize"
    )]
    pub u_id: Option<String>,
    /// `countryCode`.
    #[serde(default)]
    pub country_code: Option<String>,
    /// `defaultPlatform`.
    #[serde(default)]
    pub default_platform: Option<Platform>,
    /// `appleId` of the account that downloaded the token.
    #[serde(default)]
    pub apple_id: Option<String>,
    /// `email`.
    #[serde(default)]
    pub email: Option<String>,
    /// `expirationMillis`: token expiry, epoch milliseconds.
    #[serde(default)]
    pub expiration_millis: Option<i64>,
    /// `tokenExpDate`: present within 15 days of expiry.
    #[serde(default)]
    pub token_exp_date: Option<String>,
    /// `location`.
    #[serde(default)]
    pub location: Option<LegacyLocation>,
    /// `organizationId` (a number in Apple's examples; a string is accepted).
    #[serde(default)]
    pub organization_id: Option<NumberOrString>,
    /// `organizationIdHash`.
    #[serde(default)]
    pub organization_id_hash: Option<String>,
    /// `facilitatorMemberId`.
    #[serde(default)]
    pub facilitator_member_id: Option<NumberOrString>,
}

/// `location` of a legacy response.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LegacyLocation {
    /// `locationId` (a number in Apple's examples).
    #[serde(default)]
    pub location_id: Option<NumberOrString>,
    /// `locationName`.
    #[serde(default)]
    pub location_name: Option<String>,
}

/// A JSON number or string, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum NumberOrString {
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string.
    String(String),
}

// By hand rather than `#[serde(untagged)]`, whose error ("data did not match any variant
// of untagged enum NumberOrString") names a Rust type instead of what was expected.
impl<'de> Deserialize<'de> for NumberOrString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = NumberOrString;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a number")
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(NumberOrString::Number(v.into()))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(NumberOrString::Number(v.into()))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                serde_json::Number::from_f64(v)
                    .map(NumberOrString::Number)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NumberOrString::String(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(NumberOrString::String(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl std::fmt::Display for NumberOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => f.write_str(s),
        }
    }
}
