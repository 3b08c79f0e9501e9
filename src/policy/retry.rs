//! Retry backoff and budgets.
//!
//! - Envoy 1.40 (`source/common/common/backoff_strategy.cc` fn
//!   `JitteredExponentialBackOffStrategy::nextBackOffMs`): the n-th retry waits a uniform integer in
//!   `[0, I_n - 1]` ms, `I_1 = base` (25 ms), `I_(n+1) = 2*I_n` while `I_n < max/2`, else `max`
//!   (default 10 x base): 25, 50, 100, 200, 250 ms.
//! - AWS Architecture Blog "Exponential Backoff And Jitter" (2015; aws-samples/aws-arch-backoff-
//!   simulator): full, equal and decorrelated jitter, here in integer ns.
//! - Envoy retry budget (`resource_manager_impl.h` `RetryBudgetImpl`): at most
//!   `max(min_retry_concurrency, budget_percent% of (active + pending))` concurrent retries.

use super::{Entropy, NS_PER_MS, PolicyError, uniform_below, uniform_inclusive};

/// Envoy's jittered exponential backoff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvoyBackoff {
    base_ms: u64,
    max_ms: u64,
}

/// Per-request backoff state (`next_interval_`). `Default` must be replaced by
/// [`EnvoyBackoff::start`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackoffState {
    /// The interval for the next retry, ms.
    pub next_interval_ms: u64,
}

impl EnvoyBackoff {
    /// `base_interval` (25 ms) and `max_interval` (default 10 x base). Errors: zero base, max < base.
    pub fn new(base_ms: u64, max_ms: Option<u64>) -> Result<Self, PolicyError> {
        if base_ms == 0 {
            return Err(PolicyError::Zero { param: "base_interval" });
        }
        let max_ms = max_ms.unwrap_or(base_ms * 10);
        if max_ms < base_ms {
            return Err(PolicyError::Invalid { param: "max_interval", reason: "must be >= base_interval" });
        }
        Ok(Self { base_ms, max_ms })
    }

    /// State for a new request.
    pub fn start(&self) -> BackoffState {
        BackoffState { next_interval_ms: self.base_ms }
    }

    /// The wait before the next retry, ns (whole ms).
    pub fn next_backoff_ns(&self, st: &mut BackoffState, rng: &mut impl Entropy) -> u64 {
        let backoff = st.next_interval_ms.max(1);
        st.next_interval_ms = if st.next_interval_ms < self.max_ms / 2 { st.next_interval_ms * 2 } else { self.max_ms };
        uniform_below(rng, backoff).min(self.max_ms) * NS_PER_MS
    }
}

/// AWS backoff variants; `base_ns`, `cap_ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsJitter {
    /// `random(0, min(cap, base * 2^n))`.
    Full,
    /// `t = min(cap, base * 2^n); t/2 + random(0, t/2)`.
    Equal,
    /// `min(cap, random(base, prev * 3))`, first `prev = base`.
    Decorrelated,
}

/// AWS backoff with jitter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsBackoff {
    jitter: AwsJitter,
    base_ns: u64,
    cap_ns: u64,
}

impl AwsBackoff {
    /// Errors: zero base, cap < base.
    pub fn new(jitter: AwsJitter, base_ns: u64, cap_ns: u64) -> Result<Self, PolicyError> {
        if base_ns == 0 {
            return Err(PolicyError::Zero { param: "base" });
        }
        if cap_ns < base_ns {
            return Err(PolicyError::Invalid { param: "cap", reason: "must be >= base" });
        }
        Ok(Self { jitter, base_ns, cap_ns })
    }

    /// Sleep before retry `attempt` (0-based); `prev_sleep_ns` is the previous sleep (decorrelated;
    /// pass `None` for the first).
    pub fn sleep_ns(&self, attempt: u32, prev_sleep_ns: Option<u64>, rng: &mut impl Entropy) -> u64 {
        let exp = self.base_ns.saturating_mul(1u64.checked_shl(attempt).unwrap_or(u64::MAX)).min(self.cap_ns);
        match self.jitter {
            AwsJitter::Full => uniform_inclusive(rng, 0, exp),
            AwsJitter::Equal => exp / 2 + uniform_inclusive(rng, 0, exp / 2),
            AwsJitter::Decorrelated => {
                let prev = prev_sleep_ns.unwrap_or(self.base_ns);
                uniform_inclusive(rng, self.base_ns, prev.saturating_mul(3)).min(self.cap_ns)
            }
        }
    }
}

/// Envoy `retry_budget`.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryBudget {
    budget_percent: f64,
    min_retry_concurrency: u64,
}

impl RetryBudget {
    /// Errors: percent outside 0..=100.
    pub fn new(budget_percent: f64, min_retry_concurrency: u64) -> Result<Self, PolicyError> {
        if !(0.0..=100.0).contains(&budget_percent) {
            return Err(PolicyError::Invalid { param: "budget_percent", reason: "must be within 0..=100" });
        }
        Ok(Self { budget_percent, min_retry_concurrency })
    }

    /// Envoy defaults: 20 %, 3.
    pub fn envoy_default() -> Self {
        Self { budget_percent: 20.0, min_retry_concurrency: 3 }
    }

    /// Maximum concurrent retries for the given active and pending requests.
    pub fn max_retries(&self, active: u64, pending: u64) -> u64 {
        let by_pct = (self.budget_percent / 100.0 * (active + pending) as f64) as u64;
        by_pct.max(self.min_retry_concurrency)
    }

    /// Whether one more retry may start.
    pub fn allows(&self, active_retries: u64, active: u64, pending: u64) -> bool {
        active_retries < self.max_retries(active, pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testutil::{Fixed, SplitMix64};

    #[test]
    fn envoy_backoff_ranges_are_25_50_100_200_250() {
        let b = EnvoyBackoff::new(25, None).unwrap();
        // The largest draw maps to I - 1, the top of each range.
        let mut st = b.start();
        let tops: Vec<_> = (0..6).map(|_| b.next_backoff_ns(&mut st, &mut Fixed(u64::MAX)) / NS_PER_MS).collect();
        assert_eq!(tops, [24, 49, 99, 199, 249, 249]);
        let mut rng = SplitMix64(8);
        for _ in 0..50 {
            let mut st = b.start();
            for top in [25, 50, 100, 200, 250, 250] {
                assert!(b.next_backoff_ns(&mut st, &mut rng) < top * NS_PER_MS);
            }
        }
        assert!(EnvoyBackoff::new(0, None).is_err());
    }

    #[test]
    fn aws_jitters_stay_in_their_ranges() {
        let mut rng = SplitMix64(2);
        let full = AwsBackoff::new(AwsJitter::Full, 100, 1000).unwrap();
        let equal = AwsBackoff::new(AwsJitter::Equal, 100, 1000).unwrap();
        let dec = AwsBackoff::new(AwsJitter::Decorrelated, 100, 1000).unwrap();
        let mut prev = None;
        for n in 0..10 {
            let t = (100u64 << n).min(1000);
            assert!(full.sleep_ns(n, None, &mut rng) <= t);
            let e = equal.sleep_ns(n, None, &mut rng);
            assert!((t / 2..=t).contains(&e));
            let d = dec.sleep_ns(n, prev, &mut rng);
            assert!((100..=1000).contains(&d));
            prev = Some(d);
        }
        assert_eq!(full.sleep_ns(2, None, &mut Fixed(u64::MAX)), 400);
    }

    #[test]
    fn retry_budget_is_twenty_percent_with_minimum_three() {
        let b = RetryBudget::envoy_default();
        assert_eq!(b.max_retries(10, 0), 3);
        assert_eq!(b.max_retries(100, 50), 30);
        assert!(b.allows(29, 100, 50));
        assert!(!b.allows(30, 100, 50));
        assert!(RetryBudget::new(101.0, 3).is_err());
    }
}
