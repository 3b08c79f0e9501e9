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

/// The node's lists whose elements the inspector draws under their own scope ([`set_scope`]).
const SCOPED: [&str; 2] = ["routes", "limits"];

fn key() -> Id {
    Id::unique("gatesim-field-marks")
}

/// A leaf's value in words: strings bare, whole numbers without a fraction, nothing as `none`, a
/// structure by its variant's name or as `set`.
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
        // A structure where there is a leaf now (a limiter removed): named, never dumped; its own
        // leaves are marked one by one.
        Value::Array(a) => format!("{} items", a.len()),
        Value::Object(o) if o.len() == 1 => o.keys().next().cloned().unwrap_or_default(),
        Value::Object(_) => "set".into(),
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

/// What stood at a path in the other version of the node.
enum Before<'v> {
    /// A value: the leaf itself, or a `null` (or a scalar) on the way (a limiter that was `none`).
    Value(&'v Value),
    /// An object without the key: a field not written because it was empty (`none`).
    Absent,
    /// An array without the index: the whole element is new (or gone), not one of its fields.
    NewElement,
}

/// The value at `path` in `v` (see [`Before`]).
fn lookup<'v>(v: &'v Value, path: &[String]) -> Before<'v> {
    let mut cur = v;
    for (i, seg) in path.iter().enumerate() {
        cur = match cur {
            Value::Object(o) => match o.get(seg) {
                Some(n) => n,
                // An empty list is not written: its elements are new.
                None if path.get(i + 1).is_some_and(|next| next.parse::<usize>().is_ok()) => {
                    return Before::NewElement;
                }
                None => return Before::Absent,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get(i)) {
                Some(n) => n,
                None => return Before::NewElement,
            },
            _ => return Before::Value(cur),
        };
    }
    Before::Value(cur)
}

/// A leaf of one version against the other: `None` when equal or when the leaf belongs to an
/// element the other version does not have; else the other version's value in words.
fn differs(other: &Value, path: &[String], value: &Value) -> Option<String> {
    match lookup(other, path) {
        Before::Value(v) if v == value => None,
        Before::Value(v) => Some(words(v)),
        Before::Absent if value.is_null() => None,
        Before::Absent => Some(words(&Value::Null)),
        Before::NewElement => None,
    }
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
        if let Some(before) = differs(&saved_v, path, value) {
            out.push((path.clone(), before));
        }
    }
    // Leaves that are gone (a limiter removed): marked with what they were.
    for (path, value) in saved_leaves {
        if differs(&now_v, &path, &value).is_some() && !out.iter().any(|(p, _)| *p == path) {
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
            // The node's own rows never show a route's or a shared limit's leaves.
            let own = !marks.scope.is_empty() || path.first().is_none_or(|s| !SCOPED.contains(&s.as_str()));
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

    #[test]
    fn a_new_list_element_marks_nothing_and_no_mark_is_a_whole_object() {
        use crate::model::{Limiter, NamedLimit};
        let mut saved = Node::with_defaults(NodeKind::Gateway, "gw");
        let Node::Gateway(g) = &mut saved else { unreachable!() };
        g.routes = vec![crate::model::Route {
            path_prefix: "/".into(),
            upstream: "api".into(),
            timeout_ms: None,
            rate_limit: None,
            shared_limit: None,
            retry_policy: None,
        }];
        let mut now = saved.clone();
        let Node::Gateway(g) = &mut now else { unreachable!() };
        let limit = Limiter::NginxLimitReq { rate: "10r/s".into(), burst: 0, nodelay: false, delay: None, status: 503 };
        let rl = |algorithm| crate::model::RateLimit { key: Default::default(), algorithm };
        g.limits.push(NamedLimit { name: "api".into(), limit: rl(limit.clone()) });
        let mut route = g.routes[0].clone();
        route.path_prefix = "/new".into();
        g.routes.push(route);
        // A shared limit where there was none, a second route: new elements, no field marks.
        assert_eq!(changed_fields(&now, Some(&saved)), Vec::<(Vec<String>, String)>::new());

        // The shared limit saved, then its rate changed: one mark, the old rate, under its scope.
        let saved = now.clone();
        let Node::Gateway(g) = &mut now else { unreachable!() };
        let Limiter::NginxLimitReq { burst, nodelay, delay, status, .. } = limit else { unreachable!() };
        g.limits[0].limit = rl(Limiter::NginxLimitReq { rate: "20r/s".into(), burst, nodelay, delay, status });
        let got = changed_fields(&now, Some(&saved));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].0[..2].join("."), got[0].1.as_str()), ("limits.0".to_owned(), "10r/s"));
        // Its own field gone (a route's limit removed): what it was, never the parent object.
        let mut with = saved.clone();
        let Node::Gateway(g) = &mut with else { unreachable!() };
        g.routes[0].rate_limit = Some(g.limits[0].limit.clone());
        let got = changed_fields(&saved, Some(&with));
        assert!(!got.is_empty() && got.iter().all(|(_, was)| !was.contains('{')), "{got:?}");
    }
}
