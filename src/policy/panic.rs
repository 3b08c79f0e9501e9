//! Envoy panic threshold: Envoy 1.40 behaviour (`source/extensions/load_balancing_policies/common/
//! load_balancer_impl.cc` fns `isHostSetInPanic`, `recalculatePerPriorityPanic`,
//! `recalculatePerPriorityState`; overprovisioning factor 140).
//!
//! A priority is in panic when `100 * (healthy + degraded) / (hosts - excluded) < threshold` (strict,
//! counted in hosts, not weights), and only while the total availability over priorities is below 100 %
//! (each priority's health is `min(100, factor * (healthy + degraded) / hosts)`, summed, capped at 100).
//! Threshold 0 disables panic.

use super::PolicyError;

/// `common_lb_config.healthy_panic_threshold` (default 50 %) and the overprovisioning factor.
#[derive(Clone, Debug, PartialEq)]
pub struct PanicThreshold {
    threshold_percent: f64,
    overprovisioning_factor: u64,
}

/// Host counts of one priority.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriorityHosts {
    /// All hosts.
    pub hosts: u64,
    /// Healthy hosts.
    pub healthy: u64,
    /// Degraded hosts.
    pub degraded: u64,
    /// Excluded hosts (e.g. `PENDING_ACTIVE_HC`).
    pub excluded: u64,
}

impl PanicThreshold {
    /// Errors: threshold outside 0..=100, factor 0.
    pub fn new(threshold_percent: f64, overprovisioning_factor: u64) -> Result<Self, PolicyError> {
        if !(0.0..=100.0).contains(&threshold_percent) {
            return Err(PolicyError::Invalid { param: "healthy_panic_threshold", reason: "must be within 0..=100" });
        }
        if overprovisioning_factor == 0 {
            return Err(PolicyError::Zero { param: "overprovisioning_factor" });
        }
        Ok(Self { threshold_percent, overprovisioning_factor })
    }

    /// Envoy's defaults: 50 %, factor 140.
    pub fn envoy_default() -> Self {
        Self { threshold_percent: 50.0, overprovisioning_factor: 140 }
    }

    fn priority_health(&self, p: &PriorityHosts) -> u64 {
        if p.hosts == 0 {
            return 0;
        }
        (self.overprovisioning_factor * (p.healthy + p.degraded) / p.hosts).min(100)
    }

    /// `isHostSetInPanic` for one priority, ignoring the total-availability condition.
    pub fn host_set_in_panic(&self, p: &PriorityHosts) -> bool {
        let usable = p.hosts.saturating_sub(p.excluded);
        let pct = if usable == 0 { 0.0 } else { 100.0 * (p.healthy + p.degraded) as f64 / usable as f64 };
        pct < self.threshold_percent
    }

    /// Whether priority `index` of `priorities` is in panic (false when total availability is 100 %).
    pub fn in_panic(&self, priorities: &[PriorityHosts], index: usize) -> bool {
        let total: u64 = priorities.iter().map(|p| self.priority_health(p)).sum();
        if total >= 100 {
            return false;
        }
        priorities.get(index).is_some_and(|p| self.host_set_in_panic(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(hosts: u64, healthy: u64) -> PriorityHosts {
        PriorityHosts { hosts, healthy, ..PriorityHosts::default() }
    }

    #[test]
    fn panic_is_strictly_below_threshold_in_hosts() {
        let p = PanicThreshold::envoy_default();
        assert!(!p.in_panic(&[hosts(10, 5)], 0), "50 % is not < 50 %");
        assert!(p.in_panic(&[hosts(10, 4)], 0));
    }

    #[test]
    fn panic_is_skipped_when_total_availability_is_full_and_zero_disables_it() {
        let p = PanicThreshold::new(80.0, 140).unwrap();
        // 75 % healthy * 1.4 = 105 => 100 % available: no panic although 75 < 80.
        assert!(!p.in_panic(&[hosts(4, 3)], 0));
        assert!(p.host_set_in_panic(&hosts(4, 3)));
        let off = PanicThreshold::new(0.0, 140).unwrap();
        assert!(!off.in_panic(&[hosts(4, 0)], 0));
        // Excluded hosts leave the denominator.
        let d = PanicThreshold::envoy_default();
        let ex = PriorityHosts { hosts: 10, healthy: 4, degraded: 0, excluded: 2 };
        assert!(!d.in_panic(&[ex], 0));
    }
}
