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
use crate::metrics::Outcome;
use serde::{Deserialize, Serialize};

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

/// A monitor: a metric over a window, compared with a threshold, with CloudWatch's or
/// Prometheus's rule for when it fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// Unique name.
    pub name: String,
    /// What is measured.
    pub metric: Metric,
    /// Over which requests or which node.
    #[serde(default)]
    pub scope: Scope,
    /// The threshold.
    pub threshold: f64,
    /// Breaching above (default) or below it.
    #[serde(default)]
    pub comparison: Comparison,
    /// When it fires.
    pub rule: AlarmRule,
}

impl Alarm {
    /// E.g. `share of 5xx > 0.05 (system)`.
    pub fn describe(&self) -> String {
        let op = match self.comparison {
            Comparison::Above => ">",
            Comparison::Below => "<",
        };
        let scope = match &self.scope {
            Scope::System => "system".to_owned(),
            Scope::Route(p) => format!("route {p}"),
            Scope::Node(n) => n.clone(),
        };
        let rule = match &self.rule {
            AlarmRule::CloudWatch { period, evaluation_periods, datapoints_to_alarm, .. } => {
                let m = datapoints_to_alarm.unwrap_or(*evaluation_periods);
                format!("{m} of {evaluation_periods} x {period}")
            }
            AlarmRule::Prometheus { hold, .. } => format!("for {hold}"),
        };
        format!("{} {op} {} ({scope}, {rule})", self.metric.label(), self.threshold)
    }
}

/// What an alarm measures. Shares are 0 to 1. Outcome metrics count the answers clients received
/// (attack traffic included: monitors see it too).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Metric {
    /// Share of answers with a 5xx status.
    Share5xx,
    /// Share of answers with a 4xx status.
    Share4xx,
    /// Share of answers that failed with one cause.
    CauseShare(Outcome),
    /// Successful answers per second (a "sharp drop in API response rates": compare `Below`).
    SuccessRps,
    /// 99th percentile latency of successful answers, ms.
    LatencyP99Ms,
    /// Busy share of a service's running instances (scope: the service).
    Utilisation,
    /// Mean number of requests waiting in a service's queues (scope: the service).
    QueueLength,
    /// Share of the requests reaching a gateway or balancer that it rejected itself (rate limits,
    /// no upstream, overflow; scope: the node).
    RejectedShare,
}

impl Metric {
    /// Label used in descriptions and the GUI.
    pub fn label(&self) -> String {
        match self {
            Metric::Share5xx => "share of 5xx".into(),
            Metric::Share4xx => "share of 4xx".into(),
            Metric::CauseShare(o) => format!("share of {}", o.name()),
            Metric::SuccessRps => "successes/s".into(),
            Metric::LatencyP99Ms => "p99 latency ms".into(),
            Metric::Utilisation => "utilisation".into(),
            Metric::QueueLength => "queue length".into(),
            Metric::RejectedShare => "rejected share".into(),
        }
    }

    /// True for metrics of one node's state (they need a `Node` scope).
    pub fn is_node_metric(&self) -> bool {
        matches!(self, Metric::Utilisation | Metric::QueueLength | Metric::RejectedShare)
    }
}

/// Which traffic or node an alarm watches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Scope {
    /// Every answer clients received.
    #[default]
    System,
    /// Answers to requests whose path starts with this prefix (a gateway route).
    Route(String),
    /// One node (for utilisation, queue length and rejected share).
    Node(String),
}

/// Breaching above or below the threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// The metric is strictly above the threshold.
    #[default]
    Above,
    /// The metric is strictly below the threshold.
    Below,
}

/// When an alarm fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AlarmRule {
    /// Amazon CloudWatch: one datapoint per `period` (aligned to the start of the run), the alarm is
    /// in ALARM when at least `datapoints_to_alarm` of the last `evaluation_periods` datapoints
    /// breach, and OK again when fewer do.
    CloudWatch {
        /// `Period`: 10, 20, 30 s or a multiple of 60 s.
        period: Span,
        /// `EvaluationPeriods` (N, default 1).
        #[serde(default = "one")]
        evaluation_periods: u32,
        /// `DatapointsToAlarm` (M, default N).
        #[serde(default)]
        datapoints_to_alarm: Option<u32>,
        /// `TreatMissingData` for a period without data (default `Missing`).
        #[serde(default)]
        treat_missing_data: MissingData,
    },
    /// A Prometheus alerting rule: evaluated every `interval` over the last `window`
    /// (`rate(...[window])`); pending while it holds, firing once it has held for `for`, and kept
    /// firing for `keep_firing_for` after it stops holding.
    Prometheus {
        /// The rule group's evaluation interval (Prometheus's default is 1m).
        #[serde(default = "one_minute")]
        interval: Span,
        /// The range of the expression's rate (default 1m).
        #[serde(default = "one_minute")]
        window: Span,
        /// `for`.
        #[serde(rename = "for", default)]
        hold: Span,
        /// `keep_firing_for`.
        #[serde(default)]
        keep_firing_for: Span,
    },
}

fn one() -> u32 {
    1
}
fn one_minute() -> Span {
    Span::mins(1.0)
}

/// CloudWatch's `TreatMissingData`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MissingData {
    /// `missing`: a period without data is left out: the last N periods that have data decide.
    #[default]
    Missing,
    /// `notBreaching`: it counts as within the threshold.
    NotBreaching,
    /// `breaching`: it counts as breaching.
    Breaching,
    /// `ignore`: the alarm keeps its current state.
    Ignore,
}

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
