//! AWS API Gateway (REST API) as OpenAPI 3.0 with `x-amazon-apigateway-*` extensions, for one
//! gateway: each path prefix becomes resources with an `ANY` method and an `http_proxy`
//! integration (`timeoutInMillis` = the route timeout); throttling and the usage plan, which API
//! Gateway does not import from OpenAPI, are written in `x-gatesim-deployment`: the stage's method
//! settings (`resourcePath`, `httpMethod`, `throttlingRateLimit`, `throttlingBurstLimit`, as in a
//! `MethodSetting`) and a usage plan (`apiStages[].throttle` keyed `<resource path>/<method>`, as
//! `CreateUsagePlan` takes it).
//!
//! Semantics (docs.aws.amazon.com/apigateway/latest/developerguide: api-gateway-request-throttling,
//! api-gateway-api-usage-plans, api-gateway-swagger-extensions-integration, limits):
//! - Throttling is a token bucket of `burst` refilled at `rate` per second, one token per request,
//!   429 when empty: the simulated `AwsThrottle`. A stage's method setting is one bucket per
//!   method for every caller (`LimitKey::Global`); a usage plan's per-method throttle one bucket
//!   per API key and method (`LimitKey::User`, the `x-api-key` header; a method requiring a key
//!   answers 403 to a request without a known key, where the simulator does not limit it). There is
//!   no throttle per client address (`LimitKey::Client` is refused: AWS WAF's rate-based rules
//!   count over minutes, not a token bucket). The account-level quota (10,000 rps, burst 5,000 by
//!   default) caps every limit, so a larger one is refused.
//! - Resources match whole path segments: a prefix `/api` becomes `/api` and the greedy
//!   `/api/{proxy+}`, and `/apix`, which the simulator's string prefix matches too, is not routed
//!   to it. Buckets are per resource and method, so a limited route must be one resource: its
//!   prefix must end with `/` (`/api/` becomes `/api/{proxy+}` alone).
//! - API Gateway does no load balancing and no retries: a pool of one instance is integrated
//!   directly; a balancer given its own address in [`ExportOptions::backends`] (under the balancer's
//!   name) is integrated as one endpoint that balances by itself; anything else is refused.
//! - The integration timeout is 50..=29,000 ms (29 s when the route has none).

use super::groups;
use super::yaml::to_yaml;
use super::{ExportError, ExportOptions, Pool, Resolved, Target, ident, word};
use crate::model::{Failover, LimitKey, Limiter, Node, Scenario};
use serde_json::{Map, Value, json};

const T: Target = Target::AwsApiGateway;

/// API Gateway's integration timeout bounds, ms.
const TIMEOUT_MS: std::ops::RangeInclusive<u64> = 50..=29_000;

/// The default account-level throttle quota (rate r/s, burst).
const ACCOUNT_QUOTA: (u32, u32) = (10_000, 5_000);

/// Writes the OpenAPI document.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let gateway = word(&r.gateway, &r.gateway)?;
    let stage = ident(gateway);
    groups::one_limiter_per_route(
        r,
        T,
        |members| members.len(),
        "API Gateway throttles each resource's method with its own bucket",
    )?;
    // Shorter prefixes first: a longer prefix's resource replaces a shorter one's (`/api` and
    // `/api/` both give `/api/{proxy+}`, and the simulator sends `/api/x` to `/api/`).
    let mut order: Vec<usize> = (0..r.routes.len()).collect();
    order.sort_by_key(|&i| (r.routes[i].prefix.len(), i));
    let mut paths = Map::new();
    let mut stage_settings: Vec<Value> = Vec::new();
    let mut plan_throttle = Map::new();
    for i in order {
        let route = &r.routes[i];
        let pool = groups::pool(r, route)?;
        let base = endpoint(pool, o)?;
        let timeout_ms = match route.timeout_ms {
            None => *TIMEOUT_MS.end(),
            Some(t) => {
                let t = t.max(1.0).ceil() as u64;
                if !TIMEOUT_MS.contains(&t) {
                    return Err(ExportError::unsupported(
                        &r.gateway,
                        format!("timeout {t} ms on route {:?}", route.prefix),
                        T,
                        "API Gateway's integration timeout is 50..=29000 ms",
                    ));
                }
                t
            }
        };
        let resources = resources(&r.gateway, &route.prefix)?;
        let mut api_key = false;
        if let Some(rl) = route.rate_limit {
            let Limiter::AwsThrottle { rate_rps, burst } = rl.algorithm else {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
                    T,
                    "API Gateway throttles with its own token bucket; use AwsThrottle",
                ));
            };
            groups::valid_limit(r, route, rl, T)?;
            if rate_rps > ACCOUNT_QUOTA.0 || burst > ACCOUNT_QUOTA.1 {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("throttle {rate_rps} r/s burst {burst} on route {:?}", route.prefix),
                    T,
                    "above the default account-level quota (10000 r/s, burst 5000), which API Gateway applies too",
                ));
            }
            let [(resource, _)] = resources.as_slice() else {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("a throttle on route {:?}", route.prefix),
                    T,
                    "the prefix becomes two resources (the path itself and its greedy {proxy+}), each with its \
                     own bucket; end the prefix with / to make it one",
                ));
            };
            match rl.key {
                LimitKey::Global => {
                    stage_settings.push(json!({
                        "resourcePath": resource,
                        "httpMethod": "ANY",
                        "throttlingRateLimit": rate_rps,
                        "throttlingBurstLimit": burst,
                    }));
                }
                LimitKey::User => {
                    api_key = true;
                    // Keyed `<resource path>/<method>` (aws-cdk usage-plan.ts fn `renderThrottlePerMethod`).
                    let throttle = json!({ "rateLimit": rate_rps, "burstLimit": burst });
                    plan_throttle.insert(format!("{resource}/ANY"), throttle);
                }
                LimitKey::Client => {
                    return Err(ExportError::unsupported(
                        &r.gateway,
                        format!("a Client rate-limit key on route {:?}", route.prefix),
                        T,
                        "API Gateway throttles per method or per API key, never per client address",
                    ));
                }
            }
        }
        for (resource, greedy) in resources {
            paths.insert(resource, path_item(&base, &route.prefix, greedy, timeout_ms, api_key));
        }
    }
    let mut doc = Map::new();
    doc.insert("openapi".into(), json!("3.0.1"));
    doc.insert(
        "info".into(),
        json!({
            "title": gateway,
            "version": "1",
            "description": "Exported by gatesim. Resources match whole path segments (a prefix /api does not \
                take /apix); every integration times out after at most 29 s; a method with an API-key \
                throttle refuses requests without a known x-api-key (403). Apply x-gatesim-deployment \
                with UpdateStage and CreateUsagePlan after importing.",
        }),
    );
    if !plan_throttle.is_empty() {
        doc.insert("x-amazon-apigateway-api-key-source".into(), json!("HEADER"));
    }
    doc.insert("paths".into(), Value::Object(paths));
    if !plan_throttle.is_empty() {
        doc.insert(
            "components".into(),
            json!({ "securitySchemes": { "api_key": { "type": "apiKey", "name": "x-api-key", "in": "header" } } }),
        );
    }
    let mut deployment = Map::new();
    deployment.insert("stage".into(), json!({ "stageName": stage, "methodSettings": stage_settings }));
    if !plan_throttle.is_empty() {
        deployment.insert(
            "usagePlan".into(),
            json!({ "name": format!("{stage}-keys"), "apiStages": [{ "stage": stage, "throttle": plan_throttle }] }),
        );
    }
    doc.insert("x-gatesim-deployment".into(), Value::Object(deployment));
    Ok(to_yaml(&Value::Object(doc)))
}

/// The resources of a prefix, each with whether it is the greedy `{proxy+}` one: `/api` gives
/// `/api` and `/api/{proxy+}`, `/api/` only `/api/{proxy+}`, `/` gives `/` and `/{proxy+}`.
fn resources(node: &str, prefix: &str) -> Result<Vec<(String, bool)>, ExportError> {
    let p = super::path(node, prefix)?;
    // Resource path parts: letters, digits, `-`, `.`, `_`, `~`, no empty part.
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-._~/".contains(c);
    if !p.chars().all(ok_char) || p.contains("//") {
        return Err(ExportError::unsupported(
            node,
            format!("path prefix {p:?}"),
            T,
            "API Gateway resource paths take letters, digits, `-`, `.`, `_` and `~` between single slashes",
        ));
    }
    Ok(match p.strip_suffix('/') {
        Some("") => vec![("/".into(), false), ("/{proxy+}".into(), true)],
        Some(stem) => vec![(format!("{stem}/{{proxy+}}"), true)],
        None => vec![(p.to_owned(), false), (format!("{p}/{{proxy+}}"), true)],
    })
}

/// One resource's `ANY` method with its HTTP proxy integration.
fn path_item(base: &str, prefix: &str, greedy: bool, timeout_ms: u64, api_key: bool) -> Value {
    let mut method = Map::new();
    let mut integration = Map::new();
    integration.insert("type".into(), json!("http_proxy"));
    integration.insert("httpMethod".into(), json!("ANY"));
    if greedy {
        let stem = prefix.trim_end_matches('/');
        method.insert(
            "parameters".into(),
            json!([{ "name": "proxy", "in": "path", "required": true, "schema": { "type": "string" } }]),
        );
        integration.insert("uri".into(), json!(format!("{base}{stem}/{{proxy}}")));
        integration.insert(
            "requestParameters".into(),
            json!({ "integration.request.path.proxy": "method.request.path.proxy" }),
        );
    } else {
        integration.insert("uri".into(), json!(format!("{base}{prefix}")));
    }
    integration.insert("passthroughBehavior".into(), json!("when_no_match"));
    integration.insert("timeoutInMillis".into(), json!(timeout_ms));
    if api_key {
        method.insert("security".into(), json!([{ "api_key": [] }]));
    }
    method.insert("responses".into(), json!({ "default": { "description": "The backend's response, proxied" } }));
    method.insert("x-amazon-apigateway-integration".into(), Value::Object(integration));
    json!({ "x-amazon-apigateway-any-method": method })
}

/// The `http://HOST:PORT` a pool is reached at: its balancer's own address when the options give
/// one (the balancer, deployed apart, balances), else its only instance.
fn endpoint(pool: &Pool<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    if let Some(lb) = pool.balancer
        && let Some(addr) = o.backends.get(&lb.name)
    {
        word(&lb.name, &lb.name)?;
        return Ok(format!("http://{addr}"));
    }
    let [one] = pool.servers.as_slice() else {
        let what = if pool.balancer.is_some() {
            "API Gateway does not balance; give the balancer's own address (a backend named after the balancer) \
             to integrate with it"
        } else {
            "API Gateway does not balance; route to a balancer, or give the service one instance"
        };
        return Err(ExportError::unsupported(
            &pool.name,
            format!("balancing over {} instances", pool.servers.len()),
            T,
            what,
        ));
    };
    word(&one.service, &one.instance)?;
    if let Some(lb) = pool.balancer {
        if lb.health_check.is_some() {
            return Err(ExportError::unsupported(
                &lb.name,
                "active health checks",
                T,
                "API Gateway does not check its integration's health",
            ));
        }
        if !matches!(lb.failover, Failover::Off | Failover::NextInstance) {
            return Err(ExportError::unsupported(
                &lb.name,
                format!("failover {:?}", lb.failover),
                T,
                "API Gateway makes one attempt",
            ));
        }
    }
    Ok(format!("http://{}", one.addr))
}

/// The balancers gateway `gateway` routes to, whose own address an export may be given (under the
/// balancer's name in [`ExportOptions::backends`]) to integrate with it instead of its instances.
pub fn balancers(scenario: &Scenario, gateway: &str) -> Vec<String> {
    let topo = &scenario.topology;
    let Some(Node::Gateway(g)) = topo.node(gateway) else { return Vec::new() };
    let mut upstreams: Vec<&str> = g.routes.iter().map(|r| r.upstream.as_str()).collect();
    if g.routes.is_empty() {
        upstreams.extend(topo.links_from(&g.name).map(|(_, l)| l.to.as_str()).take(1));
    }
    let mut out: Vec<String> = Vec::new();
    for u in upstreams {
        if matches!(topo.node(u), Some(Node::LoadBalancer(_))) && !out.iter().any(|o| o == u) {
            out.push(u.to_owned());
        }
    }
    out
}
