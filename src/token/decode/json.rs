//! The JSON layer of a token file: a fast path for the plain object every real file has,
//! and `serde_json` with the visitor of [`super::visitor`] for everything else.

use std::borrow::Cow;

use super::fields::{Field, Fields, Slot};
use super::visitor::Top;
use crate::token::error::TokenError;

/// The token file's fields in `json`, or why it is not a JSON object.
#[inline]
pub(super) fn fields(json: &str) -> Result<Fields<'_>, TokenError> {
    match plain_object(json) {
        Some(fields) => Ok(fields),
        None => match serde_json::from_str::<Top<'_>>(json) {
            Ok(Top::Object(fields)) => Ok(fields),
            Ok(Top::Other(found)) => Err(TokenError::NotAnObject { found }),
            Err(e) => Err(json_error(&e)),
        },
    }
}

fn json_error(e: &serde_json::Error) -> TokenError {
    // Only syntax errors reach here (the visitors never fail on data), and
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
        let (field, after_key) = plain_key(json, at)?;
        at = skip_json_space(bytes, after_key);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_json_space(bytes, at + 1);
        let (value, after_value) = plain_string(json, at)?;
        if let Some(field) = field {
            let slot = fields.slot(field);
            if !matches!(slot, Slot::Missing) {
                return None;
            }
            *slot = Slot::Str(Cow::Borrowed(value));
        }
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

/// The plain JSON string at `at` (see [`plain_string`]) as a key: the field it names, if
/// any, and the index after it. The field names are matched in place, quotes included.
#[inline]
fn plain_key(json: &str, at: usize) -> Option<(Option<Field>, usize)> {
    let rest = json.as_bytes().get(at..)?;
    for field in Field::ALL {
        let quoted = field.quoted_key().as_bytes();
        if rest.starts_with(quoted) {
            return Some((Some(field), at + quoted.len()));
        }
    }
    plain_string(json, at).map(|(_, after)| (None, after))
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

    fn fields(f: &Fields<'_>) -> Vec<String> {
        f.slots().iter().map(slot).collect()
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

    }
}
