//! Editing: the canvas (connect, select, pan, drag), undo and redo, copy and paste, the command
//! palette, the inspector's lists.

use super::*;

fn concurrency_of(app: &App, name: &str) -> u32 {
    match app.document().scenario().topology.node(name) {
        Some(gatesim::model::Node::Service(s)) => s.concurrency,
        other => panic!("{name} is not a service: {other:?}"),
    }
}

#[test]
fn edit_connect_undo_redo_save_and_reload() {
    let (mut h, file) = harness_on("scenarios/checkout.ron", "edit");
    assert!(!h.state().document().is_dirty());

    // Add a node from the palette: it is named, placed and selected.
    h.get_by_label("Service").click();
    h.run_steps(2);
    assert!(h.state().document().scenario().topology.node("service").is_some());
    assert!(h.state().canvas().selection.nodes.contains("service"));

    // Connect the load balancer to it by dragging from lb's output handle onto the new card.
    let (from, to) = handle_and_card(h.state(), "lb", "service");
    drag(&mut h, from, to);
    let linked =
        |app: &App| app.document().scenario().topology.links.iter().any(|l| l.from == "lb" && l.to == "service");
    assert!(linked(h.state()), "the drag did not add lb -> service");

    // A refused link says why: a service cannot call the gateway.
    let (from, to) = handle_and_card(h.state(), "service", "edge-gw");
    drag(&mut h, from, to);
    assert!(h.state().canvas().refusal.is_some());

    // The refused drag left the document and the selection alone; edit the new service's
    // capacity in the inspector.
    assert!(h.state().canvas().selection.nodes.contains("service"));
    assert_eq!(concurrency_of(h.state(), "service"), 8);
    h.get_by_label("concurrency").set_value_accesskit(24.0);
    h.run_steps(3);
    assert_eq!(concurrency_of(h.state(), "service"), 24);
    assert!(h.state().document().is_dirty());

    // Undo and redo with the keyboard.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(concurrency_of(h.state(), "service"), 8);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_steps(2);
    assert_eq!(concurrency_of(h.state(), "service"), 24);

    // Save (Ctrl+S, atomic, to the file it came from; its comments cannot be kept, which the
    // app asks about first) and reload: the same scenario.
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(2);
    h.get_by_label("Save without the comments").click();
    h.run_steps(2);
    assert!(!h.state().document().is_dirty());
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    let reloaded = gatesim::model::load::parse(&text, &file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&reloaded, h.state().document().scenario());
}

#[test]
fn copy_paste_keeps_links_and_routes_among_the_copies() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "paste");
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::SelectAll);
    h.key_press_modifiers(Modifiers::COMMAND, Key::C);
    h.key_press_modifiers(Modifiers::COMMAND, Key::V);
    h.run_steps(2);
    let topo = &h.state().document().scenario().topology;
    assert_eq!(topo.nodes.len(), 12);
    assert_eq!(topo.links.len(), 10);
    assert!(topo.links.iter().any(|l| l.from == "edge-gw-2" && l.to == "lb-2"));
    match topo.node("edge-gw-2") {
        Some(gatesim::model::Node::Gateway(g)) => assert_eq!(g.routes[0].upstream, "lb-2"),
        other => panic!("{other:?}"),
    }
    // The copies are selected; Delete removes them and their links in one undo step.
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert_eq!(h.state().document().scenario().topology.nodes.len(), 6);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().document().scenario().topology.links.len(), 10);
}

#[test]
fn command_palette_lists_actions_and_runs_them() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "palette");
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run_steps(2);
    // The palette's title and its own entry.
    assert_eq!(h.query_all_by_label("Command palette").count(), 2);
    // Narrow the list by typing, then Enter runs the first match.
    h.event(egui::Event::Text("add balancer".into()));
    h.run_steps(2);
    assert_eq!(h.query_all_by_label("Command palette").count(), 1);
    h.get_by_label("Add load balancer");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert!(h.state().document().scenario().topology.node("lb-2").is_some());
}

/// A dialog whose content changes height keeps its title where it was (dialogs are pinned by
/// their top edge): the palette narrowed from every action to one.
#[test]
fn the_palette_stays_in_place_while_typing_narrows_it() {
    let (mut h, _) = harness_sized("scenarios/checkout.ron", "palette-place", [1280.0, 760.0]);
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run_steps(3);
    let title = |h: &Harness<'static, App>| {
        h.query_all_by_label("Command palette").map(|n| n.rect()).min_by(|a, b| a.top().total_cmp(&b.top()))
    };
    let before = title(&h).unwrap_or_else(|| panic!("no palette"));
    let rows = |h: &Harness<'static, App>| h.query_all_by_label_contains("Add ").count();
    let rows_before = rows(&h);
    h.event(egui::Event::Text("add balancer".into()));
    h.run_steps(3);
    assert!(rows(&h) < rows_before, "the filter did not narrow the list ({rows_before} rows)");
    let after = title(&h).unwrap_or_else(|| panic!("no palette"));
    assert!((after.top() - before.top()).abs() < 0.5, "the title moved from {before:?} to {after:?}");
    assert!((after.left() - before.left()).abs() < 0.5, "the title moved from {before:?} to {after:?}");
    // Pinned a tenth of the window's height below its top, not centred.
    assert!(before.top() < 200.0, "{before:?}");
}

/// No label overlaps the controls it names, on the first frame after selecting and later, in a
/// small window: a population's NAT addresses (a label, a checkbox, a number) and its retries.
#[test]
fn inspector_labels_never_overlap_their_controls() {
    let (mut h, _) = harness_sized("scenarios/incidents/rate-limit-tightened.ron", "label-overlap", [1280.0, 760.0]);
    let at = node_centre(h.state(), "mobile-users");
    click_at(&mut h, at);
    for frames in [1, 4] {
        h.run_steps(frames);
        // The label, its checkbox and (for the addresses, which are set) the number.
        for (label, nodes) in [("NAT addresses", 3), ("client retries", 2)] {
            // The label's own node as well as the controls it labels.
            let by = egui_kittest::kittest::By::new().label(label).include_labels();
            let rects: Vec<egui::Rect> = h.query_all(by).map(|n| n.rect()).collect();
            assert_eq!(rects.len(), nodes, "{label}: a label and its controls, found {rects:?}");
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    let overlap = a.intersect(*b);
                    assert!(
                        overlap.width() <= 0.5 || overlap.height() <= 0.5,
                        "{label}: {a:?} overlaps {b:?} after {frames} frame(s)"
                    );
                }
            }
        }
    }
}

#[test]
fn inspector_lists_add_routes_and_rules() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "lists");
    let routes = |app: &App| match app.document().scenario().topology.node("edge-gw") {
        Some(gatesim::model::Node::Gateway(g)) => g.routes.clone(),
        other => panic!("{other:?}"),
    };
    let at = node_centre(h.state(), "edge-gw");
    click_at(&mut h, at);
    h.get_by_label("Add route").click();
    h.run_steps(2);
    let r = routes(h.state());
    assert_eq!(r.len(), 2);
    // A new route points at the gateway's linked upstream.
    assert_eq!((r[1].path_prefix.as_str(), r[1].upstream.as_str()), ("/", "lb"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(routes(h.state()).len(), 1);

    let at = node_centre(h.state(), "lb");
    click_at(&mut h, at);
    h.get_by_label("Add rule").click();
    h.run_steps(2);
    match h.state().document().scenario().topology.node("lb") {
        Some(gatesim::model::Node::LoadBalancer(lb)) => assert_eq!(lb.rules.len(), 4),
        other => panic!("{other:?}"),
    }
}

#[test]
fn canvas_box_select_shift_click_pan_and_node_drag() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "canvas");
    let selected = |app: &App| app.canvas().selection.nodes.iter().cloned().collect::<Vec<_>>();
    // Box-select the three services (they share a column on the right).
    let (orders, accounts) = {
        let app = h.state();
        let topo = &app.document().scenario().topology;
        let pos = |n: &str| topo.node(n).and_then(|n| n.pos()).unwrap_or_default();
        (app.canvas().node_rect(pos("orders")), app.canvas().node_rect(pos("accounts")))
    };
    drag(&mut h, orders.left_top() - egui::vec2(10.0, 10.0), accounts.right_bottom() + egui::vec2(10.0, 10.0));
    assert_eq!(selected(h.state()), ["accounts", "orders", "payments"]);
    // Shift-click adds the balancer.
    let lb = node_centre(h.state(), "lb");
    h.hover_at(lb);
    h.run_steps(1);
    h.event(egui::Event::ModifiersChanged(Modifiers::SHIFT));
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: lb,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Modifiers::SHIFT,
        });
        h.run_steps(1);
    }
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run_steps(1);
    assert_eq!(selected(h.state()), ["accounts", "lb", "orders", "payments"]);
    // Dragging one of them moves all four, snapped to the grid, as one undo step.
    let before: Vec<_> = h.state().document().scenario().topology.nodes.iter().map(|n| n.pos()).collect();
    let from = node_centre(h.state(), "orders");
    let zoom = h.state().canvas().zoom;
    drag(&mut h, from, from + egui::vec2(100.0, 0.0) * zoom);
    let after: Vec<_> = h.state().document().scenario().topology.nodes.iter().map(|n| n.pos()).collect();
    let moved: Vec<bool> = before.iter().zip(&after).map(|(a, b)| a != b).collect();
    // Node order: shoppers, edge-gw, lb, orders, payments, accounts.
    assert_eq!(moved, [false, false, true, true, true, true]);
    for p in after.iter().flatten() {
        assert_eq!(p[0] % 20.0, 0.0, "not snapped: {p:?}");
    }
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    let undone: Vec<_> = h.state().document().scenario().topology.nodes.iter().map(|n| n.pos()).collect();
    assert_eq!(undone, before);

    // A middle-button drag on empty canvas pans the view and changes nothing else.
    let pan = h.state().canvas().pan;
    let empty = orders.right_top() + egui::vec2(60.0, -60.0);
    h.hover_at(empty);
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: empty,
        button: egui::PointerButton::Middle,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(1);
    for k in 1..=5 {
        h.hover_at(empty - egui::vec2(20.0 * k as f32, 0.0));
        h.run_steps(1);
    }
    h.event(egui::Event::PointerButton {
        pos: empty - egui::vec2(100.0, 0.0),
        button: egui::PointerButton::Middle,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(2);
    let moved_by = h.state().canvas().pan - pan;
    assert!((moved_by.x + 100.0).abs() < 25.0, "{moved_by:?}");
    assert_eq!(selected(h.state()), ["accounts", "lb", "orders", "payments"]);
}

#[test]
fn clicking_a_link_selects_it_for_the_inspector_and_delete_removes_it() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "link");
    let mid = {
        let app = h.state();
        let (lb, _) = handle_and_card(app, "lb", "lb");
        let (_, pay) = handle_and_card(app, "payments", "payments");
        let pay_left = pay - egui::vec2(app.canvas().node_rect([0.0, 0.0]).width() / 2.0, 0.0);
        lb + (pay_left - lb) * 0.5
    };
    click_at(&mut h, mid);
    let index =
        |app: &App| app.document().scenario().topology.links.iter().position(|l| l.from == "lb" && l.to == "payments");
    assert_eq!(h.state().canvas().selection.link, index(h.state()));
    h.get_by_label("lb -> payments");
    h.get_by_label("weight").set_value_accesskit(3.0);
    h.run_steps(2);
    let weight = |app: &App| index(app).map(|i| app.document().scenario().topology.links[i].weight);
    assert_eq!(weight(h.state()), Some(3.0));
    h.key_press(Key::Delete);
    h.run_steps(2);
    assert_eq!(index(h.state()), None);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(weight(h.state()), Some(3.0));
}

/// The NGINX rate of the incident's gateway route.
fn nginx_rate(app: &App) -> String {
    match app.document().scenario().topology.node("edge-gw") {
        Some(gatesim::model::Node::Gateway(g)) => match g.routes[0].rate_limit.as_ref().map(|l| &l.algorithm) {
            Some(gatesim::model::Limiter::NginxLimitReq { rate, .. }) => rate.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// The inspector's left edge and the window's right: its width (the canvas ends where it starts).
fn inspector_width(h: &Harness<'static, App>) -> f32 {
    h.ctx.content_rect().max.x - h.state().canvas().rect.max.x
}

/// A text field applies its value when committed: typed key by key, `50r/s` is applied once, on
/// Enter (no `5r`, no `50r/` in between), in one undo step, and marked beside the field with what
/// the file says; a text that does not parse changes nothing, says why under the field, and the
/// inspector keeps its width; moving the node marks nothing.
#[test]
fn a_field_typed_key_by_key_applies_once_on_enter_marks_what_it_was_and_keeps_the_inspector_width() {
    let (mut h, _) = harness_on("scenarios/incidents/rate-limit-tightened.ron", "commit-fields");
    let at = node_centre(h.state(), "edge-gw");
    click_at(&mut h, at);
    let before = nginx_rate(h.state());
    assert_eq!(before, "100r/s");
    let width = inspector_width(&h);
    assert!(width > 100.0, "{width}");
    // The route's fields are far down the inspector: scrolled to, then focused.
    h.get_by_label("    rate").scroll_to_me();
    h.run_steps(2);
    h.get_by_label("    rate").focus();
    h.run_steps(2);
    assert!(h.get_by_label("    rate").is_focused());
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    for key in ["5", "0", "r", "/", "s"] {
        h.event(egui::Event::Text(key.into()));
        h.run_steps(1);
        assert_eq!(nginx_rate(h.state()), before, "applied at {key:?}, before Enter");
        assert!(h.query_by_label_contains("expected a whole number").is_none(), "an error while typing {key:?}");
    }
    assert_eq!(h.get_by_label("    rate").value().as_deref(), Some("50r/s"), "every keystroke kept");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(nginx_rate(h.state()), "50r/s");
    h.get_by_label("was 100r/s");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(nginx_rate(h.state()), before, "one undo step takes it back");
    assert!(h.query_by_label("was 100r/s").is_none(), "no mark once it is as saved");
    // A text NGINX would refuse: nothing applied, the reason under the field, the same width.
    h.get_by_label("    rate").scroll_to_me();
    h.run_steps(2);
    h.get_by_label("    rate").focus();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text("a hundred per second, please, and a long message to wrap".into()));
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(nginx_rate(h.state()), before);
    h.get_by_label_contains("expected a whole number of requests like 10r/s");
    assert_eq!(inspector_width(&h), width, "the inspector kept its width");
    // Moving the gateway is not a change of policy.
    drag(&mut h, at, at + egui::vec2(40.0, 30.0));
    assert!(!h.state().document().edited_nodes().contains("edge-gw"), "a move marked the node as changed");
    assert_ne!(h.state().document().scenario().topology.node("edge-gw").and_then(|n| n.pos()), None);
}

/// A balancer rule pools a second linked service from the inspector ("+"), each with a weight,
/// and becomes a single-service rule again when one is taken out; the document stays valid.
#[test]
fn a_balancer_rule_pools_another_service_with_weights_and_back() {
    let (mut h, _) = harness_on("scenarios/incidents/rate-limit-tightened.ron", "pool-rule");
    let at = node_centre(h.state(), "lb");
    click_at(&mut h, at);
    let rule = |h: &Harness<'static, App>| match h.state().document().scenario().topology.node("lb") {
        Some(gatesim::model::Node::LoadBalancer(lb)) => lb.rules[0].clone(),
        other => panic!("{other:?}"),
    };
    let single = rule(&h);
    assert!(single.pool.is_empty() && !single.service.is_empty());
    // The rules are far down the inspector: scrolled to first.
    h.query_all_by_label("+").next().unwrap_or_else(|| panic!("no + on the rule")).scroll_to_me();
    h.run_steps(2);
    h.query_all_by_label("+").next().unwrap_or_else(|| panic!("no + on the rule")).click_accesskit();
    h.run_steps(3);
    let pooled = rule(&h);
    let services: Vec<&str> = pooled.pool.iter().map(|p| p.service.as_str()).collect();
    assert_eq!(services.len(), 2, "{pooled:?}");
    assert_eq!(services[0], single.service);
    let errors: Vec<String> = h
        .state()
        .document()
        .problems()
        .iter()
        .filter(|p| p.severity == gatesim::model::validate::Severity::Error)
        .map(|p| p.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // A weight for the first service of the pool.
    h.query_all_by_label_contains("weight").next().unwrap_or_else(|| panic!("no weight")).scroll_to_me();
    h.run_steps(2);
    h.query_all_by_label_contains("weight").next().unwrap_or_else(|| panic!("no weight")).set_value_accesskit(3.0);
    h.run_steps(3);
    assert_eq!(rule(&h).pool[0].weight, Some(3));
    // Out goes the second: a single-service rule again.
    let second =
        h.query_all_by_label_contains("weight").nth(1).unwrap_or_else(|| panic!("one weight per service")).rect();
    let row_of = |r: egui::Rect| (r.center().y - second.center().y).abs();
    let out = h
        .query_all_by_label("×")
        .min_by(|a, b| row_of(a.rect()).total_cmp(&row_of(b.rect())))
        .unwrap_or_else(|| panic!("no ×"));
    assert!(out.rect().min.x > second.max.x, "the × of the second pooled service's row");
    out.click();
    h.run_steps(3);
    let back = rule(&h);
    assert!(back.pool.is_empty() && back.service == single.service, "{back:?}");
}
