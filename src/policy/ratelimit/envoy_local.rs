//! Envoy's local rate limit filter around its token buckets (Envoy 1.40:
//! source/extensions/filters/http/local_ratelimit/local_ratelimit.cc fn `Filter::decodeHeaders`,
//! source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc fn
//! `LocalRateLimiterImpl::requestAllowed` and the constructor):
//!
//! - **`filter_enabled`**: a request for which the runtime fraction is off is not looked at (no
//!   token taken). **`filter_enforced`**: a request refused while the fraction is off passes (only
//!   the `rate_limited` statistic counts it). Each fraction is drawn per request as
//!   `random % 100 < numerator` (a `FractionalPercent` over `HUNDRED`; Envoy's
//!   `ProtobufPercentHelper::evaluateFractionalPercent`); 0 % and 100 % draw nothing here.
//! - **Descriptors**: exact-match descriptors have their own buckets. A request whose descriptor
//!   matches one takes a token from it first; refused there, it is refused (429) and the default
//!   bucket is not touched. Allowed there, it also takes one from the default bucket when
//!   `always_consume_default_token_bucket` (default true), and is refused if that is empty; the
//!   descriptor's token is not given back (seen on a real Envoy 1.40, policies.md). A request
//!   matching no descriptor takes a token from the default bucket only.
//! - A descriptor's `fill_interval` must be a multiple of the default bucket's, and two
//!   descriptors may not have the same entries (the constructor throws "local rate descriptor
//!   limit is not a multiple of token bucket fill timer" and "duplicate descriptor").
//!
//! The model builds a request's descriptor from one `rate_limits` action (the remote address or a
//! header), so at most one descriptor matches a request; Envoy's order for several matches (by
//! fill rate, `tokensFillPerSecond`) never comes into play.

use super::super::{Entropy, PolicyError, status, uniform_below};
use super::token_bucket::{BucketDecision, EnvoyTokenBucket, TokenBucketState};

/// One descriptor: the value its one entry must equal, and its token bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvoyDescriptorBucket {
    /// The entry's `value`.
    pub value: String,
    /// Its `token_bucket`.
    pub bucket: EnvoyTokenBucket,
    fill_interval_ns: u64,
}

impl EnvoyDescriptorBucket {
    /// A descriptor matching `value`, with `bucket` (whose fill interval is `fill_interval_ns`).
    pub fn new(value: impl Into<String>, bucket: EnvoyTokenBucket, fill_interval_ns: u64) -> Self {
        Self { value: value.into(), bucket, fill_interval_ns }
    }
}

/// What a request's descriptor is built from (its one `rate_limits` action).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DescriptorSource {
    /// `remote_address`: the client's address.
    #[default]
    RemoteAddress,
    /// `request_headers` on the API key header.
    ApiKey,
}

/// A local rate limit filter config: the default bucket, the descriptors, the fractions.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvoyLocal {
    source: DescriptorSource,
    default: EnvoyTokenBucket,
    descriptors: Vec<EnvoyDescriptorBucket>,
    always_consume_default: bool,
    enabled_percent: u32,
    enforced_percent: u32,
}

/// What the filter did with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalDecision {
    /// `filter_enabled` was off for it: not looked at.
    NotEnabled,
    /// Allowed (its tokens taken).
    Allow,
    /// Refused and enforced: answered with `status`.
    Deny {
        /// 429.
        status: u16,
    },
    /// Refused but `filter_enforced` was off for it: it passes.
    NotEnforced,
}

impl EnvoyLocal {
    /// The filter. Errors: a fraction above 100 %, a descriptor's fill interval not a multiple of
    /// the default's, two descriptors with one value.
    pub fn new(
        default: EnvoyTokenBucket,
        default_fill_interval_ns: u64,
        descriptors: Vec<EnvoyDescriptorBucket>,
        always_consume_default: bool,
        enabled_percent: u32,
        enforced_percent: u32,
    ) -> Result<Self, PolicyError> {
        for (param, v) in [("filter_enabled", enabled_percent), ("filter_enforced", enforced_percent)] {
            if v > 100 {
                return Err(PolicyError::OutOfRange { param, value: i128::from(v), min: 0, max: 100 });
            }
        }
        for (i, d) in descriptors.iter().enumerate() {
            if default_fill_interval_ns == 0 || d.fill_interval_ns % default_fill_interval_ns != 0 {
                return Err(PolicyError::Invalid {
                    param: "descriptors.token_bucket.fill_interval",
                    reason: "must be a multiple of the default token bucket's fill_interval",
                });
            }
            if descriptors[..i].iter().any(|o| o.value == d.value) {
                return Err(PolicyError::Invalid {
                    param: "descriptors",
                    reason: "two descriptors have the same value",
                });
            }
        }
        Ok(Self {
            source: DescriptorSource::default(),
            default,
            descriptors,
            always_consume_default,
            enabled_percent,
            enforced_percent,
        })
    }

    /// Sets what a request's descriptor is built from.
    pub fn with_source(mut self, source: DescriptorSource) -> Self {
        self.source = source;
        self
    }

    /// What a request's descriptor is built from.
    pub fn source(&self) -> DescriptorSource {
        self.source
    }

    /// The descriptors, in the config's order.
    pub fn descriptors(&self) -> &[EnvoyDescriptorBucket] {
        &self.descriptors
    }

    /// The descriptor whose value is `text`, if any.
    pub fn match_value(&self, text: &str) -> Option<usize> {
        self.descriptors.iter().position(|d| d.value == text)
    }

    /// Whether a check can draw randomness (a fraction strictly between 0 and 100 %).
    pub fn draws(&self) -> bool {
        [self.enabled_percent, self.enforced_percent].iter().any(|&p| p > 0 && p < 100)
    }

    /// Applies the filter to one request: `default` is the default bucket's state, `matched` the
    /// matched descriptor's index and state.
    pub fn check(
        &self,
        rng: &mut impl Entropy,
        default: &mut TokenBucketState,
        matched: Option<(usize, &mut TokenBucketState)>,
        now_ns: u64,
    ) -> LocalDecision {
        if !fraction(rng, self.enabled_percent) {
            return LocalDecision::NotEnabled;
        }
        let allowed = match matched.and_then(|(i, s)| self.descriptors.get(i).map(|d| (d, s))) {
            Some((d, state)) => {
                d.bucket.check(state, now_ns) == BucketDecision::Allow
                    && (!self.always_consume_default || self.default.check(default, now_ns) == BucketDecision::Allow)
            }
            None => self.default.check(default, now_ns) == BucketDecision::Allow,
        };
        match (allowed, fraction(rng, self.enforced_percent)) {
            (true, _) => LocalDecision::Allow,
            (false, true) => LocalDecision::Deny { status: status::TOO_MANY_REQUESTS },
            (false, false) => LocalDecision::NotEnforced,
        }
    }
}

/// A runtime fraction of `percent` over `HUNDRED`: `random % 100 < percent`.
fn fraction(rng: &mut impl Entropy, percent: u32) -> bool {
    match percent {
        0 => false,
        100.. => true,
        p => uniform_below(rng, 100) < u64::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::super::token_bucket::EnvoyRefill;
    use super::*;

    const MS: u64 = 1_000_000;

    struct Seq(u64);
    impl Entropy for Seq {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0
        }
    }

    fn bucket(max: u32, per_fill: u32, interval_ms: u64) -> EnvoyTokenBucket {
        EnvoyTokenBucket::new(max, per_fill, interval_ms * MS, EnvoyRefill::Continuous).unwrap()
    }

    /// Default bucket 3 per 10 s, alice's 2 per 10 s.
    fn filter(always: bool) -> EnvoyLocal {
        let alice = EnvoyDescriptorBucket::new("alice", bucket(2, 1, 10_000), 10_000 * MS);
        EnvoyLocal::new(bucket(3, 1, 10_000), 10_000 * MS, vec![alice], always, 100, 100).unwrap()
    }

    #[test]
    fn a_matched_descriptor_and_the_default_bucket_are_both_charged() {
        // local_ratelimit_impl.cc `requestAllowed` with always_consume_default_token_bucket true
        // (its default): alice takes from her bucket, then from the default one; bob only from the
        // default one. Alice, alice, bob: the default bucket (3) is empty; alice's third request
        // is refused by her own bucket (2), bob's second by the default bucket.
        let f = filter(true);
        let (mut d, mut a, mut rng) = (TokenBucketState::default(), TokenBucketState::default(), Seq(1));
        let mut go = |who: &str, t: u64| {
            let m = f.match_value(who);
            f.check(&mut rng, &mut d, m.map(|i| (i, &mut a)), t * MS)
        };
        assert_eq!(go("alice", 0), LocalDecision::Allow);
        assert_eq!(go("alice", 1), LocalDecision::Allow);
        assert_eq!(go("bob", 2), LocalDecision::Allow);
        assert_eq!(go("bob", 3), LocalDecision::Deny { status: 429 });
        assert_eq!(go("alice", 4), LocalDecision::Deny { status: 429 });
    }

    #[test]
    fn a_descriptor_token_is_not_given_back_when_the_default_bucket_refuses() {
        // Seen on Envoy 1.40 (policies.md, "Descriptor and default buckets are both charged, and
        // not atomically"): bob empties the default bucket; alice passes her bucket, is refused
        // by the default one, and her token stays spent: 10 s later (one token back in each) her
        // bucket has 2 - 1 - 1 + 1 = 1, not 2.
        let f = filter(true);
        let (mut d, mut a, mut rng) = (TokenBucketState::default(), TokenBucketState::default(), Seq(1));
        for t in 0..3 {
            assert_eq!(f.check(&mut rng, &mut d, None, t * MS), LocalDecision::Allow);
        }
        assert_eq!(f.check(&mut rng, &mut d, Some((0, &mut a)), 5 * MS), LocalDecision::Deny { status: 429 });
        let alice = bucket(2, 1, 10_000);
        let mut probe = a;
        assert_eq!(alice.check(&mut probe, 5_010 * MS), BucketDecision::Allow);
        assert_eq!(alice.check(&mut probe, 5_011 * MS), BucketDecision::Deny { status: 429 });
    }

    #[test]
    fn without_always_consume_a_matched_request_skips_the_default_bucket() {
        // `if (!matched_descriptor || always_consume_default_token_bucket_)`: off, alice's
        // requests leave the default bucket alone, so bob still has all 3 tokens.
        let f = filter(false);
        let (mut d, mut a, mut rng) = (TokenBucketState::default(), TokenBucketState::default(), Seq(1));
        for t in 0..2 {
            assert_eq!(f.check(&mut rng, &mut d, Some((0, &mut a)), t * MS), LocalDecision::Allow);
        }
        assert_eq!(f.check(&mut rng, &mut d, Some((0, &mut a)), 2 * MS), LocalDecision::Deny { status: 429 });
        for t in 3..6 {
            assert_eq!(f.check(&mut rng, &mut d, None, t * MS), LocalDecision::Allow);
        }
        assert_eq!(f.check(&mut rng, &mut d, None, 6 * MS), LocalDecision::Deny { status: 429 });
    }

    #[test]
    fn enabled_and_enforced_fractions() {
        // local_ratelimit.cc `decodeHeaders`: not enabled -> Continue without a token taken;
        // refused but not enforced -> Continue. A 1-token bucket, enabled 50 %, enforced 0 %:
        // about half the requests are looked at, none is refused; the first one looked at takes
        // the token, the others looked at are NotEnforced.
        let f = EnvoyLocal::new(bucket(1, 1, 60_000), 60_000 * MS, Vec::new(), true, 50, 0).unwrap();
        assert!(f.draws());
        let (mut d, mut rng) = (TokenBucketState::default(), Seq(7));
        let got: Vec<LocalDecision> = (0..1000).map(|t| f.check(&mut rng, &mut d, None, t * MS)).collect();
        let skipped = got.iter().filter(|x| **x == LocalDecision::NotEnabled).count();
        assert!((450..=550).contains(&skipped), "{skipped}");
        assert_eq!(got.iter().filter(|x| **x == LocalDecision::Allow).count(), 1);
        assert_eq!(got.iter().filter(|x| **x == LocalDecision::NotEnforced).count(), 1000 - skipped - 1);
        // 0 % enabled looks at nothing and draws nothing.
        let off = EnvoyLocal::new(bucket(1, 1, 60_000), 60_000 * MS, Vec::new(), true, 0, 100).unwrap();
        assert!(!off.draws());
        assert_eq!(off.check(&mut rng, &mut d, None, 0), LocalDecision::NotEnabled);
    }

    #[test]
    fn envoy_refuses_a_descriptor_interval_not_a_multiple_and_duplicates() {
        // local_ratelimit_impl.cc constructor: "local rate descriptor limit is not a multiple of
        // token bucket fill timer", "duplicate descriptor in the local rate descriptor".
        let d = |v: &str, ms: u64| EnvoyDescriptorBucket::new(v, bucket(1, 1, ms), ms * MS);
        assert!(EnvoyLocal::new(bucket(1, 1, 200), 200 * MS, vec![d("a", 300)], true, 100, 100).is_err());
        assert!(EnvoyLocal::new(bucket(1, 1, 200), 200 * MS, vec![d("a", 600)], true, 100, 100).is_ok());
        assert!(EnvoyLocal::new(bucket(1, 1, 200), 200 * MS, vec![d("a", 200), d("a", 400)], true, 100, 100).is_err());
        assert!(EnvoyLocal::new(bucket(1, 1, 200), 200 * MS, Vec::new(), true, 101, 100).is_err());
    }
}
