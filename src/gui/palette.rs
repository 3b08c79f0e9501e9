//! The left panel: the node palette and the outline (regions and their nodes).

use super::canvas::Selection;
use super::theme;
use crate::model::{NodeKind, Scenario};
use egui::{RichText, Sense, Ui, vec2};

/// What the user did in the left panel.
#[derive(Debug, Default, PartialEq)]
pub struct LeftPanelOut {
    /// Add a node of this kind.
    pub add: Option<NodeKind>,
    /// Select this node.
    pub select: Option<String>,
    /// Select the timeline entry at this index.
    pub select_event: Option<usize>,
}

const KINDS: [(NodeKind, &str); 6] = [
    (NodeKind::Clients, "Clients"),
    (NodeKind::Dns, "DNS (Route 53)"),
    (NodeKind::Gateway, "API gateway"),
    (NodeKind::LoadBalancer, "Load balancer"),
    (NodeKind::Service, "Service"),
    (NodeKind::DataStore, "Data store"),
];

/// The palette and the outline.
pub fn left_panel_ui(ui: &mut Ui, scenario: &Scenario, selection: &Selection) -> LeftPanelOut {
    let mut out = LeftPanelOut::default();
    ui.add_space(6.0);
    ui.label(RichText::new("PALETTE").small().color(theme::TEXT_DIM));
    for (kind, label) in KINDS {
        ui.horizontal(|ui| {
            // The kind's colour swatch, then the button.
            let (swatch, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
            ui.painter().rect_filled(swatch, 2.0, theme::kind_colour(kind));
            let button = egui::Button::new(label).min_size(vec2(ui.available_width(), 24.0)).fill(theme::CARD);
            if ui.add(button).on_hover_text(format!("Add a {} with default parameters", kind.label())).clicked() {
                out.add = Some(kind);
            }
        });
    }
    ui.add_space(10.0);
    ui.label(RichText::new("OUTLINE").small().color(theme::TEXT_DIM));
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        let topo = &scenario.topology;
        let mut groups: Vec<(Option<&str>, Vec<&crate::model::Node>)> =
            topo.regions.iter().map(|r| (Some(r.name.as_str()), Vec::new())).collect();
        groups.push((None, Vec::new()));
        for n in &topo.nodes {
            let g = groups.iter().position(|(r, _)| *r == n.region()).unwrap_or(groups.len() - 1);
            groups[g].1.push(n);
        }
        for (region, nodes) in groups {
            if region.is_none() && nodes.is_empty() {
                continue;
            }
            let title = region.unwrap_or("(no region)");
            egui::CollapsingHeader::new(title).default_open(true).show(ui, |ui| {
                for n in nodes {
                    let selected = selection.nodes.contains(n.name());
                    let text = RichText::new(n.name()).color(if selected { theme::TEXT } else { theme::TEXT_DIM });
                    let r = ui.selectable_label(selected, text);
                    let dot = egui::Rect::from_min_size(r.rect.left_center() - vec2(10.0, 3.0), vec2(6.0, 6.0));
                    ui.painter().rect_filled(dot, 3.0, theme::kind_colour(n.kind()));
                    if r.interact(Sense::click()).clicked() {
                        out.select = Some(n.name().to_owned());
                    }
                }
            });
        }
        if !scenario.timeline.is_empty() {
            egui::CollapsingHeader::new("timeline").default_open(true).show(ui, |ui| {
                for (i, e) in scenario.timeline.iter().enumerate() {
                    let selected = selection.event == Some(i);
                    let text = RichText::new(e.name()).color(if selected { theme::TEXT } else { theme::TEXT_DIM });
                    let r = ui.selectable_label(selected, text).on_hover_text(e.describe());
                    let dot = egui::Rect::from_min_size(r.rect.left_center() - vec2(10.0, 3.0), vec2(6.0, 6.0));
                    ui.painter().rect_filled(dot, 1.0, theme::event_colour(e.kind()));
                    if r.clicked() {
                        out.select_event = Some(i);
                    }
                }
            });
        }
    });
    out
}
