//! Validation of a load balancer's start position and path rules (called from `validate.rs`).

use super::validate::Checker;
use super::{Balance, LoadBalancer};

/// Every problem of `lb`'s `start` (named `name` in messages).
pub(super) fn check(c: &mut Checker<'_>, name: &str, lb: &LoadBalancer) {
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
