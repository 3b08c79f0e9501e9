//! Runs the simulation on named worker threads and streams progress (and partial reports) back.
//!
//! [`Runner`]: one run of the document ([`crate::sim::run`]), with live partial reports.
//! [`Batch`]: several runs one after the other, for the counterfactuals panel
//! ([`crate::sim::run_variants`]), for "Check change" (the document without its config changes,
//! then the document, as `gatesim check` runs them) and for the DR strategies panel
//! ([`crate::dr`]). The workers call the library, nothing else:
//! the GUI holds no simulation logic. Messages travel over a bounded channel; progress and partial
//! reports are dropped when it is full (the next one supersedes them), the final result always
//! arrives.

use crate::dr::{self, DrOptions, DrRow, Strategy};
use crate::model::Scenario;
use crate::report::Report;
use crate::sim::{self, RunError, RunOptions, VariantError, VariantRun};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

/// Messages in flight at most from the worker.
const CHANNEL_BOUND: usize = 8;

/// Where a run stands.
#[derive(Debug, Default)]
pub enum RunState {
    /// No run yet (or the scenario was replaced).
    #[default]
    Idle,
    /// A run is under way.
    Running {
        /// Fraction done, 0 to 1.
        progress: f32,
        /// Set to stop the run.
        cancel: Arc<AtomicBool>,
    },
    /// The last run finished.
    Finished(Box<Report>),
    /// The last run was cancelled; the report of the run before it, if one finished, is still
    /// shown.
    Cancelled(Option<Box<Report>>),
    /// The last run could not finish (invalid scenario, worker lost).
    Failed(String),
}

enum Msg {
    Progress(f64),
    Partial(Box<Report>),
    /// The run's report, or why it failed (None: cancelled).
    Done(Result<Box<Report>, Option<String>>),
}

/// The run state, the worker's channel and the latest partial report.
#[derive(Debug, Default)]
pub struct Runner {
    /// Where the run stands.
    pub state: RunState,
    /// During a run: replicate 0 so far (for live charts).
    pub live: Option<Box<Report>>,
    /// During a run: the last finished report, shown again if the run is cancelled.
    previous: Option<Box<Report>>,
    rx: Option<Receiver<Msg>>,
    version: u64,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Msg")
    }
}

impl Runner {
    /// Changes whenever the report shown changes (a partial report arrived, a run ended).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// True while a run is under way.
    pub fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running { .. })
    }

    /// The last finished report: the last run's, or, after a cancelled run, the one before it.
    pub fn report(&self) -> Option<&Report> {
        match &self.state {
            RunState::Finished(r) | RunState::Cancelled(Some(r)) => Some(r),
            _ => None,
        }
    }

    /// The report to show: the finished one, or the partial one during a run.
    pub fn shown(&self) -> Option<&Report> {
        self.report().or(self.live.as_deref())
    }

    /// Starts a run of `scenario` on a worker thread; `wake` is called after each message (to
    /// repaint the UI).
    pub fn start(&mut self, scenario: Scenario, wake: impl Fn() + Send + Sync + 'static) {
        if self.is_running() {
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel::<Msg>(CHANNEL_BOUND);
        let flag = Arc::clone(&cancel);
        let spawned =
            std::thread::Builder::new().name("gatesim-sim".into()).spawn(move || worker(&scenario, &flag, &tx, &wake));
        match spawned {
            Ok(_) => {
                self.previous = match std::mem::take(&mut self.state) {
                    RunState::Finished(r) | RunState::Cancelled(Some(r)) => Some(r),
                    _ => None,
                };
                self.state = RunState::Running { progress: 0.0, cancel };
                self.live = None;
                self.rx = Some(rx);
                self.version += 1;
            }
            Err(e) => self.state = RunState::Failed(format!("could not start the worker: {e}")),
        }
    }

    /// Shows a report produced elsewhere (the change of a "Check change") as the finished run.
    pub fn show(&mut self, report: Box<Report>) {
        self.cancel();
        self.state = RunState::Finished(report);
        self.previous = None;
        self.live = None;
        self.rx = None;
        self.version += 1;
    }

    /// Asks the running worker to stop.
    pub fn cancel(&self) {
        if let RunState::Running { cancel, .. } = &self.state {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Takes the worker's messages; returns true when the run ended in this call.
    pub fn poll(&mut self) -> bool {
        let Some(rx) = &self.rx else {
            return false;
        };
        loop {
            match rx.try_recv() {
                Ok(Msg::Progress(p)) => {
                    if let RunState::Running { progress, .. } = &mut self.state {
                        *progress = p as f32;
                    }
                }
                Ok(Msg::Partial(r)) => {
                    self.live = Some(r);
                    self.version += 1;
                }
                Ok(Msg::Done(result)) => {
                    self.state = match result {
                        Ok(r) => RunState::Finished(r),
                        Err(None) => RunState::Cancelled(self.previous.take()),
                        Err(Some(e)) => RunState::Failed(e),
                    };
                    self.previous = None;
                    self.live = None;
                    self.rx = None;
                    self.version += 1;
                    return true;
                }
                Err(TryRecvError::Empty) => return false,
                Err(TryRecvError::Disconnected) => {
                    self.state = RunState::Failed("the simulation worker stopped".into());
                    self.rx = None;
                    self.version += 1;
                    return true;
                }
            }
        }
    }

    /// Blocks until the run ends (tests and headless use; the UI polls instead).
    pub fn wait(&mut self) {
        while self.is_running() {
            if self.poll() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

fn worker(scenario: &Scenario, cancel: &AtomicBool, tx: &SyncSender<Msg>, wake: &(dyn Fn() + Sync)) {
    let send_lossy = |m: Msg| match tx.try_send(m) {
        Ok(()) => wake(),
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
    };
    let progress = |p: f64| send_lossy(Msg::Progress(p));
    let partial = |r: &Report| send_lossy(Msg::Partial(Box::new(r.clone())));
    let options =
        RunOptions { progress: Some(&progress), cancel: Some(cancel), partial: Some(&partial), ..Default::default() };
    let result = sim::run(scenario, &options).map(Box::new).map_err(|e| match e {
        RunError::Cancelled => None,
        e => Some(error_text(&e)),
    });
    // The final message must arrive: block until the UI takes it (or is gone).
    if tx.send(Msg::Done(result)).is_ok() {
        wake();
    }
}

/// A run's failure in a line.
fn error_text(e: &RunError) -> String {
    if let RunError::Invalid(problems) = e {
        let first = problems.first().map(|p| p.message.clone()).unwrap_or_default();
        format!("{} error(s) in the scenario: {first}", problems.len())
    } else {
        e.to_string()
    }
}

/// [`Job::title`] of a check.
pub const CHECK_TITLE: &str = "check";
/// [`Job::title`] of the counterfactuals.
pub const VARIANTS_TITLE: &str = "counterfactuals";
/// [`Job::title`] of the DR strategies.
pub const DR_TITLE: &str = "DR strategies";

/// Several runs the [`Batch`] worker makes one after the other.
#[derive(Clone, Debug)]
pub enum Job {
    /// The scenario as written, then each of its variants, on the same seed
    /// ([`crate::sim::run_variants`]).
    Variants(Box<Scenario>),
    /// A change checked before it is saved: `baseline` (the document without its config changes,
    /// [`crate::cli::check::baseline_of`]) then `change` (the document), on the same seed.
    Check {
        /// The document without its config changes.
        baseline: Box<Scenario>,
        /// The document as edited.
        change: Box<Scenario>,
    },
    /// The DR strategies of the scenario ([`crate::dr`], with [`DrOptions::default`]), one after
    /// the other in [`Strategy::ALL`]'s order, each faulted and steady-state run as
    /// [`crate::dr::table`] makes them (the same rows); a cancel takes effect between strategies.
    Dr(Box<Scenario>),
}

impl Job {
    /// The names of its runs, in order.
    pub fn steps(&self) -> Vec<String> {
        match self {
            Job::Variants(s) => {
                std::iter::once("as written".to_owned()).chain(s.variants.iter().map(|v| v.name.clone())).collect()
            }
            Job::Check { .. } => vec!["baseline".into(), "change".into()],
            Job::Dr(_) => Strategy::ALL.iter().map(|s| s.label().to_owned()).collect(),
        }
    }

    /// What it is, in a word or two (progress bars).
    pub fn title(&self) -> &'static str {
        match self {
            Job::Variants(_) => VARIANTS_TITLE,
            Job::Check { .. } => CHECK_TITLE,
            Job::Dr(_) => DR_TITLE,
        }
    }
}

/// What a finished [`Job`] produced.
#[derive(Debug)]
pub enum JobResult {
    /// The scenario as written and each variant, in file order.
    Variants(Vec<VariantRun>),
    /// The baseline's and the change's reports.
    Check {
        /// Without the config changes.
        baseline: Box<Report>,
        /// With them.
        change: Box<Report>,
    },
    /// Each strategy's row, in [`Strategy::ALL`]'s order.
    Dr(Vec<DrRow>),
}

/// Where a batch stands.
#[derive(Debug, Default)]
pub enum BatchState {
    /// Nothing under way (the last result, if any, was handed to the app).
    #[default]
    Idle,
    /// Runs under way.
    Running {
        /// `counterfactuals` or `check`.
        title: &'static str,
        /// The names of the runs, in order.
        steps: Vec<String>,
        /// The run under way (index into `steps`).
        step: usize,
        /// Fraction of that run done, 0 to 1.
        progress: f32,
        /// Set to stop.
        cancel: Arc<AtomicBool>,
    },
    /// The last batch could not finish (invalid scenario or variant, cancelled, worker lost).
    Failed {
        /// `counterfactuals` or `check`.
        title: &'static str,
        /// Why.
        why: String,
    },
}

enum BatchMsg {
    Progress { step: usize, fraction: f64 },
    Done(Result<JobResult, String>),
}

/// A second worker for jobs of several runs; the app takes the result when [`Batch::poll`]
/// returns it.
#[derive(Debug, Default)]
pub struct Batch {
    /// Where the batch stands.
    pub state: BatchState,
    rx: Option<Receiver<BatchMsg>>,
}

impl std::fmt::Debug for BatchMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchMsg")
    }
}

impl Batch {
    /// True while a job is under way.
    pub fn is_running(&self) -> bool {
        matches!(self.state, BatchState::Running { .. })
    }

    /// The fraction of the whole job done (0 to 1), while it runs.
    pub fn progress(&self) -> Option<f32> {
        match &self.state {
            BatchState::Running { steps, step, progress, .. } => {
                Some(((*step as f32 + progress) / steps.len().max(1) as f32).clamp(0.0, 1.0))
            }
            _ => None,
        }
    }

    /// `counterfactuals 2/5`, while it runs (the top bar).
    pub fn progress_count(&self) -> Option<String> {
        match &self.state {
            BatchState::Running { title, steps, step, .. } => Some(format!("{title} {}/{}", step + 1, steps.len())),
            _ => None,
        }
    }

    /// `counterfactuals 2/5: caught by check`, while it runs.
    pub fn progress_text(&self) -> Option<String> {
        match &self.state {
            BatchState::Running { title, steps, step, .. } => {
                let name = steps.get(*step).map(String::as_str).unwrap_or_default();
                Some(format!("{title} {}/{}: {name}", step + 1, steps.len()))
            }
            _ => None,
        }
    }

    /// Starts `job` on a worker thread unless one is under way; `wake` is called after each
    /// message.
    pub fn start(&mut self, job: Job, wake: impl Fn() + Send + Sync + 'static) {
        if self.is_running() {
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel::<BatchMsg>(CHANNEL_BOUND);
        let flag = Arc::clone(&cancel);
        let (title, steps) = (job.title(), job.steps());
        let spawned = std::thread::Builder::new()
            .name("gatesim-batch".into())
            .spawn(move || batch_worker(&job, &flag, &tx, &wake));
        match spawned {
            Ok(_) => {
                self.state = BatchState::Running { title, steps, step: 0, progress: 0.0, cancel };
                self.rx = Some(rx);
            }
            Err(e) => self.state = BatchState::Failed { title, why: format!("could not start the worker: {e}") },
        }
    }

    /// Asks the running worker to stop.
    pub fn cancel(&self) {
        if let BatchState::Running { cancel, .. } = &self.state {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Takes the worker's messages; returns the result when the job ended well in this call (a
    /// failure is left in [`Batch::state`]).
    pub fn poll(&mut self) -> Option<JobResult> {
        let rx = self.rx.as_ref()?;
        loop {
            match rx.try_recv() {
                Ok(BatchMsg::Progress { step: s, fraction }) => {
                    if let BatchState::Running { step, progress, .. } = &mut self.state {
                        (*step, *progress) = (s, fraction as f32);
                    }
                }
                Ok(BatchMsg::Done(result)) => {
                    self.rx = None;
                    let title = self.title();
                    return match result {
                        Ok(r) => {
                            self.state = BatchState::Idle;
                            Some(r)
                        }
                        Err(why) => {
                            self.state = BatchState::Failed { title, why };
                            None
                        }
                    };
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    self.rx = None;
                    self.state = BatchState::Failed { title: self.title(), why: "the worker stopped".into() };
                    return None;
                }
            }
        }
    }

    fn title(&self) -> &'static str {
        match &self.state {
            BatchState::Running { title, .. } | BatchState::Failed { title, .. } => title,
            BatchState::Idle => "batch",
        }
    }

    /// Blocks until the job ends and returns its result (tests and headless use).
    pub fn wait(&mut self) -> Option<JobResult> {
        while self.is_running() {
            if let Some(r) = self.poll() {
                return Some(r);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        None
    }
}

fn batch_worker(job: &Job, cancel: &AtomicBool, tx: &SyncSender<BatchMsg>, wake: &(dyn Fn() + Sync)) {
    let send_lossy = |m: BatchMsg| match tx.try_send(m) {
        Ok(()) => wake(),
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
    };
    let result = match job {
        Job::Variants(scenario) => {
            // `run_variants` reports each run's progress from 0 to 1 through one callback: a
            // fraction far below the last one is the next run starting (within a run, replicates
            // on other threads reorder fractions by a few hundredths at most). The lock makes
            // two threads seeing that drop count it once.
            let seen = Mutex::new((0usize, 0.0f64));
            let progress = |p: f64| {
                let step = match seen.lock() {
                    Ok(mut g) => {
                        if p + 0.5 < g.1 {
                            g.0 += 1;
                        }
                        g.1 = p;
                        g.0
                    }
                    Err(_) => return,
                };
                send_lossy(BatchMsg::Progress { step, fraction: p });
            };
            let options = RunOptions { progress: Some(&progress), cancel: Some(cancel), ..Default::default() };
            sim::run_variants(scenario, &options).map(JobResult::Variants).map_err(|e| match e {
                VariantError::Run(e) => error_text(&e),
                VariantError::Apply(why) => why,
            })
        }
        Job::Check { baseline, change } => {
            let run = |step: usize, s: &Scenario| {
                let progress = |p: f64| send_lossy(BatchMsg::Progress { step, fraction: p });
                let options = RunOptions { progress: Some(&progress), cancel: Some(cancel), ..Default::default() };
                sim::run(s, &options).map(Box::new).map_err(|e| {
                    if step == 0 && !matches!(e, RunError::Cancelled) {
                        format!("the baseline (without the changes): {}", error_text(&e))
                    } else {
                        error_text(&e)
                    }
                })
            };
            run(0, baseline).and_then(|b| Ok(JobResult::Check { baseline: b, change: run(1, change)? }))
        }
        Job::Dr(scenario) => {
            let progress = |step: usize, fraction: f64| send_lossy(BatchMsg::Progress { step, fraction });
            dr_rows(scenario, cancel, &progress).map(JobResult::Dr)
        }
    };
    if tx.send(BatchMsg::Done(result)).is_ok() {
        wake();
    }
}

/// The DR table of `s`, one strategy at a time (see [`Job::Dr`]): every strategy is built and
/// validated before the first run, so a design the strategies cannot be applied to fails at once.
fn dr_rows(s: &Scenario, cancel: &AtomicBool, progress: &(dyn Fn(usize, f64) + Sync)) -> Result<Vec<DrRow>, String> {
    use crate::model::validate::{Severity, validate};
    let o = DrOptions::default();
    let mut built = Vec::new();
    for st in Strategy::ALL {
        let sc = dr::apply(s, st, &o).map_err(|e| e.to_string())?;
        let errors: Vec<String> = validate(&sc, None)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| format!("{}{}", p.node.map(|n| format!("{n}: ")).unwrap_or_default(), p.message))
            .collect();
        if let Some(first) = errors.first() {
            return Err(format!("{st}: the scenario built for it is invalid: {first}"));
        }
        built.push((st, sc));
    }
    let mut rows = Vec::new();
    for (i, one) in built.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err("cancelled".into());
        }
        let step = |f: f64| progress(i, f);
        rows.extend(dr::measure(std::slice::from_ref(one), &o, Some(&step)).map_err(|e| e.to_string())?);
    }
    Ok(rows)
}
