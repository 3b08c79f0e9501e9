//! The model compiled for speed: dense indices and arrays, samplers pre-built, paths interned, route
//! tables resolved. No strings or maps are looked up while the engine runs.

mod compile;
pub mod cost;
mod global;
mod timeline;

pub use compile::compile;
pub use global::{CheckPlan, DnsPlan, RecordPlan, StorePlan, SvcStore};
pub use timeline::{
    ActPlan, ActionPlan, AlarmPlan, ChangePlan, EntryInfo, FaultEffect, FaultPlan, FaultTarget, NodeVariants,
    ResponsePlan, RulePlan, ScopePlan, SloPlan, TimelinePlan, TrafficEventPlan, TriggerPlan, VariantOf,
};

use super::rng::{Sampler, Zipf};
use super::time::{NS_PER_MS, NS_PER_S, secs_to_ns};
use crate::model::{self, ArrivalProcess, Balance, Failover, NodeKind, Traffic};
use crate::policy::autoscale::HpaConfig;
use crate::policy::breaker::EnvoyBreaker;
use crate::policy::health::HaproxyCheck;
use crate::policy::outlier::OutlierConfig;
use crate::policy::panic::PanicThreshold;
use crate::policy::ratelimit::AnyLimiter;
use crate::policy::retry::{AwsBackoff, EnvoyBackoff};

/// Where a request goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hop {
    /// Gateway index into [`Plan::gateways`].
    Gateway(u32),
    /// Balancer index into [`Plan::balancers`].
    Balancer(u32),
    /// Service index into [`Plan::services`] (its instances are used in turn).
    Service(u32),
    /// DNS index into [`Plan::dns`]: the client resolves the name, then sends to the answer.
    Dns(u32),
}

/// A compiled scenario.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Scenario title.
    pub name: String,
    /// Scenario seed.
    pub seed: u64,
    /// The wall-clock time of simulated time 0.
    pub start: model::UtcTime,
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
    /// Requests in flight above which a replicate stops (an overload).
    pub max_in_flight: u32,
    /// Every span the run must measure exactly (the SLO window, alarm periods) is a multiple of
    /// this; buckets divide it.
    pub grid_ns: u64,
    /// Model nodes, in file order: name and kind.
    pub nodes: Vec<(String, NodeKind)>,
    /// Interned request paths.
    pub paths: Vec<String>,
    /// Client populations, in node order, then one per traffic event of the timeline.
    pub pops: Vec<PopPlan>,
    /// Gateways: one per gateway node, in node order (index = [`Hop::Gateway`]'s), then the
    /// variants that timeline changes create.
    pub gateways: Vec<GwPlan>,
    /// Gateway nodes (the first entries of `gateways`).
    pub base_gateways: u32,
    /// Load balancers: one per balancer node, then the variants timeline changes create.
    pub balancers: Vec<LbPlan>,
    /// Balancer nodes (the first entries of `balancers`).
    pub base_balancers: u32,
    /// Services (their stations); their parameters are in `svc_cfgs`.
    pub services: Vec<SvcPlan>,
    /// Service parameters: entry `s` is service `s`'s as the file gives it, then the variants
    /// timeline changes create.
    pub svc_cfgs: Vec<SvcCfg>,
    /// Service instances: one queueing station each (as many as any variant may run).
    pub stations: Vec<StationPlan>,
    /// Links, in file order, then copies with the latencies timeline changes give them.
    pub links: Vec<LinkPlan>,
    /// Distinct upstream timeouts in ns; each gets one FIFO timer queue in the engine.
    pub timeouts_ns: Vec<u64>,
    /// Rate limits of gateway routes.
    pub limiters: Vec<LimiterPlan>,
    /// Retry policies of gateway routes.
    pub retries: Vec<RetryPlan>,
    /// The service level objectives.
    pub slo: SloPlan,
    /// The timeline, when the scenario has one (a steady-state run has none and pays nothing).
    pub timeline: Option<Box<TimelinePlan>>,
    /// Declared regions, in file order.
    pub regions: Vec<String>,
    /// Half the round-trip time between regions `a` and `b` at `a * regions + b`, ns (0 within a
    /// region, or when no figure exists: validation refuses that case).
    pub half_rtt_ns: Vec<u64>,
    /// Per model node: its region's index.
    pub node_region: Vec<Option<u16>>,
    /// DNS names.
    pub dns: Vec<DnsPlan>,
    /// Data stores.
    pub stores: Vec<StorePlan>,
    /// Per service: the data store it calls, if any.
    pub svc_store: Vec<Option<SvcStore>>,
    /// What each node is charged for.
    pub cost: cost::CostPlan,
}

impl Plan {
    /// Half the round trip between regions `a` and `b` (0 when either is unknown), ns.
    pub fn half_rtt(&self, a: Option<u16>, b: Option<u16>) -> u64 {
        match (a, b) {
            (Some(a), Some(b)) => {
                self.half_rtt_ns.get(a as usize * self.regions.len() + b as usize).copied().unwrap_or(0)
            }
            _ => 0,
        }
    }
}

/// A compiled client population.
#[derive(Clone, Debug)]
pub struct PopPlan {
    /// Model node index.
    pub node: u32,
    /// Its name (seeds its random streams): the node's, or the traffic event's.
    pub name: String,
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
    /// The population whose users (and client addresses) it sends as: itself, or for a flash
    /// crowd the population it joins.
    pub base: u32,
    /// Attack traffic: counted apart, never as users impacted.
    pub attack: bool,
    /// The population's region index.
    pub region: Option<u16>,
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
    /// The gateway node's index among gateways (its base entry in `Plan::gateways`).
    pub base: u32,
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
    /// What the buckets are keyed on.
    pub key: model::LimitKey,
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
    /// NGINX `proxy_next_upstream` of an `NginxNextUpstream` failover.
    pub next_upstream: Option<crate::policy::next_upstream::NextUpstream>,
    /// HAProxy-style active checks, if any.
    pub check: Option<HaproxyCheck>,
    /// The layer 7 part of the active checks (`option httpchk`), if any.
    pub http_check: Option<model::HttpCheck>,
    /// Envoy outlier detection, if any.
    pub outlier: Option<OutlierConfig>,
    /// Envoy circuit breakers, if any.
    pub breaker: Option<EnvoyBreaker>,
    /// Envoy's panic threshold (Envoy balancers only).
    pub panic: Option<PanicThreshold>,
    /// A pinned start of the rotation (`LoadBalancer::start`): Envoy's seed, drawn from the run's
    /// seed when absent; NGINX smooth WRR and HAProxy fwrr picks already made, 0 when absent.
    pub start: Option<u64>,
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
    /// Bit `i`: the path matches the timeline's route scope `i` (alarms on a route).
    pub scopes: u32,
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
        self.bucket_ns = self.bucket_for(self.duration_ns, bucket_ns);
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
            scopes: self.timeline.as_ref().map_or(0, |t| {
                t.route_scopes
                    .iter()
                    .enumerate()
                    .take(32)
                    .fold(0, |m, (i, p)| m | (u32::from(path.starts_with(p.as_str())) << i))
            }),
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

/// A compiled service: its stations.
#[derive(Clone, Debug)]
pub struct SvcPlan {
    /// Model node index.
    pub node: u32,
    /// First station index; its instances are `first_station..first_station + instances`.
    pub first_station: u32,
    /// Number of instances (stations): the most that can run (`max_replicas` when autoscaled, or
    /// what a timeline change or action may start).
    pub instances: u32,
}

/// A service's parameters (the file's, or a variant a timeline change creates).
#[derive(Clone, Debug)]
pub struct SvcCfg {
    /// Service index.
    pub service: u32,
    /// Instances to run.
    pub running: u32,
    /// Concurrency slots of each instance.
    pub concurrency: u32,
    /// Queue capacity of each instance (`u32::MAX` for unbounded).
    pub queue_capacity: u32,
    /// Kubernetes HPA, if the service autoscales.
    pub hpa: Option<HpaPlan>,
    /// Time a slot is busy per request.
    pub service_time: Sampler,
    /// Probability that a served request ends in a 500.
    pub error_rate: f64,
    /// Statuses answered for a share of requests (`Service::answers`).
    pub answers: Vec<crate::model::Answer>,
    /// The status a running instance answers an HTTP health check with.
    pub health_status: u16,
    /// How the instances run.
    pub deploy: DeployPlan,
}

/// A compiled deployment kind (see `model::deploy`).
#[derive(Clone, Debug)]
pub enum DeployPlan {
    /// Virtual machines.
    Vm,
    /// Containers with probes.
    Container {
        /// The liveness probe.
        liveness: Option<ProbePlan>,
        /// The readiness probe.
        readiness: Option<ProbePlan>,
        /// From a kill to running again, ns.
        restart_ns: u64,
    },
    /// A function: each station is one execution environment.
    Serverless {
        /// Cold start duration.
        cold_start: Sampler,
        /// Idle time after which an environment is reclaimed, ns.
        keep_warm_ns: u64,
        /// Environments that may serve at once.
        limit: u32,
    },
}

/// A compiled Kubernetes probe.
#[derive(Clone, Copy, Debug)]
pub struct ProbePlan {
    /// `periodSeconds`, ns.
    pub period_ns: u64,
    /// `timeoutSeconds`, ns.
    pub timeout_ns: u64,
    /// `failureThreshold`.
    pub failures: u32,
    /// `successThreshold`.
    pub successes: u32,
    /// `initialDelaySeconds`, ns.
    pub initial_ns: u64,
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
    /// The file's link this one is (itself, or for a copy the original): its random stream and
    /// time series.
    pub stream: u32,
    /// Added to each crossing: half the round trip between the regions of its ends, ns.
    pub region_ns: u64,
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
