//! The document's files: opening, saving and replacing it, the unsaved work of other sessions
//! offered and restored, and this window's autosave.

use super::{App, Restored, with_positions};
use crate::gui::actions::UiCommand;
use crate::gui::canvas::Selection;
use crate::gui::commands::Document;
use crate::gui::files::{self, Slot};
use crate::gui::run::{Batch, Runner};
use crate::model::Scenario;
use std::path::{Path, PathBuf};

impl App {
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
    pub(in crate::gui) fn replace(&mut self, scenario: Scenario, path: Option<PathBuf>) {
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
        // A baseline describes the document it was pinned on, not the next one.
        self.baseline = None;
    }

    /// Opens a variant of the document as a new, unsaved document (the counterfactuals table
    /// stays, marked as describing another document).
    pub(in crate::gui) fn open_variant(&mut self, name: &str) {
        if self.doc.is_dirty() {
            self.status =
                Some(("Save or undo the changes first: opening a variant replaces the document".into(), true));
            return;
        }
        match self.doc.scenario().variant(name) {
            Ok(s) => {
                let kept = self.counterfactuals.take();
                // The variant is compared with what was pinned on the file it comes from.
                let baseline = self.baseline.take();
                self.replace(s, None);
                self.doc.forget_saved();
                self.counterfactuals = kept;
                self.baseline = baseline;
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
    pub(in crate::gui) fn save(&mut self) {
        match self.doc.path.clone() {
            Some(p) if self.restored.as_ref().is_some_and(|r| r.path == p) => self.save_prompt = true,
            Some(p) => self.save_keeping_comments(p),
            None => self.dispatch(UiCommand::SaveAs),
        }
    }

    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
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
}
