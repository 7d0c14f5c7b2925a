//! The single decoder behind every [`VppToken`](crate::VppToken) constructor.

use chrono::{DateTime, FixedOffset};

use crate::date;
use crate::secret::SecretString;
use crate::token::error::TokenError;

/// Largest token file accepted, in bytes: 64 KiB. Real files are well under 1 KiB.
/// Larger input is refused before any decoding ([`TokenError::TooLarge`]).
pub const MAX_TOKEN_FILE_BYTES: usize = 64 * 1024;

/// A token file's parts, decoded: what a [`VppToken`](crate::VppToken) holds.
pub(in crate::token) struct Decoded {
    pub(in crate::token) credential: SecretString,
    pub(in crate::token) inner_token: SecretString,
    pub(in crate::token) org_name: String,
    pub(in crate::token) expires_at: DateTime<FixedOffset>,
    pub(in crate::token) expires_at_text: String,
}

/// Decoded JSON up to this size uses a smaller stack buffer (less to zero).
const SMALL_STACK_BUFFER: usize = 512;

/// Decoded JSON up to this size is decoded on the stack; larger (but still within
/// [`MAX_TOKEN_FILE_BYTES`]) input uses a temporary heap buffer.
const STACK_BUFFER: usize = 2048;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The single decoder behind every constructor.
///
/// Cost model (see `benches/token.rs`): one pass of Base64 into a stack buffer, one JSON
/// parse borrowing from that buffer, a fixed-width date parse, and exactly one allocation
/// per owned string of the result (credential, inner token, organization, expiry text),
/// each of its final size. Line-wrapped input is joined straight into the credential's
/// buffer, so it costs no extra allocation either.
pub(in crate::token) fn decode(input: &[u8]) -> Result<Decoded, TokenError> {
    if input.len() > MAX_TOKEN_FILE_BYTES {
        return Err(TokenError::TooLarge {
            size: input.len(),
            limit: MAX_TOKEN_FILE_BYTES,
        });
    }
    if input.is_empty() {
        return Err(TokenError::Empty);
    }
    let input = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    let text = input.trim_ascii();
    if text.is_empty() {
        return Err(TokenError::OnlyWhitespace);
    }

    // Only the part of the stack buffer in use is zeroed: most files fit the small one.
    let decoded_len = ::base64::decoded_len_estimate(text.len());
    if decoded_len <= SMALL_STACK_BUFFER {
        decode_into(text, &mut [0u8; SMALL_STACK_BUFFER])
    } else if decoded_len <= STACK_BUFFER {
        decode_into(text, &mut [0u8; STACK_BUFFER])
    } else {
        decode_into(text, &mut vec![0u8; decoded_len])
    }
}

/// Decodes trimmed, non-empty `text` using `buf` (at least
/// `decoded_len_estimate(text.len())` bytes) for the JSON.
fn decode_into(text: &[u8], buf: &mut [u8]) -> Result<Decoded, TokenError> {
    let (credential, n) = super::base64::decode_text(text, buf)?;
    let json = std::str::from_utf8(&buf[..n]).map_err(|e| TokenError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let [inner, exp, org] = super::json::fields(json)?.require()?;
    if inner.trim().is_empty() {
        return Err(TokenError::EmptyToken);
    }
    let expires_at = date::parse(&exp).map_err(|problem| TokenError::InvalidExpiry {
        value: exp.chars().take(64).collect(),
        problem,
    })?;

    Ok(Decoded {
        credential: SecretString::from(credential),
        inner_token: SecretString::from(inner.into_owned()),
        org_name: org.into_owned(),
        expires_at,
        expires_at_text: exp.into_owned(),
    })
}
