//! Fixed-window counters: Kong `rate-limiting` (Kong 3.10 behaviour) and envoyproxy/ratelimit.
//!
//! Kong: `kong/plugins/rate-limiting/handler.lua` fns `get_usage`, `access` (reject when
//! `limit - usage <= 0` for any period, usage read before this request counts; `Retry-After` = `reset`),
//! `policies/init.lua` (`local` counts after the check, so rejected requests are not counted; `redis`
//! with `sync_rate = -1` counts with `INCR` while reading, so rejected requests count too),
//! `kong/tools/timestamp.lua` fn `get_timestamps` (windows aligned on UTC calendar second, minute, hour,
//! day, month, year). The engine maps run time to UTC with `start_unix_ms`, the wall-clock instant of
//! `now_ns = 0`. The asynchronous increment of `local` is modelled as immediate.
//!
//! envoyproxy/ratelimit: `src/limiter/cache_key.go` fn `GenerateCacheKey` (window start
//! `floor(now/unit)*unit`, Unix-epoch aligned), `base_limiter.go` fn `GetResponseDescriptorStatus`
//! (count first, over iff new count > `requests_per_unit`). 429 with `x-envoy-ratelimited`.

use super::super::{NS_PER_MS, PolicyError, status};

/// Kong's periods, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KongPeriod {
    /// Calendar second.
    Second = 0,
    /// Calendar minute.
    Minute = 1,
    /// Calendar hour.
    Hour = 2,
    /// UTC day.
    Day = 3,
    /// UTC calendar month.
    Month = 4,
    /// UTC calendar year.
    Year = 5,
}

/// Kong's `EXPIRATION` table: the nominal window length of each period, in seconds (used for `reset`).
const KONG_WINDOW_S: [u64; 6] = [1, 60, 3600, 86_400, 2_592_000, 31_536_000];

/// How Kong counts (`policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KongCounting {
    /// `local` (and `cluster`): counted after the check, rejected requests not counted.
    Local,
    /// `redis` with `sync_rate = -1`: every request is counted while reading, rejected ones too.
    RedisRealtime,
}

/// Kong `rate-limiting` plugin config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kong {
    limits: [Option<u64>; 6],
    counting: KongCounting,
    start_unix_ms: u64,
    status: u16,
}

/// Per-identifier counters, one per period. `Default` is an unseen identifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KongState {
    /// Start of the window each count belongs to, Unix ms.
    pub window_start_ms: [u64; 6],
    /// Count in that window.
    pub count: [u64; 6],
}

/// Outcome of a fixed-window check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowDecision {
    /// Under the limit.
    Allow,
    /// Over the limit.
    Deny {
        /// Status answered.
        status: u16,
        /// `Retry-After` in seconds (Kong: `reset`, at least 1; envoy ratelimit: to the window end).
        retry_after_s: u64,
    },
}

/// Days since 1970-01-01 to (year, month) of the UTC civil calendar, and back.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Kong `get_timestamps`: start of each calendar window containing `unix_ms`, in Unix ms.
pub fn kong_window_starts(unix_ms: u64) -> [u64; 6] {
    let s = unix_ms / 1000;
    let second = s * 1000;
    let minute = s / 60 * 60_000;
    let hour = s / 3600 * 3_600_000;
    let days = (s / 86_400) as i64;
    let day = days as u64 * 86_400_000;
    let (y, m, _) = civil_from_days(days);
    let month = days_from_civil(y, m, 1) as u64 * 86_400_000;
    let year = days_from_civil(y, 1, 1) as u64 * 86_400_000;
    [second, minute, hour, day, month, year]
}

impl Kong {
    /// `limits[p]` is the limit of period `p` (indexed by [`KongPeriod`]); at least one must be set.
    pub fn new(limits: [Option<u64>; 6], counting: KongCounting, start_unix_ms: u64) -> Result<Self, PolicyError> {
        if limits.iter().all(Option::is_none) {
            return Err(PolicyError::Invalid {
                param: "config",
                reason: "at least one of second, minute, hour, day, month, year is required",
            });
        }
        Ok(Self { limits, counting, start_unix_ms, status: status::TOO_MANY_REQUESTS })
    }

    /// Checks (and counts, per `counting`) one request of an identifier.
    pub fn check(&self, state: &mut KongState, now_ns: u64) -> WindowDecision {
        let now_ms = self.start_unix_ms + now_ns / NS_PER_MS;
        let starts = kong_window_starts(now_ms);
        let mut stop: Option<usize> = None;
        for (p, limit) in self.limits.iter().enumerate() {
            let Some(limit) = *limit else { continue };
            if state.window_start_ms[p] != starts[p] {
                state.window_start_ms[p] = starts[p];
                state.count[p] = 0;
            }
            let usage = state.count[p];
            if limit as i128 - usage as i128 <= 0 {
                stop = Some(p);
            }
        }
        let retry_after_s = match stop {
            Some(p) => self.reset_s(state, now_ms, &starts, p),
            None => 0,
        };
        let count_it = stop.is_none() || self.counting == KongCounting::RedisRealtime;
        if count_it {
            for p in 0..6 {
                if self.limits[p].is_some() {
                    state.count[p] += 1;
                }
            }
        }
        match stop {
            None => WindowDecision::Allow,
            Some(_) => WindowDecision::Deny { status: self.status, retry_after_s },
        }
    }

    /// Kong's `reset`: from the period with the least remaining after this request (ties: the
    /// longer window); `stop` is the (last) exhausted period, whose remaining Kong lowers by one.
    fn reset_s(&self, state: &KongState, now_ms: u64, starts: &[u64; 6], stop: usize) -> u64 {
        let mut best: Option<(i128, u64, usize)> = None;
        for (p, limit) in self.limits.iter().enumerate() {
            let Some(limit) = *limit else { continue };
            let mut remaining = limit as i128 - state.count[p] as i128;
            if p == stop {
                remaining -= 1;
            }
            let remaining = remaining.max(0);
            let window = KONG_WINDOW_S[p];
            let better = match best {
                None => true,
                Some((r, w, _)) => remaining < r || (remaining == r && window > w),
            };
            if better {
                best = Some((remaining, window, p));
            }
        }
        best.map_or(1, |(_, window, p)| {
            let elapsed_s = (now_ms - starts[p]) / 1000;
            window.saturating_sub(elapsed_s).max(1)
        })
    }
}

/// One envoyproxy/ratelimit descriptor limit: `requests_per_unit` per `unit_s` (1, 60, 3600, 86400, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvoyRatelimit {
    requests_per_unit: u64,
    unit_s: u64,
    start_unix_ms: u64,
}

/// Per-key counter of the current window. `Default` is an unseen key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedWindowState {
    /// Window start, Unix seconds.
    pub window_start_s: u64,
    /// Hits counted in that window (rejected ones included).
    pub count: u64,
}

impl EnvoyRatelimit {
    /// Errors: `unit_s == 0`.
    pub fn new(requests_per_unit: u64, unit_s: u64, start_unix_ms: u64) -> Result<Self, PolicyError> {
        if unit_s == 0 {
            return Err(PolicyError::Zero { param: "unit" });
        }
        Ok(Self { requests_per_unit, unit_s, start_unix_ms })
    }

    /// Counts the hit, then answers OVER_LIMIT (429) iff the new count exceeds the limit.
    pub fn check(&self, state: &mut FixedWindowState, now_ns: u64) -> WindowDecision {
        let now_s = (self.start_unix_ms + now_ns / NS_PER_MS) / 1000;
        let start = now_s / self.unit_s * self.unit_s;
        if state.window_start_s != start || state.count == 0 {
            state.window_start_s = start;
            state.count = 0;
        }
        state.count += 1;
        if state.count > self.requests_per_unit {
            WindowDecision::Deny { status: status::TOO_MANY_REQUESTS, retry_after_s: start + self.unit_s - now_s }
        } else {
            WindowDecision::Allow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::NS_PER_S;

    // 2024-02-29T23:59:58Z
    const LEAP_EVE_MS: u64 = 1_709_251_198_000;

    #[test]
    fn kong_windows_are_utc_calendar_aligned() {
        let s = kong_window_starts(LEAP_EVE_MS + 500);
        assert_eq!(s[KongPeriod::Second as usize], LEAP_EVE_MS);
        assert_eq!(s[KongPeriod::Minute as usize], 1_709_251_140_000);
        assert_eq!(s[KongPeriod::Hour as usize], 1_709_247_600_000);
        assert_eq!(s[KongPeriod::Day as usize], 1_709_164_800_000); // 2024-02-29
        assert_eq!(s[KongPeriod::Month as usize], 1_706_745_600_000); // 2024-02-01
        assert_eq!(s[KongPeriod::Year as usize], 1_704_067_200_000); // 2024-01-01
        let next = kong_window_starts(LEAP_EVE_MS + 2_000);
        assert_eq!(next[KongPeriod::Month as usize], 1_709_251_200_000); // 2024-03-01
    }

    #[test]
    fn kong_local_rejects_at_limit_and_does_not_count_rejections() {
        let k = Kong::new([None, Some(3), None, None, None, None], KongCounting::Local, LEAP_EVE_MS).unwrap();
        let mut s = KongState::default();
        for _ in 0..3 {
            assert_eq!(k.check(&mut s, 0), WindowDecision::Allow);
        }
        // usage 3: limit - usage = 0 <= 0; the minute started 58 s before.
        assert_eq!(k.check(&mut s, 0), WindowDecision::Deny { status: 429, retry_after_s: 2 });
        assert_eq!(s.count[1], 3);
        // New calendar minute 2 s later.
        assert_eq!(k.check(&mut s, 2 * NS_PER_S), WindowDecision::Allow);
        assert_eq!(s.count[1], 1);
    }

    #[test]
    fn kong_redis_counts_rejected_requests() {
        let k =
            Kong::new([Some(2), Some(3), None, None, None, None], KongCounting::RedisRealtime, LEAP_EVE_MS).unwrap();
        let mut s = KongState::default();
        assert_eq!(k.check(&mut s, 0), WindowDecision::Allow);
        assert_eq!(k.check(&mut s, 0), WindowDecision::Allow);
        assert!(matches!(k.check(&mut s, 0), WindowDecision::Deny { .. }));
        assert_eq!(s.count, [3, 3, 0, 0, 0, 0]);
        // Next second: the minute already holds 3 (one of them rejected) => rejected.
        assert!(matches!(k.check(&mut s, NS_PER_S), WindowDecision::Deny { .. }));
        let local = Kong::new([Some(2), Some(3), None, None, None, None], KongCounting::Local, LEAP_EVE_MS).unwrap();
        let mut s = KongState::default();
        for _ in 0..3 {
            local.check(&mut s, 0);
        }
        assert_eq!(local.check(&mut s, NS_PER_S), WindowDecision::Allow);
        assert!(Kong::new([None; 6], KongCounting::Local, 0).is_err());
    }

    #[test]
    fn envoy_ratelimit_counts_first_and_rejects_strictly_above() {
        let e = EnvoyRatelimit::new(2, 60, 1_700_000_000_000).unwrap(); // :20 past the minute
        let mut s = FixedWindowState::default();
        assert_eq!(e.check(&mut s, 0), WindowDecision::Allow);
        assert_eq!(e.check(&mut s, 0), WindowDecision::Allow);
        assert_eq!(e.check(&mut s, 0), WindowDecision::Deny { status: 429, retry_after_s: 40 });
        assert_eq!(s.count, 3, "rejected hits count");
        assert_eq!(e.check(&mut s, 40 * NS_PER_S), WindowDecision::Allow);
    }
}
