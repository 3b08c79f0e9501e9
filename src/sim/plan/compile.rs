//! Compiling a scenario into a [`Plan`]: the file's nodes first, then every configuration timeline
//! changes can lead to, then the timeline itself.

mod faults;
mod timeline;

use super::timeline::*;
use super::*;
use crate::model::{Act, Event, KeyDistribution, Link, Node, Scenario, Topology, param};
use crate::sim::time::{ms_to_ns, secs_to_ns};
use std::collections::BTreeMap;

/// Compiles a validated scenario. Panic-free on any input; an invalid scenario (see
/// [`model::validate`]) compiles to something meaningless but safe.
pub fn compile(s: &Scenario) -> Plan {
    let mut c = Compiler::new(s);
    c.base();
    let hops: Vec<Option<Hop>> = s.topology.nodes.iter().map(|n| c.hop_to(n.name())).collect();
    let hop_to = |name: &str| s.topology.node_index(name).and_then(|i| hops.get(i).copied().flatten());
    super::global::compile(&mut c.plan, &s.topology, &c.kind_index, &hop_to);
    c.variants();
    c.timeline();
    c.plan.timeouts_ns = std::mem::take(&mut c.timeouts_ns);
    c.plan.cost = super::cost::compile(s, &c.plan);
    c.plan
}

/// A bucket width (whole ms) that divides `grid_ns` and is at most `default_ns`: the largest
/// whole number of seconds that does, unless a width twice as large exists.
fn bucket_dividing(grid_ns: u64, default_ns: u64) -> u64 {
    let grid_ms = (grid_ns / NS_PER_MS).max(1);
    let limit = (default_ns / NS_PER_MS).max(1);
    let (mut best, mut round) = (1, 0);
    let mut d = 1;
    while d * d <= grid_ms {
        if grid_ms.is_multiple_of(d) {
            for q in [d, grid_ms / d] {
                if q <= limit {
                    best = best.max(q);
                    if q.is_multiple_of(1000) {
                        round = round.max(q);
                    }
                }
            }
        }
        d += 1;
    }
    (if round * 2 >= best { round } else { best }) * NS_PER_MS
}

impl Plan {
    /// The bucket width for a run of `duration_ns`: `explicit`, or about 300 buckets of a readable
    /// width that divides every period the run must measure exactly (the SLO window, alarm
    /// periods).
    pub fn bucket_for(&self, duration_ns: u64, explicit: Option<u64>) -> u64 {
        explicit.unwrap_or_else(|| bucket_dividing(self.grid_ns, super::default_bucket_ns(duration_ns))).max(1)
    }
}

struct Compiler<'s> {
    s: &'s Scenario,
    kind_index: Vec<u32>,
    path_set: BTreeMap<String, u16>,
    timeouts_ns: Vec<u64>,
    /// Per service: the stations it needs (the most any configuration may run).
    slots: Vec<u32>,
    /// Per changed node: its change indices and the topology of every mask.
    changed: Vec<(u32, Vec<u32>, Vec<Topology>)>,
    plan: Plan,
}

impl<'s> Compiler<'s> {
    fn new(s: &'s Scenario) -> Self {
        let topo = &s.topology;
        let duration_ns = secs_to_ns(s.run.duration_s).max(1);
        let grid_ns = crate::model::validate::measurement_grid_ms(s).saturating_mul(NS_PER_MS);
        let bucket_ns = s
            .run
            .bucket_s
            .map(secs_to_ns)
            .unwrap_or_else(|| bucket_dividing(grid_ns, super::default_bucket_ns(duration_ns)))
            .max(1);
        let n_buckets = duration_ns.div_ceil(bucket_ns).clamp(1, model::validate::MAX_BUCKETS as u64) as usize;
        let mut kind_index = vec![0u32; topo.nodes.len()];
        let mut counts = [0u32; 6];
        for (i, n) in topo.nodes.iter().enumerate() {
            let k = n.kind() as usize;
            kind_index[i] = counts[k];
            counts[k] += 1;
        }
        // Intern paths in sorted order so indices do not depend on node order.
        let mut path_set: BTreeMap<String, u16> = BTreeMap::new();
        for n in &topo.nodes {
            if let Node::Clients(p) = n {
                if p.routes.is_empty() {
                    path_set.insert("/".into(), 0);
                }
                for r in &p.routes {
                    path_set.insert(r.path.clone(), 0);
                }
            }
        }
        for (i, v) in path_set.values_mut().enumerate() {
            *v = i as u16;
        }
        let slo = &s.slo;
        let plan = Plan {
            name: s.name.clone(),
            seed: s.run.seed,
            start: s.run.start,
            replicates: s.run.replicates.max(1),
            duration_ns,
            warmup_ns: secs_to_ns(s.run.warmup_s).min(duration_ns),
            bucket_ns,
            n_buckets,
            grid_ns: grid_ns.max(NS_PER_MS),
            max_in_flight: s.run.max_in_flight.unwrap_or(model::DEFAULT_MAX_IN_FLIGHT).max(1),
            nodes: topo.nodes.iter().map(|n| (n.name().to_owned(), n.kind())).collect(),
            paths: path_set.keys().cloned().collect(),
            pops: Vec::new(),
            gateways: Vec::new(),
            base_gateways: 0,
            balancers: Vec::new(),
            base_balancers: 0,
            services: Vec::new(),
            svc_cfgs: Vec::new(),
            stations: Vec::new(),
            links: topo
                .links
                .iter()
                .enumerate()
                .map(|(i, l)| LinkPlan {
                    name: format!("{}->{}", l.from, l.to),
                    from: l.from.clone(),
                    to: l.to.clone(),
                    latency: Sampler::new(&l.latency),
                    stream: i as u32,
                    region_ns: 0,
                })
                .collect(),
            timeouts_ns: Vec::new(),
            limiters: Vec::new(),
            retries: Vec::new(),
            slo: SloPlan {
                availability: slo.availability,
                latency_ns: slo.latency_p99_ms.map(ms_to_ns),
                users_pct: slo.users_impacted_pct,
                window_ns: secs_to_ns(slo.window.0).max(1),
                hold_ns: secs_to_ns(slo.hold.0),
                budget_period_s: slo.budget_period.0,
            },
            timeline: None,
            regions: Vec::new(),
            half_rtt_ns: Vec::new(),
            node_region: Vec::new(),
            dns: Vec::new(),
            stores: Vec::new(),
            svc_store: Vec::new(),
            cost: super::cost::CostPlan::default(),
        };
        let changed = changed_topologies(s);
        let mut slots: Vec<u32> = topo
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Service(svc) => Some(svc.instance_slots()),
                _ => None,
            })
            .collect();
        for (_, _, topos) in &changed {
            for t in topos {
                for n in &t.nodes {
                    if let Node::Service(svc) = n
                        && let Some(i) = topo.node_index(&svc.name)
                        && let Some(slot) = slots.get_mut(kind_index[i] as usize)
                    {
                        *slot = (*slot).max(svc.instance_slots());
                    }
                }
            }
        }
        // Scale actions may start more instances than the file runs.
        for e in &s.timeline {
            if let Event::Action(a) = e
                && let Act::Scale { service, instances, .. } = &a.act
                && let Some(i) = topo.node_index(service)
                && let Some(slot) = slots.get_mut(kind_index[i] as usize)
            {
                *slot = (*slot).max(*instances);
            }
        }
        Compiler { s, kind_index, path_set, timeouts_ns: Vec::new(), slots, changed, plan }
    }

    fn topo(&self) -> &'s Topology {
        &self.s.topology
    }

    fn hop_to(&self, name: &str) -> Option<Hop> {
        let i = self.topo().node_index(name)?;
        Some(match self.topo().nodes[i].kind() {
            NodeKind::Gateway => Hop::Gateway(self.kind_index[i]),
            NodeKind::LoadBalancer => Hop::Balancer(self.kind_index[i]),
            NodeKind::Service => Hop::Service(self.kind_index[i]),
            NodeKind::Dns => Hop::Dns(self.kind_index[i]),
            NodeKind::Clients | NodeKind::DataStore => return None,
        })
    }

    fn timer(&mut self, ns: u64) -> u16 {
        let ns = ns.max(1);
        let pos = self.timeouts_ns.iter().position(|&x| x == ns).unwrap_or_else(|| {
            self.timeouts_ns.push(ns);
            self.timeouts_ns.len() - 1
        });
        pos as u16
    }

    /// The plan's link for `link` of some configuration: the file's link when its latency is the
    /// file's, else a copy with the new latency (sharing the original's stream and series).
    fn link_for(&mut self, link: &Link) -> Option<u32> {
        let li = self.topo().links.iter().position(|l| l.from == link.from && l.to == link.to)?;
        if self.topo().links[li].latency == link.latency {
            return Some(li as u32);
        }
        let latency = Sampler::new(&link.latency);
        let existing = self.plan.links.iter().position(|l| l.stream == li as u32 && l.latency == latency);
        Some(existing.unwrap_or_else(|| {
            self.plan.links.push(LinkPlan { latency, stream: li as u32, ..self.plan.links[li].clone() });
            self.plan.links.len() - 1
        }) as u32)
    }

    fn base(&mut self) {
        let topo = self.topo();
        for (i, node) in topo.nodes.iter().enumerate() {
            let ni = i as u32;
            match node {
                Node::Clients(p) => {
                    let pop = self.population(ni, p);
                    self.plan.pops.push(pop);
                }
                Node::Gateway(g) => {
                    let gw = self.gateway(ni, g, topo);
                    self.plan.gateways.push(gw);
                }
                Node::LoadBalancer(lb) => {
                    // Members name their service in `station` until every service has stations.
                    let b = self.balancer(ni, lb, topo, false);
                    self.plan.balancers.push(b);
                }
                Node::Service(svc) => {
                    let si = self.plan.services.len() as u32;
                    let first_station = self.plan.stations.len() as u32;
                    let allocated = self.slots.get(si as usize).copied().unwrap_or(svc.instances);
                    for k in 0..allocated {
                        self.plan.stations.push(StationPlan { name: svc.instance_name(k), service: si });
                    }
                    self.plan.services.push(SvcPlan { node: ni, first_station, instances: allocated });
                    let cfg = service_cfg(si, svc, allocated);
                    self.plan.svc_cfgs.push(cfg);
                }
                // Compiled with the regions (`plan::global`).
                Node::Dns(_) | Node::DataStore(_) => {}
            }
        }
        for lb in &mut self.plan.balancers {
            expand_pools(lb, &self.plan.services);
        }
        self.plan.base_gateways = self.plan.gateways.len() as u32;
        self.plan.base_balancers = self.plan.balancers.len() as u32;
    }

    fn population(&mut self, ni: u32, p: &model::Clients) -> PopPlan {
        let topo = self.topo();
        let mut routes = Vec::new();
        let total: f64 = p.routes.iter().map(|r| r.weight).sum();
        let mut acc = 0.0;
        for r in &p.routes {
            acc += r.weight / total;
            routes.push((acc, self.path_set.get(&r.path).copied().unwrap_or(0)));
        }
        if routes.is_empty() {
            routes.push((1.0, self.path_set.get("/").copied().unwrap_or(0)));
        }
        let links: Vec<_> = topo.links_from(&p.name).collect();
        let total: f64 = links.iter().map(|(_, l)| l.weight).sum();
        let mut acc = 0.0;
        let targets = links
            .iter()
            .filter_map(|(li, l)| {
                acc += l.weight / total;
                Some((acc, self.hop_to(&l.to)?, *li as u32))
            })
            .collect();
        let retry = p.retry.as_ref().map(|r| {
            let jitter = match r.jitter {
                model::Jitter::Full => Some(crate::policy::retry::AwsJitter::Full),
                model::Jitter::Equal => Some(crate::policy::retry::AwsJitter::Equal),
                model::Jitter::Decorrelated => Some(crate::policy::retry::AwsJitter::Decorrelated),
                model::Jitter::None => None,
            };
            let ms = |v: u64| v.saturating_mul(1_000_000);
            ClientRetryPlan {
                policy: r.clone(),
                backoff: jitter.and_then(|j| AwsBackoff::new(j, ms(r.base_ms), ms(r.cap_ms)).ok()),
                timer: r.timeout_ms.map(|t| self.timer(ms_to_ns(t))),
            }
        });
        PopPlan {
            node: ni,
            name: p.name.clone(),
            traffic: TrafficPlan::new(&p.traffic),
            arrivals: p.arrivals,
            users: p.users.max(1),
            addresses: p.addresses.unwrap_or(p.users).clamp(1, p.users.max(1)),
            zipf: match p.keys {
                KeyDistribution::Uniform => None,
                KeyDistribution::Zipf { exponent } => Some(Zipf::new(p.users.max(1), exponent)),
            },
            routes,
            targets,
            retry,
            base: self.plan.pops.len() as u32,
            attack: false,
            region: None,
        }
    }

    fn gateway(&mut self, ni: u32, g: &model::Gateway, topo: &Topology) -> GwPlan {
        let start_ms = self.s.run.start.0.saturating_mul(1000);
        let build = |c: &mut Self, l: &model::RateLimit| -> Option<u16> {
            let built = l.algorithm.build(start_ms).ok()?;
            c.plan.limiters.push(LimiterPlan { key: l.key, limiter: built });
            Some((c.plan.limiters.len() - 1) as u16)
        };
        // A shared limit is built once: every route naming it indexes the same state.
        let shared: Vec<Option<u16>> = g.limits.iter().map(|l| build(self, &l.limit)).collect();
        let resolve = |c: &mut Self, upstream: &str, route: Option<&model::Route>| -> Option<GwRoute> {
            let timer = route.and_then(|r| r.timeout_ms).map(|ms| c.timer(ms_to_ns(ms)));
            let limiter = match route {
                Some(model::Route { shared_limit: Some(name), .. }) => {
                    g.limits.iter().position(|l| l.name == *name).and_then(|i| shared.get(i).copied().flatten())
                }
                Some(model::Route { rate_limit: Some(l), .. }) => build(c, l),
                _ => None,
            };
            let retry = route.and_then(|r| r.retry_policy.as_ref()).and_then(|p| {
                let backoff = EnvoyBackoff::new(p.base_interval_ms, p.max_interval_ms).ok()?;
                c.plan.retries.push(RetryPlan { policy: p.clone(), backoff });
                Some((c.plan.retries.len() - 1) as u16)
            });
            let link = topo.links.iter().find(|l| l.from == g.name && l.to == upstream)?;
            Some(GwRoute { hop: c.hop_to(upstream)?, link: c.link_for(link)?, timer, limiter, retry })
        };
        let rules = g.routes.iter().map(|r| (r.path_prefix.clone(), resolve(self, &r.upstream, Some(r)))).collect();
        let fallback = if g.routes.is_empty() {
            topo.links_from(&g.name).next().and_then(|(_, l)| resolve(self, &l.to, None))
        } else {
            None
        };
        GwPlan {
            node: ni,
            base: self.kind_index[ni as usize],
            processing: Sampler::new(&g.processing),
            rules,
            fallback,
        }
    }

    /// A balancer; with `expand`, its pools name stations (else services, expanded later).
    fn balancer(&mut self, ni: u32, lb: &model::LoadBalancer, topo: &Topology, expand: bool) -> LbPlan {
        let mut linked = Vec::new();
        for (_, l) in topo.links_from(&lb.name) {
            if let (Some(Hop::Service(si)), Some(link)) = (self.hop_to(&l.to), self.link_for(l)) {
                linked.push((Member { station: si, link, weight: (l.weight.round().clamp(1.0, 1e6)) as u32 }, &l.to));
            }
        }
        let (pools, rules) = if lb.rules.is_empty() {
            (vec![linked.iter().map(|m| m.0).collect()], Vec::new())
        } else {
            // A rule's pool: its services in pool order, each instance with the pool's weight for
            // its service, else the link's.
            let pools = lb
                .rules
                .iter()
                .map(|r| {
                    r.services()
                        .flat_map(|(svc, w)| {
                            linked
                                .iter()
                                .filter(move |m| *m.1 == svc)
                                .map(move |m| Member { weight: w.map_or(m.0.weight, |w| w.clamp(1, 1_000_000)), ..m.0 })
                        })
                        .collect()
                })
                .collect();
            let rules = lb.rules.iter().enumerate().map(|(i, r)| (r.path_prefix.clone(), i as u16)).collect();
            (pools, rules)
        };
        let check = lb
            .health_check
            .as_ref()
            .and_then(|c| HaproxyCheck::new(c.inter_ms.saturating_mul(1_000_000), c.rise, c.fall).ok());
        let mut plan = LbPlan {
            node: ni,
            pools,
            rules,
            algorithm: lb.algorithm,
            failover: lb.failover.clone(),
            next_upstream: lb.failover.next_upstream(),
            check,
            http_check: lb.health_check.as_ref().and_then(|c| c.http.clone()),
            outlier: lb.outlier_detection.as_ref().map(|o| o.config()),
            breaker: lb.circuit_breaker.as_ref().and_then(|c| {
                let budget = match &c.retry_budget {
                    Some(b) => {
                        Some(crate::policy::retry::RetryBudget::new(b.budget_percent, b.min_retry_concurrency).ok()?)
                    }
                    None => None,
                };
                EnvoyBreaker::new(c.max_connections, c.max_pending_requests, c.max_requests, c.max_retries, budget).ok()
            }),
            panic: (lb.algorithm.product() == model::Product::Envoy)
                .then(|| PanicThreshold::new(lb.healthy_panic_threshold.unwrap_or(50.0), 140).ok())
                .flatten(),
            start: lb.start,
        };
        if expand {
            expand_pools(&mut plan, &self.plan.services);
        }
        plan
    }

    /// Every configuration each changed node can be in.
    fn variants(&mut self) {
        let changed = std::mem::take(&mut self.changed);
        let mut nodes = Vec::new();
        for (ni, changes, topos) in &changed {
            let i = *ni as usize;
            let ki = self.kind_index[i];
            let of = match self.topo().nodes[i].kind() {
                NodeKind::Gateway => VariantOf::Gateway(ki),
                NodeKind::LoadBalancer => VariantOf::Balancer(ki),
                NodeKind::Service => VariantOf::Service(ki),
                NodeKind::Clients | NodeKind::Dns | NodeKind::DataStore => continue,
            };
            let mut variants = vec![ki];
            for t in topos.iter().skip(1) {
                let id = match (&t.nodes[i], of) {
                    (Node::Gateway(g), _) => {
                        let gw = self.gateway(*ni, g, t);
                        self.plan.gateways.push(gw);
                        self.plan.gateways.len() - 1
                    }
                    (Node::LoadBalancer(lb), _) => {
                        let b = self.balancer(*ni, lb, t, true);
                        self.plan.balancers.push(b);
                        self.plan.balancers.len() - 1
                    }
                    (Node::Service(svc), _) => {
                        let slots = self.plan.services.get(ki as usize).map_or(svc.instances, |s| s.instances);
                        self.plan.svc_cfgs.push(service_cfg(ki, svc, slots));
                        self.plan.svc_cfgs.len() - 1
                    }
                    (Node::Clients(_) | Node::Dns(_) | Node::DataStore(_), _) => continue,
                };
                variants.push(id as u32);
            }
            nodes.push(NodeVariants { node: *ni, of, changes: changes.clone(), variants });
        }
        self.changed = changed;
        if !nodes.is_empty() {
            self.plan.timeline.get_or_insert_with(Default::default).nodes = nodes;
        }
    }
}

/// A service's parameters, for a service with `slots` stations.
fn service_cfg(si: u32, svc: &model::Service, slots: u32) -> SvcCfg {
    let hpa = svc.autoscaling.as_ref().and_then(|a| {
        let mut config = HpaConfig::new(a.min_replicas, a.max_replicas).ok()?;
        config.sync_period_s = a.sync_period_s.max(1);
        config.downscale_stabilization_s = a.downscale_stabilization_s;
        Some(HpaPlan { config, target: a.target_utilization, startup_ns: secs_to_ns(a.startup_s) })
    });
    let probe = |p: &model::Probe| ProbePlan {
        period_ns: secs_to_ns(p.period.0).max(1),
        timeout_ns: secs_to_ns(p.timeout.0),
        failures: p.failure_threshold.max(1),
        successes: p.success_threshold.max(1),
        initial_ns: secs_to_ns(p.initial_delay.0),
    };
    let deploy = match &svc.deployment {
        model::Deployment::Vm { .. } => DeployPlan::Vm,
        model::Deployment::Container(c) => DeployPlan::Container {
            liveness: c.liveness.as_ref().map(probe),
            readiness: c.readiness.as_ref().map(probe),
            restart_ns: secs_to_ns(c.restart.0),
        },
        model::Deployment::Serverless(f) => {
            // One station per environment, each serving one request, none queued; the engine
            // places requests itself.
            return SvcCfg {
                service: si,
                running: 0,
                concurrency: 1,
                queue_capacity: 0,
                hpa: None,
                service_time: Sampler::new(&svc.service_time),
                error_rate: svc.error_rate,
                answers: svc.answers.clone(),
                health_status: svc.health_status,
                deploy: DeployPlan::Serverless {
                    cold_start: Sampler::new(&f.cold_start),
                    keep_warm_ns: secs_to_ns(f.keep_warm.0),
                    limit: f.concurrency_limit.min(slots),
                },
            };
        }
    };
    SvcCfg {
        service: si,
        running: svc.instances.min(slots),
        concurrency: svc.concurrency.max(1),
        queue_capacity: svc.queue_capacity.unwrap_or(u32::MAX),
        hpa,
        service_time: Sampler::new(&svc.service_time),
        error_rate: svc.error_rate,
        answers: svc.answers.clone(),
        health_status: svc.health_status,
        deploy,
    }
}

/// Balancer pools name services; expands them to every station of each service.
fn expand_pools(lb: &mut LbPlan, services: &[SvcPlan]) {
    for pool in &mut lb.pools {
        *pool = pool
            .iter()
            .flat_map(|m| {
                let (first, n) = services.get(m.station as usize).map_or((0, 0), |s| (s.first_station, s.instances));
                (first..first + n).map(move |st| Member { station: st, ..*m })
            })
            .collect();
    }
}

/// For each node that timeline changes configure (in node order): its change indices (timeline
/// order) and the topology after each subset of them (index = bit mask).
fn changed_topologies(s: &Scenario) -> Vec<(u32, Vec<u32>, Vec<Topology>)> {
    let changes: Vec<&model::Change> = s
        .timeline
        .iter()
        .filter_map(|e| match e {
            Event::Change(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut by_node: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (ci, c) in changes.iter().enumerate() {
        if let Some(i) = s.topology.node_index(&c.node) {
            by_node.entry(i).or_default().push(ci as u32);
        }
    }
    by_node
        .into_iter()
        .filter(|(_, cs)| cs.len() <= crate::model::validate::MAX_CHANGES_PER_NODE)
        .map(|(i, cs)| {
            let topos = (0..1u32 << cs.len())
                .map(|mask| {
                    let mut t = s.topology.clone();
                    for (bit, &ci) in cs.iter().enumerate() {
                        if mask & (1 << bit) != 0 {
                            // A set of changes that does not fit together keeps what fits
                            // (validation reports the full set).
                            param::apply(&mut t, &changes[ci as usize].node, &changes[ci as usize].set).ok();
                        }
                    }
                    t
                })
                .collect();
            (i as u32, cs, topos)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_divide_the_measurement_grid() {
        assert_eq!(bucket_dividing(60 * NS_PER_S, 2 * NS_PER_S), 2 * NS_PER_S);
        assert_eq!(bucket_dividing(15 * NS_PER_S, 2 * NS_PER_S), NS_PER_S);
        assert_eq!(bucket_dividing(1500 * NS_PER_MS, 2 * NS_PER_S), 1500 * NS_PER_MS);
        assert_eq!(bucket_dividing(60 * NS_PER_S, 200 * NS_PER_S), 60 * NS_PER_S);
        assert_eq!(bucket_dividing(7 * NS_PER_MS, NS_PER_S), 7 * NS_PER_MS);
    }
}
