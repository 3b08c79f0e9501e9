//! Distributions of durations (service times, link latencies, processing costs), in milliseconds.

use serde::{Deserialize, Serialize};

/// A distribution of a duration in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Dist {
    /// Always the same value.
    Constant {
        /// The value.
        ms: f64,
    },
    /// Exponential (memoryless), as in M/M/c models.
    Exponential {
        /// The mean.
        mean_ms: f64,
    },
    /// Log-normal, parameterised the way latency is usually described: by its median and 99th
    /// percentile (`p99_ms > median_ms`).
    LogNormal {
        /// The median (50th percentile).
        median_ms: f64,
        /// The 99th percentile.
        p99_ms: f64,
    },
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound.
        min_ms: f64,
        /// Upper bound (`>= min_ms`).
        max_ms: f64,
    },
}

impl Default for Dist {
    fn default() -> Self {
        Dist::Constant { ms: 0.0 }
    }
}

/// A number as messages show it: in scientific notation when very large or very small (`1e308`,
/// not its 309 digits), as written otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Short(pub f64);

impl std::fmt::Display for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.is_finite() && v != 0.0 && !(1e-4..1e9).contains(&v.abs()) { write!(f, "{v:e}") } else { write!(f, "{v}") }
    }
}

/// z-score of the 99th percentile of a standard normal distribution.
pub(crate) const Z_P99: f64 = 2.326_347_874_040_841;

impl Dist {
    /// The mean of the distribution, in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Constant { ms } => ms,
            Dist::Exponential { mean_ms } => mean_ms,
            Dist::LogNormal { median_ms, p99_ms } => {
                let sigma = (p99_ms / median_ms).ln() / Z_P99;
                median_ms * (sigma * sigma / 2.0).exp()
            }
            Dist::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
        }
    }

    /// What is wrong with the parameters, if anything (a negative or non-finite value, bounds out of
    /// order).
    pub fn problem(&self) -> Option<String> {
        let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
        match *self {
            Dist::Constant { ms } if !finite_non_negative(ms) => {
                Some(format!("ms must be a finite number >= 0, got {}", Short(ms)))
            }
            Dist::Exponential { mean_ms } if !(mean_ms.is_finite() && mean_ms > 0.0) => {
                Some(format!("mean_ms must be a finite number > 0, got {}", Short(mean_ms)))
            }
            Dist::LogNormal { median_ms, p99_ms } => {
                if !(median_ms.is_finite() && median_ms > 0.0) {
                    Some(format!("median_ms must be a finite number > 0, got {}", Short(median_ms)))
                } else if !(p99_ms.is_finite() && p99_ms > median_ms) {
                    Some(format!(
                        "p99_ms must be finite and greater than median_ms ({}), got {}",
                        Short(median_ms),
                        Short(p99_ms)
                    ))
                } else {
                    None
                }
            }
            Dist::Uniform { min_ms, max_ms } => {
                if !finite_non_negative(min_ms) || !finite_non_negative(max_ms) {
                    Some(format!(
                        "min_ms and max_ms must be finite numbers >= 0, got {} and {}",
                        Short(min_ms),
                        Short(max_ms)
                    ))
                } else if max_ms < min_ms {
                    Some(format!("max_ms ({}) must not be below min_ms ({})", Short(max_ms), Short(min_ms)))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// A short human description, e.g. `exp(20 ms)`.
    pub fn describe(&self) -> String {
        match *self {
            Dist::Constant { ms } => format!("{} ms", Short(ms)),
            Dist::Exponential { mean_ms } => format!("exp({} ms)", Short(mean_ms)),
            Dist::LogNormal { median_ms, p99_ms } => {
                format!("lognormal(p50 {}, p99 {} ms)", Short(median_ms), Short(p99_ms))
            }
            Dist::Uniform { min_ms, max_ms } => format!("uniform({}..{} ms)", Short(min_ms), Short(max_ms)),
        }
    }
}
