//! Closed forms of single-station queueing models, to check the simulator against (the validation
//! ladder's first rung) and to show beside a simulated station.
//!
//! Notation: arrival rate `lambda`, service rate per server `mu`, `c` servers, `k` places in total
//! (in service plus waiting). Waits are times in the queue, before service starts.

/// Erlang's C formula: the probability that an arrival to an M/M/c queue has to wait.
/// `None` unless `lambda < c * mu` (the queue is stable).
pub fn erlang_c(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    if !((0.0..1.0).contains(&rho) && c > 0) {
        return None;
    }
    // Sum a^n / n! for n < c, and the c term, iteratively to avoid overflow.
    let mut term = 1.0;
    let mut sum = 0.0;
    for n in 0..c {
        sum += term;
        term *= a / f64::from(n + 1);
    }
    let last = term / (1.0 - rho);
    Some(last / (sum + last))
}

/// Mean queue wait of M/M/c: `C(c, a) / (c mu - lambda)`.
pub fn mmc_mean_wait(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    erlang_c(lambda, mu, c).map(|p| p / (f64::from(c) * mu - lambda))
}

/// Mean queue wait of M/D/1 with service time `1 / mu` (Pollaczek-Khinchine):
/// `rho / (2 mu (1 - rho))`.
pub fn md1_mean_wait(lambda: f64, mu: f64) -> Option<f64> {
    let rho = lambda / mu;
    (0.0..1.0).contains(&rho).then(|| rho / (2.0 * mu * (1.0 - rho)))
}

/// Blocking probability of M/M/c/K (`k >= c` places in total): the stationary probability that
/// all `k` places are taken, which an arriving request then finds.
pub fn mmck_blocking(lambda: f64, mu: f64, c: u32, k: u32) -> Option<f64> {
    if c == 0 || k < c || !(lambda >= 0.0 && mu > 0.0) {
        return None;
    }
    let a = lambda / mu;
    let cf = f64::from(c);
    // Unnormalised p_n, computed as ratios to avoid factorials.
    let mut p = 1.0;
    let mut total = 1.0;
    for n in 1..=k {
        p *= if n <= c { a / f64::from(n) } else { a / cf };
        total += p;
    }
    Some(p / total)
}

/// Server utilisation of M/M/c/K: carried load per server, `lambda (1 - P_block) / (c mu)`.
pub fn mmck_utilisation(lambda: f64, mu: f64, c: u32, k: u32) -> Option<f64> {
    mmck_blocking(lambda, mu, c, k).map(|b| lambda * (1.0 - b) / (f64::from(c) * mu))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9 * b.abs().max(1.0))
    }

    #[test]
    fn mm1_is_rho_over_mu_minus_lambda() {
        // M/M/1, lambda 0.5, mu 1: Wq = rho / (mu - lambda) = 1.
        assert!(close(mmc_mean_wait(0.5, 1.0, 1), 1.0));
        assert!(close(erlang_c(0.5, 1.0, 1), 0.5));
    }

    #[test]
    fn erlang_c_hand_case() {
        // c = 2, a = 1: C = (1/2 * 2) / (1 + 1 + 1) = 1/3; Wq = (1/3) / (2 - 1) = 1/3.
        assert!(close(erlang_c(1.0, 1.0, 2), 1.0 / 3.0));
        assert!(close(mmc_mean_wait(1.0, 1.0, 2), 1.0 / 3.0));
        // The DESIGN's reference station: lambda 37, mu 5, c 9 -> 0.0603 s.
        let w = mmc_mean_wait(37.0, 5.0, 9).unwrap_or(f64::NAN);
        assert!((w - 0.0603).abs() < 5e-5, "{w}");
        assert_eq!(erlang_c(10.0, 1.0, 2), None);
    }

    #[test]
    fn md1_is_half_of_mm1() {
        assert!(close(md1_mean_wait(0.5, 1.0), 0.5));
        assert_eq!(md1_mean_wait(1.0, 1.0), None);
    }

    #[test]
    fn mmck_hand_cases() {
        // M/M/1/1 (Erlang B with one server): a / (1 + a).
        assert!(close(mmck_blocking(1.0, 1.0, 1, 1), 0.5));
        // M/M/1/2, a = 1: p = 1/3 each.
        assert!(close(mmck_blocking(1.0, 1.0, 1, 2), 1.0 / 3.0));
        // M/M/2/2, a = 2 (Erlang B): (4/2) / (1 + 2 + 2) = 0.4.
        assert!(close(mmck_blocking(2.0, 1.0, 2, 2), 0.4));
        assert!(close(mmck_utilisation(2.0, 1.0, 2, 2), 0.6));
        assert_eq!(mmck_blocking(1.0, 1.0, 3, 2), None);
    }
}
