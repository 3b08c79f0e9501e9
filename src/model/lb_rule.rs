//! A load balancer's path rules: one service's instances, or several services pooled with
//! weights.

use serde::{Deserialize, Serialize};

/// A load balancer's path rule: its pool is one service's instances (`service`), or several
/// services' pooled with weights (`pool`), as one NGINX `upstream` or HAProxy `backend` holds
/// servers of different services. Exactly one of the two is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LbRule {
    /// Matches request paths that start with it.
    pub path_prefix: String,
    /// The service whose instances form the pool; the balancer must link to it. Empty when
    /// `pool` is given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service: String,
    /// Services pooled into one group of servers, in this order (every instance of the first,
    /// then of the next...); the balancer must link to each. The algorithm balances over all of
    /// them as one pool; each instance keeps its service's behaviour (service time, errors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pool: Vec<Pooled>,
}

/// One service of a pooled rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pooled {
    /// The service.
    pub service: String,
    /// The weight of each of its instances in this pool (a whole number, 1..=1000); absent: the
    /// weight of the balancer's link to the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

impl LbRule {
    /// A rule sending `path_prefix` to one service's instances.
    pub fn new(path_prefix: impl Into<String>, service: impl Into<String>) -> Self {
        LbRule { path_prefix: path_prefix.into(), service: service.into(), pool: Vec::new() }
    }

    /// The rule's services in pool order, each with its weight in this pool (`None`: the link's).
    pub fn services(&self) -> impl Iterator<Item = (&str, Option<u32>)> {
        let single = self.pool.is_empty().then_some((self.service.as_str(), None));
        single.into_iter().chain(self.pool.iter().map(|p| (p.service.as_str(), p.weight)))
    }

    /// Whether the rule's pool holds `service`.
    pub fn holds(&self, service: &str) -> bool {
        self.services().any(|(s, _)| s == service)
    }

    /// The rule's services as one label: `a`, or `a+b` for a pool.
    pub fn label(&self) -> String {
        self.services().map(|(s, _)| s).collect::<Vec<_>>().join("+")
    }
}
