//! Envoy's resilience policies in the engine: outlier detection (hosts ejected from a pool after
//! failures, back after a growing ejection time, checked at interval sweeps), circuit breakers (a
//! cluster's requests, connections and pending queue capped; overflow answered 503 at once) and
//! router retries (a failed attempt retried as a fresh pick after a jittered backoff).

use super::{Kind, NONE32, Simulation};
use crate::metrics::Outcome;
use crate::policy::breaker::{BreakerState, Overflow};
use crate::policy::retry::BackoffState;
use crate::sim::time::NS_PER_S;

/// Breaker bits of a request.
pub(super) const HOLDS_REQUEST: u8 = 1;
pub(super) const HOLDS_CONN: u8 = 2;
pub(super) const HOLDS_RETRY: u8 = 4;

/// How long outlier sweeps go on after arrivals stop.
const SWEEPS_AFTER_END_NS: u64 = 30 * NS_PER_S;

impl Simulation<'_> {
    /// Admits request `r` to pool `p` of balancer `b` (the breaker's `max_requests`, once per
    /// request), then connects it or queues it; overflow is answered 503 at once.
    pub(super) fn admit(&mut self, b: u32, p: u16, r: u32) {
        let Some(breaker) = self.lbp(b).breaker.as_ref() else {
            return self.pick_and_send(b, p, r);
        };
        let state = &mut self.lbs[b as usize][p as usize].breaker;
        let req = &mut self.reqs[r as usize];
        if req.bk & HOLDS_REQUEST == 0 {
            if breaker.try_request(state).is_err() {
                self.rec.node_rejected(self.lbp(b).node, self.now);
                self.failed_via(r);
                // Envoy's router picks the host first; its connection pool then finds the
                // cluster's breaker full (source/common/conn_pool/conn_pool_base.cc fn
                // `ConnPoolImplBase::newStreamImpl`): the refused request used up a pick.
                self.choose(b, p, r);
                return self.overloaded(r);
            }
            req.bk |= HOLDS_REQUEST;
            req.bk_lb = b;
            req.bk_pool = p;
        }
        self.connect_or_queue(b, p, r);
    }

    /// With a breaker: a connection if one is free, else a place in the pending queue, else 503.
    pub(super) fn connect_or_queue(&mut self, b: u32, p: u16, r: u32) {
        let Some(breaker) = self.lbp(b).breaker.as_ref() else {
            return self.pick_and_send(b, p, r);
        };
        let pool = &mut self.lbs[b as usize][p as usize];
        if breaker.try_connection(&mut pool.breaker).is_ok() {
            self.reqs[r as usize].bk |= HOLDS_CONN;
            return self.pick_and_send(b, p, r);
        }
        if breaker.try_pending(&mut pool.breaker).is_ok() {
            pool.pending.push_back(r);
            return;
        }
        self.rec.node_rejected(self.lbp(b).node, self.now);
        self.failed_via(r);
        // As above: the host was chosen before the pool overflowed.
        self.choose(b, p, r);
        self.overloaded(r);
    }

    /// The circuit breaker turned `r` away: 503 (`x-envoy-overloaded`).
    fn overloaded(&mut self, r: u32) {
        self.reqs[r as usize].status = Overflow::Requests.status();
        self.end_journey(r, Outcome::Overloaded);
    }

    /// Request `r` gave its connection back: the first pending request of the pool takes it.
    pub(super) fn release_connection(&mut self, r: u32) {
        let req = &mut self.reqs[r as usize];
        if req.bk & HOLDS_CONN == 0 {
            return;
        }
        req.bk &= !HOLDS_CONN;
        let (b, p) = (req.bk_lb, req.bk_pool);
        let Some(breaker) =
            self.stints.get(b as usize).and_then(|st| self.plan.balancers[st.0 as usize].breaker.as_ref())
        else {
            return;
        };
        let pool = &mut self.lbs[b as usize][p as usize];
        breaker.release(&mut pool.breaker, Overflow::Connections);
        if let Some(next) = pool.pending.pop_front() {
            breaker.release(&mut pool.breaker, Overflow::Pending);
            if breaker.try_connection(&mut pool.breaker).is_ok() {
                self.reqs[next as usize].bk |= HOLDS_CONN;
                self.pick_and_send(b, p, next);
            }
        }
    }

    /// Request `r`'s journey is over: everything it held on a breaker is given back.
    pub(super) fn release_breaker(&mut self, r: u32) {
        self.release_connection(r);
        let req = &mut self.reqs[r as usize];
        let held = req.bk;
        req.bk = 0;
        let Some(breaker) =
            self.stints.get(req.bk_lb as usize).and_then(|st| self.plan.balancers[st.0 as usize].breaker.as_ref())
        else {
            return;
        };
        let state: &mut BreakerState = &mut self.lbs[req.bk_lb as usize][req.bk_pool as usize].breaker;
        if held & HOLDS_REQUEST != 0 {
            breaker.release(state, Overflow::Requests);
        }
        if held & HOLDS_RETRY != 0 {
            breaker.release(state, Overflow::Retries);
        }
    }

    /// Outlier detection learns how the host of request `r` answered (`status`; 503 for a refused
    /// connection, as Envoy maps connect failures).
    #[inline]
    pub(super) fn record_outlier(&mut self, r: u32, status: u16) {
        let req = &self.reqs[r as usize];
        let (b, p, pos) = (req.lb, req.pool, req.pool_pos as usize);
        let Some(pool) = self.lbs.get_mut(b as usize).and_then(|l| l.get_mut(p as usize)) else { return };
        let Some(detector) = pool.outlier.as_mut() else { return };
        let event = detector.record(pos, status, self.now, &mut self.lb_rngs[self.stints[b as usize].1 as usize]);
        if event == crate::policy::outlier::OutlierEvent::Ejected {
            pool.ejected[pos] = true;
        }
    }

    /// Outlier detectors of sweep slots `from..` follow the instances that run and are ready now
    /// (Envoy's host set: a pod starting, failing readiness or stopped is no endpoint; a host
    /// refusing connections in an outage still is). Called when instances start or stop; nothing
    /// to do without outlier detection.
    pub(super) fn sync_host_sets(&mut self, from: usize) {
        for slot in from..self.sweep_slots.len() {
            let (b, p) = self.sweep_slots[slot];
            let Some(&(variant, _)) = self.stints.get(b as usize) else { continue };
            let plan = self.plan;
            let members = &plan.balancers[variant as usize].pools[p as usize];
            let pool = &mut self.lbs[b as usize][p as usize];
            let Some(detector) = pool.outlier.as_mut() else { continue };
            for (pos, m) in members.iter().enumerate() {
                if detector.set_in_host_set(pos, self.stations[m.station as usize].active) {
                    // A host that left takes its ejection with it; one that joins is fresh.
                    pool.ejected[pos] = false;
                }
            }
        }
    }

    /// Schedules the first outlier sweep of every pool with outlier detection, one interval after
    /// the start (the sweep phase is anchored to Envoy's start).
    pub(super) fn schedule_sweeps(&mut self) {
        self.schedule_sweeps_from(0);
    }

    /// Schedules the first sweep of the sweep slots from `first` on (a new stint's), one interval
    /// from now.
    pub(super) fn schedule_sweeps_from(&mut self, first: usize) {
        for slot in first..self.sweep_slots.len() {
            let (b, _) = self.sweep_slots[slot];
            if let Some(cfg) = &self.lbp(b).outlier {
                self.schedule(self.now + cfg.interval_ns, Kind::Sweep, slot as u32, 0);
            }
        }
    }

    /// One outlier sweep: hosts whose ejection time is over come back, and the success-rate
    /// detector ejects the hosts it finds (the pool follows the detector's state).
    pub(super) fn on_sweep(&mut self, slot: u32) {
        let Some(&(b, p)) = self.sweep_slots.get(slot as usize) else { return };
        let Some(interval) = self.lbp(b).outlier.as_ref().map(|c| c.interval_ns) else { return };
        let rng = self.stints[b as usize].1 as usize;
        let pool = &mut self.lbs[b as usize][p as usize];
        let ejected = &mut pool.ejected;
        if let Some(detector) = pool.outlier.as_mut() {
            detector.on_interval(self.now, &mut self.lb_rngs[rng], |host| {
                if let Some(e) = ejected.get_mut(host) {
                    *e = false;
                }
            });
            for (i, e) in ejected.iter_mut().enumerate() {
                *e = detector.host(i).is_some_and(|h| h.ejected);
            }
        }
        let next = self.now + interval;
        if next < self.plan.duration_ns.saturating_add(SWEEPS_AFTER_END_NS) && self.stint_in_use(b) {
            self.schedule(next, Kind::Sweep, slot, 0);
        }
    }

    /// Envoy router retry of request `r`, whose attempt ended with `status` (0: the connection was
    /// refused). Returns false when the route does not retry it (no policy, not a retried
    /// condition, retries used up, or the breaker's `max_retries` reached).
    pub(super) fn router_retry(&mut self, r: u32, status: u16) -> bool {
        let req = self.reqs[r as usize];
        if req.gw == NONE32 {
            return false;
        }
        let Some(ri) = self.gw_route(req.gw, r).and_then(|route| route.retry) else { return false };
        let rp = &self.plan.retries[ri as usize];
        if u32::from(req.retries) >= rp.policy.num_retries || !rp.policy.retries(status) {
            return false;
        }
        if req.bk & HOLDS_RETRY == 0
            && let Some(breaker) =
                self.stints.get(req.bk_lb as usize).and_then(|st| self.plan.balancers[st.0 as usize].breaker.as_ref())
        {
            if breaker.try_retry(&mut self.lbs[req.bk_lb as usize][req.bk_pool as usize].breaker).is_err() {
                return false;
            }
            self.reqs[r as usize].bk |= HOLDS_RETRY;
        }
        let mut backoff =
            if req.retries == 0 { rp.backoff.start() } else { BackoffState { next_interval_ms: req.backoff_ms } };
        let base = self.plan.gateways[req.gw as usize].base as usize;
        let wait = rp.backoff.next_backoff_ns(&mut backoff, &mut self.gw_rng[base]);
        let back = req.back_gw;
        let req = &mut self.reqs[r as usize];
        req.retries += 1;
        req.backoff_ms = backoff.next_interval_ms;
        // The answer travels back to the gateway, which waits, then picks afresh.
        req.back_gw = 0;
        req.tried = 0;
        req.avoid = u32::MAX;
        req.lb = NONE32;
        let gw = req.gw;
        self.release_connection(r);
        self.schedule(self.now + back + wait, Kind::Redispatch, gw, r);
        true
    }
}
