//! Importers: a real NGINX or HAProxy config read back into a [`Scenario`], the inverse of
//! [`crate::export`].
//!
//! Each syntax has a tokenizer that knows only the product's lexical rules (`nginx_syntax.rs`:
//! quoting, escapes, comments, blocks, `include`; `haproxy_syntax.rs`: line-based sections,
//! quoting, `\` escapes, `{ ... }` anonymous ACLs) and a mapper that turns directives into the
//! product-neutral `Ir` below (`nginx.rs` with `nginx/upstream.rs`; `haproxy.rs` with
//! `haproxy/backend.rs` and `haproxy_rules.rs`, the conditions). `Ir` is then built
//! into a scenario in one place (`build`): a client population, one gateway with a route per
//! location or path rule, one load balancer per `upstream`/`backend`, one service per group of
//! alike servers, links with the servers' weights.
//!
//! What a config says that the scenario cannot hold is never dropped silently: it becomes a
//! [`Note`] with the file and line and why. What a config cannot say (service times, traffic) gets
//! a documented default, also listed. What makes the config unusable (a syntax error, an include
//! outside the imported file's directory, a reference to something undefined, a value the product
//! itself would refuse) is an [`ImportError`] with `file:line`. See `docs/import.md`.

mod haproxy;
mod haproxy_rules;
mod haproxy_syntax;
mod nginx;
mod nginx_syntax;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(test)]
mod tests;

use crate::model::names::{check_name, collision_key};
use crate::model::{
    ActiveCheck, Balance, Dist, Failover, Link, Node, NodeKind, RateLimit, Route, RouteShare, Scenario, Topology,
    Traffic, validate,
};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The syntax of a config to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An `nginx.conf` or an http-context snippet (`conf.d/*.conf`).
    Nginx,
    /// An `haproxy.cfg`.
    Haproxy,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nginx" => Ok(Format::Nginx),
            "haproxy" => Ok(Format::Haproxy),
            other => Err(format!("unknown format {other:?} (expected nginx or haproxy)")),
        }
    }
}

/// A place in a config: the file (as reached from the imported file) and the 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// What kind of listing entry a [`Note`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// A directive with no bearing on what gatesim simulates (logging, TLS, headers, process
    /// settings): nothing is lost.
    Ignored,
    /// Something the config does that the scenario does not (a regex location, a second rate
    /// limit, an `if`, a backup server...): the simulation will not show it.
    NotMapped,
    /// A name that is not a valid gatesim name, imported under another.
    Renamed,
    /// A value a config does not hold (service times, traffic), given a default.
    Default,
}

impl NoteKind {
    /// The label the listing prints.
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Ignored => "ignored",
            NoteKind::NotMapped => "not mapped",
            NoteKind::Renamed => "renamed",
            NoteKind::Default => "default",
        }
    }
}

/// One entry of the listing of what was not mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where (none for defaults, which no line holds).
    pub at: Option<Loc>,
    /// What kind of entry.
    pub kind: NoteKind,
    /// What and why.
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = &self.at {
            write!(f, "{at}: ")?;
        }
        write!(f, "{}: {}", self.kind.label(), self.text)
    }
}

/// Why a config could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A problem at a line: a syntax error, a refused include, an undefined reference, a value the
    /// product refuses.
    #[error("{at}: {message}")]
    At {
        /// Where.
        at: Loc,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A problem with the file as a whole.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The scenario built from the config does not validate.
    #[error("{path}: the imported scenario is not valid: {}", .problems.join("; "))]
    Invalid {
        /// The imported file.
        path: PathBuf,
        /// Every error, as `model::validate` words it.
        problems: Vec<String>,
    },
}

/// Shorthand for an [`ImportError::At`].
pub(crate) fn at(loc: &Loc, message: impl Into<String>) -> ImportError {
    ImportError::At { at: loc.clone(), message: message.into() }
}

/// A config imported: the scenario and the listing.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The scenario, validated.
    pub scenario: Scenario,
    /// What was ignored, not mapped, renamed or defaulted, in file order, defaults last.
    pub notes: Vec<Note>,
}

/// Files larger than this are refused (a config is kilobytes).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most routes one import builds (a real gateway has tens to hundreds).
pub const MAX_ROUTES: usize = 5000;

/// Most servers (over all pools) one import builds.
pub const MAX_SERVERS: usize = 20_000;

/// The client population's request rate, r/s (a config holds no traffic).
pub const DEFAULT_RATE_RPS: f64 = 50.0;
/// The client population's users.
pub const DEFAULT_USERS: u32 = 1000;
/// A service's time per request: exponential with this mean, ms.
pub const DEFAULT_SERVICE_MEAN_MS: f64 = 20.0;
/// A service instance's concurrency slots.
pub const DEFAULT_CONCURRENCY: u32 = 8;
/// A service instance's queue.
pub const DEFAULT_QUEUE: u32 = 64;
/// The gateway's processing time per request, ms.
pub const DEFAULT_PROCESSING_MS: f64 = 1.0;
/// The name of the client population.
pub const CLIENTS_NAME: &str = "clients";

/// The syntax a file is in: `forced` if given, else from its name (`*.cfg` or a name containing
/// `haproxy` is HAProxy, `*.conf` or a name containing `nginx` is NGINX), else from its content
/// (HAProxy section keywords at the start of a line, or NGINX's `;`-terminated directives).
pub fn detect(path: &Path, text: &str) -> Option<Format> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if name.contains("haproxy") || name.ends_with(".cfg") {
        return Some(Format::Haproxy);
    }
    if name.contains("nginx") || name.ends_with(".conf") {
        return Some(Format::Nginx);
    }
    let mut haproxy = 0;
    let mut nginx = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if ["frontend", "backend", "listen", "defaults", "global"].contains(&first) && !t.contains('{') {
            haproxy += 1;
        }
        if t.ends_with(';') || t.ends_with('{') || t == "}" {
            nginx += 1;
        }
    }
    match (haproxy, nginx) {
        (0, 0) => None,
        (h, n) if h >= n => Some(Format::Haproxy),
        _ => Some(Format::Nginx),
    }
}

/// Reads a config file: a regular file of at most [`MAX_FILE_BYTES`], decoded as UTF-8 with
/// invalid bytes replaced (a config's comments may hold any bytes; a name holding them is renamed).
pub(crate) fn read_config(path: &Path) -> Result<String, ImportError> {
    use std::io::Read;
    let io = |source| ImportError::Io { path: path.to_owned(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::other("not a regular file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ImportError::File {
            path: path.to_owned(),
            message: format!("larger than the {MAX_FILE_BYTES}-byte limit for a config"),
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    Ok(String::from_utf8_lossy(body).into_owned())
}

/// Imports the config at `path` (NGINX `include`s are followed inside its directory).
pub fn import_file(path: &Path, format: Option<Format>) -> Result<Imported, ImportError> {
    let text = read_config(path)?;
    let format = match format.or_else(|| detect(path, &text)) {
        Some(f) => f,
        None => {
            return Err(ImportError::File {
                path: path.to_owned(),
                message: "cannot tell whether this is an NGINX or an HAProxy config; give --format".into(),
            });
        }
    };
    import_str(&text, path, format)
}

/// Imports config text read from `path` (used in messages, and as the directory NGINX `include`s
/// are resolved in and confined to).
pub fn import_str(text: &str, path: &Path, format: Format) -> Result<Imported, ImportError> {
    let mut notes = Vec::new();
    let ir = match format {
        Format::Nginx => nginx::read(text, path, &mut notes)?,
        Format::Haproxy => haproxy::read(text, path, &mut notes)?,
    };
    let mut seen = BTreeSet::new();
    notes.retain(|n| seen.insert(n.to_string()));
    let scenario = build(ir, path, &mut notes)?;
    let problems: Vec<String> = validate::validate(&scenario, None)
        .into_iter()
        .filter(|p| p.severity == validate::Severity::Error)
        .map(|p| match p.node {
            Some(n) => format!("[{n}] {}", p.message),
            None => p.message,
        })
        .collect();
    if !problems.is_empty() {
        return Err(ImportError::Invalid { path: path.to_owned(), problems });
    }
    Ok(Imported { scenario, notes })
}

/// The product-neutral result of reading a config: a gateway's routes and its pools.
#[derive(Clone, Debug)]
pub(crate) struct Ir {
    /// The gateway's name as the config gives it (server name, frontend name), and where.
    pub gateway: (String, Loc),
    /// Routes, any order (the gateway matches by longest prefix).
    pub routes: Vec<IrRoute>,
    /// Pools, in order of first use.
    pub pools: Vec<IrPool>,
}

/// A route.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IrRoute {
    /// Path prefix.
    pub prefix: String,
    /// Where it is (the location, the ACL).
    pub at: Loc,
    /// Index into [`Ir::pools`].
    pub pool: usize,
    /// Upstream timeout, ms.
    pub timeout_ms: Option<f64>,
    /// Rate limit, and the identifier of its state in the config (zone, stick table) and where
    /// that is: routes with one state share one bucket in the product.
    pub limit: Option<(RateLimit, String, Loc)>,
}

/// An upstream or backend.
#[derive(Clone, Debug)]
pub(crate) struct IrPool {
    /// Its name in the config.
    pub name: String,
    /// Where it is declared.
    pub at: Loc,
    /// Balancing algorithm.
    pub algorithm: Balance,
    /// Failover.
    pub failover: Failover,
    /// Active checks.
    pub check: Option<ActiveCheck>,
    /// Servers in order.
    pub servers: Vec<IrServer>,
}

/// A server of a pool.
#[derive(Clone, Debug)]
pub(crate) struct IrServer {
    /// Its name (HAProxy), none for NGINX.
    pub name: Option<String>,
    /// Weight (whole, >= 1).
    pub weight: u32,
    /// Where the server is.
    pub at: Loc,
}

/// A name as the scenario may hold it: characters outside the name rule become `-`, runs of them
/// one `-`, leading and trailing punctuation dropped, at most 63 characters. Empty when nothing is
/// left.
pub(crate) fn sanitize(raw: &str) -> String {
    let mut s = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || "._-".contains(c) {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let trimmed: String = s.trim_matches(|c: char| !c.is_ascii_alphanumeric()).chars().take(63).collect();
    trimmed.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned()
}

/// Names given out so far, by collision key (instance names of multi-instance services included).
#[derive(Default)]
struct Names {
    taken: BTreeSet<String>,
    /// The next suffix to try for a base name (so that many equal names stay linear).
    next: std::collections::BTreeMap<String, u32>,
}

impl Names {
    /// Whether `name` (of a service with `instances`) is unused and valid as it is.
    fn is_free(&self, name: &str, instances: u32) -> bool {
        let mut keys = vec![collision_key(name)];
        if instances > 1 {
            keys.extend((0..instances).map(|i| collision_key(&format!("{name}-{i}"))));
        }
        check_name(name).is_ok() && !keys.iter().any(|k| self.taken.contains(k))
    }

    /// A valid, unused name for `raw` (a service of `instances` instances), noting any change.
    fn claim(
        &mut self,
        raw: &str,
        instances: u32,
        at: Option<&Loc>,
        notes: &mut Vec<Note>,
    ) -> Result<String, ImportError> {
        let base = sanitize(raw);
        if base.is_empty() {
            let message = format!("name {raw:?} has no ASCII letter or digit to make a gatesim name from");
            return Err(match at {
                Some(loc) => self::at(loc, message),
                None => ImportError::File { path: PathBuf::new(), message },
            });
        }
        let keys = |name: &str| -> Vec<String> {
            let mut k = vec![collision_key(name)];
            if instances > 1 {
                k.extend((0..instances).map(|i| collision_key(&format!("{name}-{i}"))));
            }
            k
        };
        let mut name = base.clone();
        let mut n = self.next.get(&base).copied().unwrap_or(2);
        while keys(&name).iter().any(|k| self.taken.contains(k)) || check_name(&name).is_err() {
            let suffix = format!("-{n}");
            let head: String = base.chars().take(63 - suffix.len()).collect();
            name = format!("{}{suffix}", head.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()));
            n += 1;
        }
        self.next.insert(base, n);
        self.taken.extend(keys(&name));
        if name != raw && at.is_some() {
            let why = match check_name(raw) {
                Err(e) => e,
                Ok(()) => "another imported node already has this name (or one a product cannot tell apart)".into(),
            };
            notes.push(Note {
                at: at.cloned(),
                kind: NoteKind::Renamed,
                text: format!("{raw:?} imported as {name:?}: {why}"),
            });
        }
        Ok(name)
    }
}

/// One service of a pool: consecutive alike servers.
struct Group {
    name: String,
    instances: u32,
    weight: u32,
    /// `<base>` when the group's servers are named `<base>-0`, `<base>-1`, ...
    family: Option<String>,
    /// The name is made up here (no server name in the config).
    derived: bool,
    /// Where its first server is.
    at: Loc,
}

/// `name` as `<base>-<i>`: (base, i).
fn instance_of(name: &str) -> Option<(&str, u32)> {
    let (base, digits) = name.rsplit_once('-')?;
    if base.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    Some((base, digits.parse().ok()?))
}

/// Groups a pool's servers into services: consecutive servers of one weight; named servers
/// (HAProxy) group only as `<base>-0`, `<base>-1`, ... (the service `<base>`, as gatesim names
/// instances), any other name is a service of its own.
fn groups(pool: &IrPool, lb_name: &str) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for s in &pool.servers {
        let last = out.last_mut().filter(|g| g.weight == s.weight);
        match (&s.name, last) {
            (None, Some(g)) => g.instances += 1,
            (None, None) => out.push(Group {
                name: match out.len() {
                    0 => format!("{lb_name}-svc"),
                    k @ 1..26 => format!("{lb_name}-svc-{}", char::from(b'a' + k as u8)),
                    k => format!("{lb_name}-svc-x{k}"),
                },
                instances: 1,
                weight: s.weight,
                family: None,
                derived: true,
                at: s.at.clone(),
            }),
            (Some(name), last) => {
                let member = instance_of(name);
                match (last, member) {
                    (Some(g), Some((base, i))) if g.family.as_deref() == Some(base) && i == g.instances => {
                        g.instances += 1;
                        g.name = base.to_owned();
                    }
                    _ => out.push(Group {
                        name: name.clone(),
                        instances: 1,
                        weight: s.weight,
                        family: member.filter(|m| m.1 == 0).map(|m| m.0.to_owned()),
                        derived: false,
                        at: s.at.clone(),
                    }),
                }
            }
        }
    }
    out
}

/// Two routes where the longer one adds nothing (same pool, timeout and limiter state as the
/// route its prefix falls under) are one route in the product: keep the shorter. The order of the
/// config is kept.
fn merge_routes(routes: &mut Vec<IrRoute>) {
    let mut seen = BTreeSet::new();
    routes.retain(|r| seen.insert(r.prefix.clone()));
    let mut by_len: Vec<usize> = (0..routes.len()).collect();
    by_len.sort_by_key(|&i| routes[i].prefix.len());
    let mut kept: Vec<usize> = Vec::new();
    for i in by_len {
        let r = &routes[i];
        let parent =
            kept.iter().map(|&k| &routes[k]).filter(|p| r.prefix.starts_with(&p.prefix)).max_by_key(|p| p.prefix.len());
        let same = parent.is_some_and(|p| {
            p.pool == r.pool
                && p.timeout_ms == r.timeout_ms
                && match (&p.limit, &r.limit) {
                    (None, None) => true,
                    (Some(a), Some(b)) => a.0 == b.0 && a.1 == b.1,
                    _ => false,
                }
        });
        if !same {
            kept.push(i);
        }
    }
    kept.sort_unstable();
    let mut i = 0;
    routes.retain(|_| {
        let keep = kept.binary_search(&i).is_ok();
        i += 1;
        keep
    });
}

/// Builds the scenario: clients -> gateway -> one balancer per pool -> services.
fn build(mut ir: Ir, path: &Path, notes: &mut Vec<Note>) -> Result<Scenario, ImportError> {
    let servers: usize = ir.pools.iter().map(|p| p.servers.len()).sum();
    if servers > MAX_SERVERS {
        return Err(ImportError::File {
            path: path.to_owned(),
            message: format!("{servers} servers: more than the {MAX_SERVERS} an import builds"),
        });
    }
    if ir.routes.len() > MAX_ROUTES {
        return Err(ImportError::File {
            path: path.to_owned(),
            message: format!("{} routes: more than the {MAX_ROUTES} an import builds", ir.routes.len()),
        });
    }
    merge_routes(&mut ir.routes);
    if ir.routes.is_empty() {
        return Err(ImportError::File {
            path: path.to_owned(),
            message: "nothing to import: no location proxies to an upstream and no rule selects a backend".into(),
        });
    }
    // Routes sharing one zone or stick table: one bucket in the product, one per route here.
    for (i, r) in ir.routes.iter().enumerate() {
        let Some((_, state, loc)) = &r.limit else { continue };
        let others: Vec<&str> = ir.routes[..i]
            .iter()
            .filter(|q| q.limit.as_ref().is_some_and(|l| &l.1 == state))
            .map(|q| q.prefix.as_str())
            .collect();
        if let Some(first) = others.first() {
            notes.push(Note {
                at: Some(loc.clone()),
                kind: NoteKind::NotMapped,
                text: format!(
                    "routes {first:?} and {:?} share the rate-limit state {state:?}: simulated as one bucket per route",
                    r.prefix
                ),
            });
        }
    }
    let used: BTreeSet<usize> = ir.routes.iter().map(|r| r.pool).collect();
    let mut names = Names::default();
    let gateway = names.claim(&ir.gateway.0, 1, Some(&ir.gateway.1), notes)?;
    let clients = names.claim(CLIENTS_NAME, 1, None, notes)?;
    let mut pool_names = vec![String::new(); ir.pools.len()];
    for &p in &used {
        let pool = &ir.pools[p];
        pool_names[p] = names.claim(&pool.name, 1, Some(&pool.at), notes)?;
    }
    let mut nodes = Vec::new();
    let mut links = Vec::new();
    let mut lbs = Vec::new();
    let mut services = Vec::new();
    for &p in &used {
        let pool = &ir.pools[p];
        let lb_name = pool_names[p].clone();
        let mut lb = Node::with_defaults(NodeKind::LoadBalancer, lb_name.clone());
        if let Node::LoadBalancer(b) = &mut lb {
            b.algorithm = pool.algorithm;
            b.failover = pool.failover.clone();
            b.health_check = pool.check.clone();
        }
        lbs.push(lb);
        links.push(Link { from: gateway.clone(), to: lb_name.clone(), latency: Dist::default(), weight: 1.0 });
        if pool.servers.is_empty() {
            return Err(at(&pool.at, format!("{:?} has no server that takes traffic", pool.name)));
        }
        for g in groups(pool, &lb_name) {
            // A service named like its balancer (`backend api` with servers `api-0`, `api-1`):
            // `<name>-svc` reads better than a number.
            let raw = if g.derived || names.is_free(&sanitize(&g.name), g.instances) {
                g.name.clone()
            } else {
                format!("{}-svc", g.name)
            };
            let name = names.claim(&raw, g.instances, (!g.derived).then_some(&g.at), notes)?;
            if name != g.name && raw != g.name && !g.derived {
                notes.push(Note {
                    at: Some(g.at.clone()),
                    kind: NoteKind::Renamed,
                    text: format!(
                        "servers {:?} imported as service {name:?}: the name is taken by another node",
                        g.name
                    ),
                });
            }
            let mut svc = Node::with_defaults(NodeKind::Service, name.clone());
            if let Node::Service(s) = &mut svc {
                s.instances = g.instances;
                s.concurrency = DEFAULT_CONCURRENCY;
                s.queue_capacity = Some(DEFAULT_QUEUE);
                s.service_time = Dist::Exponential { mean_ms: DEFAULT_SERVICE_MEAN_MS };
            }
            services.push(svc);
            links.push(Link { from: lb_name.clone(), to: name, latency: Dist::default(), weight: f64::from(g.weight) });
        }
    }
    let mut gw = Node::with_defaults(NodeKind::Gateway, gateway.clone());
    if let Node::Gateway(g) = &mut gw {
        g.processing = Dist::Constant { ms: DEFAULT_PROCESSING_MS };
        g.routes = ir
            .routes
            .iter()
            .map(|r| Route {
                path_prefix: r.prefix.clone(),
                upstream: pool_names[r.pool].clone(),
                timeout_ms: r.timeout_ms,
                rate_limit: r.limit.as_ref().map(|l| l.0.clone()),
                retry_policy: None,
            })
            .collect();
    }
    let mut population = Node::with_defaults(NodeKind::Clients, clients.clone());
    if let Node::Clients(c) = &mut population {
        c.users = DEFAULT_USERS;
        c.traffic = Traffic::Constant { rate_rps: DEFAULT_RATE_RPS };
        c.routes = ir.routes.iter().map(|r| RouteShare { path: r.prefix.clone(), weight: 1.0 }).collect();
    }
    links.insert(0, Link { from: clients.clone(), to: gateway.clone(), latency: Dist::default(), weight: 1.0 });
    nodes.push(population);
    nodes.push(gw);
    nodes.extend(lbs);
    nodes.extend(services);
    let stem = path.file_name().map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    let mut scenario = Scenario::new(
        format!("imported from {stem}"),
        Topology { regions: Vec::new(), nodes, links, region_rtt: Vec::new() },
    );
    scenario.description = format!(
        "Imported by `gatesim import` from {stem}. Traffic, service times and capacities are defaults \
         (a config does not hold them): edit them before trusting a run."
    );
    for text in [
        format!(
            "client population {clients:?}: {DEFAULT_USERS} users sending {DEFAULT_RATE_RPS} r/s (Poisson), spread evenly over the routes' prefixes"
        ),
        format!(
            "services: {DEFAULT_CONCURRENCY} concurrent requests per instance, a queue of {DEFAULT_QUEUE}, service time exponential with mean {DEFAULT_SERVICE_MEAN_MS} ms"
        ),
        format!("gateway {gateway:?}: {DEFAULT_PROCESSING_MS} ms processing per request; links: no latency"),
        format!("run: seed {}, {} s", scenario.run.seed, scenario.run.duration_s),
    ] {
        notes.push(Note { at: None, kind: NoteKind::Default, text });
    }
    Ok(scenario)
}
