//! `GET /service/config` response (Apps and Books v2). No token needed.
//!
//! Apple: [Service Config](https://developer.apple.com/documentation/devicemanagement/service-config), [`ServiceConfigResponse`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client_config::NotificationType;
use super::error_body::ErrorNumber;

/// Apple's service configuration: error codes, limits, notification types and endpoint
/// URLs. Apple changes limits without notice and asks clients to re-read this about every
/// five minutes.
///
/// Apple: [`ServiceConfigResponse`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceConfig {
    /// `errorCodes`: every error Apple may return.
    #[serde(default)]
    pub error_codes: Vec<ErrorCode>,
    /// `limits`.
    #[serde(default)]
    pub limits: Limits,
    /// `notificationTypes`.
    #[serde(default)]
    pub notification_types: Vec<NotificationType>,
    /// `urls`: endpoint URLs by name.
    #[serde(default)]
    pub urls: Urls,
}

/// One entry of `errorCodes`.
///
/// Apple: [`ResponseErrorCode`](https://developer.apple.com/documentation/devicemanagement/responseerrorcode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorCode {
    /// `errorNumber`.
    pub error_number: ErrorNumber,
    /// `errorMessage`.
    #[serde(default)]
    pub error_message: String,
}

/// `limits`, decoded leniently: one odd value never makes the configuration undecodable.
///
/// Each named limit is Apple's value when it is a whole number from 1 to [`ABSURD_FACTOR`]
/// times Apple's documented value, and `None` otherwise: absent, or unusable (negative,
/// zero, absurd, not a number), in which case the reason is listed in
/// [`problems`](Self::problems). Where a limit is `None` the crate uses Apple's documented
/// default (the table below; [`crate::batching::BatchLimits`] and the client's rate do);
/// `maxNotificationLength` has none, and the crate's own bound applies. The `max_mdm_*`
/// limits bound [`crate::MdmIdentity`].
///
/// Apple: [`ServiceConfigResponse.Limits`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse/limits-data.dictionary).
///
/// | Limit | Documented default |
/// |---|---|
/// | `maxAssets` | 25 |
/// | `maxUsers` | 100 |
/// | `maxClientUserIds` | 1000 |
/// | `maxSerialNumbers` | 1000 |
/// | `maxRevokeClientUserIds` | 100 |
/// | `maxRevokeSerialNumbers` | 100 |
/// | `maxRequestPerSecond` | 15 |
/// | `maxMdmNameLength` | 100 |
/// | `maxMdmMetadataLength` | 255 |
/// | `maxMdmIdLength` | 100 |
/// | `maxNotificationLength` | none |
///
/// ```
/// use apple_vpp::wire::{LimitProblemKind, ServiceConfig};
///
/// let config: ServiceConfig =
///     serde_json::from_str(r#"{"limits":{"maxSerialNumbers":-5,"maxRequestPerSecond":10}}"#)?;
/// assert_eq!(config.limits.max_serial_numbers, None); // Apple's default, 1000, applies
/// assert_eq!(apple_vpp::batching::BatchLimits::from(&config.limits).max_serial_numbers, 1000);
/// assert_eq!(config.limits.max_request_per_second, Some(10));
/// let serials = config.limits.problems.iter().find(|p| p.limit == "maxSerialNumbers").unwrap();
/// assert_eq!((serials.kind, serials.used), (LimitProblemKind::Negative, Some(1000)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Limits {
    /// `maxAssets`: assets per associate or disassociate request.
    pub max_assets: Option<u64>,
    /// `maxUsers`: users per `users/create`, `users/update` or `users/retire` request.
    pub max_users: Option<u64>,
    /// `maxNotificationLength`.
    pub max_notification_length: Option<u64>,
    /// `maxClientUserIds`: users per associate or disassociate request.
    pub max_client_user_ids: Option<u64>,
    /// `maxSerialNumbers`: serial numbers per associate or disassociate request.
    pub max_serial_numbers: Option<u64>,
    /// `maxRevokeClientUserIds`: users per `assets/revoke` request.
    pub max_revoke_client_user_ids: Option<u64>,
    /// `maxRevokeSerialNumbers`: serial numbers per `assets/revoke` request.
    pub max_revoke_serial_numbers: Option<u64>,
    /// `maxRequestPerSecond`: requests per second per location token.
    pub max_request_per_second: Option<u64>,
    /// `maxMdmNameLength` (100 when documented).
    pub max_mdm_name_length: Option<u64>,
    /// `maxMdmMetadataLength` (255 when documented).
    pub max_mdm_metadata_length: Option<u64>,
    /// `maxMdmIdLength` (100 when documented).
    pub max_mdm_id_length: Option<u64>,
    /// Limits this version of the crate does not name, kept as Apple wrote them.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
    /// Every named limit Apple left out or gave an unusable value for, in the order of the
    /// table above, with the value used instead. Not fatal: log them (an absent limit is
    /// common, since Apple's set of keys varies). Not serialized.
    #[serde(skip)]
    pub problems: Vec<LimitProblem>,
}

/// A limit more than this many times (100) Apple's documented value is taken as a mistake (and
/// the documented value used): 100 000 serial numbers in one request, or 1 500 requests a
/// second, is not a limit Apple means. Limits without a documented value are capped at
/// [`MAX_UNDOCUMENTED_LIMIT`].
pub const ABSURD_FACTOR: u64 = 100;

/// The largest value accepted for a limit without a documented default
/// (`maxNotificationLength`): 2^20 = 1,048,576.
pub const MAX_UNDOCUMENTED_LIMIT: u64 = 1 << 20;

/// One limit of the service configuration that Apple left out or gave an unusable value
/// for (see [`Limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitProblem {
    /// Apple's name of the limit, e.g. `maxSerialNumbers`.
    pub limit: &'static str,
    /// What was wrong with it.
    pub kind: LimitProblemKind,
    /// Apple's value as JSON text (at most 64 characters); `None` when absent.
    pub found: Option<String>,
    /// The value the crate uses instead (the field itself is `None`): Apple's documented
    /// default (`None`: the limit has none, and the crate's own bound applies).
    pub used: Option<u64>,
}

impl std::fmt::Display for LimitProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "service configuration limit {}", self.limit)?;
        match &self.found {
            Some(found) => write!(f, " is {found} ({})", self.kind)?,
            None => write!(f, " is {}", self.kind)?,
        }
        match self.used {
            Some(used) => write!(f, "; using Apple's documented default {used}"),
            None => write!(f, "; using the crate's own bound"),
        }
    }
}

/// Why a limit was not taken as Apple wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitProblemKind {
    /// Apple's answer does not name it.
    Absent,
    /// Not a JSON number (a string, `null`, an object...).
    NotANumber,
    /// A number with a fractional part.
    NotWhole,
    /// Below zero.
    Negative,
    /// Zero: nothing could be sent.
    Zero,
    /// Larger than `max` ([`ABSURD_FACTOR`] times the documented value).
    TooLarge {
        /// The largest value accepted for this limit.
        max: u64,
    },
}

impl std::fmt::Display for LimitProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("absent"),
            Self::NotANumber => f.write_str("not a number"),
            Self::NotWhole => f.write_str("not a whole number"),
            Self::Negative => f.write_str("negative"),
            Self::Zero => f.write_str("zero"),
            Self::TooLarge { max } => write!(f, "larger than {max}"),
        }
    }
}

/// Apple's name and documented default of each named limit, in [`Limits`]' table order.
const DOCUMENTED: [(&str, Option<u64>); 11] = [
    ("maxAssets", Some(25)),
    ("maxUsers", Some(100)),
    ("maxClientUserIds", Some(1000)),
    ("maxSerialNumbers", Some(1000)),
    ("maxRevokeClientUserIds", Some(100)),
    ("maxRevokeSerialNumbers", Some(100)),
    ("maxRequestPerSecond", Some(15)),
    ("maxMdmNameLength", Some(100)),
    ("maxMdmMetadataLength", Some(255)),
    ("maxMdmIdLength", Some(100)),
    ("maxNotificationLength", None),
];

/// Apple's value if usable, else why not.
fn check_limit(value: Option<&serde_json::Value>, max: u64) -> Result<u64, LimitProblemKind> {
    use serde_json::Value;
    let number = match value {
        None => return Err(LimitProblemKind::Absent),
        Some(Value::Number(n)) => n,
        Some(_) => return Err(LimitProblemKind::NotANumber),
    };
    let v = match (number.as_u64(), number.as_i64()) {
        (Some(v), _) => v,
        (None, Some(_)) => return Err(LimitProblemKind::Negative),
        (None, None) => match number.as_f64() {
            Some(f) if f < 0.0 => return Err(LimitProblemKind::Negative),
            Some(f) if f.fract() != 0.0 => return Err(LimitProblemKind::NotWhole),
            // A whole float too large for u64.
            _ => return Err(LimitProblemKind::TooLarge { max }),
        },
    };
    match v {
        0 => Err(LimitProblemKind::Zero),
        v if v > max => Err(LimitProblemKind::TooLarge { max }),
        v => Ok(v),
    }
}

impl<'de> Deserialize<'de> for Limits {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut all = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Object(map) => map.into_iter().collect::<BTreeMap<_, _>>(),
            // `null` or another type: as if Apple named no limit.
            _ => BTreeMap::new(),
        };
        let mut limits = Limits::default();
        for (name, default) in DOCUMENTED {
            let value = all.remove(name);
            let max = default.map_or(MAX_UNDOCUMENTED_LIMIT, |d| d.saturating_mul(ABSURD_FACTOR));
            match check_limit(value.as_ref(), max) {
                Ok(v) => *limits.field(name) = Some(v),
                Err(kind) => limits.problems.push(LimitProblem {
                    limit: name,
                    kind,
                    found: value.as_ref().map(|v| cut(v.to_string())),
                    used: default,
                }),
            }
        }
        limits.other = all;
        Ok(limits)
    }
}

impl Limits {
    fn field(&mut self, name: &str) -> &mut Option<u64> {
        match name {
            "maxAssets" => &mut self.max_assets,
            "maxUsers" => &mut self.max_users,
            "maxClientUserIds" => &mut self.max_client_user_ids,
            "maxSerialNumbers" => &mut self.max_serial_numbers,
            "maxRevokeClientUserIds" => &mut self.max_revoke_client_user_ids,
            "maxRevokeSerialNumbers" => &mut self.max_revoke_serial_numbers,
            "maxRequestPerSecond" => &mut self.max_request_per_second,
            "maxMdmNameLength" => &mut self.max_mdm_name_length,
            "maxMdmMetadataLength" => &mut self.max_mdm_metadata_length,
            "maxMdmIdLength" => &mut self.max_mdm_id_length,
            // "maxNotificationLength", the last of `DOCUMENTED`.
            _ => &mut self.max_notification_length,
        }
    }
}

/// At most 64 characters of `text`.
fn cut(text: String) -> String {
    match text.char_indices().nth(64) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

/// `urls`: Apple's endpoint URLs by name.
///
/// Apple: [`ServiceConfigResponse.Urls`](https://developer.apple.com/documentation/devicemanagement/serviceconfigresponse/urls-data.dictionary).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Urls {
    /// `clientConfig`.
    #[serde(default)]
    pub client_config: Option<String>,
    /// `getAssets`.
    #[serde(default)]
    pub get_assets: Option<String>,
    /// `contentMetadataLookup`.
    #[serde(default)]
    pub content_metadata_lookup: Option<String>,
    /// Every other endpoint, by Apple's name.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}
