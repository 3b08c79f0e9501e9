//! `gatesim check`: a change against its baseline, before it ships.
//!
//! - `gatesim check FILE`: the change is the file's timeline; the baseline is the same file
//!   without its config changes (and the actions that apply or roll them back). Faults, traffic
//!   events and alarms stay: they are the world the change meets.
//! - `gatesim check BASELINE CHANGED`: two files of the same topology (the same nodes, of the
//!   same kinds); both run with the baseline's seed, replicates and duration, so on the same
//!   traffic.
//!
//! The static lint runs first, on both, before any simulation: a per-key rate limit the change
//! puts below a key's legitimate peak is reported with the numbers. Then both are simulated and
//! compared side by side (80 columns). Exit code 0 when the changed scenario meets its SLOs, 1
//! when one breaks (each broken SLO named with its figure), 2 on bad input.
//!
//! With `--requests LOG`, both replay the same request trace (a `REQUESTS.csv` or an NGINX or
//! Apache access log) and the requests that succeed in the baseline but are rejected after the
//! change are listed per client key and route, with the time window: who this change would block.

use super::{EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, out};
use crate::model::{Act, Event, Scenario, load};
use crate::report::{self, Report, Spread, duration_text};
use crate::sim::accesslog::{AccessLogOptions, KeySource};
use crate::sim::replay::{ReplayFiles, open_requests, replay_with};
use crate::sim::{self, RunOptions};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `gatesim check`'s arguments.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The scenario (its timeline's changes are the change), or the baseline when CHANGED is given.
    pub file: PathBuf,
    /// The changed scenario (the same topology as FILE).
    pub changed: Option<PathBuf>,
    /// Write both reports, the comparison and the verdict as JSON here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Override the seed (both runs).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replicates (both runs; 1 to 100,000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub replicates: Option<u32>,
    /// Replay this request trace (REQUESTS.csv, or an NGINX/Apache access log) through both and
    /// list the requests the change would block, per client key and route.
    #[arg(long, value_name = "LOG")]
    pub requests: Option<PathBuf>,
    /// With an access log: the rate-limit key (`remote_addr`, `user`, or `field:N`, the N-th quoted
    /// field after the request line).
    #[arg(long, value_name = "KEY", default_value = "remote_addr")]
    pub log_key: KeySource,
    /// With an access log: replay it this many times faster.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub log_speed: f64,
    /// With an access log: its first request is sent this many seconds into the run.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub log_shift: f64,
}

/// The baseline of a single file: without its config changes and the actions that name them.
pub fn baseline_of(s: &Scenario) -> Scenario {
    let mut b = s.clone();
    b.variants.clear();
    let changes: Vec<String> =
        b.timeline.iter().filter(|e| matches!(e, Event::Change(_))).map(|e| e.name().to_owned()).collect();
    b.timeline.retain(|e| match e {
        Event::Change(_) => false,
        Event::Action(a) => !matches!(&a.act, Act::Rollback(c) | Act::Apply(c) if changes.contains(c)),
        _ => true,
    });
    b.name = format!("{} (baseline: no changes)", s.name);
    b
}

/// Why two scenarios cannot be compared, if they cannot.
pub fn comparable(baseline: &Scenario, changed: &Scenario) -> Result<(), String> {
    let nodes = |s: &Scenario| -> Vec<(String, crate::model::NodeKind)> {
        let mut v: Vec<_> = s.topology.nodes.iter().map(|n| (n.name().to_owned(), n.kind())).collect();
        v.sort();
        v
    };
    let (a, b) = (nodes(baseline), nodes(changed));
    if a != b {
        let only = |x: &[(String, crate::model::NodeKind)], y: &[(String, crate::model::NodeKind)]| -> Vec<String> {
            x.iter().filter(|n| !y.contains(n)).map(|(n, k)| format!("{n} ({})", k.label())).collect()
        };
        return Err(format!(
            "the two files describe different topologies (only in the baseline: [{}]; only in the change: [{}]); a check compares one topology before and after a change",
            only(&a, &b).join(", "),
            only(&b, &a).join(", ")
        ));
    }
    if baseline.run.duration_s != changed.run.duration_s {
        return Err(format!(
            "the two files run for {} s and {} s; a check compares them on the same traffic, so give both the same duration",
            baseline.run.duration_s, changed.run.duration_s
        ));
    }
    Ok(())
}

fn load_or_report(path: &Path) -> Option<Scenario> {
    match load::load(path) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// Runs `gatesim check` and returns its exit code.
pub fn run(args: &CheckArgs) -> u8 {
    let Some(first) = load_or_report(&args.file) else { return EXIT_BAD_INPUT };
    let (baseline, changed, changed_path) = match &args.changed {
        Some(p) => {
            let Some(c) = load_or_report(p) else { return EXIT_BAD_INPUT };
            (first, c, p.clone())
        }
        None => (baseline_of(&first), first, args.file.clone()),
    };
    if let Err(e) = comparable(&baseline, &changed) {
        eprintln!("error: {}: {e}", changed_path.display());
        return EXIT_BAD_INPUT;
    }
    let mut inputs = vec![args.file.as_path()];
    inputs.extend(args.changed.as_deref());
    inputs.extend(args.requests.as_deref());
    let outs: Vec<super::outputs::Output<'_>> = args.json.iter().map(|p| ("--json", p.as_path(), false)).collect();
    if let Err(e) = super::outputs::check(&inputs, &outs) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let mut changed = changed;
    changed.run.seed = baseline.run.seed;
    changed.run.replicates = baseline.run.replicates;

    // The lint, before any simulation.
    let known: Vec<String> = crate::model::lint::key_rates(&baseline).into_iter().map(|f| f.message).collect();
    let mut lint = Vec::new();
    for p in crate::model::validate::validate(&changed, None) {
        if p.severity == crate::model::validate::Severity::Warning
            && p.message.contains("legitimate requests would be rejected")
            && !known.iter().any(|k| p.message.ends_with(k.as_str()))
        {
            lint.push(p.message);
        }
    }
    if !lint.is_empty() {
        out("lint (before any simulation):\n");
        for l in &lint {
            for (i, line) in report::compare::wrap(l, 76).iter().enumerate() {
                out(&format!("{}{line}\n", if i == 0 { "  ! " } else { "    " }));
            }
        }
        out("\n");
    }

    if let Some(log) = &args.requests {
        return who_is_blocked(args, log, &baseline, &changed);
    }

    let options = RunOptions { seed: args.seed, replicates: args.replicates, ..Default::default() };
    let run = |s: &Scenario| sim::run(s, &options);
    let (b, c) = match (run(&baseline), run(&changed)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {}: {e}", changed_path.display());
            return EXIT_BAD_INPUT;
        }
    };
    let verdict = report::verdict(&c);
    out(&check_table(&b, &c));
    out(&format!("\ncheck: {}\n", verdict.describe()));
    if let Some(path) = &args.json {
        #[derive(serde::Serialize)]
        struct CheckJson<'a> {
            schema_version: u32,
            verdict: &'a report::Verdict,
            lint: &'a [String],
            baseline: &'a Report,
            change: &'a Report,
        }
        let doc = CheckJson {
            schema_version: report::REPORT_SCHEMA_VERSION,
            verdict: &verdict,
            lint: &lint,
            baseline: &b,
            change: &c,
        };
        match serde_json::to_string_pretty(&doc) {
            Ok(t) => {
                if let Err(e) = load::write_atomic(path, (t + "\n").as_bytes()) {
                    eprintln!("error: {e}");
                    return EXIT_BAD_INPUT;
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    if verdict.pass { EXIT_OK } else { EXIT_CHECK_FAILED }
}

/// A mean with its 99% half-width, e.g. `80.0% ±0.1`.
fn with_ci(value: f64, half: Option<f64>, scale: f64, unit: &str, digits: usize) -> String {
    match half {
        Some(h) => format!("{:.digits$}{unit} ±{:.digits$}", value * scale, h * scale),
        None => format!("{:.digits$}{unit}", value * scale),
    }
}

/// A spread of durations: `76 min [69, 79]`.
fn spread(s: &Spread) -> String {
    match (s.median, s.low, s.high) {
        (Some(m), Some(l), Some(h)) if s.n > 1 && h > l => {
            format!("{} [{:.0}, {:.0}]", duration_text(m), l / 60.0, h / 60.0)
        }
        (Some(m), _, _) => duration_text(m),
        _ => "-".into(),
    }
}

/// The side-by-side table of a check, in 80 columns.
pub fn check_table(b: &Report, c: &Report) -> String {
    let mut out = String::new();
    let half = |r: &Report, k: &str| r.estimates.get(k).and_then(|e| e.ci99_half_width);
    writeln!(out, "{:<20} {:>18} {:>18} {:>14}", "", "baseline", "change", "delta").ok();
    let mut row = |label: &str, bv: String, cv: String, delta: String| {
        let line = format!("{label:<20} {bv:>18} {cv:>18} {delta:>14}");
        writeln!(out, "{}", line.trim_end()).ok();
    };
    let (bs, cs) = (&b.summary, &c.summary);
    row(
        "users impacted",
        with_ci(bs.users_impacted_pct, half(b, "users_impacted_pct"), 1.0, "%", 1),
        with_ci(cs.users_impacted_pct, half(c, "users_impacted_pct"), 1.0, "%", 1),
        format!("{:+.1} pts", cs.users_impacted_pct - bs.users_impacted_pct),
    );
    row(
        "availability",
        with_ci(bs.success_rate, half(b, "success_rate"), 100.0, "%", 2),
        with_ci(cs.success_rate, half(c, "success_rate"), 100.0, "%", 2),
        format!("{:+.2} pts", 100.0 * (cs.success_rate - bs.success_rate)),
    );
    let p99 = |r: &Report| r.summary.latency_ms.p99;
    row(
        "p99 latency",
        p99(b).map_or("-".into(), |v| format!("{v:.0} ms")),
        p99(c).map_or("-".into(), |v| format!("{v:.0} ms")),
        match (p99(b), p99(c)) {
            (Some(x), Some(y)) => format!("{:+.0} ms", y - x),
            _ => "-".into(),
        },
    );
    let failed = |r: &Report| r.summary.failures_by_cause.values().sum::<f64>();
    row(
        "failed requests",
        format!("{:.0}", failed(b)),
        format!("{:.0}", failed(c)),
        format!("{:+.0}", failed(c) - failed(b)),
    );
    for o in crate::metrics::Outcome::ALL.iter().skip(1) {
        let (x, y) =
            (bs.failures_by_cause.get(o).copied().unwrap_or(0.0), cs.failures_by_cause.get(o).copied().unwrap_or(0.0));
        if x > 0.0 || y > 0.0 {
            row(&format!("  {}", o.name()), format!("{x:.0}"), format!("{y:.0}"), format!("{:+.0}", y - x));
        }
    }
    row(
        "time in SLO breach",
        spread(&b.slo.breach_s),
        spread(&c.slo.breach_s),
        match (b.slo.breach_s.median, c.slo.breach_s.median) {
            (Some(x), Some(y)) => format!("{:+.0} min", (y - x) / 60.0),
            _ => "-".into(),
        },
    );
    let t =
        |r: &Report, f: fn(&report::TimelineReport) -> &Spread| r.timeline.as_ref().map(f).map_or("-".into(), spread);
    row("time to detect", t(b, |t| &t.time_to_detect_s), t(c, |t| &t.time_to_detect_s), String::new());
    row("RTO (measured)", t(b, |t| &t.rto_s), t(c, |t| &t.rto_s), String::new());
    if c.replicates > 1 {
        writeln!(
            out,
            "{} replicates each on the same seed ({}); ±: 99% confidence interval of the",
            c.replicates, c.seed
        )
        .ok();
        writeln!(out, "mean; [a, b]: minutes, an order-statistic interval of the median").ok();
    } else {
        writeln!(out, "1 replicate each on the same seed ({})", c.seed).ok();
    }
    out
}

/// Requests of one client key and route that the change turns from success into a rejection.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Blocked {
    /// Requests of this key and route in the trace.
    pub requests: u64,
    /// Of which blocked by the change.
    pub blocked: u64,
    /// Send time of the first and last blocked request, s.
    pub first_s: f64,
    /// See `first_s`.
    pub last_s: f64,
    /// The status the blocked requests got after the change (the most frequent).
    pub statuses: BTreeMap<u16, u64>,
}

fn who_is_blocked(args: &CheckArgs, log: &Path, baseline: &Scenario, changed: &Scenario) -> u8 {
    let options = AccessLogOptions { key: args.log_key.clone(), time_shift_s: args.log_shift, speed: args.log_speed };
    if let Err(e) = options.validate() {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    // Standard input or a pipe is copied once, then read three times.
    let spooled = match crate::sim::replay::spool(log) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let shown = log;
    let log = spooled.path.as_path();
    let files = ReplayFiles { requests: log, outages: None, decisions: None };
    let decide = |s: &Scenario| -> Result<Vec<(u16, bool)>, String> {
        let mut v = Vec::new();
        let r = replay_with(s, files, &options, &mut |d| {
            v.push((d.status, d.outcome.is_some_and(|o| !o.is_failure())));
        })
        .map_err(|e| e.to_string())?;
        if let Some(bad) = r.bad_lines.filter(|b| !b.is_empty()) {
            eprintln!("{}: {bad}", shown.display());
        }
        Ok(v)
    };
    let (before, after) = match (decide(baseline), decide(changed)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let requests = match open_requests(log, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    // Routes: the entry gateway's prefixes (longest match), else the path itself.
    let prefixes: Vec<String> = changed
        .topology
        .nodes
        .iter()
        .find_map(|n| if let crate::model::Node::Gateway(g) = n { Some(g) } else { None })
        .map(|g| g.routes.iter().map(|r| r.path_prefix.clone()).collect())
        .unwrap_or_default();
    let route_of = |path: &str| {
        prefixes
            .iter()
            .filter(|p| path.starts_with(p.as_str()))
            .max_by_key(|p| p.len())
            .cloned()
            .unwrap_or_else(|| path.to_owned())
    };
    let mut table: BTreeMap<(String, String), Blocked> = BTreeMap::new();
    let mut total_blocked = 0u64;
    for ((req, b), a) in requests.zip(&before).zip(&after) {
        let Ok(req) = req else { continue };
        let key = req.client_key.clone().unwrap_or_else(|| "(no key)".into());
        let entry = table.entry((key, route_of(&req.path))).or_default();
        entry.requests += 1;
        if b.1 && !a.1 {
            let t = req.send_ns as f64 / 1e9;
            if entry.blocked == 0 {
                entry.first_s = t;
            }
            entry.last_s = t;
            entry.blocked += 1;
            *entry.statuses.entry(a.0).or_default() += 1;
            total_blocked += 1;
        }
    }
    let blocked: Vec<_> = table.iter().filter(|(_, v)| v.blocked > 0).collect();
    out(&format!(
        "who this change would block: {total_blocked} of {} requests of {} replayed, in {} key/route pair(s)\n",
        before.len(),
        shown.display(),
        blocked.len()
    ));
    if !blocked.is_empty() {
        out(&format!("{:<24} {:<16} {:>15} {:>19}  {}\n", "client key", "route", "blocked", "window (s)", "status"));
        for ((key, route), v) in &blocked {
            let status = v.statuses.iter().max_by_key(|(_, n)| **n).map_or(0, |(s, _)| *s);
            let window = format!("{:.1}-{:.1}", v.first_s, v.last_s);
            let shown = |s: &str, n: usize| {
                if s.chars().count() > n {
                    format!("{}~", s.chars().take(n - 1).collect::<String>())
                } else {
                    s.to_owned()
                }
            };
            out(&format!(
                "{:<24} {:<16} {:>15} {window:>19}  {status}\n",
                shown(key, 24),
                shown(route, 16),
                format!("{}/{}", v.blocked, v.requests)
            ));
        }
    }
    if let Some(path) = &args.json {
        let rows: Vec<serde_json::Value> = blocked
            .iter()
            .map(|((k, r), v)| serde_json::json!({ "client_key": k, "route": r, "blocked": v }))
            .collect();
        let text = serde_json::json!({ "schema_version": report::REPORT_SCHEMA_VERSION, "blocked_requests": total_blocked, "requests": before.len(), "pairs": rows });
        if let Err(e) = load::write_atomic(path, format!("{text:#}\n").as_bytes()) {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    if total_blocked > 0 { EXIT_CHECK_FAILED } else { EXIT_OK }
}
