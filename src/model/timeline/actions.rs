//! The timeline's actions: what is done, when (at a time or when an alarm fires), and by whom
//! (automation, or a person paged through a chain of delays).

use super::super::Dist;
use super::super::time::{At, Span};
use serde::{Deserialize, Serialize};

/// What is done, when, and by whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Unique name.
    pub name: String,
    /// At a time, or the first time an alarm fires.
    pub trigger: Trigger,
    /// Done by automation (after a fixed delay) or by a person paged.
    #[serde(default)]
    pub response: Response,
    /// What is done.
    pub act: Act,
}

/// What starts an action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    /// At this time.
    At(At),
    /// The first time this alarm fires.
    Alarm(String),
}

/// Who carries an action out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// Automation, after a fixed delay (default 0).
    Automatic {
        /// Time from the trigger to the act.
        #[serde(default)]
        delay: Span,
    },
    /// A person: paged by the trigger, then a chain of delays, each drawn per replicate.
    Human(HumanResponse),
}

impl Default for Response {
    fn default() -> Self {
        Response::Automatic { delay: Span::default() }
    }
}

/// A person's response to a page: each phase a distribution of durations, drawn per replicate
/// (both seed postmortems lost most of their time here).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HumanResponse {
    /// From the page to an engineer looking at it.
    pub acknowledge: Delay,
    /// Investigating (often on the wrong track first).
    pub investigate: Delay,
    /// Identifying the cause.
    pub identify: Delay,
    /// Carrying out the act (a rollback takes its own time).
    pub act: Delay,
}

/// A duration drawn per replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Delay {
    /// Always the same.
    Fixed(Span),
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound.
        min: Span,
        /// Upper bound.
        max: Span,
    },
    /// Log-normal, by median and 99th percentile (`p99 > median`).
    LogNormal {
        /// Median.
        median: Span,
        /// 99th percentile.
        p99: Span,
    },
    /// Exponential, by its mean.
    Exponential {
        /// Mean.
        mean: Span,
    },
}

impl Delay {
    /// The distribution in milliseconds, as the samplers take it.
    pub fn as_dist(&self) -> Dist {
        let ms = |s: &Span| s.0 * 1000.0;
        match self {
            Delay::Fixed(s) => Dist::Constant { ms: ms(s) },
            Delay::Uniform { min, max } => Dist::Uniform { min_ms: ms(min), max_ms: ms(max) },
            Delay::LogNormal { median, p99 } => Dist::LogNormal { median_ms: ms(median), p99_ms: ms(p99) },
            Delay::Exponential { mean } => Dist::Exponential { mean_ms: ms(mean) },
        }
    }

    /// Its median, seconds (for descriptions).
    pub fn typical_s(&self) -> f64 {
        match self {
            Delay::Fixed(s) => s.0,
            Delay::Uniform { min, max } => (min.0 + max.0) / 2.0,
            Delay::LogNormal { median, .. } => median.0,
            Delay::Exponential { mean } => mean.0 * std::f64::consts::LN_2,
        }
    }
}

/// What an action does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Act {
    /// Roll back a change (a staged rollout stops where it is and every request returns to the
    /// old configuration).
    Rollback(String),
    /// Apply a change (one with no `at` of its own, or apply it earlier).
    Apply(String),
    /// Run this many instances of a service (new ones serve after `startup`).
    Scale {
        /// The service.
        service: String,
        /// Instances to run.
        instances: u32,
        /// Time for a new instance to start serving.
        #[serde(default)]
        startup: Span,
    },
    /// Send `share` of a client population's requests to `to` (one of its links) instead of
    /// its usual targets.
    ShiftTraffic {
        /// The population.
        clients: String,
        /// The node it now sends to.
        to: String,
        /// Share of its requests, 0 to 1.
        share: f64,
    },
    /// End a fault (a repair, a restart).
    EndFault(String),
    /// Only page: the report shows when the person acknowledged, identified and acted.
    Page,
    /// Set a record's routing control (Route 53 Application Recovery Controller): off, the DNS
    /// name treats the record as unhealthy at once, whatever its health checks say (a manual
    /// failover); on again, its health checks decide. Resolvers keep their cached answers for
    /// the TTL either way.
    RoutingControl {
        /// The DNS node.
        dns: String,
        /// The record's target.
        record: String,
        /// On (traffic allowed) or off.
        on: bool,
    },
}

impl Act {
    /// E.g. `roll back tighten-limit`.
    pub fn describe(&self) -> String {
        match self {
            Act::Rollback(c) => format!("roll back {c}"),
            Act::Apply(c) => format!("apply {c}"),
            Act::Scale { service, instances, .. } => format!("scale {service} to {instances}"),
            Act::ShiftTraffic { clients, to, share } => format!("shift {:.0}% of {clients} to {to}", 100.0 * share),
            Act::EndFault(f) => format!("end {f}"),
            Act::Page => "page".into(),
            Act::RoutingControl { dns, record, on } => {
                format!("routing control of {dns}/{record} {}", if *on { "on" } else { "off" })
            }
        }
    }
}
