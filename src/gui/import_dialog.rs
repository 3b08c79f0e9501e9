//! File > Import: an NGINX or HAProxy config read into a new, unsaved scenario through the same
//! library call as `gatesim import` ([`import_file`]). The dialog takes the config's path and the
//! syntax (or detects it), refuses to replace unsaved work, and lists what could not be mapped,
//! each entry with its `file:line`, after the scenario opened.

use crate::import::{Format, Imported, Note, import_file};
use std::path::PathBuf;

/// The import dialog's state.
#[derive(Debug, Default)]
pub struct ImportDialog {
    /// The config's path, as typed.
    pub path: String,
    /// The syntax, or detected from the file.
    pub format: Option<Format>,
    /// Why the last import failed.
    pub error: Option<String>,
    /// What the last import could not map (shown after it opened).
    pub notes: Option<(PathBuf, Vec<Note>)>,
    /// A line over the field: why this dialog and not the system's.
    pub note: Option<String>,
    /// Import `path` in the next frame, as if Import were pressed (a file chosen in the system's
    /// dialog); not while the document has unsaved changes.
    pub import_now: bool,
}

/// What the user asked for.
#[derive(Debug)]
pub enum ImportChoice {
    /// Open this imported scenario as a new, unsaved document.
    Open(Box<Imported>),
}

impl ImportDialog {
    /// Reads the config typed; the scenario, or the error shown under the field.
    fn import(&mut self) -> Option<ImportChoice> {
        let path = PathBuf::from(self.path.trim());
        match import_file(&path, self.format) {
            Ok(imported) => {
                self.error = None;
                self.notes = Some((path, imported.notes.clone()));
                Some(ImportChoice::Open(Box::new(imported)))
            }
            Err(e) => {
                self.error = Some(e.to_string());
                None
            }
        }
    }

    /// Shows the dialog; returns the choice and whether it stays open. `dirty`: the document has
    /// unsaved changes, which an import would replace.
    pub fn ui(&mut self, ctx: &egui::Context, dirty: bool) -> (Option<ImportChoice>, bool) {
        use super::theme;
        let mut choice = None;
        if std::mem::take(&mut self.import_now) && !dirty {
            choice = self.import();
        }
        let mut keep = true;
        let modal = crate::gui::dialog::modal(ctx, "import-dialog").show(ctx, |ui| {
            ui.set_width(640.0);
            ui.heading("Import a gateway config");
            if let Some(note) = &self.note {
                ui.colored_label(theme::WARN, note);
            }
            ui.label(
                "An nginx.conf (or a conf.d file) or an haproxy.cfg becomes a new scenario: routes, rate limits, \
                 upstreams and backends, balancing, failover and checks. Traffic and service times are not in a \
                 gateway's config: defaults are used and listed below.",
            );
            ui.horizontal(|ui| {
                let label = ui.label("Config");
                ui.add(
                    egui::TextEdit::singleline(&mut self.path).desired_width(400.0).hint_text("/etc/nginx/nginx.conf"),
                )
                .labelled_by(label.id);
                egui::ComboBox::from_id_salt("import-format")
                    .selected_text(match self.format {
                        None => "detect",
                        Some(Format::Nginx) => "nginx",
                        Some(Format::Haproxy) => "haproxy",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.format, None, "detect");
                        ui.selectable_value(&mut self.format, Some(Format::Nginx), "nginx");
                        ui.selectable_value(&mut self.format, Some(Format::Haproxy), "haproxy");
                    });
            });
            if dirty {
                ui.colored_label(
                    theme::WARN,
                    "The scenario has unsaved changes: save or undo them first (an import opens a new document).",
                );
            }
            ui.horizontal(|ui| {
                if ui.add_enabled(!dirty && !self.path.trim().is_empty(), egui::Button::new("Import")).clicked() {
                    choice = self.import();
                }
                if ui.button("Close").clicked() {
                    keep = false;
                }
            });
            if let Some(e) = &self.error {
                ui.colored_label(theme::BAD, e);
            }
            if let Some((path, notes)) = &self.notes {
                ui.separator();
                ui.label(format!(
                    "Imported {} as a new, unsaved scenario. {} line(s) to read:",
                    path.display(),
                    notes.len()
                ));
                egui::ScrollArea::vertical().max_height(260.0).min_scrolled_height(260.0).show(ui, |ui| {
                    for n in notes {
                        ui.label(egui::RichText::new(n.to_string()).small());
                    }
                });
            }
        });
        if modal.should_close() {
            keep = false;
        }
        (choice, keep)
    }
}
