//! Data-driven exporter tests: a small scenario -> the config lines it must contain.

use super::*;
use crate::model::load;
use std::path::Path;

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
    ExportOptions { listen: SocketAddr::from(([127, 0, 0, 1], 8080)), backends, workdir: PathBuf::from("/tmp/w") }
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
        lb: "algorithm: NginxRoundRobin(max_fails: 2, fail_timeout_s: 60), failover: NginxNextUpstream(tries: 2)",
        rl: r#"Some((key: Client, algorithm: NginxLimitReq(rate: "10r/s", burst: 5, nodelay: true, status: 429)))"#,
        weights: [5.0, 1.0, 1.0],
        expect: &[
            "daemon off;",
            "master_process off;",
            "worker_processes 1;",
            "pid \"/tmp/w/nginx.pid\";",
            "proxy_temp_path \"/tmp/w/proxy_temp\";",
            "limit_req_zone $http_x_client_key zone=gw_r0:1m rate=10r/s;",
            "upstream lb {",
            "server 127.0.0.1:9001 weight=5 max_fails=2 fail_timeout=60s; # a-0",
            "server 127.0.0.1:9002 weight=5 max_fails=2 fail_timeout=60s; # a-1",
            "server 127.0.0.1:9003 weight=1 max_fails=2 fail_timeout=60s; # b",
            "listen 127.0.0.1:8080;",
            "add_header X-Upstream $upstream_addr always;",
            "location /api {",
            "limit_req zone=gw_r0 burst=5 nodelay;",
            "limit_req_status 429;",
            "proxy_pass http://lb;",
            "proxy_next_upstream error;",
            "proxy_next_upstream_tries 2;",
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
            "limit_req_zone \"global\" zone=gw_r0:1m rate=30r/m;",
            "least_conn;",
            "server 127.0.0.1:9004 weight=3 max_fails=1 fail_timeout=10s; # c",
            "limit_req zone=gw_r0 burst=6 delay=3;",
            "limit_req_status 503;",
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
            "nbthread 1",
            "pidfile \"/tmp/w/haproxy.pid\"",
            "mode http",
            "frontend gw",
            "bind 127.0.0.1:8080",
            "http-request set-var(txn.gatesim_route) str(r0) if { path_beg /api }",
            "http-request track-sc0 req.hdr(x-client-key) table gw_r0 if { var(txn.gatesim_route) -m str r0 } { req.hdr(x-client-key) -m found }",
            "http-request deny deny_status 429 if { var(txn.gatesim_route) -m str r0 } { sc_http_req_rate(0) gt 30 }",
            "use_backend lb if { var(txn.gatesim_route) -m str r0 }",
            "stick-table type string len 64 size 100k expire 30000ms store http_req_rate(10000ms)",
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
        name: "haproxy leastconn, no limit",
        target: Target::Haproxy,
        lb: "algorithm: HaproxyLeastConn, failover: Off",
        rl: "None",
        weights: [1.0, 1.0, 1.0],
        expect: &["balance leastconn", "retries 0", "server a-1 127.0.0.1:9002 weight 1"],
    },
];

#[test]
fn exported_configs_contain_the_expected_lines() {
    for case in CASES {
        let sc = scenario(case.lb, case.rl, case.weights);
        let config = match export(&sc, "gw", case.target, &options()) {
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
    ];
    for (target, lb, rl, node, policy) in cases {
        let sc = scenario(lb, rl, [1.0; 3]);
        let err = export(&sc, "gw", *target, &options()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(node) && err.contains(policy) && err.contains(target.name()), "{lb} {rl}: {err:?}");
    }
}

#[test]
fn names_weights_and_addresses_are_checked() {
    let sc = scenario("", "None", [1.0; 3]);
    assert!(matches!(export(&sc, "nope", Target::Nginx, &options()), Err(ExportError::UnknownGateway { .. })));
    assert!(matches!(export(&sc, "lb", Target::Nginx, &options()), Err(ExportError::NotAGateway { .. })));
    let mut o = options();
    o.backends.remove("b");
    let e = export(&sc, "gw", Target::Haproxy, &o);
    assert_eq!(e, Err(ExportError::MissingBackend { instance: "b".into() }));
    let sc = scenario("", "None", [1.5, 1.0, 1.0]);
    assert!(matches!(export(&sc, "gw", Target::Nginx, &options()), Err(ExportError::Broken { .. })));
    assert_eq!(instances(&scenario("", "None", [1.0; 3]), "gw").unwrap(), ["a-0", "a-1", "b", "c"]);
}

#[test]
fn generic_round_robin_ignores_weights_and_passive_health() {
    let sc = scenario("", "None", [5.0, 1.0, 1.0]);
    let config = export(&sc, "gw", Target::Nginx, &options()).unwrap();
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
    let nginx = export(&sc, "edge-gw", Target::Nginx, &o).unwrap();
    assert_eq!(nginx.matches("limit_req_zone ").count(), 1, "{nginx}");
    assert_eq!(nginx.matches("limit_req zone=edge_gw_r0 burst=20 nodelay;").count(), 2, "{nginx}");
    for needle in
        ["upstream lb_payments {", "upstream lb_accounts {", "location /api/payments {", "location /api/accounts {"]
    {
        assert!(nginx.contains(needle), "missing {needle:?} in\n{nginx}");
    }
    // Payments' six instances in its own upstream, none of accounts' there.
    let payments = nginx.split("upstream lb_payments {").nth(1).and_then(|t| t.split('}').next()).unwrap_or("");
    assert_eq!(payments.matches("server ").count(), 6, "{payments}");
    assert!(!payments.contains("accounts"));
}
