//! Who was hurt: users impacted per client population and per path of its request mix, and the
//! reason in words when a rate limit keyed on the client caused it (see the definitions in the
//! [module docs](super)).

use crate::metrics::{Outcome, PopUsers, Recorder};
use crate::model::{Event, LimitKey, Scenario, lint, param};
use crate::sim::plan::Plan;
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
    /// Per path of its request mix, in path order; empty when not tracked.
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
/// traffic), with their names; and the trace's keys when a trace sent any.
fn own<'a>(plan: &'a Plan, rec: &'a Recorder) -> impl Iterator<Item = (&'a str, &'a PopUsers)> + 'a {
    let pops = plan.pops.iter().enumerate().filter(|(i, p)| p.base as usize == *i && !p.attack);
    let named = pops.filter_map(|(i, p)| Some((p.name.as_str(), rec.users.get(i)?)));
    let trace = rec.users.get(plan.pops.len()).filter(|t| t.active_count > 0).map(|t| ("trace", t));
    named.chain(trace)
}

/// Per population, from merged totals of `runs` replicates (figures per replicate; percentages
/// from the totals, as the whole run's).
pub fn populations(plan: &Plan, rec: &Recorder, runs: f64) -> Vec<PopulationImpact> {
    own(plan, rec)
        .map(|(name, u)| PopulationImpact {
            name: name.to_owned(),
            users_active: u.active_count as f64 / runs,
            users_impacted: u.impacted_count as f64 / runs,
            users_impacted_pct: pct(u.impacted_count, u.active_count),
            requests: u.outcomes.iter().sum::<u64>() as f64 / runs,
            rate_limited: u.outcomes[Outcome::RateLimited as usize] as f64 / runs,
            paths: u
                .paths
                .iter()
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
    own(plan, rec).map(|(_, u)| pct(u.impacted_count, u.active_count)).collect()
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

/// The "who was hurt" line: `mobile-users 94.1 %, partners 0.0 %`.
pub fn who_line(populations: &[PopulationImpact]) -> String {
    populations.iter().map(|p| format!("{} {:.1} %", p.name, p.users_impacted_pct)).collect::<Vec<_>>().join(", ")
}
