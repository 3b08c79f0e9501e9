//! DNS names and data stores compiled (see `model::global` for their semantics), and the regions'
//! round-trip times.

use super::{Hop, Plan};
use crate::model::{DnsRouting, Node, RecordRole, Replication, Topology};
use crate::sim::rng::Sampler;
use crate::sim::time::{ms_to_ns, secs_to_ns};

/// A compiled DNS name.
#[derive(Clone, Debug)]
pub struct DnsPlan {
    /// Model node index.
    pub node: u32,
    /// How the answer is chosen.
    pub routing: DnsRouting,
    /// The records.
    pub records: Vec<RecordPlan>,
    /// How long a resolver keeps an answer, ns.
    pub ttl_ns: u64,
    /// Share of resolver caches that keep their first answer.
    pub ignore_ttl_share: f64,
    /// Route 53 health checks, if any.
    pub check: Option<CheckPlan>,
}

/// A compiled record.
#[derive(Clone, Debug)]
pub struct RecordPlan {
    /// The target's name.
    pub target: String,
    /// Model node index of the target.
    pub target_node: u32,
    /// Where a request goes.
    pub hop: Hop,
    /// The DNS node's link to the target (its latency is the client's path to the target).
    pub link: u32,
    /// The target's region.
    pub region: Option<u16>,
    /// Weighted routing weight.
    pub weight: f64,
    /// Failover role.
    pub role: RecordRole,
    /// Geolocation: the client regions it answers (empty: the default record).
    pub locations: Vec<u16>,
    /// Whether the health check probes it.
    pub checked: bool,
    /// Whether it takes its target's health.
    pub evaluate: bool,
    /// The stations behind the target (for `evaluate`).
    pub stations: Vec<u32>,
}

/// A compiled Route 53 health check.
#[derive(Clone, Debug)]
pub struct CheckPlan {
    /// Between two checks of one checker, ns.
    pub interval_ns: u64,
    /// Consecutive results a checker needs to change its view.
    pub threshold: u32,
    /// Each checker's region index (None when the scenario does not declare that region: no
    /// partition can cut it off).
    pub checkers: Vec<(String, Option<u16>)>,
}

/// A compiled data store.
#[derive(Clone, Debug)]
pub struct StorePlan {
    /// Model node index.
    pub node: u32,
    /// Its name.
    pub name: String,
    /// The primary's region, then each replica's, then the backups' `restore_to` region if any
    /// (a place to restore, not a live copy until it becomes the primary).
    pub copies: Vec<Option<u16>>,
    /// `copies[..replicas_end]` hold the data (the primary and the replicas).
    pub replicas_end: usize,
    /// Synchronous replication.
    pub sync: bool,
    /// Asynchronous replication lag.
    pub lag: Option<Sampler>,
    /// Share of calls that write.
    pub write_share: f64,
    /// Read time at the copy.
    pub read: Sampler,
    /// Write time at the primary.
    pub write: Sampler,
    /// Automatic promotion: (detect, promote), ns.
    pub promotion: Option<(u64, u64)>,
    /// Backups: (every, restore), ns.
    pub backups: Option<(u64, u64)>,
}

/// A service's calls to a data store.
#[derive(Clone, Debug)]
pub struct SvcStore {
    /// Store index.
    pub store: u32,
    /// Half the round trip from the service's region to each copy of the store, ns.
    pub half_rtt_ns: Vec<u64>,
    /// The service's region.
    pub region: Option<u16>,
}

/// Fills the plan's regions, round-trip times, DNS names, data stores and the services' calls.
/// `hop_to` resolves a node's name to where a request goes; `kind_index` maps a model node to its
/// index among the nodes of its kind.
pub(super) fn compile(plan: &mut Plan, topo: &Topology, kind_index: &[u32], hop_to: &dyn Fn(&str) -> Option<Hop>) {
    plan.regions = topo.regions.iter().map(|r| r.name.clone()).collect();
    let n = plan.regions.len();
    let region = |name: Option<&str>| name.and_then(|r| plan.regions.iter().position(|x| x == r)).map(|i| i as u16);
    let mut half = vec![0u64; n * n];
    for a in 0..n {
        for b in 0..n {
            half[a * n + b] = topo.rtt_ms(&plan.regions[a], &plan.regions[b]).map_or(0, |ms| ms_to_ns(ms / 2.0));
        }
    }
    plan.node_region = topo.nodes.iter().map(|nd| region(nd.region())).collect();
    plan.half_rtt_ns = half;
    for l in &mut plan.links {
        let ends = [l.from.as_str(), l.to.as_str()]
            .map(|e| topo.node_index(e).and_then(|i| plan.node_region.get(i).copied().flatten()));
        let dns_end = [&l.from, &l.to].iter().any(|e| matches!(topo.node(e), Some(Node::Dns(_))));
        l.region_ns = if dns_end { 0 } else { plan_half(&plan.half_rtt_ns, n, ends[0], ends[1]) };
    }
    for p in &mut plan.pops {
        p.region = plan.node_region.get(p.node as usize).copied().flatten();
    }
    let stations_behind = |plan: &Plan, target: &str| -> Vec<u32> {
        // Every station a request entering at `target` may reach.
        let mut out = Vec::new();
        let mut stack = vec![target.to_owned()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            match hop_to(&name) {
                Some(Hop::Service(s)) => {
                    if let Some(sp) = plan.services.get(s as usize) {
                        out.extend(sp.first_station..sp.first_station + sp.instances);
                    }
                }
                Some(Hop::Gateway(_) | Hop::Balancer(_)) => {
                    stack.extend(topo.links_from(&name).map(|(_, l)| l.to.clone()));
                }
                _ => {}
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    for (i, node) in topo.nodes.iter().enumerate() {
        match node {
            Node::Dns(d) => {
                let records = d
                    .records
                    .iter()
                    .filter_map(|r| {
                        let li = topo.links.iter().position(|l| l.from == d.name && l.to == r.target)?;
                        let ti = topo.node_index(&r.target)?;
                        Some(RecordPlan {
                            target: r.target.clone(),
                            target_node: ti as u32,
                            hop: hop_to(&r.target)?,
                            link: li as u32,
                            region: plan.node_region.get(ti).copied().flatten(),
                            weight: r.weight,
                            role: r.role,
                            locations: r.locations.iter().filter_map(|l| region(Some(l))).collect(),
                            checked: r.health_check && d.health_check.is_some(),
                            evaluate: r.evaluate_target_health,
                            stations: stations_behind(plan, &r.target),
                        })
                    })
                    .collect();
                let check = d.health_check.as_ref().map(|h| CheckPlan {
                    interval_ns: secs_to_ns(h.interval.0).max(1),
                    threshold: h.failure_threshold.max(1),
                    checkers: h.checkers.iter().map(|c| (c.clone(), region(Some(c)))).collect(),
                });
                plan.dns.push(DnsPlan {
                    node: i as u32,
                    routing: d.routing,
                    records,
                    ttl_ns: secs_to_ns(d.ttl.0),
                    ignore_ttl_share: d.ignore_ttl_share,
                    check,
                });
            }
            Node::DataStore(ds) => {
                let restore_to = ds.backups.as_ref().and_then(|b| b.restore_to.as_deref());
                let copies = std::iter::once(region(ds.region.as_deref()))
                    .chain(ds.replicas.iter().map(|r| region(Some(&r.region))))
                    .chain(restore_to.map(|r| region(Some(r))));
                plan.stores.push(StorePlan {
                    node: i as u32,
                    name: ds.name.clone(),
                    copies: copies.collect(),
                    replicas_end: 1 + ds.replicas.len(),
                    sync: matches!(ds.replication, Replication::Sync),
                    lag: match &ds.replication {
                        Replication::Async { lag } => Some(Sampler::new(lag)),
                        Replication::Sync => None,
                    },
                    write_share: ds.write_share,
                    read: Sampler::new(&ds.read),
                    write: Sampler::new(&ds.write),
                    promotion: ds.failover.as_ref().map(|p| (secs_to_ns(p.detect.0), secs_to_ns(p.promote.0))),
                    backups: ds.backups.as_ref().map(|b| (secs_to_ns(b.every.0).max(1), secs_to_ns(b.restore.0))),
                });
            }
            _ => {}
        }
    }
    plan.svc_store = vec![None; plan.services.len()];
    for (i, node) in topo.nodes.iter().enumerate() {
        let Node::Service(svc) = node else { continue };
        let Some(si) = kind_index.get(i).copied() else { continue };
        let Some(store_name) = topo
            .links_from(&svc.name)
            .map(|(_, l)| l.to.as_str())
            .find(|t| matches!(topo.node(t), Some(Node::DataStore(_))))
        else {
            continue;
        };
        let Some(store) = plan.stores.iter().position(|s| s.name == store_name) else { continue };
        let from = plan.node_region.get(i).copied().flatten();
        let half_rtt_ns = plan.stores[store].copies.iter().map(|&c| plan_half(&plan.half_rtt_ns, n, from, c)).collect();
        if let Some(slot) = plan.svc_store.get_mut(si as usize) {
            *slot = Some(SvcStore { store: store as u32, half_rtt_ns, region: from });
        }
    }
}

/// Half the round trip between two region indices in a table of `n` regions.
fn plan_half(half: &[u64], n: usize, a: Option<u16>, b: Option<u16>) -> u64 {
    match (a, b) {
        (Some(a), Some(b)) => half.get(a as usize * n + b as usize).copied().unwrap_or(0),
        _ => 0,
    }
}
