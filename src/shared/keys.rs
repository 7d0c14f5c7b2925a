//! The ids shared state is keyed by: the SHA-256 of a token's credential ([`TokenId`]) or
//! of a location's `uId` ([`LocationKey`]). Neither reveals what it was made from.

use std::fmt;

use crate::token::VppToken;

/// A non-reversible id of a location token: the SHA-256 of its credential. What a budget
/// is keyed by; the credential itself never leaves the client for a budget. `Debug` and
/// [`TokenId::to_hex`] show the hash (it reveals nothing of the credential).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenId([u8; 32]);

impl TokenId {
    /// The id of `token`.
    pub fn of(token: &VppToken) -> Self {
        let digest =
            ring::digest::digest(&ring::digest::SHA256, token.expose_credential().as_bytes());
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        Self(bytes)
    }

    /// An id from its 32 bytes (e.g. read back from storage).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hexadecimal, 64 characters (e.g. in a Redis key).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({})", self.to_hex())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A non-reversible id of a location: the SHA-256 of its `uId`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocationKey([u8; 32]);

impl LocationKey {
    /// The key of the location whose `uId` is `uid`.
    pub fn of_uid(uid: &str) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, uid.as_bytes());
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        Self(bytes)
    }

    /// Lower-case hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for LocationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocationKey({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_key_is_the_sha256_of_the_uid() {
        assert_eq!(
            LocationKey::of_uid("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
