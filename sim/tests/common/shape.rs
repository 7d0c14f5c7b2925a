//! Compare the simulator's answer with one of Apple's published answers by shape.
//!
//! The values differ (Apple's samples name Apple's apps, the simulator its own), so the
//! comparison is about structure only:
//!
//! - every key Apple's object carries must be in the simulator's object at the same place;
//! - a value must have the same JSON type (a number stays a number, an object is not an
//!   array);
//! - every element of a simulator array is held to the first element of Apple's array at
//!   the same place (Apple's arrays hold one kind of thing);
//! - an object whose keys are all ids (digits, as the legacy lookup's `results`) is a map:
//!   every entry of the simulator's map is held to the first entry of Apple's, and the
//!   path names the entry `<id>`;
//! - a `null` in Apple's answer says "optional": any value is accepted there.
//!
//! Keys the simulator sends and Apple's sample does not are not differences (a sample may
//! leave optional fields out); [`keys_apple_never_sends`] lists them for tests that want
//! to hold the simulator to Apple's keys exactly.
//!
//! Each difference is one line naming its path, for example
//! `results.<id>.artwork: object in Apple's answer, array in the simulator's`.

use serde_json::{Map, Value};

/// Every difference of shape between Apple's answer and the simulator's, one line each;
/// empty when the simulator's answer has Apple's shape.
pub fn compare_shape(apple: &Value, sim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(apple, sim, "", &mut out);
    out
}

/// Paths of keys in the simulator's answer that Apple's sample has nowhere at that place.
pub fn keys_apple_never_sends(apple: &Value, sim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    extras(apple, sim, "", &mut out);
    out
}

/// The JSON type of a value, as the messages name it.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "(the answer)"
    } else {
        path
    }
}

/// An object whose keys are all ids: a map from id to one kind of record.
fn is_id_map(m: &Map<String, Value>) -> bool {
    !m.is_empty()
        && m.keys()
            .all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
}

fn walk(apple: &Value, sim: &Value, path: &str, out: &mut Vec<String>) {
    match (apple, sim) {
        (Value::Null, _) => {}
        (Value::Object(a), Value::Object(s)) => {
            if is_id_map(a) {
                let Some(template) = a.values().next() else {
                    return;
                };
                if s.is_empty() {
                    out.push(format!(
                        "{}: empty in the simulator's answer, Apple's has entries to compare",
                        shown(path)
                    ));
                }
                let p = join(path, "<id>");
                for v in s.values() {
                    walk(template, v, &p, out);
                }
                return;
            }
            for (k, av) in a {
                let p = join(path, k);
                match s.get(k) {
                    Some(sv) => walk(av, sv, &p, out),
                    None => out.push(format!(
                        "{p}: in Apple's answer, missing in the simulator's"
                    )),
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            let Some(template) = a.first() else {
                return;
            };
            if s.is_empty() {
                out.push(format!(
                    "{}: empty in the simulator's answer, Apple's has elements to compare",
                    shown(path)
                ));
            }
            for (i, v) in s.iter().enumerate() {
                walk(template, v, &format!("{path}[{i}]"), out);
            }
        }
        (a, s) if kind(a) != kind(s) => out.push(format!(
            "{}: {} in Apple's answer, {} in the simulator's",
            shown(path),
            kind(a),
            kind(s)
        )),
        _ => {}
    }
}

fn extras(apple: &Value, sim: &Value, path: &str, out: &mut Vec<String>) {
    match (apple, sim) {
        (Value::Object(a), Value::Object(s)) => {
            if is_id_map(a) {
                if let Some(template) = a.values().next() {
                    let p = join(path, "<id>");
                    for v in s.values() {
                        extras(template, v, &p, out);
                    }
                }
                return;
            }
            for (k, sv) in s {
                let p = join(path, k);
                match a.get(k) {
                    Some(av) => extras(av, sv, &p, out),
                    None => {
                        if !out.contains(&p) {
                            out.push(p);
                        }
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if let Some(template) = a.first() {
                for v in s {
                    extras(template, v, &format!("{path}[]"), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_shape_with_other_values_has_no_difference() {
        let apple = json!({"data": [{"id": "1", "n": 3, "ok": true, "tags": ["a"]}]});
        let sim = json!({"data": [{"id": "9", "n": 7.5, "ok": false, "tags": ["x", "y"]},
                                  {"id": "8", "n": 1, "ok": true, "tags": ["z"]}]});
        assert_eq!(compare_shape(&apple, &sim), Vec::<String>::new());
    }

    #[test]
    fn a_type_change_is_named_with_its_path() {
        let apple = json!({"results": {"361309726": {"id": 361309726}}});
        let sim = json!({"results": {"1": {"id": "1"}}});
        assert_eq!(
            compare_shape(&apple, &sim),
            vec!["results.<id>.id: number in Apple's answer, string in the simulator's"]
        );
    }

    #[test]
    fn a_missing_key_is_named_with_its_path() {
        let apple = json!({"data": [{"attributes": {"name": "Pages", "isVppDeviceBasedLicensingEnabled": true}}]});
        let sim = json!({"data": [{"attributes": {"name": "Sim"}}]});
        assert_eq!(
            compare_shape(&apple, &sim),
            vec![
                "data[0].attributes.isVppDeviceBasedLicensingEnabled: in Apple's answer, missing in the simulator's"
            ]
        );
    }

    #[test]
    fn object_versus_array_is_named_with_its_path() {
        let apple = json!({"results": {"361309726": {"artwork": {"url": "u", "width": 512}}}});
        let sim = json!({"results": {"42": {"artwork": [{"url": "u", "width": 512}]}}});
        assert_eq!(
            compare_shape(&apple, &sim),
            vec!["results.<id>.artwork: object in Apple's answer, array in the simulator's"]
        );
        // And the other way round, at the root.
        assert_eq!(
            compare_shape(&json!([1]), &json!({"a": 1})),
            vec!["(the answer): array in Apple's answer, object in the simulator's"]
        );
    }

    #[test]
    fn every_simulator_element_is_held_to_apples_first() {
        let apple = json!([{"w": 1}]);
        let sim = json!([{"w": 2}, {"w": "3"}]);
        assert_eq!(
            compare_shape(&apple, &sim),
            vec!["[1].w: number in Apple's answer, string in the simulator's"]
        );
    }

    #[test]
    fn an_empty_simulator_list_cannot_pass_for_apples() {
        let apple = json!({"data": [{"id": "1"}]});
        let sim = json!({"data": []});
        assert_eq!(
            compare_shape(&apple, &sim),
            vec!["data: empty in the simulator's answer, Apple's has elements to compare"]
        );
    }

    #[test]
    fn null_in_apples_answer_accepts_any_value_but_not_the_reverse() {
        assert!(compare_shape(&json!({"a": null}), &json!({"a": {"b": 1}})).is_empty());
        assert_eq!(
            compare_shape(&json!({"a": 1}), &json!({"a": null})),
            vec!["a: number in Apple's answer, null in the simulator's"]
        );
    }

    #[test]
    fn extra_keys_are_listed_apart() {
        let apple = json!({"data": [{"id": "1"}]});
        let sim = json!({"data": [{"id": "2", "x": 1}, {"id": "3", "x": 2}], "meta": {}});
        assert!(compare_shape(&apple, &sim).is_empty());
        assert_eq!(
            keys_apple_never_sends(&apple, &sim),
            vec!["data[].x", "meta"]
        );
    }
}
