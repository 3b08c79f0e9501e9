//! The DR strategies panel and its runs on the worker.

use super::*;

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
            ("as designed", "$180.00", "$420.00", "not recovered", "no failover", "25.0 %"),
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
    let app = App::new(AppOptions {
        file: Some(file),
        data_dir: Some(dir.join("data")),
        autorun: false,
        file_dialogs: FileDialogs::Typed,
    });
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
