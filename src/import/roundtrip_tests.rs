//! Round trip: `import(export(scenario))` equals the scenario for everything the target
//! expresses, over generated scenarios (one gateway, routes with prefixes, the target's limiters,
//! balancers, failover and checks, weights).
//!
//! Both sides are compared through [`crate::export::resolve`] (routes and pools as an exporter
//! sees them), normalized to what the target's config holds:
//! - NGINX: no instance names (a `server` line has an address only), so servers compare by weight
//!   in order; a route without timeout is NGINX's default `proxy_read_timeout` of 60 s.
//! - HAProxy: server names are instance names; a route without timeout is the `timeout server`
//!   of the exported `defaults` (30 s); `balance first` ignores weights.
//! - A route that adds nothing to the route its prefix falls under (same pool and timeout, no
//!   rate limit on either) is that route, in a product as in the simulator.
//!
//! Each export is imported as written (NGINX: an http-context file; HAProxy: a file without a
//! `global` section) and as a host holds it (inside a whole `nginx.conf`; after a `global`
//! section).

use super::{Format, import_str};
use crate::export::{self, ExportOptions, Target};
use crate::model::{
    ActiveCheck, Balance, Failover, LimitKey, Limiter, Link, Node, NodeKind, RateLimit, Route, Scenario, Topology,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Clone, Debug)]
struct GenLb {
    algorithm: Balance,
    failover: Failover,
    check: Option<ActiveCheck>,
    /// (instances, weight) per service.
    services: Vec<(u32, u32)>,
}

#[derive(Clone, Debug)]
struct GenRoute {
    prefix: &'static str,
    lb: usize,
    timeout_ms: Option<u32>,
    limit: Option<RateLimit>,
}

const PREFIXES: &[&str] = &["/", "/api", "/api/v2", "/pay", "/a-b.c_d~e", "/x/y/", "/api/v2/z"];

fn key() -> impl Strategy<Value = LimitKey> {
    prop_oneof![Just(LimitKey::Client), Just(LimitKey::User), Just(LimitKey::Global)]
}

fn nginx_lb() -> impl Strategy<Value = GenLb> {
    let health = (0u32..4, 1u32..120);
    let algorithm = (0u8..6, health).prop_map(|(k, (max_fails, fail_timeout_s))| match k {
        0 => Balance::NginxRoundRobin { max_fails, fail_timeout_s },
        5 => Balance::NginxRandomTwo { max_fails, fail_timeout_s },
        1 => Balance::NginxLeastConn { max_fails, fail_timeout_s },
        2 => Balance::NginxIpHash { max_fails, fail_timeout_s },
        k => Balance::NginxHash { consistent: k == 3, max_fails, fail_timeout_s },
    });
    let conditions = prop::sample::subsequence(crate::model::NextUpstreamOn::ALL.to_vec(), 1..=4);
    let next = (0u32..4, conditions, prop_oneof![Just(0u64), 1u64..5000])
        .prop_map(|(tries, on, timeout_ms)| Failover::NginxNextUpstream { tries, on, timeout_ms });
    let failover = prop_oneof![next, (0u32..4).prop_map(Failover::nginx_next_upstream), Just(Failover::Off)];
    (algorithm, failover, prop::collection::vec((1u32..4, 1u32..6), 1..4))
        .prop_map(|(algorithm, failover, services)| GenLb { algorithm, failover, check: None, services })
}

fn haproxy_lb() -> impl Strategy<Value = GenLb> {
    let algorithm = prop_oneof![
        Just(Balance::HaproxyRoundRobin),
        Just(Balance::HaproxyLeastConn),
        Just(Balance::HaproxyFirst),
        Just(Balance::HaproxySource),
    ];
    let failover = (0u32..5, any::<bool>(), 1u64..10_000).prop_map(|(retries, redispatch, connect_timeout_ms)| {
        Failover::HaproxyRetries { retries, redispatch, connect_timeout_ms }
    });
    let check = prop::option::of((1u64..5000, 1u32..5, 1u32..5).prop_map(|(inter_ms, rise, fall)| ActiveCheck {
        inter_ms,
        rise,
        fall,
        http: None,
    }));
    (algorithm, failover, check, prop::collection::vec((1u32..4, 1u32..6), 1..4))
        .prop_map(|(algorithm, failover, check, services)| GenLb { algorithm, failover, check, services })
}

fn nginx_limit() -> impl Strategy<Value = RateLimit> {
    let status = prop_oneof![Just(429u16), Just(503), Just(400), Just(599)];
    (key(), 1u32..1000, any::<bool>(), 0u32..30, any::<bool>(), prop::option::of(0u32..10), status).prop_map(
        |(key, n, per_minute, burst, nodelay, delay, status)| {
            let rate = format!("{n}{}", if per_minute { "r/m" } else { "r/s" });
            let delay = if nodelay { None } else { delay };
            RateLimit { key, algorithm: Limiter::NginxLimitReq { rate, burst, nodelay, delay, status } }
        },
    )
}

fn haproxy_limit() -> impl Strategy<Value = RateLimit> {
    let status = prop_oneof![Just(403u16), Just(429), Just(503)];
    (key(), 1u64..60_000, 0u64..1000, 1u64..100_000, status).prop_map(
        |(key, period_ms, limit, expire_ms, deny_status)| RateLimit {
            key,
            algorithm: Limiter::HaproxyHttpReqRate { period_ms, limit, expire_ms, deny_status },
        },
    )
}

fn routes(limit: BoxedStrategy<RateLimit>) -> impl Strategy<Value = Vec<GenRoute>> {
    let one = (0usize..3, prop::option::of(1u32..100_000), prop::option::of(limit));
    (prop::sample::subsequence(PREFIXES.to_vec(), 1..5), prop::collection::vec(one, 5)).prop_map(|(prefixes, rest)| {
        prefixes
            .into_iter()
            .zip(rest)
            .map(|(prefix, (lb, timeout_ms, limit))| GenRoute { prefix, lb, timeout_ms, limit })
            .collect()
    })
}

/// The scenario: clients -> gw -> lb0..lb2 -> services `lb<i>-<letter>`.
fn scenario(lbs: &[GenLb], routes: &[GenRoute]) -> Scenario {
    let mut nodes = vec![Node::with_defaults(NodeKind::Clients, "users")];
    let mut links = vec![Link { from: "users".into(), to: "gw".into(), latency: Default::default(), weight: 1.0 }];
    let mut gw = Node::with_defaults(NodeKind::Gateway, "gw");
    if let Node::Gateway(g) = &mut gw {
        g.routes = routes
            .iter()
            .map(|r| Route {
                path_prefix: r.prefix.into(),
                upstream: format!("lb{}", r.lb % lbs.len()),
                timeout_ms: r.timeout_ms.map(f64::from),
                rate_limit: r.limit.clone(),
                shared_limit: None,
                retry_policy: None,
            })
            .collect();
    }
    nodes.push(gw);
    for (i, lb) in lbs.iter().enumerate() {
        let name = format!("lb{i}");
        let mut node = Node::with_defaults(NodeKind::LoadBalancer, name.clone());
        if let Node::LoadBalancer(b) = &mut node {
            b.algorithm = lb.algorithm;
            b.failover = lb.failover.clone();
            b.health_check = lb.check.clone();
        }
        nodes.push(node);
        links.push(Link { from: "gw".into(), to: name.clone(), latency: Default::default(), weight: 1.0 });
        for (k, (instances, weight)) in lb.services.iter().enumerate() {
            let svc = format!("{name}-{}", char::from(b'a' + k as u8));
            let mut node = Node::with_defaults(NodeKind::Service, svc.clone());
            if let Node::Service(s) = &mut node {
                s.instances = *instances;
            }
            nodes.push(node);
            links.push(Link { from: name.clone(), to: svc, latency: Default::default(), weight: f64::from(*weight) });
        }
    }
    Scenario::new("roundtrip", Topology { regions: vec![], nodes, links, region_rtt: vec![] })
}

fn options(s: &Scenario, gateway: &str) -> ExportOptions {
    let names = export::instances(s, gateway).unwrap_or_default();
    let backends = names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, SocketAddr::from(([10, 0, (i / 200) as u8, (i % 200) as u8 + 1], 8080))))
        .collect();
    ExportOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        backends,
        header: vec!["exported for the round-trip test".into()],
        ..ExportOptions::default()
    }
}

type NormPool = (Balance, Failover, Option<ActiveCheck>, Vec<(Option<String>, u32)>);

/// What the target's config holds of a scenario's gateway.
#[derive(Debug, PartialEq)]
struct Norm {
    routes: Vec<(String, String, u64, Option<RateLimit>)>,
    pools: BTreeMap<String, NormPool>,
}

fn norm(s: &Scenario, target: Target) -> Norm {
    let gateway = export::the_gateway(s, None).unwrap_or("gw").to_owned();
    let resolved = match export::resolve(s, &gateway, &options(s, &gateway)) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let default_timeout = match target {
        Target::Nginx => 60_000,
        Target::Haproxy => 30_000,
        other => panic!("{other} has no importer"),
    };
    let mut routes: Vec<(String, String, u64, Option<RateLimit>)> = resolved
        .routes
        .iter()
        .map(|r| {
            let t = r.timeout_ms.map_or(default_timeout, |t| t.ceil() as u64);
            (r.prefix.clone(), resolved.pools[r.pool].id.clone(), t, r.rate_limit.cloned())
        })
        .collect();
    routes.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
    let mut kept: Vec<(String, String, u64, Option<RateLimit>)> = Vec::new();
    for r in routes {
        let parent = kept.iter().filter(|p| r.0.starts_with(&p.0)).max_by_key(|p| p.0.len());
        if !parent.is_some_and(|p| p.1 == r.1 && p.2 == r.2 && p.3.is_none() && r.3.is_none()) {
            kept.push(r);
        }
    }
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    let pools = resolved
        .pools
        .iter()
        .filter(|p| kept.iter().any(|r| r.1 == p.id))
        .map(|p| {
            let unweighted = matches!(p.algorithm(), Balance::HaproxyFirst);
            let servers = p
                .servers
                .iter()
                .map(|sv| {
                    let name = (target == Target::Haproxy).then(|| sv.instance.clone());
                    (name, if unweighted { 1 } else { sv.weight })
                })
                .collect();
            let check = p.balancer.and_then(|b| b.health_check.clone());
            (p.id.clone(), (p.algorithm(), p.failover(), check, servers))
        })
        .collect();
    Norm { routes: kept, pools }
}

/// The export as a host holds it: NGINX's http-context file inside a whole `nginx.conf` (main
/// context, `events`, `http`), HAProxy's file after a `global` section (as `haproxy -f global.cfg
/// -f gateway.cfg` reads them).
fn hosted(config: &str, target: Target) -> String {
    match target {
        Target::Nginx => {
            format!("worker_processes 1;\nevents {{\n    worker_connections 64;\n}}\nhttp {{\n{config}}}\n")
        }
        Target::Haproxy => format!("global\n    nbthread 1\n\n{config}"),
        other => panic!("{other} has no importer"),
    }
}

fn round_trip(s: &Scenario, target: Target) -> Result<(), TestCaseError> {
    let config = export::export(s, None, target, &options(s, "gw")).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let format = match target {
        Target::Nginx => Format::Nginx,
        Target::Haproxy => Format::Haproxy,
        other => return Err(TestCaseError::fail(format!("{other} has no importer"))),
    };
    let file = Path::new("/nonexistent/exported.conf");
    for text in [config.clone(), hosted(&config, target)] {
        let imported = import_str(&text, file, format).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(norm(&imported.scenario, target), norm(s, target), "{}", text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn nginx_round_trips(lbs in prop::collection::vec(nginx_lb(), 1..4), routes in routes(nginx_limit().boxed())) {
        round_trip(&scenario(&lbs, &routes), Target::Nginx)?;
    }

    #[test]
    fn haproxy_round_trips(lbs in prop::collection::vec(haproxy_lb(), 1..4), routes in routes(haproxy_limit().boxed())) {
        round_trip(&scenario(&lbs, &routes), Target::Haproxy)?;
    }
}

#[test]
fn an_exported_gateway_imports_with_its_name_for_haproxy() {
    let lb =
        GenLb { algorithm: Balance::HaproxyLeastConn, failover: Failover::Off, check: None, services: vec![(2, 1)] };
    let route = GenRoute { prefix: "/api", lb: 0, timeout_ms: None, limit: None };
    let s = scenario(&[lb], &[route]);
    let config = export::export(&s, None, Target::Haproxy, &options(&s, "gw")).unwrap_or_default();
    let imported = import_str(&config, Path::new("x.cfg"), Format::Haproxy).map_err(|e| e.to_string());
    let imported = imported.unwrap_or_else(|e| panic!("{e}"));
    assert!(imported.scenario.topology.node("gw").is_some());
}

/// The hand-written corpus: import, export, import again gives the same gateway.
#[test]
fn the_corpus_survives_export_and_import_again() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/import");
    for (file, target) in [("nginx/nginx.conf", Target::Nginx), ("haproxy.cfg", Target::Haproxy)] {
        let first = super::import_file(&root.join(file), None).unwrap_or_else(|e| panic!("{e}"));
        let s = &first.scenario;
        let gateway = export::the_gateway(s, None).unwrap_or_else(|e| panic!("{e}")).to_owned();
        let config = export::export(s, None, target, &options(s, &gateway)).unwrap_or_else(|e| panic!("{e}"));
        let format = if target == Target::Nginx { Format::Nginx } else { Format::Haproxy };
        let again = import_str(&config, Path::new("/nonexistent/again"), format).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(norm(&again.scenario, target), norm(s, target), "{config}");
    }
}
