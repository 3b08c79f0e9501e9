//! Replaying a request trace through a scenario: one decision per request (see [`super::trace`]).
//! The scenario's client populations are replaced by the trace; everything else (gateway, balancer,
//! services, timeouts) is the scenario's. The trace enters where the first client population's
//! first link leads, crossing that link.

use super::engine::{Simulation, TraceEntry};
use super::plan;
use super::time::{NS_PER_S, secs_to_ns};
use super::trace::{DecisionWriter, RequestReader, TraceError, read_outages};
use crate::model::{Scenario, validate};
use crate::report::{self, Report};
use std::path::Path;

/// The files of a replay.
#[derive(Clone, Copy, Debug)]
pub struct ReplayFiles<'a> {
    /// `REQUESTS.csv`.
    pub requests: &'a Path,
    /// `OUTAGES.csv`, if any.
    pub outages: Option<&'a Path>,
    /// Where to write `DECISIONS.csv`, if anywhere.
    pub decisions: Option<&'a Path>,
}

/// Why a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The scenario has errors.
    #[error("the scenario has {} error(s); run `gatesim lint` to list them", .0.len())]
    Invalid(Vec<validate::Problem>),
    /// A trace file is bad (the error names the file and line).
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// Nothing says where trace requests enter.
    #[error("the scenario has no client population linked to a node, so a trace has nowhere to enter")]
    NoEntry,
}

/// What a replay produced.
#[derive(Debug)]
pub struct Replayed {
    /// The usual report, over the whole trace.
    pub report: Report,
    /// Requests replayed (= decision rows written).
    pub requests: u64,
}

/// Replays the trace and writes the decisions. Memory does not depend on the trace's length: the
/// trace is read twice (first to check every line, so a bad file writes nothing), and decisions
/// leave as soon as every earlier one is known.
pub fn replay(scenario: &Scenario, files: ReplayFiles<'_>) -> Result<Replayed, ReplayError> {
    let errors: Vec<_> =
        validate::validate(scenario, None).into_iter().filter(|p| p.severity == validate::Severity::Error).collect();
    if !errors.is_empty() {
        return Err(ReplayError::Invalid(errors));
    }
    let mut plan = plan::compile(scenario);
    plan.replicates = 1;
    let (_, last_send) = RequestReader::scan(files.requests)?;
    plan.retime(last_send + 1, scenario.run.bucket_s.map(secs_to_ns));
    let outages = match files.outages {
        Some(p) => read_outages(p, &plan)?,
        None => Vec::new(),
    };
    let entry = plan
        .pops
        .first()
        .and_then(|p| p.targets.first())
        .map(|&(_, hop, link)| TraceEntry { hop, link })
        .ok_or(ReplayError::NoEntry)?;
    let mut writer = files.decisions.map(DecisionWriter::create).transpose()?;
    let mut sim = Simulation::with_trace(&plan, RequestReader::open(files.requests)?, entry, &outages);
    let mut written = 0u64;
    let mut write_error = None;
    let mut horizon = 0u64;
    loop {
        horizon = horizon.max(sim.now()).saturating_add(NS_PER_S);
        sim.step_until(horizon);
        sim.drain_decisions(|d| {
            if let Some(w) = writer.as_mut()
                && write_error.is_none()
                && let Err(e) = w.write(d, &plan)
            {
                write_error = Some(e);
            }
            written += 1;
        });
        if let Some(e) = write_error.take() {
            return Err(e.into());
        }
        if sim.is_finished() {
            break;
        }
    }
    if let Some(e) = sim.take_trace_error() {
        return Err(e.into());
    }
    if let Some(w) = writer {
        w.commit()?;
    }
    let mut rec = sim.into_recorder();
    rec.finish(u64::MAX);
    let summary = report::replicate_summary(&plan, 0, &rec);
    Ok(Replayed { report: report::build(&plan, &rec, vec![summary]), requests: written })
}
