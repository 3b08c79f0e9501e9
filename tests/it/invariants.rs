//! Property tests of invariants every run must keep, on generated scenarios (clients, an optional
//! rate limit and timeout at a gateway, a balancer of several algorithms, Envoy outlier detection,
//! client retries, a service with errors and a bounded queue):
//!
//! - every request is accounted for exactly once: successes plus failures by cause equal the
//!   requests, and so do the statuses; per node, what a node turned away never exceeds what reached
//!   it, and a service's arrivals are its instances' arrivals;
//! - a scenario written with `model::load::to_string` and read back with `from_str` is equal;
//! - a report merged from replicates is the sum of its parts: the merged recorder's counters are
//!   the replicates' sums, and the run's per-replicate figures are the replicates' mean.

use gatesim::metrics::{Outcome, Recorder};
use gatesim::model::load;
use gatesim::report::Report;
use gatesim::sim::{RunOptions, engine::Simulation, plan};
use proptest::prelude::*;
use std::path::Path;

/// One generated scenario's parameters.
#[derive(Clone, Debug)]
struct Params {
    rate_rps: f64,
    users: u32,
    poisson: bool,
    client_retry: Option<(u32, Option<f64>)>,
    gw_timeout_ms: Option<f64>,
    limit: Option<(u32, u32)>,
    balance: usize,
    outlier: bool,
    instances: u32,
    concurrency: u32,
    queue: Option<u32>,
    service_ms: f64,
    error_rate: f64,
    duration_s: f64,
    seed: u64,
}

const BALANCES: [&str; 5] = [
    "RoundRobin",
    "EnvoyRoundRobin",
    "NginxRoundRobin(max_fails: 1, fail_timeout_s: 10)",
    "HaproxyLeastConn",
    "Random",
];

fn params() -> impl Strategy<Value = Params> {
    (
        (5.0f64..150.0, 1u32..40, any::<bool>(), proptest::option::of((2u32..4, proptest::option::of(20.0f64..200.0)))),
        (proptest::option::of(10.0f64..300.0), proptest::option::of((1u32..50, 0u32..10)), 0..BALANCES.len()),
        (any::<bool>(), 1u32..5, 1u32..6, proptest::option::of(0u32..10), 1.0f64..80.0, 0.0f64..0.4),
        (3.0f64..12.0, any::<u64>()),
    )
        .prop_map(
            |(
                (rate_rps, users, poisson, client_retry),
                (gw_timeout_ms, limit, balance),
                (outlier, instances, concurrency, queue, service_ms, error_rate),
                (duration_s, seed),
            )| Params {
                rate_rps,
                users,
                poisson,
                client_retry,
                gw_timeout_ms,
                limit,
                balance,
                outlier,
                instances,
                concurrency,
                queue,
                service_ms,
                error_rate,
                duration_s,
                seed,
            },
        )
}

fn text(p: &Params) -> String {
    let retry = match p.client_retry {
        None => "None".to_string(),
        Some((n, t)) => format!("Some((max_attempts: {n}, timeout_ms: {t:?}, jitter: None, base_ms: 20))"),
    };
    let limit = match p.limit {
        None => "None".to_string(),
        Some((rate, burst)) => format!("Some((algorithm: NginxLimitReq(rate: \"{rate}r/s\", burst: {burst})))"),
    };
    let outlier = if p.outlier { "Some((consecutive_5xx: 3, max_ejection_percent: 50))" } else { "None" };
    format!(
        r#"Scenario(format_version: 1, name: "invariants", run: (seed: {seed}, duration_s: {dur:?}, replicates: 2),
        topology: (nodes: [
            Clients((name: "c", users: {users}, traffic: Constant(rate_rps: {rate:?}), arrivals: {arr}, retry: {retry},
                routes: [(path: "/api/x", weight: 1.0)])),
            Gateway((name: "g", routes: [(path_prefix: "/api", upstream: "lb", timeout_ms: {gwt:?}, rate_limit: {limit})])),
            LoadBalancer((name: "lb", algorithm: {bal}, rules: [(path_prefix: "/", service: "s")], outlier_detection: {outlier})),
            Service((name: "s", instances: {inst}, concurrency: {conc}, queue_capacity: {queue:?},
                service_time: LogNormal(median_ms: {ms:?}, p99_ms: {p99:?}), error_rate: {err:?})),
        ], links: [(from: "c", to: "g"), (from: "g", to: "lb"), (from: "lb", to: "s")]))"#,
        seed = p.seed,
        dur = p.duration_s,
        users = p.users,
        rate = p.rate_rps,
        arr = if p.poisson { "Poisson" } else { "Deterministic" },
        gwt = p.gw_timeout_ms,
        bal = BALANCES[p.balance],
        inst = p.instances,
        conc = p.concurrency,
        queue = p.queue,
        ms = p.service_ms,
        p99 = p.service_ms * 4.0,
        err = p.error_rate,
    )
}

fn scenario(p: &Params) -> gatesim::model::Scenario {
    match load::from_str(&text(p), Path::new("invariants.ron")) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{}", text(p)),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn accounted(r: &Report) -> Result<(), TestCaseError> {
    let s = &r.summary;
    prop_assert!(s.requests > 0.0, "the generated load sends requests");
    let failures: f64 = s.failures_by_cause.values().sum();
    prop_assert!(close(s.successes + failures, s.requests), "{} + {failures} != {}", s.successes, s.requests);
    let by_status: f64 = s.statuses.values().sum();
    prop_assert!(close(by_status, s.requests), "statuses {by_status} != requests {}", s.requests);
    prop_assert!(s.failures_by_cause.values().all(|&f| f >= 0.0));
    for n in &r.nodes {
        prop_assert!(n.rejected <= n.arrivals + 1e-9, "{}: rejected {} > arrivals {}", n.name, n.rejected, n.arrivals);
        if let Some(svc) = &n.service {
            let inst: f64 = svc.instances.iter().map(|i| i.arrivals).sum();
            prop_assert!(close(inst, n.arrivals), "{}: instances {inst} != node {}", n.name, n.arrivals);
            for i in &svc.instances {
                prop_assert!(i.rejected <= i.arrivals + 1e-9, "{}", i.name);
            }
        }
    }
    Ok(())
}

/// One replicate's finished recorder.
fn replicate(plan: &plan::Plan, i: u32) -> Recorder {
    let mut sim = Simulation::new(plan, i);
    sim.step_until(u64::MAX);
    let mut rec = sim.into_recorder();
    rec.finish(u64::MAX);
    rec
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_request_is_accounted_for_once(p in params()) {
        let s = scenario(&p);
        let r = match gatesim::sim::run(&s, &RunOptions::default()) {
            Ok(r) => r,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        accounted(&r)?;
    }

    #[test]
    fn a_saved_scenario_loads_back_equal(p in params()) {
        let s = scenario(&p);
        let written = load::to_string(&s);
        let back = load::from_str(&written, Path::new("again.ron"));
        prop_assert!(back.is_ok(), "{:?}\n{written}", back.err());
        if let Ok(back) = back {
            prop_assert_eq!(&back, &s);
            prop_assert_eq!(load::to_string(&back), written);
        }
    }

    #[test]
    fn a_merged_report_is_the_sum_of_its_replicates(p in params()) {
        let s = scenario(&p);
        let plan = plan::compile(&s);
        let (r0, r1) = (replicate(&plan, 0), replicate(&plan, 1));
        let mut merged = r0.clone();
        merged.merge(&r1);
        for (k, m) in merged.outcomes.iter().enumerate() {
            prop_assert_eq!(*m, r0.outcomes[k] + r1.outcomes[k]);
        }
        prop_assert_eq!(merged.latency.len(), r0.latency.len() + r1.latency.len());
        for (k, st) in merged.stations.iter().enumerate() {
            prop_assert_eq!(st.arrivals, r0.stations[k].arrivals + r1.stations[k].arrivals);
            prop_assert_eq!(st.rejected, r0.stations[k].rejected + r1.stations[k].rejected);
            prop_assert_eq!(st.busy_area, r0.stations[k].busy_area + r1.stations[k].busy_area);
        }
        for (k, a) in merged.node_arrivals.iter().enumerate() {
            prop_assert_eq!(*a, r0.node_arrivals[k] + r1.node_arrivals[k]);
            prop_assert_eq!(merged.node_rejected[k], r0.node_rejected[k] + r1.node_rejected[k]);
        }
        prop_assert_eq!(merged.users_active_count, r0.users_active_count + r1.users_active_count);
        // The run merges the same replicates: its figures per replicate are their mean.
        let run = match gatesim::sim::run(&s, &RunOptions::default()) {
            Ok(r) => r,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let one = |rec: &Recorder, i: u32| {
            gatesim::report::build(&plan, rec, vec![gatesim::report::replicate_summary(&plan, i, rec)])
        };
        let (a, b) = (one(&r0, 0), one(&r1, 1));
        accounted(&a)?;
        accounted(&b)?;
        prop_assert_eq!(run.per_replicate.len(), 2);
        prop_assert_eq!(run.per_replicate[0].requests, a.per_replicate[0].requests);
        prop_assert_eq!(run.per_replicate[1].requests, b.per_replicate[0].requests);
        prop_assert!(close(run.summary.requests, (a.summary.requests + b.summary.requests) / 2.0));
        prop_assert!(close(run.summary.successes, (a.summary.successes + b.summary.successes) / 2.0));
        for o in Outcome::ALL {
            let (x, y, z) = (
                run.summary.failures_by_cause.get(&o).copied().unwrap_or(0.0),
                a.summary.failures_by_cause.get(&o).copied().unwrap_or(0.0),
                b.summary.failures_by_cause.get(&o).copied().unwrap_or(0.0),
            );
            prop_assert!(close(x, (y + z) / 2.0), "{o:?}: {x} vs {y} + {z}");
        }
        for (n, (na, nb)) in run.nodes.iter().zip(a.nodes.iter().zip(&b.nodes)) {
            prop_assert!(close(n.arrivals, (na.arrivals + nb.arrivals) / 2.0), "{}", n.name);
            prop_assert!(close(n.rejected, (na.rejected + nb.rejected) / 2.0), "{}", n.name);
        }
    }
}
