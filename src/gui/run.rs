//! Runs the simulation on a named worker thread and streams progress and partial reports back.
//!
//! The worker calls [`crate::sim::run`], nothing else: the GUI holds no simulation logic. Messages
//! travel over a bounded channel; progress and partial reports are dropped when it is full (the
//! next one supersedes them), the final result always arrives.

use crate::model::Scenario;
use crate::report::Report;
use crate::sim::{self, RunError, RunOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};

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
    /// The last run could not finish (invalid scenario, cancelled, worker lost).
    Failed(String),
}

enum Msg {
    Progress(f64),
    Partial(Box<Report>),
    Done(Result<Box<Report>, String>),
}

/// The run state, the worker's channel and the latest partial report.
#[derive(Debug, Default)]
pub struct Runner {
    /// Where the run stands.
    pub state: RunState,
    /// During a run: replicate 0 so far (for live charts).
    pub live: Option<Box<Report>>,
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

    /// The finished report, if the last run finished.
    pub fn report(&self) -> Option<&Report> {
        match &self.state {
            RunState::Finished(r) => Some(r),
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
                self.state = RunState::Running { progress: 0.0, cancel };
                self.live = None;
                self.rx = Some(rx);
                self.version += 1;
            }
            Err(e) => self.state = RunState::Failed(format!("could not start the worker: {e}")),
        }
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
                        Err(e) => RunState::Failed(e),
                    };
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
        RunError::Invalid(problems) => {
            let first = problems.first().map(|p| p.message.clone()).unwrap_or_default();
            format!("{} error(s) in the scenario: {first}", problems.len())
        }
        RunError::Cancelled => "cancelled".into(),
    });
    // The final message must arrive: block until the UI takes it (or is gone).
    if tx.send(Msg::Done(result)).is_ok() {
        wake();
    }
}
