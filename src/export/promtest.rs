//! A `promtool test rules` file generated from a simulated run: the simulation's assumptions about
//! when an alarm fires become tests of the real alerting rules.
//!
//! The scenario runs once (replicate 0, its own seed). Around the timeline's trigger (its first
//! fault or change), the answers the recorder counted per bucket become the input series of the
//! counter [`RESPONSES`] (one series per outcome, `code` = the outcome's usual status), sampled once
//! per bucket and starting at 0, so that `rate()` over the rule's range sees exactly the answers of
//! the simulated window. For each alarm the test asserts:
//!
//! - **not firing** at the last evaluation before the trigger;
//! - **firing** at the simulated first firing time (which includes its `for`), with the rule's
//!   labels and annotations.
//!
//! Test times are relative to the start of the series (`t0`, a multiple of every rule interval, so
//! that evaluations fall where the simulator's do). An alarm gets no test case, and a comment says
//! why, when its metric is not a system-wide share or rate of answers (route scopes, latency,
//! service and node metrics: their series are not in the report), when it did not fire after the
//! trigger in the run, or, for the 4xx/5xx shares, when the run rate-limited requests (whose status
//! is the limiter's, not one fixed code).

use super::prometheus::{RESPONSES, Rule, duration, rules};
use super::{ExportError, Target};
use crate::metrics::Outcome;
use crate::model::{Metric, Scenario, Scope};
use crate::sim::{self, RunOptions};
use serde_json::json;

const T: Target = Target::Prometheus;

/// The test file for the rules [`super::prometheus::write`] gives for `scenario`, which the test
/// file names as `rules_file` (relative to the test file's directory, or absolute).
pub fn tests(scenario: &Scenario, rules_file: &str) -> Result<String, ExportError> {
    let (rules, _) = rules(scenario)?;
    if rules.is_empty() {
        return Err(ExportError::Nothing(T, "the scenario's timeline has no alarm with a Prometheus rule".into()));
    }
    let broken = |message: String| ExportError::Broken { node: scenario.name.clone(), message };
    let report = sim::run(scenario, &RunOptions { replicates: Some(1), ..RunOptions::default() })
        .map_err(|e| broken(format!("the simulation did not run: {e}")))?;
    let tl = report.timeline.as_ref().ok_or_else(|| broken("the run has no timeline".into()))?;
    let trigger = tl.trigger.as_ref().ok_or_else(|| broken("the timeline has no fault or change".into()))?;
    let bucket_ms = (report.bucket_s * 1000.0).round() as u64;
    let eval_ms = rules.iter().map(|r| r.interval_ms).fold(0, gcd);
    let lcm = rules.iter().map(|r| r.interval_ms).fold(1, |a, b| a / gcd(a, b) * b);
    if bucket_ms == 0 || eval_ms % bucket_ms != 0 || lcm % bucket_ms != 0 {
        return Err(broken(format!("buckets of {bucket_ms} ms do not divide the rule intervals")));
    }
    let longest = rules.iter().map(|r| r.window_ms + r.interval_ms).max().unwrap_or(0);
    let trigger_ms = (trigger.at_s * 1000.0).round() as u64;
    let t0 = trigger_ms.saturating_sub(longest + lcm) / lcm * lcm;
    let fired = |r: &Rule<'_>| {
        tl.alarms
            .iter()
            .find(|t| t.name == r.alarm.name)
            .and_then(|t| t.at_s.median)
            .map(|s| (s * 1000.0).round() as u64)
    };
    let last = rules.iter().filter_map(fired).max().unwrap_or(trigger_ms);
    let duration_ms = (report.duration_s * 1000.0).round() as u64;
    let t1 = (last + lcm).min(duration_ms / bucket_ms * bucket_ms);
    let (b0, b1) = ((t0 / bucket_ms) as usize, (t1 / bucket_ms) as usize);
    let count = |o: Outcome, b: usize| -> u64 {
        let rps = report.series.outcomes_rps.get(&o).and_then(|v| v.get(b)).copied().unwrap_or(0.0);
        (rps * report.bucket_s).round() as u64
    };
    let limited = (b0..b1).any(|b| count(Outcome::RateLimited, b) > 0);
    let mut notes = Vec::new();
    let mut cases = Vec::new();
    for r in &rules {
        let system = matches!(r.alarm.scope, Scope::System);
        let why_not = match r.alarm.metric {
            _ if !system => Some("its scope is not system-wide"),
            Metric::LatencyP99Ms | Metric::Utilisation | Metric::QueueLength | Metric::RejectedShare => {
                Some("its metric's series are not in the report")
            }
            Metric::Share5xx | Metric::Share4xx if limited => Some("the run rate-limited requests (status varies)"),
            _ => None,
        };
        let at = fired(r).filter(|&t| t >= trigger_ms && t >= t0);
        match (why_not, at) {
            (Some(why), _) => notes.push(format!("{}: no test: {why}", r.alarm.name)),
            (None, None) => notes.push(format!("{}: no test: it did not fire after the trigger", r.alarm.name)),
            (None, Some(at)) => {
                let before = trigger_ms.saturating_sub(1).saturating_sub(t0) / eval_ms * eval_ms;
                if trigger_ms > t0 {
                    cases.push(json!({ "eval_time": duration(before), "alertname": r.alert, "exp_alerts": [] }));
                }
                let alert = json!({ "exp_labels": r.labels(), "exp_annotations": r.annotations() });
                cases.push(json!({ "eval_time": duration(at - t0), "alertname": r.alert, "exp_alerts": [alert] }));
            }
        }
    }
    let mut series = Vec::new();
    for o in Outcome::ALL {
        let mut total = 0u64;
        let mut values = vec!["0".to_owned()];
        for b in b0..b1 {
            total += count(o, b);
            values.push(total.to_string());
        }
        if total > 0 || o == Outcome::Success {
            let name = format!("{RESPONSES}{{outcome=\"{}\",code=\"{}\"}}", o.name(), o.status());
            series.push(json!({ "series": name, "values": values.join(" ") }));
        }
    }
    let doc = json!({
        "rule_files": [rules_file],
        "evaluation_interval": duration(eval_ms),
        "tests": [{
            "interval": duration(bucket_ms),
            "input_series": series,
            "alert_rule_test": cases,
        }],
    });
    let mut out = String::new();
    emit!(
        out,
        "# promtool test rules: generated by gatesim from a simulated run of the scenario (seed {})",
        report.seed
    );
    emit!(out, "# time 0 of these series is {} s into the run; the trigger is at {} s", t0 as f64 / 1e3, trigger.at_s);
    for n in &notes {
        // Alarm names are checked (name rule): one comment line each.
        emit!(out, "# {n}");
    }
    if cases.is_empty() {
        return Err(ExportError::Nothing(T, format!("no alarm can be tested: {}", notes.join("; "))));
    }
    Ok(out + &super::yaml::to_yaml(&doc))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}
