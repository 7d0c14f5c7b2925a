//! [`VppToken`]: a decoded `.vpptoken` content token file, and [`VppTokenBuilder`], which
//! writes one.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};

use super::decode::{Decoded, MAX_TOKEN_FILE_BYTES, decode};
use super::error::TokenError;
use crate::date::{self, DateProblem};
use crate::expiry::{self, ExpiryStatus, RenewalPolicy};
use crate::secret::SecretString;

/// A content token (`.vpptoken` file) for one Apps and Books location.
///
/// Build it from the file's bytes ([`VppToken::from_bytes`]), its text
/// ([`str::parse`]/[`VppToken::from_str`]) or its path ([`VppToken::from_path`]); all three
/// share one decoder, which tolerates surrounding whitespace and line breaks, a UTF-8
/// byte-order mark, missing `=` padding, pretty or compact JSON, unknown extra fields and
/// the `Z`, `+hhmm` and `+hh:mm` offset forms.
///
/// # Secrets
/// The bearer credential Apple expects is the whole file content. It is reachable only
/// through [`VppToken::expose_credential`]. `Debug` prints the organization and expiry and
/// `[redacted]` for the credential; there is no `Display`; no error contains token bytes.
///
/// Two tokens are equal when their credentials are equal.
///
/// ```
/// use apple_vpp::VppToken;
/// # fn main() -> Result<(), apple_vpp::TokenError> {
/// let expiry = chrono::DateTime::parse_from_rfc3339("2030-11-08T22:33:22Z").unwrap();
/// let file = VppToken::builder("Example School", expiry)
///     .inner_token("c2VjcmV0")
///     .build()?
///     .expose_credential()
///     .to_owned();
/// let token: VppToken = file.parse()?;
/// assert_eq!(token.org_name(), "Example School");
/// assert_eq!(token.file_expiry().to_rfc3339(), "2030-11-08T22:33:22+00:00");
/// assert_eq!(format!("{token:?}").contains(&file), false);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct VppToken {
    credential: SecretString,
    inner_token: SecretString,
    org_name: String,
    expires_at: DateTime<FixedOffset>,
    expires_at_text: String,
}

impl VppToken {
    /// Decodes a token file's bytes, exactly as uploaded.
    pub fn from_bytes(input: &[u8]) -> Result<Self, TokenError> {
        decode(input).map(Self::from_decoded)
    }

    /// The token of a decoded file.
    fn from_decoded(parts: Decoded) -> Self {
        let Decoded {
            credential,
            inner_token,
            org_name,
            expires_at,
            expires_at_text,
        } = parts;
        Self {
            credential,
            inner_token,
            org_name,
            expires_at,
            expires_at_text,
        }
    }

    /// Reads and decodes a token file. Reads at most [`MAX_TOKEN_FILE_BYTES`] + 1 bytes, so
    /// a huge file is refused without being read whole.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, TokenError> {
        let path = path.as_ref();
        let io = |source| TokenError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut buf = Vec::with_capacity(1024);
        file.take(MAX_TOKEN_FILE_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        decode(&buf).map(Self::from_decoded)
    }

    /// Starts a token file from its parts, for fixtures and tests; see [`VppTokenBuilder`].
    pub fn builder(
        org_name: impl Into<String>,
        expires_at: DateTime<FixedOffset>,
    ) -> VppTokenBuilder {
        VppTokenBuilder {
            org_name: org_name.into(),
            expires_at,
            inner_token: None,
        }
    }

    /// The organization name (`orgName`) written in the file.
    pub fn org_name(&self) -> &str {
        &self.org_name
    }

    /// When the token file says it expires (`expDate`), with the UTC offset the file was
    /// written with. Compare it as an instant; [`VppToken::file_expiry_utc`] gives it in
    /// UTC. This is the *file's* date: once Apple has answered, the date that counts is
    /// Apple's, [`crate::VppAccount::expiry`].
    pub fn file_expiry(&self) -> DateTime<FixedOffset> {
        self.expires_at
    }

    /// [`VppToken::file_expiry`] in UTC.
    pub fn file_expiry_utc(&self) -> DateTime<Utc> {
        self.expires_at.with_timezone(&Utc)
    }

    /// `expDate` exactly as written in the file, e.g. `2014-08-15T18:13:52-0700`.
    pub fn file_expiry_as_written(&self) -> &str {
        &self.expires_at_text
    }

    /// The bearer credential: the whole file content, trimmed of whitespace, line breaks and
    /// a byte-order mark, with canonical `=` padding. This, not the inner `token` field, is
    /// what Apple expects in `Authorization: Bearer ...` (the inner field is refused with
    /// error 9622). It is also the content of a valid `.vpptoken` file.
    ///
    /// **Security:** this is a secret. Send it only to Apple; never log, print or store it
    /// anywhere an admin's database would not.
    pub fn expose_credential(&self) -> &str {
        self.credential.expose_secret()
    }

    /// The inner `token` field of the file (opaque to MDMs).
    ///
    /// **Security:** this is a secret, like [`VppToken::expose_credential`]. Apple does not
    /// accept it as a credential; it is exposed for round-tripping and diagnostics only.
    pub fn expose_inner_token(&self) -> &str {
        self.inner_token.expose_secret()
    }

    /// Time left until expiry at `now`; negative once expired.
    pub fn time_left_at(&self, now: DateTime<Utc>) -> TimeDelta {
        expiry::time_left_at(self.file_expiry_utc(), now)
    }

    /// Whole days left at `now`: `floor((expires_at - now) / 24 h)`, negative once expired.
    pub fn days_left_at(&self, now: DateTime<Utc>) -> i64 {
        expiry::days_left_at(self.file_expiry_utc(), now)
    }

    /// Whether the token has expired at `now` (`now >= expires_at`).
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        expiry::is_expired_at(self.file_expiry_utc(), now)
    }

    /// [`VppToken::is_expired_at`] on the system clock.
    pub fn is_expired(&self) -> bool {
        self.is_expired_at(Utc::now())
    }

    /// Valid, expiring soon or expired at `now`, under `policy`.
    pub fn status_at(&self, now: DateTime<Utc>, policy: &RenewalPolicy) -> ExpiryStatus {
        policy.status_at(self.file_expiry_utc(), now)
    }

    /// [`VppToken::status_at`] on the system clock.
    pub fn status(&self, policy: &RenewalPolicy) -> ExpiryStatus {
        self.status_at(Utc::now(), policy)
    }

    /// The date by which to renew: the start of `policy`'s warning window.
    pub fn renew_by(&self, policy: &RenewalPolicy) -> DateTime<Utc> {
        policy.renew_by(self.file_expiry_utc())
    }
}

impl FromStr for VppToken {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        decode(s.as_bytes()).map(Self::from_decoded)
    }
}

impl PartialEq for VppToken {
    fn eq(&self, other: &Self) -> bool {
        self.credential == other.credential
    }
}

impl Eq for VppToken {}

impl std::hash::Hash for VppToken {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.credential.hash(state);
    }
}

impl fmt::Debug for VppToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VppToken")
            .field("org_name", &self.org_name)
            .field("expires_at", &self.expires_at_text)
            .field("credential", &format_args!("[redacted]"))
            .finish()
    }
}

/// Makes a `.vpptoken` file from its parts; from [`VppToken::builder`].
///
/// The result is a real token file in Apple's format (compact JSON, Apple's `+hhmm`
/// offset), decoded back through the same decoder as uploads. Only Apple can issue a token
/// that Apple accepts: this is for fixtures, tests and local fakes.
#[derive(Debug, Clone)]
pub struct VppTokenBuilder {
    org_name: String,
    expires_at: DateTime<FixedOffset>,
    inner_token: Option<SecretString>,
}

impl VppTokenBuilder {
    /// The inner `token` field (opaque; Apple's are Base64). Defaults to a fixed
    /// placeholder derived from nothing secret.
    pub fn inner_token(mut self, inner: impl Into<String>) -> Self {
        self.inner_token = Some(SecretString::new(inner));
        self
    }

    /// Encodes the file and decodes it back.
    ///
    /// An expiry whose UTC offset has seconds (e.g. +01:00:30) is refused with
    /// [`TokenError::InvalidExpiry`]: Apple's `+hhmm` form cannot write it, and rounding
    /// would move the instant.
    pub fn build(self) -> Result<VppToken, TokenError> {
        if self.expires_at.offset().local_minus_utc() % 60 != 0 {
            return Err(TokenError::InvalidExpiry {
                value: self
                    .expires_at
                    .format("%Y-%m-%dT%H:%M:%S%.f%::z")
                    .to_string(),
                problem: DateProblem::Offset,
            });
        }
        let inner = self
            .inner_token
            .unwrap_or_else(|| SecretString::new("ZXhhbXBsZS1pbm5lci10b2tlbg=="));
        let json = serde_json::json!({
            "token": inner.expose_secret(),
            "expDate": date::format_apple(&self.expires_at),
            "orgName": self.org_name,
        });
        let file = base64::engine::general_purpose::STANDARD.encode(json.to_string());
        VppToken::from_bytes(file.as_bytes())
    }
}
