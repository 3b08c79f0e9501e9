//! The runs: one simulation on the runner, counterfactuals and "Check change" on the batch
//! worker, and a finished batch's result taken into the panels.

use super::{App, BottomTab};
use crate::gui::compare;
use crate::gui::counterfactuals::Counterfactuals;
use crate::gui::run::{BatchState, Job, JobResult};

impl App {
    /// Runs the document; with nothing to simulate (no clients, or clients linked to nothing),
    /// says what to add instead, in validation's words.
    pub(in crate::gui) fn start_run(&mut self, ctx: &egui::Context) {
        if self.batch.is_running() {
            return;
        }
        if let Some(why) = crate::gui::empty_state::cannot_run(self.doc.scenario()) {
            self.status = Some((why, true));
            return;
        }
        let ctx = ctx.clone();
        self.scrub = None;
        self.runner.start(self.doc.scenario().clone(), move || ctx.request_repaint());
    }

    /// Runs the scenario as written and each of its variants on the batch worker.
    pub(in crate::gui) fn start_counterfactuals(&mut self, ctx: &egui::Context) {
        self.bottom_tab = BottomTab::Counterfactuals;
        if self.is_busy() {
            return;
        }
        if self.doc.scenario().variants.is_empty() {
            self.counterfactuals_failed = Some("This scenario has no variants to run.".into());
            return;
        }
        self.counterfactuals_failed = None;
        let ctx = ctx.clone();
        self.batch.start(Job::Variants(Box::new(self.doc.scenario().clone())), move || ctx.request_repaint());
    }

    /// "Check change": the document without its config changes, then with them, on the batch
    /// worker; or a note saying there is nothing to check.
    pub(in crate::gui) fn start_check(&mut self, ctx: &egui::Context) {
        self.bottom_tab = BottomTab::Compare;
        if self.is_busy() {
            return;
        }
        match compare::check_job(self.doc.scenario()) {
            Ok(job) => {
                self.check_note = None;
                self.compare_caption = Some(compare::check_caption(self.doc.scenario()));
                let ctx = ctx.clone();
                self.batch.start(job, move || ctx.request_repaint());
            }
            Err(why) => self.check_note = Some(why),
        }
    }

    /// Takes a finished batch's result into the panels.
    pub(super) fn poll_batch(&mut self) {
        match self.batch.poll() {
            Some(JobResult::Variants(runs)) => {
                let rows = runs.iter().map(|r| crate::report::run_row(&r.name, &r.description, &r.report)).collect();
                self.counterfactuals = Some(Counterfactuals::new(rows, self.doc_key()));
                self.counterfactuals_failed = None;
            }
            Some(JobResult::Check { baseline, change }) => {
                self.baseline = Some(baseline);
                self.scrub = None;
                self.runner.show(change);
            }
            Some(JobResult::Dr(rows)) => {
                let priced = self.doc.scenario().business.is_some();
                self.dr = Some(crate::gui::dr::DrResults::new(rows, priced, self.doc_key()));
                self.dr_failed = None;
            }
            None => {
                if let BatchState::Failed { title, why } = &self.batch.state {
                    let why = why.clone();
                    if *title == crate::gui::run::CHECK_TITLE {
                        self.check_note = Some(format!("The check did not finish: {why}"));
                        self.compare_caption = None;
                    } else if *title == crate::gui::run::DR_TITLE {
                        self.dr_failed = Some(format!("The DR strategies did not finish: {why}"));
                    } else {
                        self.counterfactuals_failed = Some(format!("The counterfactuals did not finish: {why}"));
                    }
                    self.batch.state = BatchState::Idle;
                }
            }
        }
    }
}
