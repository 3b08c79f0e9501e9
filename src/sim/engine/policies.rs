//! The engine's side of the production policies (`crate::policy`): per-key rate-limit state,
//! each balancer pool's algorithm state, active health checks, and failover after a refused
//! connection, each with the semantics of the product the balancer's algorithm names.

use super::balancers::{ClientKey, PoolBalancer};
use super::{Kind, NONE, NONE32, Req, Simulation, VIA_GW};
use crate::metrics::{NO_USER, Outcome};
use crate::model::{Failover, Product};
use crate::policy::balance::PeerStatus;
use crate::policy::breaker::BreakerState;
use crate::policy::health::{CheckResult, HaproxyCheckState, Transition};
use crate::policy::next_upstream::{NextDecision, Trigger};
use crate::policy::outlier::OutlierDetector;
use crate::policy::panic::PriorityHosts;
use crate::policy::ratelimit::{AnyLimiter, DescriptorSource, EnvoyLocal, LimitDecision, LimiterStates};
use crate::sim::plan::{LbPlan, Plan};
use crate::sim::rng::{Purpose, Stream};
use crate::sim::time::NS_PER_S;
use std::collections::VecDeque;
use std::fmt::Write as _;

/// How long active checks go on after arrivals stop (requests still in flight may need them).
const CHECKS_AFTER_END_NS: u64 = 30 * NS_PER_S;

/// One pool of a balancer at run time.
#[derive(Clone, Debug)]
pub(super) struct PoolState {
    pub(super) balancer: PoolBalancer,
    /// Marked down by active checks.
    down: Vec<bool>,
    checks: Vec<HaproxyCheckState>,
    /// Ejected by outlier detection.
    pub(super) ejected: Vec<bool>,
    /// Envoy outlier detection, if configured.
    pub(super) outlier: Option<OutlierDetector>,
    /// Envoy circuit-breaker counters.
    pub(super) breaker: BreakerState,
    /// Requests waiting for a connection (the breaker's pending queue).
    pub(super) pending: VecDeque<u32>,
}

/// Everything the balancers need at run time.
pub(super) struct BalancerSetup {
    pub(super) pools: Vec<Vec<PoolState>>,
    pub(super) rngs: Vec<Stream>,
    pub(super) check_slots: Vec<CheckSlot>,
    pub(super) sweep_slots: Vec<(u32, u16)>,
}

/// An active-check slot: (balancer, pool, position in the pool).
pub(super) type CheckSlot = (u32, u16, u32);

/// Builds every balancer node's random stream and the first stint of each (the file's
/// configuration), with their active-check and outlier-sweep slots.
pub(super) fn balancers(plan: &Plan, replicate: u32) -> BalancerSetup {
    let mut setup =
        BalancerSetup { pools: Vec::new(), rngs: Vec::new(), check_slots: Vec::new(), sweep_slots: Vec::new() };
    for b in 0..plan.base_balancers {
        let lb = &plan.balancers[b as usize];
        let mut rng = Stream::new(plan.seed, replicate, &plan.nodes[lb.node as usize].0, Purpose::Choice);
        let pools = stint_pools(plan, b, b, &mut rng, &mut setup.check_slots, &mut setup.sweep_slots);
        setup.pools.push(pools);
        setup.rngs.push(rng);
    }
    setup
}

/// Fresh run-time state of balancer configuration `variant` for stint `stint` (its algorithm's
/// state, check and outlier state, breaker counters), adding its check and sweep slots.
pub(super) fn stint_pools(
    plan: &Plan,
    variant: u32,
    stint: u32,
    rng: &mut Stream,
    check_slots: &mut Vec<CheckSlot>,
    sweep_slots: &mut Vec<(u32, u16)>,
) -> Vec<PoolState> {
    let lb = &plan.balancers[variant as usize];
    // A pinned start is where the run finds the balancer; a reload starts where the product
    // starts a fresh one (NGINX and HAProxy at 0, Envoy at a new random seed).
    let start = if stint < plan.base_balancers { lb.start } else { None };
    lb.pools
        .iter()
        .enumerate()
        .map(|(p, members)| {
            let initial = lb.check.as_ref().map(|c| c.initial_state()).unwrap_or_default();
            if lb.check.is_some() {
                check_slots.extend((0..members.len()).map(|pos| (stint, p as u16, pos as u32)));
            }
            let outlier = lb.outlier.clone().and_then(|cfg| OutlierDetector::new(cfg, members.len()).ok());
            if outlier.is_some() {
                sweep_slots.push((stint, p as u16));
            }
            let names: Vec<&str> = members.iter().map(|m| plan.stations[m.station as usize].name.as_str()).collect();
            PoolState {
                balancer: PoolBalancer::new(lb.algorithm, start, members, &names, rng),
                down: vec![false; members.len()],
                checks: vec![initial; members.len()],
                ejected: vec![false; members.len()],
                outlier,
                breaker: BreakerState::default(),
                pending: VecDeque::new(),
            }
        })
        .collect()
}

/// The status a balancer answers when no attempt is left: HAProxy 503, NGINX (and the generic
/// balancer) 502.
fn no_upstream_status(lb: &LbPlan) -> u16 {
    match lb.algorithm.product() {
        _ if matches!(lb.failover, Failover::HaproxyRetries { .. }) => 503,
        // HAProxy "no server available"; Envoy "no healthy upstream".
        Product::Haproxy | Product::Envoy => 503,
        // NGINX "no live upstreams".
        Product::Nginx | Product::Generic => 502,
    }
}

impl Simulation<'_> {
    /// The dense key of request `r` for a limit keyed on `key` (`None`: the request carries no
    /// key). Population users appear as their address for `Client`, as themselves for `User`;
    /// trace keys are keys already.
    pub(super) fn limit_key(&self, r: u32, key: crate::model::LimitKey) -> Option<usize> {
        let req = &self.reqs[r as usize];
        match key {
            crate::model::LimitKey::Global => return Some(0),
            _ if req.user == NO_USER => return None,
            _ => {}
        }
        let by_user = key == crate::model::LimitKey::User;
        let offsets = if by_user { &self.user_offsets } else { &self.key_offsets };
        let offset = offsets.get(req.pop as usize).copied().unwrap_or(0);
        let k = match self.plan.pops.get(req.pop as usize) {
            Some(_) if by_user => req.user,
            Some(p) => req.user % p.addresses.max(1),
            None => req.user,
        };
        Some(offset as usize + k as usize)
    }

    /// Applies limiter `l` of the plan to request `r`.
    pub(super) fn apply_limit(&mut self, l: u16, r: u32) -> LimitDecision {
        let plan = self.plan;
        let lp = &plan.limiters[l as usize];
        let Some(key) = self.limit_key(r, lp.key) else { return LimitDecision::Pass { delay_ns: 0 } };
        if let AnyLimiter::EnvoyLocal(local) = &lp.limiter {
            return self.apply_envoy_local(l, local, key, r);
        }
        lp.limiter.check(&mut self.limit_states[l as usize], key, self.now)
    }

    /// Applies Envoy local rate limit `local` (limiter `l`) to request `r` of limit key `key`:
    /// the request's descriptor is its client address or API key, matched against the
    /// descriptors' values once per key (then remembered).
    fn apply_envoy_local(&mut self, l: u16, local: &EnvoyLocal, key: usize, r: u32) -> LimitDecision {
        let matched = if local.descriptors().is_empty() { None } else { self.descriptor_of(l, local, r) };
        let base = self.plan.gateways[self.reqs[r as usize].gw as usize].base as usize;
        let lp = &self.plan.limiters[l as usize];
        lp.limiter.check_envoy_local(
            &mut self.limit_states[l as usize],
            key,
            matched,
            &mut self.limit_rng[base],
            self.now,
        )
    }

    /// The descriptor of `local` (limiter `l`) request `r` matches, if any.
    fn descriptor_of(&mut self, l: u16, local: &EnvoyLocal, r: u32) -> Option<usize> {
        let source = match local.source() {
            DescriptorSource::RemoteAddress => crate::model::LimitKey::Client,
            DescriptorSource::ApiKey => crate::model::LimitKey::User,
        };
        let k = self.limit_key(r, source)?;
        if let LimiterStates::EnvoyLocal { matched, .. } = &self.limit_states[l as usize]
            && let Some(&m) = matched.get(k)
            && m != 0
        {
            return (m >= 2).then(|| (m - 2) as usize);
        }
        let mut buf = std::mem::take(&mut self.key_buf);
        buf.clear();
        let req = &self.reqs[r as usize];
        match (source, self.plan.pops.get(req.pop as usize)) {
            (crate::model::LimitKey::User, Some(p)) => {
                write!(buf, "{}-{}", p.name, req.user).ok();
            }
            _ => {
                self.client_key(r, &mut buf);
            }
        }
        let found = local.match_value(&buf);
        self.key_buf = buf;
        if let LimiterStates::EnvoyLocal { matched, .. } = &mut self.limit_states[l as usize] {
            if k >= matched.len() {
                matched.resize(k + 1, 0);
            }
            matched[k] = found.map_or(1, |i| i as u32 + 2);
        }
        found
    }

    /// Writes request `r`'s client key into `buf` (a population user's address as `10.x.y.z`, a
    /// trace's key as it is) and returns its IPv4 bytes when it is one.
    fn client_key(&self, r: u32, buf: &mut String) -> Option<[u8; 4]> {
        let req = &self.reqs[r as usize];
        if req.user == NO_USER {
            return None;
        }
        if let Some(p) = self.plan.pops.get(req.pop as usize) {
            let a = req.user % p.addresses.max(1);
            // Users come from 10.0.0.0/8; attack traffic from 172.16.0.0/12.
            let ip = if p.attack {
                [172, 16 | ((a >> 16) & 0x0f) as u8, (a >> 8) as u8, a as u8]
            } else {
                [10, (a >> 16) as u8, (a >> 8) as u8, a as u8]
            };
            write!(buf, "{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]).ok();
            return Some(ip);
        }
        let name = self.trace_key_name(req.user)?;
        buf.push_str(name);
        name.parse::<std::net::Ipv4Addr>().ok().map(|a| a.octets())
    }

    /// Balancer `b` chooses an instance of pool `p` for request `r`, or answers that none is left.
    pub(super) fn pick_and_send(&mut self, b: u32, p: u16, r: u32) {
        let picked = self.choose(b, p, r);
        self.send_to_member(b, p, r, picked);
    }

    /// Balancer `b`'s choice of an instance of pool `p` for request `r` (its state moves on: a
    /// rotation advances), without sending anything.
    pub(super) fn choose(&mut self, b: u32, p: u16, r: u32) -> Option<usize> {
        let mut buf = std::mem::take(&mut self.key_buf);
        buf.clear();
        let ipv4 =
            if self.lbs[b as usize][p as usize].balancer.needs_key() { self.client_key(r, &mut buf) } else { None };
        let key = ClientKey { text: buf.as_bytes(), ipv4 };
        let lb = self.lbp(b);
        let members = &lb.pools[p as usize];
        let rng = self.stints[b as usize].1 as usize;
        let pool = &mut self.lbs[b as usize][p as usize];
        let req = &self.reqs[r as usize];
        let avoid_only_last = matches!(lb.failover, Failover::HaproxyRetries { .. });
        let usable = |i: usize| {
            let unhealthy = pool.down[i] || pool.ejected[i] || !self.stations[members[i].station as usize].active;
            let tried = if avoid_only_last { i as u32 == req.avoid } else { i < 64 && req.tried & (1 << i) != 0 };
            !(unhealthy || tried)
        };
        if let PoolBalancer::RoundRobin { next } = &mut pool.balancer {
            // The generic rotation needs no status vector: check each candidate as it comes.
            let n = members.len();
            let start = *next as usize % n.max(1);
            let picked = (0..n).map(|k| (start + k) % n).find(|&i| usable(i));
            if let Some(i) = picked {
                *next = ((i + 1) % n) as u32;
            }
            self.key_buf = buf;
            return picked;
        }
        self.scratch.clear();
        self.scratch.extend((0..members.len()).map(|i| PeerStatus {
            down: pool.down[i] || pool.ejected[i] || !self.stations[members[i].station as usize].active,
            tried: if avoid_only_last { i as u32 == req.avoid } else { i < 64 && req.tried & (1 << i) != 0 },
            full: false,
        }));
        if let Some(panic) = &lb.panic {
            // Hosts are the instances running and ready (`active`): Envoy's `isHostSetInPanic`
            // (load_balancer_impl.cc, 1.40) divides healthy by `host_set.hosts().size()`, the
            // endpoints the cluster has, and a pod starting, not ready or scaled away is none. An
            // instance down in an outage is still a host (unhealthy once checks or ejection say
            // so). In panic Envoy ignores the hosts' health, never takes in non-hosts. P2C least
            // request, ring hash and Maglev rebuild their tables from the same statuses
            // (`!active` is down), so they too only see the host set.
            let running = (0..members.len()).filter(|&i| self.stations[members[i].station as usize].active);
            let (hosts, healthy) =
                running.fold((0u64, 0u64), |(h, ok), i| (h + 1, ok + u64::from(!(pool.down[i] || pool.ejected[i]))));
            let set = PriorityHosts { hosts, healthy, degraded: 0, excluded: 0 };
            if healthy < hosts && panic.in_panic(&[set], 0) {
                for (status, m) in self.scratch.iter_mut().zip(members) {
                    if self.stations[m.station as usize].active {
                        status.down = false;
                    }
                }
            }
        }
        let hash = &mut self.hash_reqs[r as usize];
        let picked = pool.balancer.pick(self.now, &self.scratch, key, hash, &mut self.lb_rngs[rng]);
        self.key_buf = buf;
        picked
    }

    /// Sends request `r` to position `picked` of pool `p` of balancer `b`, or answers that no
    /// instance is left.
    fn send_to_member(&mut self, b: u32, p: u16, r: u32, picked: Option<usize>) {
        let Some(pos) = picked else {
            return self.no_upstream(b, r);
        };
        let members = &self.lbp(b).pools[p as usize];
        let pool = &mut self.lbs[b as usize][p as usize];
        pool.balancer.on_start(pos);
        let member = members[pos];
        let req = &mut self.reqs[r as usize];
        req.lb = b;
        req.pool = p;
        req.pool_pos = pos as u32;
        req.attempts = req.attempts.saturating_add(1);
        self.cross(r, member.link, 0, Kind::AtStation, member.station);
    }

    /// No instance can take request `r`: the balancer answers itself.
    pub(super) fn no_upstream(&mut self, b: u32, r: u32) {
        let lb = self.lbp(b);
        self.reqs[r as usize].status = no_upstream_status(lb);
        self.rec.node_rejected(lb.node, self.now);
        self.failed_via(r);
        self.end_journey(r, Outcome::NoUpstream);
    }

    /// The instance request `r` was sent to has answered (`ok`) or refused the connection: the
    /// balancer learns it, and the connection is given back.
    pub(super) fn member_finished(&mut self, r: u32, ok: bool) {
        let req = &self.reqs[r as usize];
        if req.lb == u32::MAX {
            return;
        }
        if let Some(pool) = self.lbs.get_mut(req.lb as usize).and_then(|l| l.get_mut(req.pool as usize)) {
            pool.balancer.on_finish(req.pool_pos as usize, ok, self.now);
        }
        self.release_connection(r);
    }

    /// Station `k` refused request `r`'s connection. What happens next is the balancer's failover.
    pub(super) fn refused(&mut self, k: u32, r: u32) {
        self.log_attempt(r, k, true);
        if self.reqs[r as usize].lb == u32::MAX {
            return self.end_journey(r, Outcome::NoUpstream);
        }
        self.member_finished(r, false);
        self.record_outlier(r, 503);
        if self.router_retry(r, 0) {
            return;
        }
        let b = self.reqs[r as usize].lb;
        if self.lbp(b).algorithm.product() == Product::Envoy {
            // Envoy has no balancer-level failover: without a router retry the client gets 503.
            return self.no_upstream(b, r);
        }
        let failover = &self.lbp(b).failover;
        let decision = self.next_upstream_decision(r, Trigger::Error);
        let req = &mut self.reqs[r as usize];
        // The refusal travels back over the link it came by.
        let back = req.unwind_last_hop();
        let attempts = u32::from(req.attempts);
        let pos = req.pool_pos;
        match failover {
            Failover::Off => return self.no_upstream(b, r),
            Failover::NextInstance => {}
            Failover::NginxNextUpstream { .. } => {
                if !matches!(decision, Some(NextDecision::Next { .. })) {
                    // No try left (`ngx_http_upstream_next`): the refusal reaches NGINX, which
                    // answers 502.
                    req.rewind_last_hop(back);
                    return self.no_upstream(b, r);
                }
            }
            &Failover::HaproxyRetries { retries, redispatch, connect_timeout_ms } => {
                // HAProxy 2.6.12: `retries N` allows N + 1 connection attempts.
                if attempts > retries {
                    return self.no_upstream(b, r);
                }
                if !redispatch {
                    // Same server again after the turn-around pause, min(timeout connect, 1 s).
                    let pause = connect_timeout_ms.saturating_mul(1_000_000).min(NS_PER_S);
                    self.schedule(self.now + back + pause, Kind::RetrySame, b, r);
                    return;
                }
                req.avoid = pos;
            }
        }
        req.mark_tried();
        self.repick_after(b, r, back);
    }

    /// Request `r` chooses again at balancer `b` once back there, `back` from now.
    fn repick_after(&mut self, b: u32, r: u32, back: u64) {
        if back == 0 {
            self.retry_pick(b, r);
        } else {
            self.schedule(self.now + back, Kind::Repick, b, r);
        }
    }

    /// NGINX `proxy_next_upstream` (`crate::policy::next_upstream`) after request `r`'s attempt
    /// ended with `trigger`, if its balancer is an NGINX one with `NginxNextUpstream`.
    fn next_upstream_decision(&self, r: u32, trigger: Trigger) -> Option<NextDecision> {
        let req = &self.reqs[r as usize];
        let lb = self.lbp(req.lb);
        let next = lb.next_upstream.as_ref()?;
        let peers = lb.pools.get(req.pool as usize).map_or(0, |p| p.len() as u32);
        // NGINX sees the outcome at the gateway, `back_gw` from here.
        let start = if req.up_start == NONE { req.created } else { req.up_start };
        let elapsed_ms = (self.now + req.back_gw).saturating_sub(start) / 1_000_000;
        // Simulated requests are GETs: idempotent.
        Some(next.decide(trigger, u32::from(req.attempts), peers, elapsed_ms, false))
    }

    /// Request `r`'s upstream timeout (NGINX `proxy_read_timeout`) elapsed while its attempt was
    /// at a station: NGINX frees the peer as failed (`ngx_http_upstream_next`,
    /// `NGX_HTTP_UPSTREAM_FT_TIMEOUT`) and, with `timeout` listed and a try left, sends the request
    /// to another server (returns true). Otherwise the caller answers 504. The abandoned attempt
    /// goes on at its station for nobody. Not an NGINX balancer, or no attempt at a station:
    /// false, nothing changed.
    pub(super) fn timeout_next_upstream(&mut self, r: u32) -> bool {
        let req = &self.reqs[r as usize];
        if req.lb == NONE32 || req.at_station == NONE32 {
            return false;
        }
        let Some(decision) = self.next_upstream_decision(r, Trigger::Timeout) else { return false };
        self.member_finished(r, false);
        let b = self.reqs[r as usize].lb;
        let req = &mut self.reqs[r as usize];
        req.stale = req.stale.saturating_add(1);
        req.at_station = NONE32;
        if !matches!(decision, NextDecision::Next { .. }) {
            return false;
        }
        // NGINX, gateway and balancer in one, chooses again at once.
        let back = req.last_hop;
        if req.flags & VIA_GW != 0 {
            req.back_gw = req.back_gw.saturating_sub(back);
        }
        req.mark_tried();
        self.retry_pick(b, r);
        true
    }

    /// Station `k`'s answer to request `r` was `status`: with NGINX `proxy_next_upstream`
    /// listing it and a try left, the peer is freed (failed unless 403/404) and the request goes
    /// back to the balancer to choose another server. Returns whether it did.
    pub(super) fn next_upstream_on_status(&mut self, r: u32, status: u16) -> bool {
        if self.reqs[r as usize].lb == NONE32 {
            return false;
        }
        let Some(NextDecision::Next { failed }) = self.next_upstream_decision(r, Trigger::Status(status)) else {
            return false;
        };
        self.member_finished(r, !failed);
        let b = self.reqs[r as usize].lb;
        let req = &mut self.reqs[r as usize];
        // The answer travels back over the link it came by.
        let back = req.unwind_last_hop();
        req.mark_tried();
        self.repick_after(b, r, back);
        true
    }

    /// Request `r` is back at balancer `b` after a refusal: choose again in the same pool.
    pub(super) fn retry_pick(&mut self, b: u32, r: u32) {
        if self.lbp(b).next_upstream.is_some() {
            self.rearm_route_timer(r);
        }
        let p = self.reqs[r as usize].pool;
        self.connect_or_queue(b, p, r);
    }

    /// HAProxy without redispatch: request `r` tries the same instance again.
    pub(super) fn retry_same(&mut self, b: u32, r: u32) {
        let req = &mut self.reqs[r as usize];
        let (p, pos) = (req.pool, req.pool_pos as usize);
        req.attempts = req.attempts.saturating_add(1);
        let member = self.lbp(b).pools[p as usize][pos];
        if let Some(pool) = self.lbs.get_mut(b as usize).and_then(|l| l.get_mut(p as usize)) {
            pool.balancer.on_start(pos);
        }
        self.cross(r, member.link, 0, Kind::AtStation, member.station);
    }

    /// Schedules the first active check of every checked instance, spread over `inter` as HAProxy
    /// spreads the checks of a backend's servers.
    pub(super) fn schedule_checks(&mut self) {
        self.schedule_checks_from(0);
    }

    /// Schedules the first checks of the check slots from `first` on (a new stint's), `inter`
    /// spread from now.
    pub(super) fn schedule_checks_from(&mut self, first: usize) {
        for slot in first..self.check_slots.len() {
            let (b, p, pos) = self.check_slots[slot];
            let lb = self.lbp(b);
            let Some(check) = &lb.check else { continue };
            let count = lb.pools[p as usize].len() as u64;
            let at = self.now + check.first_delay_ns(u64::from(pos), count);
            self.schedule(at, Kind::Check, slot as u32, 0);
        }
    }

    /// One active check: a down (refusing) instance fails it, and so does a running one whose
    /// health status a layer 7 check does not expect; a transition takes the instance out of, or
    /// back into, the pool's rotation.
    pub(super) fn on_check(&mut self, slot: u32) {
        let Some(&(b, p, pos)) = self.check_slots.get(slot as usize) else { return };
        let lb = self.lbp(b);
        let Some(check) = &lb.check else { return };
        let station = lb.pools[p as usize][pos as usize].station;
        let result = if self.stations[station as usize].down {
            CheckResult::Failure
        } else {
            // A layer 7 check also needs the status it expects from the running instance.
            let status = || self.plan.svc_cfgs[self.station_cfg[station as usize] as usize].health_status;
            match &lb.http_check {
                Some(h) if !h.passes(status()) => CheckResult::Failure,
                _ => CheckResult::Success,
            }
        };
        let pool = &mut self.lbs[b as usize][p as usize];
        let state = &mut pool.checks[pos as usize];
        match check.record(state, result) {
            Transition::Down => {
                pool.down[pos as usize] = true;
                pool.balancer.set_down(pos as usize, true);
            }
            Transition::Up => {
                pool.down[pos as usize] = false;
                pool.balancer.set_down(pos as usize, false);
            }
            Transition::None => {}
        }
        let next = self.now + check.next_delay_ns(state);
        if next < self.plan.duration_ns.saturating_add(CHECKS_AFTER_END_NS) && self.stint_in_use(b) {
            self.schedule(next, Kind::Check, slot, 0);
        }
    }
}

impl Req {
    /// Takes the last hop off the request's way back and returns its delay: an answer or a
    /// refusal travels back over the link the attempt came by, so that link is behind it.
    fn unwind_last_hop(&mut self) -> u64 {
        let back = self.last_hop;
        if self.flags & VIA_GW != 0 {
            self.back_gw -= back;
        } else {
            self.back_client -= back;
        }
        back
    }

    /// Puts back what [`Req::unwind_last_hop`] took: the answer goes all the way back after all.
    fn rewind_last_hop(&mut self, back: u64) {
        if self.flags & VIA_GW != 0 {
            self.back_gw += back;
        } else {
            self.back_client += back;
        }
    }

    /// Marks the instance at the request's pool position as tried (positions past 64 are not
    /// remembered: they may be chosen again).
    fn mark_tried(&mut self) {
        if self.pool_pos < 64 {
            self.tried |= 1 << self.pool_pos;
        }
    }
}
