//! Asking for a file: Open, Save As and Import go to the system's file dialog when the desktop has
//! one (see `file_dialogs.rs`), answered without blocking a frame; else, or on the way back from
//! it, to the typed-path dialogs, which stay reachable ("Type a path instead", File > Open recent
//! or by path).

use super::{App, Replacement};
use crate::gui::file_dialogs::{self, FileDialogs, Outcome, Pending, Purpose, UNAVAILABLE};
use crate::gui::files::{self, Dialog, DialogKind};
use crate::gui::import_dialog::ImportDialog;
use std::path::PathBuf;

impl App {
    /// Asks for a file for `purpose`, from the next frame (the system's dialog needs the context).
    pub(in crate::gui) fn ask_file(&mut self, purpose: Purpose) {
        self.asking = Some(purpose);
    }

    /// Which dialogs the app uses now (tests read it): [`FileDialogs::Unavailable`] once the
    /// system's dialog turned out to be missing.
    pub fn file_dialogs(&self) -> FileDialogs {
        self.file_dialogs
    }

    /// Starts what was asked for, takes in the system dialog's answer, and while it is shown,
    /// says so over the window.
    pub(super) fn file_dialogs_ui(&mut self, ctx: &egui::Context) {
        if let Some(purpose) = self.asking.take() {
            self.start_asking(ctx, purpose);
        }
        if let Some(pending) = &mut self.native
            && let Some(outcome) = pending.poll()
        {
            let purpose = pending.purpose;
            self.native = None;
            self.answered(purpose, outcome);
        }
        if let Some(purpose) = self.native.as_ref().map(|p| p.purpose) {
            self.waiting_ui(ctx, purpose);
        }
    }

    fn start_asking(&mut self, ctx: &egui::Context, purpose: Purpose) {
        if self.native.is_some() {
            return;
        }
        match self.file_dialogs {
            FileDialogs::Typed => self.ask_typed(purpose, None),
            FileDialogs::Unavailable => self.ask_typed(purpose, Some(UNAVAILABLE)),
            FileDialogs::Native => match file_dialogs::precheck() {
                Ok(()) => self.native = Some(Pending::ask(purpose, self.proposal(purpose), ctx)),
                Err(_) => {
                    self.file_dialogs = FileDialogs::Unavailable;
                    self.ask_typed(purpose, Some(UNAVAILABLE));
                }
            },
        }
    }

    /// Where the system's dialog starts, and the name Save As proposes.
    fn proposal(&self, purpose: Purpose) -> file_dialogs::Proposal {
        let doc = self.doc.path.as_deref();
        let documents = directories::UserDirs::new().and_then(|u| u.document_dir().map(std::path::Path::to_owned));
        let cwd = std::env::current_dir().ok();
        let bundled = doc.is_some_and(files::is_bundled);
        file_dialogs::proposal(purpose, doc, bundled, documents.as_deref(), cwd.as_deref())
    }

    /// The typed-path dialog for `purpose`, with `note` over its field.
    fn ask_typed(&mut self, purpose: Purpose, note: Option<&str>) {
        let note = note.map(str::to_owned);
        match purpose {
            Purpose::Open => {
                let mut d = Dialog::new(DialogKind::Open, String::new());
                d.note = note;
                self.dialog = Some(d);
            }
            Purpose::SaveAs => {
                // Never a bundled example's path: the user's work goes next to their own files.
                let p = match &self.doc.path {
                    Some(p) if files::is_bundled(p) => files::copy_name(p),
                    Some(p) => p.display().to_string(),
                    None => "untitled.ron".into(),
                };
                let mut d = Dialog::new(DialogKind::SaveAs, p);
                d.note = note;
                self.dialog = Some(d);
            }
            Purpose::Import => self.import = Some(ImportDialog { note, ..Default::default() }),
        }
    }

    /// What the system's dialog answered.
    fn answered(&mut self, purpose: Purpose, outcome: Outcome) {
        match outcome {
            Outcome::Cancelled => {}
            Outcome::Unavailable => {
                self.file_dialogs = FileDialogs::Unavailable;
                self.ask_typed(purpose, Some(UNAVAILABLE));
            }
            Outcome::Chosen(path) => self.chosen(purpose, path),
        }
    }

    /// A file chosen in the system's dialog: opened, saved to, or imported; an error is shown in
    /// the typed dialog, with the path, to correct it there.
    fn chosen(&mut self, purpose: Purpose, path: PathBuf) {
        match purpose {
            Purpose::Open => {
                if let Err(e) = self.request_replace(Replacement::Open(path.clone())) {
                    let mut d = Dialog::new(DialogKind::Open, path.display().to_string());
                    d.error = Some(e);
                    self.dialog = Some(d);
                }
            }
            Purpose::SaveAs => {
                let path = file_dialogs::with_ron_extension(path);
                if let Err(e) = self.save_to(path.clone()) {
                    let mut d = Dialog::new(DialogKind::SaveAs, path.display().to_string());
                    d.error = Some(e);
                    self.dialog = Some(d);
                }
            }
            // The import window shows what could not be mapped; it imports at once unless the
            // document has unsaved changes (it says so then).
            Purpose::Import => {
                self.import =
                    Some(ImportDialog { path: path.display().to_string(), import_now: true, ..Default::default() });
            }
        }
    }

    /// Over the window while the system's dialog is shown: what it waits for, and the way to the
    /// typed dialog (the system's stays open until closed; its answer is then ignored).
    fn waiting_ui(&mut self, ctx: &egui::Context, purpose: Purpose) {
        let what = match purpose {
            Purpose::Open => "a scenario to open",
            Purpose::SaveAs => "where to save the scenario",
            Purpose::Import => "a gateway config to import",
        };
        let mut typed = false;
        crate::gui::dialog::modal(ctx, "file-dialog-waiting").show(ctx, |ui| {
            ui.set_width(420.0);
            ui.label(format!("Choose {what} in the system's file dialog."));
            typed = ui.button("Type a path instead").clicked();
        });
        if typed {
            self.native = None;
            self.ask_typed(purpose, None);
        }
    }
}
