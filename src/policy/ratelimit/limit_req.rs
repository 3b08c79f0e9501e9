//! NGINX `limit_req`: nginx 1.22 behaviour (checked against the 1.31.5 and release-1.22.1 sources).
//!
//! Follows `src/http/modules/ngx_http_limit_req_module.c`: fns `ngx_http_limit_req_zone` (rate units),
//! `ngx_http_limit_req` (burst/delay), `ngx_http_limit_req_lookup` (the excess arithmetic and the
//! rejection test), `ngx_http_limit_req_account` (delays, multi-zone charging) and
//! `ngx_http_limit_req_merge_conf` (`limit_req_status`).
//!
//! All arithmetic is integer milli-requests and whole milliseconds (`now_ns / 1_000_000`, standing in for
//! `ngx_current_msec`). An empty key is not limited at all: the engine simply does not call the limiter.

use super::super::{PolicyError, check_range, status};

/// `rate=` of `limit_req_zone`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitReqRate {
    /// `N r/s` (also a rate written without a suffix).
    PerSecond(u64),
    /// `N r/m`: stored as `N*1000/60` milli-requests per second, truncated (1r/m = 16).
    PerMinute(u64),
}

/// `delay=` / `nodelay` of `limit_req`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitReqDelay {
    /// Neither given: every excess request is delayed (`delay` = 0).
    Default,
    /// `delay=N` (nginx 1.15.7+): the first N excess requests pass undelayed.
    Requests(u64),
    /// `nodelay`: excess requests up to `burst` are never delayed.
    NoDelay,
}

/// One `limit_req zone=... burst=... [nodelay | delay=N]` line with its zone's rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitReq {
    /// Zone rate in milli-requests per second.
    rate_milli: u64,
    /// `burst * 1000`.
    burst_milli: u64,
    /// `delay * 1000` (`u64::MAX` for `nodelay`).
    delay_milli: u64,
    /// `limit_req_status`.
    status: u16,
    /// `limit_req_dry_run on`.
    dry_run: bool,
}

/// Per-key node of the zone (`ngx_http_limit_req_node_t`). `Default` is a key not yet in the zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitReqState {
    /// `excess` in milli-requests.
    pub excess_milli: u64,
    /// `last`: time of the last charge that advanced it, in ms.
    pub last_ms: u64,
    /// Whether the node exists.
    pub present: bool,
}

/// Outcome of one request, as in `$limit_req_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitReqDecision {
    /// Accepted (charged); the request waits `delay_ms` first (0 = PASSED, else DELAYED).
    Pass {
        /// Delay in whole ms before the request goes on.
        delay_ms: u64,
    },
    /// Rejected with `limit_req_status`; the state is untouched.
    Reject {
        /// Status answered to the client.
        status: u16,
    },
    /// `limit_req_dry_run`: the request goes on at once (DELAYED_DRY_RUN / REJECTED_DRY_RUN).
    DryRun {
        /// The request would have been rejected (then nothing was charged).
        would_reject: bool,
        /// The delay that would have applied (charged, not applied).
        would_delay_ms: u64,
    },
}

impl LimitReq {
    /// Builds a limit; `burst` defaults to 0 in NGINX, `status` to 503 (see [`LimitReq::simple`]).
    ///
    /// Errors: a rate that stores as 0 milli-requests (NGINX: "invalid rate"), `status` outside
    /// 400..=599.
    pub fn new(
        rate: LimitReqRate,
        burst: u64,
        delay: LimitReqDelay,
        status: u16,
        dry_run: bool,
    ) -> Result<Self, PolicyError> {
        let rate_milli = match rate {
            LimitReqRate::PerSecond(r) => r.saturating_mul(1000),
            LimitReqRate::PerMinute(r) => r.saturating_mul(1000) / 60,
        };
        if rate_milli == 0 {
            return Err(PolicyError::Zero { param: "rate" });
        }
        check_range("limit_req_status", i128::from(status), 400, 599)?;
        check_range("burst", i128::from(burst), 0, i128::from(u32::MAX))?;
        let delay_milli = match delay {
            LimitReqDelay::Default => 0,
            LimitReqDelay::Requests(n) => {
                check_range("delay", i128::from(n), 0, i128::from(u32::MAX))?;
                n * 1000
            }
            LimitReqDelay::NoDelay => u64::MAX,
        };
        Ok(Self { rate_milli, burst_milli: burst * 1000, delay_milli, status, dry_run })
    }

    /// `rate` r/s, `burst`, `delay` with the default 503 status and no dry run.
    pub fn simple(rate: LimitReqRate, burst: u64, delay: LimitReqDelay) -> Result<Self, PolicyError> {
        Self::new(rate, burst, delay, status::SERVICE_UNAVAILABLE, false)
    }

    /// The zone rate in milli-requests per second, as NGINX stores it.
    pub fn rate_milli(&self) -> u64 {
        self.rate_milli
    }

    /// Excess this request would bring the node to at `now_ms` (fn `ngx_http_limit_req_lookup`),
    /// and the `ms` elapsed since `last` after NGINX's clamping of negative values.
    fn excess_at(&self, state: &LimitReqState, now_ms: u64) -> (u64, i64) {
        let raw = now_ms.wrapping_sub(state.last_ms) as i64;
        let ms = if raw < -60_000 {
            1
        } else if raw < 0 {
            0
        } else {
            raw
        };
        let drained = (self.rate_milli as i128) * i128::from(ms) / 1000;
        let excess = (state.excess_milli as i128) - drained + 1000;
        (excess.max(0) as u64, ms)
    }

    /// Delay in ms for a charged excess (fn `ngx_http_limit_req_account`).
    fn delay_for(&self, excess_milli: u64) -> u64 {
        if excess_milli <= self.delay_milli { 0 } else { (excess_milli - self.delay_milli) * 1000 / self.rate_milli }
    }

    /// Tests and charges one request for a key whose node is `state`.
    ///
    /// The first request of a key creates the node with `excess = 0` and passes undelayed. Later ones
    /// are rejected iff the new excess is strictly above `burst*1000`; a rejection changes nothing.
    pub fn check(&self, state: &mut LimitReqState, now_ns: u64) -> LimitReqDecision {
        let now_ms = now_ns / super::super::NS_PER_MS;
        if !state.present {
            *state = LimitReqState { excess_milli: 0, last_ms: now_ms, present: true };
            return self.finish(0, false);
        }
        let (excess, ms) = self.excess_at(state, now_ms);
        if excess > self.burst_milli {
            return self.finish(0, true);
        }
        state.excess_milli = excess;
        if ms != 0 {
            state.last_ms = now_ms;
        }
        self.finish(self.delay_for(excess), false)
    }

    fn finish(&self, delay_ms: u64, rejected: bool) -> LimitReqDecision {
        if self.dry_run {
            LimitReqDecision::DryRun { would_reject: rejected, would_delay_ms: delay_ms }
        } else if rejected {
            LimitReqDecision::Reject { status: self.status }
        } else {
            LimitReqDecision::Pass { delay_ms }
        }
    }

    /// Several `limit_req` lines in one location, in config order (fns `ngx_http_limit_req_handler`,
    /// `ngx_http_limit_req_account`, `ngx_http_limit_req_unlock`).
    ///
    /// Each zone is tested in order; the first rejection stops the walk and nothing is charged. If all
    /// pass, all are charged and the request waits for the largest per-zone delay. A key new to an
    /// earlier zone is charged as if idle for a long time (NGINX creates it with `last = 0`), i.e. it
    /// stores `excess = 0`. `dry_run` and the rejection status are taken from the first line.
    /// Returns `Pass { delay_ms: 0 }` for an empty list.
    pub fn check_all(lines: &mut [(&LimitReq, &mut LimitReqState)], now_ns: u64) -> LimitReqDecision {
        let Some(first) = lines.first().map(|(l, _)| *l) else {
            return LimitReqDecision::Pass { delay_ms: 0 };
        };
        let now_ms = now_ns / super::super::NS_PER_MS;
        // A new node passes at excess 0 whatever its zone: only existing nodes can reject.
        for (limit, state) in lines.iter() {
            if state.present {
                let (excess, _) = limit.excess_at(state, now_ms);
                if excess > limit.burst_milli {
                    return if first.dry_run {
                        first.finish(0, true)
                    } else {
                        LimitReqDecision::Reject { status: limit.status }
                    };
                }
            }
        }
        let mut max_delay = 0;
        for (limit, state) in lines.iter_mut().rev() {
            let excess = if !state.present {
                **state = LimitReqState { excess_milli: 0, last_ms: now_ms, present: true };
                0
            } else {
                let (excess, ms) = limit.excess_at(state, now_ms);
                state.excess_milli = excess;
                if ms != 0 {
                    state.last_ms = now_ms;
                }
                excess
            };
            max_delay = max_delay.max(limit.delay_for(excess));
        }
        first.finish(max_delay, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn lr(rate: LimitReqRate, burst: u64, delay: LimitReqDelay) -> LimitReq {
        LimitReq::simple(rate, burst, delay).unwrap()
    }

    fn burst_of(limit: &LimitReq, n: usize, t_ns: u64) -> Vec<LimitReqDecision> {
        let mut s = LimitReqState::default();
        (0..n).map(|_| limit.check(&mut s, t_ns)).collect()
    }

    fn pass(delay_ms: u64) -> LimitReqDecision {
        LimitReqDecision::Pass { delay_ms }
    }

    const REJ: LimitReqDecision = LimitReqDecision::Reject { status: 503 };

    #[test]
    fn limit_req_one_per_second_burst_five_delays_one_to_five_seconds_then_rejects() {
        let l = lr(LimitReqRate::PerSecond(1), 5, LimitReqDelay::Default);
        let got = burst_of(&l, 7, 5_000 * MS);
        let want = vec![pass(0), pass(1000), pass(2000), pass(3000), pass(4000), pass(5000), REJ];
        assert_eq!(got, want);
    }

    #[test]
    fn limit_req_delay_eight_burst_twelve_at_ten_rps() {
        let l = lr(LimitReqRate::PerSecond(10), 12, LimitReqDelay::Requests(8));
        let got = burst_of(&l, 14, 0);
        let mut want = vec![pass(0); 9];
        want.extend([pass(100), pass(200), pass(300), pass(400), REJ]);
        assert_eq!(got, want);
    }

    #[test]
    fn limit_req_delay_three_burst_six_at_five_rps() {
        let l = lr(LimitReqRate::PerSecond(5), 6, LimitReqDelay::Requests(3));
        let got = burst_of(&l, 8, 123 * MS);
        let mut want = vec![pass(0); 4];
        want.extend([pass(200), pass(400), pass(600), REJ]);
        assert_eq!(got, want);
    }

    #[test]
    fn limit_req_without_burst_rejects_until_a_full_period() {
        let l = lr(LimitReqRate::PerSecond(1), 0, LimitReqDelay::Default);
        let mut s = LimitReqState::default();
        assert_eq!(l.check(&mut s, 0), pass(0));
        assert_eq!(l.check(&mut s, 0), REJ);
        assert_eq!(l.check(&mut s, 999 * MS), REJ);
        assert_eq!(l.check(&mut s, 1000 * MS), pass(0));
    }

    #[test]
    fn limit_req_rejects_strictly_above_burst() {
        // burst=1: excess 1000 is allowed (not strictly above), 2000 is not.
        let l = lr(LimitReqRate::PerSecond(1), 1, LimitReqDelay::NoDelay);
        let mut s = LimitReqState::default();
        assert_eq!(l.check(&mut s, 0), pass(0));
        assert_eq!(l.check(&mut s, 0), pass(0));
        assert_eq!(s.excess_milli, 1000);
        assert_eq!(l.check(&mut s, 0), REJ);
    }

    #[test]
    fn limit_req_rejection_leaves_state_untouched() {
        let l = lr(LimitReqRate::PerSecond(2), 0, LimitReqDelay::Default);
        let mut s = LimitReqState::default();
        l.check(&mut s, 1000 * MS);
        let before = s;
        assert_eq!(l.check(&mut s, 1100 * MS), REJ);
        assert_eq!(s, before);
        // 2 r/s drains 1000 milli in 500 ms from the untouched `last`.
        assert_eq!(l.check(&mut s, 1500 * MS), pass(0));
        assert_eq!(s.last_ms, 1500);
    }

    #[test]
    fn limit_req_last_only_advances_when_ms_nonzero() {
        let l = lr(LimitReqRate::PerSecond(1), 5, LimitReqDelay::NoDelay);
        let mut s = LimitReqState::default();
        l.check(&mut s, 10 * MS);
        l.check(&mut s, 10 * MS + 400_000); // same whole ms
        assert_eq!(s.last_ms, 10);
        assert_eq!(s.excess_milli, 1000);
        l.check(&mut s, 11 * MS);
        assert_eq!(s.last_ms, 11);
        // 1 r/s over 1 ms drains 1 milli: 1000 - 1 + 1000.
        assert_eq!(s.excess_milli, 1999);
    }

    #[test]
    fn limit_req_per_minute_truncates_to_sixteen_milli() {
        let one = lr(LimitReqRate::PerMinute(1), 0, LimitReqDelay::Default);
        assert_eq!(one.rate_milli(), 16);
        let thirty = lr(LimitReqRate::PerMinute(30), 0, LimitReqDelay::Default);
        assert_eq!(thirty.rate_milli(), 500);
        // One request per 62.5 s, not per 60 s.
        let mut s = LimitReqState::default();
        assert_eq!(one.check(&mut s, 0), pass(0));
        assert_eq!(one.check(&mut s, 62_499 * MS), REJ);
        assert_eq!(one.check(&mut s, 62_500 * MS), pass(0));
    }

    #[test]
    fn limit_req_negative_elapsed_time_is_clamped() {
        let l = lr(LimitReqRate::PerSecond(1000), 0, LimitReqDelay::Default);
        let mut s = LimitReqState { excess_milli: 0, last_ms: 70_000, present: true };
        // -1000 ms counts as 0: 0 - 0 + 1000 > 0 => rejected.
        assert_eq!(l.check(&mut s, 69_000 * MS), REJ);
        // Below -60 s counts as 1 ms: 1000 r/s drains 1000 milli => excess 0, passes, last moves.
        assert_eq!(l.check(&mut s, 5_000 * MS), pass(0));
        assert_eq!(s.last_ms, 5_000);
    }

    #[test]
    fn limit_req_idle_key_accepts_one_plus_burst_again() {
        let l = lr(LimitReqRate::PerSecond(1), 2, LimitReqDelay::NoDelay);
        let mut s = LimitReqState::default();
        for _ in 0..3 {
            assert_eq!(l.check(&mut s, 0), pass(0));
        }
        assert_eq!(l.check(&mut s, 0), REJ);
        // Idle for (2000 + 1000)/1 s: excess clamps to 0 after +1000.
        for _ in 0..3 {
            assert_eq!(l.check(&mut s, 3000 * MS), pass(0));
        }
        assert_eq!(l.check(&mut s, 3000 * MS), REJ);
    }

    #[test]
    fn limit_req_status_is_configurable_and_validated() {
        let l = LimitReq::new(LimitReqRate::PerSecond(1), 0, LimitReqDelay::Default, 429, false).unwrap();
        let mut s = LimitReqState::default();
        l.check(&mut s, 0);
        assert_eq!(l.check(&mut s, 0), LimitReqDecision::Reject { status: 429 });
        assert!(LimitReq::new(LimitReqRate::PerSecond(1), 0, LimitReqDelay::Default, 200, false).is_err());
        assert!(LimitReq::simple(LimitReqRate::PerSecond(0), 0, LimitReqDelay::Default).is_err());
        assert!(LimitReq::simple(LimitReqRate::PerMinute(0), 0, LimitReqDelay::Default).is_err());
    }

    #[test]
    fn limit_req_dry_run_charges_delays_but_not_rejections() {
        let l = LimitReq::new(LimitReqRate::PerSecond(1), 1, LimitReqDelay::Default, 503, true).unwrap();
        let mut s = LimitReqState::default();
        assert_eq!(l.check(&mut s, 0), LimitReqDecision::DryRun { would_reject: false, would_delay_ms: 0 });
        assert_eq!(l.check(&mut s, 0), LimitReqDecision::DryRun { would_reject: false, would_delay_ms: 1000 });
        assert_eq!(s.excess_milli, 1000);
        assert_eq!(l.check(&mut s, 0), LimitReqDecision::DryRun { would_reject: true, would_delay_ms: 0 });
        assert_eq!(s.excess_milli, 1000);
    }

    #[test]
    fn limit_req_multi_zone_charges_none_when_one_rejects() {
        let wide = lr(LimitReqRate::PerSecond(10), 10, LimitReqDelay::NoDelay);
        let narrow = lr(LimitReqRate::PerSecond(1), 1, LimitReqDelay::Default);
        let (mut a, mut b) = (LimitReqState::default(), LimitReqState::default());
        let run =
            |a: &mut LimitReqState, b: &mut LimitReqState| LimitReq::check_all(&mut [(&wide, a), (&narrow, b)], 0);
        assert_eq!(run(&mut a, &mut b), pass(0));
        assert_eq!(run(&mut a, &mut b), pass(1000));
        assert_eq!(a.excess_milli, 1000);
        let a_before = a;
        assert_eq!(run(&mut a, &mut b), REJ);
        assert_eq!(a, a_before, "the earlier zone is not charged on rejection");
    }

    #[test]
    fn limit_req_multi_zone_waits_for_the_largest_delay() {
        let slow = lr(LimitReqRate::PerSecond(1), 5, LimitReqDelay::Default);
        let fast = lr(LimitReqRate::PerSecond(4), 5, LimitReqDelay::Default);
        let (mut a, mut b) = (LimitReqState::default(), LimitReqState::default());
        LimitReq::check_all(&mut [(&fast, &mut a), (&slow, &mut b)], 0);
        let d = LimitReq::check_all(&mut [(&fast, &mut a), (&slow, &mut b)], 0);
        assert_eq!(d, pass(1000));
        assert_eq!((a.excess_milli, b.excess_milli), (1000, 1000));
    }
}
