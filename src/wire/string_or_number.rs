//! Serde helpers for strings that Apple sometimes writes as numbers.

use serde::{Deserialize, Deserializer};

/// Accepts `"123"` or `123`, giving `Some("123")`; `null` gives `None`.
///
/// Used for identities (`uId`), which must be kept exactly: a number that is not an
/// integer within 64 bits is refused instead of rounded ([`crate::ids`] holds the rule).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Exact(String);
    impl<'de> Deserialize<'de> for Exact {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            crate::ids::exact_id(d, "a string or a number").map(Exact)
        }
    }
    Ok(Option::<Exact>::deserialize(d)?.map(|Exact(text)| text))
}
