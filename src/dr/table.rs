//! [`table`]: every strategy simulated facing the same fault, and the figures read from the
//! reports.

use super::{DrError, DrOptions, Strategy, apply, steady_state};
use crate::model::Scenario;
use crate::model::validate::{self, Severity};
use crate::report::{self, Report};
use crate::sim::{self, RunError, RunOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The measured RPO of a strategy's recovery.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rpo {
    /// Committed writes the recovery lost (median over the replicates that failed over, summed
    /// over the stores).
    pub writes_lost: f64,
    /// Age of the oldest lost write at the primary's loss, s (the largest median over the
    /// stores).
    pub oldest_s: f64,
    /// Whether a store was promoted or restored within the run. When not, the figures are the
    /// writes a restore from the last backup would lose (committed since it), counted at the
    /// primary's loss.
    pub recovered: bool,
}

/// One strategy's figures, each measured by simulation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrRow {
    /// The strategy.
    pub strategy: Strategy,
    /// Infrastructure cost per month in the steady state (`report::cost`'s `per_month_usd` of the
    /// run without the fault), USD.
    pub cost_per_month_usd: f64,
    /// What the faulted run's failures cost (`report::cost`: the value of the failed requests and
    /// the SLA credit, from the scenario's `business`), USD.
    pub outage_cost_usd: f64,
    /// Measured RTO, s: from the fault to a recovery of the SLO that holds (median over the
    /// replicates that recovered); none when no replicate recovered within the run.
    pub rto_s: Option<f64>,
    /// Replicates that recovered within the run.
    pub recovered_in: u32,
    /// Replicates run.
    pub replicates: u32,
    /// Measured RPO, when a data store failed over (a replica promoted or a backup restored).
    pub rpo: Option<Rpo>,
    /// Users impacted over the faulted run, percent of active users.
    pub users_impacted_pct: f64,
    /// From the fault to the first alarm or DNS record turning unhealthy, s (median).
    pub time_to_detect_s: Option<f64>,
    /// Requests failed in the faulted run, per replicate.
    pub failed_requests: f64,
    /// The strategy's scenario description: what it assumes.
    pub description: String,
}

/// Every strategy ([`Strategy::ALL`]) built from `s`, validated and measured (see the module
/// docs of `dr`).
pub fn table(s: &Scenario, o: &DrOptions) -> Result<Vec<DrRow>, DrError> {
    table_with(s, o, None)
}

/// [`table`], reporting the fraction done (0 to 1) to `progress` from worker threads.
pub fn table_with(s: &Scenario, o: &DrOptions, progress: Option<&(dyn Fn(f64) + Sync)>) -> Result<Vec<DrRow>, DrError> {
    let built = Strategy::ALL.iter().map(|&st| apply(s, st, o).map(|x| (st, x))).collect::<Result<Vec<_>, _>>()?;
    measure(&built, o, progress)
}

/// The validation errors of a strategy's scenario, as a [`DrError`].
fn check(st: Strategy, s: &Scenario) -> Result<(), DrError> {
    let problems: Vec<String> = validate::validate(s, None)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| match &p.node {
            Some(n) => format!("{n}: {}", p.message),
            None => p.message,
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(DrError::Invalid { strategy: st, problems }) }
}

/// Runs each strategy's scenario as given (faulted) and its [`steady_state`], in parallel on
/// rayon's pool, and returns the rows in the order given. `o.seed` and `o.replicates` override
/// the scenarios' own. The rows do not depend on the thread count: each run depends only on its
/// scenario and seed.
pub fn measure(
    runs: &[(Strategy, Scenario)],
    o: &DrOptions,
    progress: Option<&(dyn Fn(f64) + Sync)>,
) -> Result<Vec<DrRow>, DrError> {
    for (st, sc) in runs {
        check(*st, sc)?;
    }
    let jobs: Vec<(Strategy, Scenario, bool)> =
        runs.iter().flat_map(|(st, sc)| [(*st, sc.clone(), true), (*st, steady_state(sc, o), false)]).collect();
    let done: Vec<AtomicU64> = jobs.iter().map(|_| AtomicU64::new(0)).collect();
    let total = jobs.len() as f64;
    let reports: Vec<Result<Report, DrError>> = jobs
        .par_iter()
        .enumerate()
        .map(|(i, (st, sc, faulted))| {
            let report_progress = |f: f64| {
                if let (Some(p), Some(slot)) = (progress, done.get(i)) {
                    slot.store((f * 1000.0) as u64, Ordering::Relaxed);
                    let sum: u64 = done.iter().map(|d| d.load(Ordering::Relaxed)).sum();
                    p(sum as f64 / 1000.0 / total);
                }
            };
            let options = RunOptions {
                seed: o.seed,
                replicates: if *faulted { o.replicates } else { Some(1) },
                progress: Some(&report_progress),
                ..Default::default()
            };
            sim::run(sc, &options).map_err(|e| match e {
                RunError::Invalid(problems) => DrError::Invalid {
                    strategy: *st,
                    problems: problems
                        .iter()
                        .map(|p| format!("{}: {}", p.node.as_deref().unwrap_or("-"), p.message))
                        .collect(),
                },
                other => DrError::Run { strategy: *st, message: other.to_string() },
            })
        })
        .collect();
    let mut reports = reports.into_iter();
    let mut rows = Vec::new();
    for (st, sc) in runs {
        let (Some(faulted), Some(steady)) = (reports.next(), reports.next()) else { break };
        let (faulted, steady) = (faulted?, steady?);
        rows.push(row(*st, sc, &faulted, &steady));
    }
    Ok(rows)
}

fn row(st: Strategy, s: &Scenario, faulted: &Report, steady: &Report) -> DrRow {
    let r = report::run_row(st.label(), &s.description, faulted);
    let (cost_per_month_usd, _) = cost_of(steady);
    let (_, outage_cost_usd) = cost_of(faulted);
    DrRow {
        strategy: st,
        cost_per_month_usd,
        outage_cost_usd,
        rto_s: r.rto_s,
        recovered_in: faulted.timeline.as_ref().map_or(0, |t| t.recovered_in),
        replicates: faulted.replicates,
        rpo: r
            .rpo
            .map(|(writes_lost, oldest_s)| Rpo { writes_lost, oldest_s, recovered: true })
            .or_else(|| pending(faulted)),
        users_impacted_pct: r.users_impacted_pct,
        time_to_detect_s: r.time_to_detect_s,
        failed_requests: r.failed,
        description: s.description.clone(),
    }
}

/// The writes a store that lost its primary and did not recover within the run would lose when
/// restored from its last backup (medians over the replicates, summed over stores and the largest
/// age), from each replicate's primary loss; none when no store lost writes that way.
fn pending(r: &Report) -> Option<Rpo> {
    let stores = r.per_replicate.first()?.timeline.as_ref()?.stores.len();
    let (mut writes, mut oldest) = (0.0, 0.0f64);
    for s in 0..stores {
        let losses: Vec<&report::timeline::StoreLoss> = r
            .per_replicate
            .iter()
            .filter_map(|p| p.timeline.as_ref()?.stores.get(s)?.as_ref())
            .filter(|l| l.recovered_after_s.is_none() && l.rpo_writes > 0)
            .collect();
        if losses.is_empty() {
            continue;
        }
        let w = report::Spread::of(&losses.iter().map(|l| l.rpo_writes as f64).collect::<Vec<_>>());
        let a = report::Spread::of(&losses.iter().map(|l| l.rpo_age_s).collect::<Vec<_>>());
        writes += w.median.unwrap_or(0.0);
        oldest = oldest.max(a.median.unwrap_or(0.0));
    }
    (writes > 0.0).then_some(Rpo { writes_lost: writes, oldest_s: oldest, recovered: false })
}

/// A run's infrastructure cost per month and its outage cost (lost value and SLA credit), USD,
/// from its `report::cost` (zero when the report has none).
fn cost_of(r: &Report) -> (f64, f64) {
    r.cost.as_ref().map_or((0.0, 0.0), |c| (c.per_month_usd, c.outage.as_ref().map_or(0.0, |o| o.total_usd)))
}

/// A duration in at most 8 characters: `45 s`, `4.5 min`, `76 min`, `2.3 h`.
fn short_duration(s: f64) -> String {
    if s < 59.5 {
        format!("{s:.0} s")
    } else if s < 600.0 && (s / 60.0).fract().abs() > 0.05 {
        format!("{:.1} min", s / 60.0)
    } else if s < 5940.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// A whole number with thousands separators: `13,172`.
fn count(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// USD: `$0.52`, `$12`, `$1,234`.
fn usd(v: f64) -> String {
    if v.abs() < 10.0 {
        return format!("${v:.2}");
    }
    format!("{}${}", if v < 0.0 { "-" } else { "" }, count(v))
}

/// The RTO cell: `4.5 min`, `12 min 3/4` when only some replicates recovered, `not rec.` when
/// none did.
pub(super) fn rto_text(r: &DrRow) -> String {
    match r.rto_s {
        Some(s) if r.recovered_in < r.replicates => {
            format!("{} {}/{}", short_duration(s), r.recovered_in, r.replicates)
        }
        Some(s) => short_duration(s),
        None => "not rec.".into(),
    }
}

/// The rows as a table of 80 columns, then the definitions and the strategies' assumptions.
pub fn rows_text(rows: &[DrRow]) -> String {
    let mut out = String::new();
    writeln!(out, "{:<20} {:>10} {:>10} {:>12} {:>16} {:>6}", "", "cost per", "outage", "RTO", "RPO (oldest,", "users")
        .ok();
    writeln!(out, "{:<20} {:>10} {:>10} {:>12} {:>16} {:>6}", "strategy", "month", "cost", "", "writes lost)", "hurt")
        .ok();
    for r in rows {
        let rpo = match r.rpo {
            Some(x) if x.writes_lost > 0.0 => {
                let age =
                    if x.oldest_s < 1.0 { format!("{:.0} ms", x.oldest_s * 1e3) } else { short_duration(x.oldest_s) };
                let mark = if x.recovered { "" } else { "*" };
                format!("{age}, {}{mark}", count(x.writes_lost))
            }
            Some(_) => "none lost".into(),
            None => "-".into(),
        };
        let line = format!(
            "{:<20} {:>10} {:>10} {:>12} {:>16} {:>5.1}%",
            r.strategy.label(),
            usd(r.cost_per_month_usd),
            usd(r.outage_cost_usd),
            rto_text(r),
            rpo,
            r.users_impacted_pct
        );
        writeln!(out, "{}", line.trim_end()).ok();
    }
    out
}

/// The notes under the table: what each figure is.
pub fn notes() -> &'static str {
    "cost per month: the infrastructure of a run without the fault, priced x 730 h.\n\
     outage cost: the faulted run's failed requests x the value of one, and the SLA credit.\n\
     RTO: from the fault to a recovery of the SLO that holds (median; k/n: only k of n\n\
     replicates recovered; not rec.: none recovered within the run).\n\
     RPO: the oldest committed write the recovery lost, and how many (median; -: no data\n\
     store was promoted or restored; *: not restored within the run, the writes committed\n\
     since the last backup, which its restore would lose).\n\
     users hurt: users with a failed or too slow request over the faulted run.\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_fit_their_columns() {
        assert_eq!(short_duration(45.0), "45 s");
        assert_eq!(short_duration(270.0), "4.5 min");
        assert_eq!(short_duration(3000.0), "50 min");
        assert_eq!(short_duration(9000.0), "2.5 h");
        assert_eq!(usd(0.5), "$0.50");
        assert_eq!(usd(1234.4), "$1,234");
        assert_eq!(usd(1_234_567.0), "$1,234,567");
    }
}
