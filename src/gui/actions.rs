//! Every user action, in one enum: menus, keyboard shortcuts and the Ctrl+K command palette are all
//! built from [`UiCommand::ALL`], so no action lacks a shortcut entry or a place in the palette.

use crate::model::NodeKind;
use egui::{Key, KeyboardShortcut, Modifiers};

/// A user action (not a document change: many of these produce a [`super::commands::Command`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiCommand {
    /// Start a new, empty scenario.
    New,
    /// Open a scenario file (the system's file dialog).
    Open,
    /// Open a recent file, or one by typing its path.
    OpenRecent,
    /// Save to the current file (or ask where).
    Save,
    /// Save to a new file.
    SaveAs,
    /// Show the bundled examples.
    Examples,
    /// Export the validated config for a real product.
    Export,
    /// Read an NGINX or HAProxy config into a new scenario.
    Import,
    /// Undo the last change.
    Undo,
    /// Redo the last undone change.
    Redo,
    /// Run the simulation.
    Run,
    /// Run the scenario as written and each of its variants (counterfactuals).
    RunCounterfactuals,
    /// Check the document's config changes: the document without them, then with them, on the same
    /// seed, into the comparison panel.
    CheckChange,
    /// Apply the DR strategies to the design and simulate each facing a region outage.
    RunDr,
    /// Cancel the running simulation.
    Cancel,
    /// Delete the selection.
    Delete,
    /// Duplicate the selection.
    Duplicate,
    /// Copy the selection.
    Copy,
    /// Paste what was copied.
    Paste,
    /// Select every node.
    SelectAll,
    /// Show or hide the timeline and charts under the canvas (the summary cards stay).
    ToggleBottom,
    /// Lay the graph out in layers.
    AutoLayout,
    /// Fit the graph in the canvas.
    FitView,
    /// Keep the current report as the comparison baseline.
    PinBaseline,
    /// Open the command palette.
    CommandPalette,
    /// Add a node of a kind.
    AddNode(NodeKind),
}

impl UiCommand {
    /// Every action, in menu order. Actions whose shortcut extends another's (Ctrl+Shift+S and
    /// Ctrl+S) come first, since shortcuts are matched in this order.
    pub const ALL: [UiCommand; 31] = [
        UiCommand::New,
        UiCommand::Open,
        UiCommand::OpenRecent,
        UiCommand::SaveAs,
        UiCommand::Save,
        UiCommand::Examples,
        UiCommand::Export,
        UiCommand::Import,
        UiCommand::Redo,
        UiCommand::Undo,
        UiCommand::Run,
        UiCommand::RunCounterfactuals,
        UiCommand::CheckChange,
        UiCommand::RunDr,
        UiCommand::Cancel,
        UiCommand::Delete,
        UiCommand::Duplicate,
        UiCommand::Copy,
        UiCommand::Paste,
        UiCommand::SelectAll,
        UiCommand::AutoLayout,
        UiCommand::FitView,
        UiCommand::ToggleBottom,
        UiCommand::PinBaseline,
        UiCommand::CommandPalette,
        UiCommand::AddNode(NodeKind::Clients),
        UiCommand::AddNode(NodeKind::Gateway),
        UiCommand::AddNode(NodeKind::LoadBalancer),
        UiCommand::AddNode(NodeKind::Service),
        UiCommand::AddNode(NodeKind::Dns),
        UiCommand::AddNode(NodeKind::DataStore),
    ];

    /// The menu and palette text.
    pub fn label(self) -> &'static str {
        match self {
            UiCommand::New => "New",
            UiCommand::Open => "Open…",
            UiCommand::OpenRecent => "Open recent or by path…",
            UiCommand::Save => "Save",
            UiCommand::SaveAs => "Save as…",
            UiCommand::Examples => "Examples…",
            UiCommand::Export => "Export config…",
            UiCommand::Import => "Import config…",
            UiCommand::Undo => "Undo",
            UiCommand::Redo => "Redo",
            UiCommand::Run => "Run simulation",
            UiCommand::RunCounterfactuals => "Run counterfactuals",
            UiCommand::CheckChange => "Check change",
            UiCommand::RunDr => "Run DR strategies",
            UiCommand::Cancel => "Cancel run",
            UiCommand::Delete => "Delete selection",
            UiCommand::Duplicate => "Duplicate selection",
            UiCommand::Copy => "Copy",
            UiCommand::Paste => "Paste",
            UiCommand::SelectAll => "Select all",
            UiCommand::AutoLayout => "Auto-layout",
            UiCommand::FitView => "Fit to window",
            UiCommand::ToggleBottom => "Show or hide timeline and charts",
            UiCommand::PinBaseline => "Pin report as baseline",
            UiCommand::CommandPalette => "Command palette",
            UiCommand::AddNode(NodeKind::Clients) => "Add clients",
            UiCommand::AddNode(NodeKind::Gateway) => "Add API gateway",
            UiCommand::AddNode(NodeKind::LoadBalancer) => "Add load balancer",
            UiCommand::AddNode(NodeKind::Service) => "Add service",
            UiCommand::AddNode(NodeKind::Dns) => "Add DNS",
            UiCommand::AddNode(NodeKind::DataStore) => "Add data store",
        }
    }

    /// What it does, for tooltips.
    pub fn help(self) -> &'static str {
        match self {
            UiCommand::New => "Start an empty scenario",
            UiCommand::Open => "Open a .ron scenario file (the system's file dialog, where the desktop has one)",
            UiCommand::OpenRecent => "Open a recently used file, or type a scenario's path",
            UiCommand::Save => "Save the scenario (atomically) to its file",
            UiCommand::SaveAs => "Save the scenario to a new path",
            UiCommand::Examples => "Open one of the bundled scenarios",
            UiCommand::Export => {
                "Simulate the scenario and write it as an NGINX, HAProxy, ... config, refused when it breaks its SLOs"
            }
            UiCommand::Import => {
                "Read an nginx.conf or haproxy.cfg into a new scenario, listing what could not be mapped"
            }
            UiCommand::Undo => "Undo the last change",
            UiCommand::Redo => "Redo the last undone change",
            UiCommand::Run => "Simulate the scenario on a worker thread",
            UiCommand::RunCounterfactuals => {
                "Run the scenario as written and each of its variants on the same seed, and compare them"
            }
            UiCommand::CheckChange => {
                "Simulate the document without its config changes and with them (unsaved edits included) on \
                 the same seed, compare them, and judge the change against the SLOs as `gatesim check` does"
            }
            UiCommand::RunDr => {
                "Apply backup and restore, pilot light, warm standby and active/active to the design and \
                 simulate each, and the design as written, facing the same outage of its primary region"
            }
            UiCommand::Cancel => "Stop the running simulation",
            UiCommand::Delete => "Delete the selected nodes or link",
            UiCommand::Duplicate => "Copy the selected nodes (and links among them) next to them",
            UiCommand::Copy => "Copy the selected nodes and the links among them",
            UiCommand::Paste => "Paste copied nodes with fresh names",
            UiCommand::SelectAll => "Select every node",
            UiCommand::AutoLayout => "Place nodes in layers by their longest path from the clients",
            UiCommand::FitView => "Zoom and pan so the whole topology is visible",
            UiCommand::ToggleBottom => {
                "Fold the timeline and charts away to give the canvas the window (the cards stay)"
            }
            UiCommand::PinBaseline => "Keep the last report to compare the next run against",
            UiCommand::CommandPalette => "Search every action",
            UiCommand::AddNode(_) => "Add a node with default parameters",
        }
    }

    /// The keyboard shortcut, if any.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = |key| Some(KeyboardShortcut::new(Modifiers::COMMAND, key));
        let cmd_shift = |key| Some(KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, key));
        let plain = |key| Some(KeyboardShortcut::new(Modifiers::NONE, key));
        match self {
            UiCommand::New => cmd(Key::N),
            UiCommand::Open => cmd(Key::O),
            UiCommand::Save => cmd(Key::S),
            UiCommand::SaveAs => cmd_shift(Key::S),
            UiCommand::Examples => cmd_shift(Key::E),
            UiCommand::OpenRecent | UiCommand::Export | UiCommand::Import => None,
            UiCommand::Undo => cmd(Key::Z),
            UiCommand::Redo => cmd_shift(Key::Z),
            UiCommand::Run => plain(Key::F5),
            UiCommand::RunCounterfactuals => cmd(Key::F5),
            UiCommand::CheckChange => cmd_shift(Key::Enter),
            UiCommand::RunDr => None,
            UiCommand::Cancel => plain(Key::Escape),
            UiCommand::Delete => plain(Key::Delete),
            UiCommand::Duplicate => cmd(Key::D),
            UiCommand::Copy => cmd(Key::C),
            UiCommand::Paste => cmd(Key::V),
            UiCommand::SelectAll => cmd(Key::A),
            UiCommand::AutoLayout => cmd(Key::L),
            UiCommand::FitView => plain(Key::F),
            UiCommand::ToggleBottom => cmd(Key::J),
            UiCommand::PinBaseline => cmd(Key::B),
            UiCommand::CommandPalette => cmd(Key::K),
            UiCommand::AddNode(_) => None,
        }
    }

    /// True for actions that start a simulation (refused while one runs).
    pub fn simulates(self) -> bool {
        matches!(self, UiCommand::Run | UiCommand::RunCounterfactuals | UiCommand::CheckChange | UiCommand::RunDr)
    }

    /// True for actions that also act on text fields (Ctrl+C in a field copies text): they run
    /// only when no text field has the keyboard.
    pub fn yields_to_text_fields(self) -> bool {
        matches!(
            self,
            UiCommand::Undo
                | UiCommand::Redo
                | UiCommand::Delete
                | UiCommand::Duplicate
                | UiCommand::Copy
                | UiCommand::Paste
                | UiCommand::SelectAll
                | UiCommand::FitView
                | UiCommand::Cancel
        )
    }
}

/// The Ctrl+K palette's state: open or not, and the filter text.
#[derive(Debug, Default)]
pub struct Palette {
    /// Shown.
    pub open: bool,
    /// What the user typed.
    pub filter: String,
}

impl Palette {
    /// Actions whose label contains every word of the filter (case-insensitive), in menu order.
    pub fn matches(&self) -> Vec<UiCommand> {
        let words: Vec<String> = self.filter.split_whitespace().map(str::to_lowercase).collect();
        UiCommand::ALL
            .into_iter()
            .filter(|c| {
                let label = c.label().to_lowercase();
                words.iter().all(|w| label.contains(w))
            })
            .collect()
    }

    /// Shows the palette; returns the chosen action.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<UiCommand> {
        if !self.open {
            return None;
        }
        let mut chosen = None;
        let modal = crate::gui::dialog::modal(ctx, "command-palette").show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading("Command palette");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("Type to search actions")
                    .desired_width(f32::INFINITY),
            );
            edit.request_focus();
            let matches = self.matches();
            if ui.input(|i| i.key_pressed(Key::Enter)) {
                chosen = matches.first().copied();
            }
            ui.separator();
            egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                // One row per action: its shortcut right-aligned in a column of its own width,
                // the label in the rest (elided, never under the keys), on the first frame too.
                const KEYS_W: f32 = 130.0;
                for c in matches {
                    let keys = c.shortcut().map(|s| ctx.format_shortcut(&s)).unwrap_or_default();
                    ui.horizontal(|ui| {
                        let label_w = (ui.available_width() - KEYS_W).max(80.0);
                        let layout = egui::Layout::left_to_right(egui::Align::Center);
                        let r = ui.allocate_ui_with_layout(egui::vec2(label_w, 20.0), layout, |ui| {
                            ui.set_min_width(label_w);
                            ui.add(egui::Button::selectable(false, c.label()).truncate())
                        });
                        if r.inner.on_hover_text(c.help()).clicked() {
                            chosen = Some(c);
                        }
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.weak(keys));
                    });
                }
            });
        });
        if modal.should_close() || chosen.is_some() {
            self.open = false;
            self.filter.clear();
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_in_the_palette_and_the_filter_narrows() {
        let mut p = Palette::default();
        assert_eq!(p.matches().len(), UiCommand::ALL.len());
        p.filter = "save".into();
        assert_eq!(p.matches(), vec![UiCommand::SaveAs, UiCommand::Save]);
    }

    #[test]
    fn longer_shortcuts_come_before_their_prefixes() {
        let pos = |c| UiCommand::ALL.iter().position(|&x| x == c);
        assert!(pos(UiCommand::SaveAs) < pos(UiCommand::Save));
        assert!(pos(UiCommand::Redo) < pos(UiCommand::Undo));
    }
}
