//! Means with confidence intervals over replicates.

use serde::{Deserialize, Serialize};

/// A mean over replicates with the half-width of its 99% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean of the replicates' values (`None` when no replicate had a value).
    pub mean: Option<f64>,
    /// Half-width of the 99% Student-t interval (`None` with fewer than two values).
    pub ci99_half_width: Option<f64>,
    /// Number of values.
    pub n: u32,
}

impl Estimate {
    /// The estimate of a sample.
    pub fn of(xs: &[f64]) -> Estimate {
        let n = xs.len();
        if n == 0 {
            return Estimate { mean: None, ci99_half_width: None, n: 0 };
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let half = (n >= 2).then(|| {
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t_quantile_995(n as u32 - 1) * (var / n as f64).sqrt()
        });
        Estimate { mean: Some(mean), ci99_half_width: half, n: n as u32 }
    }

    /// Whether `value` lies within the interval widened to at least `rel` of the mean (e.g. 0.02
    /// for "within the 99% CI or 2%, whichever is wider").
    pub fn contains(&self, value: f64, rel: f64) -> bool {
        let Some(mean) = self.mean else { return false };
        let half = self.ci99_half_width.unwrap_or(0.0).max(rel * mean.abs());
        (value - mean).abs() <= half
    }
}

/// The 0.995 quantile of Student's t with `df` degrees of freedom (two-sided 99%).
/// Exact table values up to 30 (from the standard t table), then the Cornish-Fisher expansion
/// around the normal quantile, which is within 1e-4 of the exact value there.
pub fn t_quantile_995(df: u32) -> f64 {
    const TABLE: [f64; 30] = [
        63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169, 3.106, 3.055, 3.012, 2.977, 2.947,
        2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.750,
    ];
    if df == 0 {
        return f64::INFINITY;
    }
    if let Some(&t) = TABLE.get(df as usize - 1) {
        return t;
    }
    let z = 2.575_829_303_548_901;
    let v = f64::from(df);
    let z3 = z * z * z;
    let z5 = z3 * z * z;
    let z7 = z5 * z * z;
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles() {
        assert_eq!(t_quantile_995(1), 63.657);
        assert_eq!(t_quantile_995(30), 2.750);
        // Exact: df 40 -> 2.7045, df 120 -> 2.6174.
        assert!((t_quantile_995(40) - 2.7045).abs() < 2e-3);
        assert!((t_quantile_995(120) - 2.6174).abs() < 1e-3);
    }

    #[test]
    fn estimate_of_a_hand_sample() {
        let e = Estimate::of(&[1.0, 2.0, 3.0]);
        assert_eq!(e.mean, Some(2.0));
        // s = 1, n = 3: 9.925 * 1/sqrt(3)
        let half = e.ci99_half_width.unwrap_or(f64::NAN);
        assert!((half - 9.925 / 3f64.sqrt()).abs() < 1e-12);
        assert!(e.contains(7.0, 0.0) && !e.contains(7.8, 0.0));
        assert_eq!(Estimate::of(&[]).mean, None);
        assert_eq!(Estimate::of(&[5.0]).ci99_half_width, None);
    }
}
