//! Trace kinds of the gateway-level limits (issue 19): a limit shared by several routes, and
//! Envoy's descriptor buckets. Their scenarios and reference predictions live here; the requests
//! come from the common generator (`trace_gen::generate`), which keeps every verdict a margin
//! away from its boundary.
//!
//! - `HaproxySharedTable`: three routes `/api/a`, `/api/b`, `/api/c`, each to its own balancer
//!   (one server each: `s0`, `s1`, `s2`, so the route alone decides the backend), all naming one
//!   shared limit: one stick table tracked in the frontend, whose `http_req_rate` counts a client's
//!   requests to all three backends.

use crate::trace_gen::{Kind, Limit, Spec, Trace};
use gatesim::policy::ratelimit::freq_ctr::{HttpReqRateState, TrackDecision};
use std::collections::BTreeMap;

const MS: u64 = 1_000_000;

/// The routes of `HaproxySharedTable`, in the order of their servers.
pub const SHARED_ROUTES: [&str; 3] = ["/api/a", "/api/b", "/api/c"];

/// The shared limit of `HaproxySharedTable` (RON).
const SHARED_LIMIT: &str =
    "(key: Client, algorithm: HaproxyHttpReqRate(period_ms: 2000, limit: 6, expire_ms: 30000, deny_status: 429))";

/// The spec of one of this module's kinds (`base` is the common default), or `None`.
pub fn spec(kind: Kind, base: Spec) -> Option<Spec> {
    match kind {
        Kind::HaproxySharedTable => Some(Spec {
            product: crate::trace_gen::Product::Haproxy,
            balance: "HaproxyRoundRobin",
            failover: "Off",
            rate_limit: SHARED_LIMIT,
            limit: Limit::Haproxy(
                gatesim::policy::ratelimit::freq_ctr::HttpReqRate::new(2000, 6, 30000, 429).unwrap(),
                2000,
                30000,
            ),
            paths: &SHARED_ROUTES,
            ..base
        }),
        _ => None,
    }
}

/// The scenario of one of this module's kinds, or `None`.
pub fn scenario(kind: Kind, seed: u64, spec: &Spec) -> Option<String> {
    if kind != Kind::HaproxySharedTable {
        return None;
    }
    let routes: String = SHARED_ROUTES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "                (path_prefix: \"{p}\", upstream: \"l{i}\", timeout_ms: Some(10000.0), shared_limit: Some(\"api\")),\n"
            )
        })
        .collect();
    let balancers: String = (0..3)
        .map(|i| {
            format!(
                "            LoadBalancer((name: \"l{i}\", algorithm: {}, failover: {})),\n",
                spec.balance, spec.failover
            )
        })
        .collect();
    let services: String = (0..3)
        .map(|i| {
            format!(
                "            Service((name: \"s{i}\", instances: 1, concurrency: 10000, queue_capacity: Some(0), service_time: Constant(ms: 10.0))),\n"
            )
        })
        .collect();
    let links: String = (0..3)
        .map(|i| format!("            (from: \"gw\", to: \"l{i}\"),\n            (from: \"l{i}\", to: \"s{i}\"),\n"))
        .collect();
    Some(format!(
        r#"// Differential trace {kind:?}, seed {seed}.
Scenario(
    format_version: 1,
    name: "differential {kind:?} seed {seed}",
    run: (seed: 1, duration_s: 60.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0), routes: [(path: "/api/a", weight: 1.0)])),
            Gateway((name: "gw", limits: [(name: "api", limit: {limit})], routes: [
{routes}            ])),
{balancers}{services}        ],
        links: [
            (from: "trace", to: "gw"),
{links}        ],
    ),
)
"#,
        limit = spec.rate_limit,
    ))
}

/// The reference prediction of one of this module's kinds on `gatesim::policy` alone, or `None`:
/// for `HaproxySharedTable`, 404 off the routes, else one `HttpReqRate` state per client address
/// over all three routes (tracked at send time), and the route's one server.
pub fn predict(trace: &Trace) -> Option<Vec<(u16, String)>> {
    if trace.kind != Kind::HaproxySharedTable {
        return None;
    }
    let Limit::Haproxy(l, _, _) = trace.kind.spec().limit else { return None };
    let mut table: BTreeMap<&str, HttpReqRateState> = BTreeMap::new();
    let out = trace
        .requests
        .iter()
        .map(|r| {
            let Some(route) = SHARED_ROUTES.iter().position(|p| r.path.starts_with(p)) else {
                return (404, String::new());
            };
            match l.track(table.entry(&r.client_key).or_default(), r.send_ms as u64 * MS) {
                TrackDecision::Deny { status, .. } => (status, String::new()),
                TrackDecision::Allow { .. } => (200, crate::trace_gen::INSTANCES[route].to_string()),
            }
        })
        .collect();
    Some(out)
}
