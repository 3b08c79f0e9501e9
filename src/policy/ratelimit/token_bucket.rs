//! Token buckets: Envoy local rate limit (Envoy 1.40 behaviour) and AWS API Gateway throttling.
//!
//! Envoy: `source/common/common/token_bucket_impl.cc` fn `AtomicTokenBucketImpl::consume` (continuous
//! refill, 1.31.0+; the bucket is held as a single "time" value and `tokens = min(max, (now - time) *
//! rate)`), and the pre-1.31 timer model (`local_ratelimit_impl.cc` fn `onFillTimerHelper`) as
//! [`EnvoyRefill::Timer`]. The filter is off unless `filter_enabled`/`filter_enforced` are set: the engine
//! only builds a limiter for an enforced filter. Over the limit: 429 with body `local_rate_limited` and no
//! `x-envoy-ratelimited` header.
//!
//! AWS API Gateway (developer guide, "Throttle requests to your REST APIs"): a token bucket of `burst`
//! tokens refilled at `rate` per second, one token per request, 429 when empty. AWS documents no exact
//! arithmetic; this one is exact integer arithmetic in nano-tokens, starting full.

use super::super::{NS_PER_MS, NS_PER_S, PolicyError, status};

/// Which Envoy refill model to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvoyRefill {
    /// Envoy 1.31.0 and later: continuous refill at `tokens_per_fill / fill_interval`.
    Continuous,
    /// Before 1.31.0: a timer adds `tokens_per_fill` every `fill_interval` (ticks anchored at run start).
    Timer,
}

/// Envoy `token_bucket { max_tokens, tokens_per_fill, fill_interval }` of a local rate limit.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvoyTokenBucket {
    max_tokens: u32,
    tokens_per_fill: u32,
    fill_interval_ns: u64,
    /// Tokens per second (continuous model).
    fill_rate: f64,
    refill: EnvoyRefill,
    status: u16,
}

/// Per-bucket state. `Default` is a bucket that is still full (Envoy creates buckets full).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TokenBucketState {
    /// Continuous model: the bucket's "time" in seconds (tokens = (now - time) * rate, capped).
    /// Integer models: tokens (AWS: nano-tokens).
    pub level: f64,
    /// Integer models: token count (timer) or nano-tokens (AWS).
    pub tokens: u128,
    /// Last refill instant: timer tick index (timer model) or ns (AWS).
    pub last: u64,
    /// Whether the bucket has been used (a fresh bucket is full).
    pub started: bool,
}

/// Outcome of a token-bucket check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketDecision {
    /// One token taken.
    Allow,
    /// No whole token: nothing taken.
    Deny {
        /// Status answered (429 unless configured).
        status: u16,
    },
}

impl EnvoyTokenBucket {
    /// Builds the bucket. `tokens_per_fill` defaults to 1 in Envoy.
    ///
    /// Errors: `max_tokens == 0`, `tokens_per_fill == 0`, `fill_interval < 50 ms`.
    pub fn new(
        max_tokens: u32,
        tokens_per_fill: u32,
        fill_interval_ns: u64,
        refill: EnvoyRefill,
    ) -> Result<Self, PolicyError> {
        if max_tokens == 0 {
            return Err(PolicyError::Zero { param: "max_tokens" });
        }
        if tokens_per_fill == 0 {
            return Err(PolicyError::Zero { param: "tokens_per_fill" });
        }
        if fill_interval_ns < 50 * NS_PER_MS {
            return Err(PolicyError::Invalid { param: "fill_interval", reason: "must be at least 50 ms" });
        }
        let fill_rate = f64::from(tokens_per_fill) / (fill_interval_ns as f64 / NS_PER_S as f64);
        Ok(Self { max_tokens, tokens_per_fill, fill_interval_ns, fill_rate, refill, status: status::TOO_MANY_REQUESTS })
    }

    /// Sets the rejection status (`status` of the filter); as in Envoy, a code below 400 becomes 429.
    pub fn with_status(mut self, code: u16) -> Self {
        self.status = if code < 400 { status::TOO_MANY_REQUESTS } else { code };
        self
    }

    /// Tokens per second of the continuous model.
    pub fn fill_rate(&self) -> f64 {
        self.fill_rate
    }

    /// Takes one token if a whole one is available.
    pub fn check(&self, state: &mut TokenBucketState, now_ns: u64) -> BucketDecision {
        let allowed = match self.refill {
            EnvoyRefill::Continuous => self.consume_continuous(state, now_ns),
            EnvoyRefill::Timer => self.consume_timer(state, now_ns),
        };
        if allowed { BucketDecision::Allow } else { BucketDecision::Deny { status: self.status } }
    }

    fn consume_continuous(&self, state: &mut TokenBucketState, now_ns: u64) -> bool {
        let now_s = now_ns as f64 / NS_PER_S as f64;
        let max = f64::from(self.max_tokens);
        if !state.started {
            state.started = true;
            state.level = now_s - max / self.fill_rate;
        }
        if now_s <= state.level {
            return false;
        }
        let total = max.min((now_s - state.level) * self.fill_rate);
        if total < 1.0 {
            return false;
        }
        state.level = now_s - (total - 1.0) / self.fill_rate;
        true
    }

    fn consume_timer(&self, state: &mut TokenBucketState, now_ns: u64) -> bool {
        let tick = now_ns / self.fill_interval_ns;
        if !state.started {
            state.started = true;
            state.tokens = u128::from(self.max_tokens);
            state.last = tick;
        }
        if tick > state.last {
            let add = u128::from(tick - state.last) * u128::from(self.tokens_per_fill);
            state.tokens = (state.tokens + add).min(u128::from(self.max_tokens));
            state.last = tick;
        }
        if state.tokens == 0 {
            return false;
        }
        state.tokens -= 1;
        true
    }
}

/// AWS API Gateway throttle: steady-state `rate` requests per second and a bucket of `burst`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsThrottle {
    rate_per_s: u64,
    burst: u64,
}

impl AwsThrottle {
    /// Account default per Region: 10,000 RPS, burst 5,000.
    pub const ACCOUNT_DEFAULT: (u64, u64) = (10_000, 5_000);

    /// Errors: `rate_per_s == 0` or `burst == 0`.
    pub fn new(rate_per_s: u64, burst: u64) -> Result<Self, PolicyError> {
        if rate_per_s == 0 {
            return Err(PolicyError::Zero { param: "rateLimit" });
        }
        if burst == 0 {
            return Err(PolicyError::Zero { param: "burstLimit" });
        }
        Ok(Self { rate_per_s, burst })
    }

    /// Takes one token (1e9 nano-tokens) if available, else 429.
    pub fn check(&self, state: &mut TokenBucketState, now_ns: u64) -> BucketDecision {
        let cap = u128::from(self.burst) * u128::from(NS_PER_S);
        if !state.started {
            state.started = true;
            state.tokens = cap;
            state.last = now_ns;
        }
        if now_ns > state.last {
            let add = u128::from(now_ns - state.last) * u128::from(self.rate_per_s);
            state.tokens = (state.tokens + add).min(cap);
            state.last = now_ns;
        }
        if state.tokens < u128::from(NS_PER_S) {
            return BucketDecision::Deny { status: status::TOO_MANY_REQUESTS };
        }
        state.tokens -= u128::from(NS_PER_S);
        BucketDecision::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = NS_PER_MS;
    const DENY: BucketDecision = BucketDecision::Deny { status: 429 };

    fn allowed(b: &EnvoyTokenBucket, s: &mut TokenBucketState, t: u64, n: usize) -> usize {
        (0..n).filter(|_| b.check(s, t) == BucketDecision::Allow).count()
    }

    #[test]
    fn envoy_bucket_starts_full_and_needs_a_whole_token() {
        // 10 tokens, 1 per 100 ms = 10/s.
        let b = EnvoyTokenBucket::new(10, 1, 100 * MS, EnvoyRefill::Continuous).unwrap();
        let mut s = TokenBucketState::default();
        assert_eq!(allowed(&b, &mut s, 0, 12), 10);
        // 150 ms later: 1.5 tokens, one request passes, the second needs a whole token.
        assert_eq!(allowed(&b, &mut s, 150 * MS, 3), 1);
        // at 200 ms the half token left has become one.
        assert_eq!(allowed(&b, &mut s, 200 * MS, 2), 1);
    }

    #[test]
    fn envoy_continuous_rejection_takes_nothing() {
        let b = EnvoyTokenBucket::new(1, 1, 1000 * MS, EnvoyRefill::Continuous).unwrap();
        let mut s = TokenBucketState::default();
        assert_eq!(b.check(&mut s, 0), BucketDecision::Allow);
        for t in [100, 500, 999] {
            assert_eq!(b.check(&mut s, t * MS), DENY);
        }
        assert_eq!(b.check(&mut s, 1000 * MS), BucketDecision::Allow);
    }

    #[test]
    fn envoy_timer_refill_adds_whole_fills_at_interval_boundaries() {
        let b = EnvoyTokenBucket::new(5, 2, 1000 * MS, EnvoyRefill::Timer).unwrap();
        let mut s = TokenBucketState::default();
        assert_eq!(allowed(&b, &mut s, 0, 6), 5);
        // Continuous would give 1.9 tokens at 950 ms; the timer gives none before 1000 ms.
        assert_eq!(allowed(&b, &mut s, 950 * MS, 3), 0);
        assert_eq!(allowed(&b, &mut s, 1000 * MS, 3), 2);
        let c = EnvoyTokenBucket::new(5, 2, 1000 * MS, EnvoyRefill::Continuous).unwrap();
        let mut s = TokenBucketState::default();
        assert_eq!(allowed(&c, &mut s, 0, 6), 5);
        assert_eq!(allowed(&c, &mut s, 950 * MS, 3), 1);
    }

    #[test]
    fn envoy_bucket_validates_and_maps_status() {
        assert!(EnvoyTokenBucket::new(1, 1, 49 * MS, EnvoyRefill::Continuous).is_err());
        assert!(EnvoyTokenBucket::new(0, 1, 50 * MS, EnvoyRefill::Continuous).is_err());
        assert!(EnvoyTokenBucket::new(1, 0, 50 * MS, EnvoyRefill::Continuous).is_err());
        let b = EnvoyTokenBucket::new(1, 1, 50 * MS, EnvoyRefill::Continuous).unwrap();
        assert!((b.fill_rate() - 20.0).abs() < 1e-12);
        let mut s = TokenBucketState::default();
        let b = b.with_status(200);
        b.check(&mut s, 0);
        assert_eq!(b.check(&mut s, 0), DENY);
        let b = b.with_status(503);
        assert_eq!(b.check(&mut s, 0), BucketDecision::Deny { status: 503 });
    }

    #[test]
    fn aws_bucket_allows_burst_then_rate() {
        let a = AwsThrottle::new(10, 5).unwrap();
        let mut s = TokenBucketState::default();
        let n = (0..8).filter(|_| a.check(&mut s, 0) == BucketDecision::Allow).count();
        assert_eq!(n, 5);
        assert_eq!(a.check(&mut s, 99 * MS), DENY);
        assert_eq!(a.check(&mut s, 100 * MS), BucketDecision::Allow);
        assert_eq!(a.check(&mut s, 100 * MS), DENY);
        assert!(AwsThrottle::new(0, 1).is_err());
    }
}
