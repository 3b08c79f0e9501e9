//! DNS names, region faults and data stores in the engine (semantics in `model::global`).
//!
//! - A population that links to a DNS name resolves it per resolver cache: its users are spread
//!   over [`CACHES`] caches (user `u` uses cache `u % CACHES`), each keeping its answer for the
//!   TTL from its first lookup; a share of them never looks again (they ignore the TTL).
//! - Route 53 checkers each probe every checked record every interval, at a phase of their own
//!   drawn per replicate; a record is healthy while more than 18% of the checkers see it so.
//! - Region faults are groups of ordinary targets (see `plan::FaultTarget::Group`) plus markers:
//!   the region (its data stores' primaries are lost; checkers see its targets dead) and the
//!   region pair (DNS answers and checks across it fail).
//! - A data store call is part of the service time of the request that makes it: a read from the
//!   nearest live copy, a write at the primary (plus the farthest replica's round trip when
//!   synchronous), committed when the request's service ends. Asynchronous writes are pending
//!   until their lag has passed; when the primary is lost, the pending ones committed before the
//!   loss are lost: their count and the age of the oldest are the measured RPO.

use super::{Kind, Simulation};
use crate::metrics::Logged;
use crate::model::{DnsRouting, RecordRole};
use crate::sim::plan::{Hop, Plan};
use crate::sim::rng::{Purpose, Stream, mix64};
use std::collections::VecDeque;

/// Resolver caches per population (fewer when it has fewer users).
pub(super) const CACHES: u32 = 1000;

/// A resolver cache's answer: the record, and until when it is kept.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cached {
    record: u32,
    expires: u64,
}

/// A data store's state.
#[derive(Clone, Debug)]
pub(super) struct StoreState {
    /// The copy that is primary (0: the file's primary region; else replica `i - 1`).
    primary: usize,
    /// Writes are taken.
    available: bool,
    /// Writes committed at the primary and not yet at the replicas: (commit, replicated), ns.
    pending: VecDeque<(u64, u64)>,
    /// Writes committed since the last backup, and the first one's commit time.
    since_backup: (u64, u64),
    /// The backup period the count above belongs to.
    backup_period: u64,
}

/// The run-time state of DNS names, regions and data stores.
#[derive(Clone, Debug)]
pub(super) struct GlobalState {
    /// Per DNS name and record: healthy.
    healthy: Vec<Vec<bool>>,
    /// Per DNS name and record: its routing control is off (a manual failover).
    controlled_off: Vec<Vec<bool>>,
    /// Per DNS name, record and checker: its view (healthy) and the streak of results against it.
    views: Vec<Vec<Vec<(bool, u32)>>>,
    /// Per population: its resolver caches (empty without DNS) and how many of them ignore TTL.
    caches: Vec<(Vec<Option<Cached>>, u32)>,
    /// Per region: down faults in force.
    region_down: Vec<u32>,
    /// Per region pair (`a * n + b`, both orders): partition faults in force.
    region_cut: Vec<u32>,
    /// Per region pair: the Latency faults in force (a degraded network between them).
    region_slow: Vec<Vec<u32>>,
    /// Per data store.
    stores: Vec<StoreState>,
    /// Per DNS name: draws (checker phases, weighted answers).
    dns_rng: Vec<Stream>,
    /// Per data store: draws (read or write, lags, service times).
    store_rng: Vec<Stream>,
}

impl GlobalState {
    /// The state for a plan with DNS names or data stores; None without (a plan that has neither
    /// pays nothing).
    pub(super) fn new(plan: &Plan, replicate: u32) -> Option<GlobalState> {
        if plan.dns.is_empty() && plan.stores.is_empty() && plan.regions.is_empty() {
            return None;
        }
        let n = plan.regions.len();
        let stream = |node: u32, purpose| Stream::new(plan.seed, replicate, &plan.nodes[node as usize].0, purpose);
        Some(GlobalState {
            healthy: plan.dns.iter().map(|d| vec![true; d.records.len()]).collect(),
            controlled_off: plan.dns.iter().map(|d| vec![false; d.records.len()]).collect(),
            views: plan
                .dns
                .iter()
                .map(|d| {
                    let checkers = d.check.as_ref().map_or(0, |c| c.checkers.len());
                    vec![vec![(true, 0); checkers]; d.records.len()]
                })
                .collect(),
            caches: plan
                .pops
                .iter()
                .map(|p| {
                    let dns = p.targets.iter().find_map(|t| if let Hop::Dns(d) = t.1 { Some(d) } else { None });
                    match dns.and_then(|d| plan.dns.get(d as usize)) {
                        Some(d) => {
                            let n = p.users.clamp(1, CACHES);
                            let sticky = (d.ignore_ttl_share * f64::from(n)).round() as u32;
                            (vec![None; n as usize], sticky)
                        }
                        None => (Vec::new(), 0),
                    }
                })
                .collect(),
            region_down: vec![0; n],
            region_cut: vec![0; n * n],
            region_slow: vec![Vec::new(); n * n],
            stores: plan
                .stores
                .iter()
                .map(|_| StoreState {
                    primary: 0,
                    available: true,
                    pending: VecDeque::new(),
                    since_backup: (0, 0),
                    backup_period: 0,
                })
                .collect(),
            dns_rng: plan.dns.iter().map(|d| stream(d.node, Purpose::Choice)).collect(),
            store_rng: plan.stores.iter().map(|s| stream(s.node, Purpose::Service)).collect(),
        })
    }
}

/// What a DNS lookup gave a request.
pub(super) enum Answer {
    /// Send to `hop` over `link`, with `region_ns` more each way.
    To { hop: Hop, link: u32, region_ns: u64 },
    /// No answer, or the target cannot be reached from the client's region.
    Unreachable,
}

impl Simulation<'_> {
    /// Schedules every Route 53 checker's first check, at a phase of its own.
    pub(super) fn schedule_dns_checks(&mut self) {
        let plan = self.plan;
        for (d, dns) in plan.dns.iter().enumerate() {
            let Some(check) = &dns.check else { continue };
            for c in 0..check.checkers.len() {
                let Some(g) = self.global.as_mut() else { return };
                let phase = (g.dns_rng[d].unit() * check.interval_ns as f64) as u64;
                if phase < plan.duration_ns {
                    self.schedule(phase, Kind::DnsCheck, d as u32, c as u32);
                }
            }
        }
    }

    /// Whether the target of record `rec` of DNS name `d` answers a probe from `from` (a region
    /// index, when known).
    fn target_alive(&self, d: usize, rec: usize, from: Option<u16>) -> bool {
        let plan = self.plan;
        let Some(r) = plan.dns.get(d).and_then(|x| x.records.get(rec)) else { return false };
        let node_down = match r.hop {
            Hop::Gateway(g) => self.tl.as_ref().is_some_and(|tl| tl.gateway_down(g)),
            Hop::Balancer(b) => self.tl.as_ref().is_some_and(|tl| tl.balancer_down(b)),
            _ => false,
        };
        if node_down || self.region_cut(from, r.region) {
            return false;
        }
        !r.evaluate || r.stations.iter().any(|&k| !self.stations[k as usize].down && self.stations[k as usize].active)
    }

    /// Whether a partition fault separates regions `a` and `b`.
    fn region_cut(&self, a: Option<u16>, b: Option<u16>) -> bool {
        let (Some(a), Some(b), Some(g)) = (a, b, self.global.as_ref()) else { return false };
        let n = self.plan.regions.len();
        a != b && g.region_cut.get(a as usize * n + b as usize).is_some_and(|&c| c > 0)
    }

    /// Checker `c` of DNS name `d` probes every checked record.
    pub(super) fn on_dns_check(&mut self, d: u32, c: u32) {
        let plan = self.plan;
        let Some(dns) = plan.dns.get(d as usize) else { return };
        let Some(check) = &dns.check else { return };
        let from = check.checkers.get(c as usize).and_then(|x| x.1);
        for (ri, r) in dns.records.iter().enumerate() {
            if !r.checked {
                continue;
            }
            let alive = self.target_alive(d as usize, ri, from);
            let Some(g) = self.global.as_mut() else { return };
            let Some(view) = g.views[d as usize][ri].get_mut(c as usize) else { continue };
            if alive == view.0 {
                view.1 = 0;
            } else {
                view.1 += 1;
                if view.1 >= check.threshold {
                    *view = (alive, 0);
                }
            }
            self.refresh_record(d as usize, ri);
        }
        let next = self.now + check.interval_ns;
        if next < plan.duration_ns {
            self.schedule(next, Kind::DnsCheck, d, c);
        }
    }

    /// Recomputes record `ri`'s health from its checkers' views (and its target's health), and
    /// logs a change.
    fn refresh_record(&mut self, d: usize, ri: usize) {
        let plan = self.plan;
        let Some(r) = plan.dns.get(d).and_then(|x| x.records.get(ri)) else { return };
        let evaluate_ok = !r.evaluate || self.target_alive(d, ri, None);
        let Some(g) = self.global.as_mut() else { return };
        let views = &g.views[d][ri];
        let checked_ok = !r.checked
            || views.is_empty()
            || views.iter().filter(|v| v.0).count() as f64 / views.len() as f64 > crate::model::global::HEALTHY_SHARE;
        let off = g.controlled_off[d].get(ri).copied().unwrap_or(false);
        let healthy = checked_ok && (!r.evaluate || evaluate_ok) && !off;
        if g.healthy[d][ri] != healthy {
            g.healthy[d][ri] = healthy;
            self.rec.log(self.now, Logged::RecordHealth(d as u32, ri as u32, healthy));
        }
    }

    /// An action sets record `ri` of DNS name `d`'s routing control: off makes it unhealthy at
    /// once; on lets its health checks decide again.
    pub(super) fn set_routing_control(&mut self, d: u32, ri: u32, on: bool) {
        let Some(slot) = self.global.as_mut().and_then(|g| g.controlled_off.get_mut(d as usize)?.get_mut(ri as usize))
        else {
            return;
        };
        *slot = !on;
        self.refresh_record(d as usize, ri as usize);
    }

    /// Records that evaluate their target's health see it at once: refreshed whenever a fault
    /// starts or ends.
    pub(super) fn refresh_evaluated_records(&mut self) {
        let plan = self.plan;
        for (d, dns) in plan.dns.iter().enumerate() {
            for (ri, r) in dns.records.iter().enumerate() {
                if r.evaluate {
                    self.refresh_record(d, ri);
                }
            }
        }
    }

    /// The answer population `p` (user `user`) gets from DNS name `d` now.
    pub(super) fn resolve(&mut self, p: u32, user: u32, d: u32) -> Answer {
        let plan = self.plan;
        let Some(dns) = plan.dns.get(d as usize) else { return Answer::Unreachable };
        let pop_region = plan.pops.get(p as usize).and_then(|x| x.region);
        let now = self.now;
        let Some(g) = self.global.as_mut() else { return Answer::Unreachable };
        let base = plan.pops.get(p as usize).map_or(p, |x| x.base) as usize;
        let Some((caches, sticky)) = g.caches.get(base) else { return Answer::Unreachable };
        let sticky = *sticky;
        let n = caches.len().max(1) as u32;
        let slot = user % n;
        let record = match caches.get(slot as usize).copied().flatten() {
            Some(c) if c.expires > now => Some(c.record),
            _ => {
                if self.rec.in_window(now)
                    && let Some(q) = self.rec.dns_queries.get_mut(d as usize)
                {
                    *q += 1;
                }
                let chosen = choose(dns, &g.healthy[d as usize], pop_region, plan, &mut g.dns_rng[d as usize]);
                // Which caches ignore the TTL: a share of them, spread over the slots.
                let ignores = mix64(u64::from(slot)) % u64::from(n) < u64::from(sticky);
                let expires = if ignores { u64::MAX } else { now.saturating_add(dns.ttl_ns) };
                if let (Some(rec), Some(c)) = (chosen, g.caches[base].0.get_mut(slot as usize)) {
                    *c = Some(Cached { record: rec, expires });
                }
                chosen
            }
        };
        let Some(r) = record.and_then(|i| dns.records.get(i as usize)) else { return Answer::Unreachable };
        if self.region_cut(pop_region, r.region) {
            return Answer::Unreachable;
        }
        let (hop, link) = (r.hop, r.link);
        let region_ns = plan.half_rtt(pop_region, r.region) + self.region_slowdown(pop_region, r.region);
        Answer::To { hop, link, region_ns }
    }

    /// The extra one-way latency of a degraded network between regions `a` and `b`, if any.
    fn region_slowdown(&mut self, a: Option<u16>, b: Option<u16>) -> u64 {
        let (Some(a), Some(b)) = (a, b) else { return 0 };
        let n = self.plan.regions.len();
        let faults = match self.global.as_ref().and_then(|g| g.region_slow.get(a as usize * n + b as usize)) {
            Some(f) if !f.is_empty() && a != b => f.clone(),
            _ => return 0,
        };
        self.latency_of(&faults)
    }

    /// A region fault's markers changed: the counts of down faults on each region and region
    /// pair, from the faults in force; a primary whose region went down is lost, one whose region
    /// came back takes writes again.
    pub(super) fn refresh_regions(&mut self, down: Vec<u32>, cut: Vec<u32>, slow: Vec<Vec<u32>>) {
        let plan = self.plan;
        let Some(g) = self.global.as_mut() else { return };
        let before = std::mem::replace(&mut g.region_down, down);
        g.region_cut = cut;
        g.region_slow = slow;
        for (s, sp) in plan.stores.iter().enumerate() {
            let Some(g) = self.global.as_ref() else { return };
            let st = &g.stores[s];
            let Some(Some(region)) = sp.copies.get(st.primary).copied() else { continue };
            let (was, is) = (before[region as usize] > 0, g.region_down[region as usize] > 0);
            if !was && is && st.available {
                self.primary_lost(s as u32);
            } else if was && !is && !st.available {
                // The region is back before any promotion or restore: its primary never lost
                // its data.
                if let Some(g) = self.global.as_mut() {
                    g.stores[s].available = true;
                }
                self.rec.log(self.now, Logged::StoreBack(s as u32));
            }
        }
        self.refresh_evaluated_records();
    }

    /// Store `s`'s primary is lost now: writes fail; a replica is promoted, or the store restored
    /// from its last backup, when configured; the writes that recovery loses are counted.
    fn primary_lost(&mut self, s: u32) {
        let plan = self.plan;
        let Some(sp) = plan.stores.get(s as usize) else { return };
        let now = self.now;
        let Some(g) = self.global.as_mut() else { return };
        let st = &mut g.stores[s as usize];
        st.available = false;
        if let Some((detect, promote)) = sp.promotion {
            // Committed at the primary, not yet at the replica promoted: lost.
            let lost: Vec<u64> = st.pending.iter().filter(|&&(c, r)| c <= now && r > now).map(|&(c, _)| c).collect();
            let oldest = lost.iter().min().map_or(0, |&c| now - c);
            self.rec.log(
                now,
                Logged::StoreLost(s, lost.len() as u32, (oldest / 1_000_000).min(u64::from(u32::MAX)) as u32),
            );
            self.schedule(now + detect + promote, Kind::StoreRecovered, s, 1);
        } else if let Some((every, restore)) = sp.backups {
            let (count, first) = if st.backup_period == now / every { st.since_backup } else { (0, 0) };
            let age = if count > 0 { now - first } else { 0 };
            self.rec.log(now, Logged::StoreLost(s, count.min(u64::from(u32::MAX)) as u32, (age / 1_000_000) as u32));
            self.schedule(now + restore, Kind::StoreRecovered, s, 0);
        } else {
            self.rec.log(now, Logged::StoreDown(s));
        }
    }

    /// Store `s` takes writes again: a replica promoted (`promoted`), or restored from a backup.
    pub(super) fn on_store_recovered(&mut self, s: u32, promoted: bool) {
        let plan = self.plan;
        let Some(sp) = plan.stores.get(s as usize) else { return };
        let Some(g) = self.global.as_ref() else { return };
        if g.stores[s as usize].available {
            // The primary's region came back before the recovery finished: it never lost its
            // data, and nothing is promoted or restored.
            return;
        }
        let down = |c: usize| sp.copies.get(c).copied().flatten().is_some_and(|r| g.region_down[r as usize] > 0);
        let old = g.stores[s as usize].primary;
        let primary = if promoted {
            // The nearest live replica to the old primary.
            let from = sp.copies.get(old).copied().flatten();
            (1..sp.replicas_end).filter(|&c| c != old && !down(c)).min_by_key(|&c| plan.half_rtt(from, sp.copies[c]))
        } else {
            (!down(old)).then_some(old).or_else(|| (0..sp.copies.len()).find(|&c| !down(c)))
        };
        let Some(primary) = primary else {
            // Nowhere to recover to: writes keep failing until the region is back.
            return;
        };
        if let Some(g) = self.global.as_mut() {
            let st = &mut g.stores[s as usize];
            st.primary = primary;
            st.available = true;
            st.pending.clear();
        }
        self.rec.log(self.now, Logged::StoreRecovered(s));
    }

    /// The data-store call of request `r` served by service `svc` for `d` ns from now: returns
    /// the time the call adds, and whether it fails (a write while no primary takes writes).
    pub(super) fn store_call(&mut self, svc: u32, d: u64) -> (u64, bool) {
        let plan = self.plan;
        let Some(Some(call)) = plan.svc_store.get(svc as usize) else { return (0, false) };
        let Some(sp) = plan.stores.get(call.store as usize) else { return (0, false) };
        let now = self.now;
        let Some(g) = self.global.as_mut() else { return (0, false) };
        let rng = &mut g.store_rng[call.store as usize];
        let write = rng.chance(sp.write_share);
        let n = plan.regions.len();
        let cut = |c: usize| match (call.region, sp.copies.get(c).copied().flatten()) {
            (Some(a), Some(b)) => a != b && g.region_cut.get(a as usize * n + b as usize).is_some_and(|&x| x > 0),
            _ => false,
        };
        let down =
            |c: usize| sp.copies.get(c).copied().flatten().is_some_and(|r| g.region_down[r as usize] > 0) || cut(c);
        let st = &g.stores[call.store as usize];
        if !write {
            // The nearest live copy (a restored store is one).
            let holds = |c: usize| c < sp.replicas_end || (c == st.primary && st.available);
            let near = (0..sp.copies.len()).filter(|&c| holds(c) && !down(c)).min_by_key(|&c| call.half_rtt_ns[c]);
            return match near {
                Some(c) => (sp.read.sample(rng) + 2 * call.half_rtt_ns[c], false),
                None => (0, true),
            };
        }
        if !st.available {
            return (0, true);
        }
        if self.rec.in_window(now)
            && let Some(w) = self.rec.store_writes.get_mut(call.store as usize)
        {
            *w += 1;
        }
        let primary = st.primary;
        let mut t = sp.write.sample(rng) + 2 * call.half_rtt_ns[primary];
        if sp.sync {
            let from = sp.copies[primary];
            let farthest = (0..sp.replicas_end)
                .filter(|&c| c != primary && !down(c))
                .map(|c| 2 * plan.half_rtt(from, sp.copies[c]))
                .max();
            t += farthest.unwrap_or(0);
        }
        let commit = now + d + t;
        let lag = sp.lag.as_ref().map(|l| l.sample(rng));
        let st = &mut g.stores[call.store as usize];
        if let Some(lag) = lag {
            while st.pending.front().is_some_and(|&(_, r)| r <= now) {
                st.pending.pop_front();
            }
            st.pending.push_back((commit, commit + lag));
        }
        if let Some((every, _)) = sp.backups {
            let period = commit / every;
            if st.backup_period != period {
                st.backup_period = period;
                st.since_backup = (0, commit);
            }
            st.since_backup.0 += 1;
        }
        (t, false)
    }
}

/// The record a lookup answers, by the name's routing policy and its records' health.
fn choose(
    dns: &crate::sim::plan::DnsPlan,
    healthy: &[bool],
    client: Option<u16>,
    plan: &Plan,
    rng: &mut Stream,
) -> Option<u32> {
    let records = &dns.records;
    let ok = |i: usize| healthy.get(i).copied().unwrap_or(true);
    let pick = |v: Vec<usize>| v.first().map(|&i| i as u32);
    match dns.routing {
        DnsRouting::Simple => (!records.is_empty()).then_some(0),
        DnsRouting::Failover => {
            let of = |role| records.iter().position(|r| r.role == role);
            let (p, s) = (of(RecordRole::Primary), of(RecordRole::Secondary));
            match (p, s) {
                (Some(p), _) if ok(p) => Some(p as u32),
                (Some(_), Some(s)) if ok(s) => Some(s as u32),
                // Both unhealthy: Route 53 answers as if both were healthy.
                (Some(p), _) => Some(p as u32),
                (None, s) => s.map(|s| s as u32),
            }
        }
        DnsRouting::Weighted => {
            let healthy_ones: Vec<usize> = (0..records.len()).filter(|&i| ok(i) && records[i].weight > 0.0).collect();
            let pool = if healthy_ones.is_empty() {
                (0..records.len()).filter(|&i| records[i].weight > 0.0).collect()
            } else {
                healthy_ones
            };
            let total: f64 = pool.iter().map(|&i| records[i].weight).sum();
            let mut u = rng.unit() * total;
            for &i in &pool {
                u -= records[i].weight;
                if u < 0.0 {
                    return Some(i as u32);
                }
            }
            pool.last().map(|&i| i as u32)
        }
        DnsRouting::Latency => {
            let by_rtt = |v: Vec<usize>| v.into_iter().min_by_key(|&i| plan.half_rtt(client, records[i].region));
            let healthy_ones: Vec<usize> = (0..records.len()).filter(|&i| ok(i)).collect();
            if healthy_ones.is_empty() {
                by_rtt((0..records.len()).collect()).map(|i| i as u32)
            } else {
                by_rtt(healthy_ones).map(|i| i as u32)
            }
        }
        DnsRouting::Geolocation => {
            let located = (0..records.len())
                .filter(|&i| ok(i) && client.is_some_and(|c| records[i].locations.contains(&c)))
                .collect();
            pick(located)
                .or_else(|| pick((0..records.len()).filter(|&i| ok(i) && records[i].locations.is_empty()).collect()))
        }
    }
}
