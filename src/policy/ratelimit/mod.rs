//! Rate limiters, one file per product family.
//!
//! Every limiter is an immutable config with a `check`-style method taking the per-key state (a small
//! `Copy + Default` struct the engine stores in its own dense vector) and `now_ns`. A `Default` state is
//! the state of a key never seen before.

pub mod envoy_local;
pub mod fixed_window;
pub mod freq_ctr;
pub mod gcra;
pub mod limit_req;
pub mod token_bucket;
pub mod traefik;
pub mod tyk;

pub use envoy_local::{DescriptorSource, EnvoyDescriptorBucket, EnvoyLocal, LocalDecision};
pub use fixed_window::{EnvoyRatelimit, FixedWindowState, Kong, KongCounting, KongPeriod, KongState, WindowDecision};
pub use freq_ctr::{FreqCtr, HttpReqRate, HttpReqRateState, TrackDecision};
pub use gcra::{Gcra, GcraDecision, GcraState};
pub use limit_req::{LimitReq, LimitReqDecision, LimitReqDelay, LimitReqRate, LimitReqState};
pub use token_bucket::{AwsThrottle, BucketDecision, EnvoyRefill, EnvoyTokenBucket, TokenBucketState};
pub use traefik::{Traefik, TraefikDecision, TraefikState};
pub use tyk::{Tyk, TykConfig, TykDecision, TykMode, TykState};

/// Any of the limiters the simulator applies on a gateway route.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyLimiter {
    /// NGINX `limit_req`.
    NginxLimitReq(LimitReq),
    /// HAProxy stick-table `http_req_rate` + deny.
    HaproxyHttpReqRate(HttpReqRate),
    /// Envoy local rate limit.
    Envoy(EnvoyTokenBucket),
    /// Envoy local rate limit with descriptors or `filter_enabled`/`filter_enforced` fractions
    /// below 100 % (the engine applies it with the request's descriptor and a random stream).
    EnvoyLocal(EnvoyLocal),
    /// Tyk (DRL, Redis rolling window, sentinel).
    Tyk(Tyk),
    /// AWS API Gateway throttling.
    Aws(AwsThrottle),
    /// GCRA (governor).
    Gcra(Gcra),
    /// Traefik `rateLimit` middleware.
    Traefik(Traefik),
    /// Kong `rate-limiting` plugin.
    Kong(Kong),
    /// envoyproxy/ratelimit (Envoy's global rate-limit service).
    EnvoyRatelimit(EnvoyRatelimit),
}

/// The per-key states of one limiter, one dense vector of the limiter's own state type, indexed
/// by key (grown on demand; `Default` is a key never seen).
#[derive(Clone, Debug, PartialEq)]
pub enum LimiterStates {
    /// For [`AnyLimiter::NginxLimitReq`].
    LimitReq(Vec<LimitReqState>),
    /// For [`AnyLimiter::HaproxyHttpReqRate`].
    HttpReqRate(Vec<HttpReqRateState>),
    /// For the token buckets ([`AnyLimiter::Envoy`], [`AnyLimiter::Aws`]).
    Bucket(Vec<TokenBucketState>),
    /// For [`AnyLimiter::Gcra`].
    Gcra(Vec<GcraState>),
    /// For [`AnyLimiter::Traefik`].
    Traefik(Vec<TraefikState>),
    /// For [`AnyLimiter::Kong`].
    Kong(Vec<KongState>),
    /// For [`AnyLimiter::EnvoyRatelimit`].
    Window(Vec<FixedWindowState>),
    /// For [`AnyLimiter::Tyk`].
    Tyk(Vec<TykState>),
    /// For [`AnyLimiter::EnvoyLocal`]: the default bucket per key, each descriptor's bucket, and
    /// per descriptor-source key the descriptor it matches (0: not looked up yet, 1: none, `2 +
    /// i`: descriptor `i`).
    EnvoyLocal {
        /// Default buckets, by limit key.
        default: Vec<TokenBucketState>,
        /// Descriptor buckets, by descriptor.
        descriptors: Vec<TokenBucketState>,
        /// Matched descriptor, by descriptor-source key.
        matched: Vec<u32>,
    },
}

/// What any limiter decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitDecision {
    /// Go on after `delay_ns` (NGINX `limit_req` and Traefik delays; 0 for the others).
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

/// The state of `key` in `v`, growing `v` when the key is new.
#[inline]
fn slot<T: Default + Clone>(v: &mut Vec<T>, key: usize) -> &mut T {
    if key >= v.len() {
        v.resize(key + 1, T::default());
    }
    &mut v[key]
}

const PASS: LimitDecision = LimitDecision::Pass { delay_ns: 0 };

impl AnyLimiter {
    /// Whether the product keeps this limiter's per-key state when its configuration is reloaded
    /// with `new` in its place (same key):
    /// - NGINX `limit_req`: yes, between two `limit_req` configurations. A reload reuses the
    ///   shared-memory zone of the same name and size (src/core/ngx_cycle.c, `ngx_init_cycle`), and
    ///   `ngx_http_limit_req_init_zone` takes over its nodes, which then drain at the new rate.
    ///   (Changing the key makes NGINX refuse the reload; the simulator starts a fresh zone.)
    /// - Kong `rate-limiting` (policy local): yes, the counters live in the shared dict
    ///   `kong_rate_limiting_counters`, keyed by route, service, identifier and period, not by the
    ///   plugin's limits (kong/plugins/rate-limiting/policies/init.lua).
    /// - Envoy's rate-limit service: yes, its counters live in Redis, keyed by descriptor and window.
    /// - AWS API Gateway: not documented; modelled as kept (a stage update changes the limits in
    ///   place).
    /// - HAProxy stick tables: no, a reload starts a new process with empty tables, unless a
    ///   `peers` section pushes them to it (doc/configuration.txt, "Peers declaration").
    /// - Envoy local rate limit: no, a new filter config builds a new token bucket, full
    ///   (`FilterConfig::FilterConfig`, local_ratelimit.cc).
    /// - Traefik: no, a dynamic configuration rebuilds its middlewares (`ratelimiter.New`).
    /// - GCRA (`governor`): no, it is an in-process object built from its quota.
    pub fn reload_keeps_state(&self, new: &AnyLimiter) -> bool {
        matches!(
            (self, new),
            (AnyLimiter::NginxLimitReq(_), AnyLimiter::NginxLimitReq(_))
                | (AnyLimiter::Kong(_), AnyLimiter::Kong(_))
                | (AnyLimiter::EnvoyRatelimit(_), AnyLimiter::EnvoyRatelimit(_))
                | (AnyLimiter::Aws(_), AnyLimiter::Aws(_))
        )
    }

    /// Empty per-key states of the right type for this limiter.
    pub fn states(&self) -> LimiterStates {
        match self {
            AnyLimiter::NginxLimitReq(_) => LimiterStates::LimitReq(Vec::new()),
            AnyLimiter::HaproxyHttpReqRate(_) => LimiterStates::HttpReqRate(Vec::new()),
            AnyLimiter::Envoy(_) | AnyLimiter::Aws(_) => LimiterStates::Bucket(Vec::new()),
            AnyLimiter::Gcra(_) => LimiterStates::Gcra(Vec::new()),
            AnyLimiter::Traefik(_) => LimiterStates::Traefik(Vec::new()),
            AnyLimiter::Kong(_) => LimiterStates::Kong(Vec::new()),
            AnyLimiter::EnvoyRatelimit(_) => LimiterStates::Window(Vec::new()),
            AnyLimiter::Tyk(_) => LimiterStates::Tyk(Vec::new()),
            AnyLimiter::EnvoyLocal(l) => LimiterStates::EnvoyLocal {
                default: Vec::new(),
                descriptors: vec![TokenBucketState::default(); l.descriptors().len()],
                matched: Vec::new(),
            },
        }
    }

    /// Applies the limiter to one request of `key`. `states` must come from [`AnyLimiter::states`]
    /// of this limiter (a mismatched pair lets the request pass). [`AnyLimiter::EnvoyLocal`] needs
    /// the request's descriptor and randomness: see [`AnyLimiter::check_envoy_local`].
    #[inline]
    pub fn check(&self, states: &mut LimiterStates, key: usize, now_ns: u64) -> LimitDecision {
        match (self, states) {
            (AnyLimiter::NginxLimitReq(l), LimiterStates::LimitReq(v)) => match l.check(slot(v, key), now_ns) {
                LimitReqDecision::Pass { delay_ms } => LimitDecision::Pass { delay_ns: delay_ms * super::NS_PER_MS },
                LimitReqDecision::Reject { status } => LimitDecision::Reject { status },
                LimitReqDecision::DryRun { .. } => PASS,
            },
            (AnyLimiter::HaproxyHttpReqRate(l), LimiterStates::HttpReqRate(v)) => match l.track(slot(v, key), now_ns) {
                TrackDecision::Allow { .. } => PASS,
                TrackDecision::Deny { status, .. } => LimitDecision::Reject { status },
            },
            (AnyLimiter::Envoy(l), LimiterStates::Bucket(v)) => bucket(l.check(slot(v, key), now_ns)),
            (AnyLimiter::Aws(l), LimiterStates::Bucket(v)) => bucket(l.check(slot(v, key), now_ns)),
            (AnyLimiter::Gcra(l), LimiterStates::Gcra(v)) => match l.check(slot(v, key), now_ns) {
                GcraDecision::Allow => PASS,
                GcraDecision::Deny { .. } => LimitDecision::Reject { status: super::status::TOO_MANY_REQUESTS },
            },
            (AnyLimiter::Traefik(l), LimiterStates::Traefik(v)) => match l.check(slot(v, key), now_ns) {
                TraefikDecision::Allow { delay_ns } => LimitDecision::Pass { delay_ns },
                TraefikDecision::Deny { status, .. } => LimitDecision::Reject { status },
            },
            (AnyLimiter::Kong(l), LimiterStates::Kong(v)) => window(l.check(slot(v, key), now_ns)),
            (AnyLimiter::EnvoyRatelimit(l), LimiterStates::Window(v)) => window(l.check(slot(v, key), now_ns)),
            (AnyLimiter::Tyk(l), LimiterStates::Tyk(v)) => match l.check(slot(v, key), now_ns) {
                TykDecision::Allow => PASS,
                TykDecision::Deny { status } => LimitDecision::Reject { status },
            },
            _ => PASS,
        }
    }
}

impl AnyLimiter {
    /// Applies an [`AnyLimiter::EnvoyLocal`] to one request of `key` whose descriptor matched
    /// `matched` (see [`EnvoyLocal::match_value`]); other limiters let it pass.
    pub fn check_envoy_local(
        &self,
        states: &mut LimiterStates,
        key: usize,
        matched: Option<usize>,
        rng: &mut impl super::Entropy,
        now_ns: u64,
    ) -> LimitDecision {
        let (AnyLimiter::EnvoyLocal(l), LimiterStates::EnvoyLocal { default, descriptors, .. }) = (self, states) else {
            return PASS;
        };
        let matched = matched.and_then(|i| descriptors.get_mut(i).map(|s| (i, s)));
        match l.check(rng, slot(default, key), matched, now_ns) {
            LocalDecision::Deny { status } => LimitDecision::Reject { status },
            LocalDecision::Allow | LocalDecision::NotEnabled | LocalDecision::NotEnforced => PASS,
        }
    }
}

fn bucket(d: BucketDecision) -> LimitDecision {
    match d {
        BucketDecision::Allow => PASS,
        BucketDecision::Deny { status } => LimitDecision::Reject { status },
    }
}

fn window(d: WindowDecision) -> LimitDecision {
    match d {
        WindowDecision::Allow => PASS,
        WindowDecision::Deny { status, .. } => LimitDecision::Reject { status },
    }
}
