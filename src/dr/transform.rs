//! [`apply`]: a scenario turned into a DR strategy (see the module docs of `dr`).

use super::{Assumptions, DrError, DrOptions, Strategy};
use crate::model::global::{
    Backups, DataStore, Dns, DnsRecord, DnsRouting, HealthCheck53, Promotion, RecordRole, Replica,
};
use crate::model::names::{NAME_MAX, check_name, collision_key};
use crate::model::{
    Act, Action, Alarm, AlarmRule, At, Comparison, Dist, Event, Fault, FaultKind, Link, Metric, MissingData, Node,
    Region, Response, Scenario, Scope, Span, Topology, Trigger,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The region P when the topology declares none.
const DEFAULT_PRIMARY: &str = "us-east-1";

/// The fault every strategy meets (before a name collision makes it unique).
const FAULT: &str = "dr-region-outage";

/// Where a client population's requests go first: its link's target, or for a link to a DNS
/// node the target of that name's primary (or first) record.
#[derive(Clone, Debug)]
struct Entry {
    clients: String,
    target: String,
    latency: Dist,
    weight: f64,
}

fn entries(topo: &Topology) -> Vec<Entry> {
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
fn primary_region(topo: &Topology, entries: &[Entry]) -> String {
    entries
        .iter()
        .find_map(|e| topo.node(&e.target).and_then(Node::region))
        .map(str::to_owned)
        .or_else(|| topo.regions.first().map(|r| r.name.clone()))
        .unwrap_or_else(|| DEFAULT_PRIMARY.to_owned())
}

/// The recovery region (see the module docs).
fn secondary_region(topo: &Topology, primary: &str, to: Option<&str>) -> Result<String, DrError> {
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

/// The primary and recovery regions [`apply`] would use for this scenario.
pub fn regions(s: &Scenario, o: &DrOptions) -> Result<(String, String), DrError> {
    let entries = entries(&s.topology);
    if !s.topology.nodes.iter().any(|n| matches!(n, Node::Clients(_))) {
        return Err(DrError::NoClients);
    }
    let p = primary_region(&s.topology, &entries);
    let q = secondary_region(&s.topology, &p, o.to.as_deref())?;
    Ok((p, q))
}

/// Names already used (by collision key: nodes, instances, regions and timeline entries share
/// one namespace), and new unique names.
struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    fn of(s: &Scenario) -> Names {
        let mut n = Names { taken: BTreeSet::new() };
        for node in &s.topology.nodes {
            n.taken.insert(collision_key(node.name()));
            if let Node::Service(svc) = node
                && svc.instance_slots() > 1
            {
                for i in 0..svc.instance_slots() {
                    n.taken.insert(collision_key(&svc.instance_name(i)));
                }
            }
        }
        for r in &s.topology.regions {
            n.taken.insert(collision_key(&r.name));
        }
        for e in &s.timeline {
            n.taken.insert(collision_key(e.name()));
        }
        n
    }

    fn reserve(&mut self, name: &str) {
        self.taken.insert(collision_key(name));
    }

    /// A valid name from `base` (shortened to fit, `-2`, `-3`, ... added until it is unique),
    /// reserved with its `instances` instance names when there are several.
    fn take(&mut self, base: &str, instances: u32) -> String {
        let cleaned: String =
            base.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).collect();
        for k in 1u32.. {
            let suffix = if k == 1 { String::new() } else { format!("-{k}") };
            // Room for the suffix and an instance suffix (`-99`).
            let room = NAME_MAX - suffix.len() - if instances > 1 { 1 + instances.to_string().len() } else { 0 };
            let stem: String = cleaned.chars().take(room).collect();
            let stem = stem.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            let stem = stem.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
            let stem = if stem.is_empty() { "dr" } else { stem };
            let cand = format!("{stem}{suffix}");
            let mut all = vec![cand.clone()];
            if instances > 1 {
                all.extend((0..instances).map(|i| format!("{cand}-{i}")));
            }
            if check_name(&cand).is_ok() && all.iter().all(|n| !self.taken.contains(&collision_key(n))) {
                for n in &all {
                    self.reserve(n);
                }
                return cand;
            }
        }
        // Four billion candidates were taken: no topology holds that many names. Validation
        // reports the duplicate.
        base.to_owned()
    }
}

fn declare(topo: &mut Topology, region: &str) {
    if !topo.regions.iter().any(|r| r.name == region) {
        topo.regions.push(Region { name: region.to_owned(), zones: Vec::new(), price_factor: None });
    }
}

fn secs(s: f64) -> Span {
    Span::secs(s)
}

/// The user's scenario turned into strategy `st` (see the module docs).
pub fn apply(s: &Scenario, st: Strategy, o: &DrOptions) -> Result<Scenario, DrError> {
    check_options(o)?;
    if !s.topology.nodes.iter().any(|n| matches!(n, Node::Clients(_))) {
        return Err(DrError::NoClients);
    }
    let entries = entries(&s.topology);
    let p = primary_region(&s.topology, &entries);
    let mut names = Names::of(s);
    let mut out = match st {
        Strategy::AsDesigned => as_designed(s, &p),
        _ => {
            let q = secondary_region(&s.topology, &p, o.to.as_deref())?;
            names.reserve(&q);
            names.reserve(&p);
            strategy(s, st, o, &entries, &p, &q, &mut names)?
        }
    };
    let fault = names.take(FAULT, 1);
    // A fault that outlasts the run lasts to its end: the region's return, processed while the
    // run drains, would otherwise count as a recovery after the run.
    let outlasts = o.fault_at_s + o.fault_for_s >= o.duration_s;
    out.timeline.insert(
        0,
        Event::Fault(Fault {
            name: fault,
            at: At::Offset(secs(o.fault_at_s)),
            duration: (!outlasts).then(|| secs(o.fault_for_s)),
            end: None,
            target: p.clone(),
            kind: FaultKind::Down,
        }),
    );
    out.run.duration_s = o.duration_s;
    if let Some(n) = o.replicates {
        out.run.replicates = n;
    }
    if let Some(seed) = o.seed {
        out.run.seed = seed;
    }
    if out.run.warmup_s >= o.fault_at_s {
        out.run.warmup_s = 0.0;
    }
    out.run.bucket_s = None;
    out.variants.clear();
    out.name = format!("{} [DR: {}]", s.name, st.label());
    let mut d = format!("{}: {}. Generated by gatesim dr from \"{}\". ", st.label(), st.summary(), s.name);
    d.push_str(out.description.trim());
    if outlasts {
        write!(d, " Fault: {p} down from {} to the end of the run.", secs(o.fault_at_s)).ok();
    } else {
        write!(d, " Fault: {p} down at {} for {}.", secs(o.fault_at_s), secs(o.fault_for_s)).ok();
    }
    out.description = d.trim().to_owned();
    Ok(out)
}

fn check_options(o: &DrOptions) -> Result<(), DrError> {
    let finite = |v: f64| v.is_finite() && v >= 0.0;
    if !(finite(o.fault_at_s) && finite(o.fault_for_s) && o.fault_for_s > 0.0) {
        return Err(DrError::Options(format!(
            "the fault needs a start >= 0 and a length > 0, got {} s and {} s",
            o.fault_at_s, o.fault_for_s
        )));
    }
    if !(finite(o.duration_s) && o.duration_s > o.fault_at_s) {
        return Err(DrError::Options(format!(
            "the run ({} s) must last longer than the fault's start ({} s)",
            o.duration_s, o.fault_at_s
        )));
    }
    if !(finite(o.steady_duration_s) && o.steady_duration_s > 0.0) {
        return Err(DrError::Options(format!(
            "the steady-state run needs a length > 0, got {} s",
            o.steady_duration_s
        )));
    }
    if o.replicates == Some(0) {
        return Err(DrError::Options("replicates must be at least 1".into()));
    }
    let a = &o.assumptions;
    if !(a.warm_share > 0.0 && a.warm_share <= 1.0) {
        return Err(DrError::Options(format!("warm_share must be in (0, 1], got {}", a.warm_share)));
    }
    Ok(())
}

/// The design as written, with regionless nodes placed in P (declared if needed) and the user's
/// faults removed (the DR fault replaces them), with the actions that end them.
fn as_designed(s: &Scenario, p: &str) -> Scenario {
    let mut out = s.clone();
    declare(&mut out.topology, p);
    for n in &mut out.topology.nodes {
        if n.region().is_none() && !matches!(n, Node::Dns(_)) {
            n.set_region(Some(p.to_owned()));
        }
    }
    let faults: BTreeSet<String> =
        s.timeline.iter().filter(|e| matches!(e, Event::Fault(_))).map(|e| e.name().to_owned()).collect();
    out.timeline.retain(|e| match e {
        Event::Fault(_) => false,
        Event::Action(a) => !matches!(&a.act, Act::EndFault(f) if faults.contains(f)),
        _ => true,
    });
    if !faults.is_empty() {
        let list: Vec<&str> = faults.iter().map(String::as_str).collect();
        out.description = format!("The design's own faults ({}) are replaced by the region outage.", list.join(", "));
    } else {
        out.description.clear();
    }
    out
}

/// The nodes of the primary site, in file order, and the data stores they call.
struct Site {
    compute: Vec<String>,
    stores: Vec<String>,
}

fn site(topo: &Topology, entries: &[Entry], p: &str) -> Result<Site, DrError> {
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
fn keep_routes(node: &mut Node, kept: &BTreeSet<&str>) {
    match node {
        Node::Gateway(g) => g.routes.retain(|r| kept.contains(r.upstream.as_str())),
        Node::LoadBalancer(lb) => lb.rules.retain(|r| kept.contains(r.service.as_str())),
        _ => {}
    }
}

/// Points routes and rules at the copies.
fn rename_routes(node: &mut Node, copy: &BTreeMap<String, String>) {
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
            }
        }
        _ => {}
    }
}

/// How many instances a copy of `instances` runs before the failover.
fn standby_instances(st: Strategy, a: &Assumptions, instances: u32) -> u32 {
    match st {
        Strategy::BackupRestore | Strategy::PilotLight => 0,
        Strategy::WarmStandby => ((f64::from(instances) * a.warm_share).ceil() as u32).clamp(1, instances.max(1)),
        Strategy::AsDesigned | Strategy::ActiveActive => instances,
    }
}

#[allow(clippy::too_many_arguments)]
fn strategy(
    s: &Scenario,
    st: Strategy,
    o: &DrOptions,
    entries: &[Entry],
    p: &str,
    q: &str,
    names: &mut Names,
) -> Result<Scenario, DrError> {
    let a = &o.assumptions;
    let topo = &s.topology;
    let site = site(topo, entries, p)?;
    let kept: BTreeSet<&str> = site.compute.iter().chain(&site.stores).map(String::as_str).collect();
    let in_site = |n: &str| site.compute.iter().any(|x| x == n);

    let mut t = Topology {
        regions: topo.regions.clone(),
        nodes: Vec::new(),
        links: Vec::new(),
        region_rtt: topo.region_rtt.clone(),
    };
    declare(&mut t, p);
    declare(&mut t, q);

    // The stripped design, in file order.
    let mut removed: Vec<&str> = Vec::new();
    for node in &topo.nodes {
        let keep = matches!(node, Node::Clients(_)) || kept.contains(node.name());
        if !keep {
            removed.push(node.name());
            continue;
        }
        let mut n = node.clone();
        if n.region().is_none() {
            n.set_region(Some(p.to_owned()));
        }
        keep_routes(&mut n, &kept);
        if let Node::DataStore(ds) = &mut n {
            ds.replicas.clear();
            ds.failover = None;
        }
        t.nodes.push(n);
    }
    for l in &topo.links {
        let store_call = in_site(&l.from) && site.stores.contains(&l.to);
        if (in_site(&l.from) && in_site(&l.to)) || store_call {
            t.links.push(l.clone());
        }
    }

    // Copies in the recovery region, drawn below the originals.
    let ys: Vec<f32> = site.compute.iter().filter_map(|n| topo.node(n)?.pos()).map(|p| p[1]).collect();
    let dy =
        ys.iter().copied().fold(f32::NEG_INFINITY, f32::max) - ys.iter().copied().fold(f32::INFINITY, f32::min) + 200.0;
    let dy = if dy.is_finite() { dy } else { 200.0 };
    let mut copy: BTreeMap<String, String> = BTreeMap::new();
    for n in &site.compute {
        let slots = match topo.node(n) {
            Some(Node::Service(svc)) => svc.instance_slots(),
            _ => 1,
        };
        copy.insert(n.clone(), names.take(&format!("{n}-{q}"), slots));
    }
    // Every site node has a copy (inserted just above).
    let cp = |n: &str| copy.get(n).cloned().unwrap_or_else(|| n.to_owned());
    let mut scaled: Vec<(String, u32, u32)> = Vec::new();
    for n in &site.compute {
        let Some(node) = topo.node(n) else { continue };
        let mut c = node.clone();
        c.set_name(cp(n));
        c.set_region(Some(q.to_owned()));
        c.set_pos(node.pos().map(|[x, y]| [x, y + dy]));
        keep_routes(&mut c, &kept);
        rename_routes(&mut c, &copy);
        if let Node::Service(svc) = &mut c
            && st != Strategy::ActiveActive
        {
            svc.autoscaling = None;
            let serverless = matches!(svc.deployment, crate::model::Deployment::Serverless(_));
            let standby = standby_instances(st, a, svc.instances);
            if !serverless && standby < svc.instances {
                scaled.push((svc.name.clone(), standby, svc.instances));
            }
        }
        t.nodes.push(c);
    }
    for l in &topo.links {
        if in_site(&l.from) && in_site(&l.to) {
            t.links.push(Link { from: cp(&l.from), to: cp(&l.to), ..l.clone() });
        } else if in_site(&l.from) && site.stores.contains(&l.to) {
            t.links.push(Link { from: cp(&l.from), ..l.clone() });
        }
    }

    // A DNS name per entry node (and link latency) between the populations and the site.
    let routing = if st == Strategy::ActiveActive { DnsRouting::Weighted } else { DnsRouting::Failover };
    let mut dns: Vec<(String, String, Dist)> = Vec::new();
    for e in entries.iter().filter(|e| in_site(&e.target)) {
        let existing = dns.iter().find(|(_, target, lat)| *target == e.target && *lat == e.latency);
        let name = match existing {
            Some((name, _, _)) => name.clone(),
            None => {
                let name = names.take(&format!("{}-dns", e.target), 1);
                let pos = match (topo.node(&e.clients).and_then(Node::pos), topo.node(&e.target).and_then(Node::pos)) {
                    (Some([cx, _]), Some([ex, ey])) => Some([(cx + ex) / 2.0, ey + dy / 2.0]),
                    _ => None,
                };
                let record = |target: &str, role| DnsRecord {
                    target: target.to_owned(),
                    weight: 1.0,
                    role,
                    locations: Vec::new(),
                    health_check: true,
                    evaluate_target_health: false,
                };
                t.nodes.push(Node::Dns(Dns {
                    name: name.clone(),
                    region: None,
                    pos,
                    routing,
                    records: vec![
                        record(&e.target, RecordRole::Primary),
                        record(&cp(&e.target), RecordRole::Secondary),
                    ],
                    ttl: secs(a.ttl_s),
                    health_check: Some(HealthCheck53 {
                        interval: secs(a.health_check_interval_s),
                        failure_threshold: a.health_check_threshold,
                        ..HealthCheck53::default()
                    }),
                    ignore_ttl_share: 0.0,
                }));
                for target in [e.target.clone(), cp(&e.target)] {
                    t.links.push(Link { from: name.clone(), to: target, latency: e.latency.clone(), weight: 1.0 });
                }
                dns.push((name.clone(), e.target.clone(), e.latency.clone()));
                name
            }
        };
        if !t.links.iter().any(|l| l.from == e.clients && l.to == name) {
            t.links.push(Link { from: e.clients.clone(), to: name, latency: Dist::default(), weight: e.weight });
        }
    }

    // Data.
    let (detect, promote) = match st {
        Strategy::ActiveActive => (a.fast_detect_s, a.fast_promote_s),
        _ => (a.promote_detect_s, a.promote_s),
    };
    let mut data = Vec::new();
    for n in &mut t.nodes {
        let Node::DataStore(ds) = n else { continue };
        match st {
            Strategy::BackupRestore => {
                if ds.backups.is_none() {
                    ds.backups = Some(Backups { every: secs(a.backup_every_s), restore: secs(a.restore_s) });
                }
                let b = ds.backups.as_ref().map_or((0.0, 0.0), |b| (b.every.0, b.restore.0));
                data.push(format!(
                    "{}: no replica, a backup every {}, restored {} after the loss of the primary",
                    ds.name,
                    secs(b.0),
                    secs(b.1)
                ));
            }
            _ if ds.region.as_deref() != Some(q) => {
                replicate(ds, q, detect, promote);
                data.push(format!(
                    "{}: replicated to {q} ({}), promoted {} + {} after the loss of the primary",
                    ds.name,
                    replication_text(ds),
                    secs(detect),
                    secs(promote)
                ));
            }
            _ => data.push(format!("{}: its primary is in {q} already", ds.name)),
        }
    }

    // The timeline: the user's traffic events, the standby scale-down and the recovery.
    let mut timeline: Vec<Event> = s.timeline.iter().filter(|e| matches!(e, Event::Traffic(_))).cloned().collect();
    let startup = match st {
        Strategy::BackupRestore => a.provision_s,
        Strategy::PilotLight => a.pilot_start_s,
        _ => a.warm_start_s,
    };
    if !scaled.is_empty() {
        let alarm = names.take("dr-5xx", 1);
        timeline.push(Event::Alarm(Alarm {
            name: alarm.clone(),
            metric: Metric::Share5xx,
            scope: Scope::System,
            threshold: a.alarm_share_5xx,
            comparison: Comparison::Above,
            rule: AlarmRule::CloudWatch {
                period: secs(a.alarm_period_s),
                evaluation_periods: 1,
                datapoints_to_alarm: None,
                treat_missing_data: MissingData::Missing,
            },
        }));
        for (svc, standby, full) in &scaled {
            timeline.push(Event::Action(Action {
                name: names.take(&format!("dr-standby-{svc}"), 1),
                trigger: Trigger::At(At::Offset(Span::default())),
                response: Response::Automatic { delay: Span::default() },
                act: Act::Scale { service: svc.clone(), instances: *standby, startup: Span::default() },
            }));
            timeline.push(Event::Action(Action {
                name: names.take(&format!("dr-recover-{svc}"), 1),
                trigger: Trigger::Alarm(alarm.clone()),
                response: Response::Automatic { delay: Span::default() },
                act: Act::Scale { service: svc.clone(), instances: *full, startup: secs(startup) },
            }));
        }
    }

    let mut out = s.clone();
    out.topology = t;
    out.timeline = timeline;
    out.description = describe(st, a, p, q, &copy, &scaled, &data, &removed, startup, dns.len());
    Ok(out)
}

fn replicate(ds: &mut DataStore, q: &str, detect: f64, promote: f64) {
    ds.replicas = vec![Replica { region: q.to_owned() }];
    ds.failover = Some(Promotion { detect: secs(detect), promote: secs(promote) });
}

fn replication_text(ds: &DataStore) -> String {
    match &ds.replication {
        crate::model::Replication::Sync => "synchronous".into(),
        crate::model::Replication::Async { lag } => format!("asynchronous, lag {}", lag.describe()),
    }
}

#[allow(clippy::too_many_arguments)]
fn describe(
    st: Strategy,
    a: &Assumptions,
    p: &str,
    q: &str,
    copy: &BTreeMap<String, String>,
    scaled: &[(String, u32, u32)],
    data: &[String],
    removed: &[&str],
    startup: f64,
    dns: usize,
) -> String {
    let mut d = format!("Primary site in {p}, copied to {q} (");
    d.push_str(&copy.values().cloned().collect::<Vec<_>>().join(", "));
    d.push_str("). ");
    let routing = if st == Strategy::ActiveActive {
        "weighted routing, equal weights".to_owned()
    } else {
        "failover routing, the copy secondary".to_owned()
    };
    write!(
        d,
        "{dns} Route 53 name(s) in front ({routing}; health checks every {}, {} failures; TTL {}). ",
        secs(a.health_check_interval_s),
        a.health_check_threshold,
        secs(a.ttl_s)
    )
    .ok();
    if !scaled.is_empty() {
        let counts: Vec<String> = scaled.iter().map(|(n, s, f)| format!("{n} {s} of {f}")).collect();
        let why = match st {
            Strategy::BackupRestore => "infrastructure deployed from code",
            Strategy::PilotLight => "instances started from prepared images",
            _ => "the added instances' startup",
        };
        write!(
            d,
            "Copies declared at full capacity and scaled at 0 s to their standby size ({}); when the share of 5xx exceeds {}% in a {} period they are scaled to full capacity, serving {} later ({why}). ",
            counts.join(", "),
            a.alarm_share_5xx * 100.0,
            secs(a.alarm_period_s),
            secs(startup)
        )
        .ok();
    } else {
        d.push_str("Copies run at full capacity. ");
    }
    if !data.is_empty() {
        write!(d, "Data: {}. ", data.join("; ")).ok();
    }
    if !removed.is_empty() {
        write!(d, "Left out of the design (outside the primary site): {}. ", removed.join(", ")).ok();
    }
    d
}

/// The scenario without its faults (a strategy's only fault is the region outage), run for the
/// steady-state length on one replicate: what the strategy costs while nothing fails.
pub fn steady_state(s: &Scenario, o: &DrOptions) -> Scenario {
    let mut out = s.clone();
    let faults: BTreeSet<String> =
        s.timeline.iter().filter(|e| matches!(e, Event::Fault(_))).map(|e| e.name().to_owned()).collect();
    out.timeline.retain(|e| match e {
        Event::Fault(_) => false,
        Event::Action(a) => !matches!(&a.act, Act::EndFault(f) if faults.contains(f)),
        _ => true,
    });
    out.run.duration_s = o.steady_duration_s;
    out.run.warmup_s = 0.0;
    out.run.replicates = 1;
    out.run.bucket_s = None;
    out
}
