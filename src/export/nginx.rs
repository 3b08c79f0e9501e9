//! NGINX (1.22, open source) config for one gateway: `limit_req_zone`/`limit_req` for route rate
//! limits, one `upstream` per balancer (smooth weighted round robin or `least_conn`, with
//! `max_fails`/`fail_timeout`), `proxy_next_upstream` for failover, `proxy_read_timeout` for route
//! timeouts.
//!
//! The process runs in the foreground with a single worker process (`master_process off`), so the
//! upstream state (weights, failures, connection counts) needs no shared `zone`: it is the one
//! worker's. The rate-limit key is the `X-Client-Key` request header (`LimitKey::Client`) or a
//! constant (`LimitKey::Global`). Every response carries `X-Upstream: $upstream_addr`.

use super::{ExportError, ExportOptions, Pool, Resolved, Target, ident, ms};
use crate::model::{Balance, Failover, LimitKey, Limiter};
use std::fmt::Write as _;
use std::path::Path;

const T: Target = Target::Nginx;

/// Writes the config.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let wd = |file: &str| quoted_path(&o.workdir.join(file), &r.gateway);
    let mut s = String::new();
    let _ = writeln!(s, "# gatesim export of gateway {:?} for nginx 1.22", r.gateway);
    let _ = writeln!(s, "daemon off;");
    let _ = writeln!(s, "master_process off;");
    let _ = writeln!(s, "worker_processes 1;");
    let _ = writeln!(s, "pid {};", wd("nginx.pid")?);
    let _ = writeln!(s, "error_log {} notice;", wd("error.log")?);
    let _ = writeln!(s, "events {{\n    worker_connections 1024;\n}}");
    let _ = writeln!(s, "http {{");
    let _ = writeln!(s, "    access_log off;");
    for (dir, name) in [
        ("client_body_temp_path", "client_body_temp"),
        ("proxy_temp_path", "proxy_temp"),
        ("fastcgi_temp_path", "fastcgi_temp"),
        ("uwsgi_temp_path", "uwsgi_temp"),
        ("scgi_temp_path", "scgi_temp"),
    ] {
        let _ = writeln!(s, "    {dir} {};", wd(name)?);
    }
    let mut zones = Vec::new();
    for (i, route) in r.routes.iter().enumerate() {
        let Some(rl) = route.rate_limit else {
            zones.push(None);
            continue;
        };
        let Limiter::NginxLimitReq { rate, burst, nodelay, delay, status } = &rl.algorithm else {
            return Err(ExportError::unsupported(
                &r.gateway,
                format!("rate limit {:?} on route {}", rl.algorithm.describe(), route.prefix),
                T,
                "NGINX's limit_req is a leaky bucket; use NginxLimitReq",
            ));
        };
        let Some((n, per_minute)) = Limiter::parse_nginx_rate(rate) else {
            return Err(ExportError::unsupported(&r.gateway, format!("rate {rate:?}"), T, "not an NGINX rate"));
        };
        let zone = format!("{}_r{i}", ident(&r.gateway));
        let key = match rl.key {
            LimitKey::Client => "$http_x_client_key",
            LimitKey::Global => "\"global\"",
        };
        let unit = if per_minute { "r/m" } else { "r/s" };
        let _ = writeln!(s, "    limit_req_zone {key} zone={zone}:1m rate={n}{unit};");
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
    let _ = writeln!(s, "    server {{");
    let _ = writeln!(s, "        listen {};", o.listen);
    let _ = writeln!(s, "        add_header X-Upstream $upstream_addr always;");
    for (route, zone) in r.routes.iter().zip(&zones) {
        let pool = &r.pools[route.pool];
        let _ = writeln!(s, "        location {} {{", route.prefix);
        if let Some((line, status)) = zone {
            let _ = writeln!(s, "            {line}");
            let _ = writeln!(s, "            limit_req_status {status};");
        }
        let _ = writeln!(s, "            proxy_pass http://{};", ident(&pool.name));
        match pool.failover() {
            Failover::NextInstance => {
                let _ = writeln!(s, "            proxy_next_upstream error;");
            }
            Failover::NginxNextUpstream { tries } => {
                let _ = writeln!(s, "            proxy_next_upstream error;");
                let _ = writeln!(s, "            proxy_next_upstream_tries {tries};");
            }
            Failover::Off => {
                let _ = writeln!(s, "            proxy_next_upstream off;");
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
            let _ = writeln!(s, "            proxy_read_timeout {};", ms(t));
            let _ = writeln!(s, "            proxy_send_timeout {};", ms(t));
        }
        let _ = writeln!(s, "        }}");
    }
    if !r.routes.iter().any(|x| x.prefix == "/") {
        let _ = writeln!(s, "        location / {{\n            return 404;\n        }}");
    }
    let _ = writeln!(s, "    }}");
    let _ = writeln!(s, "}}");
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
    // (least_conn?, use weights?, max_fails, fail_timeout)
    let (least_conn, weighted, max_fails, fail_timeout) = match pool.algorithm() {
        // Generic round robin ignores weights and has no passive health.
        Balance::RoundRobin => (false, false, 0, 10),
        Balance::NginxRoundRobin { max_fails, fail_timeout_s } => (false, true, max_fails, fail_timeout_s),
        Balance::NginxLeastConn { max_fails, fail_timeout_s } => (true, true, max_fails, fail_timeout_s),
        other => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("balance {other:?}"),
                T,
                "HAProxy's algorithms; use NginxRoundRobin or NginxLeastConn",
            ));
        }
    };
    let _ = writeln!(s, "    upstream {} {{", ident(&pool.name));
    if least_conn {
        let _ = writeln!(s, "        least_conn;");
    }
    for sv in &pool.servers {
        let w = if weighted { sv.weight } else { 1 };
        let _ = writeln!(
            s,
            "        server {} weight={w} max_fails={max_fails} fail_timeout={fail_timeout}s; # {}",
            sv.addr, sv.instance
        );
    }
    let _ = writeln!(s, "    }}");
    Ok(())
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
