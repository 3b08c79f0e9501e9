//! A pinned start of NGINX's smooth WRR and HAProxy's fwrr (`LoadBalancer::start`).
//!
//! A fresh NGINX or HAProxy starts its rotation at a fixed point. For the start kinds, the harness
//! first sends `k` requests of its own, one at a time, before the trace ([`pretrace`]): the product
//! the trace then meets is `k` picks into its rotation, as a production instance that has served
//! requests before a replay starts. The simulator and the reference are not shown those requests:
//! they predict the trace from the scenario with `start: Some(k)` ([`pinned_scenario`]). `k` comes
//! from the trace's seed, between 1 and the weights' sum minus 1 (a multiple of the sum is the
//! fresh start again). The pre-trace requests themselves are checked against a fresh rotation of
//! `gatesim::policy` ([`check_pretrace`]), and left out of the comparison.

use crate::replayer::Seen;
use crate::trace_gen::{INSTANCES, Kind, Product, Request, Spec, Trace};
use gatesim::policy::balance::{HaproxyRoundRobin, NginxServer, NginxUpstream, PeerStatus};

/// The start kinds' parameters over `base`: smooth WRR 4/2/1 with s2 down for 3 s; fwrr 3/1/2
/// with s0 down for 3 s, retries and redispatch.
pub fn spec(kind: Kind, base: Spec) -> Spec {
    match kind {
        Kind::NginxWrrStart => Spec {
            balance: "NginxRoundRobin(max_fails: 1, fail_timeout_s: 60)",
            failover: "NginxNextUpstream(tries: 0)",
            weights: [4, 2, 1],
            outages: &[(5000, 8000, "s2")],
            ..base
        },
        _ => Spec {
            product: Product::Haproxy,
            balance: "HaproxyRoundRobin",
            failover: "HaproxyRetries(retries: 1, redispatch: true, connect_timeout_ms: 300)",
            weights: [3, 1, 2],
            outages: &[(5000, 8000, "s0")],
            ..base
        },
    }
}

/// The address pre-trace requests come from (no trace request does).
const PRETRACE_KEY: &str = "127.0.0.21";

/// How many picks into its rotation the trace finds the product (0: a fresh product).
pub fn picks(trace: &Trace) -> u64 {
    match trace.kind {
        Kind::NginxWrrStart | Kind::HaproxyFwrrStart => {
            let spec = trace.kind.spec();
            let sum: u64 = spec.weights[..spec.services].iter().map(|&w| u64::from(w)).sum();
            1 + trace.seed % (sum - 1)
        }
        _ => 0,
    }
}

/// The requests sent before the trace, 25 ms apart (each done long before the next).
pub fn pretrace(trace: &Trace) -> Vec<Request> {
    (0..picks(trace))
        .map(|i| Request {
            id: format!("p{:03}", i + 1),
            send_ms: 25.0 * i as f64,
            client_key: PRETRACE_KEY.into(),
            path: format!("/api/start/{i}"),
            service_ms: 1,
            status: String::new(),
        })
        .collect()
}

/// The trace's scenario with the balancer's start pinned at [`picks`].
pub fn pinned_scenario(trace: &Trace) -> String {
    let at = "LoadBalancer((name: \"lb\", ";
    assert!(trace.scenario.contains(at), "the trace's balancer is written as {at:?}");
    trace.scenario.replace(at, &format!("{at}start: Some({}), ", picks(trace)))
}

/// The pre-trace requests were answered 200 by the backends a fresh rotation picks, in order.
pub fn check_pretrace(trace: &Trace, seen: &[Seen]) {
    let spec = trace.kind.spec();
    let weights = &spec.weights[..spec.services];
    let all = vec![PeerStatus::USABLE; weights.len()];
    let mut next: Box<dyn FnMut() -> Option<usize>> = match trace.kind {
        Kind::NginxWrrStart => {
            let servers: Vec<NginxServer> = weights.iter().map(|&w| NginxServer::new(w)).collect();
            let mut u = NginxUpstream::new(&servers, 0).unwrap();
            Box::new(move || u.pick_round_robin(0, &all))
        }
        _ => {
            let mut b = HaproxyRoundRobin::new(weights).unwrap();
            Box::new(move || b.pick(0, &all))
        }
    };
    let want: Vec<(u16, &str)> = seen.iter().map(|_| (200, INSTANCES[next().unwrap()])).collect();
    let got: Vec<(u16, &str)> = seen.iter().map(|s| (s.status, s.backend.as_str())).collect();
    assert_eq!(got, want, "{:?}: the pre-trace requests met a rotation that did not start fresh", trace.kind);
    println!("  {} pre-trace requests (start {}): {got:?}, as a fresh rotation", seen.len(), picks(trace));
}
