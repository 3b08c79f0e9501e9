//! Envoy local rate limit descriptors in the model (`Limiter::EnvoyLocalRateLimit`'s
//! `descriptors`, `descriptor_source`), and the limiter they build
//! ([`crate::policy::ratelimit::envoy_local`]).

use crate::policy::PolicyError;
use crate::policy::ratelimit::{
    AnyLimiter, DescriptorSource, EnvoyDescriptorBucket, EnvoyLocal, EnvoyRefill, EnvoyTokenBucket,
};
use serde::{Deserialize, Serialize};

fn one() -> u32 {
    1
}

/// One Envoy local rate limit descriptor: requests whose descriptor entry equals `value` take
/// tokens from its bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvoyDescriptor {
    /// The entry's value: a client address (`10.0.0.7`, a trace's `client_key`) for
    /// `RemoteAddress`, an API key for `ApiKey` (a trace's `client_key`; a population's user `u`
    /// sends `<population>-<u>`).
    pub value: String,
    /// `token_bucket.max_tokens`.
    pub max_tokens: u32,
    /// `token_bucket.tokens_per_fill` (default 1).
    #[serde(default = "one")]
    pub tokens_per_fill: u32,
    /// `token_bucket.fill_interval`, ms: a multiple of the default bucket's (Envoy refuses others).
    pub fill_interval_ms: u64,
}

/// The `rate_limits` action building the descriptor an Envoy local rate limit matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnvoyDescriptorSource {
    /// `remote_address`: the client address (the peer address; `use_remote_address` is on).
    #[default]
    RemoteAddress,
    /// `request_headers` on `x-api-key` (descriptor key `api_key`).
    ApiKey,
}

impl EnvoyDescriptorSource {
    pub(super) fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

pub(super) fn is_true(v: &bool) -> bool {
    *v
}
pub(super) fn is_hundred(v: &u32) -> bool {
    *v == 100
}

/// The limiter of an `EnvoyLocalRateLimit` with these parameters: the plain token bucket when
/// there is nothing else (the engine's fast path), else the filter with its descriptors and
/// fractions.
pub(super) fn build(
    (max_tokens, tokens_per_fill, fill_interval_ms): (u32, u32, u64),
    descriptors: &[EnvoyDescriptor],
    source: EnvoyDescriptorSource,
    always_consume_default: bool,
    (enabled, enforced): (u32, u32),
) -> Result<AnyLimiter, PolicyError> {
    let ns = |ms: u64| ms.saturating_mul(1_000_000);
    let bucket = |max: u32, per: u32, ms: u64| EnvoyTokenBucket::new(max, per, ns(ms), EnvoyRefill::Continuous);
    let default = bucket(max_tokens, tokens_per_fill, fill_interval_ms)?;
    if descriptors.is_empty() && enabled == 100 && enforced == 100 {
        return Ok(AnyLimiter::Envoy(default));
    }
    let built = descriptors
        .iter()
        .map(|d| {
            bucket(d.max_tokens, d.tokens_per_fill, d.fill_interval_ms)
                .map(|b| EnvoyDescriptorBucket::new(d.value.clone(), b, ns(d.fill_interval_ms)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let source = match source {
        EnvoyDescriptorSource::RemoteAddress => DescriptorSource::RemoteAddress,
        EnvoyDescriptorSource::ApiKey => DescriptorSource::ApiKey,
    };
    EnvoyLocal::new(default, ns(fill_interval_ms), built, always_consume_default, enabled, enforced)
        .map(|l| AnyLimiter::EnvoyLocal(l.with_source(source)))
}
