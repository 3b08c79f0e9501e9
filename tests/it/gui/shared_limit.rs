//! The inspector's shared limits: a gateway declares one from its SHARED LIMITS section and a
//! route counts against it.

use super::*;
use gatesim::model::Node;

fn gateway(app: &App, name: &str) -> gatesim::model::Gateway {
    match app.document().scenario().topology.node(name) {
        Some(Node::Gateway(g)) => g.clone(),
        other => panic!("{name} is not a gateway: {other:?}"),
    }
}

#[test]
fn declare_a_shared_limit_and_point_a_route_at_it() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "shared-limit");
    let at = node_centre(h.state(), "edge-gw");
    click_at(&mut h, at);
    assert!(h.state().canvas().selection.nodes.contains("edge-gw"));
    h.get_by_label("+ shared limit").click();
    h.run_steps(3);
    let g = gateway(h.state(), "edge-gw");
    assert_eq!(g.limits.len(), 1);
    assert_eq!(g.limits[0].name, "limit1");
    assert!(g.routes.iter().all(|r| r.shared_limit.is_none()));
    assert!(h.state().document().is_dirty());

    // The route's "limit" combo box points it at the shared limit (and drops any own limit).
    let before = g.routes[0].clone();
    h.get_by_label("  limit").scroll_to_me();
    h.run_steps(2);
    // Opened through accesskit: a pointer click on the combo did not open it in egui_kittest.
    h.get_by_label("  limit").click_accesskit();
    h.run_steps(3);
    h.get_by_label("shared limit1").click();
    h.run_steps(3);
    let g = gateway(h.state(), "edge-gw");
    assert_eq!((g.routes[0].shared_limit.as_deref(), g.routes[0].rate_limit.is_none()), (Some("limit1"), true));
    // One undo gives the route back as it was.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(gateway(h.state(), "edge-gw").routes[0], before);
}
