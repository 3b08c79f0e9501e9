//! `gatesim dr`: the classic disaster-recovery strategies applied to a design and measured by
//! simulation (docs/dr.md).

use super::{repo, scenario};
use gatesim::dr::{self, DrOptions, Strategy};
use gatesim::model::validate::{Severity, validate};
use gatesim::model::{Event, Scenario, load};
use std::process::Command;

fn gatesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gatesim")).args(args).output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gatesim-dr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join(name)
}

/// A design that is none of the bundled ones: no regions, no data store, one gateway.
const TINY: &str = r#"Scenario(
    format_version: 1,
    name: "tiny",
    run: (seed: 3, duration_s: 60.0),
    topology: (
        nodes: [
            Clients((name: "users", users: 500, traffic: Constant(rate_rps: 20.0))),
            Gateway((name: "gw")),
            Service((name: "api", instances: 2, concurrency: 4, service_time: Exponential(mean_ms: 10.0))),
        ],
        links: [(from: "users", to: "gw"), (from: "gw", to: "api")],
    ),
)
"#;

fn fault_of(s: &Scenario) -> Option<(String, String)> {
    s.timeline.iter().find_map(|e| match e {
        Event::Fault(f) => Some((f.target.clone(), format!("{} {:?}", f.at, f.duration))),
        _ => None,
    })
}

/// Acceptance (issue 15.3 a): the four bundled strategies face the same region outage, and the
/// simulated figures order them: cost per month strictly rising and RTO falling from backup and
/// restore to active/active, every one recovering within its run.
#[test]
fn bundled_strategies_rise_in_cost_and_fall_in_rto() {
    let started = std::time::Instant::now();
    let runs: Vec<(Strategy, Scenario)> = Strategy::CLASSIC
        .iter()
        .map(|&st| {
            let mut s = scenario(&format!("scenarios/dr/{}.ron", st.file_stem()));
            // Long enough to recover and hold 5 minutes: backup and restore waits for the
            // restore, 45 minutes after the fault at 15; the others recover within 11.
            s.run.duration_s = if st == Strategy::BackupRestore { 4200.0 } else { 2400.0 };
            (st, s)
        })
        .collect();
    let faults: Vec<_> = runs.iter().map(|(_, s)| fault_of(s)).collect();
    assert!(faults[0].is_some() && faults.iter().all(|f| *f == faults[0]), "{faults:?}");
    let o = DrOptions { replicates: Some(1), steady_duration_s: 300.0, ..DrOptions::default() };
    let rows = dr::measure(&runs, &o, None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", dr::rows_text(&rows));
    for w in rows.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(
            a.cost_per_month_usd < b.cost_per_month_usd,
            "{} costs {} a month, {} {}",
            a.strategy,
            a.cost_per_month_usd,
            b.strategy,
            b.cost_per_month_usd
        );
        let rto = |r: &dr::DrRow| r.rto_s.unwrap_or_else(|| panic!("{} did not recover", r.strategy));
        assert!(rto(a) > rto(b), "{} RTO {:?}, {} {:?}", a.strategy, a.rto_s, b.strategy, b.rto_s);
    }
    // Backup and restore loses the writes since the last backup (the first, at the start).
    let br = rows[0].rpo.unwrap_or_else(|| panic!("backup and restore: no RPO"));
    assert!(br.recovered && (br.oldest_s - 900.0).abs() < 1.0, "{br:?}");
    // Every strategy with a replica loses at most the writes of a couple of seconds of lag.
    for r in &rows[1..] {
        let rpo = r.rpo.unwrap_or_else(|| panic!("{}: no RPO", r.strategy));
        assert!(rpo.recovered && rpo.oldest_s < 2.0, "{}: {rpo:?}", r.strategy);
    }
    eprintln!("measured in {:.1} s", started.elapsed().as_secs_f64());
}

/// The bundled files are what `apply` writes from scenarios/dr/base.ron (regenerate them with
/// `gatesim dr scenarios/dr/base.ron --write-scenarios scenarios/dr/`).
#[test]
fn bundled_files_are_generated_from_the_base_design() {
    let base = scenario("scenarios/dr/base.ron");
    for st in Strategy::CLASSIC {
        let path = format!("scenarios/dr/{}.ron", st.file_stem());
        let file = scenario(&path);
        let built = dr::apply(&base, st, &DrOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(file == built, "{path} is not what apply writes today: regenerate it");
        let (code, stdout, _) = gatesim(&["lint", repo(&path).to_str().unwrap_or("")]);
        assert_eq!(code, 0, "{stdout}");
        assert!(stdout.ends_with("0 error(s), 0 warning(s)\n"), "{stdout}");
    }
}

#[test]
fn apply_builds_a_valid_scenario_of_designs_that_are_not_bundled() {
    let tiny = load::from_str(TINY, std::path::Path::new("tiny.ron")).unwrap_or_else(|e| panic!("{e}"));
    for s in [scenario("scenarios/checkout.ron"), scenario("scenarios/two-region-failover.ron"), tiny] {
        for st in Strategy::ALL {
            let built = dr::apply(&s, st, &DrOptions::default()).unwrap_or_else(|e| panic!("{}: {st}: {e}", s.name));
            let errors: Vec<String> = validate(&built, None)
                .into_iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| format!("{:?}: {}", p.node, p.message))
                .collect();
            assert!(errors.is_empty(), "{}: {st}: {errors:?}", s.name);
            // Deterministic: the same scenario twice, to the byte.
            let again = dr::apply(&s, st, &DrOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(load::to_string(&built), load::to_string(&again));
            // Written and read back, it is the same scenario.
            let back = load::from_str(&load::to_string(&built), std::path::Path::new("x.ron"))
                .unwrap_or_else(|e| panic!("{}: {st}: {e}", s.name));
            assert!(back == built, "{}: {st} does not survive a save", s.name);
        }
    }
}

#[test]
fn dr_prints_the_table_and_writes_the_chart_of_a_design_not_bundled() {
    let file = tmp("tiny.ron");
    std::fs::write(&file, TINY).unwrap_or_else(|e| panic!("{e}"));
    let (chart, json) = (tmp("tiny-chart.svg"), tmp("tiny-dr.json"));
    let args = [
        "dr",
        file.to_str().unwrap_or(""),
        "--duration",
        "1500",
        "--fault-at",
        "300",
        "--replicates",
        "1",
        "--chart",
        chart.to_str().unwrap_or(""),
        "--json",
        json.to_str().unwrap_or(""),
    ];
    let (code, stdout, stderr) = gatesim(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("primary region us-east-1, recovery region us-east-2"), "{stdout}");
    for st in Strategy::ALL {
        assert!(stdout.contains(st.label()), "{st}: {stdout}");
    }
    let svg = std::fs::read_to_string(&chart).unwrap_or_default();
    assert!(svg.starts_with("<svg") && svg.contains(">\npilot light\n</text>"), "{svg}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc["rows"].as_array().map(Vec::len), Some(5));
    assert!(doc["rows"][4]["rto_s"].as_f64().is_some(), "{doc}");

    // The same rows on one thread as on several.
    let s = load::from_str(TINY, std::path::Path::new("tiny.ron")).unwrap_or_else(|e| panic!("{e}"));
    let o = DrOptions { duration_s: 900.0, fault_at_s: 300.0, steady_duration_s: 60.0, ..DrOptions::default() };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().map(|p| p.install(|| dr::table(&s, &o)));
    let many = dr::table(&s, &o);
    assert_eq!(format!("{:?}", one.ok().map(|r| r.ok())), format!("{:?}", Some(many.ok())));

    // A chart that is neither SVG nor PNG is refused before any simulation.
    let pdf = tmp("x.pdf");
    let (code, stdout, stderr) = gatesim(&["dr", file.to_str().unwrap_or(""), "--chart", pdf.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("x.pdf") && stderr.contains(".svg or .png"), "{stderr}");
    assert!(stdout.is_empty() && !pdf.exists(), "{stdout}");
}

#[test]
fn bad_input_exits_2_naming_the_file_line_and_node() {
    let bad = tmp("bad.ron");
    std::fs::write(&bad, TINY.replace("concurrency: 4", "concurrency: 0")).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["dr", bad.to_str().unwrap_or(""), "--no-chart"]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:9", bad.display())) && stderr.contains("api"), "{stderr}");

    let broken = tmp("broken.ron");
    std::fs::write(&broken, "Scenario(\n  format_version: 1,\n  name: \"x\",\n  run: (seed: oops),\n)")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["dr", broken.to_str().unwrap_or(""), "--no-chart"]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:4:", broken.display())), "{stderr}");

    // Valid, but no strategy can fail its traffic over: the population sends straight to a service.
    let direct = tmp("direct.ron");
    let text = TINY.replace(r#"(from: "users", to: "gw")"#, r#"(from: "users", to: "api")"#);
    std::fs::write(&direct, text).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["dr", direct.to_str().unwrap_or(""), "--no-chart"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("\"users\" sends straight to service \"api\""), "{stderr}");

    let (code, _, stderr) = gatesim(&["dr", repo("scenarios/dr/base.ron").to_str().unwrap_or(""), "--to", "us-east-1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is the primary region"), "{stderr}");
}
