//! Data-driven exporter tests: a small scenario -> the config lines it must contain.

use super::*;
use crate::model::load;
use std::path::Path;

mod gateways;
mod pooled;
mod shared_limits;

/// A gateway `gw` with one route to balancer `lb` over services `a` (2 instances), `b`, `c`.
/// `{lb}` is the balancer's algorithm/health/failover fields, `{rl}` the route's rate limit.
fn scenario(lb: &str, rl: &str, weights: [f64; 3]) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/api", upstream: "lb", timeout_ms: Some(2000.0), rate_limit: {rl})])),
            LoadBalancer((name: "lb", {lb})),
            Service((name: "a", instances: 2, concurrency: 100, service_time: Constant(ms: 1.0))),
            Service((name: "b", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
            Service((name: "c", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
        ],
        links: [
            (from: "trace", to: "gw"), (from: "gw", to: "lb"),
            (from: "lb", to: "a", weight: {}), (from: "lb", to: "b", weight: {}), (from: "lb", to: "c", weight: {}),
        ],
    ),
)"#,
        weights[0], weights[1], weights[2]
    );
    match load::parse(&text, Path::new("t.ron")) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn options() -> ExportOptions {
    let backends = ["a-0", "a-1", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), SocketAddr::from(([127, 0, 0, 1], 9001 + i as u16))))
        .collect();
    ExportOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        backends,
        header: Vec::new(),
        scenario: ScenarioOptions::default(),
    }
}

fn lines(config: &str) -> Vec<String> {
    config.lines().map(|l| l.trim().to_string()).collect()
}

struct Case {
    name: &'static str,
    target: Target,
    lb: &'static str,
    rl: &'static str,
    weights: [f64; 3],
    expect: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "nginx limit_req nodelay, smooth wrr",
        target: Target::Nginx,
        lb: "algorithm: NginxRoundRobin(max_fails: 2, fail_timeout_s: 60), \
             failover: NginxNextUpstream(tries: 2, on: [Error, Timeout, Http503], timeout_ms: 1500)",
        rl: r#"Some((key: Client, algorithm: NginxLimitReq(rate: "10r/s", burst: 5, nodelay: true, status: 429)))"#,
        weights: [5.0, 1.0, 1.0],
        expect: &[
            "limit_req_zone $binary_remote_addr zone=gw.r0:1m rate=10r/s;",
            "upstream lb {",
            "zone lb 64k;",
            "server 127.0.0.1:9001 weight=5 max_fails=2 fail_timeout=60s; # a-0",
            "server 127.0.0.1:9002 weight=5 max_fails=2 fail_timeout=60s; # a-1",
            "server 127.0.0.1:9003 weight=1 max_fails=2 fail_timeout=60s; # b",
            "listen 127.0.0.1:8080;",
            "location \"/api\" {",
            "limit_req zone=gw.r0 burst=5 nodelay;",
            "limit_req_status 429;",
            "proxy_pass http://lb;",
            "proxy_next_upstream error timeout http_503;",
            "proxy_next_upstream_tries 2;",
            "proxy_next_upstream_timeout 1500ms;",
            "proxy_read_timeout 2000ms;",
            "return 404;",
        ],
    },
    Case {
        name: "nginx least_conn, delay, global key",
        target: Target::Nginx,
        lb: "algorithm: NginxLeastConn(max_fails: 1, fail_timeout_s: 10)",
        rl: r#"Some((key: Global, algorithm: NginxLimitReq(rate: "30r/m", burst: 6, delay: Some(3))))"#,
        weights: [1.0, 2.0, 3.0],
        expect: &[
            "limit_req_zone \"global\" zone=gw.r0:1m rate=30r/m;",
            "least_conn;",
            "server 127.0.0.1:9004 weight=3 max_fails=1 fail_timeout=10s; # c",
            "limit_req zone=gw.r0 burst=6 delay=3;",
            "limit_req_status 503;",
        ],
    },
    Case {
        name: "nginx random two least_conn",
        target: Target::Nginx,
        lb: "algorithm: NginxRandomTwo(max_fails: 2, fail_timeout_s: 30)",
        rl: "None",
        weights: [1.0, 2.0, 3.0],
        expect: &[
            "zone lb 64k;",
            "random two least_conn;",
            "server 127.0.0.1:9003 weight=2 max_fails=2 fail_timeout=30s; # b",
        ],
    },
    Case {
        name: "haproxy roundrobin, stick table, checks, retries",
        target: Target::Haproxy,
        lb: "algorithm: HaproxyRoundRobin, health_check: Some((inter_ms: 200, rise: 2, fall: 3)), \
             failover: HaproxyRetries(retries: 1, redispatch: true, connect_timeout_ms: 300)",
        rl: "Some((algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 30, deny_status: 429)))",
        weights: [3.0, 2.0, 1.0],
        expect: &[
            "mode http",
            "frontend gw",
            "bind 127.0.0.1:8080",
            "http-request set-var(txn.gatesim_route) str(r0) if { path_beg '/api' }",
            "http-request track-sc0 src table gw.r0 if { var(txn.gatesim_route) -m str r0 }",
            "http-request deny deny_status 429 if { var(txn.gatesim_route) -m str r0 } { sc_http_req_rate(0) gt 30 }",
            "use_backend lb if { var(txn.gatesim_route) -m str r0 }",
            "stick-table type ip size 100k expire 30000ms store http_req_rate(10000ms)",
            "backend lb",
            "balance roundrobin",
            "retries 1",
            "option redispatch",
            "timeout connect 300ms",
            "http-request set-timeout server 2000ms if { var(txn.gatesim_route) -m str r0 }",
            "server a-0 127.0.0.1:9001 weight 3 check inter 200ms rise 2 fall 3",
            "server b 127.0.0.1:9003 weight 2 check inter 200ms rise 2 fall 3",
            "server c 127.0.0.1:9004 weight 1 check inter 200ms rise 2 fall 3",
        ],
    },
    Case {
        name: "haproxy option httpchk",
        target: Target::Haproxy,
        lb: "algorithm: HaproxyRoundRobin, health_check: Some((inter_ms: 300, http: Some((path: \"/healthz\", expect_status: 204))))",
        rl: "None",
        weights: [1.0, 1.0, 1.0],
        expect: &[
            "option httpchk GET '/healthz'",
            "http-check expect status 204",
            "server b 127.0.0.1:9003 weight 1 check inter 300ms rise 2 fall 3",
        ],
    },
    Case {
        name: "haproxy leastconn, no limit",
        target: Target::Haproxy,
        lb: "algorithm: HaproxyLeastConn, failover: Off",
        rl: "None",
        weights: [1.0, 1.0, 1.0],
        expect: &["balance leastconn", "retries 0", "server a-1 127.0.0.1:9002 weight 1"],
    },
];

/// Nothing of a test harness or of the process reaches a production file: no process settings
/// (the host's), no header standing in for the client address, no debugging header.
#[test]
fn exported_configs_hold_nothing_of_a_harness() {
    for case in CASES {
        let sc = scenario(case.lb, case.rl, case.weights);
        let config = export(&sc, Some("gw"), case.target, &options()).unwrap();
        for banned in
            ["daemon", "master_process", "worker_processes", "pid", "nbthread", "/tmp", "x-client-key", "X-Upstream"]
        {
            assert!(
                !config.to_ascii_lowercase().contains(&banned.to_ascii_lowercase()),
                "{}: {banned} in\n{config}",
                case.name
            );
        }
    }
}

/// The limiter's key is the model's: the client address, the `X-Api-Key` header, or one bucket.
#[test]
fn the_rate_limit_key_is_the_models() {
    for (key, nginx, haproxy) in [
        ("Client", "limit_req_zone $binary_remote_addr zone=gw.r0:", "http-request track-sc0 src table gw.r0 if"),
        (
            "User",
            "limit_req_zone $http_x_api_key zone=gw.r0:",
            "http-request track-sc0 req.hdr(x-api-key) table gw.r0 if",
        ),
        ("Global", "limit_req_zone \"global\" zone=gw.r0:", "http-request track-sc0 str(global) table gw.r0 if"),
    ] {
        let rl = format!(r#"Some((key: {key}, algorithm: NginxLimitReq(rate: "10r/s", burst: 5)))"#);
        let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10)";
        let text = export(&scenario(lb, &rl, [1.0; 3]), Some("gw"), Target::Nginx, &options()).unwrap();
        assert!(text.contains(nginx), "{key}: {text}");
        let rl = format!("Some((key: {key}, algorithm: HaproxyHttpReqRate(period_ms: 1000, limit: 5)))");
        let text =
            export(&scenario("algorithm: HaproxyRoundRobin", &rl, [1.0; 3]), Some("gw"), Target::Haproxy, &options())
                .unwrap();
        assert!(text.contains(haproxy), "{key}: {text}");
    }
}

/// A per-address zone holds every address of the populations twice over: 36,000 users behind
/// 30,000 addresses need 60,000 states of 64 bytes, 3.7 MB, so 4m; 1m at least.
#[test]
fn limit_zones_are_sized_for_the_populations_keys() {
    let rl = r#"Some((key: Client, algorithm: NginxLimitReq(rate: "10r/s", burst: 5)))"#;
    let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10)";
    let mut sc = scenario(lb, rl, [1.0; 3]);
    let text = export(&sc, Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(text.contains("zone=gw.r0:1m "), "{text}");
    for n in &mut sc.topology.nodes {
        if let Node::Clients(c) = n {
            c.users = 36_000;
            c.addresses = Some(30_000);
        }
    }
    let text = export(&sc, Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(text.contains("zone=gw.r0:4m "), "{text}");
}

#[test]
fn exported_configs_contain_the_expected_lines() {
    for case in CASES {
        let sc = scenario(case.lb, case.rl, case.weights);
        let config = match export(&sc, Some("gw"), case.target, &options()) {
            Ok(c) => c,
            Err(e) => panic!("{}: {e}", case.name),
        };
        let got = lines(&config);
        for want in case.expect {
            assert!(got.iter().any(|l| l == want), "{}: missing line {want:?} in\n{config}", case.name);
        }
    }
}

#[test]
fn policies_a_target_cannot_express_are_errors_naming_node_and_policy() {
    let cases: &[(Target, &str, &str, &str, &str)] = &[
        (
            Target::Nginx,
            "algorithm: NginxRoundRobin()",
            "Some((algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 3)))",
            "\"gw\"",
            "http_req_rate",
        ),
        (Target::Nginx, "algorithm: HaproxyLeastConn", "None", "\"lb\"", "HaproxyLeastConn"),
        (Target::Nginx, "health_check: Some(())", "None", "\"lb\"", "active health checks"),
        (
            Target::Haproxy,
            "algorithm: HaproxyRoundRobin",
            r#"Some((algorithm: NginxLimitReq(rate: "1r/s")))"#,
            "\"gw\"",
            "limit_req",
        ),
        (Target::Haproxy, "algorithm: NginxLeastConn()", "None", "\"lb\"", "NginxLeastConn"),
        (Target::Haproxy, "failover: NginxNextUpstream()", "None", "\"lb\"", "NginxNextUpstream"),
        (Target::Nginx, "algorithm: NginxRoundRobin(), start: Some(2)", "None", "\"lb\"", "start"),
        (Target::Haproxy, "algorithm: HaproxyRoundRobin, start: Some(2)", "None", "\"lb\"", "start"),
    ];
    for (target, lb, rl, node, policy) in cases {
        let sc = scenario(lb, rl, [1.0; 3]);
        let err = export(&sc, Some("gw"), *target, &options()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(node) && err.contains(policy) && err.contains(target.name()), "{lb} {rl}: {err:?}");
    }
}

#[test]
fn names_weights_and_addresses_are_checked() {
    let sc = scenario("", "None", [1.0; 3]);
    assert!(matches!(export(&sc, Some("nope"), Target::Nginx, &options()), Err(ExportError::UnknownGateway { .. })));
    assert!(matches!(export(&sc, Some("lb"), Target::Nginx, &options()), Err(ExportError::NotAGateway { .. })));
    let mut o = options();
    o.backends.remove("b");
    let e = export(&sc, Some("gw"), Target::Haproxy, &o);
    assert_eq!(e, Err(ExportError::MissingBackend { instance: "b".into() }));
    let sc = scenario("", "None", [1.5, 1.0, 1.0]);
    assert!(matches!(export(&sc, Some("gw"), Target::Nginx, &options()), Err(ExportError::Broken { .. })));
    assert_eq!(instances(&scenario("", "None", [1.0; 3]), "gw").unwrap(), ["a-0", "a-1", "b", "c"]);
}

#[test]
fn generic_round_robin_ignores_weights_and_passive_health() {
    let sc = scenario("", "None", [5.0, 1.0, 1.0]);
    let config = export(&sc, Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(lines(&config).contains(&"server 127.0.0.1:9001 weight=1 max_fails=0 fail_timeout=10s; # a-0".into()));
}

#[test]
fn balancer_path_rules_become_one_upstream_per_rule_sharing_the_routes_limit() {
    // The bundled incident: one gateway route /api with limit_req, a balancer whose rules send
    // /api/payments and /api/accounts to their own services.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/incidents/rate-limit-tightened.ron"),
    )
    .unwrap();
    let sc = load::parse(&text, Path::new("incident.ron")).unwrap();
    let names = instances(&sc, "edge-gw").unwrap();
    let backends = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), SocketAddr::from(([127, 0, 0, 1], 9100 + i as u16))))
        .collect();
    let o = ExportOptions { backends, ..options() };
    let nginx = export(&sc, Some("edge-gw"), Target::Nginx, &o).unwrap();
    assert_eq!(nginx.matches("limit_req_zone ").count(), 1, "{nginx}");
    assert_eq!(nginx.matches("limit_req zone=edge_gw.r0 burst=20 nodelay;").count(), 2, "{nginx}");
    for needle in [
        "upstream lb.payments {",
        "upstream lb.accounts {",
        "location \"/api/payments\" {",
        "location \"/api/accounts\" {",
    ] {
        assert!(nginx.contains(needle), "missing {needle:?} in\n{nginx}");
    }
    // Payments' instances in its own upstream, none of accounts' there.
    let Some(Node::Service(svc)) = sc.topology.node("payments") else { panic!("no payments service") };
    let payments = nginx.split("upstream lb.payments {").nth(1).and_then(|t| t.split('}').next()).unwrap_or("");
    assert_eq!(payments.matches("server ").count(), svc.instance_slots() as usize, "{payments}");
    assert!(!payments.contains("accounts"));
}

/// The scenario of [`scenario`] with node `old` renamed to `new` in code (links and routes
/// follow), as a caller bypassing validation would build it.
fn renamed(old: &str, new: &str) -> Scenario {
    let mut sc = scenario("", "None", [1.0; 3]);
    sc.topology.rename(old, new);
    sc
}

/// Options with an address for every instance name `instances` gives (even hostile ones).
fn options_for(sc: &Scenario) -> ExportOptions {
    let mut o = options();
    let names: Vec<String> = sc
        .topology
        .nodes
        .iter()
        .filter_map(|n| if let Node::Service(s) = n { Some(s) } else { None })
        .flat_map(|s| (0..s.instance_slots()).map(|i| s.instance_name(i)))
        .collect();
    for (i, n) in names.into_iter().enumerate() {
        o.backends.insert(n, SocketAddr::from(([127, 0, 0, 1], 9500 + i as u16)));
    }
    o
}

const TARGETS: [Target; 2] = [Target::Nginx, Target::Haproxy];

#[test]
fn hostile_names_built_in_code_are_refused_by_every_exporter_naming_the_node() {
    // The reported injection: a newline in a service name ended NGINX's `# a-0` comment.
    let evil_service = "a\n    }\n    server {\n        listen 8081;\n        root /;\n    #";
    for (old, new) in [
        ("a", evil_service),
        ("a", "a;"),
        ("b", "b}"),
        ("b", "b{"),
        ("c", "c#x"),
        ("c", "c d"),
        ("lb", "lb\r"),
        ("lb", "lb'"),
        ("gw", "gw\"x"),
        ("gw", "gw\n"),
        ("gw", "gw$x"),
        ("lb", "lb\\x"),
        ("b", "bé"),
        ("c", &"c".repeat(64)),
    ] {
        let sc = renamed(old, new);
        let o = options_for(&sc);
        let gw = if old == "gw" { new } else { "gw" };
        for target in TARGETS {
            match export(&sc, Some(gw), target, &o) {
                Err(ExportError::Refused { node, message }) => {
                    assert_eq!(node, new, "{target} {new:?}: {message}");
                }
                other => panic!("{target} {new:?}: expected a refusal naming the node, got {other:?}"),
            }
        }
        assert!(matches!(instances(&sc, gw), Err(ExportError::Refused { .. })), "instances() {new:?}");
    }
}

#[test]
fn hostile_path_prefixes_built_in_code_are_refused_naming_the_node() {
    for prefix in ["/api {", "/api;", "/a}", "/a#", "/a b", "/a\"", "/a'", "/a\n", "/a$x", "/a%20", "/a\\"] {
        let mut sc = scenario("", "None", [1.0; 3]);
        let Some(Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw") else { panic!() };
        g.routes[0].path_prefix = prefix.into();
        for target in TARGETS {
            let e = export(&sc, Some("gw"), target, &options());
            assert!(matches!(&e, Err(ExportError::Refused { node, .. }) if node == "gw"), "{target} {prefix:?}: {e:?}");
        }
        // The same in a balancer's rule.
        let mut sc = scenario("", "None", [1.0; 3]);
        let Some(Node::LoadBalancer(lb)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "lb") else { panic!() };
        lb.rules.push(crate::model::LbRule::new(prefix, "b"));
        for target in TARGETS {
            let e = export(&sc, Some("gw"), target, &options());
            assert!(matches!(&e, Err(ExportError::Refused { node, .. }) if node == "lb"), "{target} {prefix:?}: {e:?}");
        }
    }
}

/// A gateway routing `/x` to balancer `x` and `/y` to balancer `y`, each over its own service.
fn two_balancers(x: &str, y: &str, sx: &str, sx_instances: u32, sy: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/x", upstream: "{x}"), (path_prefix: "/y", upstream: "{y}")])),
            LoadBalancer((name: "{x}")),
            LoadBalancer((name: "{y}")),
            Service((name: "{sx}", instances: {sx_instances}, service_time: Constant(ms: 1.0))),
            Service((name: "{sy}", instances: 1, service_time: Constant(ms: 1.0))),
        ],
        links: [
            (from: "trace", to: "gw"), (from: "gw", to: "{x}"), (from: "gw", to: "{y}"),
            (from: "{x}", to: "{sx}"), (from: "{y}", to: "{sy}"),
        ],
    ),
)"#
    );
    // Parsed without validation: some of these scenarios are what validation refuses.
    match ron::from_str(&text) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{text}"),
    }
}

#[test]
fn names_colliding_after_the_identifier_mapping_are_refused_naming_both_nodes() {
    let cases: &[(Scenario, &str, &str)] = &[
        // `-` and `_` are one identifier.
        (two_balancers("lb-a", "lb_a", "s", 1, "t"), "lb-a", "lb_a"),
        // `.` too, and NGINX compares upstream names without case.
        (two_balancers("lb.a", "LB_A", "s", 1, "t"), "lb.a", "LB_A"),
        // Service `a` with two instances owns `a-0`: a service named `a-0` would share its address.
        (two_balancers("x", "y", "a", 2, "a-0"), "a", "a-0"),
        (two_balancers("x", "y", "a", 3, "A_2"), "a", "A_2"),
    ];
    for (sc, first, second) in cases {
        let o = options_for(sc);
        for target in TARGETS {
            match export(sc, Some("gw"), target, &o) {
                Err(ExportError::Collision { first: f, second: s, message }) => {
                    assert_eq!((f.as_str(), s.as_str()), (*first, *second), "{target}: {message}");
                    let text = ExportError::Collision { first: f, second: s, message }.to_string();
                    assert!(text.contains(&format!("{first:?}")) && text.contains(&format!("{second:?}")), "{text}");
                }
                other => panic!("{target} {first}/{second}: expected a collision, got {other:?}"),
            }
        }
    }
    // Two Unicode names with one identifier (`caf_`): refused before they could collide.
    let sc = two_balancers("café", "cafè", "s", 1, "t");
    for target in TARGETS {
        assert!(
            matches!(export(&sc, Some("gw"), target, &options_for(&sc)), Err(ExportError::Refused { node, .. }) if node == "café"),
            "{target}"
        );
    }
}

#[test]
fn duplicate_prefixes_are_refused_naming_the_node() {
    let mut sc = scenario("", "None", [1.0; 3]);
    let Some(Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw") else { panic!() };
    g.routes.push(g.routes[0].clone());
    for target in TARGETS {
        let e = export(&sc, Some("gw"), target, &options()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("\"gw\"") && e.contains("routes 1 and 2") && e.contains("/api"), "{target}: {e}");
    }
    let mut sc = scenario("", "None", [1.0; 3]);
    let Some(Node::LoadBalancer(lb)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "lb") else { panic!() };
    for service in ["a", "b"] {
        lb.rules.push(crate::model::LbRule::new("/api/v1", service));
    }
    for target in TARGETS {
        let e = export(&sc, Some("gw"), target, &options()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("\"lb\"") && e.contains("rules 1 and 2") && e.contains("/api/v1"), "{target}: {e}");
    }
}

#[test]
fn derived_identifiers_cannot_collide_with_node_identifiers() {
    // A balancer `lb-payments` next to balancer `lb`'s rule pool for `payments`, and a balancer
    // `gw-r0` next to gateway `gw`'s first rate-limit table: distinct upstreams and backends.
    let text = r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [
                (path_prefix: "/api", upstream: "lb", rate_limit: Some((algorithm: HaproxyHttpReqRate(period_ms: 1000, limit: 5)))),
                (path_prefix: "/other", upstream: "lb-payments"),
                (path_prefix: "/r0", upstream: "gw-r0"),
            ])),
            LoadBalancer((name: "lb", algorithm: HaproxyRoundRobin, rules: [(path_prefix: "/api/payments", service: "payments")])),
            LoadBalancer((name: "lb-payments", algorithm: HaproxyRoundRobin)),
            LoadBalancer((name: "gw-r0", algorithm: HaproxyRoundRobin)),
            Service((name: "payments", instances: 1, service_time: Constant(ms: 1.0))),
            Service((name: "other", instances: 1, service_time: Constant(ms: 1.0))),
            Service((name: "r0", instances: 1, service_time: Constant(ms: 1.0))),
        ],
        links: [
            (from: "trace", to: "gw"), (from: "gw", to: "lb"), (from: "gw", to: "lb-payments"), (from: "gw", to: "gw-r0"),
            (from: "lb", to: "payments"), (from: "lb-payments", to: "other"), (from: "gw-r0", to: "r0"),
        ],
    ),
)"#;
    let sc = load::parse(text, Path::new("t.ron")).unwrap();
    let o = options_for(&sc);
    let haproxy = export(&sc, Some("gw"), Target::Haproxy, &o).unwrap();
    for backend in ["backend lb.payments", "backend lb_payments", "backend gw.r0", "backend gw.r0"] {
        assert_eq!(lines(&haproxy).iter().filter(|l| *l == backend).count(), 1, "{backend} in\n{haproxy}");
    }
}

#[test]
fn a_rule_under_two_gateway_routes_is_one_location_of_the_longer_route() {
    // `/api/payments/...` matches the gateway's longer route `/api/pay`, then the balancer's rule:
    // one location, with that route's timeout (two would make `nginx -t` fail: duplicate location).
    let text = r#"Scenario(
    format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [
                (path_prefix: "/api", upstream: "lb", timeout_ms: Some(1000.0)),
                (path_prefix: "/api/pay", upstream: "lb", timeout_ms: Some(2000.0)),
            ])),
            LoadBalancer((name: "lb", rules: [(path_prefix: "/api/payments", service: "payments")])),
            Service((name: "payments", instances: 1, service_time: Constant(ms: 1.0))),
        ],
        links: [(from: "trace", to: "gw"), (from: "gw", to: "lb"), (from: "lb", to: "payments")],
    ),
)"#;
    let sc = load::parse(text, Path::new("t.ron")).unwrap();
    let r = resolve(&sc, "gw", &options_for(&sc)).unwrap();
    let found: Vec<(&str, Option<f64>)> = r.routes.iter().map(|x| (x.prefix.as_str(), x.timeout_ms)).collect();
    assert_eq!(found, [("/api/payments", Some(2000.0))]);
}

#[test]
fn writers_refuse_hostile_strings_in_a_resolved_view_built_by_hand() {
    // Even a `Resolved` that never went through `resolve` cannot inject.
    let sc = scenario("", "None", [1.0; 3]);
    let good = resolve(&sc, "gw", &options()).unwrap();
    type Mutation = fn(&mut Resolved<'_>);
    let mutations: [(&str, Mutation); 5] = [
        ("prefix", |r| r.routes[0].prefix = "/api {\n root /;".into()),
        ("pool id", |r| r.pools[0].id = "lb;\n".into()),
        ("instance", |r| r.pools[0].servers[0].instance = "a-0\nserver x".into()),
        ("gateway", |r| r.gateway = "gw\n}".into()),
        ("pool index", |r| r.routes[0].pool = 7),
    ];
    for (what, mutate) in mutations {
        let mut r = good.clone();
        mutate(&mut r);
        for target in TARGETS {
            let out = super::write_gateway(target, &r, &options());
            assert!(
                matches!(out, Err(ExportError::Refused { .. } | ExportError::Broken { .. })),
                "{target} {what}: {out:?}"
            );
        }
    }
}

#[test]
fn paths_are_quoted_in_each_products_syntax() {
    let sc = scenario("", "None", [1.0; 3]);
    let nginx = export(&sc, Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(lines(&nginx).contains(&"location \"/api\" {".into()), "{nginx}");
    let haproxy = export(&sc, Some("gw"), Target::Haproxy, &options()).unwrap();
    assert!(haproxy.contains("{ path_beg '/api' }"), "{haproxy}");
}

/// NGINX's default `proxy_next_upstream error timeout` is simulated as it is (the route's timeout
/// is `proxy_read_timeout`, per attempt), so it is left implicit with a route timeout too;
/// an empty list is `off`.
#[test]
fn nginx_next_upstream_default_is_implicit_and_an_empty_list_is_off() {
    let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10), failover: NginxNextUpstream()";
    let text = export(&scenario(lb, "None", [1.0; 3]), Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(!text.contains("proxy_next_upstream"), "{text}");
    assert!(text.contains("proxy_read_timeout 2000ms;"), "{text}");
    let lb =
        "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10), failover: NginxNextUpstream(tries: 2, on: [])";
    let text = export(&scenario(lb, "None", [1.0; 3]), Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(text.contains("proxy_next_upstream off;") && !text.contains("proxy_next_upstream_tries"), "{text}");
}

/// Without an upstream timeout NGINX keeps its default `proxy_next_upstream error timeout`.
#[test]
fn nginx_keeps_its_next_upstream_default_without_a_route_timeout() {
    let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10), failover: NginxNextUpstream(tries: 3)";
    let mut sc = scenario(lb, "None", [1.0; 3]);
    for n in &mut sc.topology.nodes {
        if let Node::Gateway(g) = n {
            g.routes[0].timeout_ms = None;
        }
    }
    let text = export(&sc, Some("gw"), Target::Nginx, &options()).unwrap();
    assert!(!text.contains("proxy_next_upstream "), "{text}");
    assert!(text.contains("proxy_next_upstream_tries 3;"), "{text}");
    assert!(!text.contains("proxy_read_timeout"), "{text}");
}
