//! The timeline in the engine: config changes applied at once or staged, rolled back; actions
//! triggered at a time or by an alarm, carried out by automation or by a person through a chain of
//! delays; traffic events logged. Faults are in `faults.rs`, alarm evaluation in `alarms.rs`.
//!
//! Every timeline entry is an event in the same queue as requests, so a run stays a function of
//! `(plan, replicate)`.
//!
//! # What a change does to state
//! - **At once** (a reload of every instance): a gateway's rate limits keep their per-key state
//!   when the product keeps it across a reload (`AnyLimiter::reload_keeps_state`: NGINX
//!   `limit_req` zones, Kong, Envoy's rate-limit service, AWS), and start empty otherwise (HAProxy,
//!   Envoy local, Traefik, GCRA). A balancer starts a new *stint*: fresh algorithm, health-check,
//!   outlier and breaker state, as NGINX's new workers, HAProxy's new process and Envoy's new
//!   cluster do; requests in flight finish on the old stint. A service's new parameters apply to
//!   requests that start service from then on; instances are started or stopped to its new count.
//! - **Staged** (a canary): the new configuration serves its share of requests (gateways and
//!   balancers: by request, or sticky by user) or of instances (services) on fresh state; the old
//!   one keeps serving the rest on its own. After the last stage every request gets the new one,
//!   which keeps the state it built. A rollback during the rollout returns every request to the old
//!   configuration at once.
//! - A node's configuration is always that of the set of its changes in force, applied in file
//!   order; each set was compiled before the run (`plan::NodeVariants`).

use super::{Kind, Live, NONE32, Simulation, policies};
use crate::metrics::{Logged, NO_USER};
use crate::model::CanaryBy;
use crate::sim::plan::{ActPlan, ResponsePlan, TriggerPlan, VariantOf};
use crate::sim::rng::{Purpose, Stream, mix64};

/// Where a change is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not applied yet.
    Idle,
    /// Rolling out: the stage it is in.
    Staging(u32),
    /// In force for every request.
    Applied,
    /// Rolled back (or cancelled before it started).
    RolledBack,
}

/// Where a fault is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FaultPhase {
    /// Not started yet.
    Pending,
    /// Acting.
    Active,
    /// Over (or ended by an action).
    Over,
}

/// The timeline's run-time state of one replicate.
#[derive(Debug)]
pub(super) struct TlState {
    /// Per changed node: the mask of its changes in force.
    pub(super) masks: Vec<u32>,
    /// Per changed node: the change rolling out on it (`NONE32`: none).
    pub(super) staging: Vec<u32>,
    /// Per change.
    pub(super) phases: Vec<Phase>,
    /// Per change: the stream that splits requests during its rollout.
    pub(super) canary_rng: Vec<Stream>,
    /// Per fault.
    pub(super) fault_phase: Vec<FaultPhase>,
    /// Per fault: its draws.
    pub(super) fault_rng: Vec<Stream>,
    /// What faults do to each station, gateway, balancer and link (of the file).
    pub(super) fx: super::faults::Effects,
    /// Per alarm.
    pub(super) alarms: Vec<super::alarms::AlarmState>,
    /// Per action: triggered yet.
    pub(super) triggered: Vec<bool>,
    /// Per action: a person's delays.
    pub(super) human_rng: Vec<Stream>,
    /// Per population: `share` of its requests go to its target `i` (`ShiftTraffic`).
    pub(super) shift: Vec<Option<(u32, f64)>>,
}

impl TlState {
    /// The state at the start of replicate `replicate`, when the plan has a timeline.
    pub(super) fn new(plan: &crate::sim::plan::Plan, replicate: u32) -> Option<TlState> {
        let tl = plan.timeline.as_ref()?;
        let stream = |name: &str, purpose| Stream::new(plan.seed, replicate, name, purpose);
        Some(TlState {
            masks: vec![0; tl.nodes.len()],
            staging: vec![NONE32; tl.nodes.len()],
            phases: vec![Phase::Idle; tl.changes.len()],
            canary_rng: tl.changes.iter().map(|c| stream(&c.name, Purpose::Canary)).collect(),
            fault_phase: vec![FaultPhase::Pending; tl.faults.len()],
            fault_rng: tl.faults.iter().map(|f| stream(&f.name, Purpose::Fault)).collect(),
            fx: super::faults::Effects::new(plan),
            alarms: tl.alarms.iter().map(|_| super::alarms::AlarmState::default()).collect(),
            triggered: vec![false; tl.actions.len()],
            human_rng: tl.actions.iter().map(|a| stream(&a.name, Purpose::Human)).collect(),
            shift: vec![None; plan.pops.len()],
        })
    }
}

impl Simulation<'_> {
    /// Schedules every timed entry of the timeline: changes and their rollbacks, faults, traffic
    /// events (for the log), the first evaluation of every alarm, timed actions.
    pub(super) fn schedule_timeline(&mut self) {
        let Some(tl) = self.plan.timeline.as_deref() else { return };
        for (i, c) in tl.changes.iter().enumerate() {
            if let Some(at) = c.at_ns {
                self.schedule(at, Kind::Change, i as u32, 0);
            }
            if let Some(at) = c.rollback_ns {
                self.schedule(at, Kind::Rollback, i as u32, 0);
            }
        }
        for (i, f) in tl.faults.iter().enumerate() {
            self.schedule(f.at_ns, Kind::Fault, i as u32, 0);
            if let Some(end) = f.end_ns {
                self.schedule(end, Kind::Fault, i as u32, 1);
            }
        }
        for (i, t) in tl.traffic.iter().enumerate() {
            self.schedule(t.at_ns, Kind::Traffic, i as u32, 0);
            self.schedule(t.end_ns, Kind::Traffic, i as u32, 1);
        }
        for (i, a) in tl.alarms.iter().enumerate() {
            self.schedule(a.rule.every_ns(), Kind::Alarm, i as u32, 0);
        }
        for (i, a) in tl.actions.iter().enumerate() {
            if let TriggerPlan::At(at) = a.trigger {
                self.schedule(at, Kind::Action, i as u32, 0);
            }
        }
    }

    /// Whether a canary configuration serves request `r` (drawn per request, or sticky by user or
    /// by client address).
    pub(super) fn canary_pick(&mut self, live: Live, r: u32) -> u32 {
        let req = self.reqs[r as usize];
        let sticky = match live.by {
            CanaryBy::Requests => None,
            CanaryBy::Users => (req.user != NO_USER).then(|| u64::from(req.pop) << 32 | u64::from(req.user)),
            CanaryBy::ClientAddress => self.limit_key(r, crate::model::LimitKey::Client).map(|k| k as u64),
        };
        let on_canary = if let Some(key) = sticky {
            let h = mix64(key ^ (u64::from(live.change) << 40) ^ 0x6a09_e667_f3bc_c909);
            (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < live.share
        } else {
            match self.tl.as_mut().and_then(|tl| tl.canary_rng.get_mut(live.change as usize)) {
                Some(rng) => rng.chance(live.share),
                None => false,
            }
        };
        if on_canary { live.canary } else { live.cur }
    }

    /// Whether stint `s` still serves requests (its checks and sweeps go on only then).
    pub(super) fn stint_in_use(&self, s: u32) -> bool {
        let Some(&(_, b)) = self.stints.get(s as usize) else { return false };
        let live = self.lb_live[b as usize];
        live.cur == s || live.canary == s
    }

    /// Change `c`: `stage == 0` starts it (at its time, or applied by an action); `stage == k`
    /// moves a rollout to stage `k` (past the last: every request gets it).
    pub(super) fn on_change_stage(&mut self, c: u32, stage: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let Some(cp) = tlp.changes.get(c as usize) else { return };
        let Some(phase) = self.tl.as_ref().and_then(|t| t.phases.get(c as usize).copied()) else { return };
        let slot = cp.slot as usize;
        if slot >= tlp.nodes.len() {
            return;
        }
        let n_stages = cp.stages.len() as u32;
        match (phase, stage) {
            (Phase::Idle, 0) => {}
            (Phase::Staging(k), s) if s == k + 1 => {}
            _ => return,
        }
        if stage == 0 {
            // Another change rolling out on this node is completed first.
            let other = self.tl.as_ref().map_or(NONE32, |t| t.staging[slot]);
            if other != NONE32 && other != c {
                self.complete_change(other);
            }
        }
        if stage >= n_stages {
            return self.complete_change(c);
        }
        let (share, duration) = cp.stages[stage as usize];
        if let Some(tl) = self.tl.as_mut() {
            tl.phases[c as usize] = Phase::Staging(stage);
            tl.staging[slot] = c;
        }
        self.set_canary(c, share);
        self.rec.log(self.now, Logged::ChangeStage(c, (share * 100.0).round() as u32));
        self.schedule(self.now + duration, Kind::Change, c, stage + 1);
    }

    /// Change `c` is in force for every request (at once, or at the end of its rollout).
    fn complete_change(&mut self, c: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let cp = &tlp.changes[c as usize];
        let slot = cp.slot as usize;
        let Some(tl) = self.tl.as_mut() else { return };
        let was_staged = matches!(tl.phases[c as usize], Phase::Staging(_));
        tl.phases[c as usize] = Phase::Applied;
        if tl.staging[slot] == c {
            tl.staging[slot] = NONE32;
        }
        let mask = tl.masks[slot] | (1 << cp.bit);
        tl.masks[slot] = mask;
        if was_staged {
            self.promote_canary(slot);
        } else {
            self.switch_node(slot, mask);
        }
        self.rec.log(self.now, Logged::ChangeStage(c, 100));
    }

    /// Rolls change `c` back: a rollout stops and every request returns to the old configuration;
    /// an applied change is removed (a reload); a change not started yet will not start.
    pub(super) fn rollback_change(&mut self, c: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let Some(cp) = tlp.changes.get(c as usize) else { return };
        let slot = cp.slot as usize;
        let Some(tl) = self.tl.as_mut() else { return };
        let phase = tl.phases[c as usize];
        tl.phases[c as usize] = Phase::RolledBack;
        match phase {
            Phase::Staging(_) => {
                tl.staging[slot] = NONE32;
                self.clear_canary(slot);
            }
            Phase::Applied => {
                let mask = tl.masks[slot] & !(1 << cp.bit);
                tl.masks[slot] = mask;
                self.switch_node(slot, mask);
            }
            Phase::Idle | Phase::RolledBack => return,
        }
        self.rec.log(self.now, Logged::ChangeRolledBack(c));
    }

    /// Reloads changed node `slot` with the configuration of `mask` (see the module docs for what
    /// state survives).
    fn switch_node(&mut self, slot: usize, mask: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let nv = &tlp.nodes[slot];
        let Some(&new) = nv.variants.get(mask as usize) else { return };
        match nv.of {
            VariantOf::Gateway(g) => {
                let old = self.gw_live[g as usize].cur;
                self.carry_limiters(old, new);
                self.gw_live[g as usize] = Live::fixed(new);
            }
            VariantOf::Balancer(b) => {
                let stint = self.new_stint(new, b);
                self.lb_live[b as usize] = Live::fixed(stint);
            }
            VariantOf::Service(s) => {
                self.svc_live[s as usize] = new;
                let svc = &self.plan.services[s as usize];
                for k in svc.first_station..svc.first_station + svc.instances {
                    self.station_cfg[k as usize] = new;
                }
                let cfg = &self.plan.svc_cfgs[new as usize];
                let startup = cfg.hpa.as_ref().map_or(0, |h| h.startup_ns);
                self.reconfigure_autoscaler(s);
                self.set_running(s, cfg.running, startup);
                self.record_replicas(s);
            }
        }
    }

    /// Starts (or moves to `share`) the canary of change `c` on its node.
    fn set_canary(&mut self, c: u32, share: f64) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let cp = &tlp.changes[c as usize];
        let nv = &tlp.nodes[cp.slot as usize];
        let mask = self.tl.as_ref().map_or(0, |t| t.masks[cp.slot as usize]);
        let Some(&variant) = nv.variants.get((mask | (1 << cp.bit)) as usize) else { return };
        let split = |live: Live, canary: u32| Live { canary, share, by: cp.by, change: c, ..live };
        match nv.of {
            VariantOf::Gateway(g) => {
                let live = self.gw_live[g as usize];
                if live.canary != variant {
                    self.fresh_limiters(variant);
                }
                self.gw_live[g as usize] = split(live, variant);
            }
            VariantOf::Balancer(b) => {
                let live = self.lb_live[b as usize];
                let stint = if live.canary != NONE32 && self.stints[live.canary as usize].0 == variant {
                    live.canary
                } else {
                    self.new_stint(variant, b)
                };
                self.lb_live[b as usize] = split(live, stint);
            }
            VariantOf::Service(s) => {
                // A share of the running instances runs the new configuration.
                let svc = &self.plan.services[s as usize];
                let live_cfg = self.svc_live[s as usize];
                let running: Vec<u32> = (svc.first_station..svc.first_station + svc.instances)
                    .filter(|&k| self.stations[k as usize].active)
                    .collect();
                let n = ((share * running.len() as f64).ceil() as usize).min(running.len());
                for k in svc.first_station..svc.first_station + svc.instances {
                    self.station_cfg[k as usize] = live_cfg;
                }
                for &k in &running[..n] {
                    self.station_cfg[k as usize] = variant;
                }
                self.record_replicas(s);
            }
        }
    }

    /// The canary of node `slot` stops; every request gets the configuration in force.
    fn clear_canary(&mut self, slot: usize) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        match tlp.nodes[slot].of {
            VariantOf::Gateway(g) => self.gw_live[g as usize].canary = NONE32,
            VariantOf::Balancer(b) => self.lb_live[b as usize].canary = NONE32,
            VariantOf::Service(s) => {
                let live_cfg = self.svc_live[s as usize];
                let svc = &self.plan.services[s as usize];
                for k in svc.first_station..svc.first_station + svc.instances {
                    self.station_cfg[k as usize] = live_cfg;
                }
                self.record_replicas(s);
            }
        }
    }

    /// The canary of node `slot` serves every request from now on, with the state it built.
    fn promote_canary(&mut self, slot: usize) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let mask = self.tl.as_ref().map_or(0, |t| t.masks[slot]);
        match tlp.nodes[slot].of {
            VariantOf::Gateway(g) => {
                let live = self.gw_live[g as usize];
                if live.canary != NONE32 {
                    self.gw_live[g as usize] = Live::fixed(live.canary);
                }
            }
            VariantOf::Balancer(b) => {
                let live = self.lb_live[b as usize];
                if live.canary != NONE32 {
                    self.lb_live[b as usize] = Live::fixed(live.canary);
                }
            }
            VariantOf::Service(_) => self.switch_node(slot, mask),
        }
    }

    /// A new stint of balancer node `b` running configuration `variant`, with fresh state; its
    /// checks and sweeps start now.
    fn new_stint(&mut self, variant: u32, b: u32) -> u32 {
        let stint = self.stints.len() as u32;
        self.stints.push((variant, b));
        let (checks, sweeps) = (self.check_slots.len(), self.sweep_slots.len());
        let pools = policies::stint_pools(
            self.plan,
            variant,
            stint,
            &mut self.lb_rngs[b as usize],
            &mut self.check_slots,
            &mut self.sweep_slots,
        );
        self.lbs.push(pools);
        self.sync_host_sets(sweeps);
        self.schedule_checks_from(checks);
        self.schedule_sweeps_from(sweeps);
        stint
    }

    /// Gateway configuration `new` replaces `old` in a reload: each route's limiter takes over the
    /// old one's per-key state where the product keeps it, and starts empty otherwise.
    fn carry_limiters(&mut self, old: u32, new: u32) {
        let plan = self.plan;
        let (og, ng) = (&plan.gateways[old as usize], &plan.gateways[new as usize]);
        let routes = |g: &'_ crate::sim::plan::GwPlan| -> Vec<(Option<String>, Option<u16>)> {
            let mut v: Vec<_> = g.rules.iter().map(|(p, r)| (Some(p.clone()), r.and_then(|r| r.limiter))).collect();
            v.push((None, g.fallback.and_then(|r| r.limiter)));
            v
        };
        let before = routes(og);
        // A shared limit is named by several routes: its state is carried once, from the first.
        let mut done: Vec<u16> = Vec::new();
        for (prefix, limiter) in routes(ng) {
            let Some(nl) = limiter else { continue };
            if done.contains(&nl) {
                continue;
            }
            done.push(nl);
            let old_l = before.iter().find(|(p, _)| *p == prefix).and_then(|(_, l)| *l);
            let (np, nlp) = (nl as usize, &plan.limiters[nl as usize]);
            let kept = old_l.filter(|&ol| {
                let olp = &plan.limiters[ol as usize];
                ol != nl && olp.key == nlp.key && olp.limiter.reload_keeps_state(&nlp.limiter)
            });
            self.limit_states[np] = match kept {
                Some(ol) => std::mem::replace(&mut self.limit_states[ol as usize], nlp.limiter.states()),
                None if old_l == Some(nl) => continue,
                None => nlp.limiter.states(),
            };
        }
    }

    /// Empties the per-key state of every limiter of gateway configuration `g` (a canary's new
    /// instances start with empty zones and full buckets).
    fn fresh_limiters(&mut self, g: u32) {
        let gw = &self.plan.gateways[g as usize];
        let limiters =
            gw.rules.iter().filter_map(|(_, r)| r.and_then(|r| r.limiter)).chain(gw.fallback.and_then(|r| r.limiter));
        for l in limiters {
            self.limit_states[l as usize] = self.plan.limiters[l as usize].limiter.states();
        }
    }

    /// Traffic event `i` starts or ends (its population sends on its own; this is for the log).
    pub(super) fn on_traffic(&mut self, i: u32, start: bool) {
        self.rec.log(self.now, if start { Logged::TrafficStarted(i) } else { Logged::TrafficEnded(i) });
    }

    /// The target population `p` sends this request to when a `ShiftTraffic` action applies to it.
    pub(super) fn shifted_target(&mut self, p: u32) -> Option<u32> {
        let (target, share) = self.tl.as_ref()?.shift.get(p as usize).copied().flatten()?;
        (share >= 1.0 || self.pop_choice[p as usize].chance(share)).then_some(target)
    }

    /// Action `i`: `step == 0` triggers it; a person then finishes phases 1 to 3 (acknowledge,
    /// investigate, identify), and `step == 4` carries the act out.
    pub(super) fn on_action(&mut self, i: u32, step: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        let Some(ap) = tlp.actions.get(i as usize) else { return };
        let Some(tl) = self.tl.as_mut() else { return };
        if step == 0 {
            if tl.triggered[i as usize] {
                return;
            }
            tl.triggered[i as usize] = true;
            self.rec.log(self.now, Logged::ActionTriggered(i));
        } else if step < 4 {
            self.rec.log(self.now, Logged::ActionPhase(i, (step - 1) as u8));
        }
        if step < 4 {
            let (next, delay) = match &ap.response {
                ResponsePlan::Automatic(d) => (4, *d),
                ResponsePlan::Human(phases) => {
                    let Some(tl) = self.tl.as_mut() else { return };
                    let delay = phases[step as usize].sample(&mut tl.human_rng[i as usize]);
                    (step + 1, delay)
                }
            };
            return self.schedule(self.now + delay, Kind::Action, i, next);
        }
        match ap.act {
            ActPlan::Rollback(c) => self.rollback_change(c),
            ActPlan::Apply(c) => self.on_change_stage(c, 0),
            ActPlan::Scale { service, instances, startup_ns } => {
                if (service as usize) < self.plan.services.len() {
                    self.set_running(service, instances, startup_ns);
                }
            }
            ActPlan::Shift { pop, target, share } => {
                if let Some(s) = self.tl.as_mut().and_then(|t| t.shift.get_mut(pop as usize)) {
                    *s = Some((target, share));
                }
            }
            ActPlan::EndFault(f) => self.end_fault(f),
            ActPlan::RoutingControl { dns, record, on } => self.set_routing_control(dns, record, on),
            ActPlan::Page => {}
        }
        self.rec.log(self.now, Logged::ActionDone(i));
    }

    /// Alarm `a` fired for the first time: the actions it triggers start now.
    pub(super) fn alarm_fired(&mut self, a: u32) {
        let Some(tlp) = self.plan.timeline.as_deref() else { return };
        for (i, ap) in tlp.actions.iter().enumerate() {
            if ap.trigger == TriggerPlan::Alarm(a) {
                self.on_action(i as u32, 0);
            }
        }
    }
}
