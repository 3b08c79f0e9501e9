//! Validation of the timeline's faults: what a target names (a node, an instance, a link, a
//! region, a zone, a pair of regions) and which fault kinds apply to it.

use super::super::topology_index::TopologyIndex;
use super::super::{FaultKind, Node, NodeKind};
use super::{Ctx, Event};

/// What a fault's target is.
enum Target<'a> {
    Node(&'a Node),
    Instance,
    Link,
    /// A declared region: an outage of everything in it.
    Region,
    /// Two declared regions: the network between them.
    RegionPair,
    /// A zone of a region: the instances placed in it.
    Zone,
}

fn fault_target<'a>(index: &TopologyIndex<'a>, regions: &[super::super::Region], t: &str) -> Option<Target<'a>> {
    if let Some(n) = index.node(t) {
        return Some(Target::Node(n));
    }
    let is_region = |name: &str| regions.iter().any(|r| r.name == name.trim());
    if is_region(t) {
        return Some(Target::Region);
    }
    if let Some((r, z)) = t.split_once('/')
        && regions.iter().any(|x| x.name == r.trim() && x.zones.iter().any(|y| y == z.trim()))
    {
        return Some(Target::Zone);
    }
    if let Some((a, b)) = t.split_once("->")
        && is_region(a)
        && is_region(b)
        && a.trim() != b.trim()
    {
        return Some(Target::RegionPair);
    }
    if let Some((a, b)) = t.split_once("->") {
        return index.link(a.trim(), b.trim()).map(|_| Target::Link);
    }
    is_instance(index, t).then_some(Target::Instance)
}

/// True when `t` is the name of an instance of some service ([`Service::instance_name`]
/// (super::super::Service::instance_name)). A single instance is named like its service, which is a
/// node's name, so only `<service>-<i>` remains: the service is named by what comes before the
/// last `-` (an index has none), and `i` is written in decimal without leading zeros.
fn is_instance(index: &TopologyIndex<'_>, t: &str) -> bool {
    let Some((base, digits)) = t.rsplit_once('-') else { return false };
    let Ok(i) = digits.parse::<u32>() else { return false };
    if i.to_string() != digits {
        return false;
    }
    index.nodes_named(base).iter().any(|&k| match index.node_at(k) {
        Some(Node::Service(svc)) => svc.instance_slots() > 1 && i < svc.instance_slots(),
        _ => false,
    })
}

pub(super) fn check_fault(cx: &mut Ctx<'_, '_>, e: &Event, f: &super::super::Fault) {
    let s = cx.s;
    let start = cx.time(e, "at", f.at);
    match (f.duration, f.end) {
        (Some(_), Some(_)) => cx.error(e, "give duration or end, not both".into()),
        (Some(d), None) => {
            cx.span(e, "duration", d, true);
        }
        (None, Some(end)) => {
            let t = end.offset_s(s.run.start);
            if start.is_some_and(|s0| t <= s0) {
                cx.error(e, format!("end {end} must come after at"));
            }
        }
        (None, None) => {}
    }
    let Some(target) = fault_target(cx.index, &s.topology.regions, &f.target) else {
        return cx.error(
            e,
            format!(
                "target \"{}\": no node, service instance (like payments-0), link (a->b), region, zone (region/zone) or pair of regions (r1->r2) has this name",
                f.target
            ),
        );
    };
    if let Target::Node(Node::Dns(_) | Node::DataStore(_)) = target {
        return cx.error(
            e,
            format!(
                "target \"{}\": a DNS name or a data store does not fail by itself here; fail its region (a region outage loses a data store's primary) or the targets of its records",
                f.target
            ),
        );
    }
    let kind = match &target {
        Target::Node(n) => Some(n.kind()),
        _ => None,
    };
    let service_like = matches!(target, Target::Instance) || kind == Some(NodeKind::Service);
    let ok = match &f.kind {
        FaultKind::Down => kind != Some(NodeKind::Clients),
        _ if matches!(target, Target::Region | Target::Zone) => false,
        FaultKind::Errors { share, status } => {
            if !(0.0..=1.0).contains(share) {
                cx.error(e, format!("share must be between 0 and 1, got {share}"));
            }
            if !(400..=599).contains(status) {
                cx.error(e, format!("status must be an HTTP error status (400 to 599), got {status}"));
            }
            !matches!(target, Target::Link | Target::RegionPair) && kind != Some(NodeKind::Clients)
        }
        FaultKind::Latency { added } => {
            if let Some(m) = added.problem() {
                cx.error(e, format!("added: {m}"));
            }
            service_like || matches!(target, Target::Link | Target::RegionPair) || kind == Some(NodeKind::Gateway)
        }
        FaultKind::Slowdown { factor } => {
            if !(factor.is_finite() && *factor > 0.0 && *factor <= 1e6) {
                cx.error(e, format!("factor must be > 0 (and at most 1e6), got {factor}"));
            }
            service_like
        }
        FaultKind::Exhaustion { after, restart } => {
            cx.span(e, "after", *after, true);
            cx.span(e, "restart", *restart, false);
            let svc = match &target {
                Target::Node(Node::Service(svc)) => Some(svc),
                Target::Instance => first_service_prefixing(cx, &f.target),
                _ => None,
            };
            if svc.is_some_and(|svc| svc.queue_capacity.is_none()) {
                cx.error(e, "the service's queue is unbounded, so it is never full: set queue_capacity".into());
            }
            service_like
        }
    };
    if !ok {
        let what = match target {
            Target::Link => "a link".to_owned(),
            Target::Instance => "an instance".to_owned(),
            Target::Region => "a region (only Down: an outage)".to_owned(),
            Target::Zone => "an availability zone (only Down: a zone's loss)".to_owned(),
            Target::RegionPair => "the network between two regions (Down: a partition; Latency: degraded)".to_owned(),
            Target::Node(n) => format!("a {}", n.kind().label()),
        };
        cx.error(e, format!("a {} fault cannot apply to {what} ({})", fault_word(&f.kind), f.target));
    }
}

/// The first service in the file whose name `t` starts with. Looked up by the prefixes of `t` as
/// long as some service's name, rather than by a scan of every node per fault.
fn first_service_prefixing<'a>(cx: &Ctx<'a, '_>, t: &str) -> Option<&'a super::super::Service> {
    let lengths = cx.service_name_lengths.get_or_init(|| {
        cx.s.topology
            .nodes
            .iter()
            .filter_map(|n| if let Node::Service(svc) = n { Some(svc.name.len()) } else { None })
            .collect()
    });
    lengths
        .range(..=t.len())
        .filter_map(|&len| t.get(..len))
        .flat_map(|prefix| cx.index.nodes_named(prefix).iter().copied())
        .filter(|&k| matches!(cx.index.node_at(k), Some(Node::Service(_))))
        .min()
        .and_then(|k| match cx.index.node_at(k) {
            Some(Node::Service(svc)) => Some(svc),
            _ => None,
        })
}

fn fault_word(k: &FaultKind) -> &'static str {
    match k {
        FaultKind::Down => "Down",
        FaultKind::Errors { .. } => "Errors",
        FaultKind::Latency { .. } => "Latency",
        FaultKind::Slowdown { .. } => "Slowdown",
        FaultKind::Exhaustion { .. } => "Exhaustion",
    }
}
