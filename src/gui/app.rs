//! The application: owns the document, the runner and the view state, lays out the panels, and
//! applies every [`Command`] in one place ([`App::apply`]).

use super::actions::{Palette, UiCommand};
use super::canvas::{self, CanvasState, Selection};
use super::commands::{Command, Document};
use super::compare;
use super::counterfactuals::Counterfactuals;
use super::files::{self, Dialog, DialogKind, Recovery, Slot, Store};
use super::inspector::{self, InspectorState};
use super::overlay::{self, Overlay};
use super::run::{Batch, BatchState, Job, JobResult, Runner};
use super::timeline::{self, TimelineState};
use super::{layout, palette, regions, theme};
use crate::model::{Link, Node, Scenario, UtcTime};
use crate::report::Report;
use egui::Ui;
use std::path::{Path, PathBuf};

/// How the app starts.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// The scenario to open; None opens the bundled example.
    pub file: Option<PathBuf>,
    /// Where autosave, recovery and recent files live; None: [`files::data_dir`].
    pub data_dir: Option<PathBuf>,
    /// Run the scenario once at start (for screenshots and demos; env `GATESIM_AUTORUN=1`).
    pub autorun: bool,
}

impl AppOptions {
    /// Options from the environment: `GATESIM_AUTORUN=1` runs the scenario at start;
    /// `GATESIM_FILE=path` opens that scenario instead of the bundled example.
    pub fn from_env() -> Self {
        AppOptions {
            autorun: std::env::var("GATESIM_AUTORUN").is_ok_and(|v| v == "1"),
            file: std::env::var_os("GATESIM_FILE").filter(|f| !f.is_empty()).map(PathBuf::from),
            ..Default::default()
        }
    }
}

/// The gatesim desktop app.
#[derive(Debug)]
pub struct App {
    pub(super) doc: Document,
    pub(super) canvas: CanvasState,
    pub(super) inspector: InspectorState,
    pub(super) runner: Runner,
    /// Jobs of several runs: counterfactuals, "Check change".
    pub(super) batch: Batch,
    pub(super) baseline: Option<Box<Report>>,
    /// What the comparison panel compares, when "Check change" filled it.
    pub(super) compare_caption: Option<String>,
    /// Why the last "Check change" did not run (nothing to check, a failed run).
    pub(super) check_note: Option<String>,
    /// The last counterfactuals run.
    pub(super) counterfactuals: Option<Counterfactuals>,
    /// Why the last counterfactuals did not finish.
    pub(super) counterfactuals_failed: Option<String>,
    /// The last DR strategies table.
    pub(super) dr: Option<super::dr::DrResults>,
    /// Why the last DR strategies did not finish.
    pub(super) dr_failed: Option<String>,
    /// The tab shown at the bottom right.
    pub(super) bottom_tab: BottomTab,
    /// Increments when the document is replaced (with `Document::generation`, it tells whether
    /// results still describe the document).
    doc_serial: u64,
    pub(super) palette: Palette,
    pub(super) dialog: Option<Dialog>,
    pub(super) store: Store,
    /// This window's recovery slot (its lock, and its autosave while the document is unsaved).
    pub(super) slot: Option<Slot>,
    /// Unsaved work of windows that are gone, offered at start.
    pub(super) recoveries: Vec<Recovery>,
    /// Recovery files that could not be read (shown with the offer).
    pub(super) recovery_problems: Vec<String>,
    /// The recovery prompt is shown.
    pub(super) recovery_prompt: bool,
    /// The document was restored from an autosave of this file: the first Save to it asks.
    pub(super) restored: Option<Restored>,
    /// "Save the restored work to its file?" is shown.
    pub(super) save_prompt: bool,
    pub(super) clipboard: Option<(Vec<Node>, Vec<Link>)>,
    pub(super) scrub: Option<usize>,
    pub(super) timeline: TimelineState,
    pub(super) last_autosave_s: f64,
    pub(super) status: Option<(String, bool)>,
    pub(super) close_prompt: bool,
    pub(super) allow_close: bool,
    pub(super) autorun: bool,
    pub(super) themed: bool,
    pub(super) overlay: OverlayCache,
    /// Print "gatesim: run finished" when the autorun's run ends (for scripts).
    announce_finish: bool,
}

/// A document restored from an autosave, bound to its file but not yet saved to it.
#[derive(Clone, Debug)]
pub(super) struct Restored {
    /// The file it belongs to.
    pub(super) path: PathBuf,
    /// When it was autosaved.
    pub(super) saved_at: UtcTime,
}

/// The tabs at the bottom right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BottomTab {
    /// Baseline versus change, and the check verdict.
    #[default]
    Compare,
    /// The scenario as written and its variants.
    Counterfactuals,
    /// The DR strategies applied to the design.
    Dr,
}

/// The canvas overlay and what it was computed from (document generation, scrubbed bucket,
/// report version).
#[derive(Debug, Default)]
pub(super) struct OverlayCache {
    key: Option<(u64, Option<usize>, u64)>,
    value: Overlay,
}

/// Lays out nodes that have no canvas position (all of them, layered, if any lacks one).
fn with_positions(mut scenario: Scenario) -> Scenario {
    if scenario.topology.nodes.iter().any(|n| n.pos().is_none()) {
        let pos = layout::layered(&scenario.topology);
        for (n, p) in scenario.topology.nodes.iter_mut().zip(pos) {
            n.set_pos(Some(p));
        }
    }
    scenario
}

impl App {
    /// The app, with its file opened (or the example), its recovery slot taken, and the unsaved
    /// work of windows that are gone offered.
    pub fn new(options: AppOptions) -> Self {
        let store = Store::new(options.data_dir.clone().or_else(files::data_dir));
        let (scenario, path, status) = match &options.file {
            Some(p) => match files::open(p) {
                Ok(s) => (s, Some(p.clone()), None),
                Err(e) => {
                    let (s, path) = files::default_example();
                    (s, path, Some((e.to_string(), true)))
                }
            },
            None => {
                let (s, p) = files::default_example();
                (s, p, None)
            }
        };
        let scan = store.orphans();
        let (slot, slot_error) = match store.claim(path.as_deref()) {
            Ok(slot) => (slot, None),
            Err(e) => (None, Some(format!("autosave is off: {e}"))),
        };
        let status = status
            .or_else(|| (!scan.problems.is_empty()).then(|| (scan.problems.join("; "), true)))
            .or(slot_error.map(|e| (e, true)));
        App {
            doc: Document::new(with_positions(scenario), path),
            canvas: CanvasState::default(),
            inspector: InspectorState::default(),
            runner: Runner::default(),
            batch: Batch::default(),
            baseline: None,
            compare_caption: None,
            check_note: None,
            counterfactuals: None,
            counterfactuals_failed: None,
            dr: None,
            dr_failed: None,
            bottom_tab: BottomTab::default(),
            doc_serial: 0,
            palette: Palette::default(),
            dialog: None,
            store,
            slot,
            recovery_prompt: !scan.offers.is_empty(),
            recoveries: scan.offers,
            recovery_problems: scan.problems,
            restored: None,
            save_prompt: false,
            clipboard: None,
            scrub: None,
            timeline: TimelineState::default(),
            last_autosave_s: 0.0,
            status,
            close_prompt: false,
            allow_close: false,
            autorun: options.autorun,
            themed: false,
            overlay: OverlayCache::default(),
            announce_finish: options.autorun,
        }
    }

    /// The document (tests read it).
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The run state (tests read it).
    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    /// The pinned baseline report, if any.
    pub fn baseline(&self) -> Option<&Report> {
        self.baseline.as_deref()
    }

    /// The batch worker's state (counterfactuals, "Check change").
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// The last counterfactuals: the library's rows, the scenario as written first.
    pub fn counterfactuals(&self) -> Option<&Counterfactuals> {
        self.counterfactuals.as_ref()
    }

    /// The last DR strategies table.
    pub fn dr(&self) -> Option<&super::dr::DrResults> {
        self.dr.as_ref()
    }

    /// The tab shown at the bottom right.
    pub fn bottom_tab(&self) -> BottomTab {
        self.bottom_tab
    }

    /// Identifies the document as it stands: changes with every edit and every replacement.
    pub(super) fn doc_key(&self) -> (u64, u64) {
        (self.doc_serial, self.doc.generation)
    }

    /// True while any simulation runs (one at a time).
    pub fn is_busy(&self) -> bool {
        self.runner.is_running() || self.batch.is_running()
    }

    /// The canvas view (tests use it to find nodes on screen).
    pub fn canvas(&self) -> &CanvasState {
        &self.canvas
    }

    /// Blocks until the running simulation ends (tests).
    pub fn wait_for_run(&mut self) {
        self.runner.wait();
    }

    /// Applies a document change: the one place the scenario is changed.
    pub fn apply(&mut self, command: Command, merge: Option<u64>) {
        if let Command::RenameNode { old, new } = &command
            && self.canvas.selection.nodes.remove(old)
        {
            self.canvas.selection.nodes.insert(new.clone());
        }
        if matches!(command, Command::RemoveLink(_) | Command::RemoveNodes(_) | Command::RemoveEvent(_)) {
            self.canvas.selection = Selection::default();
        }
        self.doc.apply(command, merge);
        self.prune_selection();
    }

    /// Drops selected names that no longer exist, and a link selection whose index no longer
    /// points at the same link (after undo, redo or removals).
    fn prune_selection(&mut self) {
        let topo = &self.doc.scenario().topology;
        self.canvas.selection.nodes.retain(|n| topo.node(n).is_some());
        if self.canvas.selection.link.is_some_and(|l| l >= topo.links.len()) {
            self.canvas.selection.link = None;
        }
        if self.canvas.selection.event.is_some_and(|e| e >= self.doc.scenario().timeline.len()) {
            self.canvas.selection.event = None;
        }
    }

    /// The name of the selected timeline entry.
    fn selected_event_name(&self) -> Option<String> {
        let i = self.canvas.selection.event?;
        self.doc.scenario().timeline.get(i).map(|e| e.name().to_owned())
    }

    /// After undo or redo: a selected entry stays selected only if its index still holds it.
    fn keep_event_selection(&mut self, before: Option<String>) {
        if self.selected_event_name() != before {
            self.canvas.selection.event = None;
        }
    }

    /// The unsaved work of other sessions offered (at start, or from the File menu).
    pub fn recoveries(&self) -> &[Recovery] {
        &self.recoveries
    }

    /// This window's recovery slot, if autosave is on.
    pub fn recovery_slot(&self) -> Option<&Slot> {
        self.slot.as_ref()
    }

    /// The message in the top bar, and whether it reports a problem.
    pub fn status(&self) -> Option<(&str, bool)> {
        self.status.as_ref().map(|(m, bad)| (m.as_str(), *bad))
    }

    /// Looks again for the unsaved work of windows that are gone, and shows the prompt.
    pub fn offer_recoveries(&mut self) {
        let scan = self.store.orphans();
        if scan.offers.is_empty() && scan.problems.is_empty() {
            self.status = Some(("No unsaved work from other sessions".into(), false));
        }
        self.recovery_prompt = !scan.offers.is_empty();
        self.recoveries = scan.offers;
        self.recovery_problems = scan.problems;
    }

    /// Restores offered work `index`: its slot becomes this window's, and its scenario the
    /// document, unsaved and bound to the file it belongs to (the first Save to it asks first).
    pub fn restore_recovery(&mut self, index: usize) -> Result<(), String> {
        let Some(rec) = self.recoveries.get(index) else {
            return Err("no such unsaved work".into());
        };
        if self.doc.is_dirty() {
            return Err("Save or undo the changes first: restoring replaces the document".into());
        }
        let slot = match self.store.adopt(rec) {
            Ok(slot) => slot,
            Err(e) => {
                self.recoveries.remove(index);
                return Err(e);
            }
        };
        let rec = self.recoveries.remove(index);
        if let Some(old) = self.slot.replace(slot) {
            old.release();
        }
        self.replace_document(rec.scenario.clone(), rec.path.clone());
        self.doc.forget_saved();
        self.restored = rec.path.clone().map(|path| Restored { path, saved_at: rec.saved_at });
        self.recovery_prompt = false;
        let more = match self.recoveries.len() {
            0 => String::new(),
            n => format!("; {n} more in File > Unsaved work from other sessions"),
        };
        self.status = Some((
            format!("Restored unsaved work of {} autosaved {}, not saved yet{more}", rec.document(), rec.saved_at),
            false,
        ));
        Ok(())
    }

    /// Deletes offered work `index` (unless a live window has taken it since).
    pub fn discard_recovery(&mut self, index: usize) -> Result<(), String> {
        if index >= self.recoveries.len() {
            return Err("no such unsaved work".into());
        }
        let rec = self.recoveries.remove(index);
        if self.recoveries.is_empty() {
            self.recovery_prompt = false;
        }
        self.store.discard(&rec)
    }

    /// A clean exit: deletes this window's own recovery file and lock, nothing else.
    pub fn exit_cleanly(&mut self) {
        if let Some(slot) = self.slot.take() {
            slot.release();
        }
    }

    /// Moves the window's recovery slot to the document at `path` (None: untitled): the old
    /// slot's files are deleted, a new lock taken.
    fn rebind_slot(&mut self, path: Option<&Path>) {
        if let Some(old) = self.slot.take() {
            old.release();
        }
        match self.store.claim(path) {
            Ok(slot) => self.slot = slot,
            Err(e) => self.status = Some((format!("autosave is off: {e}"), true)),
        }
    }

    /// Replaces the document (New, Open): not undoable, the old one was saved or discarded by
    /// choice; the recovery slot moves to the new document.
    pub(super) fn replace(&mut self, scenario: Scenario, path: Option<PathBuf>) {
        self.rebind_slot(path.as_deref());
        self.replace_document(scenario, path);
    }

    /// Replaces the document, leaving the recovery slot as it is.
    fn replace_document(&mut self, scenario: Scenario, path: Option<PathBuf>) {
        self.restored = None;
        self.save_prompt = false;
        self.doc = Document::new(with_positions(scenario), path);
        self.doc_serial += 1;
        self.canvas.selection = Selection::default();
        self.canvas.fit_requested = true;
        self.runner.cancel();
        self.runner = Runner::default();
        self.batch.cancel();
        self.batch = Batch::default();
        self.scrub = None;
        self.counterfactuals = None;
        self.counterfactuals_failed = None;
        self.dr = None;
        self.dr_failed = None;
        self.check_note = None;
        self.compare_caption = None;
    }

    /// Opens a variant of the document as a new, unsaved document (the counterfactuals table
    /// stays, marked as describing another document).
    pub(super) fn open_variant(&mut self, name: &str) {
        if self.doc.is_dirty() {
            self.status =
                Some(("Save or undo the changes first: opening a variant replaces the document".into(), true));
            return;
        }
        match self.doc.scenario().variant(name) {
            Ok(s) => {
                let kept = self.counterfactuals.take();
                self.replace(s, None);
                self.doc.forget_saved();
                self.counterfactuals = kept;
                self.status = Some((format!("Opened the variant \"{name}\" (unsaved)"), false));
            }
            Err(e) => self.status = Some((e, true)),
        }
    }

    /// Opens a file into the editor.
    pub fn open(&mut self, path: PathBuf) -> Result<(), String> {
        let s = files::open(&path).map_err(|e| e.to_string())?;
        self.store.remember(&path);
        self.replace(s, Some(path));
        Ok(())
    }

    /// Saves to `path` atomically; the recovery slot follows the document to `path`.
    pub fn save_to(&mut self, path: PathBuf) -> Result<(), String> {
        crate::model::load::save(self.doc.scenario(), &path).map_err(|e| e.to_string())?;
        self.store.remember(&path);
        self.restored = None;
        self.save_prompt = false;
        self.status = Some((format!("Saved {}", path.display()), false));
        let target = files::document_path(&path);
        match &mut self.slot {
            Some(slot) if slot.path() == Some(target.as_path()) => slot.clear(),
            _ => self.rebind_slot(Some(&path)),
        }
        self.doc.mark_saved(path);
        Ok(())
    }

    /// Save: to the document's file (after asking, the first time, for work restored from an
    /// autosave), or Save As for an untitled document.
    pub(super) fn save(&mut self) {
        match self.doc.path.clone() {
            Some(p) if self.restored.as_ref().is_some_and(|r| r.path == p) => self.save_prompt = true,
            Some(p) => {
                if let Err(e) = self.save_to(p) {
                    self.status = Some((e, true));
                }
            }
            None => self.dispatch(UiCommand::SaveAs),
        }
    }

    pub(super) fn start_run(&mut self, ctx: &egui::Context) {
        if self.batch.is_running() {
            return;
        }
        let ctx = ctx.clone();
        self.scrub = None;
        self.runner.start(self.doc.scenario().clone(), move || ctx.request_repaint());
    }

    /// Runs the scenario as written and each of its variants on the batch worker.
    pub(super) fn start_counterfactuals(&mut self, ctx: &egui::Context) {
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
    pub(super) fn start_check(&mut self, ctx: &egui::Context) {
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
    fn poll_batch(&mut self) {
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
                self.dr = Some(super::dr::DrResults::new(rows, priced, self.doc_key()));
                self.dr_failed = None;
            }
            None => {
                if let BatchState::Failed { title, why } = &self.batch.state {
                    let why = why.clone();
                    if *title == super::run::CHECK_TITLE {
                        self.check_note = Some(format!("The check did not finish: {why}"));
                        self.compare_caption = None;
                    } else if *title == super::run::DR_TITLE {
                        self.dr_failed = Some(format!("The DR strategies did not finish: {why}"));
                    } else {
                        self.counterfactuals_failed = Some(format!("The counterfactuals did not finish: {why}"));
                    }
                    self.batch.state = BatchState::Idle;
                }
            }
        }
    }

    /// Performs a user action (from a menu, a shortcut or the palette).
    pub fn dispatch_in(&mut self, ctx: &egui::Context, action: UiCommand) {
        match action {
            UiCommand::Run => self.start_run(ctx),
            UiCommand::RunCounterfactuals => self.start_counterfactuals(ctx),
            UiCommand::CheckChange => self.start_check(ctx),
            UiCommand::RunDr => self.start_dr(ctx),
            other => self.dispatch(other),
        }
    }

    /// Performs a user action that needs no context.
    pub fn dispatch(&mut self, action: UiCommand) {
        let sel = self.canvas.selection.clone();
        match action {
            UiCommand::New => self.replace(files::empty_scenario(), None),
            UiCommand::Open => {
                self.dialog = Some(Dialog::new(DialogKind::Open, String::new()));
            }
            UiCommand::SaveAs => {
                let p =
                    self.doc.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "untitled.ron".into());
                self.dialog = Some(Dialog::new(DialogKind::SaveAs, p));
            }
            UiCommand::Save => self.save(),
            UiCommand::Examples => {
                self.dialog = Some(Dialog::new(DialogKind::Examples, String::new()));
            }
            UiCommand::Undo => {
                let event = self.selected_event_name();
                self.doc.undo();
                self.canvas.selection.link = None;
                self.keep_event_selection(event);
                self.prune_selection();
            }
            UiCommand::Redo => {
                let event = self.selected_event_name();
                self.doc.redo();
                self.canvas.selection.link = None;
                self.keep_event_selection(event);
                self.prune_selection();
            }
            // These need the context (a worker wakes the UI): see `dispatch_in`.
            UiCommand::Run | UiCommand::RunCounterfactuals | UiCommand::CheckChange | UiCommand::RunDr => {}
            UiCommand::Cancel => {
                self.runner.cancel();
                self.batch.cancel();
            }
            UiCommand::Delete => {
                if let Some(l) = sel.link {
                    self.apply(Command::RemoveLink(l), None);
                } else if let Some(e) = sel.event.filter(|_| sel.nodes.is_empty()) {
                    self.apply(Command::RemoveEvent(e), None);
                } else if !sel.nodes.is_empty() {
                    self.apply(Command::RemoveNodes(sel.nodes.into_iter().collect()), None);
                }
            }
            UiCommand::Copy => self.clipboard = Some(self.copied(&sel)),
            UiCommand::Paste => {
                if let Some((nodes, links)) = self.clipboard.clone() {
                    self.paste(nodes, links);
                }
            }
            UiCommand::Duplicate => {
                let (nodes, links) = self.copied(&sel);
                self.paste(nodes, links);
            }
            UiCommand::SelectAll => {
                self.canvas.selection = Selection {
                    nodes: self.doc.scenario().topology.nodes.iter().map(|n| n.name().to_owned()).collect(),
                    ..Default::default()
                };
            }
            UiCommand::AutoLayout => {
                let topo = &self.doc.scenario().topology;
                let positions =
                    topo.nodes.iter().zip(layout::layered(topo)).map(|(n, p)| (n.name().to_owned(), p)).collect();
                self.apply(Command::SetPositions(positions), None);
                self.canvas.fit_requested = true;
            }
            UiCommand::FitView => self.canvas.fit_requested = true,
            UiCommand::PinBaseline => {
                if let Some(r) = self.runner.report() {
                    self.baseline = Some(Box::new(r.clone()));
                    self.compare_caption = None;
                    self.check_note = None;
                }
            }
            UiCommand::CommandPalette => self.palette.open = true,
            UiCommand::AddNode(kind) => {
                let base = match kind {
                    crate::model::NodeKind::Clients => "clients",
                    crate::model::NodeKind::Gateway => "gateway",
                    crate::model::NodeKind::LoadBalancer => "lb",
                    crate::model::NodeKind::Service => "service",
                    crate::model::NodeKind::Dns => "dns",
                    crate::model::NodeKind::DataStore => "store",
                };
                let name = super::commands::free_name(self.doc.scenario(), base);
                let mut node = Node::with_defaults(kind, name.clone());
                node.set_pos(Some(self.free_spot()));
                self.apply(Command::AddNode(node), None);
                self.canvas.selection = Selection::only(&name);
            }
        }
    }

    /// A grid-snapped spot near the view's centre that no node occupies.
    fn free_spot(&self) -> [f32; 2] {
        let [cx, cy] = self.canvas.view_centre();
        let step = theme::GRID_STEP;
        let snap = |v: f32| (v / step).round() * step;
        let taken = |x: f32, y: f32| {
            self.doc.scenario().topology.nodes.iter().any(|n| {
                let [nx, ny] = n.pos().unwrap_or_default();
                (nx - x).abs() < theme::NODE_SIZE[0] && (ny - y).abs() < theme::NODE_SIZE[1] + 10.0
            })
        };
        let (x, mut y) = (snap(cx - theme::NODE_SIZE[0] / 2.0), snap(cy));
        for _ in 0..50 {
            if !taken(x, y) {
                break;
            }
            y += 80.0;
        }
        [x, y]
    }

    /// The selected nodes and the links among them.
    fn copied(&self, sel: &Selection) -> (Vec<Node>, Vec<Link>) {
        let topo = &self.doc.scenario().topology;
        let nodes: Vec<Node> = topo.nodes.iter().filter(|n| sel.nodes.contains(n.name())).cloned().collect();
        let links =
            topo.links.iter().filter(|l| sel.nodes.contains(&l.from) && sel.nodes.contains(&l.to)).cloned().collect();
        (nodes, links)
    }

    /// Inserts copies with fresh names (links, routes and rules among them follow), offset on the
    /// canvas, and selects them.
    fn paste(&mut self, nodes: Vec<Node>, links: Vec<Link>) {
        if nodes.is_empty() {
            return;
        }
        let mut temp = crate::model::Topology { nodes, links, ..Default::default() };
        let originals: Vec<String> = temp.nodes.iter().map(|n| n.name().to_owned()).collect();
        let mut chosen: Vec<String> = Vec::new();
        for old in &originals {
            let scenario = self.doc.scenario();
            let new = (2..)
                .map(|i| format!("{old}-{i}"))
                .find(|n| scenario.topology.node(n).is_none() && temp.node(n).is_none() && !chosen.contains(n))
                .unwrap_or_else(|| format!("{old}-copy"));
            temp.rename(old, &new);
            chosen.push(new);
        }
        for n in &mut temp.nodes {
            let [x, y] = n.pos().unwrap_or_default();
            n.set_pos(Some([x + 40.0, y + 40.0]));
        }
        self.apply(Command::Insert { nodes: temp.nodes, links: temp.links }, None);
        self.canvas.selection = Selection { nodes: chosen.into_iter().collect(), ..Default::default() };
    }

    /// Brings the canvas overlay up to date with the document, the scrubber and the report.
    fn update_overlay(&mut self) {
        let key = (self.doc.generation, self.scrub, self.runner.version());
        if self.overlay.key != Some(key) {
            self.overlay.value = match self.runner.shown() {
                Some(r) => overlay::overlay(r, self.doc.scenario(), self.scrub),
                None => Overlay::default(),
            };
            self.overlay.key = Some(key);
        }
    }

    /// The whole window, one frame. eframe calls it through `eframe::App::ui`; tests call it from
    /// an egui_kittest harness.
    pub fn ui_root(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if !self.themed {
            theme::apply(&ctx);
            self.themed = true;
        }
        if self.autorun {
            self.autorun = false;
            self.start_run(&ctx);
        }
        if self.runner.poll() && self.announce_finish {
            self.announce_finish = false;
            println!("gatesim: run finished");
        }
        self.poll_batch();
        self.autosave(&ctx);
        self.shortcuts(&ctx);
        self.close_guard(&ctx);

        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar_ui(ui));
        let bottom_h = 96.0 + timeline::height(self.doc.scenario()) + 190.0;
        egui::Panel::bottom("bottom").resizable(true).default_size(bottom_h).show(ui, |ui| self.bottom_ui(ui));
        egui::Panel::left("left").resizable(true).default_size(190.0).show(ui, |ui| {
            let out = palette::left_panel_ui(ui, self.doc.scenario(), &self.canvas.selection);
            if let Some(kind) = out.add {
                self.dispatch(UiCommand::AddNode(kind));
            }
            if let Some(name) = out.select {
                self.canvas.selection = Selection::only(&name);
            }
            if let Some(index) = out.select_event {
                self.canvas.selection = Selection::event(index);
            }
        });
        egui::Panel::right("right").resizable(true).default_size(340.0).max_size(520.0).show(ui, |ui| {
            let edits = inspector::inspector_ui(
                ui,
                &self.doc,
                &self.canvas.selection,
                &mut self.inspector,
                self.runner.report(),
            );
            for (c, merge) in edits {
                self.apply(c, merge);
            }
            if let Some(index) = self.inspector.select_event.take() {
                self.canvas.selection = Selection::event(index);
            }
        });
        self.update_overlay();
        self.canvas.caption =
            self.runner.shown().zip(self.scrub).and_then(|(r, b)| Some((r, timeline::bucket_time(r, b)?))).map(
                |(r, t)| {
                    format!("{} (double-click the timeline ruler for the whole run)", timeline::scrub_caption(r, t))
                },
            );
        // Regions a region fault has down (or cut off) at the scrubbed time.
        let shown = self.runner.shown();
        self.canvas.regions = match shown.zip(self.scrub).and_then(|(r, b)| timeline::bucket_time(r, b)) {
            Some(t) => regions::marks_at(self.doc.scenario(), regions::log_of(shown), t),
            None => regions::RegionMarks::new(),
        };
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let doc = &self.doc;
            let commands = canvas::canvas_ui(
                ui,
                doc.scenario(),
                doc.problems(),
                doc.edited_nodes(),
                &self.overlay.value,
                &mut self.canvas,
            );
            for c in commands {
                self.apply(c, None);
            }
        });
        self.modals_ui(&ctx);
        // A gesture ends when nothing is dragged and no field has the keyboard.
        if ctx.dragged_id().is_none() && !ctx.egui_wants_keyboard_input() {
            self.doc.end_gesture();
        }
    }

    fn autosave(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        if self.doc.is_dirty() && now - self.last_autosave_s >= files::AUTOSAVE_EVERY_S {
            self.last_autosave_s = now;
            self.autosave_now();
        } else if !self.doc.is_dirty()
            && let Some(slot) = &mut self.slot
            && slot.is_written()
        {
            // Back to the saved state (undo): nothing to recover.
            slot.clear();
        }
        ctx.request_repaint_after(std::time::Duration::from_secs_f64(files::AUTOSAVE_EVERY_S));
    }

    /// Writes the document to this window's recovery file; takes a fresh slot first if the lock
    /// was lost (another window took it over as stale: that file is left to it).
    fn autosave_now(&mut self) {
        if self.slot.as_ref().is_none_or(Slot::is_lost) {
            let path = self
                .slot
                .as_ref()
                .map_or_else(|| self.doc.path.as_deref().map(files::document_path), |s| s.path().map(Path::to_owned));
            // Dropped, not released: its files may be another window's now.
            self.slot = None;
            match self.store.claim(path.as_deref()) {
                Ok(slot) => self.slot = slot,
                Err(e) => {
                    self.status = Some((format!("autosave failed: {e}"), true));
                    return;
                }
            }
        }
        if let Some(slot) = &mut self.slot
            && let Err(e) = slot.write(self.doc.scenario())
        {
            self.status = Some((format!("autosave failed: {e}"), true));
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        if self.palette.open || self.dialog.is_some() {
            return;
        }
        let typing = ctx.egui_wants_keyboard_input();
        for action in UiCommand::ALL {
            let Some(sc) = action.shortcut() else {
                continue;
            };
            if typing && action.yields_to_text_fields() {
                continue;
            }
            if action == UiCommand::Cancel && !self.is_busy() {
                continue;
            }
            if ctx.input_mut(|i| i.consume_shortcut(&sc)) {
                self.dispatch_in(ctx, action);
            }
        }
    }

    fn close_guard(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) {
            if self.doc.is_dirty() && !self.allow_close {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.close_prompt = true;
            } else if !self.doc.is_dirty() {
                self.exit_cleanly();
            }
        }
    }
}
