//! HAProxy (2.6) config for one gateway: a `frontend` that picks the route by longest path prefix
//! (stored in `txn.gatesim_route`), tracks the `X-Client-Key` header in a per-route stick table and
//! denies over the `http_req_rate` limit, and one `backend` per balancer (`balance roundrobin` or
//! `leastconn`, weights, `check inter rise fall`, `retries`, `option redispatch`,
//! `timeout connect`).
//!
//! Runs in the foreground (no `daemon`, no master-worker) with one thread (`nbthread 1`).

use super::{ExportError, ExportOptions, Pool, Resolved, Target, ident, ms};
use crate::model::{Balance, Failover, LimitKey, Limiter};

const T: Target = Target::Haproxy;

/// `timeout server` (and client) when a route has no timeout.
const DEFAULT_TIMEOUT: &str = "30s";

/// Writes the config.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let pidfile = o.workdir.join("haproxy.pid");
    let pidfile = pidfile.to_string_lossy();
    if pidfile.contains(['"', '\\', '$']) || pidfile.chars().any(char::is_control) {
        return Err(ExportError::Broken {
            node: r.gateway.clone(),
            message: format!("work directory path {pidfile:?} contains a quote, backslash, `$` or control character"),
        });
    }
    let gw = ident(&r.gateway);
    let mut s = String::new();
    emit!(s, "# gatesim export of gateway {:?} for HAProxy 2.6", r.gateway);
    emit!(s, "global");
    emit!(s, "    nbthread 1");
    emit!(s, "    pidfile \"{pidfile}\"");
    emit!(s);
    emit!(s, "defaults");
    emit!(s, "    mode http");
    emit!(s, "    timeout connect 5s");
    emit!(s, "    timeout client {DEFAULT_TIMEOUT}");
    emit!(s, "    timeout server {DEFAULT_TIMEOUT}");
    emit!(s);
    emit!(s, "frontend {gw}");
    emit!(s, "    bind {}", o.listen);
    // Longest prefix wins: set the route variable in increasing prefix length, later ones override.
    let mut order: Vec<usize> = (0..r.routes.len()).collect();
    order.sort_by_key(|&i| (r.routes[i].prefix.len(), i));
    for &i in &order {
        emit!(s, "    http-request set-var(txn.gatesim_route) str(r{i}) if {{ path_beg {} }}", r.routes[i].prefix);
    }
    emit!(s, "    http-request deny deny_status 404 if !{{ var(txn.gatesim_route) -m found }}");
    let mut tables = Vec::new();
    for (i, route) in r.routes.iter().enumerate() {
        let is_route = format!("{{ var(txn.gatesim_route) -m str r{i} }}");
        if let Some(rl) = route.rate_limit {
            let Limiter::HaproxyHttpReqRate { period_ms, limit, expire_ms, deny_status } = &rl.algorithm else {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("rate limit {:?} on route {}", rl.algorithm.describe(), route.prefix),
                    T,
                    "HAProxy limits with a stick-table http_req_rate; use HaproxyHttpReqRate",
                ));
            };
            // Routes split from one gateway route share its stick table, as they share a limiter.
            let table = format!("{gw}_r{}", route.limit_group);
            let (key, present) = match rl.key {
                LimitKey::Client => ("req.hdr(x-client-key)", " { req.hdr(x-client-key) -m found }"),
                LimitKey::User => ("req.hdr(x-api-key)", " { req.hdr(x-api-key) -m found }"),
                LimitKey::Global => ("str(global)", ""),
            };
            emit!(s, "    http-request track-sc0 {key} table {table} if {is_route}{present}");
            emit!(
                s,
                "    http-request deny deny_status {deny_status} if {is_route} {{ sc_http_req_rate(0) gt {limit} }}"
            );
            let t = format!(
                "backend {table}\n    stick-table type string len 64 size 100k expire {expire_ms}ms store http_req_rate({period_ms}ms)\n"
            );
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        emit!(s, "    use_backend {} if {is_route}", ident(&r.pools[route.pool].name));
    }
    for t in tables {
        emit!(s);
        s.push_str(&t);
    }
    for (p, pool) in r.pools.iter().enumerate() {
        emit!(s);
        // Route timeouts: `set-timeout` needs backend capability, and the route variable is still set.
        let rules: Vec<String> = r
            .routes
            .iter()
            .enumerate()
            .filter(|(_, x)| x.pool == p)
            .filter_map(|(i, x)| {
                let t = x.timeout_ms?;
                Some(format!("http-request set-timeout server {} if {{ var(txn.gatesim_route) -m str r{i} }}", ms(t)))
            })
            .collect();
        backend(&mut s, pool, &rules)?;
    }
    Ok(s)
}

/// One `backend` block.
fn backend(s: &mut String, pool: &Pool<'_>, rules: &[String]) -> Result<(), ExportError> {
    let (balance, weighted) = match pool.algorithm() {
        Balance::RoundRobin => ("roundrobin", false),
        Balance::HaproxyRoundRobin => ("roundrobin", true),
        Balance::HaproxyLeastConn => ("leastconn", true),
        Balance::HaproxyFirst => ("first", false),
        // `source` hashes the client address (`src`): the simulator's client key must be it.
        Balance::HaproxySource => ("source", true),
        other => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("balance {other:?}"),
                T,
                "another product's algorithm; use one of the Haproxy* balancers",
            ));
        }
    };
    emit!(s, "backend {}", ident(&pool.name));
    emit!(s, "    balance {balance}");
    match pool.failover() {
        Failover::HaproxyRetries { retries, redispatch, connect_timeout_ms } => {
            emit!(s, "    retries {retries}");
            if redispatch {
                emit!(s, "    option redispatch");
            }
            emit!(s, "    timeout connect {}", ms(connect_timeout_ms as f64));
        }
        Failover::NextInstance => {
            // Closest: one retry per other server, each on another server.
            emit!(s, "    retries {}", pool.servers.len().saturating_sub(1));
            emit!(s, "    option redispatch 1");
        }
        Failover::Off => {
            emit!(s, "    retries 0");
        }
        f @ Failover::NginxNextUpstream { .. } => {
            return Err(ExportError::unsupported(
                &pool.name,
                format!("failover {f:?}"),
                T,
                "NGINX's proxy_next_upstream; use HaproxyRetries",
            ));
        }
    }
    for rule in rules {
        emit!(s, "    {rule}");
    }
    let check = pool.balancer.and_then(|b| b.health_check.as_ref()).map_or(String::new(), |c| {
        format!(" check inter {}ms rise {} fall {}", c.inter_ms.max(1), c.rise.max(1), c.fall.max(1))
    });
    for sv in &pool.servers {
        let w = if weighted { sv.weight } else { 1 };
        let name: String =
            sv.instance.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        emit!(s, "    server {name} {} weight {w}{check}", sv.addr);
    }
    Ok(())
}
