//! Deployment kinds and cost on hand-computable cases: serverless cold starts and throttling,
//! containers' liveness and readiness probes, and a run's cost against the price table.

use super::run;
use gatesim::metrics::Outcome;
use gatesim::model::load;
use gatesim::report::Report;
use std::path::Path;

/// `rate` r/s evenly spaced for `duration` s from 1,000 users straight to service `api` (RON
/// text), with `timeline`.
fn case(duration: u32, rate: f64, api: &str, timeline: &str) -> gatesim::model::Scenario {
    let text = format!(
        r#"Scenario(format_version: 1, name: "deploy case", run: (seed: 5, duration_s: {duration}),
        topology: (nodes: [
            Clients((name: "users", users: 1000, arrivals: Deterministic, traffic: Constant(rate_rps: {rate:?}))),
            Service({api}),
        ], links: [(from: "users", to: "api", latency: Constant(ms: 0.0))]),
        timeline: [{timeline}])"#
    );
    load::from_str(&text, Path::new("case.ron")).unwrap_or_else(|e| panic!("{e}"))
}

fn api(r: &Report) -> &gatesim::report::ServiceSummary {
    r.nodes.iter().find(|n| n.name == "api").and_then(|n| n.service.as_ref()).unwrap_or_else(|| panic!("no api"))
}

#[test]
fn a_cold_start_adds_its_duration_to_exactly_the_requests_that_found_no_warm_environment() {
    // One request every 500 ms (the first at 500 ms: 39 in 20 s), served in 10 ms: after the
    // first, a warm environment is always idle. With keep_warm 10 min only the first request is
    // cold: 1 cold start, the slowest request takes 10 + 100 ms and every other 10 ms.
    let f = |keep_warm: &str| {
        format!(
            r#"(name: "api", instances: 1, service_time: Constant(ms: 10.0),
            deployment: Serverless((cold_start: Constant(ms: 100.0), keep_warm: "{keep_warm}", concurrency_limit: 10)))"#
        )
    };
    let r = run(&case(20, 2.0, &f("10m"), ""));
    assert_eq!(r.summary.requests, 39.0);
    assert_eq!(api(&r).cold_starts, 1.0);
    assert_eq!(api(&r).deployment, "serverless");
    let l = &r.summary.latency_ms;
    let (max, p50) = (l.max.unwrap_or(0.0), l.p50.unwrap_or(0.0));
    assert!((max - 110.0).abs() < 0.5 && (p50 - 10.0).abs() < 0.5, "max {max} p50 {p50}");
    // The mean is exact: 38 requests of 10 ms and one of 110 ms.
    let mean = l.mean.unwrap_or(0.0);
    assert!((mean - (38.0 * 10.0 + 110.0) / 39.0).abs() < 1e-6, "{mean}");
    // Reclaimed after 200 ms idle: each request (490 ms after the last one ended) is cold.
    let r = run(&case(20, 2.0, &f("200ms"), ""));
    assert_eq!(api(&r).cold_starts, 39.0);
    assert!((r.summary.latency_ms.mean.unwrap_or(0.0) - 110.0).abs() < 1e-6);
}

#[test]
fn a_function_at_its_concurrency_limit_answers_429_to_the_excess() {
    // 10 r/s, each served in 250 ms, at most 2 environments: request i (at 100 i ms) finds
    // requests i-1 and i-2 still running when i-2 started less than 250 ms earlier, which is
    // every third request: the pattern ok, ok, 429 repeats.
    let f = r#"(name: "api", instances: 1, service_time: Constant(ms: 250.0),
        deployment: Serverless((cold_start: Constant(ms: 0.0), concurrency_limit: 2)))"#;
    let r = run(&case(30, 10.0, f, ""));
    let throttled = r.summary.failures_by_cause[&Outcome::Throttled];
    assert!((99.0..=101.0).contains(&throttled), "{throttled} of {}", r.summary.requests);
    assert_eq!(r.summary.statuses.get(&429).copied(), Some(throttled));
    assert_eq!(r.summary.successes + throttled, r.summary.requests);
    // With a limit of 3 nothing is throttled.
    let r = run(&case(30, 10.0, &f.replace("concurrency_limit: 2", "concurrency_limit: 3"), ""));
    assert_eq!(r.summary.failures_by_cause[&Outcome::Throttled], 0.0);
}

fn log_times(r: &Report, what: &str) -> Vec<f64> {
    let t = r.timeline.as_ref().unwrap_or_else(|| panic!("no timeline"));
    t.log.iter().filter(|l| l.what == what).map(|l| l.t_s).collect()
}

#[test]
fn a_container_failing_its_liveness_probe_is_restarted_after_threshold_times_period() {
    // Instance api-0 answers 500 from 60 s on. Its liveness probe (every 10 s, 3 failures) sees
    // the first failure within 10 s of the fault and kills it at the third: between 80 and 90 s.
    // It runs again 10 s later (restart), fails 3 more probes (30 s from its start, the probes
    // start at once) and is killed again; the crash-loop back-off then delays each restart by
    // 10 s, 20 s, ...
    let c = r#"(name: "api", instances: 2, concurrency: 4, service_time: Constant(ms: 10.0),
        deployment: Container((liveness: (period: "10s", failure_threshold: 3), restart: "10s")))"#;
    let fault = r#"Fault((name: "bad", at: 60, target: "api-0", kind: Errors(share: 1.0, status: 500)))"#;
    let r = run(&case(300, 10.0, c, fault));
    let kills = log_times(&r, "killed by its liveness probe");
    assert!(kills.len() >= 3, "{kills:?}");
    assert!((80.0..90.0).contains(&kills[0]), "{kills:?}");
    // Restarted at kill + 10 s (no back-off the first time); probes at +0, +10, +20: killed at +20.
    assert!((kills[1] - (kills[0] + 10.0 + 20.0)).abs() < 1e-6, "{kills:?}");
    // Then a 10 s back-off: killed at previous + 10 + 10 + 20.
    assert!((kills[2] - (kills[1] + 40.0)).abs() < 1e-6, "{kills:?}");
    let restarts = log_times(&r, "restarted");
    assert!((restarts[0] - (kills[0] + 10.0)).abs() < 1e-6, "{restarts:?}");
    assert_eq!(api(&r).liveness_restarts, kills.len() as f64);
    // The healthy instance is never touched.
    let t = r.timeline.as_ref().unwrap_or_else(|| panic!("no timeline"));
    assert!(t.log.iter().filter(|l| l.what.contains("liveness")).all(|l| l.entry == "api-0"));
}

#[test]
fn a_container_not_ready_gets_no_traffic() {
    // Readiness every 2 s, 1 failure: api-0 is out of the balancer within 2 s of its fault (at
    // 60 s) and never ready again (the fault lasts). Round robin sends it every other request
    // until then: about 300 in the first 60 s (599 requests), at most 10 more, and the 500s are
    // those few.
    let c = r#"(name: "api", instances: 2, concurrency: 4, service_time: Constant(ms: 10.0),
        deployment: Container((readiness: (period: "2s", failure_threshold: 1))))"#;
    let fault = r#"Fault((name: "bad", at: 60, target: "api-0", kind: Errors(share: 1.0, status: 500)))"#;
    let r = run(&case(120, 10.0, c, fault));
    let s = api(&r);
    let a0 = s.instances.iter().find(|i| i.name == "api-0").map_or(0.0, |i| i.arrivals);
    assert!((299.0..=310.0).contains(&a0), "{a0}");
    let errors = r.summary.failures_by_cause[&Outcome::ServerError];
    assert!((1.0..=10.0).contains(&errors) && a0 - errors <= 300.0, "{errors} errors, {a0} arrivals at api-0");
    assert_eq!(r.summary.requests, 1199.0);
    // Without the probe it keeps its share: 300 of the 600 requests from 60 s on are errors.
    let r = run(&case(120, 10.0, &c.replace("readiness: (period: \"2s\", failure_threshold: 1)", ""), fault));
    assert_eq!(r.summary.failures_by_cause[&Outcome::ServerError], 300.0);
}

#[test]
fn a_runs_cost_is_the_price_table_applied_to_what_was_simulated() {
    // One hour, 100 r/s through a managed gateway (the first request at 10 ms: 359,999 in the
    // hour) to 3 VMs of m5.large in eu-west-1 (factor 0.107 / 0.096): 3 instance-hours x $0.107
    // = $0.321; 359,999 gateway requests x $3.50 per million = $1.2599965; 359,999 responses of
    // 4 KB = 1.439996 GB x $0.09 = $0.12959964. Total $1.71059614 per hour, x 730 per month.
    // Value $0.01 per failed request: none failed.
    let text = r#"Scenario(format_version: 1, name: "priced", run: (seed: 1, duration_s: 3600),
        topology: (regions: [(name: "eu-west-1")], nodes: [
            Clients((name: "users", users: 1000, arrivals: Deterministic, traffic: Constant(rate_rps: 100.0))),
            Gateway((name: "gw", region: "eu-west-1", routes: [(path_prefix: "/", upstream: "api")])),
            Service((name: "api", region: "eu-west-1", instances: 3, concurrency: 8, service_time: Constant(ms: 5.0),
                deployment: Vm(size: Some("m5.large")))),
        ], links: [(from: "users", to: "gw"), (from: "gw", to: "api")]),
        business: (value_per_request_usd: 0.01))"#;
    let s = load::from_str(text, Path::new("priced.ron")).unwrap_or_else(|e| panic!("{e}"));
    let r = run(&s);
    let c = r.cost.as_ref().unwrap_or_else(|| panic!("no cost"));
    assert!((c.hours - 1.0).abs() < 1e-12);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.max(1.0);
    assert!(close(c.by_category["compute"], 0.321), "{:?}", c.by_category);
    assert_eq!(r.summary.requests, 359_999.0);
    assert!(close(c.by_category["requests"], 1.2599965), "{:?}", c.by_category);
    assert!(close(c.by_category["transfer"], 0.12959964), "{:?}", c.by_category);
    assert!(close(c.run_usd, 1.71059614), "{}", c.run_usd);
    assert!(close(c.per_month_usd, 1.71059614 * 730.0), "{}", c.per_month_usd);
    let o = c.outage.as_ref().unwrap_or_else(|| panic!("no outage cost"));
    assert_eq!((o.failed_requests, o.total_usd), (0.0, 0.0));
}

#[test]
fn an_outage_costs_its_lost_requests_and_the_sla_credit() {
    // 100 r/s for 1,000 s (99,999 requests); the service fails every request from 100 s to 200 s:
    // 10,000 failed. A month at this rate is 99,999 / 1000 s x 3600 x 730 requests:
    // availability 1 - 10,000 / that = 99.9962%. At $0.05 a request: $500.
    let mut s = case(
        1000,
        100.0,
        r#"(name: "api", instances: 2, concurrency: 8, service_time: Constant(ms: 5.0))"#,
        r#"Fault((name: "down", at: 100, end: 200, target: "api", kind: Errors(share: 1.0)))"#,
    );
    s.business = Some(gatesim::model::Business {
        value_per_request_usd: 0.05,
        sla: Some(gatesim::model::Sla {
            monthly_fee_usd: 2000.0,
            credits: vec![gatesim::model::SlaCredit { below: 0.99999, credit: 0.1 }],
        }),
    });
    let r = run(&s);
    let o = r.cost.as_ref().and_then(|c| c.outage.as_ref()).unwrap_or_else(|| panic!("no outage cost"));
    assert_eq!(o.failed_requests, 10_000.0);
    assert!((o.lost_value_usd - 500.0).abs() < 1e-9);
    let a = 1.0 - 10_000.0 / (99_999.0 / 1000.0 * 3600.0 * 730.0);
    assert!((o.month_availability - a).abs() < 1e-12, "{}", o.month_availability);
    // Under the 99.999% tier: 10% of $2,000.
    assert!((o.sla_credit_usd - 200.0).abs() < 1e-9 && (o.total_usd - 700.0).abs() < 1e-9);
}

#[test]
fn bad_deployments_and_prices_are_refused_with_their_node_and_line() {
    let text = r#"Scenario(format_version: 1, name: "bad", run: (seed: 1, duration_s: 10),
        topology: (regions: [(name: "mars-1")], nodes: [
            Clients((name: "users", traffic: Constant(rate_rps: 1.0))),
            Service((name: "fn", service_time: Constant(ms: 5.0), instances: 1,
                deployment: Serverless((concurrency_limit: 0, memory_mb: 64)))),
            Service((name: "vm", region: "mars-1", service_time: Constant(ms: 5.0), instances: 1,
                deployment: Vm(size: Some("m99.huge")))),
        ], links: [(from: "users", to: "fn"), (from: "users", to: "vm")]))"#;
    let s = load::parse(text, Path::new("bad.ron")).unwrap_or_else(|e| panic!("{e}"));
    let problems = gatesim::model::validate::validate(&s, Some(text));
    let find = |needle: &str| {
        problems.iter().find(|p| p.message.contains(needle)).unwrap_or_else(|| panic!("no {needle:?} in {problems:?}"))
    };
    let p = find("concurrency_limit must be >= 1");
    assert_eq!((p.node.as_deref(), p.line), (Some("fn"), Some(4)));
    let p = find("memory_mb");
    assert_eq!(p.node.as_deref(), Some("fn"));
    let p = find("m99.huge");
    assert_eq!((p.node.as_deref(), p.line), (Some("vm"), Some(6)));
    let p = find("region \"mars-1\" has no price");
    assert_eq!(p.node.as_deref(), Some("vm"));
    // A negative limit does not parse: the loader names the file, line, what was expected and
    // the node.
    let neg = text.replace("concurrency_limit: 0", "concurrency_limit: -4");
    let e = load::from_str(&neg, Path::new("bad.ron")).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("bad.ron:5") && e.contains("whole number >= 0") && e.contains("(in \"fn\")"), "{e}");
}
