//! An independent reference prediction for a trace, built directly on `gatesim::policy` (not on
//! the engine): limiter verdicts at send time, then the balancer's picks in dispatch order, with
//! request ends applied in time order for least-connection balancers. It checks the traces'
//! margins and the policy library against the real products while the engine is being wired; the
//! agreement it reaches is what the engine should reach.

use crate::trace_gen::{Limit, Product, Trace};
use gatesim::policy::balance::{
    HaproxyLeastConn, HaproxyRoundRobin, NginxServer, NginxUpstream, PeerOutcome, PeerStatus,
};
use gatesim::policy::ratelimit::freq_ctr::{HttpReqRateState, TrackDecision};
use gatesim::policy::ratelimit::limit_req::{LimitReqDecision, LimitReqState};
use std::collections::BTreeMap;

const MS: u64 = 1_000_000;

enum Balancer {
    Nginx(NginxUpstream, bool),
    Fwrr(HaproxyRoundRobin),
    Fwlc(HaproxyLeastConn),
}

/// (status, backend) per request, in trace order.
pub fn predict(trace: &Trace) -> Vec<(u16, String)> {
    if let Some(p) = crate::trace_limits::predict(trace) {
        return p;
    }
    let spec = trace.kind.spec();
    let names = crate::trace_gen::INSTANCES;
    let n = trace.requests.len();
    let mut out: Vec<(u16, String)> = vec![(0, String::new()); n];
    // 1. Limiter verdicts at send time.
    let mut ng: BTreeMap<&str, LimitReqState> = BTreeMap::new();
    let mut hp: BTreeMap<&str, HttpReqRateState> = BTreeMap::new();
    let mut dispatch: Vec<(u64, usize)> = Vec::new();
    for (i, r) in trace.requests.iter().enumerate() {
        let t = r.send_ms as u64;
        if !r.path.starts_with("/api") {
            out[i] = (404, String::new());
            continue;
        }
        let mut delay = 0;
        if !r.client_key.is_empty() {
            match &spec.limit {
                Limit::None | Limit::Envoy(_) | Limit::EnvoyDescriptor => {}
                Limit::Nginx(l) => match l.check(ng.entry(&r.client_key).or_default(), t * MS) {
                    LimitReqDecision::Pass { delay_ms } => delay = delay_ms,
                    LimitReqDecision::Reject { status } => {
                        out[i] = (status, String::new());
                        continue;
                    }
                    LimitReqDecision::DryRun { .. } => {}
                },
                Limit::Haproxy(l, _, _) => {
                    if let TrackDecision::Deny { status, .. } = l.track(hp.entry(&r.client_key).or_default(), t * MS) {
                        out[i] = (status, String::new());
                        continue;
                    }
                }
            }
        }
        dispatch.push((t + delay, i));
    }
    dispatch.sort();
    // 2. Balancer.
    // The servers behind the balancer, with the weights it balances with.
    let n_srv = spec.services;
    let w: Vec<u32> = crate::pooled::weights(trace.kind).unwrap_or_else(|| spec.weights[..n_srv].to_vec());
    let generic = spec.balance == "RoundRobin";
    let max_fails = if generic {
        0
    } else if spec.balance.contains("max_fails: 2") {
        2
    } else if spec.balance.contains("max_fails: 3") {
        3
    } else {
        1
    };
    // Picks the product made before the trace (`start.rs`).
    let start = crate::start::picks(trace);
    let mut bal = match (spec.product, spec.least_conn) {
        (Product::Nginx, lc) => {
            let servers: Vec<NginxServer> = (0..n_srv)
                .map(|k| NginxServer {
                    weight: if generic { 1 } else { w[k] },
                    max_fails,
                    fail_timeout_s: 60,
                    ..NginxServer::new(1)
                })
                .collect();
            let mut u = NginxUpstream::new(&servers, 0).unwrap();
            u.advance_round_robin(start);
            Balancer::Nginx(u, lc)
        }
        (Product::Haproxy, false) => {
            Balancer::Fwrr(HaproxyRoundRobin::with_start(&if generic { vec![1; n_srv] } else { w }, start).unwrap())
        }
        (Product::Haproxy, true) => Balancer::Fwlc(HaproxyLeastConn::new(&w).unwrap()),
        (Product::Envoy, _) => panic!("Envoy traces are predicted by oracle_envoy.rs"),
    };
    let haproxy_attempts = if spec.failover.contains("retries: 1") { 2 } else { 1 };
    let down_at = |k: usize, t: u64| -> bool {
        let mut down = false;
        for (ms, inst, up) in &trace.outages {
            if *ms as u64 <= t && inst == names[k] {
                down = !up;
            }
        }
        down
    };
    // Ends of requests in flight: (time, peer).
    let mut ends: Vec<(u64, usize)> = Vec::new();
    for (t, i) in dispatch {
        ends.sort();
        while let Some(&(e, p)) = ends.first() {
            if e > t {
                break;
            }
            ends.remove(0);
            match &mut bal {
                Balancer::Nginx(u, _) => u.on_finish(p, PeerOutcome::Success, e * MS),
                Balancer::Fwlc(b) => b.on_finish(p),
                Balancer::Fwrr(_) => {}
            }
        }
        // HAProxy knows a server is down only through its checks (quiet periods make that exact).
        let checked_down =
            |k: usize| spec.health.is_some() && (down_at(k, t) || crate::httpchk::unhealthy(trace.kind, k));
        let mut status: Vec<PeerStatus> =
            (0..n_srv).map(|k| PeerStatus { down: checked_down(k), ..PeerStatus::USABLE }).collect();
        let mut attempts = 0;
        let result = loop {
            let pick = match &mut bal {
                Balancer::Nginx(u, true) => u.pick_least_conn(t * MS, &status),
                Balancer::Nginx(u, false) => u.pick_round_robin(t * MS, &status),
                Balancer::Fwrr(b) => b.pick(t * MS, &status),
                Balancer::Fwlc(b) => b.pick(t * MS, &status),
            };
            let Some(p) = pick else {
                break (if spec.product == Product::Nginx { 502 } else { 503 }, String::new());
            };
            attempts += 1;
            match &mut bal {
                Balancer::Nginx(u, _) => u.on_start(p),
                Balancer::Fwlc(b) => b.on_start(p),
                Balancer::Fwrr(_) => {}
            }
            if !down_at(p, t) {
                // The backend's answer (the trace's `status` column). NGINX `proxy_next_upstream
                // http_503` sends a listed status to another server while `u->peer.tries > 1`
                // (tries start at the number of servers), the peer failed; else it passes through
                // and the peer counts a success (ngx_http_upstream.c `ngx_http_upstream_test_next`).
                let answer = crate::trace_status::answer(&trace.requests[i].status, names[p]);
                let listed = spec.failover.contains(&format!("Http{answer}"));
                if answer != 200 && spec.product == Product::Nginx && listed && attempts < 3 {
                    status[p].tried = true;
                    if let Balancer::Nginx(u, _) = &mut bal {
                        u.on_finish(p, PeerOutcome::Failure, t * MS);
                    }
                    continue;
                }
                ends.push((t + trace.requests[i].service_ms + 1, p));
                break (answer, names[p].to_string());
            }
            // Refused.
            status[p].tried = true;
            match &mut bal {
                Balancer::Nginx(u, _) => u.on_finish(p, PeerOutcome::Failure, t * MS),
                Balancer::Fwlc(b) => b.on_finish(p),
                Balancer::Fwrr(_) => {}
            }
            if spec.product == Product::Haproxy && attempts >= haproxy_attempts {
                break (503, String::new());
            }
        };
        out[i] = result;
    }
    out
}
