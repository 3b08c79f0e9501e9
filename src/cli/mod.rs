//! The command line: `gatesim run`, `gatesim variants`, `gatesim lint`, `gatesim bench`,
//! `gatesim export`. Parsing (clap) is separate from
//! doing; every command returns an exit code:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (for `lint`: no errors; warnings may have been printed) |
//! | 1 | a check failed: `gatesim check` found an SLO broken, or requests the change would block |
//! | 2 | bad input: unreadable or malformed file, invalid scenario, bad arguments, unwritable output |
//!
//! The CLI lives in the library (not in `main.rs`) so integration tests can call it in-process.

pub mod bench;
pub mod check;
pub mod dr;
pub mod export;
pub mod export_scenario;
pub mod import;
pub mod outputs;

use crate::model::{load, validate};
use crate::report;
use crate::sim::replay::{self, ReplayFiles};
use crate::sim::{self, RunOptions};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for a failed check.
pub const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code for bad input.
pub const EXIT_BAD_INPUT: u8 = 2;

/// gatesim: design API-gateway topologies and simulate them before a change ships.
#[derive(Debug, Parser)]
#[command(name = "gatesim", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do. Without a command, the desktop app opens (when built with the `gui` feature).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: the scenario file (.ron) the desktop app opens (else `$GATESIM_FILE`, else
    /// the bundled example).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print its summary.
    Run {
        /// The scenario file (.ron).
        file: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the scenario's number of replicates (1 to 100,000).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        replicates: Option<u32>,
        /// Write the whole report as JSON here.
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Write series.csv and nodes.csv into this directory.
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Replay this request trace (CSV: id, send_ms, client_key, path[, service_ms]) instead
        /// of the scenario's client populations.
        #[arg(long, value_name = "REQUESTS.csv")]
        requests: Option<PathBuf>,
        /// With --requests: backends going down and up (CSV: time_ms, backend, action).
        #[arg(long, value_name = "OUTAGES.csv", requires = "requests")]
        outages: Option<PathBuf>,
        /// With --requests: write one decision per request here (CSV: id, status, backend,
        /// delay_ms, attempts, cause, latency_ms).
        #[arg(long, value_name = "DECISIONS.csv", requires = "requests")]
        decisions: Option<PathBuf>,
        /// Run this variant of the scenario (see `gatesim variants`) instead of the scenario as
        /// written.
        #[arg(long, value_name = "NAME")]
        variant: Option<String>,
        /// With an access log as --requests: the rate-limit key (`remote_addr`, `user`, or
        /// `field:N`, the N-th quoted field after the request line).
        #[arg(long, value_name = "KEY", default_value = "remote_addr", requires = "requests")]
        log_key: crate::sim::accesslog::KeySource,
        /// With an access log: replay it this many times faster.
        #[arg(long, value_name = "X", default_value_t = 1.0, requires = "requests")]
        log_speed: f64,
        /// With an access log: its first request is sent this many seconds into the run.
        #[arg(long, value_name = "SECONDS", default_value_t = 0.0, requires = "requests")]
        log_shift: f64,
    },
    /// Run a scenario as written and each of its variants (counterfactuals) on the same seeds, and
    /// compare them: users impacted, minutes of outage, time to detect, RTO, failed requests.
    Variants {
        /// The scenario file (.ron).
        file: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the scenario's number of replicates (1 to 100,000).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        replicates: Option<u32>,
        /// Write the rows and every run's report as JSON here.
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
    },
    /// Check a change before it ships: simulate the baseline and the change on the same seeds and
    /// traffic, compare them, and exit 1 when the change breaks an SLO (see `gatesim check --help`).
    Check(check::CheckArgs),
    /// Apply the four classic disaster-recovery strategies (backup and restore, pilot light, warm
    /// standby, active/active) to a scenario, simulate each facing the same outage of its primary
    /// region, and print cost per month, RTO, RPO and users impacted side by side, with a chart.
    Dr(dr::DrArgs),
    /// Check a scenario and print every problem found.
    Lint {
        /// The scenario file (.ron).
        file: PathBuf,
    },
    /// Write a gateway of a scenario as an NGINX, HAProxy, Envoy, Kong, Traefik or AWS API Gateway
    /// config, or the scenario as Kubernetes manifests, a Route 53 change batch or Prometheus
    /// alerting rules; the scenario is simulated first and must meet its SLOs.
    Export(export::ExportArgs),
    /// Read an NGINX or HAProxy config into a scenario (the inverse of export); lists on stderr
    /// what could not be mapped.
    Import(import::ImportArgs),
    /// Measure the engine's speed on the reference topology and an M/M/c station, a trace replay, and
    /// `lint` on a large file.
    Bench {
        /// Requests to simulate per measurement.
        #[arg(long, default_value_t = 2_000_000)]
        requests: u64,
        /// Lines of the generated trace for the replay measurement (0 skips it).
        #[arg(long, default_value_t = 1_000_000)]
        replay_lines: u64,
        /// Nodes of the generated scenario for the lint measurement, also run at a tenth of it
        /// (0 skips it).
        #[arg(long, default_value_t = 100_000)]
        lint_nodes: usize,
        /// Skip the 1-hour, 3-region DNS failover measurement (36 M requests).
        #[arg(long)]
        no_regions: bool,
    },
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Some(Command::Run {
            file,
            seed,
            replicates,
            json,
            csv,
            quiet,
            requests,
            outages,
            decisions,
            variant,
            log_key,
            log_speed,
            log_shift,
        }) => {
            let outputs = Outputs { json: json.as_deref(), csv: csv.as_deref(), quiet };
            match requests {
                Some(requests) => {
                    let files = ReplayFiles {
                        requests: &requests,
                        outages: outages.as_deref(),
                        decisions: decisions.as_deref(),
                    };
                    let log = crate::sim::accesslog::AccessLogOptions {
                        key: log_key,
                        time_shift_s: log_shift,
                        speed: log_speed,
                    };
                    if replicates.is_some_and(|n| n != 1) {
                        eprintln!(
                            "error: --replicates: a trace replays once (its requests are given); drop --replicates or --requests"
                        );
                        EXIT_BAD_INPUT
                    } else {
                        replay_trace(&file, variant.as_deref(), seed, files, &log, outputs)
                    }
                }
                None => run_scenario(&file, variant.as_deref(), seed, replicates, outputs),
            }
        }
        Some(Command::Variants { file, seed, replicates, json }) => variants(&file, seed, replicates, json.as_deref()),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Dr(args)) => dr::run(&args),
        Some(Command::Lint { file }) => lint(&file),
        Some(Command::Bench { requests, replay_lines, lint_nodes, no_regions }) => {
            bench::bench(requests, replay_lines, lint_nodes, !no_regions)
        }
        Some(Command::Export(args)) => export::run(&args),
        Some(Command::Import(args)) => import::run(&args),
        None => {
            eprintln!("gatesim was built without the `gui` feature; use a subcommand (gatesim --help)");
            EXIT_BAD_INPUT
        }
    };
    ExitCode::from(code)
}

/// Prints to stdout; a closed pipe (`gatesim run x | head`) is not an error.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).ok();
    stdout.flush().ok();
}

/// Where a run's report goes.
#[derive(Clone, Copy, Debug)]
struct Outputs<'a> {
    json: Option<&'a Path>,
    csv: Option<&'a Path>,
    quiet: bool,
}

impl<'a> Outputs<'a> {
    /// The files and directories written, for [`outputs::check`].
    fn list(&self) -> Vec<outputs::Output<'a>> {
        let mut v = Vec::new();
        v.extend(self.json.map(|p| ("--json", p, false)));
        v.extend(self.csv.map(|p| ("--csv", p, true)));
        v
    }
}

/// Prints the summary and writes the report files.
fn emit(report: &report::Report, o: Outputs<'_>) -> u8 {
    if !o.quiet {
        out(&report::summary_table(report));
    }
    if let Some(path) = o.json
        && let Err(e) = report::write_json(report, path)
    {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    if let Some(dir) = o.csv
        && let Err(e) = report::write_csv(report, dir)
    {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    EXIT_OK
}

/// Loads a scenario file, or one of its variants; prints the error and returns `None` on bad input.
fn load_scenario(file: &Path, variant: Option<&str>) -> Option<crate::model::Scenario> {
    let scenario = match load::load(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return None;
        }
    };
    match variant {
        None => Some(scenario),
        Some(name) => match scenario.variant(name) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                None
            }
        },
    }
}

fn replay_trace(
    file: &Path,
    variant: Option<&str>,
    seed: Option<u64>,
    files: ReplayFiles<'_>,
    log: &crate::sim::accesslog::AccessLogOptions,
    o: Outputs<'_>,
) -> u8 {
    let Some(mut scenario) = load_scenario(file, variant) else { return EXIT_BAD_INPUT };
    // The seed draws what the trace does not give (service times, link latencies, random picks).
    if let Some(seed) = seed {
        scenario.run.seed = seed;
    }
    if let Err(e) = log.validate() {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let mut inputs = vec![file, files.requests];
    inputs.extend(files.outages);
    let mut outs = o.list();
    outs.extend(files.decisions.map(|d| ("--decisions", d, false)));
    if let Err(e) = outputs::check(&inputs, &outs) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    match replay::replay_with(&scenario, files, log, &mut |_| {}) {
        Ok(r) => {
            if let Some(bad) = r.bad_lines.as_ref().filter(|b| !b.is_empty()) {
                eprintln!("{}: {bad}", files.requests.display());
            }
            if !o.quiet {
                eprintln!("replayed {} requests from {}", r.requests, files.requests.display());
            }
            emit(&r.report, o)
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

fn run_scenario(file: &Path, variant: Option<&str>, seed: Option<u64>, replicates: Option<u32>, o: Outputs<'_>) -> u8 {
    let quiet = o.quiet;
    let Some(scenario) = load_scenario(file, variant) else { return EXIT_BAD_INPUT };
    if let Err(e) = outputs::check(&[file], &o.list()) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    if !quiet {
        for p in validate::validate(&scenario, None) {
            eprintln!("{}", p.display_in(file));
        }
    }
    let bar = progress_bar(quiet);
    let progress = |f: f64| {
        if let Some(b) = &bar {
            b.set_position((f * 1000.0) as u64);
        }
    };
    let options = RunOptions { seed, replicates, progress: Some(&progress), ..Default::default() };
    let result = sim::run(&scenario, &options);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return EXIT_BAD_INPUT;
        }
    };
    emit(&report, o)
}

fn variants(file: &Path, seed: Option<u64>, replicates: Option<u32>, json: Option<&Path>) -> u8 {
    let Some(scenario) = load_scenario(file, None) else { return EXIT_BAD_INPUT };
    if let Some(j) = json
        && let Err(e) = outputs::check(&[file], &[("--json", j, false)])
    {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    if scenario.variants.is_empty() {
        eprintln!(
            "error: {}: the scenario has no variants (add `variants: [...]`, see docs/timeline.md)",
            file.display()
        );
        return EXIT_BAD_INPUT;
    }
    let bar = progress_bar(false);
    let runs = 1 + scenario.variants.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let progress = |f: f64| {
        if let Some(b) = &bar {
            let base = done.load(std::sync::atomic::Ordering::Relaxed) as f64;
            b.set_position(((base + f) / runs as f64 * 1000.0) as u64);
        }
    };
    let mut results = Vec::new();
    let mut base = scenario.clone();
    base.variants.clear();
    let mut todo = vec![("as written".to_owned(), String::new(), Ok(base))];
    for v in &scenario.variants {
        todo.push((v.name.clone(), v.description.clone(), scenario.variant(&v.name)));
    }
    for (name, description, s) in todo {
        let s = match s {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                return EXIT_BAD_INPUT;
            }
        };
        let options = RunOptions { seed, replicates, progress: Some(&progress), ..Default::default() };
        match sim::run(&s, &options) {
            Ok(r) => results.push(sim::VariantRun { name, description, report: r }),
            Err(e) => {
                eprintln!("error: {}: variant \"{name}\": {e}", file.display());
                return EXIT_BAD_INPUT;
            }
        }
        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rows: Vec<report::RunRow> =
        results.iter().map(|r| report::run_row(&r.name, &r.description, &r.report)).collect();
    let first = &results[0].report;
    out(&format!("{}: seed {}, {} replicate(s) each\n\n", scenario.name, first.seed, first.replicates));
    out(&report::runs_table(&rows));
    if let Some(path) = json {
        #[derive(serde::Serialize)]
        struct VariantsJson<'a> {
            schema_version: u32,
            rows: &'a [report::RunRow],
            reports: Vec<&'a report::Report>,
        }
        let doc = VariantsJson {
            schema_version: report::REPORT_SCHEMA_VERSION,
            rows: &rows,
            reports: results.iter().map(|r| &r.report).collect(),
        };
        let text = match serde_json::to_string_pretty(&doc) {
            Ok(t) => t + "\n",
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        };
        if let Err(e) = load::write_atomic(path, text.as_bytes()) {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    EXIT_OK
}

/// A progress bar on a terminal, shown only for runs that last more than a second.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(1000), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent}% ({eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    // Stay invisible for the first second: short runs print no bar at all.
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    let shown = bar.clone();
    std::thread::Builder::new()
        .name("progress-reveal".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !shown.is_finished() {
                shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        })
        .ok();
    Some(bar)
}

fn lint(file: &Path) -> u8 {
    let text = match load::read_text(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let scenario = match load::parse(&text, file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let problems = validate::validate(&scenario, Some(&text));
    for p in &problems {
        out(&format!("{}\n", p.display_in(file)));
    }
    let errors = problems.iter().filter(|p| p.severity == validate::Severity::Error).count();
    let warnings = problems.len() - errors;
    out(&format!("{}: {errors} error(s), {warnings} warning(s)\n", file.display()));
    if errors > 0 { EXIT_BAD_INPUT } else { EXIT_OK }
}
