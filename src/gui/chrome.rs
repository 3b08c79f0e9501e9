//! The window's chrome around the canvas: menus and the top bar, the bottom panel (cards,
//! timeline, charts, comparison) and the modal dialogs.

use super::actions::UiCommand;
use super::app::App;
use super::commands::Command;
use super::files::DialogChoice;
use super::run::RunState;
use super::{compare, results, theme, timeline};
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
            UiCommand::Cancel => self.runner.is_running(),
            UiCommand::Run => !self.runner.is_running(),
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
                    ("File", &[U::New, U::Open, U::Examples, U::Save, U::SaveAs]),
                    ("Edit", &[U::Undo, U::Redo, U::Copy, U::Paste, U::Duplicate, U::Delete, U::SelectAll]),
                    ("View", &[U::FitView, U::AutoLayout, U::CommandPalette]),
                    (
                        "Insert",
                        &[
                            U::AddNode(crate::model::NodeKind::Clients),
                            U::AddNode(crate::model::NodeKind::Gateway),
                            U::AddNode(crate::model::NodeKind::LoadBalancer),
                            U::AddNode(crate::model::NodeKind::Service),
                        ],
                    ),
                    ("Run", &[U::Run, U::Cancel, U::PinBaseline]),
                ];
                for (title, items) in menus {
                    ui.menu_button(title, |ui| {
                        for &a in items {
                            self.menu_item_ui(ui, a);
                        }
                        if title == "File" {
                            self.recent_menu_ui(ui);
                        }
                    });
                }
            }
            ui.add_space(20.0);
            let name = self.doc.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "untitled".into());
            let dirty = if self.doc.is_dirty() { " *" } else { "" };
            ui.label(RichText::new(format!("{name}{dirty}")).size(14.0)).on_hover_text(&self.doc.scenario().name);
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
        if let RunState::Running { progress, .. } = &self.runner.state {
            let p = *progress;
            if ui.button("Cancel").on_hover_text("Stop the run (Esc)").clicked() {
                self.runner.cancel();
            }
            ui.add(egui::ProgressBar::new(p).desired_width(140.0).show_percentage());
        } else {
            let run = egui::Button::new(RichText::new("Run (F5)").color(theme::ON_COLOUR)).fill(theme::OK);
            let clicked = ui.add(run).on_hover_text("Simulate the scenario").clicked();
            match &self.runner.state {
                RunState::Failed(e) => {
                    short_label_ui(ui, e, theme::BAD);
                }
                RunState::Finished(r) => {
                    ui.weak(format!("{} events", results::count_text(r.events as f64)));
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
        results::cards_ui(ui, &results::cards(self.runner.report()));
        ui.add_space(6.0);
        let compare_w = 370.0;
        let shown = self.runner.shown();
        let mut timeline_out = timeline::TimelineOut::default();
        let mut pin = false;
        ui.horizontal_top(|ui| {
            let left_w = (ui.available_width() - compare_w - 12.0).max(300.0);
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
                results::charts_ui(ui, shown, scrub_s);
            });
            ui.separator();
            ui.vertical(|ui| {
                ui.set_width(compare_w - 40.0);
                pin = compare::compare_ui(ui, self.baseline.as_deref(), self.runner.report());
            });
        });
        for c in timeline_out.commands {
            self.apply(c, None);
        }
        if let Some(index) = timeline_out.select {
            self.canvas.selection = super::canvas::Selection::event(index);
        }
        if pin {
            self.dispatch(UiCommand::PinBaseline);
        }
    }

    pub(super) fn modals_ui(&mut self, ctx: &egui::Context) {
        if let Some(action) = self.palette.ui(ctx) {
            self.dispatch_in(ctx, action);
        }
        if let Some(mut dialog) = self.dialog.take() {
            let (choice, keep) = dialog.ui(ctx, self.store.recent());
            let result = match choice {
                Some(DialogChoice::Open(p)) => Some(self.open(p)),
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
        if let Some(rec) = &self.recovery {
            let from =
                rec.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "an unsaved scenario".into());
            let mut choice = None;
            egui::Modal::new(egui::Id::unique("recovery")).show(ctx, |ui| {
                ui.heading("Recover unsaved work?");
                ui.label(format!("The last session ended with unsaved changes to {from}. They were autosaved."));
                ui.horizontal(|ui| {
                    if ui.button("Restore").clicked() {
                        choice = Some(true);
                    }
                    if ui.button("Discard").clicked() {
                        choice = Some(false);
                    }
                });
            });
            if let Some(restore) = choice
                && let Some(rec) = self.recovery.take()
            {
                if restore {
                    self.replace(rec.scenario, rec.path);
                    self.doc.forget_saved();
                }
                self.store.clear_recovery();
            }
        }
        if self.close_prompt {
            let mut choice = None;
            egui::Modal::new(egui::Id::unique("close-prompt")).show(ctx, |ui| {
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
                    self.store.clear_recovery();
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                Some(_) => self.close_prompt = false,
                None => {}
            }
        }
    }
}
