//! Figures that depend on time: SLO windows and breaches, the error budget, and for a scenario
//! with a timeline, time to detect, measured RTO, users impacted and requests failed during the
//! incident, when each alarm fired and each action acted. Each is computed per replicate from
//! that replicate's recorder, then summarised over replicates as a median with an interval
//! ([`Spread`]). The definitions are in the docs of `report` (the module).

use crate::metrics::{LogEntry, Logged, N_OUTCOMES, Outcome, Recorder};
use crate::model::EventKind;
use crate::sim::plan::Plan;
use crate::sim::time::NS_PER_S;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A figure over replicates: the median, and the interval between two order statistics that
/// covers the median with probability `confidence` (95% when there are 8 replicates or more; with
/// fewer, the widest interval, the smallest to the largest value, and its lower confidence).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The median over the replicates that have a value.
    pub median: Option<f64>,
    /// Lower end of the interval.
    pub low: Option<f64>,
    /// Upper end of the interval.
    pub high: Option<f64>,
    /// Probability that the interval covers the true median (0 to 1).
    pub confidence: f64,
    /// Replicates that have a value.
    pub n: u32,
}

/// `P(X <= k)` for `X ~ Binomial(n, 1/2)`.
fn binomial_half_cdf(n: usize, k: usize) -> f64 {
    if n > 1000 {
        // Normal approximation with continuity correction.
        let (mean, sd) = (n as f64 / 2.0, (n as f64).sqrt() / 2.0);
        let z = (k as f64 + 0.5 - mean) / sd;
        return 0.5 * erfc(-z / std::f64::consts::SQRT_2);
    }
    // Sum of C(n, i) / 2^n in log space.
    let ln2n = n as f64 * std::f64::consts::LN_2;
    let mut ln_c = 0.0f64;
    let mut total = 0.0;
    for i in 0..=k.min(n) {
        if i > 0 {
            ln_c += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        total += (ln_c - ln2n).exp();
    }
    total.min(1.0)
}

/// The complementary error function (Numerical Recipes' `erfcc`, fractional error below 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

impl Spread {
    /// The spread of `values` (the replicates that have one).
    pub fn of(values: &[f64]) -> Spread {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return Spread::default();
        }
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        // The largest j (1-based) with P(Bin(n, 1/2) <= j - 1) <= 2.5%; at least 1.
        let mut j = 1;
        while j < n / 2 && binomial_half_cdf(n, j) <= 0.025 {
            j += 1;
        }
        let confidence = (1.0 - 2.0 * binomial_half_cdf(n, j - 1)).max(0.0);
        Spread { median: Some(median), low: Some(v[j - 1]), high: Some(v[n - j]), confidence, n: n as u32 }
    }

    /// `median [low, high]` in `unit` after scaling, e.g. `75 [71, 80] min`.
    pub fn text(&self, scale: f64, unit: &str) -> String {
        match (self.median, self.low, self.high) {
            (Some(m), Some(l), Some(h)) if self.n > 1 => {
                format!("{:.1} [{:.1}, {:.1}]{unit}", m * scale, l * scale, h * scale)
            }
            (Some(m), _, _) => format!("{:.1}{unit}", m * scale),
            _ => "-".into(),
        }
    }
}

/// A span of time, seconds from the start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Start, s.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
}

/// One SLO window's figures (legitimate traffic, by the time the answer reached the client).
#[derive(Clone, Debug, PartialEq)]
pub struct WindowStatus {
    /// Start, ns.
    pub start_ns: u64,
    /// End, ns.
    pub end_ns: u64,
    /// Successes / answers (`None`: no answers).
    pub availability: Option<f64>,
    /// p99 latency of successes, ms.
    pub p99_ms: Option<f64>,
    /// Both objectives met (a window without answers meets them).
    pub met: bool,
}

/// The SLO figures of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloReport {
    /// Availability objective, 0 to 1.
    pub availability: f64,
    /// p99 latency objective, ms.
    pub latency_p99_ms: Option<f64>,
    /// Users-impacted objective over the run, percent.
    pub users_impacted_pct: f64,
    /// Window, s.
    pub window_s: f64,
    /// Recovery hold, s.
    pub hold_s: f64,
    /// Windows where the SLO was breached, over all replicates pooled.
    pub breaches: Vec<Window>,
    /// Time in breach per replicate, s.
    pub breach_s: Spread,
    /// Error budget burn rate over the summary window (1 = failing exactly as fast as the SLO
    /// allows).
    pub budget_burn_rate: Spread,
    /// Share of the error budget of one budget period that the run's failure rate would spend,
    /// percent (the run's traffic and failure rate held for the whole period would spend
    /// `burn rate x 100` percent; this is the part the run itself spent).
    pub budget_spent_pct: Spread,
    /// Budget period, days.
    pub budget_period_days: f64,
}

/// What started an incident: the latest timeline entry that started at or before the first SLO
/// breach (or, with no breach, the first change, fault or traffic event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// When it started, s.
    pub at_s: f64,
}

/// One line of a replicate's timeline log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    /// When, s.
    pub t_s: f64,
    /// The wall-clock time, when the run has a start time.
    pub clock: Option<String>,
    /// The entry's name (an instance's for a crash).
    pub entry: String,
    /// Its lane.
    pub kind: EventKind,
    /// What happened, in words.
    pub what: String,
}

/// Time figures of one replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicateTimeline {
    /// What started the incident.
    pub trigger: Option<Trigger>,
    /// From the trigger to the first alarm firing at or after it, s.
    pub time_to_detect_s: Option<f64>,
    /// From the trigger to the start of the first window after the breach from which the SLO is
    /// met for the hold period; 0 when it was never breached after the trigger; `None` when it
    /// had not recovered by the end of the run.
    pub rto_s: Option<f64>,
    /// Users impacted between the trigger and the recovery (or the end), percent of those active
    /// then.
    pub users_impacted_in_incident_pct: Option<f64>,
    /// Legitimate requests answered with a failure between the trigger and the recovery, by cause.
    pub failed_in_incident: BTreeMap<Outcome, u64>,
    /// Per alarm: when it first fired, s.
    pub alarm_first_firing_s: Vec<Option<f64>>,
    /// Per action: when it acted, s.
    pub action_acted_s: Vec<Option<f64>>,
    /// Per DNS record (the plan's names in order, their records in order): when it first turned
    /// unhealthy, s.
    pub record_unhealthy_s: Vec<Option<f64>>,
    /// Per data store: its first primary loss.
    pub stores: Vec<Option<StoreLoss>>,
    /// What happened when.
    pub log: Vec<LogLine>,
}

/// A data store's primary loss in one replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreLoss {
    /// When the primary was lost, s.
    pub at_s: f64,
    /// Measured RPO: age of the oldest committed write lost, s (0 when none was lost).
    pub rpo_age_s: f64,
    /// Measured RPO: committed writes lost.
    pub rpo_writes: u64,
    /// From the loss to a primary taking writes again (promotion or restore), s; None when it did
    /// not recover in the run.
    pub recovered_after_s: Option<f64>,
}

/// A data store's recovery figures over replicates: **RPO (measured)** is the age of the oldest
/// committed write lost at failover (a replica promoted or a backup restored) and the count of
/// writes lost; committed writes are those the primary acknowledged before it was lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreReport {
    /// The store's name.
    pub store: String,
    /// Replicates where its primary was lost and a replica was promoted or a backup restored.
    pub failed_over_in: u32,
    /// RPO age, s, over those replicates.
    pub rpo_age_s: Spread,
    /// Writes lost, over those replicates.
    pub rpo_writes: Spread,
    /// From the loss to a primary taking writes again, s.
    pub promoted_after_s: Spread,
}

/// The SLO figures of one replicate (for every run).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicateSlo {
    /// Time in breach, s.
    pub breach_s: f64,
    /// Error budget burn rate.
    pub burn_rate: f64,
    /// Budget of one period spent by the run, percent.
    pub budget_spent_pct: f64,
}

/// Time figures of a run with a timeline, over replicates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineReport {
    /// The trigger of replicate 0.
    pub trigger: Option<Trigger>,
    /// Time to detect, s, over the replicates where an alarm fired after the trigger.
    pub time_to_detect_s: Spread,
    /// Measured RTO, s, over the replicates that recovered.
    pub rto_s: Spread,
    /// Replicates that recovered by the end of the run.
    pub recovered_in: u32,
    /// Users impacted during the incident, percent.
    pub users_impacted_in_incident_pct: Spread,
    /// Legitimate requests failed during the incident, by cause, mean per replicate.
    pub failed_in_incident: BTreeMap<Outcome, f64>,
    /// Every entry: name, lane, description and schedule.
    pub entries: Vec<EntryReport>,
    /// Per alarm: when it first fired, over the replicates where it did.
    pub alarms: Vec<Timed>,
    /// Per action: when it acted, over the replicates where it did.
    pub actions: Vec<Timed>,
    /// Replicate 0's log (the GUI's lanes draw it).
    pub log: Vec<LogLine>,
    /// Attack traffic sent in the summary window, by outcome, mean per replicate (empty without).
    pub attack: BTreeMap<Outcome, f64>,
    /// Per DNS record (`dns/target`): when it first turned unhealthy, over the replicates where
    /// it did.
    #[serde(default)]
    pub records: Vec<Timed>,
    /// Per data store: its recovery figures (RPO).
    #[serde(default)]
    pub stores: Vec<StoreReport>,
}

/// An entry of the timeline, for reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryReport {
    /// Name.
    pub name: String,
    /// Lane.
    pub kind: EventKind,
    /// In words.
    pub description: String,
    /// Scheduled start, s.
    pub at_s: Option<f64>,
    /// Scheduled end, s.
    pub end_s: Option<f64>,
}

/// When a named alarm fired or an action acted, over replicates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timed {
    /// Its name.
    pub name: String,
    /// Replicates where it happened.
    pub happened_in: u32,
    /// When, s.
    pub at_s: Spread,
}

fn secs(ns: u64) -> f64 {
    ns as f64 / NS_PER_S as f64
}

/// Legitimate answers per outcome in buckets `[b0, b1)`.
fn legit(rec: &Recorder, b0: usize, b1: usize) -> [u64; N_OUTCOMES] {
    let mut out = [0u64; N_OUTCOMES];
    for b in b0..b1.min(rec.n_buckets) {
        for (i, x) in out.iter_mut().enumerate() {
            let attack = rec.tl.as_ref().and_then(|t| t.attack_series.get(b)).map_or(0, |a| a[i]);
            *x += rec.outcome_series[b][i].saturating_sub(attack);
        }
    }
    out
}

/// The SLO windows of a recorder's series (one replicate's, or several pooled).
pub fn slo_windows(plan: &Plan, rec: &Recorder) -> Vec<WindowStatus> {
    let w = (plan.slo.window_ns / plan.bucket_ns).max(1) as usize;
    let nb = rec.n_buckets;
    (0..nb.div_ceil(w))
        .map(|j| {
            let (b0, b1) = (j * w, ((j + 1) * w).min(nb));
            let out = legit(rec, b0, b1);
            let total: u64 = out.iter().sum();
            let ok = out[Outcome::Success as usize];
            let availability = (total > 0).then(|| ok as f64 / total as f64);
            let mut h = Recorder::latency_histogram();
            for b in b0..b1 {
                h.add(&rec.latency_series[b]).ok();
            }
            let p99_ms = (!h.is_empty()).then(|| h.value_at_quantile(0.99) as f64 / 1000.0);
            let met = availability.is_none_or(|a| a >= plan.slo.availability)
                && match (p99_ms, plan.slo.latency_ns) {
                    (Some(p), Some(t)) => p * 1e6 <= t as f64,
                    _ => true,
                };
            let start_ns = b0 as u64 * plan.bucket_ns;
            let end_ns = (b1 as u64 * plan.bucket_ns).min(plan.duration_ns);
            WindowStatus { start_ns, end_ns, availability, p99_ms, met }
        })
        .collect()
}

/// Maximal runs of breached windows.
fn breaches(windows: &[WindowStatus]) -> Vec<Window> {
    let mut out: Vec<Window> = Vec::new();
    for w in windows.iter().filter(|w| !w.met) {
        match out.last_mut() {
            Some(last) if (last.end_s - secs(w.start_ns)).abs() < 1e-9 => last.end_s = secs(w.end_ns),
            _ => out.push(Window { start_s: secs(w.start_ns), end_s: secs(w.end_ns) }),
        }
    }
    out
}

/// The SLO figures of one replicate.
pub fn replicate_slo(plan: &Plan, rec: &Recorder) -> ReplicateSlo {
    let windows = slo_windows(plan, rec);
    let breach_s = windows.iter().filter(|w| !w.met).map(|w| secs(w.end_ns - w.start_ns)).sum();
    let total: u64 = rec.outcomes.iter().sum();
    let failed = total - rec.outcomes[Outcome::Success as usize];
    let allowed = (1.0 - plan.slo.availability) * total as f64;
    let burn_rate = if allowed > 0.0 { failed as f64 / allowed } else { 0.0 };
    let window_s = secs(plan.duration_ns - plan.warmup_ns);
    let budget_spent_pct = 100.0 * burn_rate * window_s / plan.slo.budget_period_s.max(1e-9);
    ReplicateSlo { breach_s, burn_rate, budget_spent_pct }
}

fn describe(plan: &Plan, e: &LogEntry) -> (String, EventKind, String) {
    let Some(tl) = plan.timeline.as_deref() else { return (String::new(), EventKind::Change, String::new()) };
    let name = |kind: EventKind, i: u32| {
        tl.entries.iter().filter(|x| x.kind == kind).nth(i as usize).map_or_else(String::new, |x| x.name.clone())
    };
    let station = |k: u32| plan.stations.get(k as usize).map_or_else(String::new, |s| s.name.clone());
    let store = |s: u32| plan.stores.get(s as usize).map_or_else(String::new, |x| x.name.clone());
    match e.what {
        Logged::ChangeStage(i, 100) => {
            (name(EventKind::Change, i), EventKind::Change, "in force for every request".into())
        }
        Logged::ChangeStage(i, p) => (name(EventKind::Change, i), EventKind::Change, format!("rollout stage: {p}%")),
        Logged::ChangeRolledBack(i) => (name(EventKind::Change, i), EventKind::Change, "rolled back".into()),
        Logged::FaultStarted(i) => (name(EventKind::Fault, i), EventKind::Fault, "started".into()),
        Logged::FaultEnded(i) => (name(EventKind::Fault, i), EventKind::Fault, "ended".into()),
        Logged::TrafficStarted(i) => (name(EventKind::Traffic, i), EventKind::Traffic, "started".into()),
        Logged::TrafficEnded(i) => (name(EventKind::Traffic, i), EventKind::Traffic, "ended".into()),
        Logged::AlarmFiring(i) => (name(EventKind::Alarm, i), EventKind::Alarm, "firing".into()),
        Logged::AlarmResolved(i) => (name(EventKind::Alarm, i), EventKind::Alarm, "resolved".into()),
        Logged::ActionTriggered(i) => (name(EventKind::Action, i), EventKind::Action, "triggered".into()),
        Logged::ActionPhase(i, p) => {
            let phase = ["acknowledged", "investigated", "identified the cause"].get(p as usize).copied().unwrap_or("");
            (name(EventKind::Action, i), EventKind::Action, phase.into())
        }
        Logged::ActionDone(i) => (name(EventKind::Action, i), EventKind::Action, "acted".into()),
        Logged::Crashed(k) => (station(k), EventKind::Fault, "crashed (queue full too long)".into()),
        Logged::Restarted(k) => (station(k), EventKind::Fault, "restarted".into()),
        Logged::LivenessKilled(k) => (station(k), EventKind::Fault, "killed by its liveness probe".into()),
        Logged::RecordHealth(d, r, healthy) => {
            let record = plan.dns.get(d as usize).and_then(|x| x.records.get(r as usize));
            let dns = plan.dns.get(d as usize).map_or_else(String::new, |x| plan.nodes[x.node as usize].0.clone());
            let what = format!(
                "record {} {} (Route 53 health)",
                record.map_or("", |x| x.target.as_str()),
                if healthy { "healthy again" } else { "unhealthy: answers fail over" }
            );
            (dns, EventKind::Alarm, what)
        }
        Logged::StoreLost(s, n, age_ms) => {
            let what = if n == 0 {
                "primary lost; no committed write is lost".to_owned()
            } else {
                format!(
                    "primary lost; {n} committed writes lost, the oldest {:.3} s old (RPO)",
                    f64::from(age_ms) / 1e3
                )
            };
            (store(s), EventKind::Fault, what)
        }
        Logged::StoreDown(s) => {
            (store(s), EventKind::Fault, "primary lost; writes fail until its region is back".into())
        }
        Logged::StoreBack(s) => (store(s), EventKind::Fault, "primary's region back; writes taken again".into()),
        Logged::StoreRecovered(s) => (store(s), EventKind::Action, "a primary takes writes again".into()),
    }
}

/// The start of an incident-causing entry in a log: a change's rollout, a fault, a traffic event.
fn starts(e: &LogEntry) -> bool {
    matches!(e.what, Logged::ChangeStage(..) | Logged::FaultStarted(_) | Logged::TrafficStarted(_))
}

/// Time figures of one replicate, when the plan has a timeline.
pub fn replicate_timeline(plan: &Plan, rec: &Recorder) -> Option<ReplicateTimeline> {
    let start = plan.start;
    let tlp = plan.timeline.as_deref()?;
    let tl = rec.tl.as_ref()?;
    let log = &tl.log;
    let windows = slo_windows(plan, rec);
    let first_breach = windows.iter().position(|w| !w.met);
    // The trigger: the latest start at or before the first breach, else the first start.
    let trigger_entry = match first_breach {
        Some(j) => log.iter().rfind(|e| starts(e) && e.t_ns <= windows[j].end_ns),
        None => log.iter().find(|e| starts(e)),
    };
    // A stage of a rollout already under way is not a new trigger: use its first stage.
    let trigger_entry = trigger_entry.map(|t| match t.what {
        Logged::ChangeStage(i, _) => {
            log.iter().find(|e| matches!(e.what, Logged::ChangeStage(j, _) if j == i)).unwrap_or(t)
        }
        _ => t,
    });
    let trigger = trigger_entry.map(|e| Trigger { name: describe(plan, e).0, at_s: secs(e.t_ns) });
    let t0 = trigger_entry.map(|e| e.t_ns);
    // Detected: the first alarm firing, or the first DNS record turning unhealthy (a Route 53
    // health check is a detector), at or after the trigger.
    let time_to_detect_s = t0.and_then(|t0| {
        log.iter()
            .find(|e| matches!(e.what, Logged::AlarmFiring(_) | Logged::RecordHealth(_, _, false)) && e.t_ns >= t0)
            .map(|e| secs(e.t_ns - t0))
    });
    // Recovered at the start of the first window after the breach that begins `hold` of met
    // windows (at least one), all inside the run.
    let hold = (plan.slo.hold_ns.div_ceil(plan.slo.window_ns.max(1)) as usize).max(1);
    let recovery_ns: Option<Option<u64>> = t0.map(|t0| {
        let Some(first) = windows.iter().position(|w| !w.met && w.end_ns > t0) else { return Some(t0) };
        (first + 1..windows.len())
            .find(|&j| j + hold <= windows.len() && windows[j..j + hold].iter().all(|w| w.met))
            .map(|j| windows[j].start_ns)
    });
    let rto_s = match (t0, recovery_ns) {
        (Some(t0), Some(Some(r))) => Some(secs(r.saturating_sub(t0))),
        _ => None,
    };
    let incident_end = match recovery_ns {
        Some(Some(r)) => r,
        _ => plan.duration_ns,
    };
    let (users_impacted_in_incident_pct, failed_in_incident) = match t0 {
        Some(t0) if incident_end > t0 => {
            let (active, impacted) = tl.users_in(tl.segments(t0, incident_end));
            let b0 = (t0 / plan.bucket_ns) as usize;
            let b1 = incident_end.div_ceil(plan.bucket_ns) as usize;
            let out = legit(rec, b0, b1);
            let failed = Outcome::ALL[1..].iter().map(|&o| (o, out[o as usize])).collect();
            ((active > 0).then(|| 100.0 * impacted as f64 / active as f64), failed)
        }
        _ => (None, BTreeMap::new()),
    };
    let first_time = |pred: &dyn Fn(&Logged) -> bool| log.iter().find(|e| pred(&e.what)).map(|e| secs(e.t_ns));
    let alarm_first_firing_s =
        (0..tlp.alarms.len() as u32).map(|a| first_time(&|w| *w == Logged::AlarmFiring(a))).collect();
    let action_acted_s = (0..tlp.actions.len() as u32).map(|a| first_time(&|w| *w == Logged::ActionDone(a))).collect();
    let record_unhealthy_s = plan
        .dns
        .iter()
        .enumerate()
        .flat_map(|(d, x)| (0..x.records.len()).map(move |r| (d as u32, r as u32)))
        .map(|(d, r)| first_time(&|w| *w == Logged::RecordHealth(d, r, false)))
        .collect();
    let stores = (0..plan.stores.len() as u32)
        .map(|s| {
            let lost = log.iter().find(|e| matches!(e.what, Logged::StoreLost(x, ..) if x == s))?;
            let Logged::StoreLost(_, n, age_ms) = lost.what else { return None };
            let back_or_recovered = log.iter().find(|e| {
                e.t_ns >= lost.t_ns && (e.what == Logged::StoreRecovered(s) || e.what == Logged::StoreBack(s))
            });
            // The region came back before a replica was promoted or a backup restored: the
            // primary kept its data, and no write was lost.
            let (n, age_ms) = match back_or_recovered {
                Some(e) if e.what == Logged::StoreBack(s) => (0, 0),
                _ => (n, age_ms),
            };
            let recovered = back_or_recovered.map(|e| secs(e.t_ns - lost.t_ns));
            Some(StoreLoss {
                at_s: secs(lost.t_ns),
                rpo_age_s: f64::from(age_ms) / 1e3,
                rpo_writes: u64::from(n),
                recovered_after_s: recovered,
            })
        })
        .collect();
    let log = log
        .iter()
        .map(|e| {
            let (entry, kind, what) = describe(plan, e);
            let clock = (start.0 != 0).then(|| start.clock_after(secs(e.t_ns)));
            LogLine { t_s: secs(e.t_ns), clock, entry, kind, what }
        })
        .collect();
    Some(ReplicateTimeline {
        trigger,
        time_to_detect_s,
        rto_s,
        users_impacted_in_incident_pct,
        failed_in_incident,
        alarm_first_firing_s,
        action_acted_s,
        record_unhealthy_s,
        stores,
        log,
    })
}

/// The SLO report: breach windows of the pooled series, per-replicate figures summarised.
pub fn slo_report(plan: &Plan, merged: &Recorder, per: &[&ReplicateSlo]) -> SloReport {
    let col = |f: fn(&ReplicateSlo) -> f64| Spread::of(&per.iter().map(|r| f(r)).collect::<Vec<_>>());
    SloReport {
        availability: plan.slo.availability,
        latency_p99_ms: plan.slo.latency_ns.map(|t| t as f64 / 1e6),
        users_impacted_pct: plan.slo.users_pct,
        window_s: secs(plan.slo.window_ns),
        hold_s: secs(plan.slo.hold_ns),
        breaches: breaches(&slo_windows(plan, merged)),
        breach_s: col(|r| r.breach_s),
        budget_burn_rate: col(|r| r.burn_rate),
        budget_spent_pct: col(|r| r.budget_spent_pct),
        budget_period_days: plan.slo.budget_period_s / 86_400.0,
    }
}

/// The timeline report over replicates (`per`: each replicate's figures, in replicate order).
pub fn timeline_report(plan: &Plan, merged: &Recorder, per: &[&ReplicateTimeline]) -> Option<TimelineReport> {
    let tlp = plan.timeline.as_deref()?;
    let runs = per.len().max(1) as f64;
    let values =
        |f: &dyn Fn(&ReplicateTimeline) -> Option<f64>| -> Vec<f64> { per.iter().filter_map(|r| f(r)).collect() };
    let timed = |name: &str, f: &dyn Fn(&ReplicateTimeline) -> Option<f64>| {
        let v = values(f);
        Timed { name: name.to_owned(), happened_in: v.len() as u32, at_s: Spread::of(&v) }
    };
    let mut failed = BTreeMap::new();
    for r in per {
        for (o, n) in &r.failed_in_incident {
            *failed.entry(*o).or_insert(0.0) += *n as f64 / runs;
        }
    }
    let attack: BTreeMap<Outcome, f64> = match merged.tl.as_ref() {
        Some(t) if t.attack_outcomes.iter().any(|&n| n > 0) => {
            Outcome::ALL.iter().map(|&o| (o, t.attack_outcomes[o as usize] as f64 / runs)).collect()
        }
        _ => BTreeMap::new(),
    };
    Some(TimelineReport {
        trigger: per.first().and_then(|r| r.trigger.clone()),
        time_to_detect_s: Spread::of(&values(&|r| r.time_to_detect_s)),
        rto_s: Spread::of(&values(&|r| r.rto_s)),
        recovered_in: per.iter().filter(|r| r.rto_s.is_some()).count() as u32,
        users_impacted_in_incident_pct: Spread::of(&values(&|r| r.users_impacted_in_incident_pct)),
        failed_in_incident: failed,
        entries: tlp
            .entries
            .iter()
            .map(|e| EntryReport {
                name: e.name.clone(),
                kind: e.kind,
                description: e.description.clone(),
                at_s: e.at_ns.map(secs),
                end_s: e.end_ns.map(secs),
            })
            .collect(),
        alarms: tlp
            .alarms
            .iter()
            .enumerate()
            .map(|(i, a)| timed(&a.name, &|r| r.alarm_first_firing_s.get(i).copied().flatten()))
            .collect(),
        actions: tlp
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| timed(&a.name, &|r| r.action_acted_s.get(i).copied().flatten()))
            .collect(),
        log: per.first().map(|r| r.log.clone()).unwrap_or_default(),
        attack,
        records: plan
            .dns
            .iter()
            .flat_map(|x| x.records.iter().map(move |r| format!("{}/{}", plan.nodes[x.node as usize].0, r.target)))
            .enumerate()
            .map(|(i, name)| timed(&name, &|r| r.record_unhealthy_s.get(i).copied().flatten()))
            .collect(),
        stores: plan
            .stores
            .iter()
            .enumerate()
            .map(|(i, sp)| {
                let losses: Vec<&StoreLoss> = per.iter().filter_map(|r| r.stores.get(i)?.as_ref()).collect();
                let recovered: Vec<&&StoreLoss> = losses.iter().filter(|l| l.recovered_after_s.is_some()).collect();
                StoreReport {
                    store: sp.name.clone(),
                    failed_over_in: recovered.len() as u32,
                    rpo_age_s: Spread::of(&recovered.iter().map(|l| l.rpo_age_s).collect::<Vec<_>>()),
                    rpo_writes: Spread::of(&recovered.iter().map(|l| l.rpo_writes as f64).collect::<Vec<_>>()),
                    promoted_after_s: Spread::of(
                        &recovered.iter().filter_map(|l| l.recovered_after_s).collect::<Vec<_>>(),
                    ),
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tails() {
        assert!((binomial_half_cdf(4, 0) - 1.0 / 16.0).abs() < 1e-12);
        assert!((binomial_half_cdf(10, 1) - 11.0 / 1024.0).abs() < 1e-12);
        assert!((binomial_half_cdf(2000, 1000) - 0.5089).abs() < 1e-3);
    }

    #[test]
    fn spreads_use_order_statistics() {
        let s = Spread::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.low, s.high), (Some(2.0), Some(1.0), Some(3.0)));
        assert!((s.confidence - 0.75).abs() < 1e-12);
        // n = 10: ranks 2 and 9 (P(X <= 1) = 11/1024 <= 2.5% < P(X <= 2) = 56/1024).
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = Spread::of(&v);
        assert_eq!((s.median, s.low, s.high), (Some(5.5), Some(2.0), Some(9.0)));
        assert!((s.confidence - (1.0 - 2.0 * 11.0 / 1024.0)).abs() < 1e-12);
        assert_eq!(Spread::of(&[]).median, None);
    }
}
