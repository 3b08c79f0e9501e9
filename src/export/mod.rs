//! Exporters: a scenario's gateway written as a real product's config, one file per target.
//!
//! [`export`] resolves the gateway node, its routes, the balancer (or service) behind each route and
//! the instances of that balancer's services into a [`Resolved`] view (shared by every target), then
//! hands it to the target's writer (`nginx.rs`, `haproxy.rs`). Gateway syntax lives only in this
//! module. A policy the target cannot express is an [`ExportError::Unsupported`] naming the node and
//! the policy: nothing is silently dropped or approximated.
//!
//! Instances are named `<service>-<i>` (as in the simulator's decisions); their addresses come from
//! [`ExportOptions::backends`]. Weights come from the balancer's link `weight` to each service and
//! must be whole numbers.

/// Appends one formatted line to a config being built in a `String` (writing to a `String` cannot
/// fail, so there is no `Result` to handle).
macro_rules! emit {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        $out.write_fmt(format_args!($($arg)*)).ok();
        $out.push('\n');
    }};
}

pub mod haproxy;
pub mod nginx;

use crate::model::{Balance, Failover, LoadBalancer, Node, RateLimit, Scenario};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// The product a config is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Open-source NGINX (1.22).
    Nginx,
    /// HAProxy (2.6).
    Haproxy,
}

impl Target {
    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Target::Nginx => "nginx",
            Target::Haproxy => "haproxy",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nginx" => Ok(Target::Nginx),
            "haproxy" => Ok(Target::Haproxy),
            other => Err(format!("unknown target {other:?} (expected nginx or haproxy)")),
        }
    }
}

/// Where the exported gateway listens, where its backends are, and where it keeps its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The gateway's listening address.
    pub listen: SocketAddr,
    /// Address of every instance (`<service>-<i>`) behind the gateway.
    pub backends: BTreeMap<String, SocketAddr>,
    /// Directory for the pid file, logs and temporary files.
    pub workdir: PathBuf,
}

/// Why a gateway cannot be exported.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// No node has this name.
    #[error("no node named {name:?} (gateways: {known})")]
    UnknownGateway {
        /// The name asked for.
        name: String,
        /// The scenario's gateways, comma-separated.
        known: String,
    },
    /// The node exists but is not a gateway.
    #[error("node {name:?} is a {kind}, not a gateway")]
    NotAGateway {
        /// The node.
        name: String,
        /// Its kind.
        kind: &'static str,
    },
    /// A node refers to a node that does not exist, or has nothing to route to.
    #[error("node {node:?}: {message}")]
    Broken {
        /// The node.
        node: String,
        /// What is missing.
        message: String,
    },
    /// The target has no way to express a policy of a node.
    #[error("node {node:?}: {target} cannot express {policy}: {reason}")]
    Unsupported {
        /// The node carrying the policy.
        node: String,
        /// The policy, as the scenario names it.
        policy: String,
        /// The target.
        target: Target,
        /// Why, or what to use instead.
        reason: String,
    },
    /// [`ExportOptions::backends`] has no address for an instance.
    #[error("no address for instance {instance:?} (give one with --backend {instance}=HOST:PORT)")]
    MissingBackend {
        /// The instance name.
        instance: String,
    },
}

/// One server of a pool: an instance with its address and weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Instance name, `<service>-<i>`.
    pub instance: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Whole-number weight from the balancer's link.
    pub weight: u32,
}

/// The instances behind one upstream node (a balancer, or a service routed to directly).
#[derive(Clone, Debug)]
pub struct Pool<'a> {
    /// The upstream node's name.
    pub name: String,
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

    /// The failover policy (generic next-instance for a service routed to directly).
    pub fn failover(&self) -> Failover {
        self.balancer.map_or(Failover::NextInstance, |b| b.failover.clone())
    }
}

/// One route of the gateway, resolved.
#[derive(Clone, Debug)]
pub struct ResolvedRoute<'a> {
    /// Path prefix (validated: no whitespace, quotes, `;`, `{`, `}`).
    pub prefix: String,
    /// Index into [`Resolved::pools`].
    pub pool: usize,
    /// Upstream timeout, ms.
    pub timeout_ms: Option<f64>,
    /// Rate limit, if any.
    pub rate_limit: Option<&'a RateLimit>,
    /// The gateway route this comes from: routes split by a balancer's path rules share their
    /// gateway route's rate-limit state (one zone or stick table), as in the simulator.
    pub limit_group: usize,
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
}

/// Writes gateway `gateway` of `scenario` as a config for `target`.
pub fn export(
    scenario: &Scenario,
    gateway: &str,
    target: Target,
    options: &ExportOptions,
) -> Result<String, ExportError> {
    let resolved = resolve(scenario, gateway, options)?;
    match target {
        Target::Nginx => nginx::write(&resolved, options),
        Target::Haproxy => haproxy::write(&resolved, options),
    }
}

/// The instance names behind gateway `gateway`, in pool order (for filling in addresses); errors as
/// [`export`] would give them when resolving, apart from missing addresses.
pub fn instances(scenario: &Scenario, gateway: &str) -> Result<Vec<String>, ExportError> {
    let any = ExportOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        backends: BTreeMap::new(),
        workdir: PathBuf::new(),
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
    let broken = |message: String| ExportError::Broken { node: gw.name.clone(), message };
    // (prefix, upstream, the one service of the balancer's rule if any, timeout, rate limit, group)
    type Wanted<'r> = (String, String, Option<String>, Option<f64>, Option<&'r RateLimit>, usize);
    let mut wanted: Vec<Wanted<'a>> = Vec::new();
    if gw.routes.is_empty() {
        let link = topo.links_from(&gw.name).next().ok_or_else(|| broken("has no routes and no link".into()))?;
        wanted.push(("/".into(), link.1.to.clone(), None, None, None, 0));
    }
    for (group, r) in gw.routes.iter().enumerate() {
        check_prefix(&gw.name, &r.path_prefix)?;
        let (timeout, limit) = (r.timeout_ms, r.rate_limit.as_ref());
        match topo.node(&r.upstream) {
            // A balancer with path rules: one route per rule that can match under this prefix,
            // each to a pool of the rule's service.
            Some(Node::LoadBalancer(lb)) if !lb.rules.is_empty() => {
                for rule in &lb.rules {
                    check_prefix(&lb.name, &rule.path_prefix)?;
                    let prefix = if rule.path_prefix.starts_with(&r.path_prefix) {
                        rule.path_prefix.clone()
                    } else if r.path_prefix.starts_with(&rule.path_prefix) {
                        r.path_prefix.clone()
                    } else {
                        continue;
                    };
                    wanted.push((prefix, lb.name.clone(), Some(rule.service.clone()), timeout, limit, group));
                }
            }
            _ => wanted.push((r.path_prefix.clone(), r.upstream.clone(), None, timeout, limit, group)),
        }
    }
    let mut pools: Vec<Pool<'a>> = Vec::new();
    let mut routes = Vec::new();
    for (prefix, upstream, only, timeout_ms, rate_limit, limit_group) in wanted {
        let name = match &only {
            Some(svc) => format!("{upstream}_{svc}"),
            None => upstream.clone(),
        };
        let pool = match pools.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => {
                let mut pool = pool_of(scenario, &gw.name, &upstream, only.as_deref(), options, need_addrs)?;
                pool.name = name;
                pools.push(pool);
                pools.len() - 1
            }
        };
        routes.push(ResolvedRoute { prefix, pool, timeout_ms, rate_limit, limit_group });
    }
    Ok(Resolved { gateway: gw.name.clone(), routes, pools })
}

fn check_prefix(node: &str, prefix: &str) -> Result<(), ExportError> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\' | ';' | '{' | '}' | '#');
    if !prefix.starts_with('/') || prefix.chars().any(bad) {
        return Err(ExportError::Broken {
            node: node.into(),
            message: format!(
                "route prefix {prefix:?} must start with / and contain no whitespace, quotes, `;`, `{{`, `}}` or `#`"
            ),
        });
    }
    Ok(())
}

/// The servers behind `upstream`: a balancer's services' instances (only those of service `only`
/// when given: one pool of a balancer's path rules), or a service's own.
fn pool_of<'a>(
    scenario: &'a Scenario,
    gateway: &str,
    upstream: &str,
    only: Option<&str>,
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
        Ok(Server { instance, addr, weight })
    };
    match topo.node(upstream) {
        Some(Node::Service(s)) => {
            let servers = (0..s.instance_slots()).map(|i| server(s, i, 1)).collect::<Result<_, _>>()?;
            Ok(Pool { name: upstream.into(), balancer: None, servers })
        }
        Some(Node::LoadBalancer(lb)) => {
            let mut servers = Vec::new();
            for (_, link) in topo.links_from(&lb.name).filter(|(_, l)| only.is_none_or(|s| l.to == s)) {
                let Some(Node::Service(s)) = topo.node(&link.to) else {
                    return Err(ExportError::Broken {
                        node: lb.name.clone(),
                        message: format!("links to {:?}, which is not a service", link.to),
                    });
                };
                let w = link.weight;
                if !((1.0..=256.0).contains(&w) && w.fract() == 0.0) {
                    return Err(ExportError::Broken {
                        node: lb.name.clone(),
                        message: format!(
                            "link to {:?} has weight {w}; exported weights must be whole, 1..=256",
                            s.name
                        ),
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
            Ok(Pool { name: upstream.into(), balancer: Some(lb), servers })
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

/// An identifier for config names: ASCII letters, digits and `_` (others become `_`).
pub fn ident(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.is_empty() { "_".into() } else { s }
}

/// Milliseconds as a whole-ms duration string (`"2000ms"`), rounding up so that a timeout is never
/// shorter than the scenario's.
pub fn ms(v: f64) -> String {
    format!("{}ms", v.max(1.0).ceil() as u64)
}

impl ExportError {
    /// An [`ExportError::Unsupported`] for `target`.
    pub fn unsupported(node: &str, policy: impl Into<String>, target: Target, reason: impl Into<String>) -> Self {
        ExportError::Unsupported { node: node.into(), policy: policy.into(), target, reason: reason.into() }
    }
}

#[cfg(test)]
mod tests;
