//! Rate limiters, one file per product family.
//!
//! Every limiter is an immutable config with a `check`-style method taking the per-key state (a small
//! `Copy + Default` struct the engine stores in its own dense vector) and `now_ns`. A `Default` state is
//! the state of a key never seen before.

pub mod fixed_window;
pub mod freq_ctr;
pub mod gcra;
pub mod limit_req;
pub mod token_bucket;
pub mod traefik;

pub use fixed_window::{EnvoyRatelimit, FixedWindowState, Kong, KongCounting, KongPeriod, KongState, WindowDecision};
pub use freq_ctr::{FreqCtr, HttpReqRate, HttpReqRateState, TrackDecision};
pub use gcra::{Gcra, GcraDecision, GcraState};
pub use limit_req::{LimitReq, LimitReqDecision, LimitReqDelay, LimitReqRate, LimitReqState};
pub use token_bucket::{AwsThrottle, BucketDecision, EnvoyRefill, EnvoyTokenBucket, TokenBucketState};
pub use traefik::{Traefik, TraefikDecision, TraefikState};

/// Any of the limiters the simulator applies on a gateway route, with its per-key state type.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyLimiter {
    /// NGINX `limit_req`.
    NginxLimitReq(LimitReq),
    /// HAProxy stick-table `http_req_rate` + deny.
    HaproxyHttpReqRate(HttpReqRate),
    /// Envoy local rate limit.
    Envoy(EnvoyTokenBucket),
    /// AWS API Gateway throttling.
    Aws(AwsThrottle),
    /// GCRA (governor).
    Gcra(Gcra),
}

/// Per-key state of an [`AnyLimiter`]; `Default` is a key never seen.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AnyLimiterState {
    /// NGINX node.
    pub limit_req: LimitReqState,
    /// HAProxy stick-table entry.
    pub http_req_rate: HttpReqRateState,
    /// Token bucket.
    pub bucket: TokenBucketState,
    /// GCRA theoretical arrival time.
    pub gcra: GcraState,
}

/// What any limiter decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitDecision {
    /// Go on after `delay_ns` (NGINX `limit_req` delays; 0 for the others).
    Pass {
        /// Time the request is held before it goes upstream.
        delay_ns: u64,
    },
    /// Answered at once with `status`.
    Reject {
        /// HTTP status.
        status: u16,
    },
}

impl AnyLimiter {
    /// Applies the limiter to one request of the key whose state is `state`.
    #[inline]
    pub fn check(&self, state: &mut AnyLimiterState, now_ns: u64) -> LimitDecision {
        match self {
            AnyLimiter::NginxLimitReq(l) => match l.check(&mut state.limit_req, now_ns) {
                LimitReqDecision::Pass { delay_ms } => LimitDecision::Pass { delay_ns: delay_ms * super::NS_PER_MS },
                LimitReqDecision::Reject { status } => LimitDecision::Reject { status },
                LimitReqDecision::DryRun { .. } => LimitDecision::Pass { delay_ns: 0 },
            },
            AnyLimiter::HaproxyHttpReqRate(l) => match l.track(&mut state.http_req_rate, now_ns) {
                TrackDecision::Allow { .. } => LimitDecision::Pass { delay_ns: 0 },
                TrackDecision::Deny { status, .. } => LimitDecision::Reject { status },
            },
            AnyLimiter::Envoy(l) => bucket(l.check(&mut state.bucket, now_ns)),
            AnyLimiter::Aws(l) => bucket(l.check(&mut state.bucket, now_ns)),
            AnyLimiter::Gcra(l) => match l.check(&mut state.gcra, now_ns) {
                GcraDecision::Allow => LimitDecision::Pass { delay_ns: 0 },
                GcraDecision::Deny { .. } => LimitDecision::Reject { status: super::status::TOO_MANY_REQUESTS },
            },
        }
    }
}

fn bucket(d: BucketDecision) -> LimitDecision {
    match d {
        BucketDecision::Allow => LimitDecision::Pass { delay_ns: 0 },
        BucketDecision::Deny { status } => LimitDecision::Reject { status },
    }
}
