//! Gateway-level limits: rate limits declared once on a gateway and shared by several routes (`Gateway::limits`,
//! `Route::shared_limit`): the engine counts a key's requests on all of them against one state,
//! as one HAProxy stick table tracked in the frontend, one NGINX `limit_req_zone` used by several
//! `location`s, or one Envoy local rate limit on the virtual host do; and Envoy local rate limit
//! descriptors next to the default bucket, with the `filter_enforced` fraction; and Tyk's limiters.

use gatesim::model::validate::{Severity, validate};
use gatesim::model::{Scenario, load};
use gatesim::sim::replay::{ReplayFiles, replay};
use std::path::Path;

/// A gateway with routes `/a` -> b0, `/b` -> b1 (naming `shared` when given) and `/c` -> b2 with
/// `c_limit`; `limits` is the gateway's `limits` field.
fn scenario(limits: &str, a_b: &str, c_limit: &str) -> String {
    format!(
        r#"Scenario(format_version: 1, name: "shared", run: (seed: 1, duration_s: 1.0),
        topology: (nodes: [
            Clients((name: "c", traffic: Constant(rate_rps: 0.0), routes: [(path: "/a", weight: 1.0)])),
            Gateway((name: "gw", {limits}routes: [
                (path_prefix: "/a", upstream: "b0"{a_b}),
                (path_prefix: "/b", upstream: "b1"{a_b}),
                (path_prefix: "/c", upstream: "b2"{c_limit}),
            ])),
            Service((name: "b0", instances: 1, service_time: Constant(ms: 10.0))),
            Service((name: "b1", instances: 1, service_time: Constant(ms: 10.0))),
            Service((name: "b2", instances: 1, service_time: Constant(ms: 10.0))),
        ], links: [(from: "c", to: "gw"), (from: "gw", to: "b0"), (from: "gw", to: "b1"), (from: "gw", to: "b2")]))"#
    )
}

fn load(text: &str) -> Scenario {
    load::from_str(text, Path::new("shared.ron")).unwrap_or_else(|e| panic!("{e}"))
}

/// Replays `requests` (CSV body lines) and returns (id, status, backend) per request.
fn run(s: &Scenario, name: &str, requests: &str) -> Vec<(String, String, String)> {
    let dir = std::env::temp_dir().join(format!("gatesim-shared-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (req, dec) = (dir.join("requests.csv"), dir.join("decisions.csv"));
    std::fs::write(&req, format!("id,send_ms,client_key,path,service_ms\n{requests}")).unwrap();
    replay(s, ReplayFiles { requests: &req, outages: None, decisions: Some(&dec) }).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&dec).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

const HAPROXY_API: &str = r#"limits: [(name: "api", limit: (key: Client, algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 2, deny_status: 429)))], "#;

#[test]
fn a_shared_stick_table_counts_a_key_across_routes() {
    // HAProxy 2.6 (src/http_act.c fn `http_action_track_sc`; policies.md "HAProxy http_req_rate"):
    // the frontend tracks the request in the one table before `deny if { sc_http_req_rate(0) gt 2 }`
    // reads it, whichever backend the route goes to; denied requests count too. Route /c has a
    // limit of its own (same parameters) and does not see the shared table's count.
    let s = load(&scenario(
        HAPROXY_API,
        r#", shared_limit: Some("api")"#,
        r#", rate_limit: Some((key: Client, algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 2, deny_status: 429)))"#,
    ));
    assert!(validate(&s, None).is_empty(), "{:?}", validate(&s, None));
    let rows = run(
        &s,
        "haproxy",
        "r1,0,alice,/a/1,\nr2,10,alice,/b/1,\nr3,20,alice,/a/2,\nr4,30,alice,/c/1,\nr5,40,alice,/c/2,\nr6,50,bob,/b/2,\nr7,60,alice,/b/3,\n",
    );
    let got: Vec<(&str, &str)> = rows.iter().map(|(_, s, b)| (s.as_str(), b.as_str())).collect();
    assert_eq!(
        got,
        [("200", "b0"), ("200", "b1"), ("429", ""), ("200", "b2"), ("200", "b2"), ("200", "b1"), ("429", "")],
        "{rows:?}"
    );
}

#[test]
fn the_same_routes_with_limits_of_their_own_count_apart() {
    // The counter-case: each route's own stick table counts only its requests.
    let own = r#", rate_limit: Some((key: Client, algorithm: HaproxyHttpReqRate(period_ms: 10000, limit: 2, deny_status: 429)))"#;
    let s = load(&scenario("", own, ""));
    let rows = run(&s, "own", "r1,0,alice,/a/1,\nr2,10,alice,/b/1,\nr3,20,alice,/a/2,\nr4,30,alice,/b/2,\n");
    assert!(rows.iter().all(|(_, s, _)| s == "200"), "{rows:?}");
}

#[test]
fn a_shared_nginx_zone_is_one_bucket_per_key() {
    // NGINX 1.22 (ngx_http_limit_req_module.c fn `ngx_http_limit_req_lookup`): the node of a key is
    // looked up in the zone, whatever location's `limit_req` names it. 1r/s, burst 0, nodelay:
    // alice's request on /b 100 ms after hers on /a finds excess 1000 > 0 and is rejected.
    let s = load(&scenario(
        r#"limits: [(name: "api", limit: (algorithm: NginxLimitReq(rate: "1r/s", nodelay: true, status: 429)))], "#,
        r#", shared_limit: Some("api")"#,
        "",
    ));
    let rows = run(&s, "nginx", "r1,0,alice,/a/1,\nr2,100,alice,/b/1,\nr3,200,bob,/b/2,\nr4,1100,alice,/b/3,\n");
    let got: Vec<&str> = rows.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(got, ["200", "429", "200", "200"], "{rows:?}");
}

#[test]
fn shared_limits_are_validated_by_name() {
    let problems = |limits: &str, a_b: &str, c: &str| {
        validate(&load::parse(&scenario(limits, a_b, c), Path::new("shared.ron")).unwrap(), None)
            .into_iter()
            .map(|p| (p.severity, p.node.unwrap_or_default(), p.message))
            .collect::<Vec<_>>()
    };
    let unknown = problems(HAPROXY_API, r#", shared_limit: Some("apii")"#, "");
    assert!(
        unknown.iter().any(|(s, n, m)| *s == Severity::Error
            && n == "gw"
            && m.contains("shared_limit \"apii\" is not one of the gateway's limits (declared: api)")),
        "{unknown:?}"
    );
    // Declared but named by no route: a warning, not an error.
    let unused = problems(HAPROXY_API, "", "");
    assert!(
        unused
            .iter()
            .any(|(s, n, m)| *s == Severity::Warning && n == "gw" && m.contains("limit \"api\" is used by no route")),
        "{unused:?}"
    );
    assert!(unused.iter().all(|(s, _, _)| *s == Severity::Warning), "{unused:?}");
    let both = problems(
        HAPROXY_API,
        r#", shared_limit: Some("api"), rate_limit: Some((algorithm: NginxLimitReq(rate: "1r/s")))"#,
        "",
    );
    assert!(both.iter().any(|(_, _, m)| m.contains("has both a rate_limit of its own and shared_limit \"api\"")));
    let bad = problems(
        r#"limits: [(name: "api", limit: (algorithm: NginxLimitReq(rate: "0r/s"))), (name: "api", limit: (algorithm: NginxLimitReq(rate: "1r/s")))], "#,
        r#", shared_limit: Some("api")"#,
        "",
    );
    assert!(bad.iter().any(|(_, _, m)| m.contains("limit \"api\" is declared twice")), "{bad:?}");
    assert!(bad.iter().any(|(_, _, m)| m.starts_with("limit \"api\": rate \"0r/s\"")), "{bad:?}");
}

#[test]
fn a_file_without_shared_limits_saves_as_before() {
    // `limits` and `shared_limit` are left out of a file that has none (serde skip), so existing
    // files round-trip unchanged.
    let s = load(&scenario("", "", ""));
    let text = gatesim::model::load::to_string(&s);
    assert!(!text.contains("limits") && !text.contains("shared_limit"), "{text}");
}

/// A gateway with one route `/` to service b0 limited by `limit` (RON of a `RateLimit`).
fn one_route(limit: &str) -> String {
    format!(
        r#"Scenario(format_version: 1, name: "descriptors", run: (seed: 1, duration_s: 1.0),
        topology: (nodes: [
            Clients((name: "c", traffic: Constant(rate_rps: 0.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "b0", rate_limit: Some({limit}))])),
            Service((name: "b0", instances: 1, service_time: Constant(ms: 10.0))),
        ], links: [(from: "c", to: "gw"), (from: "gw", to: "b0")]))"#
    )
}

#[test]
fn an_envoy_descriptor_bucket_and_the_default_bucket_are_both_charged() {
    // Envoy 1.40 local_ratelimit_impl.cc `requestAllowed` (always_consume_default_token_bucket
    // defaults to true): the default bucket (2 tokens, one for everyone: key Global) and alice's
    // descriptor bucket (1 token, matched on the remote address). Alice passes both and takes
    // one of each; her second request is refused by her bucket (the default keeps its last token);
    // bob takes that last token; bob's second request is refused by the default bucket.
    let limit = r#"(key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 2, fill_interval_ms: 60000,
        descriptors: [(value: "10.0.0.1", max_tokens: 1, fill_interval_ms: 60000)]))"#;
    let s = load(&one_route(limit));
    let rows =
        run(&s, "descriptors", "r1,0,10.0.0.1,/x,\nr2,10,10.0.0.1,/x,\nr3,20,10.0.0.2,/x,\nr4,30,10.0.0.2,/x,\n");
    let got: Vec<&str> = rows.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(got, ["200", "429", "200", "429"], "{rows:?}");
    // Without always_consume_default_token_bucket, alice's request leaves the default bucket
    // alone: bob gets both of its tokens.
    let s =
        load(&one_route(&limit.replace("descriptors:", "always_consume_default_token_bucket: false, descriptors:")));
    let rows = run(&s, "no-default", "r1,0,10.0.0.1,/x,\nr2,10,10.0.0.2,/x,\nr3,20,10.0.0.2,/x,\nr4,30,10.0.0.2,/x,\n");
    let got: Vec<&str> = rows.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(got, ["200", "200", "200", "429"], "{rows:?}");
}

#[test]
fn envoy_filter_enforced_zero_lets_refused_requests_pass() {
    // local_ratelimit.cc `decodeHeaders`: refused but not enforced -> Continue.
    let s = load(&one_route(
        "(key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 1, fill_interval_ms: 60000, filter_enforced_percent: 0))",
    ));
    let rows = run(&s, "unenforced", "r1,0,a,/x,\nr2,10,a,/x,\nr3,20,b,/x,\n");
    assert!(rows.iter().all(|(_, s, _)| s == "200"), "{rows:?}");
}

#[test]
fn envoy_descriptors_need_a_global_key_and_envoy_valid_intervals() {
    let problems = |limit: &str| {
        validate(&load::parse(&one_route(limit), Path::new("d.ron")).unwrap(), None)
            .into_iter()
            .map(|p| format!("{} {}", p.node.unwrap_or_default(), p.message))
            .collect::<Vec<_>>()
    };
    let keyed = problems(
        r#"(key: Client, algorithm: EnvoyLocalRateLimit(max_tokens: 2, fill_interval_ms: 100, descriptors: [(value: "a", max_tokens: 1, fill_interval_ms: 100)]))"#,
    );
    assert!(
        keyed.iter().any(|m| m.starts_with("gw route / rate limit: descriptors need key: Global, got Client")),
        "{keyed:?}"
    );
    let interval = problems(
        r#"(key: Global, algorithm: EnvoyLocalRateLimit(max_tokens: 2, fill_interval_ms: 200, descriptors: [(value: "a", max_tokens: 1, fill_interval_ms: 300)]))"#,
    );
    assert!(
        interval.iter().any(|m| m.contains("multiple of the default token bucket's fill_interval")),
        "{interval:?}"
    );
}

#[test]
fn tyk_limiters_through_the_engine() {
    // Tyk (gateway/session_manager.go at 42d7f887; policy/ratelimit/tyk.rs pins each rule):
    // the DRL on one gateway lets `rate` requests through per window opened by the first one
    // (leakybucket memorycache `bucket.Add`); the Redis rolling window counts refused requests
    // too, so a client sending on stays refused.
    let requests = "r1,0,a,/x,\nr2,100,a,/x,\nr3,200,a,/x,\nr4,300,b,/x,\nr5,1150,a,/x,\nr6,1250,a,/x,\n";
    let statuses = |limiter: &str, name: &str| {
        let s = load(&one_route(&format!("(key: Client, algorithm: Tyk(rate: 2, per_s: 1, limiter: {limiter}))")));
        run(&s, name, requests).into_iter().map(|(_, s, _)| s).collect::<Vec<_>>()
    };
    // DRL: a's window opens at 0 (2 requests), r3 refused; at 1150 ms a new window: r5, r6 pass.
    assert_eq!(statuses("Drl", "tyk-drl"), ["200", "200", "429", "200", "200", "200"]);
    // Rolling window: at 1150 ms the entries newer than 150 ms are r3's (refused, but logged):
    // count 1, passes; at 1250 ms r3's is gone (200 <= 250), r5's is left: count 1, passes.
    assert_eq!(statuses("RedisRolling", "tyk-rolling"), ["200", "200", "429", "200", "200", "200"]);
    // Sentinel: r2 (count 1 > 0) sets it until 1100 ms; r3 blocked and refreshes it to 1200 ms;
    // r5 at 1150 ms blocked (refresh to 2150 ms); r6 blocked.
    assert_eq!(statuses("Sentinel", "tyk-sentinel"), ["200", "200", "429", "200", "429", "429"]);
    let bad =
        validate(&load::parse(&one_route("(algorithm: Tyk(rate: 0, per_s: 1))"), Path::new("t.ron")).unwrap(), None);
    assert!(bad.iter().any(|p| p.message.contains("`rate` must be greater than zero")), "{bad:?}");
}

#[test]
fn a_timeline_change_reaches_a_shared_limit_by_its_name() {
    use gatesim::model::param::{ParamValue, Setting, apply};
    let mut s = load(&scenario(HAPROXY_API, r#", shared_limit: Some("api")"#, ""));
    let set = Setting { path: "limits[api].limit.algorithm.limit".into(), value: ParamValue(serde_json::json!(7)) };
    apply(&mut s.topology, "gw", &[set]).unwrap_or_else(|e| panic!("{e}"));
    match s.topology.node("gw") {
        Some(gatesim::model::Node::Gateway(g)) => {
            assert!(matches!(g.limits[0].limit.algorithm, gatesim::model::Limiter::HaproxyHttpReqRate { limit: 7, .. }))
        }
        other => panic!("{other:?}"),
    }
}
