//! Serverless functions (AWS Lambda semantics, see `model::deploy`): each station of the service
//! is one execution environment serving one request at a time. A request takes the most recently
//! freed warm environment; with none, a new one whose cold start is added to that request only;
//! with `limit` environments busy, it is throttled (429). An environment idle for `keep_warm` is
//! reclaimed (its next use is a cold start again).

use super::Simulation;
use crate::metrics::Outcome;
use crate::sim::plan::{DeployPlan, Plan};
use crate::sim::rng::{Purpose, Stream};
use std::collections::VecDeque;

/// The environments of one function.
#[derive(Clone, Debug)]
pub(super) struct FnState {
    /// Warm idle environments and when each was freed, oldest first.
    idle: VecDeque<(u32, u64)>,
    /// Environments with nothing warm (never started, or reclaimed); taken from the end.
    cold: Vec<u32>,
    /// Environments serving a request.
    busy: u32,
    /// Cold start draws.
    rng: Stream,
}

/// One state per service that runs as a function (none at all when no service does).
pub(super) fn functions(plan: &Plan, replicate: u32) -> Vec<Option<FnState>> {
    let any = plan.svc_cfgs.iter().any(|c| matches!(c.deploy, DeployPlan::Serverless { .. }));
    if !any {
        return Vec::new();
    }
    plan.services
        .iter()
        .zip(&plan.svc_cfgs)
        .map(|(svc, cfg)| {
            matches!(cfg.deploy, DeployPlan::Serverless { .. }).then(|| FnState {
                idle: VecDeque::new(),
                cold: (svc.first_station..svc.first_station + svc.instances).rev().collect(),
                busy: 0,
                rng: Stream::new(plan.seed, replicate, &plan.nodes[svc.node as usize].0, Purpose::ColdStart),
            })
        })
        .collect()
}

impl Simulation<'_> {
    /// Whether service `s` runs as a function.
    #[inline]
    pub(super) fn is_function(&self, s: u32) -> bool {
        !self.fns.is_empty() && self.fns.get(s as usize).is_some_and(Option::is_some)
    }

    /// Request `r` reaches function `s`: a warm environment, a cold one, or 429.
    pub(super) fn function_arrival(&mut self, s: u32, r: u32) {
        let now = self.now;
        let (keep_warm, limit) = match &self.plan.svc_cfgs[self.svc_live[s as usize] as usize].deploy {
            DeployPlan::Serverless { keep_warm_ns, limit, .. } => (*keep_warm_ns, *limit),
            _ => (u64::MAX, u32::MAX),
        };
        let Some(f) = self.fns.get_mut(s as usize).and_then(Option::as_mut) else { return };
        while let Some(&(k, freed)) = f.idle.front() {
            if freed.saturating_add(keep_warm) > now {
                break;
            }
            f.idle.pop_front();
            f.cold.push(k);
        }
        let (k, cold) = if f.busy >= limit {
            (None, false)
        } else if let Some((k, _)) = f.idle.pop_back() {
            (Some(k), false)
        } else {
            (f.cold.pop(), true)
        };
        let Some(k) = k else {
            let node = self.plan.services[s as usize].node;
            self.rec.node_rejected(node, now);
            self.failed_via(r);
            self.reqs[r as usize].status = Outcome::Throttled.status();
            return self.end_journey(r, Outcome::Throttled);
        };
        if self.stations[k as usize].down {
            // The function's environments are down (a fault): nothing was started.
            f.cold.push(k);
            return self.enter_station(k, r);
        }
        f.busy += 1;
        if cold {
            self.stations[k as usize].cold = true;
            if self.rec.in_window(now) {
                self.rec.svc_cold_starts[s as usize] += 1;
            }
        }
        self.enter_station(k, r);
    }

    /// The cold start to add to the request starting service on station `k`, if it is the first
    /// of a new environment.
    #[inline]
    pub(super) fn cold_start(&mut self, k: u32) -> u64 {
        if !self.stations[k as usize].cold {
            return 0;
        }
        self.stations[k as usize].cold = false;
        let s = self.plan.stations[k as usize].service;
        let cfg = &self.plan.svc_cfgs[self.svc_live[s as usize] as usize];
        match (&cfg.deploy, self.fns.get_mut(s as usize).and_then(Option::as_mut)) {
            (DeployPlan::Serverless { cold_start, .. }, Some(f)) => cold_start.sample(&mut f.rng),
            _ => 0,
        }
    }

    /// Environment `k` of function `s` finished its request: it is warm and idle from now.
    pub(super) fn function_freed(&mut self, s: u32, k: u32) {
        let now = self.now;
        if let Some(f) = self.fns.get_mut(s as usize).and_then(Option::as_mut) {
            f.busy = f.busy.saturating_sub(1);
            f.idle.push_back((k, now));
        }
    }

    /// Environment `k` of function `s` crashed with its request: nothing warm is left of it.
    pub(super) fn function_lost(&mut self, s: u32, k: u32) {
        if let Some(f) = self.fns.get_mut(s as usize).and_then(Option::as_mut) {
            f.busy = f.busy.saturating_sub(1);
            f.cold.push(k);
        }
    }
}
