//! What a run costs: infrastructure from the price table applied to what was simulated, and the
//! outage cost of its failures.
//!
//! # Definitions (every figure is a mean per replicate over the summary window)
//! - **hours**: the summary window's length, `duration - warmup`.
//! - **compute**: each VM or container service's billed instance-hours (instances running or
//!   starting, a restarting container included) times its size's hourly price in its region; a
//!   self-hosted gateway or balancer: `count x hours` at its size's price.
//! - **serverless**: invocations (requests an environment served) times the price per million,
//!   plus GB-seconds (busy time of the environments, cold starts included, times the memory).
//! - **requests**: a managed gateway's requests (those that reached it) times the price per
//!   million; a managed balancer: its hours times the hourly price, plus capacity unit-hours,
//!   `hours x max(new connections per s / 25, GB processed per hour)`, counting one new
//!   connection per request (ALB's LCU dimensions; the active-connection and rule dimensions are
//!   not modelled).
//! - **transfer**: responses answered to clients times the response size at the internet price;
//!   requests and responses crossing a link between two regions at the inter-region price
//!   (crossings counted in the time-series buckets that start in the window).
//! - **data**: each data store copy's hours at its size's price in its region; each write times
//!   the request size times the replicas in another region, at the inter-region price; backups:
//!   the data's GB at the backup price, prorated to the window.
//! - **dns**: a hosted zone and each health check, prorated to the window (a month is 730 hours),
//!   and the queries resolvers sent (the modelled caches' misses) at the price per million.
//! - **run cost**: their sum; **cost per month**: the run cost scaled to 730 hours.
//! - **outage cost**: failed legitimate requests times `business.value_per_request_usd`, plus the
//!   SLA credit: the month's availability is taken as `1 - failed / (requests per hour x 730)`
//!   (this run's failures in a month otherwise served at this run's rate without failure), and
//!   the credit is the tier's share of `monthly_fee_usd`.

use crate::metrics::{Outcome, Recorder};
use crate::sim::plan::Plan;
use crate::sim::plan::cost::NodePrice;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Hours in a month for monthly prices (AWS prices a month as 730 hours).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The cost of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// Length of the summary window, hours.
    pub hours: f64,
    /// Infrastructure cost of the window, USD.
    pub run_usd: f64,
    /// `run_usd` scaled to a month of 730 hours.
    pub per_month_usd: f64,
    /// By category (compute, serverless, requests, transfer, data, dns), USD in the window.
    pub by_category: BTreeMap<String, f64>,
    /// Each charge, by node.
    pub items: Vec<CostItem>,
    /// The outage cost, when the scenario gives `business` figures.
    pub outage: Option<OutageCost>,
}

/// One charge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostItem {
    /// The node charged (empty for traffic between regions, which belongs to links).
    pub node: String,
    /// Its category.
    pub category: String,
    /// What is charged, in words ("billed instance-hours of m7g.large").
    pub what: String,
    /// How much of it.
    pub quantity: f64,
    /// USD.
    pub usd: f64,
}

/// What the run's failures cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutageCost {
    /// Failed legitimate requests in the window.
    pub failed_requests: f64,
    /// Their value, USD.
    pub lost_value_usd: f64,
    /// The month's availability these failures give (see the module docs).
    pub month_availability: f64,
    /// The SLA credit owed, USD.
    pub sla_credit_usd: f64,
    /// `lost_value_usd + sla_credit_usd`.
    pub total_usd: f64,
}

/// The cost of a run from its merged recorder (totals over `runs` replicates).
pub fn build(plan: &Plan, rec: &Recorder, runs: f64) -> CostReport {
    let cp = &plan.cost;
    let t = &cp.table;
    let window_ns = plan.duration_ns.saturating_sub(plan.warmup_ns) as f64;
    let hours = window_ns / 3.6e12;
    let per = |v: f64| v / runs;
    let mut items = Vec::new();
    let mut add = |node: &str, category: &str, what: String, quantity: f64, usd: f64| {
        items.push(CostItem { node: node.to_owned(), category: category.to_owned(), what, quantity, usd });
    };
    let svc_of_node: BTreeMap<u32, usize> = plan.services.iter().enumerate().map(|(i, s)| (s.node, i)).collect();
    let store_of_node: BTreeMap<u32, usize> = plan.stores.iter().enumerate().map(|(i, s)| (s.node, i)).collect();
    let dns_of_node: BTreeMap<u32, usize> = plan.dns.iter().enumerate().map(|(i, d)| (d.node, i)).collect();
    let kb_to_gb = 1.0 / 1e6;
    for (ni, price) in cp.nodes.iter().enumerate() {
        let Some((name, _)) = plan.nodes.get(ni) else { continue };
        let arrivals = per(rec.node_arrivals.get(ni).copied().unwrap_or(0) as f64);
        match price {
            NodePrice::Free => {}
            NodePrice::Instances { kind, size, usd_per_hour } => {
                let Some(&s) = svc_of_node.get(&(ni as u32)) else { continue };
                let h = per(rec.svc_billed_area.get(s).copied().unwrap_or(0) as f64) / 3.6e12;
                add(name, "compute", format!("{kind} instance-hours of {size}"), h, h * usd_per_hour);
            }
            NodePrice::Function { memory_gb } => {
                let Some(&s) = svc_of_node.get(&(ni as u32)) else { continue };
                let sp = &plan.services[s];
                let range = sp.first_station as usize..(sp.first_station + sp.instances) as usize;
                let (mut invocations, mut busy_ns) = (0u64, 0u128);
                for st in rec.stations.get(range).unwrap_or(&[]) {
                    invocations += st.started;
                    busy_ns += st.busy_area;
                }
                let inv = per(invocations as f64);
                let gbs = per(busy_ns as f64) / 1e9 * memory_gb;
                add(name, "serverless", "invocations".into(), inv, inv / 1e6 * t.serverless_per_million);
                add(name, "serverless", format!("GB-seconds at {memory_gb} GB"), gbs, gbs * t.serverless_gb_second);
            }
            NodePrice::ManagedGateway => {
                add(
                    name,
                    "requests",
                    "managed gateway requests".into(),
                    arrivals,
                    arrivals / 1e6 * t.gateway_per_million,
                );
            }
            NodePrice::ManagedBalancer => {
                add(name, "requests", "balancer-hours".into(), hours, hours * t.balancer_hour);
                let per_s = if hours > 0.0 { arrivals / (hours * 3600.0) } else { 0.0 };
                let gb_per_h =
                    if hours > 0.0 { arrivals * (cp.request_kb + cp.response_kb) * kb_to_gb / hours } else { 0.0 };
                let lcu_h = hours * (per_s / 25.0).max(gb_per_h);
                add(name, "requests", "balancer capacity unit-hours".into(), lcu_h, lcu_h * t.balancer_lcu_hour);
            }
            NodePrice::Hosted { count, size, usd_per_hour } => {
                let h = hours * f64::from(*count);
                add(name, "compute", format!("instance-hours of {size}"), h, h * usd_per_hour);
            }
            NodePrice::Dns { checks } => {
                let months = hours / HOURS_PER_MONTH;
                add(name, "dns", "hosted zone-months".into(), months, months * t.dns_zone_month);
                if *checks > 0 {
                    let m = months * f64::from(*checks);
                    add(name, "dns", "health check-months".into(), m, m * t.health_check_month);
                }
                if let Some(&d) = dns_of_node.get(&(ni as u32)) {
                    let q = per(rec.dns_queries.get(d).copied().unwrap_or(0) as f64);
                    add(name, "dns", "queries".into(), q, q / 1e6 * t.dns_per_million);
                }
            }
            NodePrice::Store { size, copies_usd_per_hour, remote_replicas, backup_gb } => {
                let copies = copies_usd_per_hour.len() as f64;
                let usd: f64 = copies_usd_per_hour.iter().map(|p| p * hours).sum();
                add(name, "data", format!("copy-hours of {size}"), copies * hours, usd);
                if *remote_replicas > 0 {
                    let writes = store_of_node
                        .get(&(ni as u32))
                        .and_then(|&s| rec.store_writes.get(s))
                        .map_or(0.0, |&w| per(w as f64));
                    let gb = writes * cp.request_kb * kb_to_gb * f64::from(*remote_replicas);
                    add(name, "data", "GB replicated to other regions".into(), gb, gb * t.inter_region_per_gb);
                }
                if *backup_gb > 0.0 {
                    let gb_months = backup_gb * hours / HOURS_PER_MONTH;
                    add(name, "data", "backup GB-months".into(), gb_months, gb_months * t.backup_gb_month);
                }
            }
        }
    }
    // Transfer: responses to clients, and crossings of links between regions.
    let answered: u64 = Outcome::ALL
        .iter()
        .filter(|o| !matches!(o, Outcome::Unreachable | Outcome::ClientTimeout))
        .map(|&o| rec.outcomes[o as usize])
        .sum();
    let gb_out = per(answered as f64) * cp.response_kb * kb_to_gb;
    add("", "transfer", "GB of responses to clients".into(), gb_out, gb_out * t.internet_egress_per_gb);
    let first_bucket = plan.warmup_ns.div_ceil(plan.bucket_ns.max(1)) as usize;
    let mut crossings = 0u64;
    for (li, cross) in cp.inter_region.iter().enumerate() {
        if *cross && plan.links.get(li).is_some_and(|l| l.stream as usize == li) {
            let row = li * plan.n_buckets..(li + 1) * plan.n_buckets;
            crossings += rec
                .link_series
                .get(row)
                .map_or(0, |s| s[first_bucket.min(s.len())..].iter().map(|&c| u64::from(c)).sum());
        }
    }
    if crossings > 0 {
        let gb = per(crossings as f64) * (cp.request_kb + cp.response_kb) * kb_to_gb;
        add("", "transfer", "GB between regions".into(), gb, gb * t.inter_region_per_gb);
    }
    let mut by_category = BTreeMap::new();
    for i in &items {
        *by_category.entry(i.category.clone()).or_insert(0.0) += i.usd;
    }
    let run_usd: f64 = items.iter().map(|i| i.usd).sum();
    let per_month_usd = if hours > 0.0 { run_usd / hours * HOURS_PER_MONTH } else { 0.0 };
    let outage = cp.business.as_ref().map(|b| {
        let requests = per(rec.outcomes.iter().sum::<u64>() as f64);
        let failed = requests - per(rec.outcomes[Outcome::Success as usize] as f64);
        let month_requests = if hours > 0.0 { requests / hours * HOURS_PER_MONTH } else { requests };
        let month_availability = if month_requests > 0.0 { 1.0 - failed / month_requests } else { 1.0 };
        let sla_credit_usd = b.sla.as_ref().map_or(0.0, |s| s.credit(month_availability) * s.monthly_fee_usd);
        let lost_value_usd = failed * b.value_per_request_usd;
        OutageCost {
            failed_requests: failed,
            lost_value_usd,
            month_availability,
            sla_credit_usd,
            total_usd: lost_value_usd + sla_credit_usd,
        }
    });
    CostReport { hours, run_usd, per_month_usd, by_category, items, outage }
}
