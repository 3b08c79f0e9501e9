//! The recorder: what the engine reports into while it runs.
//!
//! Windows: the **summary** counts requests *sent* in `[warmup, duration)` (their outcome may come
//! later, during the drain), station waits of requests that *reached the station* in that window,
//! and busy/queue time inside it. The **time series** buckets cover `[0, duration)`: outcomes by
//! the time the client received the answer, station time by when it passed.

use super::{N_OUTCOMES, Outcome, PopUsers, TimelineRec};
use crate::sim::plan::Plan;
use hdrhistogram::Histogram;

/// Highest latency the histograms track exactly, in microseconds (one hour); larger values are
/// clamped to it.
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// The `user` of a request that carries no key (a trace line with an empty `client_key`).
pub const NO_USER: u32 = u32::MAX;

/// Per-station (service instance) aggregates over the summary window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StationStats {
    /// Requests that reached the instance.
    pub arrivals: u64,
    /// Requests turned away because the queue was full.
    pub rejected: u64,
    /// Requests that started service.
    pub started: u64,
    /// Sum of queue waits of the started requests, ns.
    pub wait_sum_ns: u128,
    /// Integral of busy slots over time, slot-ns.
    pub busy_area: u128,
    /// Integral of queue length over time, request-ns.
    pub queue_area: u128,
}

/// Streaming aggregates of one replicate.
#[derive(Clone, Debug)]
pub struct Recorder {
    /// Bucket width, ns.
    pub bucket_ns: u64,
    /// Number of buckets.
    pub n_buckets: usize,
    /// Start of the summary window, ns.
    pub warmup_ns: u64,
    /// End of arrivals and of the windows, ns.
    pub end_ns: u64,
    /// Summary outcome counts, indexed by `Outcome as usize`.
    pub outcomes: [u64; N_OUTCOMES],
    /// Summary counts by HTTP status (index = status code, 0..600).
    pub statuses: Vec<u64>,
    /// Latency of successful requests in the summary window, µs.
    pub latency: Histogram<u64>,
    /// Sum of successful latencies in the summary window, ns (for an exact mean).
    pub latency_sum_ns: u128,
    /// Outcome counts per bucket (by the time the client got the answer), attack traffic included.
    pub outcome_series: Vec<[u64; N_OUTCOMES]>,
    /// Latency of successes per bucket, µs (2 significant digits).
    pub latency_series: Vec<Histogram<u64>>,
    /// Per population (and last, the trace's keys): its users active and impacted in the summary
    /// window, in all and per path, and its requests by outcome. Only a population's own entry
    /// is used: a flash crowd counts under the population it joins, attack traffic not at all.
    pub users: Vec<PopUsers>,
    /// Per station aggregates.
    pub stations: Vec<StationStats>,
    /// Per service and bucket: busy slot-ns (`[service * n_buckets + bucket]`).
    pub svc_busy_series: Vec<u64>,
    /// Per service and bucket: queue request-ns.
    pub svc_queue_series: Vec<u64>,
    /// Per service and bucket: running instance-ns (filled by [`Recorder::finish`]).
    pub svc_capacity_series: Vec<u64>,
    /// Per service: running instance-ns in the summary window (filled by [`Recorder::finish`]).
    pub svc_capacity_area: Vec<u128>,
    /// Per service and bucket: running slot-ns (instances x concurrency; filled by `finish`).
    pub svc_slot_series: Vec<u64>,
    /// Per service: running slot-ns in the summary window (filled by [`Recorder::finish`]).
    pub svc_slot_area: Vec<u128>,
    /// Per service: (time, running instances, their concurrency slots, billed instances: running
    /// or starting) each time one changed, starting at 0.
    pub replica_steps: Vec<Vec<(u64, u32, u32, u32)>>,
    /// Per service: billed instance-ns (running or starting) in the summary window (filled by
    /// [`Recorder::finish`]).
    pub svc_billed_area: Vec<u128>,
    /// Per service: cold starts of a serverless function's environments in the summary window.
    pub svc_cold_starts: Vec<u64>,
    /// Per service: containers killed by their liveness probe in the summary window.
    pub svc_probe_restarts: Vec<u64>,
    /// Per DNS node: queries resolvers sent (cache misses) in the summary window.
    pub dns_queries: Vec<u64>,
    /// Per data store: writes in the summary window.
    pub store_writes: Vec<u64>,
    /// Per model node: requests that reached it in the summary window.
    pub node_arrivals: Vec<u64>,
    /// Per model node: requests it answered itself with a failure (a gateway's rate limit, a
    /// balancer's overflow or "no upstream") in the summary window.
    pub node_rejected: Vec<u64>,
    /// Per model node (services): answers with a 5xx status its instances gave in the summary
    /// window, whether the gateway then tried another server or passed them on.
    pub node_answered_5xx: Vec<u64>,
    /// Per link and bucket: crossings (`[link * n_buckets + bucket]`).
    pub link_series: Vec<u32>,
    /// Per link and bucket: requests that crossed it and then failed at its callee
    /// (`[link * n_buckets + bucket]`; see `node_failed_series`).
    pub link_failed_series: Vec<u32>,
    /// Per model node and bucket: requests that reached it (`[node * n_buckets + bucket]`).
    pub node_arrival_series: Vec<u32>,
    /// Per model node and bucket: failures it answered itself (`[node * n_buckets + bucket]`): a
    /// gateway's or balancer's own rejections (as [`Recorder::node_rejected`]), a service's
    /// instance turning a request away with a full queue or answering an error.
    pub node_failed_series: Vec<u32>,
    /// The model node of each station (service instance).
    station_node: Vec<u32>,
    /// The last bucket looked up by time: `[from, to)` in ns and its index (time only moves
    /// forward in a run, so most look-ups need no division).
    bucket_cache: (u64, u64, usize),
    /// Events processed (for throughput figures).
    pub events: u64,
    /// Active users, counted by [`Recorder::finish`].
    pub users_active_count: u64,
    /// Impacted users, counted by [`Recorder::finish`].
    pub users_impacted_count: u64,
    /// Successes in the summary window slower than the latency SLO (they impact their users).
    pub slow: u64,
    /// Per population: the population whose users it counts as, and whether it is attack
    /// traffic (counted apart).
    pops: Vec<(u32, bool)>,
    /// A success slower than this impacts its user (the latency SLO; `u64::MAX`: none).
    latency_slo_ns: u64,
    /// Timeline aggregates (only for runs with a timeline).
    pub tl: Option<Box<TimelineRec>>,
}

/// An auto-resizing histogram: it grows to the largest value recorded, so short latencies cost
/// little memory.
pub(super) fn histogram(sigfig: u8) -> Histogram<u64> {
    #[allow(clippy::expect_used)]
    let mut h = Histogram::new(sigfig).expect("1..=5 significant digits"); // invariant: sigfig is 2 or 3
    h.auto(true);
    h
}

impl Recorder {
    /// An empty recorder sized for the plan.
    pub fn new(plan: &Plan) -> Recorder {
        let nb = plan.n_buckets;
        Recorder {
            bucket_ns: plan.bucket_ns,
            n_buckets: nb,
            warmup_ns: plan.warmup_ns,
            end_ns: plan.duration_ns,
            outcomes: [0; N_OUTCOMES],
            statuses: vec![0; 600],
            latency: histogram(3),
            latency_sum_ns: 0,
            outcome_series: vec![[0; N_OUTCOMES]; nb],
            latency_series: vec![histogram(2); nb],
            users: pop_users(plan),
            stations: vec![StationStats::default(); plan.stations.len()],
            svc_busy_series: vec![0; plan.services.len() * nb],
            svc_queue_series: vec![0; plan.services.len() * nb],
            svc_capacity_series: vec![0; plan.services.len() * nb],
            svc_capacity_area: vec![0; plan.services.len()],
            svc_slot_series: vec![0; plan.services.len() * nb],
            svc_slot_area: vec![0; plan.services.len()],
            replica_steps: plan
                .svc_cfgs
                .iter()
                .take(plan.services.len())
                .map(|c| vec![(0, c.running, c.running * c.concurrency, c.running)])
                .collect(),
            svc_billed_area: vec![0; plan.services.len()],
            svc_cold_starts: vec![0; plan.services.len()],
            svc_probe_restarts: vec![0; plan.services.len()],
            dns_queries: vec![0; plan.dns.len()],
            store_writes: vec![0; plan.stores.len()],
            node_arrivals: vec![0; plan.nodes.len()],
            node_rejected: vec![0; plan.nodes.len()],
            node_answered_5xx: vec![0; plan.nodes.len()],
            link_series: vec![0; plan.links.len() * nb],
            link_failed_series: vec![0; plan.links.len() * nb],
            node_arrival_series: vec![0; plan.nodes.len() * nb],
            node_failed_series: vec![0; plan.nodes.len() * nb],
            station_node: plan
                .stations
                .iter()
                .map(|st| plan.services.get(st.service as usize).map_or(0, |s| s.node))
                .collect(),
            bucket_cache: (0, 0, 0),
            events: 0,
            users_active_count: 0,
            users_impacted_count: 0,
            slow: 0,
            pops: plan.pops.iter().map(|p| (p.base, p.attack)).collect(),
            latency_slo_ns: plan.slo.latency_ns.unwrap_or(u64::MAX),
            tl: plan.timeline.as_ref().map(|t| {
                // Users are kept under their own population (a flash crowd's under the one it joins).
                let users: Vec<u32> = plan
                    .pops
                    .iter()
                    .enumerate()
                    .map(|(i, p)| if p.base as usize == i && !p.attack { p.users } else { 0 })
                    .collect();
                Box::new(TimelineRec::new(plan.nodes.len(), t.route_scopes.len(), nb, &users, plan.duration_ns))
            }),
        }
    }

    /// An empty latency histogram of the kind the per-bucket series use (µs, 2 significant digits).
    pub fn latency_histogram() -> Histogram<u64> {
        histogram(2)
    }

    #[inline]
    fn bucket(&self, t: u64) -> Option<usize> {
        if t >= self.end_ns {
            return None;
        }
        Some(((t / self.bucket_ns) as usize).min(self.n_buckets - 1))
    }

    /// [`Recorder::bucket`], remembering the bucket found.
    #[inline]
    fn bucket_at(&mut self, t: u64) -> Option<usize> {
        let (from, to, b) = self.bucket_cache;
        if t >= from && t < to {
            return Some(b);
        }
        let b = self.bucket(t)?;
        let from = b as u64 * self.bucket_ns;
        let to = if b + 1 == self.n_buckets { self.end_ns } else { (from + self.bucket_ns).min(self.end_ns) };
        self.bucket_cache = (from, to, b);
        Some(b)
    }

    /// Whether `t` is in the summary window.
    #[inline]
    pub fn in_window(&self, t: u64) -> bool {
        t >= self.warmup_ns && t < self.end_ns
    }

    /// A request of population `pop`, sent by `user` at `sent`, got its answer (`outcome`, with HTTP
    /// `status`) at `answered`. `last` is false when the client will try again: a failure then
    /// does not (yet) impact the user. `scopes`: the route scopes its path matches.
    #[inline]
    #[allow(clippy::too_many_arguments)] // one flat call per request on the hot path
    pub fn outcome(
        &mut self,
        pop: u32,
        user: u32,
        sent: u64,
        answered: u64,
        outcome: Outcome,
        status: u16,
        last: bool,
        scopes: u32,
        path: u32,
    ) {
        if self.tl.is_some() {
            return self.outcome_with_timeline(pop, user, sent, answered, outcome, status, last, scopes, path);
        }
        let latency_ns = answered.saturating_sub(sent);
        let latency_us = (latency_ns / 1000).clamp(1, MAX_LATENCY_US);
        if let Some(b) = self.bucket(answered) {
            self.outcome_series[b][outcome as usize] += 1;
            if outcome == Outcome::Success {
                self.latency_series[b].record(latency_us).ok();
            }
        }
        if self.in_window(sent) {
            self.summary_outcome(pop, user, latency_ns, latency_us, outcome, status, last, path);
        }
    }

    /// The summary window's part of [`Recorder::outcome`]; returns whether the answer impacts its
    /// user.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn summary_outcome(
        &mut self,
        base: u32,
        user: u32,
        latency_ns: u64,
        latency_us: u64,
        outcome: Outcome,
        status: u16,
        last: bool,
        path: u32,
    ) -> bool {
        self.outcomes[outcome as usize] += 1;
        if let Some(n) = self.statuses.get_mut(usize::from(status)) {
            *n += 1;
        }
        let has_user = user != NO_USER;
        let impacts = if outcome == Outcome::Success {
            self.latency.record(latency_us).ok();
            self.latency_sum_ns += u128::from(latency_ns);
            let slow = latency_ns > self.latency_slo_ns;
            self.slow += u64::from(slow);
            slow
        } else {
            last
        };
        if let Some(p) = self.users.get_mut(base as usize) {
            p.record(has_user.then_some(user), path, outcome, impacts);
        }
        impacts
    }

    /// [`Recorder::outcome`] in a run with a timeline: route-scope series, attack traffic apart,
    /// per-user segments.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn outcome_with_timeline(
        &mut self,
        pop: u32,
        user: u32,
        sent: u64,
        answered: u64,
        outcome: Outcome,
        status: u16,
        last: bool,
        scopes: u32,
        path: u32,
    ) {
        let latency_ns = answered.saturating_sub(sent);
        let latency_us = (latency_ns / 1000).clamp(1, MAX_LATENCY_US);
        let (base, attack) = self.pops.get(pop as usize).copied().unwrap_or((pop, false));
        let class = status_class(status);
        let nb = self.n_buckets;
        if let Some(b) = self.bucket(answered) {
            self.outcome_series[b][outcome as usize] += 1;
            if outcome == Outcome::Success {
                self.latency_series[b].record(latency_us).ok();
            }
            if let Some(tl) = &mut self.tl {
                if let (Some(c), Some(cl)) = (class, tl.class_series.get_mut(b)) {
                    cl[c] += 1;
                }
                if attack {
                    tl.attack_series[b][outcome as usize] += 1;
                }
                let mut bits = scopes;
                while bits != 0 {
                    let i = bits.trailing_zeros() as usize * nb + b;
                    bits &= bits - 1;
                    if let Some(o) = tl.scope_outcomes.get_mut(i) {
                        o[outcome as usize] += 1;
                    }
                    if let (Some(c), Some(cl)) = (class, tl.scope_classes.get_mut(i)) {
                        cl[c] += 1;
                    }
                    if outcome == Outcome::Success
                        && let Some(h) = tl.scope_latency.get_mut(i)
                    {
                        h.record(latency_us).ok();
                    }
                }
            }
        }
        if !self.in_window(sent) {
            return;
        }
        if attack {
            if let Some(tl) = &mut self.tl {
                tl.attack_outcomes[outcome as usize] += 1;
            }
            return;
        }
        let impacts = self.summary_outcome(base, user, latency_ns, latency_us, outcome, status, last, path);
        if user != NO_USER
            && let Some(tl) = &mut self.tl
        {
            let bit = tl.segment_bit(sent);
            if let Some(u) = tl.user_active.get_mut(base as usize).and_then(|v| v.get_mut(user as usize)) {
                *u |= bit;
            }
            if impacts && let Some(u) = tl.user_impact.get_mut(base as usize).and_then(|v| v.get_mut(user as usize)) {
                *u |= bit;
            }
        }
    }

    /// A request reached model node `node` at `t`.
    #[inline]
    pub fn node_arrival(&mut self, node: u32, t: u64) {
        if self.in_window(t) {
            self.node_arrivals[node as usize] += 1;
        }
        self.node_bucket_add(true, node, t);
        if let Some(tl) = &mut self.tl
            && t < self.end_ns
        {
            let b = ((t / self.bucket_ns) as usize).min(self.n_buckets - 1);
            if let Some(n) = tl.node_arrivals.get_mut(node as usize * self.n_buckets + b) {
                *n = n.saturating_add(1);
            }
        }
    }

    /// An instance of service node `node` answered a request with a 5xx status at `t`.
    #[inline]
    pub fn node_answered_5xx(&mut self, node: u32, t: u64) {
        if self.in_window(t)
            && let Some(n) = self.node_answered_5xx.get_mut(node as usize)
        {
            *n += 1;
        }
    }

    /// Model node `node` answered a request itself with a failure at `t`.
    #[inline]
    pub fn node_rejected(&mut self, node: u32, t: u64) {
        if self.in_window(t) {
            self.node_rejected[node as usize] += 1;
        }
        self.node_bucket_add(false, node, t);
        if let Some(tl) = &mut self.tl
            && t < self.end_ns
        {
            let b = ((t / self.bucket_ns) as usize).min(self.n_buckets - 1);
            if let Some(n) = tl.node_rejected.get_mut(node as usize * self.n_buckets + b) {
                *n = n.saturating_add(1);
            }
        }
    }

    /// Counts one arrival (`arrival`) or one failure at model node `node` in `t`'s bucket.
    #[inline]
    fn node_bucket_add(&mut self, arrival: bool, node: u32, t: u64) {
        if let Some(b) = self.bucket_at(t) {
            let series = if arrival { &mut self.node_arrival_series } else { &mut self.node_failed_series };
            if let Some(n) = series.get_mut(node as usize * self.n_buckets + b) {
                *n = n.saturating_add(1);
            }
        }
    }

    /// A service instance (station `k`) answered a request with an error at `t`.
    #[inline]
    pub fn station_failed(&mut self, k: u32, t: u64) {
        if let Some(&node) = self.station_node.get(k as usize) {
            self.node_bucket_add(false, node, t);
        }
    }

    /// A request that came over link `link` failed at its callee at `t` (`u32::MAX`: it crossed
    /// none).
    #[inline]
    pub fn link_failed(&mut self, link: u32, t: u64) {
        if let Some(b) = self.bucket_at(t)
            && let Some(n) =
                self.link_failed_series.get_mut((link as usize).saturating_mul(self.n_buckets).saturating_add(b))
        {
            *n = n.saturating_add(1);
        }
    }

    /// Something happened on the timeline at `t`.
    pub fn log(&mut self, t: u64, what: super::Logged) {
        if let Some(tl) = &mut self.tl {
            tl.log.push(super::LogEntry { t_ns: t, what });
        }
    }

    /// A request crossed link `link` at `t`.
    #[inline]
    pub fn link_crossed(&mut self, link: u32, t: u64) {
        if let Some(b) = self.bucket_at(t) {
            let i = link as usize * self.n_buckets + b;
            self.link_series[i] = self.link_series[i].saturating_add(1);
        }
    }

    /// A request reached station `k` at `t`; `rejected` when its queue was full.
    #[inline]
    pub fn station_arrival(&mut self, k: u32, t: u64, rejected: bool) {
        if rejected {
            self.station_failed(k, t);
        }
        if self.in_window(t) {
            let s = &mut self.stations[k as usize];
            s.arrivals += 1;
            s.rejected += u64::from(rejected);
        }
    }

    /// A request that reached station `k` at `arrived` started service at `t`.
    #[inline]
    pub fn station_start(&mut self, k: u32, arrived: u64, t: u64) {
        if self.in_window(arrived) {
            let s = &mut self.stations[k as usize];
            s.started += 1;
            s.wait_sum_ns += u128::from(t - arrived);
        }
    }

    /// Station `k` (of service `svc`) had `busy` busy slots and `queued` waiting requests during
    /// `[from, to)`.
    #[inline]
    pub fn station_state(&mut self, k: u32, svc: u32, from: u64, to: u64, busy: u32, queued: u32) {
        if to <= from || (busy == 0 && queued == 0) {
            return;
        }
        // Summary window.
        let (a, b) = (from.max(self.warmup_ns), to.min(self.end_ns));
        if b > a {
            let s = &mut self.stations[k as usize];
            s.busy_area += u128::from(busy) * u128::from(b - a);
            s.queue_area += u128::from(queued) * u128::from(b - a);
        }
        // Time series, split at bucket edges.
        let end = to.min(self.end_ns);
        let mut t = from;
        let base = svc as usize * self.n_buckets;
        while t < end {
            let bucket = ((t / self.bucket_ns) as usize).min(self.n_buckets - 1);
            let edge = ((bucket as u64 + 1) * self.bucket_ns).min(end);
            let dt = edge - t;
            self.svc_busy_series[base + bucket] += u64::from(busy) * dt;
            self.svc_queue_series[base + bucket] += u64::from(queued) * dt;
            t = edge;
        }
    }
}

/// The status class index of the 4xx/5xx series (`None` for any other status).
#[inline]
fn status_class(status: u16) -> Option<usize> {
    match status / 100 {
        4 => Some(0),
        5 => Some(1),
        _ => None,
    }
}

/// Totals over finished replicates (see [`Recorder::finish`] and [`Recorder::merge`]).
impl Recorder {
    /// Service `svc` runs `instances` instances with `slots` concurrency slots in all from `t` on.
    pub fn replicas(&mut self, svc: u32, t: u64, instances: u32, slots: u32, billed: u32) {
        if let Some(steps) = self.replica_steps.get_mut(svc as usize) {
            steps.push((t, instances, slots, billed));
        }
    }

    /// Running instance-ns and slot-ns of service `svc` during `[from, to)`, from the changes
    /// recorded so far (for alarms that read utilisation while the run goes on).
    pub fn capacity_in(&self, svc: u32, from: u64, to: u64) -> (u128, u128) {
        let Some(steps) = self.replica_steps.get(svc as usize) else { return (0, 0) };
        let mut area = (0u128, 0u128);
        for (i, &(t0, n, slots, _)) in steps.iter().enumerate() {
            let t1 = steps.get(i + 1).map_or(u64::MAX, |s| s.0);
            let (a, b) = (t0.max(from), t1.min(to));
            if b > a {
                area.0 += u128::from(n) * u128::from(b - a);
                area.1 += u128::from(slots) * u128::from(b - a);
            }
        }
        area
    }

    /// Turns the user bit sets into counts (`users_active_count`, `users_impacted_count`) and the
    /// replica steps up to `upto` into capacity per bucket and in the summary window, and frees
    /// them, so that recorders of different replicates can be merged.
    pub fn finish(&mut self, upto: u64) {
        let end = upto.min(self.end_ns);
        let steps = std::mem::take(&mut self.replica_steps);
        for (svc, steps) in steps.iter().enumerate() {
            for (i, &(from, n, slots, billed)) in steps.iter().enumerate() {
                let to = steps.get(i + 1).map_or(end, |s| s.0).min(end);
                let (a, b) = (from.max(self.warmup_ns), to);
                if b > a {
                    self.svc_billed_area[svc] += u128::from(billed) * u128::from(b - a);
                }
                if to <= from || n == 0 {
                    continue;
                }
                if b > a {
                    self.svc_capacity_area[svc] += u128::from(n) * u128::from(b - a);
                    self.svc_slot_area[svc] += u128::from(slots) * u128::from(b - a);
                }
                let mut t = from;
                while t < to {
                    let bucket = ((t / self.bucket_ns) as usize).min(self.n_buckets - 1);
                    let edge = ((bucket as u64 + 1) * self.bucket_ns).min(to);
                    self.svc_capacity_series[svc * self.n_buckets + bucket] += u64::from(n) * (edge - t);
                    self.svc_slot_series[svc * self.n_buckets + bucket] += u64::from(slots) * (edge - t);
                    t = edge;
                }
            }
        }
        for p in &mut self.users {
            p.finish();
        }
        self.users_active_count = self.users.iter().map(|p| p.active_count).sum();
        self.users_impacted_count = self.users.iter().map(|p| p.impacted_count).sum();
    }

    /// Adds another finished replicate's totals to this one. Every field is an integer, so the
    /// result does not depend on the order of merging.
    pub fn merge(&mut self, o: &Recorder) {
        for (a, b) in self.outcomes.iter_mut().zip(o.outcomes) {
            *a += b;
        }
        add_all(&mut self.statuses, &o.statuses);
        self.latency.add(&o.latency).ok();
        self.latency_sum_ns += o.latency_sum_ns;
        for (a, b) in self.outcome_series.iter_mut().zip(&o.outcome_series) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.slow += o.slow;
        if let (Some(a), Some(b)) = (self.tl.as_mut(), o.tl.as_ref()) {
            a.merge(b);
        }
        for (a, b) in self.latency_series.iter_mut().zip(&o.latency_series) {
            a.add(b).ok();
        }
        self.users_active_count += o.users_active_count;
        self.users_impacted_count += o.users_impacted_count;
        for (a, b) in self.users.iter_mut().zip(&o.users) {
            a.merge(b);
        }
        for (a, b) in self.stations.iter_mut().zip(&o.stations) {
            a.arrivals += b.arrivals;
            a.rejected += b.rejected;
            a.started += b.started;
            a.wait_sum_ns += b.wait_sum_ns;
            a.busy_area += b.busy_area;
            a.queue_area += b.queue_area;
        }
        add_all(&mut self.svc_busy_series, &o.svc_busy_series);
        add_all(&mut self.svc_queue_series, &o.svc_queue_series);
        add_all(&mut self.svc_capacity_series, &o.svc_capacity_series);
        add_all(&mut self.svc_slot_series, &o.svc_slot_series);
        for (a, b) in self.svc_capacity_area.iter_mut().zip(&o.svc_capacity_area) {
            *a += b;
        }
        for (a, b) in self.svc_slot_area.iter_mut().zip(&o.svc_slot_area) {
            *a += b;
        }
        for (a, b) in self.svc_billed_area.iter_mut().zip(&o.svc_billed_area) {
            *a += b;
        }
        add_all(&mut self.svc_cold_starts, &o.svc_cold_starts);
        add_all(&mut self.svc_probe_restarts, &o.svc_probe_restarts);
        add_all(&mut self.dns_queries, &o.dns_queries);
        add_all(&mut self.store_writes, &o.store_writes);
        add_all(&mut self.node_arrivals, &o.node_arrivals);
        add_all(&mut self.node_rejected, &o.node_rejected);
        add_all(&mut self.node_answered_5xx, &o.node_answered_5xx);
        for (mine, theirs) in [
            (&mut self.link_series, &o.link_series),
            (&mut self.link_failed_series, &o.link_failed_series),
            (&mut self.node_arrival_series, &o.node_arrival_series),
            (&mut self.node_failed_series, &o.node_failed_series),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a = a.saturating_add(*b);
            }
        }
        self.events += o.events;
    }
}

/// One [`PopUsers`] per population and a last one for trace keys (sets that grow as keys appear).
/// A population's own entry has per-path sets for the paths of its mix (a flash crowd joining it
/// sends for the same paths) while they fit in [`super::MAX_PATH_USER_BITS`], in file order.
fn pop_users(plan: &Plan) -> Vec<PopUsers> {
    let own = |i: usize, p: &crate::sim::plan::PopPlan| p.base as usize == i && !p.attack;
    let paths: Vec<Vec<u32>> = plan.pops.iter().map(|p| p.routes.iter().map(|r| u32::from(r.1)).collect()).collect();
    let sizes: Vec<(u32, usize)> =
        plan.pops.iter().enumerate().map(|(i, p)| if own(i, p) { (p.users, paths[i].len()) } else { (0, 0) }).collect();
    let fits = super::users::paths_within_budget(&sizes);
    plan.pops
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // Only a population's own entry is ever recorded into: the others stay empty.
            if own(i, p) { PopUsers::new(p.users, fits[i].then_some(&paths[i][..])) } else { PopUsers::new(0, None) }
        })
        .chain([PopUsers::new(0, None)])
        .collect()
}

fn add_all(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}
