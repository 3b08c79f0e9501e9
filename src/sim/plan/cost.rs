//! What each node of a scenario is charged for, resolved against the price table at compile
//! time (the figures a run's cost needs; `report::cost` applies them to what the run measured).

use super::Plan;
use crate::model::{Business, DataStore, Deployment, Hosting, Node, PriceTable, Scenario};
use std::collections::HashMap;

/// How one model node is priced.
#[derive(Clone, Debug, PartialEq)]
pub enum NodePrice {
    /// Not charged (client populations).
    Free,
    /// Instances billed per hour (a VM or container service), at `usd_per_hour` each.
    Instances {
        /// `vm` or `container`.
        kind: &'static str,
        /// The priced size.
        size: String,
        /// USD per instance-hour in the node's region.
        usd_per_hour: f64,
    },
    /// A serverless function of `memory_gb`.
    Function {
        /// Memory, GB.
        memory_gb: f64,
    },
    /// A managed gateway (per million requests).
    ManagedGateway,
    /// A managed balancer (per hour and capacity unit).
    ManagedBalancer,
    /// A gateway or balancer run on `count` instances.
    Hosted {
        /// Instances.
        count: u32,
        /// The priced size.
        size: String,
        /// USD per instance-hour in the node's region.
        usd_per_hour: f64,
    },
    /// A DNS zone with `checks` health-checked records.
    Dns {
        /// Records with a Route 53 health check.
        checks: u32,
    },
    /// A data store.
    Store {
        /// The priced size of each copy.
        size: String,
        /// USD per hour of each copy (the primary, then each replica), by its region.
        copies_usd_per_hour: Vec<f64>,
        /// Replicas in another region than the primary's (each write crosses to each).
        remote_replicas: u32,
        /// Backed-up data, GB (0 without backups).
        backup_gb: f64,
    },
}

/// Every price a run's cost needs.
#[derive(Clone, Debug, PartialEq)]
pub struct CostPlan {
    /// The resolved table.
    pub table: PriceTable,
    /// Per model node.
    pub nodes: Vec<NodePrice>,
    /// Per plan link: whether it joins two nodes in different regions between services (not a
    /// client's or a DNS answer's path, which is internet traffic).
    pub inter_region: Vec<bool>,
    /// Request and response sizes, KB, averaged over the populations by their users.
    pub request_kb: f64,
    /// See `request_kb`.
    pub response_kb: f64,
    /// The business figures for the outage cost.
    pub business: Option<Business>,
}

impl Default for CostPlan {
    fn default() -> Self {
        CostPlan {
            table: PriceTable::bundled(),
            nodes: Vec::new(),
            inter_region: Vec::new(),
            request_kb: 1.0,
            response_kb: 4.0,
            business: None,
        }
    }
}

/// The region price factor of `region` (1 when unknown, which validation refuses).
fn factor(s: &Scenario, table: &PriceTable, region: Option<&str>) -> f64 {
    table.factor(&s.topology, region).unwrap_or(1.0)
}

fn store_price(s: &Scenario, table: &PriceTable, ds: &DataStore) -> NodePrice {
    let size = ds.size.clone().unwrap_or_else(|| table.default_store_size.clone());
    let hourly = |region: Option<&str>| table.store_hourly(Some(&size), factor(s, table, region)).unwrap_or(0.0);
    let mut copies_usd_per_hour = vec![hourly(ds.region.as_deref())];
    copies_usd_per_hour.extend(ds.replicas.iter().map(|r| hourly(Some(&r.region))));
    let remote_replicas = ds.replicas.iter().filter(|r| Some(r.region.as_str()) != ds.region.as_deref()).count() as u32;
    NodePrice::Store {
        size,
        copies_usd_per_hour,
        remote_replicas,
        // A cross-region copy of the backups doubles their storage.
        backup_gb: ds.backups.as_ref().map_or(0.0, |b| ds.data_gb * if b.restore_to.is_some() { 2.0 } else { 1.0 }),
    }
}

/// Resolves every node's price (after validation, so sizes and regions are known).
pub fn compile(s: &Scenario, plan: &Plan) -> CostPlan {
    let table = PriceTable::with(&s.prices);
    let hosted = |h: &Hosting, managed: NodePrice, region: Option<&str>| match h {
        Hosting::Managed => managed,
        Hosting::Instances { count, size } => {
            let size = size.clone().unwrap_or_else(|| table.default_size.clone());
            let usd_per_hour = table.hourly(Some(&size), factor(s, &table, region)).unwrap_or(0.0);
            NodePrice::Hosted { count: *count, size, usd_per_hour }
        }
    };
    let nodes = s
        .topology
        .nodes
        .iter()
        .map(|n| match n {
            Node::Clients(_) => NodePrice::Free,
            Node::Service(svc) => match &svc.deployment {
                Deployment::Serverless(f) => NodePrice::Function { memory_gb: f64::from(f.memory_mb) / 1024.0 },
                d => {
                    let size = d.size().map_or_else(|| table.default_size.clone(), str::to_owned);
                    let usd_per_hour =
                        table.hourly(Some(&size), factor(s, &table, svc.region.as_deref())).unwrap_or(0.0);
                    NodePrice::Instances { kind: d.kind_name(), size, usd_per_hour }
                }
            },
            Node::Gateway(g) => hosted(&g.hosting, NodePrice::ManagedGateway, g.region.as_deref()),
            Node::LoadBalancer(b) => hosted(&b.hosting, NodePrice::ManagedBalancer, b.region.as_deref()),
            Node::Dns(d) => NodePrice::Dns {
                checks: if d.health_check.is_some() {
                    d.records.iter().filter(|r| r.health_check).count() as u32
                } else {
                    0
                },
            },
            Node::DataStore(ds) => store_price(s, &table, ds),
        })
        .collect();
    let by_name: HashMap<&str, &Node> = s.topology.nodes.iter().map(|n| (n.name(), n)).collect();
    let region_of = |name: &str| by_name.get(name).and_then(|n| n.region());
    let is_edge = |name: &str| matches!(by_name.get(name), Some(Node::Clients(_) | Node::Dns(_)));
    let inter_region = plan
        .links
        .iter()
        .map(|l| !is_edge(&l.from) && matches!((region_of(&l.from), region_of(&l.to)), (Some(a), Some(b)) if a != b))
        .collect();
    let (mut rate, mut req, mut resp) = (0.0, 0.0, 0.0);
    for n in &s.topology.nodes {
        if let Node::Clients(c) = n {
            let r = f64::from(c.users.max(1));
            rate += r;
            req += r * c.request_kb;
            resp += r * c.response_kb;
        }
    }
    let (request_kb, response_kb) = if rate > 0.0 { (req / rate, resp / rate) } else { (1.0, 4.0) };
    CostPlan { table, nodes, inter_region, request_kb, response_kb, business: s.business.clone() }
}
