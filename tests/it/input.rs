//! Reading input: the size cap holds on the bytes read, non-regular files are refused, a UTF-8
//! byte-order mark is accepted, invalid UTF-8 gets its line and column, run settings get their
//! line, a trace can come from standard input, and a request id used twice is an error.

use super::repo;
use std::io::Write;
use std::process::{Command, Stdio};

fn gatesim(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatesim"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gatesim-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn devices_and_directories_are_refused_at_once_and_a_bom_is_accepted() {
    for path in ["/dev/zero", "/tmp"] {
        let (code, _, stderr) = gatesim(&["lint", path], None);
        assert_eq!(code, 2);
        assert!(stderr.contains(path) && stderr.contains("not a regular file"), "{stderr}");
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(repo("scenarios/validation/mm1_rho050.ron")).unwrap());
    let file = tmp("bom.ron");
    std::fs::write(&file, bytes).unwrap();
    let (code, stdout, _) = gatesim(&["lint", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn invalid_utf8_and_run_settings_point_at_their_line() {
    let file = tmp("latin1.ron");
    std::fs::write(&file, b"Scenario(\n  format_version: 1,\n  name: \"caf\xe9\",\n").unwrap();
    let (code, _, stderr) = gatesim(&["lint", file.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:3:13: invalid UTF-8", file.display())), "{stderr}");
    let text = std::fs::read_to_string(repo("scenarios/validation/mm1_rho050.ron")).unwrap();
    let bad = text.replacen("replicates: 10", "replicates: 0", 1);
    assert_ne!(bad, text);
    let file = tmp("replicates.ron");
    std::fs::write(&file, &bad).unwrap();
    let line = bad.lines().position(|l| l.contains("replicates: 0")).map_or(0, |i| i + 1);
    let (code, stdout, _) = gatesim(&["lint", file.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(stdout.contains(&format!("{}:{line}: error: run.replicates", file.display())), "{stdout}");
}

#[test]
fn a_trace_comes_from_standard_input_and_duplicate_ids_are_refused() {
    let scenario = repo("scenarios/validation/mm1_rho050.ron");
    let decisions = tmp("decisions.csv");
    let args =
        ["run", scenario.to_str().unwrap(), "--requests", "-", "--decisions", decisions.to_str().unwrap(), "--quiet"];
    let trace = "id,send_ms,client_key,path\nr0,0,a,/\nr1,5,a,/\nr2,9,b,/\n";
    let (code, _, stderr) = gatesim(&args, Some(trace));
    assert_eq!(code, 0, "{stderr}");
    let rows = std::fs::read_to_string(&decisions).unwrap();
    assert_eq!(rows.lines().count(), 4, "{rows}");
    let (code, _, stderr) = gatesim(&args, Some("id,send_ms,client_key,path\nr0,0,a,/\nr1,5,a,/\nr0,9,b,/\n"));
    assert_eq!(code, 2);
    assert!(stderr.contains("-:4: id \"r0\" was already used on line 2"), "{stderr}");
}
