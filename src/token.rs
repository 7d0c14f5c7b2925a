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
use crate::error::{Base64Problem, TokenError};
use crate::expiry::{self, ExpiryStatus, RenewalPolicy};
use crate::secret::SecretString;

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
    pub fn build(self) -> Result<VppToken, TokenError> {
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

    // Line-wrapped Base64 (some tools wrap at 64 or 76 columns) is joined first.
    let joined: Cow<'_, [u8]> = if text.iter().any(u8::is_ascii_whitespace) {
        Cow::Owned(
            text.iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    };
    let unpadded = match joined.iter().rposition(|&b| b != b'=') {
        Some(last) => &joined[..=last],
        None => &joined[..0],
    };

    let decoded_len = base64::decoded_len_estimate(unpadded.len());
    let mut stack = [0u8; STACK_BUFFER];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if decoded_len <= STACK_BUFFER {
        &mut stack[..decoded_len]
    } else {
        heap.resize(decoded_len, 0);
        &mut heap
    };
    let n = DECODER
        .decode_slice(unpadded, buf)
        .map_err(|e| TokenError::NotBase64 {
            problem: base64_problem(e, unpadded),
        })?;
    let json = std::str::from_utf8(&buf[..n]).map_err(|e| TokenError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;

    let fields = match serde_json::from_str::<Top<'_>>(json) {
        Ok(Top::Object(fields)) => fields,
        Ok(Top::Other(found)) => return Err(TokenError::NotAnObject { found }),
        Err(e) => return Err(json_error(&e)),
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

    // The credential is the canonical text: joined, with standard padding.
    let pad = (4 - unpadded.len() % 4) % 4;
    let mut credential = String::with_capacity(unpadded.len() + pad);
    // Base64 decoding succeeded, so every byte is ASCII.
    credential.extend(unpadded.iter().map(|&b| b as char));
    credential.extend(std::iter::repeat_n('=', pad));

    Ok(VppToken {
        credential: SecretString::from(credential),
        inner_token: SecretString::from(inner.into_owned()),
        org_name: org.into_owned(),
        expires_at,
        expires_at_text: exp.into_owned(),
    })
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
