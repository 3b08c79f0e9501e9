//! Hard limits: values no real system has are refused with their node and line, a run that
//! means hours of work is announced, an overloaded system stops with a clear message within a
//! memory bound, and times that would overflow the nanosecond clock are refused.

use std::process::Command;

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gatesim-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs the binary under bash with `ulimit -v` (KiB of address space), returning exit code,
/// stdout and stderr.
fn gatesim_limited(args: &[&str], kib: u64) -> (i32, String, String) {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!("ulimit -v {kib}; exec '{}' {}", env!("CARGO_BIN_EXE_gatesim"), quoted.join(" "));
    let out = Command::new("bash").arg("-c").arg(script).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario(rate: &str, duration: &str, instances: &str, extra: &str) -> String {
    format!(
        r#"Scenario(format_version: 1, name: "limits", run: (seed: 1, duration_s: {duration}{extra}),
  topology: (nodes: [
    Clients((name: "c", traffic: Constant(rate_rps: {rate}))),
    Service((name: "s", instances: {instances}, concurrency: 1, service_time: Constant(ms: 10.0))),
  ], links: [(from: "c", to: "s", latency: Constant(ms: 5.0))]))"#
    )
}

#[test]
fn absurd_numbers_are_refused_with_their_node_and_line() {
    let text = scenario("1e308", "1e308", "4294967295", "");
    let file = tmp("absurd.ron");
    std::fs::write(&file, &text).unwrap();
    let (code, stdout, _) = gatesim_limited(&["lint", file.to_str().unwrap()], 4_000_000);
    assert_eq!(code, 2, "{stdout}");
    let f = file.display();
    assert!(stdout.contains(&format!("{f}:1: error: run.duration_s 1e308 is above the limit of one year")), "{stdout}");
    assert!(
        stdout.contains(&format!("{f}:3: error: [c] traffic of 1e308 r/s is above the limit of 10000000 r/s")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{f}:4: error: [s] instances 4294967295 is above the limit of 100000")),
        "{stdout}"
    );
}

#[test]
fn a_run_that_means_hours_of_work_is_announced_by_lint() {
    let text = scenario("100000.0", "100000.0", "100", ", replicates: 4");
    let file = tmp("hours.ron");
    std::fs::write(&file, &text).unwrap();
    let (code, stdout, _) = gatesim_limited(&["lint", file.to_str().unwrap()], 4_000_000);
    assert_eq!(code, 0, "{stdout}");
    // 1e5 r/s x 1e5 s x 4 replicates = 4e10 requests: about 667 CPU-minutes at 1 M/s per core.
    assert!(
        stdout.contains("about 4.00e10 requests (4 replicate(s))") && stdout.contains("667 CPU-minutes"),
        "{stdout}"
    );
}

#[test]
fn an_overloaded_system_stops_with_a_message_within_a_memory_bound() {
    // 100,000 r/s into one slot serving 100 r/s, with an unbounded queue: requests in flight grow
    // by about 100,000 a second. The default bound (1,000,000) stops each replicate at 10 s; the
    // process stays within 1 GiB of address space (it would abort if it did not).
    let file = tmp("overload.ron");
    std::fs::write(&file, scenario("100000.0", "3600.0", "1", ", replicates: 2")).unwrap();
    let (code, _, stderr) = gatesim_limited(&["run", file.to_str().unwrap()], 1 << 20);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("1000000 requests were in flight at 10.0 s (replicate 0)")
            && stderr.contains("run.max_in_flight"),
        "{stderr}"
    );
}

#[test]
fn times_beyond_the_clock_are_refused_with_their_line() {
    let dir = tmp("trace");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.ron");
    std::fs::write(&file, scenario("0.0", "10.0", "1", "")).unwrap();
    for (row, column) in [("r1,1e300,k,/,", "send_ms"), ("r1,5,k,/,1e300", "service_ms")] {
        let trace = dir.join("requests.csv");
        std::fs::write(&trace, format!("id,send_ms,client_key,path,service_ms\nr0,1,k,/,\n{row}\n")).unwrap();
        let args = ["run", file.to_str().unwrap(), "--requests", trace.to_str().unwrap()];
        let (code, _, stderr) = gatesim_limited(&args, 4_000_000);
        assert_eq!(code, 2, "{stderr}");
        let expected = format!("{}:3: {column}: 1e300 ms is beyond the one-year limit", trace.display());
        assert!(stderr.contains(&expected), "{expected}\n{stderr}");
    }
}
