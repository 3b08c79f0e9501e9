//! Files: the typed-path open and save dialogs (a path field; the system's dialogs are in
//! [`super::file_dialogs`], which falls back to these), recent files and the examples gallery. The
//! autosave that never touches the user's file, and the recovery of unsaved work, are in
//! [`super::recovery`] (its public items are re-exported here).

use crate::model::Scenario;
use crate::model::load::{self, LoadError};
use std::path::{Path, PathBuf};

pub use super::recovery::{
    AUTOSAVE_EVERY_S, LOCK_HEARTBEAT_S, LOCK_STALE_AFTER_S, Recovery, Scan, Slot, ago, document_path,
};

/// Recent files remembered.
const RECENT_MAX: usize = 8;

/// The bundled example opened when no file is given.
pub const DEFAULT_EXAMPLE: &str = "scenarios/incidents/rate-limit-tightened.ron";
/// Its text, built in, for when the binary runs away from the repository.
pub const BUILTIN_EXAMPLE: &str = include_str!("../../scenarios/incidents/rate-limit-tightened.ron");

/// The app's data directory: `$GATESIM_DATA_DIR` if set, else the platform's data directory.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("GATESIM_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("org", "gatesim", "gatesim").map(|d| d.data_dir().to_owned())
}

/// Where autosave, recovery and the recent list live.
#[derive(Clone, Debug)]
pub struct Store {
    dir: Option<PathBuf>,
    recent: Vec<PathBuf>,
}

impl Store {
    /// A store in `dir` (None: nothing is remembered, nothing autosaved).
    pub fn new(dir: Option<PathBuf>) -> Self {
        let recent = dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join("recent.txt")).ok())
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).map(PathBuf::from).collect())
            .unwrap_or_default();
        Store { dir, recent }
    }

    pub(super) fn file(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(name))
    }

    /// Recently opened or saved files, newest first (read at start, kept up to date).
    pub fn recent(&self) -> &[PathBuf] {
        &self.recent
    }

    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: &Path) {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        self.recent.retain(|p| p != &abs);
        self.recent.insert(0, abs);
        self.recent.truncate(RECENT_MAX);
        let (Some(file), Some(dir)) = (self.file("recent.txt"), &self.dir) else {
            return;
        };
        let text: String = self.recent.iter().map(|p| format!("{}\n", p.display())).collect();
        if std::fs::create_dir_all(dir).is_ok() {
            // The recent list is a convenience: failing to write it must not bother the user.
            load::write_atomic(&file, text.as_bytes()).ok();
        }
    }
}

/// A group of the examples gallery, in the order it lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExampleGroup {
    /// `scenarios/incidents/`: postmortems replayed, with their counterfactuals.
    Incident,
    /// `scenarios/`: topologies to start from.
    Example,
    /// `scenarios/validation/`: single-station queueing models checked against closed forms.
    Validation,
}

impl ExampleGroup {
    /// The group's heading in the gallery.
    pub fn heading(self) -> &'static str {
        match self {
            ExampleGroup::Incident => "Incident replays (with counterfactuals)",
            ExampleGroup::Example => "Examples",
            ExampleGroup::Validation => "Validation models (single queueing stations)",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            ExampleGroup::Incident => "scenarios/incidents",
            ExampleGroup::Example => "scenarios",
            ExampleGroup::Validation => "scenarios/validation",
        }
    }
}

/// One entry of the examples gallery.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// The file, relative to the current directory.
    pub path: PathBuf,
    /// Its group.
    pub group: ExampleGroup,
    /// The scenario's name (the file's name if it does not load).
    pub title: String,
    /// Its description on one line, shortened to [`EXAMPLE_DESCRIPTION_CHARS`].
    pub description: String,
    /// Its whole description (hover).
    pub full_description: String,
}

/// Characters of an example's description shown in the gallery.
pub const EXAMPLE_DESCRIPTION_CHARS: usize = 110;

/// `text` on one line, at most `max` characters: cut at a word and ended with `…` when longer.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// The bundled examples under the current directory: the incident replays
/// (`scenarios/incidents/*.ron`, by title: `incident 000: ...` first) first, then `scenarios/*.ron`,
/// then the validation models (`scenarios/validation/*.ron`), by file name, with their titles and
/// descriptions.
pub fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for group in [ExampleGroup::Incident, ExampleGroup::Example, ExampleGroup::Validation] {
        let Ok(entries) = std::fs::read_dir(group.dir()) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .collect();
        files.sort();
        let first = out.len();
        for path in files {
            let (title, full) = match open(&path) {
                Ok(s) => (s.name, s.description),
                Err(e) => {
                    (path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(), e.to_string())
                }
            };
            let description = one_line(&full, EXAMPLE_DESCRIPTION_CHARS);
            out.push(Example { path, group, title, description, full_description: full });
        }
        // Incidents by their number (`incident 000: ...`), the others by file name.
        if group == ExampleGroup::Incident {
            out[first..].sort_by(|a, b| a.title.cmp(&b.title));
        }
    }
    out
}

/// Loads a scenario for editing: parse errors fail, semantic problems do not (the editor shows
/// them on the nodes).
pub fn open(path: &Path) -> Result<Scenario, LoadError> {
    let text = load::read_text(path)?;
    load::parse(&text, path)
}

/// The default example: from the current directory if there, else the built-in copy.
pub fn default_example() -> (Scenario, Option<PathBuf>) {
    let path = PathBuf::from(DEFAULT_EXAMPLE);
    if let Ok(s) = open(&path) {
        return (s, Some(path));
    }
    match load::parse(BUILTIN_EXAMPLE, Path::new(DEFAULT_EXAMPLE)) {
        Ok(s) => (s, None),
        Err(_) => (empty_scenario(), None),
    }
}

/// Whether `path` is one of the bundled examples (a `.ron` file directly in one of the examples'
/// directories under the current directory).
pub fn is_bundled(path: &Path) -> bool {
    let Ok(file) = path.canonicalize() else { return false };
    [ExampleGroup::Incident, ExampleGroup::Example, ExampleGroup::Validation]
        .iter()
        .any(|g| Path::new(g.dir()).canonicalize().is_ok_and(|d| file.parent() == Some(d.as_path())))
}

/// The path Save As proposes for a bundled example: `my-<name>.ron` in the current directory.
pub fn copy_name(path: &Path) -> String {
    let stem = path.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    format!("my-{stem}.ron")
}

/// A new, empty scenario.
pub fn empty_scenario() -> Scenario {
    Scenario::new("untitled", Default::default())
}

/// Which file dialog is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    /// Open a file.
    Open,
    /// Save under a new path.
    SaveAs,
    /// The examples gallery.
    Examples,
}

/// A file dialog: a path field plus recent files or examples.
#[derive(Debug)]
pub struct Dialog {
    /// Which one.
    pub kind: DialogKind,
    /// The path typed.
    pub path: String,
    /// The last error, shown under the field.
    pub error: Option<String>,
    /// A line over the field: why this dialog and not the system's.
    pub note: Option<String>,
    /// The examples listed (read when the gallery opens).
    examples: Vec<Example>,
    /// The path field takes the keyboard when the dialog opens.
    focus: bool,
}

/// What the user chose in a dialog.
#[derive(Debug, PartialEq)]
pub enum DialogChoice {
    /// Open this file.
    Open(PathBuf),
    /// Save to this file.
    SaveAs(PathBuf),
}

impl Dialog {
    /// A dialog of a kind, its field filled with `path`.
    pub fn new(kind: DialogKind, path: String) -> Self {
        let examples = if kind == DialogKind::Examples { examples() } else { Vec::new() };
        Dialog { kind, path, error: None, note: None, examples, focus: true }
    }

    /// Shows the dialog; returns the choice, and whether it should stay open.
    pub fn ui(&mut self, ctx: &egui::Context, recent: &[PathBuf]) -> (Option<DialogChoice>, bool) {
        let mut choice = None;
        let title = match self.kind {
            DialogKind::Open => "Open scenario",
            DialogKind::SaveAs => "Save scenario as",
            DialogKind::Examples => "Examples",
        };
        let mut keep_open = true;
        let modal = crate::gui::dialog::modal(ctx, "file-dialog").show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading(title);
            if let Some(note) = &self.note {
                ui.colored_label(super::theme::WARN, note);
            }
            if self.kind != DialogKind::Examples {
                ui.horizontal(|ui| {
                    let label = ui.label("Path");
                    let edit = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.path)
                                .desired_width(360.0)
                                .hint_text("scenarios/my-topology.ron"),
                        )
                        .labelled_by(label.id);
                    if std::mem::take(&mut self.focus) {
                        edit.request_focus();
                    }
                    let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let verb = if self.kind == DialogKind::Open { "Open" } else { "Save" };
                    if ui.button(verb).clicked() || enter {
                        let p = PathBuf::from(self.path.trim());
                        choice = Some(if self.kind == DialogKind::Open {
                            DialogChoice::Open(p)
                        } else {
                            DialogChoice::SaveAs(p)
                        });
                    }
                });
            }
            if let Some(e) = &self.error {
                ui.colored_label(super::theme::BAD, e);
            }
            if self.kind == DialogKind::Examples {
                if self.examples.is_empty() {
                    ui.label(
                        "No scenarios/ directory here: start gatesim from the repository to list its \
                         examples (File > New or Open work anywhere).",
                    );
                } else {
                    ui.separator();
                    if let Some(p) = examples_ui(ui, &self.examples) {
                        choice = Some(DialogChoice::Open(p));
                    }
                }
            }
            if self.kind == DialogKind::Open && !recent.is_empty() {
                ui.separator();
                ui.label("Recent files");
                egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                    for p in recent {
                        if ui.selectable_label(false, p.display().to_string()).clicked() {
                            choice = Some(DialogChoice::Open(p.clone()));
                        }
                    }
                });
            }
            ui.separator();
            if ui.button("Close").clicked() {
                keep_open = false;
            }
        });
        if modal.should_close() {
            keep_open = false;
        }
        (choice, keep_open)
    }
}

/// The gallery's list, grouped; returns the file clicked (its title or its path).
fn examples_ui(ui: &mut egui::Ui, examples: &[Example]) -> Option<PathBuf> {
    use super::theme;
    use egui::RichText;
    let mut chosen = None;
    // A fixed height from the first frame: the modal, centred on its size, does not move.
    let height = (ui.ctx().content_rect().height() - 260.0).clamp(200.0, 560.0);
    egui::ScrollArea::vertical().max_height(height).min_scrolled_height(height).show(ui, |ui| {
        let mut group = None;
        for e in examples {
            if group != Some(e.group) {
                group = Some(e.group);
                ui.add_space(4.0);
                ui.label(RichText::new(e.group.heading()).small().color(theme::TEXT_DIM));
            }
            let hover =
                if e.full_description.is_empty() { e.path.display().to_string() } else { e.full_description.clone() };
            let title = ui.selectable_label(false, RichText::new(&e.title).strong()).on_hover_text(&hover);
            let path = e.path.display().to_string();
            let mut clicked = title.clicked();
            ui.horizontal(|ui| {
                ui.add_space(8.0);
                clicked |= ui
                    .add(
                        egui::Label::new(RichText::new(&path).small().color(theme::ACCENT)).sense(egui::Sense::click()),
                    )
                    .on_hover_text("Open this file")
                    .clicked();
                if !e.description.is_empty() {
                    ui.add(egui::Label::new(RichText::new(&e.description).small().color(theme::TEXT_DIM)).truncate())
                        .on_hover_text(&hover);
                }
            });
            if clicked {
                chosen = Some(e.path.clone());
            }
        }
    });
    chosen
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_at_a_word_on_one_line() {
        assert_eq!(one_line("a  short\n text", 20), "a short text");
        let long = "NGINX limit_req tightened from 100r/s to 10r/s per client address at 14:30; 20,000 users";
        let cut = one_line(long, 40);
        assert!(cut.chars().count() <= 40, "{cut}");
        assert_eq!(cut, "NGINX limit_req tightened from 100r/s…");
    }

    #[test]
    fn the_gallery_lists_incidents_first_then_examples_then_validation_models() {
        // Tests run in the package's directory, where scenarios/ is.
        let list = examples();
        let groups: Vec<ExampleGroup> = list.iter().map(|e| e.group).collect();
        assert!(groups.is_sorted(), "{groups:?}");
        assert_eq!(list.first().map(|e| e.group), Some(ExampleGroup::Incident));
        let incident = &list[0];
        assert!(incident.path.starts_with("scenarios/incidents"), "{incident:?}");
        assert!(incident.title.starts_with("incident 000"), "{incident:?}");
        assert!(!incident.description.is_empty() && incident.description.chars().count() <= EXAMPLE_DESCRIPTION_CHARS);
        assert!(list.iter().any(|e| e.group == ExampleGroup::Validation));
    }

    /// A fresh data directory for one test.
    pub(crate) fn data(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gatesim-store-{}-{name}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[test]
    fn recent_files_are_remembered_newest_first() {
        let dir = data("recent");
        let mut store = Store::new(Some(dir.clone()));
        store.remember(Path::new("a.ron"));
        store.remember(Path::new("b.ron"));
        store.remember(Path::new("a.ron"));
        let recent = Store::new(Some(dir.clone())).recent().to_vec();
        assert_eq!(recent.len(), 2);
        assert!(recent[0].ends_with("a.ron"));
        std::fs::remove_dir_all(dir).ok();
    }
}
