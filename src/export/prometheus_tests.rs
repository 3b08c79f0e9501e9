//! Prometheus rules: alarms -> the exact rules file, every metric's expression, every refusal, and
//! the promtool test file generated from a run.

use super::*;
use crate::export::{ScenarioOptions, export, promtest};
use crate::model::load;
use std::path::Path;

/// Clients at 20 rps -> gateway `gw` (route `/api`) -> service `api`, which fails half its
/// requests from 60 s to 120 s; the timeline's alarms are `{alarms}`.
fn scenario(alarms: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "p", run: (seed: 3, duration_s: 240.0),
    topology: (
        nodes: [
            Clients((name: "users", traffic: Constant(rate_rps: 20.0), routes: [(path: "/api", weight: 1.0)])),
            Gateway((name: "gw", routes: [(path_prefix: "/api", upstream: "api")])),
            Service((name: "api", instances: 2, concurrency: 4, service_time: Constant(ms: 5.0))),
        ],
        links: [(from: "users", to: "gw"), (from: "gw", to: "api")],
    ),
    timeline: [
        Fault((name: "errors", at: 60, duration: "60s", target: "api", kind: Errors(share: 0.5, status: 500))),
        {alarms}
    ],
)"#
    );
    load::parse(&text, Path::new("p.ron")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const TWO: &str = r#"
    Alarm((name: "5xx-high", metric: Share5xx, threshold: 0.1, rule: Prometheus(interval: "15s", window: "30s", for: "15s"))),
    Alarm((name: "cw", metric: Share5xx, threshold: 0.1, rule: CloudWatch(period: "1m"))),
    Alarm((name: "slow", metric: LatencyP99Ms, scope: Route("/api"), threshold: 250.0, comparison: Above,
        rule: Prometheus(interval: "1m", window: "5m", keep_firing_for: "2m"))),
"#;

fn options() -> ExportOptions {
    ExportOptions {
        header: vec!["exported by a test".into()],
        scenario: ScenarioOptions::default(),
        ..ExportOptions::default()
    }
}

#[test]
fn rules_as_the_alarms_say_with_cloudwatch_skipped() {
    let text = export(&scenario(TWO), None, Target::Prometheus, &options()).unwrap();
    let want = r#"# exported by a test
# skipped: alarm cw has a CloudWatch rule, which Prometheus cannot express
groups:
  - name: "gatesim-15s"
    interval: "15s"
    rules:
      - alert: "alarm_5xx_high"
        expr: "(sum(rate(http_responses_total{code=~\"5..\"}[30s])) / sum(rate(http_responses_total[30s]))) > 0.1"
        for: "15s"
        labels:
          alarm: "5xx-high"
        annotations:
          summary: "share of 5xx > 0.1 (system, for 15s)"
  - name: "gatesim-1m"
    interval: "1m"
    rules:
      - alert: "slow"
        expr: "(histogram_quantile(0.99, sum by (le) (rate(http_response_duration_seconds_bucket{route=\"/api\",outcome=\"success\"}[5m]))) * 1000) > 250"
        keep_firing_for: "2m"
        labels:
          alarm: "slow"
        annotations:
          summary: "p99 latency ms > 250 (route /api, for 0s)"
"#;
    assert_eq!(text, want);
}

fn expr_of(metric: &str, scope: &str, comparison: &str) -> Result<String, ExportError> {
    let alarm = format!(
        r#"Alarm((name: "a", metric: {metric}, scope: {scope}, comparison: {comparison}, threshold: 0.5, rule: Prometheus(window: "2m"))),"#
    );
    let sc = scenario(&alarm);
    let (rules, _) = rules(&sc)?;
    Ok(rules[0].expr.clone())
}

#[test]
fn every_metric_has_its_expression() {
    let r = "sum(rate(http_responses_total[2m]))";
    for (metric, scope, want) in [
        ("Share4xx", "System", format!("(sum(rate(http_responses_total{{code=~\"4..\"}}[2m])) / {r}) > 0.5")),
        (
            "CauseShare(queue_full)",
            "Route(\"/api\")",
            "(sum(rate(http_responses_total{route=\"/api\",outcome=\"queue_full\"}[2m])) / sum(rate(http_responses_total{route=\"/api\"}[2m]))) > 0.5".into(),
        ),
        ("SuccessRps", "System", "(sum(rate(http_responses_total{outcome=\"success\"}[2m]))) > 0.5".into()),
        ("Utilisation", "Node(\"api\")", "(avg_over_time(service_busy_ratio{service=\"api\"}[2m])) > 0.5".into()),
        ("QueueLength", "Node(\"api\")", "(avg_over_time(service_queue_length{service=\"api\"}[2m])) > 0.5".into()),
        (
            "RejectedShare",
            "Node(\"gw\")",
            "(sum(rate(node_rejected_requests_total{node=\"gw\"}[2m])) / sum(rate(node_requests_total{node=\"gw\"}[2m]))) > 0.5".into(),
        ),
    ] {
        assert_eq!(expr_of(metric, scope, "Above").unwrap(), want, "{metric}");
    }
    assert!(expr_of("SuccessRps", "System", "Below").unwrap().ends_with(") < 0.5"));
}

#[test]
fn names_durations_and_mismatched_scopes() {
    assert_eq!(alert_name("5xx-high"), "alarm_5xx_high");
    assert_eq!(alert_name("api.busy"), "api_busy");
    for (ms, want) in [(0, "0s"), (250, "250ms"), (90_000, "1m30s"), (3_600_000, "1h"), (3_661_500, "1h1m1s500ms")] {
        assert_eq!(duration(ms), want);
    }
    // A node metric without its node is not an alarm Prometheus can express: the loader refuses
    // it, and the exporter again for a scenario built in code.
    let mut sc =
        scenario(r#"Alarm((name: "a", metric: Utilisation, scope: Node("api"), threshold: 0.5, rule: Prometheus())),"#);
    if let Some(Event::Alarm(a)) = sc.timeline.iter_mut().find(|e| matches!(e, Event::Alarm(_))) {
        a.scope = Scope::System;
    }
    assert!(matches!(rules(&sc), Err(ExportError::Unsupported { .. })));
    let none = scenario(r#"Alarm((name: "cw", metric: Share5xx, threshold: 0.1, rule: CloudWatch(period: "1m"))),"#);
    assert!(matches!(export(&none, None, Target::Prometheus, &options()), Err(ExportError::Nothing(..))));
}

/// The scenario of [`TWO`] with the first alarm changed by `f`, as a caller bypassing validation
/// would build it.
fn changed(f: impl Fn(&mut Alarm)) -> Scenario {
    let mut sc = scenario(TWO);
    if let Some(Event::Alarm(a)) = sc.timeline.iter_mut().find(|e| matches!(e, Event::Alarm(_))) {
        f(a);
    }
    sc
}

#[test]
fn hostile_names_and_colliding_alerts_are_refused() {
    for name in ["a;b", "a{b}", "a#b", "a\"b", "a b", "a\nb", "a'", "é"] {
        let e = rules(&changed(|a| a.name = name.into())).unwrap_err();
        assert!(matches!(&e, ExportError::Refused { node, .. } if node == name), "{name:?}: {e}");
    }
    for p in ["/a\"}", "/a b", "/a\n", "/a{", "/a\\"] {
        let e = rules(&changed(|a| a.scope = Scope::Route(p.into()))).unwrap_err();
        assert!(matches!(&e, ExportError::Refused { .. }), "{p:?}: {e}");
    }
    for n in ["api\"}", "a b", "a\n"] {
        let e = rules(&changed(|a| {
            a.metric = Metric::Utilisation;
            a.scope = Scope::Node(n.into());
        }))
        .unwrap_err();
        assert!(matches!(&e, ExportError::Refused { .. }), "{n:?}: {e}");
    }
    let e = rules(&changed(|a| a.threshold = f64::NAN)).unwrap_err();
    assert!(matches!(e, ExportError::Refused { .. }));
    // `slow` and `Slow`... differ; `slow-x` and `slow_x` are one alert.
    let mut sc = changed(|a| a.name = "slow.x".into());
    if let Some(Event::Alarm(a)) = sc.timeline.iter_mut().rev().find(|e| matches!(e, Event::Alarm(_))) {
        a.name = "slow_x".into();
    }
    let e = rules(&sc).unwrap_err();
    assert!(
        matches!(&e, ExportError::Collision { first, second, .. } if first == "slow.x" && second == "slow_x"),
        "{e}"
    );
}

#[test]
fn the_generated_test_fires_where_the_simulation_does() {
    let text = promtest::tests(&scenario(TWO), "alerts.rules.yml").unwrap();
    // The fault starts at 60 s; t0 = 60 - (30 + 15 + 60) cut to a multiple of 60 s = 0.
    assert!(text.contains("# time 0 of these series is 0 s into the run; the trigger is at 60 s\n"), "{text}");
    assert!(text.contains("# slow: no test: its interval is not the file's evaluation_interval\n"), "{text}");
    assert!(text.contains("rule_files:\n  - \"alerts.rules.yml\"\nevaluation_interval: \"15s\"\n"), "{text}");
    // Not firing at the last evaluation before the fault ...
    assert!(
        text.contains("- eval_time: \"45s\"\n        alertname: \"alarm_5xx_high\"\n        exp_alerts: []\n"),
        "{text}"
    );
    // ... nor at the evaluation before the simulated firing ...
    assert_eq!(text.matches("exp_alerts: []").count(), 2, "{text}");
    // ... firing once the share has held for 15 s, at an evaluation after it.
    let firing = text.split("exp_alerts:\n          - exp_labels:").count() - 1;
    assert_eq!(firing, 1, "{text}");
    assert!(text.contains("http_responses_total{outcome=\\\"server_error\\\",code=\\\"500\\\"}"), "{text}");
    // Counters start at 0 and never fall.
    for line in text.lines().filter(|l| l.trim_start().starts_with("values:")) {
        let v: Vec<u64> = line.split('"').nth(1).unwrap().split(' ').map(|x| x.parse().unwrap()).collect();
        assert_eq!(v[0], 0);
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{line}");
    }
}
