//! What the YAML gateway targets (Kong, Traefik, AWS API Gateway) check and build alike: the
//! pool of a route, the generic rotation as the only balancing they take, the balancer features
//! none of them has, and the grouping of routes into services that share a rate limiter.

use super::{ExportError, Pool, Resolved, ResolvedRoute, Target};
use crate::model::{Balance, RateLimit};

/// The pool a route sends to (a `Resolved` built by hand may point nowhere).
pub(super) fn pool<'r, 'a>(r: &'r Resolved<'a>, route: &ResolvedRoute<'_>) -> Result<&'r Pool<'a>, ExportError> {
    r.pools.get(route.pool).ok_or_else(|| ExportError::Broken {
        node: r.gateway.clone(),
        message: format!("route {:?} has no pool", route.prefix),
    })
}

/// The pool at index `i` (a `Resolved` built by hand may point nowhere).
pub(super) fn pool_at<'r, 'a>(r: &'r Resolved<'a>, i: usize) -> Result<&'r Pool<'a>, ExportError> {
    r.pools.get(i).ok_or_else(|| ExportError::Broken { node: r.gateway.clone(), message: format!("no pool {i}") })
}

/// Refuses what none of the YAML targets can express on a pool: Envoy's outlier detection and
/// circuit breakers, and any balancing but the generic rotation (`Balance::RoundRobin`), which
/// is the only algorithm the model has for these products. `rotation` names the product's
/// equivalent in the error.
pub(super) fn plain_pool(pool: &Pool<'_>, target: Target, rotation: &str) -> Result<(), ExportError> {
    if let Some(lb) = pool.balancer {
        if lb.outlier_detection.is_some() {
            return Err(ExportError::unsupported(
                &lb.name,
                "outlier detection",
                target,
                "Envoy's outlier detection has no equivalent with the same ejection rules",
            ));
        }
        if lb.circuit_breaker.is_some() {
            return Err(ExportError::unsupported(
                &lb.name,
                "circuit breaker",
                target,
                "Envoy's circuit-breaker thresholds have no equivalent",
            ));
        }
    }
    match pool.algorithm() {
        Balance::RoundRobin => Ok(()),
        other => Err(ExportError::unsupported(
            &pool.name,
            format!("balance {other:?}"),
            target,
            format!("another product's algorithm; only the generic RoundRobin maps to {rotation}"),
        )),
    }
}

/// A limiter's parameters as the simulator would refuse them, as an error for `target`.
pub(super) fn valid_limit(
    r: &Resolved<'_>,
    route: &ResolvedRoute<'_>,
    rl: &RateLimit,
    target: Target,
) -> Result<(), ExportError> {
    match rl.algorithm.problem() {
        None => Ok(()),
        Some(why) => Err(ExportError::unsupported(
            &r.gateway,
            format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
            target,
            why,
        )),
    }
}

/// Routes that share one service of the product: the resolved routes of one gateway route
/// (`limit_group`) that send to one pool. A service carries what they share (Kong's service-scoped
/// rate-limiting counter, the timeouts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Service {
    /// The gateway route (index into the gateway's routes).
    pub group: usize,
    /// Index into [`Resolved::pools`].
    pub pool: usize,
    /// Indices into [`Resolved::routes`], in route order.
    pub routes: Vec<usize>,
}

/// The services, in order of first use.
pub(super) fn services(r: &Resolved<'_>) -> Vec<Service> {
    let mut out: Vec<Service> = Vec::new();
    for (i, route) in r.routes.iter().enumerate() {
        match out.iter_mut().find(|s| s.group == route.limit_group && s.pool == route.pool) {
            Some(s) => s.routes.push(i),
            None => out.push(Service { group: route.limit_group, pool: route.pool, routes: vec![i] }),
        }
    }
    out
}

/// Refuses a rate-limited gateway route split (by a balancer's path rules) into more than one
/// of the product's limiter scopes (`scopes` counts them among the gateway route's resolved
/// routes): the simulator gives the gateway route one limiter, which the product cannot share
/// (`why`).
pub(super) fn one_limiter_per_route(
    r: &Resolved<'_>,
    target: Target,
    scopes: impl Fn(&[&ResolvedRoute<'_>]) -> usize,
    why: &str,
) -> Result<(), ExportError> {
    let mut groups: Vec<usize> = r.routes.iter().map(|x| x.limit_group).collect();
    groups.sort_unstable();
    groups.dedup();
    for g in groups {
        let members: Vec<&ResolvedRoute<'_>> = r.routes.iter().filter(|x| x.limit_group == g).collect();
        let Some(first) = members.first() else { continue };
        if first.rate_limit.is_some() && scopes(&members) > 1 {
            let prefixes: Vec<&str> = members.iter().map(|x| x.prefix.as_str()).collect();
            return Err(ExportError::unsupported(
                &r.gateway,
                format!("one rate limit shared by the routes {}", prefixes.join(", ")),
                target,
                why,
            ));
        }
    }
    Ok(())
}

/// Distinct pools among `routes`.
pub(super) fn distinct_pools(routes: &[&ResolvedRoute<'_>]) -> usize {
    let mut pools: Vec<usize> = routes.iter().map(|x| x.pool).collect();
    pools.sort_unstable();
    pools.dedup();
    pools.len()
}
