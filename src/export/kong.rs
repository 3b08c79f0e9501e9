//! Kong Gateway (3.x, DB-less) as a decK declarative file (`_format_version: "3.0"`) for one
//! gateway: one `upstream` per pool with its `targets` and active health checks, one `service` per
//! gateway route and pool (its `retries` and timeouts, and the route's `rate-limiting` plugin),
//! one `route` per path prefix.
//!
//! Semantics, read in Kong 3.10 (Kong/kong @22246ef) and decK's file schema
//! (Kong/go-database-reconciler `pkg/file/kong_json_schema.json`):
//! - Routes: a plain `paths` entry is a string prefix (`/api` matches `/apix` too, as in the
//!   simulator) and the longest matching prefix wins. `strip_path: false` sends the whole path on.
//! - `rate-limiting` (kong/plugins/rate-limiting/handler.lua fn `get_identifier`,
//!   policies/init.lua fn `get_local_key`): counters are keyed by the plugin's route id, its
//!   service id, the identifier and the calendar window. The plugin is put on the service, so every
//!   route of one gateway route shares the counter, as the simulator's one limiter. `limit_by: ip`
//!   is the client address (`kong.client.get_forwarded_ip`, the remote address unless
//!   `trusted_ips` is set), `limit_by: header` with `header_name: X-Api-Key` the API key (a request
//!   without the header is counted by its address instead), `limit_by: service` one counter for
//!   everyone. `policy: local` does not count rejected requests (what `KongPolicy::Local`
//!   simulates); `redis` needs a Redis address this export has no option for, so it is refused.
//! - Balancing (kong/runloop/balancer/round_robin.lua): `round-robin` walks a wheel holding each
//!   target `weight` times, shuffled once. With the equal weights written here every target gets
//!   one request per turn of the wheel, as in the simulator's rotation, but in the wheel's order,
//!   not the scenario's. A retry (`retries`) takes the next wheel slot, so `retries = n - 1` tries
//!   every other target once, like `Failover::NextInstance`. Kong's NGINX retries after a timeout
//!   as well as after a refused connection, so a route timeout with retries is refused.
//! - Active checks (Kong/lua-resty-healthcheck fn `incr_counter`): targets start healthy;
//!   `unhealthy.tcp_failures` consecutive failures mark one unhealthy, `healthy.successes`
//!   consecutive successes healthy again. That is the simulated HAProxy check (`health` starts at
//!   `rise`, one failure marks a server down) only with `fall = 1`; decK holds intervals as whole
//!   seconds. `type: tcp` checks the connection, as the simulator does. Passive checks stay off
//!   (Kong's defaults), as the generic rotation has none.

use super::groups::{self, Service};
use super::yaml::to_yaml;
use super::{ExportError, ExportOptions, Pool, Resolved, Target, word};
use crate::model::{Failover, KongPolicy, LimitKey, Limiter};
use serde_json::{Map, Value, json};

const T: Target = Target::Kong;

/// Kong's default target weight: every target gets it (the generic rotation ignores weights).
const WEIGHT: u32 = 100;

/// The request header carrying the API key (`LimitKey::User`).
const API_KEY_HEADER: &str = "X-Api-Key";

/// Writes the decK file.
pub fn write(r: &Resolved<'_>, _o: &ExportOptions) -> Result<String, ExportError> {
    let gateway = word(&r.gateway, &r.gateway)?;
    groups::one_limiter_per_route(
        r,
        T,
        groups::distinct_pools,
        "Kong keys rate-limiting counters by the plugin's service, and routes to different upstreams need different services",
    )?;
    let mut upstreams = Vec::new();
    for pool in &r.pools {
        upstreams.push(upstream(pool)?);
    }
    let mut services = Vec::new();
    for svc in groups::services(r) {
        services.push(service(r, gateway, &svc)?);
    }
    let doc = json!({
        "_format_version": "3.0",
        "services": services,
        "upstreams": upstreams,
    });
    Ok(to_yaml(&doc))
}

/// The upstream of a pool (named `<pool>.upstream`, a valid hostname that is no IP address).
fn upstream_name(pool: &Pool<'_>) -> Result<String, ExportError> {
    Ok(format!("{}.upstream", word(&pool.name, &pool.id)?))
}

fn upstream(pool: &Pool<'_>) -> Result<Value, ExportError> {
    groups::plain_pool(pool, T, "Kong's round-robin")?;
    let mut targets = Vec::new();
    for sv in &pool.servers {
        word(&sv.service, &sv.instance)?;
        targets.push(json!({ "target": sv.addr.to_string(), "weight": WEIGHT, "tags": [sv.instance] }));
    }
    let mut up = Map::new();
    up.insert("name".into(), json!(upstream_name(pool)?));
    up.insert("algorithm".into(), json!("round-robin"));
    if let Some(lb) = pool.balancer
        && let Some(c) = &lb.health_check
    {
        if c.fall != 1 {
            return Err(ExportError::unsupported(
                &lb.name,
                format!("active health check fall {}", c.fall),
                T,
                "Kong targets start healthy and need tcp_failures failures to go down, while the simulated \
                 check starts at rise (one failure marks it down): only fall 1 means the same",
            ));
        }
        if c.inter_ms == 0 || c.inter_ms % 1000 != 0 || c.inter_ms > 65_535_000 {
            return Err(ExportError::unsupported(
                &lb.name,
                format!("active health check inter {} ms", c.inter_ms),
                T,
                "decK holds health-check intervals as whole seconds, and Kong takes at most 65535",
            ));
        }
        if !(1..=255).contains(&c.rise) {
            return Err(ExportError::unsupported(&lb.name, format!("rise {}", c.rise), T, "Kong takes 1..=255"));
        }
        let interval_s = c.inter_ms / 1000;
        up.insert(
            "healthchecks".into(),
            json!({
                "active": {
                    "type": "tcp",
                    "timeout": 1,
                    "healthy": { "interval": interval_s, "successes": c.rise },
                    "unhealthy": { "interval": interval_s, "tcp_failures": 1, "timeouts": 1 },
                },
            }),
        );
    }
    up.insert("targets".into(), Value::Array(targets));
    Ok(Value::Object(up))
}

/// One service: the routes of one gateway route to one pool.
fn service(r: &Resolved<'_>, gateway: &str, svc: &Service) -> Result<Value, ExportError> {
    let pool = groups::pool_at(r, svc.pool)?;
    let members: Vec<&super::ResolvedRoute<'_>> = svc.routes.iter().filter_map(|&i| r.routes.get(i)).collect();
    let Some(first) = members.first() else {
        return Err(ExportError::Broken { node: r.gateway.clone(), message: "a service without routes".into() });
    };
    let timeout_ms = first.timeout_ms;
    let retries = match pool.failover() {
        Failover::Off => 0,
        Failover::NextInstance if pool.servers.len() <= 1 => 0,
        Failover::NextInstance if timeout_ms.is_some() => {
            return Err(ExportError::unsupported(
                &pool.name,
                "failover NextInstance with a route timeout",
                T,
                "Kong retries after a read timeout too (NGINX proxy_next_upstream error timeout), \
                 the simulator only after a refused connection; use failover Off or no timeout",
            ));
        }
        Failover::NextInstance => pool.servers.len() - 1,
        f => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("failover {f:?}"),
                T,
                "another product's retries; use NextInstance or Off",
            ));
        }
    };
    let mut s = Map::new();
    s.insert("name".into(), json!(format!("{gateway}.r{}.{}", svc.group, word(&pool.name, &pool.id)?)));
    s.insert("protocol".into(), json!("http"));
    s.insert("host".into(), json!(upstream_name(pool)?));
    s.insert("port".into(), json!(80));
    s.insert("retries".into(), json!(retries));
    if let Some(t) = timeout_ms {
        let t = t.max(1.0).ceil();
        if t > f64::from(i32::MAX - 1) {
            return Err(ExportError::unsupported(&r.gateway, format!("timeout {t} ms"), T, "above Kong's maximum"));
        }
        s.insert("read_timeout".into(), json!(t as u64));
        s.insert("write_timeout".into(), json!(t as u64));
    }
    let mut routes = Vec::new();
    for &i in &svc.routes {
        let route = r
            .routes
            .get(i)
            .ok_or_else(|| ExportError::Broken { node: r.gateway.clone(), message: format!("route {i} is missing") })?;
        routes.push(json!({
            "name": format!("{gateway}.route{i}"),
            "paths": [super::path(&r.gateway, &route.prefix)?],
            "strip_path": false,
            "protocols": ["http", "https"],
        }));
    }
    s.insert("routes".into(), Value::Array(routes));
    if let Some(rl) = first.rate_limit {
        s.insert("plugins".into(), json!([rate_limiting(r, first, rl)?]));
    }
    Ok(Value::Object(s))
}

/// The `rate-limiting` plugin of a route's limit.
fn rate_limiting(
    r: &Resolved<'_>,
    route: &super::ResolvedRoute<'_>,
    rl: &crate::model::RateLimit,
) -> Result<Value, ExportError> {
    let Limiter::Kong { second, minute, hour, day, policy } = &rl.algorithm else {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
            T,
            "Kong's rate-limiting plugin counts in calendar windows; use the Kong limiter",
        ));
    };
    groups::valid_limit(r, route, rl, T)?;
    if *policy == KongPolicy::Redis {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("Kong policy Redis on route {:?}", route.prefix),
            T,
            "the export has no Redis address to write; use policy Local",
        ));
    }
    // Kong's own refusals (kong/plugins/rate-limiting/schema.lua): every limit `gt = 0`, and
    // fn `validate_periods_order`: no longer period's limit below a shorter one's.
    let periods = [("second", *second), ("minute", *minute), ("hour", *hour), ("day", *day)];
    let set: Vec<(&str, u64)> = periods.iter().filter_map(|&(p, v)| v.map(|n| (p, n))).collect();
    let refuse = |why: String| {
        Err(ExportError::unsupported(
            &r.gateway,
            format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
            T,
            why,
        ))
    };
    if let Some((p, _)) = set.iter().find(|(_, n)| *n == 0) {
        return refuse(format!("Kong refuses a {p} limit of 0"));
    }
    if let Some(w) = set.windows(2).find(|w| w[1].1 < w[0].1) {
        return refuse(format!("Kong refuses a {} limit below the {} limit", w[1].0, w[0].0));
    }
    let mut config = Map::new();
    for (name, n) in set {
        config.insert(name.into(), json!(n));
    }
    match rl.key {
        LimitKey::Client => {
            config.insert("limit_by".into(), json!("ip"));
        }
        LimitKey::User => {
            config.insert("limit_by".into(), json!("header"));
            config.insert("header_name".into(), json!(API_KEY_HEADER));
        }
        LimitKey::Global => {
            config.insert("limit_by".into(), json!("service"));
        }
    }
    config.insert("policy".into(), json!("local"));
    config.insert("fault_tolerant".into(), json!(true));
    config.insert("hide_client_headers".into(), json!(false));
    config.insert("error_code".into(), json!(429));
    Ok(json!({ "name": "rate-limiting", "config": config }))
}
