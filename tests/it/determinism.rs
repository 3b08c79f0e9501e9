//! Same scenario and seed, same bytes: twice, and with 1 or 2 threads.

use super::{repo, scenario};
use gatesim::sim::{RunOptions, run};

fn json_with_threads(file: &str, threads: usize) -> String {
    let s = scenario(file);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap_or_else(|e| panic!("{e}"));
    let report = pool.install(|| run(&s, &RunOptions::default())).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    for file in ["scenarios/checkout.ron", "scenarios/incidents/rate-limit-tightened.ron"] {
        let one = json_with_threads(file, 1);
        let two = json_with_threads(file, 2);
        let again = json_with_threads(file, 2);
        assert!(one == two, "{file}: 1 thread and 2 threads differ");
        assert!(two == again, "{file}: two runs with 2 threads differ");
    }
}

#[test]
fn a_replay_writes_the_same_decisions_twice() {
    let dir = std::env::temp_dir().join(format!("gatesim-det-replay-{}", std::process::id()));
    let (requests, outages) = gatesim::cli::bench::write_replay_trace(&dir, 20_000).unwrap();
    let scenario = gatesim::cli::bench::replay_scenario();
    let decide = |name: &str| {
        let out = dir.join(name);
        let files =
            gatesim::sim::replay::ReplayFiles { requests: &requests, outages: Some(&outages), decisions: Some(&out) };
        let r = gatesim::sim::replay::replay(&scenario, files).unwrap();
        assert_eq!(r.requests, 20_000);
        std::fs::read(&out).unwrap()
    };
    let a = decide("a.csv");
    let b = decide("b.csv");
    assert!(a == b, "two replays of one trace differ");
    // The outage is visible: some requests were refused by b1 and served elsewhere.
    assert!(String::from_utf8_lossy(&a).contains("b1! "));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn another_seed_gives_another_run() {
    let s = scenario("scenarios/checkout.ron");
    let a = run(&s, &RunOptions { seed: Some(1), replicates: Some(1), ..Default::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let b = run(&s, &RunOptions { seed: Some(2), replicates: Some(1), ..Default::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(a.summary.requests, b.summary.requests);
}

#[test]
fn adding_an_unrelated_node_leaves_other_streams_alone() {
    // A service nobody links to gets streams of its own; every other component draws the same.
    let s = scenario("scenarios/checkout.ron");
    let mut t = s.clone();
    t.topology.nodes.push(gatesim::model::Node::Service(gatesim::model::Service {
        description: String::new(),
        name: "unrelated".into(),
        region: None,
        pos: None,
        instances: 1,
        concurrency: 1,
        queue_capacity: None,
        service_time: gatesim::model::Dist::Constant { ms: 1.0 },
        error_rate: 0.0,
        answers: Vec::new(),
        autoscaling: None,
        deployment: Default::default(),
        health_status: 200,
    }));
    let opts = RunOptions { replicates: Some(1), ..Default::default() };
    let a = run(&s, &opts).unwrap_or_else(|e| panic!("{e}"));
    let b = run(&t, &opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.summary, b.summary);
    assert!(repo("scenarios/checkout.ron").exists());
}

#[test]
fn partial_reports_grow_and_end_where_the_run_ends() {
    let s = scenario("scenarios/validation/mmck_rho050.ron");
    let seen = std::sync::Mutex::new(Vec::new());
    let partial = |r: &gatesim::report::Report| {
        if let Ok(mut v) = seen.lock() {
            v.push(r.summary.requests);
        }
    };
    let opts = RunOptions { replicates: Some(2), partial: Some(&partial), ..Default::default() };
    let full = run(&s, &opts).unwrap_or_else(|e| panic!("{e}"));
    let seen = seen.into_inner().unwrap_or_default();
    // One partial report per hundredth of replicate 0 once the warm-up is over (before it, the
    // summary window has not begun).
    let before_window = (100.0 * s.run.warmup_s / s.run.duration_s).floor() as usize;
    assert!(before_window > 0, "the test wants a warm-up");
    assert_eq!(seen.len(), 100 - before_window, "one partial report per hundredth after the warm-up");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "requests only grow");
    // The last partial report comes when arrivals stop; what was still in the station (at most
    // its 5 places) is answered during the drain.
    let last = seen.last().map_or(0, |&x| x as u64);
    let done = full.per_replicate[0].requests;
    assert!(last <= done && done - last <= 5, "last partial {last}, final {done}");
}
