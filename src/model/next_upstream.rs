//! NGINX `proxy_next_upstream` in the model: its conditions, NGINX's default and the policy
//! library's form of a `Failover::NginxNextUpstream` (semantics in
//! `crate::policy::next_upstream`).

use super::Failover;
use serde::{Deserialize, Serialize};

/// A `proxy_next_upstream` condition (nginx 1.22, `ngx_http_proxy_next_upstream_masks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextUpstreamOn {
    /// `error`: the connection was refused or broke.
    Error,
    /// `timeout`: a connect, send or read timeout elapsed.
    Timeout,
    /// `invalid_header`.
    InvalidHeader,
    /// `non_idempotent`: POST, LOCK and PATCH may be retried too.
    NonIdempotent,
    /// `http_500`.
    Http500,
    /// `http_502`.
    Http502,
    /// `http_503`.
    Http503,
    /// `http_504`.
    Http504,
    /// `http_403`.
    Http403,
    /// `http_404`.
    Http404,
    /// `http_429`.
    Http429,
}

impl NextUpstreamOn {
    /// Every condition, in the order NGINX lists them.
    pub const ALL: [NextUpstreamOn; 11] = [
        NextUpstreamOn::Error,
        NextUpstreamOn::Timeout,
        NextUpstreamOn::InvalidHeader,
        NextUpstreamOn::NonIdempotent,
        NextUpstreamOn::Http500,
        NextUpstreamOn::Http502,
        NextUpstreamOn::Http503,
        NextUpstreamOn::Http504,
        NextUpstreamOn::Http403,
        NextUpstreamOn::Http404,
        NextUpstreamOn::Http429,
    ];

    /// The directive's word for it.
    pub fn word(self) -> &'static str {
        match self {
            NextUpstreamOn::Error => "error",
            NextUpstreamOn::Timeout => "timeout",
            NextUpstreamOn::InvalidHeader => "invalid_header",
            NextUpstreamOn::NonIdempotent => "non_idempotent",
            NextUpstreamOn::Http500 => "http_500",
            NextUpstreamOn::Http502 => "http_502",
            NextUpstreamOn::Http503 => "http_503",
            NextUpstreamOn::Http504 => "http_504",
            NextUpstreamOn::Http403 => "http_403",
            NextUpstreamOn::Http404 => "http_404",
            NextUpstreamOn::Http429 => "http_429",
        }
    }

    /// The policy library's condition.
    pub fn condition(self) -> crate::policy::next_upstream::Condition {
        use crate::policy::next_upstream::Condition as C;
        match self {
            NextUpstreamOn::Error => C::Error,
            NextUpstreamOn::Timeout => C::Timeout,
            NextUpstreamOn::InvalidHeader => C::InvalidHeader,
            NextUpstreamOn::NonIdempotent => C::NonIdempotent,
            NextUpstreamOn::Http500 => C::Http500,
            NextUpstreamOn::Http502 => C::Http502,
            NextUpstreamOn::Http503 => C::Http503,
            NextUpstreamOn::Http504 => C::Http504,
            NextUpstreamOn::Http403 => C::Http403,
            NextUpstreamOn::Http404 => C::Http404,
            NextUpstreamOn::Http429 => C::Http429,
        }
    }
}

/// NGINX's default `proxy_next_upstream error timeout`.
pub fn error_timeout() -> Vec<NextUpstreamOn> {
    vec![NextUpstreamOn::Error, NextUpstreamOn::Timeout]
}

impl Failover {
    /// NGINX next upstream with its defaults (`error timeout`, no time limit) and `tries`.
    pub fn nginx_next_upstream(tries: u32) -> Failover {
        Failover::NginxNextUpstream { tries, on: error_timeout(), timeout_ms: 0 }
    }

    /// The policy library's `proxy_next_upstream` for an NGINX failover; `None` for the others.
    pub fn next_upstream(&self) -> Option<crate::policy::next_upstream::NextUpstream> {
        let Failover::NginxNextUpstream { tries, on, timeout_ms } = self else { return None };
        let conditions: Vec<_> = on.iter().map(|c| c.condition()).collect();
        Some(crate::policy::next_upstream::NextUpstream::new(&conditions, *tries, *timeout_ms))
    }
}
