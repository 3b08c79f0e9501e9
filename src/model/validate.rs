//! Semantic validation: everything that parses but cannot be simulated meaningfully.
//!
//! [`validate`] returns every problem at once, each naming the node (and the line of the node's
//! `name:` in the file, when the text is given), so the CLI can print them together and the editor
//! can badge each node.

use super::topology_index::TopologyIndex;
use super::{Dist, Node, NodeKind, Scenario, Traffic, ready};
use petgraph::algo::tarjan_scc;
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

pub use super::validate_timeline::{MAX_CHANGES_PER_NODE, measurement_grid_ms};

/// Hard limit on time-series buckets per run, to keep memory bounded.
pub const MAX_BUCKETS: f64 = 100_000.0;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    /// The scenario cannot be simulated.
    Error,
    /// The scenario runs, but probably not as meant.
    Warning,
}

/// One problem found in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The node concerned, if any.
    pub node: Option<String>,
    /// 1-based line in the file where the node (or field) is, when known.
    pub line: Option<usize>,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl Problem {
    /// The problem as `file:line: severity: [node] message`.
    pub fn display_in<'a>(&'a self, path: &'a Path) -> impl fmt::Display + 'a {
        DisplayIn(self, path)
    }
}

struct DisplayIn<'a>(&'a Problem, &'a Path);

impl fmt::Display for DisplayIn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        write!(f, "{}", self.1.display())?;
        if let Some(line) = p.line {
            write!(f, ":{line}")?;
        }
        let sev = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {sev}: ")?;
        if let Some(node) = &p.node {
            write!(f, "[{node}] ")?;
        }
        write!(f, "{}", p.message)
    }
}

pub(super) struct Checker<'a> {
    pub(super) text: Option<&'a str>,
    /// Where names are in `text`, indexed on the first look-up.
    lines: OnceCell<Option<LineIndex<'a>>>,
    pub(super) problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(text: Option<&'a str>) -> Self {
        Checker { text, lines: OnceCell::new(), problems: Vec::new() }
    }
    /// The index of the names in the file's text (`None` without a text).
    pub(super) fn lines(&self) -> Option<&LineIndex<'a>> {
        self.lines.get_or_init(|| self.text.map(LineIndex::new)).as_ref()
    }
    fn push(&mut self, severity: Severity, node: Option<&str>, message: String) {
        let line = match (self.text, node) {
            (Some(_), Some(name)) => self.lines().and_then(|l| l.name_line(name)),
            (Some(text), None) => line_of_setting(text, &message),
            _ => None,
        };
        self.problems.push(Problem { severity, node: node.map(str::to_owned), line, message });
    }
    pub(super) fn error(&mut self, node: Option<&str>, message: String) {
        self.push(Severity::Error, node, message);
    }
    pub(super) fn warn(&mut self, node: Option<&str>, message: String) {
        self.push(Severity::Warning, node, message);
    }
    /// A problem at a known line (a timeline entry's), naming the node it concerns.
    pub(super) fn push_at(&mut self, severity: Severity, line: Option<usize>, node: Option<&str>, message: String) {
        self.problems.push(Problem { severity, node: node.map(str::to_owned), line, message });
    }
    pub(super) fn dist(&mut self, node: &str, field: &str, d: &Dist) {
        if let Some(msg) = d.problem() {
            self.error(Some(node), format!("{field}: {msg}"));
        }
    }
}

/// True when `line` holds `name: "<name>"` (spaces around the colon allowed).
fn names(line: &str, name: &str) -> bool {
    let quoted = format!("\"{name}\"");
    line.match_indices("name").any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let rest = line[i + 4..].trim_start();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && rest.strip_prefix(':').is_some_and(|r| r.trim_start().starts_with(&quoted))
    })
}

/// The 1-based line of `name: "<name>"` in RON text (the first one: nodes come before the
/// timeline). One scan of the text: [`LineIndex::name_line`] answers the same from an index.
#[cfg(test)]
pub(super) fn line_of_name(text: &str, name: &str) -> Option<usize> {
    text.lines().position(|l| names(l, name)).map(|i| i + 1)
}

/// `s` up to its first `"` (all of it when it has none).
pub(super) fn up_to_quote(s: &str) -> &str {
    s.split('"').next().unwrap_or(s)
}

/// Where names are in a scenario's text, found in one pass over it, so that a problem's line is a
/// look-up rather than a scan of the whole text (linting a file of 100,000 nodes scanned it once
/// per node before). Every look-up gives exactly the line its scan would: the index only narrows
/// the lines to test, each candidate is then tested by the scan's own predicate, in line order.
pub(super) struct LineIndex<'a> {
    lines: Vec<&'a str>,
    /// `name: "<v>"` fields (a `name` not preceded by a letter, digit or `_`; spaces around the
    /// colon): `<v>` up to the next `"`, when the line has one after the opening quote -> the
    /// 0-based lines, ascending.
    closed: HashMap<&'a str, Vec<usize>>,
    /// The same fields with no `"` after the opening quote: the rest of the line, trimmed at the
    /// end (the first line of a name that spans lines).
    open: HashMap<&'a str, Vec<usize>>,
    /// Lines that start (after spaces) with `name`: every string between two consecutive quotes.
    quoted: HashMap<&'a str, Vec<usize>>,
    /// The first line that starts (after spaces) with `timeline`, and with `variants`.
    timeline: Option<usize>,
    variants: Option<usize>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        fn add<'a>(map: &mut HashMap<&'a str, Vec<usize>>, key: &'a str, line: usize) {
            let lines = map.entry(key).or_default();
            if lines.last() != Some(&line) {
                lines.push(line);
            }
        }
        let mut ix = LineIndex {
            lines: Vec::new(),
            closed: HashMap::new(),
            open: HashMap::new(),
            quoted: HashMap::new(),
            timeline: None,
            variants: None,
        };
        for (i, l) in text.lines().enumerate() {
            ix.lines.push(l);
            let t = l.trim_start();
            if ix.timeline.is_none() && t.starts_with("timeline") {
                ix.timeline = Some(i);
            }
            if ix.variants.is_none() && t.starts_with("variants") {
                ix.variants = Some(i);
            }
            for (k, _) in l.match_indices("name") {
                if l[..k].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let Some(v) = l[k + 4..].trim_start().strip_prefix(':') else { continue };
                let Some(v) = v.trim_start().strip_prefix('"') else { continue };
                match v.find('"') {
                    Some(end) => add(&mut ix.closed, &v[..end], i),
                    None => add(&mut ix.open, v.trim_end(), i),
                }
            }
            if t.starts_with("name") {
                let mut quotes = l.match_indices('"').map(|(q, _)| q);
                if let Some(mut prev) = quotes.next() {
                    for q in quotes {
                        add(&mut ix.quoted, &l[prev + 1..q], i);
                        prev = q;
                    }
                }
            }
        }
        ix
    }

    /// The first 0-based line at or after `from` among `candidates` for which `pred` holds.
    pub(super) fn first(
        &self,
        candidates: Option<&Vec<usize>>,
        from: usize,
        pred: impl Fn(&str) -> bool,
    ) -> Option<usize> {
        let c = candidates?;
        c[c.partition_point(|&i| i < from)..].iter().copied().find(|&i| self.lines.get(i).is_some_and(|l| pred(l)))
    }

    /// Lines with a `name: "<v>...` field whose `<v>` up to its first quote is `key`.
    pub(super) fn closed(&self, key: &str) -> Option<&Vec<usize>> {
        self.closed.get(key)
    }

    /// Lines with a `name: "<v>` field with no closing quote, `<v>` (trimmed at the end) being `key`.
    pub(super) fn open(&self, key: &str) -> Option<&Vec<usize>> {
        self.open.get(key)
    }

    /// The 1-based line of the first `name: "<name>"` (nodes come before the timeline).
    pub(super) fn name_line(&self, name: &str) -> Option<usize> {
        self.first(self.closed(up_to_quote(name)), 0, |l| names(l, name)).map(|i| i + 1)
    }

    /// The 1-based line of the first line at or after the first that starts with `section`
    /// (`timeline`, `variants`) which starts with `name` and holds `"<name>"`.
    fn entry_line(&self, section: Option<usize>, name: &str) -> Option<usize> {
        let quoted = format!("\"{name}\"");
        let pred = |l: &str| l.trim_start().starts_with("name") && l.contains(&quoted);
        self.first(self.quoted.get(up_to_quote(name)), section?, pred).map(|i| i + 1)
    }

    /// The 1-based line of the timeline entry named `name` (its `name:` after `timeline:`).
    pub(super) fn event_line(&self, name: &str) -> Option<usize> {
        self.entry_line(self.timeline, name)
    }

    /// The 1-based line of the variant named `name` (its `name:` after `variants:`).
    pub(super) fn variant_line(&self, name: &str) -> Option<usize> {
        self.entry_line(self.variants, name)
    }

    /// The 0-based line where the timeline starts.
    pub(super) fn timeline_start(&self) -> Option<usize> {
        self.timeline
    }
}

/// The 1-based line of the setting a run or SLO problem names (`run.duration_s ...`, `slo: window
/// ...`): the first line that sets that field. A scan of the text, but only for the few problems of
/// `run` and `slo`.
fn line_of_setting(text: &str, message: &str) -> Option<usize> {
    let rest = message.strip_prefix("run.").or_else(|| message.strip_prefix("slo: "))?;
    let field: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if field.is_empty() {
        return None;
    }
    let key = format!("{field}:");
    text.lines()
        .position(|l| {
            l.match_indices(&key)
                .any(|(i, _)| !l[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_'))
        })
        .map(|i| i + 1)
}

/// Every problem of the scenario, errors first, in a stable order. `text` is the file's text, used
/// to attach line numbers.
pub fn validate(scenario: &Scenario, text: Option<&str>) -> Vec<Problem> {
    let mut c = Checker::new(text);
    check_run(&mut c, scenario);
    // Nothing to simulate (an unlinked population is an error of its own, below).
    if let Some(m @ (ready::Missing::Nodes | ready::Missing::Clients)) = ready::missing(scenario) {
        c.warn(None, m.to_string());
    }
    let topo = &scenario.topology;
    let index = topo.index();

    let declared: HashSet<&str> = topo.regions.iter().map(|r| r.name.as_str()).collect();
    let mut names = BTreeSet::new();
    for node in &topo.nodes {
        let name = node.name();
        if name.trim().is_empty() {
            c.error(None, "a node has an empty name".into());
        } else if !names.insert(name) {
            c.error(Some(name), format!("the name \"{name}\" is used by more than one node"));
        }
        if let Some(region) = node.region()
            && !declared.contains(region)
        {
            c.error(Some(name), format!("region \"{region}\" is not declared in `regions`"));
        }
    }
    let mut region_names = BTreeSet::new();
    for r in &topo.regions {
        if !region_names.insert(r.name.as_str()) {
            c.error(None, format!("region \"{}\" is declared twice", r.name));
        }
    }

    let kind_of = |name: &str| index.node(name).map(Node::kind);
    let mut seen_links = BTreeSet::new();
    for link in &topo.links {
        let (Some(from), Some(to)) = (kind_of(&link.from), kind_of(&link.to)) else {
            for end in [&link.from, &link.to] {
                if kind_of(end).is_none() {
                    c.error(None, format!("link {} -> {}: no node is named \"{end}\"", link.from, link.to));
                }
            }
            continue;
        };
        if !seen_links.insert((link.from.as_str(), link.to.as_str())) {
            c.error(Some(&link.from), format!("link {} -> {} is declared twice", link.from, link.to));
        }
        let allowed = match from {
            NodeKind::Clients => {
                matches!(to, NodeKind::Gateway | NodeKind::LoadBalancer | NodeKind::Service | NodeKind::Dns)
            }
            // A request crosses at most one gateway (one upstream timeout applies).
            NodeKind::Gateway => matches!(to, NodeKind::LoadBalancer | NodeKind::Service),
            NodeKind::LoadBalancer => to == NodeKind::Service,
            NodeKind::Service => to == NodeKind::DataStore,
            // A DNS name answers with entry points; a client then sends to one of them directly.
            NodeKind::Dns => matches!(to, NodeKind::Gateway | NodeKind::LoadBalancer),
            NodeKind::DataStore => false,
        };
        if !allowed {
            c.error(
                Some(&link.from),
                format!("a {} cannot send to a {} (link {} -> {})", from.label(), to.label(), link.from, link.to),
            );
        }
        c.dist(&link.from, &format!("link {} -> {} latency", link.from, link.to), &link.latency);
        if !(link.weight.is_finite() && link.weight > 0.0) {
            c.error(
                Some(&link.from),
                format!("link {} -> {}: weight must be > 0, got {}", link.from, link.to, link.weight),
            );
        }
    }

    let receives: BTreeSet<&str> = topo.links.iter().map(|l| l.to.as_str()).collect();
    for node in &topo.nodes {
        check_node(&mut c, &index, node, receives.contains(node.name()));
    }
    check_cycles(&mut c, scenario);
    super::validate_global::check(&mut c, scenario, &index);
    super::validate_cost::check(&mut c, scenario, &index);
    super::names::check(&mut c, scenario, &index);
    for f in super::lint::key_rates(scenario) {
        c.warn(Some(&f.gateway), f.message);
    }
    for (node, message, error) in super::limits::check(scenario) {
        if error { c.error(node.as_deref(), message) } else { c.warn(node.as_deref(), message) }
    }
    super::validate_timeline::check(&mut c, scenario, &index);

    c.problems.sort_by_key(|p| (p.severity, p.line));
    c.problems
}

fn check_run(c: &mut Checker<'_>, s: &Scenario) {
    let run = &s.run;
    if !(run.duration_s.is_finite() && run.duration_s > 0.0) {
        c.error(None, format!("run.duration_s must be > 0, got {}", run.duration_s));
    }
    if !(run.warmup_s.is_finite() && run.warmup_s >= 0.0 && run.warmup_s < run.duration_s) {
        c.error(None, format!("run.warmup_s must be >= 0 and below duration_s, got {}", run.warmup_s));
    }
    if run.replicates == 0 || run.replicates > 100_000 {
        c.error(None, format!("run.replicates must be between 1 and 100000, got {}", run.replicates));
    }
    if let Some(b) = run.bucket_s {
        if !(b.is_finite() && b > 0.0) {
            c.error(None, format!("run.bucket_s must be > 0, got {b}"));
        } else if run.duration_s / b > MAX_BUCKETS {
            c.error(None, format!("run.bucket_s {b} makes more than {MAX_BUCKETS} time buckets; use a wider bucket"));
        }
    }
}

fn check_traffic(c: &mut Checker<'_>, name: &str, t: &Traffic) {
    let ok = |v: f64| v.is_finite() && v >= 0.0;
    let problem = match t {
        Traffic::Constant { rate_rps } => {
            (!ok(*rate_rps)).then(|| format!("traffic rate_rps must be a finite number >= 0, got {rate_rps}"))
        }
        Traffic::Steps { steps } if steps.is_empty() => Some("traffic Steps needs at least one step".into()),
        Traffic::Steps { steps } => steps
            .windows(2)
            .find(|w| w[1].at_s < w[0].at_s)
            .map(|w| format!("traffic steps must be in time order: {} s comes after {} s", w[1].at_s, w[0].at_s))
            .or_else(|| {
                steps.iter().find(|s| !ok(s.rate_rps) || !ok(s.at_s)).map(|s| {
                    format!("traffic step at {} s: times and rates must be >= 0, got rate {}", s.at_s, s.rate_rps)
                })
            }),
        Traffic::Diurnal { mean_rps, amplitude, period_s, peak_at_s } => {
            let valid = ok(*mean_rps)
                && (0.0..=1.0).contains(amplitude)
                && period_s.is_finite()
                && *period_s > 0.0
                && peak_at_s.is_finite();
            (!valid).then(|| "traffic Diurnal needs mean_rps >= 0, amplitude in 0..=1 and period_s > 0".into())
        }
        Traffic::Spike { base_rps, peak_rps, start_s, duration_s } => {
            (![base_rps, peak_rps, start_s, duration_s].iter().all(|v| ok(**v)))
                .then(|| "traffic Spike needs base_rps, peak_rps, start_s and duration_s >= 0".into())
        }
    };
    if let Some(message) = problem {
        c.error(Some(name), message);
    }
}

fn check_node(c: &mut Checker<'_>, index: &TopologyIndex<'_>, node: &Node, receives: bool) {
    let name = node.name();
    let outgoing: Vec<&str> = index.links_from(name).map(|(_, l)| l.to.as_str()).collect();
    // What a route or rule names is looked up, not searched (a gateway with many routes).
    let links_to: HashSet<&str> = outgoing.iter().copied().collect();
    match node {
        Node::Clients(p) => {
            check_traffic(c, name, &p.traffic);
            if p.users == 0 {
                c.error(Some(name), "users must be at least 1".into());
            }
            if let Some(a) = p.addresses
                && (a == 0 || a > p.users)
            {
                c.error(Some(name), format!("addresses must be between 1 and users ({}), got {a}", p.users));
            }
            if let super::KeyDistribution::Zipf { exponent } = p.keys
                && !(exponent.is_finite() && exponent > 0.0)
            {
                c.error(Some(name), format!("Zipf exponent must be > 0, got {exponent}"));
            }
            for r in &p.routes {
                if !(r.weight.is_finite() && r.weight > 0.0) {
                    c.error(Some(name), format!("route {}: weight must be > 0, got {}", r.path, r.weight));
                }
                if !r.path.starts_with('/') {
                    c.error(Some(name), format!("route path \"{}\" must start with /", r.path));
                }
            }
            if let Some(r) = &p.retry {
                if !(1..=20).contains(&r.max_attempts) {
                    c.error(Some(name), format!("retry.max_attempts must be between 1 and 20, got {}", r.max_attempts));
                }
                if r.timeout_ms.is_some_and(|t| !(t.is_finite() && t > 0.0)) || r.base_ms == 0 || r.cap_ms < r.base_ms {
                    c.error(Some(name), "retry needs timeout_ms > 0, base_ms >= 1 and cap_ms >= base_ms".into());
                }
            }
            if outgoing.is_empty() {
                c.error(Some(name), ready::SENDS_TO_NOWHERE.into());
            }
        }
        Node::Gateway(g) => {
            c.dist(name, "processing", &g.processing);
            if receives && outgoing.is_empty() {
                c.error(Some(name), "the gateway receives traffic but links to no upstream".into());
            }
            if g.routes.is_empty() && outgoing.len() > 1 {
                c.error(
                    Some(name),
                    format!(
                        "the gateway links to {} upstreams but has no routes to choose between them",
                        outgoing.len()
                    ),
                );
            }
            for r in &g.routes {
                if !links_to.contains(r.upstream.as_str()) {
                    c.error(
                        Some(name),
                        format!(
                            "route {} -> {}: the gateway has no link to \"{}\"",
                            r.path_prefix, r.upstream, r.upstream
                        ),
                    );
                }
                if !r.path_prefix.starts_with('/') {
                    c.error(Some(name), format!("route path_prefix \"{}\" must start with /", r.path_prefix));
                }
                if let Some(rp) = &r.retry_policy {
                    if let Err(e) = crate::policy::retry::EnvoyBackoff::new(rp.base_interval_ms, rp.max_interval_ms) {
                        c.error(Some(name), format!("route {} retry_policy: {e}", r.path_prefix));
                    }
                    if rp.num_retries > 100 {
                        c.error(
                            Some(name),
                            format!(
                                "route {} retry_policy: num_retries {} is more than 100",
                                r.path_prefix, rp.num_retries
                            ),
                        );
                    }
                }
                if let Some(t) = r.timeout_ms
                    && !(t.is_finite() && t > 0.0)
                {
                    c.error(Some(name), format!("route {}: timeout_ms must be > 0, got {t}", r.path_prefix));
                }
            }
            super::validate_limits::check(c, name, g);
            check_unrouted_paths(c, index, name, g);
        }
        Node::LoadBalancer(lb) => {
            if receives && outgoing.is_empty() {
                c.error(Some(name), "the load balancer receives traffic but links to no service".into());
            }
            if let Some(check) = &lb.health_check
                && (check.inter_ms == 0 || check.rise == 0 || check.fall == 0)
            {
                c.error(Some(name), "health_check needs inter_ms, rise and fall >= 1".into());
            }
            if let Some(o) = &lb.outlier_detection
                && let Err(e) = crate::policy::outlier::OutlierDetector::new(o.config(), 1)
            {
                c.error(Some(name), format!("outlier_detection: {e}"));
            }
            let weighted = !matches!(lb.algorithm, super::Balance::RoundRobin);
            for (_, l) in index.links_from(name) {
                if weighted && (l.weight.fract() != 0.0 || l.weight > 1000.0) {
                    c.warn(
                        Some(name),
                        format!(
                            "link {} -> {}: weight {} is rounded to a whole number in 1..=1000",
                            l.from, l.to, l.weight
                        ),
                    );
                }
            }
            let nginx = lb.algorithm.product() == super::Product::Nginx;
            let haproxy = lb.algorithm.product() == super::Product::Haproxy;
            match lb.failover {
                super::Failover::HaproxyRetries { .. } if nginx => {
                    c.warn(Some(name), "HAProxy retries on an NGINX balancer: no real gateway behaves like this".into())
                }
                super::Failover::NginxNextUpstream { .. } if haproxy => c.warn(
                    Some(name),
                    "NGINX proxy_next_upstream on an HAProxy balancer: no real gateway behaves like this".into(),
                ),
                _ => {}
            }
            super::validate_balance::check(c, name, lb, &links_to);
        }
        Node::Service(svc) => {
            c.dist(name, "service_time", &svc.service_time);
            super::validate_balance::check_service(c, name, svc);
            if svc.instances == 0 && receives {
                c.error(Some(name), "the service receives traffic but has no instances".into());
            }
            if svc.concurrency == 0 {
                c.error(Some(name), "concurrency must be at least 1".into());
            }
            if let Some(a) = &svc.autoscaling {
                if let Err(e) = crate::policy::autoscale::HpaConfig::new(a.min_replicas, a.max_replicas) {
                    c.error(Some(name), format!("autoscaling: {e}"));
                } else if !(a.min_replicas..=a.max_replicas).contains(&svc.instances) {
                    c.error(
                        Some(name),
                        format!(
                            "instances ({}) must lie between min_replicas and max_replicas when autoscaling",
                            svc.instances
                        ),
                    );
                }
                let valid = a.target_utilization > 0.0
                    && a.target_utilization <= 1.0
                    && a.startup_s.is_finite()
                    && a.startup_s >= 0.0;
                if !valid {
                    c.error(Some(name), "autoscaling needs target_utilization in (0, 1] and startup_s >= 0".into());
                }
            }
            if !(0.0..=1.0).contains(&svc.error_rate) {
                c.error(Some(name), format!("error_rate must be between 0 and 1, got {}", svc.error_rate));
            }
            for (i, a) in svc.answers.iter().enumerate() {
                if !(500..=599).contains(&a.status) {
                    c.error(Some(name), format!("answers[{i}]: status must be a 5xx (500 to 599), got {}", a.status));
                }
                if !(a.share.is_finite() && a.share > 0.0 && a.share <= 1.0) {
                    c.error(Some(name), format!("answers[{i}]: share must be above 0 and at most 1, got {}", a.share));
                }
                if let Some(k) = a.instance.filter(|&k| k >= svc.instances) {
                    c.error(
                        Some(name),
                        format!(
                            "answers[{i}]: instance {k} does not exist (expected below instances, {})",
                            svc.instances
                        ),
                    );
                }
            }
        }
        // Checked with the regions (`validate_global`).
        Node::Dns(_) | Node::DataStore(_) => return,
    }
    if !receives && node.kind() != NodeKind::Clients {
        c.warn(Some(name), "no link leads here, so the node receives no traffic".into());
    }
}

/// Warn when a population sends paths that a gateway it reaches has no route for.
fn check_unrouted_paths(c: &mut Checker<'_>, index: &TopologyIndex<'_>, name: &str, g: &super::Gateway) {
    if g.routes.is_empty() {
        return;
    }
    // The populations with a link to the gateway, in file order.
    for i in index.senders(name) {
        let Some(Node::Clients(p)) = index.node_at(i) else { continue };
        let default = [super::RouteShare { path: "/".into(), weight: 1.0 }];
        let shares = if p.routes.is_empty() { &default[..] } else { &p.routes[..] };
        for share in shares {
            if !g.routes.iter().any(|r| share.path.starts_with(&r.path_prefix)) {
                c.warn(Some(name), format!("no route matches {} from {}: those requests get 404", share.path, p.name));
            }
        }
    }
}

fn check_cycles(c: &mut Checker<'_>, s: &Scenario) {
    let graph = s.topology.graph();
    for scc in tarjan_scc(&graph) {
        let is_cycle = scc.len() > 1 || scc.first().is_some_and(|&n| graph.find_edge(n, n).is_some());
        if is_cycle {
            let mut names: Vec<&str> =
                scc.iter().filter_map(|&n| graph.node_weight(n)).map(|&i| s.topology.nodes[i].name()).collect();
            names.sort_unstable();
            c.error(
                names.first().copied(),
                format!("routing cycle through {}: a request could loop forever", names.join(", ")),
            );
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    /// A name from a small alphabet where collisions, quotes, escapes and line breaks are likely
    /// (for the proptests of the line look-ups).
    pub(in crate::model) fn tricky_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just("a"), Just("b"), Just("\""), Just("\\"), Just(" "), Just("\n")],
            0..4,
        )
        .prop_map(|v| v.concat())
    }
}
