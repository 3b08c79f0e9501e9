//! Trace replay through product semantics, on traces whose every decision can be worked out by hand
//! from `../shared/reference/policies.md` (the worked examples there are these tests).

use gatesim::model::load;
use gatesim::sim::replay::{ReplayFiles, replay};
use std::path::{Path, PathBuf};

pub(crate) struct Case {
    dir: PathBuf,
}

impl Case {
    pub(crate) fn new(name: &str) -> Case {
        let dir = std::env::temp_dir().join(format!("gatesim-replay-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Case { dir }
    }

    /// Replays `requests` (CSV body lines) and `outages` through a gateway with `route_policy` in
    /// front of a balancer with `lb_fields`, over single-instance backends `b0..` with `weights`.
    /// Returns the decision rows as (id, status, backend, delay_ms, attempts, cause, latency_ms).
    /// Request lines may have a sixth field, the `status` column.
    pub(crate) fn run(
        &self,
        route_policy: &str,
        lb_fields: &str,
        weights: &[u32],
        requests: &str,
        outages: &str,
    ) -> Vec<Vec<String>> {
        let backends: Vec<String> = (0..weights.len())
            .map(|i| {
                format!("Service((name: \"b{i}\", instances: 1, concurrency: 100, service_time: Constant(ms: 10.0))),")
            })
            .collect();
        self.run_with(route_policy, lb_fields, weights, &backends, requests, outages)
    }

    /// As [`Case::run`], with the backends' node text given (`b0`, `b1`, ... in order).
    pub(crate) fn run_with(
        &self,
        route_policy: &str,
        lb_fields: &str,
        weights: &[u32],
        backends: &[String],
        requests: &str,
        outages: &str,
    ) -> Vec<Vec<String>> {
        let links: Vec<String> =
            weights.iter().enumerate().map(|(i, w)| format!("(from: \"lb\", to: \"b{i}\", weight: {w}.0),")).collect();
        let scenario = format!(
            r#"Scenario(format_version: 1, name: "replay", run: (seed: 1, duration_s: 1.0),
            topology: (nodes: [
                Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
                Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "lb"{route_policy})])),
                LoadBalancer((name: "lb", {lb_fields})),
                {}
            ], links: [(from: "c", to: "gw"), (from: "gw", to: "lb"), {}]))"#,
            backends.join("\n"),
            links.join("\n")
        );
        let s = load::from_str(&scenario, Path::new("case.ron")).unwrap_or_else(|e| panic!("{e}"));
        let req = self.dir.join("requests.csv");
        let out = self.dir.join("outages.csv");
        let dec = self.dir.join("decisions.csv");
        std::fs::write(&req, format!("id,send_ms,client_key,path,service_ms,status\n{requests}")).unwrap();
        std::fs::write(&out, format!("time_ms,backend,action\n{outages}")).unwrap();
        replay(&s, ReplayFiles { requests: &req, outages: Some(&out), decisions: Some(&dec) })
            .unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&dec).unwrap();
        text.lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

pub(crate) fn col(rows: &[Vec<String>], i: usize) -> Vec<&str> {
    rows.iter().map(|r| r[i].as_str()).collect()
}

fn simultaneous(n: usize, key: &str) -> String {
    (0..n).map(|i| format!("r{i},0,{key},/,\n")).collect()
}

#[test]
fn nginx_limit_req_delays_then_rejects() {
    // policies.md: 1r/s, burst=5, 7 simultaneous: pass, delayed 1, 2, 3, 4, 5 s, rejected (503).
    let c = Case::new("limit-req");
    let rows = c.run(
        r#", rate_limit: Some((algorithm: NginxLimitReq(rate: "1r/s", burst: 5)))"#,
        "algorithm: NginxRoundRobin()",
        &[1],
        &simultaneous(7, "alice"),
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "200", "200", "200", "200", "200", "503"]);
    assert_eq!(col(&rows, 3), ["0", "1000", "2000", "3000", "4000", "5000", "0"]);
    assert_eq!(rows[6][5], "rate_limited");
    // Latency of a delayed request: its delay plus 10 ms of service.
    assert_eq!(rows[5][6], "5010");
}

#[test]
fn nginx_limit_req_delay_parameter() {
    // policies.md: burst=12 delay=8 at 10r/s, 14 simultaneous: 9 undelayed, 4 delayed 100..400 ms, 1 rejected.
    let c = Case::new("limit-req-delay");
    let rows = c.run(
        r#", rate_limit: Some((algorithm: NginxLimitReq(rate: "10r/s", burst: 12, delay: Some(8))))"#,
        "algorithm: NginxRoundRobin()",
        &[1],
        &simultaneous(14, "k"),
        "",
    );
    let delays = col(&rows, 3);
    assert_eq!(&delays[..9], ["0"; 9]);
    assert_eq!(&delays[9..13], ["100", "200", "300", "400"]);
    assert_eq!(rows[13][1], "503");
}

#[test]
fn requests_without_a_key_are_not_limited() {
    let c = Case::new("no-key");
    let rows = c.run(
        r#", rate_limit: Some((algorithm: NginxLimitReq(rate: "1r/s", burst: 0, nodelay: true)))"#,
        "algorithm: NginxRoundRobin()",
        &[1],
        &simultaneous(5, ""),
        "",
    );
    assert_eq!(col(&rows, 1), ["200"; 5]);
}

#[test]
fn nginx_smooth_weighted_round_robin_5_1_1() {
    let c = Case::new("swrr");
    let requests: String = (0..7).map(|i| format!("r{i},{},,/,\n", i * 100)).collect();
    let rows = c.run("", "algorithm: NginxRoundRobin()", &[5, 1, 1], &requests, "");
    assert_eq!(col(&rows, 2), ["b0", "b0", "b1", "b0", "b2", "b0", "b0"]);
}

#[test]
fn nginx_passive_failover_skips_a_refusing_peer() {
    // b1 refuses from 50 ms on. Round robin over 1,1: r0 -> b0, r1 -> b1 refused -> b0 (200 from b0),
    // and with max_fails=1 b1 is then skipped for fail_timeout (10 s): everything else goes to b0.
    let c = Case::new("failover");
    let requests: String = (0..6).map(|i| format!("r{i},{},,/,\n", i * 100)).collect();
    let rows =
        c.run("", "algorithm: NginxRoundRobin(), failover: NginxNextUpstream()", &[1, 1], &requests, "50,b1,down\n");
    assert_eq!(col(&rows, 1), ["200"; 6]);
    assert_eq!(col(&rows, 2), ["b0"; 6]);
    assert_eq!(rows[1][4], "b1! b0");
    assert_eq!(rows[2][4], "b0");
}

#[test]
fn nginx_all_peers_refusing_gives_502() {
    let c = Case::new("all-down");
    let rows = c.run(
        "",
        "algorithm: NginxRoundRobin(), failover: NginxNextUpstream()",
        &[1, 1],
        "r0,100,,/,\n",
        "0,b0,down\n0,b1,down\n",
    );
    assert_eq!(rows[0][1], "502");
    assert_eq!(rows[0][4], "b0! b1!");
}

#[test]
fn haproxy_fwrr_3_2_1() {
    // policies.md section 8: weights 3/2/1 give r0 r1 r0 r2 r0 r1.
    let c = Case::new("fwrr");
    let requests: String = (0..6).map(|i| format!("r{i},{},,/,\n", i * 100)).collect();
    let rows = c.run("", "algorithm: HaproxyRoundRobin", &[3, 2, 1], &requests, "");
    assert_eq!(col(&rows, 2), ["b0", "b1", "b0", "b2", "b0", "b1"]);
}

#[test]
fn haproxy_retries_on_the_same_dead_server_then_503() {
    // policies.md section 8: one dead server still marked UP, timeout connect 300 ms, no
    // redispatch: retries 1/2/3 give a 503 after 300/600/900 ms (measured 300/604/905).
    for (retries, expected_ms) in [(1, "300"), (2, "600"), (3, "900")] {
        let c = Case::new(&format!("retries{retries}"));
        let rows = c.run(
            "",
            &format!(
                "algorithm: HaproxyRoundRobin, failover: HaproxyRetries(retries: {retries}, connect_timeout_ms: 300)"
            ),
            &[1],
            "r0,100,,/,\n",
            "0,b0,down\n",
        );
        assert_eq!(rows[0][1], "503");
        assert_eq!(rows[0][6], expected_ms, "retries {retries}");
        assert_eq!(rows[0][4].matches('!').count(), retries as usize + 1);
    }
}

#[test]
fn haproxy_redispatch_goes_to_the_next_server_at_once() {
    let c = Case::new("redispatch");
    let rows = c.run(
        "",
        "algorithm: HaproxyRoundRobin, failover: HaproxyRetries(retries: 3, redispatch: true, connect_timeout_ms: 300)",
        &[1, 1],
        "r0,100,,/,\n",
        "0,b0,down\n",
    );
    assert_eq!(rows[0][1], "200");
    assert_eq!(rows[0][2], "b1");
    assert_eq!(rows[0][4], "b0! b1");
    assert_eq!(rows[0][6], "10");
}

#[test]
fn haproxy_checks_take_a_dead_server_out_after_fall_times_inter() {
    // inter 100 ms, fall 2: checks at 0, 100, 200 ms ... (one server: first check at 0). b1 dies at
    // 150 ms; the check at 200 ms fails (health 2 = rise -> 0: DOWN at once, HAProxy starts servers
    // at health = rise). After that, every request goes to b0 without a refused attempt.
    let c = Case::new("checks");
    let requests: String = (0..6).map(|i| format!("r{i},{},,/,\n", 1000 + i * 100)).collect();
    let rows = c.run(
        "",
        "algorithm: HaproxyRoundRobin, health_check: Some((inter_ms: 100, rise: 2, fall: 2)), failover: HaproxyRetries(redispatch: true)",
        &[1, 1],
        &requests,
        "150,b1,down\n",
    );
    assert_eq!(col(&rows, 2), ["b0"; 6]);
    assert!(col(&rows, 4).iter().all(|a| !a.contains('!')), "{rows:?}");
}

#[test]
fn haproxy_http_req_rate_denies_and_counts_denied_requests() {
    // http_req_rate(10s) gt 3, one key: a request every 100 ms. The 4th sees rate 4 > 3 and is
    // denied; denied requests keep counting, so the key stays denied.
    let c = Case::new("req-rate");
    let requests: String = (0..8).map(|i| format!("r{i},{},k1,/,\n", i * 100)).collect();
    let rows = c.run(
        r#", rate_limit: Some((algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 3, deny_status: 429)))"#,
        "algorithm: HaproxyRoundRobin",
        &[1],
        &requests,
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "200", "200", "429", "429", "429", "429", "429"]);
}

#[test]
fn traefik_delays_short_waits_and_refuses_long_ones() {
    // average 10/s, burst 1: maxDelay = 1 s / (2 x 10) = 50 ms. t=0 takes the token; at 10 ms the
    // next token is 90 ms away (> 50 ms: 429, reservation cancelled); at 60 ms it is 40 ms away
    // (<= 50 ms: forwarded after 40 ms).
    let c = Case::new("traefik");
    let rows = c.run(
        r#", rate_limit: Some((algorithm: Traefik(average: 10, burst: 1)))"#,
        "",
        &[1],
        "r0,0,k,/,\nr1,10,k,/,\nr2,60,k,/,\n",
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "429", "200"]);
    assert_eq!(col(&rows, 3), ["0", "0", "40"]);
}

#[test]
fn kong_counts_in_calendar_seconds() {
    // second: 3. Four requests in the first second: the 4th is refused; the next second starts a
    // new window. Local policy: the refused one is not counted.
    let c = Case::new("kong");
    let rows = c.run(
        r#", rate_limit: Some((algorithm: Kong(second: Some(3))))"#,
        "",
        &[1],
        "r0,100,k,/,\nr1,200,k,/,\nr2,300,k,/,\nr3,400,k,/,\nr4,1100,k,/,\n",
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "200", "200", "429", "200"]);
}

#[test]
fn envoy_ratelimit_service_counts_rejected_hits() {
    // 2 per second, epoch-aligned: the 3rd and 4th hits of a second are over. Rejected hits count,
    // which only shows in the counter (the window resets each second).
    let c = Case::new("envoy-rls");
    let rows = c.run(
        r#", rate_limit: Some((algorithm: EnvoyRateLimitService(requests_per_unit: 2, unit: Second)))"#,
        "",
        &[1],
        "r0,0,k,/,\nr1,10,k,/,\nr2,20,k,/,\nr3,30,k,/,\nr4,1000,k,/,\n",
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "200", "429", "429", "200"]);
}

#[test]
fn ip_hash_keeps_a_client_on_one_backend() {
    let c = Case::new("ip-hash");
    let requests: String = (0..40).map(|i| format!("r{i},{},10.0.{}.7,/,\n", i * 10, i % 4)).collect();
    let rows = c.run("", "algorithm: NginxIpHash()", &[1, 1, 1], &requests, "");
    for key in 0..4 {
        let backends: std::collections::BTreeSet<&str> =
            rows.iter().enumerate().filter(|(i, _)| i % 4 == key).map(|(_, r)| r[2].as_str()).collect();
        assert_eq!(backends.len(), 1, "client 10.0.{key}.7 moved: {backends:?}");
    }
}

#[test]
fn consistent_hash_moves_only_the_lost_backends_keys() {
    // 60 keys over 3 backends, then b2 refuses: keys that were on b0 or b1 stay where they were.
    let c = Case::new("chash");
    let before: String = (0..60).map(|i| format!("a{i},{},user{i},/,\n", i * 10)).collect();
    let after: String = (0..60).map(|i| format!("b{i},{},user{i},/,\n", 2000 + i * 10)).collect();
    let rows = c.run(
        "",
        "algorithm: NginxHash(consistent: true), failover: NginxNextUpstream()",
        &[1, 1, 1],
        &format!("{before}{after}"),
        "1000,b2,down\n",
    );
    let mut moved_from_live = 0;
    for i in 0..60 {
        let (a, b) = (&rows[i][2], &rows[60 + i][2]);
        if a != "b2" && a != b {
            moved_from_live += 1;
        }
        assert_ne!(b, "b2");
    }
    assert_eq!(moved_from_live, 0);
    assert!(rows[..60].iter().any(|r| r[2] == "b2"), "the ring put no key on b2");
}

#[test]
fn envoy_maglev_and_ring_hash_are_sticky_per_key() {
    for algo in ["EnvoyMaglev()", "EnvoyRingHash()"] {
        let c = Case::new(&algo[..10]);
        let requests: String = (0..30).map(|i| format!("r{i},{},key{},/,\n", i * 10, i % 3)).collect();
        let rows = c.run("", &format!("algorithm: {algo}"), &[1, 1, 1, 1], &requests, "");
        for key in 0..3 {
            let set: std::collections::BTreeSet<&str> =
                rows.iter().enumerate().filter(|(i, _)| i % 3 == key).map(|(_, r)| r[2].as_str()).collect();
            assert_eq!(set.len(), 1, "{algo}: key{key} moved: {set:?}");
        }
    }
}

#[test]
fn envoy_least_request_prefers_the_idle_host() {
    // b1 refuses while 50 long requests (5 s each) arrive: those picked for b1 get Envoy's own 503
    // (Envoy has no balancer failover, and this route has no retry), the rest keep b0 busy. Then b1
    // is back and 200 short ones arrive: with two choices drawn with replacement, a short request
    // lands on busy b0 only when both draws pick it, 1 time in 4 (about 50 of 200).
    let c = Case::new("p2c");
    let mut requests = String::new();
    for i in 0..50 {
        requests.push_str(&format!("long{i},0,,/,5000\n"));
    }
    for i in 0..200 {
        requests.push_str(&format!("short{i},{},,/,1\n", 100 + i * 5));
    }
    let rows = c.run("", "algorithm: EnvoyLeastRequest()", &[1, 1], &requests, "0,b1,down\n50,b1,up\n");
    let long_on_b0 = rows[..50].iter().filter(|r| r[2] == "b0").count();
    let refused = rows[..50].iter().filter(|r| r[1] == "503" && r[4] == "b1!").count();
    assert_eq!(long_on_b0 + refused, 50);
    assert!(long_on_b0 >= 15, "{long_on_b0}");
    let short_on_b0 = rows[50..].iter().filter(|r| r[2] == "b0").count();
    assert!((20..=80).contains(&short_on_b0), "{short_on_b0} of 200 short requests went to the busy host");
}

#[test]
fn haproxy_first_fills_the_first_server() {
    let c = Case::new("first");
    let requests: String = (0..10).map(|i| format!("r{i},{},,/,\n", i * 10)).collect();
    let rows = c.run("", "algorithm: HaproxyFirst", &[1, 1], &requests, "");
    assert_eq!(col(&rows, 2), ["b0"; 10]);
}

fn backend(i: usize, ms: f64, error_rate: f64, concurrency: u32) -> String {
    format!(
        "Service((name: \"b{i}\", instances: 1, concurrency: {concurrency}, queue_capacity: Some(1000), service_time: Constant(ms: {ms:?}), error_rate: {error_rate:?})),"
    )
}

#[test]
fn envoy_breaker_serves_two_queues_two_and_refuses_the_rest() {
    // policies.md 8.5: max_connections 2 + max_pending_requests 2 acts as two servers plus a FIFO
    // queue of two; the 5th and 6th simultaneous requests get 503 at once.
    let c = Case::new("breaker");
    let rows = c.run_with(
        "",
        "algorithm: EnvoyRoundRobin, circuit_breaker: Some((max_connections: 2, max_pending_requests: 2))",
        &[1],
        &[backend(0, 100.0, 0.0, 100)],
        &simultaneous(6, ""),
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "200", "200", "200", "503", "503"]);
    assert_eq!(col(&rows, 5)[4..], ["overloaded", "overloaded"]);
    assert_eq!(col(&rows, 6), ["100", "100", "200", "200", "0", "0"]);
}

#[test]
fn envoy_breaker_overflow_uses_up_a_round_robin_pick() {
    // Envoy's router chooses the host, then the host's connection pool finds max_requests reached
    // (conn_pool_base.cc newStreamImpl): the refused request took b1's turn, so the next goes to
    // b0 again. Seen on Envoy 1.40 (tests/differential, EnvoyBreaker). lb_seed 0: b0 first.
    let c = Case::new("breaker-pick");
    let rows = c.run_with(
        "",
        "algorithm: EnvoyRoundRobin, lb_seed: Some(0), circuit_breaker: Some((max_requests: 1))",
        &[1, 1],
        &[backend(0, 100.0, 0.0, 100), backend(1, 100.0, 0.0, 100)],
        "r0,0,,/,\nr1,10,,/,\nr2,300,,/,\n",
        "",
    );
    assert_eq!(col(&rows, 1), ["200", "503", "200"]);
    assert_eq!(col(&rows, 2), ["b0", "", "b0"]);
}

#[test]
fn envoy_never_ejects_from_a_small_pool_at_the_default_ten_percent() {
    // policies.md 8.6: since 1.31, (ejected + 1) / hosts <= 10 % refuses any ejection from 2 hosts.
    let c = Case::new("outlier-10pct");
    let requests: String = (0..40).map(|i| format!("r{i},{},,/,\n", i * 100)).collect();
    let rows = c.run_with(
        "",
        "algorithm: EnvoyRoundRobin, outlier_detection: Some((consecutive_5xx: 3))",
        &[1, 1],
        &[backend(0, 10.0, 0.0, 100), backend(1, 10.0, 1.0, 100)],
        &requests,
        "",
    );
    let to_b1 = rows.iter().filter(|r| r[2] == "b1").count();
    assert_eq!(to_b1, 20, "round robin kept sending every other request to the failing host");
}

#[test]
fn envoy_ejects_a_failing_host_until_its_ejection_time_is_over() {
    // max_ejection_percent 50 lets one of two hosts out. b1 answers 500 every time: its third
    // consecutive 5xx ejects it at once; it returns at the first sweep (every 10 s from the start)
    // at least base_ejection_time (30 s) later.
    let c = Case::new("outlier-eject");
    let requests: String = (0..500).map(|i| format!("r{i},{},,/,\n", i * 100)).collect();
    let rows = c.run_with(
        "",
        "algorithm: EnvoyRoundRobin, outlier_detection: Some((consecutive_5xx: 3, max_ejection_percent: 50))",
        &[1, 1],
        &[backend(0, 10.0, 0.0, 100), backend(1, 10.0, 1.0, 100)],
        &requests,
        "",
    );
    let to_b1: Vec<usize> = rows.iter().enumerate().filter(|(_, r)| r[2] == "b1").map(|(i, _)| i).collect();
    assert_eq!(to_b1.len(), 3 + 3, "ejected after 3 failures, back for 3 more: {to_b1:?}");
    let ejected_at_ms = to_b1[2] * 100;
    let back_at_ms = to_b1[3] * 100;
    assert!(back_at_ms >= ejected_at_ms + 30_000 && back_at_ms <= ejected_at_ms + 40_000 + 100, "{to_b1:?}");
}

#[test]
fn envoy_retries_are_fresh_picks_after_a_backoff() {
    // b0 always answers 500. With num_retries 1 on 5xx, a request that hit b0 is retried after a
    // random backoff in [0, 25) ms on the next round-robin pick, b1, and succeeds.
    let c = Case::new("retries");
    let requests: String = (0..20).map(|i| format!("r{i},{},,/,\n", i * 200)).collect();
    let rows = c.run_with(
        ", retry_policy: Some((num_retries: 1))",
        "algorithm: EnvoyRoundRobin",
        &[1, 1],
        &[backend(0, 10.0, 1.0, 100), backend(1, 10.0, 0.0, 100)],
        &requests,
        "",
    );
    assert_eq!(col(&rows, 1), ["200"; 20]);
    let retried: Vec<&Vec<String>> = rows.iter().filter(|r| r[4] == "b0 b1").collect();
    assert!(!retried.is_empty());
    for r in retried {
        let latency: f64 = r[6].parse().unwrap();
        assert!((20.0..45.0).contains(&latency), "two attempts of 10 ms and a backoff under 25 ms: {r:?}");
    }
}

#[test]
fn envoy_panics_when_too_few_hosts_are_healthy() {
    // b1 and b2 always answer 500 and get ejected (max_ejection_percent 100). One healthy host of
    // three is below the default 50% panic threshold, so Envoy balances over all three again; with
    // the threshold at 0 (disabled) everything after the ejections goes to b0.
    let backends = [backend(0, 10.0, 0.0, 100), backend(1, 10.0, 1.0, 100), backend(2, 10.0, 1.0, 100)];
    let requests: String = (0..300).map(|i| format!("r{i},{},,/,\n", i * 20)).collect();
    let later_to_failing = |threshold: &str| {
        let c = Case::new(&format!("panic{}", threshold.len()));
        let rows = c.run_with(
            "",
            &format!(
                "algorithm: EnvoyRoundRobin, outlier_detection: Some((consecutive_5xx: 2, max_ejection_percent: 100)){threshold}"
            ),
            &[1, 1, 1],
            &backends,
            &requests,
            "",
        );
        rows[100..].iter().filter(|r| r[2] != "b0").count()
    };
    assert!(later_to_failing("") > 50, "in panic, the ejected hosts still get traffic");
    assert_eq!(later_to_failing(", healthy_panic_threshold: Some(0.0)"), 0);
}
