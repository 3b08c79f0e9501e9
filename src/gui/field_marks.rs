//! "was 1,000" beside each inspector field whose value differs from the file as saved, as the
//! sketch's "100 r/s (was 1,000)".
//!
//! The inspector states once per frame what the node was ([`set_for_node`]): both versions are
//! flattened to leaves (`routes.0.rate_limit.algorithm.NginxLimitReq.rate` = `"100r/s"`) and the
//! leaves that differ kept with their saved value. Each form row ([`super::fields`]) then asks for
//! its label ([`mark_ui`]): a changed leaf whose path holds the label (spaces as `_`, so
//! `service time` finds `service_time.LogNormal.p99_ms`) within the current scope (a gateway
//! route's rows, [`set_scope`]) is shown beside the field. A node's position is not a policy: a
//! moved node has no marks.

use super::theme;
use crate::model::Node;
use egui::{Id, RichText, Ui};
use serde_json::Value;

/// The leaves of the inspected node that differ from the saved file: (path, saved value).
#[derive(Clone, Debug, Default)]
struct Marks {
    changed: Vec<(Vec<String>, String)>,
    /// Path prefix of the rows being drawn (`routes.2`), empty for the node's own rows.
    scope: Vec<String>,
}

fn key() -> Id {
    Id::unique("gatesim-field-marks")
}

/// A leaf's value in words: strings bare, whole numbers without a fraction, nothing as `none`.
fn words(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
            Some(x) => format!("{x}"),
            None => n.to_string(),
        },
        Value::Bool(b) => if *b { "on" } else { "off" }.into(),
        Value::Array(a) if a.is_empty() => "none".into(),
        Value::Object(o) if o.is_empty() => "none".into(),
        other => other.to_string(),
    }
}

fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                leaves(x, path, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf.clone())),
    }
}

/// The value at `path` in `v`, or at its deepest existing prefix (what stood there before: a
/// limiter that was `none`).
fn at_or_above<'v>(v: &'v Value, path: &[String]) -> &'v Value {
    let mut cur = v;
    for seg in path {
        let next = match cur {
            Value::Object(o) => o.get(seg),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return cur,
        }
    }
    cur
}

/// The node's fields as leaves, without its variant's name or its position.
fn flat(node: &Node) -> (Value, Vec<(Vec<String>, Value)>) {
    let mut v = serde_json::to_value(node).unwrap_or(Value::Null);
    // `{"Service": {...}}`: the fields.
    if let Value::Object(o) = &mut v
        && o.len() == 1
        && let Some(inner) = o.values_mut().next()
    {
        v = inner.take();
    }
    if let Value::Object(o) = &mut v {
        o.remove("pos");
    }
    let mut out = Vec::new();
    leaves(&v, &mut Vec::new(), &mut out);
    (v, out)
}

/// The leaves of `now` that differ from `saved` (a new node: none), with the saved value.
pub fn changed_fields(now: &Node, saved: Option<&Node>) -> Vec<(Vec<String>, String)> {
    let Some(saved) = saved else { return Vec::new() };
    let (now_v, now_leaves) = flat(now);
    let (saved_v, saved_leaves) = flat(saved);
    let mut out: Vec<(Vec<String>, String)> = Vec::new();
    for (path, value) in &now_leaves {
        let before = at_or_above(&saved_v, path);
        if before != value {
            out.push((path.clone(), words(before)));
        }
    }
    // Leaves that are gone (a limiter removed): marked with what they were.
    for (path, value) in saved_leaves {
        if at_or_above(&now_v, &path) != &value && !out.iter().any(|(p, _)| *p == path) {
            out.push((path, words(&value)));
        }
    }
    out
}

/// States what the inspected node was in the saved file (None: a new node, no marks); returns
/// how many of its fields changed.
pub fn set_for_node(ui: &Ui, now: &Node, saved: Option<&Node>) -> usize {
    let changed = if saved == Some(now) { Vec::new() } else { changed_fields(now, saved) };
    let n = changed.len();
    ui.data_mut(|d| d.insert_temp(key(), Marks { changed, scope: Vec::new() }));
    n
}

/// Rows drawn from now on belong under `scope` (`routes.2`; empty: the node's own rows).
pub fn set_scope(ui: &Ui, scope: &str) {
    let scope: Vec<String> = scope.split('.').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    ui.data_mut(|d| {
        if let Some(mut m) = d.get_temp::<Marks>(key()) {
            m.scope = scope;
            d.insert_temp(key(), m);
        }
    });
}

/// No marks (another kind of selection is inspected).
pub fn clear(ui: &Ui) {
    ui.data_mut(|d| d.remove::<Marks>(key()));
}

/// What the field labelled `label` was, if it changed: `was 1000`, or `was p99_ms 120` when the
/// leaf is a part of the field.
pub fn was_text(ui: &Ui, label: &str) -> Option<String> {
    let name = label.trim().to_lowercase().replace(' ', "_");
    if name.is_empty() {
        return None;
    }
    let marks = ui.data(|d| d.get_temp::<Marks>(key()))?;
    let found: Vec<String> = marks
        .changed
        .iter()
        .filter(|(path, _)| {
            let inside = path.starts_with(&marks.scope);
            // The node's own rows never show a route's leaves.
            let own = !marks.scope.is_empty() || path.first().is_none_or(|s| s != "routes");
            inside && own && path[marks.scope.len()..].iter().any(|s| s.to_lowercase() == name)
        })
        .map(|(path, old)| match path.last() {
            Some(leaf) if leaf.to_lowercase() != name && !leaf.chars().all(|c| c.is_ascii_digit()) => {
                format!("{leaf} {old}")
            }
            _ => old.clone(),
        })
        .collect();
    (!found.is_empty()).then(|| format!("was {}", found.join(", ")))
}

/// Draws `was ...` (amber, small) if the field labelled `label` changed since the file was saved.
pub fn mark_ui(ui: &mut Ui, label: &str) {
    if let Some(text) = was_text(ui, label) {
        ui.add(egui::Label::new(RichText::new(text).small().color(theme::WARN)).wrap());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    #[test]
    fn changed_leaves_carry_their_saved_value_and_a_move_is_not_a_change() {
        let saved = Node::with_defaults(NodeKind::Service, "api");
        let mut now = saved.clone();
        now.set_pos(Some([500.0, 20.0]));
        assert!(changed_fields(&now, Some(&saved)).is_empty(), "a moved node has no marks");
        if let Node::Service(s) = &mut now {
            s.instances = 7;
            s.error_rate = 0.25;
        }
        let got = changed_fields(&now, Some(&saved));
        let find = |leaf: &str| got.iter().find(|(p, _)| p.last().is_some_and(|l| l == leaf)).map(|x| x.1.clone());
        let Node::Service(before) = &saved else { unreachable!() };
        assert_eq!(find("instances"), Some(before.instances.to_string()));
        assert_eq!(find("error_rate"), Some("0".to_owned()));
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(changed_fields(&now, None).is_empty(), "a new node: no marks");
    }
}
