//! The timeline compiled: names resolved to indices, times to nanoseconds, every configuration a
//! change can lead to compiled before the run (see [`NodeVariants`]).

use crate::model::{Metric, MissingData};
use crate::sim::rng::Sampler;

/// A compiled timeline.
#[derive(Clone, Debug, Default)]
pub struct TimelinePlan {
    /// Config changes, in file order.
    pub changes: Vec<ChangePlan>,
    /// Faults, in file order.
    pub faults: Vec<FaultPlan>,
    /// Traffic events, in file order.
    pub traffic: Vec<TrafficEventPlan>,
    /// Alarms, in file order.
    pub alarms: Vec<AlarmPlan>,
    /// Actions, in file order.
    pub actions: Vec<ActionPlan>,
    /// Each node that changes, with the configuration of every set of its changes.
    pub nodes: Vec<NodeVariants>,
    /// Path prefixes that route-scoped alarms watch (a request's path may match several).
    pub route_scopes: Vec<String>,
    /// Every entry in file order, as reports show it.
    pub entries: Vec<EntryInfo>,
}

/// A timeline entry as reports name and describe it.
#[derive(Clone, Debug)]
pub struct EntryInfo {
    /// Its name.
    pub name: String,
    /// Its lane.
    pub kind: crate::model::EventKind,
    /// One line, e.g. `edge-gw: routes[/api].rate_limit.algorithm.rate = 10r/s`.
    pub description: String,
    /// When it is scheduled, ns from the start (none for alarms and triggered entries).
    pub at_ns: Option<u64>,
    /// When it ends, if it has a scheduled end (a fault's, a traffic event's, a rollback).
    pub end_ns: Option<u64>,
}

/// Which compiled entry a node's variants are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantOf {
    /// Gateway node `g`: variants are indices into `Plan::gateways`.
    Gateway(u32),
    /// Balancer node `b`: variants are indices into `Plan::balancers`.
    Balancer(u32),
    /// Service `s`: variants are indices into `Plan::svc_cfgs`.
    Service(u32),
}

/// A node that timeline changes configure. Its changes are bits of a mask (bit `i` is
/// `changes[i]`); `variants[mask]` is the node's configuration with exactly those changes applied
/// (in timeline order), so a rollback in any order returns to a configuration compiled before the
/// run. `variants[0]` is the file's own.
#[derive(Clone, Debug)]
pub struct NodeVariants {
    /// Model node index.
    pub node: u32,
    /// The node's kind and index.
    pub of: VariantOf,
    /// Indices into `TimelinePlan::changes`.
    pub changes: Vec<u32>,
    /// The compiled configuration for each mask.
    pub variants: Vec<u32>,
}

/// A compiled config change.
#[derive(Clone, Debug)]
pub struct ChangePlan {
    /// Its name.
    pub name: String,
    /// Index into `TimelinePlan::nodes`.
    pub slot: u32,
    /// Its bit in the node's mask.
    pub bit: u32,
    /// When the rollout starts (`None`: only when an action applies it).
    pub at_ns: Option<u64>,
    /// Staged rollout: (share, duration) per stage; empty: at once.
    pub stages: Vec<(f64, u64)>,
    /// How a canary splits requests.
    pub by: crate::model::CanaryBy,
    /// A rollback at a fixed time.
    pub rollback_ns: Option<u64>,
}

/// What a fault acts on.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultTarget {
    /// Stations: a whole service's or one instance.
    Stations(Vec<u32>),
    /// A gateway node.
    Gateway(u32),
    /// A balancer node.
    Balancer(u32),
    /// A link of the file (and every copy of it).
    Link(u32),
    /// A region (a marker: its nodes are the group's other members; DNS checks and data stores
    /// read it).
    Region(u16),
    /// The network between two regions, both ways (a marker: the links between them are the
    /// group's other members; DNS answers and checkers read it).
    RegionPair(u16, u16),
    /// Several targets at once: a region and everything in it, or the links between two regions.
    Group(Vec<FaultTarget>),
}

impl FaultTarget {
    /// The targets it acts on, groups flattened.
    pub fn leaves(&self) -> Vec<&FaultTarget> {
        match self {
            FaultTarget::Group(v) => v.iter().flat_map(FaultTarget::leaves).collect(),
            t => vec![t],
        }
    }

    /// Whether it acts on `leaf` (a target that is not a group).
    pub fn covers(&self, leaf: &FaultTarget) -> bool {
        match (self, leaf) {
            (FaultTarget::Group(v), _) => v.iter().any(|t| t.covers(leaf)),
            (FaultTarget::Stations(v), FaultTarget::Stations(w)) => w.iter().all(|k| v.contains(k)),
            (a, b) => a == b,
        }
    }
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultEffect {
    /// Refuses connections (a link: drops every crossing).
    Down,
    /// Answers `status` to a share of requests.
    Errors {
        /// Share, 0 to 1.
        share: f64,
        /// The status.
        status: u16,
    },
    /// Extra latency per request or crossing.
    Latency(Sampler),
    /// Service times multiplied.
    Slowdown(f64),
    /// A full queue for `after_ns` crashes the instance; it serves again `restart_ns` later.
    Exhaustion {
        /// How long a full queue is survived.
        after_ns: u64,
        /// Time to restart.
        restart_ns: u64,
    },
}

/// A compiled fault.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    /// Its name.
    pub name: String,
    /// What it acts on.
    pub target: FaultTarget,
    /// What it does.
    pub effect: FaultEffect,
    /// When it starts.
    pub at_ns: u64,
    /// When it ends (`None`: at the end of the run, or when an action ends it).
    pub end_ns: Option<u64>,
}

/// A compiled traffic event: an extra population sending during `[at_ns, end_ns)`.
#[derive(Clone, Debug)]
pub struct TrafficEventPlan {
    /// Its name.
    pub name: String,
    /// Its population (an index into `Plan::pops`).
    pub pop: u32,
    /// Start.
    pub at_ns: u64,
    /// End.
    pub end_ns: u64,
}

/// Which answers or node an alarm watches.
#[derive(Clone, Debug, PartialEq)]
pub enum ScopePlan {
    /// Every answer.
    System,
    /// Answers to paths matching route scope `i` (`TimelinePlan::route_scopes`).
    Route(u32),
    /// A service (utilisation, queue length).
    Service(u32),
    /// A model node (rejected share).
    Node(u32),
}

/// A compiled alarm rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RulePlan {
    /// CloudWatch M of N datapoints of `period_ns`.
    CloudWatch {
        /// Period.
        period_ns: u64,
        /// Evaluation periods (N).
        n: u32,
        /// Datapoints to alarm (M).
        m: u32,
        /// Missing data treatment.
        missing: MissingData,
    },
    /// A Prometheus rule.
    Prometheus {
        /// Evaluation interval.
        interval_ns: u64,
        /// Range of the rate.
        window_ns: u64,
        /// `for`.
        hold_ns: u64,
        /// `keep_firing_for`.
        keep_ns: u64,
    },
}

impl RulePlan {
    /// Time between two evaluations.
    pub fn every_ns(&self) -> u64 {
        match *self {
            RulePlan::CloudWatch { period_ns, .. } => period_ns,
            RulePlan::Prometheus { interval_ns, .. } => interval_ns,
        }
    }

    /// The span each evaluation measures over.
    pub fn window_ns(&self) -> u64 {
        match *self {
            RulePlan::CloudWatch { period_ns, .. } => period_ns,
            RulePlan::Prometheus { window_ns, .. } => window_ns,
        }
    }
}

/// A compiled alarm.
#[derive(Clone, Debug)]
pub struct AlarmPlan {
    /// Its name.
    pub name: String,
    /// What it measures.
    pub metric: Metric,
    /// Over what.
    pub scope: ScopePlan,
    /// Threshold.
    pub threshold: f64,
    /// Breaching above (else below).
    pub above: bool,
    /// When it fires.
    pub rule: RulePlan,
}

/// What starts an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerPlan {
    /// A time.
    At(u64),
    /// The first firing of alarm `i`.
    Alarm(u32),
}

/// Who acts, with the delays.
#[derive(Clone, Debug)]
pub enum ResponsePlan {
    /// Automation after a fixed delay.
    Automatic(u64),
    /// A person: acknowledge, investigate, identify, act (ms samplers).
    Human([Sampler; 4]),
}

/// What an action does.
#[derive(Clone, Debug, PartialEq)]
pub enum ActPlan {
    /// Roll back change `i`.
    Rollback(u32),
    /// Apply change `i`.
    Apply(u32),
    /// Run `instances` of service `service`; new ones serve after `startup_ns`.
    Scale {
        /// Service index.
        service: u32,
        /// Instances.
        instances: u32,
        /// Startup delay.
        startup_ns: u64,
    },
    /// Send `share` of population `pop`'s requests to its target `target`.
    Shift {
        /// Population index.
        pop: u32,
        /// Index into the population's targets.
        target: u32,
        /// Share.
        share: f64,
    },
    /// End fault `i`.
    EndFault(u32),
    /// Set record `record` of DNS name `dns`'s routing control on or off.
    RoutingControl {
        /// DNS index.
        dns: u32,
        /// Record index.
        record: u32,
        /// On.
        on: bool,
    },
    /// Only the page.
    Page,
}

/// A compiled action.
#[derive(Clone, Debug)]
pub struct ActionPlan {
    /// Its name.
    pub name: String,
    /// What starts it.
    pub trigger: TriggerPlan,
    /// Who acts.
    pub response: ResponsePlan,
    /// What is done.
    pub act: ActPlan,
}

/// The SLOs, in engine units.
#[derive(Clone, Debug, PartialEq)]
pub struct SloPlan {
    /// Availability target, 0 to 1.
    pub availability: f64,
    /// p99 latency target, ns; a slower success breaches.
    pub latency_ns: Option<u64>,
    /// Largest share of users impacted, percent.
    pub users_pct: f64,
    /// Evaluation window, ns (a whole number of buckets).
    pub window_ns: u64,
    /// Recovery hold, ns.
    pub hold_ns: u64,
    /// Error budget period, s.
    pub budget_period_s: f64,
}
