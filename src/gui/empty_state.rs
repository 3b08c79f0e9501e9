//! The canvas's empty state: while the scenario has nothing to simulate ([`ready::missing`]: no
//! node, no clients, clients linked to nothing), a note over the canvas says what to add and how,
//! in the words validation uses. Run says the same ([`run_hover`]), so the first thing a new
//! scenario shows is what it needs, not a failed run.

use super::theme;
use crate::model::Scenario;
use crate::model::ready::{self, Missing};
use egui::{Align2, RichText, Ui};

/// The note's heading.
pub const HEADING: &str = "Nothing to run yet";

/// How to do what the note asks, in the editor's gestures.
fn how(missing: &Missing) -> &'static str {
    match missing {
        Missing::Nodes | Missing::Clients => {
            "Add nodes from the palette on the left (or Insert); connect two by dragging from a node's right \
             edge onto the other."
        }
        Missing::Links(_) => "Connect it by dragging from its right edge onto a gateway, load balancer or service.",
    }
}

/// What the scenario lacks before it can run, as a sentence (a node's name keeps its case), or
/// None when it can run. Run says it instead of starting.
pub fn cannot_run(s: &Scenario) -> Option<String> {
    let missing = ready::missing(s)?;
    let text = missing.to_string();
    let mut chars = text.chars();
    Some(match (&missing, chars.next()) {
        (Missing::Links(_), _) | (_, None) => text,
        (_, Some(first)) => first.to_uppercase().chain(chars).collect(),
    })
}

/// The Run button's tooltip: what is missing, or what Run does.
pub fn run_hover(s: &Scenario) -> String {
    cannot_run(s).unwrap_or_else(|| "Simulate the scenario".to_owned())
}

/// Draws the note over the canvas `rect` when the scenario has nothing to simulate: centred on an
/// empty canvas, at the top when there are nodes to keep in view. Labels, so screen readers (and
/// tests) find it.
pub fn empty_state_ui(ui: &mut Ui, rect: egui::Rect, s: &Scenario) {
    let Some(missing) = ready::missing(s) else { return };
    let (anchor, offset) = match missing {
        Missing::Nodes => (Align2::CENTER_CENTER, egui::vec2(0.0, 0.0)),
        _ => (Align2::CENTER_TOP, egui::vec2(0.0, 36.0)),
    };
    let width = (rect.width() - 40.0).clamp(200.0, 520.0);
    egui::Area::new(egui::Id::unique("canvas-empty-state"))
        .order(egui::Order::Middle)
        .pivot(anchor)
        .fixed_pos(anchor.pos_in_rect(&rect) + offset)
        .interactable(false)
        .constrain_to(rect)
        .show(ui.ctx(), |ui| {
            egui::Frame::new()
                .fill(theme::CARD)
                .stroke(egui::Stroke::new(1.0, theme::WARN))
                .corner_radius(theme::RADIUS)
                .inner_margin(egui::Margin::symmetric(14, 10))
                .show(ui, |ui| {
                    ui.set_max_width(width);
                    ui.label(RichText::new(HEADING).size(15.0).strong().color(theme::TEXT));
                    ui.label(RichText::new(missing.to_string()).color(theme::TEXT));
                    ui.label(RichText::new(how(&missing)).small().color(theme::TEXT_DIM));
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Node, NodeKind, Topology};

    #[test]
    fn run_says_what_is_missing_as_a_sentence() {
        let mut s = Scenario::new("t", Topology::default());
        assert_eq!(
            cannot_run(&s).as_deref(),
            Some(
                "The scenario is empty: add clients and the gateway, load balancer or service they call, then link them"
            )
        );
        s.topology.nodes.push(Node::with_defaults(NodeKind::Service, "api"));
        assert!(run_hover(&s).starts_with("Nothing sends requests: add clients"), "{}", run_hover(&s));
        s.topology.nodes.push(Node::with_defaults(NodeKind::Clients, "users"));
        // A node's name keeps its case.
        assert_eq!(cannot_run(&s).as_deref(), Some(format!("users: {}", ready::SENDS_TO_NOWHERE).as_str()));
        s.topology.links.push(Link {
            from: "users".into(),
            to: "api".into(),
            latency: Default::default(),
            weight: 1.0,
        });
        assert_eq!(cannot_run(&s), None);
        assert_eq!(run_hover(&s), "Simulate the scenario");
    }
}
