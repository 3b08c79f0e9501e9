//! Names and paths that reach a product's configuration syntax: the rule they follow, and the
//! collisions between them once a product has mapped them to its identifiers.
//!
//! # The name rule
//!
//! A node, region or timeline-entry name is **1 to 63 characters from `A`-`Z`, `a`-`z`, `0`-`9`,
//! `.`, `_` and `-`, starting and ending with a letter or digit** (`payments-v2`, `us-east-1`,
//! `5xx-high`, `api.v1`). Why this set:
//!
//! - every character is valid, unquoted, in every identifier position of the products gatesim
//!   writes or models: NGINX `upstream` names and comments, HAProxy proxy and server names (which
//!   allow letters, digits, `-`, `_`, `.` and `:`), Envoy cluster names, Kubernetes object names
//!   and label values;
//! - nothing in it can end a token, a string, a comment or a line in any of them (no whitespace,
//!   quotes, `;`, `{`, `}`, `#`, `$`, `\` or control characters), so a name cannot add a directive
//!   to an exported config;
//! - 63 characters and an alphanumeric first and last character make it a DNS label (RFC 1035
//!   §2.3.4, RFC 1123 §2.1; Kubernetes' DNS-1123 labels) once lower-cased with `.`/`_` mapped to
//!   `-`; instance names (`<name>-<i>`, see [`Service::instance_name`](super::Service::instance_name))
//!   stay in the same character set;
//! - a digit may come first: bundled timeline entries are named `5xx-high`.
//!
//! Timeline entries follow the identical rule: they share one namespace with nodes and appear in
//! reports next to them.
//!
//! # Export identifiers and collisions
//!
//! Exporters write a name as an identifier made of ASCII letters, digits and `_`, every other
//! character becoming `_` ([`identifier`]). NGINX compares `upstream` names without regard to case
//! and DNS names are case-insensitive, so two names **collide** when their identifiers are equal
//! ignoring ASCII case ([`collision_key`]): `lb-a`, `lb_a`, `LB.a`; `café` and `cafè`. A service
//! with several instances also owns its instance names `<name>-0`, `<name>-1`, ..., which must not
//! collide with another node's name (the exporter keys backend addresses by instance name).
//! [`collisions`] lists every such pair, and duplicate route and balancer-rule path prefixes.
//!
//! # The path rule
//!
//! Gateway route prefixes, balancer rule prefixes and client route paths are **1 to 256
//! characters, starting with `/`, from `A`-`Z`, `a`-`z`, `0`-`9`, `-`, `.`, `_`, `~`, `/`, `!`, `&`,
//! `*`, `+`, `,`, `=`, `:` and `@`**: RFC 3986 path characters without the ones that are syntax in
//! a product (`;`, `'`, `$`, `(`, `)`), without `%` (NGINX matches locations on the decoded path,
//! HAProxy's `path` on the raw one, so an escaped prefix would match differently in each) and
//! without `?` and `#` (a prefix is matched against the path alone).

use super::topology_index::TopologyIndex;
use super::validate::{Checker, LineIndex, Severity, up_to_quote};
use super::{Node, Scenario, Topology};
use std::collections::BTreeMap;

/// Longest name, in characters (a DNS label's limit).
pub const NAME_MAX: usize = 63;

/// Longest route path or prefix, in characters.
pub const PATH_MAX: usize = 256;

/// The characters a name may contain besides ASCII letters and digits.
pub const NAME_PUNCTUATION: &str = "._-";

/// The characters a path may contain besides ASCII letters and digits.
pub const PATH_PUNCTUATION: &str = "-._~/!&*+,=:@";

/// Checks `name` against the name rule (see the module docs); the error says what is wrong.
pub fn check_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if len == 0 {
        return Err("a name must not be empty".into());
    }
    if len > NAME_MAX {
        return Err(format!("a name may have at most {NAME_MAX} characters, this one has {len}"));
    }
    if let Some(c) = name.chars().find(|&c| !(c.is_ascii_alphanumeric() || NAME_PUNCTUATION.contains(c))) {
        return Err(format!("{} is not allowed in a name (use ASCII letters, digits, `.`, `_` and `-`)", describe(c)));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err("a name must start and end with an ASCII letter or digit".into());
    }
    Ok(())
}

/// Checks a route path or prefix against the path rule (see the module docs).
pub fn check_path(path: &str) -> Result<(), String> {
    let len = path.chars().count();
    if !path.starts_with('/') {
        return Err("a path must start with /".into());
    }
    if len > PATH_MAX {
        return Err(format!("a path may have at most {PATH_MAX} characters, this one has {len}"));
    }
    if let Some(c) = path.chars().find(|&c| !(c.is_ascii_alphanumeric() || PATH_PUNCTUATION.contains(c))) {
        return Err(format!(
            "{} is not allowed in a path (use ASCII letters, digits and {PATH_PUNCTUATION})",
            describe(c)
        ));
    }
    Ok(())
}

/// A character as an error message names it: printable ones quoted, others by code point.
fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a newline".into(),
        '\t' => "a tab".into(),
        c if c.is_control() || c.is_whitespace() || !c.is_ascii() => format!("the character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// The identifier exporters write for `name`: ASCII letters, digits and `_`, every other
/// character (`-`, `.`, anything non-ASCII) becoming one `_`; `_` for an empty name.
pub fn identifier(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.is_empty() { "_".into() } else { s }
}

/// Two names collide when these are equal: [`identifier`] in ASCII lower case.
pub fn collision_key(name: &str) -> String {
    identifier(name).to_ascii_lowercase()
}

/// Two things a product could not tell apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collision {
    /// The node that comes first in the file.
    pub first: String,
    /// The node that comes later (the same node for duplicate path prefixes).
    pub second: String,
    /// What collides, naming both.
    pub message: String,
}

/// Every collision in `topo`, in file order: nodes whose names map to one export identifier,
/// a node named like another service's instance (after the same mapping), duplicate route
/// prefixes on a gateway and duplicate rule prefixes on a balancer. Nodes with exactly the same
/// name are left to the uniqueness check of `validate`.
pub fn collisions(topo: &Topology) -> Vec<Collision> {
    let mut out = Vec::new();
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    // Services with several instances, by the collision key of their name.
    let mut multi: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, node) in topo.nodes.iter().enumerate() {
        if let Node::Service(s) = node
            && s.instance_slots() > 1
        {
            multi.entry(collision_key(&s.name)).or_default().push(i);
        }
    }
    for (i, node) in topo.nodes.iter().enumerate() {
        let name = node.name();
        let key = collision_key(name);
        match by_key.get(&key) {
            Some(&j) if topo.nodes[j].name() != name => out.push(Collision {
                first: topo.nodes[j].name().into(),
                second: name.into(),
                message: format!(
                    "nodes {:?} and {:?} map to the same identifier {key:?} in exported configs \
                     (case and the characters `-`, `.`, `_` and non-ASCII ones are not told apart)",
                    topo.nodes[j].name(),
                    name
                ),
            }),
            Some(_) => {}
            None => {
                by_key.insert(key.clone(), i);
            }
        }
        // `<service>_<i>`: is this name an instance of a service with several instances?
        if let Some((base, digits)) = key.rsplit_once('_')
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && let Ok(index) = digits.parse::<u64>()
        {
            for &s in multi.get(base).into_iter().flatten() {
                let Node::Service(svc) = &topo.nodes[s] else { continue };
                if s == i || index >= u64::from(svc.instance_slots()) {
                    continue;
                }
                let instance = svc.instance_name(index as u32);
                let how = if instance == name {
                    format!("has the same name as node {name:?}")
                } else {
                    format!("and node {name:?} map to the same identifier {key:?}")
                };
                let (first, second) =
                    if s < i { (svc.name.clone(), name.to_owned()) } else { (name.to_owned(), svc.name.clone()) };
                out.push(Collision {
                    first,
                    second,
                    message: format!(
                        "service {:?} has {} instances ({:?}, {:?}, ...): its instance {instance:?} {how} \
                         (exported servers, their addresses and decisions would mix them up)",
                        svc.name,
                        svc.instance_slots(),
                        svc.instance_name(0),
                        svc.instance_name(1),
                    ),
                });
            }
        }
        let prefixes: Vec<(&str, &str)> = match node {
            Node::Gateway(g) => g.routes.iter().map(|r| ("route", r.path_prefix.as_str())).collect(),
            Node::LoadBalancer(lb) => lb.rules.iter().map(|r| ("rule", r.path_prefix.as_str())).collect(),
            _ => Vec::new(),
        };
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (k, &(what, p)) in prefixes.iter().enumerate() {
            if let Some(&j) = seen.get(p) {
                out.push(Collision {
                    first: name.into(),
                    second: name.into(),
                    message: format!(
                        "{what}s {} and {} have the same path_prefix {p:?}: only one of them could ever match",
                        j + 1,
                        k + 1
                    ),
                });
            } else {
                seen.insert(p, k);
            }
        }
    }
    out
}

/// A name as the `node` of a problem: the name itself, unless it holds a control character or an
/// invisible formatting one (bidirectional overrides, zero-width characters), which `lint` would
/// print raw: then `None`, and the message carries the name escaped. A name that merely breaks
/// the rule (`my service`) keeps its node, so the editor still badges it.
fn shown(name: &str) -> Option<&str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    (!name.chars().any(hidden)).then_some(name)
}

/// True when `l` holds `name: "<name>"`: the name as written raw, or escaped as RON and Rust write
/// it, or the first line of a name spread over several lines; the field may start the line or
/// follow a `(` (`regions: [(name: "eu-1")]`).
fn names_field(l: &str, name: &str) -> bool {
    let raw = format!("\"{name}\"");
    let escaped = format!("{name:?}");
    let first_line = name.split(['\n', '\r']).next().unwrap_or_default();
    let opening = format!("\"{first_line}");
    let matches = |value: &str| {
        value.starts_with(&raw) || value.starts_with(&escaped) || (first_line != name && value.trim_end() == opening)
    };
    l.match_indices("name").any(|(i, _)| {
        let before = l[..i].chars().next_back();
        let field = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let rest = l[i + 4..].trim_start();
        field && rest.strip_prefix(':').is_some_and(|v| matches(v.trim_start()))
    })
}

/// The 1-based line of `name: "<name>"` (see [`names_field`]) in `text`, at or after line `from`
/// (0-based). The lines to test come from the text's index: a line can only match through a
/// field whose value, up to its first quote, is that of one of the three forms (or, for the first
/// line of a spread name, the whole rest of the line).
fn line_of(lines: Option<&LineIndex<'_>>, name: &str, from: usize) -> Option<usize> {
    let lines = lines?;
    let escaped = format!("{name:?}");
    let first_line = name.split(['\n', '\r']).next().unwrap_or_default();
    let mut candidates =
        vec![lines.closed(up_to_quote(name)), lines.closed(up_to_quote(escaped.get(1..).unwrap_or_default()))];
    if first_line != name {
        candidates.push(if first_line.contains('"') {
            lines.closed(up_to_quote(first_line))
        } else {
            lines.open(first_line)
        });
    }
    candidates.into_iter().filter_map(|c| lines.first(c, from, |l| names_field(l, name))).min().map(|i| i + 1)
}

/// The same, one scan of the text: what [`line_of`] must answer.
#[cfg(test)]
fn line_of_scan(text: &str, name: &str, from: usize) -> Option<usize> {
    text.lines().enumerate().skip(from).find(|(_, l)| names_field(l, name)).map(|(i, _)| i + 1)
}

/// Names, paths and collisions of `s`, reported into `c`: the `validate` hook.
pub(super) fn check(c: &mut Checker<'_>, s: &Scenario, index: &TopologyIndex<'_>) {
    let topo = &s.topology;
    let node_line = |c: &Checker<'_>, name: &str| line_of(c.lines(), name, 0);
    for node in &topo.nodes {
        let name = node.name();
        let paths: Vec<(&str, &str)> = match node {
            Node::Gateway(g) => g.routes.iter().map(|r| ("route path_prefix", r.path_prefix.as_str())).collect(),
            Node::LoadBalancer(lb) => lb.rules.iter().map(|r| ("rule path_prefix", r.path_prefix.as_str())).collect(),
            Node::Clients(p) => p.routes.iter().map(|r| ("route path", r.path.as_str())).collect(),
            Node::Service(_) | Node::Dns(_) | Node::DataStore(_) => Vec::new(),
        };
        let name_problem = if name.trim().is_empty() { None } else { check_name(name).err() };
        // A missing leading `/` is reported by `validate` already.
        let path_problems: Vec<(&str, &str, String)> = paths
            .into_iter()
            .filter(|(_, path)| path.starts_with('/'))
            .filter_map(|(what, path)| check_path(path).err().map(|why| (what, path, why)))
            .collect();
        if name_problem.is_none() && path_problems.is_empty() {
            continue;
        }
        let line = node_line(c, name);
        if let Some(why) = name_problem {
            c.push_at(Severity::Error, line, shown(name), format!("node name {name:?}: {why}"));
        }
        for (what, path, why) in path_problems {
            c.push_at(Severity::Error, line, shown(name), format!("{what} {path:?}: {why}"));
        }
    }
    for r in &topo.regions {
        if let Err(why) = check_name(&r.name) {
            let line = line_of(c.lines(), &r.name, 0);
            c.push_at(Severity::Error, line, None, format!("region name {:?}: {why}", r.name));
        }
    }
    for e in &s.timeline {
        let name = e.name();
        if name.trim().is_empty() {
            continue; // reported by the timeline checks
        }
        if let Err(why) = check_name(name) {
            let line = c.lines().and_then(|l| l.timeline_start().and_then(|from| line_of(Some(l), name, from)));
            let node = e.target().filter(|t| index.node(t).is_some()).and_then(shown);
            c.push_at(Severity::Error, line, node, format!("{} {name:?}: entry name: {why}", e.kind().label()));
        }
    }
    for k in collisions(topo) {
        let (first_line, second_line) = (node_line(c, &k.first), node_line(c, &k.second));
        let message = match (k.first == k.second, first_line) {
            (false, Some(l)) => format!("{} (node {:?} is at line {l})", k.message, k.first),
            _ => k.message,
        };
        c.push_at(Severity::Error, second_line, shown(&k.second), message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validate::tests::tricky_name as name;
    use proptest::prelude::*;

    fn line() -> impl Strategy<Value = String> {
        let field = (
            prop_oneof![Just(""), Just("    "), Just("  ("), Just("x_")],
            prop_oneof![Just("name"), Just("rename")],
            prop_oneof![Just(":"), Just(" : "), Just("")],
            // Written raw, as RON escapes it, or cut at a line break: §<name><how>.
            (0..4usize, 0..3u8).prop_map(|(n, how)| format!("§{n}{how}")),
            prop_oneof![Just("\","), Just(""), Just("  "), Just(")]")],
        )
            .prop_map(|(pre, key, colon, v, post)| format!("{pre}{key}{colon}{v}{post}"));
        prop_oneof![4 => field, 1 => (0..4usize).prop_map(|n| format!("§{n}9"))]
    }

    proptest! {
        /// The index finds a name's line exactly where one scan of the text finds it.
        #[test]
        fn line_of_answers_what_the_scan_answers(
            lines in proptest::collection::vec(line(), 0..12),
            names in proptest::collection::vec(name(), 4),
            from in 0usize..6,
        ) {
            // Lines name the same few names the test looks up, so that they meet.
            let mut text = lines.join("\n");
            for (i, n) in names.iter().enumerate() {
                text = text.replace(&format!("§{i}0"), &format!("\"{n}"));
                text = text.replace(&format!("§{i}1"), &format!("{n:?}"));
                text = text.replace(&format!("§{i}2"), &format!("\"{}", n.split('\n').next().unwrap_or_default()));
                text = text.replace(&format!("§{i}9"), n);
            }
            let index = LineIndex::new(&text);
            for n in &names {
                prop_assert_eq!(line_of(Some(&index), n, from), line_of_scan(&text, n, from), "{:?} in {:?}", n, text);
            }
        }
    }

    #[test]
    fn the_name_rule() {
        for ok in ["a", "5xx-high", "payments-v2", "api.v1", "us_east_1", "A9", &"x".repeat(NAME_MAX)] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("a\nserver", "newline"),
            ("a;b", "`;`"),
            ("a{b", "`{`"),
            ("a b", "space"),
            ("-a", "start and end"),
            ("a.", "start and end"),
            ("café", "U+00E9"),
            (&"x".repeat(NAME_MAX + 1), "at most 63"),
        ] {
            let err = check_name(bad).expect_err(bad);
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_path_rule() {
        for ok in ["/", "/api/v1", "/a-b.c_d~e", "/x:y@z!*+,=&"] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in ["api", "/a b", "/a;", "/a{", "/a}", "/a#", "/a\"", "/a'", "/a\\", "/a$", "/a%20", "/a?b", "/a\n"] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn identifiers_and_keys() {
        assert_eq!(identifier("lb-a.b"), "lb_a_b");
        assert_eq!(identifier(""), "_");
        assert_eq!(collision_key("LB-a"), collision_key("lb_A"));
        assert_eq!(collision_key("café"), collision_key("cafè"));
    }
}
