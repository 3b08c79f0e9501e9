//! The seed incidents: the first one's mechanism (a rate limit tightened below the legitimate peak
//! rejects the share the leaky-bucket arithmetic predicts), and both replayed on their timelines
//! (users impacted and minutes of outage within 10% of the postmortems', as medians over
//! replicates), with counterfactuals that move the figures the way reasoning says they should.

use super::{run, scenario};
use gatesim::metrics::Outcome;
use gatesim::model::{ArrivalProcess, Node, Scenario, Traffic};
use gatesim::report::{Report, RunRow, run_row};

const INCIDENT_000: &str = "scenarios/incidents/rate-limit-tightened.ron";
const INCIDENT_002: &str = "scenarios/incidents/lb-misconfiguration.ron";

/// The incident's limit at 10r/s from the start, with no timeline.
fn tightened_from_the_start() -> Scenario {
    let mut s = scenario(INCIDENT_000);
    s.timeline.clear();
    s.variants.clear();
    for n in &mut s.topology.nodes {
        if let Node::Gateway(g) = n {
            for route in &mut g.routes {
                if let Some(rl) = &mut route.rate_limit
                    && let gatesim::model::Limiter::NginxLimitReq { rate, .. } = &mut rl.algorithm
                {
                    *rate = "10r/s".into();
                }
            }
        }
    }
    s
}

#[test]
fn a_full_leaky_bucket_passes_exactly_its_rate() {
    // One address sending 16 r/s, evenly spaced, into limit_req 10r/s burst 20 nodelay. Once the
    // bucket has filled (about 3.3 s), NGINX passes exactly 10 requests per second: running 100 s
    // longer passes 1000 more requests, give or take the one in flight at the edge.
    let mut s = tightened_from_the_start();
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
    let mut t = s.clone();
    t.run.duration_s = 100.0;
    let r = run(&t);
    assert_eq!(r.summary.failures_by_cause[&Outcome::RateLimited] + r.summary.successes, r.summary.requests);
    assert_eq!(
        r.summary.statuses.get(&503).copied().unwrap_or(0.0),
        r.summary.failures_by_cause[&Outcome::RateLimited]
    );
}

#[test]
fn the_tightened_limit_rejects_the_predicted_share_and_the_lint_says_so_before_any_run() {
    // 96 of 120 r/s come from 6 addresses at 16 r/s each against 10r/s: at most 6/16 of those are
    // rejected in steady state (Poisson lulls let a few more through), none of the partners'.
    let mut s = tightened_from_the_start();
    s.run.duration_s = 600.0;
    s.run.replicates = 2;
    let r = run(&s);
    let share = r.summary.failures_by_cause[&Outcome::RateLimited] / r.summary.requests;
    let ceiling = 96.0 / 120.0 * 6.0 / 16.0;
    assert!(share > 0.25 && share <= ceiling, "rejected share {share}, arithmetic ceiling {ceiling}");
    // The report says who and why: the file's own limit, no timeline.
    let [why] = r.reasons.as_slice() else { panic!("{:?}", r.reasons) };
    assert_eq!(why.text, "20,000 users share 6 addresses: 16 r/s per address against 10 r/s");
    let partners = r.populations.iter().find(|p| p.name == "partners").unwrap_or_else(|| panic!("no partners"));
    assert_eq!(partners.rate_limited, 0.0);
    // The lint finds it with the numbers, for the file with the limit tightened, and for the
    // incident's change.
    let findings = gatesim::model::lint::key_rates(&s);
    assert_eq!(findings.len(), 1, "{findings:?}");
    // 3,334 of the 20,000 users share the busiest address: 96 r/s x 3,334 / 20,000.
    assert!(
        (findings[0].key_rps - 96.0 * 3334.0 / 20_000.0).abs() < 1e-9 && findings[0].limit_rps == 10.0,
        "{findings:?}"
    );
    let text = std::fs::read_to_string(super::repo(INCIDENT_000)).unwrap_or_default();
    let problems = gatesim::model::validate::validate(&scenario(INCIDENT_000), Some(&text));
    let line = text.lines().position(|l| l.contains("name: \"tighten-limit\"")).map(|i| i + 1);
    assert!(
        problems.iter().any(|p| p.line == line && p.message.contains("16.0 r/s") && p.message.contains("10.0 r/s")),
        "{problems:?}"
    );
}

/// The scenario as written and each of its variants, with `replicates` for the variants.
fn variants(file: &str, replicates: u32) -> (Report, Vec<RunRow>) {
    let s = scenario(file);
    let written = run(&s);
    let mut rows = vec![run_row("as written", "", &written)];
    for v in &s.variants {
        let mut vs = s.variant(&v.name).unwrap_or_else(|e| panic!("{e}"));
        vs.run.replicates = replicates;
        rows.push(run_row(&v.name, &v.description, &run(&vs)));
    }
    (written, rows)
}

fn row<'a>(rows: &'a [RunRow], name: &str) -> &'a RunRow {
    rows.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no row {name}"))
}

fn minutes(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN) / 60.0
}

#[test]
fn incident_000_replays_80_percent_of_users_for_75_minutes_and_its_counterfactuals_move_as_reasoned() {
    let (r, rows) = variants(INCIDENT_000, 2);
    let t = r.timeline.as_ref().unwrap_or_else(|| panic!("timeline"));
    // The postmortem: about 80% of users, 14:30 to 15:45. Medians over the file's 4 replicates.
    let users = r.summary.users_impacted_pct;
    let outage = minutes(t.rto_s.median);
    assert!((72.0..=88.0).contains(&users), "users impacted {users}");
    assert!((67.5..=82.5).contains(&outage), "outage {outage} min");
    assert_eq!(t.trigger.as_ref().map(|x| x.name.as_str()), Some("tighten-limit"));
    // Who: the 80% are the NAT'd mobile users (20,000 of 25,000), nearly every one of them, on
    // both paths; no partner was rate limited. Why: the change's 10 r/s against 16 r/s per NAT
    // address.
    let pop = |name: &str| r.populations.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no {name}"));
    let (mobile, partners) = (pop("mobile-users"), pop("partners"));
    assert!(mobile.users_impacted_pct > 99.0 && mobile.users_active == 20_000.0, "{mobile:?}");
    assert!(mobile.paths.iter().all(|p| p.users_impacted_pct > 90.0), "{mobile:?}");
    assert!(partners.users_impacted_pct < 1.0 && partners.rate_limited == 0.0, "{partners:?}");
    let whole = (mobile.users_impacted + partners.users_impacted) / (mobile.users_active + partners.users_active);
    assert!((100.0 * whole - users).abs() < 1e-9, "populations add up to the whole run");
    let [why] = r.reasons.as_slice() else { panic!("{:?}", r.reasons) };
    assert_eq!((why.clients.as_str(), why.limit_rps), ("mobile-users", 10.0));
    assert_eq!(why.text, "20,000 users share 6 addresses: 16 r/s per address against 10 r/s");
    // The alarm caught the drop within a minute or two; the people took the rest.
    assert!(minutes(t.time_to_detect_s.median) <= 2.0, "{:?}", t.time_to_detect_s);
    // Caught before rollout: nobody is hurt (but for the rare request slower than the SLO).
    let caught = row(&rows, "caught by check");
    assert!(caught.users_impacted_pct < 1.0 && caught.breach_s == Some(0.0), "{caught:?}");
    // Its table cells say why it has no RTO and no time to detect: nothing started.
    assert_eq!((caught.rto_absent.as_str(), caught.detect_absent.as_str()), ("no outage", "no outage"), "{caught:?}");
    // An automatic rollback one minute after the alarm: the outage is the alarm's window plus
    // the rollback's minute (plus one SLO window of resolution).
    let auto = row(&rows, "automatic rollback");
    let detect = minutes(auto.time_to_detect_s);
    assert!(minutes(auto.rto_s) <= detect + 1.0 + 1.0 + 0.5, "{auto:?}");
    assert!(auto.users_impacted_pct < users / 2.0, "{auto:?}");
    // A canary on 10% of the client addresses hurts about a tenth of the NAT'd users, briefly.
    let canary = row(&rows, "canary, stopped at stage 1");
    assert!(canary.users_impacted_pct < 0.2 * users && minutes(canary.rto_s) < 10.0, "{canary:?}");
    // Keyed on the user, 10 r/s is far above any user's rate: nobody is limited.
    let per_user = row(&rows, "limit per user, not address");
    assert!(per_user.users_impacted_pct < 1.0, "{per_user:?}");
    assert!(!per_user.failed_by_cause.contains_key(&Outcome::RateLimited), "{per_user:?}");
    // The change started an incident that never broke the SLO: an RTO of 0, nothing to detect.
    assert_eq!((per_user.rto_s, per_user.detect_absent.as_str()), (Some(0.0), "no breach"), "{per_user:?}");
}

#[test]
fn incident_002_replays_80_percent_of_users_for_90_minutes_and_its_counterfactuals_move_as_reasoned() {
    let (r, rows) = variants(INCIDENT_002, 2);
    let t = r.timeline.as_ref().unwrap_or_else(|| panic!("timeline"));
    // The postmortem: about 80% of users, 11:00 to 12:30.
    let users = r.summary.users_impacted_pct;
    let outage = minutes(t.rto_s.median);
    assert!((72.0..=88.0).contains(&users), "users impacted {users}");
    assert!((81.0..=99.0).contains(&outage), "outage {outage} min");
    // The heavy backend exhausted its resources and crashed.
    assert!(r.summary.failures_by_cause[&Outcome::UpstreamReset] > 0.0);
    let written = row(&rows, "as written");
    // Without the uneven weights (only the buggy release), or with a balancer that ignores them,
    // the pool carries the load: nobody is hurt for long.
    for name in ["caught by check", "fair balancer"] {
        let v = row(&rows, name);
        assert!(v.users_impacted_pct < 5.0 && v.breach_s.unwrap_or(0.0) < 120.0, "{v:?}");
    }
    // The rollback one minute after the alarm: the alarm's 15-20 minutes, then recovery.
    let auto = row(&rows, "automatic rollback");
    assert!(minutes(auto.rto_s) < minutes(auto.time_to_detect_s) + 10.0, "{auto:?}");
    assert!(auto.users_impacted_pct < written.users_impacted_pct, "{auto:?}");
    // A canary of the weights on 10% of requests overloads nothing much; its rejections alarm
    // rolls it back: a few minutes in breach.
    let canary = row(&rows, "canary, stopped at stage 1");
    assert!(canary.breach_s.unwrap_or(f64::NAN) < 15.0 * 60.0 && canary.users_impacted_pct < 40.0, "{canary:?}");
    // A per-backend breaker ejects the overloaded backend before it exhausts its resources: no
    // crash, fewer failures; the other five still run hot until the weights are fixed.
    let breaker = row(&rows, "circuit breaker");
    assert!(!breaker.failed_by_cause.contains_key(&Outcome::UpstreamReset), "{breaker:?}");
    assert!(breaker.failed < written.failed, "{breaker:?}");
    // More backends: the heavy one still overloads and crashes, but its share then fits in the
    // others: far less time in breach.
    let more = row(&rows, "more capacity");
    assert!(more.breach_s.unwrap_or(f64::NAN) < 0.5 * written.breach_s.unwrap_or(0.0), "{more:?}");
}
