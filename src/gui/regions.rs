//! Regions and replication on the canvas, as data before anything is drawn: what the timeline's
//! region faults do to each region at a time of the run (down, cut off from another region, or
//! reached over a degraded link), and the replica markers of each data store.
//!
//! A fault is a region fault when its target names a region of the topology (and no node): `Down`
//! on a region is an outage, on `"region/zone"` the loss of an availability zone; `Down` on
//! `"a->b"`, two regions, is a partition between them, `Latency` there a degraded link. Whether a fault is in force at a time comes from replicate 0's
//! log when the run logged it (an action may end a fault early), else from its schedule.

use super::canvas::{dist_words, replication_words};
use super::timeline::{end_s, start_s};
use crate::model::{Event, EventKind, Fault, FaultKind, Node, Scenario};
use crate::report::Report;
use crate::report::timeline::LogLine;
use std::collections::BTreeMap;

/// What the timeline does to one region at a time of the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionMark {
    /// The region outage in force (the fault's name): the region is down.
    pub down: Option<String>,
    /// Regions it is partitioned from.
    pub cut_off_from: Vec<String>,
    /// Regions it reaches over a degraded link, with the latency added (`+200 ms`).
    pub degraded_to: Vec<(String, String)>,
    /// Its availability zones lost (`a` for a fault on `us-east-1/a`).
    pub zones_down: Vec<String>,
}

impl RegionMark {
    /// True when the region is down.
    pub fn is_down(&self) -> bool {
        self.down.is_some()
    }

    /// The frame's label: `us-east-1 · down (east-outage)`, `eu-west-1 · cut off from us-east-1`,
    /// `us-east-1 · zone a down`.
    pub fn label(&self, region: &str) -> String {
        let mut parts = vec![region.to_owned()];
        if let Some(fault) = &self.down {
            parts.push(format!("down ({fault})"));
        }
        if !self.zones_down.is_empty() {
            let s = if self.zones_down.len() == 1 { "" } else { "s" };
            parts.push(format!("zone{s} {} down", self.zones_down.join(", ")));
        }
        if !self.cut_off_from.is_empty() {
            parts.push(format!("cut off from {}", self.cut_off_from.join(", ")));
        }
        for (other, added) in &self.degraded_to {
            parts.push(format!("+{added} to {other}"));
        }
        parts.join(" · ")
    }
}

/// Marks by region name; a region the timeline leaves alone at that time has none.
pub type RegionMarks = BTreeMap<String, RegionMark>;

/// Whether `name` is a region of the topology and not a node (a node's name wins, as in
/// validation).
fn is_region(s: &Scenario, name: &str) -> bool {
    s.topology.regions.iter().any(|r| r.name == name) && s.topology.node(name).is_none()
}

/// The regions a fault is aimed at: one (an outage), one of its zones, or two (a link between
/// regions).
enum Aim<'a> {
    Region(&'a str),
    Zone(&'a str, &'a str),
    Between(&'a str, &'a str),
}

fn aim<'a>(s: &Scenario, f: &'a Fault) -> Option<Aim<'a>> {
    match f.target.split_once("->") {
        Some((a, b)) if is_region(s, a.trim()) && is_region(s, b.trim()) && a.trim() != b.trim() => {
            Some(Aim::Between(a.trim(), b.trim()))
        }
        Some(_) => None,
        None => match f.target.split_once('/') {
            Some((r, z)) if is_region(s, r) && !z.is_empty() => Some(Aim::Zone(r, z)),
            Some(_) => None,
            None => is_region(s, &f.target).then_some(Aim::Region(f.target.as_str())),
        },
    }
}

/// Whether the fault entry `e` is in force at `t_s`: from the log when it has the entry's lines,
/// else from its schedule.
fn in_force(s: &Scenario, e: &Event, log: &[LogLine], t_s: f64) -> bool {
    let mut lines = log.iter().filter(|l| l.kind == EventKind::Fault && l.entry == e.name()).peekable();
    if lines.peek().is_some() {
        return lines.take_while(|l| l.t_s <= t_s + 1e-9).last().is_some_and(|l| l.what == "started");
    }
    match (start_s(e, s.run.start), end_s(e, s.run.start, s.run.duration_s)) {
        (Some(t0), Some(t1)) => t0 <= t_s && t_s < t1,
        (Some(t0), None) => t0 <= t_s,
        _ => false,
    }
}

/// Replicate 0's log of a report (empty without a report or a timeline).
pub fn log_of(report: Option<&Report>) -> &[LogLine] {
    report.and_then(|r| r.timeline.as_ref()).map_or(&[], |t| t.log.as_slice())
}

/// What the region faults of the timeline do to each region at `t_s` (seconds from the start),
/// as `log` (replicate 0's, see [`log_of`]) has them, else as scheduled.
pub fn marks_at(s: &Scenario, log: &[LogLine], t_s: f64) -> RegionMarks {
    let mut out = RegionMarks::new();
    for e in &s.timeline {
        let Event::Fault(f) = e else { continue };
        let Some(aim) = aim(s, f) else { continue };
        if !in_force(s, e, log, t_s) {
            continue;
        }
        match (aim, &f.kind) {
            (Aim::Region(r), FaultKind::Down) => {
                out.entry(r.to_owned()).or_default().down.get_or_insert_with(|| f.name.clone());
            }
            (Aim::Zone(r, z), FaultKind::Down) => {
                let m = out.entry(r.to_owned()).or_default();
                if !m.zones_down.iter().any(|x| x == z) {
                    m.zones_down.push(z.to_owned());
                }
            }
            (Aim::Between(a, b), FaultKind::Down) => {
                for (x, y) in [(a, b), (b, a)] {
                    let m = out.entry(x.to_owned()).or_default();
                    if !m.cut_off_from.iter().any(|o| o == y) {
                        m.cut_off_from.push(y.to_owned());
                    }
                }
            }
            (Aim::Between(a, b), FaultKind::Latency { added }) => {
                for (x, y) in [(a, b), (b, a)] {
                    out.entry(x.to_owned()).or_default().degraded_to.push((y.to_owned(), dist_words(added)));
                }
            }
            _ => {}
        }
    }
    out
}

/// One replica of a data store, as the canvas marks it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaMark {
    /// The data store.
    pub store: String,
    /// The replica's region.
    pub region: String,
    /// How writes reach it: `async 100 ms`, `sync`.
    pub lag: String,
}

/// Every replica of every data store, in node and replica order.
pub fn replicas(s: &Scenario) -> Vec<ReplicaMark> {
    s.topology
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::DataStore(d) => Some(d),
            _ => None,
        })
        .flat_map(|d| {
            d.replicas.iter().map(|r| ReplicaMark {
                store: d.name.clone(),
                region: r.region.clone(),
                lag: replication_words(&d.replication),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{At, Dist, NodeKind, Region, Replica, Replication, Span, Topology};

    fn scenario(faults: Vec<Fault>) -> Scenario {
        let mut t = Topology::default();
        for r in ["us-east-1", "us-west-2"] {
            t.regions.push(Region { name: r.into(), zones: Vec::new(), price_factor: None });
        }
        let mut gw = Node::with_defaults(NodeKind::Gateway, "gw-east");
        gw.set_region(Some("us-east-1".into()));
        t.nodes.push(gw);
        let mut store = Node::with_defaults(NodeKind::DataStore, "orders-db");
        store.set_region(Some("us-east-1".into()));
        if let Node::DataStore(d) = &mut store {
            d.replicas.push(Replica { region: "us-west-2".into() });
        }
        t.nodes.push(store);
        let mut s = Scenario::new("t", t);
        s.run.duration_s = 600.0;
        s.timeline = faults.into_iter().map(Event::Fault).collect();
        s
    }

    fn fault(name: &str, target: &str, at: f64, duration: f64, kind: FaultKind) -> Fault {
        Fault {
            name: name.into(),
            at: At::Offset(Span(at)),
            duration: Some(Span(duration)),
            end: None,
            target: target.into(),
            kind,
        }
    }

    #[test]
    fn a_region_outage_is_down_only_while_scheduled() {
        let s = scenario(vec![fault("east-outage", "us-east-1", 100.0, 200.0, FaultKind::Down)]);
        assert!(marks_at(&s, &[], 50.0).is_empty());
        let m = marks_at(&s, &[], 150.0);
        assert!(m["us-east-1"].is_down());
        assert_eq!(m["us-east-1"].label("us-east-1"), "us-east-1 · down (east-outage)");
        assert!(!m.contains_key("us-west-2"));
        assert!(marks_at(&s, &[], 300.0).is_empty());
    }

    #[test]
    fn the_log_wins_over_the_schedule() {
        // An action ended the outage at 120 s, before its scheduled end at 300 s.
        let s = scenario(vec![fault("east-outage", "us-east-1", 100.0, 200.0, FaultKind::Down)]);
        let line = |t_s: f64, what: &str| LogLine {
            t_s,
            clock: None,
            entry: "east-outage".into(),
            kind: EventKind::Fault,
            what: what.into(),
        };
        let log = [line(100.0, "started"), line(120.0, "ended")];
        assert!(marks_at(&s, &log, 110.0)["us-east-1"].is_down());
        assert!(marks_at(&s, &log, 150.0).is_empty());
        assert!(marks_at(&s, &log, 50.0).is_empty());
    }

    #[test]
    fn faults_on_nodes_and_links_are_not_region_faults() {
        let s = scenario(vec![
            fault("gw", "gw-east", 0.0, 600.0, FaultKind::Down),
            fault("cut", "gw-east->orders-db", 0.0, 600.0, FaultKind::Down),
        ]);
        assert!(marks_at(&s, &[], 10.0).is_empty());
    }

    #[test]
    fn partitions_and_degraded_links_mark_both_regions() {
        let slow = FaultKind::Latency { added: Dist::Constant { ms: 200.0 } };
        let s = scenario(vec![
            fault("split", "us-east-1->us-west-2", 0.0, 100.0, FaultKind::Down),
            fault("slow", "us-east-1->us-west-2", 100.0, 100.0, slow),
        ]);
        let m = marks_at(&s, &[], 50.0);
        assert_eq!(m["us-west-2"].label("us-west-2"), "us-west-2 · cut off from us-east-1");
        assert!(!m["us-east-1"].is_down());
        let m = marks_at(&s, &[], 150.0);
        assert_eq!(m["us-east-1"].label("us-east-1"), "us-east-1 · +200 ms to us-west-2");
    }

    #[test]
    fn a_lost_zone_is_named_in_its_regions_label() {
        let s = scenario(vec![fault("az", "us-east-1/a", 0.0, 100.0, FaultKind::Down)]);
        let m = marks_at(&s, &[], 50.0);
        assert!(!m["us-east-1"].is_down());
        assert_eq!(m["us-east-1"].label("us-east-1"), "us-east-1 · zone a down");
    }

    #[test]
    fn replicas_carry_their_store_and_lag() {
        let mut s = scenario(Vec::new());
        assert_eq!(
            replicas(&s),
            [ReplicaMark { store: "orders-db".into(), region: "us-west-2".into(), lag: "async 100 ms".into() }]
        );
        if let Some(Node::DataStore(d)) = s.topology.nodes.get_mut(1) {
            d.replication = Replication::Sync;
        }
        assert_eq!(replicas(&s)[0].lag, "sync");
    }
}
