//! Load-balancing algorithms, each with one product's semantics, and the products themselves.

use serde::{Deserialize, Serialize};

fn one_u32() -> u32 {
    1
}

/// Load-balancing algorithm. Instance weights come from the balancer's link to each service
/// (`weight`, a whole number for the weighted algorithms). Hashing algorithms hash the request's
/// client key: a trace's `client_key`, or a population user's client address (`10.x.y.z`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Balance {
    /// Each instance in turn, in the order of the linked services and their instances; weights
    /// ignored.
    #[default]
    RoundRobin,
    /// NGINX's default: smooth weighted round robin with passive health (`max_fails` failures
    /// within `fail_timeout` seconds make a peer unusable for `fail_timeout`).
    NginxRoundRobin {
        /// `max_fails` (default 1; 0 disables the accounting).
        #[serde(default = "one_u32")]
        max_fails: u32,
        /// `fail_timeout`, whole seconds (default 10).
        #[serde(default = "ten")]
        fail_timeout_s: u32,
    },
    /// NGINX `least_conn`: fewest active connections per weight, ties by smooth weighted round
    /// robin among the tied; passive health as `NginxRoundRobin`.
    NginxLeastConn {
        /// `max_fails` (default 1).
        #[serde(default = "one_u32")]
        max_fails: u32,
        /// `fail_timeout`, whole seconds (default 10).
        #[serde(default = "ten")]
        fail_timeout_s: u32,
    },
    /// NGINX `ip_hash` (first three octets of an IPv4 address), passive health as above.
    NginxIpHash {
        /// `max_fails` (default 1).
        #[serde(default = "one_u32")]
        max_fails: u32,
        /// `fail_timeout`, whole seconds (default 10).
        #[serde(default = "ten")]
        fail_timeout_s: u32,
    },
    /// NGINX `hash $client_key [consistent]` (ketama ring of 160 points per weight with `consistent`).
    NginxHash {
        /// `consistent`.
        #[serde(default)]
        consistent: bool,
        /// `max_fails` (default 1).
        #[serde(default = "one_u32")]
        max_fails: u32,
        /// `fail_timeout`, whole seconds (default 10).
        #[serde(default = "ten")]
        fail_timeout_s: u32,
    },
    /// NGINX `random two least_conn`: two distinct usable peers drawn in proportion to weight, the
    /// one with fewer connections per weight wins (ties: the second draw); passive health as
    /// `NginxRoundRobin`. NGINX's draws come from libc `random()` seeded at its start, so only the
    /// distribution, not the draws, can match a real instance.
    NginxRandomTwo {
        /// `max_fails` (default 1).
        #[serde(default = "one_u32")]
        max_fails: u32,
        /// `fail_timeout`, whole seconds (default 10).
        #[serde(default = "ten")]
        fail_timeout_s: u32,
    },
    /// HAProxy `balance roundrobin` (fwrr: weighted, not smooth).
    HaproxyRoundRobin,
    /// HAProxy `balance leastconn`.
    HaproxyLeastConn,
    /// HAProxy `balance first`: the first server (in order) with a free slot.
    HaproxyFirst,
    /// HAProxy `balance source` (map-based hash of the client address over the running servers).
    HaproxySource,
    /// Envoy `ROUND_ROBIN` (random start; EDF for unequal weights).
    EnvoyRoundRobin,
    /// Envoy `LEAST_REQUEST`: power of `choice_count` random choices, fewest active requests.
    EnvoyLeastRequest {
        /// `choice_count` (default 2).
        #[serde(default = "two")]
        choice_count: u32,
        /// `active_request_bias` (default 1.0).
        #[serde(default = "bias_one")]
        active_request_bias: f64,
    },
    /// Envoy `RING_HASH` (xxHash64 ring).
    EnvoyRingHash {
        /// `minimum_ring_size` (default 1024).
        #[serde(default = "ring_min")]
        minimum_ring_size: u64,
        /// `maximum_ring_size` (default 8,388,608).
        #[serde(default = "ring_max")]
        maximum_ring_size: u64,
    },
    /// Envoy `MAGLEV`.
    EnvoyMaglev {
        /// `table_size` (a prime; default 65537).
        #[serde(default = "maglev_size")]
        table_size: u64,
    },
    /// A uniformly random instance.
    Random,
}

/// The product whose semantics a policy follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Product {
    /// No particular product.
    Generic,
    /// NGINX 1.22.
    Nginx,
    /// HAProxy 2.6.
    Haproxy,
    /// Envoy 1.40.
    Envoy,
}

impl Balance {
    /// A short name, e.g. `NGINX smooth WRR`.
    pub fn label(self) -> &'static str {
        match self {
            Balance::RoundRobin => "round robin",
            Balance::Random => "random",
            Balance::NginxRoundRobin { .. } => "NGINX smooth WRR",
            Balance::NginxLeastConn { .. } => "NGINX least_conn",
            Balance::NginxIpHash { .. } => "NGINX ip_hash",
            Balance::NginxHash { consistent: true, .. } => "NGINX consistent hash",
            Balance::NginxHash { .. } => "NGINX hash",
            Balance::NginxRandomTwo { .. } => "NGINX random two least_conn",
            Balance::HaproxyRoundRobin => "HAProxy roundrobin",
            Balance::HaproxyLeastConn => "HAProxy leastconn",
            Balance::HaproxyFirst => "HAProxy first",
            Balance::HaproxySource => "HAProxy source",
            Balance::EnvoyRoundRobin => "Envoy round robin",
            Balance::EnvoyLeastRequest { .. } => "Envoy least request",
            Balance::EnvoyRingHash { .. } => "Envoy ring hash",
            Balance::EnvoyMaglev { .. } => "Envoy Maglev",
        }
    }

    /// The product whose balancer this is.
    pub fn product(self) -> Product {
        match self {
            Balance::RoundRobin | Balance::Random => Product::Generic,
            Balance::NginxRoundRobin { .. }
            | Balance::NginxLeastConn { .. }
            | Balance::NginxIpHash { .. }
            | Balance::NginxHash { .. }
            | Balance::NginxRandomTwo { .. } => Product::Nginx,
            Balance::HaproxyRoundRobin | Balance::HaproxyLeastConn | Balance::HaproxyFirst | Balance::HaproxySource => {
                Product::Haproxy
            }
            Balance::EnvoyRoundRobin
            | Balance::EnvoyLeastRequest { .. }
            | Balance::EnvoyRingHash { .. }
            | Balance::EnvoyMaglev { .. } => Product::Envoy,
        }
    }
}

fn two() -> u32 {
    2
}
fn bias_one() -> f64 {
    1.0
}
fn ring_min() -> u64 {
    1024
}
fn ring_max() -> u64 {
    8_388_608
}
fn maglev_size() -> u64 {
    65_537
}

fn ten() -> u32 {
    10
}
