//! The binary as a user runs it: exit codes and messages.

use super::repo;
use std::process::Command;

fn gatesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gatesim")).args(args).output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gatesim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join(name)
}

#[test]
fn run_prints_a_summary_and_writes_json_and_csv() {
    let json = tmp("r.json");
    let csv = tmp("csv");
    let example = repo("scenarios/validation/mmck_rho080.ron");
    let (code, stdout, stderr) = gatesim(&[
        "run",
        example.to_str().unwrap_or(""),
        "--replicates",
        "2",
        "--json",
        json.to_str().unwrap_or(""),
        "--csv",
        csv.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("queue_full") && stdout.contains("station"), "{stdout}");
    let report: gatesim::report::Report =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.replicates, 2);
    let series = std::fs::read_to_string(csv.join("series.csv")).unwrap_or_default();
    assert!(series.starts_with("t_s,success_rps,queue_full_rps"), "{series}");
    assert_eq!(series.lines().count(), report.series.t_s.len() + 1);
    assert!(std::fs::read_to_string(csv.join("nodes.csv")).unwrap_or_default().contains("station,instance"));
}

#[test]
fn a_malformed_file_exits_2_with_file_line_col() {
    let bad = tmp("bad.ron");
    std::fs::write(&bad, "Scenario(\n  format_version: 1,\n  name: \"x\",\n  run: (seed: oops),\n)")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["run", bad.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:4:", bad.display())), "{stderr}");
}

#[test]
fn a_missing_file_exits_2() {
    let (code, _, stderr) = gatesim(&["run", "/no/such/file.ron"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/no/such/file.ron"), "{stderr}");
}

#[test]
fn lint_lists_every_problem_and_exits_2_on_errors() {
    let bad = tmp("lint.ron");
    let text = std::fs::read_to_string(repo("scenarios/checkout.ron"))
        .unwrap_or_default()
        .replacen("instances: 2,", "instances: 0,", 1)
        .replacen("error_rate: 0.002", "error_rate: 2.0", 1);
    std::fs::write(&bad, text).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, _) = gatesim(&["lint", bad.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(stdout.contains("[orders]") && stdout.contains("[payments]") && stdout.contains("2 error(s)"), "{stdout}");
    let (code, stdout, _) = gatesim(&["lint", repo("scenarios/checkout.ron").to_str().unwrap_or("")]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn an_unwritable_report_path_exits_2() {
    let example = repo("scenarios/validation/mm1_rho050.ron");
    let (code, _, stderr) =
        gatesim(&["run", example.to_str().unwrap_or(""), "--replicates", "1", "--json", "/no/such/dir/r.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/no/such/dir/r.json"), "{stderr}");
}

#[test]
fn timeline_mistakes_are_all_reported_with_their_line_and_node() {
    let text = std::fs::read_to_string(repo("scenarios/payments-bad-deploy.ron")).unwrap_or_default();
    let bad = text
        .replacen(
            "node: \"payments\",\n            set: [(path: \"error_rate\"",
            "node: \"paymnets\",\n            set: [(path: \"error_rate\"",
            1,
        )
        .replacen("(path: \"service_time.median_ms\"", "(path: \"service_time.median\"", 1)
        .replacen("at: \"09:50\"", "at: \"23:50\"", 1)
        .replacen("trigger: Alarm(\"payments-p99\")", "trigger: Alarm(\"payments-p98\")", 1);
    let file = tmp("timeline-lint.ron");
    std::fs::write(&file, &bad).unwrap_or_else(|e| panic!("{e}"));
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).map_or(0, |i| i + 1);
    let (code, stdout, _) = gatesim(&["lint", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2, "{stdout}");
    let f = file.display();
    for (line, expected) in [
        (line_of("name: \"payments-v2\""), "no node is named \"paymnets\""),
        (line_of("name: \"payments-v3\""), "has no field \"median\""),
        (line_of("name: \"payments-v3\""), "outside the run"),
        (line_of("name: \"auto-rollback\""), "no alarm is named \"payments-p98\""),
    ] {
        let wanted = format!("{f}:{line}: error: ");
        assert!(
            stdout.lines().any(|l| l.starts_with(&wanted) && l.contains(expected)),
            "{wanted} {expected}\n{stdout}"
        );
    }
    // The change's target node is named, so the editor can badge it.
    assert!(stdout.contains("[payments] change \"payments-v3\""), "{stdout}");
    // `run` refuses the file the same way.
    let (code, _, stderr) = gatesim(&["run", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2, "{stderr}");
    // An unknown metric is a syntax error at its line.
    let unknown = text.replacen("metric: Share5xx", "metric: Share6xx", 1);
    std::fs::write(&file, &unknown).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["lint", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    let line = unknown.lines().position(|l| l.contains("Share6xx")).map_or(0, |i| i + 1);
    assert!(stderr.contains(&format!("{f}:{line}:")) && stderr.contains("Share6xx"), "{stderr}");
}

fn incident_with_change(rate: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo("scenarios/incidents/rate-limit-tightened.ron")).unwrap_or_default();
    let changed = text.replacen(
        "set: [(path: \"routes[/api].rate_limit.algorithm.rate\", value: \"10r/s\")],\n        )),",
        &format!("set: [(path: \"routes[/api].rate_limit.algorithm.rate\", value: \"{rate}\")],\n        )),"),
        1,
    );
    assert_ne!(text, changed);
    let file = tmp(&format!("check-{}.ron", rate.replace('/', "")));
    std::fs::write(&file, changed).unwrap_or_else(|e| panic!("{e}"));
    file
}

#[test]
fn check_fails_the_first_incidents_change_and_passes_a_harmless_one() {
    let file = repo("scenarios/incidents/rate-limit-tightened.ron");
    let (code, stdout, stderr) = gatesim(&["check", file.to_str().unwrap_or(""), "--replicates", "2"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    // The lint comes before any simulation, with the numbers.
    let lint = stdout.find("lint (before any simulation)").unwrap_or(usize::MAX);
    let table = stdout.find("baseline").unwrap_or(0);
    assert!(lint < table && stdout.contains("16.0") && stdout.contains("10.0 r/s"), "{stdout}");
    assert!(stdout.contains("check: FAIL") && stdout.contains("users impacted"), "{stdout}");
    assert!(stdout.lines().all(|l| l.chars().count() <= 80), "{stdout}");
    // Raising the limit instead hurts nobody.
    let raised = incident_with_change("200r/s");
    let (code, stdout, _) = gatesim(&["check", raised.to_str().unwrap_or(""), "--replicates", "2"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("check: PASS") && !stdout.contains("lint (before"), "{stdout}");
}

#[test]
fn check_refuses_two_topologies_and_an_slo_on_an_unknown_figure() {
    let base = repo("scenarios/incidents/rate-limit-tightened.ron");
    let other = repo("scenarios/checkout.ron");
    let (code, _, stderr) = gatesim(&["check", base.to_str().unwrap_or(""), other.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("different topologies") && stderr.contains("mobile-users"), "{stderr}");
    let text = std::fs::read_to_string(&base).unwrap_or_default();
    let bad = text.replacen("run: (seed: 2024,", "slo: (users_hurt_pct: 5),\n    run: (seed: 2024,", 1);
    let file = tmp("bad-slo.ron");
    std::fs::write(&file, &bad).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["check", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    let line = bad.lines().position(|l| l.contains("users_hurt_pct")).map_or(0, |i| i + 1);
    assert!(stderr.contains(&format!("{}:{line}:", file.display())) && stderr.contains("users_hurt_pct"), "{stderr}");
}

#[test]
fn check_lists_exactly_the_keys_and_windows_a_change_would_block() {
    // limit_req per client key, 100r/s before and 5r/s (no burst) after: a key passes one request
    // per 200 ms. alice sends every 100 ms for 10 s: every other request is blocked, from 0.1 s to
    // 9.9 s; carol every 50 ms from 5 s to 8 s: 3 of 4 blocked; bob every 500 ms: never.
    let scenario = |rate: &str| {
        format!(
            r#"Scenario(format_version: 1, name: "block", run: (seed: 1, duration_s: 60.0),
            topology: (nodes: [
                Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
                Gateway((name: "gw", routes: [(path_prefix: "/api", upstream: "b0", rate_limit: (algorithm: NginxLimitReq(rate: "{rate}")))])),
                Service((name: "b0", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
            ], links: [(from: "c", to: "gw"), (from: "gw", to: "b0")]))"#
        )
    };
    let (before, after) = (tmp("block-before.ron"), tmp("block-after.ron"));
    std::fs::write(&before, scenario("100r/s")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&after, scenario("5r/s")).unwrap_or_else(|e| panic!("{e}"));
    let mut rows = vec![];
    for i in 0..100 {
        rows.push((i as f64 * 100.0, "alice"));
    }
    for i in 0..20 {
        rows.push((i as f64 * 500.0 + 25.0, "bob"));
    }
    for i in 0..60 {
        rows.push((5000.0 + i as f64 * 50.0 + 10.0, "carol"));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let trace: String = rows.iter().enumerate().map(|(i, (t, k))| format!("r{i},{t},{k},/api/x\n")).collect();
    let requests = tmp("block-requests.csv");
    std::fs::write(&requests, format!("id,send_ms,client_key,path\n{trace}")).unwrap_or_else(|e| panic!("{e}"));
    let json = tmp("blocked.json");
    let args = [
        "check",
        before.to_str().unwrap_or(""),
        after.to_str().unwrap_or(""),
        "--requests",
        requests.to_str().unwrap_or(""),
        "--json",
        json.to_str().unwrap_or(""),
    ];
    let (code, stdout, stderr) = gatesim(&args);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let pairs: Vec<(String, String, u64, u64, f64, f64)> = doc["pairs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let b = &p["blocked"];
            (
                p["client_key"].as_str().unwrap_or("").to_owned(),
                p["route"].as_str().unwrap_or("").to_owned(),
                b["blocked"].as_u64().unwrap_or(0),
                b["requests"].as_u64().unwrap_or(0),
                b["first_s"].as_f64().unwrap_or(0.0),
                b["last_s"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    let (alice, carol) = (&pairs[0], &pairs[1]);
    assert_eq!((alice.0.as_str(), alice.1.as_str(), alice.2, alice.3), ("alice", "/api", 50, 100), "{alice:?}");
    assert!((alice.4 - 0.1).abs() < 1e-9 && (alice.5 - 9.9).abs() < 1e-9, "{alice:?}");
    assert_eq!((carol.0.as_str(), carol.2, carol.3), ("carol", 45, 60), "{carol:?}");
    assert!((carol.4 - 5.06).abs() < 1e-9 && (carol.5 - 7.96).abs() < 1e-9, "{carol:?}");
    assert!(stdout.contains("95 of 180 requests"), "{stdout}");
}

#[test]
fn check_reads_an_nginx_access_log_with_the_client_address_as_key() {
    let scenario = |rate: &str| {
        format!(
            r#"Scenario(format_version: 1, name: "block", run: (seed: 1, duration_s: 60.0),
            topology: (nodes: [
                Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
                Gateway((name: "gw", routes: [(path_prefix: "/api", upstream: "b0", rate_limit: (algorithm: NginxLimitReq(rate: "{rate}")))])),
                Service((name: "b0", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
            ], links: [(from: "c", to: "gw"), (from: "gw", to: "b0")]))"#
        )
    };
    let (before, after) = (tmp("log-before.ron"), tmp("log-after.ron"));
    std::fs::write(&before, scenario("100r/s")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&after, scenario("5r/s")).unwrap_or_else(|e| panic!("{e}"));
    // 10.0.0.1 sends 10 requests a second for 10 s, 10.0.0.2 one a second; a garbled line is
    // skipped and counted.
    let mut log = String::new();
    for s in 0..10 {
        for k in 0..11 {
            let ip = if k == 5 { "10.0.0.2" } else { "10.0.0.1" };
            log.push_str(&format!(
                "{ip} - - [16/Aug/2024:14:00:{s:02} +0000] \"GET /api/x?n={k} HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n"
            ));
        }
    }
    log.push_str("this is not a log line\n");
    let file = tmp("access.log");
    std::fs::write(&file, log).unwrap_or_else(|e| panic!("{e}"));
    let args = [
        "check",
        before.to_str().unwrap_or(""),
        after.to_str().unwrap_or(""),
        "--requests",
        file.to_str().unwrap_or(""),
    ];
    let (code, stdout, stderr) = gatesim(&args);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("10.0.0.1") && !stdout.contains("10.0.0.2"), "{stdout}");
    assert!(stderr.contains("1 bad line") && stderr.contains("line 111"), "{stderr}");
}

#[test]
fn a_trace_replay_applies_seed_and_refuses_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.ron");
    std::fs::write(
        &scenario,
        r#"Scenario(format_version: 1, name: "seeded", run: (seed: 1, duration_s: 1.0),
  topology: (nodes: [
    Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
    LoadBalancer((name: "lb", algorithm: Random)),
    Service((name: "a", instances: 1, service_time: Constant(ms: 1.0))),
    Service((name: "b", instances: 1, service_time: Constant(ms: 1.0))),
  ], links: [(from: "c", to: "lb"), (from: "lb", to: "a"), (from: "lb", to: "b")]))"#,
    )
    .unwrap();
    let requests = dir.path().join("r.csv");
    let lines: String = (0..40).map(|i| format!("r{i},{},k,/\n", i * 10)).collect();
    std::fs::write(&requests, format!("id,send_ms,client_key,path\n{lines}")).unwrap();
    let decide = |seed: &str| {
        let out = dir.path().join(format!("d{seed}.csv"));
        let (s, r, o) = (scenario.to_str().unwrap(), requests.to_str().unwrap(), out.to_str().unwrap());
        let (code, _, err) = gatesim(&["run", s, "--requests", r, "--decisions", o, "--seed", seed, "--quiet"]);
        assert_eq!(code, 0, "{err}");
        std::fs::read_to_string(&out).unwrap()
    };
    // The random balancer's picks come from the seed: two seeds, two sequences; one seed, one.
    assert_ne!(decide("1"), decide("2"));
    assert_eq!(decide("3"), decide("3"));
    let (s, r) = (scenario.to_str().unwrap(), requests.to_str().unwrap());
    let (code, _, err) = gatesim(&["run", s, "--requests", r, "--replicates", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("a trace replays once"), "{err}");
}

#[test]
fn run_says_who_was_hurt_and_why_in_the_table_and_the_json() {
    use gatesim::report::who::pct_words;
    // The first incident, its first 40 minutes (the limit tightened at 14:30), one replicate.
    let text = std::fs::read_to_string(repo("scenarios/incidents/rate-limit-tightened.ron")).unwrap_or_default();
    let short = text.replacen("duration_s: 7200.0, replicates: 4", "duration_s: 2400.0, replicates: 1", 1);
    assert_ne!(text, short);
    let file = tmp("who.ron");
    std::fs::write(&file, short).unwrap_or_else(|e| panic!("{e}"));
    let json = tmp("who.json");
    let (code, stdout, stderr) = gatesim(&["run", file.to_str().unwrap_or(""), "--json", json.to_str().unwrap_or("")]);
    assert!(code == 0 || code == 1, "{stderr}");
    let report: gatesim::report::Report =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.schema_version, 3);
    let names: Vec<&str> = report.populations.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["mobile-users", "partners"]);
    let (mobile, partners) = (&report.populations[0], &report.populations[1]);
    // Ten minutes of the tightened limit hurt most mobile users, (nearly) no partner.
    assert!(mobile.users_impacted_pct > 50.0 && mobile.rate_limited > 0.0, "{mobile:?}");
    assert!(partners.users_impacted_pct < 1.0 && partners.rate_limited == 0.0, "{partners:?}");
    let paths: Vec<&str> = mobile.paths.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["/api/payments", "/api/accounts"]);
    // The reason: 96 r/s from 20,000 users over 6 addresses against the change's 10 r/s.
    let [why] = report.reasons.as_slice() else { panic!("{:?}", report.reasons) };
    assert_eq!(why.text, "20,000 users share 6 addresses: 16 r/s per address against 10 r/s");
    assert_eq!((why.gateway.as_str(), why.route.as_str(), why.clients.as_str()), ("edge-gw", "/api", "mobile-users"));
    // The table: one line per figure, as the JSON has them.
    let who = format!(
        "  who was hurt      mobile-users {}, partners {}",
        pct_words(mobile.users_impacted_pct),
        pct_words(partners.users_impacted_pct)
    );
    assert!(stdout.contains(&who), "{stdout}");
    assert!(
        stdout
            .contains(&format!("    mobile-users    /api/payments {}", pct_words(mobile.paths[0].users_impacted_pct)))
    );
    assert!(stdout.contains(&format!("    why             mobile-users: {}", why.text)), "{stdout}");
    assert!(
        stdout.contains("at edge-gw route /api (limit_req 10r/s burst 20 nodelay, per client address)"),
        "{stdout}"
    );
}
