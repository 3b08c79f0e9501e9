//! YAML text for the targets that read YAML (Envoy, Kong's decK, Traefik, Kubernetes, Prometheus,
//! OpenAPI): a writer builds a [`serde_json::Value`] (so no user string is ever spliced into
//! syntax) and [`to_yaml`] renders it in block style.
//!
//! Every string is written double-quoted with JSON's escapes, which are valid YAML 1.2 (and 1.1)
//! double-quoted escapes: a quote, backslash, newline, `#`, `:` or `{` inside a name stays part of
//! the string, and no string can be read back as a number, a boolean or null (`"on"`, `"1e3"`,
//! `"null"`). Mapping keys are written bare only when they are plain identifiers
//! (`[A-Za-z_][A-Za-z0-9_.-]*`, not a YAML 1.1 boolean or null word), quoted otherwise. Keys keep
//! the order the writer inserted them (serde_json's `preserve_order`), so a config reads in the
//! order its product documents it.

use serde_json::Value;
use std::fmt::Write as _;

/// `value` as a YAML document (block style, two-space indentation, ending in a newline).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0),
        other => {
            scalar(&mut out, other);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("  ");
    }
}

/// A non-empty collection is written on the following lines; everything else inline.
fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn map(out: &mut String, m: &serde_json::Map<String, Value>, depth: usize) {
    for (i, (k, v)) in m.iter().enumerate() {
        // The first key of a map that is a sequence item follows its `- ` on the same line.
        if i > 0 || depth == 0 || !out.ends_with("- ") {
            indent(out, depth);
        }
        key(out, k);
        out.push(':');
        value_after_colon(out, v, depth);
    }
}

fn seq(out: &mut String, a: &[Value], depth: usize) {
    for v in a {
        indent(out, depth);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                map(out, m, depth + 1)
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                seq(out, inner, depth + 1);
            }
            other => {
                out.push(' ');
                scalar(out, other);
                out.push('\n');
            }
        }
    }
}

fn value_after_colon(out: &mut String, v: &Value, depth: usize) {
    if is_block(v) {
        out.push('\n');
        match v {
            Value::Object(m) => map(out, m, depth + 1),
            Value::Array(a) => seq(out, a, depth + 1),
            _ => {}
        }
    } else {
        out.push(' ');
        scalar(out, v);
        out.push('\n');
    }
}

fn scalar(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            write!(out, "{n}").ok();
        }
        Value::String(s) => quoted(out, s),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

/// YAML 1.1 words a bare key would be read as (a boolean or null), refused as bare keys.
const SPECIAL: &[&str] =
    &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "Y", "N", "Yes", "No", "On", "Off"];

fn key(out: &mut String, k: &str) {
    let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(k));
    if plain { out.push_str(k) } else { quoted(out, k) }
}

/// A double-quoted scalar with JSON's escapes (which YAML's double-quoted style shares).
fn quoted(out: &mut String, s: &str) {
    out.push_str(&Value::String(s.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::to_yaml;
    use serde_json::json;

    #[test]
    fn block_style_with_quoted_strings_and_insertion_order() {
        let v = json!({
            "static_resources": {
                "listeners": [
                    { "name": "gw", "port": 8080, "tags": ["a", "b"], "empty": {}, "none": [] },
                    { "name": "x\"; evil: {", "on": true }
                ],
                "alpha": null
            }
        });
        let text = to_yaml(&v);
        let expected = "static_resources:\n  listeners:\n    - name: \"gw\"\n      port: 8080\n      tags:\n        - \"a\"\n        - \"b\"\n      empty: {}\n      none: []\n    - name: \"x\\\"; evil: {\"\n      \"on\": true\n  alpha: null\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn nested_sequences_and_scalars_at_the_top() {
        assert_eq!(to_yaml(&json!([[1, 2], "s"])), "-\n  - 1\n  - 2\n- \"s\"\n");
        assert_eq!(to_yaml(&json!("a\nb")), "\"a\\nb\"\n");
    }
}
