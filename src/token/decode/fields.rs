//! The token file's three fields and the one mapping from JSON keys to them, shared by
//! the fast path ([`super::json`]) and the serde visitor ([`super::visitor`]).

use std::borrow::Cow;

use crate::token::error::TokenError;

/// Declares [`Field`] and its keys: the one place a field's JSON key is written.
macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident = $key:literal,)*) => {
        /// One of the fields a token file must have.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in the order their errors are reported.
            pub(super) const ALL: [Field; 3] = [$(Field::$variant,)*];

            /// The JSON key, as Apple writes it (and as errors name it).
            pub(super) const fn key(self) -> &'static str {
                match self {
                    $(Field::$variant => $key,)*
                }
            }

            /// The key as a JSON string without escapes, quotes included (what the fast path
            /// compares raw bytes with).
            pub(super) const fn quoted_key(self) -> &'static str {
                match self {
                    $(Field::$variant => concat!('"', $key, '"'),)*
                }
            }
        }
    };
}

fields! {
    /// `token`: the inner token.
    Token = "token",
    /// `expDate`: the expiry date.
    ExpDate = "expDate",
    /// `orgName`: the organization name.
    OrgName = "orgName",
}

impl Field {
    /// The field a JSON key (unescaped) names, if any. Keys are case-sensitive.
    #[inline]
    pub(super) fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.key() == key)
    }
}

/// What the JSON held for each [`Field`].
#[derive(Default)]
pub(super) struct Fields<'a>([Slot<'a>; 3]);

impl<'a> Fields<'a> {
    /// The slot of `field`.
    #[inline]
    pub(super) fn slot(&mut self, field: Field) -> &mut Slot<'a> {
        &mut self.0[field as usize]
    }

    /// The three strings (token, expiry, organization), or the error of the first field
    /// in [`Field::ALL`] order that is missing, of the wrong type or duplicated.
    #[inline]
    pub(super) fn require(self) -> Result<[Cow<'a, str>; 3], TokenError> {
        let [token, exp_date, org_name] = self.0;
        Ok([
            token.require(Field::Token)?,
            exp_date.require(Field::ExpDate)?,
            org_name.require(Field::OrgName)?,
        ])
    }

    /// Each field's slot, in [`Field::ALL`] order (for tests).
    #[cfg(test)]
    pub(super) fn slots(&self) -> &[Slot<'a>; 3] {
        &self.0
    }
}

/// One expected field as seen in the JSON.
#[derive(Default)]
pub(super) enum Slot<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    WrongType(&'static str),
    Duplicate,
}

impl<'a> Slot<'a> {
    /// Records a value seen for this field: a second one makes it a duplicate, whatever
    /// either value was.
    pub(super) fn fill(&mut self, value: Value<'a>) {
        *self = match (std::mem::take(self), value) {
            (Slot::Missing, Value::Str(s)) => Slot::Str(s),
            (Slot::Missing, Value::Other(found)) => Slot::WrongType(found),
            _ => Slot::Duplicate,
        };
    }

    fn require(self, field: Field) -> Result<Cow<'a, str>, TokenError> {
        let field = field.key();
        match self {
            Slot::Str(s) => Ok(s),
            Slot::Missing => Err(TokenError::MissingField { field }),
            Slot::WrongType(found) => Err(TokenError::WrongFieldType { field, found }),
            Slot::Duplicate => Err(TokenError::DuplicateField { field }),
        }
    }
}

/// A JSON value reduced to "a string (borrowed when unescaped)" or "what kind it was".
pub(super) enum Value<'a> {
    Str(Cow<'a, str>),
    Other(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_fields_and_back() {
        for field in Field::ALL {
            assert_eq!(Field::from_key(field.key()), Some(field));
            assert_eq!(field.quoted_key(), format!("\"{}\"", field.key()));
        }
        for key in ["", "Token", "exp_date", "orgname", "token ", "other"] {
            assert_eq!(Field::from_key(key), None, "{key:?}");
        }
    }
}
