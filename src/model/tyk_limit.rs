//! Tyk's rate limiter choice in the model (`Limiter::Tyk`'s `limiter`), and the limiter it builds
//! ([`crate::policy::ratelimit::tyk`]).

use crate::policy::PolicyError;
use crate::policy::ratelimit::{AnyLimiter, Tyk, TykConfig};
use serde::{Deserialize, Serialize};

/// Which of Tyk's limiters `tyk.conf` enables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TykLimiter {
    /// Neither option: the distributed rate limiter (DRL), or the Redis rolling window for a key
    /// whose `rate/per` is at most `gateways x drl_threshold` when there are several gateways.
    #[default]
    Drl,
    /// `enable_redis_rolling_limiter`: the Redis rolling window (sliding log).
    RedisRolling,
    /// `enable_sentinel_rate_limiter`: the rolling window behind a sentinel key.
    Sentinel,
}

/// The limiter of a `Tyk` rate limit with these parameters.
pub(super) fn build(
    rate: u64,
    per_s: u64,
    limiter: TykLimiter,
    gateways: u32,
    drl_threshold: f64,
) -> Result<AnyLimiter, PolicyError> {
    let config = TykConfig {
        sentinel: limiter == TykLimiter::Sentinel,
        redis_rolling: limiter == TykLimiter::RedisRolling,
        gateways,
        drl_threshold,
    };
    Tyk::new(rate, per_s, config).map(AnyLimiter::Tyk)
}
