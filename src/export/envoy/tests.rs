//! Envoy exporter tests: a small scenario -> the lines its bootstrap must hold, and what is refused.

use super::super::{ExportError, ExportOptions, Resolved, Target, export, resolve};
use crate::model::{Scenario, load};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

/// Gateway `gw` with a route `/api` (and `/api/users` when `users` is given) to balancer `lb`
/// over services `a` (2 instances) and `b`. `{lb}` holds the balancer's fields, `{route}` the
/// route's extra fields.
fn scenario(lb: &str, route: &str, weights: [f64; 2]) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [
                (path_prefix: "/api", upstream: "lb", {route}),
                (path_prefix: "/api/users", upstream: "lb", timeout_ms: Some(250.5)),
            ])),
            LoadBalancer((name: "lb", {lb})),
            Service((name: "a", instances: 2, concurrency: 100, service_time: Constant(ms: 1.0))),
            Service((name: "b", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
        ],
        links: [
            (from: "trace", to: "gw"), (from: "gw", to: "lb"),
            (from: "lb", to: "a", weight: {}), (from: "lb", to: "b", weight: {}),
        ],
    ),
)"#,
        weights[0], weights[1]
    );
    match load::parse(&text, Path::new("t.ron")) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn options() -> ExportOptions {
    let backends = ["a-0", "a-1", "b"]
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), SocketAddr::from(([127, 0, 0, 1], 9001 + i as u16))))
        .collect::<BTreeMap<_, _>>();
    ExportOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        backends,
        header: vec!["made by a test".into()],
        ..ExportOptions::default()
    }
}

fn envoy(lb: &str, route: &str) -> Result<String, ExportError> {
    export(&scenario(lb, route, [2.0, 1.0]), Some("gw"), Target::Envoy, &options())
}

/// The config's lines, trimmed.
fn lines(config: &str) -> Vec<String> {
    config.lines().map(|l| l.trim().to_string()).collect()
}

/// Asserts that `expect` appear in `config` as consecutive trimmed lines.
fn has_block(config: &str, expect: &[&str]) {
    let got = lines(config);
    let found = got.windows(expect.len()).any(|w| w.iter().zip(expect).all(|(a, b)| a == b));
    assert!(found, "missing block {expect:#?}\nin:\n{config}");
}

const FULL_LB: &str = "algorithm: EnvoyRoundRobin, health_check: Some((inter_ms: 200, rise: 2, fall: 3)), \
    outlier_detection: Some((consecutive_5xx: 3, interval_ms: 1000, base_ejection_time_ms: 60000, \
    max_ejection_percent: 50)), circuit_breaker: Some((max_connections: 2, max_pending_requests: 2, \
    max_requests: 3, max_retries: 1)), healthy_panic_threshold: Some(30.0)";

const CLIENT_LIMIT: &str = "timeout_ms: Some(2000.0), rate_limit: Some((key: Client, algorithm: \
    EnvoyLocalRateLimit(max_tokens: 5, tokens_per_fill: 2, fill_interval_ms: 500))), \
    retry_policy: Some((num_retries: 2, retry_on: [ConnectFailure, GatewayError]))";

#[test]
fn a_full_gateway_maps_every_field() {
    let text = envoy(FULL_LB, CLIENT_LIMIT).unwrap();
    assert!(text.starts_with("# made by a test\n# Gateway \"gw\" for Envoy 1.40"), "{text}");
    // Longest prefix first: Envoy takes the first route that matches.
    let users = text.find("prefix: \"/api/users\"").unwrap();
    let api = text.find("prefix: \"/api\"\n").unwrap();
    assert!(users < api, "{text}");
    has_block(&text, &["socket_address:", "address: \"127.0.0.1\"", "port_value: 8080"]);
    has_block(&text, &["use_remote_address: true"]);
    has_block(&text, &["cluster: \"lb\"", "timeout: \"0.251s\""]);
    has_block(
        &text,
        &[
            "cluster: \"lb\"",
            "timeout: \"2s\"",
            "retry_policy:",
            "retry_on: \"connect-failure,gateway-error\"",
            "num_retries: 2",
            "retry_back_off:",
            "base_interval: \"0.025s\"",
            "max_interval: \"0.250s\"",
        ],
    );
    has_block(&text, &["filter_enabled:", "default_value:", "numerator: 100", "denominator: \"HUNDRED\""]);
    has_block(
        &text,
        &[
            "descriptors:",
            "- entries:",
            "- key: \"remote_address\"",
            "token_bucket:",
            "max_tokens: 5",
            "tokens_per_fill: 2",
            "fill_interval: \"0.500s\"",
            "rate_limits:",
            "- actions:",
            "- remote_address: {}",
            "always_consume_default_token_bucket: false",
        ],
    );
    has_block(&text, &["status:", "code: 429"]);
    has_block(&text, &["- name: \"envoy.filters.http.local_ratelimit\""]);
    has_block(&text, &["lb_policy: \"ROUND_ROBIN\"", "common_lb_config:", "healthy_panic_threshold:", "value: 30.0"]);
    has_block(&text, &["port_value: 9001", "hostname: \"a-0\"", "load_balancing_weight: 2"]);
    has_block(&text, &["port_value: 9003", "hostname: \"b\"", "load_balancing_weight: 1"]);
    has_block(
        &text,
        &[
            "- timeout: \"0.200s\"",
            "interval: \"0.200s\"",
            "no_traffic_interval: \"0.200s\"",
            "unhealthy_threshold: 3",
            "healthy_threshold: 2",
            "reuse_connection: false",
            "tcp_health_check: {}",
        ],
    );
    has_block(
        &text,
        &[
            "consecutive_5xx: 3",
            "interval: \"1s\"",
            "base_ejection_time: \"60s\"",
            "max_ejection_time: \"300s\"",
            "max_ejection_percent: 50",
            "always_eject_one_host: false",
        ],
    );
    has_block(
        &text,
        &[
            "- priority: \"DEFAULT\"",
            "max_connections: 2",
            "max_pending_requests: 2",
            "max_requests: 3",
            "max_retries: 1",
        ],
    );
}

#[test]
fn limit_keys_user_and_global() {
    let user = envoy(
        "algorithm: EnvoyRoundRobin",
        "rate_limit: Some((key: User, algorithm: EnvoyLocalRateLimit(max_tokens: 3, fill_interval_ms: 1000)))",
    )
    .unwrap();
    has_block(&user, &["- request_headers:", "header_name: \"x-api-key\"", "descriptor_key: \"api_key\""]);
    // Requests without the header take the default bucket, which refuses none.
    has_block(&user, &["token_bucket:", "max_tokens: 4294967295", "tokens_per_fill: 4294967295"]);
    let global = envoy(
        "algorithm: EnvoyRoundRobin",
        "rate_limit: Some((key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 3, fill_interval_ms: 1000)))",
    )
    .unwrap();
    has_block(&global, &["token_bucket:", "max_tokens: 3", "tokens_per_fill: 1", "fill_interval: \"1s\""]);
    assert!(!global.contains("descriptors"), "{global}");
    // No breaker in the model: Envoy's defaults (1024, 3 retries) would limit, so none is.
    has_block(&global, &["max_connections: 4294967295", "max_pending_requests: 4294967295"]);
}

#[test]
fn least_request_writes_its_options() {
    let text = envoy("algorithm: EnvoyLeastRequest(choice_count: 3, active_request_bias: 0.5)", "").unwrap();
    has_block(
        &text,
        &[
            "lb_policy: \"LEAST_REQUEST\"",
            "least_request_lb_config:",
            "choice_count: 3",
            "active_request_bias:",
            "default_value: 0.5",
        ],
    );
    let plain = envoy("algorithm: EnvoyLeastRequest()", "").unwrap();
    has_block(&plain, &["least_request_lb_config:", "choice_count: 2", "common_lb_config:"]);
}

#[test]
fn what_envoy_cannot_express_is_unsupported() {
    let limit = |algo: &str| format!("rate_limit: Some((key: Client, algorithm: {algo}))");
    let cases: Vec<(String, String, &str)> = vec![
        ("algorithm: RoundRobin".into(), String::new(), "RoundRobin"),
        ("algorithm: Random".into(), String::new(), "Random"),
        ("algorithm: NginxRoundRobin()".into(), String::new(), "NginxRoundRobin"),
        ("algorithm: HaproxyLeastConn".into(), String::new(), "HaproxyLeastConn"),
        ("algorithm: EnvoyRingHash()".into(), String::new(), "EnvoyRingHash"),
        ("algorithm: EnvoyMaglev()".into(), String::new(), "EnvoyMaglev"),
        ("algorithm: EnvoyRoundRobin, failover: HaproxyRetries()".into(), String::new(), "HaproxyRetries"),
        ("algorithm: EnvoyRoundRobin, failover: NginxNextUpstream()".into(), String::new(), "NginxNextUpstream"),
        // `lb_seed`, the name of earlier versions, still loads as `start`.
        ("algorithm: EnvoyRoundRobin, lb_seed: Some(3)".into(), String::new(), "start"),
        ("algorithm: EnvoyRoundRobin, start: Some(3)".into(), String::new(), "start"),
        (
            "algorithm: EnvoyRoundRobin, health_check: Some((http: Some((path: \"/h\"))))".into(),
            String::new(),
            "http health check",
        ),
        ("algorithm: EnvoyRoundRobin".into(), limit(r#"NginxLimitReq(rate: "5r/s")"#), "limit_req"),
        (
            "algorithm: EnvoyRoundRobin".into(),
            limit("EnvoyRateLimitService(requests_per_unit: 5, unit: Second)"),
            "rate limit",
        ),
        (
            "algorithm: EnvoyRoundRobin".into(),
            limit("EnvoyLocalRateLimit(max_tokens: 5, fill_interval_ms: 20)"),
            "token bucket",
        ),
    ];
    for (lb, route, what) in cases {
        match envoy(&lb, &route) {
            Err(ExportError::Unsupported { policy, target: Target::Envoy, reason, .. }) => {
                assert!(policy.contains(what) || reason.contains(what), "{lb} {route}: {policy} / {reason}");
            }
            other => panic!("{lb} {route}: expected Unsupported, got {other:?}"),
        }
    }
    // Equal weights with an explicit bias: Envoy schedules by weight, the simulator draws P2C.
    let sc = scenario("algorithm: EnvoyLeastRequest(active_request_bias: 2.0)", "", [1.0, 1.0]);
    assert!(matches!(
        export(&sc, Some("gw"), Target::Envoy, &options()),
        Err(ExportError::Unsupported { target: Target::Envoy, .. })
    ));
}

#[test]
fn one_limit_over_the_routes_of_a_balancers_rules_is_unsupported() {
    let text = r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "lb",
                rate_limit: Some((key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 5, fill_interval_ms: 100))))])),
            LoadBalancer((name: "lb", algorithm: EnvoyRoundRobin,
                rules: [(path_prefix: "/a", service: "a"), (path_prefix: "/b", service: "b")])),
            Service((name: "a", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
            Service((name: "b", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
        ],
        links: [(from: "trace", to: "gw"), (from: "gw", to: "lb"), (from: "lb", to: "a"), (from: "lb", to: "b")],
    ),
)"#;
    let sc = load::parse(text, Path::new("t.ron")).unwrap();
    let mut o = options();
    o.backends.insert("a".into(), SocketAddr::from(([127, 0, 0, 1], 9101)));
    let err = export(&sc, Some("gw"), Target::Envoy, &o).unwrap_err();
    assert!(matches!(err, ExportError::Unsupported { target: Target::Envoy, .. }), "{err}");
}

#[test]
fn hostile_strings_are_refused_and_never_reach_syntax() {
    let sc = scenario("algorithm: EnvoyRoundRobin", "", [1.0, 1.0]);
    let good = resolve(&sc, "gw", &options()).unwrap();
    type Mutation = fn(&mut Resolved<'_>);
    let mutations: [(&str, Mutation); 7] = [
        ("prefix", |r| r.routes[0].prefix = "/api\"\n  evil: {".into()),
        ("prefix with #", |r| r.routes[0].prefix = "/api #x".into()),
        ("pool id", |r| r.pools[0].id = "lb; x".into()),
        ("instance", |r| r.pools[0].servers[0].instance = "a-0\nhostname: x".into()),
        ("gateway", |r| r.gateway = "gw }".into()),
        ("quote", |r| r.gateway = "gw'\"".into()),
        ("pool index", |r| r.routes[0].pool = 7),
    ];
    for (what, mutate) in mutations {
        let mut r = good.clone();
        mutate(&mut r);
        let out = super::write(&r, &options());
        assert!(matches!(out, Err(ExportError::Refused { .. } | ExportError::Broken { .. })), "{what}: {out:?}");
    }
    // A header line with a newline stays one comment line.
    let mut o = options();
    o.header = vec!["a\nstatic_resources: {}".into()];
    let text = export(&sc, Some("gw"), Target::Envoy, &o).unwrap();
    assert!(text.starts_with("# a static_resources: {}\n"), "{text}");
    assert_eq!(text.matches("\nstatic_resources:").count(), 1, "{text}");
}

#[test]
fn nothing_of_a_harness_or_a_process_is_in_the_file() {
    let text = envoy(FULL_LB, CLIENT_LIMIT).unwrap();
    for banned in ["/tmp", "admin", "access_log", "x-service-ms", "x-request-id", "concurrency", "base_id"] {
        assert!(!text.to_ascii_lowercase().contains(banned), "{banned}:\n{text}");
    }
}
