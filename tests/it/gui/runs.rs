//! Runs and what they fill: the summary cards, the scrubber, cancelling, counterfactuals and
//! "Check change" on the batch worker, the cost card.

use super::*;

#[test]
fn running_fills_the_summary_cards() {
    let (mut h, _) = harness_on("scenarios/validation/mm1_rho050.ron", "run");
    // Before a run: the cards that a run fills say so; those the scenario cannot fill say why.
    assert_eq!(h.query_all_by_label(results::NOT_RUN).count(), 4);
    h.get_by_label("run (F5) to see the users hurt");
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
    // Time to detect, RTO and RPO have nothing to measure here: each says why and what would
    // give it a figure, never a dash; the cost card prices the run.
    assert!(h.query_by_label("-").is_none());
    h.get_by_label(results::ADD_ALARM);
    h.get_by_label(results::NOTHING_TO_RECOVER);
    let cost = &results::cards(h.state().document().scenario(), Some(&report))[6];
    assert!(cost.value.ends_with(" / month"), "{cost:?}");
    h.get_by_label(&cost.value);
    h.get_by_label("add a data store with replicas to measure data lost");

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
fn escape_cancels_a_running_simulation_and_keeps_the_last_finished_report() {
    let (mut h, _) = harness_on("scenarios/checkout.ron", "cancel");
    h.key_press(Key::F5);
    h.run_steps(1);
    assert!(h.state().runner().is_running());
    h.key_press(Key::Escape);
    wait_for_run(&mut h);
    match &h.state().runner().state {
        gatesim::gui::run::RunState::Cancelled(None) => {}
        other => panic!("expected a cancelled run with nothing to keep, got {other:?}"),
    }
    h.get_by_label("cancelled");
    // A run that finishes, then one cancelled: the finished report stays on screen.
    h.key_press(Key::F5);
    h.run_steps(1);
    assert!(h.state().runner().is_running());
    wait_for_run(&mut h);
    let finished = h.state().runner().report().expect("a finished report").clone();
    h.key_press(Key::F5);
    h.run_steps(1);
    assert!(h.state().runner().is_running());
    h.key_press(Key::Escape);
    wait_for_run(&mut h);
    assert!(matches!(h.state().runner().state, gatesim::gui::run::RunState::Cancelled(Some(_))));
    assert_eq!(h.state().runner().report(), Some(&finished), "the last finished report is kept");
    h.get_by_label("cancelled: the last finished run is shown");
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

/// The app on a trimmed copy of the first incident: one replicate per run (the file's 4 would
/// make the test 4 times as long), and only the variants named.
fn incident_with_one_replicate(name: &str, variants: &[&str]) -> Harness<'static, App> {
    let dir = temp_dir(name);
    let file = dir.join("incident.ron");
    let mut s = gatesim::model::load::load(&crate::repo("scenarios/incidents/rate-limit-tightened.ron"))
        .unwrap_or_else(|e| panic!("{e}"));
    s.run.replicates = 1;
    s.variants.retain(|v| variants.contains(&v.name.as_str()));
    gatesim::model::load::save(&s, &file).unwrap_or_else(|e| panic!("{e}"));
    let app = App::new(AppOptions {
        file: Some(file),
        data_dir: Some(dir.join("data")),
        autorun: false,
        file_dialogs: FileDialogs::Typed,
    });
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_ui_state(|ui, app: &mut App| app.ui_root(ui), app);
    h.run_steps(3);
    h
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
fn a_run_of_the_rate_limit_incident_says_who_was_hurt_on_each_client_card_and_why_under_the_gateway() {
    let mut h = incident_with_one_replicate("who", &[]);
    h.key_press(Key::F5);
    h.run_steps(1);
    wait_for_run(&mut h);
    let report =
        h.state().runner().report().unwrap_or_else(|| panic!("no report: {:?}", h.state().runner().state)).clone();
    let share = |name: &str| {
        report.populations.iter().find(|p| p.name == name).map(|p| p.users_impacted_pct).unwrap_or(f64::NAN)
    };
    let (mobile, partners) = (share("mobile-users"), share("partners"));
    assert!(mobile > 90.0 && partners < 1.0, "{:?}", report.populations);
    // Each client card carries its population's share, by label, inside the card.
    for (name, pct) in [("mobile-users", mobile), ("partners", partners)] {
        let label = format!("{name}: {}", gatesim::gui::overlay::hurt_text(pct));
        let badge = h.get_by_label(&label).rect();
        let card = {
            let pos = h.state().document().scenario().topology.node(name).and_then(|n| n.pos()).unwrap_or_default();
            h.state().canvas().node_rect(pos)
        };
        assert!(card.contains_rect(badge), "{label}: badge {badge:?} outside its card {card:?}");
    }
    // Under the gateway, the reason in words.
    let why = "mobile-users: 20,000 users share 6 addresses: 16 r/s per address against 10 r/s";
    let callout = h.get_by_label_contains(why).rect();
    let gw = h
        .state()
        .canvas()
        .node_rect(h.state().document().scenario().topology.node("edge-gw").and_then(|n| n.pos()).unwrap_or_default());
    assert!(callout.min.y >= gw.max.y && callout.min.x <= gw.max.x, "callout {callout:?}, gateway {gw:?}");
    // The users card lists each population, and its hover the paths and the reason.
    let card = &results::cards(h.state().document().scenario(), Some(&report))[0];
    let who = format!(
        "mobile-users {} · partners {}",
        gatesim::report::who::pct_words(mobile),
        gatesim::report::who::pct_words(partners)
    );
    assert_eq!(card.detail, who);
    h.get_by_label(&who);
    assert!(card.more.iter().any(|(k, _)| k == "  /api/payments"), "{:?}", card.more);
    assert!(card.more.iter().any(|(k, v)| k == "why mobile-users" && why.ends_with(v.as_str())), "{:?}", card.more);
    // Selecting the gateway: the inspector's callout says the same.
    let at = gw.center();
    click_at(&mut h, at);
    h.get_by_label_contains("route /api hurt mobile-users: 20,000 users share 6 addresses");
}

/// Live figures at 10% of a constant-traffic run (M/M/1 at 80 r/s, rho 0.8) are within 10% of
/// the finished run's: the partial report divides by the simulated time so far and its series
/// stop at the progress point; the canvas overlay built from it says the same.
#[test]
fn live_rates_at_ten_percent_progress_match_the_final_rates() {
    use gatesim::gui::overlay::overlay;
    use gatesim::sim::{RunOptions, run};
    use std::sync::Mutex;
    let mut s = gatesim::model::load::load(std::path::Path::new("scenarios/validation/mm1_rho080.ron")).unwrap();
    (s.run.replicates, s.run.warmup_s, s.run.duration_s) = (1, 4.0, 400.0);
    let at_tenth = Mutex::new(None);
    let partial = |r: &gatesim::report::Report| {
        let mut slot = at_tenth.lock().unwrap();
        if slot.is_none() && r.duration_s >= 40.0 {
            *slot = Some(r.clone());
        }
    };
    let done = run(&s, &RunOptions { partial: Some(&partial), ..Default::default() }).unwrap();
    let live = at_tenth.into_inner().unwrap().expect("a partial report at 10%");
    assert!((live.duration_s - 40.0).abs() < 1e-9, "the partial report is 40 s long, not {}", live.duration_s);
    let buckets = |r: &gatesim::report::Report| r.series.t_s.len();
    assert!(buckets(&live) * 9 < buckets(&done), "series stop at the progress point");
    assert_eq!(live.series.links[0].rps.len(), buckets(&live));
    let rate = |r: &gatesim::report::Report| r.nodes[1].arrivals / (r.duration_s - r.warmup_s);
    let within = |live: f64, done: f64, what: &str| {
        assert!((live / done - 1.0).abs() < 0.10, "{what}: live {live} against final {done}");
    };
    within(rate(&live), rate(&done), "arrival rate");
    within(rate(&done), 80.0, "final arrival rate");
    let util = |r: &gatesim::report::Report| r.nodes[1].service.as_ref().unwrap().utilisation;
    within(util(&live), util(&done), "utilisation");
    let link_mean = |r: &gatesim::report::Report| {
        let v = &r.series.links[0].rps;
        v.iter().sum::<f64>() / v.len() as f64
    };
    within(link_mean(&live), link_mean(&done), "link rate");
    let badge = |r: &gatesim::report::Report| overlay(r, &s, None).nodes["station"].text.clone();
    let pct = |t: String| t.trim_end_matches('%').parse::<f64>().unwrap();
    within(pct(badge(&live)), pct(badge(&done)), "the station's badge");
}

/// Scrubbed to a bucket while the tightened limit is in force, the gateway's badge is that
/// bucket's rejected share and the link into it is coloured by it; scrubbed to a bucket before
/// the change, neither.
#[test]
fn scrubbing_to_a_bucket_with_rejections_shows_the_rejection_badge_and_a_failing_link() {
    let mut h = incident_with_one_replicate("scrub-rej", &[]);
    h.key_press(Key::F5);
    h.run_steps(1);
    wait_for_run(&mut h);
    let report = h.state().runner().report().cloned().unwrap_or_else(|| panic!("no report"));
    let duration = h.state().document().scenario().run.duration_s as f32;
    let ruler = h.get_by_label("timeline ruler").rect();
    let scrub_to = |h: &mut Harness<'static, App>, t_s: f32| {
        click_at(h, egui::pos2(x_at(ruler, t_s, duration), ruler.center().y));
        h.run_steps(2);
    };
    let scenario = h.state().document().scenario().clone();
    let at = |t: f64| (t / report.bucket_s) as usize;
    // The badge on screen is the overlay's at the bucket clicked (or a neighbour: a click lands
    // within a pixel).
    let badge_shown = |h: &Harness<'static, App>, t: f64| -> String {
        (at(t).saturating_sub(1)..=at(t) + 1)
            .map(|b| gatesim::gui::overlay::overlay(&report, &scenario, Some(b)).nodes["edge-gw"].text.clone())
            .find(|text| h.query_by_label(&format!("edge-gw: {text}")).is_some())
            .unwrap_or_else(|| panic!("no edge-gw badge of the buckets around {t} s"))
    };
    // 15:00, half an hour after the limit was tightened at 14:30 (the run starts at 14:00).
    scrub_to(&mut h, 3600.0);
    let gw = badge_shown(&h, 3600.0);
    assert!(gw.ends_with("% rej"), "at 15:00 the gateway's badge is its rejected share, not {gw:?}");
    let o = gatesim::gui::overlay::overlay(&report, &scenario, Some(at(3600.0)));
    let link = &o.links[&("mobile-users".to_owned(), "edge-gw".to_owned())];
    assert!(link.failed > 0.2 && link.text.contains("failed"), "{link:?}");
    // The partners' link into the same gateway is not: its requests pass (a link's share is its
    // own requests', not its callee's).
    let partners = &o.links[&("partners".to_owned(), "edge-gw".to_owned())];
    assert!(partners.failed < 0.01 && !partners.text.contains("failed"), "{partners:?}");
    let stroke = |failed: f64| gatesim::gui::theme::edge_stroke(Some((link.share, failed)), false).color;
    assert_ne!(stroke(link.failed), stroke(0.0), "the link is coloured by its failed share");
    // 14:10, before the change: traffic, no rejections.
    scrub_to(&mut h, 600.0);
    let gw = badge_shown(&h, 600.0);
    assert!(gw.ends_with("r/s"), "at 14:10 the gateway's badge is its rate, not {gw:?}");
    let o = gatesim::gui::overlay::overlay(&report, &scenario, Some(at(600.0)));
    assert_eq!(o.links[&("mobile-users".to_owned(), "edge-gw".to_owned())].failed, 0.0);
}
