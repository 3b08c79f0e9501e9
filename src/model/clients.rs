//! Client populations: who sends, how much, how the arrivals and keys are drawn, the request
//! mix, and the sizes of requests and responses.

use super::ClientRetry;
use serde::{Deserialize, Serialize};

/// A population of users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clients {
    /// Unique node name.
    pub name: String,
    /// What it is and why, in the user's words (kept by a save, as a file's comments are not).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Region the users are in.
    #[serde(default)]
    pub region: Option<String>,
    /// Canvas position (GUI only).
    #[serde(default)]
    pub pos: Option<[f32; 2]>,
    /// Number of distinct users; each request is sent by one of them, drawn by `keys`.
    #[serde(default = "default_users")]
    pub users: u32,
    /// Request rate over time.
    pub traffic: Traffic,
    /// How arrivals are spaced around the rate.
    #[serde(default)]
    pub arrivals: ArrivalProcess,
    /// How requests are spread over users.
    #[serde(default)]
    pub keys: KeyDistribution,
    /// The users reach the gateway from this many client addresses (NAT, corporate proxies):
    /// user `u` comes from address `u % addresses`. A rate limit keyed on the client sees the
    /// address, while impact is counted per user. `None`: every user has an address of its own.
    #[serde(default)]
    pub addresses: Option<u32>,
    /// Client timeouts and retries (none when absent: one attempt, waiting for the answer).
    #[serde(default)]
    pub retry: Option<ClientRetry>,
    /// The request mix by path. Empty means every request is for `/`.
    #[serde(default)]
    pub routes: Vec<RouteShare>,
    /// Size of a request, KB (priced when it crosses regions; default 1).
    #[serde(default = "default_request_kb", skip_serializing_if = "is_default_request_kb")]
    pub request_kb: f64,
    /// Size of a response, KB (priced as data sent to the internet, and when it crosses regions;
    /// default 4).
    #[serde(default = "default_response_kb", skip_serializing_if = "is_default_response_kb")]
    pub response_kb: f64,
}

pub(super) fn default_request_kb() -> f64 {
    1.0
}
fn is_default_request_kb(v: &f64) -> bool {
    *v == 1.0
}
pub(super) fn default_response_kb() -> f64 {
    4.0
}
fn is_default_response_kb(v: &f64) -> bool {
    *v == 4.0
}

pub(super) fn default_users() -> u32 {
    1000
}

/// A share of a population's requests that go to one path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteShare {
    /// Request path, matched against gateway routes by prefix.
    pub path: String,
    /// Relative weight among the population's routes.
    pub weight: f64,
}

/// Request rate over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Traffic {
    /// The same rate throughout.
    Constant {
        /// Requests per second.
        rate_rps: f64,
    },
    /// Piecewise constant: each step sets the rate from its time on (0 before the first step).
    Steps {
        /// Steps in increasing time order.
        steps: Vec<Step>,
    },
    /// A daily cycle: `mean_rps * (1 + amplitude * cos(2π (t - peak_at_s) / period_s))`.
    Diurnal {
        /// Mean rate.
        mean_rps: f64,
        /// Relative swing, 0 to 1.
        amplitude: f64,
        /// Length of the cycle (86400 for a day).
        period_s: f64,
        /// Time of the peak within the cycle.
        peak_at_s: f64,
    },
    /// A flash crowd: `base_rps`, rising to `peak_rps` between `start_s` and `start_s + duration_s`.
    Spike {
        /// Rate outside the spike.
        base_rps: f64,
        /// Rate during the spike.
        peak_rps: f64,
        /// When the spike starts.
        start_s: f64,
        /// How long it lasts.
        duration_s: f64,
    },
}

/// One step of a [`Traffic::Steps`] profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// From this time on.
    pub at_s: f64,
    /// This rate.
    pub rate_rps: f64,
}

/// How arrivals are spaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArrivalProcess {
    /// A (non-homogeneous) Poisson process: independent users.
    #[default]
    Poisson,
    /// Evenly spaced at the current rate: a synthetic load generator.
    Deterministic,
}

/// How requests are spread over the users of a population.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum KeyDistribution {
    /// Every user equally likely.
    #[default]
    Uniform,
    /// Zipf's law: user `k` (1-based) is drawn with probability proportional to `1 / k^exponent`.
    Zipf {
        /// The exponent (> 0); about 1 for web traffic.
        exponent: f64,
    },
}
