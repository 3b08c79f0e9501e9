//! Validation of a gateway's rate limits: each route's own limit, the gateway's shared limits
//! ([`Gateway::limits`]) and the routes naming them.

use super::names::check_name;
use super::validate::Checker;
use super::{Gateway, LimitKey, Limiter, RateLimit};

/// Every problem of gateway `g`'s rate limits, reported on node `name`.
pub(super) fn check(c: &mut Checker<'_>, name: &str, g: &Gateway) {
    for r in &g.routes {
        if let Some(rl) = &r.rate_limit {
            limit(c, name, &format!("route {} rate limit", r.path_prefix), rl);
        }
        let Some(shared) = &r.shared_limit else { continue };
        if r.rate_limit.is_some() {
            c.error(
                Some(name),
                format!(
                    "route {} has both a rate_limit of its own and shared_limit \"{shared}\": expected one of them",
                    r.path_prefix
                ),
            );
        }
        if g.shared_limit(shared).is_none() {
            let known: Vec<&str> = g.limits.iter().map(|l| l.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            c.error(
                Some(name),
                format!(
                    "route {}: shared_limit \"{shared}\" is not one of the gateway's limits (declared: {known})",
                    r.path_prefix
                ),
            );
        }
    }
    for (i, l) in g.limits.iter().enumerate() {
        if let Err(e) = check_name(&l.name) {
            c.error(Some(name), format!("limit name \"{}\": {e}", l.name));
        }
        if g.limits[..i].iter().any(|o| o.name == l.name) {
            c.error(Some(name), format!("limit \"{}\" is declared twice: expected unique limit names", l.name));
        }
        limit(c, name, &format!("limit \"{}\"", l.name), &l.limit);
        if !g.routes.iter().any(|r| r.shared_limit.as_deref() == Some(l.name.as_str())) {
            c.warn(Some(name), format!("limit \"{}\" is used by no route (name it in a route's shared_limit)", l.name));
        }
    }
}

/// The problems of one rate limit, `what` naming it.
fn limit(c: &mut Checker<'_>, name: &str, what: &str, rl: &RateLimit) {
    if let Some(msg) = rl.algorithm.problem() {
        c.error(Some(name), format!("{what}: {msg}"));
    }
    if let Limiter::EnvoyLocalRateLimit { descriptors, .. } = &rl.algorithm
        && !descriptors.is_empty()
        && rl.key != LimitKey::Global
    {
        c.error(
            Some(name),
            format!(
                "{what}: descriptors need key: Global, got {:?} (the token bucket is the route's one default bucket; \
                 a bucket per client is a rate limit keyed on Client without descriptors)",
                rl.key
            ),
        );
    }
}
