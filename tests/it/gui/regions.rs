//! DNS names, data stores and deployments edited in the inspector, and a two-region run's
//! outage on the canvas.

use super::*;

fn dns_of(app: &App, name: &str) -> gatesim::model::Dns {
    match app.document().scenario().topology.node(name) {
        Some(gatesim::model::Node::Dns(d)) => d.clone(),
        other => panic!("{name} is not a DNS name: {other:?}"),
    }
}

#[test]
fn the_palette_adds_a_dns_name_and_a_data_store_with_their_policies_in_words() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "global-nodes");
    h.get_by_label("DNS (Route 53)").click();
    h.run_steps(2);
    let dns = dns_of(h.state(), "dns");
    assert!(h.state().canvas().selection.nodes.contains("dns"));
    assert_eq!(
        gatesim::gui::canvas::node_summary(&gatesim::model::Node::Dns(dns)),
        "failover · TTL 60 s · checks 30 s x3"
    );
    // Its inspector: routing, TTL, health checks and the records.
    for label in ["routing", "TTL", "health checks", "RECORDS", "Add record"] {
        h.get_by_label(label);
    }

    h.get_by_label("Data store").click();
    h.run_steps(2);
    let store = h.state().document().scenario().topology.node("store").cloned();
    let Some(store @ gatesim::model::Node::DataStore(_)) = store else { panic!("no data store: {store:?}") };
    assert!(h.state().canvas().selection.nodes.contains("store"));
    assert_eq!(gatesim::gui::canvas::node_summary(&store), "primary (no region) · no replica");
    for label in ["primary region", "replication", "promotion", "backups", "REPLICAS", "Add replica"] {
        h.get_by_label(label);
    }
    // Two undo steps: one per node added.
    for _ in 0..2 {
        h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        h.run_steps(2);
    }
    assert!(!h.state().document().is_dirty());
}

#[test]
fn editing_a_dns_records_role_in_the_inspector_is_one_undo_step() {
    use gatesim::model::RecordRole;
    // A taller window: the DNS name's inspector fits above the bottom panel.
    let (mut h, _) = harness_sized("scenarios/checkout.ron", "dns-record", [1600.0, 1300.0]);
    h.get_by_label("DNS (Route 53)").click();
    h.run_steps(2);
    // Linked to the gateway, a new record answers with it, as the primary.
    let link = gatesim::gui::canvas::new_link("dns", "edge-gw");
    h.state_mut().apply(gatesim::gui::commands::Command::AddLink(link), None);
    h.run_steps(2);
    h.get_by_label("Add record").click();
    h.run_steps(2);
    let records = dns_of(h.state(), "dns").records;
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].target.as_str(), records[0].role), ("edge-gw", RecordRole::Primary));

    // The role, chosen from its combo box.
    h.get_by_label("role").click();
    h.run_steps(3);
    h.get_by_label("secondary").click();
    h.run_steps(2);
    assert_eq!(dns_of(h.state(), "dns").records[0].role, RecordRole::Secondary);

    // One undo brings the primary back and keeps the record; redo makes it secondary again.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    let records = dns_of(h.state(), "dns").records;
    assert_eq!((records.len(), records[0].role), (1, RecordRole::Primary));
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_steps(2);
    assert_eq!(dns_of(h.state(), "dns").records[0].role, RecordRole::Secondary);
}

#[test]
fn a_run_of_two_regions_marks_the_region_down_while_scrubbed_in_its_outage_and_fills_the_rpo_card() {
    let (mut h, _) = harness_on("scenarios/two-region-failover.ron", "two-regions");
    // The outage runs from 09:10 (600 s) for 40 minutes: 30 minutes of run and one replicate
    // keep the test short.
    use gatesim::gui::commands::Command;
    let mut run = h.state().document().scenario().run.clone();
    (run.replicates, run.duration_s) = (1, 1800.0);
    h.state_mut().apply(Command::SetRun(run), None);
    // Before a run nothing is scrubbed: every frame is drawn as it is.
    assert!(h.state().canvas().regions.is_empty());
    h.key_press(Key::F5);
    h.run_steps(1);
    wait_for_run(&mut h);
    let report =
        h.state().runner().report().unwrap_or_else(|| panic!("no report: {:?}", h.state().runner().state)).clone();

    // Scrubbed inside the outage, us-east-1's frame is drawn failed, with "down" in its label.
    let ruler = h.get_by_label("timeline ruler").rect();
    click_at(&mut h, Pos2::new(x_at(ruler, 900.0, 1800.0), ruler.center().y));
    let marks = h.state().canvas().regions.clone();
    let east = marks.get("us-east-1").unwrap_or_else(|| panic!("us-east-1 is not marked: {marks:?}"));
    assert!(east.is_down(), "{east:?}");
    assert_eq!(east.label("us-east-1"), "us-east-1 · down (us-east-1-outage)");
    assert!(!marks.contains_key("us-west-2"), "{marks:?}");
    // Before the outage no region is down.
    click_at(&mut h, Pos2::new(x_at(ruler, 300.0, 1800.0), ruler.center().y));
    assert!(h.state().canvas().regions.is_empty(), "{:?}", h.state().canvas().regions);

    // The RPO card: the age of the oldest write lost when us-east-1 failed, and how many.
    let cards = results::cards(h.state().document().scenario(), Some(&report));
    let rpo = &cards[5];
    assert_eq!(rpo.caption, results::RPO);
    assert!(!rpo.no_figure, "{rpo:?}");
    assert!(rpo.detail.contains("lost") && rpo.detail.ends_with("1 of 1"), "{rpo:?}");
    for text in [results::RPO, rpo.value.as_str(), rpo.detail.as_str()] {
        h.get_by_label(text);
    }
}

fn deployment_of(app: &App, name: &str) -> gatesim::model::Deployment {
    match app.document().scenario().topology.node(name) {
        Some(gatesim::model::Node::Service(s)) => s.deployment.clone(),
        other => panic!("{name} is not a service: {other:?}"),
    }
}

#[test]
fn choosing_serverless_in_the_inspector_sets_the_deployment_in_one_undo_step() {
    use gatesim::model::{Deployment, Serverless};
    // A taller window: the service's deployment section fits above the bottom panel.
    let (mut h, _) = harness_sized("scenarios/checkout.ron", "serverless", [1600.0, 1300.0]);
    let at = node_centre(h.state(), "orders");
    click_at(&mut h, at);
    assert!(h.state().canvas().selection.nodes.contains("orders"));
    // A VM of the default size, priced in its region.
    assert_eq!(deployment_of(h.state(), "orders"), Deployment::Vm { size: None });
    h.get_by_label("DEPLOYMENT");
    h.get_by_label("size");
    h.get_by_label_contains("$0.0816/h x 2 = $0.163/h in us-east-1");

    h.get_by_label("deployment").click();
    h.run_steps(3);
    h.get_by_label("serverless (Lambda)").click();
    h.run_steps(2);
    assert_eq!(deployment_of(h.state(), "orders"), Deployment::Serverless(Serverless::default()));
    // The function's fields replace the size, and validation says what the change breaks: the
    // balancer's pool cannot hold a function.
    for label in ["cold start", "concurrency limit", "keep warm", "memory"] {
        h.get_by_label(label);
    }
    assert!(h.query_by_label("size").is_none());
    h.get_by_label_contains("not from a load balancer's pool");

    // One undo brings the VM back; redo the function.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(deployment_of(h.state(), "orders"), Deployment::Vm { size: None });
    assert!(!h.state().document().is_dirty());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_steps(2);
    assert_eq!(deployment_of(h.state(), "orders"), Deployment::Serverless(Serverless::default()));
}
