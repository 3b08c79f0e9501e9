//! The YAML gateway targets (Kong, Traefik, AWS API Gateway): a small scenario -> the lines its
//! file must contain, or the refusal naming node and policy.

use super::*;

const YAML_TARGETS: [Target; 3] = [Target::Kong, Target::Traefik, Target::AwsApiGateway];

/// A gateway `gw` with a route `{prefix}` to balancer `lb` over services `a` (`{n}` instances)
/// and `b`, and a route `/` to service `solo`. `{lb}` is the balancer's fields, `{rl}` the first
/// route's rate limit, `{timeout}` its timeout.
fn gw(prefix: &str, lb: &str, rl: &str, timeout: &str, n: u32) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [
                (path_prefix: "{prefix}", upstream: "lb", timeout_ms: {timeout}, rate_limit: {rl}),
                (path_prefix: "/", upstream: "solo"),
            ])),
            LoadBalancer((name: "lb", {lb})),
            Service((name: "a", instances: {n}, service_time: Constant(ms: 1.0))),
            Service((name: "b", instances: 1, service_time: Constant(ms: 1.0))),
            Service((name: "solo", instances: 1, service_time: Constant(ms: 1.0))),
        ],
        links: [
            (from: "trace", to: "gw"), (from: "gw", to: "lb"), (from: "gw", to: "solo"),
            (from: "lb", to: "a", weight: 3), (from: "lb", to: "b"),
        ],
    ),
)"#
    );
    match load::parse(&text, Path::new("t.ron")) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn export_ok(sc: &Scenario, target: Target, o: &ExportOptions) -> String {
    match export(sc, Some("gw"), target, o) {
        Ok(c) => c,
        Err(e) => panic!("{target}: {e}"),
    }
}

fn has_lines(config: &str, want: &[&str], what: &str) {
    let got = lines(config);
    for w in want {
        assert!(got.iter().any(|l| l == w), "{what}: missing line {w:?} in\n{config}");
    }
}

#[test]
fn kong_writes_upstreams_targets_checks_services_routes_and_rate_limiting() {
    let keys = [("Client", "limit_by: \"ip\""), ("User", "limit_by: \"header\""), ("Global", "limit_by: \"service\"")];
    for (key, limit_by) in keys {
        let rl = format!("Some((key: {key}, algorithm: Kong(second: Some(5), minute: Some(100))))");
        let lb = "health_check: Some((inter_ms: 2000, rise: 2, fall: 1)), failover: Off";
        let sc = gw("/api", lb, &rl, "Some(1500.5)", 2);
        let config = export_ok(&sc, Target::Kong, &options_for(&sc));
        has_lines(
            &config,
            &[
                "_format_version: \"3.0\"",
                "- name: \"gw.r0.lb\"",
                "host: \"lb.upstream\"",
                "retries: 0",
                "read_timeout: 1501",
                "write_timeout: 1501",
                "- name: \"gw.route0\"",
                "- \"/api\"",
                "strip_path: false",
                "- name: \"rate-limiting\"",
                "second: 5",
                "minute: 100",
                limit_by,
                "policy: \"local\"",
                "error_code: 429",
                "algorithm: \"round-robin\"",
                "type: \"tcp\"",
                "interval: 2",
                "successes: 2",
                "tcp_failures: 1",
                "weight: 100",
                "- name: \"gw.r1.solo\"",
                "host: \"solo.upstream\"",
            ],
            key,
        );
        assert_eq!(config.contains("header_name: \"X-Api-Key\""), key == "User", "{config}");
        // Three instances behind lb (a-0, a-1, b), all at the same weight: the rotation ignores weights.
        assert_eq!(config.matches("weight: 100").count(), 4, "{config}");
    }
    // NextInstance over several targets: every other target once.
    let sc = gw("/api", "", "None", "None", 2);
    has_lines(&export_ok(&sc, Target::Kong, &options_for(&sc)), &["retries: 2"], "retries");
}

#[test]
fn traefik_writes_routers_rate_limits_services_checks_and_transports() {
    for (key, source) in [("Client", "depth: 0"), ("User", "requestHeaderName: \"X-Api-Key\"")] {
        let rl = format!("Some((key: {key}, algorithm: Traefik(average: 10, period_ms: 2000, burst: 0)))");
        let lb = "health_check: Some((inter_ms: 500, rise: 1, fall: 1)), failover: Off";
        let sc = gw("/api", lb, &rl, "Some(2000.0)", 2);
        let config = export_ok(&sc, Target::Traefik, &options_for(&sc));
        has_lines(
            &config,
            &[
                "gw.route0:",
                "rule: \"PathPrefix(`/api`)\"",
                "priority: 4",
                "service: \"gw.r0.lb\"",
                "- \"gw.route0.ratelimit\"",
                "average: 10",
                "period: \"2000ms\"",
                "burst: 1",
                source,
                "- url: \"http://127.0.0.1:9500\"",
                "path: \"/\"",
                "interval: \"500ms\"",
                "serversTransport: \"gw.r0.lb.transport\"",
                "responseHeaderTimeout: \"2000ms\"",
                "rule: \"PathPrefix(`/`)\"",
                "priority: 1",
            ],
            key,
        );
    }
}

#[test]
fn aws_writes_proxy_resources_stage_throttling_and_a_usage_plan() {
    let o = options_for(&gw("/api/", "", "None", "None", 1));
    let global =
        gw("/api/", "", "Some((key: Global, algorithm: AwsThrottle(rate_rps: 10, burst: 5)))", "Some(2000.0)", 1);
    // One instance of a and one of b: integrate with the balancer's own address.
    let mut o_lb = o.clone();
    o_lb.backends.insert("lb".into(), SocketAddr::from(([10, 0, 0, 1], 80)));
    let config = export_ok(&global, Target::AwsApiGateway, &o_lb);
    has_lines(
        &config,
        &[
            "openapi: \"3.0.1\"",
            "\"/api/{proxy+}\":",
            "x-amazon-apigateway-any-method:",
            "type: \"http_proxy\"",
            "httpMethod: \"ANY\"",
            "uri: \"http://10.0.0.1:80/api/{proxy}\"",
            "integration.request.path.proxy: \"method.request.path.proxy\"",
            "timeoutInMillis: 2000",
            "\"/\":",
            "\"/{proxy+}\":",
            "timeoutInMillis: 29000",
            "stageName: \"gw\"",
            "- resourcePath: \"/api/{proxy+}\"",
            "httpMethod: \"ANY\"",
            "throttlingRateLimit: 10",
            "throttlingBurstLimit: 5",
        ],
        "global",
    );
    assert!(!config.contains("usagePlan") && !config.contains("api_key"), "{config}");
    let user = gw("/api/", "", "Some((key: User, algorithm: AwsThrottle(rate_rps: 7, burst: 3)))", "None", 1);
    let config = export_ok(&user, Target::AwsApiGateway, &o_lb);
    has_lines(
        &config,
        &[
            "x-amazon-apigateway-api-key-source: \"HEADER\"",
            "- api_key: []",
            "name: \"x-api-key\"",
            "name: \"gw-keys\"",
            "\"/api/{proxy+}/ANY\":",
            "rateLimit: 7",
            "burstLimit: 3",
        ],
        "user",
    );
    // A prefix without a trailing slash is the path itself and its greedy resource.
    let plain = gw("/api", "", "None", "None", 1);
    has_lines(&export_ok(&plain, Target::AwsApiGateway, &o_lb), &["\"/api\":", "\"/api/{proxy+}\":"], "plain");
}

/// (target, prefix, balancer fields, rate limit, timeout, instances of `a`, node, words of the error)
type Refusal<'a> = (Target, &'a str, &'a str, &'a str, &'a str, u32, &'a str, &'a str);

#[test]
fn yaml_targets_refuse_what_their_product_cannot_express() {
    let kong_rl = "Some((algorithm: Kong(minute: Some(10))))";
    let traefik_rl = "Some((algorithm: Traefik(average: 10)))";
    let aws_rl = "Some((key: Global, algorithm: AwsThrottle(rate_rps: 10, burst: 5)))";
    let nginx_rl = r#"Some((algorithm: NginxLimitReq(rate: "1r/s")))"#;
    let cases: &[Refusal<'_>] = &[
        (Target::Kong, "/api", "", nginx_rl, "None", 2, "\"gw\"", "limit_req"),
        (Target::Kong, "/api", "algorithm: HaproxyRoundRobin", "None", "None", 2, "\"lb\"", "HaproxyRoundRobin"),
        (Target::Kong, "/api", "algorithm: Random", "None", "None", 2, "\"lb\"", "Random"),
        (Target::Kong, "/api", "failover: NginxNextUpstream()", "None", "None", 2, "\"lb\"", "NginxNextUpstream"),
        (Target::Kong, "/api", "", "None", "Some(100.0)", 2, "\"lb\"", "NextInstance with a route timeout"),
        (Target::Kong, "/api", "health_check: Some((rise: 2, fall: 3))", "None", "None", 2, "\"lb\"", "fall 3"),
        (Target::Kong, "/api", "health_check: Some((inter_ms: 1500, fall: 1))", "None", "None", 2, "\"lb\"", "1500"),
        (
            Target::Kong,
            "/api",
            "",
            "Some((algorithm: Kong(minute: Some(10), policy: Redis)))",
            "None",
            2,
            "\"gw\"",
            "Redis",
        ),
        (Target::Kong, "/api", "outlier_detection: Some(())", "None", "None", 2, "\"lb\"", "outlier detection"),
        (
            Target::Kong,
            "/api",
            "",
            "Some((algorithm: Kong(second: Some(10), minute: Some(5))))",
            "None",
            2,
            "\"gw\"",
            "minute limit below the second",
        ),
        (Target::Kong, "/api", "", "Some((algorithm: Kong(hour: Some(0))))", "None", 2, "\"gw\"", "hour limit of 0"),
        (Target::Traefik, "/api", "failover: Off", kong_rl, "None", 2, "\"gw\"", "kong"),
        (Target::Traefik, "/api", "", "None", "None", 2, "\"lb\"", "NextInstance"),
        (
            Target::Traefik,
            "/api",
            "algorithm: EnvoyRoundRobin, failover: Off",
            "None",
            "None",
            2,
            "\"lb\"",
            "EnvoyRoundRobin",
        ),
        (
            Target::Traefik,
            "/api",
            "health_check: Some(()), failover: Off",
            "None",
            "None",
            2,
            "\"lb\"",
            "rise 2 fall 3",
        ),
        (
            Target::Traefik,
            "/api",
            "failover: Off",
            "Some((key: Global, algorithm: Traefik(average: 10)))",
            "None",
            2,
            "\"gw\"",
            "Global",
        ),
        (Target::AwsApiGateway, "/api/", "", traefik_rl, "None", 1, "\"gw\"", "traefik"),
        (Target::AwsApiGateway, "/api/", "", "None", "None", 2, "\"lb\"", "balancing over 3 instances"),
        (Target::AwsApiGateway, "/api/", "", "None", "Some(30000.0)", 1, "\"gw\"", "timeout 30000 ms"),
        (Target::AwsApiGateway, "/api/", "", "None", "Some(10.0)", 1, "\"gw\"", "timeout 10 ms"),
        (Target::AwsApiGateway, "/api", "", aws_rl, "None", 1, "\"gw\"", "two resources"),
        (
            Target::AwsApiGateway,
            "/api/",
            "",
            "Some((key: Client, algorithm: AwsThrottle(rate_rps: 10, burst: 5)))",
            "None",
            1,
            "\"gw\"",
            "Client",
        ),
        (
            Target::AwsApiGateway,
            "/api/",
            "",
            "Some((key: Global, algorithm: AwsThrottle(rate_rps: 20000, burst: 5)))",
            "None",
            1,
            "\"gw\"",
            "account-level quota",
        ),
        (Target::AwsApiGateway, "/a:b/", "", "None", "None", 1, "\"gw\"", "resource paths"),
    ];
    for (target, prefix, lb, rl, timeout, n, node, words) in cases {
        let sc = gw(prefix, lb, rl, timeout, *n);
        let mut o = options_for(&sc);
        if *target == Target::AwsApiGateway && !words.starts_with("balancing") {
            o.backends.insert("lb".into(), SocketAddr::from(([10, 0, 0, 1], 80)));
        }
        let err = match export(&sc, Some("gw"), *target, &o) {
            Err(e @ ExportError::Unsupported { .. }) => e.to_string(),
            other => panic!("{target} {lb} {rl}: expected Unsupported, got {other:?}"),
        };
        assert!(
            err.contains(node) && err.contains(words) && err.contains(&format!("{target} cannot express")),
            "{target} {lb} {rl}: {err}"
        );
    }
}

#[test]
fn a_shared_limit_split_over_pools_or_routers_is_refused() {
    // The bundled incident: one limited gateway route over a balancer's two path rules.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/incidents/rate-limit-tightened.ron"),
    )
    .unwrap();
    let sc = load::parse(&text, Path::new("incident.ron")).unwrap();
    for target in YAML_TARGETS {
        let err = export(&sc, Some("edge-gw"), target, &options_for(&sc)).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("one rate limit shared by the routes"), "{target}: {err}");
    }
}

#[test]
fn hostile_names_built_in_code_are_refused_by_the_yaml_targets() {
    let evil = "a\n    }\n    server {\n        listen 8081;\n        root /;\n    #";
    for (old, new) in
        [("a", evil), ("a", "a;"), ("b", "b}"), ("b", "b{"), ("c", "c#x"), ("c", "c d"), ("lb", "lb'"), ("gw", "gw\"x")]
    {
        let sc = renamed(old, new);
        let mut o = options_for(&sc);
        o.backends.insert("lb".into(), SocketAddr::from(([10, 0, 0, 1], 80)));
        let gw = if old == "gw" { new } else { "gw" };
        for target in YAML_TARGETS {
            match export(&sc, Some(gw), target, &o) {
                Err(ExportError::Refused { node, .. }) => assert_eq!(node, new, "{target} {new:?}"),
                other => panic!("{target} {new:?}: expected a refusal naming the node, got {other:?}"),
            }
        }
    }
    for prefix in ["/api {", "/api;", "/a}", "/a#", "/a b", "/a\"", "/a'", "/a\n", "/a`x"] {
        let mut sc = scenario("failover: Off", "None", [1.0; 3]);
        let Some(Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw") else { panic!() };
        g.routes[0].path_prefix = prefix.into();
        for target in YAML_TARGETS {
            let e = export(&sc, Some("gw"), target, &options());
            assert!(matches!(&e, Err(ExportError::Refused { node, .. }) if node == "gw"), "{target} {prefix:?}: {e:?}");
        }
    }
}

#[test]
fn yaml_writers_refuse_hostile_strings_in_a_resolved_view_built_by_hand() {
    let sc = scenario("failover: Off", "None", [1.0; 3]);
    let mut o = options();
    o.backends.insert("lb".into(), SocketAddr::from(([10, 0, 0, 1], 80)));
    let good = resolve(&sc, "gw", &o).unwrap();
    type Mutation = fn(&mut Resolved<'_>);
    let mutations: [(&str, Mutation); 5] = [
        ("prefix", |r| r.routes[0].prefix = "/api\": {\n evil: 1".into()),
        ("pool id", |r| r.pools[0].id = "lb\"\nevil: 1".into()),
        ("instance", |r| r.pools[0].servers[0].instance = "a-0\"\nevil: 1".into()),
        ("gateway", |r| r.gateway = "gw\"\nevil: 1".into()),
        ("pool index", |r| r.routes[0].pool = 7),
    ];
    for (what, mutate) in mutations {
        let mut r = good.clone();
        mutate(&mut r);
        for target in YAML_TARGETS {
            let out = crate::export::write_gateway(target, &r, &o);
            match out {
                Err(ExportError::Refused { .. } | ExportError::Broken { .. }) => {}
                // AWS writes neither pool identifiers nor instance names (it integrates with the
                // balancer's address): nothing of them may appear.
                Ok(text) if target == Target::AwsApiGateway && matches!(what, "pool id" | "instance") => {
                    assert!(!text.contains("evil"), "{target} {what}: {text}");
                }
                other => panic!("{target} {what}: {other:?}"),
            }
        }
    }
}

#[test]
fn yaml_targets_open_with_the_header_as_comments_and_parse_their_names() {
    let sc = gw("/api/", "failover: Off", "None", "None", 1);
    let mut o = options_for(&sc);
    o.header = vec!["exported from t.ron".into(), "two\nlines".into()];
    o.backends.insert("lb".into(), SocketAddr::from(([10, 0, 0, 1], 80)));
    for target in YAML_TARGETS {
        let config = export_ok(&sc, target, &o);
        assert!(config.starts_with("# exported from t.ron\n# two lines\n"), "{target}: {config}");
        assert_eq!(target.name().parse::<Target>(), Ok(target));
        assert_eq!(target.scope(), Scope::Gateway);
        assert!(target.file_name().ends_with(".yaml"));
        assert!(Target::ALL.contains(&target));
    }
}
