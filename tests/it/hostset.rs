//! A balancer's host set is the instances that run and are ready: Envoy only has the endpoints
//! Kubernetes lists as ready, so outlier detection's ejection cap (`max_ejection_percent`) counts
//! those, not an autoscaled service's `max_replicas` slots.

use super::run;

/// Two pods of four slots (100 ms a request, a queue of four) behind an Envoy balancer, the HPA
/// allowed 40 replicas. The load steps from 40 to 200 r/s at 60 s: until the new pods serve, the
/// queues overflow and every pod answers 503s, the same on every pod (none misbehaves).
fn scenario(max_replicas: u32, outlier: &str) -> gatesim::model::Scenario {
    let text = format!(
        r#"Scenario(format_version: 1, name: "hpa behind envoy", run: (seed: 11, duration_s: 600.0, bucket_s: Some(15.0)),
        topology: (nodes: [
            Clients((name: "c", traffic: Steps(steps: [(at_s: 0.0, rate_rps: 40.0), (at_s: 60.0, rate_rps: 200.0)]))),
            LoadBalancer((name: "lb", algorithm: EnvoyRoundRobin, rules: [(path_prefix: "/", service: "s")],
                outlier_detection: {outlier})),
            Service((name: "s", instances: 2, concurrency: 4, queue_capacity: Some(4),
                service_time: Constant(ms: 100.0),
                autoscaling: Some((min_replicas: 2, max_replicas: {max_replicas}, target_utilization: 0.8)))),
        ], links: [(from: "c", to: "lb"), (from: "lb", to: "s")]))"#
    );
    match gatesim::model::load::from_str(&text, std::path::Path::new("hostset.ron")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn outlier_detection_does_not_stall_the_hpa_when_no_pod_misbehaves() {
    // With the cap over 40 slots, 10 % let four of the two to seven running pods out while they
    // overflowed (the utilisation series then differed from the run without detection); over
    // the ready pods (fewer than ten here), 1/n > 10 %: nothing is ejected, and the service scales
    // exactly as without outlier detection, figure for figure.
    let without = run(&scenario(40, "None"));
    let with = run(&scenario(40, "Some((consecutive_5xx: 5))"));
    let (a, b) = (&without.series.services[0], &with.series.services[0]);
    assert!(without.summary.failures_by_cause.values().sum::<f64>() > 0.0, "the step overloads the pods");
    let peak = a.instances.iter().copied().fold(0.0, f64::max);
    assert!((3.0..10.0).contains(&peak), "scales out, below ten pods: {:?}", a.instances);
    assert_eq!(a.instances, b.instances, "same pods over time");
    assert_eq!(a.utilisation, b.utilisation);
    assert_eq!(without.summary.requests, with.summary.requests);
    assert_eq!(without.summary.failures_by_cause, with.summary.failures_by_cause);
    assert_eq!(without.summary.statuses, with.summary.statuses);
}

#[test]
fn ten_slots_scale_as_forty_do() {
    // With ten slots, the cap over slots let one of the two pods out (1/10 = 10 %): the other took
    // all the load, the ejected one idled, and the HPA read half the pods idle and did not scale.
    let without = run(&scenario(10, "None"));
    let with = run(&scenario(10, "Some((consecutive_5xx: 5))"));
    let (a, b) = (&without.series.services[0], &with.series.services[0]);
    assert_eq!(a.instances, b.instances, "same pods over time");
    assert_eq!(a.instances, run(&scenario(40, "None")).series.services[0].instances);
}

#[test]
fn fifty_percent_ejects_one_of_two_ready_pods_and_panic_counts_ready_pods_too() {
    // A real Envoy with max_ejection_percent 50 ejects one of the two ready pods (1/2 <= 50 %) and
    // not the other; the panic threshold over the ready pods (1 healthy of 2 = 50 %, not below 50)
    // keeps the ejected one out, so it idles and the HPA reads half the pods idle: the product's own
    // stall, which a panic computed over 40 slots (1 of 40 healthy) would have hidden.
    let with = run(&scenario(40, "Some((consecutive_5xx: 5, max_ejection_percent: 50))"));
    let inst = &with.series.services[0].instances;
    assert!(inst.iter().all(|&n| n == 2.0), "{inst:?}");
    let util = &with.series.services[0].utilisation;
    let late = util[20..].iter().sum::<f64>() / util[20..].len() as f64;
    assert!(late < 0.8, "the ejected pod idles part of the time: {util:?}");
}
