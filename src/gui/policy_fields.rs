//! Inspector rows for the production policies: a balancer's algorithm, failover, health checks,
//! outlier detection, circuit breaker and panic threshold; a route's rate limit and retries; a
//! population's NAT addresses and client retries; a service's autoscaler. Parameters carry the
//! products' names, as in the file. Every function returns or marks what it changed.

use super::fields::{number_ui, optional_ui, row_ui};
use crate::model::{
    ActiveCheck, Autoscaling, Balance, CircuitBreaker, ClientRetry, Clients, Failover, Jitter, KongPolicy, LimitKey,
    Limiter, LoadBalancer, OutlierDetection, RateLimit, RetryPolicy, Route, Service, WindowUnit,
};
use egui::{ComboBox, Ui};

/// A combo box row choosing among `options` by label; returns whether the choice changed.
pub(super) fn choice_ui<T: Clone>(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    current: &mut T,
    options: &[(&str, T)],
    same: impl Fn(&T, &T) -> bool,
) -> bool {
    let selected = options.iter().find(|(_, v)| same(v, current)).map_or("?", |(l, _)| *l);
    let mut changed = false;
    row_ui(ui, label, |ui| {
        ComboBox::from_id_salt(id)
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for (l, v) in options {
                    if ui.selectable_label(same(v, current), *l).clicked() && !same(v, current) {
                        *current = v.clone();
                        changed = true;
                    }
                }
            })
            .response
    });
    changed
}

fn same_variant<T>(a: &T, b: &T) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// An optional section: a checkbox row that adds `default()` or removes the value; returns whether
/// it changed.
pub(super) fn toggle_ui<T>(ui: &mut Ui, label: &str, value: &mut Option<T>, default: impl FnOnce() -> T) -> bool {
    let mut on = value.is_some();
    let changed = row_ui(ui, label, |ui| ui.checkbox(&mut on, "")).changed();
    if changed {
        *value = if on { Some(default()) } else { None };
    }
    changed
}

/// The balancer's algorithm and its product's policies.
pub fn balancer_ui(ui: &mut Ui, lb: &mut LoadBalancer, mark: &mut impl FnMut(bool, &'static str)) {
    let algorithms = [
        ("round robin", Balance::RoundRobin),
        ("random", Balance::Random),
        ("NGINX round robin (smooth weighted)", Balance::NginxRoundRobin { max_fails: 1, fail_timeout_s: 10 }),
        ("NGINX least_conn", Balance::NginxLeastConn { max_fails: 1, fail_timeout_s: 10 }),
        ("NGINX ip_hash", Balance::NginxIpHash { max_fails: 1, fail_timeout_s: 10 }),
        ("NGINX hash $key consistent", Balance::NginxHash { consistent: true, max_fails: 1, fail_timeout_s: 10 }),
        ("NGINX random two least_conn", Balance::NginxRandomTwo { max_fails: 1, fail_timeout_s: 10 }),
        ("HAProxy roundrobin", Balance::HaproxyRoundRobin),
        ("HAProxy leastconn", Balance::HaproxyLeastConn),
        ("HAProxy first", Balance::HaproxyFirst),
        ("HAProxy source", Balance::HaproxySource),
        ("Envoy round robin", Balance::EnvoyRoundRobin),
        ("Envoy least request", Balance::EnvoyLeastRequest { choice_count: 2, active_request_bias: 1.0 }),
        ("Envoy ring hash", Balance::EnvoyRingHash { minimum_ring_size: 1024, maximum_ring_size: 8_388_608 }),
        ("Envoy Maglev", Balance::EnvoyMaglev { table_size: 65_537 }),
    ];
    mark(choice_ui(ui, "algorithm", "lb-algorithm", &mut lb.algorithm, &algorithms, same_variant), "algorithm");
    match &mut lb.algorithm {
        Balance::NginxRoundRobin { max_fails, fail_timeout_s }
        | Balance::NginxLeastConn { max_fails, fail_timeout_s }
        | Balance::NginxIpHash { max_fails, fail_timeout_s }
        | Balance::NginxHash { max_fails, fail_timeout_s, .. }
        | Balance::NginxRandomTwo { max_fails, fail_timeout_s } => {
            mark(number_ui(ui, "  max_fails", max_fails, 0..=100, "", 0.1), "max_fails");
            mark(number_ui(ui, "  fail_timeout", fail_timeout_s, 1..=3600, " s", 0.1), "fail_timeout");
        }
        Balance::EnvoyLeastRequest { choice_count, active_request_bias } => {
            mark(number_ui(ui, "  choice_count", choice_count, 2..=100, "", 0.1), "choice_count");
            mark(number_ui(ui, "  active_request_bias", active_request_bias, 0.0..=10.0, "", 0.01), "bias");
        }
        _ => {}
    }
    let failovers = [
        ("next instance", Failover::NextInstance),
        ("NGINX proxy_next_upstream error", Failover::NginxNextUpstream { tries: 0 }),
        ("HAProxy retries", Failover::HaproxyRetries { retries: 3, redispatch: false, connect_timeout_ms: 5000 }),
        ("none", Failover::Off),
    ];
    mark(choice_ui(ui, "on refused", "lb-failover", &mut lb.failover, &failovers, same_variant), "failover");
    match &mut lb.failover {
        Failover::NginxNextUpstream { tries } => {
            mark(number_ui(ui, "  next_upstream_tries", tries, 0..=100, "", 0.1), "tries");
        }
        Failover::HaproxyRetries { retries, redispatch, connect_timeout_ms } => {
            mark(number_ui(ui, "  retries", retries, 0..=100, "", 0.1), "retries");
            mark(row_ui(ui, "  option redispatch", |ui| ui.checkbox(redispatch, "")).changed(), "redispatch");
            mark(number_ui(ui, "  timeout connect", connect_timeout_ms, 1..=600_000, " ms", 10.0), "connect");
        }
        _ => {}
    }
    mark(toggle_ui(ui, "active checks", &mut lb.health_check, ActiveCheck::default), "health_check");
    if let Some(c) = &mut lb.health_check {
        mark(number_ui(ui, "  inter", &mut c.inter_ms, 1..=600_000, " ms", 10.0), "inter");
        mark(number_ui(ui, "  rise", &mut c.rise, 1..=100, "", 0.1), "rise");
        mark(number_ui(ui, "  fall", &mut c.fall, 1..=100, "", 0.1), "fall");
    }
    mark(toggle_ui(ui, "outlier detection", &mut lb.outlier_detection, OutlierDetection::default), "outlier");
    if let Some(o) = &mut lb.outlier_detection {
        mark(number_ui(ui, "  consecutive_5xx", &mut o.consecutive_5xx, 1..=1000, "", 0.1), "consecutive_5xx");
        mark(number_ui(ui, "  interval", &mut o.interval_ms, 1..=3_600_000, " ms", 100.0), "interval");
        mark(
            number_ui(ui, "  base ejection", &mut o.base_ejection_time_ms, 1..=3_600_000, " ms", 100.0),
            "base_ejection",
        );
        mark(number_ui(ui, "  max ejection %", &mut o.max_ejection_percent, 0..=100, " %", 0.1), "max_ejection");
        mark(
            row_ui(ui, "  always eject one", |ui| ui.checkbox(&mut o.always_eject_one_host, "")).changed(),
            "eject_one",
        );
    }
    mark(toggle_ui(ui, "circuit breaker", &mut lb.circuit_breaker, CircuitBreaker::default), "breaker");
    if let Some(b) = &mut lb.circuit_breaker {
        mark(number_ui(ui, "  max_connections", &mut b.max_connections, 1..=1_000_000, "", 1.0), "max_connections");
        mark(number_ui(ui, "  max_pending", &mut b.max_pending_requests, 0..=1_000_000, "", 1.0), "max_pending");
        mark(number_ui(ui, "  max_requests", &mut b.max_requests, 1..=1_000_000, "", 1.0), "max_requests");
        mark(number_ui(ui, "  max_retries", &mut b.max_retries, 0..=1_000_000, "", 0.1), "max_retries");
    }
    if lb.algorithm.product() == crate::model::Product::Envoy {
        mark(optional_ui(ui, "panic threshold", &mut lb.healthy_panic_threshold, 50.0, " %"), "panic");
    }
}

/// A route's rate limit and retry policy (shown under the route's row).
pub fn route_policies_ui(ui: &mut Ui, i: usize, route: &mut Route, mark: &mut impl FnMut(bool, &'static str)) {
    mark(
        toggle_ui(ui, "  rate limit", &mut route.rate_limit, || RateLimit {
            key: LimitKey::Client,
            algorithm: Limiter::NginxLimitReq {
                rate: "100r/s".into(),
                burst: 20,
                nodelay: true,
                delay: None,
                status: 503,
            },
        }),
        "rate_limit",
    );
    if let Some(rl) = &mut route.rate_limit {
        let keys = [("per client", LimitKey::Client), ("global", LimitKey::Global)];
        mark(choice_ui(ui, "    key", ("rl-key", i), &mut rl.key, &keys, |a, b| a == b), "key");
        let limiters = [
            (
                "NGINX limit_req",
                Limiter::NginxLimitReq { rate: "100r/s".into(), burst: 20, nodelay: true, delay: None, status: 503 },
            ),
            (
                "HAProxy http_req_rate",
                Limiter::HaproxyHttpReqRate { period_ms: 10_000, limit: 100, expire_ms: 30_000, deny_status: 429 },
            ),
            (
                "Envoy local rate limit",
                Limiter::EnvoyLocalRateLimit { max_tokens: 100, tokens_per_fill: 100, fill_interval_ms: 1000 },
            ),
            ("AWS API Gateway", Limiter::AwsThrottle { rate_rps: 100, burst: 200 }),
            ("GCRA (governor)", Limiter::Gcra { per_second: 100, burst: 100 }),
            ("Traefik", Limiter::Traefik { average: 100, period_ms: 1000, burst: 50 }),
            (
                "Kong",
                Limiter::Kong { second: Some(100), minute: None, hour: None, day: None, policy: KongPolicy::Local },
            ),
            (
                "Envoy rate-limit service",
                Limiter::EnvoyRateLimitService { requests_per_unit: 100, unit: WindowUnit::Second },
            ),
        ];
        mark(choice_ui(ui, "    algorithm", ("rl-algo", i), &mut rl.algorithm, &limiters, same_variant), "limiter");
        limiter_params_ui(ui, &mut rl.algorithm, mark);
        if let Some(problem) = rl.algorithm.problem() {
            ui.label("");
            ui.colored_label(super::theme::BAD, problem);
            ui.end_row();
        }
    }
    mark(
        toggle_ui(ui, "  retries (Envoy)", &mut route.retry_policy, || RetryPolicy {
            num_retries: 1,
            retry_on: vec![crate::model::RetryOn::FiveXx],
            base_interval_ms: 25,
            max_interval_ms: None,
        }),
        "retry_policy",
    );
    if let Some(rp) = &mut route.retry_policy {
        mark(number_ui(ui, "    num_retries", &mut rp.num_retries, 0..=100, "", 0.1), "num_retries");
        mark(number_ui(ui, "    base interval", &mut rp.base_interval_ms, 1..=60_000, " ms", 1.0), "base_interval");
    }
}

fn limiter_params_ui(ui: &mut Ui, l: &mut Limiter, mark: &mut impl FnMut(bool, &'static str)) {
    match l {
        Limiter::NginxLimitReq { rate, burst, nodelay, delay, status } => {
            mark(row_ui(ui, "    rate", |ui| ui.text_edit_singleline(rate)).changed(), "rate");
            mark(number_ui(ui, "    burst", burst, 0..=1_000_000, "", 0.2), "burst");
            mark(row_ui(ui, "    nodelay", |ui| ui.checkbox(nodelay, "")).changed(), "nodelay");
            if !*nodelay {
                let mut d = delay.map(f64::from);
                if optional_ui(ui, "    delay", &mut d, 0.0, "") {
                    *delay = d.map(|v| v.round().clamp(0.0, 1e9) as u32);
                    mark(true, "delay");
                }
            }
            mark(number_ui(ui, "    status", status, 400..=599, "", 0.1), "status");
        }
        Limiter::HaproxyHttpReqRate { period_ms, limit, expire_ms, deny_status } => {
            mark(number_ui(ui, "    period", period_ms, 1..=86_400_000, " ms", 100.0), "period");
            mark(number_ui(ui, "    deny if rate >", limit, 0..=10_000_000, "", 1.0), "limit");
            mark(number_ui(ui, "    expire", expire_ms, 1..=86_400_000, " ms", 100.0), "expire");
            mark(number_ui(ui, "    deny_status", deny_status, 200..=599, "", 0.1), "deny_status");
        }
        Limiter::EnvoyLocalRateLimit { max_tokens, tokens_per_fill, fill_interval_ms } => {
            mark(number_ui(ui, "    max_tokens", max_tokens, 1..=10_000_000, "", 1.0), "max_tokens");
            mark(number_ui(ui, "    tokens_per_fill", tokens_per_fill, 1..=10_000_000, "", 1.0), "tokens_per_fill");
            mark(number_ui(ui, "    fill_interval", fill_interval_ms, 50..=86_400_000, " ms", 10.0), "fill_interval");
        }
        Limiter::AwsThrottle { rate_rps, burst } => {
            mark(number_ui(ui, "    rate", rate_rps, 1..=10_000_000, " r/s", 1.0), "rate");
            mark(number_ui(ui, "    burst", burst, 1..=10_000_000, "", 1.0), "burst");
        }
        Limiter::Gcra { per_second, burst } => {
            mark(number_ui(ui, "    per second", per_second, 1..=10_000_000, "", 1.0), "per_second");
            mark(number_ui(ui, "    burst", burst, 1..=10_000_000, "", 1.0), "burst");
        }
        Limiter::Traefik { average, period_ms, burst } => {
            mark(number_ui(ui, "    average", average, 0..=10_000_000, "", 1.0), "average");
            mark(number_ui(ui, "    period", period_ms, 1..=86_400_000, " ms", 10.0), "period");
            mark(number_ui(ui, "    burst", burst, 1..=10_000_000, "", 1.0), "burst");
        }
        Limiter::Kong { second, minute, hour, day, policy } => {
            for (label, v) in [("    second", second), ("    minute", minute), ("    hour", hour), ("    day", day)] {
                let mut x = v.map(|n| n as f64);
                if optional_ui(ui, label, &mut x, 100.0, "") {
                    *v = x.map(|f| f.round().max(0.0) as u64);
                    mark(true, "kong_limit");
                }
            }
            let policies = [("local", KongPolicy::Local), ("redis", KongPolicy::Redis)];
            mark(choice_ui(ui, "    policy", "kong-policy", policy, &policies, |a, b| a == b), "policy");
        }
        Limiter::EnvoyRateLimitService { requests_per_unit, unit } => {
            mark(
                number_ui(ui, "    requests_per_unit", requests_per_unit, 0..=10_000_000, "", 1.0),
                "requests_per_unit",
            );
            let units = [
                ("second", WindowUnit::Second),
                ("minute", WindowUnit::Minute),
                ("hour", WindowUnit::Hour),
                ("day", WindowUnit::Day),
            ];
            mark(choice_ui(ui, "    unit", "rls-unit", unit, &units, |a, b| a == b), "unit");
        }
    }
}

/// A population's NAT addresses and client retries.
pub fn clients_policies_ui(ui: &mut Ui, c: &mut Clients, mark: &mut impl FnMut(bool, &'static str)) {
    let mut addresses = c.addresses.map(f64::from);
    if optional_ui(ui, "NAT addresses", &mut addresses, 10.0, "") {
        c.addresses = addresses.map(|a| a.round().clamp(1.0, f64::from(c.users.max(1))) as u32);
        mark(true, "addresses");
    }
    mark(
        toggle_ui(ui, "client retries", &mut c.retry, || ClientRetry {
            max_attempts: 3,
            timeout_ms: Some(5000.0),
            jitter: Jitter::Full,
            base_ms: 100,
            cap_ms: 10_000,
            retry_429: true,
        }),
        "retry",
    );
    if let Some(r) = &mut c.retry {
        mark(number_ui(ui, "  attempts", &mut r.max_attempts, 1..=20, "", 0.1), "attempts");
        mark(optional_ui(ui, "  give up after", &mut r.timeout_ms, 5000.0, " ms"), "client_timeout");
        let jitters = [
            ("full", Jitter::Full),
            ("equal", Jitter::Equal),
            ("decorrelated", Jitter::Decorrelated),
            ("none", Jitter::None),
        ];
        mark(choice_ui(ui, "  jitter", "client-jitter", &mut r.jitter, &jitters, |a, b| a == b), "jitter");
        mark(number_ui(ui, "  backoff base", &mut r.base_ms, 1..=600_000, " ms", 1.0), "base");
        mark(number_ui(ui, "  backoff cap", &mut r.cap_ms, 1..=3_600_000, " ms", 10.0), "cap");
    }
}

/// A service's autoscaler.
pub fn autoscaling_ui(ui: &mut Ui, svc: &mut Service, mark: &mut impl FnMut(bool, &'static str)) {
    let instances = svc.instances;
    mark(
        toggle_ui(ui, "autoscaling (HPA)", &mut svc.autoscaling, || Autoscaling {
            min_replicas: instances.max(1),
            max_replicas: (instances * 4).max(4),
            target_utilization: 0.8,
            sync_period_s: 15,
            startup_s: 30.0,
            downscale_stabilization_s: 300,
        }),
        "autoscaling",
    );
    if let Some(a) = &mut svc.autoscaling {
        mark(number_ui(ui, "  minReplicas", &mut a.min_replicas, 1..=10_000, "", 0.1), "min_replicas");
        mark(number_ui(ui, "  maxReplicas", &mut a.max_replicas, 1..=10_000, "", 0.1), "max_replicas");
        let mut pct = a.target_utilization * 100.0;
        if number_ui(ui, "  target utilisation", &mut pct, 1.0..=100.0, " %", 0.1) {
            a.target_utilization = pct / 100.0;
            mark(true, "target");
        }
        mark(number_ui(ui, "  pod startup", &mut a.startup_s, 0.0..=3600.0, " s", 0.1), "startup");
    }
}
