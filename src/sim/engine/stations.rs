//! Service instances as queueing stations: concurrency slots, a bounded FIFO queue, service
//! times, and the accounting of busy and queue time. Faults on an instance (errors, added latency,
//! a slowdown, resource exhaustion) act here.

use super::{CRASHED, DONE, Kind, NONE, NONE32, STORE_FAILED, Simulation};
use crate::metrics::Outcome;

impl Simulation<'_> {
    pub(super) fn at_station(&mut self, k: u32, r: u32) {
        let svc = self.plan.stations[k as usize].service;
        self.rec.node_arrival(self.plan.services[svc as usize].node, self.now);
        self.enter_station(k, r);
    }

    pub(super) fn enter_station(&mut self, k: u32, r: u32) {
        let now = self.now;
        if self.stations[k as usize].down {
            return self.refused(k, r);
        }
        self.log_attempt(r, k, false);
        self.reqs[r as usize].at_station = k;
        let cfg = &self.plan.svc_cfgs[self.station_cfg[k as usize] as usize];
        let st = &self.stations[k as usize];
        let (busy, queued) = (st.busy, st.queue.len() as u32);
        self.reqs[r as usize].station_in = now;
        if busy < cfg.concurrency {
            self.rec.station_arrival(k, now, false);
            self.touch_station(k);
            self.stations[k as usize].busy += 1;
            self.start_service(k, r);
        } else if queued < cfg.queue_capacity {
            self.rec.station_arrival(k, now, false);
            self.touch_station(k);
            self.stations[k as usize].queue.push_back(r);
            if self.tl.is_some() && queued + 1 == cfg.queue_capacity {
                self.queue_filled(k);
            }
        } else {
            self.rec.station_arrival(k, now, true);
            self.failed_via(r);
            // The instance answered 503 itself: the host did answer.
            self.member_finished(r, true);
            self.record_outlier(r, 503);
            if !self.router_retry(r, 503) {
                self.end_journey(r, Outcome::QueueFull);
            }
        }
    }

    /// Accounts the station's state since its last change, before it changes now.
    #[inline]
    pub(super) fn touch_station(&mut self, k: u32) {
        let now = self.now;
        let st = &mut self.stations[k as usize];
        let (from, busy, queued) = (st.last_change, st.busy, st.queue.len() as u32);
        st.last_change = now;
        st.busy_acc += u128::from(busy) * u128::from(now - from);
        let svc = self.plan.stations[k as usize].service;
        self.rec.station_state(k, svc, from, now, busy, queued);
    }

    pub(super) fn start_service(&mut self, k: u32, r: u32) {
        let arrived = self.reqs[r as usize].station_in;
        self.rec.station_start(k, arrived, self.now);
        let cfg = self.station_cfg[k as usize] as usize;
        let svc = self.plan.stations[k as usize].service as usize;
        let given = self.reqs[r as usize].service_ns;
        let mut d =
            if given != NONE { given } else { self.plan.svc_cfgs[cfg].service_time.sample(&mut self.svc_rng[svc]) };
        if self.tl.is_some() {
            d = self.station_service_time(k, d);
            self.serving_started(k, r);
        }
        if self.stations[k as usize].cold {
            d += self.cold_start(k);
        }
        if self.global.is_some() {
            let (call, failed) = self.store_call(svc as u32, d);
            d += call;
            if failed {
                self.reqs[r as usize].flags |= STORE_FAILED;
            }
        }
        self.schedule(self.now + d, Kind::Done, k, r);
    }

    pub(super) fn on_done(&mut self, k: u32, r: u32) {
        let req = &self.reqs[r as usize];
        if req.stale > 0 && req.at_station != k {
            return self.stale_done(k, r);
        }
        self.reqs[r as usize].at_station = NONE32;
        if self.reqs[r as usize].flags & CRASHED != 0 {
            // Its instance crashed while serving it (the station's counts were reset then).
            let s = self.plan.stations[k as usize].service;
            if self.is_function(s) {
                self.function_lost(s, k);
            }
            return self.crashed_in_service(r);
        }
        self.touch_station(k);
        let cfg = &self.plan.svc_cfgs[self.station_cfg[k as usize] as usize];
        let svc = self.plan.stations[k as usize].service as usize;
        let mut status = self.trace_answer(r, k);
        if status == 0 {
            status = 200;
            if !cfg.answers.is_empty() {
                let instance = k - self.plan.services[svc].first_station;
                let rng = &mut self.svc_err_rng[svc];
                if let Some(a) = cfg
                    .answers
                    .iter()
                    .find(|a| a.instance.is_none_or(|i| i == instance) && (a.share >= 1.0 || rng.chance(a.share)))
                {
                    status = a.status;
                }
            }
            if status == 200 && cfg.error_rate > 0.0 && self.svc_err_rng[svc].chance(cfg.error_rate) {
                status = 500;
            }
        }
        if self.tl.is_some() {
            if let Some(fault_status) = self.station_error(k) {
                status = fault_status;
            }
            self.serving_ended(k, r);
        }
        if self.reqs[r as usize].flags & STORE_FAILED != 0 && status == 200 {
            status = 503;
        }
        if let Some(next) = self.stations[k as usize].queue.pop_front() {
            if self.tl.is_some() && self.stations[k as usize].queue.is_empty() {
                self.queue_drained(k);
            }
            self.start_service(k, next);
        } else {
            self.stations[k as usize].busy -= 1;
            if self.is_function(svc as u32) {
                self.function_freed(svc as u32, k);
            }
        }
        if status >= 500 {
            self.rec.node_answered_5xx(self.plan.services[svc].node, self.now);
        }
        if status != 200 && self.next_upstream_on_status(r, status) {
            return;
        }
        self.member_finished(r, true);
        self.record_outlier(r, status);
        if status != 200 {
            self.rec.station_failed(k, self.now);
            self.failed_via(r);
            if self.router_retry(r, status) {
                return;
            }
            // The backend's own answer reaches the client: it is attributed to it.
            self.log_backend(r, k);
            self.reqs[r as usize].status = status;
            return self.end_journey(r, Outcome::ServerError);
        }
        self.log_backend(r, k);
        self.end_journey(r, Outcome::Success);
    }

    /// An attempt NGINX gave up on (`proxy_read_timeout`) ends at station `k`: the instance is
    /// free again, nobody hears the answer; the last such attempt of a finished request frees
    /// its slot.
    fn stale_done(&mut self, k: u32, r: u32) {
        if self.reqs[r as usize].flags & CRASHED != 0 {
            // Its instance crashed meanwhile (the station's counts were reset then).
            self.reqs[r as usize].flags &= !CRASHED;
        } else {
            self.touch_station(k);
            if self.tl.is_some() {
                self.serving_ended(k, r);
            }
            if let Some(next) = self.stations[k as usize].queue.pop_front() {
                if self.tl.is_some() && self.stations[k as usize].queue.is_empty() {
                    self.queue_drained(k);
                }
                self.start_service(k, next);
            } else {
                let st = &mut self.stations[k as usize];
                st.busy = st.busy.saturating_sub(1);
                let svc = self.plan.stations[k as usize].service;
                if self.is_function(svc) {
                    self.function_freed(svc, k);
                }
            }
        }
        let req = &mut self.reqs[r as usize];
        req.stale = req.stale.saturating_sub(1);
        if req.stale == 0 && req.flags & DONE != 0 {
            self.release(r);
        }
    }
}
