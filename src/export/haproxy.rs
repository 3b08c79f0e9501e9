//! HAProxy (2.6) config for one gateway: a `frontend` that picks the route by longest path prefix
//! (stored in `txn.gatesim_route`), tracks the rate-limit key in a per-route stick table and denies
//! over the `http_req_rate` limit, and one `backend` per balancer (`balance roundrobin` or
//! `leastconn`, weights, `check inter rise fall`, `retries`, `option redispatch`,
//! `timeout connect`).
//!
//! The file has no `global` section: the process settings (user, daemon or master-worker, threads,
//! logs, stats socket) stay the host's; HAProxy reads several `-f` files in order, so it can be
//! loaded after the host's own. What each rule means in production is what the simulation
//! assumed: the rate-limit key is the model's `LimitKey`, the client address (`src`, a `type ip`
//! table), the user's API key (the `X-Api-Key` request header, a `type string` table; a request
//! without one is not tracked) or one entry for everyone (`str(global)`); a table holds every key
//! of the scenario's populations twice over (HAProxy evicts the oldest entries of a full table,
//! which would forget their rates).
//!
//! Names are written as bare words only after [`word`] has checked them (HAProxy's proxy and server
//! names allow letters, digits, `-`, `_`, `.` and `:`); `path_beg` values are written single-quoted
//! ([`quoted`]: no escape or `${...}` expansion inside), after [`path`] has checked them. A route's
//! rate-limit stick table is the backend `<gateway>.r<route>`: the `.` keeps it apart from every
//! node's backend, whose identifier has none. A gateway's shared limit is one table,
//! `<gateway>.shared.<name>`, tracked by one `track-sc0` rule whose condition lists every route
//! naming it, so a key's rate counts its requests to all their backends (the frontend tracks
//! before `use_backend` chooses).

use super::{ExportError, ExportOptions, Pool, Resolved, Target, ident, ms, path, word};
use crate::model::{Balance, Failover, LimitKey, Limiter};

const T: Target = Target::Haproxy;

/// `timeout server` (and client) when a route has no timeout.
const DEFAULT_TIMEOUT: &str = "30s";

/// Writes the config.
pub fn write(r: &Resolved<'_>, o: &ExportOptions) -> Result<String, ExportError> {
    let gateway = word(&r.gateway, &r.gateway)?;
    let gw = ident(gateway);
    let mut s = String::new();
    emit!(
        s,
        "# Gateway \"{gateway}\" for HAProxy 2.6 (load it after the host's global section: haproxy -f global.cfg -f this.cfg)."
    );
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
        let prefix = quoted(&r.gateway, path(&r.gateway, &r.routes[i].prefix)?)?;
        emit!(s, "    http-request set-var(txn.gatesim_route) str(r{i}) if {{ path_beg {prefix} }}");
    }
    emit!(s, "    http-request deny deny_status 404 if !{{ var(txn.gatesim_route) -m found }}");
    let mut tables = Vec::new();
    let mut backends: Vec<(String, &str)> = Vec::new();
    for (i, route) in r.routes.iter().enumerate() {
        let pool = r.pools.get(route.pool).ok_or_else(|| ExportError::Broken {
            node: r.gateway.clone(),
            message: format!("route {:?} has no pool", route.prefix),
        })?;
        let is_route = format!("{{ var(txn.gatesim_route) -m str r{i} }}");
        if let Some(rl) = route.rate_limit {
            let Limiter::HaproxyHttpReqRate { period_ms, limit, expire_ms, deny_status } = &rl.algorithm else {
                return Err(ExportError::unsupported(
                    &r.gateway,
                    format!("rate limit {:?} on route {:?}", rl.algorithm.describe(), route.prefix),
                    T,
                    "HAProxy limits with a stick-table http_req_rate; use HaproxyHttpReqRate",
                ));
            };
            // Routes split from one gateway route share its stick table, as they share a limiter.
            // A shared limit is one table tracked once in the frontend for all its routes, so a
            // key's requests count across every backend they go to.
            let table = route.limit_state_name(gateway)?;
            let (key, present, kind) = match rl.key {
                LimitKey::Client => ("src", "", "ip"),
                LimitKey::User => ("req.hdr(x-api-key)", " { req.hdr(x-api-key) -m found }", "string len 64"),
                LimitKey::Global => ("str(global)", "", "string len 8"),
            };
            let size = r.keys(rl.key).saturating_mul(2).max(100_000).div_ceil(1000);
            let tracked = match route.shared_limit {
                Some(name) if r.routes[..i].iter().any(|x| x.shared_limit == Some(name)) => None,
                Some(name) => {
                    let ids: Vec<String> = (0..r.routes.len())
                        .filter(|&j| r.routes[j].shared_limit == Some(name))
                        .map(|j| format!("r{j}"))
                        .collect();
                    Some(format!("{{ var(txn.gatesim_route) -m str {} }}", ids.join(" ")))
                }
                None => Some(is_route.clone()),
            };
            if let Some(cond) = tracked {
                emit!(s, "    http-request track-sc0 {key} table {table} if {cond}{present}");
                emit!(
                    s,
                    "    http-request deny deny_status {deny_status} if {cond} {{ sc_http_req_rate(0) gt {limit} }}"
                );
            }
            let t = format!(
                "backend {table}\n    stick-table type {kind} size {size}k expire {expire_ms}ms store http_req_rate({period_ms}ms)\n"
            );
            if !tables.contains(&t) {
                tables.push(t);
                backends.push((table, &r.gateway));
            }
        }
        emit!(s, "    use_backend {} if {is_route}", word(&pool.name, &pool.id)?);
    }
    // Backend names are one namespace (compared with case): a stick table and a pool, or two
    // pools, must not share one.
    for pool in &r.pools {
        backends.push((word(&pool.name, &pool.id)?.to_owned(), &pool.name));
    }
    for (i, (name, node)) in backends.iter().enumerate() {
        if let Some((_, first)) = backends[..i].iter().find(|(n, _)| n == name) {
            return Err(ExportError::Collision {
                first: (*first).to_owned(),
                second: (*node).to_owned(),
                message: format!("both would be exported as HAProxy backend {name:?}"),
            });
        }
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
    pool.refuse_pinned_start(T)?;
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
    emit!(s, "backend {}", word(&pool.name, &pool.id)?);
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
    // A layer 7 check: the request, and the status that passes (without `http-check expect`,
    // HAProxy passes 200-399, as the model does).
    if let Some(h) = pool.balancer.and_then(|b| b.health_check.as_ref()).and_then(|c| c.http.as_ref()) {
        emit!(s, "    option httpchk GET {}", quoted(&pool.name, path(&pool.name, &h.path)?)?);
        if let Some(status) = h.expect_status {
            emit!(s, "    http-check expect status {status}");
        }
    }
    let check = pool.balancer.and_then(|b| b.health_check.as_ref()).map_or(String::new(), |c| {
        format!(" check inter {}ms rise {} fall {}", c.inter_ms.max(1), c.rise.max(1), c.fall.max(1))
    });
    for sv in &pool.servers {
        let w = if weighted { sv.weight } else { 1 };
        emit!(s, "    server {} {} weight {w}{check}", word(&sv.service, &sv.instance)?, sv.addr);
    }
    Ok(())
}

/// `p` as an HAProxy single-quoted word: nothing inside is special (no escapes, no `${...}`), so it
/// must hold no `'` (checked paths never do; anything else is refused, naming `node`).
fn quoted(node: &str, p: &str) -> Result<String, ExportError> {
    if p.contains('\'') || p.chars().any(char::is_control) {
        return Err(ExportError::Refused {
            node: node.into(),
            message: format!("{p:?} cannot be single-quoted for HAProxy"),
        });
    }
    Ok(format!("'{p}'"))
}
