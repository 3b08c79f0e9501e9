//! Files and recovery: autosave, unsaved work offered back, lock files, closing with unsaved
//! changes, the examples gallery and Save As.

use super::*;

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
    let app = App::new(AppOptions {
        file: file.map(Path::to_owned),
        data_dir: Some(data.to_owned()),
        autorun: false,
        file_dialogs: FileDialogs::Typed,
    });
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
    std::fs::copy(crate::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
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
    std::fs::copy(crate::repo("scenarios/checkout.ron"), &one).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(crate::repo("scenarios/validation/mm1_rho050.ron"), &two).unwrap_or_else(|e| panic!("{e}"));
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
    std::fs::copy(crate::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
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
    std::fs::copy(crate::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
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

/// New, Open, an example or a recent file never replace unsaved changes without asking.
#[test]
fn new_with_unsaved_changes_asks_and_cancel_keeps_the_work() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "replace-asks");
    h.get_by_label("Service").click();
    h.run_steps(2);
    assert!(h.state().document().is_dirty());
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::New);
    h.run_steps(3);
    assert!(h.state().pending_replacement().is_some(), "New replaced unsaved work without asking");
    assert!(h.state().document().scenario().topology.node("service").is_some());
    h.get_by_label("Replace unsaved changes?");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().pending_replacement().is_none());
    assert!(h.state().document().scenario().topology.node("service").is_some(), "Cancel lost the work");
    // Discarding is a choice the user makes.
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::New);
    h.run_steps(3);
    h.get_by_label("Discard changes").click();
    h.run_steps(2);
    assert!(h.state().document().scenario().topology.nodes.is_empty());
    assert_eq!(h.state().document().path, None);
}

/// Save As on a bundled example proposes a copy of the user's own, never the example's path.
#[test]
fn save_as_never_proposes_a_bundled_examples_path() {
    let app = App::new(AppOptions {
        file: Some(crate::repo("scenarios/checkout.ron")),
        data_dir: Some(temp_dir("bundled").join("data")),
        autorun: false,
        file_dialogs: FileDialogs::Typed,
    });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(3);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
    h.run_steps(3);
    h.get_by_label("Save scenario as");
    assert!(
        h.query_all_by_value("my-checkout.ron").next().is_some(),
        "Save As proposed the bundled example's own path"
    );
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert!(h.state().pending_replacement().is_none());
}

/// A window on a copy of checkout.ron on a desktop without a system file dialog.
fn without_a_file_dialog(name: &str) -> (Harness<'static, App>, PathBuf) {
    let dir = temp_dir(name);
    let file = dir.join("scenario.ron");
    std::fs::copy(crate::repo("scenarios/checkout.ron"), &file).unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(AppOptions {
        file: Some(file),
        data_dir: Some(dir.join("data")),
        autorun: false,
        file_dialogs: FileDialogs::Unavailable,
    });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(2);
    (h, dir)
}

/// Open, Save As and Import, with no system file dialog: each opens the typed-path dialog, which
/// says why in one line, and works.
#[test]
fn without_a_system_file_dialog_open_save_as_and_import_take_a_typed_path() {
    use gatesim::gui::file_dialogs::UNAVAILABLE;
    let (mut h, dir) = without_a_file_dialog("no-file-dialog");
    // Open (Ctrl+O): a typed path opens.
    let other = dir.join("mm1.ron");
    std::fs::copy(crate::repo("scenarios/validation/mm1_rho050.ron"), &other).unwrap_or_else(|e| panic!("{e}"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run_steps(2);
    h.get_by_label("Open scenario");
    h.get_by_label(UNAVAILABLE);
    h.get_by_label("Path").set_text_value_accesskit(&other.display().to_string());
    h.run_steps(2);
    h.get_by_label("Open").click();
    h.run_steps(2);
    assert_eq!(h.state().document().path.as_deref(), Some(other.as_path()));
    assert_eq!(h.state().document().scenario().name, "M/M/1 at rho 0.5");
    assert!(h.query_by_label(UNAVAILABLE).is_none(), "the dialog stayed open");

    // Save As (Ctrl+Shift+S): the document's own name proposed, a typed path saved to.
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
    h.run_steps(2);
    h.get_by_label("Save scenario as");
    h.get_by_label(UNAVAILABLE);
    assert!(h.query_all_by_value(&other.display().to_string()).next().is_some(), "the own path is not proposed");
    let target = dir.join("saved-as.ron");
    h.get_by_label("Path").set_text_value_accesskit(&target.display().to_string());
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    let saved = gatesim::model::load::load(&target).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&saved, h.state().document().scenario());
    assert_eq!(h.state().document().path.as_deref(), Some(target.as_path()));

    // Import: the import window with the same line; a typed config imports.
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::Import);
    h.run_steps(3);
    h.get_by_label("Import a gateway config");
    h.get_by_label(UNAVAILABLE);
    let config = crate::repo("tests/corpus/import/nginx/nginx.conf");
    h.get_by_label("Config").set_text_value_accesskit(&config.display().to_string());
    h.run_steps(2);
    h.get_by_label("Import").click();
    h.run_steps(3);
    let doc = h.state().document();
    assert_eq!(doc.path, None, "an import is a new, unsaved document");
    assert!(doc.scenario().topology.nodes.iter().any(|n| matches!(n, gatesim::model::Node::Gateway(_))));
    assert_eq!(h.state().file_dialogs(), FileDialogs::Unavailable);
}

/// The typed dialog with the recent files stays reachable when the system's dialog is used, and
/// the typed-path setting shows no "unavailable" line.
#[test]
fn open_recent_or_by_path_lists_the_recent_files() {
    let (mut h, file) = harness_on("scenarios/checkout.ron", "open-recent");
    let other = file.with_file_name("other.ron");
    std::fs::copy(crate::repo("scenarios/validation/mm1_rho050.ron"), &other).unwrap_or_else(|e| panic!("{e}"));
    // Both remembered; the window back on checkout.
    for f in [&other, &file] {
        h.state_mut().open(f.to_path_buf()).unwrap_or_else(|e| panic!("{e}"));
    }
    h.run_steps(2);
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::OpenRecent);
    h.run_steps(2);
    h.get_by_label("Open scenario");
    h.get_by_label("Recent files");
    assert!(h.query_by_label(gatesim::gui::file_dialogs::UNAVAILABLE).is_none());
    let recent = std::path::absolute(&other).unwrap_or_else(|e| panic!("{e}"));
    h.get_by_label(&recent.display().to_string()).click();
    h.run_steps(2);
    assert_eq!(h.state().document().scenario().name, "M/M/1 at rho 0.5");
}

/// Saving over a file with comments asks first: Cancel leaves the file as it was, "Save without
/// the comments" writes the scenario (comments gone, asked once), Save As is offered.
#[test]
fn saving_over_a_file_with_comments_warns_first_and_offers_save_as() {
    let dir = temp_dir("comments");
    let file = dir.join("mm1.ron");
    std::fs::copy("scenarios/validation/mm1_rho080.ron", &file).unwrap();
    let original = std::fs::read_to_string(&file).unwrap();
    assert!(original.starts_with("// M/M/1"));
    let mut h = window(Some(&file), &dir.join("data"));
    h.get_by_label("Service").click();
    h.run_steps(2);
    assert!(h.state().document().is_dirty());
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::Save);
    h.run_steps(3);
    let prompt = h.state().pending_comments_prompt().expect("a save over comments asks first");
    assert_eq!((prompt.comments[0].line, prompt.comments.len()), (1, 2));
    h.get_by_label("Save without the file's comments?");
    h.get_by_label_contains("line 1: // M/M/1");
    h.get_by_label("Save As…");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original, "Cancel changed the file");
    assert!(h.state().document().is_dirty());
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::Save);
    h.run_steps(3);
    h.get_by_label("Save without the comments").click();
    h.run_steps(2);
    assert!(!h.state().document().is_dirty());
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(gatesim::model::comments::comments(&saved).is_empty());
    assert!(h.state().document().scenario().topology.node("service").is_some());
    // The description the comment repeated is in the data, and survived.
    assert!(saved.contains("M/M/1: Poisson arrivals at 80/s"));
}

/// A node's description lives in the data: typed in the inspector (applied when the field loses
/// focus, several lines), shown in the card's tooltip, saved and read back.
#[test]
fn a_node_description_is_kept_by_a_save() {
    let dir = temp_dir("node-description");
    let file = dir.join("mm1.ron");
    std::fs::copy("scenarios/validation/mm1_rho050.ron", &file).unwrap();
    let mut h = window(Some(&file), &dir.join("data"));
    let at = node_centre(h.state(), "station");
    click_at(&mut h, at);
    h.get_by_label("description").focus();
    h.run_steps(2);
    h.event(egui::Event::Text("the one server".into()));
    h.key_press(Key::Enter);
    h.event(egui::Event::Text("of the queue".into()));
    h.run_steps(2);
    assert_eq!(h.state().document().scenario().topology.node("station").map(|n| n.description()), Some(""));
    // Focus leaves the field: the text applies, in one step.
    h.key_press(Key::Tab);
    h.run_steps(2);
    let node = |h: &Harness<'static, App>| h.state().document().scenario().topology.node("station").cloned();
    assert_eq!(node(&h).map(|n| n.description().to_owned()).as_deref(), Some("the one server\nof the queue"));
    h.state_mut().dispatch(gatesim::gui::actions::UiCommand::Save);
    h.run_steps(3);
    h.get_by_label("Save without the comments").click();
    h.run_steps(2);
    let back = gatesim::model::load::load(&file).unwrap();
    assert_eq!(back.topology.node("station").map(|n| n.description()), Some("the one server\nof the queue"));
    // A node without one writes none.
    assert!(!gatesim::model::load::to_string(&back).contains("description: \"\""));
}
