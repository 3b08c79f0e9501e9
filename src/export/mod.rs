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
mod resolve;
pub mod route53;
pub mod scenario;
pub mod traefik;
mod util;
pub mod validated;
pub mod yaml;

use crate::model::names::check_path;
use crate::model::{Node, Scenario};
pub use resolve::{Pool, Resolved, ResolvedRoute, Server, instances, resolve};
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
            write_gateway(target, &resolve(scenario, gateway, options)?, options)?
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

/// The config of a resolved gateway for a gateway target (no header): the one dispatch to the
/// gateway writers.
pub fn write_gateway(target: Target, r: &Resolved<'_>, options: &ExportOptions) -> Result<String, ExportError> {
    // A limit shared by several routes is one NGINX zone, one HAProxy stick table, one Envoy
    // virtual-host bucket; the other gateway writers give each route a limit of its own.
    if !matches!(target, Target::Nginx | Target::Haproxy | Target::Envoy)
        && let Some(route) = r.routes.iter().find(|x| x.shared_limit.is_some())
    {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("shared limit {:?} on route {:?}", route.shared_limit.unwrap_or_default(), route.prefix),
            target,
            "this export writes each route's rate limit as its own (a per-route plugin, middleware or method \
             setting), so routes would not share one state; give the routes limits of their own",
        ));
    }
    match target {
        Target::Nginx => nginx::write(r, options),
        Target::Haproxy => haproxy::write(r, options),
        Target::Envoy => envoy::write(r, options),
        Target::Kong => kong::write(r, options),
        Target::Traefik => traefik::write(r, options),
        Target::AwsApiGateway => aws::write(r, options),
        Target::Kubernetes | Target::Route53 | Target::Prometheus => unreachable_scope(target),
    }
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

#[cfg(test)]
mod tests;
