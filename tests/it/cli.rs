//! The binary as a user runs it: exit codes and messages.

use super::repo;
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
    let dir = std::env::temp_dir().join(format!("gatesim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join(name)
}

#[test]
fn run_prints_a_summary_and_writes_json_and_csv() {
    let json = tmp("r.json");
    let csv = tmp("csv");
    let example = repo("scenarios/validation/mmck_rho080.ron");
    let (code, stdout, stderr) = gatesim(&[
        "run",
        example.to_str().unwrap_or(""),
        "--replicates",
        "2",
        "--json",
        json.to_str().unwrap_or(""),
        "--csv",
        csv.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("queue_full") && stdout.contains("station"), "{stdout}");
    let report: gatesim::report::Report =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.replicates, 2);
    let series = std::fs::read_to_string(csv.join("series.csv")).unwrap_or_default();
    assert!(series.starts_with("t_s,success_rps,queue_full_rps"), "{series}");
    assert_eq!(series.lines().count(), report.series.t_s.len() + 1);
    assert!(std::fs::read_to_string(csv.join("nodes.csv")).unwrap_or_default().contains("station,instance"));
}

#[test]
fn a_malformed_file_exits_2_with_file_line_col() {
    let bad = tmp("bad.ron");
    std::fs::write(&bad, "Scenario(\n  format_version: 1,\n  name: \"x\",\n  run: (seed: oops),\n)")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["run", bad.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:4:", bad.display())), "{stderr}");
}

#[test]
fn a_missing_file_exits_2() {
    let (code, _, stderr) = gatesim(&["run", "/no/such/file.ron"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/no/such/file.ron"), "{stderr}");
}

#[test]
fn lint_lists_every_problem_and_exits_2_on_errors() {
    let bad = tmp("lint.ron");
    let text = std::fs::read_to_string(repo("scenarios/checkout.ron"))
        .unwrap_or_default()
        .replacen("instances: 2,", "instances: 0,", 1)
        .replacen("error_rate: 0.002", "error_rate: 2.0", 1);
    std::fs::write(&bad, text).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, _) = gatesim(&["lint", bad.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(stdout.contains("[orders]") && stdout.contains("[payments]") && stdout.contains("2 error(s)"), "{stdout}");
    let (code, stdout, _) = gatesim(&["lint", repo("scenarios/checkout.ron").to_str().unwrap_or("")]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn an_unwritable_report_path_exits_2() {
    let example = repo("scenarios/validation/mm1_rho050.ron");
    let (code, _, stderr) =
        gatesim(&["run", example.to_str().unwrap_or(""), "--replicates", "1", "--json", "/no/such/dir/r.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/no/such/dir/r.json"), "{stderr}");
}

#[test]
fn timeline_mistakes_are_all_reported_with_their_line_and_node() {
    let text = std::fs::read_to_string(repo("scenarios/payments-bad-deploy.ron")).unwrap_or_default();
    let bad = text
        .replacen(
            "node: \"payments\",\n            set: [(path: \"error_rate\"",
            "node: \"paymnets\",\n            set: [(path: \"error_rate\"",
            1,
        )
        .replacen("(path: \"service_time.median_ms\"", "(path: \"service_time.median\"", 1)
        .replacen("at: \"09:50\"", "at: \"23:50\"", 1)
        .replacen("trigger: Alarm(\"payments-p99\")", "trigger: Alarm(\"payments-p98\")", 1);
    let file = tmp("timeline-lint.ron");
    std::fs::write(&file, &bad).unwrap_or_else(|e| panic!("{e}"));
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).map_or(0, |i| i + 1);
    let (code, stdout, _) = gatesim(&["lint", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2, "{stdout}");
    let f = file.display();
    for (line, expected) in [
        (line_of("name: \"payments-v2\""), "no node is named \"paymnets\""),
        (line_of("name: \"payments-v3\""), "has no field \"median\""),
        (line_of("name: \"payments-v3\""), "outside the run"),
        (line_of("name: \"auto-rollback\""), "no alarm is named \"payments-p98\""),
    ] {
        let wanted = format!("{f}:{line}: error: ");
        assert!(
            stdout.lines().any(|l| l.starts_with(&wanted) && l.contains(expected)),
            "{wanted} {expected}\n{stdout}"
        );
    }
    // The change's target node is named, so the editor can badge it.
    assert!(stdout.contains("[payments] change \"payments-v3\""), "{stdout}");
    // `run` refuses the file the same way.
    let (code, _, stderr) = gatesim(&["run", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2, "{stderr}");
    // An unknown metric is a syntax error at its line.
    let unknown = text.replacen("metric: Share5xx", "metric: Share6xx", 1);
    std::fs::write(&file, &unknown).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = gatesim(&["lint", file.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    let line = unknown.lines().position(|l| l.contains("Share6xx")).map_or(0, |i| i + 1);
    assert!(stderr.contains(&format!("{f}:{line}:")) && stderr.contains("Share6xx"), "{stderr}");
}
