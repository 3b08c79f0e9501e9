//! Parameter paths: one way to name any parameter of a node, for timeline config changes (and the
//! parameter sweeps that will vary the same paths).
//!
//! A path is read against the node's fields as the scenario file writes them, separated by dots:
//!
//! - `instances`, `concurrency`, `error_rate`, `service_time.median_ms`: a field of the node.
//! - `routes[/api].rate_limit.algorithm.rate`: `[...]` picks a list element by its identifying field
//!   (a route's or rule's `path_prefix`, a request mix share's `path`) or by its index (`routes[0]`).
//! - Enum variants are stepped through: `algorithm.rate` reaches the `rate` of
//!   `NginxLimitReq(rate: ...)`, `algorithm.max_fails` that of `NginxRoundRobin(max_fails: ...)`.
//! - `links[payments].weight`, `links[payments].latency`: the node's outgoing link to `payments`.
//!
//! A value is written as in the file for numbers, strings and booleans (`20`, `"10r/s"`, `true`).
//! An enum variant is named by a string (`"Global"`, or `"NginxLeastConn"` for a variant with every
//! field at its default), a structured value in the serde form `{"NginxLeastConn": {"max_fails": 2}}`
//! (maps with string keys), and `None` (or `()`) unsets an optional field.
//!
//! Applying a setting type-checks it by deserialising the node again, so a wrong type or an unknown
//! field is refused with serde's own message; the validator then checks the changed scenario as a
//! whole, so a value the product would refuse (`"0r/s"`) gets the product's reason.

use super::{Link, Node, Topology};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A value a setting gives a parameter (the serde data model, written in RON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ParamValue(pub Value);

impl ParamValue {
    /// The value as the inspector and reports show it: `10r/s`, `20`, `NginxLeastConn`.
    pub fn describe(&self) -> String {
        describe(&self.0)
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => {
            let (k, inner) = m.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
            match inner {
                Value::Object(f) if f.is_empty() => k.to_owned(),
                Value::Object(f) => {
                    let fields: Vec<String> = f.iter().map(|(k, v)| format!("{k}: {}", describe(v))).collect();
                    format!("{k}({})", fields.join(", "))
                }
                other => format!("{k}({})", describe(other)),
            }
        }
        other => other.to_string(),
    }
}

/// One parameter set by a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// The parameter's path within the node (see the module docs).
    pub path: String,
    /// Its new value.
    pub value: ParamValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Field(String),
    Index(usize),
    Key(String),
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let bad = |why: &str| format!("path \"{path}\": {why}");
    let mut out = Vec::new();
    let mut rest = path.trim();
    if rest.is_empty() {
        return Err(bad("empty"));
    }
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let field = &rest[..end];
        if !field.is_empty() {
            if !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad(&format!("\"{field}\" is not a field name")));
            }
            out.push(Segment::Field(field.to_owned()));
        } else if end == 0 && rest.starts_with('.') {
            return Err(bad("a field name is missing"));
        }
        rest = &rest[end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']').ok_or_else(|| bad("a [ is not closed"))?;
            let key = inner[..close].trim();
            if key.is_empty() {
                return Err(bad("empty []"));
            }
            out.push(match key.parse() {
                Ok(i) => Segment::Index(i),
                Err(_) => Segment::Key(key.trim_matches('"').to_owned()),
            });
            rest = &inner[close + 1..];
        }
        if let Some(r) = rest.strip_prefix('.') {
            if r.is_empty() {
                return Err(bad("ends with a dot"));
            }
            rest = r;
        } else if !rest.is_empty() && !rest.starts_with('[') {
            return Err(bad("expected . or ["));
        }
    }
    if matches!(out.first(), Some(Segment::Index(_) | Segment::Key(_))) {
        return Err(bad("must start with a field name"));
    }
    Ok(out)
}

/// The fields that identify an element of a list, in the order they are tried.
const IDENTIFIERS: [&str; 4] = ["path_prefix", "path", "service", "name"];

/// True for `{"Variant": ...}`, the serde form of an enum variant with data.
fn variant(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(m) if m.len() == 1 => {
            let (k, inner) = m.iter().next()?;
            k.starts_with(|c: char| c.is_ascii_uppercase()).then_some((k.as_str(), inner))
        }
        _ => None,
    }
}

fn step<'a>(mut v: &'a mut Value, seg: &Segment, at: &str) -> Result<&'a mut Value, String> {
    // Step through enum variants to their fields.
    while let Some((tag, _)) = variant(v) {
        if matches!(seg, Segment::Field(f) if f == tag) {
            break;
        }
        let tag = tag.to_owned();
        v = v.get_mut(&tag).ok_or_else(|| format!("{at}: cannot step into {tag}"))?;
    }
    match (seg, v) {
        (_, Value::Null) => Err(format!("{at} is not set (None): set it as a whole first")),
        (Segment::Field(f), Value::Object(m)) => {
            let known: Vec<String> = m.keys().cloned().collect();
            m.get_mut(f).ok_or_else(|| format!("{at} has no field \"{f}\" (it has: {})", known.join(", ")))
        }
        (Segment::Index(i), Value::Array(a)) => {
            let n = a.len();
            a.get_mut(*i).ok_or_else(|| format!("{at}[{i}]: there are {n} elements"))
        }
        (Segment::Key(k), Value::Array(a)) => {
            let ids: Vec<String> = a
                .iter()
                .filter_map(|e| IDENTIFIERS.iter().find_map(|id| e.get(id)?.as_str().map(str::to_owned)))
                .collect();
            let pos = a.iter().position(|e| IDENTIFIERS.iter().any(|id| e.get(id).and_then(Value::as_str) == Some(k)));
            match pos {
                Some(p) => Ok(&mut a[p]),
                None => Err(format!("{at}[{k}]: no element is \"{k}\" (there are: {})", ids.join(", "))),
            }
        }
        (Segment::Field(f), _) => Err(format!("{at} is a value, not a struct with field \"{f}\"")),
        (_, _) => Err(format!("{at} is not a list")),
    }
}

fn to_value<T: Serialize>(t: &T) -> Result<Value, String> {
    serde_json::to_value(t).map_err(|e| format!("cannot represent the node: {e}"))
}

/// Sets the value at `segments` in `root` and decodes the result as a `T`. A string naming an
/// enum variant where a variant with data stands is read as that variant with its defaults.
fn set_and_decode<T: for<'de> Deserialize<'de>>(
    root: &Value,
    segments: &[Segment],
    value: &Value,
    path: &str,
) -> Result<T, String> {
    let mut doc = root.clone();
    let mut at = String::new();
    let mut target = &mut doc;
    for seg in segments {
        target = step(target, seg, if at.is_empty() { "the node" } else { &at })?;
        match seg {
            Segment::Field(f) if at.is_empty() => at.push_str(f),
            Segment::Field(f) => {
                at.push('.');
                at.push_str(f);
            }
            Segment::Index(i) => at.push_str(&format!("[{i}]")),
            Segment::Key(k) => at.push_str(&format!("[{k}]")),
        }
    }
    let old = std::mem::replace(target, value.clone());
    let first = serde_json::from_value::<T>(doc.clone());
    match first {
        Ok(t) => Ok(t),
        Err(e) => {
            if let (Value::String(name), Some(_) | None) = (value, variant(&old)) {
                let mut retry = root.clone();
                let mut t = &mut retry;
                for seg in segments {
                    t = step(t, seg, &at)?;
                }
                *t = serde_json::json!({ name.clone(): {} });
                if let Ok(decoded) = serde_json::from_value::<T>(retry) {
                    return Ok(decoded);
                }
            }
            Err(format!("{path} = {}: {e}", describe(value)))
        }
    }
}

/// Applies `settings` to node `node` of `topology`, in order. Every error names the path and what
/// was expected; nothing is changed when one fails.
pub fn apply(topology: &mut Topology, node: &str, settings: &[Setting]) -> Result<(), String> {
    let mut work = topology.clone();
    for s in settings {
        set(&mut work, node, &s.path, &s.value.0)?;
    }
    *topology = work;
    Ok(())
}

fn set(topology: &mut Topology, node: &str, path: &str, value: &Value) -> Result<(), String> {
    let segments = parse_path(path)?;
    if let Some(Segment::Field(f)) = segments.first() {
        match f.as_str() {
            "name" => return Err(format!("{path}: a change cannot rename a node")),
            "links" => return set_link(topology, node, path, &segments[1..], value),
            _ => {}
        }
    }
    let i = topology.node_index(node).ok_or_else(|| format!("no node is named \"{node}\""))?;
    let root = to_value(&topology.nodes[i])?;
    let changed: Node = set_and_decode(&root, &segments, value, path)?;
    if changed.kind() != topology.nodes[i].kind() {
        return Err(format!("{path}: a change cannot turn a node into another kind"));
    }
    topology.nodes[i] = changed;
    Ok(())
}

fn set_link(topology: &mut Topology, node: &str, path: &str, rest: &[Segment], value: &Value) -> Result<(), String> {
    let to = match rest.first() {
        Some(Segment::Key(k)) => k.clone(),
        _ => return Err(format!("{path}: name the link's far end, e.g. links[payments].weight")),
    };
    let li = topology
        .links
        .iter()
        .position(|l| l.from == node && l.to == to)
        .ok_or_else(|| format!("{path}: \"{node}\" has no link to \"{to}\""))?;
    let inner = &rest[1..];
    if matches!(inner.first(), Some(Segment::Field(f)) if f == "from" || f == "to") || inner.is_empty() {
        return Err(format!("{path}: a change can set a link's latency or weight, not its ends"));
    }
    let root = to_value(&topology.links[li])?;
    let changed: Link = set_and_decode(&root, inner, value, path)?;
    topology.links[li] = changed;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Balance, Limiter, NodeKind, Route};

    fn topo() -> Topology {
        let mut t = Topology::default();
        let mut gw = Node::with_defaults(NodeKind::Gateway, "gw");
        if let Node::Gateway(g) = &mut gw {
            g.routes.push(Route {
                path_prefix: "/api".into(),
                upstream: "lb".into(),
                timeout_ms: Some(2000.0),
                rate_limit: Some(crate::model::RateLimit {
                    key: crate::model::LimitKey::Client,
                    algorithm: Limiter::NginxLimitReq {
                        rate: "100r/s".into(),
                        burst: 20,
                        nodelay: true,
                        delay: None,
                        status: 503,
                    },
                }),
                shared_limit: None,
                retry_policy: None,
            });
        }
        t.nodes.push(gw);
        t.nodes.push(Node::with_defaults(NodeKind::LoadBalancer, "lb"));
        t.nodes.push(Node::with_defaults(NodeKind::Service, "svc"));
        t.links.push(Link { from: "gw".into(), to: "lb".into(), latency: Default::default(), weight: 1.0 });
        t.links.push(Link { from: "lb".into(), to: "svc".into(), latency: Default::default(), weight: 1.0 });
        t
    }

    fn setting(path: &str, ron_value: &str) -> Setting {
        Setting { path: path.into(), value: ron::from_str(ron_value).unwrap() }
    }

    fn limiter(t: &Topology) -> Limiter {
        match t.node("gw") {
            Some(Node::Gateway(g)) => g.routes[0].rate_limit.clone().unwrap().algorithm,
            _ => unreachable!(),
        }
    }

    #[test]
    fn leaf_values_are_set_through_lists_options_and_variants() {
        let mut t = topo();
        apply(
            &mut t,
            "gw",
            &[setting("routes[/api].rate_limit.algorithm.rate", "\"10r/s\""), setting("routes[0].timeout_ms", "500")],
        )
        .unwrap();
        assert!(matches!(limiter(&t), Limiter::NginxLimitReq { ref rate, burst: 20, .. } if rate == "10r/s"));
        assert!(matches!(t.node("gw"), Some(Node::Gateway(g)) if g.routes[0].timeout_ms == Some(500.0)));
        apply(&mut t, "svc", &[setting("instances", "8"), setting("error_rate", "0.5")]).unwrap();
        assert!(matches!(t.node("svc"), Some(Node::Service(s)) if s.instances == 8 && s.error_rate == 0.5));
        apply(&mut t, "gw", &[setting("routes[/api].rate_limit.key", "\"Global\"")]).unwrap();
    }

    #[test]
    fn a_variant_is_switched_by_name_or_in_the_serde_form() {
        let mut t = topo();
        let e = apply(&mut t, "svc", &[setting("instances", "3"), setting("concurrency", "-1")]).unwrap_err();
        assert!(e.contains("concurrency = -1"), "{e}");
        assert!(matches!(t.node("svc"), Some(Node::Service(s)) if s.instances == 2), "nothing applied");
        apply(&mut t, "lb", &[setting("algorithm", "\"NginxLeastConn\"")]).unwrap();
        assert!(
            matches!(t.node("lb"), Some(Node::LoadBalancer(l)) if matches!(l.algorithm, Balance::NginxLeastConn { max_fails: 1, fail_timeout_s: 10 }))
        );
        apply(&mut t, "lb", &[setting("algorithm", r#"{"NginxRoundRobin": {"max_fails": 3}}"#)]).unwrap();
        assert!(
            matches!(t.node("lb"), Some(Node::LoadBalancer(l)) if matches!(l.algorithm, Balance::NginxRoundRobin { max_fails: 3, .. }))
        );
        apply(&mut t, "gw", &[setting("routes[/api].rate_limit", "None")]).unwrap();
        assert!(matches!(t.node("gw"), Some(Node::Gateway(g)) if g.routes[0].rate_limit.is_none()));
    }

    #[test]
    fn link_parameters_are_set_by_the_far_end() {
        let mut t = topo();
        apply(&mut t, "lb", &[setting("links[svc].weight", "5"), setting("links[svc].latency.ms", "3")]).unwrap();
        assert_eq!(t.links[1].weight, 5.0);
        assert_eq!(t.links[1].latency, crate::model::Dist::Constant { ms: 3.0 });
    }

    #[test]
    fn mistakes_are_named_and_change_nothing() {
        let t0 = topo();
        let cases = [
            ("gw", "routes[/nope].timeout_ms", "5", "no element is \"/nope\" (there are: /api)"),
            ("gw", "routes[/api].rate_limit.algorithm.rte", "5", "has no field \"rte\""),
            ("svc", "instances", "\"many\"", "instances = many"),
            ("svc", "name", "\"x\"", "cannot rename"),
            ("lb", "links[gw].weight", "2", "has no link to \"gw\""),
            ("nobody", "instances", "2", "no node is named"),
            ("svc", "autoscaling.max_replicas", "4", "is not set"),
            ("svc", "instances..x", "1", "a field name is missing"),
        ];
        for (node, path, value, expected) in cases {
            let mut t = t0.clone();
            let e = apply(&mut t, node, &[setting(path, value)]).unwrap_err();
            assert!(e.contains(expected), "{path}: {e}");
            assert_eq!(t, t0);
        }
    }

    #[test]
    fn values_describe_themselves() {
        assert_eq!(setting("x", r#"{"NginxLeastConn": {}}"#).value.describe(), "NginxLeastConn");
        assert_eq!(setting("x", "\"10r/s\"").value.describe(), "10r/s");
        assert_eq!(setting("x", "20").value.describe(), "20");
    }
}
