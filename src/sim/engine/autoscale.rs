//! Kubernetes HPA in the engine: every sync period the controller reads the utilisation of the
//! service's ready instances since the last sync, and the policy library's `Hpa` decides the
//! replica count (tolerance, `ceil(ratio x ready)`, scale-down stabilisation, scale-up limit). New
//! pods serve after the startup delay; removed ones stop taking requests and finish what they have.
//! Timeline changes and scale actions start and stop instances the same way ([`Simulation::set_running`]).

use super::{Kind, Simulation};
use crate::policy::autoscale::Hpa;
use crate::sim::plan::Plan;

/// Autoscaler state of one service.
#[derive(Clone, Debug)]
pub(super) struct Autoscaler {
    hpa: Hpa,
    /// When the last sync read the busy time.
    last_sync: u64,
}

/// One autoscaler per autoscaled service (`None` for the others).
pub(super) fn autoscalers(plan: &Plan) -> Vec<Option<Autoscaler>> {
    plan.svc_cfgs.iter().take(plan.services.len()).map(|c| autoscaler(c.hpa.as_ref())).collect()
}

fn autoscaler(h: Option<&crate::sim::plan::HpaPlan>) -> Option<Autoscaler> {
    Some(Autoscaler { hpa: Hpa::new(h?.config.clone()).ok()?, last_sync: 0 })
}

impl Simulation<'_> {
    /// Schedules every autoscaler's first sync, one period after the start.
    pub(super) fn schedule_autoscalers(&mut self) {
        for s in 0..self.plan.services.len() {
            if let Some(h) = &self.plan.svc_cfgs[s].hpa {
                self.schedule(h.config.sync_period_s * crate::sim::time::NS_PER_S, Kind::Autoscale, s as u32, 0);
            }
        }
    }

    /// The service's configuration changed: a new or changed HPA starts afresh (its first sync one
    /// period from now), a removed one stops.
    pub(super) fn reconfigure_autoscaler(&mut self, s: u32) {
        let cfg = &self.plan.svc_cfgs[self.svc_live[s as usize] as usize];
        let same = match (&self.autoscalers[s as usize], &cfg.hpa) {
            (Some(a), Some(h)) => a.hpa.config() == &h.config,
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        let was_running = self.autoscalers[s as usize].is_some();
        self.autoscalers[s as usize] = autoscaler(cfg.hpa.as_ref()).map(|mut a| {
            a.last_sync = self.now;
            a
        });
        if let (Some(h), false) = (&cfg.hpa, was_running) {
            self.schedule(self.now + h.config.sync_period_s * crate::sim::time::NS_PER_S, Kind::Autoscale, s, 0);
        }
    }

    /// One HPA sync of service `s`.
    pub(super) fn on_autoscale(&mut self, s: u32) {
        let svc = &self.plan.services[s as usize];
        let cfg = &self.plan.svc_cfgs[self.svc_live[s as usize] as usize];
        let Some(h) = &cfg.hpa else { return };
        let (first, n) = (svc.first_station, svc.instances);
        let mut busy = 0u128;
        let mut capacity_slots = 0u128;
        let (mut ready, mut starting) = (0u32, 0u32);
        for k in first..first + n {
            self.touch_station(k);
            let conc = self.plan.svc_cfgs[self.station_cfg[k as usize] as usize].concurrency;
            let st = &mut self.stations[k as usize];
            if st.active {
                ready += 1;
                busy += st.busy_acc;
                capacity_slots += u128::from(conc);
            }
            starting += u32::from(st.starting);
            st.busy_acc = 0;
        }
        let now = self.now;
        let Some(a) = self.autoscalers[s as usize].as_mut() else { return };
        let period = now.saturating_sub(a.last_sync).max(1);
        a.last_sync = now;
        let capacity = capacity_slots * u128::from(period);
        let utilisation = if capacity == 0 { 0.0 } else { busy as f64 / capacity as f64 };
        let current = ready + starting;
        let ratio = if h.target > 0.0 { utilisation / h.target } else { 1.0 };
        let proposal = a.hpa.proposal(current, ready, ratio);
        let desired = a.hpa.reconcile(now, current, proposal).min(n);
        self.set_running(s, desired, h.startup_ns);
        if now < self.plan.duration_ns {
            self.schedule(now + h.config.sync_period_s * crate::sim::time::NS_PER_S, Kind::Autoscale, s, 0);
        }
    }

    /// Runs `desired` instances of service `s`: new pods start on the lowest free instances and
    /// serve after `startup_ns`; removed ones (the highest, those still starting first) stop
    /// taking requests and finish what they hold.
    pub(super) fn set_running(&mut self, s: u32, desired: u32, startup_ns: u64) {
        let svc = &self.plan.services[s as usize];
        let (first, n) = (svc.first_station, svc.instances);
        let desired = desired.min(n);
        let current = (first..first + n)
            .filter(|&k| self.stations[k as usize].active || self.stations[k as usize].starting)
            .count() as u32;
        let now = self.now;
        if desired > current {
            let mut to_start = desired - current;
            for k in first..first + n {
                let st = &mut self.stations[k as usize];
                if to_start > 0 && !st.active && !st.starting {
                    to_start -= 1;
                    st.starting = true;
                    if startup_ns == 0 && !st.crashed {
                        self.on_instance_ready(k);
                    } else {
                        self.schedule(now + startup_ns, Kind::InstanceReady, k, 0);
                    }
                }
            }
            self.record_replicas(s);
        } else if desired < current {
            let mut to_stop = current - desired;
            for pass_starting in [true, false] {
                for k in (first..first + n).rev() {
                    let st = &mut self.stations[k as usize];
                    if to_stop > 0 && st.starting == pass_starting && (st.starting || st.active) {
                        st.starting = false;
                        st.active = false;
                        to_stop -= 1;
                    }
                }
            }
            self.record_replicas(s);
        }
    }

    /// A started pod of station `k` is ready and takes requests.
    /// A container with a readiness probe stays not ready until the probe passes.
    pub(super) fn on_instance_ready(&mut self, k: u32) {
        if !self.stations[k as usize].starting {
            return;
        }
        if self.container_started(k) {
            let st = &mut self.stations[k as usize];
            st.starting = false;
            st.active = true;
        }
        let s = self.plan.stations[k as usize].service;
        self.record_replicas(s);
    }

    /// Records how many instances (and slots) of service `s` run from now on.
    pub(super) fn record_replicas(&mut self, s: u32) {
        let svc = &self.plan.services[s as usize];
        let (mut running, mut slots, mut billed) = (0u32, 0u32, 0u32);
        for k in svc.first_station..svc.first_station + svc.instances {
            let st = &self.stations[k as usize];
            if st.active {
                running += 1;
                slots += self.plan.svc_cfgs[self.station_cfg[k as usize] as usize].concurrency;
            }
            billed += u32::from(st.active || st.starting);
        }
        self.rec.replicas(s, self.now, running, slots, billed);
        if !self.sweep_slots.is_empty() {
            self.sync_host_sets(0);
        }
    }
}
