//! Seeded traces with margins: a scenario (gateway `gw` -> balancer `lb` -> services `s0`, `s1`,
//! `s2`, one instance each), a `REQUESTS.csv` and an `OUTAGES.csv`, built so that every decision
//! (rate-limit verdict, balancer pick, failover) stays the same when any send time moves by
//! -4..+4 ms:
//!
//! - sends are at least 11 ms apart, and so are the times requests reach the balancer (after an
//!   NGINX `limit_req` delay, computed with `gatesim::policy`'s `LimitReq`);
//! - a rate-limit verdict must be the same at t-8..t+8 ms (NGINX) or t-10..t+10 ms (HAProxy), and an
//!   HAProxy key's request must not sit within 12 ms of a period rotation or of its entry's expiry;
//! - with least-connection balancers no request reaches the balancer within 20 ms of another's end,
//!   and no two requests end within 20 ms of each other (HAProxy's leastconn breaks ties by the order
//!   in which servers were requeued, i.e. by end times);
//! - no request reaches the balancer within 15 ms of an outage event; with active checks the pool
//!   is left alone for `(fall+1) x inter` after a server goes down and `(rise+1) x inter` after it
//!   comes back;
//! - NGINX `fail_timeout` is 60 s, longer than any trace, so passive-failure effects never depend on
//!   the wall-clock second.

use crate::trace_margins::{Verdict, forbidden, robust_verdict};
use gatesim::policy::ratelimit::freq_ctr::{HttpReqRate, HttpReqRateState};
use gatesim::policy::ratelimit::limit_req::{LimitReq, LimitReqDelay, LimitReqRate, LimitReqState};
use gatesim::policy::ratelimit::token_bucket::{BucketDecision, EnvoyRefill, EnvoyTokenBucket, TokenBucketState};
use std::collections::BTreeMap;

/// The product a trace kind runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    /// nginx 1.22.
    Nginx,
    /// HAProxy 2.6.
    Haproxy,
    /// Envoy 1.40 (`--concurrency 1`).
    Envoy,
}

/// The trace kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Harness check: generic round robin (equal weights, no limit, no outage) vs nginx.
    NginxGenericRr,
    /// `limit_req` burst + nodelay, smooth WRR, one backend down mid-trace.
    NginxLimitReqNodelay,
    /// `limit_req` burst + delay=N.
    NginxLimitReqDelay,
    /// Smooth weighted round robin 5,1,1.
    NginxWrr511,
    /// `least_conn` with varied service times.
    NginxLeastConn,
    /// Passive failover: max_fails=2, proxy_next_upstream error, one backend down mid-trace.
    NginxPassiveFailover,
    /// Harness check: generic round robin (equal weights, no limit, no outage) vs HAProxy.
    HaproxyGenericRr,
    /// `balance roundrobin` weights 3,2,1, retries + redispatch, one server down mid-trace.
    HaproxyRoundRobin321,
    /// `balance leastconn` with varied service times.
    HaproxyLeastConn,
    /// Stick-table `http_req_rate` deny.
    HaproxyStickTable,
    /// `check inter rise fall`, a server down mid-trace, `option redispatch`.
    HaproxyChecks,
    /// Envoy `ROUND_ROBIN` weights 4,2,1 (EDF), one backend down mid-trace (no retry: 503).
    EnvoyWrr421,
    /// Envoy local rate limit, a token bucket per client address (wildcard descriptor).
    EnvoyLocalRateLimit,
    /// Envoy outlier detection: 3 consecutive 5xx eject, `max_ejection_percent` 50 of 2 hosts.
    EnvoyOutlier,
    /// Envoy circuit breaker `max_requests` 3 with concurrent slow requests: overflow 503.
    EnvoyBreaker,
    /// Envoy router retries (`connect-failure`, 1 retry) with a backend down.
    EnvoyRetries,
    /// Envoy active TCP health checks (`interval`, `unhealthy_threshold`, `healthy_threshold`),
    /// 2 hosts, one down mid-trace.
    EnvoyHealthChecks,
    /// A frontend-wide HAProxy stick table across three backends (`trace_limits.rs`).
    HaproxySharedTable,
    /// An Envoy descriptor bucket next to the default bucket (`trace_limits.rs`).
    EnvoyDescriptor,
    /// Backends answering 503 per request, `proxy_next_upstream error timeout http_503`
    /// (`trace_status.rs`).
    NginxNextUpstream503,
    /// Backends answering 503 per request, Envoy `retry_on: 5xx` and outlier ejection
    /// (`trace_status.rs`).
    EnvoyRetry503,
    /// Smooth WRR 4,2,1 met `start` picks into its rotation (`start.rs`), one backend down.
    NginxWrrStart,
    /// fwrr 3,1,2 met `start` picks into its rotation (`start.rs`), one server down, redispatch.
    HaproxyFwrrStart,
    /// Smooth WRR over a rule pooling two services (`pooled.rs`), one backend down.
    NginxPooled,
    /// `option httpchk` with s1's check path answering 503 (`httpchk.rs`), s2 down mid-trace.
    HaproxyHttpCheck,
    /// fwrr over a rule pooling two services (`pooled.rs`), one server down, redispatch.
    HaproxyPooled,
}

/// One request of a trace.
#[derive(Clone, Debug)]
pub struct Request {
    /// Id.
    pub id: String,
    /// Send time, ms from the trace start.
    pub send_ms: f64,
    /// The client's address (the rate-limit key): the replayer sends from it.
    pub client_key: String,
    /// Path.
    pub path: String,
    /// Backend service time, ms.
    pub service_ms: u64,
    /// What the backends answer (the `status` column; empty: 200).
    pub status: String,
}

/// A generated trace.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Its kind.
    pub kind: Kind,
    /// Its seed.
    pub seed: u64,
    /// The scenario (RON).
    pub scenario: String,
    /// Requests in time order.
    pub requests: Vec<Request>,
    /// (ms, instance, up?) in time order.
    pub outages: Vec<(f64, String, bool)>,
}

/// The instances of every trace's pool.
pub const INSTANCES: [&str; 3] = ["s0", "s1", "s2"];

const REQUESTS: usize = 220;
const SPACING_MS: u64 = 11;
const LC_MARGIN_MS: u64 = 20;
pub(crate) const OUTAGE_MARGIN_MS: u64 = 15;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A trace's rate limiter, as `gatesim::policy` implements it.
pub enum Limit {
    /// None.
    None,
    /// NGINX limit_req.
    Nginx(LimitReq),
    /// HAProxy http_req_rate, with its period and expiry (ms).
    Haproxy(HttpReqRate, u64, u64),
    /// Envoy local rate limit token bucket.
    Envoy(EnvoyTokenBucket),
    /// Envoy's default bucket with a descriptor bucket (`trace_limits.rs`).
    EnvoyDescriptor,
}

/// What a trace kind is made of.
pub struct Spec {
    /// Product.
    pub product: Product,
    /// The balancer's algorithm (RON).
    pub balance: &'static str,
    /// The balancer's failover (RON).
    pub failover: &'static str,
    /// Active checks: (inter ms, rise, fall).
    pub health: Option<(u64, u64, u64)>,
    /// Link weights to s0, s1, s2.
    pub weights: [u32; 3],
    /// The route's rate limit (RON).
    pub rate_limit: &'static str,
    /// The same limit as a policy.
    pub limit: Limit,
    /// Least-connection balancer.
    pub least_conn: bool,
    /// Service time range, ms.
    pub service: (u64, u64),
    /// (down ms, up ms, instance), in time order of going down.
    pub outages: &'static [(u64, u64, &'static str)],
    /// Services behind the balancer: the first of s0, s1, s2.
    pub services: usize,
    /// Least time between two sends, ms.
    pub spacing_ms: u64,
    /// Requests that open the trace one by one (from their own address, `WARMUP_KEY`): the
    /// backends Envoy picks for them show where its round robin starts (`envoy.rs`).
    pub warmup: usize,
    /// More fields of the balancer (RON, each with a leading comma).
    pub lb_extra: &'static str,
    /// More fields of the route (RON, each with a leading comma).
    pub route_extra: &'static str,
    /// The path prefixes requests go to (`/api/items` when empty).
    pub paths: &'static [&'static str],
    /// The route's `timeout_ms` (RON).
    pub route_timeout: &'static str,
    /// More fields of the active check (RON, leading comma): its layer 7 part (`httpchk.rs`).
    pub check_extra: &'static str,
    /// More fields of s0, s1, s2 (RON, leading comma).
    pub service_extra: [&'static str; 3],
    /// No request before this time, ms (checks settle first).
    pub quiet_start_ms: u64,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 26] = [
        Kind::NginxGenericRr,
        Kind::NginxLimitReqNodelay,
        Kind::NginxLimitReqDelay,
        Kind::NginxWrr511,
        Kind::NginxLeastConn,
        Kind::NginxPassiveFailover,
        Kind::HaproxyGenericRr,
        Kind::HaproxyRoundRobin321,
        Kind::HaproxyLeastConn,
        Kind::HaproxyStickTable,
        Kind::HaproxyChecks,
        Kind::EnvoyWrr421,
        Kind::EnvoyLocalRateLimit,
        Kind::EnvoyOutlier,
        Kind::EnvoyBreaker,
        Kind::EnvoyRetries,
        Kind::EnvoyHealthChecks,
        Kind::HaproxySharedTable,
        Kind::EnvoyDescriptor,
        Kind::NginxNextUpstream503,
        Kind::EnvoyRetry503,
        Kind::NginxWrrStart,
        Kind::HaproxyFwrrStart,
        Kind::NginxPooled,
        Kind::HaproxyPooled,
        Kind::HaproxyHttpCheck,
    ];

    /// The product.
    pub fn product(self) -> Product {
        self.spec().product
    }

    /// Whether agreement needs the product semantics the engine gets from `src/policy` (everything
    /// but the generic round-robin harness checks).
    pub fn needs_product_semantics(self) -> bool {
        !matches!(self, Kind::NginxGenericRr | Kind::HaproxyGenericRr)
    }

    /// The kind's parameters.
    pub fn spec(self) -> Spec {
        let nginx_rr = "NginxRoundRobin(max_fails: 1, fail_timeout_s: 60)";
        let next = "NginxNextUpstream(tries: 0)";
        let hretries = "HaproxyRetries(retries: 1, redispatch: true, connect_timeout_ms: 300)";
        let base = || Spec {
            product: Product::Nginx,
            balance: "RoundRobin",
            failover: "NextInstance",
            health: None,
            weights: [1, 1, 1],
            rate_limit: "None",
            limit: Limit::None,
            least_conn: false,
            service: (5, 300),
            outages: &[],
            services: 3,
            spacing_ms: SPACING_MS,
            warmup: 0,
            lb_extra: "",
            route_extra: "",
            paths: &[],
            route_timeout: "Some(10000.0)",
            check_extra: "",
            service_extra: [""; 3],
            quiet_start_ms: 0,
        };
        if let Some(spec) = crate::trace_limits::spec(self, base()) {
            return spec;
        }
        let envoy = || Spec { product: Product::Envoy, balance: "EnvoyRoundRobin", warmup: 3, ..base() };
        let ok = |r: Result<LimitReq, _>| r.unwrap();
        match self {
            Kind::NginxGenericRr => Spec { service: (5, 200), ..base() },
            Kind::NginxLimitReqNodelay => Spec {
                balance: nginx_rr,
                failover: next,
                weights: [2, 1, 1],
                rate_limit: r#"Some((key: Client, algorithm: NginxLimitReq(rate: "5r/s", burst: 4, nodelay: true, status: 429)))"#,
                limit: Limit::Nginx(ok(LimitReq::new(
                    LimitReqRate::PerSecond(5),
                    4,
                    LimitReqDelay::NoDelay,
                    429,
                    false,
                ))),
                outages: &[(5000, 8000, "s1")],
                ..base()
            },
            Kind::NginxLimitReqDelay => Spec {
                balance: nginx_rr,
                failover: next,
                rate_limit: r#"Some((key: Client, algorithm: NginxLimitReq(rate: "5r/s", burst: 6, delay: Some(3), status: 503)))"#,
                limit: Limit::Nginx(ok(LimitReq::new(
                    LimitReqRate::PerSecond(5),
                    6,
                    LimitReqDelay::Requests(3),
                    503,
                    false,
                ))),
                outages: &[(5000, 8000, "s2")],
                ..base()
            },
            Kind::NginxWrr511 => {
                Spec { balance: nginx_rr, failover: next, weights: [5, 1, 1], outages: &[(5000, 8000, "s1")], ..base() }
            }
            Kind::NginxLeastConn => Spec {
                balance: "NginxLeastConn(max_fails: 1, fail_timeout_s: 60)",
                failover: next,
                weights: [2, 1, 1],
                least_conn: true,
                service: (20, 600),
                outages: &[(5000, 8000, "s2")],
                ..base()
            },
            Kind::NginxPassiveFailover => Spec {
                balance: "NginxRoundRobin(max_fails: 2, fail_timeout_s: 60)",
                failover: next,
                weights: [3, 2, 1],
                outages: &[(4000, 20000, "s0")],
                ..base()
            },
            Kind::HaproxyGenericRr => Spec { product: Product::Haproxy, failover: "Off", service: (5, 200), ..base() },
            Kind::HaproxyRoundRobin321 => Spec {
                product: Product::Haproxy,
                balance: "HaproxyRoundRobin",
                failover: hretries,
                weights: [3, 2, 1],
                outages: &[(5000, 8000, "s1")],
                ..base()
            },
            Kind::HaproxyLeastConn => Spec {
                product: Product::Haproxy,
                balance: "HaproxyLeastConn",
                failover: hretries,
                weights: [2, 1, 1],
                least_conn: true,
                service: (20, 600),
                outages: &[(5000, 8000, "s2")],
                ..base()
            },
            Kind::HaproxyStickTable => Spec {
                product: Product::Haproxy,
                balance: "HaproxyRoundRobin",
                failover: hretries,
                rate_limit: "Some((key: Client, algorithm: HaproxyHttpReqRate(period_ms: 2000, limit: 6, expire_ms: 30000, deny_status: 429)))",
                limit: Limit::Haproxy(HttpReqRate::new(2000, 6, 30000, 429).unwrap(), 2000, 30000),
                outages: &[(5000, 8000, "s0")],
                ..base()
            },
            Kind::HaproxyChecks => Spec {
                product: Product::Haproxy,
                balance: "HaproxyRoundRobin",
                failover: hretries,
                health: Some((200, 2, 2)),
                weights: [1, 1, 1],
                outages: &[(4000, 7000, "s1")],
                ..base()
            },
            // Weights whose reciprocals are exact binary fractions: the EDF schedule of Envoy's
            // 32-bit seed is then the one of the seed modulo 7, which the warm-up reveals.
            Kind::EnvoyWrr421 => Spec { weights: [4, 2, 1], warmup: 7, outages: &[(5000, 8000, "s1")], ..envoy() },
            Kind::EnvoyLocalRateLimit => Spec {
                rate_limit: "Some((key: Client, algorithm: EnvoyLocalRateLimit(max_tokens: 4, tokens_per_fill: 1, fill_interval_ms: 250)))",
                limit: Limit::Envoy(EnvoyTokenBucket::new(4, 1, 250_000_000, EnvoyRefill::Continuous).unwrap()),
                ..envoy()
            },
            // Two hosts: one may be ejected (1/2 <= 50 %), never both; the round-robin index
            // is then taken modulo 1 or 2, both read off the warm-up. The ejection outlasts the
            // trace (the return comes at a sweep anchored to Envoy's start, which the harness does
            // not know to the millisecond).
            Kind::EnvoyOutlier => Spec {
                services: 2,
                warmup: 4,
                spacing_ms: 15,
                outages: &[(2500, 60000, "s1"), (6000, 8000, "s0")],
                lb_extra: ", outlier_detection: Some((consecutive_5xx: 3, interval_ms: 1000, base_ejection_time_ms: 60000, max_ejection_percent: 50))",
                ..envoy()
            },
            Kind::EnvoyBreaker => Spec {
                least_conn: true,
                service: (150, 700),
                lb_extra: ", circuit_breaker: Some((max_requests: 3))",
                ..envoy()
            },
            // Sends 40 ms apart: a retry waits up to 25 ms (backoff) before its pick.
            Kind::EnvoyRetries => Spec {
                spacing_ms: 40,
                outages: &[(4000, 7000, "s1")],
                route_extra: ", retry_policy: Some((num_retries: 1, retry_on: [ConnectFailure]))",
                ..envoy()
            },
            // Two hosts, as for outlier detection: the index is then taken modulo 1 or 2. No
            // request while a check may be flipping the host (the generic quiet windows).
            Kind::EnvoyHealthChecks => {
                Spec { services: 2, warmup: 4, health: Some((200, 2, 2)), outages: &[(4000, 7000, "s1")], ..envoy() }
            }
            Kind::HaproxySharedTable | Kind::EnvoyDescriptor => base(),
            k @ (Kind::NginxNextUpstream503 | Kind::EnvoyRetry503) => crate::trace_status::spec(k, base(), envoy()),
            Kind::NginxWrrStart | Kind::HaproxyFwrrStart => crate::start::spec(self, base()),
            Kind::NginxPooled | Kind::HaproxyPooled => crate::pooled::spec(self, base()),
            Kind::HaproxyHttpCheck => crate::httpchk::spec(base()),
        }
    }
}

/// The address warm-up requests come from (no other request does).
pub const WARMUP_KEY: &str = "127.0.0.20";

/// Generates a trace of `kind` from `seed`.
pub fn generate(kind: Kind, seed: u64) -> Trace {
    let spec = kind.spec();
    let mut rng = Rng(seed ^ 0x5EED_0000_0000_0000 ^ (kind as u64) << 40);
    let windows = forbidden(&spec);
    // Rate limits are keyed on the client address (`LimitKey::Client`): each key is a loopback
    // address the replayer sends from, so the products see it as the peer address.
    let keys = ["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"];
    // Requests outside the bursts sometimes come from a fifth address.
    let other = "127.0.0.15";
    let mut ng: BTreeMap<String, LimitReqState> = BTreeMap::new();
    let mut hp: BTreeMap<String, HttpReqRateState> = BTreeMap::new();
    let mut tb: BTreeMap<String, TokenBucketState> = BTreeMap::new();
    let mut requests = Vec::new();
    let mut dispatches: Vec<u64> = Vec::new();
    let mut ends: Vec<u64> = Vec::new();
    let mut t: u64 = spec.quiet_start_ms.max(50);
    // Phase: (remaining, spacing lo, spacing hi, burst key)
    let mut phase: (u32, u64, u64, Option<&str>) = (0, 0, 0, None);
    let mut last_send = 0u64;
    // Warm-up: one request at a time, each long done before the next, from an address of its
    // own (so it takes no other key's tokens).
    for i in 0..spec.warmup {
        let (send, service) = (t, 5);
        if let Limit::Envoy(b) = &spec.limit {
            let verdict = b.check(tb.entry(WARMUP_KEY.to_string()).or_default(), send * 1_000_000);
            assert_eq!(verdict, BucketDecision::Allow, "warm-up requests must not be limited");
        }
        dispatches.push(send);
        ends.push(send + service + 1);
        requests.push(Request {
            id: format!("r{:04}", requests.len() + 1),
            send_ms: send as f64,
            client_key: WARMUP_KEY.to_string(),
            path: format!("/api/warmup/{i}"),
            service_ms: service,
            status: String::new(),
        });
        last_send = send;
        t += 60;
    }
    while requests.len() < REQUESTS + spec.warmup {
        if phase.0 == 0 {
            let r = rng.range(0, 9);
            phase = if r < 3 {
                // A burst, mostly one key.
                (rng.range(4, 10) as u32, SPACING_MS, 14, Some(keys[rng.range(0, 3) as usize]))
            } else if r < 4 {
                t += rng.range(600, 1200); // a gap
                (rng.range(3, 8) as u32, 40, 120, None)
            } else {
                (rng.range(10, 30) as u32, 20, 80, None)
            };
        }
        phase.0 -= 1;
        t += rng.range(phase.1, phase.2);
        let key = match phase.3 {
            Some(k) if rng.chance(0.85) => k.to_string(),
            _ if rng.chance(0.1) => other.to_string(),
            _ => keys[rng.range(0, 3) as usize].to_string(),
        };
        let routed = !rng.chance(0.03);
        let prefix = match spec.paths.len() {
            0 => "/api/items",
            n => spec.paths[rng.range(0, n as u64 - 1) as usize],
        };
        let path = if routed { format!("{prefix}/{}", rng.range(1, 999)) } else { "/static/logo.png".into() };
        let service = rng.range(spec.service.0, spec.service.1);
        // Move the candidate later until every margin holds (bounded).
        let mut accepted = None;
        for _ in 0..400 {
            t = t.max(last_send + spec.spacing_ms);
            let limited = routed && !key.is_empty();
            let verdict = if limited {
                let n = ng.get(&key).copied().unwrap_or_default();
                let h = hp.get(&key).copied().unwrap_or_default();
                let b = tb.get(&key).copied().unwrap_or_default();
                let verdict = match spec.limit {
                    Limit::EnvoyDescriptor => {
                        let d = tb.get("").copied().unwrap_or_default();
                        let v = crate::trace_limits::descriptor_verdict(&d, &b, &key, t);
                        v.map(|ok| if ok { Verdict::Pass(0) } else { Verdict::Reject })
                    }
                    _ => robust_verdict(&spec.limit, &n, &h, &b, t),
                };
                match verdict {
                    Some(v) => v,
                    None => {
                        t += 3;
                        continue;
                    }
                }
            } else {
                Verdict::Pass(0)
            };
            let dispatch = match (routed, verdict) {
                (true, Verdict::Pass(d)) => Some(t + d),
                _ => None,
            };
            if let Some(d) = dispatch {
                if let Some(&(_, end)) = windows.iter().find(|w| d + 8 >= w.0 && d <= w.1 + 8) {
                    t = t.max(end + 10);
                    continue;
                }
                if dispatches.iter().any(|&x| x.abs_diff(d) < SPACING_MS) {
                    t += 3;
                    continue;
                }
                let end = d + service + 1;
                // Least connections: a dispatch must not race an end, and two ends must not race
                // each other (HAProxy breaks key ties by the order servers were requeued).
                if spec.least_conn
                    && (ends.iter().any(|&e| e.abs_diff(d) < LC_MARGIN_MS || e.abs_diff(end) < LC_MARGIN_MS)
                        || dispatches.iter().any(|&x| x.abs_diff(end) < LC_MARGIN_MS))
                {
                    t += 3;
                    continue;
                }
            }
            accepted = Some(dispatch);
            break;
        }
        let Some(dispatch) = accepted else { continue };
        // Commit the limiter state at the nominal time.
        if routed && !key.is_empty() {
            let ns = t * 1_000_000;
            match &spec.limit {
                Limit::None => {}
                Limit::Nginx(l) => {
                    l.check(ng.entry(key.clone()).or_default(), ns);
                }
                Limit::Haproxy(l, _, _) => {
                    l.track(hp.entry(key.clone()).or_default(), ns);
                }
                Limit::Envoy(b) => {
                    b.check(tb.entry(key.clone()).or_default(), ns);
                }
                Limit::EnvoyDescriptor => {
                    crate::trace_limits::descriptor_commit(&mut tb, String::new(), key.clone(), &key, ns);
                }
            }
        }
        if let Some(d) = dispatch {
            dispatches.push(d);
            ends.push(d + service + 1);
        }
        last_send = t;
        requests.push(Request {
            id: format!("r{:04}", requests.len() + 1),
            send_ms: t as f64,
            client_key: key,
            path,
            service_ms: service,
            status: String::new(),
        });
    }
    let mut outages: Vec<(f64, String, bool)> = spec
        .outages
        .iter()
        .flat_map(|&(down, up, inst)| [(down as f64, inst.to_string(), false), (up as f64, inst.to_string(), true)])
        .collect();
    outages.sort_by(|a, b| a.0.total_cmp(&b.0));
    if crate::trace_status::has_statuses(kind) {
        crate::trace_status::assign(kind, &mut requests, || (rng.next() >> 11) as f64 / (1u64 << 53) as f64);
    }
    Trace { kind, seed, scenario: scenario(kind, seed, &spec), requests, outages }
}

fn scenario(kind: Kind, seed: u64, spec: &Spec) -> String {
    if let Some(s) = crate::trace_limits::scenario(kind, seed, spec) {
        return s;
    }
    let health = match spec.health {
        Some((inter, rise, fall)) => {
            format!("Some((inter_ms: {inter}, rise: {rise}, fall: {fall}{}))", spec.check_extra)
        }
        None => "None".into(),
    };
    let services: String = (0..spec.services)
        .map(|i| {
            format!(
                "            Service((name: \"s{i}\", instances: 1, concurrency: 10000, queue_capacity: Some(0), service_time: Constant(ms: 10.0){})),\n",
                spec.service_extra[i]
            )
        })
        .collect();
    let links: String = (0..spec.services)
        .map(|i| format!("            (from: \"lb\", to: \"s{i}\", weight: {}.0),\n", spec.weights[i]))
        .collect();
    format!(
        r#"// Differential trace {kind:?}, seed {seed}.
Scenario(
    format_version: 1,
    name: "differential {kind:?} seed {seed}",
    run: (seed: 1, duration_s: 60.0),
    topology: (
        nodes: [
            Clients((name: "trace", traffic: Constant(rate_rps: 1.0), routes: [(path: "/api/items", weight: 1.0)])),
            Gateway((name: "gw", routes: [(path_prefix: "/api", upstream: "lb", timeout_ms: {route_timeout}, rate_limit: {rl}{route_extra})])),
            LoadBalancer((name: "lb", algorithm: {balance}, health_check: {health}, failover: {failover}{lb_extra})),
{services}        ],
        links: [
            (from: "trace", to: "gw"),
            (from: "gw", to: "lb"),
{links}        ],
    ),
)
"#,
        rl = spec.rate_limit,
        balance = spec.balance,
        failover = spec.failover,
        route_extra = spec.route_extra,
        route_timeout = spec.route_timeout,
        lb_extra = spec.lb_extra,
    )
}
