//! The parameters of an alarm in the timeline inspector: its metric, its scope and its
//! CloudWatch or Prometheus rule.

use super::super::fields::{choice_row_ui, name_row_ui, number_ui, parsed_row_ui};
use super::{Form, SPAN_HINT, nodes_of, span_parse};
use crate::metrics::Outcome;
use crate::model::{AlarmRule, Metric, MissingData, NodeKind, Scenario, Scope, Span};
use egui::{Id, Ui};

const METRICS: [&str; 8] = [
    "share of 5xx",
    "share of 4xx",
    "share of one outcome",
    "successes/s",
    "p99 latency ms",
    "utilisation",
    "queue length",
    "rejected share",
];

pub(super) fn metric_ui(ui: &mut Ui, metric: &mut Metric, id: &impl Fn(&str) -> Id) {
    let current = match metric {
        Metric::Share5xx => 0,
        Metric::Share4xx => 1,
        Metric::CauseShare(_) => 2,
        Metric::SuccessRps => 3,
        Metric::LatencyP99Ms => 4,
        Metric::Utilisation => 5,
        Metric::QueueLength => 6,
        Metric::RejectedShare => 7,
    };
    if let Some(k) = choice_row_ui(ui, "metric", id("metric"), current, &METRICS) {
        *metric = match k {
            0 => Metric::Share5xx,
            1 => Metric::Share4xx,
            2 => Metric::CauseShare(Outcome::Timeout),
            3 => Metric::SuccessRps,
            4 => Metric::LatencyP99Ms,
            5 => Metric::Utilisation,
            6 => Metric::QueueLength,
            _ => Metric::RejectedShare,
        };
    }
    if let Metric::CauseShare(o) = metric {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
        let at = Outcome::ALL.iter().position(|x| x == o).unwrap_or(0);
        if let Some(k) = choice_row_ui(ui, "  outcome", id("outcome"), at, &names)
            && let Some(new) = Outcome::ALL.get(k)
        {
            *o = *new;
        }
    }
}

pub(super) fn scope_ui(ui: &mut Ui, scope: &mut Scope, s: &Scenario, id: &impl Fn(&str) -> Id) {
    let current = match scope {
        Scope::System => 0,
        Scope::Route(_) => 1,
        Scope::Node(_) => 2,
    };
    if let Some(k) = choice_row_ui(ui, "scope", id("scope"), current, &["every answer", "a route", "a node"]) {
        *scope = match k {
            0 => Scope::System,
            1 => Scope::Route("/".into()),
            _ => Scope::Node(nodes_of(s, &[NodeKind::Service]).into_iter().next().unwrap_or_default()),
        };
    }
    match scope {
        Scope::System => {}
        Scope::Route(p) => {
            if let Some(v) =
                parsed_row_ui(ui, "  route", id("route"), p, "/api", |t| Ok::<_, String>(t.trim().to_owned()))
            {
                *p = v;
            }
        }
        Scope::Node(n) => {
            let nodes = nodes_of(s, &[NodeKind::Gateway, NodeKind::LoadBalancer, NodeKind::Service]);
            name_row_ui(ui, "  node", id("scope-node"), n, &nodes);
        }
    }
}

const MISSING: [&str; 4] = ["missing", "not breaching", "breaching", "ignore"];

pub(super) fn rule_ui(ui: &mut Ui, rule: &mut AlarmRule, id: &impl Fn(&str) -> Id, form: &mut Form) {
    let prom = matches!(rule, AlarmRule::Prometheus { .. });
    if let Some(k) = choice_row_ui(ui, "rule", id("rule"), usize::from(prom), &["CloudWatch", "Prometheus"]) {
        *rule = if k == 0 {
            AlarmRule::CloudWatch {
                period: Span::mins(1.0),
                evaluation_periods: 3,
                datapoints_to_alarm: Some(3),
                treat_missing_data: MissingData::Missing,
            }
        } else {
            AlarmRule::Prometheus {
                interval: Span::mins(1.0),
                window: Span::mins(1.0),
                hold: Span::mins(1.0),
                keep_firing_for: Span(0.0),
            }
        };
    }
    let span_row = |ui: &mut Ui, label: &str, field: &str, v: &mut Span| {
        if let Some(x) = parsed_row_ui(ui, label, id(field), &v.to_string(), SPAN_HINT, span_parse) {
            *v = x;
        }
    };
    match rule {
        AlarmRule::CloudWatch { period, evaluation_periods, datapoints_to_alarm, treat_missing_data } => {
            span_row(ui, "  period", "period", period);
            form.drag(number_ui(ui, "  evaluation periods", evaluation_periods, 1..=1000, "", 0.1), "evaluation");
            let mut m = datapoints_to_alarm.unwrap_or(*evaluation_periods);
            if number_ui(ui, "  datapoints to alarm", &mut m, 1..=1000, "", 0.1) {
                *datapoints_to_alarm = Some(m);
                form.drag(true, "datapoints");
            }
            let at = match treat_missing_data {
                MissingData::Missing => 0,
                MissingData::NotBreaching => 1,
                MissingData::Breaching => 2,
                MissingData::Ignore => 3,
            };
            if let Some(k) = choice_row_ui(ui, "  missing data", id("missing"), at, &MISSING) {
                *treat_missing_data = match k {
                    0 => MissingData::Missing,
                    1 => MissingData::NotBreaching,
                    2 => MissingData::Breaching,
                    _ => MissingData::Ignore,
                };
            }
        }
        AlarmRule::Prometheus { interval, window, hold, keep_firing_for } => {
            span_row(ui, "  interval", "interval", interval);
            span_row(ui, "  window", "window", window);
            span_row(ui, "  for", "for", hold);
            span_row(ui, "  keep firing for", "keep", keep_firing_for);
        }
    }
}
