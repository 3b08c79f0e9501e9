//! HAProxy `http_req_rate(period)` stick-table counters: HAProxy 2.6 behaviour (read at v2.6.0 and
//! 3.5-dev5; unchanged in what is modelled here).
//!
//! Follows `include/haproxy/freq_ctr.h` fn `update_freq_ctr_period` (rotation), `src/freq_ctr.c` fns
//! `freq_ctr_total`/`read_freq_ctr_period` (the estimate, with the anti-flapping rule) and
//! `freq_ctr_remain_period`; `src/http_act.c` fn `http_action_track_sc` (`track-sc0` counts the request
//! before a later `deny` rule reads the rate, so denied requests count too); `src/stick_table.c`
//! (`sc_http_req_rate`, entry expiry after `expire` idle). Times are whole ms (`now_ns / 1_000_000`).

use super::super::{NS_PER_MS, PolicyError, status};

/// A HAProxy `freq_ctr` over a period: `curr`, `prev`, `curr_tick`. `Default` is a fresh counter
/// (its first period starts at its first event, rounded down to an even ms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FreqCtr {
    /// Events in the current period.
    pub curr: u32,
    /// Events in the previous period.
    pub prev: u32,
    /// Start of the current period, ms (always even).
    pub curr_tick: u64,
    /// Whether any event was counted yet.
    pub started: bool,
}

impl FreqCtr {
    /// Adds `inc` events at `now_ms` (fn `update_freq_ctr_period`); returns the new `curr`.
    pub fn update(&mut self, period_ms: u64, inc: u32, now_ms: u64) -> u32 {
        if !self.started {
            *self = Self { curr: inc, prev: 0, curr_tick: now_ms & !1, started: true };
            return inc;
        }
        if now_ms.wrapping_sub(self.curr_tick) < period_ms {
            self.curr = self.curr.saturating_add(inc);
            return self.curr;
        }
        self.prev = self.curr;
        self.curr = inc;
        let mut tick = self.curr_tick + period_ms;
        if now_ms.wrapping_sub(tick) >= period_ms {
            self.prev = 0;
            tick = now_ms;
        }
        self.curr_tick = tick & !1;
        inc
    }

    /// `freq_ctr_total`: the weighted sum `prev*remain + (curr+pend)*period`; `pend = None` enables
    /// the anti-flapping rule (returns `prev*period` when `curr == 0` and `prev <= 1`).
    fn total(&self, period_ms: u64, pend: Option<u64>, now_ms: u64) -> u64 {
        if !self.started {
            return pend.unwrap_or(0) * period_ms;
        }
        let mut curr = u64::from(self.curr);
        let mut past = u64::from(self.prev);
        let mut remain = (self.curr_tick + period_ms) as i64 - now_ms as i64;
        if remain < 0 {
            remain += period_ms as i64;
            past = if remain >= 0 { curr } else { 0 };
            curr = 0;
        }
        let pend = match pend {
            Some(p) => p,
            None => {
                if curr == 0 && past <= 1 {
                    return past * period_ms;
                }
                0
            }
        };
        // `remain` can still be negative after two idle periods; HAProxy's product is then
        // multiplied by 0 through `past = 0`.
        past * remain.max(0) as u64 + (curr + pend) * period_ms
    }

    /// `read_freq_ctr_period`: `floor((prev*remain + curr*period)/period)` with anti-flapping.
    pub fn read(&self, period_ms: u64, now_ms: u64) -> u64 {
        self.total(period_ms, None, now_ms) / period_ms
    }

    /// `freq_ctr_remain_period(freq, pend)`: events still allowed in this period before `freq`.
    pub fn remain(&self, period_ms: u64, freq: u64, pend: u64, now_ms: u64) -> u64 {
        let avg = self.total(period_ms, Some(pend), now_ms) / period_ms;
        freq - avg.min(freq)
    }
}

/// `stick-table ... expire E store http_req_rate(P)` + `http-request track-sc0 KEY` +
/// `http-request deny deny_status S if { sc_http_req_rate(0) gt N }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpReqRate {
    period_ms: u64,
    limit_gt: u64,
    expire_ms: u64,
    deny_status: u16,
}

/// One stick-table entry: the counter and when it was last touched. `Default` = no entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpReqRateState {
    /// The `http_req_rate` counter.
    pub ctr: FreqCtr,
    /// Last time the entry was tracked, ms.
    pub last_touch_ms: u64,
}

/// Outcome of tracking one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackDecision {
    /// The rate read after counting this request is at most N.
    Allow {
        /// `sc_http_req_rate(0)` as read by the rule.
        rate: u64,
    },
    /// The rate is strictly greater than N.
    Deny {
        /// `deny_status`.
        status: u16,
        /// `sc_http_req_rate(0)` as read by the rule.
        rate: u64,
    },
}

impl HttpReqRate {
    /// `deny_status` defaults to 403 in HAProxy; 429 is typical. Errors: zero period or expire,
    /// status outside 200..=599.
    pub fn new(period_ms: u64, limit_gt: u64, expire_ms: u64, deny_status: u16) -> Result<Self, PolicyError> {
        if period_ms == 0 {
            return Err(PolicyError::Zero { param: "http_req_rate period" });
        }
        if expire_ms == 0 {
            return Err(PolicyError::Zero { param: "expire" });
        }
        super::super::check_range("deny_status", i128::from(deny_status), 200, 599)?;
        Ok(Self { period_ms, limit_gt, expire_ms, deny_status })
    }

    /// With HAProxy's default `deny_status` (403).
    pub fn with_default_status(period_ms: u64, limit_gt: u64, expire_ms: u64) -> Result<Self, PolicyError> {
        Self::new(period_ms, limit_gt, expire_ms, status::FORBIDDEN)
    }

    /// Tracks the request (counting it, even if it ends up denied), then applies the deny rule.
    pub fn track(&self, state: &mut HttpReqRateState, now_ns: u64) -> TrackDecision {
        let now_ms = now_ns / NS_PER_MS;
        if state.ctr.started && now_ms.saturating_sub(state.last_touch_ms) >= self.expire_ms {
            *state = HttpReqRateState::default();
        }
        state.last_touch_ms = now_ms;
        state.ctr.update(self.period_ms, 1, now_ms);
        let rate = state.ctr.read(self.period_ms, now_ms);
        if rate > self.limit_gt {
            TrackDecision::Deny { status: self.deny_status, rate }
        } else {
            TrackDecision::Allow { rate }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = 10_000;

    #[test]
    fn freq_ctr_first_period_is_anchored_at_the_first_event_on_an_even_ms() {
        let mut c = FreqCtr::default();
        c.update(P, 1, 12_345);
        assert_eq!(c.curr_tick, 12_344);
        c.update(P, 1, 22_343);
        assert_eq!((c.curr, c.prev), (2, 0));
        c.update(P, 1, 22_344);
        assert_eq!((c.curr, c.prev, c.curr_tick), (1, 2, 22_344));
    }

    #[test]
    fn freq_ctr_restarts_at_now_after_two_idle_periods() {
        let mut c = FreqCtr::default();
        c.update(P, 1, 0);
        c.update(P, 1, 20_001);
        assert_eq!((c.curr, c.prev, c.curr_tick), (1, 0, 20_000));
        c.update(P, 1, 50_123);
        assert_eq!((c.curr, c.prev, c.curr_tick), (1, 0, 50_122));
    }

    #[test]
    fn freq_ctr_read_floors_the_weighted_sum() {
        let mut c = FreqCtr::default();
        for _ in 0..7 {
            c.update(P, 1, 0);
        }
        for _ in 0..3 {
            c.update(P, 1, 10_000);
        }
        // 2500 ms into the period: floor((7*7500 + 3*10000)/10000) = floor(8.25) = 8.
        assert_eq!(c.read(P, 12_500), 8);
        // Period over, not rotated: prev = curr = 3, curr = 0, remain = 10000 - 1000.
        assert_eq!(c.read(P, 21_000), 2);
        // Two periods over: 0.
        assert_eq!(c.read(P, 31_000), 0);
    }

    #[test]
    fn freq_ctr_anti_flapping_reports_prev_when_curr_is_empty() {
        let mut c = FreqCtr::default();
        c.update(P, 1, 0);
        // Read in the next period without an event: prev = 1 <= 1 and curr = 0 => 1, not 0.
        assert_eq!(c.read(P, 19_999), 1);
        c.update(P, 1, 0);
        // prev = 2 is weighted: floor(2 * 1/10000) = 0.
        assert_eq!(c.read(P, 19_999), 0);
        assert_eq!(c.remain(P, 5, 0, 15_000), 4);
    }

    #[test]
    fn http_req_rate_counts_the_request_before_the_deny_rule_and_counts_denied_ones() {
        let r = HttpReqRate::new(P, 3, 30_000, 429).unwrap();
        let mut s = HttpReqRateState::default();
        let got: Vec<_> = (0..5).map(|_| r.track(&mut s, 1_000_000)).collect();
        assert_eq!(got[2], TrackDecision::Allow { rate: 3 });
        assert_eq!(got[3], TrackDecision::Deny { status: 429, rate: 4 });
        assert_eq!(got[4], TrackDecision::Deny { status: 429, rate: 5 });
        assert_eq!(s.ctr.curr, 5);
    }

    #[test]
    fn http_req_rate_entry_expires_after_idle_expire() {
        let r = HttpReqRate::with_default_status(P, 1, 5_000).unwrap();
        let mut s = HttpReqRateState::default();
        assert_eq!(r.track(&mut s, 0), TrackDecision::Allow { rate: 1 });
        let deny = |rate| TrackDecision::Deny { status: 403, rate };
        assert_eq!(r.track(&mut s, 4_999 * NS_PER_MS), deny(2));
        assert_eq!(r.track(&mut s, 9_998 * NS_PER_MS), deny(3));
        // Idle for `expire`: the entry vanished with its counters.
        let mut s = HttpReqRateState::default();
        r.track(&mut s, 0);
        assert_eq!(r.track(&mut s, 5_000 * NS_PER_MS), TrackDecision::Allow { rate: 1 });
    }
}
