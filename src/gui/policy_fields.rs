//! Inspector rows for the production policies: a balancer's algorithm, failover, health checks,
//! outlier detection, circuit breaker and panic threshold; a route's rate limit and retries; a
//! population's NAT addresses and client retries; a service's autoscaler. Parameters carry the
//! products' names, as in the file. Every function returns or marks what it changed.

use super::fields::{commit_text_ui, number_ui, optional_ui, parsed_row_ui, row_ui};
use crate::model::{
    ActiveCheck, Autoscaling, Balance, CircuitBreaker, ClientRetry, Clients, Failover, Gateway, Jitter, KongPolicy,
    LimitKey, Limiter, LoadBalancer, NamedLimit, OutlierDetection, RateLimit, RetryPolicy, Route, Service, TykLimiter,
    WindowUnit,
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
        ("NGINX proxy_next_upstream error timeout", Failover::nginx_next_upstream(0)),
        ("HAProxy retries", Failover::HaproxyRetries { retries: 3, redispatch: false, connect_timeout_ms: 5000 }),
        ("none", Failover::Off),
    ];
    mark(choice_ui(ui, "on refused", "lb-failover", &mut lb.failover, &failovers, same_variant), "failover");
    match &mut lb.failover {
        Failover::NginxNextUpstream { tries, on, timeout_ms } => {
            for c in crate::model::NextUpstreamOn::ALL {
                let mut listed = on.contains(&c);
                if row_ui(ui, &format!("  next upstream on {}", c.word()), |ui| ui.checkbox(&mut listed, "")).changed()
                {
                    if listed {
                        on.push(c);
                        // NGINX's order, so the file and the exported directive read the same.
                        on.sort_by_key(|x| crate::model::NextUpstreamOn::ALL.iter().position(|y| y == x));
                    } else {
                        on.retain(|x| *x != c);
                    }
                    mark(true, "next_upstream_on");
                }
            }
            mark(number_ui(ui, "  next_upstream_tries", tries, 0..=100, "", 0.1), "tries");
            mark(number_ui(ui, "  next_upstream_timeout", timeout_ms, 0..=600_000, " ms", 10.0), "next_timeout");
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

/// Which limit a route applies, as the combo box "limit" offers it.
#[derive(Clone, PartialEq)]
enum RouteLimitChoice {
    None,
    Own,
    Shared(String),
}

/// A route's rate limit and retry policy (shown under the route's row). `shared` names the
/// gateway's shared limits: the "limit" combo box chooses none, the route's own, or one of them.
pub fn route_policies_ui(
    ui: &mut Ui,
    i: usize,
    route: &mut Route,
    shared: &[String],
    mark: &mut impl FnMut(bool, &'static str),
) {
    let mut choice = match (&route.shared_limit, &route.rate_limit) {
        (Some(name), _) => RouteLimitChoice::Shared(name.clone()),
        (None, Some(_)) => RouteLimitChoice::Own,
        (None, None) => RouteLimitChoice::None,
    };
    let mut options: Vec<(String, RouteLimitChoice)> =
        vec![("none".into(), RouteLimitChoice::None), ("own".into(), RouteLimitChoice::Own)];
    options.extend(shared.iter().map(|n| (format!("shared {n}"), RouteLimitChoice::Shared(n.clone()))));
    if let RouteLimitChoice::Shared(n) = &choice
        && !shared.contains(n)
    {
        options.push((format!("shared {n} (not declared)"), choice.clone()));
    }
    let labelled: Vec<(&str, RouteLimitChoice)> = options.iter().map(|(l, c)| (l.as_str(), c.clone())).collect();
    if choice_ui(ui, "  limit", ("rl-choice", i), &mut choice, &labelled, |a, b| a == b) {
        match choice {
            RouteLimitChoice::None => (route.rate_limit, route.shared_limit) = (None, None),
            RouteLimitChoice::Own => {
                route.shared_limit = None;
                route.rate_limit.get_or_insert_with(default_limit);
            }
            RouteLimitChoice::Shared(name) => (route.rate_limit, route.shared_limit) = (None, Some(name)),
        }
        mark(true, "rate_limit");
    }
    if let Some(rl) = &mut route.rate_limit {
        rate_limit_ui(ui, ("route", i), rl, mark);
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

/// A new rate limit's parameters.
fn default_limit() -> RateLimit {
    RateLimit {
        key: LimitKey::Client,
        algorithm: Limiter::NginxLimitReq { rate: "100r/s".into(), burst: 20, nodelay: true, delay: None, status: 503 },
    }
}

/// A rate limit's key, algorithm and parameters (a route's own or a shared one), with its problem.
fn rate_limit_ui(
    ui: &mut Ui,
    id: impl std::hash::Hash + std::fmt::Debug + Copy,
    rl: &mut RateLimit,
    mark: &mut impl FnMut(bool, &'static str),
) {
    let keys = [("per client", LimitKey::Client), ("per user", LimitKey::User), ("global", LimitKey::Global)];
    mark(choice_ui(ui, "    key", ("rl-key", id), &mut rl.key, &keys, |a, b| a == b), "key");
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
            Limiter::EnvoyLocalRateLimit {
                max_tokens: 100,
                tokens_per_fill: 100,
                fill_interval_ms: 1000,
                descriptors: Vec::new(),
                descriptor_source: Default::default(),
                always_consume_default_token_bucket: true,
                filter_enabled_percent: 100,
                filter_enforced_percent: 100,
            },
        ),
        ("AWS API Gateway", Limiter::AwsThrottle { rate_rps: 100, burst: 200 }),
        ("GCRA (governor)", Limiter::Gcra { per_second: 100, burst: 100 }),
        ("Traefik", Limiter::Traefik { average: 100, period_ms: 1000, burst: 50 }),
        ("Kong", Limiter::Kong { second: Some(100), minute: None, hour: None, day: None, policy: KongPolicy::Local }),
        (
            "Envoy rate-limit service",
            Limiter::EnvoyRateLimitService { requests_per_unit: 100, unit: WindowUnit::Second },
        ),
        ("Tyk", Limiter::Tyk { rate: 100, per_s: 1, limiter: TykLimiter::Drl, gateways: 1, drl_threshold: 0.0 }),
    ];
    mark(choice_ui(ui, "    algorithm", ("rl-algo", id), &mut rl.algorithm, &limiters, same_variant), "limiter");
    limiter_params_ui(ui, egui::Id::unique(("rate-limit", id)), &mut rl.algorithm, mark);
    if let Some(problem) = rl.algorithm.problem() {
        ui.label("");
        ui.add(egui::Label::new(egui::RichText::new(problem).color(super::theme::BAD)).wrap());
        ui.end_row();
    }
}

/// A gateway's shared limits: each one's name (renaming it renames it in the routes naming it)
/// and parameters, a button to remove it, and one to declare another.
pub fn shared_limits_ui(ui: &mut Ui, g: &mut Gateway, mark: &mut impl FnMut(bool, &'static str)) {
    let mut remove = None;
    for (k, l) in g.limits.iter_mut().enumerate() {
        // Its rows show its own changes only ("was 100r/s" beside its rate).
        super::field_marks::set_scope(ui, &format!("limits.{k}"));
        let before = l.name.clone();
        // Renamed when the name is committed (Enter or focus loss), never half typed.
        let mut renamed = false;
        row_ui(ui, "  name", |ui| {
            let id = egui::Id::unique(("shared-limit-name", k));
            let (r, commit) = commit_text_ui(ui, id, &before, "api", 120.0);
            if let Some(name) = commit.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
                l.name = name;
                renamed = true;
            }
            if ui.small_button("remove").clicked() {
                remove = Some(k);
            }
            r
        });
        if renamed {
            for r in g.routes.iter_mut().filter(|r| r.shared_limit.as_deref() == Some(before.as_str())) {
                r.shared_limit = Some(l.name.clone());
            }
            mark(true, "limit_name");
        }
        rate_limit_ui(ui, ("shared", k), &mut l.limit, mark);
    }
    super::field_marks::set_scope(ui, "");
    if let Some(k) = remove {
        g.limits.remove(k);
        mark(true, "limits");
    }
    ui.label("");
    if ui.button("+ shared limit").on_hover_text("A limit several routes count against together").clicked() {
        let name = (1..).map(|n| format!("limit{n}")).find(|n| !g.limits.iter().any(|l| &l.name == n));
        g.limits.push(NamedLimit { name: name.unwrap_or_default(), limit: default_limit() });
        mark(true, "limits");
    }
    ui.end_row();
}

/// A limiter's parameters; `id` is its limit's, for its text fields.
fn limiter_params_ui(ui: &mut Ui, id: egui::Id, l: &mut Limiter, mark: &mut impl FnMut(bool, &'static str)) {
    match l {
        Limiter::NginxLimitReq { rate, burst, nodelay, delay, status } => {
            // Applied when committed (Enter or focus loss), only a rate NGINX accepts.
            let id = id.with("nginx-rate");
            let parse = |t: &str| -> Result<String, String> {
                let t = t.trim();
                Limiter::parse_nginx_rate(t)
                    .map(|_| t.to_owned())
                    .ok_or_else(|| format!("\"{t}\": expected a whole number of requests like 10r/s or 30r/m"))
            };
            if let Some(v) = parsed_row_ui(ui, "    rate", id, rate, "10r/s or 30r/m", parse) {
                *rate = v;
                mark(true, "rate");
            }
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
        Limiter::EnvoyLocalRateLimit { max_tokens, tokens_per_fill, fill_interval_ms, .. } => {
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
        Limiter::Tyk { rate, per_s, limiter, gateways, .. } => {
            mark(number_ui(ui, "    rate", rate, 1..=1_000_000, "", 1.0), "tyk_rate");
            mark(number_ui(ui, "    per", per_s, 1..=86_400, " s", 1.0), "tyk_per");
            let limiters = [
                ("DRL", TykLimiter::Drl),
                ("Redis rolling window", TykLimiter::RedisRolling),
                ("sentinel", TykLimiter::Sentinel),
            ];
            mark(choice_ui(ui, "    limiter", "tyk-limiter", limiter, &limiters, |a, b| a == b), "tyk_limiter");
            mark(number_ui(ui, "    gateways", gateways, 1..=1000, "", 0.1), "tyk_gateways");
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
