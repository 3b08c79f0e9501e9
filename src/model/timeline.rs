//! The scenario's timeline: what happens during a run, in order. Config changes (applied at once or
//! staged, and rolled back), faults, traffic events, alarms and the actions they trigger (automatic,
//! or a person paged through a modelled delay chain), and the SLOs the report measures against.
//!
//! Every entry has a unique `name`: actions and reports refer to entries by it, and its random
//! streams (a canary's coin, a person's delays, a fault's error draws) are seeded from it, so adding
//! an entry changes no other entry's draws.
//!
//! Times are [`At`] values (seconds from the start, `"15m"`, or a wall-clock `"14:30"` against
//! `run.start`), durations are [`Span`]s (`"2m"`, `"1h15m"`). The engine's semantics of each entry
//! are described where it applies them (`sim::engine::timeline`).

use super::Dist;
use super::param::Setting;
use super::time::{At, Span};
use serde::{Deserialize, Serialize};

mod actions;
mod alarms;

pub use actions::{Act, Action, Delay, HumanResponse, Response, Trigger};
use alarms::one_minute;
pub use alarms::{Alarm, AlarmRule, Comparison, Metric, MissingData, Scope};

/// One entry of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A configuration change of one node.
    Change(Change),
    /// Something breaks for a while.
    Fault(Fault),
    /// Extra traffic on top of a population's profile: a flash crowd or a DDoS.
    Traffic(TrafficEvent),
    /// A monitor on a metric.
    Alarm(Alarm),
    /// What is done at a time or when an alarm fires.
    Action(Action),
}

/// Which lane an event belongs to, without its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// [`Event::Change`].
    Change,
    /// [`Event::Fault`].
    Fault,
    /// [`Event::Traffic`].
    Traffic,
    /// [`Event::Alarm`].
    Alarm,
    /// [`Event::Action`].
    Action,
}

impl EventKind {
    /// Every kind, in lane order.
    pub const ALL: [EventKind; 5] =
        [EventKind::Change, EventKind::Fault, EventKind::Traffic, EventKind::Alarm, EventKind::Action];

    /// Lower-case label, e.g. for lane names.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Change => "change",
            EventKind::Fault => "fault",
            EventKind::Traffic => "traffic",
            EventKind::Alarm => "alarm",
            EventKind::Action => "action",
        }
    }
}

impl Event {
    /// The entry's unique name.
    pub fn name(&self) -> &str {
        match self {
            Event::Change(c) => &c.name,
            Event::Fault(f) => &f.name,
            Event::Traffic(t) => &t.name,
            Event::Alarm(a) => &a.name,
            Event::Action(a) => &a.name,
        }
    }

    /// Renames the entry (references to it are not touched).
    pub fn set_name(&mut self, name: String) {
        match self {
            Event::Change(c) => c.name = name,
            Event::Fault(f) => f.name = name,
            Event::Traffic(t) => t.name = name,
            Event::Alarm(a) => a.name = name,
            Event::Action(a) => a.name = name,
        }
    }

    /// The entry's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Change(_) => EventKind::Change,
            Event::Fault(_) => EventKind::Fault,
            Event::Traffic(_) => EventKind::Traffic,
            Event::Alarm(_) => EventKind::Alarm,
            Event::Action(_) => EventKind::Action,
        }
    }

    /// When it starts, if it has a time of its own (alarms watch all the time; an action fired by
    /// an alarm or a change applied by an action has none).
    pub fn at(&self) -> Option<At> {
        match self {
            Event::Change(c) => c.at,
            Event::Fault(f) => Some(f.at),
            Event::Traffic(t) => Some(t.at),
            Event::Alarm(_) => None,
            Event::Action(a) => match a.trigger {
                Trigger::At(at) => Some(at),
                Trigger::Alarm(_) => None,
            },
        }
    }

    /// Moves the entry's start (the GUI's drag); entries without a time are left alone.
    pub fn set_at(&mut self, at: At) {
        match self {
            Event::Change(c) => {
                if c.at.is_some() {
                    c.at = Some(at);
                }
            }
            Event::Fault(f) => f.at = at,
            Event::Traffic(t) => t.at = at,
            Event::Alarm(_) => {}
            Event::Action(a) => {
                if let Trigger::At(_) = a.trigger {
                    a.trigger = Trigger::At(at);
                }
            }
        }
    }

    /// The node (or instance, or link `a->b`) it acts on, if any.
    pub fn target(&self) -> Option<&str> {
        match self {
            Event::Change(c) => Some(&c.node),
            Event::Fault(f) => Some(&f.target),
            Event::Traffic(t) => Some(&t.clients),
            Event::Alarm(a) => match &a.scope {
                Scope::Node(n) => Some(n),
                _ => None,
            },
            Event::Action(a) => match &a.act {
                Act::Scale { service, .. } => Some(service),
                Act::ShiftTraffic { clients, .. } => Some(clients),
                Act::RoutingControl { dns, .. } => Some(dns),
                _ => None,
            },
        }
    }

    /// A one-line description, e.g. `edge-gw: routes[/api].rate_limit.algorithm.rate = 10r/s`.
    pub fn describe(&self) -> String {
        match self {
            Event::Change(c) => {
                let sets: Vec<String> = c.set.iter().map(|s| format!("{} = {}", s.path, s.value.describe())).collect();
                let staged = match &c.rollout {
                    Rollout::AtOnce => String::new(),
                    Rollout::Staged { stages, .. } => {
                        let shares: Vec<String> = stages.iter().map(|s| format!("{:.0}%", 100.0 * s.share)).collect();
                        format!(" (staged {})", shares.join(", "))
                    }
                };
                format!("{}: {}{staged}", c.node, sets.join(", "))
            }
            Event::Fault(f) => format!("{}: {}", f.target, f.kind.describe()),
            Event::Traffic(t) => {
                let from = match t.from {
                    TrafficSource::Users => "its users".to_owned(),
                    TrafficSource::Attack { sources } => format!("{sources} attacking addresses"),
                };
                format!("+{} r/s to {} from {from}", t.rate_rps, t.clients)
            }
            Event::Alarm(a) => a.describe(),
            Event::Action(a) => {
                let when = match &a.trigger {
                    Trigger::At(at) => format!("at {at}"),
                    Trigger::Alarm(n) => format!("when {n} fires"),
                };
                let who = match &a.response {
                    Response::Automatic { .. } => "automatically",
                    Response::Human(_) => "by a person paged",
                };
                format!("{} {when}, {who}", a.act.describe())
            }
        }
    }
}

/// A change of one node's configuration: parameters set at once or rolled out in stages, and
/// possibly rolled back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Unique name (actions roll it back by name).
    pub name: String,
    /// When the rollout starts. `None`: only when an action applies it.
    #[serde(default)]
    pub at: Option<At>,
    /// The node whose configuration changes (a gateway, load balancer or service).
    pub node: String,
    /// The parameters set, in order (see `model::param` for paths and values).
    pub set: Vec<Setting>,
    /// At once (a reload of every instance) or in stages.
    #[serde(default)]
    pub rollout: Rollout,
    /// A rollback at a fixed time (a person rolling back by hand, as in a postmortem).
    #[serde(default)]
    pub rollback_at: Option<At>,
}

/// How a change reaches the node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Rollout {
    /// Every instance at once, like a reload: state the product keeps across a reload is kept.
    #[default]
    AtOnce,
    /// A canary: each stage runs the new configuration for a share of the traffic (gateways and
    /// balancers) or of the instances (services), on fresh state, for the stage's duration; after
    /// the last stage every request gets it.
    Staged {
        /// The stages, in order, with increasing shares.
        stages: Vec<Stage>,
        /// How requests are split at a gateway or balancer.
        #[serde(default)]
        by: CanaryBy,
    },
}

/// One stage of a staged rollout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Share of requests (or instances) on the new configuration, 0 to 1.
    pub share: f64,
    /// How long the stage lasts.
    pub duration: Span,
}

/// How a canary splits requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CanaryBy {
    /// Each request independently (canary instances behind a round-robin balancer, a weighted
    /// route).
    #[default]
    Requests,
    /// Each user sticks to one side (canary routing on a user header or cookie).
    Users,
    /// Each client address sticks to one side (canary instances behind an L4 balancer that
    /// hashes the source address): a canary instance sees all of its addresses' traffic, so a
    /// per-address limit meets the full per-address rate.
    ClientAddress,
}

/// A variant of the scenario: the same file with timeline entries removed, added or replaced and
/// parameters of its configuration set. A counterfactual of an incident replay ("an automatic
/// rollback", "a fair balancer"), or a proposed fix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Unique name, e.g. `automatic rollback`.
    pub name: String,
    /// What it changes and what it stands for.
    #[serde(default)]
    pub description: String,
    /// Timeline entries left out, by name.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Timeline entries added; one with the name of an existing entry replaces it.
    #[serde(default)]
    pub add: Vec<Event>,
    /// Parameters of the file's configuration set before the timeline applies.
    #[serde(default)]
    pub set: Vec<NodeSetting>,
}

/// A parameter of a named node (see `model::param` for paths and values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSetting {
    /// The node.
    pub node: String,
    /// The parameter's path within it.
    pub path: String,
    /// Its value.
    pub value: super::param::ParamValue,
}

/// Something breaking for a while.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Unique name.
    pub name: String,
    /// When it starts.
    pub at: At,
    /// How long it lasts; with neither `duration` nor `end` it lasts until the run ends or an
    /// action ends it.
    #[serde(default)]
    pub duration: Option<Span>,
    /// When it ends (instead of `duration`).
    #[serde(default)]
    pub end: Option<At>,
    /// A node, a service instance (`payments-2`), or a link (`lb->payments`).
    pub target: String,
    /// What goes wrong.
    pub kind: FaultKind,
}

/// What a fault does to its target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FaultKind {
    /// The target refuses connections (a whole service, one instance, a gateway, a balancer) or
    /// drops everything (a link: a partition).
    Down,
    /// A share of the requests the target handles is answered with `status` (a service's or an
    /// instance's answers after serving; a gateway or balancer answers at once). A bad deploy is an
    /// error-rate step on a service.
    Errors {
        /// Share of requests, 0 to 1.
        share: f64,
        /// The status answered (default 500).
        #[serde(default = "status_500")]
        status: u16,
    },
    /// Added latency: to each request's service time (service, instance), processing (gateway),
    /// or each crossing (link).
    Latency {
        /// The extra time, drawn per request.
        added: Dist,
    },
    /// A dependency slows down: service times multiplied by `factor` (service or instance).
    Slowdown {
        /// Factor on service times (> 0).
        factor: f64,
    },
    /// Resource exhaustion: an instance whose queue fills up and does not drain (empty) within
    /// `after` crashes (what it holds fails with 502) and serves again `restart` later (service or
    /// instance; the second seed postmortem's "resource exhaustion and eventual failure").
    Exhaustion {
        /// How long a full queue is survived.
        after: Span,
        /// Time to restart.
        restart: Span,
    },
}

fn status_500() -> u16 {
    500
}

impl FaultKind {
    /// A short description, e.g. `503 for 20% of requests`.
    pub fn describe(&self) -> String {
        match self {
            FaultKind::Down => "down".into(),
            FaultKind::Errors { share, status } => format!("{status} for {:.0}% of requests", 100.0 * share),
            FaultKind::Latency { added } => format!("+{} latency", added.describe()),
            FaultKind::Slowdown { factor } => format!("service times x{factor}"),
            FaultKind::Exhaustion { after, restart } => {
                format!("crashes after its queue is full for {after}, restarts in {restart}")
            }
        }
    }
}

/// Extra traffic for a while, sent like a population's own (same targets and request mix).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficEvent {
    /// Unique name.
    pub name: String,
    /// When it starts.
    pub at: At,
    /// How long it lasts.
    pub duration: Span,
    /// The client population it joins.
    pub clients: String,
    /// Extra requests per second.
    pub rate_rps: f64,
    /// Who sends it.
    #[serde(default)]
    pub from: TrafficSource,
}

/// Who sends a traffic event's requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficSource {
    /// A flash crowd: the population's own users, from many keys, drawn as its requests are.
    /// Legitimate: counted in every figure.
    #[default]
    Users,
    /// A DDoS from `sources` client addresses of their own. Attack traffic is counted apart: it
    /// reaches the system (and its monitors), but never counts as users impacted or in the
    /// availability SLO.
    Attack {
        /// Distinct client addresses the attack comes from.
        sources: u32,
    },
}

/// The service level objectives the report measures against. Defaults: 99.9% availability per
/// 1-minute window, p99 latency 1 s, met again for 5 minutes to count as recovered, a 30-day error
/// budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Share of legitimate requests answered successfully, per window.
    #[serde(default = "availability_999")]
    pub availability: f64,
    /// p99 latency target, ms, per window; a successful request slower than this breaches the
    /// latency SLO (it impacts its user). `None`: no latency objective.
    #[serde(default = "latency_1000")]
    pub latency_p99_ms: Option<f64>,
    /// Largest share of active users impacted over the run, percent (what `check` gates on).
    #[serde(default = "users_1")]
    pub users_impacted_pct: f64,
    /// The window the SLO is evaluated over (breach windows, RTO).
    #[serde(default = "one_minute")]
    pub window: Span,
    /// Met again for this long (consecutive windows) counts as recovered.
    #[serde(default = "five_minutes")]
    pub hold: Span,
    /// The period of the error budget (default 30 days).
    #[serde(default = "thirty_days")]
    pub budget_period: Span,
}

fn availability_999() -> f64 {
    0.999
}
fn latency_1000() -> Option<f64> {
    Some(1000.0)
}
fn users_1() -> f64 {
    1.0
}
fn five_minutes() -> Span {
    Span::mins(5.0)
}
fn thirty_days() -> Span {
    Span(30.0 * 86_400.0)
}

impl Default for Slo {
    fn default() -> Self {
        Slo {
            availability: availability_999(),
            latency_p99_ms: latency_1000(),
            users_impacted_pct: users_1(),
            window: one_minute(),
            hold: five_minutes(),
            budget_period: thirty_days(),
        }
    }
}

impl Slo {
    /// True when the SLO is left at its defaults (it is then not written to the file).
    pub fn is_default(&self) -> bool {
        *self == Slo::default()
    }
}
