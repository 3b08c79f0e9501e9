//! Policies attached to gateway routes and load balancers. Parameters carry the names the product
//! gives them (`burst`, `nodelay`, `max_fails`, `fail_timeout`, `inter`/`rise`/`fall`, ...), so a
//! person who knows the product reads the file as they would its config; `src/policy/` implements
//! each with the product's semantics, and `src/export/` writes them back as the product's config.

use super::envoy_limit::{EnvoyDescriptor, EnvoyDescriptorSource, is_hundred, is_true};
use super::tyk_limit::TykLimiter;
use crate::policy::ratelimit::{
    AnyLimiter, AwsThrottle, EnvoyRatelimit, Gcra, HttpReqRate, Kong, KongCounting, LimitReq, LimitReqDelay,
    LimitReqRate, Traefik,
};
use serde::{Deserialize, Serialize};

/// A rate limit on a gateway route.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Which requests share a bucket.
    #[serde(default)]
    pub key: LimitKey,
    /// The algorithm, as one product implements it.
    pub algorithm: Limiter,
}

/// What a rate limit is keyed on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitKey {
    /// The request's client key (a client address, user or API key; the client population's user,
    /// or a trace's `client_key`). A request without a key is not limited (as NGINX and HAProxy
    /// treat an empty key).
    #[default]
    Client,
    /// One bucket shared by every request of the route.
    Global,
    /// The user: an API key or user id the client sends in a header, so users behind one NAT
    /// address are limited apart (a population's user; a trace's `client_key`).
    User,
}

/// A rate-limiting algorithm with one product's semantics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Limiter {
    /// NGINX `limit_req_zone ... rate=R` + `limit_req zone burst=B [nodelay | delay=D]` +
    /// `limit_req_status` (ngx_http_limit_req_module, nginx 1.22): a leaky bucket in integer
    /// milli-requests; excess requests up to `burst` are delayed (or not, with `nodelay`).
    NginxLimitReq {
        /// `rate=`: `"10r/s"` or `"30r/m"`.
        rate: String,
        /// `burst=` (default 0).
        #[serde(default)]
        burst: u32,
        /// `nodelay`: excess requests within `burst` are not delayed.
        #[serde(default)]
        nodelay: bool,
        /// `delay=N`: the first N excess requests are not delayed (ignored with `nodelay`).
        #[serde(default)]
        delay: Option<u32>,
        /// `limit_req_status` (default 503).
        #[serde(default = "status_503")]
        status: u16,
    },
    /// HAProxy `stick-table type ip size ... expire E store http_req_rate(P)` +
    /// `http-request track-sc0 <key>` + `http-request deny deny_status S if { sc_http_req_rate(0) gt N }`
    /// (HAProxy 2.6): a sliding-window estimate that counts denied requests too.
    HaproxyHttpReqRate {
        /// `http_req_rate(<period>)`, ms.
        period_ms: u64,
        /// `gt N`: denied when the rate including this request exceeds it.
        limit: u64,
        /// `expire`, ms: an entry idle that long is forgotten (default 30 s).
        #[serde(default = "expire_30s")]
        expire_ms: u64,
        /// `deny_status` (HAProxy's default is 403; 429 is usual).
        #[serde(default = "status_403")]
        deny_status: u16,
    },
    /// Envoy local rate limit (`envoy.filters.http.local_ratelimit`, Envoy 1.31+): a continuously
    /// refilled token bucket that starts full; 429 when empty. With `descriptors` (the rate limit's
    /// `key` must then be `Global`: this bucket is the route's default bucket), a request whose
    /// descriptor (built from `descriptor_source`) equals one's `value` takes a token from that
    /// descriptor's bucket first, then from the default bucket unless
    /// `always_consume_default_token_bucket` is off (see [`crate::policy::ratelimit::envoy_local`]).
    EnvoyLocalRateLimit {
        /// `token_bucket.max_tokens`.
        max_tokens: u32,
        /// `token_bucket.tokens_per_fill` (default 1).
        #[serde(default = "one")]
        tokens_per_fill: u32,
        /// `token_bucket.fill_interval`, ms (>= 50).
        fill_interval_ms: u64,
        /// `descriptors`: exact-value descriptors with buckets of their own.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        descriptors: Vec<EnvoyDescriptor>,
        /// The `rate_limits` action that builds a request's descriptor (default: the remote
        /// address).
        #[serde(default, skip_serializing_if = "EnvoyDescriptorSource::is_default")]
        descriptor_source: EnvoyDescriptorSource,
        /// `always_consume_default_token_bucket` (Envoy's default: true).
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        always_consume_default_token_bucket: bool,
        /// `filter_enabled`, percent of requests looked at (the model's default is 100; Envoy's
        /// proto default, 0, limits nothing, and the export writes the value).
        #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
        filter_enabled_percent: u32,
        /// `filter_enforced`, percent of refused requests actually answered 429 (default 100).
        #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
        filter_enforced_percent: u32,
    },
    /// AWS API Gateway throttling: a token bucket of `burst` tokens refilled at `rate_rps`; 429.
    AwsThrottle {
        /// Steady-state rate, requests per second.
        rate_rps: u32,
        /// Bucket size.
        burst: u32,
    },
    /// GCRA as the `governor` crate implements it (`Quota::per_second(n).allow_burst(b)`); 429.
    Gcra {
        /// Requests per second.
        per_second: u32,
        /// Burst size (`max_burst`).
        burst: u32,
    },
    /// Traefik `rateLimit` middleware (v3): `average` requests per `period`, `burst`; a request
    /// that would wait longer than maxDelay (1 / (2 x rate)) gets 429, a shorter wait delays it.
    Traefik {
        /// `average` (0 = no limit).
        average: u64,
        /// `period`, ms (default 1000).
        #[serde(default = "period_1000")]
        period_ms: u64,
        /// `burst` (default 1).
        #[serde(default = "one_i64")]
        burst: i64,
    },
    /// Kong `rate-limiting` plugin (3.x): counts in calendar-aligned UTC windows; 429 when any limit
    /// is reached. `policy: Local` does not count rejected requests, `Redis` does.
    Kong {
        /// `second` limit.
        #[serde(default)]
        second: Option<u64>,
        /// `minute` limit.
        #[serde(default)]
        minute: Option<u64>,
        /// `hour` limit.
        #[serde(default)]
        hour: Option<u64>,
        /// `day` limit.
        #[serde(default)]
        day: Option<u64>,
        /// `policy`.
        #[serde(default)]
        policy: KongPolicy,
    },
    /// Envoy's global rate-limit service (envoyproxy/ratelimit): `requests_per_unit` per
    /// epoch-aligned `unit`; every hit counts, rejected ones too; 429.
    EnvoyRateLimitService {
        /// `requests_per_unit`.
        requests_per_unit: u64,
        /// `unit`.
        unit: WindowUnit,
    },
    /// Tyk (a key's or policy's `rate` per `per` seconds): the distributed rate limiter, the Redis
    /// rolling window or the sentinel (see [`crate::policy::ratelimit::tyk`]); 429.
    Tyk {
        /// `rate`: requests per window.
        rate: u64,
        /// `per`, seconds.
        per_s: u64,
        /// Which limiter `tyk.conf` enables.
        #[serde(default)]
        limiter: TykLimiter,
        /// Gateways sharing the limit (the DRL divides it among them; default 1).
        #[serde(default = "one")]
        gateways: u32,
        /// `drl_threshold` (0: Tyk's default, 5).
        #[serde(default)]
        drl_threshold: f64,
    },
}

/// Kong's counter store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KongPolicy {
    /// `local` (the node's shared dictionary): rejected requests are not counted.
    #[default]
    Local,
    /// `redis` with `sync_rate = -1`: every request is counted, rejected ones too.
    Redis,
}

/// A fixed window's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowUnit {
    /// One second.
    Second,
    /// One minute.
    Minute,
    /// One hour.
    Hour,
    /// One day.
    Day,
}

impl WindowUnit {
    /// Length in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            WindowUnit::Second => 1,
            WindowUnit::Minute => 60,
            WindowUnit::Hour => 3600,
            WindowUnit::Day => 86_400,
        }
    }
}

fn period_1000() -> u64 {
    1000
}
fn one_i64() -> i64 {
    1
}

fn status_503() -> u16 {
    503
}
fn status_403() -> u16 {
    403
}
fn expire_30s() -> u64 {
    30_000
}
fn one() -> u32 {
    1
}

impl Limiter {
    /// Parses an NGINX rate (`"10r/s"`, `"30r/m"`, or a bare number of r/s) into (count, per
    /// minute?).
    pub fn parse_nginx_rate(rate: &str) -> Option<(u64, bool)> {
        let t = rate.trim();
        let (num, per_minute) = if let Some(n) = t.strip_suffix("r/s") {
            (n, false)
        } else if let Some(n) = t.strip_suffix("r/m") {
            (n, true)
        } else {
            (t, false)
        };
        let n: u64 = num.trim().parse().ok()?;
        (n > 0).then_some((n, per_minute))
    }

    /// The production limiter these parameters describe, or what is wrong with them (the
    /// product's own refusal: a zero rate, a status out of range, an interval below 50 ms...).
    /// `start_unix_ms` is the wall-clock time of simulated time 0, for calendar-aligned windows.
    pub fn build(&self, start_unix_ms: u64) -> Result<AnyLimiter, String> {
        let built = match self {
            Limiter::NginxLimitReq { rate, burst, nodelay, delay, status } => {
                let (n, per_minute) = Self::parse_nginx_rate(rate).ok_or_else(|| {
                    format!("rate \"{rate}\": expected a whole number of requests like \"10r/s\" or \"30r/m\"")
                })?;
                let rate = if per_minute { LimitReqRate::PerMinute(n) } else { LimitReqRate::PerSecond(n) };
                let mode = match (nodelay, delay) {
                    (true, _) => LimitReqDelay::NoDelay,
                    (false, Some(d)) => LimitReqDelay::Requests(u64::from(*d)),
                    (false, None) => LimitReqDelay::Default,
                };
                LimitReq::new(rate, u64::from(*burst), mode, *status, false).map(AnyLimiter::NginxLimitReq)
            }
            Limiter::HaproxyHttpReqRate { period_ms, limit, expire_ms, deny_status } => {
                HttpReqRate::new(*period_ms, *limit, *expire_ms, *deny_status).map(AnyLimiter::HaproxyHttpReqRate)
            }
            Limiter::EnvoyLocalRateLimit {
                max_tokens,
                tokens_per_fill,
                fill_interval_ms,
                descriptors,
                descriptor_source,
                always_consume_default_token_bucket,
                filter_enabled_percent,
                filter_enforced_percent,
            } => super::envoy_limit::build(
                (*max_tokens, *tokens_per_fill, *fill_interval_ms),
                descriptors,
                *descriptor_source,
                *always_consume_default_token_bucket,
                (*filter_enabled_percent, *filter_enforced_percent),
            ),
            Limiter::AwsThrottle { rate_rps, burst } => {
                AwsThrottle::new(u64::from(*rate_rps), u64::from(*burst)).map(AnyLimiter::Aws)
            }
            Limiter::Gcra { per_second, burst } => Gcra::per_second(*per_second, Some(*burst)).map(AnyLimiter::Gcra),
            Limiter::Traefik { average, period_ms, burst } => {
                Traefik::new(*average, period_ms.saturating_mul(1_000_000), *burst).map(AnyLimiter::Traefik)
            }
            Limiter::Kong { second, minute, hour, day, policy } => {
                let counting = match policy {
                    KongPolicy::Local => KongCounting::Local,
                    KongPolicy::Redis => KongCounting::RedisRealtime,
                };
                Kong::new([*second, *minute, *hour, *day, None, None], counting, start_unix_ms).map(AnyLimiter::Kong)
            }
            Limiter::EnvoyRateLimitService { requests_per_unit, unit } => {
                EnvoyRatelimit::new(*requests_per_unit, unit.seconds(), start_unix_ms).map(AnyLimiter::EnvoyRatelimit)
            }
            Limiter::Tyk { rate, per_s, limiter, gateways, drl_threshold } => {
                super::tyk_limit::build(*rate, *per_s, *limiter, *gateways, *drl_threshold)
            }
        };
        built.map_err(|e| e.to_string())
    }

    /// What is wrong with the parameters, if anything (see [`Limiter::build`]).
    pub fn problem(&self) -> Option<String> {
        self.build(0).err()
    }

    /// A short description, e.g. `limit_req 100r/s burst 20 nodelay`.
    pub fn describe(&self) -> String {
        match self {
            Limiter::NginxLimitReq { rate, burst, nodelay, delay, .. } => {
                let mode = match (nodelay, delay) {
                    (true, _) => " nodelay".to_string(),
                    (false, Some(d)) => format!(" delay={d}"),
                    _ => String::new(),
                };
                format!("limit_req {rate} burst {burst}{mode}")
            }
            Limiter::HaproxyHttpReqRate { period_ms, limit, .. } => format!("http_req_rate({period_ms}ms) gt {limit}"),
            Limiter::EnvoyLocalRateLimit { max_tokens, tokens_per_fill, fill_interval_ms, descriptors, .. } => {
                let d =
                    if descriptors.is_empty() { String::new() } else { format!(", {} descriptors", descriptors.len()) };
                format!("token bucket {max_tokens}, +{tokens_per_fill}/{fill_interval_ms} ms{d}")
            }
            Limiter::AwsThrottle { rate_rps, burst } => format!("throttle {rate_rps} r/s burst {burst}"),
            Limiter::Gcra { per_second, burst } => format!("GCRA {per_second}/s burst {burst}"),
            Limiter::Traefik { average, period_ms, burst } => format!("traefik {average}/{period_ms} ms burst {burst}"),
            Limiter::Kong { second, minute, hour, day, .. } => {
                let parts: Vec<String> = [("s", second), ("min", minute), ("h", hour), ("day", day)]
                    .iter()
                    .filter_map(|(u, v)| v.map(|n| format!("{n}/{u}")))
                    .collect();
                format!("kong {}", parts.join(" "))
            }
            Limiter::EnvoyRateLimitService { requests_per_unit, unit } => {
                format!("ratelimit {requests_per_unit}/{unit:?}")
            }
            Limiter::Tyk { rate, per_s, limiter, .. } => format!("tyk {rate} per {per_s} s ({limiter:?})"),
        }
    }
}

/// What a balancer does when an attempt fails (a refused connection).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Failover {
    /// Try every other instance once (the generic default), then answer 502.
    #[default]
    NextInstance,
    /// NGINX `proxy_next_upstream` (default `error timeout`), `proxy_next_upstream_tries` and
    /// `proxy_next_upstream_timeout` (nginx 1.22 semantics, `crate::policy::next_upstream`): a
    /// refused connection (`error`) or a listed status answered by the backend (`http_503`, ...)
    /// moves the request to another server while a try is left; `error`, `timeout` and listed
    /// statuses but 403/404 count towards the peer's `max_fails`; after `error` with no try left,
    /// 502; a listed status on the last try goes to the client as the backend answered it.
    NginxNextUpstream {
        /// `proxy_next_upstream_tries` (0 = unlimited).
        #[serde(default)]
        tries: u32,
        /// The `proxy_next_upstream` conditions (default `[Error, Timeout]`; empty = `off`).
        #[serde(default = "super::next_upstream::error_timeout")]
        on: Vec<super::NextUpstreamOn>,
        /// `proxy_next_upstream_timeout`, ms (0 = none): no other server is tried once this long
        /// has passed since the request went upstream.
        #[serde(default)]
        timeout_ms: u64,
    },
    /// HAProxy `retries N` (N + 1 connection attempts in 2.6.12), `option redispatch` (the last
    /// retry, or with roundrobin every retry, goes to another server) and `timeout connect`; 503
    /// when every attempt failed.
    HaproxyRetries {
        /// `retries` (default 3).
        #[serde(default = "three")]
        retries: u32,
        /// `option redispatch`.
        #[serde(default)]
        redispatch: bool,
        /// `timeout connect`, ms: a retry on the same server waits min(this, 1 s) first.
        #[serde(default = "connect_5000")]
        connect_timeout_ms: u64,
    },
    /// No second attempt: the failure goes to the client (502).
    Off,
}

fn three() -> u32 {
    3
}
fn connect_5000() -> u64 {
    5000
}

/// Envoy outlier detection on a balancer (`outlier_detection`, Envoy 1.40 semantics): hosts whose
/// responses fail are ejected from the pool for a while. Connection failures count as 503.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlierDetection {
    /// `consecutive_5xx` (default 5).
    #[serde(default = "five")]
    pub consecutive_5xx: u32,
    /// `interval`, ms: how often ejected hosts are reconsidered and success rates computed (10 s).
    #[serde(default = "interval_10s")]
    pub interval_ms: u64,
    /// `base_ejection_time`, ms (30 s); the n-th ejection lasts n times this, up to the maximum.
    #[serde(default = "base_30s")]
    pub base_ejection_time_ms: u64,
    /// `max_ejection_time`, ms (300 s).
    #[serde(default = "max_300s")]
    pub max_ejection_time_ms: u64,
    /// `max_ejection_percent` (10): with the 1.31+ rule, a pool of fewer than 10 hosts ejects
    /// nothing unless `always_eject_one_host`.
    #[serde(default = "ten_u32")]
    pub max_ejection_percent: u32,
    /// `always_eject_one_host` (false).
    #[serde(default)]
    pub always_eject_one_host: bool,
    /// `enforcing_success_rate` % (100); success-rate ejection needs 5 hosts with 100 requests
    /// each per interval.
    #[serde(default = "hundred")]
    pub enforcing_success_rate: u32,
}

fn five() -> u32 {
    5
}
fn interval_10s() -> u64 {
    10_000
}
fn base_30s() -> u64 {
    30_000
}
fn max_300s() -> u64 {
    300_000
}
fn ten_u32() -> u32 {
    10
}
fn hundred() -> u32 {
    100
}

impl Default for OutlierDetection {
    fn default() -> Self {
        OutlierDetection {
            consecutive_5xx: five(),
            interval_ms: interval_10s(),
            base_ejection_time_ms: base_30s(),
            max_ejection_time_ms: max_300s(),
            max_ejection_percent: ten_u32(),
            always_eject_one_host: false,
            enforcing_success_rate: hundred(),
        }
    }
}

/// Envoy circuit-breaker thresholds of a balancer's cluster (`circuit_breakers.thresholds`, default
/// priority). With one request per connection (HTTP/1), `max_connections` requests are in flight,
/// `max_pending_requests` more wait in a FIFO for a connection, and anything beyond gets an
/// immediate 503 (`x-envoy-overloaded`); `max_requests` caps requests in flight the same way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// `max_connections` (default 1024).
    #[serde(default = "k1024")]
    pub max_connections: u64,
    /// `max_pending_requests` (default 1024).
    #[serde(default = "k1024")]
    pub max_pending_requests: u64,
    /// `max_requests` (default 1024).
    #[serde(default = "k1024")]
    pub max_requests: u64,
    /// `max_retries` (default 3): retries in flight at once.
    #[serde(default = "three_u64")]
    pub max_retries: u64,
    /// `retry_budget`: replaces `max_retries` by a share of the requests in flight.
    #[serde(default)]
    pub retry_budget: Option<RetryBudget>,
}

/// Envoy `retry_budget`: at most `max(min_retry_concurrency, budget_percent% of (active +
/// pending))` retries at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBudget {
    /// `budget_percent` (default 20).
    #[serde(default = "twenty")]
    pub budget_percent: f64,
    /// `min_retry_concurrency` (default 3).
    #[serde(default = "three_u64")]
    pub min_retry_concurrency: u64,
}

fn twenty() -> f64 {
    20.0
}

fn k1024() -> u64 {
    1024
}
fn three_u64() -> u64 {
    3
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        CircuitBreaker {
            max_connections: k1024(),
            max_pending_requests: k1024(),
            max_requests: k1024(),
            max_retries: 3,
            retry_budget: None,
        }
    }
}

impl OutlierDetection {
    /// The policy library's configuration for these parameters.
    pub fn config(&self) -> crate::policy::outlier::OutlierConfig {
        let ms = |v: u64| v.saturating_mul(1_000_000);
        crate::policy::outlier::OutlierConfig {
            consecutive_5xx: self.consecutive_5xx,
            interval_ns: ms(self.interval_ms),
            base_ejection_time_ns: ms(self.base_ejection_time_ms),
            max_ejection_time_ns: ms(self.max_ejection_time_ms),
            max_ejection_percent: self.max_ejection_percent,
            always_eject_one_host: self.always_eject_one_host,
            enforcing_success_rate: self.enforcing_success_rate,
            ..Default::default()
        }
    }
}

/// Envoy router retries on a gateway route (`retry_policy`, Envoy 1.40): a failed attempt is
/// retried after a jittered exponential backoff as a fresh load-balancer pick; the route's timeout
/// covers every attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// `num_retries` (default 1).
    #[serde(default = "one")]
    pub num_retries: u32,
    /// `retry_on`: which failures are retried (default `[FiveXx]`).
    #[serde(default = "retry_on_5xx")]
    pub retry_on: Vec<RetryOn>,
    /// `retry_back_off.base_interval`, ms (default 25).
    #[serde(default = "base_25")]
    pub base_interval_ms: u64,
    /// `retry_back_off.max_interval`, ms (default 10 x base).
    #[serde(default)]
    pub max_interval_ms: Option<u64>,
}

/// A `retry_on` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetryOn {
    /// `5xx`: any 5xx answer, and connection failures.
    FiveXx,
    /// `gateway-error`: 502, 503, 504, and connection failures.
    GatewayError,
    /// `connect-failure`: connection failures only.
    ConnectFailure,
}

fn retry_on_5xx() -> Vec<RetryOn> {
    vec![RetryOn::FiveXx]
}
fn base_25() -> u64 {
    25
}

impl RetryPolicy {
    /// Whether an attempt that ended with `status` (0 = the connection failed) is retried.
    pub fn retries(&self, status: u16) -> bool {
        self.retry_on.iter().any(|on| match on {
            RetryOn::FiveXx => status == 0 || status >= 500,
            RetryOn::GatewayError => status == 0 || matches!(status, 502..=504),
            RetryOn::ConnectFailure => status == 0,
        })
    }
}

/// What a client population does when a request fails or takes too long: the user gives up after
/// `timeout_ms` (the request goes on in the system: the servers still do the work) and tries again
/// after a backoff, up to `max_attempts` in all. Retries multiply load during an outage: this is
/// how retry storms keep a system down after the trigger is gone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRetry {
    /// Attempts in all, the first included (default 3).
    #[serde(default = "three")]
    pub max_attempts: u32,
    /// The client gives up on an attempt after this long, ms (none: it waits for the answer).
    #[serde(default)]
    pub timeout_ms: Option<f64>,
    /// Backoff between attempts (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
    #[serde(default)]
    pub jitter: Jitter,
    /// Backoff base, ms (default 100).
    #[serde(default = "base_100")]
    pub base_ms: u64,
    /// Backoff cap, ms (default 10,000).
    #[serde(default = "cap_10s")]
    pub cap_ms: u64,
    /// Whether a 429 is retried (default true; 5xx and timeouts always are).
    #[serde(default = "yes")]
    pub retry_429: bool,
}

/// Backoff jitter between client attempts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Jitter {
    /// `random(0, min(cap, base x 2^n))`.
    #[default]
    Full,
    /// `t = min(cap, base x 2^n); t/2 + random(0, t/2)`.
    Equal,
    /// `min(cap, random(base, previous x 3))`.
    Decorrelated,
    /// `min(cap, base x 2^n)`, no randomness: the synchronised retries that cause storms.
    None,
}

fn base_100() -> u64 {
    100
}
fn cap_10s() -> u64 {
    10_000
}
fn yes() -> bool {
    true
}

impl ClientRetry {
    /// Whether an attempt that ended with `status` is retried: 5xx, the client's own timeout (499)
    /// and, with `retry_429`, 429.
    pub fn retries(&self, status: u16) -> bool {
        status >= 500 || status == 499 || (status == 429 && self.retry_429)
    }
}
