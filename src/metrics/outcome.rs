//! What happened to a request, as the client saw it.

use serde::{Deserialize, Serialize};

/// The fate of one request. Every failure names its cause, so a report says *why* users were hurt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Outcome {
    /// Served, 2xx.
    Success = 0,
    /// A service instance's queue was full: 503.
    QueueFull,
    /// The response did not reach the gateway within the route's timeout: 504.
    Timeout,
    /// The balancer or service had no instance to send to: 502 (NGINX's "no live upstreams").
    NoUpstream,
    /// No gateway route matches the request's path: 404.
    NoRoute,
    /// The service answered with an error, attributed to the instance that gave it: 500 by
    /// default (its `error_rate`), or the status of its `answers` or of the trace's `status`
    /// column (decisions carry the actual status).
    ServerError,
    /// A gateway rate limit rejected it (the status is the limiter's: 503 for NGINX `limit_req`
    /// by default, 429 for Envoy, AWS and GCRA, HAProxy's `deny_status`).
    RateLimited,
    /// A circuit breaker turned it away: 503 (Envoy's `x-envoy-overloaded`).
    Overloaded,
    /// The client gave up waiting (its own timeout); no status reached it (499 in reports, as
    /// NGINX logs a client that closed the connection).
    ClientTimeout,
    /// The instance serving it crashed (resource exhaustion): 502, as NGINX answers when an
    /// upstream closes the connection before the response.
    UpstreamReset,
    /// The client could not reach the system at all (its gateway or balancer down, a partitioned
    /// link): no HTTP answer (status 0 in reports).
    Unreachable,
    /// A serverless function had every environment its concurrency limit allows busy: 429
    /// (Lambda's `TooManyRequestsException`).
    Throttled,
}

/// Number of [`Outcome`] variants.
pub const N_OUTCOMES: usize = 12;

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; N_OUTCOMES] = [
        Outcome::Success,
        Outcome::QueueFull,
        Outcome::Timeout,
        Outcome::NoUpstream,
        Outcome::NoRoute,
        Outcome::ServerError,
        Outcome::RateLimited,
        Outcome::Overloaded,
        Outcome::ClientTimeout,
        Outcome::UpstreamReset,
        Outcome::Unreachable,
        Outcome::Throttled,
    ];

    /// The snake_case name used in reports and CSV headers.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::QueueFull => "queue_full",
            Outcome::Timeout => "timeout",
            Outcome::NoUpstream => "no_upstream",
            Outcome::NoRoute => "no_route",
            Outcome::ServerError => "server_error",
            Outcome::RateLimited => "rate_limited",
            Outcome::Overloaded => "overloaded",
            Outcome::ClientTimeout => "client_timeout",
            Outcome::UpstreamReset => "upstream_reset",
            Outcome::Unreachable => "unreachable",
            Outcome::Throttled => "throttled",
        }
    }

    /// The HTTP status the client receives by default (a product's policy may answer another:
    /// decisions carry the actual status).
    pub fn status(self) -> u16 {
        match self {
            Outcome::Success => 200,
            Outcome::QueueFull => 503,
            Outcome::Timeout => 504,
            Outcome::NoUpstream => 502,
            Outcome::NoRoute => 404,
            Outcome::ServerError => 500,
            Outcome::RateLimited => 429,
            Outcome::Overloaded => 503,
            Outcome::ClientTimeout => 499,
            Outcome::UpstreamReset => 502,
            Outcome::Unreachable => 0,
            Outcome::Throttled => 429,
        }
    }

    /// True for every outcome but success.
    pub fn is_failure(self) -> bool {
        self != Outcome::Success
    }
}
