//! Envoy circuit-breaker thresholds: Envoy 1.40 behaviour (`api/envoy/config/cluster/v3/
//! circuit_breaker.proto`; `source/common/upstream/resource_manager_impl.h` `ResourceManagerImpl`,
//! `RetryBudgetImpl`: `canCreate()` iff `count < max`). Overflow: 503 with `x-envoy-overloaded: true`
//! (`upstream_rq_pending_overflow`, `upstream_rq_active_overflow`, `upstream_cx_overflow`,
//! `upstream_rq_retry_overflow`). The resilience4j state machine lives in
//! [`super::resilience4j`].

use super::retry::RetryBudget;
use super::{PolicyError, status};

/// Per cluster and priority thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvoyBreaker {
    /// `max_connections` (1024).
    pub max_connections: u64,
    /// `max_pending_requests` (1024).
    pub max_pending_requests: u64,
    /// `max_requests` (1024).
    pub max_requests: u64,
    /// `max_retries` (3), replaced by `retry_budget` when set.
    pub max_retries: u64,
    /// `retry_budget`.
    pub retry_budget: Option<RetryBudget>,
}

impl Default for EnvoyBreaker {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_pending_requests: 1024,
            max_requests: 1024,
            max_retries: 3,
            retry_budget: None,
        }
    }
}

/// Current resource counts (shared by all workers in Envoy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BreakerState {
    /// Open connections.
    pub connections: u64,
    /// Pending (queued) requests.
    pub pending: u64,
    /// Active requests.
    pub requests: u64,
    /// Active retries.
    pub retries: u64,
}

/// Which resource overflowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// `upstream_cx_overflow`.
    Connections,
    /// `upstream_rq_pending_overflow`.
    Pending,
    /// `upstream_rq_active_overflow`.
    Requests,
    /// `upstream_rq_retry_overflow`.
    Retries,
}

impl Overflow {
    /// The status Envoy answers with (503, with `x-envoy-overloaded: true`).
    pub fn status(self) -> u16 {
        status::SERVICE_UNAVAILABLE
    }
}

impl EnvoyBreaker {
    /// Thresholds as configured (every value is accepted; the budget validates itself in
    /// [`RetryBudget::new`]).
    pub fn new(
        max_connections: u64,
        max_pending_requests: u64,
        max_requests: u64,
        max_retries: u64,
        retry_budget: Option<RetryBudget>,
    ) -> Result<Self, PolicyError> {
        Ok(Self { max_connections, max_pending_requests, max_requests, max_retries, retry_budget })
    }

    fn take(count: &mut u64, max: u64, kind: Overflow) -> Result<(), Overflow> {
        if *count < max {
            *count += 1;
            Ok(())
        } else {
            Err(kind)
        }
    }

    /// Opens a connection if `connections < max_connections`.
    pub fn try_connection(&self, st: &mut BreakerState) -> Result<(), Overflow> {
        Self::take(&mut st.connections, self.max_connections, Overflow::Connections)
    }

    /// Queues a request if `pending < max_pending_requests`.
    pub fn try_pending(&self, st: &mut BreakerState) -> Result<(), Overflow> {
        Self::take(&mut st.pending, self.max_pending_requests, Overflow::Pending)
    }

    /// Starts a request if `requests < max_requests` (not a queue: immediate 503 otherwise).
    pub fn try_request(&self, st: &mut BreakerState) -> Result<(), Overflow> {
        Self::take(&mut st.requests, self.max_requests, Overflow::Requests)
    }

    /// The current retry limit: `max_retries`, or the budget's `max(min_retry_concurrency,
    /// budget_percent% of (active + pending))`.
    pub fn retry_limit(&self, st: &BreakerState) -> u64 {
        match &self.retry_budget {
            Some(b) => b.max_retries(st.requests, st.pending),
            None => self.max_retries,
        }
    }

    /// Starts a retry if `retries < limit`.
    pub fn try_retry(&self, st: &mut BreakerState) -> Result<(), Overflow> {
        let max = self.retry_limit(st);
        Self::take(&mut st.retries, max, Overflow::Retries)
    }

    /// Releases one unit of a resource.
    pub fn release(&self, st: &mut BreakerState, kind: Overflow) {
        let c = match kind {
            Overflow::Connections => &mut st.connections,
            Overflow::Pending => &mut st.pending,
            Overflow::Requests => &mut st.requests,
            Overflow::Retries => &mut st.retries,
        };
        *c = c.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envoy_breaker_defaults_and_immediate_overflow() {
        let b = EnvoyBreaker::default();
        assert_eq!((b.max_connections, b.max_pending_requests, b.max_requests, b.max_retries), (1024, 1024, 1024, 3));
        let b = EnvoyBreaker::new(2, 2, 1024, 3, None).unwrap();
        let mut s = BreakerState::default();
        assert!(b.try_connection(&mut s).is_ok());
        assert!(b.try_connection(&mut s).is_ok());
        assert_eq!(b.try_connection(&mut s), Err(Overflow::Connections));
        assert!(b.try_pending(&mut s).is_ok());
        assert!(b.try_pending(&mut s).is_ok());
        assert_eq!(b.try_pending(&mut s), Err(Overflow::Pending));
        assert_eq!(Overflow::Pending.status(), 503);
        b.release(&mut s, Overflow::Pending);
        assert!(b.try_pending(&mut s).is_ok());
    }

    #[test]
    fn envoy_max_retries_and_budget() {
        let b = EnvoyBreaker::default();
        let mut s = BreakerState::default();
        for _ in 0..3 {
            assert!(b.try_retry(&mut s).is_ok());
        }
        assert_eq!(b.try_retry(&mut s), Err(Overflow::Retries));
        let b = EnvoyBreaker::new(1024, 1024, 1024, 3, Some(RetryBudget::envoy_default())).unwrap();
        let mut s = BreakerState { requests: 40, pending: 10, ..BreakerState::default() };
        // 20 % of 50 = 10 > min_retry_concurrency 3.
        assert_eq!(b.retry_limit(&s), 10);
        s.requests = 5;
        assert_eq!(b.retry_limit(&s), 3);
    }
}
