//! Dispatch of [`UiCommand`]s (menus, shortcuts, the palette), with the clipboard's copy and
//! paste.

use super::App;
use crate::gui::actions::UiCommand;
use crate::gui::canvas::Selection;
use crate::gui::commands::Command;
use crate::gui::export_dialog::ExportDialog;
use crate::gui::file_dialogs::Purpose;
use crate::gui::files::{Dialog, DialogKind};
use crate::gui::{layout, theme};
use crate::model::{Link, Node};

impl App {
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
            UiCommand::New => {
                if let Err(e) = self.request_replace(super::Replacement::New) {
                    self.status = Some((e, true));
                }
            }
            UiCommand::Open => self.ask_file(Purpose::Open),
            UiCommand::OpenRecent => self.dialog = Some(Dialog::new(DialogKind::Open, String::new())),
            UiCommand::SaveAs => self.ask_file(Purpose::SaveAs),
            UiCommand::Save => self.save(),
            UiCommand::Examples => {
                self.dialog = Some(Dialog::new(DialogKind::Examples, String::new()));
            }
            UiCommand::Import => self.ask_file(Purpose::Import),
            UiCommand::Export => {
                self.export = Some(ExportDialog::new(self.doc.scenario(), self.doc.path.as_deref()));
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
            UiCommand::ToggleBottom => self.bottom_folded = !self.bottom_folded,
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
                let name = crate::gui::commands::free_name(self.doc.scenario(), base);
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
}
