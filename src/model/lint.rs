//! Design lints that need no simulation: what the configuration says about the traffic the
//! scenario models.
//!
//! **A per-key rate limit below a key's legitimate peak.** For each gateway route limited per
//! client key, and each client population reaching that gateway with requests for the route: the
//! busiest client address of the population sends `peak rate x route share x (that address's
//! share of the population's requests)`. Users behind one NAT address share it (`addresses`), so
//! thousands of legitimate users can look like one heavy client. When that rate is above the
//! limiter's sustained rate, the limit rejects legitimate requests in steady state (about
//! `1 - limit / rate` of them). This is the first seed incident's mechanism, caught before any
//! simulation.

use super::{KeyDistribution, LimitKey, Limiter, Node, Scenario, Traffic};
use std::collections::HashMap;

/// One finding: the node concerned and the message.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRateFinding {
    /// The gateway.
    pub gateway: String,
    /// The route's path prefix.
    pub route: String,
    /// The client population.
    pub clients: String,
    /// The limiter's sustained rate per key, r/s.
    pub limit_rps: f64,
    /// The busiest key's rate at the population's peak, r/s.
    pub key_rps: f64,
    /// What the limit is keyed on.
    pub key: LimitKey,
    /// The population's users.
    pub users: u32,
    /// The keys they appear as: their client addresses (`users` for a limit keyed on the user).
    pub addresses: u32,
    /// The population's rate at its peak on the route, r/s.
    pub peak_rps: f64,
    /// The limit in the product's words (`limit_req 10r/s burst 20 nodelay`).
    pub limit_text: String,
    /// What it says.
    pub message: String,
}

impl Limiter {
    /// The rate one key can sustain in steady state, requests per second (the burst aside).
    pub fn sustained_rps(&self) -> f64 {
        match self {
            Limiter::NginxLimitReq { rate, .. } => match Limiter::parse_nginx_rate(rate) {
                // NGINX stores r/m as truncated milli-requests per second (1r/m = 16).
                Some((n, true)) => (n * 1000 / 60) as f64 / 1000.0,
                Some((n, false)) => n as f64,
                None => f64::INFINITY,
            },
            Limiter::HaproxyHttpReqRate { period_ms, limit, .. } => *limit as f64 * 1000.0 / (*period_ms).max(1) as f64,
            Limiter::EnvoyLocalRateLimit { tokens_per_fill, fill_interval_ms, .. } => {
                f64::from(*tokens_per_fill) * 1000.0 / (*fill_interval_ms).max(1) as f64
            }
            Limiter::AwsThrottle { rate_rps, .. } => f64::from(*rate_rps),
            Limiter::Gcra { per_second, .. } => f64::from(*per_second),
            Limiter::Traefik { average, period_ms, .. } if *average > 0 => {
                *average as f64 * 1000.0 / (*period_ms).max(1) as f64
            }
            Limiter::Traefik { .. } => f64::INFINITY,
            Limiter::Kong { second, minute, hour, day, .. } => {
                [(second, 1.0), (minute, 60.0), (hour, 3600.0), (day, 86_400.0)]
                    .iter()
                    .filter_map(|(l, s)| l.map(|l| l as f64 / s))
                    .fold(f64::INFINITY, f64::min)
            }
            Limiter::EnvoyRateLimitService { requests_per_unit, unit } => {
                *requests_per_unit as f64 / unit.seconds() as f64
            }
            // The DRL gives each of n gateways max(1, rate / n) per window; the Redis limiters
            // allow `rate` per `per` (the lint looks at one gateway).
            Limiter::Tyk { rate, per_s, gateways, .. } => {
                let drl = matches!(self.build(0), Ok(crate::policy::ratelimit::AnyLimiter::Tyk(t))
                    if t.mode() == crate::policy::ratelimit::TykMode::Drl);
                let per_gateway = if drl { (*rate / u64::from((*gateways).max(1))).max(1) } else { *rate };
                per_gateway as f64 / (*per_s).max(1) as f64
            }
        }
    }
}

/// The highest rate of a traffic profile, r/s.
pub fn peak_rps(t: &Traffic) -> f64 {
    match t {
        Traffic::Constant { rate_rps } => *rate_rps,
        Traffic::Steps { steps } => steps.iter().map(|s| s.rate_rps).fold(0.0, f64::max),
        Traffic::Diurnal { mean_rps, amplitude, .. } => mean_rps * (1.0 + amplitude),
        Traffic::Spike { base_rps, peak_rps, .. } => base_rps.max(*peak_rps),
    }
}

/// The share of a population's requests that its busiest client address sends.
fn busiest_address_share(users: u32, addresses: u32, keys: KeyDistribution) -> f64 {
    let users = users.max(1);
    let addresses = addresses.clamp(1, users);
    match keys {
        KeyDistribution::Uniform => f64::from(users.div_ceil(addresses)) / f64::from(users),
        KeyDistribution::Zipf { exponent } if users <= 2_000_000 => {
            // User u (0-based) has weight (u + 1)^-s and comes from address u % addresses.
            let mut per = vec![0.0f64; addresses as usize];
            let mut total = 0.0;
            for u in 0..users {
                let w = f64::from(u + 1).powf(-exponent);
                per[(u % addresses) as usize] += w;
                total += w;
            }
            per.iter().fold(0.0f64, |a, &b| a.max(b)) / total
        }
        // Very large populations: the busiest address holds at least the heaviest user.
        KeyDistribution::Zipf { .. } => 1.0 / f64::from(addresses),
    }
}

/// Every route limited per client key whose limit is below some population's busiest key at its
/// peak.
pub fn key_rates(s: &Scenario) -> Vec<KeyRateFinding> {
    let topo = &s.topology;
    let mut out = Vec::new();
    // Built on the first limited route: look-ups by name, not scans per gateway and population.
    let mut index = None;
    for node in &topo.nodes {
        let Node::Gateway(g) = node else { continue };
        if !g.routes.iter().any(|r| g.route_limit(r).is_some_and(|rl| rl.key != LimitKey::Global)) {
            continue;
        }
        let index = index.get_or_insert_with(|| topo.index());
        // The populations with a link to the gateway, in file order, with their link share to it.
        let pops: Vec<(&super::Clients, f64)> = index
            .senders(&g.name)
            .into_iter()
            .filter_map(|i| if let Some(Node::Clients(p)) = index.node_at(i) { Some(p) } else { None })
            .map(|p| {
                let links: Vec<_> = index.links_from(&p.name).map(|(_, l)| l).collect();
                let link_total: f64 = links.iter().map(|l| l.weight).sum();
                let link_share =
                    links.iter().filter(|l| l.to == g.name).map(|l| l.weight).sum::<f64>() / link_total.max(1e-12);
                (p, link_share)
            })
            .collect();
        let mut busiest: HashMap<(usize, u32), f64> = HashMap::new();
        for (i, route) in g.routes.iter().enumerate() {
            let Some(rl) = g.route_limit(route).filter(|rl| rl.key != LimitKey::Global) else { continue };
            // A shared limit counts the requests of every route naming it, reported once.
            let shares_with = |x: &super::Route| {
                x.path_prefix == route.path_prefix
                    || (route.shared_limit.is_some() && x.shared_limit == route.shared_limit)
            };
            if g.routes[..i].iter().any(|x| route.shared_limit.is_some() && x.shared_limit == route.shared_limit) {
                continue;
            }
            let what = match &route.shared_limit {
                Some(name) => {
                    format!("shared limit \"{name}\" (route {} and every route naming it)", route.path_prefix)
                }
                None => format!("route {} rate limit", route.path_prefix),
            };
            let limit = rl.algorithm.sustained_rps();
            for (k, &(p, link_share)) in pops.iter().enumerate() {
                // The share of the population's requests this route takes.
                let default = [super::RouteShare { path: "/".into(), weight: 1.0 }];
                let shares = if p.routes.is_empty() { &default[..] } else { &p.routes[..] };
                let total: f64 = shares.iter().map(|r| r.weight).sum();
                let route_share: f64 = shares
                    .iter()
                    .filter(|r| {
                        let best = g
                            .routes
                            .iter()
                            .filter(|x| r.path.starts_with(&x.path_prefix))
                            .max_by_key(|x| x.path_prefix.len());
                        best.is_some_and(shares_with)
                    })
                    .map(|r| r.weight)
                    .sum::<f64>()
                    / total.max(1e-12);
                let addresses = if rl.key == LimitKey::User { p.users } else { p.addresses.unwrap_or(p.users) };
                let peak = peak_rps(&p.traffic) * link_share * route_share;
                // Computed once per population and key (a sum over up to 2,000,000 users).
                let busiest =
                    *busiest.entry((k, addresses)).or_insert_with(|| busiest_address_share(p.users, addresses, p.keys));
                let key_rps = peak * busiest;
                let key = if rl.key == LimitKey::User { "user" } else { "client address" };
                if key_rps > limit && limit.is_finite() && peak > 0.0 {
                    let who = if addresses < p.users {
                        format!("{} users share {addresses} addresses: the busiest sends {key_rps:.1} r/s", p.users)
                    } else {
                        format!("its busiest user sends {key_rps:.1} r/s")
                    };
                    out.push(KeyRateFinding {
                        gateway: g.name.clone(),
                        route: route.path_prefix.clone(),
                        clients: p.name.clone(),
                        limit_rps: limit,
                        key_rps,
                        key: rl.key,
                        users: p.users,
                        addresses,
                        peak_rps: peak,
                        limit_text: rl.algorithm.describe(),
                        message: format!(
                            "{what} ({}) allows {limit:.1} r/s per {key}, but {} at its peak of {peak:.0} r/s: {who}, so about {:.0}% of that {key}'s legitimate requests would be rejected",
                            rl.algorithm.describe(),
                            p.name,
                            100.0 * (1.0 - limit / key_rps)
                        ),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustained_rates_follow_each_product() {
        let nginx = |rate: &str| Limiter::NginxLimitReq {
            rate: rate.into(),
            burst: 0,
            nodelay: false,
            delay: None,
            status: 503,
        };
        assert_eq!(nginx("10r/s").sustained_rps(), 10.0);
        assert_eq!(nginx("1r/m").sustained_rps(), 0.016);
        let h = Limiter::HaproxyHttpReqRate { period_ms: 10_000, limit: 50, expire_ms: 30_000, deny_status: 429 };
        assert_eq!(h.sustained_rps(), 5.0);
        let k =
            Limiter::Kong { second: None, minute: Some(600), hour: Some(3600), day: None, policy: Default::default() };
        assert_eq!(k.sustained_rps(), 1.0);
    }

    #[test]
    fn nat_addresses_concentrate_users() {
        assert_eq!(busiest_address_share(36_000, 30, KeyDistribution::Uniform), 1.0 / 30.0);
        assert_eq!(busiest_address_share(10, 3, KeyDistribution::Uniform), 0.4);
        // Zipf: the heaviest user's address carries more than an even share.
        assert!(busiest_address_share(1000, 10, KeyDistribution::Zipf { exponent: 1.0 }) > 0.1);
    }
}
