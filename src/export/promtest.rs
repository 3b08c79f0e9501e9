//! A `promtool test rules` file generated from a simulated run: the simulation's assumptions about
//! when an alarm fires become tests of the real alerting rules.
//!
//! The scenario runs once (replicate 0, its own seed). Around the timeline's trigger (its first
//! fault or change), the answers the recorder counted per bucket become the input series of the
//! counter [`RESPONSES`] (one series per outcome, `code` = the outcome's usual status), sampled once
//! per bucket and starting at 0, so that `rate()` over the rule's range sees exactly the answers of
//! the simulated window. For each alarm the test asserts:
//!
//! - **not firing** at the last evaluation before the trigger (unless the run had it firing then);
//! - **not firing** at the evaluation before its simulated first firing after the trigger;
//! - **firing** at that time (which includes its `for`), with the rule's labels and annotations.
//!
//! Test times are relative to the start of the series (`t0`, a multiple of every rule interval, so
//! that evaluations fall where the simulator's do). promtool evaluates every rule at the file's
//! `evaluation_interval`: it is the most common rule interval, and only the alarms with that
//! interval are tested. An alarm gets no test case, and a comment says why, when its interval is
//! another, when its metric is not a system-wide share or rate of answers (route scopes, latency,
//! service and node metrics: their series are not in the report), when it did not fire after the
//! trigger in the run, or, for the 4xx/5xx shares, when the run rate-limited requests (whose status
//! is the limiter's, not one fixed code).

use super::prometheus::{RESPONSES, Rule, duration, rules};
use super::{ExportError, Target};
use crate::metrics::Outcome;
use crate::model::{Event, EventKind, FaultKind, Metric, Scenario, Scope};
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
    // promtool evaluates every group at the file's `evaluation_interval`, whatever the group's
    // own: only the alarms with that interval are evaluated as the simulator does. The most common
    // interval (the shortest of equals) is the file's.
    let uses = |i: u64| rules.iter().filter(|r| r.interval_ms == i).count();
    let eval_ms = rules.iter().map(|r| r.interval_ms).max_by_key(|&i| (uses(i), std::cmp::Reverse(i))).unwrap_or(1);
    let lcm = rules.iter().map(|r| r.interval_ms).fold(1, |a, b| a / gcd(a, b) * b);
    if bucket_ms == 0 || eval_ms % bucket_ms != 0 || lcm % bucket_ms != 0 {
        return Err(broken(format!("buckets of {bucket_ms} ms do not divide the rule intervals")));
    }
    let longest = rules.iter().map(|r| r.window_ms + r.interval_ms).max().unwrap_or(0);
    let trigger_ms = (trigger.at_s * 1000.0).round() as u64;
    let t0 = trigger_ms.saturating_sub(longest + lcm) / lcm * lcm;
    // Replicate 0's transitions of each alarm (ms, firing afterwards), from the run's log.
    let ms = |s: f64| (s * 1000.0).round() as u64;
    let transitions = |r: &Rule<'_>| -> Vec<(u64, bool)> {
        tl.log
            .iter()
            .filter(|l| l.kind == EventKind::Alarm && l.entry == r.alarm.name)
            .map(|l| (ms(l.t_s), l.what == "firing"))
            .collect()
    };
    // The first firing at or after the trigger.
    let fired = |r: &Rule<'_>| transitions(r).into_iter().find(|&(t, f)| f && t >= trigger_ms).map(|(t, _)| t);
    let last = rules.iter().filter_map(fired).max().unwrap_or(trigger_ms);
    let duration_ms = (report.duration_s * 1000.0).round() as u64;
    let t1 = (last + lcm).min(duration_ms / bucket_ms * bucket_ms);
    let (b0, b1) = ((t0 / bucket_ms) as usize, (t1 / bucket_ms) as usize);
    let count = |o: Outcome, b: usize| -> u64 {
        let rps = report.series.outcomes_rps.get(&o).and_then(|v| v.get(b)).copied().unwrap_or(0.0);
        (rps * report.bucket_s).round() as u64
    };
    // Answers whose class the series cannot tell: rate-limited ones (429 or the limiter's 503)
    // and a fault's errors with a status that is not 5xx (the series say 500).
    let limited = (b0..b1).any(|b| count(Outcome::RateLimited, b) > 0);
    let odd_errors = scenario.timeline.iter().any(|e| {
        matches!(e, Event::Fault(f) if matches!(f.kind, FaultKind::Errors { status, .. } if !(500..600).contains(&status)))
    });
    let mut notes = Vec::new();
    let mut cases = Vec::new();
    for r in &rules {
        let system = matches!(r.alarm.scope, Scope::System);
        let why_not = match r.alarm.metric {
            _ if r.interval_ms != eval_ms => Some("its interval is not the file's evaluation_interval"),
            _ if !system => Some("its scope is not system-wide"),
            Metric::LatencyP99Ms | Metric::Utilisation | Metric::QueueLength | Metric::RejectedShare => {
                Some("its metric's series are not in the report")
            }
            Metric::Share5xx | Metric::Share4xx if limited => Some("the run rate-limited requests (status varies)"),
            Metric::Share5xx | Metric::Share4xx if odd_errors => Some("a fault answers with a status that is not 5xx"),
            _ => None,
        };
        let at = fired(r).filter(|&t| t >= t0 + eval_ms);
        match (why_not, at) {
            (Some(why), _) => notes.push(format!("{}: no test: {why}", r.alarm.name)),
            (None, None) => notes.push(format!("{}: no test: it did not fire after the trigger", r.alarm.name)),
            (None, Some(at)) => {
                let seen = transitions(r);
                let firing_at = |t: u64| seen.iter().rev().find(|&&(s, _)| s <= t).is_some_and(|&(_, f)| f);
                let quiet = |t: u64| json!({ "eval_time": duration(t - t0), "alertname": r.alert, "exp_alerts": [] });
                // Not firing at the last evaluation before the trigger (unless the run had it
                // firing then), nor at the evaluation before the simulated firing: it fires then,
                // not earlier.
                let before = t0 + trigger_ms.saturating_sub(1).saturating_sub(t0) / eval_ms * eval_ms;
                if trigger_ms > t0 && before + eval_ms < at && !firing_at(before) {
                    cases.push(quiet(before));
                }
                cases.push(quiet(at - eval_ms));
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
