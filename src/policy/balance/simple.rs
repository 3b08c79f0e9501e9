//! Unweighted round robin and uniform random choice (the textbook baselines).

use super::super::{Entropy, PolicyError, uniform_below};
use super::{PeerStatus, status_of};

/// Plain round robin: the next usable peer after the last pick, in list order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRobin {
    n: usize,
    next: usize,
}

impl RoundRobin {
    /// `n` peers, starting at peer 0. Errors: `n == 0`.
    pub fn new(n: usize) -> Result<Self, PolicyError> {
        if n == 0 {
            return Err(PolicyError::Zero { param: "peers" });
        }
        Ok(Self { n, next: 0 })
    }

    /// The next usable peer, or `None` if none is usable.
    pub fn pick(&mut self, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        for k in 0..self.n {
            let i = (self.next + k) % self.n;
            if status_of(status, i).is_usable() {
                self.next = (i + 1) % self.n;
                return Some(i);
            }
        }
        None
    }
}

/// Uniform random choice among usable peers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomPick {
    n: usize,
}

impl RandomPick {
    /// `n` peers. Errors: `n == 0`.
    pub fn new(n: usize) -> Result<Self, PolicyError> {
        if n == 0 {
            return Err(PolicyError::Zero { param: "peers" });
        }
        Ok(Self { n })
    }

    /// A uniformly random usable peer (one draw over the usable ones), or `None`.
    pub fn pick(&self, _now_ns: u64, status: &[PeerStatus], rng: &mut impl Entropy) -> Option<usize> {
        let usable = (0..self.n).filter(|&i| status_of(status, i).is_usable()).count();
        if usable == 0 {
            return None;
        }
        let k = uniform_below(rng, usable as u64) as usize;
        (0..self.n).filter(|&i| status_of(status, i).is_usable()).nth(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testutil::SplitMix64;

    #[test]
    fn round_robin_skips_unusable_peers() {
        let mut rr = RoundRobin::new(3).unwrap();
        let mut st = [PeerStatus::USABLE; 3];
        st[1].down = true;
        let got: Vec<_> = (0..4).map(|_| rr.pick(0, &st).unwrap()).collect();
        assert_eq!(got, [0, 2, 0, 2]);
        st[0].down = true;
        st[2].full = true;
        assert_eq!(rr.pick(0, &st), None);
        assert!(RoundRobin::new(0).is_err());
    }

    #[test]
    fn random_pick_only_returns_usable_peers() {
        let r = RandomPick::new(4).unwrap();
        let mut rng = SplitMix64(3);
        let mut st = [PeerStatus::USABLE; 4];
        st[0].tried = true;
        let mut seen = [0; 4];
        for _ in 0..400 {
            seen[r.pick(0, &st, &mut rng).unwrap()] += 1;
        }
        assert_eq!(seen[0], 0);
        assert!(seen[1..].iter().all(|&c| c > 80), "{seen:?}");
    }
}
