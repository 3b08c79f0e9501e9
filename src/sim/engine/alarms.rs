//! Alarms in the engine. Each alarm is an event every period (CloudWatch) or rule interval
//! (Prometheus), aligned to the start of the run; it reads the recorder's per-bucket aggregates for
//! the window just ended (buckets divide every alarm period, see `Plan::grid_ns`), never the
//! requests themselves, and steps its rule's state machine:
//!
//! - **CloudWatch** (`AlarmThatSendsEmail`, "Configuring how CloudWatch alarms treat missing
//!   data"): one datapoint per period; ALARM when at least M of the last N datapoints breach, OK when
//!   fewer do. Missing data (a period with nothing to measure): `notBreaching` and `breaching`
//!   count it as such; `missing` leaves it out and looks further back for N datapoints (with none at
//!   all the alarm is not in ALARM: INSUFFICIENT_DATA); `ignore` keeps the current state when the
//!   newest datapoint is missing.
//! - **Prometheus** (rules/alerting.go, `AlertingRule.Eval`): when the condition holds at an
//!   evaluation the alert is pending from then (`ActiveAt`); it fires at the first evaluation with
//!   `now - ActiveAt >= for`; a pending alert whose condition stops holding is dropped; a firing one
//!   resolves at the first evaluation where the condition has not held for `keep_firing_for`
//!   (at once when that is 0). No data means the condition does not hold.

use super::Simulation;
use crate::metrics::{Logged, N_OUTCOMES, Outcome};
use crate::model::{Metric, MissingData};
use crate::sim::plan::{AlarmPlan, RulePlan, ScopePlan};
use std::collections::VecDeque;

/// One alarm's state.
#[derive(Clone, Debug, Default)]
pub(super) struct AlarmState {
    /// Firing (CloudWatch: in ALARM).
    pub(super) firing: bool,
    /// CloudWatch: recent datapoints, newest last (`None`: missing).
    points: VecDeque<Option<bool>>,
    /// Prometheus: since when the condition has held (pending or firing).
    active_at: Option<u64>,
    /// Prometheus: since when a firing alert's condition has not held.
    keep_since: Option<u64>,
}

impl AlarmState {
    /// Steps the rule with this evaluation's breach (`None`: no data) at `now`; returns whether
    /// the alarm fires afterwards.
    pub(super) fn step(&mut self, rule: &RulePlan, breach: Option<bool>, now: u64) -> bool {
        match *rule {
            RulePlan::CloudWatch { n, m, missing, .. } => {
                let n = n as usize;
                self.points.push_back(breach);
                while self.points.len() > 4 * n {
                    self.points.pop_front();
                }
                let recent = self.points.iter().rev();
                let points: Vec<bool> = match missing {
                    MissingData::NotBreaching => recent.take(n).map(|p| p.unwrap_or(false)).collect(),
                    MissingData::Breaching => recent.take(n).map(|p| p.unwrap_or(true)).collect(),
                    MissingData::Missing | MissingData::Ignore => recent.filter_map(|p| *p).take(n).collect(),
                };
                if missing == MissingData::Ignore && breach.is_none() {
                    // Keep the current state.
                } else if points.is_empty() {
                    self.firing = false;
                } else {
                    self.firing = points.iter().filter(|&&b| b).count() >= m as usize;
                }
            }
            RulePlan::Prometheus { hold_ns, keep_ns, .. } => {
                if breach == Some(true) {
                    self.keep_since = None;
                    let since = *self.active_at.get_or_insert(now);
                    if now - since >= hold_ns {
                        self.firing = true;
                    }
                } else if self.firing {
                    let since = *self.keep_since.get_or_insert(now);
                    if now - since >= keep_ns {
                        self.firing = false;
                        self.active_at = None;
                        self.keep_since = None;
                    }
                } else {
                    self.active_at = None;
                }
            }
        }
        self.firing
    }
}

impl Simulation<'_> {
    /// Evaluates alarm `a` now, over the window just ended.
    pub(super) fn on_alarm(&mut self, a: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let Some(ap) = tlp.alarms.get(a as usize) else { return };
        let now = self.now;
        let value = self.alarm_metric(ap, now.saturating_sub(ap.rule.window_ns()), now);
        let breach = value.map(|v| if ap.above { v > ap.threshold } else { v < ap.threshold });
        let Some(state) = self.tl.as_mut().and_then(|t| t.alarms.get_mut(a as usize)) else { return };
        let was = state.firing;
        let firing = state.step(&ap.rule, breach, now);
        if firing && !was {
            self.rec.log(now, Logged::AlarmFiring(a));
            self.alarm_fired(a);
        } else if was && !firing {
            self.rec.log(now, Logged::AlarmResolved(a));
        }
        let next = now + ap.rule.every_ns();
        if next <= self.plan.duration_ns {
            self.schedule(next, super::Kind::Alarm, a, 0);
        }
    }

    /// The alarm's metric over `[from, to)` (whole buckets), or `None` when there is nothing to
    /// measure (no answers for a share, no successes for a latency).
    fn alarm_metric(&mut self, ap: &AlarmPlan, from: u64, to: u64) -> Option<f64> {
        let plan = self.plan;
        let nb = plan.n_buckets;
        let (b0, b1) = ((from / plan.bucket_ns) as usize, ((to / plan.bucket_ns) as usize).min(nb));
        if b1 <= b0 {
            return None;
        }
        let secs = (to - from) as f64 / 1e9;
        let share = |part: u64, total: u64| (total > 0).then(|| part as f64 / total as f64);
        match ap.scope {
            ScopePlan::System | ScopePlan::Route(_) => {
                let mut outcomes = [0u64; N_OUTCOMES];
                let mut classes = [0u64; 2];
                let mut latency = crate::metrics::Recorder::latency_histogram();
                for b in b0..b1 {
                    let (o, c, h) = match ap.scope {
                        ScopePlan::Route(i) => {
                            let tl = self.rec.tl.as_ref()?;
                            let k = i as usize * nb + b;
                            (tl.scope_outcomes.get(k)?, tl.scope_classes.get(k)?, tl.scope_latency.get(k)?)
                        }
                        _ => (
                            &self.rec.outcome_series[b],
                            self.rec.tl.as_ref()?.class_series.get(b)?,
                            &self.rec.latency_series[b],
                        ),
                    };
                    outcomes.iter_mut().zip(o).for_each(|(x, y)| *x += y);
                    classes[0] += c[0];
                    classes[1] += c[1];
                    if ap.metric == Metric::LatencyP99Ms {
                        latency.add(h).ok();
                    }
                }
                let total: u64 = outcomes.iter().sum();
                match ap.metric {
                    Metric::Share5xx => share(classes[1], total),
                    Metric::Share4xx => share(classes[0], total),
                    Metric::CauseShare(o) => share(outcomes[o as usize], total),
                    Metric::SuccessRps => Some(outcomes[Outcome::Success as usize] as f64 / secs),
                    Metric::LatencyP99Ms => {
                        (!latency.is_empty()).then(|| latency.value_at_quantile(0.99) as f64 / 1000.0)
                    }
                    Metric::Utilisation | Metric::QueueLength | Metric::RejectedShare => None,
                }
            }
            ScopePlan::Service(s) => {
                let svc = &plan.services[s as usize];
                for k in svc.first_station..svc.first_station + svc.instances {
                    self.touch_station(k);
                }
                let sum = |v: &[u64]| -> u64 { (b0..b1).map(|b| v[s as usize * nb + b]).sum() };
                match ap.metric {
                    Metric::Utilisation => {
                        let slots = self.rec.capacity_in(s, from, to).1;
                        (slots > 0).then(|| sum(&self.rec.svc_busy_series) as f64 / slots as f64)
                    }
                    Metric::QueueLength => Some(sum(&self.rec.svc_queue_series) as f64 / (to - from) as f64),
                    _ => None,
                }
            }
            ScopePlan::Node(n) => {
                let tl = self.rec.tl.as_ref()?;
                let sum = |v: &[u32]| -> u64 { (b0..b1).map(|b| u64::from(v[n as usize * nb + b])).sum() };
                match ap.metric {
                    Metric::RejectedShare => share(sum(&tl.node_rejected), sum(&tl.node_arrivals)),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cw(n: u32, m: u32, missing: MissingData) -> RulePlan {
        RulePlan::CloudWatch { period_ns: 1, n, m, missing }
    }

    #[test]
    fn cloudwatch_fires_on_m_of_n_and_clears_below() {
        let rule = cw(3, 2, MissingData::Missing);
        let mut s = AlarmState::default();
        let seq = [Some(true), Some(false), Some(true), Some(false), Some(false), Some(true)];
        let fired: Vec<bool> = seq.iter().map(|&b| s.step(&rule, b, 0)).collect();
        assert_eq!(fired, [false, false, true, false, false, false]);
    }

    #[test]
    fn cloudwatch_missing_data_treatments() {
        let data = [Some(true), Some(true), None];
        let run = |missing| {
            let mut s = AlarmState::default();
            data.iter().map(|&b| s.step(&cw(3, 3, missing), b, 0)).last()
        };
        assert_eq!(run(MissingData::Breaching), Some(true));
        assert_eq!(run(MissingData::NotBreaching), Some(false));
        // Left out: two datapoints with data, both breaching, fewer than M = 3.
        assert_eq!(run(MissingData::Missing), Some(false));
        let mut s = AlarmState::default();
        for b in [Some(true), Some(true), Some(true), None, None] {
            s.step(&cw(3, 3, MissingData::Ignore), b, 0);
        }
        assert!(s.firing, "ignore keeps ALARM while data is missing");
        let mut s = AlarmState::default();
        assert!(!s.step(&cw(1, 1, MissingData::Missing), None, 0), "no data at all: INSUFFICIENT_DATA");
    }

    #[test]
    fn prometheus_for_and_keep_firing_for() {
        let s60 = 60_000_000_000;
        let rule = RulePlan::Prometheus { interval_ns: s60, window_ns: s60, hold_ns: 2 * s60, keep_ns: s60 };
        let mut s = AlarmState::default();
        // Holds from t = 1 min: pending, then firing at 3 min (held for 2 min).
        let holds = [false, true, true, true, false, false, true, false];
        let fired: Vec<bool> = holds.iter().enumerate().map(|(i, &h)| s.step(&rule, Some(h), i as u64 * s60)).collect();
        // Kept firing 1 min after it stops holding (4 min), resolved at 5 min; 6 min pending again.
        assert_eq!(fired, [false, false, false, true, true, false, false, false]);
        // A pending alert whose condition stops is dropped.
        let mut s = AlarmState::default();
        s.step(&rule, Some(true), 0);
        s.step(&rule, Some(false), s60);
        assert!(!s.step(&rule, Some(true), 2 * s60));
        assert!(!s.step(&rule, Some(true), 3 * s60));
        assert!(s.step(&rule, Some(true), 4 * s60));
    }
}
