//! A balancer rule pooling several services: one upstream or backend with every pooled server.

use super::*;

/// [`scenario`] with the balancer's rules: `/api/mix` pools `a` (weight 3) and `c` (the link's
/// weight 2), `/api/b` is `b` alone.
fn pooled() -> Scenario {
    scenario(
        r#"algorithm: NginxRoundRobin(), rules: [
            (path_prefix: "/api/mix", pool: [(service: "a", weight: 3), (service: "c")]),
            (path_prefix: "/api/b", service: "b"),
        ]"#,
        "None",
        [1.0, 1.0, 2.0],
    )
}

#[test]
fn nginx_writes_one_upstream_with_every_pooled_server_and_its_weight() {
    let config = export(&pooled(), Some("gw"), Target::Nginx, &options()).unwrap();
    let mix = config.split("upstream lb.a.c {").nth(1).and_then(|t| t.split('}').next()).unwrap_or("");
    let servers: Vec<String> = lines(mix).into_iter().filter(|l| l.starts_with("server ")).collect();
    assert_eq!(
        servers,
        [
            "server 127.0.0.1:9001 weight=3 max_fails=1 fail_timeout=10s; # a-0",
            "server 127.0.0.1:9002 weight=3 max_fails=1 fail_timeout=10s; # a-1",
            "server 127.0.0.1:9004 weight=2 max_fails=1 fail_timeout=10s; # c",
        ],
        "{config}"
    );
    assert!(config.contains("location \"/api/mix\" {") && config.contains("proxy_pass http://lb.a.c;"), "{config}");
    assert!(config.contains("upstream lb.b {"), "{config}");
}

#[test]
fn haproxy_writes_one_backend_with_every_pooled_server_and_its_weight() {
    let mut sc = pooled();
    if let Some(Node::LoadBalancer(lb)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "lb") {
        lb.algorithm = crate::model::Balance::HaproxyRoundRobin;
    }
    let config = export(&sc, Some("gw"), Target::Haproxy, &options()).unwrap();
    let mix = config.split("\nbackend lb.a.c\n").nth(1).and_then(|t| t.split("\nbackend ").next()).unwrap_or("");
    let servers: Vec<String> = lines(mix).into_iter().filter(|l| l.starts_with("server ")).collect();
    assert_eq!(
        servers,
        [
            "server a-0 127.0.0.1:9001 weight 3",
            "server a-1 127.0.0.1:9002 weight 3",
            "server c 127.0.0.1:9004 weight 2"
        ],
        "{config}"
    );
}

#[test]
fn a_pooled_weight_outside_the_products_range_is_refused_naming_the_balancer() {
    let mut sc = pooled();
    if let Some(Node::LoadBalancer(lb)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "lb") {
        lb.rules[0].pool[0].weight = Some(300);
    }
    let err = export(&sc, Some("gw"), Target::Nginx, &options()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("\"lb\"") && err.contains("pooled service \"a\" has weight 300"), "{err}");
}
