//! Replaying a request trace through a scenario: one decision per request (see [`super::trace`]).
//! The scenario's client populations are replaced by the trace; everything else (gateway, balancer,
//! services, timeouts) is the scenario's. The trace enters where the first client population's
//! first link leads, crossing that link.

use super::accesslog::{AccessLogOptions, AccessLogReader, BadLines, looks_like_access_log};
use super::engine::{Simulation, TraceEntry};
use super::plan;
use super::time::{NS_PER_S, secs_to_ns};
use super::trace::{Decision, DecisionWriter, RequestReader, TraceError, TraceRequest, read_outages};
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
    /// More requests were in flight than `run.max_in_flight` allows.
    #[error(
        "{in_flight} requests were in flight at {at_s:.1} s of the trace, more than run.max_in_flight ({limit}): the system is overloaded and its queues grow without bound"
    )]
    Overloaded {
        /// Trace time, s.
        at_s: f64,
        /// Requests in flight.
        in_flight: usize,
        /// The bound.
        limit: u32,
    },
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
    /// For an access log: the lines skipped (unparseable, or too far out of order).
    pub bad_lines: Option<BadLines>,
}

/// Replays the trace and writes the decisions. Memory does not depend on the trace's length: the
/// trace is read twice (first to check every line, so a bad file writes nothing), and decisions
/// leave as soon as every earlier one is known. `files.requests` is a `REQUESTS.csv`, or an NGINX
/// or Apache access log (recognised by its content; read with the default [`AccessLogOptions`]).
pub fn replay(scenario: &Scenario, files: ReplayFiles<'_>) -> Result<Replayed, ReplayError> {
    replay_with(scenario, files, &AccessLogOptions::default(), &mut |_| {})
}

/// The requests of a trace file: a `REQUESTS.csv`, or an access log read with `log`.
pub fn open_requests<'a>(
    path: &'a Path,
    log: &AccessLogOptions,
) -> Result<Box<dyn Iterator<Item = Result<TraceRequest, TraceError>> + 'a>, TraceError> {
    if looks_like_access_log(path) {
        Ok(Box::new(AccessLogReader::open(path, log)?))
    } else {
        Ok(Box::new(RequestReader::open(path)?))
    }
}

/// Reads a trace file once: the number of requests, the last send time, and for an access log
/// the lines it skipped.
pub fn scan_requests(
    path: &Path,
    log: &AccessLogOptions,
    plan: &plan::Plan,
) -> Result<(u64, u64, Option<BadLines>), TraceError> {
    if looks_like_access_log(path) {
        let s = AccessLogReader::scan(path, log)?;
        Ok((s.requests, s.last_send_ns, Some(s.bad)))
    } else {
        let (n, last) = RequestReader::scan(path, &|name| plan.station_by_name(name).is_some())?;
        Ok((n, last, None))
    }
}

/// A trace read from standard input (`-`) or a pipe, copied to a temporary file so that it can
/// be read twice (once to check it, once to replay it); the copy is removed when this is dropped.
#[derive(Debug)]
pub struct Spooled {
    /// Where the trace can be read.
    pub path: std::path::PathBuf,
    temporary: bool,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        if self.temporary {
            std::fs::remove_file(&self.path).ok();
        }
    }
}

/// `path` itself when it is a regular file; else (`-` for standard input, a pipe, a device) its
/// content copied to a new temporary file, streamed, never held in memory.
pub fn spool(path: &Path) -> Result<Spooled, TraceError> {
    let stdin = path.as_os_str() == "-";
    if !stdin && std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(Spooled { path: path.to_owned(), temporary: false });
    }
    let err = |e: std::io::Error| TraceError { path: path.to_owned(), line: None, message: e.to_string() };
    let mut source: Box<dyn std::io::Read> =
        if stdin { Box::new(std::io::stdin().lock()) } else { Box::new(std::fs::File::open(path).map_err(err)?) };
    let dir = std::env::temp_dir();
    let mut n = 0u32;
    let (copy, mut file) = loop {
        let p = dir.join(format!("gatesim-trace-{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => break (p, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(err(e)),
        }
    };
    let spooled = Spooled { path: copy, temporary: true };
    std::io::copy(&mut source, &mut file).map_err(err)?;
    Ok(spooled)
}

/// [`replay`], with the options for an access log and a function that sees every decision in
/// input order. `files.requests` may be `-` (standard input) or a pipe.
pub fn replay_with(
    scenario: &Scenario,
    files: ReplayFiles<'_>,
    log: &AccessLogOptions,
    on_decision: &mut dyn FnMut(&Decision),
) -> Result<Replayed, ReplayError> {
    let spooled = spool(files.requests)?;
    let given = files.requests;
    let files = ReplayFiles { requests: &spooled.path, ..files };
    // Errors name the file the user gave, not the copy of a pipe.
    replay_file(scenario, files, log, on_decision).map_err(|e| match e {
        ReplayError::Trace(mut t) if t.path == spooled.path => {
            t.path = given.to_owned();
            ReplayError::Trace(t)
        }
        other => other,
    })
}

fn replay_file(
    scenario: &Scenario,
    files: ReplayFiles<'_>,
    log: &AccessLogOptions,
    on_decision: &mut dyn FnMut(&Decision),
) -> Result<Replayed, ReplayError> {
    let errors: Vec<_> =
        validate::validate(scenario, None).into_iter().filter(|p| p.severity == validate::Severity::Error).collect();
    if !errors.is_empty() {
        return Err(ReplayError::Invalid(errors));
    }
    let mut plan = plan::compile(scenario);
    plan.replicates = 1;
    let (_, last_send, bad) = scan_requests(files.requests, log, &plan)?;
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
    let mut sim = Simulation::with_trace(&plan, open_requests(files.requests, log)?, entry, &outages);
    let mut written = 0u64;
    let mut write_error = None;
    let mut horizon = 0u64;
    loop {
        horizon = horizon.max(sim.now()).saturating_add(NS_PER_S);
        sim.step_until(horizon);
        sim.drain_decisions(|d| {
            on_decision(d);
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
        if let Some((at, in_flight)) = sim.overflow() {
            return Err(ReplayError::Overloaded { at_s: at as f64 / 1e9, in_flight, limit: plan.max_in_flight });
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
    Ok(Replayed { report: report::build(&plan, &rec, vec![summary]), requests: written, bad_lines: bad })
}
