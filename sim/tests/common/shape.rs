//! Compare the simulator's answer with one of Apple's published answers by shape.
//!
//! The values differ (Apple's samples name Apple's apps and users, the simulator its own),
//! so the comparison is about structure only:
//!
//! - every key Apple's object carries must be in the simulator's object at the same place;
//! - a value must have the same JSON type (a number stays a number, an object is not an
//!   array);
//! - arrays: Apple's elements are taken together: a key every one of them has must be in
//!   each of the simulator's elements, a key only some have may be left out, and a key's
//!   type is the type Apple gives it;
//! - an object whose keys are all ids (digits, as the legacy lookup's `results`) is a map:
//!   every entry of the simulator's map is held to Apple's entries taken together, and the
//!   path names the entry `<id>`;
//! - a `null` in Apple's answer says "optional": any value is accepted there.
//!
//! Each difference is one line naming its path, for example
//! `results.<id>.artwork: object in Apple's answer, array in the simulator's`.
//! Keys the simulator sends and Apple's sample lacks are listed apart ([`extra_keys`]),
//! and so are lists the simulator leaves empty where Apple's sample has elements
//! ([`empty_lists`]): a test chooses which of them it holds the simulator to.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Every difference of shape between Apple's answer and the simulator's, one line each;
/// empty when the simulator's answer has Apple's shape.
pub fn compare_shape(apple: &Value, sim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(apple, sim, "", &mut out);
    out
}

/// Keys the simulator sends where Apple's sample has none, one line each
/// (`meta: in the simulator's answer, not in Apple's`).
pub fn extra_keys(apple: &Value, sim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    extras(apple, sim, "", &mut out);
    out
}

/// Lists the simulator leaves empty where Apple's sample has elements: a shape test of an
/// empty list compares nothing, so a test that wants the elements compared asks for this.
pub fn empty_lists(apple: &Value, sim: &Value) -> Vec<String> {
    let mut out = Vec::new();
    empties(apple, sim, "", &mut out);
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

/// The marker of a key only some of Apple's elements have.
const OPTIONAL: &str = "\u{0}optional:";

/// Apple's elements (of an array, or the entries of an id map) taken together: keys every
/// element has keep their value; keys only some have are marked optional. Elements that are
/// not objects: the first one.
fn merged<'a>(elements: impl Iterator<Item = &'a Value> + Clone) -> Option<Value> {
    let first = elements.clone().next()?;
    if !elements.clone().all(Value::is_object) {
        return Some(first.clone());
    }
    let count = elements.clone().count();
    let mut seen: BTreeMap<&str, (&Value, usize)> = BTreeMap::new();
    for e in elements {
        for (k, v) in e.as_object().into_iter().flatten() {
            seen.entry(k).or_insert((v, 0)).1 += 1;
        }
    }
    let mut out = Map::new();
    for (k, (v, n)) in seen {
        let key = if n == count {
            k.to_owned()
        } else {
            format!("{OPTIONAL}{k}")
        };
        out.insert(key, v.clone());
    }
    Some(Value::Object(out))
}

/// Apple's merged element made concrete for one simulator element: an optional key the
/// simulator sends is held to Apple's type; one it leaves out is no difference.
fn for_element(template: &Value, sim: &Value) -> Value {
    let (Value::Object(a), Value::Object(s)) = (template, sim) else {
        return template.clone();
    };
    let mut out = Map::new();
    for (k, v) in a {
        match k.strip_prefix(OPTIONAL) {
            Some(bare) if s.contains_key(bare) => {
                out.insert(bare.to_owned(), v.clone());
            }
            Some(_) => {}
            None => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// Walks both answers where they have the same shape, collecting each difference.
fn walk(apple: &Value, sim: &Value, path: &str, out: &mut Vec<String>) {
    match (apple, sim) {
        (Value::Null, _) => {}
        (Value::Object(a), Value::Object(s)) if is_id_map(a) => {
            let Some(template) = merged(a.values()) else {
                return;
            };
            let p = join(path, "<id>");
            for v in s.values() {
                walk(&for_element(&template, v), v, &p, out);
            }
        }
        (Value::Object(a), Value::Object(s)) => {
            for (k, av) in a {
                let p = join(path, k);
                match s.get(k) {
                    Some(sv) => walk(av, sv, &p, out),
                    None => out.push(format!(
                        "{p}: in Apple's answer, missing from the simulator's"
                    )),
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            let Some(template) = merged(a.iter()) else {
                return;
            };
            for (i, v) in s.iter().enumerate() {
                walk(&for_element(&template, v), v, &format!("{path}[{i}]"), out);
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
        (Value::Object(a), Value::Object(s)) if is_id_map(a) => {
            if let Some(template) = merged(a.values()) {
                let p = join(path, "<id>");
                for v in s.values() {
                    extras(&for_element(&template, v), v, &p, out);
                }
            }
        }
        (Value::Object(a), Value::Object(s)) => {
            for (k, sv) in s {
                let p = join(path, k);
                match a.get(k) {
                    Some(av) => extras(av, sv, &p, out),
                    None => {
                        let line = format!("{p}: in the simulator's answer, not in Apple's");
                        if !out.contains(&line) {
                            out.push(line);
                        }
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if let Some(template) = merged(a.iter()) {
                for (i, v) in s.iter().enumerate() {
                    extras(&for_element(&template, v), v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn empties(apple: &Value, sim: &Value, path: &str, out: &mut Vec<String>) {
    match (apple, sim) {
        (Value::Object(a), Value::Object(s)) if is_id_map(a) => {
            if s.is_empty() {
                out.push(format!(
                    "{}: empty in the simulator's answer, Apple's has entries to compare",
                    shown(path)
                ));
            }
            if let Some(template) = merged(a.values()) {
                for v in s.values() {
                    empties(&for_element(&template, v), v, &join(path, "<id>"), out);
                }
            }
        }
        (Value::Object(a), Value::Object(s)) => {
            for (k, av) in a {
                if let Some(sv) = s.get(k) {
                    empties(av, sv, &join(path, k), out);
                }
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if !a.is_empty() && s.is_empty() {
                out.push(format!(
                    "{}: empty in the simulator's answer, Apple's has elements to compare",
                    shown(path)
                ));
            }
            if let Some(template) = merged(a.iter()) {
                for (i, v) in s.iter().enumerate() {
                    empties(&for_element(&template, v), v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}
