//! The window's chrome around the canvas: menus and the top bar, the bottom panel (cards,
//! timeline, charts, comparison) and the modal dialogs.

use super::actions::UiCommand;
use super::app::{App, BottomTab};
use super::commands::Command;
use super::files::DialogChoice;
use super::run::{BatchState, RunState};
use super::{compare, counterfactuals, results, theme, timeline};
use egui::{RichText, Ui};

/// Merge key of the top bar's run settings (one drag of the seed is one undo step).
const MERGE_RUN_SETTINGS: u64 = 0x5eed;

/// A message in the top bar: at most 60 characters shown, the whole of it on hover.
fn short_label_ui(ui: &mut Ui, text: &str, colour: egui::Color32) {
    let short: String =
        if text.chars().count() > 60 { text.chars().take(59).chain(['…']).collect() } else { text.to_owned() };
    ui.colored_label(colour, short).on_hover_text(text);
}

impl App {
    fn menu_item_ui(&mut self, ui: &mut Ui, action: UiCommand) {
        let mut button = egui::Button::new(action.label());
        if let Some(sc) = action.shortcut() {
            button = button.shortcut_text(ui.ctx().format_shortcut(&sc));
        }
        let enabled = match action {
            UiCommand::Undo => self.doc.can_undo(),
            UiCommand::Redo => self.doc.can_redo(),
            UiCommand::Cancel => self.is_busy(),
            UiCommand::Run | UiCommand::CheckChange | UiCommand::RunDr => !self.is_busy(),
            UiCommand::RunCounterfactuals => !self.is_busy() && !self.doc.scenario().variants.is_empty(),
            UiCommand::PinBaseline => self.runner.report().is_some(),
            UiCommand::Paste => self.clipboard.is_some(),
            _ => true,
        };
        if ui.add_enabled(enabled, button).on_hover_text(action.help()).clicked() {
            let ctx = ui.ctx().clone();
            self.dispatch_in(&ctx, action);
        }
    }

    pub(super) fn top_bar_ui(&mut self, ui: &mut Ui) {
        use UiCommand as U;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.label(RichText::new("gatesim").strong().size(17.0));
            {
                let menus: [(&str, &[UiCommand]); 5] = [
                    ("File", &[U::New, U::Open, U::OpenRecent, U::Examples, U::Save, U::SaveAs, U::Import, U::Export]),
                    ("Edit", &[U::Undo, U::Redo, U::Copy, U::Paste, U::Duplicate, U::Delete, U::SelectAll]),
                    ("View", &[U::FitView, U::AutoLayout, U::ToggleBottom, U::CommandPalette]),
                    (
                        "Insert",
                        &[
                            U::AddNode(crate::model::NodeKind::Clients),
                            U::AddNode(crate::model::NodeKind::Dns),
                            U::AddNode(crate::model::NodeKind::Gateway),
                            U::AddNode(crate::model::NodeKind::LoadBalancer),
                            U::AddNode(crate::model::NodeKind::Service),
                            U::AddNode(crate::model::NodeKind::DataStore),
                        ],
                    ),
                    ("Run", &[U::Run, U::RunCounterfactuals, U::CheckChange, U::RunDr, U::Cancel, U::PinBaseline]),
                ];
                for (title, items) in menus {
                    ui.menu_button(title, |ui| {
                        for &a in items {
                            self.menu_item_ui(ui, a);
                        }
                        if title == "File" {
                            self.recent_menu_ui(ui);
                            if ui
                                .button("Unsaved work from other sessions…")
                                .on_hover_text("Work autosaved by windows that ended without closing")
                                .clicked()
                            {
                                self.offer_recoveries();
                            }
                        }
                    });
                }
            }
            ui.add_space(20.0);
            let name = self.doc.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "untitled".into());
            let dirty = if self.doc.is_dirty() { " *" } else { "" };
            ui.label(RichText::new(format!("{name}{dirty}")).size(14.0)).on_hover_text(&self.doc.scenario().name);
            if let Some(r) = &self.restored {
                ui.label(RichText::new("restored, not saved").small().color(theme::WARN)).on_hover_text(format!(
                    "Restored from the autosave of {} made at {}: the first Save asks before writing to it",
                    r.path.display(),
                    r.saved_at
                ));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Ctrl+K  command palette").on_hover_text("Search every action").clicked() {
                    self.palette.open = true;
                }
                ui.add_space(8.0);
                self.run_controls_ui(ui);
            });
        });
    }

    fn recent_menu_ui(&mut self, ui: &mut Ui) {
        let recent = self.store.recent().to_vec();
        ui.separator();
        ui.menu_button("Recent files", |ui| {
            if recent.is_empty() {
                ui.weak("none yet");
            }
            for p in recent {
                if ui.button(p.display().to_string()).clicked()
                    && let Err(e) = self.open(p)
                {
                    self.status = Some((e, true));
                }
            }
        });
    }

    /// Run / Cancel with progress, seed and replicates (right to left).
    fn run_controls_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if let (Some(p), Some(text)) = (self.batch.progress(), self.batch.progress_count()) {
            if ui.button("Cancel").on_hover_text("Stop the runs (Esc)").clicked() {
                self.batch.cancel();
            }
            ui.add(egui::ProgressBar::new(p).desired_width(170.0).text(text));
        } else if let RunState::Running { progress, .. } = &self.runner.state {
            let p = *progress;
            if ui.button("Cancel").on_hover_text("Stop the run (Esc)").clicked() {
                self.runner.cancel();
            }
            ui.add(egui::ProgressBar::new(p).desired_width(140.0).show_percentage());
        } else {
            let run = egui::Button::new(RichText::new("Run (F5)").color(theme::ON_COLOUR)).fill(theme::OK);
            let clicked = ui.add(run).on_hover_text(super::empty_state::run_hover(self.doc.scenario())).clicked();
            match &self.runner.state {
                RunState::Failed(e) => {
                    short_label_ui(ui, e, theme::BAD);
                }
                RunState::Finished(r) => {
                    ui.weak(format!("{} events", results::count_text(r.events as f64)));
                }
                RunState::Cancelled(kept) => {
                    let text = if kept.is_some() { "cancelled: the last finished run is shown" } else { "cancelled" };
                    short_label_ui(ui, text, theme::TEXT_DIM);
                }
                _ => {}
            }
            if clicked {
                self.start_run(&ctx);
            }
        }
        let mut run = self.doc.scenario().run.clone();
        let mut changed = false;
        ui.add_space(8.0);
        changed |= ui
            .add(egui::DragValue::new(&mut run.replicates).range(1..=1000).prefix("x").suffix(" runs"))
            .on_hover_text("replicates")
            .changed();
        // Right to left: the value first, its label to its left.
        let r = ui.add(egui::DragValue::new(&mut run.seed).speed(1.0));
        let l_seed = ui.label("seed");
        changed |= r.labelled_by(l_seed.id).changed();
        ui.separator();
        if let Some((msg, bad)) = &self.status {
            let colour = if *bad { theme::BAD } else { theme::TEXT_DIM };
            short_label_ui(ui, msg, colour);
        }
        if changed {
            self.apply(Command::SetRun(run), Some(MERGE_RUN_SETTINGS));
        }
    }

    pub(super) fn bottom_ui(&mut self, ui: &mut Ui) {
        ui.add_space(6.0);
        ui.horizontal_top(|ui| {
            let (icon, hover) = if self.bottom_folded {
                ("show", "Show the timeline and charts (Ctrl+J)")
            } else {
                ("hide", "Hide the timeline and charts, to give the canvas the window (Ctrl+J)")
            };
            if ui.small_button(icon).on_hover_text(hover).clicked() {
                self.bottom_folded = !self.bottom_folded;
            }
            results::cards_ui(ui, &results::cards(self.doc.scenario(), self.runner.report()));
        });
        if self.bottom_folded {
            return;
        }
        ui.add_space(6.0);
        // The counterfactuals' table needs more room than the comparison's.
        let right_w = match self.bottom_tab {
            BottomTab::Compare => 370.0,
            BottomTab::Counterfactuals => 690.0,
            BottomTab::Dr => 960.0,
        };
        let mut timeline_out = timeline::TimelineOut::default();
        // A short panel scrolls rather than squeezing the lanes onto each other.
        let charts_h = (ui.available_height() - timeline::height(self.doc.scenario()) - 10.0).clamp(120.0, 200.0);
        egui::ScrollArea::vertical().id_salt("bottom-scroll").auto_shrink([false, false]).show(ui, |ui| {
            ui.horizontal_top(|ui| {
                let left_w = (ui.available_width() - right_w - 12.0).max(300.0);
                let shown = self.runner.shown();
                ui.vertical(|ui| {
                    ui.set_width(left_w);
                    timeline_out = timeline::timeline_ui(
                        ui,
                        self.doc.scenario(),
                        shown,
                        &mut self.scrub,
                        &mut self.timeline,
                        self.canvas.selection.event,
                    );
                    let scrub_s = shown.zip(self.scrub).and_then(|(r, b)| timeline::bucket_time(r, b));
                    // A live run's charts span the whole run, its series stopping at the progress point.
                    let span_s = if self.runner.is_running() { self.doc.scenario().run.duration_s } else { 0.0 };
                    ui.allocate_ui(egui::vec2(left_w, charts_h), |ui| {
                        results::charts_ui(ui, shown, scrub_s, span_s);
                    });
                });
                ui.separator();
                ui.vertical(|ui| {
                    ui.set_width(right_w - 40.0);
                    self.bottom_tabs_ui(ui);
                    match self.bottom_tab {
                        BottomTab::Compare => self.compare_tab_ui(ui),
                        BottomTab::Counterfactuals => self.counterfactuals_tab_ui(ui),
                        BottomTab::Dr => self.dr_tab_ui(ui),
                    }
                });
            });
        });
        for c in timeline_out.commands {
            self.apply(c, None);
        }
        if let Some(index) = timeline_out.select {
            self.canvas.selection = super::canvas::Selection::event(index);
        }
    }

    /// The tab strip over the bottom right: comparison, counterfactuals, DR strategies.
    fn bottom_tabs_ui(&mut self, ui: &mut Ui) {
        let variants = self.doc.scenario().variants.len();
        ui.horizontal(|ui| {
            let tabs = [
                (
                    BottomTab::Compare,
                    "BASELINE vs CHANGE".to_owned(),
                    "The last run against a pinned or checked baseline",
                ),
                (
                    BottomTab::Counterfactuals,
                    if variants > 0 { format!("COUNTERFACTUALS ({variants})") } else { "COUNTERFACTUALS".into() },
                    "The scenario as written and each of its variants, on the same seed",
                ),
                (
                    BottomTab::Dr,
                    "DR STRATEGIES".to_owned(),
                    "Disaster recovery strategies applied to this design: cost, outage cost, RTO and RPO",
                ),
            ];
            for (tab, title, hover) in tabs {
                let on = self.bottom_tab == tab;
                let text = RichText::new(title).small().color(if on { theme::TEXT } else { theme::TEXT_DIM });
                if ui.selectable_label(on, text).on_hover_text(hover).clicked() {
                    self.bottom_tab = tab;
                }
            }
        });
    }

    fn compare_tab_ui(&mut self, ui: &mut Ui) {
        let checking =
            matches!(&self.batch.state, BatchState::Running { title, .. } if *title == super::run::CHECK_TITLE);
        let input = compare::CompareIn {
            baseline: self.baseline.as_deref(),
            current: self.runner.report(),
            caption: self.compare_caption.as_deref(),
            note: self.check_note.as_deref(),
            progress: if checking { self.batch.progress().zip(self.batch.progress_text()) } else { None },
            busy: self.is_busy(),
        };
        let out = compare::compare_ui(ui, &input);
        if out.pin {
            self.dispatch(UiCommand::PinBaseline);
        }
        if out.cancel {
            self.batch.cancel();
        }
        if out.check {
            let ctx = ui.ctx().clone();
            self.dispatch_in(&ctx, UiCommand::CheckChange);
        }
    }

    fn counterfactuals_tab_ui(&mut self, ui: &mut Ui) {
        let running =
            matches!(&self.batch.state, BatchState::Running { title, .. } if *title == super::run::VARIANTS_TITLE);
        let key = self.doc_key();
        let input = counterfactuals::PanelIn {
            variants: self.doc.scenario().variants.len(),
            results: self.counterfactuals.as_ref().map(|c| (c.rows.as_slice(), c.key != key)),
            progress: if running { self.batch.progress().zip(self.batch.progress_text()) } else { None },
            failed: self.counterfactuals_failed.as_deref(),
            busy: self.is_busy(),
        };
        let out = counterfactuals::counterfactuals_ui(ui, &input);
        if out.cancel {
            self.batch.cancel();
        }
        if out.run {
            let ctx = ui.ctx().clone();
            self.dispatch_in(&ctx, UiCommand::RunCounterfactuals);
        }
        if let Some(name) = out.open {
            self.open_variant(&name);
        }
    }

    pub(super) fn modals_ui(&mut self, ctx: &egui::Context) {
        if let Some(action) = self.palette.ui(ctx) {
            self.dispatch_in(ctx, action);
        }
        if let Some(mut dialog) = self.dialog.take() {
            let (choice, keep) = dialog.ui(ctx, self.store.recent());
            let result = match choice {
                Some(DialogChoice::Open(p)) => Some(self.request_replace(crate::gui::app::Replacement::Open(p))),
                Some(DialogChoice::SaveAs(p)) => Some(self.save_to(p)),
                None => None,
            };
            match result {
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    dialog.error = Some(e);
                    self.dialog = Some(dialog);
                }
                None if keep => self.dialog = Some(dialog),
                None => {}
            }
        }
        if let Some(mut d) = self.import.take() {
            let (choice, keep) = d.ui(ctx, self.doc.is_dirty());
            if let Some(crate::gui::import_dialog::ImportChoice::Open(imported)) = choice {
                let name = d.notes.as_ref().map(|(p, _)| p.display().to_string()).unwrap_or_default();
                self.replace(imported.scenario, None);
                self.doc.forget_saved();
                self.status = Some((format!("Imported {name} (unsaved)"), false));
            }
            if keep {
                self.import = Some(d);
            }
        }
        if let Some(mut d) = self.export.take() {
            let keep = d.ui(ctx, self.doc.scenario(), self.doc.path.as_deref(), self.doc.is_dirty());
            if keep {
                self.export = Some(d);
            }
        }
        self.recovery_ui(ctx);
        self.save_prompt_ui(ctx);
        self.comments_prompt_ui(ctx);
        self.replace_prompt_ui(ctx);
        if self.close_prompt {
            let mut choice = None;
            crate::gui::dialog::modal(ctx, "close-prompt").show(ctx, |ui| {
                ui.heading("Save changes before closing?");
                ui.label("The scenario has changes that are not saved.");
                ui.horizontal(|ui| {
                    for (label, c) in [("Save", 0), ("Discard", 1), ("Cancel", 2)] {
                        if ui.button(label).clicked() {
                            choice = Some(c);
                        }
                    }
                });
            });
            match choice {
                Some(0) => {
                    self.close_prompt = false;
                    self.save();
                    if !self.doc.is_dirty() {
                        self.allow_close = true;
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
                Some(1) => {
                    self.close_prompt = false;
                    self.allow_close = true;
                    self.exit_cleanly();
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                Some(_) => self.close_prompt = false,
                None => {}
            }
        }
    }

    /// The unsaved work of windows that are gone: each with its file (or "untitled") and when it
    /// was autosaved, to restore or discard, before anything is saved.
    fn recovery_ui(&mut self, ctx: &egui::Context) {
        if !self.recovery_prompt || self.recoveries.is_empty() {
            return;
        }
        let now = std::time::SystemTime::now();
        let dirty = self.doc.is_dirty();
        let (mut restore, mut discard, mut later) = (None, None, false);
        crate::gui::dialog::modal(ctx, "recovery").show(ctx, |ui| {
            ui.set_width(640.0);
            ui.heading("Recover unsaved work?");
            ui.label(
                "Windows that ended without closing left unsaved work, autosaved. Nothing has been written to \
                 any file: restoring opens the work unsaved, bound to the file it belongs to.",
            );
            ui.add_space(6.0);
            egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                for (i, rec) in self.recoveries.iter().enumerate() {
                    ui.group(|ui| {
                        ui.set_width(600.0);
                        let title = match &rec.path {
                            Some(p) => format!("Unsaved changes to {}", p.display()),
                            None => "Unsaved changes to an untitled scenario".to_owned(),
                        };
                        ui.label(RichText::new(title).strong());
                        let nodes = rec.scenario.topology.nodes.len();
                        ui.label(
                            RichText::new(format!(
                                "autosaved {} · scenario \"{}\", {nodes} node{}",
                                rec.when(now),
                                rec.scenario.name,
                                if nodes == 1 { "" } else { "s" }
                            ))
                            .small()
                            .color(theme::TEXT_DIM),
                        );
                        if let Some(note) = &rec.note {
                            ui.label(RichText::new(note).small().color(theme::WARN));
                        }
                        ui.horizontal(|ui| {
                            let hover = match &rec.path {
                                Some(p) => format!("Open this work, unsaved, bound to {}", p.display()),
                                None => "Open this work as an untitled, unsaved document".to_owned(),
                            };
                            let b = ui
                                .add_enabled(!dirty, egui::Button::new("Restore"))
                                .on_hover_text(hover)
                                .on_disabled_hover_text(
                                    "Save or undo the changes first: restoring replaces the document",
                                );
                            if b.clicked() {
                                restore = Some(i);
                            }
                            if ui.button("Discard").on_hover_text(format!("Delete {}", rec.file.display())).clicked() {
                                discard = Some(i);
                            }
                        });
                    });
                }
            });
            for p in &self.recovery_problems {
                ui.colored_label(theme::BAD, p);
            }
            ui.separator();
            if ui
                .button("Decide later")
                .on_hover_text("Keep them: File > Unsaved work from other sessions offers them again")
                .clicked()
            {
                later = true;
            }
        });
        if let Some(i) = restore
            && let Err(e) = self.restore_recovery(i)
        {
            self.status = Some((e, true));
        }
        if let Some(i) = discard
            && let Err(e) = self.discard_recovery(i)
        {
            self.status = Some((e, true));
        }
        if later {
            self.recovery_prompt = false;
        }
    }

    /// "Save the restored work to its file?": the first Save of work restored from an autosave.
    fn save_prompt_ui(&mut self, ctx: &egui::Context) {
        let Some(restored) = self.restored.clone().filter(|_| self.save_prompt) else {
            return;
        };
        let modified = std::fs::metadata(&restored.path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| crate::model::UtcTime(d.as_secs()));
        let mut choice = None;
        crate::gui::dialog::modal(ctx, "save-restored").show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading("Save the restored work to its file?");
            ui.label(format!(
                "This document was restored from an autosave made at {}. Saving replaces the content of:",
                restored.saved_at
            ));
            ui.label(RichText::new(restored.path.display().to_string()).strong());
            match modified {
                None => {
                    ui.label("The file does not exist any more: saving creates it.");
                }
                Some(m) if m > restored.saved_at => {
                    ui.colored_label(
                        theme::BAD,
                        format!("The file has changed since the autosave (modified at {m}): saving replaces that too."),
                    );
                }
                Some(_) => {}
            }
            ui.horizontal(|ui| {
                for (label, c) in [("Save to this file", 0), ("Save As…", 1), ("Cancel", 2)] {
                    if ui.button(label).clicked() {
                        choice = Some(c);
                    }
                }
            });
        });
        match choice {
            Some(0) => {
                self.save_prompt = false;
                if let Err(e) = self.save_to(restored.path) {
                    self.status = Some((e, true));
                }
            }
            Some(1) => {
                self.save_prompt = false;
                self.dispatch(UiCommand::SaveAs);
            }
            Some(_) => self.save_prompt = false,
            None => {}
        }
    }
}
