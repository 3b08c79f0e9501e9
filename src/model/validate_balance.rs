//! Validation of a load balancer's start position and path rules (called from `validate.rs`).

use super::validate::Checker;
use super::{Balance, LoadBalancer, Service};
use std::collections::HashSet;

/// Most a pooled service's weight can be (the engine's weights are whole numbers; the exporters
/// check their product's own range, 1..=256 for NGINX and HAProxy).
pub const MAX_POOL_WEIGHT: u32 = 1000;

/// Every problem of `lb`'s `start` and path rules (named `name` in messages); `links_to` holds
/// the names the balancer links to.
pub(super) fn check(c: &mut Checker<'_>, name: &str, lb: &LoadBalancer, links_to: &HashSet<&str>) {
    if let Some(h) = lb.health_check.as_ref().and_then(|c| c.http.as_ref()) {
        if lb.algorithm.product() == super::Product::Envoy {
            c.error(
                Some(name),
                "health_check http is HAProxy's option httpchk; Envoy's HTTP checks (a host unhealthy at the first \
                 unexpected status) are not modelled: use a layer 4 check (no http) on an Envoy balancer"
                    .into(),
            );
        }
        if let Err(why) = super::names::check_path(&h.path) {
            c.error(Some(name), format!("health_check http path {:?}: {why}", h.path));
        }
        if let Some(s) = h.expect_status
            && !(100..=599).contains(&s)
        {
            c.error(Some(name), format!("health_check http expect_status {s} must be an HTTP status, 100..=599"));
        }
    }
    for r in &lb.rules {
        if !r.path_prefix.starts_with('/') {
            c.error(Some(name), format!("rule path_prefix \"{}\" must start with /", r.path_prefix));
        }
        match (r.service.is_empty(), r.pool.is_empty()) {
            (true, true) => c.error(
                Some(name),
                format!(
                    "rule {}: expected a service (service: \"NAME\") or a pool (pool: [(service: \"NAME\")])",
                    r.path_prefix
                ),
            ),
            (false, false) => c.error(
                Some(name),
                format!(
                    "rule {}: give service or pool, not both (service {:?}, a pool of {})",
                    r.path_prefix,
                    r.service,
                    r.pool.len()
                ),
            ),
            _ => {}
        }
        for (k, (service, weight)) in r.services().enumerate() {
            if !service.is_empty() && !links_to.contains(service) {
                c.error(
                    Some(name),
                    format!("rule {} -> {service}: the load balancer has no link to \"{service}\"", r.path_prefix),
                );
            }
            if r.services().take(k).any(|(s, _)| s == service) {
                c.error(Some(name), format!("rule {}: the pool names {service:?} twice", r.path_prefix));
            }
            if let Some(w) = weight
                && !(1..=MAX_POOL_WEIGHT).contains(&w)
            {
                c.error(
                    Some(name),
                    format!(
                        "rule {} pool {service}: weight {w} must be a whole number from 1 to {MAX_POOL_WEIGHT}",
                        r.path_prefix
                    ),
                );
            }
        }
    }
    if lb.start.is_some()
        && !matches!(
            lb.algorithm,
            Balance::EnvoyRoundRobin
                | Balance::EnvoyLeastRequest { .. }
                | Balance::NginxRoundRobin { .. }
                | Balance::HaproxyRoundRobin
        )
    {
        c.error(
            Some(name),
            format!(
                "start applies to EnvoyRoundRobin, EnvoyLeastRequest, NginxRoundRobin and HaproxyRoundRobin only, \
                 not to {} (remove start, or pick one of those algorithms)",
                lb.algorithm.label()
            ),
        );
    }
}

/// A service's `health_status` is an HTTP status.
pub(super) fn check_service(c: &mut Checker<'_>, name: &str, svc: &Service) {
    if !(100..=599).contains(&svc.health_status) {
        c.error(Some(name), format!("health_status {} must be an HTTP status, 100..=599", svc.health_status));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::load::parse;
    use crate::model::validate::{Severity, validate};
    use std::path::Path;

    /// A gateway, balancer `lb` (with `lb` fields) and services `a`, `b`; the problems' texts.
    pub(super) fn errors(lb: &str) -> Vec<String> {
        let text = format!(
            r#"Scenario(format_version: 1, name: "t", run: (seed: 1, duration_s: 10.0), topology: (
    nodes: [
        Clients((name: "c", traffic: Constant(rate_rps: 1.0), routes: [(path: "/x", weight: 1.0)])),
        Gateway((name: "gw")),
        LoadBalancer((name: "lb", {lb})),
        Service((name: "a", instances: 2, service_time: Constant(ms: 1.0))),
        Service((name: "b", instances: 1, service_time: Constant(ms: 1.0))),
    ],
    links: [(from: "c", to: "gw"), (from: "gw", to: "lb"), (from: "lb", to: "a"), (from: "lb", to: "b")],
))"#
        );
        let s = parse(&text, Path::new("t.ron")).unwrap_or_else(|e| panic!("{e}"));
        validate(&s, Some(&text))
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| format!("[{}] {}", p.node.unwrap_or_default(), p.message))
            .collect()
    }

    #[test]
    fn a_pooled_rule_needs_linked_services_once_each_with_weights_in_range() {
        assert!(
            errors(r#"rules: [(path_prefix: "/x", pool: [(service: "a", weight: 3), (service: "b")])]"#).is_empty()
        );
        assert!(errors(r#"rules: [(path_prefix: "/x", service: "a")]"#).is_empty());
        let cases = [
            (r#"(path_prefix: "/x")"#, "rule /x: expected a service"),
            (r#"(path_prefix: "/x", service: "a", pool: [(service: "b")])"#, "rule /x: give service or pool, not both"),
            (
                r#"(path_prefix: "/x", pool: [(service: "a"), (service: "zz")])"#,
                "rule /x -> zz: the load balancer has no link",
            ),
            (r#"(path_prefix: "/x", pool: [(service: "a"), (service: "a")])"#, "rule /x: the pool names \"a\" twice"),
            (r#"(path_prefix: "/x", pool: [(service: "a", weight: 0)])"#, "rule /x pool a: weight 0 must be"),
            (
                r#"(path_prefix: "/x", pool: [(service: "b", weight: 1001)])"#,
                "weight 1001 must be a whole number from 1 to 1000",
            ),
        ];
        for (rule, want) in cases {
            let e = errors(&format!("rules: [{rule}]"));
            assert!(e.len() == 1 && e[0].starts_with("[lb] ") && e[0].contains(want), "{rule}: {e:?}");
        }
    }

    #[test]
    fn an_http_check_needs_a_path_and_a_real_status() {
        assert!(errors(r#"health_check: Some((http: Some((path: "/healthz", expect_status: 200))))"#).is_empty());
        let e = errors(r#"health_check: Some((http: Some((path: "healthz"))))"#);
        assert!(e.len() == 1 && e[0].starts_with("[lb] health_check http path \"healthz\""), "{e:?}");
        let e = errors(r#"health_check: Some((http: Some((path: "/h", expect_status: 999))))"#);
        assert!(e.len() == 1 && e[0].contains("expect_status 999 must be an HTTP status"), "{e:?}");
        let e = errors(r#"algorithm: EnvoyRoundRobin, health_check: Some((http: Some((path: "/h"))))"#);
        assert!(e.len() == 1 && e[0].contains("Envoy's HTTP checks"), "{e:?}");
    }

    #[test]
    fn start_is_accepted_by_the_rotations_that_have_one_and_refused_elsewhere() {
        for algo in ["EnvoyRoundRobin", "EnvoyLeastRequest()", "NginxRoundRobin()", "HaproxyRoundRobin"] {
            assert!(errors(&format!("algorithm: {algo}, start: 3")).is_empty(), "{algo}");
        }
        // `lb_seed`, the field's name in earlier versions, still loads.
        assert!(errors("algorithm: EnvoyRoundRobin, lb_seed: Some(3)").is_empty());
        for algo in ["RoundRobin", "NginxLeastConn()", "HaproxyLeastConn", "EnvoyMaglev()"] {
            let e = errors(&format!("algorithm: {algo}, start: 3"));
            assert!(
                e.len() == 1 && e[0].starts_with("[lb] start applies to") && e[0].contains("HaproxyRoundRobin"),
                "{algo}: {e:?}"
            );
        }
    }
}
