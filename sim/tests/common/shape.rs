//! Compares two JSON answers by shape: the same keys where Apple's answer has them, and the
//! same JSON types. Used to hold the simulator to Apple's published answers.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::Value;

/// The JSON type of a value, as the messages name it.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
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

/// The differences between Apple's answer and the simulator's, one line each, naming the
/// path: a key of Apple's missing from the simulator's answer, a key the simulator sends that
/// Apple's answer does not have, or a value of another JSON type
/// (`assets[0].adamId: string in Apple's answer, number in the simulator's`).
///
/// A `null` in Apple's answer matches any type (Apple prints it where a value may be
/// absent). Arrays: every element of the simulator's array is compared with Apple's
/// elements taken together: a key that every one of Apple's elements has must be there, a
/// key none of them has is an extra, and a key's type must be the type Apple gives it. An
/// empty array on either side has no elements to compare.
pub fn compare_shape(apple: &Value, sim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(apple, sim, "", &mut out);
    out
}

fn walk(apple: &Value, sim: &Value, path: &str, out: &mut Vec<String>) {
    let at = if path.is_empty() { "(top)" } else { path };
    match (apple, sim) {
        (Value::Null, _) => {}
        (Value::Object(a), Value::Object(s)) => {
            for (key, av) in a {
                match s.get(key) {
                    Some(sv) => walk(av, sv, &join(path, key), out),
                    None => out.push(format!(
                        "{}: in Apple's answer, missing from the simulator's",
                        join(path, key)
                    )),
                }
            }
            for key in s.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!(
                    "{}: in the simulator's answer, not in Apple's",
                    join(path, key)
                ));
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if a.is_empty() {
                return;
            }
            let merged = merge_elements(a);
            for (i, sv) in s.iter().enumerate() {
                walk_element(&merged, sv, &format!("{path}[{i}]"), out);
            }
        }
        (a, s) if kind(a) == kind(s) => {}
        (a, s) => out.push(format!(
            "{at}: {} in Apple's answer, {} in the simulator's",
            kind(a),
            kind(s)
        )),
    }
}

/// Apple's array elements taken together. Objects: the keys every element has keep their
/// value; keys only some have are kept too, but marked optional (see [`Optional`]).
/// Anything else: the first element.
fn merge_elements(elements: &[Value]) -> Value {
    if !elements.iter().all(Value::is_object) {
        return elements[0].clone();
    }
    let mut seen: BTreeMap<String, (Value, usize)> = BTreeMap::new();
    for e in elements {
        for (k, v) in e.as_object().into_iter().flatten() {
            let slot = seen.entry(k.clone()).or_insert_with(|| (v.clone(), 0));
            slot.1 += 1;
        }
    }
    let mut merged = serde_json::Map::new();
    for (k, (v, count)) in seen {
        if count == elements.len() {
            merged.insert(k, v);
        } else {
            merged.insert(format!("{OPTIONAL}{k}"), v);
        }
    }
    Value::Object(merged)
}

/// The prefix that marks a key only some of Apple's elements have: the simulator may leave
/// it out, and when it sends it the type must match.
const OPTIONAL: &str = "\u{0}optional:";

/// Compares objects where Apple's merged element may carry optional keys.
fn strip_optional(apple: &Value, sim: &Value) -> (Value, Value) {
    let (Value::Object(a), Value::Object(s)) = (apple, sim) else {
        return (apple.clone(), sim.clone());
    };
    let mut a2 = serde_json::Map::new();
    for (k, v) in a {
        match k.strip_prefix(OPTIONAL) {
            Some(bare) if s.contains_key(bare) => {
                a2.insert(bare.to_owned(), v.clone());
            }
            Some(_) => {}
            None => {
                a2.insert(k.clone(), v.clone());
            }
        }
    }
    (Value::Object(a2), sim.clone())
}

/// [`walk`] for one array element against Apple's merged element.
fn walk_element(merged: &Value, sim: &Value, path: &str, out: &mut Vec<String>) {
    let (a, s) = strip_optional(merged, sim);
    walk(&a, &s, path, out);
}
