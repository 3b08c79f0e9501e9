//! A request's journey through the nodes: crossing a link (latency, region, partitions), the
//! gateway (its route, rate limit and upstream timeout), a balancer's pick, a service reached
//! directly, the journey's end (the answer travelling back unless a timer gave up first), and its
//! timers firing.

use super::*;

impl<'p> Simulation<'p> {
    /// The configuration of gateway node `g` that serves request `r` (a canary's for its share).
    #[inline]
    pub(super) fn gw_pick(&mut self, g: u32, r: u32) -> u32 {
        let live = self.gw_live[g as usize];
        if live.canary == NONE32 { live.cur } else { self.canary_pick(live, r) }
    }

    pub(super) fn at_gateway(&mut self, g: u32, r: u32) {
        let node = self.plan.gateways[g as usize].node;
        self.rec.node_arrival(node, self.now);
        let mut extra = 0;
        if self.tl.is_some() {
            match self.node_fault(faults::NodeRef::Gateway(g), r) {
                faults::NodeFault::None => {}
                faults::NodeFault::Extra(ns) => extra = ns,
                faults::NodeFault::Down => return self.unreachable(r, Kind::AtGateway, g),
                faults::NodeFault::Answer(status) => {
                    self.reqs[r as usize].status = status;
                    self.rec.node_rejected(node, self.now);
                    self.failed_via(r);
                    return self.end_journey(r, Outcome::ServerError);
                }
            }
        }
        let g = self.gw_pick(g, r);
        let gw = &self.plan.gateways[g as usize];
        let Some(route) = self.gw_route(g, r) else {
            return self.end_journey(r, Outcome::NoRoute);
        };
        let processing =
            extra + if gw.processing.is_zero() { 0 } else { gw.processing.sample(&mut self.gw_rng[gw.base as usize]) };
        let req = &mut self.reqs[r as usize];
        req.flags |= VIA_GW;
        req.gw = g;
        if let Some(l) = route.limiter {
            match self.apply_limit(l, r) {
                LimitDecision::Reject { status } => {
                    self.reqs[r as usize].status = status;
                    self.rec.node_rejected(self.plan.gateways[g as usize].node, self.now);
                    self.failed_via(r);
                    return self.end_journey(r, Outcome::RateLimited);
                }
                LimitDecision::Pass { delay_ns } if delay_ns > 0 => {
                    // NGINX holds a delayed request and chooses its upstream only afterwards.
                    self.log_delay(r, delay_ns);
                    self.schedule(self.now + processing + delay_ns, Kind::Dispatch, g, r);
                    return;
                }
                LimitDecision::Pass { .. } => {}
            }
        }
        self.dispatch_upstream(g, r, processing);
    }

    /// The route gateway `g` takes for request `r`.
    pub(super) fn gw_route(&self, g: u32, r: u32) -> Option<GwRoute> {
        let routing = self.reqs[r as usize].routing as usize;
        self.routings.get(routing).and_then(|x| x.gw[g as usize])
    }

    /// A router retry leaves gateway `g` (the route's timeout, armed once, still runs).
    pub(super) fn redispatch(&mut self, g: u32, r: u32) {
        let Some(route) = self.gw_route(g, r) else {
            return self.end_journey(r, Outcome::NoRoute);
        };
        let (kind, a) = hop_event(route.hop);
        self.cross(r, route.link, 0, kind, a);
    }

    /// Gateway `g` sends request `r` upstream `extra` ns from now, arming the route's timeout now.
    pub(super) fn dispatch_upstream(&mut self, g: u32, r: u32, extra: u64) {
        let Some(route) = self.gw_route(g, r) else {
            return self.end_journey(r, Outcome::NoRoute);
        };
        self.reqs[r as usize].up_start = self.now + extra;
        if let Some(q) = route.timer {
            self.arm_route_timer(r, q);
        }
        let (kind, a) = hop_event(route.hop);
        self.cross(r, route.link, extra, kind, a);
    }

    /// Arms request `r`'s upstream timeout (route timer queue `q`) from now; a timer armed
    /// earlier for it no longer counts (its time is not the request's deadline).
    pub(super) fn arm_route_timer(&mut self, r: u32, q: u16) {
        let deadline = self.now + self.plan.timeouts_ns[q as usize];
        let req = &mut self.reqs[r as usize];
        let generation = req.generation;
        req.deadline = deadline;
        let key = self.next_key(deadline);
        self.timers[q as usize].push_back(Timer { key, req: r, generation, client: false });
    }

    /// NGINX's `proxy_read_timeout` is per attempt: a request NGINX sends to another server gets
    /// its route's timeout afresh.
    pub(super) fn rearm_route_timer(&mut self, r: u32) {
        let g = self.reqs[r as usize].gw;
        if g == NONE32 {
            return;
        }
        if let Some(q) = self.gw_route(g, r).and_then(|route| route.timer) {
            self.arm_route_timer(r, q);
        }
    }

    /// The balancer configuration a stint runs.
    #[inline]
    pub(super) fn lbp(&self, stint: u32) -> &'p crate::sim::plan::LbPlan {
        &self.plan.balancers[self.stints[stint as usize].0 as usize]
    }

    pub(super) fn at_balancer(&mut self, b: u32, r: u32) {
        let node = self.plan.balancers[b as usize].node;
        self.rec.node_arrival(node, self.now);
        if self.tl.is_some() {
            match self.node_fault(faults::NodeRef::Balancer(b), r) {
                faults::NodeFault::None | faults::NodeFault::Extra(_) => {}
                faults::NodeFault::Down => return self.unreachable(r, Kind::AtBalancer, b),
                faults::NodeFault::Answer(status) => {
                    self.reqs[r as usize].status = status;
                    self.rec.node_rejected(node, self.now);
                    self.failed_via(r);
                    return self.end_journey(r, Outcome::ServerError);
                }
            }
        }
        let live = self.lb_live[b as usize];
        let stint = if live.canary == NONE32 { live.cur } else { self.canary_pick(live, r) };
        let variant = self.stints[stint as usize].0;
        let routing = self.reqs[r as usize].routing as usize;
        let Some(p) = self.routings.get(routing).and_then(|x| x.lb[variant as usize]) else {
            return self.end_journey(r, Outcome::NoRoute);
        };
        self.admit(stint, p, r);
    }

    pub(super) fn at_service(&mut self, s: u32, r: u32) {
        let svc = &self.plan.services[s as usize];
        self.rec.node_arrival(svc.node, self.now);
        if self.is_function(s) {
            return self.function_arrival(s, r);
        }
        let n = svc.instances;
        let start = self.svc_next[s as usize] % n.max(1);
        // Round robin over the running instances.
        let Some(i) = (0..n).map(|k| (start + k) % n).find(|&i| self.stations[(svc.first_station + i) as usize].active)
        else {
            return self.end_journey(r, Outcome::NoUpstream);
        };
        self.svc_next[s as usize] = (i + 1) % n;
        self.enter_station(svc.first_station + i, r);
    }

    /// The request's journey ends here, now, with `outcome`: the answer travels back, unless a
    /// timer (the gateway's or the client's) gives up first and records that instead.
    pub(super) fn end_journey(&mut self, r: u32, outcome: Outcome) {
        self.release_breaker(r);
        let req = self.reqs[r as usize];
        if req.flags & DONE != 0 {
            return self.release(r);
        }
        let at_gw = self.now + req.back_gw;
        let gateway_late = req.deadline != NONE && at_gw > req.deadline;
        let answered = at_gw + req.back_client;
        let reaches_client = if gateway_late { req.deadline + req.back_client } else { answered };
        if gateway_late || (req.client_deadline != NONE && reaches_client > req.client_deadline) {
            self.reqs[r as usize].flags |= ENDED;
            return;
        }
        let status = if req.status != 0 { req.status } else { outcome.status() };
        self.settle(r, outcome, answered, status);
        self.release(r);
    }

    /// Sends request `r` over `link`, `extra` ns after now (processing time), to the node that an
    /// event of `kind` with index `a` stands for.
    #[inline]
    pub(super) fn cross(&mut self, r: u32, link: u32, extra: u64, kind: Kind, a: u32) {
        let region_ns = self.plan.links[link as usize].region_ns;
        self.cross_with(r, link, extra, region_ns, kind, a);
    }

    /// [`Simulation::cross`] with `region_ns` more each way (between the regions of the ends).
    /// Request `r` failed at the node it last reached: counted against the link it came over
    /// (the canvas colours links by the share of their requests failed behind them).
    #[inline]
    pub(super) fn failed_via(&mut self, r: u32) {
        let via = self.reqs[r as usize].via;
        self.rec.link_failed(via, self.now);
    }

    pub(super) fn cross_with(&mut self, r: u32, link: u32, extra: u64, region_ns: u64, kind: Kind, a: u32) {
        let lp = &self.plan.links[link as usize];
        let stream = lp.stream as usize;
        let mut d = if lp.latency.is_zero() { 0 } else { lp.latency.sample(&mut self.link_rng[stream]) };
        d += region_ns;
        if self.tl.is_some() {
            match self.link_fault(stream) {
                Some(faults::LinkFault::Partitioned) => return self.unreachable(r, kind, a),
                Some(faults::LinkFault::Extra(ns)) => d += ns,
                None => {}
            }
        }
        self.rec.link_crossed(stream as u32, self.now);
        let req = &mut self.reqs[r as usize];
        req.last_hop = d;
        req.via = stream as u32;
        if req.flags & VIA_GW != 0 {
            req.back_gw += d;
        } else {
            req.back_client += d;
        }
        let at = self.now + extra + d;
        if at == self.now {
            self.dispatch(Event { kind, a, b: r });
        } else {
            self.schedule(at, kind, a, r);
        }
    }

    /// A timer of request `r` fires: the gateway answers 504, or the client gives up. The first to
    /// matter records the outcome.
    pub(super) fn on_timeout(&mut self, r: u32, generation: u32, client: bool) {
        let req = self.reqs[r as usize];
        if req.generation != generation || req.flags & DONE != 0 || (!client && req.deadline != self.now) {
            // Over, or a gateway timer a later attempt's replaced.
            return;
        }
        if !client && self.timeout_next_upstream(r) {
            return;
        }
        let (outcome, answered) = if client {
            (Outcome::ClientTimeout, self.now)
        } else {
            let answered = self.now + req.back_client;
            if req.client_deadline != NONE && answered > req.client_deadline {
                // The client gives up before the gateway's 504 reaches it; its own timer records.
                return;
            }
            (Outcome::Timeout, answered)
        };
        self.settle(r, outcome, answered, outcome.status());
        if req.flags & ENDED != 0 {
            self.release(r);
        } else {
            self.reqs[r as usize].flags |= DONE;
        }
    }
}
