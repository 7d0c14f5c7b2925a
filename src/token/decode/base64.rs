//! The Base64 layer of a token file: the credential (the text with canonical padding) and
//! the decoded bytes, through a fast decoder that falls back to the `base64` crate for
//! precise errors.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::token::error::{Base64Problem, TokenError};

/// Standard alphabet; padding optional on decode (admins' copies sometimes lose it).
const DECODER: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Decodes trimmed, non-empty `text` into `buf` (at least
/// `decoded_len_estimate(text.len())` bytes). Returns the credential (the text without
/// whitespace, with canonical padding) and the number of bytes written to `buf`.
#[inline]
pub(super) fn decode_text(text: &[u8], buf: &mut [u8]) -> Result<(String, usize), TokenError> {
    let not_base64 = |e, unpadded: &[u8]| TokenError::NotBase64 {
        problem: base64_problem(e, unpadded),
    };
    // Base64 never contains whitespace, so the text is decoded as is first, without a scan
    // for line breaks. Only if that fails is it checked for line wrapping (some tools
    // wrap at 64 or 76 columns), joined and decoded again; errors always describe the
    // joined text and come from the `base64` crate.
    let unpadded = without_padding(text);
    match decode_base64(unpadded, buf) {
        Some(n) => Ok((canonical(unpadded)?, n)),
        None if !text.iter().any(u8::is_ascii_whitespace) => {
            let n = DECODER
                .decode_slice(unpadded, buf)
                .map_err(|e| not_base64(e, unpadded))?;
            Ok((canonical(unpadded)?, n))
        }
        None => {
            // Join straight into the credential's buffer, sized exactly.
            let non_space = |b: &&u8| !b.is_ascii_whitespace();
            let padding = text
                .iter()
                .rev()
                .filter(non_space)
                .take_while(|&&b| b == b'=');
            let unpadded_len = text.iter().filter(non_space).count() - padding.count();
            let pad = padding_for(unpadded_len);
            let mut joined = Vec::with_capacity(unpadded_len + pad);
            joined.extend(text.iter().filter(non_space).take(unpadded_len));
            let n = match decode_base64(&joined, buf) {
                Some(n) => n,
                None => DECODER
                    .decode_slice(&joined, buf)
                    .map_err(|e| not_base64(e, &joined))?,
            };
            joined.extend_from_slice(&b"=="[..pad]);
            let credential = String::from_utf8(joined).map_err(|e| not_ascii(e.utf8_error()))?;
            Ok((credential, n))
        }
    }
}

/// `text` without its trailing `=` padding.
fn without_padding(text: &[u8]) -> &[u8] {
    match text.iter().rposition(|&b| b != b'=') {
        Some(last) => &text[..=last],
        None => &text[..0],
    }
}

/// Number of `=` that make `unpadded_len` Base64 characters a multiple of four.
fn padding_for(unpadded_len: usize) -> usize {
    (4 - unpadded_len % 4) % 4
}

/// The credential for unpadded Base64 text that decoded successfully: the text with
/// standard padding, in a string of exactly its size.
fn canonical(unpadded: &[u8]) -> Result<String, TokenError> {
    let pad = padding_for(unpadded.len());
    let mut credential = String::with_capacity(unpadded.len() + pad);
    credential.push_str(ascii(unpadded)?);
    credential.push_str(&"=="[..pad]);
    Ok(credential)
}

/// Marks a byte outside the standard alphabet in [`SEXTETS`].
const NOT_BASE64: u32 = 1 << 31;

/// For each of the four positions in a Base64 quantum, every byte's 6-bit value already
/// shifted into place in the 24-bit group, or [`NOT_BASE64`].
static SEXTETS: [[u32; 256]; 4] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut tables = [[NOT_BASE64; 256]; 4];
    let mut value = 0;
    while value < 64 {
        let byte = ALPHABET[value] as usize;
        let mut position = 0;
        while position < 4 {
            tables[position][byte] = (value as u32) << (18 - 6 * position);
            position += 1;
        }
        value += 1;
    }
    tables
};

/// Decodes unpadded standard Base64 into `out`, returning the decoded length, or `None`
/// whenever [`DECODER`] would fail (a byte outside the alphabet, a length of 4n+1, nonzero
/// unused bits in the last character) or `out` is too small. On success the output is
/// exactly [`DECODER`]'s; on `None` the caller runs [`DECODER`] for its precise error.
///
/// Base64 is the largest part of parsing a token file, and this takes about half the
/// instructions of the `base64` crate's decoder: one table lookup per character, one
/// validity test per input and 8-byte stores.
fn decode_base64(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let [t0, t1, t2, t3] = &SEXTETS;
    let groups = text.len() / 4;
    let tail = &text[groups * 4..];
    let len = groups * 3 + tail.len().saturating_sub(1);
    if tail.len() == 1 || out.len() < len {
        return None;
    }
    let quantum = |a: u8, b: u8, c: u8, d: u8| {
        t0[usize::from(a)] | t1[usize::from(b)] | t2[usize::from(c)] | t3[usize::from(d)]
    };
    let mut seen = 0;
    // Two quanta at a time, as one 8-byte store whose last 2 bytes are scratch (written
    // again next), for as many pairs as `out` has room for; then one quantum at a time.
    let pairs = (groups / 2).min(out.len().saturating_sub(2) / 6);
    let (paired, single) = text[..groups * 4].split_at(pairs * 8);
    for (k, q) in paired.chunks_exact(8).enumerate() {
        let high = quantum(q[0], q[1], q[2], q[3]);
        let low = quantum(q[4], q[5], q[6], q[7]);
        seen |= high | low;
        let bytes = ((u64::from(high) << 40) | (u64::from(low) << 16)).to_be_bytes();
        out[k * 6..k * 6 + 8].copy_from_slice(&bytes);
    }
    for (q, triple) in single
        .chunks_exact(4)
        .zip(out[pairs * 6..].chunks_exact_mut(3))
    {
        let bits = quantum(q[0], q[1], q[2], q[3]);
        seen |= bits;
        triple.copy_from_slice(&bits.to_be_bytes()[1..]);
    }
    // The last 2 or 3 characters carry 1 or 2 bytes; the bits they leave over must be 0.
    let bits = tail
        .iter()
        .zip([t0, t1, t2])
        .fold(0, |bits, (&c, table)| bits | table[usize::from(c)]);
    let extra = tail.len().saturating_sub(1);
    let unused = if extra == 0 {
        0
    } else {
        0xFF_FFFF >> (8 * extra)
    };
    if (seen | bits) & NOT_BASE64 != 0 || bits & unused != 0 {
        return None;
    }
    out[groups * 3..len].copy_from_slice(&bits.to_be_bytes()[1..=extra]);
    Some(len)
}

/// Base64 text that decoded successfully, as `&str`. It is ASCII, so this never fails; the
/// error exists only to avoid a panic path.
fn ascii(b64: &[u8]) -> Result<&str, TokenError> {
    std::str::from_utf8(b64).map_err(not_ascii)
}

/// A non-ASCII byte is not Base64.
fn not_ascii(e: std::str::Utf8Error) -> TokenError {
    TokenError::NotBase64 {
        problem: Base64Problem::InvalidCharacter {
            offset: e.valid_up_to(),
        },
    }
}

fn base64_problem(e: base64::DecodeSliceError, text: &[u8]) -> Base64Problem {
    use base64::DecodeError as D;
    match e {
        base64::DecodeSliceError::DecodeError(D::InvalidByte(offset, b'-' | b'_')) => {
            Base64Problem::UrlSafeAlphabet { offset }
        }
        base64::DecodeSliceError::DecodeError(D::InvalidByte(offset, b'=')) => {
            Base64Problem::MisplacedPadding { offset }
        }
        base64::DecodeSliceError::DecodeError(D::InvalidByte(offset, _)) => {
            // Report the first offending byte, not the one the engine stopped at.
            let first = text
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/'))
                .unwrap_or(offset);
            match text[first] {
                b'-' | b'_' => Base64Problem::UrlSafeAlphabet { offset: first },
                b'=' => Base64Problem::MisplacedPadding { offset: first },
                _ => Base64Problem::InvalidCharacter { offset: first },
            }
        }
        _ => Base64Problem::Truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `decode_base64` succeeds exactly when `DECODER` does, with the same bytes.
    fn check_base64(text: &[u8]) {
        let mut fast = vec![0xAA; base64::decoded_len_estimate(text.len())];
        let mut slow = fast.clone();
        match (
            decode_base64(text, &mut fast),
            DECODER.decode_slice(text, &mut slow),
        ) {
            (Some(n), Ok(m)) => {
                assert_eq!(n, m, "{text:?}");
                assert_eq!(fast[..n], slow[..m], "{text:?}");
            }
            (None, Err(_)) => {}
            (fast, slow) => panic!("{text:?}: fast {fast:?}, base64 crate {slow:?}"),
        }
    }

    #[test]
    fn base64_fast_path_matches_the_crate() {
        for text in [
            "", "A", "QQ", "QR", "QUE", "QUF", "QUFB", "QUFBQ", "QUFBQQ", "QUFBQUE", "QQ==",
            "QQ=A", "Q Q", "QUFB-_", "+/+/", "////", "ÀÀÀÀ",
        ] {
            check_base64(text.as_bytes());
        }
        // Every character in every position of a two-quantum text.
        for position in 0..8 {
            for byte in 0..=255u8 {
                let mut text = *b"QUFBQUFB";
                text[position] = byte;
                check_base64(&text);
                check_base64(&text[..position + 1]);
            }
        }
        // Too small an output buffer is refused, not overrun.
        assert_eq!(decode_base64(b"QUFBQUFB", &mut [0; 5]), None);
        assert_eq!(decode_base64(b"QUFBQUFB", &mut [0; 6]), Some(6));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn base64_fast_path_agrees_with_the_crate(
            text in "[A-Za-z0-9+/]{0,40}[A-Za-z0-9+/= _\\-\n\u{80}é]{0,2}[A-Za-z0-9+/]{0,3}",
        ) {
            check_base64(text.as_bytes());
        }

        #[test]
        fn base64_fast_path_agrees_on_real_encodings(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
            check_base64(text.as_bytes());
            let mut out = vec![0; bytes.len()];
            prop_assert_eq!(decode_base64(text.as_bytes(), &mut out), Some(bytes.len()));
            prop_assert_eq!(out, bytes);
        }
    }
}
