//! The desktop app driven headless through egui_kittest (no GPU, no display): the real `App`,
//! clicked and typed at by label, its state read back. No pixel snapshots.
//! The shared helpers are here, the tests in one module per part of the app.

mod cards;
mod dr;
mod editing;
mod export;
mod files;
mod regions;
mod runs;
mod shared_limit;
mod timeline;

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gatesim::gui::file_dialogs::FileDialogs;
use gatesim::gui::{App, AppOptions, results};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gatesim-gui-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

/// The app on a copy of a bundled scenario (so saving does not touch the repository).
fn harness_on(example: &str, name: &str) -> (Harness<'static, App>, PathBuf) {
    harness_sized(example, name, [1600.0, 1000.0])
}

/// [`harness_on`] in a window of another size.
fn harness_sized(example: &str, name: &str, size: [f32; 2]) -> (Harness<'static, App>, PathBuf) {
    let dir = temp_dir(name);
    let file = dir.join("scenario.ron");
    std::fs::copy(super::repo(example), &file).unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(AppOptions {
        file: Some(file.clone()),
        data_dir: Some(dir.join("data")),
        autorun: false,
        file_dialogs: FileDialogs::Typed,
    });
    let mut h = Harness::builder().with_size(size).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(3);
    (h, file)
}

fn drag(h: &mut Harness<'static, App>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.run_steps(1);
    h.drag_at(from);
    h.run_steps(1);
    for k in 1..=6 {
        h.hover_at(from + (to - from) * (k as f32 / 6.0));
        h.run_steps(1);
    }
    h.drop_at(to);
    h.run_steps(2);
}

/// Where a node's card is on screen.
fn node_centre(app: &App, name: &str) -> Pos2 {
    handle_and_card(app, name, name).1
}

/// Screen positions of `from`'s output handle and of the centre of `to`'s card.
fn handle_and_card(app: &App, from: &str, to: &str) -> (Pos2, Pos2) {
    let topo = &app.document().scenario().topology;
    let pos = |n: &str| topo.node(n).and_then(|n| n.pos()).unwrap_or_else(|| panic!("no node {n}"));
    let c = app.canvas();
    (c.handle_pos(pos(from)), c.node_rect(pos(to)).center())
}

/// A primary click at a screen position.
fn click_at(h: &mut Harness<'static, App>, at: Pos2) {
    h.hover_at(at);
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
        h.run_steps(1);
    }
    h.run_steps(1);
}

/// Steps the UI until the worker's run ends.
fn wait_for_run(h: &mut Harness<'static, App>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.state().runner().is_running() {
        assert!(Instant::now() < deadline, "the run did not finish in time");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(2);
}

/// Mean time of a frame for a 200-node topology (printed, not asserted: a measured figure).
#[test]
fn frame_time_with_200_nodes() {
    use gatesim::model::{Dist, Link, Node, NodeKind, Scenario, Topology};
    let mut t = Topology::default();
    t.nodes.push(Node::with_defaults(NodeKind::Clients, "users"));
    for g in 0..10 {
        t.nodes.push(Node::with_defaults(NodeKind::LoadBalancer, format!("lb-{g}")));
        t.links.push(Link {
            from: "users".into(),
            to: format!("lb-{g}"),
            latency: Dist::Constant { ms: 1.0 },
            weight: 1.0,
        });
        for s in 0..19 {
            let name = format!("svc-{g}-{s}");
            t.nodes.push(Node::with_defaults(NodeKind::Service, name.clone()));
            t.links.push(Link { from: format!("lb-{g}"), to: name, latency: Dist::Constant { ms: 1.0 }, weight: 1.0 });
        }
    }
    assert!(t.nodes.len() >= 200, "{}", t.nodes.len());
    let dir = temp_dir("frames");
    let file = dir.join("big.ron");
    gatesim::model::load::save(&Scenario::new("200 nodes", t), &file).unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(AppOptions {
        file: Some(file),
        data_dir: Some(dir.join("data")),
        autorun: false,
        file_dialogs: FileDialogs::Typed,
    });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(5);
    // Select a service so the inspector shows a full form.
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::SelectAll);
    h.run_steps(1);
    let frames = 60;
    let start = Instant::now();
    // Each frame: egui's pass (layout, painting into shapes) and the tessellation into meshes
    // that a GPU backend would upload; the upload and rasterisation are not measured.
    let tessellate = |h: &Harness<'static, App>| {
        let out = h.output();
        h.ctx.tessellate(out.shapes.clone(), out.pixels_per_point).len()
    };
    for k in 0..frames {
        h.hover_at(Pos2::new(400.0 + k as f32, 300.0));
        h.step();
        assert!(tessellate(&h) > 0);
    }
    let idle_ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
    // Frames that each change the document (one undo step, validation of 201 nodes).
    let names: Vec<String> = vec!["svc-3-4".into()];
    let x_of =
        |app: &App| app.document().scenario().topology.node("svc-3-4").and_then(|n| n.pos()).map_or(f32::NAN, |p| p[0]);
    let x0 = x_of(h.state());
    let start = Instant::now();
    for _ in 0..frames {
        h.state_mut()
            .apply(gatesim::gui::commands::Command::MoveNodes { names: names.clone(), delta: [20.0, 0.0] }, None);
        h.step();
        assert!(tessellate(&h) > 0);
    }
    let edit_ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
    println!(
        "gui frame time, {} nodes selected, {frames} frames each (egui pass + tessellation, no GPU upload): \
         {idle_ms:.2} ms/frame pointer moving, {edit_ms:.2} ms/frame with an edit every frame",
        h.state().document().scenario().topology.nodes.len()
    );
    assert_eq!(x_of(h.state()), x0 + 20.0 * f64::from(frames) as f32);
}

/// The lane of one kind of timeline entry (`changes`, `faults`, ...) on screen.
fn lane(h: &Harness<'static, App>, title: &str) -> egui::Rect {
    h.get_by_label(&format!("{title} lane")).rect()
}

/// The x of a time on the timeline's lanes (they span the run).
fn x_at(lane: egui::Rect, t_s: f32, duration_s: f32) -> f32 {
    lane.min.x + lane.width() * t_s / duration_s
}

/// A secondary-button click at a screen position.
fn right_click_at(h: &mut Harness<'static, App>, at: Pos2) {
    h.hover_at(at);
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Secondary,
            pressed,
            modifiers: Modifiers::NONE,
        });
        h.run_steps(1);
    }
    h.run_steps(1);
}

/// Steps the UI until the batch worker (counterfactuals, "Check change") is done.
fn wait_for_batch(h: &mut Harness<'static, App>) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while h.state().batch().is_running() {
        assert!(Instant::now() < deadline, "the runs did not finish in time");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(2);
}
