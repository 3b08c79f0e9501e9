//! The fuzz target: mutated scenarios through the command line, as a user's hostile or broken file
//! reaches it. Each case is written to a file and given to `gatesim lint`; a file that lint accepts
//! is made small (see [`tame`]) and given to `gatesim run`. Both must end within their bound with
//! exit 0 (accepted) or 2 (refused, with a message naming the file), never with a panic, an abort,
//! a signal or a hang.
//!
//! Seeds: every bundled scenario (`scenarios/`) and the corpus (`tests/corpus/`, hostile files
//! written by hand and every case that once failed), each first run as it is. Mutations: a span
//! deleted or duplicated, a byte replaced, a number replaced by an extreme, a token or a line of
//! another seed inserted, two lines swapped; one to four per case.
//!
//! Bounds (documented in README.md): `cargo test` runs the fuzzer for [`DEFAULT_SECS`] seconds
//! from seed [`DEFAULT_SEED`], the same cases on every machine (fewer on a slower one);
//! `GATESIM_FUZZ_SECS` and `GATESIM_FUZZ_SEED` run it longer or elsewhere. A case's `lint` must end
//! within [`LINT_BOUND`], its `run` within [`RUN_BOUND`] (debug build). A failing case is written to
//! `target/fuzz-failures/` with the command and its output; add it to `tests/corpus/` once fixed.

use super::repo;
use gatesim::model::{Node, Traffic, load};
use gatesim::sim::rng::mix64;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Seconds of fuzzing in `cargo test`.
const DEFAULT_SECS: u64 = 60;
/// The first case's seed in `cargo test`.
const DEFAULT_SEED: u64 = 0x6761_7465_7369_6d00;
/// Longest a `lint` of one case may take.
const LINT_BOUND: Duration = Duration::from_secs(30);
/// Longest simulated time of a tamed case (two hours: the incident replays fit).
const TAME_DURATION_S: f64 = 7200.0;
/// Most requests a tamed case's population or traffic event sends over the run.
const TAME_REQUESTS: f64 = 200_000.0;
/// Longest a `run` of one tamed case may take.
const RUN_BOUND: Duration = Duration::from_secs(90);

/// Numbers a mutation puts in place of a number: small ordinary ones (a scenario that still
/// validates, configured otherwise), limits, their neighbours, and what overflows.
const EXTREMES: [&str; 26] = [
    "1",
    "2",
    "3",
    "5",
    "10",
    "100",
    "0.1",
    "0.99",
    "0",
    "-0.0",
    "-1",
    "1e308",
    "-1e308",
    "1e-308",
    "NaN",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999999",
    "1e9",
    "10000001",
    "100001",
    "0.5",
    "2147483648",
];

/// Tokens a mutation inserts.
const TOKENS: [&str; 22] = [
    "\"",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "\n",
    "//",
    "/*",
    "\u{feff}",
    "\u{0}",
    "\\",
    "Some(",
    "None",
    "r#\"",
    "\u{202e}",
    "é",
    "name: \"x\\ny\", ",
    "at: \"25:61\", ",
    "duration: \"-5s\", ",
    "Fault((name: \"f9\", at: 1.0, target: \"nowhere\", kind: Down)),",
];

/// A deterministic stream of numbers for the mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = mix64(self.0);
        self.0
    }
    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// The seeds: bundled scenarios, then the corpus, by path.
fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["scenarios", "scenarios/incidents", "scenarios/validation", "tests/corpus"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            out.push((f, bytes));
        }
    }
    assert!(out.len() >= 20, "the seeds were not found: {} files", out.len());
    out
}

/// The byte ranges of the numbers in `text`.
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts =
            text[i].is_ascii_digit() && (i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_'));
        if starts {
            let begin = if i > 0 && text[i - 1] == b'-' { i - 1 } else { i };
            let mut end = i;
            while end < text.len() && (text[end].is_ascii_digit() || matches!(text[end], b'.' | b'e' | b'E' | b'_')) {
                end += 1;
            }
            out.push((begin, end));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// One mutation of `bytes`; `other` is another seed to take a line from.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, other: &[u8]) {
    let len = bytes.len();
    let at = rng.below(len + 1);
    match rng.below(7) {
        0 => {
            let end = (at + rng.below(64)).min(len);
            bytes.drain(at..end);
        }
        1 => {
            let end = (at + rng.below(200)).min(len);
            let copy = bytes[at..end].to_vec();
            bytes.splice(at..at, copy);
        }
        2 if at < len => bytes[at] = rng.next() as u8,
        3 => {
            let spots = numbers(bytes);
            if !spots.is_empty() {
                let (b, e) = spots[rng.below(spots.len())];
                let with = EXTREMES[rng.below(EXTREMES.len())];
                bytes.splice(b..e, with.bytes());
            }
        }
        4 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            bytes.splice(at..at, token.bytes());
        }
        5 => {
            let lines: Vec<&[u8]> = other.split(|&b| b == b'\n').collect();
            let line = lines[rng.below(lines.len())].to_vec();
            let at = line_start(bytes, at);
            bytes.splice(at..at, line.into_iter().chain([b'\n']));
        }
        _ => {
            let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
            *bytes = lines.join(&b'\n');
        }
    }
}

/// The start of the line holding byte `at`.
fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// What a finished command gave.
struct Outcome {
    code: Option<i32>,
    output: String,
    took: Duration,
}

/// Runs `gatesim args`, killed after `bound`; None when it had to be killed.
fn gatesim(args: &[&str], bound: Duration) -> Option<Outcome> {
    let dir = std::env::temp_dir();
    let out_file = tempfile_in(&dir, "out");
    let err_file = tempfile_in(&dir, "err");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatesim"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > bound {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = start.elapsed();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&std::fs::read(&out_file).unwrap_or_default()),
        String::from_utf8_lossy(&std::fs::read(&err_file).unwrap_or_default())
    );
    std::fs::remove_file(&out_file).ok();
    std::fs::remove_file(&err_file).ok();
    status.map(|s| Outcome { code: s.code(), output, took })
}

/// A fresh file name in `dir` for this process.
fn tempfile_in(dir: &Path, what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    dir.join(format!("gatesim-fuzz-{}-{}-{what}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)))
}

/// Makes an accepted scenario quick to run, keeping its shape: at most [`TAME_DURATION_S`]
/// simulated (a timeline that needs longer is cut, which `run` may then refuse: returns true), one
/// replicate, each population and traffic event at most [`TAME_REQUESTS`] requests over the run,
/// at most 100,000 requests in flight. What the fuzzer looks for is a crash, not a long run the
/// user asked for (which `lint` estimates and warns about).
fn tame(s: &mut gatesim::model::Scenario) -> bool {
    let shortened = s.run.duration_s > TAME_DURATION_S;
    s.run.duration_s = s.run.duration_s.min(TAME_DURATION_S);
    s.run.warmup_s = s.run.warmup_s.min(s.run.duration_s / 2.0);
    s.run.replicates = 1;
    s.run.max_in_flight = Some(s.run.max_in_flight.unwrap_or(100_000).min(100_000));
    let cap = (TAME_REQUESTS / s.run.duration_s.max(1.0)).max(1.0);
    for n in &mut s.topology.nodes {
        if let Node::Clients(c) = n
            && gatesim::model::lint::peak_rps(&c.traffic) > cap
        {
            c.traffic = Traffic::Constant { rate_rps: cap };
        }
    }
    for e in &mut s.timeline {
        if let gatesim::model::Event::Traffic(t) = e {
            t.rate_rps = t.rate_rps.min(cap);
        }
    }
    shortened
}

/// What is wrong with how a command ended, if anything.
fn judge(what: &str, outcome: Option<&Outcome>, bound: Duration, file: &Path) -> Option<String> {
    let Some(o) = outcome else {
        return Some(format!("{what} did not end within {bound:?}"));
    };
    if o.output.contains("panicked") || o.output.contains("RUST_BACKTRACE") {
        return Some(format!("{what} panicked"));
    }
    match o.code {
        Some(0) => None,
        Some(2) if o.output.contains(&file.display().to_string()) => None,
        Some(2) => Some(format!("{what} refused the file without naming it")),
        Some(c) => Some(format!("{what} exited {c}")),
        None => Some(format!("{what} was killed by a signal")),
    }
}

/// Lints one case and, when accepted, runs it tamed. Returns whether it ran, or what went wrong
/// with the output.
fn try_case(bytes: &[u8], dir: &Path) -> Result<bool, (String, String)> {
    let file = dir.join("case.ron");
    std::fs::write(&file, bytes).unwrap();
    let path = file.display().to_string();
    let lint = gatesim(&["lint", &path], LINT_BOUND);
    if let Some(why) = judge("lint", lint.as_ref(), LINT_BOUND, &file) {
        return Err((why, lint.map(|o| o.output).unwrap_or_default()));
    }
    if lint.as_ref().and_then(|o| o.code) != Some(0) {
        return Ok(false);
    }
    // Accepted: the same file must load in the library, and run from the command line.
    let text = String::from_utf8_lossy(bytes);
    let mut s = match load::from_str(&text, &file) {
        Ok(s) => s,
        Err(e) => return Err(("lint accepted a file the loader refuses".into(), e.to_string())),
    };
    let shortened = tame(&mut s);
    let tamed = dir.join("tamed.ron");
    load::save(&s, &tamed).unwrap();
    let tamed_path = tamed.display().to_string();
    let run = gatesim(&["run", &tamed_path, "--quiet"], RUN_BOUND);
    if let Some(why) = judge("run of the tamed case", run.as_ref(), RUN_BOUND, &tamed) {
        return Err((why, run.map(|o| o.output).unwrap_or_default()));
    }
    if let Some(o) = run
        && o.code == Some(2)
        && !shortened
        && !o.output.contains("in flight")
    {
        // A file lint accepted may be refused by `run` only for what lint cannot know (the run's
        // overload stop), or because taming cut the timeline.
        return Err(("run refused a file lint accepted".into(), format!("{} (after {:?})", o.output, o.took)));
    }
    Ok(true)
}

/// Writes a failing case beside the build for reproduction, and the panic message.
fn report(case: &[u8], label: &str, why: &str, output: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).ok();
    let file = dir.join(format!("{label}.ron"));
    std::fs::write(&file, case).ok();
    format!("fuzz case {label}: {why}\ncase written to {}\noutput:\n{output}", file.display())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn mutated_scenarios_end_with_exit_0_or_2_within_the_bound() {
    let secs = env_u64("GATESIM_FUZZ_SECS").unwrap_or(DEFAULT_SECS);
    let seed = env_u64("GATESIM_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let seeds = seeds();
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut failures = Vec::new();
    // Every seed as it is.
    for (path, bytes) in &seeds {
        if let Err((why, output)) = try_case(bytes, dir.path()) {
            let label = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            failures.push(report(bytes, &format!("seed-{label}"), &why, &output));
        }
    }
    // Then mutations until the time is up.
    let mut rng = Rng(seed);
    let (mut cases, mut ran) = (0u64, 0u64);
    while start.elapsed() < Duration::from_secs(secs) && failures.len() < 5 {
        let case_seed = rng.next();
        let mut r = Rng(case_seed);
        let (_, base) = &seeds[r.below(seeds.len())];
        let (_, other) = &seeds[r.below(seeds.len())];
        let mut bytes = base.clone();
        for _ in 0..=r.below(4) {
            mutate(&mut r, &mut bytes, other);
        }
        cases += 1;
        match try_case(&bytes, dir.path()) {
            Ok(r) => ran += u64::from(r),
            Err((why, output)) => failures.push(report(&bytes, &format!("{case_seed:016x}"), &why, &output)),
        }
    }
    eprintln!(
        "fuzz: {} seeds and {cases} mutated cases ({ran} accepted by lint and run) in {:.0} s (seed {seed:#x})",
        seeds.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_panic_a_signal_a_hang_or_an_unnamed_refusal_fails_a_case() {
    let file = Path::new("/tmp/case.ron");
    let ended = |code, output: &str| Outcome { code, output: output.into(), took: Duration::ZERO };
    let bound = Duration::from_secs(1);
    assert_eq!(judge("lint", Some(&ended(Some(0), "ok")), bound, file), None);
    assert_eq!(judge("lint", Some(&ended(Some(2), "error: /tmp/case.ron:3: bad")), bound, file), None);
    for (outcome, why) in [
        (Some(ended(Some(2), "error: bad")), "without naming it"),
        (Some(ended(Some(101), "thread 'main' panicked at src/x.rs")), "panicked"),
        (Some(ended(Some(134), "")), "exited 134"),
        (Some(ended(None, "")), "signal"),
        (None, "did not end"),
    ] {
        let verdict = judge("lint", outcome.as_ref(), bound, file);
        assert!(verdict.as_deref().is_some_and(|v| v.contains(why)), "{verdict:?}, expected {why}");
    }
}

#[test]
fn mutations_reach_numbers_and_lines() {
    let text = b"a: 1.5, b: -20, c_3: 4e9\nname: \"x\"";
    assert_eq!(numbers(text), vec![(3, 6), (11, 14), (21, 24)]);
    let mut rng = Rng(1);
    let mut changed = 0;
    for _ in 0..200 {
        let mut bytes = text.to_vec();
        mutate(&mut rng, &mut bytes, b"other: line");
        changed += usize::from(bytes != text);
    }
    assert!(changed > 150, "only {changed} of 200 mutations changed the text");
}
