//! Who was hurt: users impacted per client population and per path of its request mix, and the
//! reason in words when a rate limit keyed on the client caused it (see the definitions in the
//! [module docs](super)).

use crate::metrics::{Outcome, PopUsers, Recorder};
use crate::model::{Event, LimitKey, Scenario, lint, param};
use crate::sim::plan::{Plan, PopPlan};
use serde::{Deserialize, Serialize};

/// Users impacted in one client population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationImpact {
    /// The population's name (`trace` for a trace's client keys).
    pub name: String,
    /// Its users active in the window, per replicate.
    pub users_active: f64,
    /// Of which impacted, per replicate.
    pub users_impacted: f64,
    /// users_impacted / users_active, in percent (0 with no active user).
    pub users_impacted_pct: f64,
    /// Its requests sent in the window, per replicate.
    pub requests: f64,
    /// Of which a gateway's rate limit rejected, per replicate.
    pub rate_limited: f64,
    /// Per path of its request mix, in the mix's order; empty when not tracked.
    pub paths: Vec<PathImpact>,
    /// Whether per-path figures were kept (false past [`crate::metrics::MAX_PATH_USER_BITS`]).
    pub paths_tracked: bool,
}

/// Users of one population impacted by their requests for one path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathImpact {
    /// The request path.
    pub path: String,
    /// Users of the population who sent a request for it, per replicate.
    pub users_active: f64,
    /// Of which a request for it impacted, per replicate.
    pub users_impacted: f64,
    /// users_impacted / users_active, in percent.
    pub users_impacted_pct: f64,
}

/// Why a population was hurt, in words: a rate limit keyed on the client that its busiest key
/// exceeds at its peak.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LimitReason {
    /// The gateway.
    pub gateway: String,
    /// The route's path prefix.
    pub route: String,
    /// The population.
    pub clients: String,
    /// `client address` or `user`.
    pub key: String,
    /// The population's users.
    pub users: u32,
    /// The keys they appear as (client addresses; users for a limit on the user).
    pub addresses: u32,
    /// The busiest key's offered rate at the population's peak, r/s.
    pub key_rps: f64,
    /// The limit's sustained rate per key, r/s.
    pub limit_rps: f64,
    /// The limit in the product's words.
    pub limit: String,
    /// The mechanism: `20,000 users share 6 addresses: 16 r/s per address against 10 r/s`.
    pub text: String,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole > 0 { 100.0 * part as f64 / whole as f64 } else { 0.0 }
}

/// The entries of `rec.users` that are populations of their own (not a flash crowd, not attack
/// traffic), with their names and plans; and the trace's keys when a trace sent any.
fn own<'a>(
    plan: &'a Plan,
    rec: &'a Recorder,
) -> impl Iterator<Item = (&'a str, Option<&'a PopPlan>, &'a PopUsers)> + 'a {
    let pops = plan.pops.iter().enumerate().filter(|(i, p)| p.base as usize == *i && !p.attack);
    let named = pops.filter_map(|(i, p)| Some((p.name.as_str(), Some(p), rec.users.get(i)?)));
    let trace = rec.users.get(plan.pops.len()).filter(|t| t.active_count > 0).map(|t| ("trace", None, t));
    named.chain(trace)
}

/// A population's paths in the order of its mix, each once.
fn mix_order(pop: Option<&PopPlan>) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for &(_, path) in pop.map_or(&[][..], |p| &p.routes[..]) {
        if !out.contains(&u32::from(path)) {
            out.push(u32::from(path));
        }
    }
    out
}

/// Per population, from merged totals of `runs` replicates (figures per replicate; percentages
/// from the totals, as the whole run's).
pub fn populations(plan: &Plan, rec: &Recorder, runs: f64) -> Vec<PopulationImpact> {
    own(plan, rec)
        .map(|(name, pop, u)| PopulationImpact {
            name: name.to_owned(),
            users_active: u.active_count as f64 / runs,
            users_impacted: u.impacted_count as f64 / runs,
            users_impacted_pct: pct(u.impacted_count, u.active_count),
            requests: u.outcomes.iter().sum::<u64>() as f64 / runs,
            rate_limited: u.outcomes[Outcome::RateLimited as usize] as f64 / runs,
            // In the order of the population's mix.
            paths: mix_order(pop)
                .into_iter()
                .filter_map(|path| u.paths.iter().find(|p| p.path == path))
                .map(|p| PathImpact {
                    path: plan.paths.get(p.path as usize).cloned().unwrap_or_default(),
                    users_active: p.active_count as f64 / runs,
                    users_impacted: p.impacted_count as f64 / runs,
                    users_impacted_pct: pct(p.impacted_count, p.active_count),
                })
                .collect(),
            paths_tracked: u.paths_tracked,
        })
        .collect()
}

/// Impacted / active users per population of one finished replicate, in percent, in the order
/// of [`populations`].
pub fn replicate_pcts(plan: &Plan, rec: &Recorder) -> Vec<f64> {
    own(plan, rec).map(|(_, _, u)| pct(u.impacted_count, u.active_count)).collect()
}

/// A count with thousands separators: `20,000`.
fn count(n: u32) -> String {
    super::compare::thousands(f64::from(n))
}

/// A rate in words: `16 r/s`, `2.5 r/s`, `0.017 r/s`.
pub fn rate_words(rps: f64) -> String {
    if rps >= 9.95 {
        format!("{rps:.0} r/s")
    } else if rps >= 0.995 {
        format!("{rps:.1} r/s")
    } else {
        format!("{rps:.3} r/s")
    }
}

/// The mechanism of a finding in words: `20,000 users share 6 addresses: 16 r/s per address
/// against 10 r/s`; without NAT, `its busiest address sends 16 r/s against 10 r/s`; for a limit
/// on the user, `its busiest user sends ...`.
fn mechanism(f: &lint::KeyRateFinding) -> String {
    let (key_rps, limit) = (rate_words(f.key_rps), rate_words(f.limit_rps));
    match f.key {
        LimitKey::Client if f.addresses < f.users => format!(
            "{} users share {} address{}: {key_rps} per address against {limit}",
            count(f.users),
            count(f.addresses),
            if f.addresses == 1 { "" } else { "es" }
        ),
        LimitKey::Client => format!("its busiest address sends {key_rps} against {limit}"),
        _ => format!("its busiest user sends {key_rps} against {limit}"),
    }
}

/// Why the populations in `hurt` (those with rate-limited requests) were hurt, in words: each
/// gateway route limited per client key (address or user) whose sustained rate is below a
/// population's busiest key at the population's peak, as [`lint::key_rates`] computes it (the
/// population's peak rate x its link share to the gateway x the route's share of its mix x the
/// busiest key's share of its requests), for the configuration in the file and for each timeline
/// change applied to it alone. Per (gateway, route, population) the tightest such limit is kept.
/// Flash crowds joining a population are not in its peak. In file order of the findings.
pub fn rate_limit_reasons(scenario: &Scenario, populations: &[PopulationImpact]) -> Vec<LimitReason> {
    let hurt = |name: &str| populations.iter().any(|p| p.name == name && p.rate_limited > 0.0);
    if !populations.iter().any(|p| p.rate_limited > 0.0) {
        return Vec::new();
    }
    let mut base = scenario.clone();
    base.timeline.clear();
    base.variants.clear();
    let mut findings = lint::key_rates(&base);
    for e in &scenario.timeline {
        let Event::Change(ch) = e else { continue };
        let mut changed = base.clone();
        if param::apply(&mut changed.topology, &ch.node, &ch.set).is_ok() {
            findings.extend(lint::key_rates(&changed));
        }
    }
    let mut out: Vec<(LimitReason, f64)> = Vec::new();
    for f in findings.into_iter().filter(|f| hurt(&f.clients)) {
        let ratio = f.key_rps / f.limit_rps.max(1e-12);
        let reason = LimitReason {
            gateway: f.gateway.clone(),
            route: f.route.clone(),
            clients: f.clients.clone(),
            key: if f.key == LimitKey::User { "user" } else { "client address" }.into(),
            users: f.users,
            addresses: f.addresses,
            key_rps: f.key_rps,
            limit_rps: f.limit_rps,
            limit: f.limit_text.clone(),
            text: mechanism(&f),
        };
        let same = |(r, _): &&mut (LimitReason, f64)| {
            r.gateway == reason.gateway && r.route == reason.route && r.clients == reason.clients
        };
        match out.iter_mut().find(same) {
            Some(slot) if slot.1 < ratio => *slot = (reason, ratio),
            Some(_) => {}
            None => out.push((reason, ratio)),
        }
    }
    out.into_iter().map(|(r, _)| r).collect()
}

/// A share in percent with one decimal, or more when one would read as none or all but is not:
/// `94.1 %`, `99.95 %`, `0.02 %`, `100.0 %`.
pub fn pct_words(pct: f64) -> String {
    for places in 1..4 {
        let text = format!("{pct:.places$}");
        let shown: f64 = text.parse().unwrap_or(pct);
        if (shown == 100.0 && pct < 100.0) || (shown == 0.0 && pct > 0.0) {
            continue;
        }
        return format!("{text} %");
    }
    format!("{pct:.4} %")
}

/// The "who was hurt" line: `mobile-users 94.1 %, partners 0.0 %`.
pub fn who_line(populations: &[PopulationImpact]) -> String {
    populations.iter().map(|p| format!("{} {}", p.name, pct_words(p.users_impacted_pct))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two populations through one gateway: `mobile` (4 users behind 1 address, 50 r/s for
    /// `/api/a` and `/api/b`) on a route limited to 1 request a minute per client address, and
    /// `partners` (3 users, 5 r/s for `/open/x`) on a route without limit. After a warm-up second
    /// the address's one request a minute is spent: every mobile request in the window is
    /// rejected, no partner request is.
    fn two_populations(replicates: u32) -> (Scenario, super::super::Report) {
        let text = format!(
            r#"Scenario(format_version: 1, name: "t", run: (seed: 7, duration_s: 11, warmup_s: 1, replicates: {replicates}),
            topology: (nodes: [
                Clients((name: "mobile", users: 4, addresses: 1, arrivals: Deterministic, traffic: Constant(rate_rps: 50.0),
                    routes: [(path: "/api/a", weight: 1.0), (path: "/api/b", weight: 1.0)])),
                Clients((name: "partners", users: 3, arrivals: Deterministic, traffic: Constant(rate_rps: 5.0),
                    routes: [(path: "/open/x", weight: 1.0)])),
                Gateway((name: "gw", routes: [
                    (path_prefix: "/api", upstream: "api", rate_limit: (key: Client, algorithm: NginxLimitReq(rate: "1r/m", burst: 0, nodelay: true))),
                    (path_prefix: "/open", upstream: "api"),
                ])),
                Service((name: "api", instances: 1, concurrency: 100, service_time: Constant(ms: 1.0))),
            ], links: [
                (from: "mobile", to: "gw", latency: Constant(ms: 1.0)),
                (from: "partners", to: "gw", latency: Constant(ms: 1.0)),
                (from: "gw", to: "api", latency: Constant(ms: 1.0)),
            ]))"#
        );
        let s = crate::model::load::from_str(&text, std::path::Path::new("t.ron")).unwrap_or_else(|e| panic!("{e}"));
        let r = crate::sim::run(&s, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
        (s, r)
    }

    #[test]
    fn a_population_behind_a_blocking_limit_is_all_hurt_and_the_other_not_at_all() {
        let (_, r) = two_populations(2);
        let names: Vec<&str> = r.populations.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["mobile", "partners"]);
        let (mobile, partners) = (&r.populations[0], &r.populations[1]);
        // 500 mobile requests in the 10 s window, every one rejected; all 4 users sent some.
        assert_eq!((mobile.requests, mobile.rate_limited), (500.0, 500.0));
        assert_eq!((mobile.users_active, mobile.users_impacted, mobile.users_impacted_pct), (4.0, 4.0, 100.0));
        assert_eq!((partners.requests, partners.rate_limited), (50.0, 0.0));
        assert_eq!((partners.users_active, partners.users_impacted, partners.users_impacted_pct), (3.0, 0.0, 0.0));
        // Per path: both of mobile's paths hurt all 4 users; the partners' one nobody.
        let paths = |p: &PopulationImpact| {
            p.paths.iter().map(|x| (x.path.clone(), x.users_active, x.users_impacted_pct)).collect::<Vec<_>>()
        };
        assert_eq!(paths(mobile), [("/api/a".into(), 4.0, 100.0), ("/api/b".into(), 4.0, 100.0)]);
        assert_eq!(paths(partners), [("/open/x".to_owned(), 3.0, 0.0)]);
        // The whole run: 4 of 7 users, the same figures merged as the populations'.
        assert_eq!((r.summary.users_impacted, r.summary.users_active), (4.0, 7.0));
        assert_eq!(r.per_replicate[1].populations_impacted_pct, [100.0, 0.0]);
        assert_eq!(r.estimates["mobile.users_impacted_pct"].mean, Some(100.0));
        assert_eq!(r.estimates["partners.users_impacted_pct"].mean, Some(0.0));
        assert_eq!(who_line(&r.populations), "mobile 100.0 %, partners 0.0 %");
        // The reason: the 4 users' one address sends 50 r/s against 1 r/m.
        let [reason] = r.reasons.as_slice() else { panic!("{:?}", r.reasons) };
        assert_eq!((reason.gateway.as_str(), reason.route.as_str(), reason.clients.as_str()), ("gw", "/api", "mobile"));
        assert_eq!(reason.text, "4 users share 1 address: 50 r/s per address against 0.016 r/s");
    }

    #[test]
    fn the_mechanism_in_words_names_users_addresses_and_rates() {
        // 20,000 users behind 6 addresses at 96 r/s: 3,334 users on the busiest, 16 r/s.
        let finding = |key, addresses| lint::KeyRateFinding {
            gateway: "gw".into(),
            route: "/api".into(),
            clients: "mobile".into(),
            limit_rps: 10.0,
            key_rps: 96.0 * 3334.0 / 20_000.0,
            key,
            users: 20_000,
            addresses,
            peak_rps: 96.0,
            limit_text: String::new(),
            message: String::new(),
        };
        assert_eq!(
            mechanism(&finding(LimitKey::Client, 6)),
            "20,000 users share 6 addresses: 16 r/s per address against 10 r/s"
        );
        assert_eq!(mechanism(&finding(LimitKey::Client, 20_000)), "its busiest address sends 16 r/s against 10 r/s");
        assert_eq!(mechanism(&finding(LimitKey::User, 20_000)), "its busiest user sends 16 r/s against 10 r/s");
        assert_eq!(
            (pct_words(99.95), pct_words(94.12), pct_words(0.0), pct_words(100.0)),
            ("99.95 %".into(), "94.1 %".into(), "0.0 %".into(), "100.0 %".into())
        );
        assert_eq!((pct_words(0.004), pct_words(99.9996)), ("0.004 %".into(), "99.9996 %".into()));
        assert_eq!(
            (rate_words(0.5), rate_words(2.5), rate_words(16.0)),
            ("0.500 r/s".into(), "2.5 r/s".into(), "16 r/s".into())
        );
    }
}
