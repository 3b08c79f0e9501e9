//! Envoy outlier detection: Envoy 1.40 behaviour (`source/common/upstream/outlier_detection_impl.{h,cc}`
//! fns `DetectorHostMonitorImpl::putHttpResponseCode`, `DetectorImpl::onConsecutiveErrorWorker`,
//! `ejectHost`, `checkHostForUneject`, `onIntervalTimer`, `processSuccessRateEjections`; defaults from
//! the `DEFAULT_*` constants).
//!
//! - Consecutive 5xx (default 5, enforced 100 %) and consecutive gateway failures (502/503/504; default
//!   5, enforced 0 %: detected, not acted on). Each counter fires when it reaches its threshold and is
//!   reset then, whether or not the ejection happens, and on unejection; a non-5xx resets both.
//! - Ejection cap: since 1.31, eject only if `100 * (ejected + 1) / hosts <= max_ejection_percent`
//!   (or `always_eject_one_host` while none is ejected); before, "ejected % < max" let the first
//!   ejection through ([`EjectionCapRule`]).
//! - The host set: `hosts` above is `host_monitors_.size()`, the hosts the cluster has now. Envoy's
//!   detector follows the cluster's membership (`DetectorImpl::initialize`, its
//!   `addMemberUpdateCb`: an added host gets a fresh monitor, a removed one loses its monitor, and
//!   when it was ejected `ejections_active` drops by one). A Kubernetes pod not ready (starting,
//!   failing readiness) or scaled away is not an endpoint, so not a host; the engine tells the
//!   detector with [`OutlierDetector::set_in_host_set`], and responses of a host out of the set are
//!   ignored (Envoy's `onConsecutiveErrorWorker` drops a host without a monitor).
//! - Ejection time: multiplier k grows by 1 per ejection while `k * base < max + base`; the host comes
//!   back at the first interval sweep with `min(k * base, max) <= now - ejection time` (jitter 0); k
//!   drops by 1 at each sweep that finds the host back for at least one interval.
//! - Success rate, per interval: hosts with at least `request_volume` requests in the last interval; at
//!   least `minimum_hosts` of them; eject those strictly below `mean - factor/1000 * stdev`
//!   (population stdev).
//!
//! The engine calls [`OutlierDetector::record`] per response and [`OutlierDetector::on_interval`] at
//! each sweep (every `interval` from Envoy's start).

use super::{Entropy, NS_PER_MS, PolicyError, uniform_below};

/// Which ejection-cap rule to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EjectionCapRule {
    /// Envoy 1.31+: `(ejected + 1) / hosts * 100 <= max_ejection_percent`.
    Post131,
    /// Before 1.31: `ejected / hosts * 100 < max_ejection_percent`.
    Pre131,
}

/// `outlier_detection` config (only the detectors modelled here).
#[derive(Clone, Debug, PartialEq)]
pub struct OutlierConfig {
    /// `consecutive_5xx` (5).
    pub consecutive_5xx: u32,
    /// `enforcing_consecutive_5xx` % (100).
    pub enforcing_consecutive_5xx: u32,
    /// `consecutive_gateway_failure` (5).
    pub consecutive_gateway_failure: u32,
    /// `enforcing_consecutive_gateway_failure` % (0).
    pub enforcing_consecutive_gateway_failure: u32,
    /// `interval`, ns (10 s).
    pub interval_ns: u64,
    /// `base_ejection_time`, ns (30 s).
    pub base_ejection_time_ns: u64,
    /// `max_ejection_time`, ns (300 s, or `base_ejection_time` if larger).
    pub max_ejection_time_ns: u64,
    /// `max_ejection_percent` (10).
    pub max_ejection_percent: u32,
    /// `always_eject_one_host` (false, 1.31+).
    pub always_eject_one_host: bool,
    /// `success_rate_minimum_hosts` (5).
    pub success_rate_minimum_hosts: u32,
    /// `success_rate_request_volume` (100).
    pub success_rate_request_volume: u64,
    /// `success_rate_stdev_factor` (1900, divided by 1000).
    pub success_rate_stdev_factor: u32,
    /// `enforcing_success_rate` % (100).
    pub enforcing_success_rate: u32,
    /// Ejection-cap rule by Envoy version.
    pub cap_rule: EjectionCapRule,
}

impl Default for OutlierConfig {
    fn default() -> Self {
        Self {
            consecutive_5xx: 5,
            enforcing_consecutive_5xx: 100,
            consecutive_gateway_failure: 5,
            enforcing_consecutive_gateway_failure: 0,
            interval_ns: 10_000 * NS_PER_MS,
            base_ejection_time_ns: 30_000 * NS_PER_MS,
            max_ejection_time_ns: 300_000 * NS_PER_MS,
            max_ejection_percent: 10,
            always_eject_one_host: false,
            success_rate_minimum_hosts: 5,
            success_rate_request_volume: 100,
            success_rate_stdev_factor: 1900,
            enforcing_success_rate: 100,
            cap_rule: EjectionCapRule::Post131,
        }
    }
}

/// Per-host monitor state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostMonitor {
    /// Consecutive 5xx.
    pub consecutive_5xx: u32,
    /// Consecutive gateway failures.
    pub consecutive_gateway_failure: u32,
    /// Currently ejected.
    pub ejected: bool,
    /// Last ejection time, ns.
    pub last_ejection_ns: u64,
    /// Last unejection time, ns (`None` before the first).
    pub last_unejection_ns: Option<u64>,
    /// Ejection time multiplier k.
    pub multiplier: u32,
    /// Requests / successes in the current interval.
    pub current: (u64, u64),
    /// Requests / successes in the last complete interval.
    pub last: (u64, u64),
}

/// Counters mirroring Envoy's `outlier_detection.*` stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutlierStats {
    /// `ejections_enforced_total`.
    pub ejections_enforced: u64,
    /// `ejections_overflow`.
    pub ejections_overflow: u64,
    /// `ejections_detected_consecutive_5xx`.
    pub detected_consecutive_5xx: u64,
    /// `ejections_detected_consecutive_gateway_failure`.
    pub detected_consecutive_gateway_failure: u64,
    /// `ejections_detected_success_rate`.
    pub detected_success_rate: u64,
}

/// What a call changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutlierEvent {
    /// Nothing.
    None,
    /// The host was ejected now.
    Ejected,
    /// A detector fired but the ejection cap refused it (`ejections_overflow`).
    Overflow,
    /// A detector fired but was not enforced.
    DetectedOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detector {
    Consecutive5xx,
    GatewayFailure,
    SuccessRate,
}

/// Outlier detector for one cluster (all priorities).
#[derive(Clone, Debug, PartialEq)]
pub struct OutlierDetector {
    cfg: OutlierConfig,
    hosts: Vec<HostMonitor>,
    /// In the cluster's host set now (Envoy has a monitor for it).
    in_set: Vec<bool>,
    /// Hosts in the set (`host_monitors_.size()`).
    members: u32,
    ejected: u32,
    /// Stats so far.
    pub stats: OutlierStats,
    rates: Vec<f64>,
}

impl OutlierDetector {
    /// Errors: no hosts, zero interval or base ejection time, percentages above 100.
    pub fn new(mut cfg: OutlierConfig, hosts: usize) -> Result<Self, PolicyError> {
        if hosts == 0 {
            return Err(PolicyError::Zero { param: "hosts" });
        }
        if cfg.interval_ns == 0 || cfg.base_ejection_time_ns == 0 {
            return Err(PolicyError::Zero { param: "interval/base_ejection_time" });
        }
        for (name, v) in [
            ("max_ejection_percent", cfg.max_ejection_percent),
            ("enforcing_consecutive_5xx", cfg.enforcing_consecutive_5xx),
            ("enforcing_consecutive_gateway_failure", cfg.enforcing_consecutive_gateway_failure),
            ("enforcing_success_rate", cfg.enforcing_success_rate),
        ] {
            super::check_range(name, i128::from(v), 0, 100)?;
        }
        cfg.max_ejection_time_ns = cfg.max_ejection_time_ns.max(cfg.base_ejection_time_ns);
        Ok(Self {
            cfg,
            hosts: vec![HostMonitor::default(); hosts],
            in_set: vec![true; hosts],
            members: hosts as u32,
            ejected: 0,
            stats: OutlierStats::default(),
            rates: Vec::with_capacity(hosts),
        })
    }

    /// Monitor state of a host.
    pub fn host(&self, host: usize) -> Option<&HostMonitor> {
        self.hosts.get(host)
    }

    /// Whether a host is ejected.
    pub fn is_ejected(&self, host: usize) -> bool {
        self.hosts.get(host).is_some_and(|h| h.ejected)
    }

    /// Hosts in the set now (the ejection cap's denominator).
    pub fn host_set_size(&self) -> u32 {
        self.members
    }

    /// Hosts ejected now (`ejections_active`).
    pub fn ejections_active(&self) -> u32 {
        self.ejected
    }

    /// Puts `host` in the cluster's host set or takes it out (Envoy's member-update callback). A
    /// host leaving loses its monitor (an ejected one stops counting as ejected); a host joining
    /// starts with a fresh one. No change, no effect; returns whether the set changed.
    pub fn set_in_host_set(&mut self, host: usize, in_set: bool) -> bool {
        let (Some(flag), Some(h)) = (self.in_set.get_mut(host), self.hosts.get_mut(host)) else { return false };
        if *flag == in_set {
            return false;
        }
        *flag = in_set;
        if h.ejected {
            self.ejected -= 1;
        }
        *h = HostMonitor::default();
        if in_set {
            self.members += 1;
        } else {
            self.members -= 1;
        }
        true
    }

    /// Whether `host` is in the host set.
    pub fn in_host_set(&self, host: usize) -> bool {
        self.in_set.get(host).copied().unwrap_or(false)
    }

    fn enforced(pct: u32, rng: &mut impl Entropy) -> bool {
        match pct {
            0 => false,
            100.. => true,
            p => uniform_below(rng, 100) < u64::from(p),
        }
    }

    fn cap_allows(&self) -> bool {
        // `DetectorImpl::ejectHost`: the percentage is over `host_monitors_.size()`, the hosts
        // the cluster has now, not every address it may ever have.
        let hosts = f64::from(self.members);
        let max = f64::from(self.cfg.max_ejection_percent);
        match self.cfg.cap_rule {
            EjectionCapRule::Post131 => {
                100.0 * f64::from(self.ejected + 1) / hosts <= max
                    || (self.cfg.always_eject_one_host && self.ejected == 0)
            }
            EjectionCapRule::Pre131 => 100.0 * f64::from(self.ejected) / hosts < max,
        }
    }

    fn eject(&mut self, host: usize, det: Detector, now_ns: u64, rng: &mut impl Entropy) -> OutlierEvent {
        if self.hosts[host].ejected {
            return OutlierEvent::None;
        }
        let pct = match det {
            Detector::Consecutive5xx => {
                self.stats.detected_consecutive_5xx += 1;
                self.cfg.enforcing_consecutive_5xx
            }
            Detector::GatewayFailure => {
                self.stats.detected_consecutive_gateway_failure += 1;
                self.cfg.enforcing_consecutive_gateway_failure
            }
            Detector::SuccessRate => {
                self.stats.detected_success_rate += 1;
                self.cfg.enforcing_success_rate
            }
        };
        // Detection is counted first; the cap is checked before enforcement.
        if !self.cap_allows() {
            self.stats.ejections_overflow += 1;
            return OutlierEvent::Overflow;
        }
        if !Self::enforced(pct, rng) {
            return OutlierEvent::DetectedOnly;
        }
        let (base, max) = (self.cfg.base_ejection_time_ns, self.cfg.max_ejection_time_ns);
        let h = &mut self.hosts[host];
        if u64::from(h.multiplier) * base < max + base {
            h.multiplier += 1;
        }
        h.ejected = true;
        h.last_ejection_ns = now_ns;
        self.ejected += 1;
        self.stats.ejections_enforced += 1;
        OutlierEvent::Ejected
    }

    /// Records one upstream response code for `host` (locally originated connect failures and
    /// timeouts are passed as 503/504, as Envoy maps them without `split_external_local_origin_errors`).
    pub fn record(&mut self, host: usize, code: u16, now_ns: u64, rng: &mut impl Entropy) -> OutlierEvent {
        let Some(h) = self.hosts.get_mut(host) else {
            return OutlierEvent::None;
        };
        if !self.in_set[host] {
            // A response from a host the cluster no longer has (a request in flight when it
            // left): Envoy has no monitor for it.
            return OutlierEvent::None;
        }
        h.current.0 += 1;
        if code < 500 {
            h.current.1 += 1;
            h.consecutive_5xx = 0;
            h.consecutive_gateway_failure = 0;
            return OutlierEvent::None;
        }
        let mut event = OutlierEvent::None;
        if matches!(code, 502..=504) {
            h.consecutive_gateway_failure += 1;
            if h.consecutive_gateway_failure == self.cfg.consecutive_gateway_failure {
                h.consecutive_gateway_failure = 0;
                event = self.eject(host, Detector::GatewayFailure, now_ns, rng);
            }
        } else {
            h.consecutive_gateway_failure = 0;
        }
        let h = &mut self.hosts[host];
        h.consecutive_5xx += 1;
        if h.consecutive_5xx == self.cfg.consecutive_5xx {
            h.consecutive_5xx = 0;
            let e = self.eject(host, Detector::Consecutive5xx, now_ns, rng);
            if e != OutlierEvent::None {
                event = e;
            }
        }
        event
    }

    /// Interval sweep: unejections, multiplier decay, then success-rate ejections. Calls `unejected`
    /// for every host returned now.
    pub fn on_interval(&mut self, now_ns: u64, rng: &mut impl Entropy, mut unejected: impl FnMut(usize)) {
        let (base, max, interval) =
            (self.cfg.base_ejection_time_ns, self.cfg.max_ejection_time_ns, self.cfg.interval_ns);
        for (i, h) in self.hosts.iter_mut().enumerate() {
            if !self.in_set[i] {
                continue;
            }
            if !h.ejected {
                if h.multiplier > 0 && h.last_unejection_ns.is_some_and(|t| now_ns - t >= interval) {
                    h.multiplier -= 1;
                }
            } else if (u64::from(h.multiplier) * base).min(max) <= now_ns - h.last_ejection_ns {
                h.ejected = false;
                h.last_unejection_ns = Some(now_ns);
                h.consecutive_5xx = 0;
                h.consecutive_gateway_failure = 0;
                self.ejected -= 1;
                unejected(i);
            }
            h.last = h.current;
            h.current = (0, 0);
        }
        self.success_rate_ejections(now_ns, rng);
    }

    fn success_rate_ejections(&mut self, now_ns: u64, rng: &mut impl Entropy) {
        let volume = self.cfg.success_rate_request_volume;
        self.rates.clear();
        for h in &self.hosts {
            if h.last.0 >= volume && h.last.0 > 0 {
                self.rates.push(100.0 * h.last.1 as f64 / h.last.0 as f64);
            }
        }
        if (self.rates.len() as u64) < u64::from(self.cfg.success_rate_minimum_hosts) || self.rates.is_empty() {
            return;
        }
        let n = self.rates.len() as f64;
        let mean = self.rates.iter().sum::<f64>() / n;
        let var = self.rates.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / n;
        let threshold = mean - f64::from(self.cfg.success_rate_stdev_factor) / 1000.0 * var.sqrt();
        for i in 0..self.hosts.len() {
            let h = self.hosts[i];
            if h.last.0 >= volume && h.last.0 > 0 {
                let rate = 100.0 * h.last.1 as f64 / h.last.0 as f64;
                if rate < threshold {
                    self.eject(i, Detector::SuccessRate, now_ns, rng);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::NS_PER_S;
    use crate::policy::testutil::SplitMix64;

    fn det(cfg: OutlierConfig, n: usize) -> OutlierDetector {
        OutlierDetector::new(cfg, n).unwrap()
    }

    fn three() -> OutlierConfig {
        OutlierConfig { consecutive_5xx: 3, consecutive_gateway_failure: 3, ..OutlierConfig::default() }
    }

    #[test]
    fn two_host_cluster_with_default_ten_percent_never_ejects() {
        let mut d = det(three(), 2);
        let mut rng = SplitMix64(1);
        for _ in 0..3 {
            d.record(0, 503, 0, &mut rng);
        }
        assert!(!d.is_ejected(0));
        assert_eq!(d.stats.ejections_overflow, 2, "gateway-failure and 5xx both overflow");
        assert_eq!(d.host(0).unwrap().consecutive_5xx, 0, "counter resets anyway");
    }

    #[test]
    fn pre_131_rule_always_allows_the_first_ejection() {
        let mut d = det(OutlierConfig { cap_rule: EjectionCapRule::Pre131, ..three() }, 2);
        let mut rng = SplitMix64(1);
        for _ in 0..3 {
            d.record(0, 500, 0, &mut rng);
        }
        assert!(d.is_ejected(0));
        let mut d = det(OutlierConfig { always_eject_one_host: true, ..three() }, 2);
        for _ in 0..3 {
            d.record(0, 500, 0, &mut rng);
        }
        assert!(d.is_ejected(0));
        for _ in 0..3 {
            d.record(1, 500, 0, &mut rng);
        }
        assert!(!d.is_ejected(1));
    }

    #[test]
    fn fifty_percent_lets_one_of_two_out_and_refused_series_resets_counter() {
        let mut d = det(OutlierConfig { max_ejection_percent: 50, ..three() }, 2);
        let mut rng = SplitMix64(1);
        for _ in 0..3 {
            d.record(0, 503, 0, &mut rng);
        }
        assert!(d.is_ejected(0));
        assert_eq!(d.stats.detected_consecutive_gateway_failure, 1);
        for _ in 0..3 {
            d.record(1, 503, 0, &mut rng);
        }
        assert!(!d.is_ejected(1));
        assert_eq!(d.host(1).unwrap().consecutive_5xx, 0);
    }

    #[test]
    fn gateway_failure_is_detected_but_not_enforced_by_default() {
        let cfg = OutlierConfig { consecutive_5xx: 10, max_ejection_percent: 100, ..three() };
        let mut d = det(cfg, 2);
        let mut rng = SplitMix64(1);
        let mut last = OutlierEvent::None;
        for _ in 0..3 {
            last = d.record(0, 502, 0, &mut rng);
        }
        assert_eq!(last, OutlierEvent::DetectedOnly);
        assert!(!d.is_ejected(0));
    }

    #[test]
    fn return_only_at_sweeps_after_k_times_base_and_k_decays() {
        let cfg = OutlierConfig { max_ejection_percent: 100, ..three() };
        let mut d = det(cfg, 2);
        let mut rng = SplitMix64(1);
        let s = NS_PER_S;
        for _ in 0..3 {
            d.record(0, 500, 5 * s, &mut rng);
        }
        let mut back = vec![];
        for t in [10, 20, 30] {
            d.on_interval(t * s, &mut rng, |h| back.push((h, t)));
        }
        assert!(back.is_empty(), "30 s have not passed at the 30 s sweep");
        d.on_interval(40 * s, &mut rng, |h| back.push((h, 40)));
        assert_eq!(back, [(0, 40)]);
        // Ejected again at once: k = 2 => 60 s.
        for _ in 0..3 {
            d.record(0, 500, 41 * s, &mut rng);
        }
        assert_eq!(d.host(0).unwrap().multiplier, 2);
        for t in [50, 60, 70, 80, 90, 100] {
            d.on_interval(t * s, &mut rng, |h| back.push((h, t)));
        }
        assert_eq!(back.len(), 1);
        d.on_interval(110 * s, &mut rng, |h| back.push((h, 110)));
        assert_eq!(back[1], (0, 110));
        d.on_interval(120 * s, &mut rng, |_| {});
        assert_eq!(d.host(0).unwrap().multiplier, 1);
    }

    #[test]
    fn success_rate_ejects_strictly_below_mean_minus_1_9_stdev() {
        let cfg = OutlierConfig { max_ejection_percent: 100, ..OutlierConfig::default() };
        let mut d = det(cfg, 6);
        let mut rng = SplitMix64(1);
        for h in 0..6 {
            let failures = if h == 5 { 50 } else { 0 };
            for k in 0..100 {
                d.record(h, if k < failures { 500 } else { 200 }, 0, &mut rng);
            }
        }
        // Consecutive 5xx ejected host 5 on the way; bring it back to test the success-rate path.
        let mut d2 = det(OutlierConfig { consecutive_5xx: 1000, ..d.cfg.clone() }, 6);
        for h in 0..6 {
            for k in 0..100 {
                d2.record(h, if h == 5 && k % 2 == 0 { 500 } else { 200 }, 0, &mut rng);
            }
        }
        d2.on_interval(NS_PER_S, &mut rng, |_| {});
        assert!(d2.is_ejected(5));
        assert_eq!(d2.stats.detected_success_rate, 1);
        assert!((0..5).all(|h| !d2.is_ejected(h)));
        // Only four hosts with enough volume: below minimum_hosts, nothing happens.
        let mut d3 = det(OutlierConfig { consecutive_5xx: 1000, ..d.cfg.clone() }, 6);
        for h in 0..4 {
            for k in 0..100 {
                d3.record(h, if h == 3 && k % 2 == 0 { 500 } else { 200 }, 0, &mut rng);
            }
        }
        d3.on_interval(NS_PER_S, &mut rng, |_| {});
        assert!(!d3.is_ejected(3));
    }

    /// Responses that drive `host` to a consecutive-5xx detection (threshold 3).
    fn fail(d: &mut OutlierDetector, host: usize, rng: &mut SplitMix64) -> OutlierEvent {
        let mut last = OutlierEvent::None;
        for _ in 0..3 {
            last = d.record(host, 500, 0, rng);
        }
        last
    }

    #[test]
    fn ejection_cap_counts_the_hosts_in_the_set_not_the_slots() {
        // Envoy's `ejectHost`: `100 * (ejections_active + 1) / host_monitors_.size() <= max`. Twenty
        // slots (an HPA's max_replicas) of which four pods are ready, max 50 %: two ejections, not ten.
        let mut d = det(OutlierConfig { max_ejection_percent: 50, ..three() }, 20);
        for h in 4..20 {
            assert!(d.set_in_host_set(h, false));
        }
        assert_eq!(d.host_set_size(), 4);
        let mut rng = SplitMix64(1);
        assert_eq!(fail(&mut d, 0, &mut rng), OutlierEvent::Ejected, "1/4 = 25 % <= 50 %");
        assert_eq!(fail(&mut d, 1, &mut rng), OutlierEvent::Ejected, "2/4 = 50 % <= 50 %");
        assert_eq!(fail(&mut d, 2, &mut rng), OutlierEvent::Overflow, "3/4 = 75 % > 50 %");
        assert_eq!(d.ejections_active(), 2);
        // The default 10 %: with four hosts, 1/4 = 25 % > 10 %, nothing is ejected; with ten, one is.
        let mut d = det(three(), 20);
        for h in 4..20 {
            d.set_in_host_set(h, false);
        }
        assert_eq!(fail(&mut d, 0, &mut rng), OutlierEvent::Overflow);
        for h in 4..10 {
            d.set_in_host_set(h, true);
        }
        assert_eq!(fail(&mut d, 0, &mut rng), OutlierEvent::Ejected, "1/10 = 10 % <= 10 %");
        assert_eq!(fail(&mut d, 1, &mut rng), OutlierEvent::Overflow);
    }

    #[test]
    fn a_host_leaving_the_set_drops_its_ejection_and_comes_back_fresh() {
        // `addMemberUpdateCb`: a removed host that was ejected decrements `ejections_active`; an
        // added host gets a new monitor (not ejected, multiplier 0, no counts).
        let mut d = det(OutlierConfig { max_ejection_percent: 50, ..three() }, 4);
        let mut rng = SplitMix64(1);
        assert_eq!(fail(&mut d, 0, &mut rng), OutlierEvent::Ejected);
        assert_eq!(fail(&mut d, 1, &mut rng), OutlierEvent::Ejected);
        assert_eq!(fail(&mut d, 2, &mut rng), OutlierEvent::Overflow);
        assert!(d.set_in_host_set(0, false));
        assert!(!d.set_in_host_set(0, false), "no change");
        assert_eq!((d.ejections_active(), d.host_set_size()), (1, 3));
        // 2/3 = 66 % > 50 %: still refused with three hosts and one ejected.
        assert_eq!(fail(&mut d, 2, &mut rng), OutlierEvent::Overflow);
        // Responses of a host out of the set are not counted.
        assert_eq!(fail(&mut d, 0, &mut rng), OutlierEvent::None);
        assert_eq!(d.host(0).copied(), Some(HostMonitor::default()));
        assert!(d.set_in_host_set(0, true));
        assert!(!d.is_ejected(0));
        assert_eq!(d.host(0).map(|h| h.multiplier), Some(0));
        // 2/4 = 50 %: one more ejection fits again.
        assert_eq!(fail(&mut d, 2, &mut rng), OutlierEvent::Ejected);
        // A sweep ignores hosts out of the set (their ejection is gone, nothing comes back).
        d.set_in_host_set(1, false);
        let mut back = vec![];
        d.on_interval(3_600 * NS_PER_S, &mut rng, |h| back.push(h));
        assert_eq!(back, [2]);
    }
}
