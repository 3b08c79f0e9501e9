//! The desktop app driven headless through egui_kittest (no GPU, no display): the real `App`,
//! clicked and typed at by label, its state read back. No pixel snapshots.

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
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
    let app = App::new(AppOptions { file: Some(file.clone()), data_dir: Some(dir.join("data")), autorun: false });
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

    // Save (Ctrl+S, atomic, to the file it came from) and reload: the same scenario.
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(2);
    assert!(!h.state().document().is_dirty());
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    let reloaded = gatesim::model::load::parse(&text, &file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&reloaded, h.state().document().scenario());
}

#[test]
fn running_fills_the_summary_cards() {
    let (mut h, _) = harness_on("scenarios/validation/mm1_rho050.ron", "run");
    assert_eq!(h.query_all_by_label("run the scenario (F5)").count(), 6);
    h.key_press(Key::F5);
    h.run_steps(1);
    assert!(h.state().runner().is_running());
    wait_for_run(&mut h);
    let report =
        h.state().runner().report().unwrap_or_else(|| panic!("no report: {:?}", h.state().runner().state)).clone();
    // The p99 card shows the report's p99 (read from the UI by its text).
    let p99 = report.summary.latency_ms.p99.unwrap_or_else(|| panic!("no p99"));
    h.get_by_label(results::LATENCY_P99);
    h.get_by_label(&results::ms_text(p99));
    // And the users-impacted card its share (M/M/1 without limits hurts nobody).
    assert_eq!(report.summary.users_impacted_pct, 0.0);
    h.get_by_label(results::USERS_IMPACTED);
    h.get_by_label(&results::pct_text(0.0));
    // Time to detect, RTO and RPO have nothing to measure here: dashes, not numbers (and the RPO
    // card says what would give it one); the cost card prices the run.
    assert_eq!(h.query_all_by_label("-").count(), 3);
    let cost = &results::cards(h.state().document().scenario(), Some(&report))[6];
    assert!(cost.value.ends_with(" / month"), "{cost:?}");
    h.get_by_label(&cost.value);
    h.get_by_label("add a data store with replicas to measure RPO");

    // Pin it as the baseline, double the station's instances, run again: the table compares.
    h.key_press_modifiers(Modifiers::COMMAND, Key::B);
    h.run_steps(1);
    let at = node_centre(h.state(), "station");
    click_at(&mut h, at);
    assert!(h.state().canvas().selection.nodes.contains("station"));
    // The inspector says what the run found about the station.
    h.get_by_label("LAST RUN");
    h.get_by_label("turned away (queue full)");
    h.get_by_label("instances").set_value_accesskit(2.0);
    h.run_steps(2);
    h.key_press(Key::F5);
    h.run_steps(1);
    wait_for_run(&mut h);
    h.get_by_label("baseline");
    h.get_by_label("station utilisation");
    let app = h.state();
    let (Some(base), Some(change)) = (app.baseline(), app.runner().report()) else {
        panic!("no baseline or no report");
    };
    let rows = gatesim::gui::compare::rows(base, change);
    let util = rows
        .iter()
        .find(|r| r.label == "station utilisation")
        .unwrap_or_else(|| panic!("no utilisation row in {rows:?}"));
    // Twice the servers, the same load: utilisation about halves (0.5 -> 0.25).
    assert!(util.baseline.starts_with("50.") || util.baseline.starts_with("49."), "{util:?}");
    assert!(util.change.starts_with("25.") || util.change.starts_with("24."), "{util:?}");
    h.get_by_label(&util.delta);
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
    let app = App::new(AppOptions { file: Some(file), data_dir: Some(dir.join("data")), autorun: false });
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

/// The autosave files (`.ron`) in a data directory's recovery folder.
fn autosaves(data: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data.join("recovery"))
        .map(|d| {
            d.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect()
        })
        .unwrap_or_default()
}

/// A window on `file` with the data directory `data`.
fn window(file: Option<&Path>, data: &Path) -> Harness<'static, App> {
    let app = App::new(AppOptions { file: file.map(Path::to_owned), data_dir: Some(data.to_owned()), autorun: false });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(2);
    h
}

/// Lets a minute of input time pass (the autosave's period).
fn a_minute_passes(h: &mut Harness<'static, App>) {
    let t = h.ctx.input(|i| i.time);
    for s in [30.0, 61.0] {
        h.input_mut().time = Some(t + s);
        h.step();
    }
}

/// The window's own autosave file.
fn own_autosave(h: &Harness<'static, App>) -> PathBuf {
    h.state().recovery_slot().map(|s| s.file()).unwrap_or_else(|| panic!("no recovery slot"))
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn unsaved_work_is_autosaved_and_offered_back_at_the_next_start() {
    let dir = temp_dir("recovery");
    let (file, data) = (dir.join("scenario.ron"), dir.join("data"));
    std::fs::copy(super::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
    let mut h = window(Some(&file), &data);
    h.get_by_label("Service").click();
    h.run_steps(2);
    assert!(h.state().document().is_dirty());
    assert!(autosaves(&data).is_empty(), "autosaved too early");
    a_minute_passes(&mut h);
    let autosave = own_autosave(&h);
    assert_eq!(autosaves(&data), std::slice::from_ref(&autosave), "no autosave after a minute");
    let before = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    // The window is killed: no clean exit.
    drop(h);

    // The user's file is untouched; the next start offers the autosaved work back, naming its file.
    let mut h = window(Some(&file), &data);
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}")), before);
    assert!(h.state().document().scenario().topology.node("service").is_none());
    h.get_by_label(&format!("Unsaved changes to {}", canonical(&file).display()));
    h.get_by_label("Restore").click();
    h.run_steps(2);
    let app = h.state();
    assert!(app.document().scenario().topology.node("service").is_some());
    assert!(app.document().is_dirty());
    assert_eq!(app.document().path.as_deref(), Some(canonical(&file).as_path()));
    // The window owns that autosave now: it stays until the work is saved, and is not offered
    // to another window.
    assert_eq!(own_autosave(&h), autosave);
    assert!(autosave.exists());
    assert!(window(None, &data).state().recoveries().is_empty());
}

#[test]
fn two_windows_keep_separate_recovery_files_and_a_kill_loses_nothing() {
    let dir = temp_dir("two-windows");
    let data = dir.join("data");
    let (one, two) = (dir.join("one.ron"), dir.join("two.ron"));
    std::fs::copy(super::repo("scenarios/checkout.ron"), &one).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(super::repo("scenarios/validation/mm1_rho050.ron"), &two).unwrap_or_else(|e| panic!("{e}"));
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}"));
    let (one_before, two_before) = (read(&one), read(&two));
    // Two windows of one user (one data directory), each editing its file.
    let mut a = window(Some(&one), &data);
    let mut b = window(Some(&two), &data);
    for h in [&mut a, &mut b] {
        h.get_by_label("Service").click();
        h.run_steps(2);
        a_minute_passes(h);
    }
    let (a_autosave, b_autosave) = (own_autosave(&a), own_autosave(&b));
    assert_ne!(a_autosave, b_autosave);
    assert!(a_autosave.exists() && b_autosave.exists());
    let a_lock = a.state().recovery_slot().map(|s| s.lock_file()).unwrap_or_default();
    let a_work = a.state().document().scenario().clone();
    assert_ne!(&a_work, b.state().document().scenario());
    // While both live, a third window offers nothing.
    assert!(window(None, &data).state().recoveries().is_empty());

    // A is killed; B exits cleanly (closing, discarding its changes).
    drop(a);
    request_close(&mut b);
    b.run_steps(1);
    b.get_by_label("Discard").click();
    b.step();
    assert!(viewport_commands(&b).contains(&egui::ViewportCommand::Close));
    drop(b);
    assert!(!b_autosave.exists(), "B's clean exit left its own recovery file");
    assert!(a_autosave.exists(), "B's clean exit deleted A's recovery file");
    assert!(a_lock.exists(), "a killed window leaves its lock");
    assert_eq!((read(&one), read(&two)), (one_before.clone(), two_before.clone()));

    // A new window, on the other file, offers exactly A's work and names A's file.
    let mut c = window(Some(&two), &data);
    assert_eq!(c.state().recoveries().len(), 1);
    assert_eq!(c.state().recoveries()[0].file, a_autosave);
    c.get_by_label("Recover unsaved work?");
    c.get_by_label(&format!("Unsaved changes to {}", canonical(&one).display()));
    assert!(c.query_by_label_contains("autosaved 20").is_some());
    c.get_by_label("Restore").click();
    c.run_steps(2);
    let doc = c.state().document();
    assert_eq!(doc.scenario(), &a_work);
    assert_eq!(doc.path.as_deref(), Some(canonical(&one).as_path()));
    assert!(doc.is_dirty());
    assert_eq!(own_autosave(&c), a_autosave);
    assert_eq!((read(&one), read(&two)), (one_before, two_before.clone()));

    // The first Save asks before writing to A's file; then writes A's work there, and only there.
    c.key_press_modifiers(Modifiers::COMMAND, Key::S);
    c.run_steps(2);
    c.get_by_label("Save the restored work to its file?");
    c.get_by_label("Save to this file").click();
    c.run_steps(2);
    assert!(!c.state().document().is_dirty());
    assert_eq!(gatesim::model::load::load(&one).unwrap_or_else(|e| panic!("{e}")), a_work);
    assert_eq!(read(&two), two_before);
    // Saved: nothing left to recover; a later Save writes without asking.
    assert!(autosaves(&data).is_empty(), "{:?}", autosaves(&data));
    c.get_by_label("Service").click();
    c.run_steps(2);
    c.key_press_modifiers(Modifiers::COMMAND, Key::S);
    c.run_steps(2);
    assert!(c.query_by_label("Save the restored work to its file?").is_none());
    assert!(!c.state().document().is_dirty());
}

#[test]
fn an_untitled_documents_work_is_recovered_untitled() {
    let dir = temp_dir("untitled");
    let (file, data) = (dir.join("scenario.ron"), dir.join("data"));
    std::fs::copy(super::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
    let mut h = window(Some(&file), &data);
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::New);
    h.run_steps(2);
    // New moved the window's slot to a fresh, untitled one.
    assert_eq!(h.state().recovery_slot().and_then(|s| s.path()), None);
    h.get_by_label("Service").click();
    h.run_steps(2);
    a_minute_passes(&mut h);
    let autosave = own_autosave(&h);
    assert!(autosave.exists());
    drop(h);

    let mut h = window(Some(&file), &data);
    h.get_by_label("Unsaved changes to an untitled scenario");
    h.get_by_label("Restore").click();
    h.run_steps(2);
    let doc = h.state().document();
    assert_eq!(doc.path, None);
    assert!(doc.is_dirty() && doc.scenario().topology.node("service").is_some());
    // Save asks where: the Save As dialog, not the restored-file prompt.
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(2);
    h.get_by_label("Save scenario as");
    // Saving under a path moves the recovery slot to that document.
    let target = dir.join("saved.ron");
    h.state_mut().save_to(target.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!autosave.exists());
    assert_eq!(h.state().recovery_slot().and_then(|s| s.path()), Some(canonical(&target).as_path()));
}

#[test]
fn a_stale_lock_is_taken_over_and_a_corrupt_recovery_file_is_reported() {
    let dir = temp_dir("stale-lock");
    let (file, data) = (dir.join("scenario.ron"), dir.join("data"));
    std::fs::copy(super::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
    let h = window(Some(&file), &data);
    let lock = h.state().recovery_slot().map(|s| s.lock_file()).unwrap_or_default();
    drop(h);
    // The lock a killed window left, or one of a process that no longer exists (no pid is that
    // large), last touched an hour ago: the next window on the file takes it over.
    for stale in [None, Some(r#"{"pid":2147483632,"start":1,"nonce":7,"token":1}"#)] {
        if let Some(text) = stale {
            std::fs::write(&lock, text).unwrap_or_else(|e| panic!("{e}"));
            let f = std::fs::OpenOptions::new().write(true).open(&lock).unwrap_or_else(|e| panic!("{e}"));
            f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600)).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(lock.exists());
        let h = window(Some(&file), &data);
        assert_eq!(h.state().recovery_slot().map(|s| s.lock_file()), Some(lock.clone()));
        assert!(!std::fs::read_to_string(&lock).unwrap_or_default().contains("2147483632"));
        drop(h);
    }
    // A damaged recovery file: not offered, not a crash, a message naming it; set aside.
    let damaged = data.join("recovery/doc-00000000000000ff.ron");
    std::fs::write(&damaged, "Recovery(format: 1, path: Some(\"/tmp/x.ron\"), sav").unwrap_or_else(|e| panic!("{e}"));
    let h = window(Some(&file), &data);
    assert!(h.state().recoveries().is_empty());
    assert!(h.query_by_label("Recover unsaved work?").is_none());
    let (message, bad) = h.state().status().unwrap_or_else(|| panic!("no message"));
    assert!(bad && message.contains("could not be read") && message.contains("doc-00000000000000ff.ron"), "{message}");
    assert!(!damaged.exists() && damaged.with_extension("ron.corrupt").exists());
}

/// The viewport commands the app sent in the last frame.
fn viewport_commands(h: &Harness<'static, App>) -> Vec<egui::ViewportCommand> {
    h.output().viewport_output.get(&egui::ViewportId::ROOT).map(|v| v.commands.clone()).unwrap_or_default()
}

fn request_close(h: &mut Harness<'static, App>) {
    h.input_mut().viewports.entry(egui::ViewportId::ROOT).or_default().events.push(egui::ViewportEvent::Close);
    h.step();
}

#[test]
fn closing_with_unsaved_changes_asks_first() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "close");
    h.get_by_label("Service").click();
    h.run_steps(2);
    request_close(&mut h);
    assert!(viewport_commands(&h).contains(&egui::ViewportCommand::CancelClose));
    h.run_steps(1);
    h.get_by_label("Save changes before closing?");
    // Cancel keeps the window and the work.
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.query_by_label("Save changes before closing?").is_none());
    assert!(h.state().document().is_dirty());
    // Discard closes.
    request_close(&mut h);
    h.run_steps(1);
    h.get_by_label("Discard").click();
    h.step();
    assert!(viewport_commands(&h).contains(&egui::ViewportCommand::Close));
}

#[test]
fn examples_gallery_opens_and_save_as_writes_a_new_file() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "dialogs");
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::E);
    h.run_steps(2);
    h.get_by_label("scenarios/validation/mm1_rho050.ron").click();
    h.run_steps(2);
    assert_eq!(h.state().document().scenario().name, "M/M/1 at rho 0.5");
    // Nodes without positions were laid out on load.
    assert!(h.state().document().scenario().topology.nodes.iter().all(|n| n.pos().is_some()));

    let target = temp_dir("save-as").join("copy.ron");
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
    h.run_steps(2);
    h.get_by_label("Path").set_text_value_accesskit(&target.display().to_string());
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    let saved = gatesim::model::load::load(&target).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&saved, h.state().document().scenario());
    assert_eq!(h.state().document().path.as_deref(), Some(target.as_path()));
}

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

#[test]
fn escape_cancels_a_running_simulation() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "cancel");
    h.key_press(Key::F5);
    h.run_steps(1);
    assert!(h.state().runner().is_running());
    h.key_press(Key::Escape);
    wait_for_run(&mut h);
    match &h.state().runner().state {
        gatesim::gui::run::RunState::Failed(why) => assert_eq!(why, "cancelled"),
        other => panic!("expected a cancelled run, got {other:?}"),
    }
    h.get_by_label("cancelled");
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

#[test]
fn a_run_of_the_bad_deploy_fills_detection_and_rto_and_the_scrubber_says_what_is_in_force() {
    let (mut h, _) = harness_on("scenarios/payments-bad-deploy.ron", "timeline-run");
    // The first incident only (the staged deploy at 09:50 and its alarm and action go), 40
    // minutes of it, one replicate: a shorter test.
    use gatesim::gui::commands::Command;
    for index in [5, 4, 3] {
        h.state_mut().apply(Command::RemoveEvent(index), None);
    }
    let mut run = h.state().document().scenario().run.clone();
    (run.replicates, run.duration_s) = (1, 2400.0);
    h.state_mut().apply(Command::SetRun(run), None);
    h.key_press(Key::F5);
    h.run_steps(1);
    assert!(h.state().runner().is_running());
    wait_for_run(&mut h);
    let report =
        h.state().runner().report().unwrap_or_else(|| panic!("no report: {:?}", h.state().runner().state)).clone();
    let [.., detect, rto, _, _] = results::cards(h.state().document().scenario(), Some(&report));
    assert!(detect.value.ends_with("min"), "{detect:?}");
    assert!(detect.detail.starts_with("alarm 5xx-high at 09:13"), "{detect:?}");
    assert!(rto.value.contains("min"), "{rto:?}");
    assert_eq!(rto.detail, "recovered in 1 of 1");
    for text in [results::TIME_TO_DETECT, results::RTO, detect.detail.as_str(), rto.detail.as_str()] {
        h.get_by_label(text);
    }
    // The verdict under the comparison table.
    assert!(h.query_all_by_label_contains("check: FAIL").count() == 1);

    // The alarm's firing is drawn in its lane: a click on it selects the alarm.
    let alarms = lane(&h, "alarms");
    click_at(&mut h, Pos2::new(x_at(alarms, 1000.0, 2400.0), alarms.center().y));
    assert_eq!(h.state().canvas().selection.event, Some(1));

    // Scrubbed to 09:15, the canvas says the bad build is in force and the alarm is firing.
    let ruler = h.get_by_label("timeline ruler").rect();
    click_at(&mut h, Pos2::new(x_at(ruler, 905.0, 2400.0), ruler.center().y));
    let caption = h.state().canvas().caption.clone().unwrap_or_default();
    assert!(caption.starts_with("Replaying 09:15"), "{caption}");
    assert!(caption.contains("payments-v2 in force; alarm 5xx-high firing"), "{caption}");
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

/// The app on a trimmed copy of the first incident: one replicate per run (the file's 4 would
/// make the test 4 times as long), and only the variants named.
fn incident_with_one_replicate(name: &str, variants: &[&str]) -> Harness<'static, App> {
    let dir = temp_dir(name);
    let file = dir.join("incident.ron");
    let mut s = gatesim::model::load::load(&super::repo("scenarios/incidents/rate-limit-tightened.ron"))
        .unwrap_or_else(|e| panic!("{e}"));
    s.run.replicates = 1;
    s.variants.retain(|v| variants.contains(&v.name.as_str()));
    gatesim::model::load::save(&s, &file).unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(AppOptions { file: Some(file), data_dir: Some(dir.join("data")), autorun: false });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(3);
    h
}

#[test]
fn the_examples_gallery_lists_the_incident_replays_first_with_their_titles() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "gallery");
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::E);
    h.run_steps(2);
    let top = |h: &Harness<'static, App>, label: &str| h.get_by_label(label).rect().min.y;
    let incident = top(&h, "incident 000: rate limit tightened below the legitimate peak");
    let checkout = top(&h, "scenarios/checkout.ron");
    let validation = top(&h, "scenarios/validation/mm1_rho050.ron");
    assert!(incident < checkout && checkout < validation, "{incident} {checkout} {validation}");
    // Each incident with a line of its description.
    assert!(h.query_all_by_label_contains("NGINX limit_req tightened from 100r/s").count() >= 1);
    let first = gatesim::gui::files::examples().into_iter().next().unwrap_or_else(|| panic!("no examples"));
    assert_eq!(first.group, gatesim::gui::files::ExampleGroup::Incident);
    // A click on a title opens it.
    h.get_by_label("incident 000: rate limit tightened below the legitimate peak").click();
    h.run_steps(2);
    assert!(h.state().document().scenario().name.starts_with("incident 000"));
    assert!(!h.state().document().scenario().variants.is_empty());
}

#[test]
fn counterfactuals_of_the_incident_run_on_the_worker_and_fill_the_table() {
    let mut h = incident_with_one_replicate("counterfactuals", &["caught by check", "automatic rollback"]);
    // From the palette: the runs start on the worker and the panel shows their progress.
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run_steps(2);
    h.event(egui::Event::Text("counterfactuals".into()));
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert!(h.state().batch().is_running());
    assert_eq!(h.state().bottom_tab(), gatesim::gui::BottomTab::Counterfactuals);
    let progress = h.state().batch().progress_text().unwrap_or_default();
    assert!(progress.starts_with("counterfactuals 1/3: as written"), "{progress}");
    // The UI keeps answering while the worker runs.
    let start = Instant::now();
    h.run_steps(5);
    assert!(start.elapsed() < Duration::from_secs(5), "frames blocked for {:?}", start.elapsed());
    wait_for_batch(&mut h);

    let cf = h.state().counterfactuals().unwrap_or_else(|| panic!("no results: {:?}", h.state().batch().state));
    let names: Vec<&str> = cf.runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["as written", "caught by check", "automatic rollback"]);
    let users = |name: &str| cf.runs.iter().find(|r| r.name == name).map(|r| r.users_impacted_pct).unwrap_or(f64::NAN);
    let (written, rollback, caught) = (users("as written"), users("automatic rollback"), users("caught by check"));
    assert!(written > rollback && rollback > caught, "{written} {rollback} {caught}");
    let rows = cf.rows.clone();
    assert_eq!((rows[0].verdict.as_str(), rows[1].verdict.as_str()), ("FAIL", "PASS"));
    assert!(rows[0].verdict_detail.contains("users impacted"), "{:?}", rows[0]);
    // The table shows each run's name and figures.
    for r in &rows {
        h.get_by_label(&r.name);
    }
    assert!(h.query_all_by_label(&rows[0].users_hurt).count() >= 1);
    assert!(h.query_all_by_label("FAIL").count() >= 1);

    // A right-click on a variant opens it as a new, unsaved document; the table stays, marked stale.
    let at = h.get_by_label("automatic rollback").rect().center();
    right_click_at(&mut h, at);
    h.get_by_label("Open this variant as a new document").click();
    h.run_steps(2);
    let doc = h.state().document();
    assert!(doc.scenario().name.ends_with("[automatic rollback]"), "{}", doc.scenario().name);
    assert!(doc.path.is_none() && doc.is_dirty());
    assert!(doc.scenario().timeline.iter().any(|e| e.name() == "auto-rollback"));
    h.get_by_label("The document changed since these runs; run them again.");
}

#[test]
fn check_change_runs_the_incident_without_and_with_its_change_and_fails_naming_the_slo() {
    use gatesim::gui::commands::Command;
    let mut h = incident_with_one_replicate("check", &[]);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Enter);
    h.run_steps(1);
    assert!(h.state().batch().is_running());
    wait_for_batch(&mut h);
    let app = h.state();
    let (Some(base), Some(change)) = (app.baseline(), app.runner().report()) else {
        panic!("no baseline or change: {:?}", app.batch().state);
    };
    // Same traffic: the same requests on both sides; the change hurts users, the baseline not.
    assert_eq!(base.summary.requests, change.summary.requests);
    assert!(change.summary.users_impacted_pct > 50.0 + base.summary.users_impacted_pct);
    let (line, pass) = gatesim::gui::compare::check_line(change);
    assert!(!pass);
    assert!(line.starts_with("check: FAIL") && line.contains("users impacted"), "{line}");
    h.get_by_label(&line);
    // Its two changes: the tightened limit and the restored one.
    h.get_by_label_contains("Checked: the document without its 2 config changes");
    // The cards show the change.
    h.get_by_label(&results::pct_text(change.summary.users_impacted_pct));

    // Without a config change in the timeline there is nothing to check: it says so and runs nothing.
    let is_change = |e: &gatesim::model::Event| matches!(e, gatesim::model::Event::Change(_));
    while let Some(index) = h.state().document().scenario().timeline.iter().position(is_change) {
        h.state_mut().apply(Command::RemoveEvent(index), None);
    }
    h.run_steps(1);
    h.get_by_label("Check change").click();
    h.run_steps(2);
    assert!(!h.state().batch().is_running());
    h.get_by_label_contains("Nothing to check: the timeline has no config change");
}

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
    assert_ne!(rpo.value, "-", "{rpo:?}");
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

#[test]
fn a_run_of_checkout_fills_the_cost_card_and_a_value_per_request_prices_the_outage() {
    use gatesim::gui::commands::Command;
    let (mut h, _) = harness_on("scenarios/checkout.ron", "cost");
    let mut run = h.state().document().scenario().run.clone();
    run.replicates = 1;
    h.state_mut().apply(Command::SetRun(run), None);
    h.key_press(Key::F5);
    h.run_steps(1);
    wait_for_run(&mut h);
    let report =
        h.state().runner().report().unwrap_or_else(|| panic!("no report: {:?}", h.state().runner().state)).clone();
    let cost = report.cost.as_ref().unwrap_or_else(|| panic!("no cost in the report"));
    let card = &results::cards(h.state().document().scenario(), Some(&report))[6];
    assert_eq!(card.caption, results::COST);
    assert_eq!(card.value, format!("{} / month", gatesim::report::usd_text(cost.per_month_usd)));
    assert!(cost.per_month_usd > 0.0 && card.value.starts_with('$'), "{card:?}");
    // No business figures in checkout.ron: the card says what would price the outage.
    assert!(card.detail.ends_with(results::ADD_BUSINESS), "{card:?}");
    h.get_by_label(results::COST);
    h.get_by_label(&card.value);
    h.get_by_label(&card.detail);
    // Its hover lists the charges by node: the three services' instance-hours among them.
    for svc in ["orders", "payments", "accounts"] {
        assert!(card.more.iter().any(|(k, _)| k.starts_with(&format!("  {svc} · "))), "{:?}", card.more);
    }

    // With nothing selected, the scenario's value per failed request, typed: one undo step.
    h.get_by_label("value / failed req").set_text_value_accesskit("0.05");
    h.run_steps(3);
    let business = h.state().document().scenario().business.clone();
    assert_eq!(business.as_ref().map(|b| (b.value_per_request_usd, b.sla.is_none())), Some((0.05, true)));
    // A price override: empty shows the bundled figure as the hint.
    h.get_by_label("gateway / M req").set_text_value_accesskit("$4");
    h.run_steps(3);
    assert_eq!(h.state().document().scenario().prices.gateway_per_million, Some(4.0));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().document().scenario().prices.gateway_per_million, None);
    assert!(h.state().document().scenario().business.is_some());
    // Run again: the outage is priced, $0.05 per failed request.
    h.key_press(Key::F5);
    h.run_steps(1);
    wait_for_run(&mut h);
    let report = h.state().runner().report().unwrap_or_else(|| panic!("no report")).clone();
    let outage = report.cost.as_ref().and_then(|c| c.outage.clone()).unwrap_or_else(|| panic!("no outage cost"));
    assert!((outage.lost_value_usd - 0.05 * outage.failed_requests).abs() < 1e-9, "{outage:?}");
    let card = &results::cards(h.state().document().scenario(), Some(&report))[6];
    assert!(card.detail.starts_with(&format!("outage {}", gatesim::report::usd_text(outage.total_usd))), "{card:?}");
}

#[test]
fn the_dr_panel_shows_each_strategy_as_a_row_and_opens_from_its_tab() {
    use gatesim::dr::{DrRow, Rpo, Strategy};
    use gatesim::gui::dr;
    let row = |strategy, cost, rto_s: Option<f64>, rpo| DrRow {
        strategy,
        cost_per_month_usd: cost,
        outage_cost_usd: 420.0,
        rto_s,
        recovered_in: u32::from(rto_s.is_some()),
        replicates: 1,
        rpo,
        users_impacted_pct: 25.0,
        time_to_detect_s: Some(60.0),
        failed_requests: 8400.0,
        description: "what it assumes".into(),
    };
    let lost = Some(Rpo { writes_lost: 120.0, oldest_s: 2.5, recovered: true });
    let list = [
        row(Strategy::AsDesigned, 180.0, None, None),
        row(Strategy::PilotLight, 260.0, Some(1500.0), lost),
        row(Strategy::ActiveActive, 520.0, Some(70.0), Some(Rpo { writes_lost: 0.0, oldest_s: 0.0, recovered: true })),
    ];
    let rows = dr::rows(&list, true);
    let cells: Vec<(&str, &str, &str, &str, &str, &str)> =
        rows.iter().map(|r| (r.name.as_str(), &*r.cost, &*r.outage, &*r.rto, &*r.rpo, &*r.users)).collect();
    assert_eq!(
        cells,
        [
            ("as designed", "$180.00", "$420.00", "not recovered", "-", "25.0 %"),
            ("pilot light", "$260.00", "$420.00", "25 min", "2.50 s · 120 writes", "25.0 %"),
            ("active/active", "$520.00", "$420.00", "1 min 10 s", "none lost", "25.0 %"),
        ]
    );
    // The chart: cost against RTO in minutes; the design that did not recover in the band past
    // the slowest recovery.
    let pts = dr::points(&list);
    assert_eq!((pts[1].x_min, pts[1].y_usd), (25.0, 260.0));
    assert!(!pts[0].recovered && pts[0].x_min > dr::x_band(&list));

    // The tab beside the counterfactuals: its button and what it does, nothing run yet.
    let (mut h, _) = harness_on("scenarios/checkout.ron", "dr-tab");
    h.get_by_label("DR STRATEGIES").click();
    h.run_steps(2);
    assert_eq!(h.state().bottom_tab(), gatesim::gui::BottomTab::Dr);
    h.get_by_label(dr::RUN_BUTTON);
    h.get_by_label_contains("primary region down at 15 min");
    assert!(h.state().dr().is_none() && !h.state().batch().is_running());
}

#[test]
fn dr_strategies_run_on_the_worker_cancel_between_strategies_and_match_the_library_table() {
    use gatesim::dr::{DrOptions, Strategy};
    // A small design at a low rate, one replicate: the strategies' runs stay short.
    let text = r#"Scenario(format_version: 1, name: "small shop", run: (seed: 5, duration_s: 600, replicates: 1),
        topology: (regions: [(name: "us-east-1")], nodes: [
            Clients((name: "users", region: "us-east-1", users: 500, traffic: Constant(rate_rps: 4.0))),
            Gateway((name: "gw", region: "us-east-1", routes: [(path_prefix: "/", upstream: "api")])),
            Service((name: "api", region: "us-east-1", instances: 2, concurrency: 4, service_time: Constant(ms: 20.0))),
        ], links: [(from: "users", to: "gw"), (from: "gw", to: "api")]),
        business: (value_per_request_usd: 0.1))"#;
    let dir = temp_dir("dr-run");
    let file = dir.join("small.ron");
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let scenario = gatesim::model::load::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(AppOptions { file: Some(file), data_dir: Some(dir.join("data")), autorun: false });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(3);

    // Cancelled at once (Esc): the strategy under way finishes, the next does not start.
    h.get_by_label("DR STRATEGIES").click();
    h.run_steps(2);
    h.get_by_label(gatesim::gui::dr::RUN_BUTTON).click();
    h.run_steps(2);
    assert!(h.state().batch().is_running());
    let progress = h.state().batch().progress_text().unwrap_or_default();
    assert!(progress.starts_with("DR strategies 1/5: as designed"), "{progress}");
    h.key_press(Key::Escape);
    h.run_steps(1);
    wait_for_batch(&mut h);
    assert!(h.state().dr().is_none());
    h.get_by_label("The DR strategies did not finish: cancelled");

    // Run to the end: the library's table, row for row.
    h.get_by_label(gatesim::gui::dr::RUN_BUTTON).click();
    h.run_steps(2);
    wait_for_batch(&mut h);
    let dr = h.state().dr().unwrap_or_else(|| panic!("no DR rows: {:?}", h.state().batch().state));
    let expected = gatesim::dr::table(&scenario, &DrOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dr.rows, expected);
    let names: Vec<Strategy> = dr.rows.iter().map(|r| r.strategy).collect();
    assert_eq!(names, Strategy::ALL);
    for r in &dr.table {
        h.get_by_label(&r.name);
    }
    assert!(h.query_by_label("The DR strategies did not finish: cancelled").is_none());
}
