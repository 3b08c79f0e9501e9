//! Backend statuses as data (a service's `answers`, a trace's `status` column) and NGINX's
//! `proxy_next_upstream` as configured, worked out by hand from nginx 1.22.1
//! (src/http/ngx_http_upstream.c `ngx_http_upstream_test_next`, `ngx_http_upstream_next`;
//! ngx_http_upstream_round_robin.c `ngx_http_upstream_free_round_robin_peer`) and Envoy 1.40's
//! router retries.

use super::replay::{Case, col};
use gatesim::model::load;
use gatesim::sim::replay::{ReplayFiles, replay};
use std::path::Path;

/// Columns of a decision row.
const STATUS: usize = 1;
const BACKEND: usize = 2;
const ATTEMPTS: usize = 4;
const CAUSE: usize = 5;
const LATENCY: usize = 6;

fn svc(i: usize, ms: f64, extra: &str) -> String {
    format!("Service((name: \"b{i}\", instances: 1, concurrency: 100, service_time: Constant(ms: {ms:?}){extra})),")
}

fn fast3() -> Vec<String> {
    (0..3).map(|i| svc(i, 10.0, "")).collect()
}

const NGINX_503: &str =
    "algorithm: NginxRoundRobin(max_fails: 0), failover: NginxNextUpstream(on: [Error, Timeout, Http503])";

#[test]
fn nginx_http_503_goes_to_the_next_server_and_the_last_try_passes_it_through() {
    // Smooth WRR 1,1,1 picks b0, b1, b2 in turn. r0: b0 answers 503, listed, tries 3 > 1: b1
    // serves it. r1: every server answers 503: the third try's 503 reaches the client from it.
    let c = Case::new("503-next");
    let rows = c.run_with("", NGINX_503, &[1, 1, 1], &fast3(), "r0,0,,/,,b0=503\nr1,100,,/,,503\n", "");
    assert_eq!(col(&rows, STATUS), ["200", "503"]);
    assert_eq!(rows[0][ATTEMPTS], "b0 b1");
    assert_eq!(rows[0][BACKEND], "b1");
    assert_eq!(rows[1][ATTEMPTS].split(' ').count(), 3, "{:?}", rows[1]);
    // The backend's 503 is attributed to the backend that answered it.
    let last = rows[1][ATTEMPTS].rsplit(' ').next().unwrap().to_string();
    assert_eq!(rows[1][BACKEND], last);
    assert_eq!(rows[1][CAUSE], "server_error");
}

#[test]
fn nginx_default_error_timeout_passes_a_503_through() {
    let c = Case::new("503-default");
    let lb = "algorithm: NginxRoundRobin(max_fails: 1), failover: NginxNextUpstream()";
    let rows = c.run_with("", lb, &[1, 1, 1], &fast3(), "r0,0,,/,,b0=503\n", "");
    assert_eq!((rows[0][STATUS].as_str(), rows[0][BACKEND].as_str(), rows[0][ATTEMPTS].as_str()), ("503", "b0", "b0"));
}

#[test]
fn a_listed_503_counts_towards_max_fails_and_no_live_upstream_is_502() {
    // max_fails=1: r0's 503 from b0 fails it (NGX_PEER_FAILED) for fail_timeout, so r1 and r2
    // never reach b0. r2: b1 and b2 answer 503; `u->peer.tries` (3) is still > 1, but no usable
    // server is left: "no live upstreams" (NGX_HTTP_UPSTREAM_FT_NOLIVE), 502 from NGINX itself.
    let c = Case::new("503-max-fails");
    let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10), \
              failover: NginxNextUpstream(on: [Error, Http503])";
    let rows = c.run_with("", lb, &[1, 1, 1], &fast3(), "r0,0,,/,,b0=503\nr1,100,,/,\nr2,200,,/,,503\n", "");
    assert_eq!(col(&rows, STATUS), ["200", "200", "502"]);
    assert!(!rows[1][ATTEMPTS].contains("b0") && !rows[2][ATTEMPTS].contains("b0"), "{rows:?}");
    assert_eq!(rows[2][ATTEMPTS].split(' ').count(), 2, "{:?}", rows[2]);
    assert_eq!((rows[2][BACKEND].as_str(), rows[2][CAUSE].as_str()), ("", "no_upstream"));
}

#[test]
fn next_upstream_tries_and_timeout_bound_the_retries() {
    let c = Case::new("503-bounds");
    // proxy_next_upstream_tries 2: the second try is the last; its 503 goes to the client.
    let lb = "algorithm: NginxRoundRobin(max_fails: 0), failover: NginxNextUpstream(tries: 2, on: [Error, Http503])";
    let rows = c.run_with("", lb, &[1, 1, 1], &fast3(), "r0,0,,/,,503\n", "");
    assert_eq!(
        (rows[0][STATUS].as_str(), rows[0][ATTEMPTS].as_str(), rows[0][BACKEND].as_str()),
        ("503", "b0 b1", "b1")
    );
    // proxy_next_upstream_timeout 50ms: b0's 503 comes after 100 ms, too late to try another.
    let lb = "algorithm: NginxRoundRobin(max_fails: 0), \
              failover: NginxNextUpstream(on: [Error, Http503], timeout_ms: 50)";
    let slow: Vec<String> = (0..3).map(|i| svc(i, 100.0, "")).collect();
    let rows = c.run_with("", lb, &[1, 1, 1], &slow, "r0,0,,/,,503\n", "");
    assert_eq!((rows[0][STATUS].as_str(), rows[0][ATTEMPTS].as_str()), ("503", "b0"));
}

#[test]
fn proxy_read_timeout_is_per_attempt_and_timeout_moves_to_the_next_server() {
    // The route's timeout (100 ms) is `proxy_read_timeout`. b0 takes 300 ms: at 100 ms NGINX
    // gives up on it (FT_TIMEOUT: the peer failed) and, `timeout` being listed, sends the request
    // to b1, whose answer comes 10 ms later: a fresh 100 ms for that attempt, not a total deadline.
    let c = Case::new("read-timeout");
    let backends = vec![svc(0, 300.0, ""), svc(1, 10.0, "")];
    let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10), failover: NginxNextUpstream()";
    let rows = c.run_with(", timeout_ms: Some(100.0)", lb, &[1, 1], &backends, "r0,0,,/,\nr1,1000,,/,\n", "");
    assert_eq!(col(&rows, STATUS), ["200", "200"]);
    assert_eq!((rows[0][ATTEMPTS].as_str(), rows[0][BACKEND].as_str()), ("b0 b1", "b1"));
    assert_eq!(rows[0][LATENCY], "110");
    // The timeout failed b0 (max_fails=1): r1 goes to b1 although b0's turn has come.
    assert_eq!(rows[1][BACKEND], "b1");
    // Without `timeout` listed the first timeout is the answer: 504, and b0 still counts a failure.
    let lb = "algorithm: NginxRoundRobin(max_fails: 1, fail_timeout_s: 10), failover: NginxNextUpstream(on: [Error])";
    let rows = c.run_with(", timeout_ms: Some(100.0)", lb, &[1, 1], &backends, "r0,0,,/,\nr1,1000,,/,\n", "");
    assert_eq!(col(&rows, STATUS), ["504", "200"]);
    assert_eq!((rows[0][CAUSE].as_str(), rows[0][LATENCY].as_str()), ("timeout", "100"));
    assert_eq!(rows[1][BACKEND], "b1");
}

#[test]
fn every_server_timing_out_ends_in_504_after_the_last_try() {
    let c = Case::new("read-timeout-all");
    let backends: Vec<String> = (0..2).map(|i| svc(i, 300.0, "")).collect();
    let lb = "algorithm: NginxRoundRobin(max_fails: 0), failover: NginxNextUpstream()";
    let rows = c.run_with(", timeout_ms: Some(100.0)", lb, &[1, 1], &backends, "r0,0,,/,\nr1,1000,,/,\n", "");
    assert_eq!(col(&rows, STATUS), ["504", "504"]);
    assert_eq!(rows[0][ATTEMPTS], "b0 b1");
    assert_eq!(rows[0][LATENCY], "200");
}

#[test]
fn envoy_retries_a_backend_503_and_outlier_detection_counts_it() {
    // lb_seed 0: b0 first. retry_on 5xx: b0's 503 is retried as a fresh pick (b1). Two
    // consecutive 503s from b0 eject it (consecutive_5xx 2, max_ejection_percent 50 of 2 hosts):
    // afterwards everything goes to b1, even the requests b0 would answer 503.
    let c = Case::new("envoy-503");
    let backends = vec![svc(0, 10.0, ""), svc(1, 10.0, "")];
    let lb = "algorithm: EnvoyRoundRobin, lb_seed: Some(0), \
              outlier_detection: Some((consecutive_5xx: 2, interval_ms: 1000, base_ejection_time_ms: 60000, max_ejection_percent: 50))";
    let route = ", retry_policy: Some((num_retries: 1, retry_on: [FiveXx]))";
    let requests = "r0,0,,/,,b0=503\nr1,100,,/,,b0=503\nr2,200,,/,,b0=503\nr3,300,,/,,b0=503\n";
    let rows = c.run_with(route, lb, &[1, 1], &backends, requests, "");
    assert_eq!(col(&rows, STATUS), ["200", "200", "200", "200"]);
    assert_eq!(col(&rows, ATTEMPTS), ["b0 b1", "b0 b1", "b1", "b1"]);
}

#[test]
fn a_service_answers_its_status_on_one_instance_for_a_share_of_requests() {
    // b0's only instance answers 503 to every request (share 1), retried by NGINX to b1; b1
    // answers 500 to about half (seeded): not listed, passed through from b1.
    let c = Case::new("answers");
    let backends = vec![
        svc(0, 10.0, ", answers: [(status: 503, instance: Some(0))]"),
        svc(1, 10.0, ", answers: [(status: 500, share: 0.5)]"),
    ];
    let requests: String = (0..400).map(|i| format!("r{i},{},,/,\n", i * 20)).collect();
    let rows = c.run_with("", NGINX_503, &[1, 1], &backends, &requests, "");
    assert!(rows.iter().all(|r| r[BACKEND] == "b1"), "b0 never serves");
    let five_hundreds = rows.iter().filter(|r| r[STATUS] == "500").count();
    assert!((150..=250).contains(&five_hundreds), "{five_hundreds} of 400 got b1's 500");
    assert!(rows.iter().all(|r| r[STATUS] == "200" || (r[STATUS] == "500" && r[CAUSE] == "server_error")));
    // The same seed gives the same answers.
    let again = c.run_with("", NGINX_503, &[1, 1], &backends, &requests, "");
    assert_eq!(rows, again);
}

#[test]
fn bad_answers_are_validation_errors_naming_the_service() {
    let text = r#"Scenario(format_version: 1, name: "x", run: (seed: 1, duration_s: 1.0),
        topology: (nodes: [
            Clients((name: "c", traffic: Constant(rate_rps: 1.0))),
            Service((name: "s", instances: 2, service_time: Constant(ms: 1.0),
                answers: [(status: 404), (status: 503, share: 0.0), (status: 503, instance: Some(2))])),
        ], links: [(from: "c", to: "s")]))"#;
    // The loader validates: the file is refused with every problem at the service's line.
    let err = load::from_str(text, Path::new("bad.ron")).unwrap_err().to_string();
    for expect in [
        "bad.ron:4: error: [s] answers[0]: status must be a 5xx (500 to 599), got 404",
        "bad.ron:4: error: [s] answers[1]: share must be above 0 and at most 1, got 0",
        "bad.ron:4: error: [s] answers[2]: instance 2 does not exist (expected below instances, 2)",
    ] {
        assert!(err.contains(expect), "{err}");
    }
}

#[test]
fn bad_status_cells_are_errors_at_their_line() {
    let text = r#"Scenario(format_version: 1, name: "x", run: (seed: 1, duration_s: 1.0),
        topology: (nodes: [
            Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
            Service((name: "s", instances: 2, service_time: Constant(ms: 1.0))),
        ], links: [(from: "c", to: "s")]))"#;
    let s = load::from_str(text, Path::new("ok.ron")).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("gatesim-status-cells-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let req = dir.join("requests.csv");
    for (cell, expect) in [
        ("404", "expected 200 or a 5xx"),
        ("s-0=abc", "expected 200 or a 5xx"),
        ("s-7=503", "unknown instance \"s-7\""),
        ("503 502", "the default is given twice"),
    ] {
        std::fs::write(&req, format!("id,send_ms,client_key,path,status\nr0,0,,/,\nr1,1,,/,{cell}\n")).unwrap();
        let err = replay(&s, ReplayFiles { requests: &req, outages: None, decisions: None }).unwrap_err().to_string();
        assert!(err.contains(":3:") && err.contains(expect), "{cell}: {err}");
    }
    std::fs::write(&req, "id,send_ms,client_key,path,status\nr0,0,,/,s-1=503 200\n").unwrap();
    replay(&s, ReplayFiles { requests: &req, outages: None, decisions: None }).unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_report_counts_each_backends_own_5xx_apart_from_the_gateways() {
    // r0: b0 answers 503, retried on b1 (200). r1: both answer 503; the second try's 503 reaches
    // the client. r2: both refuse: NGINX's own 502, no backend answered.
    let text = r#"Scenario(format_version: 1, name: "x", run: (seed: 1, duration_s: 1.0),
        topology: (nodes: [
            Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "lb")])),
            LoadBalancer((name: "lb", algorithm: NginxRoundRobin(max_fails: 0),
                failover: NginxNextUpstream(on: [Error, Http503]))),
            Service((name: "b0", instances: 1, service_time: Constant(ms: 10.0))),
            Service((name: "b1", instances: 1, service_time: Constant(ms: 10.0))),
        ], links: [(from: "c", to: "gw"), (from: "gw", to: "lb"), (from: "lb", to: "b0"), (from: "lb", to: "b1")]))"#;
    let s = load::from_str(text, Path::new("ok.ron")).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("gatesim-status-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (req, out) = (dir.join("requests.csv"), dir.join("outages.csv"));
    std::fs::write(&req, "id,send_ms,client_key,path,status\nr0,0,,/,b0=503\nr1,100,,/,503\nr2,200,,/,\n").unwrap();
    std::fs::write(&out, "time_ms,backend,action\n150,b0,down\n150,b1,down\n").unwrap();
    let replayed = replay(&s, ReplayFiles { requests: &req, outages: Some(&out), decisions: None }).unwrap();
    let node = |name: &str| replayed.report.nodes.iter().find(|n| n.name == name).unwrap().clone();
    // b0 answered 503 twice (r0, r1's first try), b1 once (r1's last try, passed through).
    assert_eq!((node("b0").answered_5xx, node("b1").answered_5xx), (2.0, 1.0));
    // r2 is NGINX's own 502: no backend answered it.
    assert_eq!((node("lb").answered_5xx, node("lb").rejected), (0.0, 1.0));
    std::fs::remove_dir_all(&dir).ok();
}
