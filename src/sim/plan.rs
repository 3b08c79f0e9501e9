//! The model compiled for speed: dense indices and arrays, samplers pre-built, paths interned, route
//! tables resolved. No strings or maps are looked up while the engine runs.

use super::rng::{Sampler, Zipf};
use super::time::{NS_PER_MS, NS_PER_S, ms_to_ns, secs_to_ns};
use crate::model::{
    self, ArrivalProcess, Balance, Failover, KeyDistribution, LimitKey, Node, NodeKind, Scenario, Traffic,
};
use crate::policy::autoscale::HpaConfig;
use crate::policy::breaker::EnvoyBreaker;
use crate::policy::health::HaproxyCheck;
use crate::policy::outlier::OutlierConfig;
use crate::policy::panic::PanicThreshold;
use crate::policy::ratelimit::AnyLimiter;
use crate::policy::retry::{AwsBackoff, AwsJitter, EnvoyBackoff, RetryBudget};
use std::collections::BTreeMap;

/// Where a request goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// Rate limits of gateway routes.
    pub limiters: Vec<LimiterPlan>,
    /// Retry policies of gateway routes.
    pub retries: Vec<RetryPlan>,
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
    /// Distinct client keys the users appear as (`users`, or fewer behind NAT).
    pub addresses: u32,
    /// Zipf sampler when keys are skewed.
    pub zipf: Option<Zipf>,
    /// Cumulative route weights (normalised to 1) and the path each selects.
    pub routes: Vec<(f64, u16)>,
    /// Cumulative target weights (normalised to 1), the hop and the link crossed.
    pub targets: Vec<(f64, Hop, u32)>,
    /// Client timeouts and retries, if any.
    pub retry: Option<ClientRetryPlan>,
}

/// A compiled client retry policy.
#[derive(Clone, Debug)]
pub struct ClientRetryPlan {
    /// The policy.
    pub policy: model::ClientRetry,
    /// The backoff (`None`: no jitter, `min(cap, base x 2^n)`).
    pub backoff: Option<AwsBackoff>,
    /// Index into [`Plan::timeouts_ns`] of the client timeout, if any.
    pub timer: Option<u16>,
}

/// A compiled gateway.
#[derive(Clone, Debug)]
pub struct GwPlan {
    /// Model node index.
    pub node: u32,
    /// Processing time.
    pub processing: Sampler,
    /// Route rules: path prefix and the resolved route (`None` when it cannot be resolved).
    pub rules: Vec<(String, Option<GwRoute>)>,
    /// Without rules: the single linked upstream.
    pub fallback: Option<GwRoute>,
}

/// A resolved gateway route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GwRoute {
    /// Next hop.
    pub hop: Hop,
    /// Link crossed.
    pub link: u32,
    /// Index into [`Plan::timeouts_ns`], if the route has a timeout.
    pub timer: Option<u16>,
    /// Index into [`Plan::limiters`], if the route is rate limited.
    pub limiter: Option<u16>,
    /// Index into [`Plan::retries`], if the route retries.
    pub retry: Option<u16>,
}

/// A compiled router retry policy.
#[derive(Clone, Debug)]
pub struct RetryPlan {
    /// Which failures are retried, how many times.
    pub policy: model::RetryPolicy,
    /// The backoff.
    pub backoff: EnvoyBackoff,
}

/// A compiled rate limit.
#[derive(Clone, Debug)]
pub struct LimiterPlan {
    /// One bucket for every request (else one per client key).
    pub global: bool,
    /// The production algorithm.
    pub limiter: AnyLimiter,
}

/// A compiled load balancer.
#[derive(Clone, Debug)]
pub struct LbPlan {
    /// Model node index.
    pub node: u32,
    /// Its pools of instances.
    pub pools: Vec<Vec<Member>>,
    /// How an instance is chosen.
    pub algorithm: Balance,
    /// What happens when an attempt is refused.
    pub failover: Failover,
    /// HAProxy-style active checks, if any.
    pub check: Option<HaproxyCheck>,
    /// Envoy outlier detection, if any.
    pub outlier: Option<OutlierConfig>,
    /// Envoy circuit breakers, if any.
    pub breaker: Option<EnvoyBreaker>,
    /// Envoy's panic threshold (Envoy balancers only).
    pub panic: Option<PanicThreshold>,
    /// Path rules: prefix and pool index. Empty: every path uses pool 0.
    pub rules: Vec<(String, u16)>,
}

/// Where one request path goes at each gateway and balancer: the result of matching the path
/// against every route table once. Requests carry an index into a table of these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Routing {
    /// Per gateway: the route taken, or `None` (404).
    pub gw: Vec<Option<GwRoute>>,
    /// Per balancer: the pool used, or `None` (404).
    pub lb: Vec<Option<u16>>,
}

/// The longest prefix in `rules` that `path` starts with (the first one on a tie).
fn longest_match<'a, T>(rules: &'a [(String, T)], path: &str) -> Option<&'a T> {
    let mut best: Option<(usize, &T)> = None;
    for (prefix, value) in rules {
        if path.starts_with(prefix.as_str()) && best.is_none_or(|(len, _)| prefix.len() > len) {
            best = Some((prefix.len(), value));
        }
    }
    best.map(|(_, v)| v)
}

impl Plan {
    /// Sets the arrival window to `[0, duration_ns)` with no warm-up, and the bucket width to
    /// `bucket_ns` or the default for that duration (trace replays last as long as their trace).
    pub fn retime(&mut self, duration_ns: u64, bucket_ns: Option<u64>) {
        self.duration_ns = duration_ns.max(1);
        self.warmup_ns = 0;
        self.bucket_ns = bucket_ns.unwrap_or_else(|| default_bucket_ns(self.duration_ns)).max(1);
        self.n_buckets =
            self.duration_ns.div_ceil(self.bucket_ns).clamp(1, model::validate::MAX_BUCKETS as u64) as usize;
    }

    /// The station named `name` (see [`StationPlan::name`]).
    pub fn station_by_name(&self, name: &str) -> Option<u32> {
        self.stations.iter().position(|s| s.name == name).map(|i| i as u32)
    }

    /// Matches a request path against every gateway's and balancer's rules.
    pub fn resolve(&self, path: &str) -> Routing {
        Routing {
            gw: self
                .gateways
                .iter()
                .map(|g| if g.rules.is_empty() { g.fallback } else { longest_match(&g.rules, path).copied().flatten() })
                .collect(),
            lb: self
                .balancers
                .iter()
                .map(|b| if b.rules.is_empty() { Some(0) } else { longest_match(&b.rules, path).copied() })
                .collect(),
        }
    }
}

/// One instance in a balancer's pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Station index.
    pub station: u32,
    /// Link crossed to reach it.
    pub link: u32,
    /// Weight (from the balancer's link to the service; at least 1).
    pub weight: u32,
}

/// A compiled service.
#[derive(Clone, Debug)]
pub struct SvcPlan {
    /// Model node index.
    pub node: u32,
    /// First station index; its instances are `first_station..first_station + instances`.
    pub first_station: u32,
    /// Number of instances (stations): the most that can run (`max_replicas` when autoscaled).
    pub instances: u32,
    /// Instances running at the start.
    pub initial: u32,
    /// Kubernetes HPA, if the service autoscales.
    pub hpa: Option<HpaPlan>,
    /// Time a slot is busy per request.
    pub service_time: Sampler,
    /// Probability that a served request ends in a 500.
    pub error_rate: f64,
}

/// A compiled autoscaler.
#[derive(Clone, Debug)]
pub struct HpaPlan {
    /// The controller's configuration.
    pub config: HpaConfig,
    /// Target utilisation (fraction).
    pub target: f64,
    /// From scale-up to serving, ns.
    pub startup_ns: u64,
}

/// A compiled service instance.
#[derive(Clone, Debug)]
pub struct StationPlan {
    /// Instance name: `<service>-<i>`, or the service's name when it has one instance.
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
            Traffic::Spike { base_rps, peak_rps, start_s, duration_s } => TrafficPlan::Piecewise(vec![
                (0, *base_rps),
                (secs_to_ns(*start_s), *peak_rps),
                (secs_to_ns(start_s + duration_s), *base_rps),
            ]),
            Traffic::Diurnal { mean_rps, amplitude, period_s, peak_at_s } => TrafficPlan::Diurnal {
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
            TrafficPlan::Diurnal { mean, amp, period_ns, peak_ns } => {
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
    let bucket_ns = s.run.bucket_s.map(secs_to_ns).unwrap_or_else(|| default_bucket_ns(duration_ns)).max(1);
    let n_buckets = duration_ns.div_ceil(bucket_ns).clamp(1, model::validate::MAX_BUCKETS as u64) as usize;

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
    let link_index =
        |from: &str, to: &str| topo.links.iter().position(|l| l.from == from && l.to == to).map(|i| i as u32);

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
        nodes: topo.nodes.iter().map(|n| (n.name().to_owned(), n.kind())).collect(),
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
        limiters: Vec::new(),
        retries: Vec::new(),
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
                    addresses: p.addresses.unwrap_or(p.users).clamp(1, p.users.max(1)),
                    zipf: match p.keys {
                        KeyDistribution::Uniform => None,
                        KeyDistribution::Zipf { exponent } => Some(Zipf::new(p.users.max(1), exponent)),
                    },
                    routes,
                    targets,
                    retry: p.retry.as_ref().map(|r| {
                        let jitter = match r.jitter {
                            model::Jitter::Full => Some(AwsJitter::Full),
                            model::Jitter::Equal => Some(AwsJitter::Equal),
                            model::Jitter::Decorrelated => Some(AwsJitter::Decorrelated),
                            model::Jitter::None => None,
                        };
                        let ms = |v: u64| v.saturating_mul(1_000_000);
                        ClientRetryPlan {
                            policy: r.clone(),
                            backoff: jitter.and_then(|j| AwsBackoff::new(j, ms(r.base_ms), ms(r.cap_ms)).ok()),
                            timer: r.timeout_ms.map(|t| {
                                let ns = ms_to_ns(t).max(1);
                                let pos = timeouts_ns.iter().position(|&x| x == ns).unwrap_or_else(|| {
                                    timeouts_ns.push(ns);
                                    timeouts_ns.len() - 1
                                });
                                pos as u16
                            }),
                        }
                    }),
                });
            }
            Node::Gateway(g) => {
                let mut resolve = |upstream: &str, timeout: Option<f64>, route: Option<&model::Route>| {
                    let limit = route.and_then(|r| r.rate_limit.as_ref());
                    let timer = timeout.map(|ms| {
                        let ns = ms_to_ns(ms).max(1);
                        let pos = timeouts_ns.iter().position(|&t| t == ns).unwrap_or_else(|| {
                            timeouts_ns.push(ns);
                            timeouts_ns.len() - 1
                        });
                        pos as u16
                    });
                    let limiter = limit.and_then(|l| {
                        let built = l.algorithm.build(s.run.start_unix_s.saturating_mul(1000)).ok()?;
                        plan.limiters.push(LimiterPlan { global: l.key == LimitKey::Global, limiter: built });
                        Some((plan.limiters.len() - 1) as u16)
                    });
                    let retry = route.and_then(|r| r.retry_policy.as_ref()).and_then(|p| {
                        let backoff = EnvoyBackoff::new(p.base_interval_ms, p.max_interval_ms).ok()?;
                        plan.retries.push(RetryPlan { policy: p.clone(), backoff });
                        Some((plan.retries.len() - 1) as u16)
                    });
                    Some(GwRoute {
                        hop: hop_to(upstream)?,
                        link: link_index(&g.name, upstream)?,
                        timer,
                        limiter,
                        retry,
                    })
                };
                let rules = g
                    .routes
                    .iter()
                    .map(|r| (r.path_prefix.clone(), resolve(&r.upstream, r.timeout_ms, Some(r))))
                    .collect();
                let fallback = if g.routes.is_empty() {
                    topo.links_from(&g.name).next().and_then(|(_, l)| resolve(&l.to, None, None))
                } else {
                    None
                };
                plan.gateways.push(GwPlan { node: ni, processing: Sampler::new(&g.processing), rules, fallback });
            }
            Node::LoadBalancer(lb) => {
                // Pools name services here; they are expanded to stations below, once every
                // service has its stations.
                // Members name their service in `station` until every service has its stations.
                let linked: Vec<Member> = topo
                    .links_from(&lb.name)
                    .filter_map(|(li, l)| match hop_to(&l.to) {
                        Some(Hop::Service(si)) => Some(Member {
                            station: si,
                            link: li as u32,
                            weight: (l.weight.round().clamp(1.0, 1e6)) as u32,
                        }),
                        _ => None,
                    })
                    .collect();
                let (pools, rules) = if lb.rules.is_empty() {
                    (vec![linked], Vec::new())
                } else {
                    let pools = lb
                        .rules
                        .iter()
                        .map(|r| {
                            linked.iter().copied().filter(|m| topo.links[m.link as usize].to == r.service).collect()
                        })
                        .collect();
                    let rules = lb.rules.iter().enumerate().map(|(i, r)| (r.path_prefix.clone(), i as u16)).collect();
                    (pools, rules)
                };
                let check = lb
                    .health_check
                    .as_ref()
                    .and_then(|c| HaproxyCheck::new(c.inter_ms.saturating_mul(1_000_000), c.rise, c.fall).ok());
                plan.balancers.push(LbPlan {
                    node: ni,
                    pools,
                    rules,
                    algorithm: lb.algorithm,
                    failover: lb.failover.clone(),
                    check,
                    outlier: lb.outlier_detection.as_ref().map(|o| o.config()),
                    breaker: lb.circuit_breaker.as_ref().and_then(|c| {
                        let budget = match &c.retry_budget {
                            Some(b) => Some(RetryBudget::new(b.budget_percent, b.min_retry_concurrency).ok()?),
                            None => None,
                        };
                        EnvoyBreaker::new(
                            c.max_connections,
                            c.max_pending_requests,
                            c.max_requests,
                            c.max_retries,
                            budget,
                        )
                        .ok()
                    }),
                    panic: (lb.algorithm.product() == model::Product::Envoy)
                        .then(|| PanicThreshold::new(lb.healthy_panic_threshold.unwrap_or(50.0), 140).ok())
                        .flatten(),
                });
            }
            Node::Service(svc) => {
                let si = plan.services.len() as u32;
                let first_station = plan.stations.len() as u32;
                let hpa = svc.autoscaling.as_ref().and_then(|a| {
                    let mut config = HpaConfig::new(a.min_replicas, a.max_replicas).ok()?;
                    config.sync_period_s = a.sync_period_s.max(1);
                    config.downscale_stabilization_s = a.downscale_stabilization_s;
                    Some(HpaPlan { config, target: a.target_utilization, startup_ns: secs_to_ns(a.startup_s) })
                });
                let allocated = if hpa.is_some() { svc.instance_slots() } else { svc.instances };
                for k in 0..allocated {
                    plan.stations.push(StationPlan {
                        name: svc.instance_name(k),
                        service: si,
                        concurrency: svc.concurrency.max(1),
                        queue_capacity: svc.queue_capacity.unwrap_or(u32::MAX),
                    });
                }
                plan.services.push(SvcPlan {
                    node: ni,
                    first_station,
                    instances: allocated,
                    initial: svc.instances.min(allocated),
                    hpa,
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
                .flat_map(|m| {
                    let svc = &plan.services[m.station as usize];
                    (svc.first_station..svc.first_station + svc.instances).map(move |st| Member { station: st, ..*m })
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
        let t = TrafficPlan::new(&Traffic::Spike { base_rps: 10.0, peak_rps: 100.0, start_s: 1.0, duration_s: 2.0 });
        assert_eq!(t.segment(0), (NS_PER_S, 10.0, true));
        assert_eq!(t.segment(NS_PER_S), (3 * NS_PER_S, 100.0, true));
        assert_eq!(t.segment(5 * NS_PER_S), (u64::MAX, 10.0, true));
        assert_eq!(t.rate_at(2 * NS_PER_S), 100.0);
    }
}
