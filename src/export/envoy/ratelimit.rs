//! The local rate limit (`envoy.filters.http.local_ratelimit`) of a route or of the virtual host.
//!
//! A config in a route's `typed_per_filter_config` has its own token bucket; one in the virtual
//! host's is shared by every route without one of its own (Envoy takes the most specific per-filter
//! config: `Http::Utility::resolveMostSpecificPerFilterConfig`, local_ratelimit.cc, and the bucket
//! lives in that config object). A gateway's shared limit is written there, and a route with no
//! limit then gets `envoy.config.route.v3.FilterConfig { disabled: true }`, so it is not limited.

use super::super::{ExportError, Resolved, ResolvedRoute};
use super::{LOCAL_RATELIMIT_TYPE, MIN_FILL_INTERVAL_MS, T, UNLIMITED, duration};
use crate::model::{EnvoyDescriptorSource, LimitKey, Limiter, RateLimit};
use serde_json::{Map, Value, json};

const FILTER_CONFIG_TYPE: &str = "type.googleapis.com/envoy.config.route.v3.FilterConfig";

/// The gateway's shared limit written on the virtual host, if any routes name one. Envoy has one
/// virtual host here, so routes naming two different shared limits are refused.
pub(super) fn virtual_host_limit(r: &Resolved<'_>) -> Result<Option<Value>, ExportError> {
    let mut shared = r.routes.iter().filter_map(|x| x.shared_limit.zip(x.rate_limit));
    let Some((name, rl)) = shared.next() else { return Ok(None) };
    if let Some((other, _)) = shared.find(|(n, _)| *n != name) {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("shared limits {name:?} and {other:?}"),
            T,
            "the export writes a shared limit on the gateway's one virtual host, which holds one local rate \
             limit; give the routes one shared limit (or limits of their own)",
        ));
    }
    let word = super::super::word(&r.gateway, name)?;
    Ok(Some(filter_config(r, &format!("shared.{word}"), rl, &format!("shared limit {name:?}"))?))
}

/// A route's `typed_per_filter_config` entry: its own limit, nothing when it takes the virtual
/// host's shared one (or neither has a limit), or `disabled` when only the virtual host has one.
pub(super) fn route_limit(
    r: &Resolved<'_>,
    i: usize,
    route: &ResolvedRoute<'_>,
    host_limited: bool,
) -> Result<Option<Value>, ExportError> {
    match (route.rate_limit, route.shared_limit) {
        (Some(_), Some(_)) => Ok(None),
        (Some(rl), None) => {
            if let Some(other) =
                r.routes.iter().find(|x| x.limit_group == route.limit_group && x.prefix != route.prefix)
            {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("one rate limit over routes {:?} and {:?}", route.prefix, other.prefix),
                    T,
                    "Envoy gives each route's local rate limit its own bucket; the model shares one between \
                     the routes a balancer's path rules split from one gateway route (a shared limit of the \
                     gateway is written on the virtual host)",
                ));
            }
            Ok(Some(filter_config(r, &format!("r{i}"), rl, &format!("route {:?}", route.prefix))?))
        }
        (None, _) if host_limited => Ok(Some(json!({ "@type": FILTER_CONFIG_TYPE, "disabled": true }))),
        (None, _) => Ok(None),
    }
}

/// The descriptor entry key and the `rate_limits` action building it.
fn source_action(source: EnvoyDescriptorSource) -> (&'static str, Value) {
    match source {
        EnvoyDescriptorSource::RemoteAddress => ("remote_address", json!({ "remote_address": {} })),
        EnvoyDescriptorSource::ApiKey => {
            ("api_key", json!({ "request_headers": { "header_name": "x-api-key", "descriptor_key": "api_key" } }))
        }
    }
}

/// The `LocalRateLimit` config of one limit, `what` naming it in errors.
fn filter_config(r: &Resolved<'_>, stat_prefix: &str, rl: &RateLimit, what: &str) -> Result<Value, ExportError> {
    let Limiter::EnvoyLocalRateLimit {
        max_tokens,
        tokens_per_fill,
        fill_interval_ms,
        ref descriptors,
        descriptor_source,
        always_consume_default_token_bucket,
        filter_enabled_percent,
        filter_enforced_percent,
    } = rl.algorithm
    else {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("rate limit {:?} on {what}", rl.algorithm.describe()),
            T,
            "Envoy's local rate limit is a token bucket; use EnvoyLocalRateLimit (another product's limiter, \
             or Envoy's global rate-limit service, which needs a service the export does not run)",
        ));
    };
    if fill_interval_ms < MIN_FILL_INTERVAL_MS || max_tokens == 0 || tokens_per_fill == 0 {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("token bucket on {what}"),
            T,
            format!("Envoy needs fill_interval >= {MIN_FILL_INTERVAL_MS} ms and max_tokens, tokens_per_fill >= 1"),
        ));
    }
    let bucket = json!({
        "max_tokens": max_tokens,
        "tokens_per_fill": tokens_per_fill,
        "fill_interval": duration(fill_interval_ms),
    });
    let percent = |key: &str, n: u32| json!({ "default_value": { "numerator": n, "denominator": "HUNDRED" }, "runtime_key": key });
    let mut limit = Map::new();
    limit.insert("@type".into(), json!(LOCAL_RATELIMIT_TYPE));
    limit.insert("stat_prefix".into(), json!(stat_prefix));
    limit.insert("status".into(), json!({ "code": 429 }));
    limit.insert("filter_enabled".into(), percent("local_rate_limit_enabled", filter_enabled_percent));
    limit.insert("filter_enforced".into(), percent("local_rate_limit_enforced", filter_enforced_percent));
    if !descriptors.is_empty() && rl.key != LimitKey::Global {
        return Err(ExportError::unsupported(
            &r.gateway,
            format!("descriptors on {what} keyed on {:?}", rl.key),
            T,
            "descriptors sit next to the route's one default bucket: the limit's key must be Global",
        ));
    }
    if !descriptors.is_empty() {
        // Exact-value descriptors next to the default bucket (the model's key is Global).
        let (key, action) = source_action(descriptor_source);
        let mut list = Vec::new();
        for d in descriptors {
            if d.fill_interval_ms < MIN_FILL_INTERVAL_MS || d.max_tokens == 0 || d.tokens_per_fill == 0 {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("descriptor {:?} on {what}", d.value),
                    T,
                    format!(
                        "Envoy needs fill_interval >= {MIN_FILL_INTERVAL_MS} ms and max_tokens, tokens_per_fill >= 1"
                    ),
                ));
            }
            list.push(json!({
                "entries": [{ "key": key, "value": d.value }],
                "token_bucket": {
                    "max_tokens": d.max_tokens,
                    "tokens_per_fill": d.tokens_per_fill,
                    "fill_interval": duration(d.fill_interval_ms),
                },
            }));
        }
        limit.insert("token_bucket".into(), bucket);
        limit.insert("descriptors".into(), Value::Array(list));
        limit.insert("rate_limits".into(), json!([{ "actions": [action] }]));
        limit.insert("always_consume_default_token_bucket".into(), json!(always_consume_default_token_bucket));
        return Ok(Value::Object(limit));
    }
    let action = match rl.key {
        LimitKey::Global => None,
        LimitKey::Client => Some(("remote_address", json!({ "remote_address": {} }))),
        LimitKey::User => {
            Some(("api_key", json!({ "request_headers": { "header_name": "x-api-key", "descriptor_key": "api_key" } })))
        }
    };
    match action {
        None => {
            limit.insert("token_bucket".into(), bucket);
        }
        Some((key, action)) => {
            // Requests without the key take the default bucket, which refuses none; keyed
            // requests take only their own (wildcard descriptor) bucket. The fill intervals
            // are equal, as Envoy wants the descriptors' to be multiples of the default's.
            limit.insert(
                "token_bucket".into(),
                json!({
                    "max_tokens": UNLIMITED,
                    "tokens_per_fill": UNLIMITED,
                    "fill_interval": duration(fill_interval_ms),
                }),
            );
            limit.insert("descriptors".into(), json!([{ "entries": [{ "key": key }], "token_bucket": bucket }]));
            limit.insert("rate_limits".into(), json!([{ "actions": [action] }]));
            limit.insert("always_consume_default_token_bucket".into(), json!(false));
            let keys = r.keys(rl.key).saturating_mul(2).clamp(20, UNLIMITED);
            limit.insert("max_dynamic_descriptors".into(), json!(keys));
        }
    }
    Ok(Value::Object(limit))
}
