//! Loading, validating and saving scenario files: errors point at the line, nothing panics, saves
//! are atomic and round-trip.

use super::repo;
use gatesim::model::load::{self, LoadError};
use gatesim::model::validate::{Severity, validate};
use proptest::prelude::*;
use std::path::Path;

fn example_text() -> String {
    std::fs::read_to_string(repo("scenarios/checkout.ron")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_syntax_error_names_line_and_column() {
    let text = example_text().replacen("instances: 2,", "instances: two,", 1);
    match load::from_str(&text, Path::new("bad.ron")) {
        Err(e @ LoadError::Syntax { line, .. }) => {
            let msg = e.to_string();
            let expected_line = text.lines().position(|l| l.contains("instances: two")).map(|i| i + 1);
            assert_eq!(Some(line), expected_line);
            assert!(msg.starts_with(&format!("bad.ron:{line}:")), "{msg}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn an_unknown_field_is_an_error_not_ignored() {
    let text = example_text().replacen("instances: 2,", "instancse: 2,", 1);
    let err = load::from_str(&text, Path::new("x.ron")).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("instancse"), "{err}");
}

#[test]
fn a_newer_file_is_refused_with_both_versions() {
    let text = example_text().replacen("format_version: 1", "format_version: 99", 1);
    let err = load::from_str(&text, Path::new("new.ron")).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("99") && err.contains("upgrade"), "{err}");
}

#[test]
fn every_semantic_problem_is_reported_at_once_with_its_node_and_line() {
    let text = example_text()
        .replacen("rate_rps: 400.0", "rate_rps: -5.0", 1)
        .replacen("(from: \"lb\", to: \"accounts\"", "(from: \"lb\", to: \"nowhere\"", 1)
        .replacen("concurrency: 8,", "concurrency: 0,", 1);
    let s = load::parse(&text, Path::new("x.ron")).unwrap_or_else(|e| panic!("{e}"));
    let problems = validate(&s, Some(&text));
    let errors: Vec<_> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
    assert!(errors.iter().any(|p| p.node.as_deref() == Some("shoppers") && p.message.contains("-5")));
    assert!(errors.iter().any(|p| p.message.contains("nowhere")));
    let payments =
        errors.iter().find(|p| p.node.as_deref() == Some("payments")).unwrap_or_else(|| panic!("{errors:?}"));
    let line = text.lines().position(|l| l.contains("name: \"payments\"")).map(|i| i + 1);
    assert_eq!(payments.line, line);
    // And loading refuses it, listing them all.
    let msg = load::from_str(&text, Path::new("x.ron")).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("problems") && msg.contains("payments") && msg.contains("nowhere"), "{msg}");
}

#[test]
fn a_routing_cycle_is_found() {
    let text = example_text().replacen("links: [", "links: [\n            (from: \"orders\", to: \"lb\"),", 1);
    let s = load::parse(&text, Path::new("x.ron")).unwrap_or_else(|e| panic!("{e}"));
    let problems = validate(&s, None);
    assert!(problems.iter().any(|p| p.message.contains("cannot send")), "{problems:?}");
}

#[test]
fn save_then_load_gives_the_same_scenario_and_leaves_no_temp_file() {
    let s = load::load(&repo("scenarios/checkout.ron")).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("gatesim-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("saved.ron");
    load::save(&s, &path).unwrap_or_else(|e| panic!("{e}"));
    load::save(&s, &path).unwrap_or_else(|e| panic!("{e}"));
    let back = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s, back);
    let names: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unwritable_path_is_an_error_naming_it() {
    let s = load::load(&repo("scenarios/checkout.ron")).unwrap_or_else(|e| panic!("{e}"));
    let err = load::save(&s, Path::new("/nonexistent-dir/x.ron")).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("/nonexistent-dir/x.ron"), "{err}");
}

#[test]
fn every_bundled_scenario_loads_without_errors() {
    let mut files = vec![];
    for dir in ["scenarios", "scenarios/incidents", "scenarios/validation"] {
        for e in std::fs::read_dir(repo(dir)).into_iter().flatten().flatten() {
            if e.path().extension().is_some_and(|x| x == "ron") {
                files.push(e.path());
            }
        }
    }
    assert!(files.len() >= 13, "{files:?}");
    for f in files {
        if let Err(e) = load::load(&f) {
            panic!("{e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any edit of a valid file — a deleted span, a duplicated span, a changed character — gives a
    /// scenario or an error, never a panic; and a scenario that loads also compiles and validates.
    #[test]
    fn the_loader_never_panics(cut in 0usize..4000, len in 0usize..40, byte in any::<u8>(), op in 0u8..3) {
        let text = example_text();
        let mut bytes = text.into_bytes();
        let at = cut.min(bytes.len());
        let end = (at + len).min(bytes.len());
        match op {
            0 => { bytes.drain(at..end); }
            1 => { let dup: Vec<u8> = bytes[at..end].to_vec(); bytes.splice(at..at, dup); }
            _ => { if at < bytes.len() { bytes[at] = byte; } }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = load::parse(&text, Path::new("fuzz.ron")) {
            let problems = validate(&s, Some(&text));
            if problems.iter().all(|p| p.severity != Severity::Error) {
                let mut s = s;
                s.run.duration_s = s.run.duration_s.min(5.0);
                s.run.replicates = 1;
                let _report = gatesim::sim::run(&s, &Default::default());
            }
        }
    }

    /// Random numbers in every numeric field of a small scenario never panic the validator,
    /// compiler or engine.
    #[test]
    fn any_numbers_validate_or_run(rate in -10.0f64..2000.0, ms in -5.0f64..500.0, conc in 0u32..5, q in proptest::option::of(0u32..5), inst in 0u32..3, dur in -1.0f64..3.0, err in -0.5f64..1.5) {
        let text = format!(r#"Scenario(format_version: 1, name: "p", run: (seed: 1, duration_s: {dur:?}),
            topology: (nodes: [
                Clients((name: "c", traffic: Constant(rate_rps: {rate:?}))),
                Service((name: "s", instances: {inst}, concurrency: {conc}, queue_capacity: {q:?}, service_time: Exponential(mean_ms: {ms:?}), error_rate: {err:?})),
            ], links: [(from: "c", to: "s", latency: Uniform(min_ms: {ms:?}, max_ms: 10.0))]))"#);
        match load::from_str(&text, Path::new("p.ron")) {
            Ok(s) => { let _report = gatesim::sim::run(&s, &Default::default()); }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    /// The same with a timeline: any edit of the bundled timeline example loads, validates and
    /// compiles or gives an error, never a panic (the run itself is kept short).
    #[test]
    fn the_loader_never_panics_with_a_timeline(cut in 0usize..9000, len in 0usize..40, byte in any::<u8>(), op in 0u8..3) {
        let text = std::fs::read_to_string(repo("scenarios/payments-bad-deploy.ron")).unwrap_or_default();
        let mut bytes = text.into_bytes();
        let at = cut.min(bytes.len());
        let end = (at + len).min(bytes.len());
        match op {
            0 => { bytes.drain(at..end); }
            1 => { let dup: Vec<u8> = bytes[at..end].to_vec(); bytes.splice(at..at, dup); }
            _ => { if at < bytes.len() { bytes[at] = byte; } }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = load::parse(&text, Path::new("fuzz.ron")) {
            let problems = validate(&s, Some(&text));
            if problems.iter().all(|p| p.severity != Severity::Error) {
                // Little traffic, so that every entry of the timeline still happens quickly.
                let mut s = s;
                for n in &mut s.topology.nodes {
                    if let gatesim::model::Node::Clients(c) = n {
                        c.traffic = gatesim::model::Traffic::Constant { rate_rps: 2.0 };
                    }
                }
                s.run.replicates = 1;
                let _report = gatesim::sim::run(&s, &Default::default());
            }
        }
    }

    /// Random numbers in timeline entries never panic the validator, compiler or engine.
    #[test]
    fn any_timeline_numbers_validate_or_run(at in -100.0f64..200.0, len in -10.0f64..200.0, share in -0.5f64..1.5, period in 0u32..130, n in 0u32..5, m in 0u32..5, thr in -1.0f64..2.0, stage in -0.5f64..1.5) {
        let text = format!(r#"Scenario(format_version: 1, name: "p", run: (seed: 1, duration_s: 120),
            topology: (nodes: [
                Clients((name: "c", traffic: Constant(rate_rps: 50.0))),
                Gateway((name: "g", routes: [(path_prefix: "/", upstream: "s")])),
                Service((name: "s", instances: 2, queue_capacity: 4, service_time: Exponential(mean_ms: 30.0))),
            ], links: [(from: "c", to: "g"), (from: "g", to: "s")]),
            timeline: [
                Fault((name: "f", at: {at:?}, duration: {len:?}, target: "s-1", kind: Errors(share: {share:?}))),
                Fault((name: "x", at: {at:?}, target: "s", kind: Exhaustion(after: {len:?}, restart: {len:?}))),
                Change((name: "c1", at: {at:?}, node: "s", set: [(path: "instances", value: {n})], rollout: Staged(stages: [(share: {stage:?}, duration: {len:?})]))),
                Alarm((name: "a", metric: Share5xx, threshold: {thr:?}, rule: CloudWatch(period: {period}, evaluation_periods: {n}, datapoints_to_alarm: {m}))),
                Action((name: "r", trigger: Alarm("a"), act: Rollback("c1"), response: Human((acknowledge: Fixed({len:?}), investigate: Uniform(min: 0, max: {len:?}), identify: Exponential(mean: {len:?}), act: LogNormal(median: 1, p99: {len:?}))))),
            ])"#);
        match load::from_str(&text, Path::new("p.ron")) {
            Ok(s) => { let _report = gatesim::sim::run(&s, &Default::default()); }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn rename_updates_links_routes_and_rules() {
    let mut s = load::load(&repo("scenarios/checkout.ron")).unwrap_or_else(|e| panic!("{e}"));
    s.topology.rename("payments", "billing");
    s.topology.rename("lb", "alb");
    assert!(validate(&s, None).iter().all(|p| p.severity != Severity::Error), "{:?}", validate(&s, None));
    let text = load::to_string(&s);
    assert!(!text.contains("\"payments\"") && !text.contains("\"lb\"") && text.contains("\"billing\""));
}

#[test]
fn nodes_with_defaults_are_valid_once_linked() {
    use gatesim::model::{Link, Node, NodeKind, Scenario, Topology};
    let nodes = vec![
        Node::with_defaults(NodeKind::Clients, "c"),
        Node::with_defaults(NodeKind::Gateway, "g"),
        Node::with_defaults(NodeKind::LoadBalancer, "l"),
        Node::with_defaults(NodeKind::Service, "s"),
    ];
    let link = |a: &str, b: &str| Link { from: a.into(), to: b.into(), latency: Default::default(), weight: 1.0 };
    let s = Scenario::new(
        "defaults",
        Topology {
            regions: vec![],
            nodes,
            links: vec![link("c", "g"), link("g", "l"), link("l", "s")],
            region_rtt: vec![],
        },
    );
    assert_eq!(validate(&s, None), vec![]);
}

#[test]
fn impossible_policy_parameters_are_errors_naming_the_node() {
    let text = example_text().replacen(
        "(path_prefix: \"/api\", upstream: \"lb\", timeout_ms: Some(2000.0)),",
        "(path_prefix: \"/api\", upstream: \"lb\", timeout_ms: Some(2000.0), rate_limit: Some((algorithm: NginxLimitReq(rate: \"fast\")))),",
        1,
    );
    let s = load::parse(&text, Path::new("x.ron")).unwrap_or_else(|e| panic!("{e}"));
    let problems = validate(&s, Some(&text));
    assert!(
        problems.iter().any(|p| p.node.as_deref() == Some("edge-gw") && p.message.contains("\"fast\"")),
        "{problems:?}"
    );
    let text = example_text().replacen("rules: [", "health_check: Some((inter_ms: 0)),\n                rules: [", 1);
    let s = load::parse(&text, Path::new("x.ron")).unwrap_or_else(|e| panic!("{e}"));
    assert!(validate(&s, None).iter().any(|p| p.node.as_deref() == Some("lb") && p.message.contains("inter_ms")));
}
