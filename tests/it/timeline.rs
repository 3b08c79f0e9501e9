//! The timeline on hand-computable cases: faults, alarms (CloudWatch and Prometheus), a person's
//! delay chain, rollbacks decided request by request, staged rollouts, state across a reload, and
//! every figure that depends on time (time to detect, RTO, SLO windows, error budget, users
//! impacted in the incident).

use super::run;
use gatesim::metrics::Outcome;
use gatesim::model::load;
use gatesim::report::Report;
use gatesim::sim::replay::{ReplayFiles, replay};
use std::path::Path;

/// A scenario: 100 r/s evenly spaced from 500 users straight to one service (2 instances, 10 ms),
/// for `duration` s, with `slo` and `timeline` (RON text).
fn one_service(duration: u32, slo: &str, timeline: &str) -> gatesim::model::Scenario {
    let text = format!(
        r#"Scenario(format_version: 1, name: "one service", run: (seed: 3, duration_s: {duration}),
        slo: ({slo}),
        topology: (nodes: [
            Clients((name: "users", users: 500, arrivals: Deterministic, traffic: Constant(rate_rps: 100.0))),
            Service((name: "api", instances: 2, concurrency: 8, queue_capacity: 16, service_time: Constant(ms: 10.0))),
        ], links: [(from: "users", to: "api", latency: Constant(ms: 1.0))]),
        timeline: [{timeline}])"#
    );
    load::from_str(&text, Path::new("case.ron")).unwrap_or_else(|e| panic!("{e}"))
}

fn timeline(r: &Report) -> &gatesim::report::TimelineReport {
    r.timeline.as_ref().unwrap_or_else(|| panic!("the report has no timeline"))
}

fn alarm_at(r: &Report, name: &str) -> Option<f64> {
    timeline(r).alarms.iter().find(|a| a.name == name).and_then(|a| a.at_s.median)
}

#[test]
fn a_fault_from_100_to_200_s_gives_an_rto_of_100_s() {
    // Down from 100 s to 200 s: every request sent meanwhile fails at once, every other succeeds
    // in 12 ms. With 10 s windows, [100, 200) is breached and [200, 260) meets the SLO: recovered
    // at 200 s, 100 s after the trigger (exact here: the fault's edges fall on window edges).
    let s = one_service(
        600,
        r#"window: "10s", hold: "1m""#,
        r#"Fault((name: "outage", at: 100, end: 200, target: "api", kind: Errors(share: 1.0, status: 503)))"#,
    );
    let r = run(&s);
    let t = timeline(&r);
    assert_eq!(t.trigger.as_ref().map(|x| (x.name.as_str(), x.at_s)), Some(("outage", 100.0)));
    assert_eq!(t.rto_s.median, Some(100.0));
    assert_eq!(t.recovered_in, 1);
    assert_eq!(r.slo.breaches.len(), 1);
    assert_eq!((r.slo.breaches[0].start_s, r.slo.breaches[0].end_s), (100.0, 200.0));
    assert_eq!(r.slo.breach_s.median, Some(100.0));
    // 10,000 of 60,000 requests failed (one every 10 ms for 100 s): the budget (0.1%) burns at
    // 10,000 / (0.001 x 60,000) = 166.7x; the run spent 166.7 x 600 s / 30 days = 3.86% of it.
    assert_eq!(r.summary.failures_by_cause[&Outcome::ServerError], 10_000.0);
    let burn = r.slo.budget_burn_rate.median.unwrap_or(0.0);
    assert!((burn - 10_000.0 / (0.001 * r.summary.requests)).abs() < 1e-9, "{burn}");
    let spent = r.slo.budget_spent_pct.median.unwrap_or(0.0);
    assert!((spent - 100.0 * burn * 600.0 / (30.0 * 86_400.0)).abs() < 1e-9, "{spent}");
    // Every user sent about 20 requests during the fault: all of them were impacted.
    assert_eq!(t.users_impacted_in_incident_pct.median, Some(100.0));
    assert_eq!(t.failed_in_incident[&Outcome::ServerError], 10_000.0);
    // With 1-minute windows the RTO is known to the minute: 100 s rounded up to a window edge.
    let s = one_service(
        600,
        r#"window: "1m", hold: "2m""#,
        r#"Fault((name: "outage", at: 100, end: 200, target: "api", kind: Down))"#,
    );
    let rto = timeline(&run(&s)).rto_s.median.unwrap_or(0.0);
    assert!((100.0..=160.0).contains(&rto) && rto == 140.0, "{rto}");
}

#[test]
fn without_a_recovery_the_rto_is_unknown_and_with_no_breach_it_is_zero() {
    let s = one_service(
        300,
        r#"window: "10s", hold: "1m""#,
        r#"Fault((name: "forever", at: 100, target: "api", kind: Errors(share: 1.0)))"#,
    );
    let t = run(&s).timeline.unwrap_or_else(|| panic!("timeline"));
    assert_eq!((t.rto_s.median, t.recovered_in), (None, 0));
    // A 100 ms slowdown breaks no SLO: RTO 0.
    let s = one_service(
        300,
        r#"window: "10s""#,
        r#"Fault((name: "slow", at: 100, end: 200, target: "api", kind: Latency(added: Constant(ms: 100.0))))"#,
    );
    let r = run(&s);
    assert_eq!(timeline(&r).rto_s.median, Some(0.0));
    assert!(r.slo.breaches.is_empty());
    // A sixth of the requests took 1 + 10 + 100 + 1 ms.
    assert!((r.summary.latency_ms.p99.unwrap_or(0.0) - 112.0).abs() < 1.0, "{:?}", r.summary.latency_ms);
}

fn cloudwatch(step_s: u32, threshold: f64) -> f64 {
    let s = one_service(
        900,
        "",
        &format!(
            r#"Fault((name: "bad-deploy", at: {step_s}, target: "api", kind: Errors(share: 1.0, status: 500))),
            Alarm((name: "5xx", metric: Share5xx, threshold: {threshold}, rule: CloudWatch(period: "1m", evaluation_periods: 3, datapoints_to_alarm: 3)))"#
        ),
    );
    let r = run(&s);
    alarm_at(&r, "5xx").unwrap_or_else(|| panic!("the alarm did not fire")) - f64::from(step_s)
}

#[test]
fn a_cloudwatch_alarm_3_of_3_by_60_s_fires_180_to_240_s_after_a_step() {
    // Periods end at 60, 120, ... s. A step that does not fill its first period breaches from the
    // next one on: three full breaching periods, then ALARM at the end of the third.
    for step in [120, 130, 150, 179] {
        let ttd = cloudwatch(step, 0.99);
        let first_full = step.div_ceil(60) * 60;
        assert_eq!(ttd, f64::from(first_full + 180 - step), "step {step}");
        assert!((180.0..240.0).contains(&ttd), "step {step}: {ttd}");
    }
    // When the partial period already breaches (half of it failing, threshold 5%), it counts.
    assert_eq!(cloudwatch(150, 0.05), 150.0);
}

#[test]
fn a_prometheus_alert_with_for_2m_fires_2_minutes_after_its_condition_holds() {
    // rate over 30 s, evaluated every 30 s: the 5xx share exceeds 50% from step + 15 s on.
    for step in [100, 110, 125, 139] {
        let s = one_service(
            900,
            "",
            &format!(
                r#"Fault((name: "bad-deploy", at: {step}, target: "api", kind: Errors(share: 1.0))),
                Alarm((name: "5xx", metric: Share5xx, threshold: 0.5, rule: Prometheus(interval: "30s", window: "30s", for: "2m")))"#
            ),
        );
        let r = run(&s);
        let holds_from = f64::from(step) + 15.0;
        let fired = alarm_at(&r, "5xx").unwrap_or_else(|| panic!("did not fire"));
        let after = fired - holds_from;
        assert!((120.0..=150.0).contains(&after), "step {step}: fired {after} s after the condition held");
        assert_eq!(timeline(&r).time_to_detect_s.median, Some(fired - f64::from(step)));
    }
}

#[test]
fn a_prometheus_alert_stays_firing_for_keep_firing_for_and_a_below_threshold_alarm_fires_on_a_drop() {
    let s = one_service(
        900,
        "",
        r#"Fault((name: "down", at: 300, end: 420, target: "api", kind: Errors(share: 1.0))),
        Alarm((name: "drop", metric: SuccessRps, comparison: Below, threshold: 50, rule: Prometheus(interval: "15s", window: "15s", keep_firing_for: "1m")))"#,
    );
    let r = run(&s);
    let log: Vec<(f64, &str)> =
        timeline(&r).log.iter().filter(|l| l.entry == "drop").map(|l| (l.t_s, l.what.as_str())).collect();
    // for 0: fires at the first evaluation whose 15 s window lies in the outage (315 s); after it
    // ends (420 s), the condition stops holding at 435 s, and it resolves one minute later.
    assert_eq!(log, [(315.0, "firing"), (495.0, "resolved")]);
}

#[test]
fn a_person_acts_after_the_delay_chain_and_a_rollback_restores_service() {
    // A change turns on a 50% error rate at 100 s; the alarm fires at 240 s (3 of 3 one-minute
    // periods from 120 s); the person paged acknowledges 2 min later, investigates 10 min,
    // identifies 3 min, and the rollback takes 1 min: 240 + 960 = 1200 s.
    let s = one_service(
        1800,
        r#"window: "1m", hold: "2m""#,
        r#"Change((name: "deploy", at: 100, node: "api", set: [(path: "error_rate", value: 0.5)])),
        Alarm((name: "5xx", metric: Share5xx, threshold: 0.05, rule: CloudWatch(period: "1m", evaluation_periods: 3))),
        Action((name: "on-call", trigger: Alarm("5xx"), act: Rollback("deploy"),
            response: Human((acknowledge: Fixed("2m"), investigate: Fixed("10m"), identify: Fixed("3m"), act: Fixed("1m")))))"#,
    );
    let r = run(&s);
    let t = timeline(&r);
    assert_eq!(alarm_at(&r, "5xx"), Some(240.0));
    assert_eq!(t.time_to_detect_s.median, Some(140.0));
    assert_eq!(t.actions[0].at_s.median, Some(1200.0));
    // Windows [60, 120) to [1140, 1200) are breached; [1200, 1320) meets it: RTO 1100 s.
    assert_eq!(t.rto_s.median, Some(1100.0));
    let phases: Vec<&str> = t.log.iter().filter(|l| l.entry == "on-call").map(|l| l.what.as_str()).collect();
    assert_eq!(phases, ["triggered", "acknowledged", "investigated", "identified the cause", "acted"]);
    let rolled = t.log.iter().find(|l| l.entry == "deploy" && l.what == "rolled back").map(|l| l.t_s);
    assert_eq!(rolled, Some(1200.0));
    // Drawn delays differ per replicate, and the report summarises them.
    let mut s = s.clone();
    s.run.replicates = 8;
    for e in &mut s.timeline {
        if let gatesim::model::Event::Action(a) = e
            && let gatesim::model::Response::Human(h) = &mut a.response
        {
            h.investigate = gatesim::model::Delay::LogNormal {
                median: gatesim::model::Span::mins(10.0),
                p99: gatesim::model::Span::mins(40.0),
            };
        }
    }
    let r = run(&s);
    let acted = &timeline(&r).actions[0].at_s;
    assert_eq!(acted.n, 8);
    assert!(acted.low < acted.high && acted.confidence > 0.9, "{acted:?}");
}

/// Replays `trace` (CSV body) through a gateway whose route has `limit`, with `timeline`.
fn replay_decisions(name: &str, limit: &str, timeline: &str, trace: &str) -> Vec<(f64, String)> {
    let text = format!(
        r#"Scenario(format_version: 1, name: "replay", run: (seed: 1, duration_s: 60.0),
        topology: (nodes: [
            Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "b0", rate_limit: Some((algorithm: {limit})))])),
            Service((name: "b0", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
        ], links: [(from: "c", to: "gw"), (from: "gw", to: "b0")]),
        timeline: [{timeline}])"#
    );
    let s = load::from_str(&text, Path::new("case.ron")).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("gatesim-tl-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (req, dec) = (dir.join("requests.csv"), dir.join("decisions.csv"));
    std::fs::write(&req, format!("id,send_ms,client_key,path,service_ms\n{trace}")).unwrap();
    replay(&s, ReplayFiles { requests: &req, outages: None, decisions: Some(&dec) }).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&dec).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let sent: f64 = f[0].trim_start_matches('r').parse::<f64>().unwrap() * 50.0 / 1000.0;
            (sent, f[1].to_owned())
        })
        .collect()
}

/// One client sending every 50 ms for 30 s: ids r0..r599, request `i` at `50 i` ms.
fn steady_trace() -> String {
    (0..600).map(|i| format!("r{i},{},alice,/,\n", i * 50)).collect()
}

#[test]
fn a_rollback_restores_the_old_limits_decisions_from_then_on() {
    // limit_req 100r/s never rejects 20 r/s; tightened to 5r/s at 10 s it rejects 3 of 4; rolled
    // back at 20 s, every request from then on gets exactly the decision it gets without the
    // change (NGINX kept the zone, whose excess drains in 10 ms at 100r/s).
    let limit = r#"NginxLimitReq(rate: "100r/s")"#;
    let change = r#"Change((name: "tighten", at: 10, rollback_at: 20, node: "gw", set: [(path: "routes[/].rate_limit.algorithm.rate", value: "5r/s")]))"#;
    let before = replay_decisions("base", limit, "", &steady_trace());
    let after = replay_decisions("change", limit, change, &steady_trace());
    assert_eq!(before.len(), 600);
    assert!(before.iter().all(|(_, s)| s == "200"));
    for ((t, a), (_, b)) in before.iter().zip(&after) {
        if *t < 10.0 || *t >= 20.0 {
            assert_eq!(a, b, "request at {t} s");
        }
    }
    let rejected = after.iter().filter(|(t, s)| (10.0..20.0).contains(t) && s == "503").count();
    // 5 r/s of 20 pass in steady state (the first after the change too): 200 sent, 150 rejected.
    assert!((148..=151).contains(&rejected), "{rejected}");
}

#[test]
fn across_a_reload_nginx_keeps_its_zone_and_envoy_refills_its_bucket() {
    // The same configuration reloaded at 10 s: NGINX keeps each key's excess, so its decisions do
    // not change; Envoy's local rate limit builds a new bucket, full, so it passes a burst again.
    let reload = |path: &str, value: &str| {
        format!(r#"Change((name: "reload", at: 10, node: "gw", set: [(path: "{path}", value: {value})]))"#)
    };
    let nginx = r#"NginxLimitReq(rate: "5r/s", burst: 5)"#;
    let a = replay_decisions("ngx-a", nginx, "", &steady_trace());
    let b = replay_decisions("ngx-b", nginx, &reload("routes[/].rate_limit.algorithm.burst", "5"), &steady_trace());
    assert_eq!(a, b);
    let envoy = r#"EnvoyLocalRateLimit(max_tokens: 10, tokens_per_fill: 5, fill_interval_ms: 1000)"#;
    let a = replay_decisions("env-a", envoy, "", &steady_trace());
    let b =
        replay_decisions("env-b", envoy, &reload("routes[/].rate_limit.algorithm.max_tokens", "10"), &steady_trace());
    let passed = |d: &[(f64, String)]| d.iter().filter(|(t, s)| (10.0..12.0).contains(t) && s == "200").count();
    // From 10 s: a full bucket of 10 plus the refill (5 per s) against 20 r/s.
    assert!(passed(&b) >= passed(&a) + 9, "{} vs {}", passed(&b), passed(&a));
}

#[test]
fn a_staged_rollout_at_10_percent_sends_a_tenth_of_requests_through_the_new_limit() {
    // The new limit passes one request per hour per client; in the first stage (10% for 100 s)
    // about a tenth of the 10,000 requests meet it and nearly all of those are rejected.
    let text = r#"Scenario(format_version: 1, name: "canary", run: (seed: 5, duration_s: 300),
        topology: (nodes: [
            Clients((name: "users", users: 500, arrivals: Deterministic, traffic: Constant(rate_rps: 100.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "api")])),
            Service((name: "api", instances: 2, concurrency: 8, service_time: Constant(ms: 10.0))),
        ], links: [(from: "users", to: "gw"), (from: "gw", to: "api")]),
        timeline: [
            Change((name: "canary", at: 100, node: "gw",
                set: [(path: "routes[/].rate_limit", value: {"key": "Global", "algorithm": {"EnvoyLocalRateLimit": {"max_tokens": 1, "fill_interval_ms": 3600000}}})],
                rollout: Staged(stages: [(share: 0.1, duration: "100s")]))),
        ])"#;
    let s = load::from_str(text, Path::new("canary.ron")).unwrap_or_else(|e| panic!("{e}"));
    let r = run(&s);
    let limited = r.series.outcomes_rps[&Outcome::RateLimited].iter().zip(&r.series.t_s);
    let bucket = r.bucket_s;
    let in_stage: f64 = limited.clone().filter(|(_, t)| (100.0..200.0).contains(*t)).map(|(x, _)| x * bucket).sum();
    // Binomial(10,000, 0.1): 1,000 +/- 30; one token passes.
    assert!((880.0..=1120.0).contains(&in_stage), "{in_stage} rejected in the first stage");
    // After the last stage every request meets the new limit.
    let after: f64 = limited.filter(|(_, t)| **t >= 200.0).map(|(x, _)| x * bucket).sum();
    assert!((after - 100.0 * 100.0).abs() < 2.0, "{after}");
}

#[test]
fn a_flash_crowd_counts_as_users_and_a_ddos_is_counted_apart() {
    let s = one_service(
        120,
        "",
        r#"Traffic((name: "crowd", at: 30, duration: "30s", clients: "users", rate_rps: 50)),
        Traffic((name: "ddos", at: 60, duration: "30s", clients: "users", rate_rps: 200, from: Attack(sources: 5)))"#,
    );
    let r = run(&s);
    // 120 s x 100 r/s + 30 s x 50 r/s (Poisson) legitimate requests; the attack's 6,000 apart.
    assert!((r.summary.requests - 13_500.0).abs() < 400.0, "{}", r.summary.requests);
    let attack: f64 = timeline(&r).attack.values().sum();
    assert!((attack - 6000.0).abs() < 400.0, "{attack}");
    assert_eq!(r.summary.users_active, 500.0);
}

#[test]
fn an_instance_whose_queue_stays_full_crashes_and_restarts() {
    // One instance, 1 slot, 100 ms per request, queue of 2, 20 r/s: the queue is full from the
    // 4th arrival (200 ms) and never drains; 1 s later the instance crashes, and 5 s after that it
    // serves again, over and over.
    let text = r#"Scenario(format_version: 1, name: "crash", run: (seed: 1, duration_s: 20),
        topology: (nodes: [
            Clients((name: "c", users: 10, arrivals: Deterministic, traffic: Constant(rate_rps: 20.0))),
            Service((name: "s", instances: 1, concurrency: 1, queue_capacity: 2, service_time: Constant(ms: 100.0))),
        ], links: [(from: "c", to: "s")]),
        timeline: [Fault((name: "exhaustion", at: 0, target: "s", kind: Exhaustion(after: "1s", restart: "5s")))])"#;
    let s = load::from_str(text, Path::new("crash.ron")).unwrap_or_else(|e| panic!("{e}"));
    let r = run(&s);
    let log: Vec<(f64, &str)> =
        timeline(&r).log.iter().filter(|l| l.entry == "s").map(|l| (l.t_s, l.what.as_str())).collect();
    assert_eq!(log[0], (1.2, "crashed (queue full too long)"));
    assert_eq!(log[1], (6.2, "restarted"));
    assert!(r.summary.failures_by_cause[&Outcome::UpstreamReset] >= 3.0);
}

#[test]
fn a_success_slower_than_the_latency_slo_impacts_its_user() {
    let s = one_service(60, r#"latency_p99_ms: 5"#, "");
    let r = run(&s);
    assert_eq!(r.summary.success_rate, 1.0);
    assert_eq!(r.summary.users_impacted_pct, 100.0);
    assert_eq!(r.summary.slow_successes, r.summary.requests);
}

#[test]
fn timelines_give_the_same_bytes_with_1_and_2_threads() {
    let s = one_service(
        600,
        "",
        r#"Change((name: "deploy", at: 100, node: "api", set: [(path: "error_rate", value: 0.3)], rollout: Staged(stages: [(share: 0.5, duration: "1m")]))),
        Fault((name: "slow", at: 50, end: 300, target: "api-1", kind: Latency(added: Exponential(mean_ms: 20.0)))),
        Alarm((name: "5xx", metric: Share5xx, threshold: 0.05, rule: CloudWatch(period: "1m", evaluation_periods: 2))),
        Action((name: "oncall", trigger: Alarm("5xx"), act: Rollback("deploy"),
            response: Human((acknowledge: Exponential(mean: "2m"), investigate: LogNormal(median: "5m", p99: "20m"), identify: Uniform(min: "1m", max: "5m"), act: Fixed("30s")))))"#,
    );
    let mut s = s;
    s.run.replicates = 4;
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let r = pool.install(|| gatesim::sim::run(&s, &Default::default())).unwrap();
        serde_json::to_string(&r).unwrap()
    };
    assert!(json(1) == json(2));
}
