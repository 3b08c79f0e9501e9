//! Runs of one scenario side by side: its variants (counterfactuals of an incident), or a
//! baseline and a change (`gatesim check`). Rows are computed as data, then printed in 80 columns.

use super::{Report, Verdict, verdict};
use crate::metrics::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One run's headline figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// The run's name (`as written`, a variant's name, `baseline`, `change`).
    pub name: String,
    /// What it stands for.
    pub description: String,
    /// Users impacted, percent of active users.
    pub users_impacted_pct: f64,
    /// Time in SLO breach, median over replicates, s.
    pub breach_s: Option<f64>,
    /// Time to detect, median, s.
    pub time_to_detect_s: Option<f64>,
    /// Measured RTO, median, s: the outage's length, from its trigger to a recovery that holds.
    pub rto_s: Option<f64>,
    /// Why `rto_s` is none, in the words the tables show ([`rto_absent`]); empty when it is some.
    #[serde(default)]
    pub rto_absent: String,
    /// Why `time_to_detect_s` is none ([`detect_absent`]); empty when it is some.
    #[serde(default)]
    pub detect_absent: String,
    /// Requests failed, per replicate.
    pub failed: f64,
    /// Requests failed by cause, per replicate (causes with failures only).
    pub failed_by_cause: BTreeMap<Outcome, f64>,
    /// Measured RPO when a data store failed over: writes lost (medians summed over the stores)
    /// and the age of the oldest, s (the largest median).
    pub rpo: Option<(f64, f64)>,
    /// The run against its SLOs.
    pub verdict: Verdict,
}

/// The row of one run.
pub fn run_row(name: &str, description: &str, r: &Report) -> RunRow {
    let failed_by_cause: BTreeMap<Outcome, f64> =
        r.summary.failures_by_cause.iter().filter(|(_, n)| **n > 0.0).map(|(o, n)| (*o, *n)).collect();
    let timeline = r.timeline.as_ref();
    let (time_to_detect_s, rto_s) = (time_to_detect_s(r), rto_s(r));
    RunRow {
        name: name.to_owned(),
        description: description.to_owned(),
        users_impacted_pct: r.summary.users_impacted_pct,
        breach_s: r.slo.breach_s.median,
        time_to_detect_s,
        rto_s,
        rto_absent: if rto_s.is_none() { rto_absent(r).to_owned() } else { String::new() },
        detect_absent: if time_to_detect_s.is_none() { detect_absent(r).to_owned() } else { String::new() },
        failed: failed_by_cause.values().sum(),
        failed_by_cause,
        rpo: timeline.and_then(|t| {
            let lost: Vec<_> = t.stores.iter().filter(|s| s.failed_over_in > 0).collect();
            (!lost.is_empty()).then(|| {
                (
                    lost.iter().filter_map(|s| s.rpo_writes.median).sum(),
                    lost.iter().filter_map(|s| s.rpo_age_s.median).fold(0.0, f64::max),
                )
            })
        }),
        verdict: verdict(r),
    }
}

/// Median time to detect, s (none: see [`detect_absent`]).
pub fn time_to_detect_s(r: &Report) -> Option<f64> {
    r.timeline.as_ref().and_then(|t| t.time_to_detect_s.median)
}

/// Median measured RTO over the replicates that recovered, s (none: see [`rto_absent`]).
pub fn rto_s(r: &Report) -> Option<f64> {
    r.timeline.as_ref().filter(|t| t.recovered_in > 0).and_then(|t| t.rto_s.median)
}

/// Why a run has no RTO, in the words every table shows in its place: `no outage` (no fault,
/// change or traffic event started during the run) or `unrecovered` (the SLO was not met again,
/// for its hold period, by the end of the run).
pub fn rto_absent(r: &Report) -> &'static str {
    match r.timeline.as_ref().and_then(|t| t.trigger.as_ref()) {
        None => "no outage",
        Some(_) => "unrecovered",
    }
}

/// Why a run has no time to detect: `no alarm` (the timeline has none), `no outage` (nothing
/// started during the run), `no breach` (the SLO held after the trigger: an RTO of 0, nothing to
/// detect) or `undetected` (the SLO broke and no alarm fired after the trigger).
pub fn detect_absent(r: &Report) -> &'static str {
    let Some(t) = r.timeline.as_ref() else { return "no alarm" };
    if !t.entries.iter().any(|e| e.kind == crate::model::EventKind::Alarm) {
        "no alarm"
    } else if t.trigger.is_none() {
        "no outage"
    } else if t.recovered_in == r.replicates && t.rto_s.high == Some(0.0) {
        "no breach"
    } else {
        "undetected"
    }
}

/// A count in words: `153,191`.
pub(crate) fn thousands(n: f64) -> String {
    // `max` may keep -0.0 (an empty sum), which would print as "-0".
    let s = format!("{:.0}", if n > 0.0 { n } else { 0.0 });
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in at most 8 characters: `45 s`, `1.5 min`, `76 min`, `2.3 h`; `absent` for none.
fn minutes(v: Option<f64>, absent: &str) -> String {
    match v {
        None if absent.is_empty() => "-".into(),
        None => absent.into(),
        Some(s) if s < 0.5 => "0 s".into(),
        Some(s) if s < 59.5 => format!("{s:.0} s"),
        Some(s) if s < 600.0 && (s / 60.0).fract().abs() > 0.05 => format!("{:.1} min", s / 60.0),
        Some(s) if s < 5940.0 * 2.0 => format!("{:.0} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3600.0),
    }
}

/// The rows as a table that fits 80 columns, then each row's description.
pub fn runs_table(rows: &[RunRow]) -> String {
    let mut out = String::new();
    writeln!(out, "{:<28} {:>6} {:>11} {:>8} {:>10}  failed requests", "", "users", "outage", "in SLO", "time to").ok();
    writeln!(out, "{:<28} {:>6} {:>11} {:>8} {:>10}  (top cause)", "run", "hurt", "(RTO)", "breach", "detect").ok();
    for r in rows {
        let mut name: String = r.name.chars().take(28).collect();
        if r.name.chars().count() > 28 {
            name.pop();
            name.push('~');
        }
        let top = r.failed_by_cause.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(o, _)| o.name()).unwrap_or("");
        let line = format!(
            "{name:<28} {:>5.1}% {:>11} {:>8} {:>10}  {} {top}",
            r.users_impacted_pct,
            minutes(r.rto_s, &r.rto_absent),
            minutes(r.breach_s, ""),
            minutes(r.time_to_detect_s, &r.detect_absent),
            thousands(r.failed),
        );
        writeln!(out, "{}", line.trim_end()).ok();
    }
    if rows.iter().any(|r| r.rpo.is_some()) {
        writeln!(out).ok();
        writeln!(out, "{:<28} {:>12}  oldest lost write", "RPO (measured)", "writes lost").ok();
        for r in rows {
            let name: String = r.name.chars().take(28).collect();
            let line = match r.rpo {
                Some((n, age)) if n > 0.0 => format!("{name:<28} {:>12}  {:.0} ms", thousands(n), age * 1e3),
                Some(_) => format!("{name:<28} {:>12}", 0),
                None => format!("{name:<28} {:>12}  no failover", "-"),
            };
            writeln!(out, "{line}").ok();
        }
    }
    let described: Vec<&RunRow> = rows.iter().filter(|r| !r.description.is_empty()).collect();
    if !described.is_empty() {
        writeln!(out).ok();
        for r in described {
            for line in wrap(&format!("{}: {}", r.name, r.description), 78) {
                writeln!(out, "  {line}").ok();
            }
        }
    }
    out
}

/// Words in lines of at most `width` characters (a longer word stands alone).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_and_counts_read_well() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(thousands(153_191.4), "153,191");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
    }
}
