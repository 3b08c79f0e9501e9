//! Client populations: arrivals, sending, client timeouts and retries, and where every attempt's
//! outcome is recorded.

use super::{Kind, Req, Simulation, Timer, hop_event};
use crate::metrics::Outcome;
use crate::model::ArrivalProcess;

impl Simulation<'_> {
    /// The first arrival of population `p` strictly after `t`, if before the end of the run.
    pub(super) fn next_arrival(&mut self, p: u32, mut t: u64) -> Option<u64> {
        let pop = &self.plan.pops[p as usize];
        let rng = &mut self.pop_arrivals[p as usize];
        let end = self.plan.duration_ns;
        while t < end {
            let (seg_end, max_rate, constant) = pop.traffic.segment(t);
            if max_rate <= 0.0 {
                t = seg_end;
                continue;
            }
            let gap = match pop.arrivals {
                ArrivalProcess::Poisson => rng.exp(1e9 / max_rate),
                ArrivalProcess::Deterministic => 1e9 / pop.traffic.rate_at(t).max(f64::MIN_POSITIVE),
            };
            let cand = t.saturating_add((gap.round() as u64).max(1));
            if cand >= seg_end {
                // Memoryless: restart at the segment edge with the next segment's rate.
                t = seg_end;
                continue;
            }
            if constant
                || pop.arrivals == ArrivalProcess::Deterministic
                || rng.unit() * max_rate <= pop.traffic.rate_at(cand)
            {
                return (cand < end).then_some(cand);
            }
            t = cand;
        }
        None
    }

    pub(super) fn on_arrival(&mut self, p: u32) {
        let now = self.now;
        if let Some(t) = self.next_arrival(p, now) {
            self.schedule(t, Kind::Arrival, p, 0);
        }
        let pop = &self.plan.pops[p as usize];
        let rng = &mut self.pop_choice[p as usize];
        let user = match &pop.zipf {
            Some(z) => z.sample(rng),
            None => rng.below(pop.users),
        };
        let routing = if pop.routes.len() == 1 {
            pop.routes[0].1
        } else {
            let u = rng.unit();
            pop.routes.iter().find(|r| u < r.0).or(pop.routes.last()).map_or(0, |r| r.1)
        };
        let r = self.alloc(Req { pop: p, user, routing: u32::from(routing), created: now, ..Req::new() });
        self.send(p, r);
    }

    /// Population `p` sends request `r` now: to one of its targets (drawn by weight), arming the
    /// client's timeout.
    pub(super) fn send(&mut self, p: u32, r: u32) {
        let pop = &self.plan.pops[p as usize];
        self.rec.node_arrival(pop.node, self.now);
        let shifted = if self.tl.is_some() { self.shifted_target(p) } else { None };
        let target = if let Some(t) = shifted {
            pop.targets.get(t as usize).copied()
        } else if pop.targets.len() == 1 {
            pop.targets.first().copied()
        } else {
            let u = self.pop_choice[p as usize].unit();
            pop.targets.iter().find(|t| u < t.0).or(pop.targets.last()).copied()
        };
        if let Some(q) = pop.retry.as_ref().and_then(|rp| rp.timer) {
            let deadline = self.now + self.plan.timeouts_ns[q as usize];
            let req = &mut self.reqs[r as usize];
            req.client_deadline = deadline;
            let generation = req.generation;
            let key = self.next_key(deadline);
            self.timers[q as usize].push_back(Timer { key, req: r, generation, client: true });
        }
        match target {
            Some((_, crate::sim::plan::Hop::Dns(d), _)) => {
                let user = self.reqs[r as usize].user;
                match self.resolve(p, user, d) {
                    super::global::Answer::To { hop, link, region_ns } => {
                        let (kind, a) = hop_event(hop);
                        self.cross_with(r, link, 0, region_ns, kind, a);
                    }
                    super::global::Answer::Unreachable => self.end_journey(r, Outcome::Unreachable),
                }
            }
            Some((_, hop, link)) => {
                let (kind, a) = hop_event(hop);
                self.cross(r, link, 0, kind, a);
            }
            None => self.end_journey(r, Outcome::NoUpstream),
        }
    }

    /// Records request `r`'s outcome as its client sees it at `answered`; a client with a retry
    /// policy tries again after its backoff, and only a final failure impacts the user.
    pub(super) fn settle(&mut self, r: u32, outcome: Outcome, answered: u64, status: u16) {
        let req = self.reqs[r as usize];
        let retried = outcome.is_failure() && self.client_retry(&req, answered, status);
        let scopes =
            if self.tl.is_some() { self.routings.get(req.routing as usize).map_or(0, |x| x.scopes) } else { 0 };
        self.rec.outcome(req.pop, req.user, req.created, answered, outcome, status, !retried, scopes, req.routing);
        self.log_outcome(r, outcome, answered);
    }

    /// Schedules the next attempt of `req`'s user, if its population retries this failure.
    fn client_retry(&mut self, req: &Req, answered: u64, status: u16) -> bool {
        let Some(rp) = self.plan.pops.get(req.pop as usize).and_then(|p| p.retry.as_ref()) else { return false };
        let attempt = u32::from(req.attempt) + 1;
        if attempt >= rp.policy.max_attempts || !rp.policy.retries(status) {
            return false;
        }
        let sleep = match &rp.backoff {
            Some(b) => b.sleep_ns(
                attempt - 1,
                (req.attempt > 0).then_some(req.slept_ns),
                &mut self.pop_retry[req.pop as usize],
            ),
            None => {
                let base = rp.policy.base_ms.saturating_mul(1_000_000);
                base.saturating_mul(1u64 << (attempt - 1).min(62)).min(rp.policy.cap_ms.saturating_mul(1_000_000))
            }
        };
        let at = answered.max(self.now) + sleep;
        if at >= self.plan.duration_ns {
            return false;
        }
        let next = Req {
            pop: req.pop,
            user: req.user,
            routing: req.routing,
            created: at,
            attempt: req.attempt + 1,
            slept_ns: sleep,
            ..Req::new()
        };
        let n = self.alloc(next);
        self.schedule(at, Kind::ClientSend, req.pop, n);
        true
    }
}
