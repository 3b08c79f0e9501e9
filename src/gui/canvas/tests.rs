//! Tests of the canvas: the cards' policy in words, durations in words, the minimap's place.

use super::*;
use crate::model::{Backups, HealthCheck53, NodeKind, Replica, Span};

#[test]
fn a_serverless_card_says_function_and_its_limit() {
    let mut svc = Node::with_defaults(NodeKind::Service, "thumbs");
    assert_eq!(node_summary(&svc), "x2 · 8 slots · exp(20 ms)");
    if let Node::Service(s) = &mut svc {
        s.deployment = crate::model::Deployment::Serverless(crate::model::Serverless {
            concurrency_limit: 50,
            ..Default::default()
        });
    }
    assert_eq!(node_summary(&svc), "function · ≤50 at once · exp(20 ms)");
}

#[test]
fn global_cards_say_their_policy_in_words() {
    let mut dns = Node::with_defaults(NodeKind::Dns, "dns");
    assert_eq!(node_summary(&dns), "failover · TTL 60 s · checks 30 s x3");
    if let Node::Dns(d) = &mut dns {
        d.routing = DnsRouting::Weighted;
        d.ttl = Span(300.0);
        d.health_check = Some(HealthCheck53 { interval: Span(10.0), failure_threshold: 2, ..Default::default() });
    }
    assert_eq!(node_summary(&dns), "weighted · TTL 5 min · checks 10 s x2");
    if let Node::Dns(d) = &mut dns {
        d.health_check = None;
    }
    assert_eq!(node_summary(&dns), "weighted · TTL 5 min · no health checks");

    let mut store = Node::with_defaults(NodeKind::DataStore, "db");
    store.set_region(Some("us-east-1".into()));
    assert_eq!(node_summary(&store), "primary us-east-1 · no replica");
    if let Node::DataStore(d) = &mut store {
        d.backups = Some(Backups { every: Span(3600.0), restore: Span(600.0), restore_to: None });
    }
    assert_eq!(node_summary(&store), "primary us-east-1 · backups only");
    if let Node::DataStore(d) = &mut store {
        d.replicas.push(Replica { region: "us-west-2".into() });
    }
    assert_eq!(node_summary(&store), "primary us-east-1 · 1 replica · async 100 ms");
    if let Node::DataStore(d) = &mut store {
        d.replicas.push(Replica { region: "eu-west-1".into() });
        d.replication = Replication::Async { lag: Dist::LogNormal { median_ms: 150.0, p99_ms: 900.0 } };
    }
    assert_eq!(node_summary(&store), "primary us-east-1 · 2 replicas · async ~150 ms");
    if let Node::DataStore(d) = &mut store {
        d.replication = Replication::Sync;
    }
    assert_eq!(node_summary(&store), "primary us-east-1 · 2 replicas · sync");
}

#[test]
fn durations_read_in_the_unit_that_suits_them() {
    let words: Vec<String> = [0.25, 30.0, 90.0, 150.0, 300.0, 3600.0, 7200.0].map(span_words).into();
    assert_eq!(words, ["250 ms", "30 s", "90 s", "150 s", "5 min", "60 min", "2 h"]);
}

#[test]
fn a_gateway_card_names_its_limiter_and_how_many_routes_have_one() {
    let mut gw = Node::with_defaults(NodeKind::Gateway, "edge");
    let Node::Gateway(g) = &mut gw else { unreachable!() };
    g.routes = vec![
        crate::model::Route {
            path_prefix: "/api".into(),
            upstream: "svc".into(),
            timeout_ms: None,
            rate_limit: None,
            shared_limit: None,
            retry_policy: None,
        };
        2
    ];
    assert_eq!(node_summary(&gw), "no rate limit · 2 routes");
    let limit = crate::model::RateLimit {
        key: Default::default(),
        algorithm: crate::model::Limiter::NginxLimitReq {
            rate: "100r/s".into(),
            burst: 20,
            nodelay: true,
            delay: None,
            status: 503,
        },
    };
    let Node::Gateway(g) = &mut gw else { unreachable!() };
    g.routes[0].rate_limit = Some(limit.clone());
    let words = limit.algorithm.describe();
    assert_eq!(node_summary(&gw), format!("{words} · 1 of 2 routes"));
    let Node::Gateway(g) = &mut gw else { unreachable!() };
    g.routes[1].rate_limit = Some(limit.clone());
    assert_eq!(node_summary(&gw), format!("{words} · all 2 routes"));
    // A limit shared by the routes is named.
    let Node::Gateway(g) = &mut gw else { unreachable!() };
    g.limits = vec![crate::model::NamedLimit { name: "api".into(), limit }];
    for r in &mut g.routes {
        (r.rate_limit, r.shared_limit) = (None, Some("api".into()));
    }
    assert_eq!(node_summary(&gw), format!("shared api: {words} · all 2 routes"));
}

#[test]
fn the_minimap_takes_a_corner_free_of_cards_or_hides() {
    let state = CanvasState {
        rect: Rect::from_min_size(pos2(0.0, 0.0), vec2(900.0, 600.0)),
        zoom: 1.0,
        pan: Vec2::ZERO,
        ..Default::default()
    };
    let mut s = crate::model::Scenario::new("minimap", crate::model::Topology::default());
    let at = |n: &str, x: f32, y: f32| {
        let mut node = Node::with_defaults(NodeKind::Service, n);
        node.set_pos(Some([x, y]));
        node
    };
    // A card in the bottom-right corner: the minimap goes to the bottom left.
    s.topology.nodes = vec![at("a", 100.0, 100.0), at("b", 700.0, 520.0)];
    let m = Minimap::new(&s, &state).expect("a free corner");
    let cards: Vec<Rect> = s.topology.nodes.iter().map(|n| state.node_rect(n.pos().unwrap_or_default())).collect();
    assert!(cards.iter().all(|c| !c.intersects(m.rect)), "{:?} covers a card", m.rect);
    assert!(m.rect.min.x < 450.0 && m.rect.min.y > 300.0, "bottom left, not {:?}", m.rect);
    // Cards in every corner: hidden.
    s.topology.nodes = vec![at("a", 10.0, 40.0), at("b", 700.0, 40.0), at("c", 10.0, 520.0), at("d", 700.0, 520.0)];
    assert!(Minimap::new(&s, &state).is_none());
}
