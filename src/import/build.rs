//! The product-neutral `Ir` built into a scenario: names made valid and distinct, servers grouped
//! into services, routes that add nothing merged, defaults for what a config does not hold.

use super::{
    CLIENTS_NAME, DEFAULT_CONCURRENCY, DEFAULT_PROCESSING_MS, DEFAULT_QUEUE, DEFAULT_RATE_RPS, DEFAULT_SERVICE_MEAN_MS,
    DEFAULT_USERS, ImportError, Ir, IrPool, IrRoute, Loc, MAX_ROUTES, MAX_SERVERS, Note, NoteKind, at,
};
use crate::model::names::{check_name, collision_key};
use crate::model::{Dist, Link, Node, NodeKind, Route, RouteShare, Scenario, Topology, Traffic};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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
pub(super) fn build(mut ir: Ir, path: &Path, notes: &mut Vec<Note>) -> Result<Scenario, ImportError> {
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
                shared_limit: None,
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
