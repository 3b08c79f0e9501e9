//! Faults in the engine. A fault starts and ends as events; while it acts, the effects of every
//! fault active on a target are combined into that target's [`Fx`]:
//! - `Down`: an instance or a whole service refuses connections (the balancer's failover
//!   decides what happens next, and active checks see it); a gateway or balancer cannot be reached
//!   (its caller gets a connection failure: a client has no answer at all, a gateway answers 502
//!   unless its router retries); a link drops every crossing (a partition).
//! - `Errors`: that share of requests is answered with the status (drawn per request from the
//!   fault's own stream; several such faults fail a request independently).
//! - `Latency`: each request's service time (or the gateway's processing, or each crossing) gets
//!   the drawn extra time; `Slowdown` multiplies service times.
//! - `Exhaustion`: an instance whose queue fills up and does not drain (empty) again within `after`
//!   crashes: queued requests fail at once with 502, requests in service fail with 502 when they
//!   would have finished, and the instance refuses connections until it restarts `restart` later
//!   (with an empty queue). A queue that keeps refilling as one request leaves counts as full:
//!   sustained overload, not a momentary burst, is what exhausts an instance.

use super::{CRASHED, Kind, NONE, Simulation, VIA_GW};
use crate::metrics::{Logged, Outcome};
use crate::sim::plan::{FaultEffect, FaultTarget, Plan};
use crate::sim::rng::Stream;

/// The combined effect of the faults active on one target.
#[derive(Clone, Debug, Default)]
pub(super) struct Fx {
    /// Down faults in force.
    down: u32,
    /// Errors faults in force (fault index).
    errors: Vec<u32>,
    /// Latency faults in force (fault index).
    latency: Vec<u32>,
    /// Product of slowdown factors (1 when none).
    slow: f64,
    /// An exhaustion fault in force: (after, restart).
    exhaust: Option<(u64, u64)>,
}

impl Fx {
    fn is_clear(&self) -> bool {
        self.down == 0
            && self.errors.is_empty()
            && self.latency.is_empty()
            && self.slow == 1.0
            && self.exhaust.is_none()
    }
}

/// Effects per station, gateway node, balancer node and link of the file, and what exhaustion
/// needs to know about each station.
#[derive(Debug)]
pub(super) struct Effects {
    stations: Vec<Fx>,
    gateways: Vec<Fx>,
    balancers: Vec<Fx>,
    links: Vec<Fx>,
    /// Per station: since when its queue has been full without draining since (`NONE`: it has
    /// drained), and a counter that tells a stale crash check from a current one.
    full: Vec<(u64, u32)>,
    /// Per station: the requests in service (kept only when the timeline has an exhaustion fault).
    serving: Option<Vec<Vec<u32>>>,
}

impl Effects {
    pub(super) fn new(plan: &Plan) -> Effects {
        let exhaustion = plan
            .timeline
            .as_ref()
            .is_some_and(|t| t.faults.iter().any(|f| matches!(f.effect, FaultEffect::Exhaustion { .. })));
        let clear = |n: usize| vec![Fx { slow: 1.0, ..Fx::default() }; n];
        Effects {
            stations: clear(plan.stations.len()),
            gateways: clear(plan.base_gateways as usize),
            balancers: clear(plan.base_balancers as usize),
            links: clear(plan.links.len()),
            full: vec![(NONE, 0); plan.stations.len()],
            serving: exhaustion.then(|| vec![Vec::new(); plan.stations.len()]),
        }
    }
}

/// A gateway or balancer node.
#[derive(Clone, Copy, Debug)]
pub(super) enum NodeRef {
    /// Gateway node `g`.
    Gateway(u32),
    /// Balancer node `b`.
    Balancer(u32),
}

/// What faults do to a request reaching a node.
#[derive(Clone, Copy, Debug)]
pub(super) enum NodeFault {
    /// Nothing.
    None,
    /// It takes this much longer.
    Extra(u64),
    /// The node cannot be reached.
    Down,
    /// The node answers this status at once.
    Answer(u16),
}

/// What faults do to a crossing.
#[derive(Clone, Copy, Debug)]
pub(super) enum LinkFault {
    /// The link drops it.
    Partitioned,
    /// It takes this much longer.
    Extra(u64),
}

/// Draws the errors and extra latency of `fx` (fault streams in `rngs`).
fn draw(fx: &Fx, plan: &Plan, rngs: &mut [Stream]) -> (Option<u16>, u64) {
    let Some(tl) = plan.timeline.as_deref() else { return (None, 0) };
    let mut status = None;
    for &f in &fx.errors {
        if let FaultEffect::Errors { share, status: s } = tl.faults[f as usize].effect
            && rngs[f as usize].chance(share)
            && status.is_none()
        {
            status = Some(s);
        }
    }
    let mut extra = 0u64;
    for &f in &fx.latency {
        if let FaultEffect::Latency(sampler) = &tl.faults[f as usize].effect {
            extra = extra.saturating_add(sampler.sample(&mut rngs[f as usize]));
        }
    }
    (status, extra)
}

impl super::timeline::TlState {
    /// Whether a Down fault is in force on gateway node `g`.
    pub(super) fn gateway_down(&self, g: u32) -> bool {
        self.fx.gateways.get(g as usize).is_some_and(|f| f.down > 0)
    }

    /// Whether a Down fault is in force on balancer node `b`.
    pub(super) fn balancer_down(&self, b: u32) -> bool {
        self.fx.balancers.get(b as usize).is_some_and(|f| f.down > 0)
    }
}

impl Simulation<'_> {
    /// Fault `f` starts (`start`) or ends.
    pub(super) fn on_fault(&mut self, f: u32, start: bool) {
        use super::timeline::FaultPhase;
        let Some(tl) = self.tl.as_mut() else { return };
        let Some(phase) = tl.fault_phase.get_mut(f as usize) else { return };
        match (*phase, start) {
            (FaultPhase::Pending, true) => *phase = FaultPhase::Active,
            (FaultPhase::Active, false) => *phase = FaultPhase::Over,
            _ => return,
        }
        self.rec.log(self.now, if start { Logged::FaultStarted(f) } else { Logged::FaultEnded(f) });
        self.refresh_fault_target(f);
    }

    /// An action ends fault `f` (a repair); one not started yet will not start.
    pub(super) fn end_fault(&mut self, f: u32) {
        use super::timeline::FaultPhase;
        let Some(phase) = self.tl.as_mut().and_then(|t| t.fault_phase.get_mut(f as usize)) else { return };
        match *phase {
            FaultPhase::Active => self.on_fault(f, false),
            FaultPhase::Pending => *phase = FaultPhase::Over,
            FaultPhase::Over => {}
        }
    }

    /// Recomputes the effects on fault `f`'s target (each target of a group) from every fault
    /// active on it.
    fn refresh_fault_target(&mut self, f: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let target = tlp.faults[f as usize].target.clone();
        let Some(tl) = self.tl.as_mut() else { return };
        let active: Vec<u32> = (0..tlp.faults.len() as u32)
            .filter(|&i| tl.fault_phase[i as usize] == super::timeline::FaultPhase::Active)
            .collect();
        let combine = |leaf: &FaultTarget| -> Fx {
            let mut fx = Fx { slow: 1.0, ..Fx::default() };
            for &i in &active {
                let fp = &tlp.faults[i as usize];
                if !fp.target.covers(leaf) {
                    continue;
                }
                match fp.effect {
                    FaultEffect::Down => fx.down += 1,
                    FaultEffect::Errors { .. } => fx.errors.push(i),
                    FaultEffect::Latency(_) => fx.latency.push(i),
                    FaultEffect::Slowdown(x) => fx.slow *= x,
                    FaultEffect::Exhaustion { after_ns, restart_ns } => {
                        fx.exhaust.get_or_insert((after_ns, restart_ns));
                    }
                }
            }
            fx
        };
        let mut regions_changed = false;
        for leaf in target.leaves() {
            match leaf {
                FaultTarget::Stations(ks) => {
                    for &k in ks {
                        let fx = combine(&FaultTarget::Stations(vec![k]));
                        let down = fx.down > 0;
                        let exhaust = fx.exhaust.is_some();
                        if let Some(tl) = self.tl.as_mut() {
                            tl.fx.stations[k as usize] = fx;
                        }
                        let st = &mut self.stations[k as usize];
                        st.down = down || st.crashed;
                        if exhaust {
                            // A queue already full when the fault starts counts from now.
                            let cap = self.plan.svc_cfgs[self.station_cfg[k as usize] as usize].queue_capacity;
                            if self.stations[k as usize].queue.len() as u32 >= cap {
                                self.queue_filled(k);
                            }
                        }
                    }
                }
                FaultTarget::Gateway(g) => {
                    let fx = combine(leaf);
                    if let Some(x) = tl_fx(&mut self.tl, |e| e.gateways.get_mut(*g as usize)) {
                        *x = fx;
                    }
                }
                FaultTarget::Balancer(b) => {
                    let fx = combine(leaf);
                    if let Some(x) = tl_fx(&mut self.tl, |e| e.balancers.get_mut(*b as usize)) {
                        *x = fx;
                    }
                }
                FaultTarget::Link(l) => {
                    let fx = combine(leaf);
                    if let Some(x) = tl_fx(&mut self.tl, |e| e.links.get_mut(*l as usize)) {
                        *x = fx;
                    }
                }
                FaultTarget::Region(_) | FaultTarget::RegionPair(..) => regions_changed = true,
                FaultTarget::Group(_) => {}
            }
        }
        if regions_changed {
            // Down faults in force on each region and each region pair.
            let n = self.plan.regions.len();
            let mut down = vec![0u32; n];
            let mut cut = vec![0u32; n * n];
            let mut slow = vec![Vec::new(); n * n];
            for r in 0..n {
                down[r] = combine(&FaultTarget::Region(r as u16)).down;
                for q in r + 1..n {
                    let fx = combine(&FaultTarget::RegionPair(r as u16, q as u16));
                    cut[r * n + q] = fx.down;
                    cut[q * n + r] = fx.down;
                    slow[r * n + q].clone_from(&fx.latency);
                    slow[q * n + r] = fx.latency;
                }
            }
            self.refresh_regions(down, cut, slow);
        } else if self.global.is_some() {
            self.refresh_evaluated_records();
        }
    }

    /// What faults do to request `r` reaching node `n`.
    pub(super) fn node_fault(&mut self, n: NodeRef, _r: u32) -> NodeFault {
        let plan = self.plan;
        let Some(tl) = self.tl.as_mut() else { return NodeFault::None };
        let fx = match n {
            NodeRef::Gateway(g) => tl.fx.gateways.get(g as usize),
            NodeRef::Balancer(b) => tl.fx.balancers.get(b as usize),
        };
        let Some(fx) = fx.filter(|fx| !fx.is_clear()) else { return NodeFault::None };
        if fx.down > 0 {
            return NodeFault::Down;
        }
        match draw(fx, plan, &mut tl.fault_rng) {
            (Some(status), _) => NodeFault::Answer(status),
            (None, 0) => NodeFault::None,
            (None, extra) => NodeFault::Extra(extra),
        }
    }

    /// The extra latency of the Latency faults `faults` (a degraded network between regions),
    /// drawn from their streams.
    pub(super) fn latency_of(&mut self, faults: &[u32]) -> u64 {
        let plan = self.plan;
        let Some(tl) = self.tl.as_mut() else { return 0 };
        let fx = Fx { latency: faults.to_vec(), slow: 1.0, ..Fx::default() };
        draw(&fx, plan, &mut tl.fault_rng).1
    }

    /// What faults do to a crossing of the file's link `l`.
    pub(super) fn link_fault(&mut self, l: usize) -> Option<LinkFault> {
        let plan = self.plan;
        let tl = self.tl.as_mut()?;
        let fx = tl.fx.links.get(l).filter(|fx| !fx.is_clear())?;
        if fx.down > 0 {
            return Some(LinkFault::Partitioned);
        }
        match draw(fx, plan, &mut tl.fault_rng) {
            (_, 0) => None,
            (_, extra) => Some(LinkFault::Extra(extra)),
        }
    }

    /// Request `r` cannot reach the node an event of `kind` with index `a` stands for. An
    /// instance refuses the connection (the balancer's failover decides); past a gateway, the
    /// gateway sees a connection failure (a router retry, else 502); a client gets no answer.
    pub(super) fn unreachable(&mut self, r: u32, kind: Kind, a: u32) {
        self.reqs[r as usize].last_hop = 0;
        if kind == Kind::AtStation {
            return self.refused(a, r);
        }
        let req = self.reqs[r as usize];
        if req.flags & VIA_GW != 0 && kind != Kind::AtGateway {
            if self.router_retry(r, 0) {
                return;
            }
            self.reqs[r as usize].status = 502;
            if let Some(gw) = self.plan.gateways.get(req.gw as usize) {
                self.rec.node_rejected(gw.node, self.now);
                self.failed_via(r);
            }
            return self.end_journey(r, Outcome::NoUpstream);
        }
        self.end_journey(r, Outcome::Unreachable)
    }

    /// A service time of `d` ns at station `k`, with the faults active on it.
    pub(super) fn station_service_time(&mut self, k: u32, d: u64) -> u64 {
        let plan = self.plan;
        let Some(tl) = self.tl.as_mut() else { return d };
        let Some(fx) = tl.fx.stations.get(k as usize).filter(|fx| !fx.is_clear()) else { return d };
        let slowed = if fx.slow == 1.0 { d } else { (d as f64 * fx.slow).round() as u64 };
        if fx.latency.is_empty() {
            return slowed;
        }
        let fx = fx.clone();
        let (_, extra) = draw(&Fx { errors: Vec::new(), ..fx }, plan, &mut tl.fault_rng);
        slowed.saturating_add(extra)
    }

    /// The status an Errors fault on station `k` answers this request with, if it does.
    pub(super) fn station_error(&mut self, k: u32) -> Option<u16> {
        let plan = self.plan;
        let tl = self.tl.as_mut()?;
        let fx = tl.fx.stations.get(k as usize).filter(|fx| !fx.errors.is_empty())?;
        let only_errors = Fx { errors: fx.errors.clone(), slow: 1.0, ..Fx::default() };
        draw(&only_errors, plan, &mut tl.fault_rng).0
    }

    /// Request `r` started service at station `k` (tracked when an exhaustion fault may crash it).
    pub(super) fn serving_started(&mut self, k: u32, r: u32) {
        if let Some(list) = self.tl.as_mut().and_then(|t| t.fx.serving.as_mut()).and_then(|s| s.get_mut(k as usize)) {
            list.push(r);
        }
    }

    /// Request `r` left service at station `k`.
    pub(super) fn serving_ended(&mut self, k: u32, r: u32) {
        if let Some(list) = self.tl.as_mut().and_then(|t| t.fx.serving.as_mut()).and_then(|s| s.get_mut(k as usize))
            && let Some(i) = list.iter().position(|&x| x == r)
        {
            list.swap_remove(i);
        }
    }

    /// Station `k`'s queue just became full: with an exhaustion fault, a crash check is due unless
    /// the queue drains first.
    pub(super) fn queue_filled(&mut self, k: u32) {
        let now = self.now;
        let Some(tl) = self.tl.as_mut() else { return };
        let Some((after, _)) = tl.fx.stations.get(k as usize).and_then(|fx| fx.exhaust) else { return };
        let entry = &mut tl.fx.full[k as usize];
        if entry.0 != NONE {
            return;
        }
        entry.1 = entry.1.wrapping_add(1);
        *entry = (now, entry.1);
        let epoch = entry.1;
        self.schedule(now + after, Kind::Crash, k, epoch);
    }

    /// Station `k`'s queue drained (emptied): the overload episode is over.
    pub(super) fn queue_drained(&mut self, k: u32) {
        if let Some(entry) = self.tl.as_mut().and_then(|t| t.fx.full.get_mut(k as usize)) {
            entry.0 = NONE;
        }
    }

    /// The crash check of station `k`: it crashes if its queue has stayed full since then.
    pub(super) fn on_crash(&mut self, k: u32, epoch: u32) {
        let Some(tl) = self.tl.as_mut() else { return };
        let (since, current) = tl.fx.full[k as usize];
        let Some((_, restart)) = tl.fx.stations[k as usize].exhaust else { return };
        if since == NONE || current != epoch || self.stations[k as usize].crashed {
            return;
        }
        tl.fx.full[k as usize].0 = NONE;
        let serving = tl.fx.serving.as_mut().map(|s| std::mem::take(&mut s[k as usize])).unwrap_or_default();
        self.rec.log(self.now, Logged::Crashed(k));
        self.touch_station(k);
        for r in serving {
            self.reqs[r as usize].flags |= CRASHED;
        }
        let queued: Vec<u32> = self.stations[k as usize].queue.drain(..).collect();
        let st = &mut self.stations[k as usize];
        st.busy = 0;
        st.crashed = true;
        st.down = true;
        for r in queued {
            self.member_finished(r, false);
            self.reqs[r as usize].status = Outcome::UpstreamReset.status();
            self.end_journey(r, Outcome::UpstreamReset);
        }
        self.schedule(self.now + restart, Kind::Restart, k, 0);
    }

    /// Station `k` serves again after a crash.
    pub(super) fn on_restart(&mut self, k: u32) {
        let down = self.tl.as_ref().is_some_and(|t| t.fx.stations[k as usize].down > 0);
        let st = &mut self.stations[k as usize];
        st.crashed = false;
        st.down = down;
        self.rec.log(self.now, Logged::Restarted(k));
    }

    /// A request whose instance crashed while serving it reaches its end of service: 502.
    pub(super) fn crashed_in_service(&mut self, r: u32) {
        self.member_finished(r, false);
        self.record_outlier(r, 502);
        self.reqs[r as usize].status = Outcome::UpstreamReset.status();
        self.end_journey(r, Outcome::UpstreamReset);
    }
}

/// The effects entry `pick` selects, when the run has a timeline.
fn tl_fx<'a>(
    tl: &'a mut Option<Box<super::timeline::TlState>>,
    pick: impl FnOnce(&'a mut Effects) -> Option<&'a mut Fx>,
) -> Option<&'a mut Fx> {
    tl.as_mut().and_then(|t| pick(&mut t.fx))
}
