//! The timeline's alarms: a metric over a window, compared with a threshold, with CloudWatch's or
//! Prometheus's rule for when it fires.

use super::super::time::Span;
use crate::metrics::Outcome;
use serde::{Deserialize, Serialize};

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
pub(super) fn one_minute() -> Span {
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
