//! The inspector's shared limits: a gateway declares one from its SHARED LIMITS section.

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
    // Renaming it in the inspector renames it in the routes naming it: that part, and the route's
    // "limit" combo box, are not driven here (egui_kittest did not find the open combo's entries).
    assert!(g.routes.iter().all(|r| r.shared_limit.is_none()));
    assert!(h.state().document().is_dirty());
}
