//! Kubernetes HPA in the engine: every sync period the controller reads the utilisation of the
//! service's ready instances since the last sync, and the policy library's `Hpa` decides the
//! replica count (tolerance, `ceil(ratio x ready)`, scale-down stabilisation, scale-up limit). New
//! pods serve after the startup delay; removed ones stop taking requests and finish what they have.

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
    plan.services
        .iter()
        .map(|s| {
            let h = s.hpa.as_ref()?;
            Some(Autoscaler { hpa: Hpa::new(h.config.clone()).ok()?, last_sync: 0 })
        })
        .collect()
}

impl Simulation<'_> {
    /// Schedules every autoscaler's first sync, one period after the start.
    pub(super) fn schedule_autoscalers(&mut self) {
        for (s, svc) in self.plan.services.iter().enumerate() {
            if let Some(h) = &svc.hpa {
                self.schedule(h.config.sync_period_s * crate::sim::time::NS_PER_S, Kind::Autoscale, s as u32, 0);
            }
        }
    }

    /// One HPA sync of service `s`.
    pub(super) fn on_autoscale(&mut self, s: u32) {
        let svc = &self.plan.services[s as usize];
        let Some(h) = &svc.hpa else { return };
        let (first, n) = (svc.first_station, svc.instances);
        let mut busy = 0u128;
        let (mut ready, mut starting) = (0u32, 0u32);
        for k in first..first + n {
            self.touch_station(k);
            let st = &mut self.stations[k as usize];
            if st.active {
                ready += 1;
                busy += st.busy_acc;
            }
            starting += u32::from(st.starting);
            st.busy_acc = 0;
        }
        let now = self.now;
        let Some(a) = self.autoscalers[s as usize].as_mut() else { return };
        let period = now.saturating_sub(a.last_sync).max(1);
        a.last_sync = now;
        let conc = self.plan.stations.get(first as usize).map_or(1, |st| st.concurrency);
        let capacity = u128::from(ready) * u128::from(conc) * u128::from(period);
        let utilisation = if capacity == 0 { 0.0 } else { busy as f64 / capacity as f64 };
        let current = ready + starting;
        let ratio = if h.target > 0.0 { utilisation / h.target } else { 1.0 };
        let proposal = a.hpa.proposal(current, ready, ratio);
        let desired = a.hpa.reconcile(now, current, proposal).min(n);
        if desired > current {
            // Start pods on the lowest free instances; they serve after the startup delay.
            let mut to_start = desired - current;
            for k in first..first + n {
                let st = &mut self.stations[k as usize];
                if to_start > 0 && !st.active && !st.starting {
                    st.starting = true;
                    to_start -= 1;
                    self.schedule(now + h.startup_ns, Kind::InstanceReady, k, 0);
                }
            }
        } else if desired < current {
            // Remove pods from the highest instances, those still starting first.
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
        if now < self.plan.duration_ns {
            self.schedule(now + h.config.sync_period_s * crate::sim::time::NS_PER_S, Kind::Autoscale, s, 0);
        }
    }

    /// A started pod of station `k` is ready and takes requests.
    pub(super) fn on_instance_ready(&mut self, k: u32) {
        let st = &mut self.stations[k as usize];
        if !st.starting {
            return;
        }
        st.starting = false;
        st.active = true;
        let s = self.plan.stations[k as usize].service;
        self.record_replicas(s);
    }

    fn record_replicas(&mut self, s: u32) {
        let svc = &self.plan.services[s as usize];
        let running = (svc.first_station..svc.first_station + svc.instances)
            .filter(|&k| self.stations[k as usize].active)
            .count() as u32;
        self.rec.replicas(s, self.now, running);
    }
}
