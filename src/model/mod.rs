//! The model: plain serde types, what the user edits and saves.
//!
//! A [`Scenario`] file holds the run settings and a [`Topology`]. Field names carry their units
//! (`latency_ms`, `rate_rps`, `duration_s`). Nodes reference each other by `name`, which is unique in
//! a topology and is the node's identity: it seeds the node's random streams (see `sim::rng`) and is
//! what links, routes, reports and the GUI refer to.
//!
//! The file form is a list of nodes and a list of links, because that is what a person reads and
//! diffs; [`Topology::graph`] builds the petgraph view of it (cycle checks, layering, compile).
//!
//! Nothing in this module runs a simulation or touches the GUI: it is loaded ([`load`]), checked
//! ([`validate`]) and compiled by `sim::plan`.

mod balance;
mod checks;
mod clients;
pub mod comments;
pub mod cost;
pub mod deploy;
mod dist;
mod envoy_limit;
pub mod global;
mod lb_rule;
pub mod limits;
pub mod lint;
pub mod load;
pub mod names;
mod next_upstream;
pub mod param;
mod policy;
pub mod ready;
pub mod regions;
pub mod time;
mod timeline;
mod topology;
mod topology_index;
mod tyk_limit;
pub mod validate;
mod validate_balance;
mod validate_cost;
mod validate_global;
mod validate_limits;
mod validate_timeline;

pub use balance::{Balance, Product};
pub use checks::{ActiveCheck, HttpCheck};
pub use clients::{ArrivalProcess, Clients, KeyDistribution, RouteShare, Step, Traffic};
pub use cost::{Business, PriceTable, Prices, Sla, SlaCredit};
pub use deploy::{Container, Deployment, Hosting, Probe, Serverless};
pub use dist::Dist;
pub(crate) use dist::Z_P99;
pub use envoy_limit::{EnvoyDescriptor, EnvoyDescriptorSource};
pub use global::{
    Backups, DataStore, Dns, DnsRecord, DnsRouting, HealthCheck53, Promotion, RecordRole, Replica, Replication,
};
pub use next_upstream::{NextUpstreamOn, error_timeout};
pub use param::{ParamValue, Setting};
pub use policy::{
    CircuitBreaker, ClientRetry, Failover, Jitter, KongPolicy, LimitKey, Limiter, OutlierDetection, RateLimit, RetryOn,
    RetryPolicy, WindowUnit,
};
pub use time::{At, Span, UtcTime};
pub use timeline::{
    Act, Action, Alarm, AlarmRule, CanaryBy, Change, Comparison, Delay, Event, EventKind, Fault, FaultKind,
    HumanResponse, Metric, MissingData, NodeSetting, Response, Rollout, Scope, Slo, Stage, TrafficEvent, TrafficSource,
    Trigger, Variant,
};
pub use topology::{
    Answer, Autoscaling, Gateway, LbRule, Link, LoadBalancer, NamedLimit, Node, NodeKind, Pooled, Region, RegionRtt,
    Route, Service, Topology,
};
pub use tyk_limit::TykLimiter;

use serde::{Deserialize, Serialize};

/// The newest file format this build reads and writes. Older files are migrated on load; newer
/// ones are refused with a message naming both versions.
pub const FORMAT_VERSION: u32 = 1;

/// One scenario file: what to simulate and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The file format version; see [`FORMAT_VERSION`].
    pub format_version: u32,
    /// A short title shown in reports and the GUI.
    pub name: String,
    /// Free text: what the scenario is about.
    #[serde(default)]
    pub description: String,
    /// Seed, duration, replicates.
    pub run: RunSettings,
    /// What is simulated.
    pub topology: Topology,
    /// The objectives the report measures against (defaults: see [`Slo`]).
    #[serde(default, skip_serializing_if = "Slo::is_default")]
    pub slo: Slo,
    /// What happens during the run: changes, faults, traffic events, alarms, actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Event>,
    /// Variants of this scenario (counterfactuals, proposed fixes), run side by side by
    /// `gatesim variants`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// Overrides of the bundled price table (see `model::cost`).
    #[serde(default, skip_serializing_if = "Prices::is_default")]
    pub prices: Prices,
    /// What a failed request and the SLA's credits cost: the run's outage cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<Business>,
}

/// How a scenario is run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// The scenario seed. Replicate `i` derives its streams from `(seed, i, component name)`.
    pub seed: u64,
    /// Simulated time during which clients send requests. In-flight requests are then drained.
    pub duration_s: f64,
    /// Observations that start before this time are left out of the summary (the time series keeps
    /// them). Use it to let queues reach steady state before measuring.
    #[serde(default)]
    pub warmup_s: f64,
    /// Independent replicates, run in parallel; summaries carry confidence intervals over them.
    #[serde(default = "one")]
    pub replicates: u32,
    /// Width of a time-series bucket. Default: the duration divided into about 300 buckets, rounded
    /// to a readable width.
    #[serde(default)]
    pub bucket_s: Option<f64>,
    /// The wall-clock time of simulated time 0, UTC (`"2024-08-16T14:00:00Z"`; format version 1
    /// files wrote `start_unix_s` in seconds). Timeline times of day (`"14:30"`) are read against
    /// it, and policies with calendar-aligned windows (Kong) use it. Default: 1970-01-01T00:00:00Z.
    #[serde(default, alias = "start_unix_s", skip_serializing_if = "is_epoch")]
    pub start: UtcTime,
    /// Requests in flight at once above which a replicate stops with an error instead of growing
    /// without bound (an overloaded system with unbounded queues). Default 1,000,000: about 250 MB
    /// per replicate running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
}

/// The default bound on requests in flight (see [`RunSettings::max_in_flight`]).
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 1_000_000;

fn one() -> u32 {
    1
}

fn is_epoch(t: &UtcTime) -> bool {
    t.0 == 0
}

impl Scenario {
    /// A scenario with default run settings around a topology.
    pub fn new(name: impl Into<String>, topology: Topology) -> Self {
        Scenario {
            format_version: FORMAT_VERSION,
            name: name.into(),
            description: String::new(),
            run: RunSettings {
                seed: 1,
                duration_s: 60.0,
                warmup_s: 0.0,
                replicates: 1,
                bucket_s: None,
                start: UtcTime::default(),
                max_in_flight: None,
            },
            topology,
            slo: Slo::default(),
            timeline: Vec::new(),
            variants: Vec::new(),
            prices: Prices::default(),
            business: None,
        }
    }

    /// The scenario as variant `name` makes it (without variants of its own): its timeline
    /// entries removed, added or replaced and its parameters set. The error says what does not
    /// apply.
    pub fn variant(&self, name: &str) -> Result<Scenario, String> {
        let v = self.variants.iter().find(|v| v.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
            format!("no variant is named \"{name}\" (the scenario has: {})", names.join(", "))
        })?;
        let mut s = self.clone();
        s.variants.clear();
        s.name = format!("{} [{}]", self.name, v.name);
        for r in &v.remove {
            let before = s.timeline.len();
            s.timeline.retain(|e| e.name() != r);
            if s.timeline.len() == before {
                return Err(format!("variant \"{}\": remove \"{r}\": no timeline entry has this name", v.name));
            }
        }
        for e in &v.add {
            match s.timeline.iter_mut().find(|x| x.name() == e.name()) {
                Some(x) => *x = e.clone(),
                None => s.timeline.push(e.clone()),
            }
        }
        for set in &v.set {
            let setting = param::Setting { path: set.path.clone(), value: set.value.clone() };
            param::apply(&mut s.topology, &set.node, std::slice::from_ref(&setting))
                .map_err(|e| format!("variant \"{}\": {}: {e}", v.name, set.node))?;
        }
        Ok(s)
    }
}
