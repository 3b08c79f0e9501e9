//! The model compiled for speed: dense indices and arrays, samplers pre-built, paths interned, route
//! tables resolved. No strings or maps are looked up while the engine runs.

use super::rng::{Sampler, Zipf};
use super::time::{NS_PER_MS, NS_PER_S, ms_to_ns, secs_to_ns};
use crate::model::{self, ArrivalProcess, KeyDistribution, Node, NodeKind, Scenario, Traffic};
use std::collections::BTreeMap;

/// Where a request goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    /// Gateway index into [`Plan::gateways`].
    Gateway(u32),
    /// Balancer index into [`Plan::balancers`].
    Balancer(u32),
    /// Service index into [`Plan::services`] (its instances are used in turn).
    Service(u32),
}

/// A compiled scenario.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Scenario title.
    pub name: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replicates to run.
    pub replicates: u32,
    /// Arrivals stop at this time.
    pub duration_ns: u64,
    /// Summary statistics start at this time.
    pub warmup_ns: u64,
    /// Width of one time-series bucket.
    pub bucket_ns: u64,
    /// Number of buckets covering `[0, duration)`.
    pub n_buckets: usize,
    /// Model nodes, in file order: name and kind.
    pub nodes: Vec<(String, NodeKind)>,
    /// Interned request paths.
    pub paths: Vec<String>,
    /// Client populations.
    pub pops: Vec<PopPlan>,
    /// Gateways.
    pub gateways: Vec<GwPlan>,
    /// Load balancers.
    pub balancers: Vec<LbPlan>,
    /// Services.
    pub services: Vec<SvcPlan>,
    /// Service instances: one queueing station each.
    pub stations: Vec<StationPlan>,
    /// Links, in file order.
    pub links: Vec<LinkPlan>,
    /// Distinct upstream timeouts in ns; each gets one FIFO timer queue in the engine.
    pub timeouts_ns: Vec<u64>,
}

/// A compiled client population.
#[derive(Clone, Debug)]
pub struct PopPlan {
    /// Model node index.
    pub node: u32,
    /// Rate over time.
    pub traffic: TrafficPlan,
    /// Poisson or evenly spaced.
    pub arrivals: ArrivalProcess,
    /// Number of users.
    pub users: u32,
    /// Zipf sampler when keys are skewed.
    pub zipf: Option<Zipf>,
    /// Cumulative route weights (normalised to 1) and the path each selects.
    pub routes: Vec<(f64, u16)>,
    /// Cumulative target weights (normalised to 1), the hop and the link crossed.
    pub targets: Vec<(f64, Hop, u32)>,
}

/// A compiled gateway.
#[derive(Clone, Debug)]
pub struct GwPlan {
    /// Model node index.
    pub node: u32,
    /// Processing time.
    pub processing: Sampler,
    /// Per interned path: the route chosen, or `None` (404).
    pub route_by_path: Vec<Option<GwRoute>>,
}

/// A resolved gateway route.
#[derive(Clone, Copy, Debug)]
pub struct GwRoute {
    /// Next hop.
    pub hop: Hop,
    /// Link crossed.
    pub link: u32,
    /// Index into [`Plan::timeouts_ns`], if the route has a timeout.
    pub timer: Option<u16>,
}

/// A compiled load balancer.
#[derive(Clone, Debug)]
pub struct LbPlan {
    /// Model node index.
    pub node: u32,
    /// Its pools: each a list of (station, link crossed to reach it).
    pub pools: Vec<Vec<(u32, u32)>>,
    /// Per interned path: the pool used, or `None` (no rule matches: 404).
    pub pool_by_path: Vec<Option<u16>>,
}

/// A compiled service.
#[derive(Clone, Debug)]
pub struct SvcPlan {
    /// Model node index.
    pub node: u32,
    /// First station index; its instances are `first_station..first_station + instances`.
    pub first_station: u32,
    /// Number of instances.
    pub instances: u32,
    /// Time a slot is busy per request.
    pub service_time: Sampler,
    /// Probability that a served request ends in a 500.
    pub error_rate: f64,
}

/// A compiled service instance.
#[derive(Clone, Debug)]
pub struct StationPlan {
    /// Instance name, `<service>-<i>`.
    pub name: String,
    /// Service index.
    pub service: u32,
    /// Concurrency slots.
    pub concurrency: u32,
    /// Queue capacity (`u32::MAX` for unbounded).
    pub queue_capacity: u32,
}

/// A compiled link.
#[derive(Clone, Debug)]
pub struct LinkPlan {
    /// `from->to`, used to seed its stream.
    pub name: String,
    /// Caller's name.
    pub from: String,
    /// Callee's name.
    pub to: String,
    /// One-way latency.
    pub latency: Sampler,
}

/// A rate profile, evaluated in nanoseconds.
#[derive(Clone, Debug)]
pub enum TrafficPlan {
    /// Piecewise constant: `(start_ns, rate per second)`, sorted, first at 0.
    Piecewise(Vec<(u64, f64)>),
    /// `mean * (1 + amp * cos(2π (t - peak) / period))`.
    Diurnal {
        /// Mean rate per second.
        mean: f64,
        /// Relative amplitude.
        amp: f64,
        /// Period in ns.
        period_ns: f64,
        /// Peak time in ns.
        peak_ns: f64,
    },
}

impl TrafficPlan {
    /// The plan of a traffic profile (also used by the GUI to draw it).
    pub fn new(t: &Traffic) -> TrafficPlan {
        match t {
            Traffic::Constant { rate_rps } => TrafficPlan::Piecewise(vec![(0, *rate_rps)]),
            Traffic::Steps { steps } => {
                let mut v = vec![(0, 0.0)];
                for s in steps {
                    let at = secs_to_ns(s.at_s);
                    if let Some(last) = v.last_mut()
                        && last.0 == at
                    {
                        last.1 = s.rate_rps;
                        continue;
                    }
                    v.push((at, s.rate_rps));
                }
                TrafficPlan::Piecewise(v)
            }
            Traffic::Spike {
                base_rps,
                peak_rps,
                start_s,
                duration_s,
            } => TrafficPlan::Piecewise(vec![
                (0, *base_rps),
                (secs_to_ns(*start_s), *peak_rps),
                (secs_to_ns(start_s + duration_s), *base_rps),
            ]),
            Traffic::Diurnal {
                mean_rps,
                amplitude,
                period_s,
                peak_at_s,
            } => TrafficPlan::Diurnal {
                mean: *mean_rps,
                amp: *amplitude,
                period_ns: period_s * NS_PER_S as f64,
                peak_ns: peak_at_s * NS_PER_S as f64,
            },
        }
    }

    /// The rate (per second) at `t`.
    pub fn rate_at(&self, t: u64) -> f64 {
        match self {
            TrafficPlan::Piecewise(steps) => {
                let i = steps.partition_point(|&(at, _)| at <= t);
                steps.get(i.wrapping_sub(1)).map_or(0.0, |s| s.1)
            }
            TrafficPlan::Diurnal {
                mean,
                amp,
                period_ns,
                peak_ns,
            } => {
                let phase = std::f64::consts::TAU * (t as f64 - peak_ns) / period_ns;
                mean * (1.0 + amp * phase.cos())
            }
        }
    }

    /// The segment containing `t`: its end (`u64::MAX` for the last), an upper bound of the rate in
    /// it, and whether the rate is constant within it.
    pub fn segment(&self, t: u64) -> (u64, f64, bool) {
        match self {
            TrafficPlan::Piecewise(steps) => {
                let i = steps.partition_point(|&(at, _)| at <= t);
                let rate = steps.get(i.wrapping_sub(1)).map_or(0.0, |s| s.1);
                let end = steps.get(i).map_or(u64::MAX, |s| s.0);
                (end, rate, true)
            }
            TrafficPlan::Diurnal { mean, amp, .. } => (u64::MAX, mean * (1.0 + amp), *amp == 0.0),
        }
    }
}

/// Compiles a validated scenario. Panic-free on any input; an invalid scenario (see
/// [`model::validate`]) compiles to something meaningless but safe.
pub fn compile(s: &Scenario) -> Plan {
    let topo = &s.topology;
    let duration_ns = secs_to_ns(s.run.duration_s).max(1);
    let bucket_ns = s
        .run
        .bucket_s
        .map(secs_to_ns)
        .unwrap_or_else(|| default_bucket_ns(duration_ns))
        .max(1);
    let n_buckets = duration_ns
        .div_ceil(bucket_ns)
        .clamp(1, model::validate::MAX_BUCKETS as u64) as usize;

    // Dense indices per kind.
    let mut kind_index = vec![0u32; topo.nodes.len()];
    let mut counts = [0u32; 4];
    for (i, n) in topo.nodes.iter().enumerate() {
        let k = n.kind() as usize;
        kind_index[i] = counts[k];
        counts[k] += 1;
    }
    let index_of = |name: &str| topo.node_index(name);
    let hop_to = |name: &str| -> Option<Hop> {
        let i = index_of(name)?;
        Some(match topo.nodes[i].kind() {
            NodeKind::Gateway => Hop::Gateway(kind_index[i]),
            NodeKind::LoadBalancer => Hop::Balancer(kind_index[i]),
            NodeKind::Service => Hop::Service(kind_index[i]),
            NodeKind::Clients => return None,
        })
    };
    let link_index = |from: &str, to: &str| {
        topo.links
            .iter()
            .position(|l| l.from == from && l.to == to)
            .map(|i| i as u32)
    };

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
    let paths: Vec<String> = path_set.keys().cloned().collect();
    for (i, v) in path_set.values_mut().enumerate() {
        *v = i as u16;
    }

    let mut timeouts_ns: Vec<u64> = Vec::new();
    let mut plan = Plan {
        name: s.name.clone(),
        seed: s.run.seed,
        replicates: s.run.replicates.max(1),
        duration_ns,
        warmup_ns: secs_to_ns(s.run.warmup_s).min(duration_ns),
        bucket_ns,
        n_buckets,
        nodes: topo
            .nodes
            .iter()
            .map(|n| (n.name().to_owned(), n.kind()))
            .collect(),
        paths: paths.clone(),
        pops: Vec::new(),
        gateways: Vec::new(),
        balancers: Vec::new(),
        services: Vec::new(),
        stations: Vec::new(),
        links: topo
            .links
            .iter()
            .map(|l| LinkPlan {
                name: format!("{}->{}", l.from, l.to),
                from: l.from.clone(),
                to: l.to.clone(),
                latency: Sampler::new(&l.latency),
            })
            .collect(),
        timeouts_ns: Vec::new(),
    };

    for (i, node) in topo.nodes.iter().enumerate() {
        let ni = i as u32;
        match node {
            Node::Clients(p) => {
                let mut routes = Vec::new();
                let total: f64 = p.routes.iter().map(|r| r.weight).sum();
                let mut acc = 0.0;
                for r in &p.routes {
                    acc += r.weight / total;
                    routes.push((acc, path_set.get(&r.path).copied().unwrap_or(0)));
                }
                if routes.is_empty() {
                    routes.push((1.0, path_set.get("/").copied().unwrap_or(0)));
                }
                let links: Vec<_> = topo.links_from(&p.name).collect();
                let total: f64 = links.iter().map(|(_, l)| l.weight).sum();
                let mut acc = 0.0;
                let targets = links
                    .iter()
                    .filter_map(|(li, l)| {
                        acc += l.weight / total;
                        Some((acc, hop_to(&l.to)?, *li as u32))
                    })
                    .collect();
                plan.pops.push(PopPlan {
                    node: ni,
                    traffic: TrafficPlan::new(&p.traffic),
                    arrivals: p.arrivals,
                    users: p.users.max(1),
                    zipf: match p.keys {
                        KeyDistribution::Uniform => None,
                        KeyDistribution::Zipf { exponent } => {
                            Some(Zipf::new(p.users.max(1), exponent))
                        }
                    },
                    routes,
                    targets,
                });
            }
            Node::Gateway(g) => {
                let route_by_path = paths
                    .iter()
                    .map(|path| {
                        let (upstream, timeout) = if g.routes.is_empty() {
                            let (_, l) = topo.links_from(&g.name).next()?;
                            (l.to.as_str(), None)
                        } else {
                            let r = g
                                .routes
                                .iter()
                                .filter(|r| path.starts_with(&r.path_prefix))
                                .max_by_key(|r| r.path_prefix.len())?;
                            (r.upstream.as_str(), r.timeout_ms)
                        };
                        let timer =
                            timeout.map(|ms| {
                                let ns = ms_to_ns(ms).max(1);
                                let pos = timeouts_ns.iter().position(|&t| t == ns).unwrap_or_else(
                                    || {
                                        timeouts_ns.push(ns);
                                        timeouts_ns.len() - 1
                                    },
                                );
                                pos as u16
                            });
                        Some(GwRoute {
                            hop: hop_to(upstream)?,
                            link: link_index(&g.name, upstream)?,
                            timer,
                        })
                    })
                    .collect();
                plan.gateways.push(GwPlan {
                    node: ni,
                    processing: Sampler::new(&g.processing),
                    route_by_path,
                });
            }
            Node::LoadBalancer(lb) => {
                // Pools name services here; they are expanded to stations below, once every
                // service has its stations.
                let linked: Vec<(u32, u32)> = topo
                    .links_from(&lb.name)
                    .filter_map(|(li, l)| match hop_to(&l.to) {
                        Some(Hop::Service(si)) => Some((si, li as u32)),
                        _ => None,
                    })
                    .collect();
                let (pools, pool_by_path) = if lb.rules.is_empty() {
                    (vec![linked], vec![Some(0); paths.len()])
                } else {
                    let pools = lb
                        .rules
                        .iter()
                        .map(|r| {
                            linked
                                .iter()
                                .copied()
                                .filter(|&(_, li)| topo.links[li as usize].to == r.service)
                                .collect()
                        })
                        .collect();
                    let by_path = paths
                        .iter()
                        .map(|path| {
                            (0..lb.rules.len())
                                .filter(|&i| path.starts_with(&lb.rules[i].path_prefix))
                                .max_by_key(|&i| (lb.rules[i].path_prefix.len(), usize::MAX - i))
                                .map(|i| i as u16)
                        })
                        .collect();
                    (pools, by_path)
                };
                plan.balancers.push(LbPlan {
                    node: ni,
                    pools,
                    pool_by_path,
                });
            }
            Node::Service(svc) => {
                let si = plan.services.len() as u32;
                let first_station = plan.stations.len() as u32;
                for k in 0..svc.instances {
                    plan.stations.push(StationPlan {
                        name: format!("{}-{k}", svc.name),
                        service: si,
                        concurrency: svc.concurrency.max(1),
                        queue_capacity: svc.queue_capacity.unwrap_or(u32::MAX),
                    });
                }
                plan.services.push(SvcPlan {
                    node: ni,
                    first_station,
                    instances: svc.instances,
                    service_time: Sampler::new(&svc.service_time),
                    error_rate: svc.error_rate,
                });
            }
        }
    }
    // Balancer pools name services; expand them to stations now that all services are known.
    for lb in &mut plan.balancers {
        for pool in &mut lb.pools {
            *pool = pool
                .iter()
                .flat_map(|&(si, li)| {
                    let svc = &plan.services[si as usize];
                    (svc.first_station..svc.first_station + svc.instances).map(move |st| (st, li))
                })
                .collect();
        }
    }
    plan.timeouts_ns = timeouts_ns;
    plan
}

/// About 300 buckets over the run, rounded down to a readable width (1, 2 or 5 x 10^k ms).
fn default_bucket_ns(duration_ns: u64) -> u64 {
    let target = (duration_ns / 300).max(NS_PER_MS);
    let mut best = NS_PER_MS;
    let mut decade = NS_PER_MS;
    while decade <= target {
        for m in [1, 2, 5] {
            if decade * m <= target {
                best = decade * m;
            }
        }
        decade *= 10;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_buckets_are_round_and_near_300() {
        assert_eq!(default_bucket_ns(60 * NS_PER_S), 200 * 1_000_000);
        assert_eq!(default_bucket_ns(3600 * NS_PER_S), 10 * NS_PER_S);
        assert_eq!(default_bucket_ns(1_000_000), 1_000_000);
    }

    #[test]
    fn piecewise_segments() {
        let t = TrafficPlan::new(&Traffic::Spike {
            base_rps: 10.0,
            peak_rps: 100.0,
            start_s: 1.0,
            duration_s: 2.0,
        });
        assert_eq!(t.segment(0), (NS_PER_S, 10.0, true));
        assert_eq!(t.segment(NS_PER_S), (3 * NS_PER_S, 100.0, true));
        assert_eq!(t.segment(5 * NS_PER_S), (u64::MAX, 10.0, true));
        assert_eq!(t.rate_at(2 * NS_PER_S), 100.0);
    }
}
