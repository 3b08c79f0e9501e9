//! Traefik `rateLimit` middleware: Traefik 3.7 behaviour.
//!
//! Follows `pkg/middlewares/ratelimiter/rate_limiter.go` fns `New` (rate, burst, `maxDelay`) and
//! `ServeHTTP` (reserve, cancel over `maxDelay`, 429 with `Retry-After`), and
//! `golang.org/x/time/rate` (`Limiter.reserveN`, `advance`, `Reservation.CancelAt`): a continuous
//! bucket of `burst` tokens at `average/period` per second, starting full, each request reserving one
//! token (possibly going negative, i.e. waiting). Buckets evicted from Traefik's TTL map come back full;
//! the engine models eviction by resetting the state to `Default` ([`Traefik::ttl_ns`]).

use super::super::{NS_PER_MS, NS_PER_S, PolicyError, status};

/// `rateLimit { average, period, burst }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Traefik {
    /// Tokens per second; `None` = unlimited (`average` 0).
    rate: Option<f64>,
    burst: u64,
    max_delay_ns: u64,
}

/// Per-source bucket (`rate.Limiter`). `Default` is a new, full bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TraefikState {
    /// Tokens (may be negative while requests wait).
    pub tokens: f64,
    /// Time of the last update, ns.
    pub last_ns: u64,
    /// Whether the bucket exists.
    pub started: bool,
}

/// Outcome of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraefikDecision {
    /// Forwarded after waiting `delay_ns` (0 when a token was there).
    Allow {
        /// Wait before forwarding, ns.
        delay_ns: u64,
    },
    /// The reservation would wait more than `maxDelay`: cancelled, answered 429.
    Deny {
        /// 429.
        status: u16,
        /// `Retry-After` header value: the delay rounded up to whole seconds.
        retry_after_s: u64,
        /// The delay that was refused (`X-Retry-In`), ns.
        delay_ns: u64,
    },
}

impl Traefik {
    /// `average` requests per `period_ns` (0 = Traefik's default 1 s), `burst` (< 1 becomes 1).
    /// `average == 0` means no limit. Errors: none for these inputs besides overflow-free ranges.
    pub fn new(average: u64, period_ns: u64, burst: i64) -> Result<Self, PolicyError> {
        let period_ns = if period_ns == 0 { NS_PER_S } else { period_ns };
        let burst = burst.max(1) as u64;
        if average == 0 {
            return Ok(Self { rate: None, burst, max_delay_ns: 0 });
        }
        let rate = average as f64 * NS_PER_S as f64 / period_ns as f64;
        let max_delay_ns = if rate >= 1.0 {
            // time.Second / (time.Duration(rate) * 2): the rate is truncated to an integer.
            NS_PER_S / ((rate as u64) * 2)
        } else {
            500 * NS_PER_MS
        };
        Ok(Self { rate: Some(rate), burst, max_delay_ns })
    }

    /// The `maxDelay` over which a request is refused, ns.
    pub fn max_delay_ns(&self) -> u64 {
        self.max_delay_ns
    }

    /// Idle time after which Traefik evicts the bucket (2 s if rate >= 1, else `1 + floor(1/rate)` s).
    pub fn ttl_ns(&self) -> u64 {
        match self.rate {
            Some(r) if r < 1.0 => (1 + (1.0 / r) as u64) * NS_PER_S,
            _ => 2 * NS_PER_S,
        }
    }

    /// Reserves one token; cancels the reservation (state unchanged) when the wait exceeds `maxDelay`.
    pub fn check(&self, state: &mut TraefikState, now_ns: u64) -> TraefikDecision {
        let Some(rate) = self.rate else {
            return TraefikDecision::Allow { delay_ns: 0 };
        };
        let burst = self.burst as f64;
        let mut tokens = if !state.started {
            burst
        } else {
            let elapsed = now_ns.saturating_sub(state.last_ns);
            (state.tokens + elapsed as f64 / NS_PER_S as f64 * rate).min(burst)
        };
        tokens -= 1.0;
        let delay_ns = if tokens < 0.0 { (1e9 * (-tokens / rate)) as u64 } else { 0 };
        if delay_ns > self.max_delay_ns {
            return TraefikDecision::Deny {
                status: status::TOO_MANY_REQUESTS,
                retry_after_s: delay_ns.div_ceil(NS_PER_S),
                delay_ns,
            };
        }
        *state = TraefikState { tokens, last_ns: now_ns.max(state.last_ns), started: true };
        TraefikDecision::Allow { delay_ns }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = NS_PER_MS;

    #[test]
    fn traefik_max_delay_truncates_rate_and_floors_below_one() {
        assert_eq!(Traefik::new(10, 0, 1).unwrap().max_delay_ns(), 50 * MS);
        // 2.5 r/s truncates to 2: 1 s / 4.
        assert_eq!(Traefik::new(5, 2 * NS_PER_S, 1).unwrap().max_delay_ns(), 250 * MS);
        assert_eq!(Traefik::new(1, 2 * NS_PER_S, 1).unwrap().max_delay_ns(), 500 * MS);
        assert_eq!(Traefik::new(1, 2 * NS_PER_S, 1).unwrap().ttl_ns(), 3 * NS_PER_S);
        assert_eq!(Traefik::new(100, 0, 1).unwrap().ttl_ns(), 2 * NS_PER_S);
    }

    #[test]
    fn traefik_burst_below_one_becomes_one() {
        let t = Traefik::new(1, 0, 0).unwrap();
        let mut s = TraefikState::default();
        assert_eq!(t.check(&mut s, 0), TraefikDecision::Allow { delay_ns: 0 });
        // next token in 1 s > maxDelay 500 ms: 429, Retry-After 1.
        assert_eq!(t.check(&mut s, 0), TraefikDecision::Deny { status: 429, retry_after_s: 1, delay_ns: NS_PER_S });
    }

    #[test]
    fn traefik_waits_up_to_max_delay_then_refuses_without_charging() {
        // 4 r/s, burst 2: maxDelay 125 ms; a token every 250 ms.
        let t = Traefik::new(4, 0, 2).unwrap();
        let mut s = TraefikState::default();
        assert_eq!(t.check(&mut s, 0), TraefikDecision::Allow { delay_ns: 0 });
        assert_eq!(t.check(&mut s, 0), TraefikDecision::Allow { delay_ns: 0 });
        let refused = t.check(&mut s, 0);
        assert!(matches!(refused, TraefikDecision::Deny { delay_ns, .. } if delay_ns == 250 * MS));
        assert_eq!(s.tokens, 0.0, "a cancelled reservation returns its token");
        // At 150 ms the wait is 100 ms <= 125 ms: allowed with a delay.
        assert_eq!(t.check(&mut s, 150 * MS), TraefikDecision::Allow { delay_ns: 100 * MS });
    }

    #[test]
    fn traefik_average_zero_is_unlimited() {
        let t = Traefik::new(0, 0, 1).unwrap();
        let mut s = TraefikState::default();
        for _ in 0..100 {
            assert_eq!(t.check(&mut s, 0), TraefikDecision::Allow { delay_ns: 0 });
        }
    }
}
