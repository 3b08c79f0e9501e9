//! What the scenario-wide targets (Kubernetes, Route 53, Prometheus) share: the inputs the model
//! does not hold ([`ScenarioOptions`]).

use super::{ExportError, ExportOptions};
use std::collections::BTreeMap;

/// Inputs of the scenario-wide targets ([`Scope::Scenario`]) that the model does not hold. Each
/// is documented in `docs/export/<target>.md`; an export that needs one that is missing is
/// refused ([`ExportError::Missing`]), never filled with an invented value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioOptions {
    /// Kubernetes: the container image of each service, by service name.
    pub images: BTreeMap<String, String>,
    /// Kubernetes: the image of every service not in [`ScenarioOptions::images`].
    pub default_image: Option<String>,
    /// Kubernetes: `metadata.namespace` of every object (none: the namespace `kubectl` uses).
    pub namespace: Option<String>,
    /// Kubernetes: the port every container listens on (named `http`; the Service's port too).
    pub container_port: u16,
    /// Kubernetes: the path of the probes' `httpGet` (the model's probes are HTTP requests).
    pub probe_path: String,
    /// Route 53: the hosted zone's domain; the DNS node `api` becomes the record `api.<zone>.`.
    pub zone: Option<String>,
    /// Route 53: what each record target (a gateway or balancer node) is in DNS, by node name:
    /// an IPv4 address (A record), an IPv6 address (AAAA), a host name (CNAME), or
    /// `alias:HOSTEDZONEID:DNSNAME` (an alias, e.g. to a load balancer).
    pub dns_targets: BTreeMap<String, String>,
    /// Route 53: the id of the health check (created apart, `CreateHealthCheck`) of each checked
    /// record's target, by node name.
    pub health_checks: BTreeMap<String, String>,
    /// Route 53: the location of each client region a geolocation record lists, by region:
    /// `continent:EU`, `country:DE` or `subdivision:US-CA`.
    pub geo: BTreeMap<String, String>,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        ScenarioOptions {
            images: BTreeMap::new(),
            default_image: None,
            namespace: None,
            container_port: 8080,
            probe_path: "/healthz".into(),
            zone: None,
            dns_targets: BTreeMap::new(),
            health_checks: BTreeMap::new(),
            geo: BTreeMap::new(),
        }
    }
}

/// `name` as a Kubernetes object name that is also a DNS-1035 label (what a `Service` needs, and
/// stricter than a Deployment's DNS-1123 subdomain): lower case, `.` and `_` become `-`. Refused
/// when it does not start with a letter, is longer than 63 characters or holds anything else (a
/// name outside [`crate::model::names`]' rule: quotes, spaces, `;`, `{`, `#`, ...). Two names with
/// one mapping collide exactly when their [`crate::model::names::collision_key`]s are equal.
pub fn dns_label(node: &str, name: &str) -> Result<String, ExportError> {
    let refuse = |why: &str| ExportError::Refused {
        node: node.into(),
        message: format!("{name:?} cannot be a Kubernetes name (DNS-1035 label): {why}"),
    };
    let mapped: String =
        name.chars().map(|c| if c == '.' || c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    if mapped.is_empty() || mapped.len() > 63 {
        return Err(refuse("it must have 1 to 63 characters"));
    }
    if !mapped.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(refuse("only ASCII letters, digits, `.`, `_` and `-` map to one"));
    }
    if !mapped.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(refuse("it must start with a letter"));
    }
    if mapped.ends_with('-') {
        return Err(refuse("it must end with a letter or digit"));
    }
    Ok(mapped)
}

/// Whole seconds of `v` (a Kubernetes or Route 53 field takes whole seconds), or `None`.
pub fn whole_secs(v: f64) -> Option<u64> {
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1e12).then_some(v as u64)
}

/// Options for a scenario-wide export: the gateway targets' fields at the CLI's defaults (a
/// scenario-wide target reads only [`ExportOptions::header`] and [`ExportOptions::scenario`]).
impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 8080)),
            backends: BTreeMap::new(),
            header: Vec::new(),
            scenario: ScenarioOptions::default(),
        }
    }
}
