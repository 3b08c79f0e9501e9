//! Kubernetes probes of container services (see `model::deploy`). Each container station runs
//! its liveness and readiness probes every period from its start (the pods running at time 0
//! each at their own phase). A probe fails when the instance refuses it (down, crashed), answers
//! 400 or more (an error fault), or answers later than the timeout (added latency). Failing
//! liveness `failures` times in a row has the container killed: it leaves the balancers at once,
//! the requests it holds finish (SIGTERM and the grace period), and it runs again after the
//! crash-loop back-off and `restart`; it then serves once ready. Failing readiness takes it out
//! of the balancers until `successes` probes in a row pass.
//!
//! A pod not ready (restarting, or failing readiness) is `starting` and not `active`: the
//! autoscaler counts it as a replica that is not ready, the balancers skip it, it is billed.

use super::{Kind, Simulation};
use crate::metrics::Logged;
use crate::sim::plan::{DeployPlan, Plan, ProbePlan};
use crate::sim::rng::mix64;
use crate::sim::time::NS_PER_S;

/// Kubernetes' crash-loop back-off: 10 s doubled per restart, at most 5 minutes, reset after 10
/// minutes without a restart
/// (<https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts>).
const BACKOFF_FIRST_NS: u64 = 10 * NS_PER_S;
const BACKOFF_MAX_NS: u64 = 300 * NS_PER_S;
const BACKOFF_RESET_NS: u64 = 600 * NS_PER_S;

/// Probe state of one station.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ProbeState {
    /// Bumped at each container start: probes of an earlier start are ignored.
    generation: u32,
    live_failures: u32,
    ready_failures: u32,
    ready_successes: u32,
    /// Not ready: out of the balancers until readiness passes.
    unready: bool,
    /// Killed, waiting for its restart.
    killed: bool,
    /// Restarts in the current back-off series.
    restarts: u32,
    /// When it last started running.
    started: u64,
}

/// Probe states, one per station (none at all when no service runs probed containers).
pub(super) fn states(plan: &Plan) -> Vec<ProbeState> {
    let any = plan.svc_cfgs.iter().any(|c| probes_of(&c.deploy).is_some());
    if any { vec![ProbeState::default(); plan.stations.len()] } else { Vec::new() }
}

/// The liveness and readiness probes of a deployment, if it is a container with any.
fn probes_of(d: &DeployPlan) -> Option<(Option<ProbePlan>, Option<ProbePlan>, u64)> {
    match d {
        DeployPlan::Container { liveness, readiness, restart_ns } if liveness.is_some() || readiness.is_some() => {
            Some((*liveness, *readiness, *restart_ns))
        }
        _ => None,
    }
}

const LIVENESS: u32 = 0;
const READINESS: u32 = 1;

impl Simulation<'_> {
    fn station_probes(&self, k: u32) -> Option<(Option<ProbePlan>, Option<ProbePlan>, u64)> {
        probes_of(&self.plan.svc_cfgs[self.station_cfg[k as usize] as usize].deploy)
    }

    /// Schedules the first probes of the containers running at time 0, each at its own phase
    /// within its period (pods started at different times).
    pub(super) fn schedule_probes(&mut self) {
        if self.probes.is_empty() {
            return;
        }
        for k in 0..self.plan.stations.len() as u32 {
            if !self.stations[k as usize].active {
                continue;
            }
            let Some((live, ready, _)) = self.station_probes(k) else { continue };
            let phase = |p: &ProbePlan| {
                p.initial_ns + mix64(self.plan.seed ^ (u64::from(k) << 32) ^ p.period_ns) % p.period_ns.max(1)
            };
            let generation = self.probes[k as usize].generation;
            for (which, p) in [(LIVENESS, live), (READINESS, ready)] {
                if let Some(p) = p {
                    self.schedule(phase(&p), Kind::Probe, k, generation << 1 | which);
                }
            }
        }
    }

    /// Container `k` starts running now (a scale-up's pod, or a restart): with a readiness probe
    /// it is not ready until the probe passes; its probes start after their initial delay.
    /// Returns whether it serves at once.
    pub(super) fn container_started(&mut self, k: u32) -> bool {
        let Some((live, ready, _)) = self.station_probes(k) else { return true };
        let now = self.now;
        let Some(ps) = self.probes.get_mut(k as usize) else { return true };
        ps.generation = ps.generation.wrapping_add(1) & (u32::MAX >> 1);
        ps.live_failures = 0;
        ps.ready_failures = 0;
        ps.ready_successes = 0;
        ps.killed = false;
        ps.unready = ready.is_some();
        ps.started = now;
        let generation = ps.generation;
        for (which, p) in [(LIVENESS, live), (READINESS, ready)] {
            if let Some(p) = p {
                self.schedule(now + p.initial_ns, Kind::Probe, k, generation << 1 | which);
            }
        }
        ready.is_none()
    }

    /// A probe of station `k` runs.
    pub(super) fn on_probe(&mut self, k: u32, b: u32) {
        let (generation, which) = (b >> 1, b & 1);
        let Some(ps) = self.probes.get(k as usize).copied() else { return };
        let st = &self.stations[k as usize];
        if ps.generation != generation || ps.killed || !(st.active || st.starting) {
            return;
        }
        let Some((live, ready, restart_ns)) = self.station_probes(k) else { return };
        let Some(p) = (if which == LIVENESS { live } else { ready }) else { return };
        let ok = self.probe_passes(k, p.timeout_ns);
        let now = self.now;
        let ps = &mut self.probes[k as usize];
        if which == LIVENESS {
            ps.live_failures = if ok { 0 } else { ps.live_failures + 1 };
            if ps.live_failures >= p.failures {
                return self.kill_container(k, restart_ns);
            }
        } else if ok {
            ps.ready_failures = 0;
            ps.ready_successes += 1;
            if ps.unready && ps.ready_successes >= p.successes {
                ps.unready = false;
                self.set_ready(k, true);
            }
        } else {
            ps.ready_successes = 0;
            ps.ready_failures += 1;
            if !ps.unready && ps.ready_failures >= p.failures {
                ps.unready = true;
                self.set_ready(k, false);
            }
        }
        // Like the autoscaler, probes stop with the arrivals (the run then drains).
        if now < self.plan.duration_ns {
            self.schedule(now + p.period_ns, Kind::Probe, k, b);
        }
    }

    /// Whether a probe of station `k` passes now.
    fn probe_passes(&mut self, k: u32, timeout_ns: u64) -> bool {
        let st = &self.stations[k as usize];
        if st.down || st.crashed {
            return false;
        }
        if self.tl.is_none() {
            return true;
        }
        if self.station_error(k).is_some_and(|status| status >= 400) {
            return false;
        }
        self.station_service_time(k, 0) <= timeout_ns
    }

    /// Takes station `k` in or out of the balancers (readiness), keeping it a replica.
    fn set_ready(&mut self, k: u32, ready: bool) {
        let st = &mut self.stations[k as usize];
        if ready {
            st.starting = false;
            st.active = true;
        } else {
            st.active = false;
            st.starting = true;
        }
        let s = self.plan.stations[k as usize].service;
        self.record_replicas(s);
    }

    /// The kubelet kills container `k` (liveness failed): out of the balancers now, running
    /// again after the back-off and `restart_ns`.
    fn kill_container(&mut self, k: u32, restart_ns: u64) {
        let now = self.now;
        let ps = &mut self.probes[k as usize];
        if now.saturating_sub(ps.started) >= BACKOFF_RESET_NS {
            ps.restarts = 0;
        }
        let backoff = if ps.restarts == 0 {
            0
        } else {
            BACKOFF_FIRST_NS.saturating_mul(1 << (ps.restarts - 1).min(16)).min(BACKOFF_MAX_NS)
        };
        ps.restarts += 1;
        ps.killed = true;
        ps.unready = false;
        let generation = ps.generation;
        let st = &mut self.stations[k as usize];
        st.active = false;
        st.starting = true;
        let s = self.plan.stations[k as usize].service;
        self.record_replicas(s);
        if self.rec.in_window(now) {
            self.rec.svc_probe_restarts[s as usize] += 1;
        }
        self.rec.log(now, Logged::LivenessKilled(k));
        self.schedule(now + backoff + restart_ns, Kind::ContainerRestart, k, generation);
    }

    /// Killed container `k` runs again (unless it was scaled away meanwhile).
    pub(super) fn on_container_restart(&mut self, k: u32, generation: u32) {
        let Some(ps) = self.probes.get(k as usize) else { return };
        if ps.generation != generation || !ps.killed || !self.stations[k as usize].starting {
            return;
        }
        if self.container_started(k) {
            self.set_ready(k, true);
        }
        self.rec.log(self.now, Logged::Restarted(k));
    }
}
