//! Tyk's rate limiters (TykTechnologies/tyk `gateway/session_manager.go` at commit 42d7f887, fns
//! `ForwardMessage`, `limitDRL`, `limitRedis`, `limitSentinel`, `doRollingWindowWrite`;
//! `internal/rate/sliding_log.go` fn `SetCount`; TykTechnologies/leakybucket
//! `memorycache/memorycache.go` fn `bucket.Add`; TykTechnologies/drl `drl.go` fns `Init`,
//! `percentagesAcrossServers`, `calculateTokenBucketValue`). A key may make `rate` requests per
//! `per` seconds; over the limit Tyk answers 429 (`handleRateLimitFailure`).
//!
//! - **Which limiter** (`ForwardMessage`): `enable_sentinel_rate_limiter` takes the sentinel,
//!   else `enable_redis_rolling_limiter` the Redis rolling window, else the distributed rate
//!   limiter (DRL), except that with `n > 1` gateways and `n x drl_threshold >= rate / per`
//!   (threshold default 5) the Redis rolling window is used instead.
//! - **DRL**: an in-memory bucket per key of capacity `max(rate x 100, token)` whose every request
//!   costs `token`: `RequestTokenValue` is 100 and each of the `n` gateways weighs `1/n`, so
//!   `token = round(100 / (1/n)) = 100 n`. The bucket is created full with `reset = now + per`
//!   at a key's first request; a request after `reset` (strictly) refills it and sets `reset =
//!   now + per`; a request costing more than what remains is refused and takes nothing. So each
//!   gateway lets `max(1, floor(rate / n))` requests through per window, windows starting at the
//!   first request after the last one ended.
//! - **Redis rolling window** (a sliding log): every request, refused ones too, is added to the
//!   key's sorted set; the count read is of the entries newer than `now - per` (entries at or
//!   before it are removed) *before* adding this one. Refused iff `count > rate - 1`.
//! - **Sentinel**: refused iff the key's sentinel exists; then (Tyk writes in a goroutine, taken
//!   here as after the check) the request is logged as above, and when `count > rate - 2` the
//!   sentinel is set to expire `per` seconds later.
//!
//! The Redis log is shared by all the gateways; the simulator sees only this gateway's requests.

use super::super::{NS_PER_S, PolicyError, status};
use std::collections::VecDeque;

/// Which of Tyk's limiters applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TykMode {
    /// The distributed rate limiter (in-memory bucket per gateway).
    Drl,
    /// The Redis rolling window (sliding log).
    RedisRolling,
    /// The Redis rolling window behind a sentinel key.
    Sentinel,
}

/// The configuration choices of `tyk.conf` that pick the limiter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TykConfig {
    /// `enable_sentinel_rate_limiter`.
    pub sentinel: bool,
    /// `enable_redis_rolling_limiter`.
    pub redis_rolling: bool,
    /// Gateways in the DRL group (`n`).
    pub gateways: u32,
    /// `drl_threshold` (0 means Tyk's default, 5).
    pub drl_threshold: f64,
}

/// A Tyk rate limit: `rate` requests per `per` seconds per key.
#[derive(Clone, Debug, PartialEq)]
pub struct Tyk {
    rate: u64,
    per_ns: u64,
    mode: TykMode,
    capacity: u64,
    cost: u64,
}

/// One key's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TykState {
    /// DRL: the bucket exists.
    pub started: bool,
    /// DRL: tokens left.
    pub remaining: u64,
    /// DRL: when the bucket refills (ns).
    pub reset_ns: u64,
    /// Redis: the most recent log entries (ns), at most `rate` of them (older ones never decide).
    pub log: VecDeque<u64>,
    /// Sentinel: it exists until this time (ns).
    pub sentinel_until_ns: u64,
}

/// A Tyk verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TykDecision {
    /// Forwarded.
    Allow,
    /// Refused with 429.
    Deny {
        /// 429.
        status: u16,
    },
}

/// The largest `rate` accepted for the Redis limiters (their state keeps `rate` timestamps).
pub const MAX_LOGGED_RATE: u64 = 1_000_000;

impl Tyk {
    /// The limit. Errors: `rate` or `per` zero, no gateway, a rate beyond [`MAX_LOGGED_RATE`] for
    /// the Redis limiters.
    pub fn new(rate: u64, per_s: u64, config: TykConfig) -> Result<Self, PolicyError> {
        if rate == 0 {
            return Err(PolicyError::Zero { param: "rate" });
        }
        if per_s == 0 {
            return Err(PolicyError::Zero { param: "per" });
        }
        if config.gateways == 0 {
            return Err(PolicyError::Zero { param: "gateways" });
        }
        if !(config.drl_threshold.is_finite() && config.drl_threshold >= 0.0) {
            return Err(PolicyError::Invalid { param: "drl_threshold", reason: "must be a number >= 0" });
        }
        let n = f64::from(config.gateways);
        let threshold = if config.drl_threshold == 0.0 { 5.0 } else { config.drl_threshold };
        let mode = if config.sentinel {
            TykMode::Sentinel
        } else if config.redis_rolling || !(n <= 1.0 || n * threshold < rate as f64 / per_s as f64) {
            TykMode::RedisRolling
        } else {
            TykMode::Drl
        };
        if mode != TykMode::Drl && rate > MAX_LOGGED_RATE {
            return Err(PolicyError::OutOfRange {
                param: "rate",
                value: i128::from(rate),
                min: 1,
                max: i128::from(MAX_LOGGED_RATE),
            });
        }
        let cost = 100 * u64::from(config.gateways);
        let capacity = rate.saturating_mul(100).max(cost);
        Ok(Self { rate, per_ns: per_s.saturating_mul(NS_PER_S), mode, capacity, cost })
    }

    /// The limiter Tyk picks for this configuration.
    pub fn mode(&self) -> TykMode {
        self.mode
    }

    /// Applies the limit to one request of a key.
    pub fn check(&self, state: &mut TykState, now_ns: u64) -> TykDecision {
        let refused = match self.mode {
            TykMode::Drl => self.drl(state, now_ns),
            TykMode::RedisRolling => self.log(state, now_ns) > self.rate - 1,
            TykMode::Sentinel => {
                let blocked = now_ns < state.sentinel_until_ns;
                if self.log(state, now_ns) as i128 > self.rate as i128 - 2 {
                    state.sentinel_until_ns = now_ns + self.per_ns;
                }
                blocked
            }
        };
        if refused { TykDecision::Deny { status: status::TOO_MANY_REQUESTS } } else { TykDecision::Allow }
    }

    /// DRL: whether the request is refused.
    fn drl(&self, state: &mut TykState, now_ns: u64) -> bool {
        if !state.started || now_ns > state.reset_ns {
            state.started = true;
            state.remaining = self.capacity;
            state.reset_ns = now_ns + self.per_ns;
        }
        if self.cost > state.remaining {
            return true;
        }
        state.remaining -= self.cost;
        false
    }

    /// The sliding log: the entries newer than `now - per` before this request, which is added.
    fn log(&self, state: &mut TykState, now_ns: u64) -> u64 {
        let start = now_ns.saturating_sub(self.per_ns);
        while state.log.front().is_some_and(|&t| t <= start && now_ns >= self.per_ns) {
            state.log.pop_front();
        }
        let count = state.log.len() as u64;
        state.log.push_back(now_ns);
        if state.log.len() as u64 > self.rate {
            state.log.pop_front();
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn tyk(rate: u64, per: u64, sentinel: bool, redis: bool, gateways: u32) -> Tyk {
        Tyk::new(rate, per, TykConfig { sentinel, redis_rolling: redis, gateways, drl_threshold: 0.0 }).unwrap()
    }

    fn run(t: &Tyk, times_ms: &[u64]) -> Vec<bool> {
        let mut s = TykState::default();
        times_ms.iter().map(|&ms| t.check(&mut s, ms * MS) == TykDecision::Allow).collect()
    }

    #[test]
    fn forward_message_picks_the_limiter() {
        // session_manager.go `ForwardMessage`: sentinel, then Redis rolling, then DRL unless
        // n > 1 and n x drl_threshold (5) >= rate/per.
        assert_eq!(tyk(10, 1, true, true, 1).mode(), TykMode::Sentinel);
        assert_eq!(tyk(10, 1, false, true, 1).mode(), TykMode::RedisRolling);
        assert_eq!(tyk(10, 1, false, false, 1).mode(), TykMode::Drl);
        // Two gateways: 2 x 5 = 10 >= 10 r/s -> Redis; 11 r/s -> DRL.
        assert_eq!(tyk(10, 1, false, false, 2).mode(), TykMode::RedisRolling);
        assert_eq!(tyk(11, 1, false, false, 2).mode(), TykMode::Drl);
    }

    #[test]
    fn drl_is_a_window_from_the_first_request_of_rate_requests() {
        // leakybucket memorycache `bucket.Add`: capacity 3 x 100, cost 100 (one gateway): three
        // requests pass in the window opened at t=100 ms (reset at 1100 ms), the fourth is
        // refused; at exactly 1100 ms still refused (`After` is strict), after it refilled.
        let t = tyk(3, 1, false, false, 1);
        assert_eq!(
            run(&t, &[100, 200, 300, 400, 1100, 1101, 1102, 1103, 1104]),
            [true, true, true, false, false, true, true, true, false]
        );
    }

    #[test]
    fn drl_divides_the_rate_among_gateways() {
        // drl.go: each of n gateways weighs 1/n, so a request costs 100 n: 10 per second over 3
        // gateways is floor(1000 / 300) = 3 per gateway; 2 per second over 3 gateways is still 1
        // (capacity max(rate x 100, cost): "DRL will always overflow with more servers on low rates").
        // drl_threshold 1: 3 x 1 < 10 r/s keeps the DRL (with the default 5, 15 >= 10 takes Redis).
        let c = TykConfig { sentinel: false, redis_rolling: false, gateways: 3, drl_threshold: 1.0 };
        let t = Tyk::new(10, 1, c).unwrap();
        assert_eq!(t.mode(), TykMode::Drl);
        assert_eq!(tyk(10, 1, false, false, 3).mode(), TykMode::RedisRolling);
        assert_eq!(run(&t, &[0, 1, 2, 3]), [true, true, true, false]);
        let low = Tyk::new(2, 1, TykConfig { sentinel: false, redis_rolling: false, gateways: 3, drl_threshold: 0.1 });
        assert_eq!(run(&low.unwrap(), &[0, 1]), [true, false]);
    }

    #[test]
    fn the_rolling_window_counts_refused_requests_too() {
        // `doRollingWindowWrite`: count before adding, refused iff count > rate - 1; every
        // request is logged. Rate 2 per 1 s: at 0 and 100 ms pass; 200 ms (count 2) refused;
        // at 1150 ms the entries newer than 150 ms are 200 ms' only (count 1): passes; at 1160
        // ms the entries newer than 160 ms are 200 and 1150 (count 2): refused.
        let t = tyk(2, 1, false, true, 1);
        assert_eq!(run(&t, &[0, 100, 200, 1150, 1160]), [true, true, false, true, false]);
        // A client that keeps sending stays refused: one request every 400 ms at rate 2/s (at
        // 1800 ms the entries newer than 800 ms are 1000 and 1400: count 2; and so on).
        let steady: Vec<u64> = (0..10).map(|i| 1000 + i * 400).collect();
        let mut s = TykState::default();
        let t = tyk(2, 1, false, true, 1);
        let got: Vec<bool> = steady.iter().map(|&ms| t.check(&mut s, ms * MS) == TykDecision::Allow).collect();
        assert_eq!(got, [true, true, false, false, false, false, false, false, false, false]);
    }

    #[test]
    fn the_sentinel_blocks_for_per_seconds_after_the_threshold() {
        // `limitSentinel`: blocked iff the sentinel exists; the write sets it when the count
        // before it exceeds rate - 2. Rate 3 per 1 s: 0, 10 pass; 20 ms (count 2 > 1) passes and
        // sets the sentinel until 1020 ms; 30 ms blocked (and refreshes it to 1030 ms); 1025 ms
        // blocked; 1031 ms: sentinel gone, entries newer than 31 ms: 1025 only -> passes.
        let t = tyk(3, 1, true, false, 1);
        assert_eq!(run(&t, &[0, 10, 20, 30, 1025, 1031]), [true, true, true, false, false, true]);
    }

    #[test]
    fn tyk_refuses_zero_rates_and_periods() {
        let c = TykConfig { sentinel: false, redis_rolling: false, gateways: 1, drl_threshold: 0.0 };
        assert!(Tyk::new(0, 1, c).is_err());
        assert!(Tyk::new(1, 0, c).is_err());
        assert!(Tyk::new(1, 1, TykConfig { gateways: 0, ..c }).is_err());
    }
}
