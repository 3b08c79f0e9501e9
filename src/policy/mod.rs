//! Production policies of gatesim: rate limiters, load balancers, health checks, outlier detection,
//! circuit breakers, retries and autoscaling, each following one product's source.
//!
//! Conventions shared by every module:
//! - Time is `now_ns: u64`, nanoseconds since the start of the run, passed into every call; each policy
//!   converts it to its product's own granularity (whole ms for NGINX `limit_req`, whole seconds for NGINX
//!   `fail_timeout`, ms for HAProxy `freq_ctr`).
//! - Configuration (immutable, validated by a constructor returning [`PolicyError`]) is split from
//!   per-key state (small `Copy + Default` structs held by the engine in its own dense vectors).
//! - No decision allocates, reads the wall clock or uses a global random generator: randomness comes from
//!   an [`Entropy`] the caller passes in.
//! - Rejections carry the HTTP status code the product answers with, as a plain `u16` (see [`status`]).

pub mod autoscale;
pub mod balance;
pub mod breaker;
pub mod health;
pub mod next_upstream;
pub mod outlier;
pub mod panic;
pub mod ratelimit;
pub mod resilience4j;
pub mod retry;

use std::fmt;

/// HTTP status codes the policies answer with (plain `u16`, as products allow them to be configured).
pub mod status {
    /// 403 Forbidden: HAProxy `http-request deny` default `deny_status`.
    pub const FORBIDDEN: u16 = 403;
    /// 429 Too Many Requests: Envoy local/global rate limit, AWS API Gateway, Kong, Traefik.
    pub const TOO_MANY_REQUESTS: u16 = 429;
    /// 502 Bad Gateway: NGINX "no live upstreams".
    pub const BAD_GATEWAY: u16 = 502;
    /// 503 Service Unavailable: NGINX `limit_req_status` default, Envoy circuit-breaker overflow.
    pub const SERVICE_UNAVAILABLE: u16 = 503;
}

/// A configuration parameter that the product itself would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// A parameter must be strictly positive.
    Zero {
        /// Product name of the parameter.
        param: &'static str,
    },
    /// A parameter lies outside the range the product accepts.
    OutOfRange {
        /// Product name of the parameter.
        param: &'static str,
        /// The offending value (widened to i128 so any integer fits).
        value: i128,
        /// Smallest accepted value.
        min: i128,
        /// Largest accepted value.
        max: i128,
    },
    /// A parameter is invalid for another reason.
    Invalid {
        /// Product name of the parameter.
        param: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { param } => write!(f, "`{param}` must be greater than zero"),
            Self::OutOfRange { param, value, min, max } => write!(f, "`{param}` = {value} is outside {min}..={max}"),
            Self::Invalid { param, reason } => write!(f, "`{param}` is invalid: {reason}"),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Checks that `value` lies in `min..=max`, naming the parameter in the error.
pub(crate) fn check_range(param: &'static str, value: i128, min: i128, max: i128) -> Result<(), PolicyError> {
    if value < min || value > max { Err(PolicyError::OutOfRange { param, value, min, max }) } else { Ok(()) }
}

/// Source of randomness for the randomised policies (Envoy P2C, random, jitter).
///
/// The engine passes its own seeded generator; policies never use a global one.
pub trait Entropy {
    /// Returns the next 64 uniformly distributed random bits.
    fn next_u64(&mut self) -> u64;
}

/// Uniform integer in `0..n` without modulo bias (Lemire's multiply-and-reject); `0` when `n == 0`.
pub fn uniform_below(rng: &mut impl Entropy, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        if (m as u64) >= threshold {
            return (m >> 64) as u64;
        }
    }
}

/// Uniform integer in `lo..=hi` (returns `lo` when `hi <= lo`).
pub fn uniform_inclusive(rng: &mut impl Entropy, lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        return lo;
    }
    let span = hi - lo;
    if span == u64::MAX {
        return rng.next_u64();
    }
    lo + uniform_below(rng, span + 1)
}

/// Uniform `f64` in `[0, 1)` with 53 random bits.
pub fn unit_f64(rng: &mut impl Entropy) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds per second.
pub const NS_PER_S: u64 = 1_000_000_000;

#[cfg(test)]
pub(crate) mod testutil {
    use super::Entropy;

    /// SplitMix64, a tiny deterministic generator for tests.
    pub struct SplitMix64(pub u64);

    impl Entropy for SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    /// Always returns the same value: for pinning random choices in tests.
    pub struct Fixed(pub u64);

    impl Entropy for Fixed {
        fn next_u64(&mut self) -> u64 {
            self.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::SplitMix64;
    use super::*;

    #[test]
    fn uniform_below_stays_in_range_and_hits_every_value() {
        let mut rng = SplitMix64(7);
        let mut seen = [0u32; 5];
        for _ in 0..5000 {
            let v = uniform_below(&mut rng, 5);
            assert!(v < 5);
            seen[v as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800), "{seen:?}");
        assert_eq!(uniform_below(&mut rng, 0), 0);
    }

    #[test]
    fn unit_f64_is_in_half_open_unit_interval() {
        let mut rng = SplitMix64(1);
        for _ in 0..1000 {
            let x = unit_f64(&mut rng);
            assert!((0.0..1.0).contains(&x));
        }
        let mut max = super::testutil::Fixed(u64::MAX);
        assert!(unit_f64(&mut max) < 1.0);
    }

    #[test]
    fn policy_error_display_names_the_parameter() {
        let e = check_range("burst", -1, 0, 10).unwrap_err();
        assert_eq!(e.to_string(), "`burst` = -1 is outside 0..=10");
        assert_eq!(PolicyError::Zero { param: "rate" }.to_string(), "`rate` must be greater than zero");
    }
}
