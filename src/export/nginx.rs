//! NGINX (1.22, open source) config for one gateway: `limit_req_zone`/`limit_req` for route rate
//! limits, one `upstream` per balancer (smooth weighted round robin or `least_conn`, with
//! `max_fails`/`fail_timeout`), `proxy_next_upstream` for failover, `proxy_read_timeout` for route
//! timeouts.
//!
//! The process runs in the foreground with a single worker process (`master_process off`), so the
//! upstream state (weights, failures, connection counts) needs no shared `zone`: it is the one
//! worker's. The rate-limit key is the `X-Client-Key` request header (`LimitKey::Client`) or a
//! constant (`LimitKey::Global`). Every response carries `X-Upstream: $upstream_addr`.
//!
//! Names are written as bare words only after [`word`] has checked them; `location` prefixes are
//! written as double-quoted strings ([`quoted`]), after [`path`] has checked them.

use super::{ExportError, ExportOptions, Pool, Resolved, Target, ident, ms, path, word};
use crate::model::{Balance, Failover, LimitKey, Limiter};
use std::path::Path;

const T: Target = Target::Nginx;

/// Writes the config.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let wd = |file: &str| quoted_path(&o.workdir.join(file), &r.gateway);
    let gateway = word(&r.gateway, &r.gateway)?;
    let mut s = String::new();
    emit!(s, "# gatesim export of gateway \"{gateway}\" for nginx 1.22");
    emit!(s, "daemon off;");
    emit!(s, "master_process off;");
    emit!(s, "worker_processes 1;");
    emit!(s, "pid {};", wd("nginx.pid")?);
    emit!(s, "error_log {} notice;", wd("error.log")?);
    emit!(s, "events {{\n    worker_connections 1024;\n}}");
    emit!(s, "http {{");
    emit!(s, "    access_log off;");
    for (dir, name) in [
        ("client_body_temp_path", "client_body_temp"),
        ("proxy_temp_path", "proxy_temp"),
        ("fastcgi_temp_path", "fastcgi_temp"),
        ("uwsgi_temp_path", "uwsgi_temp"),
        ("scgi_temp_path", "scgi_temp"),
    ] {
        emit!(s, "    {dir} {};", wd(name)?);
    }
    let mut zones = Vec::new();
    let mut declared = std::collections::BTreeSet::new();
    for route in &r.routes {
        let Some(rl) = route.rate_limit else {
            zones.push(None);
            continue;
        };
        let i = route.limit_group;
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
        let zone = format!("{}_r{i}", ident(gateway));
        let key = match rl.key {
            LimitKey::Client => "$http_x_client_key",
            LimitKey::User => "$http_x_api_key",
            LimitKey::Global => "\"global\"",
        };
        let unit = if per_minute { "r/m" } else { "r/s" };
        // Routes split from one gateway route share its zone: one bucket per key, as simulated.
        if declared.insert(i) {
            emit!(s, "    limit_req_zone {key} zone={zone}:1m rate={n}{unit};");
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
    emit!(s, "    server {{");
    emit!(s, "        listen {};", o.listen);
    emit!(s, "        add_header X-Upstream $upstream_addr always;");
    for (route, zone) in r.routes.iter().zip(&zones) {
        let pool = r.pools.get(route.pool).ok_or_else(|| ExportError::Broken {
            node: r.gateway.clone(),
            message: format!("route {:?} has no pool", route.prefix),
        })?;
        emit!(s, "        location {} {{", quoted(path(&r.gateway, &route.prefix)?));
        if let Some((line, status)) = zone {
            emit!(s, "            {line}");
            emit!(s, "            limit_req_status {status};");
        }
        emit!(s, "            proxy_pass http://{};", word(&pool.name, &pool.id)?);
        match pool.failover() {
            Failover::NextInstance => {
                emit!(s, "            proxy_next_upstream error;");
            }
            Failover::NginxNextUpstream { tries } => {
                emit!(s, "            proxy_next_upstream error;");
                emit!(s, "            proxy_next_upstream_tries {tries};");
            }
            Failover::Off => {
                emit!(s, "            proxy_next_upstream off;");
            }
            f @ Failover::HaproxyRetries { .. } => {
                return Err(ExportError::unsupported(
                    &pool.name,
                    format!("failover {f:?}"),
                    T,
                    "HAProxy retries; use NginxNextUpstream",
                ));
            }
        }
        if let Some(t) = route.timeout_ms {
            emit!(s, "            proxy_read_timeout {};", ms(t));
            emit!(s, "            proxy_send_timeout {};", ms(t));
        }
        emit!(s, "        }}");
    }
    if !r.routes.iter().any(|x| x.prefix == "/") {
        emit!(s, "        location / {{\n            return 404;\n        }}");
    }
    emit!(s, "    }}");
    emit!(s, "}}");
    Ok(s)
}

/// One `upstream` block.
fn upstream(s: &mut String, pool: &Pool<'_>) -> Result<(), ExportError> {
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
        // ip_hash hashes the client address ($remote_addr): the simulator's client key must be it.
        Balance::NginxIpHash { max_fails, fail_timeout_s } => (Some("ip_hash;"), true, max_fails, fail_timeout_s),
        Balance::NginxHash { consistent: true, max_fails, fail_timeout_s } => {
            (Some("hash $http_x_client_key consistent;"), true, max_fails, fail_timeout_s)
        }
        Balance::NginxHash { consistent: false, max_fails, fail_timeout_s } => {
            (Some("hash $http_x_client_key;"), true, max_fails, fail_timeout_s)
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
    emit!(s, "    upstream {} {{", word(&pool.name, &pool.id)?);
    if let Some(d) = directive {
        emit!(s, "        {d}");
    }
    for sv in &pool.servers {
        let w = if weighted { sv.weight } else { 1 };
        emit!(
            s,
            "        server {} weight={w} max_fails={max_fails} fail_timeout={fail_timeout}s; # {}",
            sv.addr,
            word(&sv.service, &sv.instance)?
        );
    }
    emit!(s, "    }}");
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

fn quoted_path(p: &Path, node: &str) -> Result<String, ExportError> {
    let text = p.to_string_lossy();
    if text.contains(['"', '\\', '$']) || text.chars().any(char::is_control) {
        return Err(ExportError::Broken {
            node: node.into(),
            message: format!("work directory path {text:?} contains a quote, backslash, `$` or control character"),
        });
    }
    Ok(format!("\"{text}\""))
}
