//! Envoy (1.40) v3 static bootstrap for one gateway: a listener on [`ExportOptions::listen`] with
//! the HTTP connection manager, one route per resolved route (longest prefix first, as the
//! simulator matches: Envoy takes the first route that matches), one cluster per pool with its
//! `lb_policy`, endpoints and weights, active health checks, outlier detection and circuit
//! breakers, and the local rate limit filter with a token bucket per route.
//!
//! The document is built as a [`serde_json::Value`] and rendered by [`super::yaml::to_yaml`]: every
//! string is a quoted YAML scalar, so no name, path or key is ever spliced into syntax. Names are
//! still checked ([`word`], [`path`]) so that what Envoy reports (stats, logs) reads as the model.
//! Nothing of the process is in the file (no `admin`, no access log, no `/tmp` path, no test
//! header): the host starts Envoy with its own flags (`--concurrency`, `--base-id`, logs).
//!
//! What each field means in Envoy is what the simulation assumed (sources of the 1.39/main line):
//! - **Routes** (api/envoy/config/route/v3/route_components.proto `RouteMatch.prefix`): a string
//!   prefix, first match wins, so routes are written longest prefix first; a path no route
//!   matches gets Envoy's 404. `RouteAction.timeout` is the model's route timeout (Envoy's
//!   default is 15 s; the model's "no timeout" is `0s`, which disables it) and covers every retry.
//! - **Retries** (`RetryPolicy`; source/common/router/retry_state_impl.cc): `retry_on` from the
//!   model (`5xx` and `gateway-error` include connect failures), `num_retries`, `retry_back_off`
//!   base and max (default 10 x base, written out). No retry host predicate: a retry is a fresh
//!   load-balancer pick, as simulated.
//! - **Balancers** (source/extensions/load_balancing_policies/): `ROUND_ROBIN` (random start,
//!   EDF for unequal weights), `LEAST_REQUEST` (`choice_count`, `active_request_bias`).
//!   `load_balancing_weight` is the link weight; each endpoint's `hostname` is the instance name
//!   (stats and logs name it). `common_lb_config.healthy_panic_threshold` is the model's (default
//!   50 %). `RING_HASH` and `MAGLEV` are refused: Envoy hashes the endpoints' addresses (their
//!   hostnames only in DNS clusters), the simulator the instance names.
//! - **Health checks** (api/envoy/config/core/v3/health_check.proto): the model's `inter`, `rise`,
//!   `fall` as `interval`, `healthy_threshold`, `unhealthy_threshold`, a TCP connect check (an
//!   empty `tcp_health_check`, like HAProxy's plain `check`), the check timeout equal to the
//!   interval (HAProxy's), `no_traffic_interval` equal to the interval (Envoy's default is 60 s
//!   before the cluster's first request) and a fresh connection per check.
//! - **Outlier detection** (source/common/upstream/outlier_detection_impl.cc): every field the
//!   model has; connection failures count as 5xx (`split_external_local_origin_errors` false).
//! - **Circuit breakers** (api/envoy/config/cluster/v3/circuit_breaker.proto): the model's
//!   thresholds for the default priority. A balancer without one is not limited in the model, so
//!   its thresholds are written at their maximum (Envoy's defaults, 1024 and 3 retries, would
//!   limit it).
//! - **Local rate limit** (source/extensions/filters/http/local_ratelimit/,
//!   source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc and
//!   dynamic_descriptor.cc): a route's `typed_per_filter_config` gets its own token bucket
//!   (continuous refill since 1.31, starts full), `filter_enabled` and `filter_enforced` at 100 %
//!   (both default to 0 %, which limits nothing), status 429. The key is the model's `LimitKey`:
//!   `Global` is the route's bucket; `Client` and `User` are a wildcard descriptor (an entry with
//!   no value: each distinct value gets its own bucket, kept in an LRU of
//!   `max_dynamic_descriptors`, sized at twice the scenario's keys so none is evicted) fed by a
//!   `remote_address` action (the peer address: the connection manager's `use_remote_address`
//!   is on, so a client cannot pick its key with `X-Forwarded-For`) or a `request_headers` action
//!   on `X-Api-Key`. `always_consume_default_token_bucket` is off, so a keyed request takes a token
//!   from its own bucket only; the route's default bucket, taken only by requests without the key,
//!   is too large to refuse any (the model does not limit a request without its key). A gateway's
//!   shared limit is one config on the virtual host, whose bucket every route without its own
//!   shares; a route with no limit then disables the filter (`FilterConfig { disabled: true }`).

use super::yaml::to_yaml;
use super::{ExportError, ExportOptions, Pool, Resolved, ResolvedRoute, Target, ident, path, word};
use crate::model::{ActiveCheck, Balance, CircuitBreaker, Failover, OutlierDetection, RetryOn, RetryPolicy};
use serde_json::{Map, Value, json};

const T: Target = Target::Envoy;

const HCM: &str =
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const LOCAL_RATELIMIT: &str = "envoy.filters.http.local_ratelimit";
const LOCAL_RATELIMIT_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
const ROUTER_TYPE: &str = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

/// Envoy's `fill_interval` floor (local_ratelimit_impl.cc: shorter intervals are refused).
const MIN_FILL_INTERVAL_MS: u64 = 50;

/// The largest value of Envoy's `uint32` thresholds: "not limited".
const UNLIMITED: u64 = u32::MAX as u64;

/// Writes the bootstrap.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let gateway = word(&r.gateway, &r.gateway)?;
    let gw = ident(gateway);
    let mut routes = Vec::new();
    let host_limit = ratelimit::virtual_host_limit(r)?;
    let limited = r.routes.iter().any(|x| x.rate_limit.is_some());
    // Longest prefix first (Envoy takes the first match; the simulator the longest); equal
    // lengths cannot both match one path unless equal, which resolve() refuses.
    let mut order: Vec<usize> = (0..r.routes.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(r.routes[i].prefix.len()), i));
    for &i in &order {
        routes.push(route_entry(r, i, &r.routes[i], host_limit.is_some())?);
    }
    let mut virtual_host = json!({ "name": gw, "domains": ["*"], "routes": routes });
    if let (Some(limit), Some(vh)) = (host_limit, virtual_host.as_object_mut()) {
        vh.insert("typed_per_filter_config".into(), json!({ LOCAL_RATELIMIT: limit }));
    }
    let mut http_filters = Vec::new();
    if limited {
        // Without a bucket of its own the listener-level filter limits nothing: each limited
        // route brings its bucket in typed_per_filter_config, a shared limit the virtual host's.
        http_filters.push(json!({
            "name": LOCAL_RATELIMIT,
            "typed_config": { "@type": LOCAL_RATELIMIT_TYPE, "stat_prefix": "local_rate_limit" },
        }));
    }
    http_filters.push(json!({ "name": "envoy.filters.http.router", "typed_config": { "@type": ROUTER_TYPE } }));
    let clusters = r.pools.iter().map(cluster).collect::<Result<Vec<_>, _>>()?;
    let doc = json!({
        "static_resources": {
            "listeners": [{
                "name": gw,
                "address": socket(o.listen),
                "filter_chains": [{
                    "filters": [{
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": {
                            "@type": HCM,
                            "stat_prefix": gw,
                            "codec_type": "AUTO",
                            // The peer address is the client's (the rate-limit key): a
                            // client-sent X-Forwarded-For is not trusted.
                            "use_remote_address": true,
                            "route_config": {
                                "name": gw,
                                "virtual_hosts": [virtual_host],
                            },
                            "http_filters": http_filters,
                        },
                    }],
                }],
            }],
            "clusters": clusters,
        },
    });
    let mut s = format!("# Gateway \"{gateway}\" for Envoy 1.40: a v3 static bootstrap (envoy -c this.yaml).\n");
    s.push_str(&to_yaml(&doc));
    Ok(s)
}

/// One `routes` entry.
fn route_entry(
    r: &Resolved<'_>,
    i: usize,
    route: &ResolvedRoute<'_>,
    host_limited: bool,
) -> Result<Value, ExportError> {
    let pool = r.pools.get(route.pool).ok_or_else(|| ExportError::Broken {
        node: r.gateway.clone(),
        message: format!("route {:?} has no pool", route.prefix),
    })?;
    let mut action = Map::new();
    action.insert("cluster".into(), json!(word(&pool.name, &pool.id)?));
    // The model's route timeout, or none (`0s`): Envoy's default would be 15 s.
    action.insert("timeout".into(), json!(route.timeout_ms.map_or_else(|| "0s".to_owned(), |t| duration(ceil_ms(t)))));
    if let Some(rp) = route.retry_policy {
        action.insert("retry_policy".into(), retry_policy(&r.gateway, &route.prefix, rp)?);
    }
    let mut entry = Map::new();
    entry.insert("name".into(), json!(format!("r{i}")));
    entry.insert("match".into(), json!({ "prefix": path(&r.gateway, &route.prefix)? }));
    entry.insert("route".into(), Value::Object(action));
    if let Some(limit) = ratelimit::route_limit(r, i, route, host_limited)? {
        entry.insert("typed_per_filter_config".into(), json!({ LOCAL_RATELIMIT: limit }));
    }
    Ok(Value::Object(entry))
}

/// A route's `retry_policy`.
fn retry_policy(gateway: &str, prefix: &str, rp: &RetryPolicy) -> Result<Value, ExportError> {
    if rp.retry_on.is_empty() {
        return Err(ExportError::unsupported(
            gateway,
            format!("retry policy on route {prefix:?}"),
            T,
            "retry_on is empty: Envoy needs at least one condition",
        ));
    }
    let max = rp.max_interval_ms.unwrap_or(rp.base_interval_ms.saturating_mul(10));
    if rp.base_interval_ms < 1 || max < rp.base_interval_ms {
        return Err(ExportError::unsupported(
            gateway,
            format!("retry backoff on route {prefix:?}"),
            T,
            "Envoy needs base_interval >= 1 ms and max_interval >= base_interval",
        ));
    }
    let on: Vec<&str> = rp
        .retry_on
        .iter()
        .map(|c| match c {
            RetryOn::FiveXx => "5xx",
            RetryOn::GatewayError => "gateway-error",
            RetryOn::ConnectFailure => "connect-failure",
        })
        .collect();
    Ok(json!({
        "retry_on": on.join(","),
        "num_retries": rp.num_retries,
        "retry_back_off": { "base_interval": duration(rp.base_interval_ms), "max_interval": duration(max) },
    }))
}

/// One cluster.
fn cluster(pool: &Pool<'_>) -> Result<Value, ExportError> {
    let name = word(&pool.name, &pool.id)?;
    let lb = pool.balancer;
    let algorithm = pool.algorithm();
    match pool.failover() {
        Failover::NextInstance | Failover::Off => {}
        f @ (Failover::NginxNextUpstream { .. } | Failover::HaproxyRetries { .. }) => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("failover {f:?}"),
                T,
                "another product's failover; Envoy retries at the route (retry_policy)",
            ));
        }
    }
    pool.refuse_pinned_start(T)?;
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    c.insert("type".into(), json!("STATIC"));
    c.insert("connect_timeout".into(), json!("5s"));
    let weights_equal = pool.servers.windows(2).all(|w| w[0].weight == w[1].weight);
    match algorithm {
        Balance::EnvoyRoundRobin => {
            c.insert("lb_policy".into(), json!("ROUND_ROBIN"));
        }
        Balance::EnvoyLeastRequest { choice_count, active_request_bias } => {
            if choice_count < 2 {
                return Err(ExportError::unsupported(&pool.name, "choice_count", T, "Envoy needs at least 2"));
            }
            if weights_equal && active_request_bias != 1.0 {
                // Envoy after 1.39 takes the weighted path whenever the bias is set
                // (least_request_lb_active_request_bias_forces_weighted); the simulator draws P2C.
                return Err(ExportError::unsupported(
                    &pool.name,
                    format!("active_request_bias {active_request_bias} with equal weights"),
                    T,
                    "an explicit bias makes Envoy schedule by weight even when the weights are equal; the simulator \
                     draws power-of-two choices there",
                ));
            }
            c.insert("lb_policy".into(), json!("LEAST_REQUEST"));
            let mut config = Map::new();
            config.insert("choice_count".into(), json!(choice_count));
            if active_request_bias != 1.0 {
                config.insert(
                    "active_request_bias".into(),
                    json!({ "default_value": active_request_bias, "runtime_key": format!("{name}.active_request_bias") }),
                );
            }
            c.insert("least_request_lb_config".into(), Value::Object(config));
        }
        Balance::EnvoyRingHash { .. } | Balance::EnvoyMaglev { .. } => {
            // ring_hash_lb.cc / maglev_lb.cc hash each host's address ("127.0.0.1:9001"), or its
            // hostname only in DNS clusters (`use_hostname_for_hashing` is refused for STATIC
            // ones); the simulator's rings hash the instance names.
            return Err(ExportError::unsupported(
                &pool.name,
                format!("balance {algorithm:?}"),
                T,
                "Envoy's ring and Maglev table hash the endpoints' addresses (hostnames only in DNS clusters), \
                 the simulator's hash the instance names: the hosts would sit elsewhere on the ring",
            ));
        }
        other => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("balance {other:?}"),
                T,
                "not an Envoy algorithm (generic round robin starts at the first instance and fails over to the \
                 next, Envoy starts at a random host and has no balancer failover); use one of the Envoy* \
                 balancers",
            ));
        }
    }
    let mut common = Map::new();
    let panic = lb.and_then(|b| b.healthy_panic_threshold).unwrap_or(50.0);
    if !(0.0..=100.0).contains(&panic) {
        return Err(ExportError::unsupported(&pool.name, "healthy_panic_threshold", T, "a percentage, 0..=100"));
    }
    common.insert("healthy_panic_threshold".into(), json!({ "value": panic }));
    c.insert("common_lb_config".into(), Value::Object(common));
    let endpoints = pool
        .servers
        .iter()
        .map(|s| {
            Ok(json!({
                "endpoint": { "address": socket(s.addr), "hostname": word(&s.service, &s.instance)? },
                "load_balancing_weight": s.weight,
            }))
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    c.insert("load_assignment".into(), json!({ "cluster_name": name, "endpoints": [{ "lb_endpoints": endpoints }] }));
    if let Some(hc) = lb.and_then(|b| b.health_check.as_ref()) {
        c.insert("health_checks".into(), json!([health_check(&pool.name, hc)?]));
    }
    if let Some(od) = lb.and_then(|b| b.outlier_detection.as_ref()) {
        c.insert("outlier_detection".into(), outlier_detection(&pool.name, od)?);
    }
    let breaker = lb.and_then(|b| b.circuit_breaker.as_ref());
    c.insert("circuit_breakers".into(), circuit_breakers(&pool.name, breaker)?);
    Ok(Value::Object(c))
}

/// `health_checks` entry for the model's `check inter rise fall`.
fn health_check(node: &str, hc: &ActiveCheck) -> Result<Value, ExportError> {
    if hc.http.is_some() {
        return Err(ExportError::unsupported(
            node,
            "http health check",
            T,
            "the simulated HTTP check is HAProxy's option httpchk (a bad status counts towards fall); \
             Envoy marks a host unhealthy at the first unexpected status",
        ));
    }
    if hc.inter_ms == 0 || hc.rise == 0 || hc.fall == 0 {
        return Err(ExportError::unsupported(node, "health check", T, "Envoy needs interval > 0 and thresholds >= 1"));
    }
    let every = duration(hc.inter_ms);
    Ok(json!({
        "timeout": every,
        "interval": every,
        "no_traffic_interval": every,
        "unhealthy_threshold": hc.fall,
        "healthy_threshold": hc.rise,
        "reuse_connection": false,
        "tcp_health_check": {},
    }))
}

/// `outlier_detection` with every field of the model.
fn outlier_detection(node: &str, od: &OutlierDetection) -> Result<Value, ExportError> {
    if od.interval_ms == 0 || od.base_ejection_time_ms == 0 || od.max_ejection_percent > 100 {
        return Err(ExportError::unsupported(
            node,
            "outlier detection",
            T,
            "Envoy needs interval and base_ejection_time > 0 and max_ejection_percent <= 100",
        ));
    }
    if od.enforcing_success_rate > 100 {
        return Err(ExportError::unsupported(node, "enforcing_success_rate", T, "a percentage, 0..=100"));
    }
    Ok(json!({
        "consecutive_5xx": od.consecutive_5xx,
        "interval": duration(od.interval_ms),
        "base_ejection_time": duration(od.base_ejection_time_ms),
        "max_ejection_time": duration(od.max_ejection_time_ms),
        "max_ejection_percent": od.max_ejection_percent,
        "always_eject_one_host": od.always_eject_one_host,
        "enforcing_consecutive_5xx": 100,
        "enforcing_success_rate": od.enforcing_success_rate,
        "split_external_local_origin_errors": false,
    }))
}

/// `circuit_breakers` for the default priority: the model's thresholds, or none (maximum values).
fn circuit_breakers(node: &str, cb: Option<&CircuitBreaker>) -> Result<Value, ExportError> {
    let Some(cb) = cb else {
        return Ok(json!({ "thresholds": [{
            "priority": "DEFAULT",
            "max_connections": UNLIMITED,
            "max_pending_requests": UNLIMITED,
            "max_requests": UNLIMITED,
            "max_retries": UNLIMITED,
        }] }));
    };
    for (name, v) in [
        ("max_connections", cb.max_connections),
        ("max_pending_requests", cb.max_pending_requests),
        ("max_requests", cb.max_requests),
        ("max_retries", cb.max_retries),
    ] {
        if v > UNLIMITED {
            return Err(ExportError::unsupported(node, name, T, "Envoy's thresholds are 32-bit"));
        }
    }
    let mut t = Map::new();
    t.insert("priority".into(), json!("DEFAULT"));
    t.insert("max_connections".into(), json!(cb.max_connections));
    t.insert("max_pending_requests".into(), json!(cb.max_pending_requests));
    t.insert("max_requests".into(), json!(cb.max_requests));
    t.insert("max_retries".into(), json!(cb.max_retries));
    if let Some(b) = &cb.retry_budget {
        if !(0.0..=100.0).contains(&b.budget_percent) {
            return Err(ExportError::unsupported(node, "retry_budget.budget_percent", T, "a percentage, 0..=100"));
        }
        t.insert(
            "retry_budget".into(),
            json!({
                "budget_percent": { "value": b.budget_percent },
                "min_retry_concurrency": b.min_retry_concurrency.min(UNLIMITED),
            }),
        );
    }
    Ok(json!({ "thresholds": [Value::Object(t)] }))
}

/// A `socket_address`.
fn socket(addr: std::net::SocketAddr) -> Value {
    json!({ "socket_address": { "address": addr.ip().to_string(), "port_value": addr.port() } })
}

/// Whole milliseconds, rounded up so that a timeout is never shorter than the model's.
fn ceil_ms(v: f64) -> u64 {
    v.max(1.0).ceil() as u64
}

/// A protobuf JSON duration (`"2s"`, `"0.250s"`).
fn duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{}.{:03}s", ms / 1000, ms % 1000) }
}

mod ratelimit;
#[cfg(test)]
mod tests;
