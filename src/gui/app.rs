//! The application: owns the document, the runner and the view state, lays out the panels, and
//! applies every [`Command`] in one place ([`App::apply`]). Its other parts: `dispatch.rs` (user
//! actions, copy and paste), `document.rs` (open, save, recovery, autosave), `runs.rs` (starting
//! runs, taking in a batch's result), `ask.rs` (the system's file dialogs and the typed fallback).

mod ask;
mod comments;
mod dispatch;
mod document;
mod replace;
mod runs;

pub use replace::Replacement;

use super::actions::{Palette, UiCommand};
use super::canvas::{self, CanvasState, Selection};
use super::commands::{Command, Document};
use super::counterfactuals::Counterfactuals;
use super::file_dialogs::{FileDialogs, Pending, Purpose};
use super::files::{self, Dialog, Recovery, Slot, Store};
use super::inspector::{self, InspectorState};
use super::overlay::{self, Overlay};
use super::run::{Batch, Runner};
use super::timeline::{self, TimelineState};
use super::{layout, palette, regions, theme};
use crate::model::{Link, Node, Scenario, UtcTime};
use crate::report::Report;
use egui::Ui;
use std::path::PathBuf;

/// Height of the summary cards' row under the canvas, with its margins.
const CARDS_H: f32 = 94.0;

/// How the app starts.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// The scenario to open; None opens the bundled example.
    pub file: Option<PathBuf>,
    /// Where autosave, recovery and recent files live; None: [`files::data_dir`].
    pub data_dir: Option<PathBuf>,
    /// Run the scenario once at start (for screenshots and demos; env `GATESIM_AUTORUN=1`).
    pub autorun: bool,
    /// The system's file dialogs, or the typed-path one (env `GATESIM_FILE_DIALOG=typed`).
    pub file_dialogs: FileDialogs,
}

impl AppOptions {
    /// Options from the environment: `GATESIM_AUTORUN=1` runs the scenario at start;
    /// `GATESIM_FILE=path` opens that scenario instead of the bundled example;
    /// `GATESIM_FILE_DIALOG=typed` uses the typed-path dialog instead of the system's.
    pub fn from_env() -> Self {
        AppOptions {
            autorun: std::env::var("GATESIM_AUTORUN").is_ok_and(|v| v == "1"),
            file: std::env::var_os("GATESIM_FILE").filter(|f| !f.is_empty()).map(PathBuf::from),
            file_dialogs: FileDialogs::from_env(),
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
    /// The timeline and charts folded away (only the cards under the canvas).
    pub(super) bottom_folded: bool,
    /// Increments when the document is replaced (with `Document::generation`, it tells whether
    /// results still describe the document).
    doc_serial: u64,
    pub(super) palette: Palette,
    pub(super) dialog: Option<Dialog>,
    /// The system's file dialogs, the typed one, or none on this desktop (found on first use).
    pub(super) file_dialogs: FileDialogs,
    /// A file asked for (a menu, a shortcut), to ask in the next frame (which has the context).
    pub(super) asking: Option<Purpose>,
    /// The system's file dialog being shown.
    pub(super) native: Option<Pending>,
    /// File > Export, when open.
    pub(super) export: Option<crate::gui::export_dialog::ExportDialog>,
    /// File > Import, when open.
    pub(super) import: Option<crate::gui::import_dialog::ImportDialog>,
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
    /// A save over a file with comments, waiting for the user's answer.
    pub(super) comments_prompt: Option<comments::CommentsPrompt>,
    /// Files whose comments the user agreed to drop this session.
    pub(super) comments_dropped: std::collections::BTreeSet<PathBuf>,
    pub(super) clipboard: Option<(Vec<Node>, Vec<Link>)>,
    pub(super) scrub: Option<usize>,
    pub(super) timeline: TimelineState,
    pub(super) last_autosave_s: f64,
    pub(super) status: Option<(String, bool)>,
    pub(super) close_prompt: bool,
    /// A replacement of the document waiting for the user's answer (unsaved changes).
    pub(super) replace_prompt: Option<Replacement>,
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
            bottom_folded: false,
            doc_serial: 0,
            palette: Palette::default(),
            dialog: None,
            file_dialogs: options.file_dialogs,
            asking: None,
            native: None,
            export: None,
            import: None,
            store,
            slot,
            recovery_prompt: !scan.offers.is_empty(),
            recoveries: scan.offers,
            recovery_problems: scan.problems,
            restored: None,
            save_prompt: false,
            comments_prompt: None,
            comments_dropped: Default::default(),
            clipboard: None,
            scrub: None,
            timeline: TimelineState::default(),
            last_autosave_s: 0.0,
            status,
            close_prompt: false,
            replace_prompt: None,
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

    /// File > Export's dialog, when open (tests read it).
    pub fn export_dialog(&self) -> Option<&crate::gui::export_dialog::ExportDialog> {
        self.export.as_ref()
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
        self.file_dialogs_ui(&ctx);
        self.autosave(&ctx);
        self.shortcuts(&ctx);
        self.close_guard(&ctx);

        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar_ui(ui));
        // The bottom panel never takes the canvas's place: at most 42% of the window at first
        // (resizable up to 70%), or only the cards when folded (Ctrl+J).
        let window_h = ctx.content_rect().height();
        let wanted = CARDS_H + timeline::height(self.doc.scenario()) + 200.0;
        let panel = egui::Panel::bottom("bottom");
        if self.bottom_folded {
            panel.resizable(false).exact_size(CARDS_H + 6.0).show(ui, |ui| self.bottom_ui(ui));
        } else {
            panel
                .resizable(true)
                .default_size(wanted.min(0.42 * window_h))
                .min_size(CARDS_H + 60.0)
                .max_size(0.7 * window_h)
                .show(ui, |ui| self.bottom_ui(ui));
        }
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
            super::empty_state::empty_state_ui(ui, self.canvas.rect, self.doc.scenario());
        });
        self.modals_ui(&ctx);
        // A gesture ends when nothing is dragged and no field has the keyboard.
        if ctx.dragged_id().is_none() && !ctx.egui_wants_keyboard_input() {
            self.doc.end_gesture();
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        if self.palette.open
            || self.dialog.is_some()
            || self.native.is_some()
            || self.export.is_some()
            || self.import.is_some()
            || self.replace_prompt.is_some()
        {
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
