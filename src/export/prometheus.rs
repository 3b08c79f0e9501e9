//! Prometheus alerting rules for the scenario's alarms with a Prometheus rule, and (in
//! [`promtest`](super::promtest)) a `promtool test rules` file generated from a simulated run.
//! Mapping, refusals and validation: `docs/export/prometheus.md`.
//!
//! - One rule group per evaluation `interval` (`gatesim-30s`), in the order the timeline lists the
//!   alarms; each alarm is an `alert` with `expr` (the metric below, compared with the threshold),
//!   `for` (its hold), `keep_firing_for` when set, the label `alarm` (its gatesim name) and the
//!   annotation `summary` (its description).
//! - Alert names must be Prometheus metric names: [`alert_name`] (`5xx-high` becomes
//!   `alarm_5xx_high`); two alarms with one alert name are a collision.
//! - CloudWatch alarms have no Prometheus form: they are skipped and listed in a comment at the top
//!   of the file (export them with a CloudWatch target). Alarms added by variants are not written:
//!   the export is of the scenario's own timeline.
//! - The metrics gatesim assumes (the real exporter must provide them under these names, or the
//!   rules be edited): [`RESPONSES`] (a counter of answers clients got, labels `outcome` = the
//!   gatesim outcome name, `code` = the HTTP status, `route` = the gateway route prefix),
//!   [`DURATION`] (a histogram of answer latency, s, same labels), [`BUSY`] and [`QUEUE`] (gauges of
//!   a service's busy share and waiting requests, label `service`), [`NODE_REQUESTS`] and
//!   [`NODE_REJECTED`] (counters of requests reaching a gateway or balancer and of those it rejected
//!   itself, label `node`).

use super::scenario::whole_secs;
use super::{ExportError, ExportOptions, Target, ident};
use crate::model::names::{check_name, check_path};
use crate::model::{Alarm, AlarmRule, Comparison, Event, Metric, Scenario, Scope, Span};
use serde_json::{Map, Value, json};

const T: Target = Target::Prometheus;

/// Counter of answers clients received: labels `outcome`, `code`, `route`.
pub const RESPONSES: &str = "http_responses_total";
/// Histogram of the latency of answers, s (`_bucket` series with `le`): labels as [`RESPONSES`].
pub const DURATION: &str = "http_response_duration_seconds";
/// Gauge: busy share (0 to 1) of a service's running concurrency slots, label `service`.
pub const BUSY: &str = "service_busy_ratio";
/// Gauge: requests waiting in a service's queues (all instances), label `service`.
pub const QUEUE: &str = "service_queue_length";
/// Counter of requests reaching a gateway or balancer, label `node`.
pub const NODE_REQUESTS: &str = "node_requests_total";
/// Counter of requests a gateway or balancer rejected itself (rate limit, no upstream), label `node`.
pub const NODE_REJECTED: &str = "node_rejected_requests_total";

/// One alarm as an alerting rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule<'s> {
    /// The alarm.
    pub alarm: &'s Alarm,
    /// Its alert name ([`alert_name`]).
    pub alert: String,
    /// The PromQL expression.
    pub expr: String,
    /// Evaluation interval, ms.
    pub interval_ms: u64,
    /// The expression's range, ms.
    pub window_ms: u64,
    /// `for`, ms.
    pub hold_ms: u64,
    /// `keep_firing_for`, ms.
    pub keep_ms: u64,
}

impl Rule<'_> {
    /// The rule's labels (what an alert carries besides `alertname`).
    pub fn labels(&self) -> Value {
        json!({ "alarm": self.alarm.name })
    }

    /// The rule's annotations.
    pub fn annotations(&self) -> Value {
        json!({ "summary": self.alarm.describe() })
    }
}

/// The scenario's alarms with a Prometheus rule as rules, and the names of those skipped
/// (CloudWatch). Names, paths and thresholds are checked; collisions refused.
pub fn rules(scenario: &Scenario) -> Result<(Vec<Rule<'_>>, Vec<&str>), ExportError> {
    let mut rules: Vec<Rule<'_>> = Vec::new();
    let mut skipped = Vec::new();
    for event in &scenario.timeline {
        let Event::Alarm(a) = event else { continue };
        check_name(&a.name).map_err(|why| ExportError::Refused {
            node: a.name.clone(),
            message: format!("the alarm's name cannot be written into rules: {why}"),
        })?;
        let AlarmRule::Prometheus { interval, window, hold, keep_firing_for } = &a.rule else {
            skipped.push(a.name.as_str());
            continue;
        };
        let alert = alert_name(&a.name);
        if let Some(r) = rules.iter().find(|r| r.alert == alert) {
            return Err(ExportError::Collision {
                first: r.alarm.name.clone(),
                second: a.name.clone(),
                message: format!("both would be the alert {alert:?}"),
            });
        }
        let ms = |what: &str, s: &Span, min: u64| {
            duration_ms(s).filter(|&v| v >= min).ok_or_else(|| {
                ExportError::unsupported(&a.name, format!("{what} {s}"), T, "a Prometheus duration is whole ms")
            })
        };
        let window_ms = ms("window", window, 1)?;
        rules.push(Rule {
            alarm: a,
            expr: expr(a, &duration(window_ms))?,
            alert,
            interval_ms: ms("interval", interval, 1)?,
            window_ms,
            hold_ms: ms("for", hold, 0)?,
            keep_ms: ms("keep_firing_for", keep_firing_for, 0)?,
        });
    }
    Ok((rules, skipped))
}

/// Writes the rules file.
pub fn write(scenario: &Scenario, _o: &ExportOptions) -> Result<String, ExportError> {
    let (rules, skipped) = rules(scenario)?;
    if rules.is_empty() {
        return Err(ExportError::Nothing(T, "the scenario's timeline has no alarm with a Prometheus rule".into()));
    }
    let mut groups: Vec<(u64, Vec<Value>)> = Vec::new();
    for r in &rules {
        let mut rule = Map::new();
        rule.insert("alert".into(), json!(r.alert));
        rule.insert("expr".into(), json!(r.expr));
        if r.hold_ms > 0 {
            rule.insert("for".into(), json!(duration(r.hold_ms)));
        }
        if r.keep_ms > 0 {
            rule.insert("keep_firing_for".into(), json!(duration(r.keep_ms)));
        }
        rule.insert("labels".into(), r.labels());
        rule.insert("annotations".into(), r.annotations());
        match groups.iter_mut().find(|(i, _)| *i == r.interval_ms) {
            Some((_, g)) => g.push(Value::Object(rule)),
            None => groups.push((r.interval_ms, vec![Value::Object(rule)])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(
            |(i, rules)| json!({ "name": format!("gatesim-{}", duration(i)), "interval": duration(i), "rules": rules }),
        )
        .collect();
    let mut out = String::new();
    for name in skipped {
        // A checked name: one comment line.
        emit!(out, "# skipped: alarm {name} has a CloudWatch rule, which Prometheus cannot express");
    }
    Ok(out + &super::yaml::to_yaml(&json!({ "groups": groups })))
}

/// The alert name of an alarm: [`ident`] of its name, with `alarm_` in front when that starts
/// with a digit (an alert name is a Prometheus metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn alert_name(name: &str) -> String {
    let id = ident(name);
    if id.starts_with(|c: char| c.is_ascii_digit()) { format!("alarm_{id}") } else { id }
}

/// Whole milliseconds of a span, if it is one.
fn duration_ms(s: &Span) -> Option<u64> {
    let ms = s.0 * 1000.0;
    whole_secs(ms.round()).filter(|_| (ms - ms.round()).abs() < 1e-6)
}

/// A Prometheus duration (`1h30m`, `45s`, `250ms`, `0s`).
pub fn duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let (mut s, rest_ms) = (ms / 1000, ms % 1000);
    for (unit, len) in [("h", 3600), ("m", 60), ("s", 1)] {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    if rest_ms > 0 {
        out.push_str(&format!("{rest_ms}ms"));
    }
    out
}

/// The PromQL of an alarm over `range` (a Prometheus duration).
fn expr(a: &Alarm, range: &str) -> Result<String, ExportError> {
    if !a.threshold.is_finite() {
        return Err(ExportError::Refused { node: a.name.clone(), message: format!("threshold {}", a.threshold) });
    }
    let mismatch = || {
        ExportError::unsupported(
            &a.name,
            format!("{} over {:?}", a.metric.label(), a.scope),
            T,
            "utilisation and queue length need a service scope, rejected share a node scope, the others none",
        )
    };
    // Label matchers of the answers the alarm watches; values are checked names or paths, which
    // hold no quote or backslash, so they are written inside PromQL's double quotes as they are.
    let route = match &a.scope {
        Scope::System => None,
        Scope::Route(p) => {
            check_path(p).map_err(|why| ExportError::Refused { node: a.name.clone(), message: why })?;
            Some(format!("route=\"{p}\""))
        }
        Scope::Node(n) => {
            check_name(n).map_err(|why| ExportError::Refused { node: a.name.clone(), message: why })?;
            if !a.metric.is_node_metric() {
                return Err(mismatch());
            }
            None
        }
    };
    let sel = |name: &str, extra: Option<&str>| {
        let m: Vec<&str> = route.as_deref().into_iter().chain(extra).collect();
        if m.is_empty() { name.to_owned() } else { format!("{name}{{{}}}", m.join(",")) }
    };
    let rate = |name: &str, extra: Option<&str>| format!("sum(rate({}[{range}]))", sel(name, extra));
    let share = |extra: &str| format!("{} / {}", rate(RESPONSES, Some(extra)), rate(RESPONSES, None));
    let node = |m: &str, label: &str| match &a.scope {
        Scope::Node(n) => Ok(format!("{m}{{{label}=\"{n}\"}}")),
        _ => Err(mismatch()),
    };
    let metric = match a.metric {
        Metric::Share5xx => share("code=~\"5..\""),
        Metric::Share4xx => share("code=~\"4..\""),
        Metric::CauseShare(o) => share(&format!("outcome=\"{}\"", o.name())),
        Metric::SuccessRps => rate(RESPONSES, Some("outcome=\"success\"")),
        Metric::LatencyP99Ms => format!(
            "histogram_quantile(0.99, sum by (le) (rate({}[{range}]))) * 1000",
            sel(&format!("{DURATION}_bucket"), Some("outcome=\"success\""))
        ),
        Metric::Utilisation => format!("avg_over_time({}[{range}])", node(BUSY, "service")?),
        Metric::QueueLength => format!("avg_over_time({}[{range}])", node(QUEUE, "service")?),
        Metric::RejectedShare => {
            format!(
                "sum(rate({}[{range}])) / sum(rate({}[{range}]))",
                node(NODE_REJECTED, "node")?,
                node(NODE_REQUESTS, "node")?
            )
        }
    };
    let op = match a.comparison {
        Comparison::Above => ">",
        Comparison::Below => "<",
    };
    Ok(format!("({metric}) {op} {}", a.threshold))
}

#[cfg(test)]
#[path = "prometheus_tests.rs"]
mod tests;
