//! Finding Apple's error in a response body without building a DOM.
//!
//! [`find`] gives exactly what reading the body into a `serde_json::Map` of `Value`s and
//! looking up `errorNumber`, `errorMessage` and `errorInfo` would give (the crate once did
//! exactly that), at a fraction of the cost:
//!
//! - a body that cannot have a top-level `errorNumber` key is answered by a byte scan
//!   ([`may_have_error_number`]), without parsing: every successful response;
//! - otherwise one pass over the top-level object keeps those three keys (the last of
//!   duplicates, as a map would) and checks every other value exactly as `Value` would
//!   (valid UTF-8, numbers in range, serde_json's recursion limit) without storing it
//!   ([`Checked`]), so the same bodies are refused.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error_body::{ErrorBody, ErrorNumber};

const ERROR_NUMBER: &str = "errorNumber";

/// Apple's error body in `body`: a JSON object with a top-level `errorNumber` that is a
/// non-negative integer (one above `u32::MAX` saturates). A non-string `errorMessage` is
/// taken as empty; `errorInfo` is kept whatever its type, except `null`.
pub(super) fn find(body: &[u8]) -> Option<ErrorBody> {
    if !may_have_error_number(body) {
        return None;
    }
    let probe: Probe = serde_json::from_slice(body).ok()?;
    let code = probe.number??;
    let number = ErrorNumber::from_code(u32::try_from(code).unwrap_or(u32::MAX));
    let mut error = ErrorBody::new(number, probe.message.flatten().unwrap_or_default());
    error.error_info = probe.info.filter(|info| !info.is_null());
    Some(error)
}

/// Whether `body` may have an `errorNumber` key: it is UTF-8 and contains the text
/// `errorNumber` or a `\u` escape. Every other escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`,
/// `\r`, `\t`) stands for a character that is not in `errorNumber`, so a key that spells it
/// either is the plain text or uses `\u`; and a body that is not UTF-8 is not JSON (only
/// strings may hold non-ASCII bytes, and serde_json requires them to be UTF-8). A `false`
/// is certain; a `true` only means "parse to know".
///
/// Every successful response pays this, so it uses `core`'s word-at-a-time UTF-8 check
/// and vectorized substring search: about a tenth of decoding a client configuration.
fn may_have_error_number(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| text.contains(ERROR_NUMBER) || text.contains("\\u"))
}

/// The three keys of Apple's error body, as found in one top-level object. Each is the
/// last value seen for its key; `None` when the key is absent.
#[derive(Default)]
struct Probe {
    /// `Some(None)`: present but not a non-negative integer that fits `u64`.
    number: Option<Option<u64>>,
    /// `Some(None)`: present but not a string.
    message: Option<Option<String>>,
    info: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ProbeVisitor)
    }
}

struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Probe;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
        let mut probe = Probe::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Number => probe.number = Some(map.next_value::<Integer>()?.0),
                Key::Message => probe.message = Some(map.next_value::<Text>()?.0),
                Key::Info => probe.info = Some(map.next_value()?),
                Key::Other => {
                    map.next_value::<Checked>()?;
                }
            }
        }
        Ok(probe)
    }
}

/// A top-level key, without allocating (escaped keys are unescaped by serde_json first).
enum Key {
    Number,
    Message,
    Info,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    ERROR_NUMBER => Key::Number,
                    "errorMessage" => Key::Message,
                    "errorInfo" => Key::Info,
                    _ => Key::Other,
                })
            }
        }

        d.deserialize_str(KeyVisitor)
    }
}

/// Visitor methods that accept a scalar and give `$value`.
macro_rules! accept_scalars {
    ($value:expr; $($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method<E: de::Error>(self, _: $ty) -> Result<Self::Value, E> {
            Ok($value)
        })*

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// Visitor methods that check an array's or object's contents with [`Checked`] and give
/// `$value`.
macro_rules! accept_containers {
    ($value:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok($value)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<Checked, Checked>()?.is_some() {}
            Ok($value)
        }
    };
}

/// Any JSON value, checked exactly as `serde_json::Value` would check it (through
/// `deserialize_any`, with the same recursion limit), and then dropped.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct CheckedVisitor;

        impl<'de> Visitor<'de> for CheckedVisitor {
            type Value = Checked;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            accept_scalars!(Checked; visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64), visit_str(&str));
            accept_containers!(Checked);
        }

        d.deserialize_any(CheckedVisitor)
    }
}

/// `errorNumber`'s value: the integer if it is a non-negative one (as
/// `Value::as_u64` reads it), else `None`.
struct Integer(Option<u64>);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IntegerVisitor;

        impl<'de> Visitor<'de> for IntegerVisitor {
            type Value = Integer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Integer, E> {
                Ok(Integer(Some(v)))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Integer, E> {
                Ok(Integer(u64::try_from(v).ok()))
            }

            accept_scalars!(Integer(None); visit_bool(bool), visit_f64(f64), visit_str(&str));
            accept_containers!(Integer(None));
        }

        d.deserialize_any(IntegerVisitor)
    }
}

/// `errorMessage`'s value: the string if it is one, else `None`.
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(v)))
            }

            accept_scalars!(Text(None); visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64));
            accept_containers!(Text(None));
        }

        d.deserialize_any(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the crate did before: a DOM of the whole body.
    fn with_a_dom(body: &[u8]) -> Option<ErrorBody> {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(body).ok()?;
        let code = object.get(ERROR_NUMBER)?.as_u64()?;
        let number = ErrorNumber::from_code(u32::try_from(code).unwrap_or(u32::MAX));
        let message = object
            .get("errorMessage")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let mut error = ErrorBody::new(number, message);
        error.error_info = object
            .get("errorInfo")
            .filter(|info| !info.is_null())
            .cloned();
        Some(error)
    }

    fn check(body: &[u8]) {
        assert_eq!(
            find(body),
            with_a_dom(body),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }

    #[test]
    fn agrees_with_a_dom_on_edge_cases() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        let deep_ok = "[".repeat(100) + &"]".repeat(100);
        for body in [
            String::new(),
            "{}".into(),
            "[9625]".into(),
            "null".into(),
            r#"{"errorNumber":9625}"#.into(),
            r#"{"errorNumber":9625} x"#.into(),
            r#"{"errorNumber":-1}"#.into(),
            r#"{"errorNumber":-0}"#.into(),
            r#"{"errorNumber":0}"#.into(),
            r#"{"errorNumber":1.5}"#.into(),
            r#"{"errorNumber":9625.0}"#.into(),
            r#"{"errorNumber":1e300}"#.into(),
            r#"{"errorNumber":1e400}"#.into(),
            r#"{"errorNumber":4294967296}"#.into(),
            r#"{"errorNumber":18446744073709551615}"#.into(),
            r#"{"errorNumber":18446744073709551616}"#.into(),
            r#"{"errorNumber":"9625"}"#.into(),
            r#"{"errorNumber":[9625]}"#.into(),
            r#"{"errorNumber":9625,"errorNumber":"x"}"#.into(),
            r#"{"errorNumber":"x","errorNumber":9625}"#.into(),
            r#"{"error\u004eumber":9625}"#.into(),
            r#"{"errorNumber\u0000":9625}"#.into(),
            r#"{"errorNumber":9625,"errorMessage":"a\nb"}"#.into(),
            r#"{"errorNumber":9625,"errorMessage":"m","errorMessage":5}"#.into(),
            r#"{"errorNumber":9625,"errorMessage":{"en":"x"}}"#.into(),
            r#"{"errorNumber":9625,"errorInfo":null}"#.into(),
            r#"{"errorNumber":9625,"errorInfo":{"a":[1,"b",null]}}"#.into(),
            r#"{"errorNumber":9625,"errorInfo":{"a":1},"errorInfo":null}"#.into(),
            r#"{"errorNumber":9625,"x":1e400}"#.into(),
            r#"{"errorNumber":9625,"x":"\ud800"}"#.into(),
            format!(r#"{{"errorNumber":9625,"x":{deep}}}"#),
            format!(r#"{{"errorNumber":9625,"x":{deep_ok}}}"#),
            format!(r#"{{"errorNumber":9625,"errorInfo":{deep}}}"#),
            format!(r#"{{"errorNumber":9625,"errorMessage":{deep}}}"#),
            format!(r#"{{"errorNumber":{deep}}}"#),
            r#"{"error":{"errorNumber":9625}}"#.into(),
            r#"{"x":"errorNumber","errorNumber":1}"#.into(),
            r#"{"x":"\\u","errorNumber":1}"#.into(),
        ] {
            check(body.as_bytes());
        }
        check(b"{\"errorNumber\":9625,\"x\":\"\xff\"}");
        check(b"{\"errorNumber\":9625,\"\xff\":1}");
    }

    #[test]
    fn the_byte_scan_is_never_wrong() {
        for (body, may) in [
            (&br#"{"uId":"1","locationName":"Berlin"}"#[..], false),
            (br#"{"url":"https:\/\/x"}"#, false),
            // `\\u` is an escaped backslash and a `u`, but "parse to know" is still right.
            (br#"{"n":"\\u"}"#, true),
            (br#"{"errorNumber":1}"#, true),
            (br#"{"error\u004eumber":1}"#, true),
            (br#"{"Name":"x"}"#, false),
            (b"N", false),
            (b"\\", false),
            (b"errorNumber", true),
            // Not UTF-8: not JSON, so not Apple's error whatever it contains.
            (b"{\"x\":\"\xff\",\"errorNumber\":1}", false),
            (b"errorNumbe", false),
            (b"rrorNumber", false),
            (b"0123456\\u", true),
            (b"01234567\\u", true),
            (b"0123456errorNumber", true),
        ] {
            assert_eq!(may_have_error_number(body), may, "{body:?}");
        }
    }

    /// The scan's specification, byte by byte (for UTF-8 input).
    fn may_have_error_number_naive(body: &[u8]) -> bool {
        body.windows(2).any(|w| w == b"\\u")
            || body
                .windows(ERROR_NUMBER.len())
                .any(|w| w == ERROR_NUMBER.as_bytes())
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"errorNumber\":".to_owned()),
            Just("\"errorMessage\":".to_owned()),
            Just("\"errorInfo\":".to_owned()),
            Just("\"error\\u004eumber\":".to_owned()),
            Just("\"x\":".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            "-?[0-9]{1,22}(\\.[0-9])?(e[0-9]{1,3})?",
            "\"[a-zA-Z \\\\/\"é]{0,8}\"",
            "[ \n]{0,2}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn agrees_with_a_dom(parts in prop::collection::vec(fragment(), 0..16)) {
            check(parts.concat().as_bytes());
        }

        #[test]
        fn the_byte_scan_meets_its_specification(
            parts in prop::collection::vec(prop::sample::select(vec![
                &b"errorNumber"[..], b"\\u", b"\\", b"u", b"N", b"error", b"Number", b"x",
                b"\xff", "é".as_bytes(), b"01234567",
            ]), 0..12),
        ) {
            let body = parts.concat();
            let utf8 = std::str::from_utf8(&body).is_ok();
            prop_assert_eq!(
                may_have_error_number(&body),
                utf8 && may_have_error_number_naive(&body)
            );
        }

        #[test]
        fn agrees_with_a_dom_on_error_bodies(
            number in "-?[0-9]{1,21}(\\.5)?",
            message in prop_oneof![Just("\"m\"".to_owned()), Just("5".to_owned()), Just("null".to_owned()), Just("[\"a\"]".to_owned())],
            info in prop_oneof![Just("null".to_owned()), Just("{\"a\":1}".to_owned()), Just("\"t\"".to_owned())],
            order in 0..3usize,
        ) {
            let members = [
                format!("\"errorNumber\":{number}"),
                format!("\"errorMessage\":{message}"),
                format!("\"errorInfo\":{info}"),
            ];
            let body = format!("{{{},{},{}}}", members[order], members[(order + 1) % 3], members[(order + 2) % 3]);
            check(body.as_bytes());
        }
    }
}
