//! The engine on hand-computable cases: every figure here can be worked out on paper.

use super::run;
use gatesim::metrics::Outcome;
use gatesim::model::{
    ArrivalProcess, Clients, Dist, Gateway, Link, Node, Route, RouteShare, Scenario, Service, Topology, Traffic,
};

fn clients(rate_rps: f64, users: u32, path: &str) -> Node {
    Node::Clients(Clients {
        description: String::new(),
        name: "c".into(),
        region: None,
        pos: None,
        users,
        traffic: Traffic::Constant { rate_rps },
        arrivals: ArrivalProcess::Deterministic,
        keys: Default::default(),
        addresses: None,
        retry: None,
        routes: vec![RouteShare { path: path.into(), weight: 1.0 }],
        request_kb: 1.0,
        response_kb: 4.0,
    })
}

fn service(concurrency: u32, queue: Option<u32>, ms: f64, error_rate: f64) -> Node {
    Node::Service(Service {
        description: String::new(),
        name: "s".into(),
        region: None,
        pos: None,
        instances: 1,
        concurrency,
        queue_capacity: queue,
        service_time: Dist::Constant { ms },
        error_rate,
        answers: Vec::new(),
        autoscaling: None,
        deployment: Default::default(),
        health_status: 200,
    })
}

fn gateway(timeout_ms: Option<f64>) -> Node {
    Node::Gateway(Gateway {
        description: String::new(),
        name: "g".into(),
        region: None,
        pos: None,
        processing: Dist::Constant { ms: 1.0 },
        routes: vec![Route {
            path_prefix: "/api".into(),
            upstream: "s".into(),
            timeout_ms,
            rate_limit: None,
            shared_limit: None,
            retry_policy: None,
        }],
        limits: vec![],
        hosting: Default::default(),
    })
}

fn link(from: &str, to: &str, ms: f64) -> Link {
    Link { from: from.into(), to: to.into(), latency: Dist::Constant { ms }, weight: 1.0 }
}

fn scenario(nodes: Vec<Node>, links: Vec<Link>) -> Scenario {
    let mut s = Scenario::new("hand case", Topology { regions: vec![], nodes, links, region_rtt: vec![] });
    s.run.duration_s = 10.0;
    s
}

fn failures(r: &gatesim::report::Report, o: Outcome) -> f64 {
    r.summary.failures_by_cause[&o]
}

#[test]
fn evenly_spaced_requests_take_exactly_the_path_latency() {
    // Arrivals every 100 ms from 0.1 s to 9.9 s: 99 requests. Each: 10 ms to the gateway, 1 ms
    // processing, 4 ms to the service, 5 ms of service, and 4 + 10 ms back: 34 ms.
    let s = scenario(
        vec![clients(10.0, 10, "/api/x"), gateway(None), service(1, None, 5.0, 0.0)],
        vec![link("c", "g", 10.0), link("g", "s", 4.0)],
    );
    let r = run(&s);
    assert_eq!(r.summary.requests, 99.0);
    assert_eq!(r.summary.success_rate, 1.0);
    let l = &r.summary.latency_ms;
    assert_eq!(l.mean, Some(34.0));
    // The histogram keeps 3 significant digits.
    assert!((l.p99.unwrap_or(0.0) - 34.0).abs() < 0.05, "{l:?}");
    let svc = r.nodes[2].service.as_ref().map(|s| s.utilisation).unwrap_or(0.0);
    // 99 requests x 5 ms busy over 10 s.
    assert!((svc - 0.0495).abs() < 1e-9, "{svc}");
}

#[test]
fn a_full_queue_turns_every_other_request_away() {
    // One slot, no queue, 150 ms of work, a request every 100 ms: requests at 0.1, 0.3, 0.5 ...
    // find the slot free (50 of them), those at 0.2, 0.4 ... are rejected (49).
    let s = scenario(vec![clients(10.0, 1, "/"), service(1, Some(0), 150.0, 0.0)], vec![link("c", "s", 0.0)]);
    let r = run(&s);
    assert_eq!(r.summary.successes, 50.0);
    assert_eq!(failures(&r, Outcome::QueueFull), 49.0);
    let svc = r.nodes[1].service.as_ref().map(|s| s.blocking_probability).unwrap_or(0.0);
    assert!((svc - 49.0 / 99.0).abs() < 1e-12);
}

#[test]
fn a_slow_service_times_out_at_the_gateway() {
    // 300 ms of work behind a 200 ms timeout: every request gets 504, 10 + 200 + 10 ms after it was
    // sent (the timer starts when the gateway receives the request). Nothing succeeds.
    let s = scenario(
        vec![clients(2.0, 3, "/api"), gateway(Some(200.0)), service(100, None, 300.0, 0.0)],
        vec![link("c", "g", 10.0), link("g", "s", 0.0)],
    );
    let r = run(&s);
    assert_eq!(r.summary.requests, 19.0);
    assert_eq!(failures(&r, Outcome::Timeout), 19.0);
    assert_eq!(r.summary.latency_ms.mean, None);
    // Every user who sent something was hurt.
    assert_eq!(r.summary.users_impacted, r.summary.users_active);
    assert_eq!(r.summary.users_impacted_pct, 100.0);
}

#[test]
fn a_fast_enough_service_beats_the_timeout() {
    let s = scenario(
        vec![clients(2.0, 3, "/api"), gateway(Some(200.0)), service(100, None, 150.0, 0.0)],
        vec![link("c", "g", 10.0), link("g", "s", 20.0)],
    );
    // 1 ms processing + 20 + 150 + 20 = 191 ms < 200 ms at the gateway.
    let r = run(&s);
    assert_eq!(failures(&r, Outcome::Timeout), 0.0);
    assert_eq!(r.summary.latency_ms.mean, Some(211.0));
}

#[test]
fn unrouted_paths_get_404_and_errors_500() {
    let s = scenario(
        vec![clients(10.0, 5, "/other"), gateway(None), service(1, None, 1.0, 0.0)],
        vec![link("c", "g", 0.0), link("g", "s", 0.0)],
    );
    let r = run(&s);
    assert_eq!(failures(&r, Outcome::NoRoute), 99.0);

    let s = scenario(vec![clients(10.0, 5, "/"), service(1, None, 1.0, 1.0)], vec![link("c", "s", 0.0)]);
    let r = run(&s);
    assert_eq!(failures(&r, Outcome::ServerError), 99.0);
}

#[test]
fn a_service_without_instances_is_refused_before_running() {
    let s = scenario(vec![clients(10.0, 5, "/"), service(1, None, 1.0, 0.0)], vec![link("c", "s", 0.0)]);
    let mut t = s.clone();
    if let Node::Service(svc) = &mut t.topology.nodes[1] {
        svc.instances = 0;
    }
    match gatesim::sim::run(&t, &Default::default()) {
        Err(gatesim::sim::RunError::Invalid(problems)) => {
            assert!(problems.iter().any(|p| p.node.as_deref() == Some("s") && p.message.contains("no instances")));
        }
        other => panic!("expected an invalid-scenario error, got {other:?}"),
    }
}

#[test]
fn the_series_adds_up_to_the_summary() {
    let s = scenario(vec![clients(10.0, 5, "/"), service(1, None, 1.0, 0.0)], vec![link("c", "s", 0.0)]);
    let r = run(&s);
    let per_s = &r.series.outcomes_rps[&Outcome::Success];
    let total: f64 = per_s.iter().map(|v| v * r.bucket_s).sum();
    assert!((total - 99.0).abs() < 1e-9, "{total}");
    assert_eq!(r.bucket_s, 0.02);
    assert_eq!(r.series.t_s.len(), 500);
}

#[test]
fn the_hpa_scales_to_the_load_and_holds_through_stabilisation() {
    // One pod of 10 slots at 100 ms per request. At 60 s the load goes from 50 to 200 r/s: 20 busy
    // slots, so with an 80% target the HPA settles at ceil(20 / 8) = 3 pods (doubling at most per
    // 15-s sync, new pods serving 30 s after they start). At 300 s the load drops back to 50 r/s: the
    // proposal falls to 1, but the legacy path keeps the largest recommendation of the last 300 s,
    // so the pods stay until about 600 s.
    let text = r#"Scenario(format_version: 1, name: "hpa", run: (seed: 3, duration_s: 900.0, bucket_s: Some(15.0)),
        topology: (nodes: [
            Clients((name: "c", traffic: Steps(steps: [(at_s: 0.0, rate_rps: 50.0), (at_s: 60.0, rate_rps: 200.0), (at_s: 300.0, rate_rps: 50.0)]))),
            Service((name: "s", instances: 1, concurrency: 10, queue_capacity: Some(5000),
                service_time: Constant(ms: 100.0),
                autoscaling: Some((min_replicas: 1, max_replicas: 8, target_utilization: 0.8)))),
        ], links: [(from: "c", to: "s")]))"#;
    let s = gatesim::model::load::from_str(text, std::path::Path::new("hpa.ron")).unwrap();
    let r = run(&s);
    let inst = &r.series.services[0].instances;
    let at = |t_s: f64| inst[(t_s / 15.0) as usize];
    assert_eq!(at(30.0), 1.0);
    assert_eq!(at(240.0), 3.0, "{inst:?}");
    assert_eq!(at(450.0), 3.0, "held by the 300-s stabilisation: {inst:?}");
    assert_eq!(at(800.0), 1.0, "{inst:?}");
    // Each pod has its own queue: the backlog built while one pod served 200 r/s stays on pod 0,
    // busy throughout, while the new pods run at 2/3 (mean 0.78) until it drains; then 20 busy
    // slots of 30.
    let util = &r.series.services[0].utilisation;
    let at_u = |t_s: f64| util[(t_s / 15.0) as usize];
    assert!((at_u(240.0) - (1.0 + 2.0 / 3.0 + 2.0 / 3.0) / 3.0).abs() < 0.03, "{util:?}");
    assert!((at_u(285.0) - 2.0 / 3.0).abs() < 0.03, "{util:?}");
}

fn retry_scenario(service_ms: f64, error_rate: f64, retry: &str) -> gatesim::model::Scenario {
    let text = format!(
        r#"Scenario(format_version: 1, name: "client retries", run: (seed: 5, duration_s: 10.0),
        topology: (nodes: [
            Clients((name: "c", users: 1000, traffic: Constant(rate_rps: 1.0), arrivals: Deterministic, retry: Some({retry}))),
            Service((name: "s", instances: 1, concurrency: 100, service_time: Constant(ms: {service_ms:?}), error_rate: {error_rate:?})),
        ], links: [(from: "c", to: "s")]))"#
    );
    gatesim::model::load::from_str(&text, std::path::Path::new("retry.ron")).unwrap()
}

#[test]
fn clients_retry_failures_with_their_backoff() {
    // Requests at 1..9 s to a service that always answers 500 after 10 ms. Each is tried 3 times
    // (backoff 100 then 200 ms, no jitter): 27 attempts, all failed; only the last failure of each
    // user request impacts the user.
    let r = run(&retry_scenario(10.0, 1.0, "(max_attempts: 3, jitter: None, base_ms: 100)"));
    assert_eq!(r.summary.requests, 27.0);
    assert_eq!(failures(&r, Outcome::ServerError), 27.0);
    assert_eq!(r.summary.users_impacted, r.summary.users_active);
}

#[test]
fn a_client_that_gives_up_still_costs_the_server() {
    // 300 ms of work, a client that gives up after 100 ms and tries once more 50 ms later: two
    // client timeouts (499) per user request, and the service still spends 2 x 300 ms on each.
    let r = run(&retry_scenario(300.0, 0.0, "(max_attempts: 2, timeout_ms: Some(100.0), jitter: None, base_ms: 50)"));
    assert_eq!(r.summary.requests, 18.0);
    assert_eq!(failures(&r, Outcome::ClientTimeout), 18.0);
    assert_eq!(r.summary.statuses.get(&499).copied(), Some(18.0));
    let busy_s = r.nodes[1].service.as_ref().map_or(0.0, |s| s.utilisation * 100.0 * 10.0);
    assert!((busy_s - 18.0 * 0.3).abs() < 1e-6, "{busy_s} slot-seconds");
}
