//! Replacing the document (New, Open, an example, a recent file) never loses unsaved work: with
//! unsaved changes the window asks first (save, then continue; discard; or cancel). Autosave
//! would keep the work anyway, but a user who did not mean to replace it should not have to go
//! looking for it.

use super::App;
use crate::gui::files;
use std::path::PathBuf;

/// What would replace the document.
#[derive(Clone, Debug, PartialEq)]
pub enum Replacement {
    /// A new, empty scenario.
    New,
    /// A file (Open, an example, a recent file).
    Open(PathBuf),
}

impl Replacement {
    fn describe(&self) -> String {
        match self {
            Replacement::New => "a new, empty scenario".to_owned(),
            Replacement::Open(p) => p.display().to_string(),
        }
    }
}

impl App {
    /// Replaces the document by `r`, or asks first when it has unsaved changes. An error (a file
    /// that does not open) is returned when nothing had to be asked, else shown in the status line.
    pub(in crate::gui) fn request_replace(&mut self, r: Replacement) -> Result<(), String> {
        if self.doc.is_dirty() {
            self.replace_prompt = Some(r);
            return Ok(());
        }
        self.perform_replace(r)
    }

    /// The pending replacement (tests read it).
    pub fn pending_replacement(&self) -> Option<&Replacement> {
        self.replace_prompt.as_ref()
    }

    fn perform_replace(&mut self, r: Replacement) -> Result<(), String> {
        match r {
            Replacement::New => {
                self.replace(files::empty_scenario(), None);
                Ok(())
            }
            Replacement::Open(p) => self.open(p),
        }
    }

    /// The question, while a replacement waits for it.
    pub(in crate::gui) fn replace_prompt_ui(&mut self, ctx: &egui::Context) {
        let Some(r) = self.replace_prompt.clone() else { return };
        let mut choice = None;
        crate::gui::dialog::modal(ctx, "replace-prompt").show(ctx, |ui| {
            ui.set_width(460.0);
            ui.heading("Replace unsaved changes?");
            ui.label(format!("The scenario has changes that are not saved. Opening {} replaces it.", r.describe()));
            ui.horizontal(|ui| {
                for (label, c) in [("Save, then continue", 0), ("Discard changes", 1), ("Cancel", 2)] {
                    if ui.button(label).clicked() {
                        choice = Some(c);
                    }
                }
            });
        });
        let go = match choice {
            // Save (or Save As, for an untitled document, which asks where: the replacement is
            // dropped then, and the user opens it again once the work is saved).
            Some(0) => {
                self.save();
                !self.doc.is_dirty()
            }
            Some(1) => true,
            Some(_) => false,
            None => return,
        };
        self.replace_prompt = None;
        if go && let Err(e) = self.perform_replace(r) {
            self.status = Some((e, true));
        }
    }
}
