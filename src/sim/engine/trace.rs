//! Trace mode: requests come from a trace instead of client populations, backends go down and up
//! on schedule, and every request's decision is kept until all earlier ones are known, so they
//! leave in input order with memory bounded by the requests in flight.

use super::{Kind, NAMED_ANSWERS, NONE, Req, Simulation, hop_event};
use crate::metrics::{NO_USER, Outcome};
use crate::sim::plan::{Hop, Routing};
use crate::sim::trace::{Decision, Outage, TraceError, TraceRequest};
use std::collections::{HashMap, VecDeque};
use std::fmt;

/// Where trace requests enter the topology: the node they are sent to and the link crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// The first hop.
    pub hop: Hop,
    /// The link crossed to reach it.
    pub link: u32,
}

/// The trace side of a simulation.
pub(super) struct TraceState<'p> {
    source: Box<dyn Iterator<Item = Result<TraceRequest, TraceError>> + 'p>,
    pending: Option<TraceRequest>,
    entry: TraceEntry,
    keys: HashMap<String, u32>,
    /// Key names by index (hashing balancers hash them).
    key_names: Vec<String>,
    routing_ids: HashMap<Routing, u32>,
    next_seq: u64,
    /// Decisions of requests `base..`, in input order; `outcome == None` while undecided.
    log: VecDeque<Decision>,
    base: u64,
    error: Option<TraceError>,
    /// Per request (by position) whose `status` column names instances: (station, status).
    answers: HashMap<u64, Vec<(u32, u16)>>,
}

impl fmt::Debug for TraceState<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceState")
            .field("entry", &self.entry)
            .field("next_seq", &self.next_seq)
            .field("undecided", &self.log.len())
            .finish_non_exhaustive()
    }
}

impl<'p> Simulation<'p> {
    /// A run driven by a trace: `source` yields requests in time order; `outages` (in time order)
    /// take instances down and up. The plan's client populations send nothing.
    pub fn with_trace(
        plan: &'p crate::sim::plan::Plan,
        source: impl Iterator<Item = Result<TraceRequest, TraceError>> + 'p,
        entry: TraceEntry,
        outages: &[Outage],
    ) -> Simulation<'p> {
        let mut sim = Simulation::without_arrivals(plan, 0);
        let routing_ids = sim.routings.iter().enumerate().map(|(i, r)| (r.clone(), i as u32)).collect();
        sim.trace = Some(TraceState {
            source: Box::new(source),
            pending: None,
            entry,
            keys: HashMap::new(),
            key_names: Vec::new(),
            routing_ids,
            next_seq: 0,
            log: VecDeque::new(),
            base: 0,
            error: None,
            answers: HashMap::new(),
        });
        for o in outages {
            sim.schedule(o.time_ns, Kind::Outage, o.station, u32::from(o.up));
        }
        sim.pull_next();
        sim
    }

    /// Reads the next trace request and schedules its sending; a bad line stops the run.
    fn pull_next(&mut self) {
        let Some(t) = self.trace.as_mut() else { return };
        match t.source.next() {
            None => {}
            Some(Err(e)) => {
                t.error = Some(e);
                self.heap.clear();
                self.timers.iter_mut().for_each(VecDeque::clear);
            }
            Some(Ok(req)) => {
                let at = req.send_ns.max(self.now);
                t.pending = Some(req);
                self.schedule(at, Kind::TraceArrival, 0, 0);
            }
        }
    }

    pub(super) fn on_trace_arrival(&mut self) {
        let plan = self.plan;
        let Some(t) = self.trace.as_mut() else { return };
        let Some(tr) = t.pending.take() else { return };
        let user = match tr.client_key {
            Some(k) => match t.keys.get(&k) {
                Some(&i) => i,
                None => {
                    let i = t.key_names.len() as u32;
                    t.key_names.push(k.clone());
                    t.keys.insert(k, i);
                    i
                }
            },
            None => NO_USER,
        };
        let routing = plan.resolve(&tr.path);
        let routing = match t.routing_ids.get(&routing) {
            Some(&id) => id,
            None => {
                let id = self.routings.len() as u32;
                t.routing_ids.insert(routing.clone(), id);
                self.routings.push(routing);
                id
            }
        };
        let seq = t.next_seq;
        t.next_seq += 1;
        t.log.push_back(Decision { id: tr.id, ..Decision::default() });
        let entry = t.entry;
        let mut answer = 0;
        let mut named = Vec::new();
        for (instance, status) in &tr.status {
            if instance.is_empty() {
                answer = *status;
            } else if let Some(k) = plan.station_by_name(instance) {
                // Names were checked against the plan when the trace was scanned.
                named.push((k, *status));
            }
        }
        let flags = if named.is_empty() { 0 } else { NAMED_ANSWERS };
        if !named.is_empty() {
            t.answers.insert(seq, named);
        }
        let r = self.alloc(Req {
            answer,
            flags,
            pop: plan.pops.len() as u32,
            user,
            routing,
            created: self.now,
            seq,
            service_ns: tr.service_ns.unwrap_or(NONE),
            ..Req::new()
        });
        self.pull_next();
        let (kind, a) = hop_event(entry.hop);
        self.cross(r, entry.link, 0, kind, a);
    }

    pub(super) fn on_outage(&mut self, station: u32, up: bool) {
        if let Some(st) = self.stations.get_mut(station as usize) {
            st.down = !up;
        }
    }

    fn log_entry(&mut self, r: u32) -> Option<&mut Decision> {
        let t = self.trace.as_mut()?;
        let seq = self.reqs[r as usize].seq;
        t.log.get_mut(seq.checked_sub(t.base)? as usize)
    }

    /// Trace mode: request `r` tried station `k` (refused or not).
    pub(super) fn log_attempt(&mut self, r: u32, k: u32, refused: bool) {
        if let Some(d) = self.log_entry(r) {
            d.attempts.push((k, refused));
        }
    }

    /// Trace mode: station `k` served request `r`.
    pub(super) fn log_backend(&mut self, r: u32, k: u32) {
        if let Some(d) = self.log_entry(r) {
            d.backend = Some(k);
        }
    }

    /// Trace mode: what station `k` answers request `r` by the trace's `status` column (0: the
    /// column says nothing for it).
    pub(super) fn trace_answer(&self, r: u32, k: u32) -> u16 {
        let req = &self.reqs[r as usize];
        if req.flags & NAMED_ANSWERS != 0
            && let Some(&(_, status)) =
                self.trace.as_ref().and_then(|t| t.answers.get(&req.seq)).and_then(|a| a.iter().find(|(s, _)| *s == k))
        {
            return status;
        }
        req.answer
    }

    /// Trace mode: request `r`'s answer reached the client at `answered`.
    pub(super) fn log_outcome(&mut self, r: u32, outcome: Outcome, answered: u64) {
        let req = self.reqs[r as usize];
        if req.flags & NAMED_ANSWERS != 0
            && let Some(t) = self.trace.as_mut()
        {
            t.answers.remove(&req.seq);
        }
        if let Some(d) = self.log_entry(r) {
            d.outcome = Some(outcome);
            d.status = if req.status != 0 { req.status } else { outcome.status() };
            d.latency_ns = answered.saturating_sub(req.created);
        }
    }

    /// Trace mode: a rate limit held request `r` for `delay_ns` before it went upstream.
    pub(super) fn log_delay(&mut self, r: u32, delay_ns: u64) {
        if let Some(d) = self.log_entry(r) {
            d.delay_ns = delay_ns;
        }
    }

    /// Hands over, in input order, every decision whose predecessors are all decided.
    pub fn drain_decisions(&mut self, mut f: impl FnMut(&Decision)) {
        let Some(t) = self.trace.as_mut() else { return };
        while t.log.front().is_some_and(|d| d.outcome.is_some()) {
            if let Some(d) = t.log.pop_front() {
                t.base += 1;
                f(&d);
            }
        }
    }

    /// The name of trace key `user`.
    pub(super) fn trace_key_name(&self, user: u32) -> Option<&str> {
        self.trace.as_ref()?.key_names.get(user as usize).map(String::as_str)
    }

    /// The error that stopped the trace, if any.
    pub fn take_trace_error(&mut self) -> Option<TraceError> {
        self.trace.as_mut()?.error.take()
    }
}
