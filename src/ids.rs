//! Identifiers Apple hands out: an app's or book's `adamId` and an asynchronous
//! request's `eventId`. Apple writes `adamId` as a string in most answers and as a number
//! in some (subscription notifications); both decode to the same [`AdamId`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// An app's or book's identifier in the App Store (`adamId`), kept as the digits Apple
/// wrote: never rounded through a float.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct AdamId(String);

/// The identifier of an asynchronous request (`eventId`): ask `status` about it, or match
/// it with a notification.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EventId(String);

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        impl $name {
            /// Wraps an identifier as Apple wrote it.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as Apple wrote it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Accepts a string, or an integer written as a JSON number (kept digit for
            /// digit; a fraction or exponent is refused).
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                exact_id(d, $what).map(Self)
            }
        }
    };
}

id_type!(AdamId, "an adamId (a string or an integer)");
id_type!(EventId, "an eventId (a string or an integer)");

/// An identifier Apple writes as a string or as an integer (`adamId`, `eventId`, `uId`),
/// kept digit for digit. A number serde_json can only read as a float (a fraction, an
/// exponent, or an integer beyond 64 bits, whose digits it would round) is refused, so two
/// different identifiers never compare equal. `expecting` names what was expected in errors.
pub(crate) fn exact_id<'de, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
) -> Result<String, D::Error> {
    d.deserialize_any(IdVisitor(expecting))
}

struct IdVisitor(&'static str);

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<String, E> {
        Err(E::custom(format_args!(
            "an identity written as a number that cannot be kept exactly (not an integer within 64 bits), where {} was expected: write its digits as a string",
            self.0
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_or_integer() {
        let a: AdamId = serde_json::from_str(r#""409203825""#).unwrap();
        let b: AdamId = serde_json::from_str("409203825").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "409203825");
        assert_eq!(serde_json::to_string(&b).unwrap(), r#""409203825""#);
        let e: EventId = serde_json::from_str("7").unwrap();
        assert_eq!(e.to_string(), "7");
        let err = serde_json::from_str::<AdamId>("1.5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("an adamId"), "{err}");
        assert!(serde_json::from_str::<AdamId>("null").is_err());
    }
}
