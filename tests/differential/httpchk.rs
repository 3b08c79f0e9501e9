//! HAProxy `option httpchk` (`ActiveCheck::http`): s1 runs and serves, but its check path answers
//! 503 (`Service::health_status`), so the layer 7 check marks it DOWN where a layer 4 check would
//! keep it UP. HAProxy starts its servers UP at `health = rise`, so s1's first failed check takes
//! it out (within `inter` of HAProxy's start, before the trace; within `inter` of the simulation's
//! start): no request is sent before both have settled (`quiet_start_ms`). s1 then takes no
//! request for the whole trace, while s2 goes down and up mid-trace (refused, detected by the
//! checks as in `HaproxyChecks`).

use crate::trace_gen::{Kind, Product, Spec};
use std::collections::BTreeMap;

/// The check path.
pub const PATH: &str = "/healthz";

/// The status s1's check path answers.
const S1_STATUS: u16 = 503;

/// The kind's parameters over `base`: fwrr, retries and redispatch, `check inter 200ms rise 2
/// fall 2` with its layer 7 part, s1's health status 503, s2 down for 3 s.
pub fn spec(base: Spec) -> Spec {
    Spec {
        product: Product::Haproxy,
        balance: "HaproxyRoundRobin",
        failover: "HaproxyRetries(retries: 1, redispatch: true, connect_timeout_ms: 300)",
        health: Some((200, 2, 2)),
        outages: &[(4000, 7000, "s2")],
        check_extra: r#", http: Some((path: "/healthz"))"#,
        service_extra: ["", ", health_status: 503", ""],
        // HAProxy spreads its first checks over `inter` (200 ms) from its start, 300 ms or more
        // before the trace; the simulation over its first 200 ms: 600 ms leaves a margin.
        quiet_start_ms: 600,
        ..base
    }
}

/// What the backends answer on the check path, per instance (others: 200).
pub fn answers(kind: Kind) -> Option<(&'static str, BTreeMap<String, u16>)> {
    (kind == Kind::HaproxyHttpCheck).then(|| (PATH, BTreeMap::from([("s1".to_string(), S1_STATUS)])))
}

/// Whether server `k` fails the kind's layer 7 checks all along (the reference's view).
pub fn unhealthy(kind: Kind, k: usize) -> bool {
    answers(kind).is_some_and(|(_, by)| by.contains_key(crate::trace_gen::INSTANCES[k]))
}
