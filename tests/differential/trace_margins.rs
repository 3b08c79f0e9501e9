//! The margins a trace keeps around policy decisions: the quiet windows around outages and
//! checks, and rate-limit verdicts that hold whatever the replayer's jitter.

use crate::trace_gen::{Limit, OUTAGE_MARGIN_MS, Spec};
use gatesim::policy::ratelimit::freq_ctr::{HttpReqRateState, TrackDecision};
use gatesim::policy::ratelimit::limit_req::{LimitReqDecision, LimitReqState};
use gatesim::policy::ratelimit::token_bucket::{BucketDecision, TokenBucketState};

/// Windows (ms) in which no request may reach the balancer.
pub(crate) fn forbidden(spec: &Spec) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(down, up, _) in spec.outages {
        match spec.health {
            Some((inter, rise, fall)) => {
                out.push((down - OUTAGE_MARGIN_MS, down + (fall + 1) * inter + 60));
                out.push((up - OUTAGE_MARGIN_MS, up + (rise + 1) * inter + 60));
            }
            None => {
                out.push((down - OUTAGE_MARGIN_MS, down + OUTAGE_MARGIN_MS));
                out.push((up - OUTAGE_MARGIN_MS, up + OUTAGE_MARGIN_MS));
            }
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Verdict {
    Pass(u64),
    Reject,
}

/// The limiter's verdict at `t`, if it is the same at every shifted time in the margin.
pub(crate) fn robust_verdict(
    limit: &Limit,
    ng: &LimitReqState,
    hp: &HttpReqRateState,
    tb: &TokenBucketState,
    t: u64,
) -> Option<Verdict> {
    let ns = |ms: u64| ms * 1_000_000;
    match limit {
        Limit::None => Some(Verdict::Pass(0)),
        // Two buckets: `generate` asks `trace_limits::descriptor_verdict`.
        Limit::EnvoyDescriptor => None,
        Limit::Envoy(b) => {
            let at = |ms: u64| match b.check(&mut tb.clone(), ns(ms)) {
                BucketDecision::Allow => Verdict::Pass(0),
                BucketDecision::Deny { .. } => Verdict::Reject,
            };
            let v = at(t);
            (t.saturating_sub(8)..=t + 8).all(|x| at(x) == v).then_some(v)
        }
        Limit::Nginx(l) => {
            let at = |ms: u64| match l.check(&mut ng.clone(), ns(ms)) {
                LimitReqDecision::Pass { delay_ms } => Verdict::Pass(delay_ms),
                _ => Verdict::Reject,
            };
            let v = at(t);
            let same = (t.saturating_sub(8)..=t + 8).all(|x| {
                matches!((at(x), v), (Verdict::Reject, Verdict::Reject) | (Verdict::Pass(_), Verdict::Pass(_)))
            });
            same.then_some(v)
        }
        Limit::Haproxy(l, period, expire) => {
            if hp.ctr.started {
                let idle = t.saturating_sub(hp.last_touch_ms);
                if idle.abs_diff(*expire) < 12 {
                    return None;
                }
                if t >= hp.ctr.curr_tick {
                    let rel = (t - hp.ctr.curr_tick) % period;
                    if rel < 12 || rel > period - 12 {
                        return None;
                    }
                }
            }
            let at = |ms: u64| match l.track(&mut hp.clone(), ns(ms)) {
                TrackDecision::Allow { .. } => Verdict::Pass(0),
                TrackDecision::Deny { .. } => Verdict::Reject,
            };
            let v = at(t);
            (t.saturating_sub(10)..=t + 10).all(|x| at(x) == v).then_some(v)
        }
    }
}
