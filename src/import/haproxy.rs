//! HAProxy sections to [`Ir`]. The first `frontend` (or `listen`) that routes somewhere is the
//! gateway. Its routes are found by evaluating its rules, in HAProxy's order, for each path prefix
//! its conditions test (`path_beg`, `path -m beg`; `/` when it has a `default_backend`):
//! `tcp-request ... track-scN`, then `http-request set-var`/`track-scN`/`deny`, then `use_backend`
//! (first match), then `default_backend`; then the backend's own `http-request` rules. A deny whose
//! condition compares `sc_http_req_rate` with the stick table tracked on that counter becomes the
//! route's `HaproxyHttpReqRate`; a deny without one takes the path out of the routes.

use super::haproxy_rules::{self as rules, Acls, Cond, Req, Tri};
use super::haproxy_syntax::{Line, Section, parse, time_ms};
use super::{ImportError, Ir, IrPool, IrRoute, Loc, Note, NoteKind, at};
use crate::model::{LimitKey, Limiter, RateLimit};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod backend;

/// A stick table's `expire` when it has none (entries then never expire), ms: one year.
const NO_EXPIRE_MS: u64 = 366 * 86_400_000;

/// Most evaluations of a rule for a path prefix in one frontend (a real config needs thousands).
const MAX_EVALUATIONS: usize = 5_000_000;

/// A frontend, backend or listen section with the defaults it inherits.
struct Proxy {
    name: String,
    at: Loc,
    lines: Vec<Line>,
    defaults: Vec<Line>,
    listen: bool,
}

struct Table {
    period_ms: Option<u64>,
    expire_ms: Option<u64>,
    at: Loc,
}

/// A stick-table counter being tracked: the key, the table, where.
type Tracked = BTreeMap<u32, (LimitKey, String, Loc)>;

/// A rate comparison that applies: (counter, table, limit, deny status, where).
type Found = (u32, Option<String>, u64, u16, Loc);

/// What the rules have done to a request so far.
#[derive(Default)]
struct State {
    /// Transaction variables set.
    vars: BTreeMap<String, String>,
    /// Counters tracked.
    tracked: Tracked,
    /// The first rate comparison that applies.
    limit: Option<Found>,
}

struct Reader<'n> {
    notes: &'n mut Vec<Note>,
    backends: BTreeMap<String, Proxy>,
    tables: BTreeMap<String, Table>,
    /// Lines already listed (a rule is listed once, not once per route).
    listed: BTreeSet<(std::path::PathBuf, usize)>,
}

/// Reads an `haproxy.cfg`.
pub(super) fn read(text: &str, path: &Path, notes: &mut Vec<Note>) -> Result<Ir, ImportError> {
    let sections = parse(text, path)?;
    let mut r = Reader { notes, backends: BTreeMap::new(), tables: BTreeMap::new(), listed: BTreeSet::new() };
    let mut defaults: Vec<Line> = Vec::new();
    let mut frontends: Vec<Proxy> = Vec::new();
    for s in sections {
        let Section { kind, name, at: loc, lines } = s;
        let proxy = |listen| Proxy {
            name: name.clone().unwrap_or_default(),
            at: loc.clone(),
            lines: lines.clone(),
            defaults: defaults.clone(),
            listen,
        };
        match kind.as_str() {
            "global" => r.note(&loc, NoteKind::Ignored, "global: process-wide settings"),
            "defaults" => {
                for l in &lines {
                    if !is_proxy_keyword(l) {
                        r.classify(l);
                    }
                }
                defaults = lines;
            }
            "frontend" => frontends.push(proxy(false)),
            "backend" | "listen" => {
                let p = proxy(kind == "listen");
                r.table_of(&p)?;
                if r.backends.contains_key(&p.name) {
                    return Err(at(&loc, format!("backend {:?} is defined twice", p.name)));
                }
                // A listen section without servers (a stats page) routes nothing.
                if kind == "listen" && lines.iter().any(|l| l.word(0) == "server") {
                    frontends.push(proxy(true));
                } else if kind == "listen" {
                    r.note(&loc, NoteKind::Ignored, "a listen section without servers (a stats page): routes nothing");
                }
                r.backends.insert(p.name.clone(), p);
            }
            other => r.note(&loc, NoteKind::Ignored, format!("{other} section: not part of request routing")),
        }
    }
    // A listen section's table was recorded with the backends.
    for f in frontends.iter().filter(|f| !f.listen) {
        r.table_of(f)?;
    }
    let mut chosen = None;
    let mut pools: Vec<IrPool> = Vec::new();
    for f in &frontends {
        let routes = r.frontend(f, &mut pools)?;
        match (&chosen, routes.is_empty()) {
            // A listen section is the gateway and the balancer: the balancer keeps the name.
            (None, false) if f.listen => chosen = Some((format!("{}-gw", f.name), f.at.clone(), routes)),
            (None, false) => chosen = Some((f.name.clone(), f.at.clone(), routes)),
            (Some(_), false) => {
                r.note(&f.at, NoteKind::NotMapped, "a second frontend that routes: one gateway is imported, the first")
            }
            (_, true) if !f.listen => r.note(&f.at, NoteKind::NotMapped, "a frontend that routes no path to a backend"),
            _ => {}
        }
    }
    let Some((name, loc, routes)) = chosen else {
        return Err(ImportError::File {
            path: path.to_owned(),
            message: "nothing to import: no frontend routes a path to a backend".into(),
        });
    };
    Ok(Ir { gateway: (name, loc), routes, pools, included: Vec::new() })
}

/// Keywords read from `defaults` by the proxies that inherit them.
fn is_proxy_keyword(l: &Line) -> bool {
    let k = l.word(0);
    matches!(k, "mode" | "balance" | "retries" | "default-server" | "timeout" | "default_backend")
        || (k == "option" && l.word(1) == "redispatch")
        || (k == "no" && l.word(2) == "redispatch")
}

/// The limit key of a `track-scN` sample.
fn limit_key(sample: &str) -> (LimitKey, Option<String>) {
    let s = sample.to_ascii_lowercase();
    let header = ["req.hdr(", "hdr(", "req.fhdr("]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .map(|h| h.trim_end_matches(')').to_owned());
    match (s.as_str(), header.as_deref()) {
        ("src", _) => (LimitKey::Client, None),
        (_, Some("x-api-key")) => (LimitKey::User, None),
        (_, Some("x-client-key")) => (LimitKey::Client, None),
        (s, _) if s.starts_with("str(") => (LimitKey::Global, None),
        (_, Some(h)) => {
            (LimitKey::User, Some(format!("key {sample}: header {h} is simulated as the user's key (LimitKey::User)")))
        }
        (s, _) if s.starts_with("req.cook(") || s.starts_with("url_param(") => {
            (LimitKey::User, Some(format!("key {sample}: simulated as the user's key (LimitKey::User)")))
        }
        _ => (
            LimitKey::Client,
            Some(format!("key {sample}: not modelled, simulated as the client address (LimitKey::Client)")),
        ),
    }
}

impl Reader<'_> {
    fn note(&mut self, loc: &Loc, kind: NoteKind, text: impl Into<String>) {
        self.notes.push(Note { at: Some(loc.clone()), kind, text: text.into() });
    }

    /// Lists a rule once, however many routes it is evaluated for.
    fn note_once(&mut self, loc: &Loc, kind: NoteKind, text: impl Into<String>) {
        if self.listed.insert((loc.file.clone(), loc.line)) {
            self.note(loc, kind, text);
        }
    }

    /// Lists rule `l` once as not imported: its condition tests what the simulation does not model
    /// (a header, the method, the source...).
    fn unmodelled_condition(&mut self, l: &Line) {
        let text =
            format!("{}: the condition tests what the simulation does not model; not imported", l.words.join(" "));
        self.note_once(&l.at, NoteKind::NotMapped, text);
    }

    /// Lists a line no importer step reads: ignored (no effect on the simulation) or not mapped.
    fn classify(&mut self, l: &Line) {
        let k = l.word(0);
        let text = l.words.join(" ");
        let (kind, why) = match k {
            "log"
            | "option"
            | "capture"
            | "http-response"
            | "http-after-response"
            | "errorfile"
            | "errorloc"
            | "monitor-uri"
            | "stats"
            | "compression"
            | "unique-id-format"
            | "unique-id-header"
            | "maxconn"
            | "bind"
            | "description"
            | "email-alert"
            | "log-format"
            | "http-check"
            | "http-reuse"
            | "rate-limit"
            | "fullconn" => (NoteKind::Ignored, "no effect on what gatesim simulates"),
            "timeout"
                if matches!(
                    l.word(1),
                    "client" | "http-request" | "http-keep-alive" | "check" | "tunnel" | "client-fin" | "server-fin"
                ) =>
            {
                (NoteKind::Ignored, "no effect on what gatesim simulates")
            }
            "mode" if l.word(1) == "http" => return,
            "mode" => (NoteKind::NotMapped, "TCP mode: routing by path does not apply"),
            "cookie" | "stick" | "hash-type" | "hash-balance-factor" => {
                (NoteKind::NotMapped, "persistence and hashing options are not simulated")
            }
            "redirect" => (NoteKind::NotMapped, "redirects are not simulated"),
            _ => (NoteKind::NotMapped, "not known to gatesim; its effect is not simulated"),
        };
        self.note(&l.at, kind, format!("{text}: {why}"));
    }

    /// Records the stick table a proxy declares (named after it).
    fn table_of(&mut self, p: &Proxy) -> Result<(), ImportError> {
        for l in p.lines.iter().filter(|l| l.word(0) == "stick-table") {
            let (mut period_ms, mut expire_ms) = (None, None);
            let mut i = 1;
            while i < l.words.len() {
                let w = l.word(i);
                match w {
                    "expire" => {
                        let v = l.word(i + 1);
                        expire_ms = Some(
                            time_ms(v, 1)
                                .filter(|&e| e > 0)
                                .ok_or_else(|| at(&l.at, format!("stick-table: expire {v:?} is not a time")))?,
                        );
                        i += 2;
                    }
                    "store" => {
                        for item in l.word(i + 1).split(',') {
                            if let Some(p) = item.strip_prefix("http_req_rate(").and_then(|x| x.strip_suffix(')')) {
                                let ms = time_ms(p, 1).filter(|&ms| ms > 0);
                                period_ms = Some(ms.ok_or_else(|| {
                                    at(&l.at, format!("stick-table: http_req_rate({p}): {p:?} is not a period"))
                                })?);
                            }
                        }
                        i += 2;
                    }
                    "nopurge" | "recv-only" => i += 1,
                    _ => i += 2,
                }
            }
            if self.tables.insert(p.name.clone(), Table { period_ms, expire_ms, at: l.at.clone() }).is_some() {
                return Err(at(&l.at, format!("a second stick-table in {:?}", p.name)));
            }
        }
        Ok(())
    }

    fn acls(lines: &[Line]) -> Acls {
        let mut acls = Acls::new();
        for l in lines.iter().filter(|l| l.word(0) == "acl" && l.words.len() > 2) {
            acls.entry(l.word(1).to_owned()).or_default().push(l.words[2..].to_vec());
        }
        acls
    }

    /// The routes of a frontend (or listen section).
    fn frontend(&mut self, f: &Proxy, pools: &mut Vec<IrPool>) -> Result<Vec<IrRoute>, ImportError> {
        let acls = Self::acls(&f.lines);
        let mut tcp: Vec<(&Line, Cond)> = Vec::new();
        let mut http: Vec<(&Line, Cond)> = Vec::new();
        let mut use_backend: Vec<(&Line, Cond)> = Vec::new();
        // `default_backend` may come from the defaults section; a listen section is its own.
        let mut default = f
            .defaults
            .iter()
            .rev()
            .find(|l| l.word(0) == "default_backend")
            .map(|l| (l.word(1).to_owned(), l.at.clone()));
        if f.listen {
            default = Some((f.name.clone(), f.at.clone()));
        }
        for l in &f.lines {
            match l.word(0) {
                "acl" | "stick-table" | "bind" => {}
                "tcp-request" if l.word(2).starts_with("track-sc") => tcp.push((l, rules::split_cond(l, 2)?.1)),
                "http-request" => http.push((l, rules::split_cond(l, 1)?.1)),
                "use_backend" => use_backend.push((l, rules::split_cond(l, 1)?.1)),
                "default_backend" => default = Some((l.word(1).to_owned(), l.at.clone())),
                "server" | "balance" | "retries" | "default-server" if f.listen => {}
                "timeout" | "option" if f.listen => {}
                _ if f.listen && is_proxy_keyword(l) => {}
                _ => self.classify(l),
            }
        }
        if default.as_ref().is_some_and(|d| d.0.is_empty()) {
            return Err(at(&f.at, "default_backend: expected a backend name"));
        }
        // Candidate prefixes, with the line that tests each.
        let mut candidates: BTreeMap<String, Loc> = BTreeMap::new();
        for (l, c) in tcp.iter().chain(&http).chain(&use_backend) {
            for words in rules::cond_acls(c, &acls) {
                for p in rules::prefixes(words) {
                    candidates.entry(p).or_insert_with(|| l.at.clone());
                }
            }
        }
        if let Some((_, loc)) = &default {
            candidates.entry("/".into()).or_insert_with(|| loc.clone());
        }
        let mut rules_all: Vec<(&Line, Cond)> = tcp;
        rules_all.extend(http);
        // Every prefix is evaluated against every rule: bound the work a hostile file can ask for.
        let backend_rules = self.backends.values().map(|b| b.lines.len()).max().unwrap_or(0);
        let rule_count = rules_all.len() + use_backend.len() + backend_rules;
        if candidates.len().saturating_mul(rule_count + 1) > MAX_EVALUATIONS {
            return Err(at(
                &f.at,
                format!(
                    "{} path prefixes tested by {rule_count} rules: more than the {MAX_EVALUATIONS} evaluations an import does",
                    candidates.len(),
                ),
            ));
        }
        let mut routes = Vec::new();
        // Per candidate: the tables its requests are counted in.
        let mut counted: Vec<(String, Vec<(String, Loc)>)> = Vec::new();
        for (prefix, loc) in candidates {
            let mut state = State::default();
            let req_path = prefix.clone();
            if let Some((status, deny_at)) = self.rules(&rules_all, &acls, &f.name, &req_path, &mut state)? {
                if status != 404 {
                    self.note(
                        &deny_at,
                        NoteKind::NotMapped,
                        format!("requests under {prefix} are answered {status} here: not simulated (they take the route their path matches, or 404)"),
                    );
                }
                continue;
            }
            let req = Req { path: &req_path, vars: &state.vars };
            let mut chosen = None;
            for (l, c) in &use_backend {
                if l.word(1).contains('%') {
                    let text = format!(
                        "{}: a backend chosen at run time is not simulated; rule not imported",
                        l.words.join(" ")
                    );
                    self.note_once(&l.at, NoteKind::NotMapped, text);
                    continue;
                }
                match rules::eval(c, &acls, &req, None) {
                    Tri::True => {
                        chosen = Some((l.word(1).to_owned(), l.at.clone()));
                        break;
                    }
                    Tri::Unknown => self.note_once(
                        &l.at,
                        NoteKind::NotMapped,
                        format!(
                            "{}: the condition tests what the simulation does not model; rule not imported",
                            l.words.join(" ")
                        ),
                    ),
                    Tri::False => {}
                }
            }
            let Some((backend, route_at)) = chosen.or_else(|| default.clone()) else { continue };
            if backend.contains('%') {
                self.note_once(
                    &route_at,
                    NoteKind::NotMapped,
                    "a backend chosen by a sample expression at run time: not imported",
                );
                continue;
            }
            let Some(be) = self.backends.get(&backend) else {
                return Err(at(&route_at, format!("backend {backend:?} is not defined")));
            };
            let (be_name, be_lines, be_defaults) = (be.name.clone(), be.lines.clone(), be.defaults.clone());
            // The backend's own rules: tracking, denies, timeouts.
            let be_acls = Self::acls(&be_lines);
            let mut be_rules = Vec::new();
            for l in be_lines.iter().filter(|l| l.word(0) == "http-request") {
                be_rules.push((l, rules::split_cond(l, 1)?.1));
            }
            // A listen section's own rules were run as the frontend's.
            if (!f.listen || be_name != f.name)
                && let Some((status, deny_at)) = self.rules(&be_rules, &be_acls, &be_name, &req_path, &mut state)?
            {
                if status != 404 {
                    self.note(
                        &deny_at,
                        NoteKind::NotMapped,
                        format!("requests under {prefix} are answered {status} here: not simulated (they take the route their path matches, or 404)"),
                    );
                }
                continue;
            }
            let mut timeout_ms = None;
            for l in be_defaults.iter().chain(&be_lines).filter(|l| l.word(0) == "timeout" && l.word(1) == "server") {
                timeout_ms = Some(
                    time_ms(l.word(2), 1)
                        .ok_or_else(|| at(&l.at, format!("timeout server {:?} is not a time", l.word(2))))?
                        as f64,
                );
            }
            let req = Req { path: &req_path, vars: &state.vars };
            for (l, c) in &be_rules {
                if l.word(1) == "set-timeout"
                    && l.word(2) == "server"
                    && rules::eval(c, &be_acls, &req, None) == Tri::True
                {
                    let t = time_ms(l.word(3), 1)
                        .ok_or_else(|| at(&l.at, format!("set-timeout server {:?} is not a time", l.word(3))))?;
                    timeout_ms = Some(t as f64);
                }
            }
            let pool = match pools.iter().position(|p| p.name == be_name) {
                Some(i) => i,
                None => {
                    let p = self.pool(&be_name)?;
                    pools.push(p);
                    pools.len() - 1
                }
            };
            counted.push((prefix.clone(), state.tracked.values().map(|t| (t.1.clone(), t.2.clone())).collect()));
            let limit = self.limit(state.limit, &state.tracked)?;
            if let Err(why) = crate::model::names::check_path(&prefix) {
                return Err(at(&loc, format!("path {prefix:?} cannot be a gatesim route: {why}")));
            }
            routes.push(IrRoute { prefix, at: route_at, pool, timeout_ms, limit });
        }
        // A table counts every request tracked in it: a limited route's rate includes the
        // requests of routes that only track.
        for r in &routes {
            let Some((_, table, _)) = &r.limit else { continue };
            let mut others = Vec::new();
            let mut line = None;
            for (other, tables) in &counted {
                let limited_too =
                    routes.iter().any(|q| &q.prefix == other && q.limit.as_ref().is_some_and(|l| &l.1 == table));
                if let Some((_, loc)) = tables.iter().find(|(t, _)| t == table).filter(|_| !limited_too) {
                    others.push(other.as_str());
                    line.get_or_insert_with(|| loc.clone());
                }
            }
            if let Some(loc) = line {
                let text = format!(
                    "requests under {} are counted in table {table:?} too, which limits {}: the simulated limiter counts its own route's requests only",
                    others.join(", "),
                    r.prefix
                );
                self.note(&loc, NoteKind::NotMapped, text);
            }
        }
        Ok(routes)
    }

    /// Runs `http-request` (and `tcp-request` tracking) rules for a request: sets variables,
    /// tracks counters, finds the rate limit; `Some((status, line))` when a rule denies it.
    fn rules(
        &mut self,
        list: &[(&Line, Cond)],
        acls: &Acls,
        proxy: &str,
        path: &str,
        state: &mut State,
    ) -> Result<Option<(u16, Loc)>, ImportError> {
        for (l, c) in list {
            let first = if l.word(0) == "tcp-request" { 2 } else { 1 };
            let action = l.word(first);
            let rate = rules::find_rate(c, acls);
            let truth = rules::eval(c, acls, &Req { path, vars: &state.vars }, rate.as_ref().map(|r| r.0));
            if let Some(var) = action.strip_prefix("set-var(").and_then(|v| v.split([',', ')']).next()) {
                if truth == Tri::True {
                    let expr = l.word(first + 1);
                    let value = expr.strip_prefix("str(").and_then(|v| v.strip_suffix(')')).unwrap_or(expr);
                    state.vars.insert(var.to_owned(), value.to_owned());
                } else if truth == Tri::Unknown {
                    self.unmodelled_condition(l);
                }
                continue;
            }
            if let Some(n) = action.strip_prefix("track-sc") {
                let n: u32 = n
                    .parse()
                    .map_err(|_| at(&l.at, format!("{action}: expected track-sc0, track-sc1 or track-sc2")))?;
                let sample = l.word(first + 1);
                let words = &l.words[first..];
                let table = match words.iter().position(|w| w == "table") {
                    Some(i) => words.get(i + 1).cloned().unwrap_or_default(),
                    None => proxy.to_owned(),
                };
                if truth == Tri::True && !state.tracked.contains_key(&n) {
                    let (key, why) = limit_key(sample);
                    if let Some(why) = why {
                        self.note_once(&l.at, NoteKind::NotMapped, why);
                    }
                    state.tracked.insert(n, (key, table, l.at.clone()));
                } else if truth == Tri::Unknown {
                    self.unmodelled_condition(l);
                }
                continue;
            }
            match action {
                "deny" | "tarpit" | "reject" | "silent-drop" | "return" => {
                    let words = &l.words[first..];
                    let status_word = words.iter().position(|w| w == "deny_status" || w == "status");
                    let default = if action == "tarpit" { 500 } else { 403 };
                    let status: u16 = match status_word.and_then(|i| words.get(i + 1)) {
                        Some(s) => {
                            s.parse().map_err(|_| at(&l.at, format!("{action}: status {s:?} is not a number")))?
                        }
                        None => default,
                    };
                    match (rate, truth) {
                        (Some((_, (counter, table, gt))), Tri::True) => {
                            if state.limit.is_none() {
                                state.limit = Some((counter, table, gt, status, l.at.clone()));
                            } else {
                                self.note_once(
                                    &l.at,
                                    NoteKind::NotMapped,
                                    "a second rate limit on one route: the simulated route has one, the first",
                                );
                            }
                        }
                        (None, _) if rules::mentions_rate(c, acls) => {
                            self.note_once(
                                &l.at,
                                NoteKind::NotMapped,
                                "a rate comparison under `||`, `!` or `unless` is not mapped",
                            );
                        }
                        (None, Tri::True) => return Ok(Some((status, l.at.clone()))),
                        (_, Tri::Unknown) => self.unmodelled_condition(l),
                        _ => {}
                    }
                }
                "set-timeout" => {}
                "redirect" | "set-path" | "replace-path" | "set-uri" | "replace-uri" | "set-pathq" => {
                    self.note_once(
                        &l.at,
                        NoteKind::NotMapped,
                        format!("{}: path rewriting and redirects are not simulated", l.words.join(" ")),
                    );
                }
                _ => self.note_once(
                    &l.at,
                    NoteKind::Ignored,
                    format!("{}: no effect on what gatesim simulates", l.words.join(" ")),
                ),
            }
        }
        Ok(None)
    }

    /// The route's rate limit from the deny rule found and the counter it reads.
    fn limit(
        &mut self,
        found: Option<Found>,
        tracked: &Tracked,
    ) -> Result<Option<(RateLimit, String, Loc)>, ImportError> {
        let Some((counter, table, gt, status, deny_at)) = found else { return Ok(None) };
        let Some((key, tracked_table, track_at)) = tracked.get(&counter) else {
            self.note_once(
                &deny_at,
                NoteKind::NotMapped,
                format!("sc{counter} is not tracked for these requests: the rule never denies"),
            );
            return Ok(None);
        };
        let table_name = table.unwrap_or_else(|| tracked_table.clone());
        let Some(t) = self.tables.get(&table_name) else {
            return Err(at(
                track_at,
                format!("table {table_name:?}: no stick-table is declared in a proxy of that name"),
            ));
        };
        let Some(period_ms) = t.period_ms else {
            let loc = t.at.clone();
            self.note_once(
                &loc,
                NoteKind::NotMapped,
                format!("table {table_name:?} stores no http_req_rate: the rule at line {} never denies", deny_at.line),
            );
            return Ok(None);
        };
        let expire_ms = match t.expire_ms {
            Some(e) => e,
            None => {
                let loc = t.at.clone();
                self.note_once(
                    &loc,
                    NoteKind::NotMapped,
                    "no expire: entries are kept until the table is full; simulated as kept one year",
                );
                NO_EXPIRE_MS
            }
        };
        let algorithm = Limiter::HaproxyHttpReqRate { period_ms, limit: gt, expire_ms, deny_status: status };
        if let Some(problem) = algorithm.problem() {
            return Err(at(&deny_at, problem));
        }
        Ok(Some((RateLimit { key: *key, algorithm }, table_name, track_at.clone())))
    }
}
