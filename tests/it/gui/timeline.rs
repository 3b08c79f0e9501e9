//! The timeline's lanes: entries dragged, selected, moved, added and deleted.

use super::*;

#[test]
fn dragging_a_traffic_step_in_the_timeline_moves_it_in_one_undo_step() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "timeline");
    let steps = |app: &App| match app.document().scenario().topology.node("shoppers") {
        Some(gatesim::model::Node::Clients(c)) => match &c.traffic {
            gatesim::model::Traffic::Steps { steps } => steps.iter().map(|s| (s.at_s, s.rate_rps)).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(steps(h.state()), [(0.0, 400.0), (300.0, 560.0)]);
    // The lane spans the run (600 s); its height spans 0 to 1.5 x the peak rate (840 r/s).
    let lane = h.get_by_label("traffic lane shoppers").rect();
    let at =
        |t: f32, rate: f32| Pos2::new(lane.min.x + lane.width() * t / 600.0, lane.max.y - lane.height() * rate / 840.0);
    drag(&mut h, at(300.0, 560.0), at(450.0, 560.0));
    let moved = steps(h.state());
    assert!((moved[1].0 - 450.0).abs() < 5.0, "{moved:?}");
    assert!((moved[1].1 - 560.0).abs() < 30.0, "{moved:?}");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(steps(h.state()), [(0.0, 400.0), (300.0, 560.0)]);
}

fn change_start(app: &App, index: usize) -> Option<gatesim::model::At> {
    match app.document().scenario().timeline.get(index) {
        Some(gatesim::model::Event::Change(c)) => c.at,
        other => panic!("not a change: {other:?}"),
    }
}

#[test]
fn timeline_entries_are_selected_moved_added_and_deleted_on_their_lanes() {
    use gatesim::model::{At, Event, EventKind, FaultKind};
    let (mut h, _) = harness_on("scenarios/payments-bad-deploy.ron", "timeline-entries");
    let duration = 4800.0;
    let clock = |h: u32, m: u32| At::Clock(h * 3600 + m * 60);
    let len = |app: &App| app.document().scenario().timeline.len();
    assert_eq!(len(h.state()), 6);

    // payments-v2 goes out at 09:10, 600 s into the run: a click on its marker selects it, and
    // the inspector edits it.
    let changes = lane(&h, "changes");
    let marker = Pos2::new(x_at(changes, 600.0, duration), changes.center().y);
    click_at(&mut h, marker);
    assert_eq!(h.state().canvas().selection.event, Some(0));
    h.get_by_label("rollback at");

    // Dragging it ten minutes later moves it to 09:20, still written as a time of day; one undo
    // step puts it back.
    drag(&mut h, marker, Pos2::new(x_at(changes, 1200.0, duration), changes.center().y));
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 20)));
    assert_eq!(h.state().canvas().selection.event, Some(0));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 10)));
    assert!(!h.state().document().is_dirty());

    // The start typed into the inspector: a time of day, or a text that does not parse (which
    // says why and changes nothing).
    h.get_by_label("start").set_text_value_accesskit("09:12");
    h.run_steps(3);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 12)));
    h.get_by_label("start").set_text_value_accesskit("soon");
    h.run_steps(3);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 12)));
    assert!(h.query_all_by_label_contains("expected a duration").count() >= 1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 10)));
    // Typed: nothing applies per keystroke, Enter applies the whole text.
    h.get_by_label("start").click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text("09:1".into()));
    h.run_steps(2);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 10)));
    h.event(egui::Event::Text("4".into()));
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 14)));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(change_start(h.state(), 0), Some(clock(9, 10)));

    // A right-click on an empty spot of the fault lane adds a fault there (09:40), selected.
    let faults = lane(&h, "faults");
    right_click_at(&mut h, Pos2::new(x_at(faults, 2400.0, duration), faults.center().y));
    assert_eq!(len(h.state()), 7);
    assert_eq!(h.state().canvas().selection.event, Some(6));
    match &h.state().document().scenario().timeline[6] {
        Event::Fault(f) => {
            assert_eq!((f.name.as_str(), f.target.as_str(), &f.kind), ("outage", "orders", &FaultKind::Down));
            assert_eq!(f.at, clock(9, 40));
        }
        other => panic!("{other:?}"),
    }
    assert!(h.state().document().problems_of_event(EventKind::Fault, "outage").next().is_none());
    // Delete removes it; undo brings it back, and undo again removes the addition.
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert_eq!(len(h.state()), 6);
    assert_eq!(h.state().canvas().selection.event, None);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(len(h.state()), 7);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(len(h.state()), 6);
    assert!(!h.state().document().is_dirty());
}
