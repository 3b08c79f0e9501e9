//! NGINX (1.22, open source) config for one gateway, as a file for the `http` context: what a user
//! drops into `/etc/nginx/conf.d/` (Debian's and nginx.org's `nginx.conf` include
//! `conf.d/*.conf` inside `http {}`). It holds `limit_req_zone` for the route rate limits, one
//! `upstream` per balancer (smooth weighted round robin, `least_conn`, `ip_hash` or `hash`, with
//! `max_fails`/`fail_timeout` and a shared-memory `zone`), and one `server` with a `location` per
//! route (`limit_req`, `proxy_pass`, `proxy_next_upstream`, `proxy_read_timeout`). Nothing of the
//! process (user, pid, logs, workers, temporary paths) is in it: those stay the host's.
//!
//! What each directive means in production is what the simulation assumed:
//! - The rate-limit key is the model's `LimitKey`: the client address (`$binary_remote_addr`, 4
//!   bytes per IPv4 key), the user's API key (the `X-Api-Key` request header,
//!   `$http_x_api_key`; a request without one is not limited, as NGINX skips an empty key), or one
//!   bucket for everyone (the constant `"global"`).
//! - A zone's size holds every key of the scenario's populations with room to spare (nginx.org:
//!   "one megabyte zone can keep about 16 thousand 64-byte states"; when a zone is full NGINX
//!   removes the least recently used state, and a request that still finds no room gets 503).
//! - Every `upstream` has a `zone`, so the balancer's state (positions, failures, connection
//!   counts) is shared by all worker processes, as the simulator keeps one state per balancer;
//!   without it each worker would balance on its own.
//! - `proxy_next_upstream` lists the failover's conditions (`NginxNextUpstream::on`; NGINX's
//!   default `error timeout` is left implicit), with `proxy_next_upstream_tries` and
//!   `proxy_next_upstream_timeout` when set. The route's `timeout_ms` is `proxy_read_timeout`,
//!   which the simulator applies per attempt as NGINX does: with `timeout` listed, an attempt that
//!   has not answered by then goes to another server while a try is left (504 otherwise).
//!
//! Names are written as bare words only after [`word`] has checked them; `location` prefixes are
//! written as double-quoted strings ([`quoted`]), after [`path`] has checked them.

use super::{ExportError, ExportOptions, Pool, Resolved, Target, ms, path, word};
use crate::model::{Balance, Failover, LimitKey, Limiter, NextUpstreamOn};

const T: Target = Target::Nginx;

/// Bytes NGINX keeps per `limit_req` state, key included, rounded up (64-byte states per the
/// nginx.org documentation; an API key up to 64 bytes needs the next size class).
fn state_bytes(key: LimitKey) -> u64 {
    match key {
        LimitKey::Client | LimitKey::Global => 64,
        LimitKey::User => 128,
    }
}

/// A `limit_req_zone` size holding `keys` states twice over, in whole megabytes (at least 1m).
fn zone_size(keys: u64, key: LimitKey) -> String {
    let bytes = keys.saturating_mul(2).saturating_mul(state_bytes(key));
    format!("{}m", bytes.div_ceil(1 << 20).max(1))
}

/// Writes the config.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let gateway = word(&r.gateway, &r.gateway)?;
    let mut s = String::new();
    emit!(s, "# Gateway \"{gateway}\" for nginx 1.22, for the http context (e.g. /etc/nginx/conf.d/{gateway}.conf).");
    let mut zones = Vec::new();
    let mut declared = std::collections::BTreeSet::new();
    for route in &r.routes {
        let Some(rl) = route.rate_limit else {
            zones.push(None);
            continue;
        };
        let Limiter::NginxLimitReq { rate, burst, nodelay, delay, status } = &rl.algorithm else {
            return Err(ExportError::unsupported(
                &r.gateway,
                format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
                T,
                "NGINX's limit_req is a leaky bucket; use NginxLimitReq",
            ));
        };
        let Some((n, per_minute)) = Limiter::parse_nginx_rate(rate) else {
            return Err(ExportError::unsupported(&r.gateway, format!("rate {rate:?}"), T, "not an NGINX rate"));
        };
        // `.` keeps the zone apart from every upstream's zone (node identifiers have none): NGINX's
        // shared-memory zones are one namespace. Routes naming one shared limit use one zone.
        let zone = route.limit_state_name(gateway)?;
        let key = match rl.key {
            LimitKey::Client => "$binary_remote_addr",
            LimitKey::User => "$http_x_api_key",
            LimitKey::Global => "\"global\"",
        };
        let unit = if per_minute { "r/m" } else { "r/s" };
        // Routes split from one gateway route, and routes naming one shared limit, share its
        // zone: one bucket per key, as simulated.
        if declared.insert(zone.clone()) {
            let size = zone_size(r.keys(rl.key), rl.key);
            emit!(s, "limit_req_zone {key} zone={zone}:{size} rate={n}{unit};");
        }
        let mode = match (nodelay, delay) {
            (true, _) => " nodelay".to_string(),
            (false, Some(d)) => format!(" delay={d}"),
            (false, None) => String::new(),
        };
        zones.push(Some((format!("limit_req zone={zone} burst={burst}{mode};"), *status)));
    }
    for pool in &r.pools {
        upstream(&mut s, pool)?;
    }
    emit!(s, "server {{");
    emit!(s, "    listen {};", o.listen);
    for (route, zone) in r.routes.iter().zip(&zones) {
        let pool = r.pools.get(route.pool).ok_or_else(|| ExportError::Broken {
            node: r.gateway.clone(),
            message: format!("route {:?} has no pool", route.prefix),
        })?;
        emit!(s, "    location {} {{", quoted(path(&r.gateway, &route.prefix)?));
        if let Some((line, status)) = zone {
            emit!(s, "        {line}");
            emit!(s, "        limit_req_status {status};");
        }
        emit!(s, "        proxy_pass http://{};", word(&pool.name, &pool.id)?);
        let default = [NextUpstreamOn::Error, NextUpstreamOn::Timeout];
        let (on, tries, next_timeout_ms) = match pool.failover() {
            Failover::NextInstance => (default.to_vec(), 0, 0),
            Failover::NginxNextUpstream { tries, on, timeout_ms } => (on, tries, timeout_ms),
            Failover::Off => (Vec::new(), 0, 0),
            f @ Failover::HaproxyRetries { .. } => {
                return Err(ExportError::unsupported(
                    &pool.name,
                    format!("failover {f:?}"),
                    T,
                    "HAProxy retries; use NginxNextUpstream",
                ));
            }
        };
        let written: Vec<&str> = on.iter().map(|c| c.word()).collect();
        if written.is_empty() {
            emit!(s, "        proxy_next_upstream off;");
        } else if on != default {
            // NGINX's default, `error timeout`, is not written out.
            emit!(s, "        proxy_next_upstream {};", written.join(" "));
        }
        if !written.is_empty() && tries > 0 {
            emit!(s, "        proxy_next_upstream_tries {tries};");
        }
        if !written.is_empty() && next_timeout_ms > 0 {
            emit!(s, "        proxy_next_upstream_timeout {next_timeout_ms}ms;");
        }
        if let Some(t) = route.timeout_ms {
            emit!(s, "        proxy_read_timeout {};", ms(t));
            emit!(s, "        proxy_send_timeout {};", ms(t));
        }
        emit!(s, "    }}");
    }
    if !r.routes.iter().any(|x| x.prefix == "/") {
        emit!(s, "    location / {{\n        return 404;\n    }}");
    }
    emit!(s, "}}");
    Ok(s)
}

/// One `upstream` block.
fn upstream(s: &mut String, pool: &Pool<'_>) -> Result<(), ExportError> {
    pool.refuse_pinned_start(T)?;
    if let Some(lb) = pool.balancer
        && lb.health_check.is_some()
    {
        return Err(ExportError::unsupported(
            &lb.name,
            "active health checks",
            T,
            "open-source NGINX has only passive health (max_fails/fail_timeout)",
        ));
    }
    // (the balancing directive, use weights?, max_fails, fail_timeout)
    let (directive, weighted, max_fails, fail_timeout) = match pool.algorithm() {
        // Generic round robin ignores weights and has no passive health.
        Balance::RoundRobin => (None, false, 0, 10),
        Balance::NginxRoundRobin { max_fails, fail_timeout_s } => (None, true, max_fails, fail_timeout_s),
        Balance::NginxLeastConn { max_fails, fail_timeout_s } => (Some("least_conn;"), true, max_fails, fail_timeout_s),
        Balance::NginxRandomTwo { max_fails, fail_timeout_s } => {
            (Some("random two least_conn;"), true, max_fails, fail_timeout_s)
        }
        // ip_hash hashes the client address ($remote_addr): the simulator's client key must be it.
        Balance::NginxIpHash { max_fails, fail_timeout_s } => (Some("ip_hash;"), true, max_fails, fail_timeout_s),
        Balance::NginxHash { consistent: true, max_fails, fail_timeout_s } => {
            (Some("hash $remote_addr consistent;"), true, max_fails, fail_timeout_s)
        }
        Balance::NginxHash { consistent: false, max_fails, fail_timeout_s } => {
            (Some("hash $remote_addr;"), true, max_fails, fail_timeout_s)
        }
        other => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("balance {other:?}"),
                T,
                "another product's algorithm; use one of the Nginx* balancers",
            ));
        }
    };
    let id = word(&pool.name, &pool.id)?;
    emit!(s, "upstream {id} {{");
    // Shared memory for the balancer's state, so every worker process balances as one.
    emit!(s, "    zone {id} 64k;");
    if let Some(d) = directive {
        emit!(s, "    {d}");
    }
    for sv in &pool.servers {
        let w = if weighted { sv.weight } else { 1 };
        emit!(
            s,
            "    server {} weight={w} max_fails={max_fails} fail_timeout={fail_timeout}s; # {}",
            sv.addr,
            word(&sv.service, &sv.instance)?
        );
    }
    emit!(s, "}}");
    Ok(())
}

/// `s` as an NGINX double-quoted string: `\\` and `"` escaped. NGINX reads no variables in a
/// `location` argument, so `$` needs no escape there; callers pass only checked paths, which hold
/// neither quotes, backslashes nor control characters, so the escapes are a second line of defence.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
