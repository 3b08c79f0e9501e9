//! Trace kinds of the gateway-level limits (issue 19): a limit shared by several routes, and
//! Envoy's descriptor buckets. Their scenarios and reference predictions live here; the requests
//! come from the common generator (`trace_gen::generate`), which keeps every verdict a margin
//! away from its boundary.
//!
//! - `HaproxySharedTable`: three routes `/api/a`, `/api/b`, `/api/c`, each to its own balancer
//!   (one server each: `s0`, `s1`, `s2`, so the route alone decides the backend), all naming one
//!   shared limit: one stick table tracked in the frontend, whose `http_req_rate` counts a client's
//!   requests to all three backends.
//! - `EnvoyDescriptor`: one route with Envoy's default bucket (key `Global`: one for everyone) and
//!   a descriptor bucket for one client address (`DESCRIPTOR_KEY`, through the `remote_address`
//!   action); that client takes a token from its bucket, then one from the default bucket
//!   (`always_consume_default_token_bucket`, Envoy's default). One backend, so Envoy's random
//!   round-robin start plays no part.

use crate::trace_gen::{Kind, Limit, Spec, Trace};
use gatesim::policy::Entropy;
use gatesim::policy::ratelimit::freq_ctr::{HttpReqRateState, TrackDecision};
use gatesim::policy::ratelimit::token_bucket::{BucketDecision, EnvoyRefill, EnvoyTokenBucket, TokenBucketState};
use gatesim::policy::ratelimit::{EnvoyDescriptorBucket, EnvoyLocal, LocalDecision};
use std::collections::BTreeMap;

/// The client address with a descriptor bucket of its own in `EnvoyDescriptor`.
pub const DESCRIPTOR_KEY: &str = "127.0.0.11";

/// `EnvoyDescriptor`'s limit (RON): default bucket 8 tokens, +1 per 100 ms; the descriptor's 3
/// tokens, +1 per 500 ms.
const DESCRIPTOR_LIMIT: &str = r#"Some((key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 8, tokens_per_fill: 1, fill_interval_ms: 100, descriptors: [(value: "127.0.0.11", max_tokens: 3, tokens_per_fill: 1, fill_interval_ms: 500)])))"#;

/// The two buckets of `EnvoyDescriptor`: (default, descriptor).
fn descriptor_buckets() -> (EnvoyTokenBucket, EnvoyTokenBucket) {
    let b = |max, ms: u64| EnvoyTokenBucket::new(max, 1, ms * MS, EnvoyRefill::Continuous).unwrap();
    (b(8, 100), b(3, 500))
}

/// `EnvoyDescriptor`'s filter, as `gatesim::policy` implements it.
fn descriptor_filter() -> EnvoyLocal {
    let (default, own) = descriptor_buckets();
    let d = EnvoyDescriptorBucket::new(DESCRIPTOR_KEY, own, 500 * MS);
    EnvoyLocal::new(default, 100 * MS, vec![d], true, 100, 100).unwrap()
}

/// Fractions at 100 % draw nothing.
struct NoDraw;

impl Entropy for NoDraw {
    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// `EnvoyDescriptor`'s verdict for a request of `key` at `t` ms, if the buckets it takes from
/// answer the same at every time within 8 ms of it (`default` is the default bucket, `own` the
/// key's descriptor bucket). `Some(true)`: allowed.
pub fn descriptor_verdict(default: &TokenBucketState, own: &TokenBucketState, key: &str, t: u64) -> Option<bool> {
    let (db, ob) = descriptor_buckets();
    let at = |x: u64| {
        let ok = |b: &EnvoyTokenBucket, s: &TokenBucketState| b.check(&mut s.clone(), x * MS) == BucketDecision::Allow;
        let own_ok = (key == DESCRIPTOR_KEY).then(|| ok(&ob, own));
        let default_ok = (own_ok != Some(false)).then(|| ok(&db, default));
        (own_ok, default_ok)
    };
    let v = at(t);
    (t.saturating_sub(8)..=t + 8).all(|x| at(x) == v).then_some(v.0 != Some(false) && v.1 == Some(true))
}

/// Applies `EnvoyDescriptor`'s filter to a request of `key` at `ns` (the default bucket's state
/// is under the key `""` of `states`); returns whether it passed.
pub fn descriptor_commit<K: Ord + Clone>(
    states: &mut BTreeMap<K, TokenBucketState>,
    none: K,
    key: K,
    text: &str,
    ns: u64,
) -> bool {
    let f = descriptor_filter();
    let mut default = states.get(&none).copied().unwrap_or_default();
    let mut own = states.get(&key).copied().unwrap_or_default();
    let matched = f.match_value(text).map(|i| (i, &mut own));
    let d = f.check(&mut NoDraw, &mut default, matched, ns);
    states.insert(none, default);
    states.insert(key, own);
    d != LocalDecision::Deny { status: 429 }
}

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
        Kind::EnvoyDescriptor => Some(Spec {
            product: crate::trace_gen::Product::Envoy,
            balance: "EnvoyRoundRobin",
            rate_limit: DESCRIPTOR_LIMIT,
            limit: Limit::EnvoyDescriptor,
            services: 1,
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
