//! NGINX directives to [`Ir`]: `limit_req_zone` + `limit_req` (+ `limit_req_status`) to a route's
//! `NginxLimitReq`, `upstream` (`least_conn`, `ip_hash`, `hash`, `server ... weight max_fails
//! fail_timeout`) to a balancer, `proxy_next_upstream[_tries]` to its failover, prefix `location`s
//! with `proxy_pass` to routes, `proxy_read_timeout` to route timeouts. `limit_req*`,
//! `proxy_read_timeout` and `proxy_next_upstream*` are inherited from `http` and `server` as NGINX
//! inherits them.

use super::nginx_syntax::{Directive, Includer, parse};
use super::{ImportError, Ir, IrPool, IrRoute, IrServer, Loc, Note, NoteKind, at};
use crate::model::{Balance, Failover, LimitKey, Limiter, NextUpstreamOn, RateLimit};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod upstream;

/// NGINX's default `proxy_read_timeout`, ms.
pub(super) const DEFAULT_READ_TIMEOUT_MS: f64 = 60_000.0;

/// Reads an `nginx.conf` (with `events` and `http`) or an http-context snippet.
pub(super) fn read(text: &str, path: &Path, notes: &mut Vec<Note>) -> Result<Ir, ImportError> {
    let top = parse(text, path)?;
    let mut includer = Includer::new(path);
    let top = includer.expand(top)?;
    let included = includer.read;
    let https: Vec<&Directive> = top.iter().filter(|d| d.name == "http").collect();
    let mut reader = Reader {
        notes,
        zones: BTreeMap::new(),
        upstreams: BTreeMap::new(),
        servers: Vec::new(),
        failover_set: BTreeSet::new(),
        path: path.to_owned(),
    };
    let http_body: Vec<Directive> = if https.is_empty() {
        top.clone()
    } else {
        if let Some(second) = https.get(1) {
            return Err(at(&second.at, "\"http\" directive is duplicate (NGINX refuses a second http block)"));
        }
        for d in &top {
            match d.name.as_str() {
                "http" => {}
                "stream" => reader.note(d, NoteKind::NotMapped, "TCP/UDP proxying (stream) is not simulated"),
                "events" => reader.note(d, NoteKind::Ignored, "connection processing settings"),
                _ => reader.unknown_or_ignored(d),
            }
        }
        https[0].block.clone().unwrap_or_default()
    };
    let mut ir = reader.http(&http_body)?;
    ir.included = included;
    Ok(ir)
}

#[derive(Clone, Debug, Default)]
struct Inherited {
    limit_req: Option<Vec<Directive>>,
    limit_req_status: Option<(u16, Loc)>,
    read_timeout_ms: Option<f64>,
    next_upstream: Option<Directive>,
    tries: Option<u32>,
    next_timeout_ms: Option<u64>,
}

struct Zone {
    key: LimitKey,
    rate: String,
}

struct Upstream {
    name: String,
    at: Loc,
    algorithm: Balance,
    servers: Vec<IrServer>,
}

struct Reader<'n> {
    notes: &'n mut Vec<Note>,
    zones: BTreeMap<String, Zone>,
    /// By name in lower case (NGINX compares upstream names without case).
    upstreams: BTreeMap<String, Upstream>,
    servers: Vec<Directive>,
    /// Pools whose failover a location has set (lower case).
    failover_set: BTreeSet<String>,
    /// The imported file.
    path: std::path::PathBuf,
}

/// Directives that have no bearing on what gatesim simulates, by name or prefix, and why.
const IGNORED: &[(&str, &str)] = &[
    ("ssl", "TLS settings"),
    ("gzip", "compression"),
    ("access_log", "logging"),
    ("error_log", "logging"),
    ("log_", "logging"),
    ("limit_req_log_level", "logging"),
    ("client_", "request body and header buffers"),
    ("proxy_set_header", "request headers"),
    ("proxy_hide_header", "response headers"),
    ("proxy_pass_header", "response headers"),
    ("proxy_http_version", "the upstream protocol version"),
    ("proxy_buffer", "response buffering"),
    ("proxy_redirect", "Location header rewriting"),
    ("proxy_ssl", "TLS to upstreams"),
    ("proxy_connect_timeout", "connection failures are immediate in the simulation"),
    ("proxy_send_timeout", "the simulated request is sent at once"),
    ("add_header", "response headers"),
    ("more_set_headers", "response headers"),
    ("keepalive", "connection reuse"),
    ("sendfile", "file serving"),
    ("tcp_", "socket options"),
    ("types", "MIME types"),
    ("default_type", "MIME types"),
    ("charset", "character sets"),
    ("server_tokens", "the Server header"),
    ("server_names_hash", "hash table sizes"),
    ("variables_hash", "hash table sizes"),
    ("types_hash", "hash table sizes"),
    ("resolver", "DNS resolution"),
    ("real_ip", "client address from headers"),
    ("set_real_ip_from", "client address from headers"),
    ("open_file_cache", "file caching"),
    ("listen", "the listening address (an export option, not part of the scenario)"),
    ("server_name", "used as the gateway's name"),
    ("http2", "the protocol"),
    ("user", "process settings"),
    ("worker_", "process settings"),
    ("pid", "process settings"),
    ("daemon", "process settings"),
    ("master_process", "process settings"),
    ("load_module", "process settings"),
    ("env", "process settings"),
    ("pcre_jit", "process settings"),
    ("thread_pool", "process settings"),
    ("timer_resolution", "process settings"),
    ("lock_file", "process settings"),
    ("map", "variables (only used by directives that are listed when not mapped)"),
    ("geo", "variables (only used by directives that are listed when not mapped)"),
    ("zone", "upstream state in shared memory (the simulated balancer has one state)"),
    ("events", "connection processing settings"),
];

fn ignored_reason(name: &str) -> Option<&'static str> {
    IGNORED
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .map(|(_, why)| *why)
        .or_else(|| name.ends_with("_temp_path").then_some("temporary files"))
}

/// Whole milliseconds from an NGINX time (`60s`, `500ms`, `1m30s`; a bare number is seconds).
pub(super) fn time_ms(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len): (u64, usize) = if rest.starts_with("ms") {
            (1, 2)
        } else {
            match rest.chars().next() {
                None => (1000, 0),
                Some('s') => (1000, 1),
                Some('m') => (60_000, 1),
                Some('h') => (3_600_000, 1),
                Some('d') => (86_400_000, 1),
                Some('w') => (604_800_000, 1),
                Some('M') => (2_592_000_000, 1),
                Some('y') => (31_536_000_000, 1),
                _ => return None,
            }
        };
        rest = &rest[len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}

fn number<T: std::str::FromStr>(d: &Directive, what: &str, v: &str) -> Result<T, ImportError> {
    v.parse().map_err(|_| at(&d.at, format!("{}: {what} {v:?} is not a valid number", d.name)))
}

impl Reader<'_> {
    fn note(&mut self, d: &Directive, kind: NoteKind, why: impl std::fmt::Display) {
        self.notes.push(Note { at: Some(d.at.clone()), kind, text: format!("{}: {why}", d.name) });
    }

    fn unknown_or_ignored(&mut self, d: &Directive) {
        match ignored_reason(&d.name) {
            Some(why) => self.note(d, NoteKind::Ignored, why),
            None => self.note(d, NoteKind::NotMapped, "not known to gatesim; its effect is not simulated"),
        }
    }

    /// A directive that may appear in http, server and location, read into `inh`; false if `d` is
    /// not one.
    fn inheritable(
        &mut self,
        d: &Directive,
        inh: &mut Inherited,
        level_limits: &mut Vec<Directive>,
    ) -> Result<bool, ImportError> {
        match d.name.as_str() {
            "limit_req" => level_limits.push(d.clone()),
            "limit_req_status" => {
                let [s] = d.args.as_slice() else { return Err(at(&d.at, "limit_req_status takes one status code")) };
                inh.limit_req_status = Some((number(d, "status", s)?, d.at.clone()));
            }
            "proxy_read_timeout" => {
                let [t] = d.args.as_slice() else { return Err(at(&d.at, "proxy_read_timeout takes one time")) };
                let ms = time_ms(t)
                    .ok_or_else(|| at(&d.at, format!("proxy_read_timeout: {t:?} is not a time (like 60s or 500ms)")))?;
                inh.read_timeout_ms = Some(ms as f64);
            }
            "proxy_next_upstream" => inh.next_upstream = Some(d.clone()),
            "proxy_next_upstream_tries" => {
                let [t] = d.args.as_slice() else {
                    return Err(at(&d.at, "proxy_next_upstream_tries takes one number"));
                };
                inh.tries = Some(number(d, "tries", t)?);
            }
            "proxy_next_upstream_timeout" => {
                let [t] = d.args.as_slice() else {
                    return Err(at(&d.at, "proxy_next_upstream_timeout takes one time"));
                };
                let ms = time_ms(t).ok_or_else(|| {
                    at(&d.at, format!("proxy_next_upstream_timeout: {t:?} is not a time (like 5s or 500ms)"))
                })?;
                inh.next_timeout_ms = Some(ms);
            }
            "limit_req_dry_run" if d.args.first().is_some_and(|a| a == "on") => {
                self.note(
                    d,
                    NoteKind::NotMapped,
                    "dry run: the config rejects nothing, the simulation rejects as configured",
                );
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn http(mut self, body: &[Directive]) -> Result<Ir, ImportError> {
        let mut inh = Inherited::default();
        let mut limits = Vec::new();
        for d in body {
            if self.inheritable(d, &mut inh, &mut limits)? {
                continue;
            }
            match d.name.as_str() {
                "limit_req_zone" => self.zone(d)?,
                "upstream" => self.upstream(d)?,
                "server" if d.block.is_some() => self.servers.push(d.clone()),
                _ => self.other(d),
            }
        }
        if !limits.is_empty() {
            inh.limit_req = Some(limits);
        }
        let servers = std::mem::take(&mut self.servers);
        let mut chosen: Option<(String, Loc, Vec<IrRoute>)> = None;
        let mut pools: Vec<IrPool> = Vec::new();
        for s in &servers {
            let (name, routes) = self.server(s, &inh, &mut pools)?;
            match (&chosen, routes.is_empty()) {
                (None, false) => chosen = Some((name, s.at.clone(), routes)),
                (Some(_), false) => self.note(
                    s,
                    NoteKind::NotMapped,
                    "a second server block that proxies: one gateway is imported, the first",
                ),
                (_, true) => {
                    self.note(s, NoteKind::NotMapped, "a server block with no location that proxies to an upstream")
                }
            }
        }
        let Some((name, loc, routes)) = chosen else {
            return Err(ImportError::File {
                path: self.path.clone(),
                message: "nothing to import: no server block has a location with proxy_pass".into(),
            });
        };
        for (key, u) in &self.upstreams {
            if !pools.iter().any(|p| p.name.eq_ignore_ascii_case(key)) {
                self.notes.push(Note {
                    at: Some(u.at.clone()),
                    kind: NoteKind::NotMapped,
                    text: format!("upstream {:?}: no imported location proxies to it", u.name),
                });
            }
        }
        Ok(Ir { gateway: (name, loc), routes, pools, included: Vec::new() })
    }

    fn other(&mut self, d: &Directive) {
        match d.name.as_str() {
            "if" => self.note(d, NoteKind::NotMapped, "conditional configuration is not simulated"),
            "rewrite" => {
                self.note(d, NoteKind::NotMapped, "URI rewriting is not simulated (routes match the path as sent)")
            }
            "return" => self.note(d, NoteKind::NotMapped, "a fixed answer is not simulated"),
            "limit_conn" | "limit_conn_zone" => {
                self.note(d, NoteKind::NotMapped, "connection limits are not simulated")
            }
            "allow" | "deny" | "auth_basic" | "auth_request" => {
                self.note(d, NoteKind::NotMapped, "access control is not simulated")
            }
            n if n.starts_with("proxy_cache") => {
                self.note(d, NoteKind::NotMapped, "caching is not simulated (every request reaches an upstream)")
            }
            "try_files" | "root" | "alias" | "index" => {
                self.note(d, NoteKind::NotMapped, "serving files is not simulated")
            }
            _ => self.unknown_or_ignored(d),
        }
    }

    fn zone(&mut self, d: &Directive) -> Result<(), ImportError> {
        let Some(key_text) = d.args.first() else {
            return Err(at(&d.at, "limit_req_zone: expected a key, zone=NAME:SIZE and rate=R"));
        };
        let mut zone = None;
        let mut rate = None;
        for a in &d.args[1..] {
            if let Some(z) = a.strip_prefix("zone=") {
                zone = Some(z.split(':').next().unwrap_or(z).to_owned());
            } else if let Some(r) = a.strip_prefix("rate=") {
                rate = Some(r.to_owned());
            } else if a == "sync" {
                self.note(
                    d,
                    NoteKind::Ignored,
                    "sync (zone synchronisation across a cluster: the simulated gateway is one)",
                );
            } else {
                return Err(at(&d.at, format!("limit_req_zone: unexpected {a:?}")));
            }
        }
        let zone =
            zone.filter(|z| !z.is_empty()).ok_or_else(|| at(&d.at, "limit_req_zone: expected zone=NAME:SIZE"))?;
        let rate = rate.ok_or_else(|| at(&d.at, "limit_req_zone: expected rate=R (like 10r/s or 30r/m)"))?;
        let (n, per_minute) = Limiter::parse_nginx_rate(&rate).ok_or_else(|| {
            at(&d.at, format!("limit_req_zone: rate {rate:?} is not a whole number of requests like 10r/s or 30r/m"))
        })?;
        let key = match key_text.as_str() {
            "$binary_remote_addr" | "$remote_addr" | "$http_x_client_key" | "$realip_remote_addr" => LimitKey::Client,
            "$http_x_api_key" => LimitKey::User,
            "$server_name" | "$host" => LimitKey::Global,
            k if !k.contains('$') => LimitKey::Global,
            k if k.starts_with("$http_")
                || k.starts_with("$cookie_")
                || k.starts_with("$arg_")
                || k == "$remote_user" =>
            {
                self.note(
                    d,
                    NoteKind::NotMapped,
                    format!("key {k}: a value the client sends, simulated as the user's key (LimitKey::User)"),
                );
                LimitKey::User
            }
            k => {
                self.note(
                    d,
                    NoteKind::NotMapped,
                    format!("key {k}: not modelled, simulated as the client address (LimitKey::Client)"),
                );
                LimitKey::Client
            }
        };
        let unit = if per_minute { "r/m" } else { "r/s" };
        if self.zones.insert(zone.clone(), Zone { key, rate: format!("{n}{unit}") }).is_some() {
            return Err(at(&d.at, format!("limit_req_zone: zone {zone:?} is declared twice")));
        }
        Ok(())
    }

    /// A server block: its name and routes (pools added to `pools`).
    fn server(
        &mut self,
        s: &Directive,
        http: &Inherited,
        pools: &mut Vec<IrPool>,
    ) -> Result<(String, Vec<IrRoute>), ImportError> {
        let body = s.block.as_deref().unwrap_or_default();
        let mut inh = http.clone();
        let mut limits = Vec::new();
        let mut name = None;
        let mut locations = Vec::new();
        for d in body {
            if self.inheritable(d, &mut inh, &mut limits)? {
                continue;
            }
            match d.name.as_str() {
                "server_name" => {
                    if name.is_none() {
                        name = d.args.iter().find(|a| !a.is_empty() && *a != "_" && *a != "\"\"").cloned();
                    }
                }
                "listen" => {}
                "location" => locations.push(d),
                _ => self.other(d),
            }
        }
        if !limits.is_empty() {
            inh.limit_req = Some(limits);
        }
        let mut routes = Vec::new();
        let mut exact: Vec<&str> = Vec::new();
        for l in locations {
            let Some(r) = self.location(l, &inh, pools)? else { continue };
            let is_exact = l.args.first().is_some_and(|m| m == "=");
            match routes.iter().position(|q: &IrRoute| q.prefix == r.prefix) {
                // NGINX refuses two prefix locations with one path; `= /x` beside `/x` is allowed
                // but both are one route here.
                Some(i) if !is_exact && !exact.contains(&r.prefix.as_str()) => {
                    return Err(at(
                        &l.at,
                        format!("duplicate location {:?} (also at line {})", r.prefix, routes[i].at.line),
                    ));
                }
                Some(_) => self.note(
                    l,
                    NoteKind::NotMapped,
                    format!("{} is imported once, as the route of the other location with this path", r.prefix),
                ),
                None => {
                    if is_exact {
                        exact.push(l.args.get(1).map_or("", String::as_str));
                    }
                    routes.push(r);
                }
            }
        }
        Ok((name.unwrap_or_else(|| "gateway".into()), routes))
    }

    fn location(
        &mut self,
        l: &Directive,
        server: &Inherited,
        pools: &mut Vec<IrPool>,
    ) -> Result<Option<IrRoute>, ImportError> {
        let prefix = match l.args.as_slice() {
            [p] if p.starts_with('@') => {
                self.note(l, NoteKind::NotMapped, "a named location (internal redirects are not simulated)");
                return Ok(None);
            }
            [p] => p.clone(),
            [m, p] if m == "^~" => p.clone(),
            [m, p] if m == "=" => {
                self.note(l, NoteKind::NotMapped, format!("exact match = {p}: imported as the prefix {p}"));
                p.clone()
            }
            [m, p] if m == "~" || m == "~*" => {
                self.note(
                    l,
                    NoteKind::NotMapped,
                    format!("regular expression {m} {p}: not imported (routes match by prefix)"),
                );
                return Ok(None);
            }
            _ => return Err(at(&l.at, "location: expected [=|^~|~|~*] PATH")),
        };
        let mut inh = server.clone();
        let mut limits = Vec::new();
        let mut pass: Option<&Directive> = None;
        let mut answers_404 = false;
        for d in l.block.as_deref().unwrap_or_default() {
            if self.inheritable(d, &mut inh, &mut limits)? {
                continue;
            }
            match d.name.as_str() {
                "proxy_pass" => pass = Some(d),
                "location" => self.note(d, NoteKind::NotMapped, "a nested location is not imported"),
                "return" if d.args.first().is_some_and(|a| a == "404") => answers_404 = true,
                _ => self.other(d),
            }
        }
        if !limits.is_empty() {
            inh.limit_req = Some(limits);
        }
        let Some(pass) = pass else {
            if !answers_404 {
                self.note(
                    l,
                    NoteKind::NotMapped,
                    format!(
                        "location {prefix} does not proxy: the simulated gateway answers 404 for paths no route matches"
                    ),
                );
            }
            return Ok(None);
        };
        if !prefix.starts_with('/') {
            self.note(
                l,
                NoteKind::NotMapped,
                format!("location {prefix:?} never matches (request paths start with /): not imported"),
            );
            return Ok(None);
        }
        if let Err(why) = crate::model::names::check_path(&prefix) {
            return Err(at(&l.at, format!("location {prefix:?} cannot be a gatesim route: {why}")));
        }
        let [target] = pass.args.as_slice() else { return Err(at(&pass.at, "proxy_pass takes one URL")) };
        if target.contains('$') {
            self.note(pass, NoteKind::NotMapped, "an upstream chosen by a variable at run time: location not imported");
            return Ok(None);
        }
        let rest = target.strip_prefix("http://").or_else(|| target.strip_prefix("https://"));
        let Some(rest) = rest else {
            return Err(at(&pass.at, format!("proxy_pass {target:?}: expected http://UPSTREAM or https://UPSTREAM")));
        };
        let (host, uri) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if !uri.is_empty() {
            self.note(
                pass,
                NoteKind::NotMapped,
                format!("the URI {uri} replaces the matched prefix upstream: not simulated"),
            );
        }
        let pool = self.pool_for(host, pass, pools)?;
        self.failover(pools, pool, &inh, pass);
        let limit = self.limit(&inh)?;
        Ok(Some(IrRoute {
            prefix,
            at: l.at.clone(),
            pool,
            timeout_ms: Some(inh.read_timeout_ms.unwrap_or(DEFAULT_READ_TIMEOUT_MS)),
            limit,
        }))
    }

    /// The pool of `host` (an upstream's name, or an address proxied to directly).
    fn pool_for(&mut self, host: &str, pass: &Directive, pools: &mut Vec<IrPool>) -> Result<usize, ImportError> {
        if host.is_empty() || host.starts_with("unix:") {
            return Err(at(&pass.at, format!("proxy_pass: {host:?} is not an upstream or a host")));
        }
        let key = host.to_ascii_lowercase();
        if let Some(i) = pools.iter().position(|p| p.name.eq_ignore_ascii_case(host)) {
            return Ok(i);
        }
        let pool = match self.upstreams.get(&key) {
            Some(u) => IrPool {
                name: u.name.clone(),
                at: u.at.clone(),
                algorithm: u.algorithm,
                failover: Failover::nginx_next_upstream(0),
                check: None,
                servers: u.servers.clone(),
            },
            None => IrPool {
                name: host.to_owned(),
                at: pass.at.clone(),
                algorithm: Balance::NginxRoundRobin { max_fails: 1, fail_timeout_s: 10 },
                failover: Failover::nginx_next_upstream(0),
                check: None,
                servers: vec![IrServer { name: None, weight: 1, at: pass.at.clone() }],
            },
        };
        pools.push(pool);
        Ok(pools.len() - 1)
    }

    /// The pool's failover from the location's `proxy_next_upstream[_tries|_timeout]`; the first location to
    /// use a pool decides, a different setting elsewhere is listed.
    fn failover(&mut self, pools: &mut [IrPool], pool: usize, inh: &Inherited, pass: &Directive) {
        let mut failover = Failover::nginx_next_upstream(inh.tries.unwrap_or(0));
        if let Some(d) = &inh.next_upstream {
            if d.args.iter().any(|a| a == "off") {
                failover = Failover::Off;
            } else {
                let words = NextUpstreamOn::ALL.map(|c| (c.word(), c));
                let mut on = Vec::new();
                let mut other = Vec::new();
                for a in &d.args {
                    match words.iter().find(|(w, _)| w == a) {
                        Some(&(_, c)) if !on.contains(&c) => on.push(c),
                        Some(_) => {}
                        None => other.push(a.as_str()),
                    }
                }
                if !other.is_empty() {
                    self.note(
                        d,
                        NoteKind::NotMapped,
                        format!("{}: not a condition the simulation knows (it has no cache)", other.join(" ")),
                    );
                }
                if let Failover::NginxNextUpstream { on: o, .. } = &mut failover {
                    *o = on;
                }
            }
        }
        if let Failover::NginxNextUpstream { timeout_ms, .. } = &mut failover {
            *timeout_ms = inh.next_timeout_ms.unwrap_or(0);
        }
        let Some(p) = pools.get_mut(pool) else { return };
        let first = !self.failover_seen(&p.name);
        if first {
            p.failover = failover;
        } else if p.failover != failover {
            let text = format!(
                "proxy_pass: failover {failover:?} differs from an earlier location's to the same upstream ({:?}): the first is used",
                p.failover
            );
            self.notes.push(Note { at: Some(pass.at.clone()), kind: NoteKind::NotMapped, text });
        }
    }

    fn failover_seen(&mut self, pool: &str) -> bool {
        !self.failover_set.insert(pool.to_ascii_lowercase())
    }

    fn limit(&mut self, inh: &Inherited) -> Result<Option<(RateLimit, String, Loc)>, ImportError> {
        let Some(list) = &inh.limit_req else { return Ok(None) };
        let Some((d, more)) = list.split_first() else { return Ok(None) };
        for m in more {
            self.note(
                m,
                NoteKind::NotMapped,
                "a second limit_req on one location: the simulated route has one rate limit, the first",
            );
        }
        let mut zone = None;
        let (mut burst, mut nodelay, mut delay) = (0u32, false, None);
        for a in &d.args {
            let (k, v) = a.split_once('=').unwrap_or((a.as_str(), ""));
            match k {
                "zone" => zone = Some(v.to_owned()),
                "burst" => burst = number(d, "burst", v)?,
                "nodelay" => nodelay = true,
                "delay" => delay = Some(number(d, "delay", v)?),
                _ => return Err(at(&d.at, format!("limit_req: unexpected {a:?}"))),
            }
        }
        let zone = zone.ok_or_else(|| at(&d.at, "limit_req: expected zone=NAME"))?;
        let z = self
            .zones
            .get(&zone)
            .ok_or_else(|| at(&d.at, format!("limit_req: zone {zone:?} is not declared by a limit_req_zone")))?;
        let status = inh.limit_req_status.as_ref().map_or(503, |s| s.0);
        let algorithm = Limiter::NginxLimitReq { rate: z.rate.clone(), burst, nodelay, delay, status };
        if let Some(problem) = algorithm.problem() {
            let place = inh.limit_req_status.as_ref().filter(|_| problem.contains("status")).map_or(&d.at, |s| &s.1);
            return Err(at(place, format!("limit_req: {problem}")));
        }
        Ok(Some((RateLimit { key: z.key, algorithm }, zone, d.at.clone())))
    }
}
