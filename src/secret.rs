//! A string that must never reach a log: the content token and other credentials.

use std::fmt;

use subtle::ConstantTimeEq as _;

/// A secret string: its `Debug` prints `[redacted]` and it has no `Display`.
///
/// The value is reachable only through [`SecretString::expose_secret`], whose name
/// makes every use stand out in review. Equality compares the whole value in constant
/// time (for values of the same length), so a comparison does not tell how many leading
/// bytes matched.
#[derive(Clone)]
pub struct SecretString(String);

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

impl std::hash::Hash for SecretString {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself.
    ///
    /// **Security:** whatever you do with the returned string, do not log it, print it,
    /// put it in an error message or send it anywhere but to Apple.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Length of the secret in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

// Serde support exists for wire types that carry secrets (the notification auth token)
// and for `VppAccount` persistence. Serializing writes the secret: only do it to storage
// or to Apple.
impl serde::Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "SecretString([redacted])");
        assert_eq!(format!("{s:#?}"), "SecretString([redacted])");
        assert_eq!(s.expose_secret(), "hunter2-very-secret");
        assert_eq!(s.len(), 19);
        assert!(!s.is_empty());
    }

    #[test]
    fn equality_compares_every_byte() {
        let s = SecretString::new("hunter2-very-secret");
        assert_eq!(s, SecretString::new("hunter2-very-secret"));
        assert_ne!(s, SecretString::new("hunter2-very-secreT"));
        assert_ne!(s, SecretString::new("Hunter2-very-secret"));
        assert_ne!(s, SecretString::new("hunter2-very-secre"));
        assert_ne!(s, SecretString::new(""));
        assert_eq!(SecretString::new(""), SecretString::new(""));
    }
}
