//! The MDM vendor's developer key as the metadata catalog sees it: the key pair (generated
//! at start, or the scenario's `.p8`), and the check of a developer token (an ES256 JWT:
//! header `alg` ES256 and `kid`; claims `iss`, `iat`, `exp`; the signature).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    UnparsedPublicKey,
};
use serde_json::Value;

/// Seconds of clock difference tolerated for `iat` in the future.
const LEEWAY_SECS: i64 = 60;
/// Apple refuses a developer token whose `exp` lies more than this many seconds (six
/// months) after the current time on its server ("Generating developer tokens": `exp`
/// "must not be greater than 15777000 … from the current Unix time on the server").
pub(crate) const MAX_LIFETIME_SECS: i64 = 15_777_000;

/// The key developer tokens must be signed with, and the ids they must carry.
pub(crate) struct DevKey {
    /// The private key's `.p8` text (written beside the token files, mode 0600).
    pub pem: String,
    public: Vec<u8>,
    pub team_id: String,
    pub key_id: String,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey")
            .field("team_id", &self.team_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl DevKey {
    /// A fresh key pair.
    pub fn generate(team_id: &str, key_id: &str) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "cannot generate a developer key pair".to_string())?;
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der.as_ref())
        );
        Self::from_pem(&pem, team_id, key_id)
    }

    /// The scenario's `.p8` text.
    pub fn from_pem(pem: &str, team_id: &str, key_id: &str) -> Result<Self, String> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| "developer_key is not a PEM private key".to_string())?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new())
                .map_err(|_| "developer_key is not a PKCS#8 EC P-256 private key".to_string())?;
        Ok(DevKey {
            pem: pem.to_string(),
            public: pair.public_key().as_ref().to_vec(),
            team_id: team_id.to_string(),
            key_id: key_id.to_string(),
        })
    }

    /// Checks a developer token at `now` (Unix seconds); the reason when refused (never
    /// containing the token).
    pub fn verify(&self, jwt: &str, now: i64) -> Result<(), &'static str> {
        let mut parts = jwt.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("the developer token is not a JWT");
        };
        let json = |part: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
        };
        let (Some(h), Some(c)) = (json(header), json(claims)) else {
            return Err("the developer token is not a JWT");
        };
        if h["alg"] != "ES256" {
            return Err("the developer token is not signed with ES256");
        }
        if h["kid"] != self.key_id.as_str() {
            return Err("the developer token's kid is not a known key id");
        }
        if c["iss"] != self.team_id.as_str() {
            return Err("the developer token's iss is not the key's team id");
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "the developer token's signature is not Base64url")?;
        let signed = &jwt[..header.len() + 1 + claims.len()];
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.public)
            .verify(signed.as_bytes(), &signature)
            .map_err(|_| "the developer token's signature does not verify")?;
        let (Some(iat), Some(exp)) = (c["iat"].as_i64(), c["exp"].as_i64()) else {
            return Err("the developer token has no iat or exp");
        };
        if exp <= now {
            return Err("the developer token has expired");
        }
        if iat > now + LEEWAY_SECS || exp <= iat {
            return Err("the developer token's iat is in the future or after its exp");
        }
        if exp - now > MAX_LIFETIME_SECS || exp - iat > MAX_LIFETIME_SECS {
            return Err(
                "the developer token's exp is more than 15777000 seconds (six months) ahead",
            );
        }
        Ok(())
    }
}
