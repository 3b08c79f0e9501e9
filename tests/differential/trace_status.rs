//! Traces whose backends answer a status per request (the `status` column of `REQUESTS.csv`,
//! sent by the replayer as `X-Gatesim-Status`, answered by the in-process backends): the products'
//! reactions to real upstream 5xx, not only to refused connections.
//!
//! - `NginxNextUpstream503`: `proxy_next_upstream error timeout http_503` over three servers with
//!   `max_fails=3` (`fail_timeout` 60 s: a server that reaches it is out for the rest of the
//!   trace), `s2` down for 2 s; a tenth of the requests get 503 from `s1`, one in a hundred from
//!   every server (the last try's 503 goes to the client), one in twenty a 500 from `s2` (not
//!   listed: passed through).
//! - `EnvoyRetry503`: two hosts, `retry_on: 5xx` with one retry and outlier detection (3
//!   consecutive 5xx, `max_ejection_percent` 50): first `s1` answers 503 to a share of requests
//!   (it is ejected), then `s0` (its ejection is refused: both hosts would be out).
//!
//! A request with a status has a 1 ms service time, so a retry's pick comes long before the next
//! dispatch (sends are 11 ms apart for NGINX, 40 ms for Envoy, whose retry backoff is < 25 ms).

use crate::trace_gen::{Kind, Request, Spec, WARMUP_KEY};

/// The kinds' parameters (from `base`, the generic spec, and `envoy`, the Envoy one).
pub fn spec(kind: Kind, base: Spec, envoy: Spec) -> Spec {
    match kind {
        Kind::NginxNextUpstream503 => Spec {
            balance: "NginxRoundRobin(max_fails: 3, fail_timeout_s: 60)",
            failover: "NginxNextUpstream(tries: 0, on: [Error, Timeout, Http503])",
            weights: [2, 1, 1],
            outages: &[(7000, 9000, "s2")],
            // NGINX's `proxy_read_timeout` default (60 s), the route's own upstream timeout: no
            // request comes near it.
            route_timeout: "None",
            ..base
        },
        Kind::EnvoyRetry503 => Spec {
            services: 2,
            warmup: 4,
            spacing_ms: 40,
            lb_extra: ", outlier_detection: Some((consecutive_5xx: 3, interval_ms: 1000, base_ejection_time_ms: 60000, max_ejection_percent: 50))",
            route_extra: ", retry_policy: Some((num_retries: 1, retry_on: [FiveXx]))",
            ..envoy
        },
        other => panic!("{other:?} is not a status trace"),
    }
}

/// Whether `kind` is one of this module's.
pub fn has_statuses(kind: Kind) -> bool {
    matches!(kind, Kind::NginxNextUpstream503 | Kind::EnvoyRetry503)
}

/// Gives the requests of a `kind` trace their statuses, from `draw` (uniform in [0, 1)).
pub fn assign(kind: Kind, requests: &mut [Request], mut draw: impl FnMut() -> f64) {
    let n = requests.len().max(1);
    for (i, r) in requests.iter_mut().enumerate() {
        if r.client_key == WARMUP_KEY || !r.path.starts_with("/api") {
            continue;
        }
        let x = draw();
        let share = i as f64 / n as f64;
        let status = match kind {
            Kind::NginxNextUpstream503 => match x {
                x if x < 0.10 => "s1=503",
                x if x < 0.11 => "503",
                x if x < 0.16 => "s2=500",
                _ => "",
            },
            Kind::EnvoyRetry503 if share < 0.4 => match x {
                x if x < 0.35 => "s1=503",
                x if x < 0.38 => "503",
                _ => "",
            },
            Kind::EnvoyRetry503 => match x {
                x if x < 0.3 => "s0=503",
                _ => "",
            },
            _ => "",
        };
        if !status.is_empty() {
            r.status = status.to_string();
            r.service_ms = 1;
        }
    }
}

/// What instance `name` answers a request with status cell `cell` (as `gatesim::sim::trace`
/// reads it: `NAME=STATUS` for one instance, a bare status for the others).
pub fn answer(cell: &str, name: &str) -> u16 {
    let mut default = 200;
    for token in cell.split_whitespace() {
        match token.split_once('=') {
            Some((n, code)) if n == name => return code.parse().unwrap_or(200),
            Some(_) => {}
            None => default = token.parse().unwrap_or(200),
        }
    }
    default
}

#[test]
fn answers_read_the_cell_like_the_simulator() {
    assert_eq!(answer("", "s0"), 200);
    assert_eq!(answer("503", "s0"), 503);
    assert_eq!(answer("s1=503", "s0"), 200);
    assert_eq!(answer("s1=503", "s1"), 503);
    assert_eq!(answer("s1=200 500", "s1"), 200);
    assert_eq!(answer("s1=200 500", "s2"), 500);
}
