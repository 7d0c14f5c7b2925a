//! [`VppToken`]: a decoded `.vpptoken` content token file.
//!
//! The file is standard Base64 of a JSON object `{"token": ..., "expDate": ...,
//! "orgName": ...}`. The location name is not in the file: ask Apple (client config) for it.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::date;
mod error;

use crate::expiry::{self, ExpiryStatus, RenewalPolicy};
use crate::secret::SecretString;
pub use error::{Base64Problem, TokenError};

/// Largest token file accepted, in bytes: 64 KiB. Real files are well under 1 KiB.
/// Larger input is refused before any decoding ([`TokenError::TooLarge`]).
pub const MAX_TOKEN_FILE_BYTES: usize = 64 * 1024;

/// Decoded JSON up to this size is decoded on the stack; larger (but still within
/// [`MAX_TOKEN_FILE_BYTES`]) input uses a temporary heap buffer.
const STACK_BUFFER: usize = 2048;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Standard alphabet; padding optional on decode (admins' copies sometimes lose it).
const DECODER: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

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
/// assert_eq!(token.expires_at().to_rfc3339(), "2030-11-08T22:33:22+00:00");
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
        decode(input)
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
        decode(&buf)
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

    /// When the token expires (`expDate`), with the UTC offset the file was written with.
    /// Compare it as an instant; [`VppToken::expires_at_utc`] gives it in UTC.
    pub fn expires_at(&self) -> DateTime<FixedOffset> {
        self.expires_at
    }

    /// When the token expires, in UTC.
    pub fn expires_at_utc(&self) -> DateTime<Utc> {
        self.expires_at.with_timezone(&Utc)
    }

    /// `expDate` exactly as written in the file, e.g. `2014-08-15T18:13:52-0700`.
    pub fn expires_at_as_written(&self) -> &str {
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
        expiry::time_left(self.expires_at_utc(), now)
    }

    /// Whole days left at `now`: `floor((expires_at - now) / 24 h)`, negative once expired.
    pub fn days_left_at(&self, now: DateTime<Utc>) -> i64 {
        expiry::days_left(self.expires_at_utc(), now)
    }

    /// Whether the token has expired at `now` (`now >= expires_at`).
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        expiry::is_expired(self.expires_at_utc(), now)
    }

    /// [`VppToken::is_expired_at`] on the system clock.
    pub fn is_expired(&self) -> bool {
        self.is_expired_at(Utc::now())
    }

    /// Valid, expiring soon or expired at `now`, under `policy`.
    pub fn status_at(&self, now: DateTime<Utc>, policy: &RenewalPolicy) -> ExpiryStatus {
        policy.status_at(self.expires_at_utc(), now)
    }

    /// [`VppToken::status_at`] on the system clock.
    pub fn status(&self, policy: &RenewalPolicy) -> ExpiryStatus {
        self.status_at(Utc::now(), policy)
    }

    /// The date by which to renew: the start of `policy`'s warning window.
    pub fn renew_by(&self, policy: &RenewalPolicy) -> DateTime<Utc> {
        policy.renew_by(self.expires_at_utc())
    }
}

impl FromStr for VppToken {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        decode(s.as_bytes())
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
                problem: crate::date::DateProblem::Offset,
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
        decode(file.as_bytes())
    }
}

/// The single decoder behind every constructor.
///
/// Cost model (see `benches/token.rs`): one pass of Base64 into a stack buffer, one JSON
/// parse borrowing from that buffer, a fixed-width date parse, and exactly one allocation
/// per owned string of the result (credential, inner token, organization, expiry text),
/// each of its final size. Line-wrapped input is joined straight into the credential's
/// buffer, so it costs no extra allocation either.
fn decode(input: &[u8]) -> Result<VppToken, TokenError> {
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
    let decoded_len = base64::decoded_len_estimate(text.len());
    if decoded_len <= SMALL_STACK_BUFFER {
        decode_into(text, &mut [0u8; SMALL_STACK_BUFFER])
    } else if decoded_len <= STACK_BUFFER {
        decode_into(text, &mut [0u8; STACK_BUFFER])
    } else {
        decode_into(text, &mut vec![0u8; decoded_len])
    }
}

/// Decoded JSON up to this size uses a smaller stack buffer (less to zero).
const SMALL_STACK_BUFFER: usize = 512;

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

/// Decodes trimmed, non-empty `text` using `buf` (at least
/// `decoded_len_estimate(text.len())` bytes) for the JSON.
fn decode_into(text: &[u8], buf: &mut [u8]) -> Result<VppToken, TokenError> {
    let not_base64 = |e, unpadded: &[u8]| TokenError::NotBase64 {
        problem: base64_problem(e, unpadded),
    };
    // Base64 never contains whitespace, so the text is decoded as is first, without a scan
    // for line breaks. Only if that fails is it checked for line wrapping (some tools
    // wrap at 64 or 76 columns), joined and decoded again; errors always describe the
    // joined text and come from the `base64` crate.
    let unpadded = without_padding(text);
    let (n, credential) = match decode_base64(unpadded, buf) {
        Some(n) => (n, canonical(unpadded)?),
        None if !text.iter().any(u8::is_ascii_whitespace) => {
            let n = DECODER
                .decode_slice(unpadded, buf)
                .map_err(|e| not_base64(e, unpadded))?;
            (n, canonical(unpadded)?)
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
            (n, credential)
        }
    };

    let json = std::str::from_utf8(&buf[..n]).map_err(|e| TokenError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let fields = match plain_object(json) {
        Some(fields) => fields,
        None => match serde_json::from_str::<Top<'_>>(json) {
            Ok(Top::Object(fields)) => fields,
            Ok(Top::Other(found)) => return Err(TokenError::NotAnObject { found }),
            Err(e) => return Err(json_error(&e)),
        },
    };
    let inner = fields.token.require("token")?;
    let exp = fields.exp_date.require("expDate")?;
    let org = fields.org_name.require("orgName")?;
    if inner.trim().is_empty() {
        return Err(TokenError::EmptyToken);
    }
    let expires_at = date::parse(&exp).map_err(|problem| TokenError::InvalidExpiry {
        value: exp.chars().take(64).collect(),
        problem,
    })?;

    Ok(VppToken {
        credential: SecretString::from(credential),
        inner_token: SecretString::from(inner.into_owned()),
        org_name: org.into_owned(),
        expires_at,
        expires_at_text: exp.into_owned(),
    })
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

fn json_error(e: &serde_json::Error) -> TokenError {
    // Only syntax errors reach here (the visitors below never fail on data), and
    // serde_json's syntax messages name the problem, never the input text.
    let full = e.to_string();
    let reason = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    TokenError::NotJson {
        reason: reason.to_owned(),
        line: e.line(),
        column: e.column(),
    }
}

/// Fast path for the JSON every real token file has: one flat object whose values are all
/// strings without escapes. Returns the fields exactly as `serde_json` plus [`Top`] would
/// (strings borrowed), or `None` for anything else, which then goes through `serde_json`:
/// escapes, other value types, duplicate keys, empty objects and every syntax error.
fn plain_object(json: &str) -> Option<Fields<'_>> {
    let bytes = json.as_bytes();
    let mut at = skip_json_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    let mut fields = Fields::default();
    loop {
        at = skip_json_space(bytes, at + 1);
        let (key, after_key) = plain_key(json, at)?;
        at = skip_json_space(bytes, after_key);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_json_space(bytes, at + 1);
        let (value, after_value) = plain_string(json, at)?;
        let slot = match key {
            Key::Token => &mut fields.token,
            Key::ExpDate => &mut fields.exp_date,
            Key::OrgName => &mut fields.org_name,
            Key::Other => &mut Slot::Missing,
        };
        if !matches!(slot, Slot::Missing) {
            return None;
        }
        *slot = Slot::Str(Cow::Borrowed(value));
        at = skip_json_space(bytes, after_value);
        match bytes.get(at) {
            Some(b',') => {}
            Some(b'}') => break,
            _ => return None,
        }
    }
    (skip_json_space(bytes, at + 1) == bytes.len()).then_some(fields)
}

/// Index of the first byte at or after `at` that is not JSON whitespace.
fn skip_json_space(json: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = json.get(at) {
        at += 1;
    }
    at
}

/// The plain JSON string at `at` (see [`plain_string`]) as a key, and the index after it.
fn plain_key(json: &str, at: usize) -> Option<(Key, usize)> {
    let rest = json.as_bytes().get(at..)?;
    for (quoted, key) in [
        (&b"\"token\""[..], Key::Token),
        (b"\"expDate\"", Key::ExpDate),
        (b"\"orgName\"", Key::OrgName),
    ] {
        if rest.starts_with(quoted) {
            return Some((key, at + quoted.len()));
        }
    }
    plain_string(json, at).map(|(_, after)| (Key::Other, after))
}

/// The JSON string starting with the `"` at `at`, if it has no escapes or control
/// characters, and the index after its closing quote.
#[inline]
fn plain_string(json: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = json.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let start = at + 1;
    let end = start + string_end(bytes.get(start..)?)?;
    // Both ends are next to an ASCII quote, so on character boundaries: no UTF-8 check.
    Some((json.get(start..end)?, end + 1))
}

/// Length of the plain string content at the start of `s`: the index of its closing
/// `"`, or `None` if a `\` or a control character (U+0000 to U+001F) comes first or the
/// quote is missing. Scans eight bytes at a time.
fn string_end(s: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at + 8 <= s.len() {
        if let Some(end) = first_special(s, at) {
            return (s[end] == b'"').then_some(end);
        }
        at += 8;
    }
    if at == s.len() {
        None
    } else if s.len() >= 8 {
        // The last eight bytes: those already scanned have no special byte to report.
        let end = first_special(s, s.len() - 8)?;
        (s[end] == b'"').then_some(end)
    } else {
        let end = s
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        (s[end] == b'"').then_some(end)
    }
}

/// Index of the first `"`, `\` or control character in `s[at..at + 8]`, if any.
fn first_special(s: &[u8], at: usize) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    let mut word = [0u8; 8];
    word.copy_from_slice(&s[at..at + 8]);
    let x = u64::from_le_bytes(word);
    // Per byte, the high bit of `v - 1 & !v` is set when v is 0 (and of `x - 0x20 & !x`
    // when x < 0x20). Borrows only run upwards, so the lowest flagged byte is exact.
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let b = x ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b;
    let found = (control | quote | backslash) & (ONES << 7);
    (found != 0).then(|| at + found.trailing_zeros() as usize / 8)
}

/// The decoded JSON's top level: an object's fields, or what it was instead.
enum Top<'a> {
    Object(Fields<'a>),
    Other(&'static str),
}

#[derive(Default)]
struct Fields<'a> {
    token: Slot<'a>,
    exp_date: Slot<'a>,
    org_name: Slot<'a>,
}

/// One expected field as seen in the JSON.
#[derive(Default)]
enum Slot<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    WrongType(&'static str),
    Duplicate,
}

impl<'a> Slot<'a> {
    fn fill(&mut self, value: Value<'a>) {
        *self = match (std::mem::take(self), value) {
            (Slot::Missing, Value::Str(s)) => Slot::Str(s),
            (Slot::Missing, Value::Other(found)) => Slot::WrongType(found),
            _ => Slot::Duplicate,
        };
    }

    fn require(self, field: &'static str) -> Result<Cow<'a, str>, TokenError> {
        match self {
            Slot::Str(s) => Ok(s),
            Slot::Missing => Err(TokenError::MissingField { field }),
            Slot::WrongType(found) => Err(TokenError::WrongFieldType { field, found }),
            Slot::Duplicate => Err(TokenError::DuplicateField { field }),
        }
    }
}

/// A JSON value reduced to "a string (borrowed when unescaped)" or "what kind it was".
enum Value<'a> {
    Str(Cow<'a, str>),
    Other(&'static str),
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

macro_rules! other_kinds {
    ($($method:ident($($ty:ty)?) => $kind:literal),* $(,)?) => {$(
        fn $method<E: de::Error>(self $(, _: $ty)?) -> Result<Self::Value, E> {
            Ok(Self::Value::other($kind))
        }
    )*};
}

trait FromKind {
    fn other(kind: &'static str) -> Self;
}

impl FromKind for Value<'_> {
    fn other(kind: &'static str) -> Self {
        Value::Other(kind)
    }
}

impl FromKind for Top<'_> {
    fn other(kind: &'static str) -> Self {
        Top::Other(kind)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }

    other_kinds! {
        visit_bool(bool) => "a boolean",
        visit_i64(i64) => "a number",
        visit_u64(u64) => "a number",
        visit_f64(f64) => "a number",
        visit_unit() => "null",
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Value::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Value::Other("an object"))
    }
}

impl<'de> de::Deserialize<'de> for Value<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// Which of the token file's keys a JSON key is, without allocating.
enum Key {
    Token,
    ExpDate,
    OrgName,
    Other,
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "token" => Key::Token,
            "expDate" => Key::ExpDate,
            "orgName" => Key::OrgName,
            _ => Key::Other,
        })
    }
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    other_kinds! {
        visit_bool(bool) => "a boolean",
        visit_i64(i64) => "a number",
        visit_u64(u64) => "a number",
        visit_f64(f64) => "a number",
        visit_str(&str) => "a string",
        visit_unit() => "null",
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Top::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::Token => &mut fields.token,
                Key::ExpDate => &mut fields.exp_date,
                Key::OrgName => &mut fields.org_name,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            slot.fill(map.next_value::<Value<'de>>()?);
        }
        Ok(Top::Object(fields))
    }
}

impl<'de> de::Deserialize<'de> for Top<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn slot(s: &Slot<'_>) -> String {
        match s {
            Slot::Missing => "missing".into(),
            Slot::Str(v) => format!("str {v:?} borrowed={}", matches!(v, Cow::Borrowed(_))),
            Slot::WrongType(t) => format!("wrong type {t}"),
            Slot::Duplicate => "duplicate".into(),
        }
    }

    fn fields(f: &Fields<'_>) -> [String; 3] {
        [slot(&f.token), slot(&f.exp_date), slot(&f.org_name)]
    }

    /// The fast path either declines or agrees exactly with `serde_json`.
    fn check(json: &str) {
        if let Some(fast) = plain_object(json) {
            match serde_json::from_str::<Top<'_>>(json) {
                Ok(Top::Object(slow)) => assert_eq!(fields(&fast), fields(&slow), "{json:?}"),
                Ok(Top::Other(found)) => panic!("fast path took {found} {json:?}"),
                Err(e) => panic!("fast path took invalid JSON {json:?}: {e}"),
            }
        }
    }

    #[test]
    fn fast_path_takes_plain_objects() {
        for json in [
            r#"{"token":"t","expDate":"d","orgName":"o"}"#,
            "{\n    \"token\": \"t\",\n    \"expDate\": \"d\",\n    \"orgName\": \"Écôle 学校\"\n}\r\n",
            r#" {"x":"", "token" : "t" ,"expDate":"d","orgName":"o","x":"y"} "#,
            r#"{"token":"t"}"#,
        ] {
            assert!(plain_object(json).is_some(), "{json:?}");
            check(json);
        }
    }

    #[test]
    fn fast_path_declines_the_rest() {
        for json in [
            "",
            "{}",
            "[]",
            r#""token""#,
            r#"{"token":"t",}"#,
            r#"{"token":"t"} x"#,
            r#"{"token":"t"}}"#,
            r#"{"token":"t","token":"u"}"#,
            r#"{"token":"t\u0041"}"#,
            r#"{"tok\u0065n":"t"}"#,
            r#"{"token":"a\"b"}"#,
            "{\"token\":\"a\tb\"}",
            "{\"token\":\"abcdefgh\u{1}ijklmnop\"}",
            r#"{"token":1}"#,
            r#"{"token":null}"#,
            r#"{"x":{}, "token":"t"}"#,
            r#"{"token":"t""#,
            r#"{"token":"t"#,
            r#"{"token" "t"}"#,
            "{\"token\":\"t\"\u{a0}}",
            "\u{feff}{\"token\":\"t\"}",
        ] {
            assert!(plain_object(json).is_none(), "{json:?}");
        }
    }

    #[test]
    fn string_end_finds_the_first_special_byte() {
        let text = b"0123456789abcdef0123456789";
        for at in 0..text.len() {
            for (special, want) in [(b'"', Some(at)), (b'\\', None), (0x1f, None), (0, None)] {
                let mut s = text.to_vec();
                s[at] = special;
                s.push(b'"');
                assert_eq!(string_end(&s), want, "{at} {special}");
                // Earlier special bytes win; later ones do not matter.
                s[text.len()..].fill(b'\\');
                assert_eq!(string_end(&s), want, "{at} {special}");
            }
        }
        assert_eq!(string_end(b"no quote at all, long enough"), None);
        assert_eq!(string_end("é\u{7f}\u{80}\"".as_bytes()), Some(5));
    }

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

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("[]".to_owned()),
            Just("null".to_owned()),
            Just("1".to_owned()),
            Just("\"token\"".to_owned()),
            Just("\"expDate\"".to_owned()),
            Just("\"orgName\"".to_owned()),
            Just("\"other\"".to_owned()),
            "[ \n\r\t\u{b}\u{c}]{0,2}",
            "\"[a-zA-Z0-9+/= é学\u{0}\u{1f}\u{7f}\\\\\"]{0,20}\"",
            "[a-z\u{1}\u{1f}\u{80}é]{0,3}",
        ]
    }

    fn object() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            3 => Just("token"),
            3 => Just("expDate"),
            3 => Just("orgName"),
            2 => Just("other"),
            1 => Just("tok\\u0065n"),
        ];
        let value = prop_oneof![
            8 => "\"[a-zA-Z0-9+/= .,:{}\\[\\]é学Σ\u{7f}-]{0,40}\"",
            2 => "\"[a-zA-Z0-9 é\u{0}\u{1f}\\\\\"]{0,24}\"",
            1 => Just("1".to_owned()),
            1 => Just("null".to_owned()),
            1 => Just("{}".to_owned()),
        ];
        let space = "[ \n\r\t]{0,2}";
        let member = (space, key, space, space, value, space)
            .prop_map(|(a, k, b, c, v, d)| format!("{a}\"{k}\"{b}:{c}{v}{d}"));
        let end = prop_oneof![8 => Just("}"), 1 => Just(""), 1 => Just(",}"), 1 => Just("}}")];
        let trailing = prop_oneof![8 => "[ \n\r\t]{0,2}", 1 => "[ \u{b}x\"]{1,2}"];
        (space, prop::collection::vec(member, 0..5), end, trailing)
            .prop_map(|(a, m, end, b)| format!("{a}{{{}{end}{b}", m.join(",")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn fast_path_agrees_with_serde_on_fragments(parts in prop::collection::vec(fragment(), 0..12)) {
            check(&parts.concat());
        }

        #[test]
        fn fast_path_agrees_with_serde_on_objects(json in object()) {
            check(&json);
        }

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
