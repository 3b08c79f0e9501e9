//! Where a design's traffic enters, its primary region and site, and the recovery region.

use super::DrError;
use crate::model::global::{DnsRouting, RecordRole};
use crate::model::names::check_name;
use crate::model::{Dist, Node, Topology};
use std::collections::{BTreeMap, BTreeSet};

/// The region P when the topology declares none.
const DEFAULT_PRIMARY: &str = "us-east-1";

/// Where a client population's requests go first: its link's target, or for a link to a DNS
/// node the target of that name's primary (or first) record.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) clients: String,
    pub(super) target: String,
    pub(super) latency: Dist,
    pub(super) weight: f64,
}

pub(super) fn entries(topo: &Topology) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for node in &topo.nodes {
        let Node::Clients(c) = node else { continue };
        for (_, l) in topo.links_from(&c.name) {
            let e = match topo.node(&l.to) {
                Some(Node::Dns(d)) => {
                    let primary = match d.routing {
                        DnsRouting::Failover => d.records.iter().find(|r| r.role == RecordRole::Primary),
                        _ => None,
                    };
                    let Some(rec) = primary.or(d.records.first()) else { continue };
                    let latency = topo
                        .links
                        .iter()
                        .find(|x| x.from == d.name && x.to == rec.target)
                        .map_or_else(|| l.latency.clone(), |x| x.latency.clone());
                    Entry { clients: c.name.clone(), target: rec.target.clone(), latency, weight: l.weight }
                }
                Some(_) => Entry {
                    clients: c.name.clone(),
                    target: l.to.clone(),
                    latency: l.latency.clone(),
                    weight: l.weight,
                },
                None => continue,
            };
            if !out.iter().any(|x| x.clients == e.clients && x.target == e.target) {
                out.push(e);
            }
        }
    }
    out
}

/// The primary region: the region of the first entry node that has one, else the first declared
/// region, else [`DEFAULT_PRIMARY`].
pub(super) fn primary_region(topo: &Topology, entries: &[Entry]) -> String {
    entries
        .iter()
        .find_map(|e| topo.node(&e.target).and_then(Node::region))
        .map(str::to_owned)
        .or_else(|| topo.regions.first().map(|r| r.name.clone()))
        .unwrap_or_else(|| DEFAULT_PRIMARY.to_owned())
}

/// The recovery region (see the module docs).
pub(super) fn secondary_region(topo: &Topology, primary: &str, to: Option<&str>) -> Result<String, DrError> {
    if let Some(to) = to {
        if to == primary {
            return Err(DrError::SameRegion(to.to_owned()));
        }
        if let Err(why) = check_name(to) {
            return Err(DrError::Options(format!("--to {to:?}: {why}")));
        }
        if topo.rtt_ms(primary, to).is_none() {
            return Err(DrError::NoRtt { a: primary.to_owned(), b: to.to_owned() });
        }
        return Ok(to.to_owned());
    }
    let nearest = |candidates: Vec<&str>| -> Option<String> {
        candidates
            .into_iter()
            .filter(|r| *r != primary)
            .filter_map(|r| topo.rtt_ms(primary, r).map(|ms| (ms, r)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)))
            .map(|(_, r)| r.to_owned())
    };
    nearest(topo.regions.iter().map(|r| r.name.as_str()).collect())
        .or_else(|| nearest(crate::model::regions::known_regions()))
        .ok_or_else(|| DrError::NoSecondary { primary: primary.to_owned() })
}

/// The nodes of the primary site, in file order, and the data stores they call.
pub(super) struct Site {
    pub(super) compute: Vec<String>,
    pub(super) stores: Vec<String>,
}

pub(super) fn site(topo: &Topology, entries: &[Entry], p: &str) -> Result<Site, DrError> {
    let region_of = |n: &Node| n.region().unwrap_or(p).to_owned();
    let mut members: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = Vec::new();
    for e in entries {
        let Some(node) = topo.node(&e.target) else { continue };
        if region_of(node) != p {
            continue;
        }
        if let Node::Service(_) = node {
            return Err(DrError::EntryIsService { clients: e.clients.clone(), service: e.target.clone() });
        }
        if members.insert(node.name()) {
            todo.push(node.name());
        }
    }
    while let Some(n) = todo.pop() {
        for (_, l) in topo.links_from(n) {
            let Some(to) = topo.node(&l.to) else { continue };
            if matches!(to, Node::Gateway(_) | Node::LoadBalancer(_) | Node::Service(_))
                && region_of(to) == p
                && members.insert(to.name())
            {
                todo.push(to.name());
            }
        }
    }
    let compute: Vec<String> =
        topo.nodes.iter().filter(|n| members.contains(n.name())).map(|n| n.name().to_owned()).collect();
    let mut stores: BTreeSet<&str> = BTreeSet::new();
    for n in &compute {
        for (_, l) in topo.links_from(n) {
            if matches!(topo.node(&l.to), Some(Node::DataStore(_))) {
                stores.insert(&l.to);
            }
        }
    }
    let stores = topo.nodes.iter().filter(|n| stores.contains(n.name())).map(|n| n.name().to_owned()).collect();
    for node in &topo.nodes {
        if let Node::Clients(c) = node
            && !entries.iter().any(|e| e.clients == c.name && members.contains(e.target.as_str()))
        {
            return Err(DrError::NoEntry { clients: c.name.clone(), primary: p.to_owned() });
        }
    }
    Ok(Site { compute, stores })
}

/// Drops routes and rules naming nodes not kept.
pub(super) fn keep_routes(node: &mut Node, kept: &BTreeSet<&str>) {
    match node {
        Node::Gateway(g) => g.routes.retain(|r| kept.contains(r.upstream.as_str())),
        Node::LoadBalancer(lb) => {
            // A pooled rule keeps the services kept, and goes when none is.
            for r in &mut lb.rules {
                r.pool.retain(|p| kept.contains(p.service.as_str()));
            }
            lb.rules
                .retain(|r| if r.service.is_empty() { !r.pool.is_empty() } else { kept.contains(r.service.as_str()) })
        }
        _ => {}
    }
}

/// Points routes and rules at the copies.
pub(super) fn rename_routes(node: &mut Node, copy: &BTreeMap<String, String>) {
    match node {
        Node::Gateway(g) => {
            for r in &mut g.routes {
                if let Some(c) = copy.get(&r.upstream) {
                    r.upstream = c.clone();
                }
            }
        }
        Node::LoadBalancer(lb) => {
            for r in &mut lb.rules {
                if let Some(c) = copy.get(&r.service) {
                    r.service = c.clone();
                }
                for p in &mut r.pool {
                    if let Some(c) = copy.get(&p.service) {
                        p.service = c.clone();
                    }
                }
            }
        }
        _ => {}
    }
}
