//! The MDM vendor's developer token for Apps and Books Metadata for Organizations: an
//! ES256 JWT (header `alg`, `kid`; claims `iss`, `iat`, `exp`) signed with the private
//! key (`.p8`, PKCS#8 PEM, EC P-256) from the vendor's Apple Developer account.
//!
//! Signed with `ring`, which the client's TLS stack already builds (see Cargo.toml).

use std::path::Path;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

use crate::secret::SecretString;

/// How long a minted token is valid: one hour (Apple allows up to six months; an hour keeps a
/// leaked token short-lived at the cost of one signature an hour).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::hours(1);
/// A cached token is replaced this long (5 minutes) before it expires, so that one in flight never
/// reaches Apple expired.
pub const REMINT_MARGIN: Duration = Duration::minutes(5);
/// Apple refuses a developer token whose `exp` lies more than 15,777,000 s (six months)
/// after the current time on Apple's server ("Generating developer tokens",
/// <https://developer.apple.com/documentation/devicemanagement/generating-developer-tokens>).
pub const APPLE_MAX_TOKEN_LIFETIME: Duration = Duration::seconds(15_777_000);
/// What the longest lifetime the crate mints keeps below [`APPLE_MAX_TOKEN_LIFETIME`], one hour: a
/// server whose clock runs up to this much ahead of Apple's still mints tokens Apple
/// accepts.
pub const CLOCK_SKEW_MARGIN: Duration = Duration::hours(1);

/// Why a developer key could not be loaded. Messages never include the key's bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeveloperKeyError {
    /// The file could not be read.
    #[error("could not read the developer key file {path}: check the path and its permissions")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not a PEM `PRIVATE KEY` block with Base64 inside.
    #[error(
        "the developer key is not a PEM private key (-----BEGIN PRIVATE KEY-----): use the .p8 file exactly as downloaded from Certificates, Identifiers & Profiles > Keys"
    )]
    NotPem,
    /// A PEM key, but not a PKCS#8 EC P-256 key.
    #[error(
        "the developer key is not an EC P-256 private key in PKCS#8 form: Apple's .p8 keys for Apps and Books for Organizations are; download the key again"
    )]
    NotEcP256,
    /// The team id is not 10 letters or digits.
    #[error(
        "the team id {shown:?} is not a 10-character Apple team id (letters and digits, e.g. DEF123GHIJ): copy it from the membership page of the Apple Developer account"
    )]
    TeamId {
        /// What was given (at most 16 characters).
        shown: String,
    },
    /// The key id is not 10 letters or digits.
    #[error(
        "the key id {shown:?} is not a 10-character key id (letters and digits, e.g. ABC123DEFG): copy it from Certificates, Identifiers & Profiles > Keys"
    )]
    KeyId {
        /// What was given (at most 16 characters).
        shown: String,
    },
}

/// A minted developer token: the JWT and its lifetime. `Debug` shows the times only; no
/// `Display`.
#[derive(Clone)]
pub struct DeveloperToken {
    jwt: SecretString,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for DeveloperToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeveloperToken")
            .field("jwt", &"[redacted]")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl DeveloperToken {
    /// The JWT, for `Authorization: Bearer <jwt>`.
    ///
    /// **Security:** send it only to Apple's metadata service; never log it.
    pub fn expose_secret(&self) -> &SecretString {
        &self.jwt
    }

    /// When it was minted (`iat`).
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }

    /// When it expires (`exp`).
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
}

/// The vendor's private key with its team id and key id; mints and caches
/// [`DeveloperToken`]s. `Debug` shows the ids only; no `Display`. `Send + Sync`: share one
/// (in an `Arc`) across the MDM.
///
/// ```
/// use apple_vpp::metadata::{DeveloperKey, DeveloperKeyError};
/// let err = DeveloperKey::from_pem("not a key", "DEF123GHIJ", "ABC123DEFG").unwrap_err();
/// assert!(matches!(err, DeveloperKeyError::NotPem));
/// ```
pub struct DeveloperKey {
    key: EcdsaKeyPair,
    team_id: String,
    key_id: String,
    lifetime: Duration,
    rng: SystemRandom,
    cached: Mutex<Option<DeveloperToken>>,
}

impl std::fmt::Debug for DeveloperKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeveloperKey")
            .field("key", &"[redacted]")
            .field("team_id", &self.team_id)
            .field("key_id", &self.key_id)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

fn check_id(id: &str) -> bool {
    id.len() == 10 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn shown(id: &str) -> String {
    id.chars().take(16).collect()
}

impl DeveloperKey {
    /// Loads a `.p8` file (PKCS#8 PEM, EC P-256) with the 10-character team id (`iss`)
    /// and key id (`kid`).
    pub fn from_path(
        path: impl AsRef<Path>,
        team_id: &str,
        key_id: &str,
    ) -> Result<Self, DeveloperKeyError> {
        let path = path.as_ref();
        let pem = std::fs::read_to_string(path).map_err(|source| DeveloperKeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_pem(&pem, team_id, key_id)
    }

    /// [`DeveloperKey::from_path`] from the file's text.
    pub fn from_pem(pem: &str, team_id: &str, key_id: &str) -> Result<Self, DeveloperKeyError> {
        if !check_id(team_id) {
            return Err(DeveloperKeyError::TeamId {
                shown: shown(team_id),
            });
        }
        if !check_id(key_id) {
            return Err(DeveloperKeyError::KeyId {
                shown: shown(key_id),
            });
        }
        let der = pem_body(pem, "PRIVATE KEY").ok_or(DeveloperKeyError::NotPem)?;
        Self::from_pkcs8(&der, team_id, key_id)
    }

    /// From the key's PKCS#8 DER bytes.
    pub fn from_pkcs8(der: &[u8], team_id: &str, key_id: &str) -> Result<Self, DeveloperKeyError> {
        if !check_id(team_id) {
            return Err(DeveloperKeyError::TeamId {
                shown: shown(team_id),
            });
        }
        if !check_id(key_id) {
            return Err(DeveloperKeyError::KeyId {
                shown: shown(key_id),
            });
        }
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
            .map_err(|_| DeveloperKeyError::NotEcP256)?;
        Ok(Self {
            key,
            team_id: team_id.to_owned(),
            key_id: key_id.to_owned(),
            lifetime: DEFAULT_TOKEN_LIFETIME,
            rng,
            cached: Mutex::new(None),
        })
    }

    /// Tokens minted from now on are valid this long (default [`DEFAULT_TOKEN_LIFETIME`],
    /// one hour; at least 10 minutes, at most [`APPLE_MAX_TOKEN_LIFETIME`] less
    /// [`CLOCK_SKEW_MARGIN`], so that a clock running ahead of Apple's does not make Apple
    /// refuse the token).
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.clamp(
            Duration::minutes(10),
            APPLE_MAX_TOKEN_LIFETIME - CLOCK_SKEW_MARGIN,
        );
        self
    }

    /// The team id (`iss`).
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The key id (`kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key (uncompressed SEC1 point), e.g. for a test server to verify with.
    pub fn public_key(&self) -> &[u8] {
        use ring::signature::KeyPair as _;
        self.key.public_key().as_ref()
    }

    /// A token valid at `now`: the cached one unless it expires within
    /// [`REMINT_MARGIN`], else a new one (cached).
    pub fn token_at(&self, now: DateTime<Utc>) -> DeveloperToken {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = &*cached {
            if token.expires_at - REMINT_MARGIN > now && token.issued_at <= now {
                return token.clone();
            }
        }
        let token = self.mint_at(now);
        *cached = Some(token.clone());
        token
    }

    /// [`DeveloperKey::token_at`] now.
    pub fn token(&self) -> DeveloperToken {
        self.token_at(Utc::now())
    }

    /// Forgets the cached token (after Apple refused it): the next
    /// [`DeveloperKey::token_at`] mints a new one.
    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Mints a new token issued at `now`, without the cache.
    pub fn mint_at(&self, now: DateTime<Utc>) -> DeveloperToken {
        let expires_at = now + self.lifetime;
        let header = serde_json::json!({"alg": "ES256", "kid": self.key_id, "typ": "JWT"});
        let claims = serde_json::json!({
            "iss": self.team_id,
            "iat": now.timestamp(),
            "exp": expires_at.timestamp(),
        });
        let mut jwt = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .key
            .sign(&self.rng, jwt.as_bytes())
            .expect("ECDSA P-256 signing does not fail with the system's random source");
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        DeveloperToken {
            jwt: SecretString::new(jwt),
            issued_at: now,
            expires_at,
        }
    }
}

/// The Base64 body of the first PEM block labelled `label`, decoded.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(body).ok().filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    fn key() -> DeveloperKey {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der.as_ref())
        );
        DeveloperKey::from_pem(&pem, "DEF123GHIJ", "ABC123DEFG").unwrap()
    }

    fn part(jwt: &str, i: usize) -> serde_json::Value {
        let text = URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(i).unwrap())
            .unwrap();
        serde_json::from_slice(&text).unwrap()
    }

    #[test]
    fn tokens_are_es256_with_kid_iss_iat_exp_and_verify() {
        let key = key();
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let token = key.mint_at(now);
        let jwt = token.expose_secret().expose_secret();
        assert_eq!(part(jwt, 0)["alg"], "ES256");
        assert_eq!(part(jwt, 0)["kid"], "ABC123DEFG");
        let claims = part(jwt, 1);
        assert_eq!(claims["iss"], "DEF123GHIJ");
        assert_eq!(claims["iat"], now.timestamp());
        assert_eq!(claims["exp"], (now + Duration::hours(1)).timestamp());
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key())
            .verify(
                signed.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn the_longest_lifetime_leaves_a_margin_for_a_clock_ahead_of_apples() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let token = key().with_lifetime(Duration::days(365)).mint_at(now);
        let claims = part(token.expose_secret().expose_secret(), 1);
        let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert_eq!(lifetime, 15_777_000 - 3_600);
        // A server 59 minutes ahead of Apple: Apple still sees exp within its limit.
        let apple_now = now.timestamp() - 59 * 60;
        assert!(claims["exp"].as_i64().unwrap() - apple_now <= 15_777_000);
        // The shortest is kept too.
        let short = key().with_lifetime(Duration::seconds(1)).mint_at(now);
        assert_eq!(
            short.expires_at() - short.issued_at(),
            Duration::minutes(10)
        );
    }

    #[test]
    fn the_cached_token_is_reused_until_shortly_before_it_expires() {
        let key = key();
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let first = key.token_at(now);
        let later = key.token_at(now + Duration::minutes(54));
        assert_eq!(first.expose_secret(), later.expose_secret());
        let renewed = key.token_at(now + Duration::minutes(56));
        assert_ne!(first.expose_secret(), renewed.expose_secret());
        key.invalidate();
        let again = key.token_at(now + Duration::minutes(56));
        assert_ne!(renewed.expose_secret(), again.expose_secret());
    }

    #[test]
    fn debug_shows_neither_key_nor_token() {
        let key = key();
        let token = key.token();
        let jwt = token.expose_secret().expose_secret().to_owned();
        let shown = format!("{key:?} {token:?} {key:#?}");
        assert!(!shown.contains(&jwt), "{shown}");
        assert!(!shown.contains(jwt.split('.').nth(2).unwrap()), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(shown.contains("DEF123GHIJ"), "{shown}");
    }

    #[test]
    fn bad_key_files_are_refused_without_echoing_them() {
        let secret_looking =
            "-----BEGIN PRIVATE KEY-----\nTUlJQ2VjcmV0S2V5Qnl0ZXM=\n-----END PRIVATE KEY-----";
        let err = DeveloperKey::from_pem(secret_looking, "DEF123GHIJ", "ABC123DEFG").unwrap_err();
        assert!(matches!(err, DeveloperKeyError::NotEcP256), "{err}");
        assert!(!format!("{err} {err:?}").contains("TUlJQ2Vj"));
        let sec1 = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----";
        assert!(matches!(
            DeveloperKey::from_pem(sec1, "DEF123GHIJ", "ABC123DEFG"),
            Err(DeveloperKeyError::NotPem)
        ));
        let err = DeveloperKey::from_pem("", "short", "ABC123DEFG").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the team id \"short\" is not a 10-character Apple team id (letters and digits, e.g. DEF123GHIJ): copy it from the membership page of the Apple Developer account"
        );
        assert!(matches!(
            DeveloperKey::from_pem("", "DEF123GHIJ", "ABC-23DEFG"),
            Err(DeveloperKeyError::KeyId { .. })
        ));
        // An RSA or P-384 key in PKCS#8 form is refused too (ring parses the curve).
        let rng = SystemRandom::new();
        let p384 =
            EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
                .unwrap();
        assert!(matches!(
            DeveloperKey::from_pkcs8(p384.as_ref(), "DEF123GHIJ", "ABC123DEFG"),
            Err(DeveloperKeyError::NotEcP256)
        ));
        let err =
            DeveloperKey::from_path("no-such-directory/AuthKey.p8", "DEF123GHIJ", "ABC123DEFG")
                .unwrap_err();
        assert!(matches!(err, DeveloperKeyError::Io { .. }));
    }
}
