//! File > Export: the same validated export as `gatesim export`, from the window.

use super::*;
use gatesim::gui::actions::UiCommand;
use gatesim::gui::export_dialog::Outcome;

/// Steps the window until `done` holds (the validating run is on a worker thread), at most 300 s.
fn until(h: &mut Harness<'static, App>, done: impl Fn(&Harness<'static, App>) -> bool) {
    let start = Instant::now();
    while !done(h) {
        assert!(start.elapsed() < Duration::from_secs(300), "the export dialog never finished validating");
        std::thread::sleep(Duration::from_millis(50));
        h.run_steps(1);
    }
}

#[test]
fn export_validates_previews_and_saves_the_config_with_its_header() {
    let (mut h, file) = harness_on("scenarios/checkout.ron", "export-pass");
    h.state_mut().dispatch(UiCommand::Export);
    // The modal settles in a few frames (its grid and area size themselves first).
    h.run_steps(6);
    let title_before = h.get_by_label("Export config").rect();
    h.get_by_label("Validate and preview").click();
    h.run_steps(1);
    assert!(h.state().export_dialog().is_some_and(|d| d.busy()), "the validating run did not start");
    until(&mut h, |h| h.state().export_dialog().is_some_and(|d| d.outcome.is_some()));
    h.run_steps(1);
    if let Some(Outcome::Failed(e)) = h.state().export_dialog().and_then(|d| d.outcome.as_ref()) {
        panic!("{e}");
    }
    h.get_by_label("Verdict: PASS");
    // The preview made the dialog taller; its title did not move (dialogs are pinned by their top).
    let title_after = h.get_by_label("Export config").rect();
    assert!((title_after.top() - title_before.top()).abs() < 0.5, "{title_before:?} then {title_after:?}");
    h.run_steps(3);
    h.get_by_label("Save").click();
    h.run_steps(2);
    let out = file.parent().map(|d| d.join("edge-gw-nginx.conf")).unwrap_or_default();
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    assert!(text.starts_with("# Exported by gatesim "), "{text}");
    assert!(text.contains("Source: scenario.ron (sha256 "), "{text}");
    assert!(text.contains(": PASS."), "{text}");
    assert!(text.contains("upstream "), "{text}");
}

#[test]
fn export_refuses_a_design_that_breaks_its_slos_and_says_which() {
    let (mut h, file) = harness_on("scenarios/incidents/rate-limit-tightened.ron", "export-fail");
    h.state_mut().dispatch(UiCommand::Export);
    // The modal settles in a few frames (its grid and area size themselves first).
    h.run_steps(6);
    h.get_by_label("Validate and preview").click();
    h.run_steps(1);
    until(&mut h, |h| h.state().export_dialog().is_some_and(|d| d.outcome.is_some()));
    h.run_steps(1);
    h.get_by_label_contains("breaks its SLOs (");
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let written = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "conf")).count())
        .unwrap_or(0);
    assert_eq!(written, 0, "nothing may be written for a failing design");
    // The Save button stays disabled: there is nothing to save.
    assert!(h.query_by_label("Verdict: PASS").is_none());
}

#[test]
fn import_reads_an_nginx_config_into_a_new_unsaved_scenario_and_lists_what_it_could_not_map() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "import");
    h.state_mut().dispatch(UiCommand::Import);
    h.run_steps(6);
    let config = crate::repo("tests/corpus/import/nginx/nginx.conf");
    h.get_by_label("Config").set_text_value_accesskit(&config.display().to_string());
    h.run_steps(2);
    h.get_by_label("Import").click();
    h.run_steps(3);
    let doc = h.state().document();
    assert_eq!(doc.path, None, "an import is a new, unsaved document");
    assert!(
        doc.scenario().topology.nodes.iter().any(|n| matches!(n, gatesim::model::Node::Gateway(_))),
        "no gateway imported"
    );
    h.get_by_label_contains("as a new, unsaved scenario");
}
