//! The first seed incident's mechanism: a rate limit tightened below the legitimate peak rejects
//! the share the leaky-bucket arithmetic predicts.

use super::{run, scenario};
use gatesim::metrics::Outcome;
use gatesim::model::{ArrivalProcess, Node, Traffic};

#[test]
fn a_full_leaky_bucket_passes_exactly_its_rate() {
    // One address sending 16 r/s, evenly spaced, into limit_req 10r/s burst 20 nodelay. Once the
    // bucket has filled (about 3.3 s), NGINX passes exactly 10 requests per second: running 100 s
    // longer passes 1000 more requests, give or take the one in flight at the edge.
    let base = scenario("scenarios/incidents/rate-limit-tightened.ron");
    let mut s = base.clone();
    s.topology.nodes.retain(|n| n.name() != "partners");
    s.topology.links.retain(|l| l.from != "partners");
    for n in &mut s.topology.nodes {
        if let Node::Clients(c) = n {
            c.users = 1;
            c.addresses = None;
            c.arrivals = ArrivalProcess::Deterministic;
            c.traffic = Traffic::Constant { rate_rps: 16.0 };
        }
    }
    s.run.replicates = 1;
    let successes = |duration_s: f64| {
        let mut t = s.clone();
        t.run.duration_s = duration_s;
        run(&t).summary.successes
    };
    let (short, long) = (successes(100.0), successes(200.0));
    assert!((long - short - 1000.0).abs() <= 1.0, "{short} then {long}");
    // And the rest were answered 503 by limit_req.
    let r = run(&s);
    assert_eq!(r.summary.failures_by_cause[&Outcome::RateLimited] + r.summary.successes, r.summary.requests);
    assert_eq!(
        r.summary.statuses.get(&503).copied().unwrap_or(0.0),
        r.summary.failures_by_cause[&Outcome::RateLimited]
    );
}

#[test]
fn the_bundled_incident_rejects_the_predicted_share_and_hurts_most_users() {
    // 480 of 560 r/s come from 30 addresses at 16 r/s each against 10r/s: at most 6/16 of those
    // are rejected in steady state (Poisson lulls let a few more through), none of the partners'.
    let s = scenario("scenarios/incidents/rate-limit-tightened.ron");
    let r = run(&s);
    let share = r.summary.failures_by_cause[&Outcome::RateLimited] / r.summary.requests;
    let ceiling = 480.0 / 560.0 * 6.0 / 16.0;
    assert!(share > 0.30 && share <= ceiling, "rejected share {share}, arithmetic ceiling {ceiling}");
    assert!(r.summary.users_impacted_pct > 80.0, "{}", r.summary.users_impacted_pct);

    // Before the change (100r/s per address) nobody is limited.
    let mut before = s.clone();
    for n in &mut before.topology.nodes {
        if let Node::Gateway(g) = n {
            for route in &mut g.routes {
                if let Some(rl) = &mut route.rate_limit
                    && let gatesim::model::Limiter::NginxLimitReq { rate, .. } = &mut rl.algorithm
                {
                    *rate = "100r/s".into();
                }
            }
        }
    }
    let r = run(&before);
    assert_eq!(r.summary.failures_by_cause[&Outcome::RateLimited], 0.0);
    // Only the rare request slower than the 1 s latency SLO (the log-normal tails of a mobile
    // link crossed twice) still impacts its user.
    assert!(r.summary.slow_successes > 0.0 && r.summary.users_impacted_pct < 0.1, "{:?}", r.summary);
}
