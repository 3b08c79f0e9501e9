//! Random streams and the samplers the simulator draws from.
//!
//! Each component (a client population, a link, a service...) draws from its own stream, seeded
//! from `(scenario seed, replicate, component name, purpose)`, so adding or renaming one node leaves
//! every other node's draws unchanged. The generator is PCG64-MCG (`rand_pcg::Pcg64Mcg`), a named
//! algorithm whose output is fixed by its definition (unlike `StdRng`).
//!
//! The samplers are written here rather than taken from `rand_distr`: `rand_distr`'s output depends
//! on whether some crate in the build enables `num-traits/std`, so the GUI build and the headless
//! build could draw different numbers. These use only `std`'s `f64` functions. Golden samples in the
//! tests pin their output.

use crate::model::Dist;
use crate::sim::time::ms_to_ns;
use rand::Rng;
use rand_pcg::Pcg64Mcg;

/// One independent random stream.
#[derive(Clone, Debug)]
pub struct Stream(Pcg64Mcg);

/// What a stream is used for within a component (so one component can have several streams).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Inter-arrival times.
    Arrivals = 1,
    /// Which user, which route, which target.
    Choice = 2,
    /// Service or processing times.
    Service = 3,
    /// Link latencies.
    Latency = 4,
    /// Error draws.
    Errors = 5,
    /// Client retry backoffs.
    Retry = 6,
    /// A staged rollout's split of requests between the old and new configuration.
    Canary = 7,
    /// A fault's draws (which requests it fails, the latency it adds).
    Fault = 8,
    /// A person's response delays.
    Human = 9,
    /// Cold starts of a serverless function's environments.
    ColdStart = 10,
    /// Kubernetes probes' results under a fault that fails a share of requests.
    Probe = 11,
    /// A gateway's rate-limit draws (Envoy's `filter_enabled` / `filter_enforced` fractions).
    Limit = 12,
}

/// SplitMix64's finaliser: a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a name: a stable identity for a component, independent of its position in the file.
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl Stream {
    /// The stream of `component` for `purpose` in replicate `replicate` of a run seeded `seed`.
    pub fn new(seed: u64, replicate: u32, component: &str, purpose: Purpose) -> Stream {
        let a = mix64(seed ^ mix64(u64::from(replicate) ^ 0x5bd1_e995));
        let b = mix64(name_hash(component) ^ mix64(purpose as u64));
        let hi = mix64(a ^ b);
        let lo = mix64(hi ^ a.rotate_left(17) ^ b.rotate_right(9));
        // An MCG state must be odd; `new` takes care of that.
        Stream(Pcg64Mcg::new((u128::from(hi) << 64) | u128::from(lo)))
    }

    /// 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform `f64` in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `[0, n)` (Lemire's method, unbiased). `n` must be > 0.
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        let n64 = u64::from(n);
        loop {
            let m = (self.next_u64() >> 32) * n64;
            let low = m as u32;
            if low >= n || low >= (n.wrapping_neg() % n.max(1)) {
                return (m >> 32) as u32;
            }
        }
    }

    /// Exponential with the given mean.
    #[inline]
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// Standard normal (Box-Muller, one value per call).
    #[inline]
    pub fn std_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A [`Dist`] compiled for sampling whole nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler {
    /// Always this many ns.
    Constant(u64),
    /// Exponential with this mean in ns.
    Exp(f64),
    /// `exp(mu + sigma * N(0,1))` ns.
    LogNormal {
        /// Log of the median in ns.
        mu: f64,
        /// Shape.
        sigma: f64,
    },
    /// Uniform in `[min, min + span]` ns.
    Uniform {
        /// Lower bound in ns.
        min: f64,
        /// Width in ns.
        span: f64,
    },
}

impl Sampler {
    /// Compiles a distribution (assumed valid, see [`Dist::problem`]).
    pub fn new(d: &Dist) -> Sampler {
        match *d {
            Dist::Constant { ms } => Sampler::Constant(ms_to_ns(ms)),
            Dist::Exponential { mean_ms } => Sampler::Exp(mean_ms * 1e6),
            Dist::LogNormal { median_ms, p99_ms } => Sampler::LogNormal {
                mu: (median_ms * 1e6).ln(),
                sigma: (p99_ms / median_ms).ln() / crate::model::Z_P99,
            },
            Dist::Uniform { min_ms, max_ms } => Sampler::Uniform { min: min_ms * 1e6, span: (max_ms - min_ms) * 1e6 },
        }
    }

    /// True when every draw is 0 ns (no randomness consumed).
    pub fn is_zero(&self) -> bool {
        matches!(self, Sampler::Constant(0))
    }

    /// One draw, in whole nanoseconds.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> u64 {
        let x = match *self {
            Sampler::Constant(ns) => return ns,
            Sampler::Exp(mean) => rng.exp(mean),
            Sampler::LogNormal { mu, sigma } => (mu + sigma * rng.std_normal()).exp(),
            Sampler::Uniform { min, span } => min + span * rng.unit(),
        };
        x.round() as u64
    }
}

/// Zipf's law over `1..=n` with exponent `s`, by rejection-inversion (W. Hörmann and G. Derflinger,
/// "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS
/// 6(3), 1996). Constant time per draw, no table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_x1: f64,
    h_n: f64,
    cut: f64,
}

impl Zipf {
    /// Zipf over `1..=n` (`n >= 1`) with exponent `s > 0`.
    pub fn new(n: u32, s: f64) -> Zipf {
        let n = f64::from(n.max(1));
        let h_x1 = big_h(1.5, s) - 1.0;
        let h_n = big_h(n + 0.5, s);
        let cut = 2.0 - big_h_inv(big_h(2.5, s) - 2f64.powf(-s), s);
        Zipf { n, s, h_x1, h_n, cut }
    }

    /// A draw in `0..n` (the 1-based rank minus one).
    pub fn sample(&self, rng: &mut Stream) -> u32 {
        loop {
            let u = self.h_n + rng.unit() * (self.h_x1 - self.h_n);
            let x = big_h_inv(u, self.s);
            let k = x.round().clamp(1.0, self.n);
            if k - x <= self.cut || u >= big_h(k + 0.5, self.s) - k.powf(-self.s) {
                return k as u32 - 1;
            }
        }
    }
}

/// Integral of `x^-s`: `(x^(1-s) - 1) / (1-s)`, or `ln x` at `s = 1`.
fn big_h(x: f64, s: f64) -> f64 {
    let q = 1.0 - s;
    if q.abs() < 1e-12 { x.ln() } else { (x.powf(q) - 1.0) / q }
}

/// Inverse of [`big_h`].
fn big_h_inv(y: f64, s: f64) -> f64 {
    let q = 1.0 - s;
    if q.abs() < 1e-12 { y.exp() } else { (1.0 + y * q).max(0.0).powf(1.0 / q) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_samples_are_stable() {
        // If this fails, every stored result changes: only update it deliberately.
        let mut s = Stream::new(42, 0, "svc", Purpose::Service);
        let raw: Vec<u64> = (0..3).map(|_| s.next_u64()).collect();
        let mut s = Stream::new(42, 0, "svc", Purpose::Service);
        let e = Sampler::Exp(20e6);
        let exp: Vec<u64> = (0..3).map(|_| e.sample(&mut s)).collect();
        let ln = Sampler::new(&Dist::LogNormal { median_ms: 10.0, p99_ms: 100.0 });
        let logn: Vec<u64> = (0..3).map(|_| ln.sample(&mut s)).collect();
        let z = Zipf::new(1000, 1.1);
        let zipf: Vec<u32> = (0..5).map(|_| z.sample(&mut s)).collect();
        let got = format!("{raw:?} {exp:?} {logn:?} {zipf:?}");
        assert_eq!(got, GOLDEN, "random stream output changed");
    }

    const GOLDEN: &str = "[15549393510195557814, 14441855775803668311, 4638511174404472966] [37021823, 30547444, 5792458] [14477374, 12013722, 4259520] [376, 102, 0, 0, 131]";

    #[test]
    fn streams_depend_on_name_not_on_order() {
        let mut a = Stream::new(7, 3, "payments", Purpose::Service);
        let mut b = Stream::new(7, 3, "payments", Purpose::Service);
        let mut c = Stream::new(7, 3, "accounts", Purpose::Service);
        let mut d = Stream::new(7, 4, "payments", Purpose::Service);
        let x = a.next_u64();
        assert_eq!(x, b.next_u64());
        assert_ne!(x, c.next_u64());
        assert_ne!(x, d.next_u64());
    }

    #[test]
    fn exponential_mean_and_variance() {
        let mut s = Stream::new(1, 0, "x", Purpose::Service);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.exp(2.0)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard error of the mean is 2/sqrt(n) = 0.0045; allow 5 of them.
        assert!((mean - 2.0).abs() < 0.023, "mean {mean}");
        assert!((var - 4.0).abs() < 0.15, "variance {var}");
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let mut s = Stream::new(1, 0, "x", Purpose::Latency);
        let ln = Sampler::new(&Dist::LogNormal { median_ms: 10.0, p99_ms: 100.0 });
        let mut xs: Vec<u64> = (0..100_000).map(|_| ln.sample(&mut s)).collect();
        xs.sort_unstable();
        let p50 = xs[50_000] as f64 / 1e6;
        let p99 = xs[99_000] as f64 / 1e6;
        assert!((p50 - 10.0).abs() < 0.3, "p50 {p50}");
        assert!((p99 - 100.0).abs() < 8.0, "p99 {p99}");
    }

    #[test]
    fn zipf_frequencies_match_the_law() {
        let n = 10;
        let s_exp = 1.2;
        let z = Zipf::new(n, s_exp);
        let mut s = Stream::new(9, 0, "keys", Purpose::Choice);
        let draws = 200_000;
        let mut counts = vec![0u32; n as usize];
        for _ in 0..draws {
            counts[z.sample(&mut s) as usize] += 1;
        }
        let norm: f64 = (1..=n).map(|k| f64::from(k).powf(-s_exp)).sum();
        for (i, &c) in counts.iter().enumerate() {
            let p = (i as f64 + 1.0).powf(-s_exp) / norm;
            let expected = p * draws as f64;
            let sd = (draws as f64 * p * (1.0 - p)).sqrt();
            assert!((f64::from(c) - expected).abs() < 5.0 * sd, "rank {}: {c} vs {expected}", i + 1);
        }
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut s = Stream::new(3, 0, "x", Purpose::Choice);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = s.below(7);
            assert!(v < 7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|&b| b));
        assert_eq!(s.below(1), 0);
    }
}
