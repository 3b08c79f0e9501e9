//! resilience4j CircuitBreaker 2.4.0 (`resilience4j-circuitbreaker/.../CircuitBreakerConfig.java`
//! `DEFAULT_*`; `internal/CircuitBreakerStateMachine.java` (lazy OPEN -> HALF_OPEN on the next call
//! after `waitDurationInOpenState`, `permittedNumberOfCallsInHalfOpenState`);
//! `internal/CircuitBreakerMetrics.java` fn `checkIfThresholdsExceeded` (rates only once
//! `minimumNumberOfCalls` are recorded, capped at the window size for COUNT_BASED; trip at `>=`);
//! slow = duration strictly above `slowCallDurationThreshold`; rates as Java `float`).
//!
//! The COUNT_BASED window is a fixed ring of outcomes and the TIME_BASED window a fixed ring of
//! per-second buckets, both allocated at construction.

use super::{NS_PER_S, PolicyError};

/// Sliding-window type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowType {
    /// The last `size` calls.
    CountBased,
    /// The calls of the last `size` seconds.
    TimeBased,
}

/// `CircuitBreakerConfig`.
#[derive(Clone, Debug, PartialEq)]
pub struct R4jConfig {
    /// `failureRateThreshold` % (50).
    pub failure_rate_threshold: f32,
    /// `slowCallRateThreshold` % (100).
    pub slow_call_rate_threshold: f32,
    /// `slowCallDurationThreshold`, ns (60 s).
    pub slow_call_duration_ns: u64,
    /// `slidingWindowType` (COUNT_BASED).
    pub window_type: WindowType,
    /// `slidingWindowSize` (100).
    pub window_size: u32,
    /// `minimumNumberOfCalls` (100).
    pub minimum_number_of_calls: u32,
    /// `waitDurationInOpenState`, ns (60 s).
    pub wait_duration_in_open_ns: u64,
    /// `permittedNumberOfCallsInHalfOpenState` (10).
    pub permitted_calls_in_half_open: u32,
}

impl Default for R4jConfig {
    fn default() -> Self {
        Self {
            failure_rate_threshold: 50.0,
            slow_call_rate_threshold: 100.0,
            slow_call_duration_ns: 60 * NS_PER_S,
            window_type: WindowType::CountBased,
            window_size: 100,
            minimum_number_of_calls: 100,
            wait_duration_in_open_ns: 60 * NS_PER_S,
            permitted_calls_in_half_open: 10,
        }
    }
}

/// Breaker state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum R4jState {
    /// Calls flow; outcomes recorded.
    Closed,
    /// Calls fail fast until the wait is over.
    Open,
    /// A limited number of trial calls.
    HalfOpen,
}

/// Permission for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// The call may proceed; report it with [`Resilience4j::on_result`].
    Permitted,
    /// `CallNotPermittedException`.
    NotPermitted,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Bucket {
    epoch_s: u64,
    calls: u32,
    failed: u32,
    slow: u32,
}

/// A resilience4j circuit breaker with its metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct Resilience4j {
    cfg: R4jConfig,
    state: R4jState,
    opened_at_ns: u64,
    /// COUNT_BASED: one bucket per call slot; TIME_BASED: one per second.
    ring: Vec<Bucket>,
    head: usize,
    total: Bucket,
    /// Half-open trial accounting.
    half_open_permits: u32,
    half_open: Bucket,
}

impl Resilience4j {
    /// Errors: zero window size, thresholds outside (0, 100], zero permitted calls.
    pub fn new(cfg: R4jConfig) -> Result<Self, PolicyError> {
        if cfg.window_size == 0 {
            return Err(PolicyError::Zero { param: "slidingWindowSize" });
        }
        if cfg.minimum_number_of_calls == 0 {
            return Err(PolicyError::Zero { param: "minimumNumberOfCalls" });
        }
        if cfg.permitted_calls_in_half_open == 0 {
            return Err(PolicyError::Zero { param: "permittedNumberOfCallsInHalfOpenState" });
        }
        for (p, v) in [
            ("failureRateThreshold", cfg.failure_rate_threshold),
            ("slowCallRateThreshold", cfg.slow_call_rate_threshold),
        ] {
            if !(v > 0.0 && v <= 100.0) {
                return Err(PolicyError::Invalid { param: p, reason: "must be in (0, 100]" });
            }
        }
        let ring = vec![Bucket::default(); cfg.window_size as usize];
        Ok(Self {
            cfg,
            state: R4jState::Closed,
            opened_at_ns: 0,
            ring,
            head: 0,
            total: Bucket::default(),
            half_open_permits: 0,
            half_open: Bucket::default(),
        })
    }

    /// Current state (without the lazy transition).
    pub fn state(&self) -> R4jState {
        self.state
    }

    /// `tryAcquirePermission`: OPEN turns HALF_OPEN lazily once the wait is over.
    pub fn try_acquire(&mut self, now_ns: u64) -> Permission {
        if self.state == R4jState::Open {
            if now_ns - self.opened_at_ns >= self.cfg.wait_duration_in_open_ns {
                self.state = R4jState::HalfOpen;
                self.half_open_permits = self.cfg.permitted_calls_in_half_open;
                self.half_open = Bucket::default();
            } else {
                return Permission::NotPermitted;
            }
        }
        if self.state == R4jState::HalfOpen {
            if self.half_open_permits == 0 {
                return Permission::NotPermitted;
            }
            self.half_open_permits -= 1;
        }
        Permission::Permitted
    }

    fn exceeded(&self, b: &Bucket, minimum: u32) -> Option<bool> {
        if b.calls == 0 || b.calls < minimum {
            return None;
        }
        let failure = b.failed as f32 * 100.0 / b.calls as f32;
        let slow = b.slow as f32 * 100.0 / b.calls as f32;
        Some(failure >= self.cfg.failure_rate_threshold || slow >= self.cfg.slow_call_rate_threshold)
    }

    fn transition_to_open(&mut self, now_ns: u64) {
        self.state = R4jState::Open;
        self.opened_at_ns = now_ns;
    }

    fn reset_window(&mut self) {
        self.ring.iter_mut().for_each(|b| *b = Bucket::default());
        self.total = Bucket::default();
        self.head = 0;
    }

    fn record_closed(&mut self, failed: bool, slow: bool, now_ns: u64) {
        let add = Bucket { epoch_s: 0, calls: 1, failed: u32::from(failed), slow: u32::from(slow) };
        match self.cfg.window_type {
            WindowType::CountBased => {
                let old = self.ring[self.head];
                self.total.calls -= old.calls;
                self.total.failed -= old.failed;
                self.total.slow -= old.slow;
                self.ring[self.head] = add;
                self.head = (self.head + 1) % self.ring.len();
            }
            WindowType::TimeBased => {
                let now_s = now_ns / NS_PER_S;
                let n = self.ring.len() as u64;
                // Drop buckets older than the window.
                for b in self.ring.iter_mut() {
                    if b.calls > 0 && b.epoch_s + n <= now_s {
                        self.total.calls -= b.calls;
                        self.total.failed -= b.failed;
                        self.total.slow -= b.slow;
                        *b = Bucket::default();
                    }
                }
                let b = &mut self.ring[(now_s % n) as usize];
                if b.epoch_s != now_s {
                    *b = Bucket { epoch_s: now_s, ..Bucket::default() };
                }
                b.calls += 1;
                b.failed += add.failed;
                b.slow += add.slow;
            }
        }
        self.total.calls += add.calls;
        self.total.failed += add.failed;
        self.total.slow += add.slow;
        let minimum = match self.cfg.window_type {
            WindowType::CountBased => self.cfg.minimum_number_of_calls.min(self.cfg.window_size),
            WindowType::TimeBased => self.cfg.minimum_number_of_calls,
        };
        if self.exceeded(&self.total, minimum) == Some(true) {
            self.transition_to_open(now_ns);
            self.reset_window();
        }
    }

    /// Records the outcome of a permitted call that took `duration_ns` (`failed`: it threw).
    pub fn on_result(&mut self, failed: bool, duration_ns: u64, now_ns: u64) {
        let slow = duration_ns > self.cfg.slow_call_duration_ns;
        match self.state {
            R4jState::Closed => self.record_closed(failed, slow, now_ns),
            R4jState::Open => {}
            R4jState::HalfOpen => {
                let h = &mut self.half_open;
                h.calls += 1;
                h.failed += u32::from(failed);
                h.slow += u32::from(slow);
                let h = self.half_open;
                match self.exceeded(&h, self.cfg.permitted_calls_in_half_open) {
                    Some(true) => self.transition_to_open(now_ns),
                    Some(false) => {
                        self.state = R4jState::Closed;
                        self.reset_window();
                    }
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(window_type: WindowType) -> Resilience4j {
        Resilience4j::new(R4jConfig {
            window_type,
            window_size: 4,
            minimum_number_of_calls: 10,
            wait_duration_in_open_ns: 1000,
            permitted_calls_in_half_open: 2,
            slow_call_duration_ns: 100,
            ..R4jConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn count_based_minimum_is_capped_by_window_and_trips_at_fifty_percent() {
        let mut b = small(WindowType::CountBased);
        for failed in [false, true, false] {
            b.on_result(failed, 1, 0);
        }
        assert_eq!(b.state(), R4jState::Closed);
        // 4 calls (minimum 10 capped to 4), 2 failed = 50 % >= 50 %.
        b.on_result(true, 1, 0);
        assert_eq!(b.state(), R4jState::Open);
        assert_eq!(b.try_acquire(999), Permission::NotPermitted);
    }

    #[test]
    fn slow_calls_are_strictly_longer_than_the_threshold() {
        let mut b = small(WindowType::CountBased);
        for _ in 0..4 {
            b.on_result(false, 100, 0);
        }
        assert_eq!(b.state(), R4jState::Closed);
        let mut b = small(WindowType::CountBased);
        for _ in 0..4 {
            b.on_result(false, 101, 0);
        }
        assert_eq!(b.state(), R4jState::Open, "100 % slow >= 100 %");
    }

    #[test]
    fn open_turns_half_open_lazily_and_permits_a_limited_number() {
        let mut b = small(WindowType::CountBased);
        for _ in 0..4 {
            b.on_result(true, 1, 0);
        }
        assert_eq!(b.state(), R4jState::Open);
        assert_eq!(b.state(), R4jState::Open, "no automatic transition");
        assert_eq!(b.try_acquire(1000), Permission::Permitted);
        assert_eq!(b.state(), R4jState::HalfOpen);
        assert_eq!(b.try_acquire(1000), Permission::Permitted);
        assert_eq!(b.try_acquire(1000), Permission::NotPermitted);
        b.on_result(false, 1, 1000);
        b.on_result(true, 1, 1000);
        assert_eq!(b.state(), R4jState::Open, "1 of 2 failed = 50 %");
        assert_eq!(b.try_acquire(2000), Permission::Permitted);
        b.try_acquire(2000);
        b.on_result(false, 1, 2000);
        b.on_result(false, 1, 2000);
        assert_eq!(b.state(), R4jState::Closed);
    }

    #[test]
    fn time_based_window_forgets_old_seconds_and_needs_uncapped_minimum() {
        let mut b = Resilience4j::new(R4jConfig {
            window_type: WindowType::TimeBased,
            window_size: 2,
            minimum_number_of_calls: 4,
            ..R4jConfig::default()
        })
        .unwrap();
        b.on_result(true, 1, 0);
        b.on_result(true, 1, 0);
        b.on_result(true, 1, 0);
        // Two seconds later the failures are gone: 1 call < 4.
        b.on_result(true, 1, 2 * NS_PER_S);
        assert_eq!(b.state(), R4jState::Closed);
        for _ in 0..3 {
            b.on_result(false, 1, 2 * NS_PER_S);
        }
        assert_eq!(b.state(), R4jState::Closed, "1 of 4 failed");
        b.on_result(true, 1, 3 * NS_PER_S);
        b.on_result(true, 1, 3 * NS_PER_S);
        assert_eq!(b.state(), R4jState::Open, "3 of 6 failed");
    }
}
