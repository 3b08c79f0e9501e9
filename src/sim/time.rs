//! Simulated time: integer nanoseconds since the start of a run.
//!
//! Every ordering key in the engine is an integer, so runs are reproducible across CPUs; floating
//! point only appears when a duration is drawn from a distribution, and is rounded to whole
//! nanoseconds at once.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in simulated time, in nanoseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

/// Nanoseconds per second.
pub const NS_PER_S: u64 = 1_000_000_000;
/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// From seconds, rounded to the nearest nanosecond (negative and NaN become 0, huge values
    /// saturate).
    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime(secs_to_ns(s))
    }

    /// As seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} s", self.as_secs_f64())
    }
}

/// Seconds to whole nanoseconds, rounded; negative and NaN give 0, huge values saturate.
pub fn secs_to_ns(s: f64) -> u64 {
    // `as` saturates at the bounds and maps NaN to 0, which is the intent here.
    (s * NS_PER_S as f64).round() as u64
}

/// Milliseconds to whole nanoseconds (see [`secs_to_ns`]).
pub fn ms_to_ns(ms: f64) -> u64 {
    (ms * NS_PER_MS as f64).round() as u64
}
