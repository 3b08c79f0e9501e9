//! A gateway's shared limit (`Gateway::limits`, `Route::shared_limit`) in each gateway target:
//! one state for all the routes naming it, or a refusal naming the node and the limit.

use super::*;

/// Gateway `gw` with routes `/a` -> balancer `la` (service `a`) and `/b` -> `lb` (service `b`)
/// naming shared limit `api` (`{limit}`), and `/c` -> `lc` (service `c`) with `{c}` (its own
/// limit, or nothing). The balancers run the target's round robin.
fn gw(limit: &str, c: &str, target: Target) -> Scenario {
    let alg = match target {
        Target::Envoy => "EnvoyRoundRobin",
        Target::Haproxy => "HaproxyRoundRobin",
        Target::Nginx => "NginxRoundRobin()",
        _ => "RoundRobin",
    };
    let text = format!(
        r#"Scenario(format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (nodes: [
        Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
        Gateway((name: "gw", limits: [(name: "api", limit: {limit})], routes: [
            (path_prefix: "/a", upstream: "la", shared_limit: Some("api")),
            (path_prefix: "/b", upstream: "lb", shared_limit: Some("api")),
            (path_prefix: "/c", upstream: "lc"{c}),
        ])),
        LoadBalancer((name: "la", algorithm: {alg}, failover: Off)),
        LoadBalancer((name: "lb", algorithm: {alg}, failover: Off)),
        LoadBalancer((name: "lc", algorithm: {alg}, failover: Off)),
        Service((name: "a", instances: 1, service_time: Constant(ms: 1.0))),
        Service((name: "b", instances: 1, service_time: Constant(ms: 1.0))),
        Service((name: "c", instances: 1, service_time: Constant(ms: 1.0))),
    ], links: [(from: "trace", to: "gw"), (from: "gw", to: "la"), (from: "gw", to: "lb"), (from: "gw", to: "lc"),
        (from: "la", to: "a"), (from: "lb", to: "b"), (from: "lc", to: "c")]))"#
    );
    load::parse(&text, Path::new("t.ron")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn opts() -> ExportOptions {
    let backends = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), SocketAddr::from(([127, 0, 0, 1], 9001 + i as u16))))
        .collect();
    ExportOptions { backends, ..options() }
}

#[test]
fn haproxy_tracks_a_shared_table_once_in_the_frontend_for_all_its_routes() {
    // HAProxy 2.6 doc/configuration.txt "http-request track-sc0": the frontend tracks before
    // `use_backend`, so one rule over r0 and r1 counts a key's requests to both backends.
    let sc = gw(
        "(key: Client, algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 5, deny_status: 429))",
        ", rate_limit: Some((key: Client, algorithm: HaproxyHttpReqRate(period_ms: 1000, limit: 2, deny_status: 429)))",
        Target::Haproxy,
    );
    let config = export(&sc, Some("gw"), Target::Haproxy, &opts()).unwrap();
    let got = lines(&config);
    let count = |prefix: &str| got.iter().filter(|l| l.starts_with(prefix)).count();
    for want in [
        "http-request track-sc0 src table gw.shared.api if { var(txn.gatesim_route) -m str r0 r1 }",
        "http-request deny deny_status 429 if { var(txn.gatesim_route) -m str r0 r1 } { sc_http_req_rate(0) gt 5 }",
        "backend gw.shared.api",
        "stick-table type ip size 100k expire 30000ms store http_req_rate(10000ms)",
        "http-request track-sc0 src table gw.r2 if { var(txn.gatesim_route) -m str r2 }",
        "backend gw.r2",
    ] {
        assert!(got.iter().any(|l| l == want), "missing {want:?} in\n{config}");
    }
    assert_eq!(count("http-request track-sc0"), 2, "{config}");
    assert_eq!(count("backend gw.shared.api"), 1, "{config}");
}

#[test]
fn nginx_declares_one_zone_used_by_every_location_naming_it() {
    // ngx_http_limit_req_module: one `limit_req_zone`, a `limit_req zone=` line in each location.
    let sc = gw(
        r#"(key: Client, algorithm: NginxLimitReq(rate: "10r/s", burst: 5, nodelay: true, status: 429))"#,
        "",
        Target::Nginx,
    );
    let config = export(&sc, Some("gw"), Target::Nginx, &opts()).unwrap();
    let got = lines(&config);
    assert_eq!(got.iter().filter(|l| l.starts_with("limit_req_zone")).count(), 1, "{config}");
    assert!(
        got.iter().any(|l| l == "limit_req_zone $binary_remote_addr zone=gw.shared.api:1m rate=10r/s;"),
        "{config}"
    );
    let uses = got.iter().filter(|l| *l == "limit_req zone=gw.shared.api burst=5 nodelay;").count();
    assert_eq!(uses, 2, "{config}");
}

#[test]
fn envoy_writes_a_shared_limit_on_the_virtual_host_and_disables_it_on_unlimited_routes() {
    // Envoy resolves the most specific per-filter config (local_ratelimit.cc,
    // `resolveMostSpecificPerFilterConfig`): routes /a and /b have none and take the virtual
    // host's bucket; /c, without a limit, disables the filter.
    let sc =
        gw("(key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 10, fill_interval_ms: 1000))", "", Target::Envoy);
    let config = export(&sc, Some("gw"), Target::Envoy, &opts()).unwrap();
    // Checked against Envoy 1.40: `envoy --mode validate` accepts the file, and with this bucket
    // of 2 (10 s refill) requests /a, /b, /a, /c, /c, /c, /b got 2 passes, 429, three passes on /c,
    // 429.
    let text: Vec<&str> = config.lines().map(str::trim).collect();
    let at = |line: &str| text.iter().position(|l| *l == line).unwrap_or_else(|| panic!("no {line:?} in\n{config}"));
    // The route /c disables the filter; /a and /b carry nothing (they take the virtual host's).
    let c = at("prefix: \"/c\"");
    assert_eq!(
        text[c + 5..c + 8],
        [
            "envoy.filters.http.local_ratelimit:",
            "\"@type\": \"type.googleapis.com/envoy.config.route.v3.FilterConfig\"",
            "disabled: true"
        ],
        "{config}"
    );
    assert_eq!(text.iter().filter(|l| l.starts_with("typed_per_filter_config")).count(), 2, "{config}");
    // The virtual host's config comes after its routes, at the virtual host's indentation.
    let host = config
        .lines()
        .position(|l| l == "                      typed_per_filter_config:")
        .expect("virtual host config");
    assert!(host > config.lines().position(|l| l.trim() == "prefix: \"/c\"").unwrap_or(usize::MAX), "{config}");
    assert!(text[host..].starts_with(&["typed_per_filter_config:", "envoy.filters.http.local_ratelimit:"]), "{config}");
    assert!(text.contains(&"stat_prefix: \"shared.api\"") && text.contains(&"max_tokens: 10"), "{config}");
}

#[test]
fn two_shared_limits_and_yaml_targets_are_refused_naming_the_limit() {
    let mut sc =
        gw("(key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 10, fill_interval_ms: 1000))", "", Target::Envoy);
    if let Some(Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw") {
        let mut second = g.limits[0].clone();
        second.name = "other".into();
        g.limits.push(second);
        g.routes[2].shared_limit = Some("other".into());
    }
    let e = export(&sc, Some("gw"), Target::Envoy, &opts()).unwrap_err().to_string();
    assert!(e.contains("gw") && e.contains("shared limits \"api\" and \"other\""), "{e}");
    let sc = gw("(key: Client, algorithm: Kong(second: Some(5)))", "", Target::Kong);
    let e = export(&sc, Some("gw"), Target::Kong, &opts()).unwrap_err().to_string();
    assert!(e.contains("gw") && e.contains("shared limit \"api\""), "{e}");
}

#[test]
fn envoy_writes_descriptors_their_action_and_the_fractions() {
    // api/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto: `descriptors`
    // (entries key/value + token_bucket), `rate_limits` actions, `always_consume_default_token_bucket`,
    // `filter_enabled`/`filter_enforced` fractions.
    let limit = r#"(key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 8, fill_interval_ms: 100, descriptor_source: ApiKey, always_consume_default_token_bucket: false, filter_enforced_percent: 25, descriptors: [(value: "alice", max_tokens: 3, fill_interval_ms: 500)]))"#;
    let mut sc = gw(limit, "", Target::Envoy);
    if let Some(Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw") {
        g.routes[0].rate_limit = Some(g.limits[0].limit.clone());
        g.routes[0].shared_limit = None;
        g.routes[1].shared_limit = None;
        g.limits.clear();
    }
    let config = export(&sc, Some("gw"), Target::Envoy, &opts()).unwrap();
    let text: Vec<&str> = config.lines().map(str::trim).collect();
    let seq = |want: &[&str]| {
        assert!(text.windows(want.len()).any(|w| w == want), "missing {want:?} in\n{config}");
    };
    seq(&[
        "- entries:",
        "- key: \"api_key\"",
        "value: \"alice\"",
        "token_bucket:",
        "max_tokens: 3",
        "tokens_per_fill: 1",
        "fill_interval: \"0.500s\"",
    ]);
    seq(&["- actions:", "- request_headers:", "header_name: \"x-api-key\"", "descriptor_key: \"api_key\""]);
    seq(&["numerator: 25", "denominator: \"HUNDRED\"", "runtime_key: \"local_rate_limit_enforced\""]);
    assert!(text.contains(&"always_consume_default_token_bucket: false"), "{config}");
    assert!(text.contains(&"max_tokens: 8"), "{config}");
}

#[test]
fn a_tyk_limiter_is_refused_by_every_gateway_target() {
    // No Tyk target exists: a route limited by Tyk's limiter cannot be written for another product.
    for target in [Target::Nginx, Target::Haproxy, Target::Envoy, Target::Kong, Target::Traefik, Target::AwsApiGateway]
    {
        let mut sc = gw("(algorithm: Tyk(rate: 10, per_s: 1))", "", target);
        if let Some(Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw") {
            g.routes[2].rate_limit = Some(g.limits[0].limit.clone());
            g.limits.clear();
            g.routes[0].shared_limit = None;
            g.routes[1].shared_limit = None;
        }
        let e = export(&sc, Some("gw"), target, &opts()).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("gw") && e.contains("tyk 10 per 1 s"), "{target}: {e}");
    }
}
