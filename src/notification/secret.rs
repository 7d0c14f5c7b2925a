//! [`NotificationSecret`]: the `notificationAuthToken` Apple sends back with every
//! notification.

use std::fmt;

use base64::Engine as _;
use subtle::ConstantTimeEq as _;

use crate::secret::SecretString;
use crate::wire::Limits;

/// Random bytes in a generated secret: 256 bits.
const RANDOM_BYTES: usize = 32;
/// The shortest secret [`NotificationSecret::new`] accepts: 22 Base64 characters carry
/// 128 bits.
pub const MIN_SECRET_LEN: usize = 22;
/// The longest secret [`NotificationSecret::new`] accepts when no service limit is known:
/// 1024 characters.
pub const MAX_SECRET_LEN: usize = 1024;

/// The shared secret Apple sends as `Authorization: Bearer <secret>` with each
/// notification (Apple's `notificationAuthToken`).
///
/// [`NotificationSecret::generate`] makes one from the operating system's secure random
/// source: 256 bits as 43 Base64url characters without padding, safe in a Bearer header.
/// [`NotificationSecret::new`] loads a stored one.
///
/// `Debug` prints `NotificationSecret([redacted])`; there is no `Display`; equality is a
/// constant-time comparison. **Serializing writes the secret** (a JSON string, the secret
/// itself): store it as you store the content token, e.g. in the shared storage every
/// replica reads before subscribing (`shared::NotificationSecrets`). Deserializing reads a
/// stored one back with the checks of [`NotificationSecret::new`].
#[derive(Clone)]
pub struct NotificationSecret(String);

/// Why a notification secret was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Shorter than [`MIN_SECRET_LEN`] (less than 128 bits).
    #[error(
        "the notification secret is too short ({len} characters, at least {MIN_SECRET_LEN} are needed): generate a new one"
    )]
    TooShort {
        /// Its length.
        len: usize,
    },
    /// Longer than the limit.
    #[error(
        "the notification secret is too long ({len} characters, at most {max}): generate a new one"
    )]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit (Apple's `maxNotificationLength`, or [`MAX_SECRET_LEN`]).
        max: usize,
    },
    /// A character a Bearer token may not hold (RFC 6750 `b64token`: letters, digits,
    /// `-._~+/`, then `=` padding). The character itself is not shown.
    #[error(
        "the notification secret has a character not allowed in a Bearer token at position {position}: use letters, digits and -._~+/ only"
    )]
    InvalidCharacter {
        /// Its byte position.
        position: usize,
    },
    /// The operating system's random source failed.
    #[error("the operating system's secure random source failed: {0}")]
    Random(String),
}

impl NotificationSecret {
    /// A new secret: 32 bytes from the operating system's secure random source, Base64url
    /// without padding (43 characters).
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = [0u8; RANDOM_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(Self(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    /// Loads a stored secret (e.g. a file's trimmed content), checking that it is a valid
    /// Bearer token of [`MIN_SECRET_LEN`] to [`MAX_SECRET_LEN`] characters. The value is
    /// taken as given: trim it first.
    pub fn new(value: String) -> Result<Self, SecretError> {
        check(&value, MAX_SECRET_LEN)?;
        Ok(Self(value))
    }

    /// Checks the secret against Apple's `maxNotificationLength` from the service
    /// configuration (when given). Apple does not document which value that limit bounds;
    /// the secret is the one the MDM chooses, so it is checked here.
    pub fn check_limits(&self, limits: &Limits) -> Result<(), SecretError> {
        let max = limits
            .max_notification_length
            .map_or(MAX_SECRET_LEN, |m| usize::try_from(m).unwrap_or(usize::MAX));
        check(&self.0, max)
    }

    /// The secret itself.
    ///
    /// **Security:** whoever has it can send forged notifications to the MDM. Do not log
    /// it, print it, put it in an error message or send it anywhere but to Apple (in the
    /// client configuration) and to the MDM's own secret storage.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The secret as the `notificationAuthToken` of a client-config update.
    pub fn to_secret_string(&self) -> SecretString {
        SecretString::new(self.0.clone())
    }

    /// Compares `candidate` with the secret in constant time (for equal lengths; the
    /// length is not secret).
    pub fn matches(&self, candidate: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(candidate).into()
    }

    /// A fixed value that no generated secret equals in practice, to check the shape of
    /// a header when there is no secret to compare with.
    pub(crate) fn placeholder() -> Self {
        Self("-".repeat(MIN_SECRET_LEN))
    }

    /// Length in characters (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a secret has at least [`MIN_SECRET_LEN`] characters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn check(value: &str, max: usize) -> Result<(), SecretError> {
    let len = value.len();
    // RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    // Padding carries no randomness, so only the characters before it count.
    let body_end = value.trim_end_matches('=').len();
    if body_end < MIN_SECRET_LEN {
        return Err(SecretError::TooShort { len });
    }
    if len > max {
        return Err(SecretError::TooLong { len, max });
    }
    for (position, byte) in value.bytes().enumerate() {
        let ok = if position < body_end {
            byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte)
        } else {
            byte == b'='
        };
        if !ok {
            return Err(SecretError::InvalidCharacter { position });
        }
    }
    Ok(())
}

impl fmt::Debug for NotificationSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NotificationSecret([redacted])")
    }
}

impl PartialEq for NotificationSecret {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other.0.as_bytes())
    }
}

impl Eq for NotificationSecret {}

impl std::str::FromStr for NotificationSecret {
    type Err = SecretError;

    /// Like [`NotificationSecret::new`]; the input is taken as given (not trimmed).
    fn from_str(s: &str) -> Result<Self, SecretError> {
        Self::new(s.to_owned())
    }
}

/// Writes the secret itself: only to the MDM's secret storage.
impl serde::Serialize for NotificationSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Reads a stored secret, checked like [`NotificationSecret::new`].
impl<'de> serde::Deserialize<'de> for NotificationSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = String::deserialize(d)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = NotificationSecret::generate().unwrap();
        assert_eq!(format!("{s:?}"), "NotificationSecret([redacted])");
        assert_eq!(format!("{s:#?}"), "NotificationSecret([redacted])");
    }

    #[test]
    fn padding_only_at_the_end() {
        assert!(NotificationSecret::new("a".repeat(22) + "==").is_ok());
        assert_eq!(
            NotificationSecret::new("a".repeat(10) + "=" + &"a".repeat(12)),
            Err(SecretError::InvalidCharacter { position: 10 })
        );
    }
}
