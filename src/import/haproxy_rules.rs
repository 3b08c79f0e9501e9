//! HAProxy conditions (`if`/`unless`, named ACLs, `{ ... }` anonymous ACLs, `!`, `||`),
//! evaluated for a representative request: a path (a route's prefix) and the transaction
//! variables set so far. What the simulation does not model (a header's value, the method, a
//! source address) evaluates to [`Tri::Unknown`], and the caller lists the rule.

use super::haproxy_syntax::Line;
use super::{ImportError, Loc, at};
use std::collections::BTreeMap;

/// A three-valued truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tri {
    /// Holds.
    True,
    /// Does not.
    False,
    /// Depends on something not modelled.
    Unknown,
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// One operand of a condition: a named ACL or an anonymous one.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Atom {
    /// `name`.
    Named(String),
    /// `{ criterion args }`.
    Anon(Vec<String>),
}

/// A parsed `if`/`unless` condition: OR of AND groups of possibly negated atoms.
#[derive(Clone, Debug, PartialEq, Default)]
pub(super) struct Cond {
    /// `unless`.
    pub unless: bool,
    /// The groups (empty: always true).
    pub groups: Vec<Vec<(bool, Atom)>>,
}

/// The named ACLs of a proxy: each name's definitions (OR'ed).
pub(super) type Acls = BTreeMap<String, Vec<Vec<String>>>;

/// Splits a rule's words at `if`/`unless`: (the action's words, the condition).
pub(super) fn split_cond(line: &Line, from: usize) -> Result<(&[String], Cond), ImportError> {
    let words = line.words.get(from..).unwrap_or_default();
    match words.iter().position(|w| w == "if" || w == "unless") {
        None => Ok((words, Cond::default())),
        Some(i) => {
            let cond = parse_cond(&words[i + 1..], words[i] == "unless", &line.at)?;
            Ok((&words[..i], cond))
        }
    }
}

fn parse_cond(words: &[String], unless: bool, loc: &Loc) -> Result<Cond, ImportError> {
    let mut groups = vec![Vec::new()];
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "||" || w == "or" {
            groups.push(Vec::new());
            i += 1;
            continue;
        }
        let (negated, w) = match w.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, w),
        };
        let (negated, w) = if w.is_empty() {
            i += 1;
            (negated, words.get(i).map_or("", String::as_str))
        } else {
            (negated, w)
        };
        let atom = if w == "{" {
            let close = words[i + 1..]
                .iter()
                .position(|x| x == "}")
                .ok_or_else(|| at(loc, "anonymous ACL `{` is not closed: expected `}` (with a space before it)"))?;
            let inner = words[i + 1..i + 1 + close].to_vec();
            if inner.is_empty() {
                return Err(at(loc, "empty anonymous ACL `{ }`"));
            }
            i += close + 2;
            Atom::Anon(inner)
        } else if w.starts_with('{') || w.ends_with('}') {
            return Err(at(loc, format!("{w:?}: `{{` and `}}` must be separate words")));
        } else if w.is_empty() {
            return Err(at(loc, "expected an ACL after `!`"));
        } else {
            i += 1;
            Atom::Named(w.to_owned())
        };
        if let Some(g) = groups.last_mut() {
            g.push((negated, atom));
        }
    }
    if groups.iter().any(Vec::is_empty) {
        return Err(at(loc, "a condition has an empty operand (around `||`)"));
    }
    Ok(Cond { unless, groups })
}

/// A request as conditions see it.
pub(super) struct Req<'a> {
    /// The path.
    pub path: &'a str,
    /// Transaction variables set so far (`txn.x` -> value).
    pub vars: &'a BTreeMap<String, String>,
}

/// The `path_beg` patterns an ACL uses (the candidates for routes).
pub(super) fn prefixes(words: &[String]) -> Vec<String> {
    let (fetch, flags, values) = split_acl(words);
    let beg = fetch == "path_beg" || (fetch == "path" && flags.iter().any(|f| f == "beg"));
    if beg { values.into_iter().filter(|v| v.starts_with('/')).collect() } else { Vec::new() }
}

/// An ACL's fetch, its `-m` method (and other flags), and its values.
fn split_acl(words: &[String]) -> (String, Vec<String>, Vec<String>) {
    let fetch = words.first().cloned().unwrap_or_default();
    let mut flags = Vec::new();
    let mut values = Vec::new();
    let mut i = 1;
    while i < words.len() {
        let w = &words[i];
        match w.as_str() {
            "-m" | "-f" | "-M" => {
                if let Some(v) = words.get(i + 1) {
                    flags.push(v.clone());
                }
                i += 2;
            }
            "--" => {
                values.extend(words[i + 1..].iter().cloned());
                break;
            }
            f if f.starts_with('-') && values.is_empty() && f.len() > 1 => {
                flags.push(f.trim_start_matches('-').to_owned());
                i += 1;
            }
            _ => {
                values.push(w.clone());
                i += 1;
            }
        }
    }
    (fetch, flags, values)
}

/// A rate comparison: (counter, table, limit).
pub(super) type RateTerm = (u32, Option<String>, u64);

/// A rate comparison `sc_http_req_rate(N[,table]) gt L` (or `scN_http_req_rate[(table)]`, `ge`).
pub(super) fn rate_term(words: &[String]) -> Option<RateTerm> {
    let fetch = words.first()?;
    let (counter, table) = if let Some(args) = fetch.strip_prefix("sc_http_req_rate(").and_then(|a| a.strip_suffix(')'))
    {
        let mut parts = args.split(',');
        let n: u32 = parts.next()?.trim().parse().ok()?;
        (n, parts.next().map(|t| t.trim().to_owned()))
    } else {
        let rest = fetch.strip_prefix("sc")?;
        let (n, rest) = rest.split_once('_')?;
        let n: u32 = n.parse().ok()?;
        let rest = rest.strip_prefix("http_req_rate")?;
        let table =
            rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).filter(|t| !t.is_empty()).map(str::to_owned);
        if !(rest.is_empty() || rest.starts_with('(')) {
            return None;
        }
        (n, table)
    };
    let (_, _, values) = split_acl(words);
    let (op, value) = match values.as_slice() {
        [op, v] => (op.as_str(), v.parse::<u64>().ok()?),
        _ => return None,
    };
    let limit = match op {
        "gt" => value,
        "ge" => value.checked_sub(1)?,
        _ => return None,
    };
    Some((counter, table, limit))
}

/// Evaluates an ACL's words for the request.
fn eval_acl(words: &[String], req: &Req<'_>) -> Tri {
    let (fetch, flags, values) = split_acl(words);
    let nocase = flags.iter().any(|f| f == "i");
    let path = if nocase { req.path.to_ascii_lowercase() } else { req.path.to_owned() };
    let norm = |v: &String| if nocase { v.to_ascii_lowercase() } else { v.clone() };
    let method = flags.iter().find(|f| {
        ["str", "beg", "found", "int", "reg", "sub", "end", "dir", "dom", "len", "bool"].contains(&f.as_str())
    });
    let bool_of = |b: bool| if b { Tri::True } else { Tri::False };
    match fetch.as_str() {
        "path_beg" => bool_of(values.iter().any(|v| path.starts_with(&norm(v)))),
        "path" => match method.map(String::as_str) {
            Some("beg") => bool_of(values.iter().any(|v| path.starts_with(&norm(v)))),
            None | Some("str") => bool_of(values.iter().any(|v| path == norm(v))),
            _ => Tri::Unknown,
        },
        "always_true" | "TRUE" | "HTTP" => Tri::True,
        "always_false" | "FALSE" => Tri::False,
        f if f.starts_with("var(") => {
            let name = f.trim_start_matches("var(").trim_end_matches(')');
            let name = name.split(',').next().unwrap_or(name);
            let value = req.vars.get(name);
            match method.map(String::as_str) {
                Some("found") => bool_of(value.is_some()),
                None | Some("str") => bool_of(value.is_some_and(|v| values.iter().any(|x| x == v))),
                _ => Tri::Unknown,
            }
        }
        // The client sends its key: a limit keyed on it applies (a request without one is not
        // limited in the simulation either).
        f if (f.starts_with("req.hdr(") || f.starts_with("hdr(")) && method.is_some_and(|m| m == "found") => Tri::True,
        _ => Tri::Unknown,
    }
}

/// Evaluates an atom; named ACLs are looked up in `acls` (then HAProxy's predefined ones).
fn eval_atom(atom: &Atom, acls: &Acls, req: &Req<'_>) -> Tri {
    match atom {
        Atom::Anon(words) => eval_acl(words, req),
        Atom::Named(name) => match acls.get(name) {
            Some(defs) => {
                let mut result = Tri::False;
                for d in defs {
                    match eval_acl(d, req) {
                        Tri::True => return Tri::True,
                        Tri::Unknown => result = Tri::Unknown,
                        Tri::False => {}
                    }
                }
                result
            }
            None => eval_acl(std::slice::from_ref(name), req),
        },
    }
}

/// Evaluates a condition, leaving out the atom at (group, index) `skip` (a rate comparison the
/// caller handles).
pub(super) fn eval(cond: &Cond, acls: &Acls, req: &Req<'_>, skip: Option<(usize, usize)>) -> Tri {
    if cond.groups.is_empty() {
        return Tri::True;
    }
    let mut any = Tri::False;
    for (gi, g) in cond.groups.iter().enumerate() {
        let mut all = Tri::True;
        for (ai, (negated, atom)) in g.iter().enumerate() {
            if skip == Some((gi, ai)) {
                continue;
            }
            let v = eval_atom(atom, acls, req);
            let v = if *negated { v.not() } else { v };
            all = match (all, v) {
                (Tri::False, _) | (_, Tri::False) => Tri::False,
                (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
                _ => Tri::True,
            };
        }
        any = match (any, all) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::False,
        };
    }
    if cond.unless { any.not() } else { any }
}

/// The words of the atom (anonymous, or a named ACL with one definition).
pub(super) fn atom_words<'a>(atom: &'a Atom, acls: &'a Acls) -> Option<&'a [String]> {
    match atom {
        Atom::Anon(w) => Some(w),
        Atom::Named(n) => match acls.get(n).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        },
    }
}

/// Every ACL's words the condition uses (for collecting route prefixes).
pub(super) fn cond_acls<'a>(cond: &'a Cond, acls: &'a Acls) -> Vec<&'a [String]> {
    let mut out = Vec::new();
    for (_, atom) in cond.groups.iter().flatten() {
        match atom {
            Atom::Anon(w) => out.push(w.as_slice()),
            Atom::Named(n) => out.extend(acls.get(n).into_iter().flatten().map(Vec::as_slice)),
        }
    }
    out
}

/// The rate comparison of a deny condition: (group, index) of the atom, and the comparison. A
/// comparison under `||` or negated is not mapped (`None` and the caller lists the rule).
pub(super) fn find_rate(cond: &Cond, acls: &Acls) -> Option<((usize, usize), RateTerm)> {
    for (gi, g) in cond.groups.iter().enumerate() {
        for (ai, (negated, atom)) in g.iter().enumerate() {
            if let Some(t) = atom_words(atom, acls).and_then(rate_term) {
                if *negated || cond.groups.len() > 1 || cond.unless {
                    return None;
                }
                return Some(((gi, ai), t));
            }
        }
    }
    None
}

/// Whether the condition mentions a rate comparison at all.
pub(super) fn mentions_rate(cond: &Cond, acls: &Acls) -> bool {
    cond_acls(cond, acls).iter().any(|w| w.first().is_some_and(|f| f.contains("http_req_rate")))
}
