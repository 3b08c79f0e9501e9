//! Validation of regions' round-trip times, DNS nodes and data stores (see `model::global`).

use super::global::{CHECKER_REGIONS, DataStore, Dns, DnsRouting, RecordRole, Replication};
use super::topology_index::TopologyIndex;
use super::validate::Checker;
use super::{Node, NodeKind, Scenario};
use std::collections::BTreeSet;

/// Every problem of the regions' RTTs, the DNS nodes and the data stores.
pub(super) fn check(c: &mut Checker<'_>, s: &Scenario, index: &TopologyIndex<'_>) {
    let topo = &s.topology;
    let declared: BTreeSet<&str> = topo.regions.iter().map(|r| r.name.as_str()).collect();
    for r in &topo.regions {
        let mut zones = BTreeSet::new();
        for z in &r.zones {
            if let Err(why) = super::names::check_name(z) {
                c.error(None, format!("region {}: zone {z:?}: {why}", r.name));
            }
            if !zones.insert(z.as_str()) {
                c.error(None, format!("region {}: zone {z} is listed twice", r.name));
            }
        }
        if index.node(&r.name).is_some() {
            c.error(
                Some(&r.name),
                format!("region \"{}\" has the name of a node: a fault naming it would be ambiguous", r.name),
            );
        }
    }
    for r in &topo.region_rtt {
        for end in [&r.a, &r.b] {
            if !declared.contains(end.as_str()) {
                c.error(None, format!("region_rtt {} <-> {}: region \"{end}\" is not declared in `regions`", r.a, r.b));
            }
        }
        if r.a == r.b {
            c.error(None, format!("region_rtt {} <-> {}: name two different regions", r.a, r.b));
        }
        if !(r.rtt_ms.is_finite() && r.rtt_ms > 0.0) {
            c.error(
                None,
                format!("region_rtt {} <-> {}: rtt_ms must be a finite number > 0, got {}", r.a, r.b, r.rtt_ms),
            );
        }
    }
    // Every pair of regions a request or a write crosses needs a round-trip time.
    let mut missing: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut need = |node: &str, a: Option<&str>, b: Option<&str>| {
        if let (Some(a), Some(b)) = (a, b)
            && topo.rtt_ms(a, b).is_none()
        {
            let (x, y) = if a < b { (a, b) } else { (b, a) };
            missing.insert((node.to_owned(), x.to_owned(), y.to_owned()));
        }
    };
    let region_of = |name: &str| index.node(name).and_then(Node::region);
    for l in &topo.links {
        if !matches!(index.node(&l.from), Some(Node::Dns(_))) && !matches!(index.node(&l.to), Some(Node::Dns(_))) {
            need(&l.from, region_of(&l.from), region_of(&l.to));
        }
    }
    for node in &topo.nodes {
        match node {
            Node::Dns(d) => {
                check_dns(c, index, d, &declared);
                for (_, l) in index.links_to(&d.name) {
                    for rec in &d.records {
                        need(&l.from, region_of(&l.from), region_of(&rec.target));
                    }
                }
            }
            Node::DataStore(ds) => {
                check_store(c, index, ds, &declared);
                let copies: Vec<&str> =
                    ds.region.iter().map(String::as_str).chain(ds.replicas.iter().map(|r| r.region.as_str())).collect();
                for (_, l) in index.links_to(&ds.name) {
                    for copy in &copies {
                        need(&l.from, region_of(&l.from), Some(copy));
                    }
                }
                if let Some(primary) = ds.region.as_deref() {
                    for r in &ds.replicas {
                        need(&ds.name, Some(primary), Some(&r.region));
                    }
                }
            }
            Node::Service(svc) => {
                let stores =
                    index.links_from(&svc.name).filter(|(_, l)| matches!(index.node(&l.to), Some(Node::DataStore(_))));
                if stores.count() > 1 {
                    c.error(Some(&svc.name), "a service calls at most one data store (it links to several)".into());
                }
            }
            _ => {}
        }
    }
    for (node, a, b) in missing {
        c.error(
            Some(&node),
            format!(
                "no round-trip time between regions {a} and {b}: the bundled table does not have it; add it to the topology, e.g. region_rtt: [(a: \"{a}\", b: \"{b}\", rtt_ms: 70.0)]"
            ),
        );
    }
}

fn check_dns(c: &mut Checker<'_>, index: &TopologyIndex<'_>, d: &Dns, declared: &BTreeSet<&str>) {
    let name = d.name.as_str();
    if let Some(r) = &d.region {
        c.error(Some(name), format!("region \"{r}\": a DNS name is global; remove its region"));
    }
    if d.records.is_empty() {
        c.error(Some(name), "a DNS name needs at least one record".into());
    }
    let linked: BTreeSet<&str> = index.links_from(name).map(|(_, l)| l.to.as_str()).collect();
    for rec in &d.records {
        let t = rec.target.as_str();
        match index.node(t).map(Node::kind) {
            None => c.error(Some(name), format!("record {t}: no node is named \"{t}\"")),
            Some(NodeKind::Gateway | NodeKind::LoadBalancer) => {
                if !linked.contains(t) {
                    c.error(Some(name), format!("record {t}: the DNS node has no link to \"{t}\" (add {name} -> {t})"));
                }
            }
            Some(k) => c.error(
                Some(name),
                format!("record {t}: a record answers with a gateway or a load balancer, not a {}", k.label()),
            ),
        }
        if !(rec.weight.is_finite() && (0.0..=255.0).contains(&rec.weight)) {
            c.error(Some(name), format!("record {t}: weight must be between 0 and 255, got {}", rec.weight));
        }
        for loc in &rec.locations {
            if !declared.contains(loc.as_str()) {
                c.error(Some(name), format!("record {t}: location \"{loc}\" is not a region declared in `regions`"));
            }
        }
    }
    let targets: Vec<&str> = d.records.iter().map(|r| r.target.as_str()).collect();
    let distinct: BTreeSet<&str> = targets.iter().copied().collect();
    if distinct.len() < targets.len() {
        c.error(Some(name), "two records name the same target".into());
    }
    match d.routing {
        DnsRouting::Failover => {
            let primaries = d.records.iter().filter(|r| r.role == RecordRole::Primary).count();
            let secondaries = d.records.len() - primaries;
            if primaries != 1 || secondaries != 1 {
                c.error(
                    Some(name),
                    format!(
                        "failover routing needs one primary and one secondary record, got {primaries} primary and {secondaries} secondary"
                    ),
                );
            }
        }
        DnsRouting::Weighted => {
            if d.records.iter().all(|r| r.weight == 0.0) {
                c.error(Some(name), "weighted routing: at least one record needs a weight above 0".into());
            }
        }
        DnsRouting::Latency => {
            for rec in &d.records {
                if index.node(&rec.target).and_then(Node::region).is_none() {
                    c.error(Some(name), format!("latency routing: record {}: its target has no region", rec.target));
                }
            }
            for (_, l) in index.links_to(name) {
                if index.node(&l.from).and_then(Node::region).is_none() {
                    c.error(Some(name), format!("latency routing: client population {} has no region", l.from));
                }
            }
        }
        DnsRouting::Geolocation => {
            let defaults = d.records.iter().filter(|r| r.locations.is_empty()).count();
            if defaults > 1 {
                c.error(Some(name), "geolocation routing: at most one default record (without locations)".into());
            }
        }
        DnsRouting::Simple => {
            if d.records.len() > 1 {
                c.warn(Some(name), "simple routing answers with the first record only".into());
            }
        }
    }
    if !(d.ttl.0.is_finite() && d.ttl.0 >= 0.0) {
        c.error(Some(name), format!("ttl must be a duration >= 0, got {}", d.ttl));
    }
    if !(0.0..=1.0).contains(&d.ignore_ttl_share) {
        c.error(Some(name), format!("ignore_ttl_share must be between 0 and 1, got {}", d.ignore_ttl_share));
    }
    if let Some(h) = &d.health_check {
        if h.interval.0 != 10.0 && h.interval.0 != 30.0 {
            c.error(Some(name), format!("health_check.interval must be 10s or 30s (Route 53), got {}", h.interval));
        }
        if !(1..=10).contains(&h.failure_threshold) {
            c.error(Some(name), format!("health_check.failure_threshold must be 1 to 10, got {}", h.failure_threshold));
        }
        if h.checkers.is_empty() {
            c.error(Some(name), "health_check.checkers: name at least one checker region".into());
        }
        for r in &h.checkers {
            if !CHECKER_REGIONS.contains(&r.as_str()) {
                c.error(
                    Some(name),
                    format!(
                        "health_check.checkers: \"{r}\" is not a Route 53 checker region ({})",
                        CHECKER_REGIONS.join(", ")
                    ),
                );
            }
        }
    } else if d.records.iter().all(|r| !r.evaluate_target_health) && d.routing != DnsRouting::Simple {
        c.warn(
            Some(name),
            "no health_check and no record evaluates its target's health: the DNS never fails over".into(),
        );
    }
    if index.links_to(name).next().is_none() {
        c.warn(Some(name), "no client population links to this DNS name".into());
    }
}

fn check_store(c: &mut Checker<'_>, index: &TopologyIndex<'_>, ds: &DataStore, declared: &BTreeSet<&str>) {
    let name = ds.name.as_str();
    match &ds.region {
        None => c.error(Some(name), "a data store needs a region (its primary's)".into()),
        Some(r) if ds.replicas.iter().any(|x| &x.region == r) => {
            c.error(Some(name), format!("replica in {r}: the primary is there already"));
        }
        _ => {}
    }
    let mut seen = BTreeSet::new();
    for r in &ds.replicas {
        if !declared.contains(r.region.as_str()) {
            c.error(Some(name), format!("replica in \"{}\": the region is not declared in `regions`", r.region));
        }
        if !seen.insert(r.region.as_str()) {
            c.error(Some(name), format!("two replicas in {}", r.region));
        }
    }
    if !(0.0..=1.0).contains(&ds.write_share) {
        c.error(Some(name), format!("write_share must be between 0 and 1, got {}", ds.write_share));
    }
    c.dist(name, "read", &ds.read);
    c.dist(name, "write", &ds.write);
    if let Replication::Async { lag } = &ds.replication {
        c.dist(name, "replication lag", lag);
    }
    if ds.replicas.is_empty() && matches!(ds.replication, Replication::Sync) {
        c.warn(Some(name), "synchronous replication without replicas replicates nothing".into());
    }
    if let Some(p) = &ds.failover {
        for (what, v) in [("failover.detect", p.detect), ("failover.promote", p.promote)] {
            if !(v.0.is_finite() && v.0 >= 0.0) {
                c.error(Some(name), format!("{what} must be a duration >= 0, got {v}"));
            }
        }
        if ds.replicas.is_empty() {
            c.error(Some(name), "failover promotes a replica: add replicas, or remove failover".into());
        }
    }
    if let Some(b) = &ds.backups {
        if !(b.every.0.is_finite() && b.every.0 > 0.0) {
            c.error(Some(name), format!("backups.every must be a duration > 0, got {}", b.every));
        }
        if !(b.restore.0.is_finite() && b.restore.0 >= 0.0) {
            c.error(Some(name), format!("backups.restore must be a duration >= 0, got {}", b.restore));
        }
        if let Some(r) = &b.restore_to {
            if !declared.contains(r.as_str()) {
                c.error(Some(name), format!("backups.restore_to \"{r}\": the region is not declared"));
            } else if ds.region.as_deref() == Some(r.as_str()) {
                c.error(
                    Some(name),
                    format!("backups.restore_to \"{r}\" is the primary's own region: name another region"),
                );
            }
        }
    }
    if index.links_to(name).next().is_none() {
        c.warn(Some(name), "no service links to this data store".into());
    }
}
