//! Topology types: nodes, links, regions.

use super::clients::{
    ArrivalProcess, Clients, KeyDistribution, Traffic, default_request_kb, default_response_kb, default_users,
};
use super::deploy::{Deployment, Hosting};
use super::global::{DataStore, Dns, DnsRouting, HealthCheck53, Replication};
pub use super::lb_rule::{LbRule, Pooled};
use super::{ActiveCheck, Balance, CircuitBreaker, Dist, Failover, OutlierDetection, RateLimit, RetryPolicy, Span};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The graph a scenario simulates: nodes and the directed links between them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// Failure domains. A node may name one in its `region`.
    #[serde(default)]
    pub regions: Vec<Region>,
    /// Every node, each with a unique name.
    pub nodes: Vec<Node>,
    /// Directed links, from the caller to the callee. Requests flow along them; responses return the
    /// same way.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Round-trip times between regions, overriding the bundled table (`model::regions`). A link
    /// between nodes of two regions adds half the pair's RTT to each crossing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region_rtt: Vec<RegionRtt>,
}

/// The median round-trip time between two regions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionRtt {
    /// One region.
    pub a: String,
    /// The other.
    pub b: String,
    /// Median round trip, ms.
    pub rtt_ms: f64,
}

/// A failure domain (a cloud region or data centre).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Unique name, e.g. `us-east-1`.
    pub name: String,
    /// Its availability zones, e.g. `["a", "b", "c"]`: the instances of each service in the
    /// region are spread over them in turn (instance `i` in zone `i mod zones`), so a fault on
    /// `"<region>/<zone>"` takes down the instances in that zone. Gateways and balancers span
    /// every zone (managed, multi-zone) and survive a zone's loss.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// Its prices relative to us-east-1 (1.1: 10% dearer); none: the price table's factor for
    /// its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_factor: Option<f64>,
}

/// A directed link between two nodes, with the one-way network latency of each crossing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The caller's name.
    pub from: String,
    /// The callee's name.
    pub to: String,
    /// One-way latency, drawn per crossing; the response crosses back with the same draw.
    #[serde(default)]
    pub latency: Dist,
    /// Share of the caller's traffic when a client population has several links (ignored elsewhere).
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

/// A node of the topology. Every kind has a `name`, an optional `region` and an optional canvas
/// position `pos` (GUI only; the simulation ignores it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// A population of users sending requests.
    Clients(Clients),
    /// An API gateway: routes requests by path to upstreams.
    Gateway(Gateway),
    /// A load balancer spreading requests over the instances of the services it links to.
    LoadBalancer(LoadBalancer),
    /// A service: instances with concurrency slots and a bounded FIFO queue.
    Service(Service),
    /// A DNS name with Route 53 routing and health checks (global; see `model::global`).
    Dns(Dns),
    /// A data store: a primary and replicas in regions (see `model::global`).
    DataStore(DataStore),
}

/// The kind of a node, without its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NodeKind {
    /// [`Node::Clients`].
    Clients,
    /// [`Node::Gateway`].
    Gateway,
    /// [`Node::LoadBalancer`].
    LoadBalancer,
    /// [`Node::Service`].
    Service,
    /// [`Node::Dns`].
    Dns,
    /// [`Node::DataStore`].
    DataStore,
}

impl NodeKind {
    /// Lower-case label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            NodeKind::Clients => "clients",
            NodeKind::Gateway => "gateway",
            NodeKind::LoadBalancer => "load balancer",
            NodeKind::Service => "service",
            NodeKind::Dns => "DNS",
            NodeKind::DataStore => "data store",
        }
    }
}

macro_rules! common_fields {
    ($self:ident, $field:ident) => {
        match $self {
            Node::Clients(n) => &n.$field,
            Node::Gateway(n) => &n.$field,
            Node::LoadBalancer(n) => &n.$field,
            Node::Service(n) => &n.$field,
            Node::Dns(n) => &n.$field,
            Node::DataStore(n) => &n.$field,
        }
    };
}

impl Node {
    /// A node of `kind` with sensible defaults, as the editor's palette adds it. Code outside the
    /// model should build nodes this way (then set fields), so that new fields need no edits there.
    pub fn with_defaults(kind: NodeKind, name: impl Into<String>) -> Node {
        let name = name.into();
        match kind {
            NodeKind::Clients => Node::Clients(Clients {
                description: String::new(),
                name,
                region: None,
                pos: None,
                users: default_users(),
                traffic: Traffic::Constant { rate_rps: 100.0 },
                arrivals: ArrivalProcess::default(),
                keys: KeyDistribution::default(),
                addresses: None,
                retry: None,
                routes: Vec::new(),
                request_kb: default_request_kb(),
                response_kb: default_response_kb(),
            }),
            NodeKind::Gateway => Node::Gateway(Gateway {
                description: String::new(),
                name,
                region: None,
                pos: None,
                processing: Dist::Constant { ms: 1.0 },
                routes: Vec::new(),
                limits: Vec::new(),
                hosting: Hosting::default(),
            }),
            NodeKind::LoadBalancer => Node::LoadBalancer(LoadBalancer {
                description: String::new(),
                name,
                region: None,
                pos: None,
                algorithm: Balance::default(),
                rules: Vec::new(),
                health_check: None,
                failover: Failover::default(),
                outlier_detection: None,
                circuit_breaker: None,
                healthy_panic_threshold: None,
                start: None,
                hosting: Hosting::default(),
            }),
            NodeKind::Service => Node::Service(Service {
                description: String::new(),
                name,
                region: None,
                pos: None,
                instances: 2,
                concurrency: 8,
                queue_capacity: Some(64),
                service_time: Dist::Exponential { mean_ms: 20.0 },
                error_rate: 0.0,
                answers: Vec::new(),
                autoscaling: None,
                deployment: Deployment::default(),
                health_status: 200,
            }),
            NodeKind::Dns => Node::Dns(Dns {
                description: String::new(),
                name,
                region: None,
                pos: None,
                routing: DnsRouting::Failover,
                records: Vec::new(),
                ttl: Span(60.0),
                health_check: Some(HealthCheck53::default()),
                ignore_ttl_share: 0.0,
            }),
            NodeKind::DataStore => Node::DataStore(DataStore {
                description: String::new(),
                name,
                region: None,
                pos: None,
                replicas: Vec::new(),
                replication: Replication::default(),
                write_share: 0.1,
                read: Dist::Constant { ms: 2.0 },
                write: Dist::Constant { ms: 5.0 },
                failover: None,
                backups: None,
                size: None,
                data_gb: 0.0,
            }),
        }
    }

    /// Renames the node (links and routes that refer to it are not touched; see
    /// [`Topology::rename`]).
    pub fn set_name(&mut self, name: impl Into<String>) {
        let name = name.into();
        match self {
            Node::Clients(n) => n.name = name,
            Node::Gateway(n) => n.name = name,
            Node::LoadBalancer(n) => n.name = name,
            Node::Service(n) => n.name = name,
            Node::Dns(n) => n.name = name,
            Node::DataStore(n) => n.name = name,
        }
    }

    /// Sets or clears the canvas position.
    pub fn set_pos(&mut self, pos: Option<[f32; 2]>) {
        match self {
            Node::Clients(n) => n.pos = pos,
            Node::Gateway(n) => n.pos = pos,
            Node::LoadBalancer(n) => n.pos = pos,
            Node::Service(n) => n.pos = pos,
            Node::Dns(n) => n.pos = pos,
            Node::DataStore(n) => n.pos = pos,
        }
    }

    /// Sets or clears the region.
    pub fn set_region(&mut self, region: Option<String>) {
        match self {
            Node::Clients(n) => n.region = region,
            Node::Gateway(n) => n.region = region,
            Node::LoadBalancer(n) => n.region = region,
            Node::Service(n) => n.region = region,
            Node::Dns(n) => n.region = region,
            Node::DataStore(n) => n.region = region,
        }
    }

    /// The node's unique name.
    pub fn name(&self) -> &str {
        common_fields!(self, name)
    }

    /// What the node is, in the user's words (empty: none).
    pub fn description(&self) -> &str {
        common_fields!(self, description)
    }

    /// Sets the node's description.
    pub fn set_description(&mut self, text: String) {
        match self {
            Node::Clients(n) => n.description = text,
            Node::Gateway(n) => n.description = text,
            Node::LoadBalancer(n) => n.description = text,
            Node::Service(n) => n.description = text,
            Node::Dns(n) => n.description = text,
            Node::DataStore(n) => n.description = text,
        }
    }

    /// The node's region, if it names one.
    pub fn region(&self) -> Option<&str> {
        common_fields!(self, region).as_deref()
    }

    /// The node's canvas position, if it has one.
    pub fn pos(&self) -> Option<[f32; 2]> {
        *common_fields!(self, pos)
    }

    /// The node's kind.
    pub fn kind(&self) -> NodeKind {
        match self {
            Node::Clients(_) => NodeKind::Clients,
            Node::Gateway(_) => NodeKind::Gateway,
            Node::LoadBalancer(_) => NodeKind::LoadBalancer,
            Node::Service(_) => NodeKind::Service,
            Node::Dns(_) => NodeKind::Dns,
            Node::DataStore(_) => NodeKind::DataStore,
        }
    }
}

/// An API gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// Unique node name.
    pub name: String,
    /// What it is and why, in the user's words (kept by a save, as a file's comments are not).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Canvas position (GUI only).
    #[serde(default)]
    pub pos: Option<[f32; 2]>,
    /// Time spent in the gateway per request (auth, parsing), added to the forward path.
    #[serde(default)]
    pub processing: Dist,
    /// Route table, matched by longest path prefix. Empty: everything goes to the gateway's single
    /// linked upstream.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Rate limits declared once on the gateway, each shared by the routes that name it in their
    /// `shared_limit`: one state per key across all of them (one NGINX `limit_req_zone` used by
    /// several `location`s, one HAProxy stick table tracked in the frontend, one Envoy local rate
    /// limit on the virtual host). See [`NamedLimit`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<NamedLimit>,
    /// Managed (priced per million requests) or self-run on instances.
    #[serde(default, skip_serializing_if = "Hosting::is_default")]
    pub hosting: Hosting,
}

/// A gateway route.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Matches request paths that start with it.
    pub path_prefix: String,
    /// The upstream node; the gateway must link to it.
    pub upstream: String,
    /// Upstream timeout: a response that has not reached the gateway by then is answered 504.
    #[serde(default)]
    pub timeout_ms: Option<f64>,
    /// Rate limit applied before the request goes upstream, this route's own.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// The name of one of the gateway's [`Gateway::limits`] this route counts against, shared with
    /// every other route naming it (instead of a `rate_limit` of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_limit: Option<String>,
    /// Envoy router retries (off when absent).
    #[serde(default)]
    pub retry_policy: Option<RetryPolicy>,
}

/// A rate limit declared once on a gateway and shared by several routes: a key's requests on all
/// of them count against one state (one bucket, window or rate per key). A route whose
/// `shared_limit` names none of the gateway's limits is a validation error; a limit no route names
/// is a warning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedLimit {
    /// The name routes refer to it by (it also names the exported zone or table).
    pub name: String,
    /// The limit.
    pub limit: RateLimit,
}

impl Gateway {
    /// The rate limit `route` applies: its own, or the shared one it names (`None` when it has
    /// neither, or names a limit the gateway does not declare, which validation reports).
    pub fn route_limit<'a>(&'a self, route: &'a Route) -> Option<&'a RateLimit> {
        match &route.shared_limit {
            Some(name) => self.shared_limit(name),
            None => route.rate_limit.as_ref(),
        }
    }

    /// The gateway's shared limit named `name`.
    pub fn shared_limit(&self, name: &str) -> Option<&RateLimit> {
        self.limits.iter().find(|l| l.name == name).map(|l| &l.limit)
    }
}

/// A load balancer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// Unique node name.
    pub name: String,
    /// What it is and why, in the user's words (kept by a save, as a file's comments are not).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Canvas position (GUI only).
    #[serde(default)]
    pub pos: Option<[f32; 2]>,
    /// How an instance is chosen within a pool.
    #[serde(default)]
    pub algorithm: Balance,
    /// Path rules (like an application load balancer's listener rules): a request goes to the pool
    /// of the service whose rule has the longest matching prefix. Empty: one pool of every instance
    /// of every linked service.
    #[serde(default)]
    pub rules: Vec<LbRule>,
    /// Active health checks of the instances (off when absent).
    #[serde(default)]
    pub health_check: Option<ActiveCheck>,
    /// What happens when an attempt fails.
    #[serde(default)]
    pub failover: Failover,
    /// Envoy outlier detection (off when absent).
    #[serde(default)]
    pub outlier_detection: Option<OutlierDetection>,
    /// Envoy circuit breakers (off when absent).
    #[serde(default)]
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Envoy `healthy_panic_threshold`, percent: when fewer of the pool's hosts than this are
    /// healthy, Envoy balances over all of them, unhealthy ones included. Envoy balancers default to
    /// 50; 0 disables it; other balancers ignore it.
    #[serde(default)]
    pub healthy_panic_threshold: Option<f64>,
    /// Where the balancer's rotation starts; absent (the default), where the product starts it.
    /// - Envoy `ROUND_ROBIN` and `LEAST_REQUEST`: Envoy's per-balancer `seed_` (drawn with
    ///   `random.random()` at start-up): equal weights start at host `seed % hosts`, unequal ones
    ///   build the EDF schedule as if `seed` picks had been made, again at every host-set change.
    ///   Absent: drawn from the run's seed, as Envoy draws it at random.
    /// - `NginxRoundRobin` (smooth WRR) and `HaproxyRoundRobin` (fwrr): the rotation as if `start`
    ///   requests had been balanced with every server up (taken modulo the sum of the weights,
    ///   after which both rotations repeat). Absent: 0, where a fresh NGINX or HAProxy starts.
    ///
    /// It places the balancer as the run finds it: a reload (a timeline change of the balancer)
    /// starts where the product starts a fresh one. Other algorithms refuse it. No product has a
    /// setting for it, so it is never exported: set
    /// it only to align a replay with an instance already running (the differential tests read
    /// Envoy's off its first picks and send NGINX and HAProxy `start` requests before a trace).
    /// Files of earlier versions name it `lb_seed`.
    #[serde(default, alias = "lb_seed", skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    /// Managed (priced per hour and capacity unit) or self-run on instances.
    #[serde(default, skip_serializing_if = "Hosting::is_default")]
    pub hosting: Hosting,
}

/// A service: `instances` identical stations, each with `concurrency` slots and a FIFO queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Unique node name.
    pub name: String,
    /// What it is and why, in the user's words (kept by a save, as a file's comments are not).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Canvas position (GUI only).
    #[serde(default)]
    pub pos: Option<[f32; 2]>,
    /// Number of instances, named `<name>-0`, `<name>-1`, ... (a single instance is named `<name>`).
    pub instances: u32,
    /// Requests one instance serves at once.
    #[serde(default = "one_u32")]
    pub concurrency: u32,
    /// Requests one instance holds waiting for a slot; `None` is unbounded. A request arriving at a
    /// full queue is rejected with 503 (`queue_full`).
    #[serde(default)]
    pub queue_capacity: Option<u32>,
    /// Time a slot is busy with one request.
    pub service_time: Dist,
    /// Fraction of served requests that end in a 500 (0 to 1).
    #[serde(default)]
    pub error_rate: f64,
    /// Statuses the service answers for a share of its requests, on every instance or on one
    /// (first that applies wins; a trace's `status` column, per request, comes before them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
    /// Kubernetes HPA on the service's utilisation (off when absent). `instances` is then the
    /// starting replica count.
    #[serde(default)]
    pub autoscaling: Option<Autoscaling>,
    /// How the instances run: VMs (the default), containers with probes, or a serverless
    /// function (see `model::deploy`).
    #[serde(default, skip_serializing_if = "Deployment::is_default")]
    pub deployment: Deployment,
    /// The status a running instance answers a balancer's HTTP health check with (default 200);
    /// a status the check does not expect marks the instance down while it still serves traffic
    /// (`ActiveCheck::http`).
    #[serde(default = "status_200", skip_serializing_if = "is_200")]
    pub health_status: u16,
}

fn status_200() -> u16 {
    200
}

fn is_200(s: &u16) -> bool {
    *s == 200
}

/// A status a service answers for a share of the requests it serves: the backend's own answer
/// (after its service time), attributed to the instance that gave it, which balancers and
/// gateways then act on as the product would (NGINX `proxy_next_upstream http_503`, Envoy
/// `retry_on: 5xx` and outlier detection's consecutive 5xx).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The status, 500 to 599.
    pub status: u16,
    /// Share of the requests served that get it, above 0 up to 1 (default 1: all of them).
    #[serde(default = "one_f64")]
    pub share: f64,
    /// Only this instance (0-based, below `instances`) answers it; `None`: every instance.
    #[serde(default)]
    pub instance: Option<u32>,
}

fn one_f64() -> f64 {
    1.0
}

/// A Kubernetes HorizontalPodAutoscaler on CPU utilisation (autoscaling/v2 without `behavior`: the
/// legacy path), with the utilisation of a service's concurrency slots standing for CPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autoscaling {
    /// `minReplicas` (default 1).
    #[serde(default = "one_u32")]
    pub min_replicas: u32,
    /// `maxReplicas`.
    pub max_replicas: u32,
    /// `averageUtilization` target as a fraction (default 0.8).
    #[serde(default = "util_80")]
    pub target_utilization: f64,
    /// The controller's sync period, s (default 15).
    #[serde(default = "sync_15")]
    pub sync_period_s: u64,
    /// Time from a scale-up to the new pod serving (start and readiness), s (default 30).
    #[serde(default = "startup_30")]
    pub startup_s: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`, s (default 300).
    #[serde(default = "stabilization_300")]
    pub downscale_stabilization_s: u64,
}

fn util_80() -> f64 {
    0.8
}
fn sync_15() -> u64 {
    15
}
fn startup_30() -> f64 {
    30.0
}
fn stabilization_300() -> u64 {
    300
}

fn one_u32() -> u32 {
    1
}

impl Service {
    /// How many instances the service can run: `instances`, or `max_replicas` when it autoscales.
    pub fn instance_slots(&self) -> u32 {
        if let Deployment::Serverless(f) = &self.deployment {
            return f.concurrency_limit;
        }
        match &self.autoscaling {
            Some(a) => a.max_replicas.max(self.instances),
            None => self.instances,
        }
    }

    /// The name of instance `i`: `<name>-<i>`, or the service's own name when it has one slot.
    /// Reports, traces, decisions and exported configs all use it.
    pub fn instance_name(&self, i: u32) -> String {
        if self.instance_slots() == 1 { self.name.clone() } else { format!("{}-{i}", self.name) }
    }
}

impl Topology {
    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name() == name)
    }

    /// Index of the node with this name in `nodes`.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name() == name)
    }

    /// The topology as a petgraph graph: node weights are indices into `nodes`, edge weights indices
    /// into `links`. Links whose ends do not exist are left out (validation reports them). A link
    /// names the first node of its name, as [`Topology::node_index`] finds it.
    pub fn graph(&self) -> StableDiGraph<usize, usize> {
        let mut graph = StableDiGraph::with_capacity(self.nodes.len(), self.links.len());
        let ids: Vec<NodeIndex> = (0..self.nodes.len()).map(|i| graph.add_node(i)).collect();
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(self.nodes.len());
        for (i, n) in self.nodes.iter().enumerate() {
            first.entry(n.name()).or_insert(i);
        }
        for (li, link) in self.links.iter().enumerate() {
            if let (Some(&a), Some(&b)) = (first.get(link.from.as_str()), first.get(link.to.as_str())) {
                graph.add_edge(ids[a], ids[b], li);
            }
        }
        graph
    }

    /// The median round-trip time between regions `a` and `b` in ms: the scenario's `region_rtt`,
    /// else the bundled table ([`super::regions`]); 0 within a region; None when neither knows.
    pub fn rtt_ms(&self, a: &str, b: &str) -> Option<f64> {
        if a == b {
            return Some(0.0);
        }
        self.region_rtt
            .iter()
            .find(|r| (r.a == a && r.b == b) || (r.a == b && r.b == a))
            .map(|r| r.rtt_ms)
            .or_else(|| super::regions::default_rtt_ms(a, b))
    }

    /// Look-ups by name, built once in one pass over the nodes and the links.
    pub(super) fn index(&self) -> super::topology_index::TopologyIndex<'_> {
        super::topology_index::TopologyIndex::new(self)
    }

    /// Renames node `old` to `new` everywhere: the node, links, gateway routes and balancer rules.
    pub fn rename(&mut self, old: &str, new: &str) {
        for n in &mut self.nodes {
            if n.name() == old {
                n.set_name(new);
            }
            match n {
                Node::Gateway(g) => {
                    for r in &mut g.routes {
                        if r.upstream == old {
                            r.upstream = new.to_owned();
                        }
                    }
                }
                Node::LoadBalancer(lb) => {
                    for p in lb.rules.iter_mut().flat_map(|r| r.pool.iter_mut()) {
                        if p.service == old {
                            p.service = new.to_owned();
                        }
                    }
                    for r in &mut lb.rules {
                        if r.service == old {
                            r.service = new.to_owned();
                        }
                    }
                }
                _ => {}
            }
        }
        for l in &mut self.links {
            if l.from == old {
                l.from = new.to_owned();
            }
            if l.to == old {
                l.to = new.to_owned();
            }
        }
    }

    /// Links leaving the named node, with their indices.
    pub fn links_from<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Link)> + 'a {
        self.links.iter().enumerate().filter(move |(_, l)| l.from == name)
    }
}
