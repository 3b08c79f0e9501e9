//! GCRA as in governor 0.10.4 (`governor/src/gcra.rs` fns `Gcra::new`, `Gcra::test_and_update`;
//! `src/quota.rs` fns `Quota::per_second`, `with_period`, `allow_burst`).
//!
//! `T` is the replenish interval in integer ns (at least 1), `tau = T * (burst - 1)`. A request at `t0`
//! (ns since the limiter was created, i.e. `now_ns` when the engine creates it at run start) is allowed
//! iff `t0 >= tat - tau` (saturating); then `tat = max(tat, t0) + T`. A rejection changes nothing and
//! reports the earliest instant a request could pass. A new key starts with `tat = t0`, which a stored
//! `tat` of 0 reproduces exactly.

use super::super::{NS_PER_S, PolicyError};

/// A governor `Quota`, reduced to what the algorithm uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gcra {
    t_ns: u64,
    tau_ns: u64,
}

/// Per-key theoretical arrival time, ns. `Default` is a new key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcraState {
    /// Theoretical arrival time (`tat`), ns since the limiter was created.
    pub tat_ns: u64,
}

/// Outcome of a GCRA test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcraDecision {
    /// Conforming; state updated.
    Allow,
    /// Non-conforming (governor `NotUntil`); state unchanged.
    Deny {
        /// `earliest_possible()`: the first instant (ns) at which a request would conform.
        not_until_ns: u64,
    },
}

impl Gcra {
    /// `Quota::per_second(n)`, optionally `.allow_burst(burst)`: `T = 1e9 / n` truncated, burst `n`.
    pub fn per_second(n: u32, burst: Option<u32>) -> Result<Self, PolicyError> {
        if n == 0 {
            return Err(PolicyError::Zero { param: "max_burst" });
        }
        Self::new(NS_PER_S / u64::from(n), burst.unwrap_or(n))
    }

    /// `Quota::with_period(t)` (burst 1) followed by `.allow_burst(burst)`.
    ///
    /// Errors: `t_ns == 0` (governor returns `None`), `burst == 0` (`NonZeroU32`).
    pub fn new(t_ns: u64, burst: u32) -> Result<Self, PolicyError> {
        if t_ns == 0 {
            return Err(PolicyError::Zero { param: "replenish_1_per" });
        }
        if burst == 0 {
            return Err(PolicyError::Zero { param: "max_burst" });
        }
        let tau_ns = t_ns.saturating_mul(u64::from(burst - 1));
        Ok(Self { t_ns, tau_ns })
    }

    /// Replenish interval `T`, ns.
    pub fn t_ns(&self) -> u64 {
        self.t_ns
    }

    /// Tolerance `tau`, ns.
    pub fn tau_ns(&self) -> u64 {
        self.tau_ns
    }

    /// Tests one cell and updates the state if it conforms.
    pub fn check(&self, state: &mut GcraState, now_ns: u64) -> GcraDecision {
        let tat = if state.tat_ns == 0 { now_ns } else { state.tat_ns };
        let earliest = tat.saturating_sub(self.tau_ns);
        if now_ns < earliest {
            return GcraDecision::Deny { not_until_ns: earliest };
        }
        state.tat_ns = tat.max(now_ns) + self.t_ns;
        GcraDecision::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_per_second_truncates_interval_and_bursts_n() {
        let g = Gcra::per_second(3, None).unwrap();
        assert_eq!(g.t_ns(), 333_333_333);
        assert_eq!(g.tau_ns(), 666_666_666);
        let mut s = GcraState::default();
        for _ in 0..3 {
            assert_eq!(g.check(&mut s, 5), GcraDecision::Allow);
        }
        assert_eq!(g.check(&mut s, 5), GcraDecision::Deny { not_until_ns: 5 + 333_333_333 });
    }

    #[test]
    fn gcra_allows_exactly_at_the_earliest_instant_non_strict() {
        let g = Gcra::new(100, 1).unwrap();
        let mut s = GcraState::default();
        assert_eq!(g.check(&mut s, 1000), GcraDecision::Allow);
        assert_eq!(g.check(&mut s, 1099), GcraDecision::Deny { not_until_ns: 1100 });
        assert_eq!(s.tat_ns, 1100, "a rejection leaves tat alone");
        assert_eq!(g.check(&mut s, 1100), GcraDecision::Allow);
    }

    #[test]
    fn gcra_rejects_impossible_quotas() {
        assert!(Gcra::new(0, 1).is_err());
        assert!(Gcra::new(1, 0).is_err());
        assert!(Gcra::per_second(0, None).is_err());
    }

    mod against_governor {
        use super::super::*;
        use governor::clock::FakeRelativeClock;
        use governor::{Quota, RateLimiter};
        use proptest::prelude::*;
        use std::num::NonZeroU32;
        use std::time::Duration;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn gcra_matches_governor_request_by_request(
                per_second in 1u32..2000,
                burst in 1u32..20,
                gaps in proptest::collection::vec(0u64..5_000_000, 1..300),
            ) {
                let (Some(n), Some(b)) = (NonZeroU32::new(per_second), NonZeroU32::new(burst)) else {
                    return Ok(());
                };
                let clock = FakeRelativeClock::default();
                let quota = Quota::per_second(n).allow_burst(b);
                let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
                let ours = Gcra::per_second(per_second, Some(burst)).unwrap();
                let mut state = GcraState::default();
                let mut now = 0u64;
                for gap in gaps {
                    clock.advance(Duration::from_nanos(gap));
                    now += gap;
                    let theirs = limiter.check().is_ok();
                    let mine = ours.check(&mut state, now) == GcraDecision::Allow;
                    prop_assert_eq!(theirs, mine, "at {} ns", now);
                }
            }
        }
    }
}
