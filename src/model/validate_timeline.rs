//! Validation of the timeline and the SLOs: every problem at once, at the line of the entry's
//! `name:`, naming the node it concerns.

use super::topology_index::TopologyIndex;
use super::validate::{Checker, Problem, Severity, validate};
use super::{Act, AlarmRule, Event, Metric, Node, NodeKind, Rollout, Scenario, Scope, Span, Trigger, param};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

mod faults;
use faults::check_fault;

/// Most changes one node may have on a timeline: every subset of them is a configuration the run
/// may reach (changes can be applied and rolled back in any order), compiled before the run.
pub const MAX_CHANGES_PER_NODE: usize = 6;

/// The 1-based line of the timeline entry named `name` (its `name:` after `timeline:`), by one scan
/// of the text: what [`LineIndex::event_line`](super::validate::LineIndex::event_line) must answer.
#[cfg(test)]
pub(super) fn line_of_event(text: &str, name: &str) -> Option<usize> {
    let start = text.lines().position(|l| l.trim_start().starts_with("timeline"))?;
    let quoted = format!("\"{name}\"");
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| {
            let t = l.trim_start();
            t.starts_with("name") && t.contains(&quoted)
        })
        .map(|(i, _)| i + 1)
}

/// The largest span, in whole milliseconds, that divides every period the run must measure
/// exactly: the SLO window and every alarm's period, interval and window. Time-series buckets must
/// divide it.
pub fn measurement_grid_ms(s: &Scenario) -> u64 {
    let ms = |span: Span| (span.0 * 1000.0).round().clamp(1.0, 1e15) as u64;
    let mut g = ms(s.slo.window);
    for e in &s.timeline {
        if let Event::Alarm(a) = e {
            let spans = match &a.rule {
                AlarmRule::CloudWatch { period, .. } => vec![*period],
                AlarmRule::Prometheus { interval, window, .. } => vec![*interval, *window],
            };
            for sp in spans {
                g = gcd(g, ms(sp));
            }
        }
    }
    g.max(1)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

struct Ctx<'a, 'c> {
    c: &'a mut Checker<'c>,
    s: &'a Scenario,
    index: &'a TopologyIndex<'a>,
    /// By changed node: its [`neighbourhood`] as the changes are checked against it, with its
    /// errors and its key-rate findings, computed once per node (not once per change).
    base: BTreeMap<String, (Scenario, BTreeSet<String>, BTreeSet<String>)>,
    /// The lengths of the services' names.
    service_name_lengths: OnceCell<BTreeSet<usize>>,
}

impl Ctx<'_, '_> {
    fn problem(&mut self, sev: Severity, event: &Event, node: Option<&str>, message: String) {
        let line = self.c.lines().and_then(|l| l.event_line(event.name()));
        let what = format!("{} \"{}\": {message}", event.kind().label(), event.name());
        self.c.push_at(sev, line, node, what);
    }
    fn error(&mut self, event: &Event, message: String) {
        let node = event.target().filter(|t| self.index.node(t).is_some()).map(str::to_owned);
        self.problem(Severity::Error, event, node.as_deref(), message);
    }

    /// Seconds from the start of `at`, checked to lie inside the run.
    fn time(&mut self, event: &Event, what: &str, at: super::At) -> Option<f64> {
        let t = at.offset_s(self.s.run.start);
        let d = self.s.run.duration_s;
        if !t.is_finite() || t < 0.0 || (d.is_finite() && t >= d) {
            let clock = if matches!(at, super::At::Clock(_)) && self.s.run.start.0 == 0 {
                " (a time of day is read against run.start, which is not set)"
            } else {
                ""
            };
            self.error(event, format!("{what} {at} is {t} s after the start, outside the run (0 to {d} s){clock}"));
            return None;
        }
        Some(t)
    }

    fn span(&mut self, event: &Event, what: &str, span: Span, positive: bool) -> bool {
        let ok = span.0.is_finite() && if positive { span.0 > 0.0 } else { span.0 >= 0.0 } && span.0 < 1e9;
        if !ok {
            let want = if positive { "> 0" } else { ">= 0" };
            self.error(event, format!("{what} must be {want} (and below 1e9 s), got {span}"));
        }
        ok
    }
}

/// Checks the SLOs and every timeline entry.
pub(super) fn check(c: &mut Checker<'_>, s: &Scenario, index: &TopologyIndex<'_>) {
    check_slo(c, s);
    let mut cx = Ctx { c: &mut *c, s, index, base: BTreeMap::new(), service_name_lengths: OnceCell::new() };
    let mut names = BTreeSet::new();
    for e in &s.timeline {
        if e.name().trim().is_empty() {
            cx.error(e, "every timeline entry needs a name".into());
        } else if !names.insert(e.name()) || index.node(e.name()).is_some() {
            cx.error(e, "the name is used twice (by another entry or a node)".into());
        }
    }
    let kinds: BTreeMap<&str, super::EventKind> = s.timeline.iter().map(|e| (e.name(), e.kind())).collect();
    for e in &s.timeline {
        match e {
            Event::Change(ch) => check_change(&mut cx, e, ch),
            Event::Fault(f) => check_fault(&mut cx, e, f),
            Event::Traffic(t) => {
                cx.time(e, "at", t.at);
                cx.span(e, "duration", t.duration, true);
                if !matches!(index.node(&t.clients), Some(Node::Clients(_))) {
                    cx.error(e, format!("\"{}\" is not a client population", t.clients));
                }
                if !(t.rate_rps.is_finite() && t.rate_rps >= 0.0 && t.rate_rps <= 1e7) {
                    cx.error(e, format!("rate_rps must be between 0 and 1e7, got {}", t.rate_rps));
                }
                if let super::TrafficSource::Attack { sources: 0 } = t.from {
                    cx.error(e, "an attack needs at least 1 source address".into());
                }
            }
            Event::Alarm(a) => check_alarm(&mut cx, e, a),
            Event::Action(a) => {
                match &a.trigger {
                    Trigger::At(at) => {
                        cx.time(e, "trigger", *at);
                    }
                    Trigger::Alarm(name) => {
                        if kinds.get(name.as_str()) != Some(&super::EventKind::Alarm) {
                            cx.error(e, format!("no alarm is named \"{name}\""));
                        }
                    }
                }
                if let super::Response::Human(h) = &a.response {
                    for (phase, d) in [
                        ("acknowledge", &h.acknowledge),
                        ("investigate", &h.investigate),
                        ("identify", &h.identify),
                        ("act", &h.act),
                    ] {
                        if let Some(msg) = d.as_dist().problem() {
                            cx.error(e, format!("{phase}: {}", msg.replace("_ms", "")));
                        }
                    }
                } else if let super::Response::Automatic { delay } = a.response {
                    cx.span(e, "delay", delay, false);
                }
                let is = |n: &String, kind| kinds.get(n.as_str()) == Some(&kind);
                match &a.act {
                    Act::Rollback(n) | Act::Apply(n) if !is(n, super::EventKind::Change) => {
                        cx.error(e, format!("no change is named \"{n}\""));
                    }
                    Act::EndFault(n) if !is(n, super::EventKind::Fault) => {
                        cx.error(e, format!("no fault is named \"{n}\""));
                    }
                    Act::Scale { service, instances, startup } => {
                        match index.node(service) {
                            Some(Node::Service(svc)) if *instances > svc.instance_slots().max(svc.instances) => {
                                cx.error(
                                    e,
                                    format!(
                                        "{service} can run {} instances (its `instances`, or `max_replicas` when it autoscales); scaling to {instances} needs more",
                                        svc.instance_slots()
                                    ),
                                );
                            }
                            Some(Node::Service(_)) => {}
                            _ => cx.error(e, format!("\"{service}\" is not a service")),
                        }
                        cx.span(e, "startup", *startup, false);
                    }
                    Act::ShiftTraffic { clients, to, share } => {
                        if !matches!(index.node(clients), Some(Node::Clients(_))) {
                            cx.error(e, format!("\"{clients}\" is not a client population"));
                        } else if index.link(clients, to).is_none() {
                            cx.error(e, format!("{clients} has no link to \"{to}\""));
                        }
                        if !(0.0..=1.0).contains(share) {
                            cx.error(e, format!("share must be between 0 and 1, got {share}"));
                        }
                    }
                    Act::RoutingControl { dns, record, .. } => match index.node(dns) {
                        Some(Node::Dns(d)) if d.records.iter().any(|r| &r.target == record) => {}
                        Some(Node::Dns(_)) => cx.error(e, format!("{dns} has no record for \"{record}\"")),
                        _ => cx.error(e, format!("\"{dns}\" is not a DNS node")),
                    },
                    _ => {}
                }
            }
        }
    }
    check_change_sets(&mut cx);
    check_variants(c, s);
}

/// The 1-based line of the variant named `name` (its `name:` after `variants:`), by one scan of
/// the text: what [`LineIndex::variant_line`](super::validate::LineIndex::variant_line) must answer.
#[cfg(test)]
fn line_of_variant(text: &str, name: &str) -> Option<usize> {
    let start = text.lines().position(|l| l.trim_start().starts_with("variants"))?;
    let quoted = format!("\"{name}\"");
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.trim_start().starts_with("name") && l.contains(&quoted))
        .map(|(i, _)| i + 1)
}

/// The messages of the errors among `problems`.
fn errors(problems: Vec<Problem>) -> BTreeSet<String> {
    problems.into_iter().filter(|p| p.severity == Severity::Error).map(|p| p.message).collect()
}

/// Every variant applies and gives a valid scenario.
fn check_variants(c: &mut Checker<'_>, s: &Scenario) {
    let mut names = BTreeSet::new();
    // The scenario without its variants, validated once for all of them.
    let before: OnceCell<BTreeSet<String>> = OnceCell::new();
    for v in &s.variants {
        let line = c.lines().and_then(|l| l.variant_line(&v.name));
        if !names.insert(v.name.as_str()) {
            c.push_at(Severity::Error, line, None, format!("variant \"{}\": the name is used twice", v.name));
            continue;
        }
        match s.variant(&v.name) {
            Err(e) => c.push_at(Severity::Error, line, None, e),
            Ok(vs) => {
                let before = before.get_or_init(|| {
                    let mut base = s.clone();
                    base.variants.clear();
                    errors(validate(&base, None))
                });
                for p in validate(&vs, None) {
                    if p.severity == Severity::Error && !before.contains(&p.message) {
                        c.push_at(
                            Severity::Error,
                            line,
                            p.node.as_deref(),
                            format!("variant \"{}\": {}", v.name, p.message),
                        );
                    }
                }
            }
        }
    }
}

fn check_slo(c: &mut Checker<'_>, s: &Scenario) {
    let slo = &s.slo;
    let mut bad = |m: String| c.error(None, format!("slo: {m}"));
    if !(slo.availability > 0.0 && slo.availability < 1.0) {
        bad(format!("availability must be between 0 and 1 (e.g. 0.999), got {}", slo.availability));
    }
    if let Some(l) = slo.latency_p99_ms
        && !(l.is_finite() && l > 0.0)
    {
        bad(format!("latency_p99_ms must be > 0, got {l}"));
    }
    if !(0.0..=100.0).contains(&slo.users_impacted_pct) {
        bad(format!("users_impacted_pct must be between 0 and 100, got {}", slo.users_impacted_pct));
    }
    for (what, span, positive) in
        [("window", slo.window, true), ("hold", slo.hold, false), ("budget_period", slo.budget_period, true)]
    {
        let ok = span.0.is_finite() && span.0 < 1e9 && if positive { span.0 >= 0.001 } else { span.0 >= 0.0 };
        if !ok {
            bad(format!("{what} must be {} and below 1e9 s, got {span}", if positive { ">= 1ms" } else { ">= 0" }));
        }
    }
    if let Some(b) = s.run.bucket_s
        && b.is_finite()
        && b > 0.0
    {
        let grid = measurement_grid_ms(s);
        let bucket_ms = (b * 1000.0).round() as u64;
        if bucket_ms == 0 || !grid.is_multiple_of(bucket_ms) || (b * 1000.0 - bucket_ms as f64).abs() > 1e-6 {
            bad(format!(
                "run.bucket_s {b} must divide the SLO window and every alarm period, interval and window ({} s); leave it unset to have one chosen",
                grid as f64 / 1000.0
            ));
        }
    }
}

fn check_change(cx: &mut Ctx<'_, '_>, e: &Event, ch: &super::Change) {
    let start = ch.at.and_then(|at| cx.time(e, "at", at));
    if let Some(rb) = ch.rollback_at
        && let Some(t) = cx.time(e, "rollback_at", rb)
        && start.is_some_and(|s0| t <= s0)
    {
        cx.error(e, format!("rollback_at {rb} must come after at"));
    }
    let kind = cx.index.node(&ch.node).map(Node::kind);
    match kind {
        None => return cx.error(e, format!("no node is named \"{}\"", ch.node)),
        Some(NodeKind::Dns | NodeKind::DataStore) => {
            return cx.error(
                e,
                format!(
                    "\"{}\" is a DNS name or a data store: timeline changes configure gateways, load balancers and services",
                    ch.node
                ),
            );
        }
        Some(NodeKind::Clients) => {
            return cx.error(
                e,
                format!(
                    "\"{}\" is a client population: a change configures a gateway, load balancer or service (use a Traffic event or a ShiftTraffic action for clients)",
                    ch.node
                ),
            );
        }
        _ => {}
    }
    if ch.set.is_empty() {
        cx.error(e, "set at least one parameter".into());
    }
    if let Rollout::Staged { stages, .. } = &ch.rollout {
        if stages.is_empty() {
            cx.error(e, "a staged rollout needs at least one stage".into());
        }
        let mut prev = 0.0;
        for st in stages {
            if !(st.share > 0.0 && st.share <= 1.0) || st.share < prev {
                cx.error(e, format!("stage shares must be in (0, 1] and not decrease, got {}", st.share));
            }
            prev = st.share;
            cx.span(e, "stage duration", st.duration, true);
        }
    }
    check_changed_topology(cx, e, &[ch]);
}

/// Applies `changes` (to one node, in order) and reports what is wrong with the result: a path or
/// value that does not fit, or a configuration the scenario's validation (and so the product)
/// refuses.
fn check_changed_topology(cx: &mut Ctx<'_, '_>, e: &Event, changes: &[&super::Change]) {
    let Some(first) = changes.first() else { return };
    let node = first.node.as_str();
    // The node's neighbourhood without its timeline, as it is before the changes: validated once
    // per node, not once per change.
    if !cx.base.contains_key(node) {
        let around = neighbourhood(cx.s, cx.index, node);
        let known = super::lint::key_rates(&around).into_iter().map(|f| f.message).collect();
        let before = errors(validate(&around, None));
        cx.base.insert(node.to_owned(), (around, before, known));
    }
    let Some((around, _, _)) = cx.base.get(node) else { return };
    let mut changed = around.clone();
    for ch in changes {
        if let Err(msg) = param::apply(&mut changed.topology, &ch.node, &ch.set) {
            let prefix = if changes.len() > 1 { "after the earlier changes of this node, " } else { "" };
            return cx.error(e, format!("{prefix}{msg}"));
        }
    }
    let Some((_, before, known)) = cx.base.get(node) else { return };
    let new_errors: Vec<String> = validate(&changed, None)
        .into_iter()
        .filter(|p| p.severity == Severity::Error && !before.contains(&p.message))
        .map(|p| p.message)
        .collect();
    // A rate limit the change tightens below a key's legitimate peak (the first seed incident).
    let new_findings: Vec<_> =
        super::lint::key_rates(&changed).into_iter().filter(|f| !known.contains(&f.message)).collect();
    for message in new_errors {
        let prefix = if changes.len() > 1 { "together with the earlier changes of this node, " } else { "" };
        cx.error(e, format!("{prefix}the changed configuration is invalid: {message}"));
    }
    for f in new_findings {
        let node = f.gateway.clone();
        cx.problem(Severity::Warning, e, Some(&node), format!("after this change, {}", f.message));
    }
}

/// The part of `s` that a change of `node` can make invalid, as a scenario without timeline or
/// variants: the node, every node it links to or from, the links touching it, and every link of
/// the populations that send to it (a rate limit's per-key rate needs the population's share of
/// links to the gateway). A change cannot rename a node, add or remove a link or touch another
/// node, and every check of `validate` concerns one node and its links (the rest of the file is
/// the same before and after, so its problems cancel out when the two are compared): validating
/// this part before and after the change finds what the change breaks in time proportional to the
/// node's degree, not to the file (a file of 100,000 nodes and 200 changes took minutes).
fn neighbourhood(s: &Scenario, index: &TopologyIndex<'_>, node: &str) -> Scenario {
    let mut links: BTreeSet<usize> = BTreeSet::new();
    let mut nodes: BTreeSet<usize> = index.nodes_named(node).iter().copied().collect();
    for (li, l) in index.links_from(node).chain(index.links_to(node)) {
        links.insert(li);
        nodes.extend(index.nodes_named(&l.from).iter().chain(index.nodes_named(&l.to)));
    }
    for i in index.senders(node) {
        if let Some(Node::Clients(p)) = index.node_at(i) {
            links.extend(index.links_from(&p.name).map(|(li, _)| li));
        }
    }
    let topo = &s.topology;
    Scenario {
        format_version: s.format_version,
        name: s.name.clone(),
        description: String::new(),
        run: s.run.clone(),
        topology: super::Topology {
            regions: topo.regions.clone(),
            nodes: nodes.into_iter().filter_map(|i| topo.nodes.get(i).cloned()).collect(),
            links: links.into_iter().filter_map(|i| topo.links.get(i).cloned()).collect(),
            region_rtt: topo.region_rtt.clone(),
        },
        slo: s.slo.clone(),
        timeline: Vec::new(),
        variants: Vec::new(),
        prices: s.prices.clone(),
        business: None,
    }
}

/// Changes of one node are applied together in timeline order; at most
/// [`MAX_CHANGES_PER_NODE`] per node.
fn check_change_sets(cx: &mut Ctx<'_, '_>) {
    let s = cx.s;
    let mut by_node: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in &s.timeline {
        if let Event::Change(ch) = e {
            by_node.entry(ch.node.as_str()).or_default().push(e);
        }
    }
    for (node, events) in by_node {
        if events.len() > MAX_CHANGES_PER_NODE {
            cx.error(
                events[MAX_CHANGES_PER_NODE],
                format!("{node} has {} changes; at most {MAX_CHANGES_PER_NODE} per node", events.len()),
            );
            continue;
        }
        if events.len() > 1 {
            let changes: Vec<&super::Change> =
                events.iter().filter_map(|e| if let Event::Change(c) = e { Some(c) } else { None }).collect();
            if let Some(last) = events.last() {
                check_changed_topology(cx, last, &changes);
            }
        }
    }
}

fn check_alarm(cx: &mut Ctx<'_, '_>, e: &Event, a: &super::Alarm) {
    if !a.threshold.is_finite() {
        cx.error(e, format!("threshold must be a finite number, got {}", a.threshold));
    }
    match (&a.scope, a.metric.is_node_metric()) {
        (Scope::Node(n), true) => {
            let kind = cx.index.node(n).map(Node::kind);
            let fits = match a.metric {
                Metric::RejectedShare => matches!(kind, Some(NodeKind::Gateway | NodeKind::LoadBalancer)),
                _ => kind == Some(NodeKind::Service),
            };
            if kind.is_none() {
                cx.error(e, format!("no node is named \"{n}\""));
            } else if !fits {
                let want = if a.metric == Metric::RejectedShare { "a gateway or load balancer" } else { "a service" };
                cx.error(e, format!("{} is measured on {want}, and {n} is not one", a.metric.label()));
            }
        }
        (_, true) => cx.error(e, format!("{} is a node's figure: give scope Node(\"...\")", a.metric.label())),
        (Scope::Node(n), false) => cx.error(
            e,
            format!(
                "{} counts answers to clients: use scope System or Route(\"/path\"), not Node(\"{n}\")",
                a.metric.label()
            ),
        ),
        (Scope::Route(p), false) if !p.starts_with('/') => {
            cx.error(e, format!("route \"{p}\" must start with /"));
        }
        _ => {}
    }
    if let Metric::CauseShare(crate::metrics::Outcome::Success) = a.metric {
        cx.error(e, "CauseShare takes a failure cause, not success (use SuccessRps)".into());
    }
    match &a.rule {
        AlarmRule::CloudWatch { period, evaluation_periods, datapoints_to_alarm, .. } => {
            let p = period.0;
            let allowed = [10.0, 20.0, 30.0].contains(&p) || (p >= 60.0 && p % 60.0 == 0.0);
            if !allowed {
                cx.error(e, format!("CloudWatch period must be 10s, 20s, 30s or a multiple of 60s, got {period}"));
            }
            let n = *evaluation_periods;
            let m = datapoints_to_alarm.unwrap_or(n);
            if n == 0 || m == 0 || m > n {
                cx.error(e, format!("need 1 <= datapoints_to_alarm ({m}) <= evaluation_periods ({n})"));
            }
            let limit = if p < 3600.0 { 86_400.0 } else { 604_800.0 };
            if p * f64::from(n) > limit {
                cx.error(
                    e,
                    format!(
                        "period x evaluation_periods is {} s; CloudWatch allows at most {limit} s",
                        p * f64::from(n)
                    ),
                );
            }
        }
        AlarmRule::Prometheus { interval, window, hold, keep_firing_for } => {
            cx.span(e, "interval", *interval, true);
            cx.span(e, "window", *window, true);
            cx.span(e, "for", *hold, false);
            cx.span(e, "keep_firing_for", *keep_firing_for, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_after_the_timeline_key() {
        let text = "nodes: [(\n    name: \"a\")],\ntimeline: [\n  Fault((\n    name: \"a\",\n";
        assert_eq!(line_of_event(text, "a"), Some(5));
        assert_eq!(super::super::validate::line_of_name(text, "a"), Some(2));
    }

    use super::super::validate::tests::tricky_name as name;
    use super::super::validate::{LineIndex, line_of_name};
    use proptest::prelude::*;

    /// A line of a scenario-like text: `name: "..."` fields in the places they occur, section
    /// keys, and noise.
    fn line() -> impl Strategy<Value = String> {
        let field = (
            prop_oneof![Just(""), Just("    "), Just("  ("), Just("Fault(("), Just("x_")],
            prop_oneof![Just("name"), Just("names"), Just("rename"), Just("_name")],
            prop_oneof![Just(":"), Just(" : "), Just(": "), Just("")],
            0..4usize,
            prop_oneof![Just("\","), Just("\""), Just(""), Just("\", target: \"b\")")],
        )
            .prop_map(|(pre, key, colon, n, post)| format!("{pre}{key}{colon}\"§{n}{post}"));
        prop_oneof![
            4 => field,
            1 => Just("timeline: [".to_string()),
            1 => Just("  variants: [".to_string()),
            1 => (0..4usize).prop_map(|n| format!("§{n}")),
        ]
    }

    proptest! {
        /// The index answers exactly what one scan of the text answers, for any text and name.
        #[test]
        fn the_line_index_answers_what_the_scans_answer(
            lines in proptest::collection::vec(line(), 0..14),
            names in proptest::collection::vec(name(), 4),
        ) {
            // Lines name the same few names the test looks up, so that they meet.
            let mut text = lines.join("\n");
            for (i, n) in names.iter().enumerate() {
                text = text.replace(&format!("§{i}"), n);
            }
            let index = LineIndex::new(&text);
            for n in &names {
                prop_assert_eq!(index.name_line(n), line_of_name(&text, n), "name {:?} in {:?}", n, text);
                prop_assert_eq!(index.event_line(n), line_of_event(&text, n), "event {:?} in {:?}", n, text);
                prop_assert_eq!(index.variant_line(n), line_of_variant(&text, n), "variant {:?} in {:?}", n, text);
            }
        }
    }
}
