//! The reference prediction for the Envoy traces, built on `gatesim::policy` alone (not on the
//! engine): every Envoy trace dispatches a request when it arrives, so requests are taken in send
//! order. Per request: 404 off the route; the client's token bucket (`EnvoyTokenBucket`); the
//! circuit breaker's `max_requests` (`EnvoyBreaker`, requests in flight until their ends; a
//! refused request has used up a round-robin pick: Envoy chooses the host, then the host's
//! connection pool checks the breaker);
//! round robin with the pinned seed over the hosts outlier detection has not ejected
//! (`EnvoyRoundRobin`, `OutlierDetector`) and active checks see up; a refused connection is a 503 for outlier detection
//! and, with a retry left, a fresh pick (the traces space sends so that a retry's pick comes
//! before the next request's); a refused last attempt is Envoy's own 503. A backend's own status
//! (the trace's `status` column) is what outlier detection records, retried with `retry_on: 5xx`.

use crate::trace_gen::{INSTANCES, Limit, Trace};
use gatesim::policy::Entropy;
use gatesim::policy::balance::{EnvoyRoundRobin, PeerStatus};
use gatesim::policy::breaker::{BreakerState, EnvoyBreaker, Overflow};
use gatesim::policy::outlier::{OutlierConfig, OutlierDetector};
use gatesim::policy::ratelimit::token_bucket::{BucketDecision, TokenBucketState};
use std::collections::BTreeMap;

const MS: u64 = 1_000_000;

/// No randomness is drawn by the detectors used here (no jitter, no success-rate sampling).
struct NoEntropy;

impl Entropy for NoEntropy {
    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// The trace's outlier detection, if its balancer has one (the fields of `EnvoyOutlier`).
fn outlier(trace: &Trace) -> Option<OutlierConfig> {
    trace.kind.spec().lb_extra.contains("outlier_detection").then(|| OutlierConfig {
        consecutive_5xx: 3,
        interval_ns: 1000 * MS,
        base_ejection_time_ns: 60_000 * MS,
        max_ejection_percent: 50,
        ..OutlierConfig::default()
    })
}

/// (status, backend) per request, in trace order, with the balancer seed `seed`.
pub fn predict(trace: &Trace, seed: u64) -> Vec<(u16, String)> {
    let spec = trace.kind.spec();
    let n = spec.services;
    let weights: Vec<u32> = spec.weights[..n].to_vec();
    let mut lb = EnvoyRoundRobin::with_seed(&weights, seed).unwrap();
    let breaker = spec.lb_extra.contains("max_requests: 3").then(|| EnvoyBreaker::new(1024, 1024, 3, 3, None).unwrap());
    let mut breaker_state = BreakerState::default();
    let mut detector = outlier(trace).map(|c| OutlierDetector::new(c, n).unwrap());
    let retries = if spec.route_extra.contains("num_retries: 1") { 1 } else { 0 };
    let retries_5xx = spec.route_extra.contains("FiveXx");
    let mut buckets: BTreeMap<&str, TokenBucketState> = BTreeMap::new();
    let down_at = |k: usize, t: u64| -> bool {
        let mut down = false;
        for (ms, inst, up) in &trace.outages {
            if *ms as u64 <= t && inst == INSTANCES[k] {
                down = !up;
            }
        }
        down
    };
    // Ends of requests in flight (breaker accounting).
    let mut ends: Vec<u64> = Vec::new();
    let mut out = Vec::with_capacity(trace.requests.len());
    for r in &trace.requests {
        let t = r.send_ms as u64;
        if !r.path.starts_with("/api") {
            out.push((404, String::new()));
            continue;
        }
        if let Limit::Envoy(b) = &spec.limit
            && let BucketDecision::Deny { status } = b.check(buckets.entry(&r.client_key).or_default(), t * MS)
        {
            out.push((status, String::new()));
            continue;
        }
        if let Limit::EnvoyDescriptor = &spec.limit
            && !crate::trace_limits::descriptor_commit(&mut buckets, "", &r.client_key, &r.client_key, t * MS)
        {
            out.push((429, String::new()));
            continue;
        }
        // Active checks: the trace sends nothing while a check may be flipping a host, so a host
        // is down for the balancer exactly while it is down.
        let checked_down = |k: usize| spec.health.is_some() && down_at(k, t);
        let healthy = |d: &Option<OutlierDetector>| -> Vec<PeerStatus> {
            (0..n)
                .map(|k| PeerStatus {
                    down: d.as_ref().is_some_and(|d| d.is_ejected(k)) || checked_down(k),
                    ..PeerStatus::USABLE
                })
                .collect()
        };
        if let Some(br) = &breaker {
            for _ in ends.extract_if(.., |e| *e <= t) {
                br.release(&mut breaker_state, Overflow::Requests);
            }
            if br.try_request(&mut breaker_state).is_err() {
                // The router picked the host before the connection pool found the breaker full.
                lb.pick(t * MS, &healthy(&detector));
                out.push((Overflow::Requests.status(), String::new()));
                continue;
            }
        }
        let mut left = retries;
        let result = loop {
            let status = healthy(&detector);
            let Some(p) = lb.pick(t * MS, &status) else { break (503, String::new()) };
            let refused = down_at(p, t);
            // The backend's answer (the trace's `status` column).
            let answer = crate::trace_status::answer(&r.status, INSTANCES[p]);
            if let Some(d) = detector.as_mut() {
                // A refused connection counts as a 503 (no split of local-origin errors).
                d.record(p, if refused { 503 } else { answer }, t * MS, &mut NoEntropy);
            }
            // `retry_on: 5xx` retries a backend's 5xx too (a fresh pick); its last one, or one not
            // retried, goes to the client from that backend.
            if !refused && (answer < 500 || !retries_5xx || left == 0) {
                break (answer, INSTANCES[p].to_string());
            }
            if left == 0 {
                break (503, String::new());
            }
            left -= 1;
        };
        if breaker.is_some() {
            ends.push(t + r.service_ms + 1);
            if result.0 != 200 {
                // A refused request is over at once.
                ends.pop();
                ends.push(t);
            }
        }
        out.push(result);
    }
    out
}
