//! The timeline compiled: times against the run's start, changes with their stages and
//! rollbacks, faults and their targets, traffic events, alarms with their scopes, and actions.

use super::super::timeline::*;
use super::super::*;
use super::Compiler;
use crate::model::{Act, AlarmRule, Comparison, Event, FaultKind, Response, Rollout, Scope, TrafficSource, Trigger};
use crate::sim::time::secs_to_ns;

impl Compiler<'_> {
    pub(super) fn at_ns(&self, at: model::At) -> u64 {
        secs_to_ns(at.offset_s(self.s.run.start))
    }

    pub(super) fn timeline(&mut self) {
        let s = self.s;
        if s.timeline.is_empty() {
            self.plan.timeline = None;
            return;
        }
        let mut tl = self.plan.timeline.take().map(|b| *b).unwrap_or_default();
        let index = |kind: model::EventKind, name: &str| -> Option<u32> {
            s.timeline.iter().filter(|e| e.kind() == kind).position(|e| e.name() == name).map(|i| i as u32)
        };
        let end = self.plan.duration_ns;
        for e in &s.timeline {
            let end_ns = match e {
                Event::Change(c) => c.rollback_at.map(|a| self.at_ns(a)),
                Event::Fault(f) => match (f.duration, f.end) {
                    (Some(d), _) => Some(self.at_ns(f.at).saturating_add(secs_to_ns(d.0))),
                    (None, Some(e)) => Some(self.at_ns(e)),
                    (None, None) => None,
                },
                Event::Traffic(t) => Some(self.at_ns(t.at).saturating_add(secs_to_ns(t.duration.0))),
                Event::Alarm(_) | Event::Action(_) => None,
            };
            tl.entries.push(EntryInfo {
                name: e.name().to_owned(),
                kind: e.kind(),
                description: e.describe(),
                at_ns: e.at().map(|a| self.at_ns(a)),
                end_ns,
            });
            match e {
                Event::Change(ch) => {
                    let (slot, bit) = tl
                        .nodes
                        .iter()
                        .enumerate()
                        .find_map(|(si, nv)| {
                            let me = tl.changes.len() as u32;
                            nv.changes.iter().position(|&c| c == me).map(|b| (si as u32, b as u32))
                        })
                        .unwrap_or((u32::MAX, 0));
                    let (stages, by) = match &ch.rollout {
                        Rollout::AtOnce => (Vec::new(), model::CanaryBy::Requests),
                        Rollout::Staged { stages, by } => {
                            (stages.iter().map(|st| (st.share, secs_to_ns(st.duration.0).max(1))).collect(), *by)
                        }
                    };
                    tl.changes.push(ChangePlan {
                        name: ch.name.clone(),
                        slot,
                        bit,
                        at_ns: ch.at.map(|a| self.at_ns(a)),
                        stages,
                        by,
                        rollback_ns: ch.rollback_at.map(|a| self.at_ns(a)),
                    });
                }
                Event::Fault(f) => {
                    let at_ns = self.at_ns(f.at);
                    let end_ns = match (f.duration, f.end) {
                        (Some(d), _) => Some(at_ns.saturating_add(secs_to_ns(d.0))),
                        (None, Some(e)) => Some(self.at_ns(e)),
                        (None, None) => None,
                    };
                    let Some(target) = self.fault_target(&f.target) else { continue };
                    let effect = match &f.kind {
                        FaultKind::Down => FaultEffect::Down,
                        FaultKind::Errors { share, status } => FaultEffect::Errors { share: *share, status: *status },
                        FaultKind::Latency { added } => FaultEffect::Latency(Sampler::new(added)),
                        FaultKind::Slowdown { factor } => FaultEffect::Slowdown(*factor),
                        FaultKind::Exhaustion { after, restart } => FaultEffect::Exhaustion {
                            after_ns: secs_to_ns(after.0).max(1),
                            restart_ns: secs_to_ns(restart.0),
                        },
                    };
                    tl.faults.push(FaultPlan { name: f.name.clone(), target, effect, at_ns, end_ns });
                }
                Event::Traffic(t) => {
                    let Some(base) = self.pop_of(&t.clients) else { continue };
                    let at_ns = self.at_ns(t.at);
                    let end_ns = at_ns.saturating_add(secs_to_ns(t.duration.0)).min(end);
                    let mut pop = self.plan.pops[base as usize].clone();
                    pop.name = t.name.clone();
                    pop.traffic = TrafficPlan::Piecewise(vec![(0, 0.0), (at_ns, t.rate_rps), (end_ns, 0.0)]);
                    pop.arrivals = ArrivalProcess::Poisson;
                    if let TrafficSource::Attack { sources } = t.from {
                        pop.users = sources.max(1);
                        pop.addresses = sources.max(1);
                        pop.zipf = None;
                        pop.retry = None;
                        pop.attack = true;
                        pop.base = self.plan.pops.len() as u32;
                    }
                    let idx = self.plan.pops.len() as u32;
                    self.plan.pops.push(pop);
                    tl.traffic.push(TrafficEventPlan { name: t.name.clone(), pop: idx, at_ns, end_ns });
                }
                Event::Alarm(a) => {
                    let scope = match &a.scope {
                        Scope::System => ScopePlan::System,
                        Scope::Route(p) => {
                            let i = tl.route_scopes.iter().position(|x| x == p).unwrap_or_else(|| {
                                tl.route_scopes.push(p.clone());
                                tl.route_scopes.len() - 1
                            });
                            ScopePlan::Route(i as u32)
                        }
                        Scope::Node(n) => match self.hop_to(n) {
                            Some(Hop::Service(si)) => ScopePlan::Service(si),
                            _ => ScopePlan::Node(self.topo().node_index(n).map_or(0, |i| i as u32)),
                        },
                    };
                    let ns = |sp: model::Span| secs_to_ns(sp.0).max(1);
                    let rule = match &a.rule {
                        AlarmRule::CloudWatch {
                            period,
                            evaluation_periods,
                            datapoints_to_alarm,
                            treat_missing_data,
                        } => RulePlan::CloudWatch {
                            period_ns: ns(*period),
                            n: (*evaluation_periods).max(1),
                            m: datapoints_to_alarm
                                .unwrap_or(*evaluation_periods)
                                .clamp(1, (*evaluation_periods).max(1)),
                            missing: *treat_missing_data,
                        },
                        AlarmRule::Prometheus { interval, window, hold, keep_firing_for } => RulePlan::Prometheus {
                            interval_ns: ns(*interval),
                            window_ns: ns(*window),
                            hold_ns: secs_to_ns(hold.0),
                            keep_ns: secs_to_ns(keep_firing_for.0),
                        },
                    };
                    tl.alarms.push(AlarmPlan {
                        name: a.name.clone(),
                        metric: a.metric,
                        scope,
                        threshold: a.threshold,
                        above: a.comparison == Comparison::Above,
                        rule,
                    });
                }
                Event::Action(a) => {
                    let trigger = match &a.trigger {
                        Trigger::At(at) => TriggerPlan::At(self.at_ns(*at)),
                        Trigger::Alarm(n) => TriggerPlan::Alarm(index(model::EventKind::Alarm, n).unwrap_or(u32::MAX)),
                    };
                    let response = match &a.response {
                        Response::Automatic { delay } => ResponsePlan::Automatic(secs_to_ns(delay.0)),
                        Response::Human(h) => ResponsePlan::Human(
                            [&h.acknowledge, &h.investigate, &h.identify, &h.act].map(|d| Sampler::new(&d.as_dist())),
                        ),
                    };
                    let act = match &a.act {
                        Act::Rollback(n) => ActPlan::Rollback(index(model::EventKind::Change, n).unwrap_or(u32::MAX)),
                        Act::Apply(n) => ActPlan::Apply(index(model::EventKind::Change, n).unwrap_or(u32::MAX)),
                        Act::EndFault(n) => ActPlan::EndFault(index(model::EventKind::Fault, n).unwrap_or(u32::MAX)),
                        Act::Scale { service, instances, startup } => match self.hop_to(service) {
                            Some(Hop::Service(si)) => {
                                ActPlan::Scale { service: si, instances: *instances, startup_ns: secs_to_ns(startup.0) }
                            }
                            _ => ActPlan::Page,
                        },
                        Act::ShiftTraffic { clients, to, share } => {
                            let pop = self.pop_of(clients).unwrap_or(u32::MAX);
                            let target = self
                                .plan
                                .pops
                                .get(pop as usize)
                                .and_then(|p| p.targets.iter().position(|t| self.plan.links[t.2 as usize].to == *to))
                                .unwrap_or(0) as u32;
                            ActPlan::Shift { pop, target, share: *share }
                        }
                        Act::Page => ActPlan::Page,
                        Act::RoutingControl { dns, record, on } => match self.hop_to(dns) {
                            Some(Hop::Dns(d)) => ActPlan::RoutingControl {
                                dns: d,
                                record: self
                                    .plan
                                    .dns
                                    .get(d as usize)
                                    .and_then(|x| x.records.iter().position(|r| &r.target == record))
                                    .map_or(u32::MAX, |i| i as u32),
                                on: *on,
                            },
                            _ => ActPlan::Page,
                        },
                    };
                    tl.actions.push(ActionPlan { name: a.name.clone(), trigger, response, act });
                }
            }
        }
        self.plan.timeline = Some(Box::new(tl));
    }

    /// The population index of client node `name` (its own, not a traffic event's).
    pub(super) fn pop_of(&self, name: &str) -> Option<u32> {
        let i = self.topo().node_index(name)? as u32;
        let own = |(k, p): &(usize, &PopPlan)| p.node == i && p.base == *k as u32 && !p.attack;
        self.plan.pops.iter().enumerate().find(own).map(|(k, _)| k as u32)
    }
}
