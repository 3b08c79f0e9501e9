//! A balancer rule pooling two services (`LbRule::pool`): one NGINX `upstream` or HAProxy
//! `backend` holding s0's and s1's servers, with the pool's weight for s0 (3) overriding its link's
//! (1), and s1 taking its link's (2).

use crate::trace_gen::{Kind, Product, Spec};

/// The balancer's rule for the pooled kinds (RON, with a leading comma).
pub const RULES: &str = r#", rules: [(path_prefix: "/api", pool: [(service: "s0", weight: 3), (service: "s1")])]"#;

/// The pooled kinds' parameters over `base`: smooth WRR with s1 down for 3 s; fwrr with s0 down
/// for 3 s, retries and redispatch.
pub fn spec(kind: Kind, base: Spec) -> Spec {
    let pooled = Spec { weights: LINK_WEIGHTS, services: 2, lb_extra: RULES, ..base };
    match kind {
        Kind::NginxPooled => Spec {
            balance: "NginxRoundRobin(max_fails: 1, fail_timeout_s: 60)",
            failover: "NginxNextUpstream(tries: 0)",
            outages: &[(5000, 8000, "s1")],
            ..pooled
        },
        _ => Spec {
            product: Product::Haproxy,
            balance: "HaproxyRoundRobin",
            failover: "HaproxyRetries(retries: 1, redispatch: true, connect_timeout_ms: 300)",
            outages: &[(5000, 8000, "s0")],
            ..pooled
        },
    }
}

/// The link weights of the pooled kinds (s2 is not behind the balancer).
pub const LINK_WEIGHTS: [u32; 3] = [1, 2, 1];

/// The weights the balancer balances with, per server, when they are not the links' weights.
pub fn weights(kind: Kind) -> Option<Vec<u32>> {
    matches!(kind, Kind::NginxPooled | Kind::HaproxyPooled).then(|| vec![3, LINK_WEIGHTS[1]])
}
