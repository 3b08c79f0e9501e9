//! The transformation, on hand-written topologies.

use super::*;
use crate::model::names::{check_name, collisions};
use crate::model::validate::{Severity, validate};
use crate::model::{Act, DnsRouting, Event, Node, RecordRole, Scenario, Trigger, load};
use std::collections::BTreeSet;
use std::path::Path;

/// A one-region design: clients -> gateway -> balancer -> two services, one calling a store; a
/// node already named like a copy would be, to force a unique name.
const DESIGN: &str = r#"Scenario(format_version: 1, name: "design", run: (seed: 5, duration_s: 60.0, replicates: 3),
  topology: (
    regions: [(name: "eu-west-1")],
    nodes: [
      Clients((name: "web", region: "eu-west-1", pos: (0.0, 100.0), users: 100, traffic: Constant(rate_rps: 10.0))),
      Clients((name: "mobile", region: "eu-west-1", pos: (0.0, 300.0), users: 100, traffic: Constant(rate_rps: 5.0))),
      Gateway((name: "gw", region: "eu-west-1", pos: (200.0, 100.0),
               routes: [(path_prefix: "/", upstream: "lb")])),
      LoadBalancer((name: "lb", pos: (400.0, 100.0),
               rules: [(path_prefix: "/a", service: "a"), (path_prefix: "/b", service: "b")])),
      Service((name: "a", region: "eu-west-1", pos: (600.0, 0.0), instances: 8, concurrency: 4, service_time: Constant(ms: 5.0))),
      Service((name: "b", region: "eu-west-1", pos: (600.0, 200.0), instances: 3, concurrency: 4, service_time: Constant(ms: 5.0))),
      Service((name: "gw-eu-central-1", region: "eu-west-1", instances: 1, service_time: Constant(ms: 5.0))),
      DataStore((name: "db", region: "eu-west-1", write_share: 0.2)),
    ],
    links: [
      (from: "web", to: "gw", latency: Constant(ms: 20.0)), (from: "mobile", to: "gw", latency: Constant(ms: 20.0)),
      (from: "gw", to: "lb"), (from: "lb", to: "a"), (from: "lb", to: "b"), (from: "a", to: "db"),
    ]),
  timeline: [Fault((name: "old-fault", at: 10.0, target: "a", kind: Down))])"#;

fn design() -> Scenario {
    load::from_str(DESIGN, Path::new("design.ron")).unwrap_or_else(|e| panic!("{e}"))
}

fn built(st: Strategy) -> Scenario {
    match apply(&design(), st, &DrOptions::default()) {
        Ok(s) => s,
        Err(e) => panic!("{st}: {e}"),
    }
}

fn node<'a>(s: &'a Scenario, name: &str) -> &'a Node {
    s.topology.node(name).unwrap_or_else(|| panic!("no node {name}"))
}

fn standby(s: &Scenario, service: &str) -> Option<u32> {
    s.timeline.iter().find_map(|e| match e {
        Event::Action(a) => match (&a.trigger, &a.act) {
            (Trigger::At(_), Act::Scale { service: x, instances, .. }) if x == service => Some(*instances),
            _ => None,
        },
        _ => None,
    })
}

#[test]
fn every_strategy_validates_with_unique_valid_names() {
    for st in Strategy::ALL {
        let s = built(st);
        let errors: Vec<String> =
            validate(&s, None).into_iter().filter(|p| p.severity == Severity::Error).map(|p| p.message).collect();
        assert!(errors.is_empty(), "{st}: {errors:?}");
        let names: Vec<&str> = s.topology.nodes.iter().map(Node::name).collect();
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{st}: {names:?}");
        for n in names.iter().copied().chain(s.timeline.iter().map(Event::name)) {
            assert!(check_name(n).is_ok(), "{st}: {n}");
        }
        assert!(collisions(&s.topology).is_empty(), "{st}: {:?}", collisions(&s.topology));
    }
}

#[test]
fn copies_go_to_the_nearest_region_below_the_originals() {
    let s = built(Strategy::PilotLight);
    // eu-central-1 is the nearest bundled region to eu-west-1 (26.5 ms); a node had its name.
    assert!(s.topology.regions.iter().any(|r| r.name == "eu-central-1"));
    let copy = node(&s, "gw-eu-central-1-2");
    assert_eq!(copy.region(), Some("eu-central-1"));
    assert!(matches!(copy, Node::Gateway(g) if g.routes[0].upstream == "lb-eu-central-1"));
    let lb = node(&s, "lb-eu-central-1");
    assert!(matches!(lb, Node::LoadBalancer(l) if l.rules.iter().all(|r| r.service.ends_with("-eu-central-1"))));
    // The regionless balancer was put in the primary region.
    assert_eq!(node(&s, "lb").region(), Some("eu-west-1"));
    assert_eq!(node(&s, "a-eu-central-1").pos(), Some([600.0, 400.0]));
    assert!(s.topology.links.iter().any(|l| l.from == "a-eu-central-1" && l.to == "db"));
    // The service outside the path to the site's entry is left out, and said so.
    assert!(s.topology.node("gw-eu-central-1").is_none());
    assert!(s.description.contains("Left out of the design (outside the primary site): gw-eu-central-1"));
    // --to chooses the region.
    let o = DrOptions { to: Some("us-east-1".into()), ..DrOptions::default() };
    let s = apply(&design(), Strategy::PilotLight, &o).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(node(&s, "a-us-east-1").region(), Some("us-east-1"));
}

#[test]
fn a_dns_name_fronts_the_entry_for_every_population() {
    for (st, routing) in [(Strategy::WarmStandby, DnsRouting::Failover), (Strategy::ActiveActive, DnsRouting::Weighted)]
    {
        let s = built(st);
        let dns: Vec<&Node> = s.topology.nodes.iter().filter(|n| matches!(n, Node::Dns(_))).collect();
        assert_eq!(dns.len(), 1, "{st}: one name for the one entry node and latency");
        let Node::Dns(d) = dns[0] else { unreachable!() };
        assert_eq!(d.routing, routing);
        assert_eq!(d.records[0].target, "gw");
        assert_eq!(d.records[0].role, RecordRole::Primary);
        assert_eq!(d.records[1].target, "gw-eu-central-1-2");
        assert!(d.records.iter().all(|r| r.health_check));
        for c in ["web", "mobile"] {
            let to: Vec<&str> = s.topology.links.iter().filter(|l| l.from == c).map(|l| l.to.as_str()).collect();
            assert_eq!(to, [d.name.as_str()], "{st}: {c} sends through the DNS name only");
        }
        let lat = s.topology.links.iter().find(|l| l.from == d.name && l.to == "gw-eu-central-1-2");
        assert_eq!(lat.map(|l| l.latency.clone()), Some(crate::model::Dist::Constant { ms: 20.0 }));
    }
}

#[test]
fn instance_counts_and_data_follow_the_strategy() {
    let store = |s: &Scenario| match node(s, "db") {
        Node::DataStore(d) => d.clone(),
        _ => panic!("db is not a store"),
    };
    let br = built(Strategy::BackupRestore);
    assert_eq!((standby(&br, "a-eu-central-1"), standby(&br, "b-eu-central-1")), (Some(0), Some(0)));
    assert!(store(&br).replicas.is_empty() && store(&br).failover.is_none());
    assert_eq!(store(&br).backups.and_then(|b| b.restore_to).as_deref(), Some("eu-central-1"));
    let pl = built(Strategy::PilotLight);
    assert_eq!((standby(&pl, "a-eu-central-1"), standby(&pl, "b-eu-central-1")), (Some(0), Some(0)));
    assert_eq!(store(&pl).replicas[0].region, "eu-central-1");
    assert!(store(&pl).failover.is_some());
    let ws = built(Strategy::WarmStandby);
    // 25% of 8 is 2; of 3, 0.75 rounded up: 1.
    assert_eq!((standby(&ws, "a-eu-central-1"), standby(&ws, "b-eu-central-1")), (Some(2), Some(1)));
    let aa = built(Strategy::ActiveActive);
    assert_eq!(standby(&aa, "a-eu-central-1"), None, "active/active runs its copies in full");
    for s in [&br, &pl, &ws, &aa] {
        // Declared at full capacity: the recovery scales back to it.
        assert!(matches!(node(s, "a-eu-central-1"), Node::Service(x) if x.instances == 8));
        let recover = s.timeline.iter().any(|e| {
            matches!(e, Event::Action(a) if matches!(&a.trigger, Trigger::Alarm(_))
                && matches!(&a.act, Act::Scale { service, instances: 8, .. } if service == "a-eu-central-1"))
        });
        assert_eq!(recover, !std::ptr::eq(s, &aa));
    }
}

#[test]
fn every_strategy_meets_the_same_fault_and_only_it() {
    let o = DrOptions { fault_at_s: 120.0, fault_for_s: 600.0, duration_s: 1800.0, ..DrOptions::default() };
    for st in Strategy::ALL {
        let s = apply(&design(), st, &o).unwrap_or_else(|e| panic!("{e}"));
        let faults: Vec<&crate::model::Fault> = s
            .timeline
            .iter()
            .filter_map(|e| match e {
                Event::Fault(f) => Some(f),
                _ => None,
            })
            .collect();
        assert_eq!(faults.len(), 1, "{st}");
        assert_eq!(faults[0].target, "eu-west-1");
        assert_eq!(faults[0].duration.map(|d| d.0), Some(600.0));
        assert_eq!((s.run.duration_s, s.run.seed, s.run.replicates), (1800.0, 5, 3));
        assert!(s.variants.is_empty());
        let steady = steady_state(&s, &o);
        assert!(!steady.timeline.iter().any(|e| matches!(e, Event::Fault(_))), "{st}");
    }
}

#[test]
fn apply_is_deterministic() {
    for st in Strategy::ALL {
        assert_eq!(built(st), built(st), "{st}");
        assert_eq!(load::to_string(&built(st)), load::to_string(&built(st)));
    }
}

#[test]
fn a_design_without_regions_gets_us_east_1() {
    let text = r#"Scenario(format_version: 1, name: "tiny", run: (seed: 1, duration_s: 60.0),
      topology: (nodes: [Clients((name: "u", traffic: Constant(rate_rps: 5.0))), Gateway((name: "g")),
                         Service((name: "s", instances: 2, service_time: Constant(ms: 1.0)))],
                 links: [(from: "u", to: "g"), (from: "g", to: "s")]))"#;
    let s = load::from_str(text, Path::new("tiny.ron")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(regions(&s, &DrOptions::default()).ok(), Some(("us-east-1".into(), "us-east-2".into())));
    for st in Strategy::ALL {
        let b = apply(&s, st, &DrOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(validate(&b, None).iter().all(|p| p.severity != Severity::Error), "{st}");
        assert!(b.topology.regions.iter().any(|r| r.name == "us-east-1"));
    }
}

#[test]
fn what_cannot_be_recovered_is_an_error_that_says_why() {
    let mut s = design();
    s.topology.nodes.retain(|n| !matches!(n, Node::Clients(_)));
    assert!(matches!(apply(&s, Strategy::PilotLight, &DrOptions::default()), Err(DrError::NoClients)));

    let mut s = design();
    s.topology.links.retain(|l| l.from != "web");
    s.topology.links.push(crate::model::Link {
        from: "web".into(),
        to: "a".into(),
        latency: Default::default(),
        weight: 1.0,
    });
    let e = apply(&s, Strategy::PilotLight, &DrOptions::default()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("\"web\" sends straight to service \"a\""), "{e}");

    let same = DrOptions { to: Some("eu-west-1".into()), ..DrOptions::default() };
    assert!(matches!(apply(&design(), Strategy::WarmStandby, &same), Err(DrError::SameRegion(_))));
    let unknown = DrOptions { to: Some("mars-1".into()), ..DrOptions::default() };
    let e = apply(&design(), Strategy::WarmStandby, &unknown).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("no round-trip time between eu-west-1 and mars-1"), "{e}");
    let short = DrOptions { duration_s: 60.0, fault_at_s: 900.0, ..DrOptions::default() };
    assert!(matches!(apply(&design(), Strategy::WarmStandby, &short), Err(DrError::Options(_))));
}

#[test]
fn as_designed_keeps_the_design_and_replaces_its_faults() {
    let s = built(Strategy::AsDesigned);
    let d = design();
    assert_eq!(s.topology.nodes.len(), d.topology.nodes.len());
    assert_eq!(s.topology.links, d.topology.links);
    assert!(s.timeline.iter().all(|e| e.name() != "old-fault"));
    assert!(s.description.contains("old-fault"));
}

/// Five rows, the first two never recovered.
fn chart_rows() -> Vec<DrRow> {
    Strategy::ALL
        .iter()
        .enumerate()
        .map(|(i, &strategy)| DrRow {
            strategy,
            cost_per_month_usd: 100.0 * i as f64,
            outage_cost_usd: 0.0,
            rto_s: (i > 1).then_some(600.0 / i as f64),
            recovered_in: u32::from(i > 1),
            replicates: 1,
            rpo: (i > 1).then_some(Rpo { writes_lost: 3.0, oldest_s: 0.2 * i as f64, recovered: true }),
            users_impacted_pct: 10.0,
            time_to_detect_s: None,
            failed_requests: 0.0,
            description: String::new(),
        })
        .collect()
}

#[test]
fn the_chart_svg_has_one_labelled_point_per_strategy() {
    let svg = svg(&chart_rows(), Some("a <design>")).unwrap_or_else(|e| panic!("{e}"));
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>'))
        .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim())
        .collect();
    // Strategy colours as plotters writes them (filled markers; their outlines are fill="none").
    let colours = ["#6B7280", "#B45309", "#C026D3", "#2563EB", "#059669"];
    for (st, colour) in Strategy::ALL.iter().zip(colours) {
        let label = st.label().replace('&', "&amp;");
        assert_eq!(texts.iter().filter(|t| **t == label).count(), 1, "{st}: {texts:?}");
        let markers =
            svg.lines().filter(|l| l.starts_with("<circle") && l.contains(&format!("fill=\"{colour}\""))).count();
        assert_eq!(markers, 1, "{st}");
    }
    for want in [
        "not recovered",
        "a &lt;design&gt;",
        "RTO (minutes, measured)",
        "cost per month (USD, steady state)",
        "Disaster recovery strategies: cost per month against RTO",
    ] {
        assert!(texts.contains(&want), "{want}: {texts:?}");
    }
    // Round ticks: 0 to 5 minutes, $0 to $500.
    for tick in ["0", "1", "5", "$0", "$100", "$500"] {
        assert!(texts.contains(&tick), "{tick}: {texts:?}");
    }
}

#[test]
fn the_chart_is_written_as_png() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("dr.png");
    chart_titled(&chart_rows(), Some("a design"), &path).unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(&path).unwrap_or_default();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{:?}", &bytes[..bytes.len().min(8)]);
    assert!(bytes.len() > 10_000);
    // Only the PNG is left: the temporary file was renamed.
    let names: Vec<_> = std::fs::read_dir(dir.path()).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, [std::ffi::OsString::from("dr.png")]);
    // And SVG by its extension, whatever its case.
    let svg_path = dir.path().join("dr.SVG");
    chart(&chart_rows(), &svg_path).unwrap_or_else(|e| panic!("{e}"));
    assert!(std::fs::read_to_string(&svg_path).unwrap_or_default().starts_with("<svg"));
}

#[test]
fn a_chart_that_is_neither_svg_nor_png_is_refused() {
    for bad in ["x.pdf", "x", "x.svg.txt"] {
        let e = check_chart_path(Path::new(bad)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(bad) && e.contains(".svg or .png"), "{bad}: {e}");
    }
    assert!(check_chart_path(Path::new("x.SVG")).is_ok() && check_chart_path(Path::new("out/x.png")).is_ok());
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let pdf = dir.path().join("dr.pdf");
    assert!(chart(&chart_rows(), &pdf).is_err());
    assert!(!pdf.exists());
}
