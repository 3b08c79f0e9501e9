//! Traefik (v3) dynamic configuration for the file provider, for one gateway: one router per
//! path prefix (`PathPrefix` rule, priority = prefix length), a `rateLimit` middleware per limited
//! router, one `loadBalancer` service per gateway route and pool (its servers, active
//! `healthCheck` and a `serversTransport` carrying the route timeout).
//!
//! Semantics, read in Traefik v3.7 (traefik/traefik @fd5a576):
//! - Routing (pkg/muxer/http/matcher.go fn `pathPrefix`): `strings.HasPrefix` on the path, a
//!   string prefix as in the simulator; the router with the highest `priority` wins, and the
//!   priority written is the prefix's length, so the longest prefix wins.
//! - `rateLimit` (pkg/middlewares/ratelimiter/rate_limiter.go fn `New`): `average`/`period`,
//!   `burst` (below 1 becomes 1), the simulated Traefik limiter. The middleware is built once per
//!   router (pkg/server/router/router.go fn `buildHTTPHandler`), so each router has its own
//!   buckets; a limited gateway route split into several routers is refused. The source
//!   (pkg/middlewares/extractor.go fn `GetSourceExtractor`, pkg/config/dynamic/middlewares.go fn
//!   `IPStrategy.Get`): `ipStrategy` with `depth: 0` is the remote address (`LimitKey::Client`);
//!   `requestHeaderName: X-Api-Key` the API key (`LimitKey::User`); there is no criterion for one
//!   bucket for everyone (`requestHost` keys by the Host header, one bucket per host name, and
//!   these routers match any host), so `LimitKey::Global` is refused.
//! - Balancing (pkg/server/service/loadbalancer/wrr/wrr.go): weighted round robin by earliest
//!   deadline; with the equal weights written here every server gets one request per round, as in
//!   the simulator's rotation, in the scheduler's order rather than the scenario's.
//! - Failover: a `loadBalancer` makes one attempt (the `retry` middleware re-balances each attempt
//!   through the round robin after an exponential backoff), so only `Failover::Off`, or
//!   `NextInstance` over a single server, means the same.
//! - `healthCheck` (pkg/healthcheck/healthcheck.go fns `healthcheck`, `checkHealthHTTP`): servers
//!   start up; one failed check takes a server out, one success puts it back: the simulated
//!   check with `rise 1 fall 1` only. It is an HTTP GET of `/` that must answer 2xx or 3xx, where
//!   the simulator checks the connection.
//! - Route timeout: `forwardingTimeouts.responseHeaderTimeout` of the service's transport (504).

use super::groups::{self, Service};
use super::yaml::to_yaml;
use super::{ExportError, ExportOptions, Resolved, ResolvedRoute, Target, ms, word};
use crate::model::{Failover, LimitKey, Limiter, RateLimit};
use serde_json::{Map, Value, json};

const T: Target = Target::Traefik;

/// The request header carrying the API key (`LimitKey::User`).
const API_KEY_HEADER: &str = "X-Api-Key";

/// Writes the dynamic configuration.
pub fn write(r: &Resolved<'_>, _o: &ExportOptions) -> Result<String, ExportError> {
    let gateway = word(&r.gateway, &r.gateway)?;
    groups::one_limiter_per_route(
        r,
        T,
        |members| members.len(),
        "Traefik builds a rateLimit middleware per router, so routers cannot share buckets",
    )?;
    let svcs = groups::services(r);
    let mut routers = Map::new();
    let mut middlewares = Map::new();
    let mut services = Map::new();
    let mut transports = Map::new();
    for svc in &svcs {
        let name = service_name(r, gateway, svc)?;
        let (service, transport) = service(r, svc, &name)?;
        services.insert(name.clone(), service);
        if let Some(t) = transport {
            transports.insert(format!("{name}.transport"), t);
        }
        for &i in &svc.routes {
            let route = r.routes.get(i).ok_or_else(|| ExportError::Broken {
                node: r.gateway.clone(),
                message: format!("route {i} is missing"),
            })?;
            let router_name = format!("{gateway}.route{i}");
            let mut router = Map::new();
            router.insert("rule".into(), json!(rule(&r.gateway, &route.prefix)?));
            router.insert("priority".into(), json!(route.prefix.len()));
            router.insert("service".into(), json!(name));
            if let Some(rl) = route.rate_limit {
                let mw = format!("{router_name}.ratelimit");
                middlewares.insert(mw.clone(), rate_limit(r, route, rl)?);
                router.insert("middlewares".into(), json!([mw]));
            }
            routers.insert(router_name, Value::Object(router));
        }
    }
    let mut http = Map::new();
    http.insert("routers".into(), Value::Object(routers));
    if !middlewares.is_empty() {
        http.insert("middlewares".into(), Value::Object(middlewares));
    }
    http.insert("services".into(), Value::Object(services));
    if !transports.is_empty() {
        http.insert("serversTransports".into(), Value::Object(transports));
    }
    Ok(to_yaml(&json!({ "http": http })))
}

/// A router rule matching the prefix: `PathPrefix(`...`)`. The path rule allows no backtick,
/// which would end the rule's string; it is checked again here.
fn rule(node: &str, prefix: &str) -> Result<String, ExportError> {
    let p = super::path(node, prefix)?;
    if p.contains('`') {
        return Err(ExportError::Refused { node: node.into(), message: format!("{p:?} holds a backtick") });
    }
    Ok(format!("PathPrefix(`{p}`)"))
}

fn service_name(r: &Resolved<'_>, gateway: &str, svc: &Service) -> Result<String, ExportError> {
    let pool = groups::pool_at(r, svc.pool)?;
    Ok(format!("{gateway}.r{}.{}", svc.group, word(&pool.name, &pool.id)?))
}

/// The `loadBalancer` service and, with a route timeout, its servers transport.
fn service(r: &Resolved<'_>, svc: &Service, name: &str) -> Result<(Value, Option<Value>), ExportError> {
    let pool = groups::pool_at(r, svc.pool)?;
    groups::plain_pool(pool, T, "Traefik's weighted round robin")?;
    match pool.failover() {
        Failover::Off => {}
        Failover::NextInstance if pool.servers.len() <= 1 => {}
        f => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("failover {f:?}"),
                T,
                "a Traefik service makes one attempt (the retry middleware waits a backoff and may pick the \
                 same server again); use failover Off",
            ));
        }
    }
    let mut servers = Vec::new();
    for sv in &pool.servers {
        word(&sv.service, &sv.instance)?;
        servers.push(json!({ "url": format!("http://{}", sv.addr) }));
    }
    let mut lb = Map::new();
    lb.insert("servers".into(), Value::Array(servers));
    if let Some(b) = pool.balancer
        && let Some(c) = &b.health_check
    {
        if c.rise != 1 || c.fall != 1 || c.inter_ms == 0 {
            return Err(ExportError::unsupported(
                &b.name,
                format!("active health check inter {} ms rise {} fall {}", c.inter_ms, c.rise, c.fall),
                T,
                "Traefik marks a server down after one failed check and up after one success: only rise 1 \
                 fall 1 (and a non-zero inter) mean the same",
            ));
        }
        let every = ms(c.inter_ms as f64);
        lb.insert("healthCheck".into(), json!({ "path": "/", "interval": every, "timeout": every }));
    }
    lb.insert("passHostHeader".into(), json!(true));
    let first = svc.routes.first().and_then(|&i| r.routes.get(i));
    let transport = first.and_then(|x| x.timeout_ms).map(|t| {
        lb.insert("serversTransport".into(), json!(format!("{name}.transport")));
        json!({ "forwardingTimeouts": { "responseHeaderTimeout": ms(t) } })
    });
    Ok((json!({ "loadBalancer": lb }), transport))
}

/// The `rateLimit` middleware of a route's limit.
fn rate_limit(r: &Resolved<'_>, route: &ResolvedRoute<'_>, rl: &RateLimit) -> Result<Value, ExportError> {
    let Limiter::Traefik { average, period_ms, burst } = &rl.algorithm else {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
            T,
            "Traefik's rateLimit middleware is its own token bucket; use the Traefik limiter",
        ));
    };
    groups::valid_limit(r, route, rl, T)?;
    let source = match rl.key {
        LimitKey::Client => json!({ "ipStrategy": { "depth": 0 } }),
        LimitKey::User => json!({ "requestHeaderName": API_KEY_HEADER }),
        LimitKey::Global => {
            return Err(ExportError::unsupported(
                &r.gateway,
                format!("a Global rate-limit key on route {:?}", route.prefix),
                T,
                "Traefik has no source criterion for one bucket shared by everyone (requestHost keys by Host header)",
            ));
        }
    };
    // Period 0 is Traefik's default of one second, as the simulator reads it.
    let period = if *period_ms == 0 { 1000 } else { *period_ms };
    Ok(json!({
        "rateLimit": {
            "average": average,
            "period": format!("{period}ms"),
            "burst": (*burst).max(1),
            "sourceCriterion": source,
        }
    }))
}
