//! The simulator: compile a scenario into a [`plan::Plan`], run replicates of it with the
//! [`engine::Simulation`] in parallel, and merge them into a [`Report`].
//!
//! [`run`] is the one entry point the CLI and the GUI share.

pub mod accesslog;
pub mod engine;
pub mod plan;
pub mod replay;
pub mod rng;
pub mod time;
pub mod trace;

use crate::metrics::Recorder;
use crate::model::{Scenario, validate};
use crate::report::{self, ReplicateSummary, Report};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How often (in slices of the simulated duration) a replicate reports progress and checks for
/// cancellation.
const SLICES: u64 = 100;

/// Options of a run beyond the scenario's own settings.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Overrides the scenario's replicate count.
    pub replicates: Option<u32>,
    /// Called with the fraction done (0 to 1), from worker threads.
    pub progress: Option<&'a (dyn Fn(f64) + Sync)>,
    /// Set to stop the run early; the run then returns [`RunError::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
    /// Called by replicate 0 after each hundredth of the run with a report of that replicate so
    /// far (its series cover the time simulated up to then), for live charts.
    pub partial: Option<&'a (dyn Fn(&Report) + Sync)>,
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("seed", &self.seed)
            .field("replicates", &self.replicates)
            .finish_non_exhaustive()
    }
}

/// Why a run did not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario has errors.
    #[error("the scenario has {} error(s); run `gatesim lint` to list them", .0.len())]
    Invalid(Vec<validate::Problem>),
    /// The run was cancelled.
    #[error("the run was cancelled")]
    Cancelled,
    /// A replicate had more requests in flight than `run.max_in_flight` allows.
    #[error(
        "{in_flight} requests were in flight at {at_s:.1} s (replicate {replicate}), more than run.max_in_flight ({limit}): the system is overloaded and its queues grow without bound. Bound the queues (queue_capacity), add capacity, lower the traffic, or raise run.max_in_flight (each request in flight takes about 250 bytes)"
    )]
    Overloaded {
        /// Simulated time, s.
        at_s: f64,
        /// Requests in flight then.
        in_flight: usize,
        /// The bound.
        limit: u32,
        /// The replicate.
        replicate: u32,
    },
}

/// Validates, compiles and runs a scenario: every replicate, in parallel on rayon's pool, merged
/// into one report. The report is bit-identical for any number of threads: each replicate depends
/// only on `(scenario, seed, replicate index)`, and merging adds integers. The reasons a
/// population was hurt ([`report::who::rate_limit_reasons`]) are added from the scenario.
pub fn run(scenario: &Scenario, options: &RunOptions<'_>) -> Result<Report, RunError> {
    let errors: Vec<_> =
        validate::validate(scenario, None).into_iter().filter(|p| p.severity == validate::Severity::Error).collect();
    if !errors.is_empty() {
        return Err(RunError::Invalid(errors));
    }
    let mut plan = plan::compile(scenario);
    if let Some(seed) = options.seed {
        plan.seed = seed;
    }
    if let Some(n) = options.replicates {
        plan.replicates = n.max(1);
    }
    let mut report = run_plan(&plan, options)?;
    report.reasons = report::who::rate_limit_reasons(scenario, &report.populations);
    Ok(report)
}

/// One run of [`run_variants`]: the scenario as written, or one of its variants.
#[derive(Clone, Debug)]
pub struct VariantRun {
    /// `as written`, or the variant's name.
    pub name: String,
    /// The variant's description (empty for the scenario as written).
    pub description: String,
    /// Its report.
    pub report: Report,
}

/// Runs the scenario as written and then each of its variants, on the same seed and replicates
/// (so the same traffic), one after the other (each run uses every core for its replicates).
pub fn run_variants(scenario: &Scenario, options: &RunOptions<'_>) -> Result<Vec<VariantRun>, VariantError> {
    let mut base = scenario.clone();
    base.variants.clear();
    let mut runs =
        vec![VariantRun { name: "as written".into(), description: String::new(), report: run(&base, options)? }];
    for v in &scenario.variants {
        let s = scenario.variant(&v.name).map_err(VariantError::Apply)?;
        runs.push(VariantRun { name: v.name.clone(), description: v.description.clone(), report: run(&s, options)? });
    }
    Ok(runs)
}

/// Why [`run_variants`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// A variant does not apply.
    #[error("{0}")]
    Apply(String),
    /// A run failed.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Runs a compiled plan (see [`run`]).
pub fn run_plan(plan: &plan::Plan, options: &RunOptions<'_>) -> Result<Report, RunError> {
    let done = AtomicU64::new(0);
    let total = u64::from(plan.replicates) * SLICES;
    let cancelled = || options.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let overload = std::sync::Mutex::new(None);
    let one = |i: u32| -> Option<(Vec<ReplicateSummary>, Recorder)> {
        let mut sim = engine::Simulation::new(plan, i);
        let slice = plan.duration_ns.div_ceil(SLICES).max(1);
        let stop = |sim: &engine::Simulation<'_>| -> bool {
            let Some((at, in_flight)) = sim.overflow() else { return false };
            if let Ok(mut o) = overload.lock() {
                // The earliest replicate's is the one reported, whatever the thread count.
                if o.as_ref().is_none_or(|x: &(u32, u64, usize)| i < x.0) {
                    *o = Some((i, at, in_flight));
                }
            }
            true
        };
        for k in 1..=SLICES {
            if cancelled() {
                return None;
            }
            sim.step_until(slice.saturating_mul(k));
            if stop(&sim) {
                return None;
            }
            if i == 0
                && let Some(partial) = options.partial
            {
                // Everything up to the slice's end has been simulated.
                let upto = slice.saturating_mul(k).min(plan.duration_ns);
                let mut rec = sim.recorder().clone();
                rec.finish(upto);
                if let Some(r) = report::build_partial(plan, i, &rec, upto) {
                    partial(&r);
                }
            }
            if let Some(p) = options.progress {
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                p(d as f64 / total as f64);
            }
        }
        sim.step_until(u64::MAX);
        if stop(&sim) {
            return None;
        }
        let mut rec = sim.into_recorder();
        rec.finish(u64::MAX);
        Some((vec![report::replicate_summary(plan, i, &rec)], rec))
    };
    let merged = (0..plan.replicates).into_par_iter().map(one).reduce(
        || None,
        |a, b| match (a, b) {
            (Some((mut sa, mut ra)), Some((sb, rb))) => {
                sa.extend(sb);
                ra.merge(&rb);
                Some((sa, ra))
            }
            (x, None) | (None, x) => x,
        },
    );
    if let Ok(Some((replicate, at, in_flight))) = overload.into_inner() {
        return Err(RunError::Overloaded { at_s: at as f64 / 1e9, in_flight, limit: plan.max_in_flight, replicate });
    }
    if cancelled() {
        return Err(RunError::Cancelled);
    }
    let Some((mut summaries, rec)) = merged else {
        return Err(RunError::Cancelled);
    };
    summaries.sort_by_key(|s| s.replicate);
    Ok(report::build(plan, &rec, summaries))
}
