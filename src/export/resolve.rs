//! A gateway resolved against the scenario: its routes (a balancer's path rules split into one
//! route each), the pools behind them and their servers with addresses and weights, with every
//! name checked again and collisions refused. Every gateway target writes from this one view.

use super::{ExportError, ExportOptions, ScenarioOptions, ident, path};
use crate::model::names::{check_name, collision_key};
use crate::model::{Balance, Failover, LbRule, LimitKey, LoadBalancer, Node, RateLimit, RetryPolicy, Scenario};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// One server of a pool: an instance with its address and weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Instance name, `<service>-<i>`.
    pub instance: String,
    /// The service it is an instance of.
    pub service: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Whole-number weight: the pooled rule's for its service, else the balancer's link's.
    pub weight: u32,
}

/// The instances behind one upstream node (a balancer, or a service routed to directly).
#[derive(Clone, Debug)]
pub struct Pool<'a> {
    /// The upstream node's name (a balancer, or a service routed to directly).
    pub name: String,
    /// The service of the balancer's path rule this pool is for (`a+b` for a pooled rule), if any.
    pub service: Option<String>,
    /// The pool's identifier in the config (NGINX `upstream`, HAProxy `backend`): [`ident`] of the
    /// node's name, or `<balancer>.<service>` for a rule's pool (`<balancer>.<a>.<b>` for a rule
    /// pooling services `a` and `b`).
    pub id: String,
    /// The balancer, when the upstream is one.
    pub balancer: Option<&'a LoadBalancer>,
    /// Servers in link order, then instance order.
    pub servers: Vec<Server>,
}

impl Pool<'_> {
    /// The balancing algorithm (a service routed to directly balances as generic round robin).
    pub fn algorithm(&self) -> Balance {
        self.balancer.map_or(Balance::RoundRobin, |b| b.algorithm)
    }

    /// Refuses a pinned start of the rotation (`LoadBalancer::start`): no product has a setting
    /// for it, and a fresh instance starts where its product starts it.
    pub fn refuse_pinned_start(&self, target: super::Target) -> Result<(), ExportError> {
        match self.balancer {
            Some(lb) if lb.start.is_some() => Err(ExportError::unsupported(
                &lb.name,
                "start",
                target,
                "a pinned start of the rotation only aligns a simulation with an instance already running; \
                 the product has no setting for it (remove `start` to export)",
            )),
            _ => Ok(()),
        }
    }

    /// The failover policy (generic next-instance for a service routed to directly).
    pub fn failover(&self) -> Failover {
        self.balancer.map_or(Failover::NextInstance, |b| b.failover.clone())
    }
}

/// One route of the gateway, resolved.
#[derive(Clone, Debug)]
pub struct ResolvedRoute<'a> {
    /// Path prefix (checked against [`check_path`]).
    pub prefix: String,
    /// Index into [`Resolved::pools`].
    pub pool: usize,
    /// Upstream timeout, ms.
    pub timeout_ms: Option<f64>,
    /// Rate limit, if any.
    pub rate_limit: Option<&'a RateLimit>,
    /// Envoy router retries, if any.
    pub retry_policy: Option<&'a RetryPolicy>,
    /// The gateway route this comes from: routes split by a balancer's path rules share their
    /// gateway route's rate-limit state (one zone or stick table), as in the simulator.
    pub limit_group: usize,
    /// The gateway's shared limit (`Gateway::limits`) `rate_limit` is, by name: every route with
    /// the same name shares one state (zone, stick table, virtual-host bucket).
    pub shared_limit: Option<&'a str>,
}

impl ResolvedRoute<'_> {
    /// The name of the rate-limit state this route counts against, for the products whose states
    /// are named (an NGINX zone, an HAProxy stick table): `<gateway>.r<route>` for a route's own
    /// limit, `<gateway>.shared.<name>` for a shared one. The `.` keeps both apart from every
    /// node's identifier (which has none); `shared.` keeps a shared limit named `r0` apart from
    /// route 0's.
    pub fn limit_state_name(&self, gateway: &str) -> Result<String, ExportError> {
        Ok(match self.shared_limit {
            Some(name) => format!("{}.shared.{}", ident(gateway), super::word(gateway, name)?),
            None => format!("{}.r{}", ident(gateway), self.limit_group),
        })
    }
}

/// A gateway with its routes and pools resolved against the scenario and the options.
#[derive(Clone, Debug)]
pub struct Resolved<'a> {
    /// The gateway's name.
    pub gateway: String,
    /// Routes in the gateway's order.
    pub routes: Vec<ResolvedRoute<'a>>,
    /// Distinct upstream pools, in order of first use.
    pub pools: Vec<Pool<'a>>,
    /// Distinct client addresses of the scenario's populations (their `addresses`, else their
    /// `users`): how many keys a per-address limiter table must hold.
    pub addresses: u64,
    /// Distinct users of the scenario's populations: the keys of a per-user (API key) table.
    pub users: u64,
}

impl Resolved<'_> {
    /// How many distinct keys a rate-limit table keyed by `key` must hold.
    pub fn keys(&self, key: LimitKey) -> u64 {
        match key {
            LimitKey::Client => self.addresses,
            LimitKey::User => self.users,
            LimitKey::Global => 1,
        }
    }
}

/// The instance names behind gateway `gateway`, in pool order (for filling in addresses); errors as
/// [`export`] would give them when resolving, apart from missing addresses.
pub fn instances(scenario: &Scenario, gateway: &str) -> Result<Vec<String>, ExportError> {
    let any = ExportOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        backends: BTreeMap::new(),
        header: Vec::new(),
        scenario: ScenarioOptions::default(),
    };
    let resolved = resolve_inner(scenario, gateway, &any, false)?;
    let mut names: Vec<String> = Vec::new();
    for s in resolved.pools.iter().flat_map(|p| p.servers.iter()) {
        if !names.contains(&s.instance) {
            names.push(s.instance.clone());
        }
    }
    Ok(names)
}

/// Resolves the gateway's routes and pools.
pub fn resolve<'a>(
    scenario: &'a Scenario,
    gateway: &str,
    options: &ExportOptions,
) -> Result<Resolved<'a>, ExportError> {
    resolve_inner(scenario, gateway, options, true)
}

/// One location the gateway will have, before pools are built.
struct Want<'r> {
    prefix: String,
    upstream: String,
    /// The balancer's rule, if the prefix comes from one.
    only: Option<&'r LbRule>,
    timeout_ms: Option<f64>,
    rate_limit: Option<&'r RateLimit>,
    retry_policy: Option<&'r RetryPolicy>,
    /// Index of the gateway route.
    group: usize,
    /// Which entry wins when two give the same prefix: the longer gateway route, then the longer
    /// balancer rule (both match by longest prefix).
    rank: (usize, usize),
}

fn resolve_inner<'a>(
    scenario: &'a Scenario,
    gateway: &str,
    options: &ExportOptions,
    need_addrs: bool,
) -> Result<Resolved<'a>, ExportError> {
    let topo = &scenario.topology;
    let gw = match topo.node(gateway) {
        Some(Node::Gateway(g)) => g,
        Some(other) => return Err(ExportError::NotAGateway { name: gateway.into(), kind: other.kind().label() }),
        None => {
            let known: Vec<&str> =
                topo.nodes.iter().filter(|n| matches!(n, Node::Gateway(_))).map(|n| n.name()).collect();
            return Err(ExportError::UnknownGateway { name: gateway.into(), known: known.join(", ") });
        }
    };
    checked_name(&gw.name)?;
    let broken = |message: String| ExportError::Broken { node: gw.name.clone(), message };
    let mut wanted: Vec<Want<'a>> = Vec::new();
    if gw.routes.is_empty() {
        let link = topo.links_from(&gw.name).next().ok_or_else(|| broken("has no routes and no link".into()))?;
        let upstream = link.1.to.clone();
        wanted.push(Want {
            prefix: "/".into(),
            upstream,
            only: None,
            timeout_ms: None,
            rate_limit: None,
            retry_policy: None,
            group: 0,
            rank: (0, 0),
        });
    }
    for (group, r) in gw.routes.iter().enumerate() {
        path(&gw.name, &r.path_prefix)?;
        if let Some(j) = gw.routes[..group].iter().position(|q| q.path_prefix == r.path_prefix) {
            return Err(broken(format!(
                "routes {} and {} have the same path_prefix {:?}",
                j + 1,
                group + 1,
                r.path_prefix
            )));
        }
        let (timeout_ms, rate_limit, retry_policy) = (r.timeout_ms, gw.route_limit(r), r.retry_policy.as_ref());
        if let Some(name) = &r.shared_limit
            && rate_limit.is_none()
        {
            return Err(broken(format!(
                "route {:?} names shared limit {name:?}, which the gateway does not declare",
                r.path_prefix
            )));
        }
        match topo.node(&r.upstream) {
            // A balancer with path rules: one route per rule that can match under this prefix,
            // each to a pool of the rule's service.
            Some(Node::LoadBalancer(lb)) if !lb.rules.is_empty() => {
                for (k, rule) in lb.rules.iter().enumerate() {
                    path(&lb.name, &rule.path_prefix)?;
                    if let Some(j) = lb.rules[..k].iter().position(|q| q.path_prefix == rule.path_prefix) {
                        return Err(ExportError::Broken {
                            node: lb.name.clone(),
                            message: format!(
                                "rules {} and {} have the same path_prefix {:?}",
                                j + 1,
                                k + 1,
                                rule.path_prefix
                            ),
                        });
                    }
                    let prefix = if rule.path_prefix.starts_with(&r.path_prefix) {
                        rule.path_prefix.clone()
                    } else if r.path_prefix.starts_with(&rule.path_prefix) {
                        r.path_prefix.clone()
                    } else {
                        continue;
                    };
                    wanted.push(Want {
                        prefix,
                        upstream: lb.name.clone(),
                        only: Some(rule),
                        timeout_ms,
                        rate_limit,
                        retry_policy,
                        group,
                        rank: (r.path_prefix.len(), rule.path_prefix.len()),
                    });
                }
            }
            _ => wanted.push(Want {
                prefix: r.path_prefix.clone(),
                upstream: r.upstream.clone(),
                only: None,
                timeout_ms,
                rate_limit,
                retry_policy,
                group,
                rank: (r.path_prefix.len(), usize::MAX),
            }),
        }
    }
    // One location per prefix. Two entries give the same prefix when a balancer's rule lies under
    // two gateway routes (`/api` and `/api/pay` over a rule `/api/payments`) or two rules cover one
    // route: the gateway and the balancer both match the longest prefix, so that entry wins.
    let mut chosen: Vec<Want<'a>> = Vec::new();
    for w in wanted {
        match chosen.iter().position(|c| c.prefix == w.prefix) {
            Some(i) if chosen[i].rank < w.rank => chosen[i] = w,
            Some(_) => {}
            None => chosen.push(w),
        }
    }
    let mut pools: Vec<Pool<'a>> = Vec::new();
    let mut routes = Vec::new();
    for w in chosen {
        let label = w.only.map(LbRule::label);
        let pool = match pools.iter().position(|p| p.name == w.upstream && p.service == label) {
            Some(i) => i,
            None => {
                pools.push(pool_of(scenario, &gw.name, &w.upstream, w.only, options, need_addrs)?);
                pools.len() - 1
            }
        };
        routes.push(ResolvedRoute {
            prefix: w.prefix,
            pool,
            timeout_ms: w.timeout_ms,
            rate_limit: w.rate_limit,
            retry_policy: w.retry_policy,
            limit_group: w.group,
            shared_limit: w.rate_limit.and(gw.routes.get(w.group)).and_then(|r| r.shared_limit.as_deref()),
        });
    }
    check_unique(&pools)?;
    let (mut addresses, mut users) = (0u64, 0u64);
    for n in &topo.nodes {
        if let Node::Clients(c) = n {
            users += u64::from(c.users);
            addresses += u64::from(c.addresses.unwrap_or(c.users).min(c.users.max(1)));
        }
    }
    Ok(Resolved { gateway: gw.name.clone(), routes, pools, addresses, users })
}

/// `name` if it follows the name rule, else an error naming it.
fn checked_name(name: &str) -> Result<&str, ExportError> {
    check_name(name).map(|()| name).map_err(|why| ExportError::Refused {
        node: name.into(),
        message: format!("the name cannot be written into a config: {why}"),
    })
}

/// No two pools with one identifier (NGINX compares `upstream` names without regard to case), no
/// instance name (or its identifier) shared by two services: the config would merge them, or
/// give them one address.
fn check_unique(pools: &[Pool<'_>]) -> Result<(), ExportError> {
    let owner = |p: &Pool<'_>| p.service.clone().unwrap_or_else(|| p.name.clone());
    for (i, p) in pools.iter().enumerate() {
        if let Some(q) = pools[..i].iter().find(|q| q.id.eq_ignore_ascii_case(&p.id)) {
            return Err(ExportError::Collision {
                first: owner(q),
                second: owner(p),
                message: format!(
                    "both would be exported as upstream {:?} (identifiers ignore case, `-` and `.`)",
                    p.id
                ),
            });
        }
    }
    let mut seen: BTreeMap<String, &Server> = BTreeMap::new();
    for s in pools.iter().flat_map(|p| p.servers.iter()) {
        match seen.get(&collision_key(&s.instance)) {
            Some(t) if t.service != s.service => {
                return Err(ExportError::Collision {
                    first: t.service.clone(),
                    second: s.service.clone(),
                    message: format!(
                        "instance {:?} of {:?} and instance {:?} of {:?} would be one server (and one address)",
                        t.instance, t.service, s.instance, s.service
                    ),
                });
            }
            Some(_) => {}
            None => {
                seen.insert(collision_key(&s.instance), s);
            }
        }
    }
    Ok(())
}

/// The servers behind `upstream`: a balancer's services' instances (only those of rule `only`'s
/// services when given, in the rule's order: one pool of a balancer's path rules), or a service's
/// own.
fn pool_of<'a>(
    scenario: &'a Scenario,
    gateway: &str,
    upstream: &str,
    only: Option<&LbRule>,
    options: &ExportOptions,
    need_addrs: bool,
) -> Result<Pool<'a>, ExportError> {
    let topo = &scenario.topology;
    let server = |svc: &crate::model::Service, i: u32, weight: u32| -> Result<Server, ExportError> {
        let instance = svc.instance_name(i);
        let addr = match options.backends.get(&instance) {
            Some(a) => *a,
            None if !need_addrs => SocketAddr::from(([127, 0, 0, 1], 0)),
            None => return Err(ExportError::MissingBackend { instance }),
        };
        Ok(Server { instance, service: svc.name.clone(), addr, weight })
    };
    let id = match only {
        Some(rule) => {
            let services: Vec<String> = rule.services().map(|(s, _)| ident(s)).collect();
            format!("{}.{}", ident(upstream), services.join("."))
        }
        None => ident(upstream),
    };
    match topo.node(upstream) {
        Some(Node::Service(s)) => {
            checked_name(&s.name)?;
            let servers = (0..s.instance_slots()).map(|i| server(s, i, 1)).collect::<Result<_, _>>()?;
            Ok(Pool { name: upstream.into(), service: None, id, balancer: None, servers })
        }
        Some(Node::LoadBalancer(lb)) => {
            checked_name(&lb.name)?;
            let mut servers = Vec::new();
            // Without a rule: every linked service in link order. With one: the rule's services
            // in its order, each with the pool's weight for it when given.
            let links: Vec<(&crate::model::Link, Option<u32>)> = match only {
                None => topo.links_from(&lb.name).map(|(_, l)| (l, None)).collect(),
                Some(rule) => rule
                    .services()
                    .filter_map(|(svc, w)| topo.links_from(&lb.name).find(|(_, l)| l.to == svc).map(|(_, l)| (l, w)))
                    .collect(),
            };
            for (link, pooled) in links {
                let Some(Node::Service(s)) = topo.node(&link.to) else {
                    return Err(ExportError::Broken {
                        node: lb.name.clone(),
                        message: format!("links to {:?}, which is not a service", link.to),
                    });
                };
                checked_name(&s.name)?;
                let w = pooled.map_or(link.weight, f64::from);
                if !((1.0..=256.0).contains(&w) && w.fract() == 0.0) {
                    let of = if pooled.is_some() { "pooled service" } else { "link to" };
                    return Err(ExportError::Broken {
                        node: lb.name.clone(),
                        message: format!("{of} {:?} has weight {w}; exported weights must be whole, 1..=256", s.name),
                    });
                }
                for i in 0..s.instance_slots() {
                    servers.push(server(s, i, w as u32)?);
                }
            }
            if servers.is_empty() {
                return Err(ExportError::Broken {
                    node: lb.name.clone(),
                    message: "has no instances behind it".into(),
                });
            }
            Ok(Pool { name: upstream.into(), service: only.map(LbRule::label), id, balancer: Some(lb), servers })
        }
        Some(other) => Err(ExportError::Broken {
            node: gateway.into(),
            message: format!(
                "routes to {upstream:?}, a {}; only a balancer or a service can be exported",
                other.kind().label()
            ),
        }),
        None => {
            Err(ExportError::Broken { node: gateway.into(), message: format!("routes to unknown node {upstream:?}") })
        }
    }
}
