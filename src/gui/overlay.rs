//! What a report says about each node and link, computed as plain data before anything is drawn:
//! the canvas badges and edge labels, for the whole summary window or one scrubbed time bucket;
//! for the whole window, each client population's share of users hurt and, under a gateway, why
//! a rate limit hurt them.

use super::theme;
use crate::model::{Node, NodeKind, Scenario};
use crate::report::Report;
use egui::Color32;
use std::collections::BTreeMap;

/// A node's status badge.
#[derive(Clone, Debug, PartialEq)]
pub struct Badge {
    /// E.g. `78%` or `12% rej`.
    pub text: String,
    /// Its colour (by load or error share).
    pub colour: Color32,
}

/// A link's traffic.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkLoad {
    /// E.g. `123 r/s`, or `123 r/s · 18% failed` when its callee failed a share of them.
    pub text: String,
    /// Its rate as a share of the busiest link's (0 to 1).
    pub share: f64,
    /// The share of the requests crossing it that then failed at its callee (0 to 1): rejected
    /// by a gateway or balancer, turned away or answered with an error by a service.
    pub failed: f64,
}

/// Badges and link loads by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    /// By node name.
    pub nodes: BTreeMap<String, Badge>,
    /// By `(from, to)`.
    pub links: BTreeMap<(String, String), LinkLoad>,
    /// Callouts under a node's card, by node name: why a gateway's rate limit hurt a population
    /// (`mobile-users: 20,000 users share 6 addresses: 16 r/s per address against 10 r/s`).
    pub callouts: BTreeMap<String, Vec<String>>,
}

/// A client card's badge text: `94.1% hurt`.
pub fn hurt_text(pct: f64) -> String {
    format!("{} hurt", crate::report::who::pct_words(pct).replace(' ', ""))
}

/// A rate in words: `560 r/s`, `1.2k r/s`.
pub fn rate_text(rps: f64) -> String {
    if rps >= 10_000.0 {
        format!("{:.0}k r/s", rps / 1000.0)
    } else if rps >= 1000.0 {
        format!("{:.1}k r/s", rps / 1000.0)
    } else if rps >= 10.0 {
        format!("{rps:.0} r/s")
    } else {
        format!("{rps:.1} r/s")
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
}

/// The share of the requests reaching node `name` that it failed itself, in bucket `bucket` or
/// over the buckets from `first` (the summary window); None when nothing reached it or the
/// report has no node series.
fn failed_share(report: &Report, name: &str, bucket: Option<usize>, first: usize) -> Option<f64> {
    let n = report.series.nodes.iter().find(|n| n.name == name)?;
    let (arrived, failed) = match bucket {
        Some(b) => (n.arrivals_rps.get(b).copied()?, n.failed_rps.get(b).copied()?),
        None => (
            n.arrivals_rps.get(first..).unwrap_or(&[]).iter().sum(),
            n.failed_rps.get(first..).unwrap_or(&[]).iter().sum(),
        ),
    };
    (arrived > 0.0).then(|| (failed / arrived).clamp(0.0, 1.0))
}

/// Shares failed below this are not shown on badges and links.
const SHOWN_FAILED: f64 = 0.01;

/// The overlay of a report: over the summary window (`bucket` None) or at one time bucket.
/// Services show utilisation, or the share of their requests they failed (full queue, error
/// answers) when it is 1% or more; gateways and balancers their arrival rate, or the share they
/// rejected when 1% or more; links their crossings per second (none into a DNS name or a data
/// store) and the share of them that failed at their callee. The same rules at a scrubbed bucket as over
/// the window.
pub fn overlay(report: &Report, scenario: &Scenario, bucket: Option<usize>) -> Overlay {
    let mut out = Overlay::default();
    let window_s = (report.duration_s - report.warmup_s).max(1e-9);
    let first = report.series.t_s.iter().position(|&t| t >= report.warmup_s).unwrap_or(0);
    let at = |v: &[f64]| -> f64 {
        match bucket {
            Some(b) => v.get(b).copied().unwrap_or(0.0),
            None => mean(v.get(first..).unwrap_or(&[])),
        }
    };
    let mut busiest: f64 = 0.0;
    // Links into a DNS name or a data store carry no requests of their own (clients resolve and
    // then go to the answer; a service's calls to its store are part of its work): no rate.
    let unmeasured = |to: &str| matches!(scenario.topology.node(to), Some(Node::Dns(_) | Node::DataStore(_)));
    for l in report.series.links.iter().filter(|l| !unmeasured(&l.to)) {
        let rps = at(&l.rps);
        busiest = busiest.max(rps);
        let failed_rps = at(&l.failed_rps);
        let failed = if rps > 0.0 { (failed_rps / rps).clamp(0.0, 1.0) } else { 0.0 };
        let text = if failed >= SHOWN_FAILED {
            format!("{} · {:.0}% failed", rate_text(rps), 100.0 * failed)
        } else {
            rate_text(rps)
        };
        out.links.insert((l.from.clone(), l.to.clone()), LinkLoad { text, share: rps, failed });
    }
    for load in out.links.values_mut() {
        load.share = if busiest > 0.0 { load.share / busiest } else { 0.0 };
    }
    for n in &report.nodes {
        let failed = failed_share(report, &n.name, bucket, first);
        let badge = match (&n.service, n.kind) {
            (Some(s), _) => {
                let series = report.series.services.iter().find(|x| x.name == n.name);
                let util = match (bucket, series) {
                    (Some(_), Some(x)) => at(&x.utilisation),
                    _ => s.utilisation,
                };
                // Without node series (an older report), the summary's share turned away.
                let failed = failed.or((bucket.is_none()).then_some(s.blocking_probability)).unwrap_or(0.0);
                if failed >= SHOWN_FAILED {
                    Badge { text: format!("{:.0}% failed", 100.0 * failed), colour: theme::error_colour(failed) }
                } else {
                    Badge { text: format!("{:.0}%", 100.0 * util), colour: theme::load_colour(util) }
                }
            }
            (None, NodeKind::Gateway | NodeKind::LoadBalancer) => {
                let failed =
                    failed.or((bucket.is_none() && n.arrivals > 0.0).then(|| n.rejected / n.arrivals)).unwrap_or(0.0);
                if failed >= SHOWN_FAILED {
                    Badge { text: format!("{:.0}% rej", 100.0 * failed), colour: theme::error_colour(failed) }
                } else {
                    let rps = match bucket {
                        Some(b) => report
                            .series
                            .links
                            .iter()
                            .filter(|l| l.to == n.name)
                            .map(|l| l.rps.get(b).copied().unwrap_or(0.0))
                            .sum(),
                        None => n.arrivals / window_s,
                    };
                    Badge { text: rate_text(rps), colour: theme::TEXT_DIM }
                }
            }
            (None, _) => continue,
        };
        out.nodes.insert(n.name.clone(), badge);
    }
    if bucket.is_some() {
        return out;
    }
    // Each client population's share of its users impacted over the window.
    let hurt = |pct: f64| Badge { text: hurt_text(pct), colour: theme::error_colour(pct / 100.0) };
    for p in &report.populations {
        if matches!(scenario.topology.node(&p.name), Some(Node::Clients(_))) {
            out.nodes.insert(p.name.clone(), hurt(p.users_impacted_pct));
        }
    }
    // A report without per-population figures (an older file): with one population, the whole
    // run's share is that population's.
    let clients: Vec<_> = scenario.topology.nodes.iter().filter(|n| n.kind() == NodeKind::Clients).collect();
    if let [c] = clients.as_slice()
        && report.populations.is_empty()
    {
        out.nodes.insert(c.name().to_owned(), hurt(report.summary.users_impacted_pct));
    }
    for why in &report.reasons {
        if scenario.topology.node(&why.gateway).is_some() {
            out.callouts.entry(why.gateway.clone()).or_default().push(format!("{}: {}", why.clients, why.text));
        }
    }
    out
}

/// What the last run found about one node, as `(figure, value)` rows for the inspector: arrival
/// rate, for a client population its users hurt, and for a service its utilisation, queue wait and the share turned away (with the 99%
/// confidence half-width over replicates when there are several).
pub fn node_facts(report: &Report, name: &str) -> Vec<(&'static str, String)> {
    let Some(n) = report.nodes.iter().find(|n| n.name == name) else {
        return Vec::new();
    };
    let window_s = (report.duration_s - report.warmup_s).max(1e-9);
    let ci = |figure: &str, scale: f64, unit: &str| {
        report
            .estimates
            .get(&format!("{name}.{figure}"))
            .and_then(|e| e.ci99_half_width)
            .map(|h| format!(" ± {:.2}{unit}", h * scale))
            .unwrap_or_default()
    };
    let mut rows = vec![("arrivals", rate_text(n.arrivals / window_s))];
    if let Some(p) = report.populations.iter().find(|p| p.name == name) {
        let of = format!("{:.0} of {:.0} users", p.users_impacted, p.users_active);
        rows.push(("users hurt", format!("{} · {of}", crate::report::who::pct_words(p.users_impacted_pct))));
    }
    if let Some(s) = &n.service {
        rows.push(("utilisation", format!("{:.1} %{}", 100.0 * s.utilisation, ci("utilisation", 100.0, " %"))));
        rows.push((
            "mean queue wait",
            match s.mean_queue_wait_ms {
                Some(w) => format!("{w:.2} ms{}", ci("mean_queue_wait_ms", 1.0, " ms")),
                None => "-".into(),
            },
        ));
        rows.push(("mean queue length", format!("{:.2}", s.mean_queue_len)));
        rows.push((
            "turned away (queue full)",
            format!("{:.2} %{}", 100.0 * s.blocking_probability, ci("blocking_probability", 100.0, " %")),
        ));
    }
    rows
}
