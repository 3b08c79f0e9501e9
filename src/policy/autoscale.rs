//! Kubernetes HorizontalPodAutoscaler: Kubernetes 1.35 behaviour (`pkg/controller/podautoscaler/
//! replica_calculator.go` fns `GetResourceReplicas`, `calcPlainMetricReplicas`; `horizontal.go` fns
//! `normalizeDesiredReplicas`, `stabilizeRecommendation`, `convertDesiredReplicasWithRules`,
//! `normalizeDesiredReplicasWithBehaviors`, `stabilizeRecommendationWithBehaviors`,
//! `convertDesiredReplicasWithBehaviorRate`, `calculateScaleUpLimitWithScalingRules`,
//! `calculateScaleDownLimitWithBehaviors`, `getReplicasChangePerPeriod`; `pkg/apis/autoscaling/v2/
//! defaults.go`).
//!
//! - Raw proposal: no change when `1 - tol_down <= ratio <= 1 + tol_up` (non-strict, 0.1 each), else
//!   `ceil(ratio * ready_pods)`; the engine computes `ratio` (metric / target) and the ready-pod count.
//! - Legacy path (no `behavior`): the largest recommendation of the last 300 s (samples strictly older
//!   than the cutoff are dropped), clamped to `[min, min(max, max(2*current, 4))]`.
//! - `behavior` path: stabilisation windows (up: min over the window, down: max), then the policies
//!   measured over the scale events of their `periodSeconds`, selected by Max/Min/Disabled.
//!
//! History is kept in vectors bounded at construction (window / sync period + 1 entries).

use super::{NS_PER_S, PolicyError};

/// `selectPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    /// The policy allowing the largest change (default).
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// One `HPAScalingPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingPolicy {
    /// `type: Pods`: `value` pods per `period_s`.
    Pods {
        /// Pods.
        value: u32,
        /// `periodSeconds`.
        period_s: u64,
    },
    /// `type: Percent`: `value` % per `period_s`.
    Percent {
        /// Percent.
        value: u32,
        /// `periodSeconds`.
        period_s: u64,
    },
}

impl ScalingPolicy {
    fn period_s(&self) -> u64 {
        match *self {
            Self::Pods { period_s, .. } | Self::Percent { period_s, .. } => period_s,
        }
    }
}

/// `HPAScalingRules` for one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`.
    pub stabilization_s: u64,
    /// `selectPolicy`.
    pub select: SelectPolicy,
    /// `policies`.
    pub policies: Vec<ScalingPolicy>,
}

impl ScalingRules {
    /// Default scale-up rules: no stabilisation, Max of 4 pods / 15 s and 100 % / 15 s.
    pub fn default_up() -> Self {
        Self {
            stabilization_s: 0,
            select: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy::Pods { value: 4, period_s: 15 },
                ScalingPolicy::Percent { value: 100, period_s: 15 },
            ],
        }
    }

    /// Default scale-down rules: 300 s stabilisation, 100 % / 15 s.
    pub fn default_down() -> Self {
        Self {
            stabilization_s: 300,
            select: SelectPolicy::Max,
            policies: vec![ScalingPolicy::Percent { value: 100, period_s: 15 }],
        }
    }
}

/// HPA spec plus controller settings.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaConfig {
    /// `minReplicas` (1).
    pub min_replicas: u32,
    /// `maxReplicas`.
    pub max_replicas: u32,
    /// Tolerance below 1 (0.1).
    pub tolerance_down: f64,
    /// Tolerance above 1 (0.1).
    pub tolerance_up: f64,
    /// Sync period, s (15).
    pub sync_period_s: u64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`, s (300), for the legacy path.
    pub downscale_stabilization_s: u64,
    /// `behavior`: `None` = legacy path; `Some((up, down))` otherwise.
    pub behavior: Option<(ScalingRules, ScalingRules)>,
}

impl HpaConfig {
    /// Defaults with the given bounds and no `behavior`.
    pub fn new(min_replicas: u32, max_replicas: u32) -> Result<Self, PolicyError> {
        if min_replicas == 0 {
            return Err(PolicyError::Zero { param: "minReplicas" });
        }
        if max_replicas < min_replicas {
            return Err(PolicyError::Invalid { param: "maxReplicas", reason: "must be >= minReplicas" });
        }
        Ok(Self {
            min_replicas,
            max_replicas,
            tolerance_down: 0.1,
            tolerance_up: 0.1,
            sync_period_s: 15,
            downscale_stabilization_s: 300,
            behavior: None,
        })
    }
}

/// `(time ns, replicas)` history entry.
type Sample = (u64, u32);

/// HPA controller state for one target.
#[derive(Clone, Debug, PartialEq)]
pub struct Hpa {
    cfg: HpaConfig,
    recommendations: Vec<Sample>,
    rec_cap: usize,
    up_events: Vec<Sample>,
    down_events: Vec<Sample>,
    ev_cap: usize,
}

impl Hpa {
    /// Builds the controller; history capacity is fixed here.
    pub fn new(cfg: HpaConfig) -> Result<Self, PolicyError> {
        if cfg.sync_period_s == 0 {
            return Err(PolicyError::Zero { param: "sync_period" });
        }
        let window = match &cfg.behavior {
            None => cfg.downscale_stabilization_s,
            Some((u, d)) => u.stabilization_s.max(d.stabilization_s),
        };
        let longest = cfg
            .behavior
            .as_ref()
            .map_or(0, |(u, d)| u.policies.iter().chain(&d.policies).map(ScalingPolicy::period_s).max().unwrap_or(0));
        let rec_cap = (window / cfg.sync_period_s + 2) as usize;
        let ev_cap = (longest / cfg.sync_period_s + 2) as usize;
        Ok(Self {
            recommendations: Vec::with_capacity(rec_cap),
            up_events: Vec::with_capacity(ev_cap),
            down_events: Vec::with_capacity(ev_cap),
            rec_cap,
            ev_cap,
            cfg,
        })
    }

    /// The configuration it runs.
    pub fn config(&self) -> &HpaConfig {
        &self.cfg
    }

    /// The raw proposal from one metric: `current` if the ratio is within tolerance, else
    /// `ceil(ratio * ready_pods)`.
    pub fn proposal(&self, current: u32, ready_pods: u32, ratio: f64) -> u32 {
        if 1.0 - self.cfg.tolerance_down <= ratio && ratio <= 1.0 + self.cfg.tolerance_up {
            return current;
        }
        (ratio * f64::from(ready_pods)).ceil() as u32
    }

    /// Appends, or replaces the oldest entry once the fixed capacity is reached.
    fn push_bounded(v: &mut Vec<Sample>, cap: usize, s: Sample) {
        if v.len() < cap {
            v.push(s);
        } else if let Some(oldest) = (0..v.len()).min_by_key(|&i| v[i].0) {
            v[oldest] = s;
        }
    }

    /// `t.After(now - window)`, with times that may precede the run start.
    fn after(t: u64, now_ns: u64, window_s: u64) -> bool {
        i128::from(t) > i128::from(now_ns) - i128::from(window_s) * i128::from(NS_PER_S)
    }

    /// One reconcile at `now_ns` with the current `spec.replicas` and the raw proposal; returns the
    /// new replica count (and records it as a scale event when it changes).
    pub fn reconcile(&mut self, now_ns: u64, current: u32, proposal: u32) -> u32 {
        if current == 0 {
            return 0; // scaling disabled
        }
        let desired = if current > self.cfg.max_replicas {
            self.cfg.max_replicas
        } else if current < self.cfg.min_replicas {
            self.cfg.min_replicas
        } else if self.cfg.behavior.is_none() {
            self.legacy(now_ns, current, proposal)
        } else {
            self.with_behavior(now_ns, current, proposal)
        };
        if desired != current {
            let change = (now_ns, desired.abs_diff(current));
            let cap = self.ev_cap;
            if desired > current {
                Self::push_bounded(&mut self.up_events, cap, change);
            } else {
                Self::push_bounded(&mut self.down_events, cap, change);
            }
        }
        desired
    }

    fn legacy(&mut self, now_ns: u64, current: u32, proposal: u32) -> u32 {
        let cutoff = now_ns.saturating_sub(self.cfg.downscale_stabilization_s * NS_PER_S);
        let mut max = proposal;
        for &(t, r) in &self.recommendations {
            if t >= cutoff && r > max {
                max = r;
            }
        }
        self.recommendations.retain(|&(t, _)| t >= cutoff);
        let cap = self.rec_cap;
        Self::push_bounded(&mut self.recommendations, cap, (now_ns, proposal));
        let scale_up_limit = (2 * current).max(4);
        let max_allowed = self.cfg.max_replicas.min(scale_up_limit);
        max.clamp(self.cfg.min_replicas, max_allowed.max(self.cfg.min_replicas))
    }

    fn change_in_period(events: &[Sample], now_ns: u64, period_s: u64) -> u32 {
        events.iter().filter(|&&(t, _)| Self::after(t, now_ns, period_s)).map(|&(_, c)| c).sum()
    }

    fn with_behavior(&mut self, now_ns: u64, current: u32, proposal: u32) -> u32 {
        let Some((up, down)) = self.cfg.behavior.clone() else {
            return proposal;
        };
        let (mut up_rec, mut down_rec) = (proposal, proposal);
        for &(t, r) in &self.recommendations {
            if Self::after(t, now_ns, up.stabilization_s) {
                up_rec = up_rec.min(r);
            }
            if Self::after(t, now_ns, down.stabilization_s) {
                down_rec = down_rec.max(r);
            }
        }
        let keep_s = up.stabilization_s.max(down.stabilization_s);
        self.recommendations.retain(|&(t, _)| Self::after(t, now_ns, keep_s));
        let cap = self.rec_cap;
        Self::push_bounded(&mut self.recommendations, cap, (now_ns, proposal));
        let stabilized = current.max(up_rec).min(down_rec);
        if stabilized > current {
            let limit = match up.select {
                SelectPolicy::Disabled => current,
                sel => {
                    let mut result: Option<i64> = None;
                    for p in &up.policies {
                        let start = i64::from(current)
                            - i64::from(Self::change_in_period(&self.up_events, now_ns, p.period_s()));
                        let proposed = match *p {
                            ScalingPolicy::Pods { value, .. } => start + i64::from(value),
                            ScalingPolicy::Percent { value, .. } => {
                                (start as f64 * (1.0 + f64::from(value) / 100.0)).ceil() as i64
                            }
                        };
                        result = Some(match (result, sel) {
                            (None, _) => proposed,
                            (Some(r), SelectPolicy::Min) => r.min(proposed),
                            (Some(r), _) => r.max(proposed),
                        });
                    }
                    result.unwrap_or(i64::from(current)).max(i64::from(current)) as u32
                }
            };
            stabilized.min(self.cfg.max_replicas.min(limit))
        } else if stabilized < current {
            let limit = match down.select {
                SelectPolicy::Disabled => current,
                sel => {
                    let mut result: Option<i64> = None;
                    for p in &down.policies {
                        let start = i64::from(current)
                            + i64::from(Self::change_in_period(&self.down_events, now_ns, p.period_s()));
                        let proposed = match *p {
                            ScalingPolicy::Pods { value, .. } => start - i64::from(value),
                            ScalingPolicy::Percent { value, .. } => {
                                (start as f64 * (1.0 - f64::from(value) / 100.0)) as i64
                            }
                        };
                        result = Some(match (result, sel) {
                            (None, _) => proposed,
                            (Some(r), SelectPolicy::Min) => r.max(proposed),
                            (Some(r), _) => r.min(proposed),
                        });
                    }
                    result.unwrap_or(i64::from(current)).min(i64::from(current)) as u32
                }
            };
            stabilized.max(self.cfg.min_replicas.max(limit))
        } else {
            stabilized
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NS_PER_S;

    #[test]
    fn tolerance_is_non_strict_and_desired_uses_ready_pods() {
        let h = Hpa::new(HpaConfig::new(1, 100).unwrap()).unwrap();
        assert_eq!(h.proposal(10, 10, 1.1), 10);
        assert_eq!(h.proposal(10, 10, 0.9), 10);
        assert_eq!(h.proposal(10, 8, 1.11), 9, "ceil(1.11 * 8 ready pods)");
        assert_eq!(h.proposal(10, 10, 0.5), 5);
    }

    #[test]
    fn legacy_scale_up_is_capped_at_max_of_double_and_four() {
        let mut h = Hpa::new(HpaConfig::new(1, 100).unwrap()).unwrap();
        assert_eq!(h.reconcile(0, 1, 50), 4);
        assert_eq!(h.reconcile(15 * S, 4, 50), 8);
        assert_eq!(h.reconcile(30 * S, 8, 50), 16);
    }

    #[test]
    fn legacy_scale_down_waits_for_the_300_s_window() {
        let mut h = Hpa::new(HpaConfig::new(1, 100).unwrap()).unwrap();
        assert_eq!(h.reconcile(0, 10, 10), 10);
        assert_eq!(h.reconcile(15 * S, 10, 2), 10);
        assert_eq!(h.reconcile(300 * S, 10, 2), 10, "the t=0 sample is exactly at the cutoff");
        assert_eq!(h.reconcile(301 * S, 10, 2), 2);
    }

    #[test]
    fn behavior_defaults_cap_scale_up_at_max_of_double_and_plus_four() {
        let mut cfg = HpaConfig::new(1, 100).unwrap();
        cfg.behavior = Some((ScalingRules::default_up(), ScalingRules::default_down()));
        let mut h = Hpa::new(cfg).unwrap();
        assert_eq!(h.reconcile(0, 1, 50), 5, "1 -> 5, not 4 as in the legacy path");
        // Within the same 15 s period the 4 pods already added count.
        assert_eq!(h.reconcile(10 * S, 5, 50), 5);
        assert_eq!(h.reconcile(15 * S, 5, 50), 10);
    }

    #[test]
    fn behavior_scale_down_stabilises_then_limits_by_percent_policy() {
        let mut cfg = HpaConfig::new(1, 100).unwrap();
        let down = ScalingRules {
            stabilization_s: 30,
            select: SelectPolicy::Max,
            policies: vec![ScalingPolicy::Percent { value: 50, period_s: 60 }],
        };
        cfg.behavior = Some((ScalingRules::default_up(), down));
        let mut h = Hpa::new(cfg).unwrap();
        assert_eq!(h.reconcile(0, 10, 10), 10);
        assert_eq!(h.reconcile(15 * S, 10, 1), 10);
        // At 31 s the t=0 sample is out of the window (strictly after the cutoff counts):
        // recommendation 1, limited to floor(10 * 0.5) = 5.
        assert_eq!(h.reconcile(31 * S, 10, 1), 5);
        // Within 60 s of that event: period start 10 => limit 5 again, no further drop.
        assert_eq!(h.reconcile(45 * S, 5, 1), 5);
        let mut cfg = HpaConfig::new(1, 100).unwrap();
        cfg.behavior = Some((
            ScalingRules { select: SelectPolicy::Disabled, ..ScalingRules::default_up() },
            ScalingRules::default_down(),
        ));
        let mut h = Hpa::new(cfg).unwrap();
        assert_eq!(h.reconcile(0, 3, 50), 3);
    }
}
