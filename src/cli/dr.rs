//! `gatesim dr FILE`: the four classic disaster-recovery strategies applied to the design in
//! FILE, each simulated facing the same outage of its primary region, side by side with the
//! design as written: cost per month, outage cost, RTO, RPO and users impacted, and a chart (see
//! `crate::dr` and docs/dr.md).
//!
//! Outputs: the table on standard output; the chart, by default `<FILE stem>-dr.svg` in the
//! current directory (`--chart PATH` elsewhere, `--no-chart` none); `--json PATH` the rows. With
//! `--write-scenarios DIR` the four strategies' scenarios are written there instead (named
//! `backup-restore.ron`, `pilot-light.ron`, `warm-standby.ron`, `active-active.ron`), without
//! simulating. Exit codes: 0, or 2 on bad input (the file's problems at `file:line`, a strategy
//! that cannot be built, an output that cannot be written).

use super::{EXIT_BAD_INPUT, EXIT_OK, load_scenario, out, outputs, progress_bar};
use crate::dr::{self, DrOptions, Strategy};
use crate::model::load;
use std::path::{Path, PathBuf};

/// `gatesim dr`'s arguments.
#[derive(Debug, clap::Args)]
pub struct DrArgs {
    /// The scenario file (.ron): the design the strategies are applied to.
    pub file: PathBuf,
    /// The recovery region (default: the declared region nearest to the primary, else the
    /// nearest region of the bundled RTT table).
    #[arg(long, value_name = "REGION")]
    pub to: Option<String>,
    /// Write the chart here (SVG, or PNG for a .png path) [default: <FILE stem>-dr.svg in the current directory].
    #[arg(long, value_name = "PATH", conflicts_with = "no_chart")]
    pub chart: Option<PathBuf>,
    /// Write no chart.
    #[arg(long)]
    pub no_chart: bool,
    /// Write the rows as JSON here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Override the scenario's seed (every run uses the same).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replicates of each faulted run (default: the scenario's; 1 to 1,000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicates: Option<u32>,
    /// When the primary region fails, seconds from the start.
    #[arg(long, value_name = "SECONDS", default_value_t = DrOptions::default().fault_at_s)]
    pub fault_at: f64,
    /// How long it stays down, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DrOptions::default().fault_for_s)]
    pub fault_for: f64,
    /// Length of each faulted run, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DrOptions::default().duration_s)]
    pub duration: f64,
    /// Write the four strategies' scenarios into this directory and exit without simulating.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["chart", "json", "no_chart"])]
    pub write_scenarios: Option<PathBuf>,
}

impl DrArgs {
    fn options(&self) -> DrOptions {
        DrOptions {
            to: self.to.clone(),
            fault_at_s: self.fault_at,
            fault_for_s: self.fault_for,
            duration_s: self.duration,
            replicates: self.replicates,
            seed: self.seed,
            ..DrOptions::default()
        }
    }

    /// The chart's path: `--chart`, else `<FILE stem>-dr.svg` in the current directory.
    fn chart_path(&self) -> Option<PathBuf> {
        if self.no_chart {
            return None;
        }
        Some(self.chart.clone().unwrap_or_else(|| {
            let stem = self.file.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
            PathBuf::from(format!("{stem}-dr.svg"))
        }))
    }
}

/// Runs `gatesim dr` and returns its exit code.
pub fn run(args: &DrArgs) -> u8 {
    let Some(scenario) = load_scenario(&args.file, None) else { return EXIT_BAD_INPUT };
    let o = args.options();
    if let Some(dir) = &args.write_scenarios {
        return write_scenarios(args, &scenario, &o, dir);
    }
    let chart = args.chart_path();
    let mut outs: Vec<outputs::Output<'_>> = Vec::new();
    if let Some(c) = &chart {
        if let Err(e) = dr::check_chart_path(c) {
            eprintln!("error: --chart {e}");
            return EXIT_BAD_INPUT;
        }
        outs.push(("--chart", c.as_path(), false));
    }
    outs.extend(args.json.as_deref().map(|j| ("--json", j, false)));
    if let Err(e) = outputs::check(&[args.file.as_path()], &outs) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let (primary, secondary) = match dr::regions(&scenario, &o) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    let bar = progress_bar(false);
    let progress = |f: f64| {
        if let Some(b) = &bar {
            b.set_position((f * 1000.0) as u64);
        }
    };
    let result = dr::table_with(&scenario, &o, Some(&progress));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    let replicates = rows.first().map_or(1, |r| r.replicates);
    out(&format!(
        "{}: primary region {primary}, recovery region {secondary}\n{primary} down at {} for {}; {} simulated, {replicates} replicate(s), seed {}\n\n",
        scenario.name,
        crate::report::duration_text(o.fault_at_s),
        crate::report::duration_text(o.fault_for_s),
        crate::report::duration_text(o.duration_s),
        o.seed.unwrap_or(scenario.run.seed),
    ));
    out(&dr::rows_text(&rows));
    out("\n");
    out(dr::notes());
    if let Some(c) = &chart {
        if let Err(e) = dr::chart_titled(&rows, Some(&scenario.name), c) {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
        out(&format!("\nchart: {}\n", c.display()));
    }
    if let Some(path) = &args.json {
        #[derive(serde::Serialize)]
        struct DrJson<'a> {
            scenario: &'a str,
            primary: &'a str,
            secondary: &'a str,
            options: &'a DrOptions,
            rows: &'a [dr::DrRow],
        }
        let doc =
            DrJson { scenario: &scenario.name, primary: &primary, secondary: &secondary, options: &o, rows: &rows };
        let written = serde_json::to_string_pretty(&doc)
            .map_err(|e| e.to_string())
            .and_then(|t| load::write_atomic(path, (t + "\n").as_bytes()).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    EXIT_OK
}

/// Writes the four classic strategies' scenarios into `dir`, each with a header saying how it
/// was generated.
fn write_scenarios(args: &DrArgs, scenario: &crate::model::Scenario, o: &DrOptions, dir: &Path) -> u8 {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: --write-scenarios {}: {e}", dir.display());
        return EXIT_BAD_INPUT;
    }
    let files: Vec<(Strategy, PathBuf)> =
        Strategy::CLASSIC.iter().map(|&st| (st, dir.join(format!("{}.ron", st.file_stem())))).collect();
    let outs: Vec<outputs::Output<'_>> = files.iter().map(|(_, p)| ("--write-scenarios", p.as_path(), false)).collect();
    if let Err(e) = outputs::check(&[args.file.as_path()], &outs) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let mut built = Vec::new();
    for (st, path) in &files {
        match dr::apply(scenario, *st, o) {
            Ok(s) => built.push((*st, path, s)),
            Err(e) => {
                eprintln!("error: {}: {e}", args.file.display());
                return EXIT_BAD_INPUT;
            }
        }
    }
    let mut command = format!("gatesim dr {} --write-scenarios {}", args.file.display(), dir.display());
    for (flag, value, default) in [
        ("--fault-at", o.fault_at_s, DrOptions::default().fault_at_s),
        ("--fault-for", o.fault_for_s, DrOptions::default().fault_for_s),
        ("--duration", o.duration_s, DrOptions::default().duration_s),
    ] {
        if value != default {
            command.push_str(&format!(" {flag} {value}"));
        }
    }
    if let Some(to) = &o.to {
        command.push_str(&format!(" --to {to}"));
    }
    if let Some(n) = o.replicates {
        command.push_str(&format!(" --replicates {n}"));
    }
    if let Some(seed) = o.seed {
        command.push_str(&format!(" --seed {seed}"));
    }
    for (st, path, s) in built {
        let mut text = format!("// {}: {}.\n", st.label(), st.summary());
        text.push_str(&format!("// Generated from {} by\n//     {command}\n", args.file.display()));
        text.push_str("// Edit that file and run the command again rather than editing this one. Run it with\n");
        text.push_str(&format!("//     gatesim run {}\n", path.display()));
        text.push_str(&format!("// or compare every strategy with `gatesim dr {}`.\n", args.file.display()));
        text.push_str(&load::to_string(&s));
        text.push('\n');
        if let Err(e) = load::write_atomic(path, text.as_bytes()) {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
        out(&format!("wrote {}\n", path.display()));
    }
    EXIT_OK
}
