//! The discrete-event engine: one replicate of a [`Plan`].
//!
//! # Ordering guarantees
//! - Events run in order of `(time, insertion sequence)`: two events at the same nanosecond run in
//!   the order they were scheduled. Timer expiries take their sequence number when armed.
//! - A hop with a zero delay (a 0 ms link, no processing time) is handled at once, inside the event
//!   that caused it, before any other event of the same instant.
//! - Randomness comes only from the per-component [`Stream`]s, so a replicate is a pure function of
//!   `(plan, replicate index)`.
//!
//! # Request life cycle
//! A request is created by its population's arrival event, crosses links (each crossing draws a
//! latency; the response crosses back with the same draw), passes at most one gateway (which may arm
//! an upstream timeout, measured from the moment the gateway receives the request), a balancer, and
//! ends at a station: served, or turned away when the queue is full. The answer's arrival time at
//! the gateway and at the client is computed when the journey ends; no event is needed for it.
//! A timed-out request keeps its place at the station: the service does not know the gateway gave up
//! and still spends the work (as real servers do).
//!
//! The engine never reads the wall clock, never does I/O and allocates only while queues grow.

mod alarms;
mod autoscale;
mod balancers;
mod clients;
mod faults;
mod global;
mod journey;
mod policies;
mod probes;
mod resilience;
mod serverless;
mod stations;
mod timeline;
mod trace;

pub use trace::TraceEntry;

use super::plan::{GwRoute, Hop, Plan, Routing};
use super::rng::{Purpose, Stream};
use crate::metrics::{Outcome, Recorder};
use crate::policy::balance::{NginxHashRequest, PeerStatus};
use crate::policy::ratelimit::{LimitDecision, LimiterStates};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// What an event does. `a` and `b` are indices whose meaning depends on the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Population `a` sends its next request.
    Arrival,
    /// Request `b` reaches gateway `a`.
    AtGateway,
    /// Request `b` reaches balancer `a`.
    AtBalancer,
    /// Request `b` reaches service `a` directly (no balancer).
    AtService,
    /// Request `b` reaches station `a`.
    AtStation,
    /// Station `a` finishes serving request `b`.
    Done,
    /// The next request of the trace is sent.
    TraceArrival,
    /// Station `a` goes down (`b == 0`) or comes back up (`b == 1`).
    Outage,
    /// Gateway `a` sends request `b` upstream after a rate-limit delay.
    Dispatch,
    /// Active check slot `a` runs.
    Check,
    /// Request `b`, refused, is back at balancer `a` to choose again.
    Repick,
    /// Request `b`, refused, tries the same instance again through balancer `a` (HAProxy).
    RetrySame,
    /// Outlier-detection sweep of slot `a`.
    Sweep,
    /// Gateway `a` sends request `b` upstream again (a router retry after its backoff).
    Redispatch,
    /// The autoscaler of service `a` syncs.
    Autoscale,
    /// Population `a` sends request `b` (a client retry).
    ClientSend,
    /// A new pod of station `a` is ready.
    InstanceReady,
    /// Change `a` reaches stage `b` of its rollout (`b == stages`: every request has it).
    Change,
    /// Change `a` is rolled back at its scheduled time.
    Rollback,
    /// Fault `a` starts (`b == 0`) or ends (`b == 1`).
    Fault,
    /// Traffic event `a` starts (`b == 0`) or ends (`b == 1`) (for the log; its population sends).
    Traffic,
    /// Alarm `a` is evaluated.
    Alarm,
    /// Action `a`: triggered (`b == 0`), a person's phase `b - 1` done (`b` 1 to 3), acts (`b == 4`).
    Action,
    /// Station `a` may crash: its queue has been full since the moment numbered `b`.
    Crash,
    /// Station `a` serves again after a crash.
    Restart,
    /// Checker `b` of DNS name `a` probes its records.
    DnsCheck,
    /// Data store `a` takes writes again: a replica promoted (`b == 1`) or a backup restored.
    StoreRecovered,
    /// Request `b` could not be sent: its DNS name gave no answer it can reach.
    Unresolved,
    /// A probe of container station `a` runs (`b`: its start's generation << 1 | 0 liveness, 1
    /// readiness).
    Probe,
    /// Container station `a`, killed by its liveness probe, runs again (`b`: its generation).
    ContainerRestart,
}

#[derive(Clone, Copy, Debug)]
struct Event {
    kind: Kind,
    a: u32,
    b: u32,
}

/// A heap entry: ordered by `key = time << 64 | seq`, smallest first.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u128,
    ev: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// An armed timeout: all entries of one queue share one duration, so they expire in the order they
/// were armed and a FIFO is enough.
#[derive(Clone, Copy, Debug)]
struct Timer {
    key: u128,
    req: u32,
    generation: u32,
    /// A client timeout (the client gives up) rather than a gateway's upstream timeout.
    client: bool,
}

/// The event that delivers a request to `hop`.
#[inline]
fn hop_event(hop: Hop) -> (Kind, u32) {
    match hop {
        Hop::Gateway(g) => (Kind::AtGateway, g),
        Hop::Balancer(b) => (Kind::AtBalancer, b),
        Hop::Service(s) => (Kind::AtService, s),
        // Resolved before sending (`Simulation::send`); a DNS name is never a request's next hop.
        Hop::Dns(_) => (Kind::Unresolved, 0),
    }
}

const NONE: u64 = u64::MAX;
const NONE32: u32 = u32::MAX;
/// The outcome is recorded.
const DONE: u8 = 1;
/// The journey ended after the deadline; the timer will record the timeout and free the request.
const ENDED: u8 = 2;
/// The request passed a gateway; latencies now add to the gateway leg.
const VIA_GW: u8 = 4;
/// Its instance crashed while serving it: when its service would have ended, it fails with 502.
const CRASHED: u8 = 8;
/// Its data-store call failed (a write while no primary takes writes, or no copy to read from):
/// when its service ends, it fails with 503.
const STORE_FAILED: u8 = 16;
/// A trace request whose `status` column names instances (looked up in `TraceState::answers`).
const NAMED_ANSWERS: u8 = 32;

/// Per-request state, in a reused slab.
#[derive(Clone, Copy, Debug)]
struct Req {
    generation: u32,
    pop: u32,
    user: u32,
    /// Index into the simulation's routing table.
    routing: u32,
    flags: u8,
    created: u64,
    deadline: u64,
    /// Return latency from the gateway (or, without one, from the current hop) to the client.
    back_client: u64,
    /// Return latency from the current hop to the gateway.
    back_gw: u64,
    /// When it reached its station.
    station_in: u64,
    /// Trace requests: position in the trace (for decisions in input order).
    seq: u64,
    /// Population requests: the attempt (0 for the first), the backoff slept before it, and when
    /// the client gives up on it (`NONE`: never).
    attempt: u8,
    slept_ns: u64,
    client_deadline: u64,
    /// Trace requests: the service time the trace gives, or `NONE` to draw one.
    service_ns: u64,
    /// Trace requests: the status every instance not named answers (0: as the model says).
    answer: u16,
    /// When the gateway sent it upstream (NGINX `u->peer.start_time`; `NONE`: no gateway).
    up_start: u64,
    /// The station its current attempt is at (`NONE32`: none), and how many attempts NGINX gave
    /// up on (`proxy_read_timeout`) are still at their stations: the slot is freed after them.
    at_station: u32,
    stale: u8,
    /// The balancer that chose its instance (`u32::MAX`: none).
    lb: u32,
    /// The position the balancer chose in its pool.
    pool_pos: u32,
    /// Latency of the last link crossed (a refused connection returns over it).
    last_hop: u64,
    /// The last link crossed (its recorder index; `NONE32` before the first).
    via: u32,
    /// Pool positions already tried (bit i = position i; positions >= 64 are not tracked).
    tried: u64,
    /// The pool of `lb` it was balanced in.
    pool: u16,
    /// Connection attempts so far.
    attempts: u8,
    /// HAProxy `srvtoavoid`: the pool position refused last (`u32::MAX`: none).
    avoid: u32,
    /// The HTTP status, when a policy answers with another than its outcome's default (0: default).
    status: u16,
    /// The gateway it passed (`NONE32`: none).
    gw: u32,
    /// Router retries so far, and the backoff interval for the next.
    retries: u8,
    backoff_ms: u64,
    /// What it holds on a circuit breaker (`resilience::HOLDS_*` bits), and whose.
    bk: u8,
    bk_lb: u32,
    bk_pool: u16,
}

impl Req {
    /// A request with nothing decided yet.
    fn new() -> Req {
        Req {
            generation: 0,
            pop: 0,
            user: 0,
            routing: 0,
            flags: 0,
            created: 0,
            deadline: NONE,
            back_client: 0,
            back_gw: 0,
            station_in: 0,
            seq: 0,
            attempt: 0,
            slept_ns: 0,
            client_deadline: NONE,
            service_ns: NONE,
            answer: 0,
            up_start: NONE,
            at_station: NONE32,
            stale: 0,
            lb: u32::MAX,
            pool_pos: 0,
            last_hop: 0,
            via: NONE32,
            tried: 0,
            pool: 0,
            attempts: 0,
            avoid: u32::MAX,
            status: 0,
            gw: NONE32,
            retries: 0,
            backoff_ms: 0,
            bk: 0,
            bk_lb: NONE32,
            bk_pool: 0,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Station {
    busy: u32,
    queue: VecDeque<u32>,
    last_change: u64,
    /// Refusing new connections (an outage); requests already accepted finish.
    down: bool,
    /// Running and taking requests (autoscaling starts and stops instances).
    active: bool,
    /// A pod started by the autoscaler, not ready yet.
    starting: bool,
    /// Busy slot-ns since the autoscaler last read it.
    busy_acc: u128,
    /// Crashed (resource exhaustion) and not restarted yet.
    crashed: bool,
    /// A serverless environment just started: its first request pays the cold start.
    cold: bool,
}

/// Which configuration of a node serves a request: `cur`, or for a share of requests during a
/// staged rollout, `canary`.
#[derive(Clone, Copy, Debug)]
struct Live {
    cur: u32,
    /// `NONE32`: no canary.
    canary: u32,
    share: f64,
    by: crate::model::CanaryBy,
    /// The change rolling out (whose stream draws the split).
    change: u32,
}

impl Live {
    fn fixed(cur: u32) -> Live {
        Live { cur, canary: NONE32, share: 0.0, by: crate::model::CanaryBy::Requests, change: 0 }
    }
}

/// One replicate in progress. Build it with [`Simulation::new`], then [`Simulation::run`] or
/// [`Simulation::step_until`] for incremental runs.
#[derive(Debug)]
pub struct Simulation<'p> {
    plan: &'p Plan,
    now: u64,
    seq: u64,
    heap: BinaryHeap<Entry>,
    timers: Vec<VecDeque<Timer>>,
    reqs: Vec<Req>,
    free: Vec<u32>,
    stations: Vec<Station>,
    /// Per balancer and pool: the algorithm's state, check state and down marks.
    lbs: Vec<Vec<policies::PoolState>>,
    /// Per balancer: its random stream (random and power-of-choices picks, random starts).
    lb_rngs: Vec<Stream>,
    /// Per request slot: an NGINX hash balancer's state across the request's tries.
    hash_reqs: Vec<NginxHashRequest>,
    /// Reused buffer for a request's client key.
    key_buf: String,
    /// Per gateway node: the configuration in force (an index into `plan.gateways`), and a canary.
    gw_live: Vec<Live>,
    /// Per balancer node: the stint in force (an index into `lbs`), and a canary stint.
    lb_live: Vec<Live>,
    /// Per stint: the balancer configuration it runs (an index into `plan.balancers`) and its node.
    /// A stint is a balancer's state from one (re)load of its configuration to the next: requests
    /// in flight finish on the stint that sent them, as old workers finish theirs after a reload.
    stints: Vec<(u32, u32)>,
    /// Per station: the configuration of its service it runs (an index into `plan.svc_cfgs`).
    station_cfg: Vec<u32>,
    /// Per service: the configuration in force.
    svc_live: Vec<u32>,
    /// Per service: its environments when it runs as a serverless function (empty when none
    /// does).
    fns: Vec<Option<serverless::FnState>>,
    /// Per station: its Kubernetes probes' state (empty when no service runs probed containers).
    probes: Vec<probes::ProbeState>,
    /// The timeline's run-time state (none for a steady-state run).
    tl: Option<Box<timeline::TlState>>,
    /// DNS names, regions and data stores (none when the plan has none of them).
    global: Option<Box<global::GlobalState>>,
    /// When (and with how many requests in flight) the run passed `plan.max_in_flight` and
    /// stopped.
    overflow: Option<(u64, usize)>,
    /// Active-check slots: (balancer, pool, position).
    check_slots: Vec<policies::CheckSlot>,
    /// Outlier-sweep slots: (balancer, pool).
    sweep_slots: Vec<(u32, u16)>,
    /// Per service: its autoscaler, if any.
    autoscalers: Vec<Option<autoscale::Autoscaler>>,
    /// Reused per pick.
    scratch: Vec<PeerStatus>,
    /// Per limiter: state of each key (index 0 for a global limit).
    limit_states: Vec<LimiterStates>,
    /// Per population (and last, the trace): offset of its client addresses in the dense key
    /// space of limits keyed on the client.
    key_offsets: Vec<u32>,
    /// The same for limits keyed on the user.
    user_offsets: Vec<u32>,
    /// Routing of each distinct request path; populations' paths come first, in `plan.paths`
    /// order, so a population's path index is its routing index.
    routings: Vec<Routing>,
    svc_next: Vec<u32>,
    pop_arrivals: Vec<Stream>,
    pop_choice: Vec<Stream>,
    /// Per population: its client retry backoff draws.
    pop_retry: Vec<Stream>,
    gw_rng: Vec<Stream>,
    /// Per gateway (file order): its rate limiters' draws.
    limit_rng: Vec<Stream>,
    link_rng: Vec<Stream>,
    svc_rng: Vec<Stream>,
    svc_err_rng: Vec<Stream>,
    rec: Recorder,
    /// Trace mode: where requests come from, and the decisions they get.
    trace: Option<trace::TraceState<'p>>,
}

/// Per population (and last, the trace): the offset of its keys (`keys(population)` of them: its
/// addresses, or its users) in a dense key space of rate limits. A flash crowd uses the keys of
/// the population it joins.
fn key_offsets(plan: &Plan, keys: impl Fn(&super::plan::PopPlan) -> u32) -> Vec<u32> {
    let mut offsets = Vec::with_capacity(plan.pops.len() + 1);
    let mut next = 0u32;
    for (i, p) in plan.pops.iter().enumerate() {
        if p.base as usize != i
            && let Some(&o) = offsets.get(p.base as usize)
        {
            offsets.push(o);
        } else {
            offsets.push(next);
            next = next.saturating_add(keys(p));
        }
    }
    offsets.push(next);
    offsets
}

impl<'p> Simulation<'p> {
    /// Replicate `replicate` of the plan, with its first arrivals scheduled.
    pub fn new(plan: &'p Plan, replicate: u32) -> Simulation<'p> {
        let mut sim = Simulation::without_arrivals(plan, replicate);
        for p in 0..plan.pops.len() as u32 {
            if let Some(t) = sim.next_arrival(p, 0) {
                sim.schedule(t, Kind::Arrival, p, 0);
            }
        }
        sim
    }

    /// Replicate `replicate` of the plan with nothing scheduled but active checks.
    fn without_arrivals(plan: &'p Plan, replicate: u32) -> Simulation<'p> {
        let stream = |node: u32, purpose| Stream::new(plan.seed, replicate, &plan.nodes[node as usize].0, purpose);
        let pop_stream = |p: &crate::sim::plan::PopPlan, purpose| Stream::new(plan.seed, replicate, &p.name, purpose);
        let mut sim = Simulation {
            plan,
            now: 0,
            seq: 0,
            heap: BinaryHeap::with_capacity(1024),
            timers: vec![VecDeque::new(); plan.timeouts_ns.len()],
            reqs: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            stations: vec![Station::default(); plan.stations.len()],
            lbs: Vec::new(),
            check_slots: Vec::new(),
            sweep_slots: Vec::new(),
            autoscalers: autoscale::autoscalers(plan),
            lb_rngs: Vec::new(),
            hash_reqs: Vec::with_capacity(1024),
            key_buf: String::new(),
            gw_live: (0..plan.base_gateways).map(Live::fixed).collect(),
            lb_live: (0..plan.base_balancers).map(Live::fixed).collect(),
            stints: (0..plan.base_balancers).map(|b| (b, b)).collect(),
            station_cfg: plan.stations.iter().map(|s| s.service).collect(),
            svc_live: (0..plan.services.len() as u32).collect(),
            tl: None,
            global: global::GlobalState::new(plan, replicate).map(Box::new),
            overflow: None,
            scratch: Vec::new(),
            limit_states: plan.limiters.iter().map(|l| l.limiter.states()).collect(),
            key_offsets: key_offsets(plan, |p| p.addresses),
            user_offsets: key_offsets(plan, |p| p.users),
            routings: plan.paths.iter().map(|p| plan.resolve(p)).collect(),
            svc_next: vec![0; plan.services.len()],
            fns: serverless::functions(plan, replicate),
            probes: probes::states(plan),
            pop_arrivals: plan.pops.iter().map(|p| pop_stream(p, Purpose::Arrivals)).collect(),
            pop_choice: plan.pops.iter().map(|p| pop_stream(p, Purpose::Choice)).collect(),
            pop_retry: plan.pops.iter().map(|p| pop_stream(p, Purpose::Retry)).collect(),
            limit_rng: plan
                .gateways
                .iter()
                .take(plan.base_gateways as usize)
                .map(|g| stream(g.node, Purpose::Limit))
                .collect(),
            gw_rng: plan
                .gateways
                .iter()
                .take(plan.base_gateways as usize)
                .map(|g| stream(g.node, Purpose::Service))
                .collect(),
            link_rng: plan.links.iter().map(|l| Stream::new(plan.seed, replicate, &l.name, Purpose::Latency)).collect(),
            svc_rng: plan.services.iter().map(|s| stream(s.node, Purpose::Service)).collect(),
            svc_err_rng: plan.services.iter().map(|s| stream(s.node, Purpose::Errors)).collect(),
            rec: Recorder::new(plan),
            trace: None,
        };
        let setup = policies::balancers(plan, replicate);
        (sim.lbs, sim.lb_rngs, sim.check_slots, sim.sweep_slots) =
            (setup.pools, setup.rngs, setup.check_slots, setup.sweep_slots);
        for (svc, cfg) in plan.services.iter().zip(&plan.svc_cfgs) {
            for k in svc.first_station..svc.first_station + cfg.running.min(svc.instances) {
                sim.stations[k as usize].active = true;
            }
        }
        sim.sync_host_sets(0);
        sim.schedule_probes();
        sim.schedule_checks();
        sim.schedule_sweeps();
        sim.schedule_autoscalers();
        sim.tl = timeline::TlState::new(plan, replicate).map(Box::new);
        sim.schedule_timeline();
        sim.schedule_dns_checks();
        sim
    }

    /// Current simulated time, ns.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// True when no event is left.
    pub fn is_finished(&self) -> bool {
        self.heap.is_empty() && self.timers.iter().all(VecDeque::is_empty)
    }

    /// Runs to the end (arrivals stop at the plan's duration; in-flight requests drain) and returns
    /// the recorder.
    pub fn run(mut self) -> Recorder {
        self.step_until(u64::MAX);
        self.rec
    }

    /// The recorder (for a finished or stopped run).
    pub fn into_recorder(self) -> Recorder {
        self.rec
    }

    /// The recorder so far (for partial reports while running).
    pub fn recorder(&self) -> &Recorder {
        &self.rec
    }

    /// Processes every event at or before `t`. Returns the number processed.
    pub fn step_until(&mut self, t: u64) -> u64 {
        let limit = (u128::from(t) << 64) | u128::from(u64::MAX);
        let mut n = 0;
        loop {
            let heap_key = self.heap.peek().map_or(u128::MAX, |e| e.key);
            let (timer_key, timer_q) = self.earliest_timer();
            if heap_key.min(timer_key) > limit || (heap_key == u128::MAX && timer_key == u128::MAX) {
                break;
            }
            n += 1;
            if timer_key < heap_key {
                let Some(timer) = self.timers[timer_q].pop_front() else {
                    break;
                };
                self.now = (timer.key >> 64) as u64;
                self.on_timeout(timer.req, timer.generation, timer.client);
            } else {
                let Some(entry) = self.heap.pop() else { break };
                self.now = (entry.key >> 64) as u64;
                self.dispatch(entry.ev);
            }
        }
        self.rec.events += n;
        n
    }

    #[inline]
    fn earliest_timer(&self) -> (u128, usize) {
        let mut best = (u128::MAX, 0);
        for (i, q) in self.timers.iter().enumerate() {
            if let Some(front) = q.front()
                && front.key < best.0
            {
                best = (front.key, i);
            }
        }
        best
    }

    #[inline]
    fn next_key(&mut self, t: u64) -> u128 {
        self.seq += 1;
        (u128::from(t) << 64) | u128::from(self.seq)
    }

    #[inline(always)]
    fn schedule(&mut self, t: u64, kind: Kind, a: u32, b: u32) {
        let key = self.next_key(t);
        self.heap.push(Entry { key, ev: Event { kind, a, b } });
    }

    #[inline]
    fn dispatch(&mut self, ev: Event) {
        match ev.kind {
            Kind::Arrival => self.on_arrival(ev.a),
            Kind::AtGateway => self.at_gateway(ev.a, ev.b),
            Kind::AtBalancer => self.at_balancer(ev.a, ev.b),
            Kind::AtService => self.at_service(ev.a, ev.b),
            Kind::AtStation => self.at_station(ev.a, ev.b),
            Kind::Done => self.on_done(ev.a, ev.b),
            Kind::TraceArrival => self.on_trace_arrival(),
            Kind::Outage => self.on_outage(ev.a, ev.b == 1),
            Kind::Dispatch => self.dispatch_upstream(ev.a, ev.b, 0),
            Kind::Check => self.on_check(ev.a),
            Kind::Repick => self.retry_pick(ev.a, ev.b),
            Kind::RetrySame => self.retry_same(ev.a, ev.b),
            Kind::Sweep => self.on_sweep(ev.a),
            Kind::Redispatch => self.redispatch(ev.a, ev.b),
            Kind::Autoscale => self.on_autoscale(ev.a),
            Kind::ClientSend => self.send(ev.a, ev.b),
            Kind::InstanceReady => self.on_instance_ready(ev.a),
            _ => self.dispatch_timeline(ev),
        }
    }

    /// The timeline's events: rare, kept out of the hot dispatch.
    #[cold]
    #[inline(never)]
    fn dispatch_timeline(&mut self, ev: Event) {
        match ev.kind {
            Kind::Change => self.on_change_stage(ev.a, ev.b),
            Kind::Rollback => self.rollback_change(ev.a),
            Kind::Fault => self.on_fault(ev.a, ev.b == 0),
            Kind::Traffic => self.on_traffic(ev.a, ev.b == 0),
            Kind::Alarm => self.on_alarm(ev.a),
            Kind::Action => self.on_action(ev.a, ev.b),
            Kind::Crash => self.on_crash(ev.a, ev.b),
            Kind::Restart => self.on_restart(ev.a),
            Kind::DnsCheck => self.on_dns_check(ev.a, ev.b),
            Kind::StoreRecovered => self.on_store_recovered(ev.a, ev.b == 1),
            Kind::Unresolved => self.end_journey(ev.b, Outcome::Unreachable),
            Kind::Probe => self.on_probe(ev.a, ev.b),
            Kind::ContainerRestart => self.on_container_restart(ev.a, ev.b),
            _ => {}
        }
    }

    fn alloc(&mut self, r: Req) -> u32 {
        if let Some(i) = self.free.pop() {
            let generation = self.reqs[i as usize].generation;
            self.reqs[i as usize] = Req { generation, ..r };
            self.hash_reqs[i as usize] = NginxHashRequest::default();
            i
        } else {
            if self.reqs.len() >= self.plan.max_in_flight as usize {
                self.overflowed();
            }
            self.reqs.push(r);
            self.hash_reqs.push(NginxHashRequest::default());
            (self.reqs.len() - 1) as u32
        }
    }

    /// More requests are in flight than the plan allows: the run stops here (nothing more is
    /// scheduled), and [`Simulation::overflow`] says when.
    #[cold]
    fn overflowed(&mut self) {
        if self.overflow.is_none() {
            self.overflow = Some((self.now, self.reqs.len()));
        }
        self.heap.clear();
        self.timers.iter_mut().for_each(VecDeque::clear);
    }

    /// When the run stopped because too many requests were in flight, and how many were.
    pub fn overflow(&self) -> Option<(u64, usize)> {
        self.overflow
    }

    fn release(&mut self, r: u32) {
        let req = &mut self.reqs[r as usize];
        if req.stale > 0 {
            // An abandoned attempt still holds the slot: the last one frees it (`stale_done`).
            req.flags |= DONE;
            return;
        }
        req.generation = req.generation.wrapping_add(1);
        self.free.push(r);
    }
}
