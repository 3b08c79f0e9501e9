//! Exporters: a scenario's gateway written as a real product's config, one file per target; or,
//! for the scenario-wide targets ([`Scope::Scenario`]: `kubernetes.rs`, `route53.rs`,
//! `prometheus.rs` with `promtest.rs`), the scenario's services, DNS names or alarms.
//!
//! [`export`] resolves the gateway node, its routes, the balancer (or service) behind each route and
//! the instances of that balancer's services into a [`Resolved`] view (shared by every target), then
//! hands it to the target's writer (`nginx.rs`, `haproxy.rs`, `envoy.rs`, `kong.rs`, `traefik.rs`,
//! `aws.rs`; the YAML ones build a value rendered by `yaml.rs`). Gateway syntax lives only in this
//! module. A policy the target cannot express is an [`ExportError::Unsupported`] naming the node and
//! the policy: nothing is silently dropped or approximated.
//!
//! Instances are named `<service>-<i>` (as in the simulator's decisions); their addresses come from
//! [`ExportOptions::backends`]. Weights come from the balancer's link `weight` to each service and
//! must be whole numbers.
//!
//! **No user string reaches a config unchecked.** Validation refuses names and paths outside the
//! rule of [`crate::model::names`] when a scenario loads, but an exporter may be handed a scenario
//! built in code, so [`resolve`] checks again: every node name written (gateway, upstreams,
//! services and their instances) against the name rule, every path prefix against the path rule,
//! no two upstreams with one identifier (ignoring case, as NGINX compares `upstream` names), no
//! instance name shared by two services (addresses are keyed by it), no duplicate path prefix. A
//! failure is an [`ExportError`] naming the node (both nodes for a collision). The writers then
//! interpolate only through [`word`] and [`path`], which check again, and quote paths in the
//! product's own syntax. Identifiers the exporter derives (a balancer rule's pool, a rate-limit
//! table) join node identifiers with `.`, which [`ident`] never produces, so they cannot collide
//! with a node's.

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

pub mod aws;
pub mod envoy;
mod groups;
pub mod haproxy;
pub mod kong;
pub mod kubernetes;
pub mod nginx;
pub mod prometheus;
pub mod promtest;
pub mod route53;
pub mod scenario;
pub mod traefik;
mod util;
pub mod validated;
pub mod yaml;

use crate::model::names::{check_name, check_path, collision_key};
use crate::model::{Balance, Failover, LimitKey, LoadBalancer, Node, RateLimit, RetryPolicy, Scenario};
pub use scenario::ScenarioOptions;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
pub use util::{ident, ms};

/// The product a config is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Open-source NGINX (1.22).
    Nginx,
    /// HAProxy (2.6).
    Haproxy,
    /// Envoy (1.40), a v3 static bootstrap.
    Envoy,
    /// Kong Gateway (3.x) in DB-less mode: a decK declarative file.
    Kong,
    /// Traefik (v3) file provider: the dynamic configuration.
    Traefik,
    /// AWS API Gateway REST API: OpenAPI 3 with `x-amazon-apigateway-*` extensions.
    AwsApiGateway,
    /// Kubernetes manifests for the scenario's container services (`kubernetes.rs`).
    Kubernetes,
    /// A Route 53 `ChangeResourceRecordSets` change batch for the scenario's DNS node.
    Route53,
    /// Prometheus alerting rules for the scenario's Prometheus alarms.
    Prometheus,
}

/// What a target's file describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One gateway node: its routes, the balancers and services behind them ([`Resolved`]).
    Gateway,
    /// The scenario as a whole (its services, DNS names or alarms), no gateway chosen.
    Scenario,
}

impl Target {
    /// Every target, in the order menus list them.
    pub const ALL: &'static [Target] = &[
        Target::Nginx,
        Target::Haproxy,
        Target::Envoy,
        Target::Kong,
        Target::Traefik,
        Target::AwsApiGateway,
        Target::Kubernetes,
        Target::Route53,
        Target::Prometheus,
    ];

    /// Whether the target writes one gateway or the whole scenario.
    pub fn scope(self) -> Scope {
        match self {
            Target::Nginx
            | Target::Haproxy
            | Target::Envoy
            | Target::Kong
            | Target::Traefik
            | Target::AwsApiGateway => Scope::Gateway,
            Target::Kubernetes | Target::Route53 | Target::Prometheus => Scope::Scenario,
        }
    }

    /// The line-comment marker of the target's syntax, `None` for a syntax without comments
    /// (JSON), whose writer puts [`ExportOptions::header`] in a field of its own.
    pub fn comment(self) -> Option<&'static str> {
        match self {
            Target::Nginx
            | Target::Haproxy
            | Target::Envoy
            | Target::Kong
            | Target::Traefik
            | Target::AwsApiGateway
            | Target::Kubernetes
            | Target::Prometheus => Some("#"),
            Target::Route53 => None,
        }
    }

    /// The usual file name of the target's config (what a save dialog proposes).
    pub fn file_name(self) -> &'static str {
        match self {
            Target::Nginx => "nginx.conf",
            Target::Haproxy => "haproxy.cfg",
            Target::Envoy => "envoy.yaml",
            Target::Kong => "kong.yaml",
            Target::Traefik => "traefik-dynamic.yaml",
            Target::AwsApiGateway => "openapi.yaml",
            Target::Kubernetes => "k8s.yaml",
            Target::Route53 => "route53-changes.json",
            Target::Prometheus => "alerts.rules.yml",
        }
    }

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Target::Nginx => "nginx",
            Target::Haproxy => "haproxy",
            Target::Envoy => "envoy",
            Target::Kong => "kong",
            Target::Traefik => "traefik",
            Target::AwsApiGateway => "aws-apigateway",
            Target::Kubernetes => "kubernetes",
            Target::Route53 => "route53",
            Target::Prometheus => "prometheus",
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
            "envoy" => Ok(Target::Envoy),
            "kong" => Ok(Target::Kong),
            "traefik" => Ok(Target::Traefik),
            "aws-apigateway" => Ok(Target::AwsApiGateway),
            "kubernetes" => Ok(Target::Kubernetes),
            "route53" => Ok(Target::Route53),
            "prometheus" => Ok(Target::Prometheus),
            other => {
                let known: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
                Err(format!("unknown target {other:?} (expected one of: {})", known.join(", ")))
            }
        }
    }
}

/// Where the exported gateway listens, where its backends are, and the lines that open the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The gateway's listening address.
    pub listen: SocketAddr,
    /// Address of every instance (`<service>-<i>`) behind the gateway.
    pub backends: BTreeMap<String, SocketAddr>,
    /// Lines that open the file (what was exported, from which file, the figures it passed), each
    /// written as a comment in the target's syntax; a target without comments carries them in a
    /// field of its own (see [`Target::comment`]).
    pub header: Vec<String>,
    /// What the scenario-wide targets need that the model does not say (images, DNS names).
    pub scenario: ScenarioOptions,
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
    /// The scenario has no gateway node to export.
    #[error("the scenario has no gateway node to export")]
    NoGateway,
    /// The scenario has several gateways and none was named.
    #[error("the scenario has several gateways; name one with --gateway ({known})")]
    WhichGateway {
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
    /// A name or path that may not be written into a config (see [`crate::model::names`]).
    #[error("node {node:?}: {message}")]
    Refused {
        /// The node the string belongs to.
        node: String,
        /// What is wrong with it.
        message: String,
    },
    /// Two nodes whose names would be one identifier, or one instance, in the config.
    #[error("nodes {first:?} and {second:?}: {message}")]
    Collision {
        /// The node met first.
        first: String,
        /// The other node.
        second: String,
        /// What collides.
        message: String,
    },
    /// [`ExportOptions::backends`] has no address for an instance.
    #[error("no address for instance {instance:?} (give one with --backend {instance}=HOST:PORT)")]
    MissingBackend {
        /// The instance name.
        instance: String,
    },
    /// A scenario-wide target needs an input the model does not hold ([`ScenarioOptions`]):
    /// the node it is for, the target, what to give and how.
    #[error("node {0:?}: {1} needs {2}")]
    Missing(String, Target, String),
    /// The scenario has nothing the target writes (no DNS node, no container service).
    #[error("{0}: {1}")]
    Nothing(Target, String),
}

/// One server of a pool: an instance with its address and weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Instance name, `<service>-<i>`.
    pub instance: String,
    /// The service it is an instance of.
    pub service: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Whole-number weight from the balancer's link.
    pub weight: u32,
}

/// The instances behind one upstream node (a balancer, or a service routed to directly).
#[derive(Clone, Debug)]
pub struct Pool<'a> {
    /// The upstream node's name (a balancer, or a service routed to directly).
    pub name: String,
    /// The service of the balancer's path rule this pool is for, if any.
    pub service: Option<String>,
    /// The pool's identifier in the config (NGINX `upstream`, HAProxy `backend`): [`ident`] of the
    /// node's name, or `<balancer>.<service>` for a rule's pool.
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

/// Writes `scenario` as a config for `target`: for a gateway target, gateway `gateway` (which may
/// be left out when the scenario has one gateway). The file opens with [`ExportOptions::header`].
pub fn export(
    scenario: &Scenario,
    gateway: Option<&str>,
    target: Target,
    options: &ExportOptions,
) -> Result<String, ExportError> {
    let body = match target.scope() {
        Scope::Gateway => {
            let gateway = the_gateway(scenario, gateway)?;
            let resolved = resolve(scenario, gateway, options)?;
            match target {
                Target::Nginx => nginx::write(&resolved, options)?,
                Target::Haproxy => haproxy::write(&resolved, options)?,
                Target::Envoy => envoy::write(&resolved, options)?,
                Target::Kong => kong::write(&resolved, options)?,
                Target::Traefik => traefik::write(&resolved, options)?,
                Target::AwsApiGateway => aws::write(&resolved, options)?,
                Target::Kubernetes | Target::Route53 | Target::Prometheus => unreachable_scope(target)?,
            }
        }
        Scope::Scenario => match target {
            Target::Kubernetes => kubernetes::write(scenario, options)?,
            Target::Route53 => route53::write(scenario, options)?,
            Target::Prometheus => prometheus::write(scenario, options)?,
            Target::Nginx
            | Target::Haproxy
            | Target::Envoy
            | Target::Kong
            | Target::Traefik
            | Target::AwsApiGateway => unreachable_scope(target)?,
        },
    };
    Ok(match target.comment() {
        Some(mark) => {
            let mut text = String::new();
            for line in &options.header {
                // A header line is one comment line whatever it holds.
                emit!(text, "{mark} {}", line.replace(['\r', '\n'], " "));
            }
            text + &body
        }
        None => body,
    })
}

/// The error for a target asked to write a scope it does not have (a bug, not user input).
fn unreachable_scope(target: Target) -> Result<String, ExportError> {
    Err(ExportError::Broken { node: String::new(), message: format!("{target} has no writer for this scope") })
}

/// The gateway to export: `asked`, or the scenario's only gateway.
pub fn the_gateway<'s>(scenario: &'s Scenario, asked: Option<&'s str>) -> Result<&'s str, ExportError> {
    if let Some(name) = asked {
        return Ok(name);
    }
    let gateways: Vec<&str> =
        scenario.topology.nodes.iter().filter(|n| matches!(n, Node::Gateway(_))).map(|n| n.name()).collect();
    match gateways.as_slice() {
        [one] => Ok(one),
        [] => Err(ExportError::NoGateway),
        many => Err(ExportError::WhichGateway { known: many.join(", ") }),
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
    /// The one service of the balancer's rule, if the prefix comes from one.
    only: Option<String>,
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
        let (timeout_ms, rate_limit, retry_policy) = (r.timeout_ms, r.rate_limit.as_ref(), r.retry_policy.as_ref());
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
                        only: Some(rule.service.clone()),
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
        let pool = match pools.iter().position(|p| p.name == w.upstream && p.service == w.only) {
            Some(i) => i,
            None => {
                pools.push(pool_of(scenario, &gw.name, &w.upstream, w.only.as_deref(), options, need_addrs)?);
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

/// A string a writer puts into a config as a bare word (identifier, server name, comment text):
/// only ASCII letters, digits, `.`, `_` and `-`, which end no token, string, comment or line in
/// any target. Anything else is refused, naming `node`.
pub fn word<'s>(node: &str, s: &'s str) -> Result<&'s str, ExportError> {
    let ok = !s.is_empty() && s.len() <= 200 && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(s)
    } else {
        Err(ExportError::Refused {
            node: node.into(),
            message: format!("{s:?} cannot be written into a config: only ASCII letters, digits, `.`, `_` and `-`"),
        })
    }
}

/// A path prefix a writer puts into a config (quoted in the target's syntax): it must follow the
/// path rule of [`check_path`]. Anything else is refused, naming `node`.
pub fn path<'s>(node: &str, p: &'s str) -> Result<&'s str, ExportError> {
    check_path(p).map(|()| p).map_err(|why| ExportError::Refused {
        node: node.into(),
        message: format!("path prefix {p:?} cannot be written into a config: {why}"),
    })
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
        Ok(Server { instance, service: svc.name.clone(), addr, weight })
    };
    let id = match only {
        Some(svc) => format!("{}.{}", ident(upstream), ident(svc)),
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
            for (_, link) in topo.links_from(&lb.name).filter(|(_, l)| only.is_none_or(|s| l.to == s)) {
                let Some(Node::Service(s)) = topo.node(&link.to) else {
                    return Err(ExportError::Broken {
                        node: lb.name.clone(),
                        message: format!("links to {:?}, which is not a service", link.to),
                    });
                };
                checked_name(&s.name)?;
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
            Ok(Pool { name: upstream.into(), service: only.map(str::to_owned), id, balancer: Some(lb), servers })
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

#[cfg(test)]
mod tests;
