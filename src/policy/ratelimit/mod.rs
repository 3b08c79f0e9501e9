//! Rate limiters, one file per product family.
//!
//! Every limiter is an immutable config with a `check`-style method taking the per-key state (a small
//! `Copy + Default` struct the engine stores in its own dense vector) and `now_ns`. A `Default` state is
//! the state of a key never seen before.

pub mod fixed_window;
pub mod freq_ctr;
pub mod gcra;
pub mod limit_req;
pub mod token_bucket;
pub mod traefik;

pub use fixed_window::{EnvoyRatelimit, FixedWindowState, Kong, KongCounting, KongPeriod, KongState, WindowDecision};
pub use freq_ctr::{FreqCtr, HttpReqRate, HttpReqRateState, TrackDecision};
pub use gcra::{Gcra, GcraDecision, GcraState};
pub use limit_req::{LimitReq, LimitReqDecision, LimitReqDelay, LimitReqRate, LimitReqState};
pub use token_bucket::{AwsThrottle, BucketDecision, EnvoyRefill, EnvoyTokenBucket, TokenBucketState};
pub use traefik::{Traefik, TraefikDecision, TraefikState};
