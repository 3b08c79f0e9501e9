//! Regions, DNS failover and replicated data stores, each figure worked out by hand: Route 53's
//! detection window, traffic leaving a dead region within detection plus TTL, asynchronous
//! replication losing rate x lag writes, synchronous replication losing none and adding the round
//! trip to each write.

use gatesim::metrics::Outcome;
use gatesim::model::load;
use gatesim::report::Report;
use std::path::Path;

fn run(text: &str) -> Report {
    let s = load::from_str(text, Path::new("regions.ron")).unwrap_or_else(|e| panic!("{e}"));
    gatesim::sim::run(&s, &Default::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Two gateways behind a failover record; `gw-a` (us-east-1) dies at 100 s for good.
fn failover(seed: u64, ttl: &str, ignore: f64, target: &str) -> String {
    format!(
        r#"Scenario(format_version: 1, name: "failover", run: (seed: {seed}, duration_s: 400.0, bucket_s: 1.0),
  topology: (
    regions: [(name: "us-east-1"), (name: "us-west-2")],
    nodes: [
      Clients((name: "c", region: "us-east-1", users: 5000, traffic: Constant(rate_rps: 200.0))),
      Dns((name: "dns", records: [(target: "gw-a", role: Primary), (target: "gw-b", role: Secondary)],
           ttl: "{ttl}", health_check: (interval: "30s", failure_threshold: 3), ignore_ttl_share: {ignore})),
      Gateway((name: "gw-a", region: "us-east-1")),
      Gateway((name: "gw-b", region: "us-west-2")),
      Service((name: "s-a", region: "us-east-1", instances: 4, concurrency: 8, service_time: Constant(ms: 5.0))),
      Service((name: "s-b", region: "us-west-2", instances: 4, concurrency: 8, service_time: Constant(ms: 5.0))),
    ],
    links: [(from: "c", to: "dns"), (from: "dns", to: "gw-a"), (from: "dns", to: "gw-b"),
            (from: "gw-a", to: "s-a"), (from: "gw-b", to: "s-b")]),
  timeline: [Fault((name: "dead", at: 100.0, target: "{target}", kind: Down))])"#
    )
}

#[test]
fn route53_detects_a_dead_endpoint_60_to_90_s_after_it_dies() {
    let mut seen = Vec::new();
    for seed in 1..=12 {
        let r = run(&failover(seed, "60s", 0.0, "gw-a"));
        let tl = r.per_replicate[0].timeline.as_ref().unwrap();
        // Records in order: gw-a first.
        let at = tl.record_unhealthy_s[0].unwrap_or_else(|| panic!("seed {seed}: never detected"));
        assert!((160.0..190.0).contains(&at), "seed {seed}: detected at {at} s, expected 160 to 190");
        assert_eq!(tl.record_unhealthy_s[1], None, "the secondary stays healthy");
        // Time to detect counts the health check as the detector.
        assert!((tl.time_to_detect_s.unwrap() - (at - 100.0)).abs() < 1e-9);
        seen.push(at);
    }
    // The checkers' phases differ by replicate: the detection time is not one fixed figure.
    seen.sort_by(f64::total_cmp);
    assert!(seen[seen.len() - 1] - seen[0] > 5.0, "{seen:?}");
}

/// Per-second failures (unreachable) of a run.
fn unreachable_per_s(r: &Report) -> Vec<f64> {
    r.series.outcomes_rps.get(&Outcome::Unreachable).cloned().unwrap_or_default()
}

#[test]
fn traffic_to_a_dead_region_stops_within_detection_plus_ttl_except_for_those_ignoring_ttl() {
    // The whole region fails: DNS answers keep pointing at it until health checks flip (<= 90 s)
    // and each resolver's TTL runs out (<= 60 s more).
    let r = run(&failover(3, "60s", 0.0, "us-east-1"));
    let tl = r.per_replicate[0].timeline.as_ref().unwrap();
    let detected = tl.record_unhealthy_s[0].unwrap();
    let series = unreachable_per_s(&r);
    assert!(series[100..110].iter().sum::<f64>() > 1500.0, "every request fails at first: {:?}", &series[100..110]);
    let stop = (detected + 60.0).ceil() as usize + 1;
    assert!(series[stop..].iter().all(|&x| x == 0.0), "requests still sent to the dead region after {stop} s");
    // Resolvers expire one by one after detection: some still fail half a TTL later.
    let half = (detected + 30.0) as usize;
    assert!(series[half] > 0.0 && series[half] < 200.0, "at {half} s: {}", series[half]);

    // 10% of the resolver caches ignore the TTL: a tenth of the traffic keeps failing.
    let r = run(&failover(3, "60s", 0.1, "us-east-1"));
    let late: f64 = unreachable_per_s(&r)[300..400].iter().sum::<f64>() / 100.0;
    assert!((late - 20.0).abs() < 5.0, "{late} r/s still unreachable, expected about 10% of 200");
}

/// One service writing every request to a store: primary in us-east-1, replica in us-west-2 (RTT
/// 40 ms), steady arrivals; us-east-1 fails at 60 s.
fn store(replication: &str) -> String {
    format!(
        r#"Scenario(format_version: 1, name: "store", run: (seed: 1, duration_s: 120.0),
  topology: (
    regions: [(name: "us-east-1"), (name: "us-west-2")],
    region_rtt: [(a: "us-east-1", b: "us-west-2", rtt_ms: 40.0)],
    nodes: [
      Clients((name: "c", region: "us-west-2", arrivals: Deterministic, traffic: Constant(rate_rps: 200.0))),
      Service((name: "s", region: "us-west-2", instances: 1, concurrency: 100, service_time: Constant(ms: 2.0))),
      DataStore((name: "db", region: "us-east-1", replicas: [(region: "us-west-2")], replication: {replication},
                 write_share: 1.0, write: Constant(ms: 5.0), failover: (detect: "10s", promote: "5s"))),
    ],
    links: [(from: "c", to: "s"), (from: "s", to: "db")]),
  timeline: [Fault((name: "east", at: 60.0, target: "us-east-1", kind: Down))])"#
    )
}

#[test]
fn async_replication_loses_rate_times_lag_writes_and_sync_loses_none_but_pays_the_round_trip() {
    let a = run(&store("Async(lag: Constant(ms: 100.0))"));
    let loss = a.per_replicate[0].timeline.as_ref().unwrap().stores[0].clone().expect("the primary was lost");
    // 200 writes/s, each replicated 100 ms after its commit: the last 20 are lost.
    assert!((loss.rpo_writes as f64 - 20.0).abs() <= 1.0, "{} writes lost", loss.rpo_writes);
    assert!((loss.rpo_age_s - 0.1).abs() <= 0.006, "oldest lost write {} s old", loss.rpo_age_s);
    assert_eq!(loss.recovered_after_s, Some(15.0), "detect 10 s + promote 5 s");
    let report = &a.timeline.as_ref().unwrap().stores[0];
    assert_eq!(report.failed_over_in, 1);

    let s = run(&store("Sync"));
    let loss = s.per_replicate[0].timeline.as_ref().unwrap().stores[0].clone().expect("the primary was lost");
    assert_eq!(loss.rpo_writes, 0);
    assert_eq!(loss.rpo_age_s, 0.0);
    // Before the loss every write waits for the replica's round trip (40 ms) on top of the
    // asynchronous write's path; compare the first minute's latency.
    let first = |r: &Report| r.series.latency_p50_ms[10].unwrap();
    let (la, ls) = (first(&a), first(&s));
    assert!((ls - la - 40.0).abs() < 0.5, "sync {ls} ms against async {la} ms: expected 40 ms more");
    // The service (us-west-2) writes to the primary (us-east-1): 2 ms + 5 ms + 40 ms round trip.
    assert!((la - 47.0).abs() < 0.5, "async write latency {la} ms");
    // Writes fail for the 15 s without a primary, then go to the promoted replica nearby.
    let errors = a.series.outcomes_rps.get(&Outcome::ServerError).cloned().unwrap_or_default();
    let failed: f64 = errors.iter().sum::<f64>() * a.bucket_s;
    assert!((failed - 15.0 * 200.0).abs() <= 200.0, "{failed} writes failed, expected about 3000");
}

#[test]
fn bad_regions_dns_and_stores_are_all_reported_with_lines() {
    let text = r#"Scenario(format_version: 1, name: "bad", run: (seed: 1, duration_s: 10.0),
  topology: (
    regions: [(name: "us-east-1")],
    nodes: [
      Clients((name: "c", region: "us-east-1", traffic: Constant(rate_rps: 5.0))),
      Dns((
        name: "dns",
        records: [(target: "gw", role: Primary)],
      )),
      Gateway((name: "gw", region: "us-east-1")),
      Service((name: "s", region: "us-east-1", instances: 1, service_time: Constant(ms: 5.0))),
      DataStore((
        name: "db",
        region: "us-east-1",
        replicas: [(region: "mars-1")],
        replication: Async(lag: Constant(ms: -5.0)),
      )),
    ],
    links: [(from: "c", to: "dns"), (from: "dns", to: "gw"), (from: "gw", to: "s"), (from: "s", to: "db")]))"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.ron");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatesim")).arg("lint").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    let f = file.display().to_string();
    for (line, node, what) in [
        (7, "dns", "failover routing needs one primary and one secondary record"),
        (13, "db", "replica in \"mars-1\": the region is not declared"),
        (13, "db", "replication lag: ms must be a finite number >= 0, got -5"),
    ] {
        let expected = format!("{f}:{line}: error: [{node}] ");
        assert!(
            stdout.lines().any(|l| l.starts_with(&expected) && l.contains(what)),
            "no `{expected}... {what}` in:\n{stdout}"
        );
    }
}

#[test]
fn the_bundled_two_region_scenario_reports_detection_rto_and_rpo() {
    let s = super::scenario("scenarios/two-region-failover.ron");
    let r = gatesim::sim::run(&s, &Default::default()).unwrap();
    let t = r.timeline.as_ref().unwrap();
    let detect = t.time_to_detect_s.median.unwrap();
    assert!((60.0..=90.0).contains(&detect), "time to detect {detect} s");
    assert_eq!(t.recovered_in, r.replicates);
    let db = &t.stores[0];
    assert_eq!(db.failed_over_in, r.replicates);
    // About 90 writes/s (300 r/s x 0.3) with a mean lag of about 0.2 s: some 18 writes lost.
    let lost = db.rpo_writes.median.unwrap();
    assert!((5.0..40.0).contains(&lost), "{lost} writes lost");
    assert_eq!(db.promoted_after_s.median, Some(120.0));
}

#[test]
fn a_zone_loss_takes_down_the_instances_placed_in_that_zone() {
    let text = r#"Scenario(format_version: 1, name: "zones", run: (seed: 1, duration_s: 60.0),
  topology: (
    regions: [(name: "us-east-1", zones: ["a", "b", "c"])],
    nodes: [
      Clients((name: "c", region: "us-east-1", traffic: Constant(rate_rps: 50.0))),
      Service((name: "s", region: "us-east-1", instances: 7, service_time: Constant(ms: 5.0))),
    ],
    links: [(from: "c", to: "s")]),
  timeline: [Fault((name: "zone-b", at: 10.0, duration: "10s", target: "us-east-1/b", kind: Down))])"#;
    let s = load::from_str(text, Path::new("zones.ron")).unwrap_or_else(|e| panic!("{e}"));
    let plan = gatesim::sim::plan::compile(&s);
    let fault = &plan.timeline.as_ref().unwrap().faults[0];
    // Instances 0..7 spread over a, b, c in turn: zone b holds s-1 and s-4.
    let names: Vec<&str> = match &fault.target {
        gatesim::sim::plan::FaultTarget::Stations(v) => {
            v.iter().map(|&k| plan.stations[k as usize].name.as_str()).collect()
        }
        t => panic!("{t:?}"),
    };
    assert_eq!(names, ["s-1", "s-4"]);
    // A zone nobody declared is refused with the targets it could have named.
    let bad = text.replace("us-east-1/b", "us-east-1/d");
    let e = load::from_str(&bad, Path::new("zones.ron")).unwrap_err().to_string();
    assert!(e.contains("zone (region/zone)"), "{e}");
}

/// Users in two regions behind one DNS name with `routing` over gateways in three regions.
fn routed(routing: &str, records: &str, timeline: &str) -> Report {
    run(&format!(
        r#"Scenario(format_version: 1, name: "routing", run: (seed: 5, duration_s: 100.0, replicates: 1),
  topology: (
    regions: [(name: "us-east-1"), (name: "us-west-2"), (name: "eu-west-1")],
    nodes: [
      Clients((name: "us-users", region: "us-east-1", users: 2000, traffic: Constant(rate_rps: 100.0))),
      Clients((name: "eu-users", region: "eu-west-1", users: 2000, traffic: Constant(rate_rps: 100.0))),
      Dns((name: "dns", routing: {routing}, records: [{records}], health_check: (interval: "10s", failure_threshold: 1))),
      Gateway((name: "gw-us", region: "us-east-1")),
      Gateway((name: "gw-west", region: "us-west-2")),
      Gateway((name: "gw-eu", region: "eu-west-1")),
      Service((name: "s-us", region: "us-east-1", instances: 4, concurrency: 8, service_time: Constant(ms: 5.0))),
      Service((name: "s-west", region: "us-west-2", instances: 4, concurrency: 8, service_time: Constant(ms: 5.0))),
      Service((name: "s-eu", region: "eu-west-1", instances: 4, concurrency: 8, service_time: Constant(ms: 5.0))),
    ],
    links: [(from: "us-users", to: "dns"), (from: "eu-users", to: "dns"),
            (from: "dns", to: "gw-us"), (from: "dns", to: "gw-west"), (from: "dns", to: "gw-eu"),
            (from: "gw-us", to: "s-us"), (from: "gw-west", to: "s-west"), (from: "gw-eu", to: "s-eu")]),
  timeline: [{timeline}])"#
    ))
}

fn arrivals(r: &Report, node: &str) -> f64 {
    r.nodes.iter().find(|n| n.name == node).map_or(0.0, |n| n.arrivals)
}

#[test]
fn latency_weighted_and_geolocation_routing_answer_as_route53_does() {
    let all = r#"(target: "gw-us"), (target: "gw-west"), (target: "gw-eu")"#;
    // Latency: each population reaches the gateway of its own region.
    let r = routed("Latency", all, "");
    assert_eq!(arrivals(&r, "gw-west"), 0.0);
    let (us, eu) = (arrivals(&r, "gw-us"), arrivals(&r, "gw-eu"));
    assert!((us - 10_000.0).abs() < 400.0 && (eu - 10_000.0).abs() < 400.0, "{us} {eu}");
    // The same-region answer adds no inter-region latency: 5 ms of service only.
    assert!((r.summary.latency_ms.p50.unwrap() - 5.0).abs() < 0.5);
    // Weighted 3:1:0 over the resolver caches: about 75% and 25%.
    let r = routed(
        "Weighted",
        r#"(target: "gw-us", weight: 3.0), (target: "gw-west", weight: 1.0), (target: "gw-eu", weight: 0.0)"#,
        "",
    );
    let share = arrivals(&r, "gw-us") / (arrivals(&r, "gw-us") + arrivals(&r, "gw-west"));
    assert!((share - 0.75).abs() < 0.05, "{share}");
    assert_eq!(arrivals(&r, "gw-eu"), 0.0);
    // Geolocation: Europe to gw-eu, everyone else to the default record.
    let r = routed("Geolocation", r#"(target: "gw-eu", locations: ["eu-west-1"]), (target: "gw-west")"#, "");
    let (eu, west) = (arrivals(&r, "gw-eu"), arrivals(&r, "gw-west"));
    assert!((eu - 10_000.0).abs() < 400.0 && (west - 10_000.0).abs() < 400.0, "{eu} {west}");
    // Latency routing skips an unhealthy record: the US users' region fails at 20 s and, once
    // the checks (every 10 s, threshold 1) and the TTL (60 s) have passed, they reach the next
    // nearest healthy region.
    let r = routed("Latency", all, r#"Fault((name: "us-down", at: 20.0, target: "us-east-1", kind: Down))"#);
    assert!(arrivals(&r, "gw-west") > 1000.0, "the US users moved to us-west-2");
}

#[test]
fn a_partition_between_regions_cuts_dns_answers_across_it_and_a_degraded_link_adds_latency() {
    // Every user is answered gw-eu; us-east-1 and eu-west-1 are cut from 50 s to 70 s.
    let one = r#"(target: "gw-eu")"#;
    let r = routed(
        "Simple",
        one,
        r#"Fault((name: "cut", at: 50.0, duration: "20s", target: "us-east-1->eu-west-1", kind: Down))"#,
    );
    let lost: f64 = unreachable_per_s(&r).iter().sum::<f64>() * r.bucket_s;
    // The US users' 100 r/s for 20 s cannot reach Europe; the European users are unaffected.
    assert!((lost - 2000.0).abs() < 200.0, "{lost} unreachable");
    // A degraded network between the two adds its latency to every US request's round trip.
    let slow = routed(
        "Simple",
        one,
        r#"Fault((name: "slow", at: 0.0, target: "us-east-1->eu-west-1", kind: Latency(added: Constant(ms: 50.0))))"#,
    );
    let base = routed("Simple", one, "");
    let (a, b) = (base.summary.latency_ms.p90.unwrap(), slow.summary.latency_ms.p90.unwrap());
    assert!(b > a + 40.0, "degraded p90 {b} ms against {a} ms");
}

#[test]
fn a_routing_control_turned_off_fails_over_at_once_and_resolvers_follow_within_the_ttl() {
    // gw-a dies at 100 s; an operator turns its routing control off at 110 s (ARC), before the
    // health checks (160 to 190 s) would have.
    let text = failover(3, "20s", 0.0, "gw-a").replace(
        "kind: Down))])",
        r#"kind: Down)), Action((name: "arc", trigger: At(110.0), response: Automatic(delay: "0s"),
              act: RoutingControl(dns: "dns", record: "gw-a", on: false)))])"#,
    );
    let r = run(&text);
    let tl = r.per_replicate[0].timeline.as_ref().unwrap();
    assert_eq!(tl.record_unhealthy_s[0], Some(110.0));
    let series = unreachable_per_s(&r);
    assert!(series[131..].iter().all(|&x| x == 0.0), "still unreachable after the 20 s TTL");
    // A control that names no record is refused.
    let bad = text.replace("record: \"gw-a\"", "record: \"gw-z\"");
    let e = load::from_str(&bad, Path::new("arc.ron")).unwrap_err().to_string();
    assert!(e.contains("dns has no record for \"gw-z\""), "{e}");
}

#[test]
fn a_region_back_before_the_promotion_loses_no_write() {
    // The outage lasts 10 s, less than detect + promote (15 s): the primary comes back with its
    // data, no replica is promoted, nothing is lost.
    let text = store("Async(lag: Constant(ms: 100.0))").replace("kind: Down))", "duration: \"10s\", kind: Down))");
    let r = run(&text);
    let loss = r.per_replicate[0].timeline.as_ref().unwrap().stores[0].clone().expect("the primary was lost");
    assert_eq!((loss.rpo_writes, loss.rpo_age_s), (0, 0.0));
    assert_eq!(loss.recovered_after_s, Some(10.0), "writes again when the region is back");
    let log = &r.per_replicate[0].timeline.as_ref().unwrap().log;
    assert!(!log.iter().any(|l| l.what.contains("a primary takes writes again")), "no promotion: {log:?}");
}
