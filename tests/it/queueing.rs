//! The validation ladder's first rung: single stations against queueing theory.
//!
//! Each bundled scenario under `scenarios/validation/` is run (its replicates give a confidence
//! interval) and compared with the closed form computed from the scenario's own parameters, so the
//! same check holds for any rates a scenario file sets. Acceptance: the theoretical value lies in
//! the simulated 99% confidence interval, or within 2% of the estimate, whichever is wider.

use super::{run, scenario};
use gatesim::metrics::queueing::{md1_mean_wait, mmc_mean_wait, mmck_blocking, mmck_utilisation};
use gatesim::model::{Dist, Node, Scenario, Traffic};
use gatesim::report::Report;

/// What theory predicts for a one-station scenario: (mean wait in ms, utilisation, blocking).
fn theory(s: &Scenario) -> (Option<f64>, f64, Option<f64>) {
    let mut lambda = None;
    let mut station = None;
    for n in &s.topology.nodes {
        match n {
            Node::Clients(c) => {
                if let Traffic::Constant { rate_rps } = c.traffic {
                    lambda = Some(rate_rps);
                }
            }
            Node::Service(svc) => station = Some(svc.clone()),
            _ => {}
        }
    }
    let (Some(lambda), Some(svc)) = (lambda, station) else { panic!("not a one-station scenario") };
    assert_eq!(svc.instances, 1, "one instance expected");
    let c = svc.concurrency;
    let (mu, deterministic) = match svc.service_time {
        Dist::Exponential { mean_ms } => (1000.0 / mean_ms, false),
        Dist::Constant { ms } => (1000.0 / ms, true),
        ref d => panic!("no closed form for {d:?}"),
    };
    match (svc.queue_capacity, deterministic) {
        (None, false) => (mmc_mean_wait(lambda, mu, c).map(|w| w * 1000.0), lambda / (f64::from(c) * mu), None),
        (None, true) => {
            assert_eq!(c, 1, "M/D/c has no simple closed form");
            (md1_mean_wait(lambda, mu).map(|w| w * 1000.0), lambda / mu, None)
        }
        (Some(q), false) => {
            let k = c + q;
            (None, mmck_utilisation(lambda, mu, c, k).unwrap_or(f64::NAN), mmck_blocking(lambda, mu, c, k))
        }
        (Some(_), true) => panic!("M/D/c/K has no simple closed form"),
    }
}

fn check(file: &str) {
    let s = scenario(file);
    let report: Report = run(&s);
    let (wait, util, block) = theory(&s);
    let est = |name: &str| report.estimates[&format!("station.{name}")];
    let mut lines = Vec::new();
    let mut ok = true;
    let mut compare = |what: &str, theory: f64, e: gatesim::report::Estimate| {
        let pass = e.contains(theory, 0.02);
        ok &= pass;
        lines.push(format!(
            "{file}: {what}: theory {theory:.5}, simulated {:.5} ± {:.5} (99% CI, n={}) -> {}",
            e.mean.unwrap_or(f64::NAN),
            e.ci99_half_width.unwrap_or(f64::NAN),
            e.n,
            if pass { "ok" } else { "MISMATCH" }
        ));
    };
    if let Some(w) = wait {
        compare("mean wait ms", w, est("mean_queue_wait_ms"));
    }
    compare("utilisation", util, est("utilisation"));
    if let Some(b) = block {
        compare("blocking probability", b, est("blocking_probability"));
    }
    for l in &lines {
        println!("{l}");
    }
    assert!(ok, "{}", lines.join("\n"));
}

macro_rules! cases {
    ($($name:ident => $file:literal,)*) => {
        $(#[test] fn $name() { check($file); })*
    };
}

cases! {
    mm1_rho050 => "scenarios/validation/mm1_rho050.ron",
    mm1_rho080 => "scenarios/validation/mm1_rho080.ron",
    mm1_rho095 => "scenarios/validation/mm1_rho095.ron",
    mmc_rho050 => "scenarios/validation/mmc_rho050.ron",
    mmc_rho080 => "scenarios/validation/mmc_rho080.ron",
    mmc_rho095 => "scenarios/validation/mmc_rho095.ron",
    md1_rho050 => "scenarios/validation/md1_rho050.ron",
    md1_rho080 => "scenarios/validation/md1_rho080.ron",
    md1_rho095 => "scenarios/validation/md1_rho095.ron",
    mmck_rho050 => "scenarios/validation/mmck_rho050.ron",
    mmck_rho080 => "scenarios/validation/mmck_rho080.ron",
    mmck_rho095 => "scenarios/validation/mmck_rho095.ron",
}

/// The DESIGN's reference station (lambda 37/s, mu 5/s, c 9): Erlang C gives 0.0603 s.
#[test]
fn reference_station_matches_erlang_c() {
    let mut s = scenario("scenarios/validation/mmc_rho080.ron");
    for n in &mut s.topology.nodes {
        match n {
            Node::Clients(c) => c.traffic = Traffic::Constant { rate_rps: 37.0 },
            Node::Service(svc) => {
                svc.concurrency = 9;
                svc.service_time = Dist::Exponential { mean_ms: 200.0 };
            }
            _ => {}
        }
    }
    s.run.duration_s = 4000.0;
    s.run.warmup_s = 100.0;
    s.run.replicates = 8;
    let r = run(&s);
    let e = r.estimates["station.mean_queue_wait_ms"];
    assert!(e.contains(60.3, 0.02), "{e:?}");
}
