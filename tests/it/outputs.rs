//! Outputs: refused before any simulation when they would overwrite an input or another output or
//! cannot be written; written atomically (a symbolic link followed on purpose, permissions kept);
//! a CSV directory replaced as one unit; a SIGTERM during a write leaves no temporary file and no
//! torn target.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn gatesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gatesim")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("gatesim-outputs-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scenario(d: &std::path::Path, buckets: u32) -> std::path::PathBuf {
    let file = d.join("s.ron");
    let text = format!(
        r#"Scenario(format_version: 1, name: "outputs", run: (seed: 1, duration_s: 100.0, bucket_s: {}),
  slo: (window: "1s"),
  topology: (nodes: [
    Clients((name: "c", traffic: Constant(rate_rps: 20.0))),
    Service((name: "s", instances: 2, service_time: Exponential(mean_ms: 20.0))),
  ], links: [(from: "c", to: "s")]))"#,
        100.0 / f64::from(buckets)
    );
    std::fs::write(&file, text).unwrap();
    file
}

fn names(d: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(d).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn outputs_that_would_overwrite_an_input_or_each_other_are_refused_before_the_run() {
    let d = dir("refused");
    let s = scenario(&d, 100);
    let sp = s.to_str().unwrap();
    let link = d.join("link.ron");
    std::os::unix::fs::symlink(&s, &link).unwrap();
    let before = std::fs::read(&s).unwrap();
    let inc = d.join("incident.ron");
    std::fs::copy(super::repo("scenarios/incidents/rate-limit-tightened.ron"), &inc).unwrap();
    let incp = inc.to_str().unwrap();
    let inc_before = std::fs::read(&inc).unwrap();
    for (args, expected) in [
        (
            vec!["export", "--target", "nginx", "--gateway", "edge-gw", "-o", incp, incp],
            "is the same file as the input",
        ),
        (vec!["run", sp, "--json", sp], "is the same file as the input"),
        (vec!["run", sp, "--json", link.to_str().unwrap()], "is the same file as the input"),
        (vec!["run", sp, "--json", "/no/such/dir/r.json"], "cannot write in /no/such/dir"),
        (vec!["run", sp, "--csv", d.to_str().unwrap()], "which gatesim did not write there"),
        (vec!["run", sp, "--replicates", "0"], "0 is not in 1..=100000"),
    ] {
        let start = Instant::now();
        let (code, _, stderr) = gatesim(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(start.elapsed() < Duration::from_secs(5), "{args:?} was refused only after running");
    }
    assert_eq!(std::fs::read(&s).unwrap(), before, "the input is untouched");
    assert_eq!(std::fs::read(&inc).unwrap(), inc_before, "the exported scenario is untouched");
}

#[test]
fn a_symlinked_output_is_followed_and_keeps_its_permissions_and_csv_is_one_unit() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir("atomic");
    let s = scenario(&d, 100);
    let target = d.join("report.json");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = d.join("latest.json");
    std::os::unix::fs::symlink("report.json", &link).unwrap();
    let csv = d.join("csv");
    let (code, _, stderr) = gatesim(&[
        "run",
        s.to_str().unwrap(),
        "--json",
        link.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays");
    assert!(std::fs::read_to_string(&target).unwrap().starts_with('{'));
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(names(&csv), ["nodes.csv", "series.csv"]);
    // Again over the same directory: replaced whole, nothing left beside it.
    let (code, _, stderr) = gatesim(&["run", s.to_str().unwrap(), "--csv", csv.to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(names(&d), ["csv", "latest.json", "report.json", "s.ron"]);
}

#[test]
fn a_sigterm_during_a_write_leaves_no_temporary_file_and_no_torn_target() {
    // A report with 100,000 buckets is a JSON of tens of megabytes: its write takes long enough for
    // some of the kills, sent at times spread over the whole command, to land during it.
    let d = dir("sigterm");
    let s = scenario(&d, 100_000);
    let out = d.join("r.json");
    let csv = d.join("csv");
    let full = {
        let start = Instant::now();
        let (code, _, stderr) = gatesim(&[
            "run",
            s.to_str().unwrap(),
            "--json",
            out.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(code, 0, "{stderr}");
        start.elapsed()
    };
    let complete = std::fs::read(&out).unwrap();
    let mut killed = 0;
    for i in 0..12u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatesim"))
            .args([
                "run",
                s.to_str().unwrap(),
                "--json",
                out.to_str().unwrap(),
                "--csv",
                csv.to_str().unwrap(),
                "--quiet",
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(f64::from(i) / 12.0));
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        let status = child.wait().unwrap();
        killed += u32::from(!status.success());
        assert_eq!(names(&d), ["csv", "r.json", "s.ron"], "after a kill at {i}/12");
        assert_eq!(std::fs::read(&out).unwrap(), complete, "the target is the old or the new (identical) report");
        assert_eq!(names(&csv), ["nodes.csv", "series.csv"]);
    }
    assert!(killed > 0, "no kill landed before the end");
}
