//! The report: a plain serde struct that the CLI table, the JSON and CSV files and the GUI all read.
//! Building it never re-runs the simulation.
//!
//! # Definitions (every figure shown anywhere is one of these)
//! - **requests**: requests *sent* in the summary window `[warmup, duration)`, mean per replicate;
//!   each client retry is a request of its own.
//! - **failures by cause**: those requests whose answer was not a success, by [`Outcome`].
//! - **success rate**: successes / requests.
//! - **latency**: from the moment the client sends to the moment it has the answer, over
//!   *successful* requests only (failures are counted by cause, not timed).
//! - **users active**: users who sent at least one request in the window; **users impacted**: users
//!   with at least one request in the window that finally failed (a failure the client retries
//!   does not count; the retry's own outcome does) or succeeded slower than the latency SLO
//!   (`slo.latency_p99_ms`); **impacted %** = impacted / active. Attack traffic (a timeline's DDoS)
//!   is never counted in requests, failures, latency or users: it is reported apart.
//! - **users impacted per population** (`populations`): the same two counts and their ratio over
//!   one client population's users only (a flash crowd's users count under the population they
//!   join; a trace's client keys are the population `trace`). **Per path** of its request mix: the
//!   population's users with at least one request *for that path* in the window (active on the
//!   path), and those of them with a request for that path that impacted them, by the same rule;
//!   a user is counted on every path they used, so paths do not add up to the population. Per-path
//!   sets cost one bit per user, path and set, bounded by [`crate::metrics::MAX_PATH_USER_BITS`]
//!   per replicate (populations in file order; one past the bound has `paths_tracked: false`).
//!   Over replicates, counts are means per replicate and each share is total impacted / total
//!   active, as for the whole run; `<population>.users_impacted_pct` in `estimates` has the
//!   confidence interval.
//! - **reason** (`reasons`, see [`who::rate_limit_reasons`]): for a population with rate-limited
//!   requests, each route limited per client key (address or user) whose sustained rate is below
//!   the population's busiest key at its peak, in the file's configuration or after a timeline
//!   change: users, addresses, the busiest key's offered rate (peak rate x link share x route
//!   share x the busiest key's share of the requests, as `gatesim lint` computes it) and the
//!   limit's rate, in words.
//! - **utilisation** of a service: busy slot-time / (instances x concurrency x window length).
//! - **mean queue wait**: time between reaching an instance and starting service, over requests
//!   that reached the instance in the window and started service.
//! - **blocking probability**: requests turned away by a full queue / requests that reached it.
//! - **estimate ± half-width**: mean over replicates and the half-width of its 99% confidence
//!   interval (Student t, `n - 1` degrees of freedom); `None` with one replicate.
//!
//! ## Time figures (see [`timeline`])
//! - **SLO window**: the run is cut into windows of `slo.window` (from 0); a window's
//!   **availability** is legitimate successes / legitimate answers received in it, its **p99** the
//!   99th percentile latency of the successes received in it. A window **meets** the SLO when its
//!   availability is at least `slo.availability` and its p99 at most `slo.latency_p99_ms` (a window
//!   with no answers meets it). **SLO breach windows**: maximal runs of windows that do not, in the
//!   replicates pooled; **time in breach**: their total length, per replicate.
//! - **error budget burn rate**: failed / ((1 - availability objective) x requests) over the
//!   summary window: 1 spends the budget exactly as fast as the SLO allows. **Budget spent**: the
//!   share of one `slo.budget_period`'s budget that the run's failures spent, `100 x burn rate x run
//!   length / budget period` percent.
//! - **trigger**: the latest timeline start (a change's rollout, a fault, a traffic event) at or
//!   before the end of the first breached window; with no breach, the first such start.
//! - **time to detect**: from the trigger to the first alarm firing, or the first DNS record
//!   turning unhealthy by its Route 53 health check, at or after it.
//! - **RPO (measured)**: for a data store whose primary is lost (its region fails) and which
//!   recovers by promoting a replica or restoring a backup: the writes the primary had committed
//!   (acknowledged) before the loss that the recovered store does not have (asynchronous writes
//!   not yet replicated; with backups, every write since the last one): their count, and the age
//!   of the oldest at the moment of the loss. Synchronous replication loses none.
//! - **measured RTO**: from the trigger to the start of the first window after the first breach
//!   (after the trigger) that begins `slo.hold` of windows all meeting the SLO, inside the run; 0
//!   when the SLO was not breached after the trigger; none when it had not recovered by the end.
//!   Its resolution is one SLO window.
//! - **incident**: from the trigger to the recovery (or the end of the run). **Users impacted in
//!   the incident**: impacted / active users in it, at the resolution of 1/64 of the run
//!   (per-user segments); **requests failed in the incident**: legitimate answers received in it,
//!   by cause (whole buckets).
//! - Over replicates, each of these is a [`timeline::Spread`]: the median, and an interval of two
//!   order statistics that covers the median with 95% probability (with fewer than 8 replicates,
//!   the smallest to the largest value, with its lower confidence stated).

pub mod compare;
pub mod cost;
mod estimate;
mod files;
mod table;
pub mod timeline;
mod verdict;
pub mod who;

pub use compare::{RunRow, detect_absent, rto_absent, rto_s, run_row, runs_table, time_to_detect_s};
pub use estimate::{Estimate, t_quantile_995};
pub use files::{CSV_FILES, csv_dir_replaceable, write_csv, write_json};
pub use table::{at_text, duration_text, summary_table, usd_text};
pub use timeline::{ReplicateSlo, ReplicateTimeline, SloReport, Spread, TimelineReport};
pub use verdict::{Objective, Verdict, verdict};
pub use who::{LimitReason, PathImpact, PopulationImpact};

use crate::metrics::{Outcome, Recorder};
use crate::model::NodeKind;
use crate::sim::plan::Plan;
use crate::sim::time::NS_PER_S;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the report's JSON layout (2: SLO and timeline figures, two more outcomes; 3: users
/// impacted per population and path, and the reasons).
pub const REPORT_SCHEMA_VERSION: u32 = 3;

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// See [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Scenario title.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// The wall-clock time of simulated time 0, when the scenario gives one.
    pub start: Option<crate::model::UtcTime>,
    /// Replicates run.
    pub replicates: u32,
    /// Arrival window length.
    pub duration_s: f64,
    /// Start of the summary window.
    pub warmup_s: f64,
    /// Time-series bucket width.
    pub bucket_s: f64,
    /// Headline figures (means per replicate).
    pub summary: Summary,
    /// Who was hurt: users impacted per client population, in file order.
    #[serde(default)]
    pub populations: Vec<PopulationImpact>,
    /// Why, in words: rate limits keyed on the client below a hurt population's busiest key
    /// (filled by [`crate::sim::run`], which has the scenario).
    #[serde(default)]
    pub reasons: Vec<LimitReason>,
    /// Key figures with confidence intervals over replicates, by name.
    pub estimates: BTreeMap<String, Estimate>,
    /// Per node figures, in file order.
    pub nodes: Vec<NodeSummary>,
    /// Time series.
    pub series: Series,
    /// The SLOs and how the run met them.
    pub slo: SloReport,
    /// Time figures of a scenario with a timeline.
    pub timeline: Option<TimelineReport>,
    /// Key figures of each replicate, in replicate order.
    pub per_replicate: Vec<ReplicateSummary>,
    /// Events processed over all replicates.
    pub events: u64,
    /// What the run cost, and what its failures cost (see [`cost`]).
    #[serde(default)]
    pub cost: Option<cost::CostReport>,
}

/// Headline figures, means per replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Requests sent in the window.
    pub requests: f64,
    /// Of which succeeded.
    pub successes: f64,
    /// Of which failed, by cause (every cause listed, zeros included).
    pub failures_by_cause: BTreeMap<Outcome, f64>,
    /// Requests by the HTTP status the client got (only statuses seen).
    pub statuses: BTreeMap<u16, f64>,
    /// successes / requests (1 when there were no requests).
    pub success_rate: f64,
    /// Latency of successful requests.
    pub latency_ms: Percentiles,
    /// Users who sent at least one request.
    pub users_active: f64,
    /// Users with at least one failed request.
    pub users_impacted: f64,
    /// users_impacted / users_active, in percent.
    pub users_impacted_pct: f64,
    /// Successes slower than the latency SLO (they impact their users).
    pub slow_successes: f64,
}

/// Latency statistics in milliseconds (`None` when nothing succeeded).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Exact mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
}

/// Figures of one node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    /// Node name.
    pub name: String,
    /// Node kind.
    pub kind: NodeKind,
    /// Requests that reached it in the window, per replicate.
    pub arrivals: f64,
    /// Requests it answered itself with a failure (a gateway's rate limit, a balancer's overflow or
    /// "no upstream"), per replicate.
    pub rejected: f64,
    /// Services: answers with a 5xx status its instances gave (its `error_rate`, its `answers`, a
    /// trace's `status` column, a fault), per replicate, counted at the backend whether the
    /// gateway then tried another server or passed them on; a gateway's own 502/503/504 is not
    /// one of them.
    #[serde(default)]
    pub answered_5xx: f64,
    /// Services: station figures.
    pub service: Option<ServiceSummary>,
}

/// Figures of a service and its instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    /// Busy fraction of the slots of the instances running (time-weighted).
    pub utilisation: f64,
    /// Mean number of instances running.
    pub mean_instances: f64,
    /// Mean time waiting for a slot, ms.
    pub mean_queue_wait_ms: Option<f64>,
    /// Time-average number waiting, over all instances.
    pub mean_queue_len: f64,
    /// Share of arrivals turned away by a full queue.
    pub blocking_probability: f64,
    /// How it runs: `vm`, `container` or `serverless`.
    #[serde(default)]
    pub deployment: String,
    /// A serverless function's cold starts (requests that found no warm environment).
    #[serde(default)]
    pub cold_starts: f64,
    /// Containers killed by their liveness probe.
    #[serde(default)]
    pub liveness_restarts: f64,
    /// Each instance.
    pub instances: Vec<InstanceSummary>,
}

/// Figures of one instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceSummary {
    /// `<service>-<i>`.
    pub name: String,
    /// Requests that reached it, per replicate.
    pub arrivals: f64,
    /// Busy fraction of its slots.
    pub utilisation: f64,
    /// Mean wait for a slot, ms.
    pub mean_queue_wait_ms: Option<f64>,
    /// Turned away by a full queue, per replicate.
    pub rejected: f64,
}

/// Time series: one value per bucket, means over replicates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Start of each bucket, s.
    pub t_s: Vec<f64>,
    /// Answers per second by outcome (by the time the client got them).
    pub outcomes_rps: BTreeMap<Outcome, Vec<f64>>,
    /// Median latency of successes, ms.
    pub latency_p50_ms: Vec<Option<f64>>,
    /// 99th percentile latency of successes, ms.
    pub latency_p99_ms: Vec<Option<f64>>,
    /// Per service.
    pub services: Vec<ServiceSeries>,
    /// Per link: crossings per second.
    pub links: Vec<LinkSeries>,
    /// Per model node: arrivals and the failures it answered itself, per second (empty in
    /// reports written before they were recorded).
    #[serde(default)]
    pub nodes: Vec<NodeSeries>,
}

/// A model node's time series: what reached it and what it failed itself, so that the canvas
/// can show any one bucket's rejections and errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSeries {
    /// Node name.
    pub name: String,
    /// Requests that reached it, per second.
    pub arrivals_rps: Vec<f64>,
    /// Failures it answered itself, per second: a gateway's or balancer's own rejections (rate
    /// limit, circuit breaker, no upstream), a service instance's full queue or error answer
    /// (every failed attempt, retried or not).
    pub failed_rps: Vec<f64>,
}

/// A service's time series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceSeries {
    /// Service name.
    pub name: String,
    /// Busy fraction of the running instances' slots.
    pub utilisation: Vec<f64>,
    /// Mean number waiting, over all instances.
    pub queue_len: Vec<f64>,
    /// Mean number of instances running.
    pub instances: Vec<f64>,
}

/// A link's time series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkSeries {
    /// Caller.
    pub from: String,
    /// Callee.
    pub to: String,
    /// Crossings per second.
    pub rps: Vec<f64>,
    /// Of those, per second, the requests that then failed at its callee (rejected, turned away
    /// or answered with an error there; empty in reports written before they were recorded).
    #[serde(default)]
    pub failed_rps: Vec<f64>,
}

/// Key figures of one replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicateSummary {
    /// Replicate index.
    pub replicate: u32,
    /// Requests sent in the window.
    pub requests: u64,
    /// successes / requests.
    pub success_rate: f64,
    /// Mean latency of successes, ms.
    pub latency_mean_ms: Option<f64>,
    /// p99 latency of successes, ms.
    pub latency_p99_ms: Option<f64>,
    /// Impacted / active users, %.
    pub users_impacted_pct: f64,
    /// Impacted / active users per population (in the order of `Report::populations`), %.
    #[serde(default)]
    pub populations_impacted_pct: Vec<f64>,
    /// Per service, in file order.
    pub services: Vec<ReplicateService>,
    /// SLO figures.
    pub slo: ReplicateSlo,
    /// Time figures (with a timeline).
    pub timeline: Option<ReplicateTimeline>,
}

/// Key figures of one service in one replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicateService {
    /// Busy fraction of all slots.
    pub utilisation: f64,
    /// Mean queue wait, ms.
    pub mean_queue_wait_ms: Option<f64>,
    /// Share of arrivals turned away.
    pub blocking_probability: f64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn percentiles(rec: &Recorder, successes: u64) -> Percentiles {
    if successes == 0 || rec.latency.is_empty() {
        return Percentiles::default();
    }
    let q = |p: f64| Some(rec.latency.value_at_quantile(p) as f64 / 1000.0);
    Percentiles {
        mean: Some(rec.latency_sum_ns as f64 / successes as f64 / 1e6),
        p50: q(0.50),
        p90: q(0.90),
        p99: q(0.99),
        p999: q(0.999),
        max: Some(rec.latency.max() as f64 / 1000.0),
    }
}

/// Figures of one service from a recorder (totals over `runs` replicates).
fn service_figures(plan: &Plan, rec: &Recorder, svc: usize, runs: f64) -> ServiceSummary {
    let sp = &plan.services[svc];
    let window_ns = (plan.duration_ns - plan.warmup_ns) as f64 * runs;
    let range = sp.first_station as usize..(sp.first_station + sp.instances) as usize;
    let mut busy = 0.0;
    let (mut arrivals, mut rejected, mut started, mut wait, mut queue) = (0u64, 0u64, 0u64, 0u128, 0u128);
    let mut instances = Vec::new();
    let conc = plan.svc_cfgs.get(svc).map_or(1.0, |c| f64::from(c.concurrency));
    for k in range {
        let st = &rec.stations[k];
        busy += st.busy_area as f64;
        arrivals += st.arrivals;
        rejected += st.rejected;
        started += st.started;
        wait += st.wait_sum_ns;
        queue += st.queue_area;
        instances.push(InstanceSummary {
            name: plan.stations[k].name.clone(),
            arrivals: st.arrivals as f64 / runs,
            utilisation: ratio(st.busy_area as f64, conc * window_ns),
            mean_queue_wait_ms: (st.started > 0).then(|| st.wait_sum_ns as f64 / st.started as f64 / 1e6),
            rejected: st.rejected as f64 / runs,
        });
    }
    let capacity = rec.svc_capacity_area.get(svc).copied().unwrap_or(0) as f64;
    let slots = rec.svc_slot_area.get(svc).copied().unwrap_or(0) as f64;
    ServiceSummary {
        utilisation: ratio(busy, slots),
        mean_instances: ratio(capacity, window_ns),
        mean_queue_wait_ms: (started > 0).then(|| wait as f64 / started as f64 / 1e6),
        mean_queue_len: ratio(queue as f64, window_ns),
        blocking_probability: ratio(rejected as f64, arrivals as f64),
        deployment: match plan.svc_cfgs.get(svc).map(|c| &c.deploy) {
            Some(crate::sim::plan::DeployPlan::Serverless { .. }) => "serverless",
            Some(crate::sim::plan::DeployPlan::Container { .. }) => "container",
            _ => "vm",
        }
        .into(),
        cold_starts: rec.svc_cold_starts.get(svc).copied().unwrap_or(0) as f64 / runs,
        liveness_restarts: rec.svc_probe_restarts.get(svc).copied().unwrap_or(0) as f64 / runs,
        instances,
    }
}

/// Key figures of one finished replicate.
pub fn replicate_summary(plan: &Plan, replicate: u32, rec: &Recorder) -> ReplicateSummary {
    let requests: u64 = rec.outcomes.iter().sum();
    let successes = rec.outcomes[Outcome::Success as usize];
    let p = percentiles(rec, successes);
    ReplicateSummary {
        replicate,
        requests,
        success_rate: if requests == 0 { 1.0 } else { successes as f64 / requests as f64 },
        latency_mean_ms: p.mean,
        latency_p99_ms: p.p99,
        users_impacted_pct: 100.0 * ratio(rec.users_impacted_count as f64, rec.users_active_count as f64),
        populations_impacted_pct: who::replicate_pcts(plan, rec),
        services: (0..plan.services.len())
            .map(|s| {
                let f = service_figures(plan, rec, s, 1.0);
                ReplicateService {
                    utilisation: f.utilisation,
                    mean_queue_wait_ms: f.mean_queue_wait_ms,
                    blocking_probability: f.blocking_probability,
                }
            })
            .collect(),
        slo: timeline::replicate_slo(plan, rec),
        timeline: timeline::replicate_timeline(plan, rec),
    }
}

/// The report of replicate `replicate` stopped at `upto_ns` of simulated time (a live run's
/// partial report): every rate is divided by the simulated time so far (from the end of the
/// warm-up to `upto_ns`), not by the run's duration, and the series end with the bucket under way
/// at `upto_ns` instead of running on with zeros. `duration_s` is the time simulated so far.
/// None before the warm-up ends: the summary window has not begun.
pub fn build_partial(plan: &Plan, replicate: u32, rec: &Recorder, upto_ns: u64) -> Option<Report> {
    if upto_ns <= plan.warmup_ns {
        return None;
    }
    let mut so_far = plan.clone();
    so_far.duration_ns = upto_ns.min(plan.duration_ns);
    let summary = replicate_summary(&so_far, replicate, rec);
    Some(build(&so_far, rec, vec![summary]))
}

/// Builds the report from the merged totals of replicates and their per-replicate summaries (in
/// replicate order); figures are means over `per_replicate.len()` replicates.
pub fn build(plan: &Plan, merged: &Recorder, per_replicate: Vec<ReplicateSummary>) -> Report {
    let replicates = per_replicate.len().max(1) as u32;
    let runs = f64::from(replicates);
    let requests: u64 = merged.outcomes.iter().sum();
    let successes = merged.outcomes[Outcome::Success as usize];
    let failures_by_cause = Outcome::ALL[1..].iter().map(|&o| (o, merged.outcomes[o as usize] as f64 / runs)).collect();
    let summary = Summary {
        requests: requests as f64 / runs,
        successes: successes as f64 / runs,
        failures_by_cause,
        statuses: merged
            .statuses
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(code, &n)| (code as u16, n as f64 / runs))
            .collect(),
        success_rate: if requests == 0 { 1.0 } else { successes as f64 / requests as f64 },
        latency_ms: percentiles(merged, successes),
        users_active: merged.users_active_count as f64 / runs,
        users_impacted: merged.users_impacted_count as f64 / runs,
        users_impacted_pct: 100.0 * ratio(merged.users_impacted_count as f64, merged.users_active_count as f64),
        slow_successes: merged.slow as f64 / runs,
    };

    let mut svc_of_node = BTreeMap::new();
    for (i, s) in plan.services.iter().enumerate() {
        svc_of_node.insert(s.node, i);
    }
    let nodes = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| NodeSummary {
            name: name.clone(),
            kind: *kind,
            arrivals: merged.node_arrivals[i] as f64 / runs,
            rejected: merged.node_rejected[i] as f64 / runs,
            answered_5xx: merged.node_answered_5xx.get(i).copied().unwrap_or(0) as f64 / runs,
            service: svc_of_node.get(&(i as u32)).map(|&s| service_figures(plan, merged, s, runs)),
        })
        .collect();

    let mut estimates = BTreeMap::new();
    let col =
        |f: &dyn Fn(&ReplicateSummary) -> Option<f64>| -> Vec<f64> { per_replicate.iter().filter_map(f).collect() };
    estimates.insert("success_rate".into(), Estimate::of(&col(&|r| Some(r.success_rate))));
    estimates.insert("latency_mean_ms".into(), Estimate::of(&col(&|r| r.latency_mean_ms)));
    estimates.insert("latency_p99_ms".into(), Estimate::of(&col(&|r| r.latency_p99_ms)));
    estimates.insert("users_impacted_pct".into(), Estimate::of(&col(&|r| Some(r.users_impacted_pct))));
    let populations = who::populations(plan, merged, runs);
    for (k, p) in populations.iter().enumerate() {
        let figure = col(&|r| r.populations_impacted_pct.get(k).copied());
        estimates.insert(format!("{}.users_impacted_pct", p.name), Estimate::of(&figure));
    }
    for (s, sp) in plan.services.iter().enumerate() {
        let name = &plan.nodes[sp.node as usize].0;
        let figure = |f: fn(&ReplicateService) -> Option<f64>| col(&|r| r.services.get(s).and_then(f));
        estimates.insert(format!("{name}.utilisation"), Estimate::of(&figure(|t| Some(t.utilisation))));
        estimates.insert(format!("{name}.mean_queue_wait_ms"), Estimate::of(&figure(|t| t.mean_queue_wait_ms)));
        estimates
            .insert(format!("{name}.blocking_probability"), Estimate::of(&figure(|t| Some(t.blocking_probability))));
    }

    let slos: Vec<&ReplicateSlo> = per_replicate.iter().map(|r| &r.slo).collect();
    let timelines: Vec<&ReplicateTimeline> = per_replicate.iter().filter_map(|r| r.timeline.as_ref()).collect();
    Report {
        slo: timeline::slo_report(plan, merged, &slos),
        timeline: timeline::timeline_report(plan, merged, &timelines),
        schema_version: REPORT_SCHEMA_VERSION,
        scenario: plan.name.clone(),
        seed: plan.seed,
        start: (plan.start.0 != 0).then_some(plan.start),
        replicates,
        duration_s: plan.duration_ns as f64 / NS_PER_S as f64,
        warmup_s: plan.warmup_ns as f64 / NS_PER_S as f64,
        bucket_s: plan.bucket_ns as f64 / NS_PER_S as f64,
        summary,
        populations,
        reasons: Vec::new(),
        estimates,
        nodes,
        series: series(plan, merged, runs),
        per_replicate,
        events: merged.events,
        cost: Some(cost::build(plan, merged, runs)),
    }
}

fn series(plan: &Plan, rec: &Recorder, runs: f64) -> Series {
    // The recorder's rows are `plan.n_buckets` long; a partial report (see [`build_partial`])
    // shows only the buckets begun by its end.
    let nb = plan.n_buckets;
    let used = usize::try_from(plan.duration_ns.div_ceil(plan.bucket_ns.max(1))).unwrap_or(usize::MAX).min(nb);
    let bucket_s = plan.bucket_ns as f64 / NS_PER_S as f64;
    // The last bucket may be cut short by the end of the run.
    let width_s = |b: usize| {
        let end = ((b as u64 + 1) * plan.bucket_ns).min(plan.duration_ns);
        (end - b as u64 * plan.bucket_ns) as f64 / NS_PER_S as f64
    };
    let mut outcomes_rps = BTreeMap::new();
    for o in Outcome::ALL {
        let v = (0..used).map(|b| rec.outcome_series[b][o as usize] as f64 / runs / width_s(b)).collect();
        outcomes_rps.insert(o, v);
    }
    let q = |p: f64| -> Vec<Option<f64>> {
        rec.latency_series
            .iter()
            .take(used)
            .map(|h| (!h.is_empty()).then(|| h.value_at_quantile(p) as f64 / 1000.0))
            .collect()
    };
    let services = plan
        .services
        .iter()
        .enumerate()
        .map(|(s, sp)| {
            let at = |v: &[u64], b: usize| v[s * nb + b] as f64;
            let bucket_ns = |b: usize| width_s(b) * NS_PER_S as f64 * runs;
            ServiceSeries {
                name: plan.nodes[sp.node as usize].0.clone(),
                utilisation: (0..used)
                    .map(|b| ratio(at(&rec.svc_busy_series, b), at(&rec.svc_slot_series, b)))
                    .collect(),
                queue_len: (0..used).map(|b| ratio(at(&rec.svc_queue_series, b), bucket_ns(b))).collect(),
                instances: (0..used).map(|b| ratio(at(&rec.svc_capacity_series, b), bucket_ns(b))).collect(),
            }
        })
        .collect();
    let links = plan
        .links
        .iter()
        .enumerate()
        .map(|(l, lp)| LinkSeries {
            from: lp.from.clone(),
            to: lp.to.clone(),
            rps: (0..used).map(|b| f64::from(rec.link_series[l * nb + b]) / runs / width_s(b)).collect(),
            failed_rps: (0..used).map(|b| f64::from(rec.link_failed_series[l * nb + b]) / runs / width_s(b)).collect(),
        })
        .collect();
    let nodes = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(n, (name, _))| {
            let per_s = |v: &[u32], b: usize| f64::from(v.get(n * nb + b).copied().unwrap_or(0)) / runs / width_s(b);
            NodeSeries {
                name: name.clone(),
                arrivals_rps: (0..used).map(|b| per_s(&rec.node_arrival_series, b)).collect(),
                failed_rps: (0..used).map(|b| per_s(&rec.node_failed_series, b)).collect(),
            }
        })
        .collect();
    Series {
        t_s: (0..used).map(|b| b as f64 * bucket_s).collect(),
        nodes,
        outcomes_rps,
        latency_p50_ms: q(0.5),
        latency_p99_ms: q(0.99),
        services,
        links,
    }
}
