//! Honest cards and an honest empty scenario: a card without a figure says why and what would
//! give it one, an empty scenario says what it lacks on the canvas, and Run says it instead of
//! failing.

use super::*;
use gatesim::gui::actions::UiCommand;
use gatesim::gui::empty_state;
use gatesim::model::ready::SENDS_TO_NOWHERE;

#[test]
fn a_card_without_a_figure_says_what_would_give_it_one() {
    // checkout.ron has no timeline: no alarm, no incident, no data store.
    let (mut h, _) = harness_on("scenarios/checkout.ron", "cards-before-run");
    // Before a run, the cards say what the scenario lacks, or to run it.
    h.get_by_label(results::ADD_ALARM);
    h.get_by_label(results::NOTHING_TO_RECOVER);
    h.get_by_label("run (F5) to see the users hurt");
    assert!(h.query_all_by_label(results::NOT_RUN).count() >= 3);
    h.get_by_label("Run (F5)").click();
    h.run_steps(2);
    wait_for_run(&mut h);
    assert!(h.state().runner().report().is_some());
    // After it, the figures it can give and, for the others, the same leading words.
    assert!(h.query_by_label("run (F5) to see the users hurt").is_none());
    h.get_by_label(results::ADD_ALARM);
    h.get_by_label(results::NOTHING_TO_RECOVER);
    h.get_by_label("add a data store with replicas to measure data lost");
    assert!(h.query_by_label("-").is_none(), "a card shows a bare dash");
}

#[test]
fn an_empty_scenario_says_what_is_missing_and_run_says_it_instead_of_failing() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "empty-scenario");
    assert!(h.query_by_label(empty_state::HEADING).is_none(), "a runnable scenario shows the empty state");
    h.state_mut().dispatch(UiCommand::New);
    h.run_steps(3);
    // On the canvas and on every card.
    h.get_by_label(empty_state::HEADING);
    let empty =
        "the scenario is empty: add clients and the gateway, load balancer or service they call, then link them";
    h.get_by_label(empty);
    assert_eq!(h.query_all_by_label("add clients and what they call, then link them").count(), 7, "the cards");
    // Run does not start a run that can only report nothing: it says what to add.
    h.get_by_label("Run (F5)").click();
    h.run_steps(2);
    assert!(!h.state().runner().is_running() && h.state().runner().report().is_none());
    let (status, bad) = h.state().status().unwrap_or_else(|| panic!("Run said nothing"));
    assert!(bad && status.starts_with("The scenario is empty: add clients"), "{status}");
    // F5 too, and the button's tooltip says the same.
    assert_eq!(empty_state::run_hover(h.state().document().scenario()), status);

    // A service alone: still nothing sends requests.
    h.get_by_label("Service").click();
    h.run_steps(2);
    let nothing = "nothing sends requests: add clients and link them to a gateway, load balancer or service";
    h.get_by_label(nothing);
    assert_eq!(h.query_all_by_label("add clients and link them").count(), 7);
    // Clients linked to nothing: named, in validation's words.
    h.get_by_label("Clients").click();
    h.run_steps(2);
    let clients = h
        .state()
        .document()
        .scenario()
        .topology
        .nodes
        .iter()
        .find(|n| n.kind() == gatesim::model::NodeKind::Clients)
        .map(|n| n.name().to_owned())
        .unwrap_or_else(|| panic!("no clients added"));
    h.get_by_label(&format!("{clients}: {SENDS_TO_NOWHERE}"));
    assert_eq!(h.query_all_by_label(&format!("link {clients} to a gateway, load balancer or service")).count(), 7);
    h.key_press(Key::F5);
    h.run_steps(2);
    assert!(!h.state().runner().is_running());
    assert_eq!(h.state().status().map(|(m, _)| m.to_owned()), Some(format!("{clients}: {SENDS_TO_NOWHERE}")));
    // Linked: the note goes, and Run runs.
    let service = h.state().document().scenario().topology.nodes[0].name().to_owned();
    let (from, to) = handle_and_card(h.state(), &clients, &service);
    drag(&mut h, from, to);
    assert_eq!(h.state().document().scenario().topology.links.len(), 1, "the drag made no link");
    assert!(h.query_by_label(empty_state::HEADING).is_none());
    h.key_press(Key::F5);
    h.run_steps(2);
    wait_for_run(&mut h);
    assert!(h.state().runner().report().is_some());
}
