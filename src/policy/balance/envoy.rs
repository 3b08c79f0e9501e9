//! Envoy round robin and least request: Envoy 1.40 behaviour (sources of the 1.39 line).
//!
//! Follows `source/common/upstream/edf_scheduler.h` (`EdfScheduler::pickAndAdd`, `add`,
//! `createWithPicks`: deadline = current time + 1/weight, earliest first, FIFO on equal deadlines;
//! built as if `picks` picks had been made), `load_balancing_policies/common/load_balancer_impl.cc` fns
//! `EdfLoadBalancerBase::refresh` (the scheduler is rebuilt from the healthy hosts with the balancer's
//! fixed `seed_` whenever the healthy set changes), `chooseHostOnce` (equal weights: `rr_index_++ %
//! hosts`, the index kept across changes) and `least_request/least_request_lb.cc` fn
//! `unweightedHostPick` (P2C: `choice_count` draws with replacement, a later draw replaces the
//! candidate only with strictly fewer active requests) with the weighted path on EDF of
//! `weight / (active + 1)^bias`, recomputed only when a host is re-added after a pick.
//!
//! Only `PeerStatus::down` matters (Envoy's healthy set); Envoy has no previous-host retry predicate by
//! default, so `tried` and `full` are ignored.

use super::super::{Entropy, PolicyError, uniform_below};
use super::PeerStatus;

#[derive(Clone, Copy, Debug, PartialEq)]
struct EdfEntry {
    deadline: f64,
    order: u64,
    id: u32,
}

/// Envoy's earliest-deadline-first scheduler over peer indices (allocation only when it grows).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdfScheduler {
    entries: Vec<EdfEntry>,
    current_time: f64,
    order_offset: u64,
}

impl EdfScheduler {
    /// `createWithPicks`: rebuilds from `(peer, weight)` pairs (weights > 0) as if `picks` picks had
    /// been made.
    pub fn rebuild(
        &mut self,
        hosts: impl Iterator<Item = (usize, f64)> + Clone,
        picks: u32,
        weight_of: impl Fn(usize) -> f64,
    ) {
        let picks = picks % 429_496_729;
        self.entries.clear();
        self.current_time = 0.0;
        self.order_offset = 0;
        let aug = |w: f64| w + 1e-13;
        let sum: f64 = hosts.clone().map(|(_, w)| aug(w)).sum();
        let mut so_far: u32 = 0;
        let mut max_pick_time = 0.0f64;
        for (i, (id, w)) in hosts.enumerate() {
            let weight = aug(w);
            let mut floor_picks = (weight * f64::from(picks) / sum) as u32;
            if floor_picks > 0 && f64::from(floor_picks) / weight >= f64::from(picks) / sum {
                floor_picks -= 1;
            }
            let pick_time = f64::from(floor_picks) / weight;
            self.entries.push(EdfEntry {
                deadline: f64::from(floor_picks + 1) / weight,
                order: i as u64,
                id: id as u32,
            });
            max_pick_time = max_pick_time.max(pick_time);
            so_far += floor_picks;
        }
        self.current_time = max_pick_time;
        self.order_offset = self.entries.len() as u64;
        while so_far < picks {
            self.pick_and_add(&weight_of);
            so_far += 1;
        }
    }

    /// `pickAndAdd`: pops the earliest deadline and re-adds it with its current weight.
    pub fn pick_and_add(&mut self, weight_of: impl Fn(usize) -> f64) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (k, e) in self.entries.iter().enumerate() {
            if best.is_none_or(|b| {
                let o = &self.entries[b];
                e.deadline < o.deadline || (e.deadline == o.deadline && e.order < o.order)
            }) {
                best = Some(k);
            }
        }
        let k = best?;
        let id = self.entries[k].id as usize;
        self.current_time = self.entries[k].deadline;
        self.entries[k] =
            EdfEntry { deadline: self.current_time + 1.0 / weight_of(id), order: self.order_offset, id: id as u32 };
        self.order_offset += 1;
        Some(id)
    }
}

/// Healthy-set tracking shared by both Envoy balancers.
#[derive(Clone, Debug, PartialEq)]
struct HostSet {
    weights: Vec<u32>,
    healthy: Vec<bool>,
    healthy_count: usize,
}

impl HostSet {
    fn new(weights: &[u32]) -> Result<Self, PolicyError> {
        if weights.is_empty() {
            return Err(PolicyError::Zero { param: "hosts" });
        }
        if weights.contains(&0) {
            return Err(PolicyError::Zero { param: "load_balancing_weight" });
        }
        Ok(Self { weights: weights.to_vec(), healthy: vec![true; weights.len()], healthy_count: weights.len() })
    }

    /// Applies `status`; true when the healthy set changed.
    fn sync(&mut self, status: &[PeerStatus]) -> bool {
        let changed = super::sync_healthy(&mut self.healthy, status);
        if changed {
            self.healthy_count = self.healthy.iter().filter(|&&h| h).count();
        }
        changed
    }

    fn equal_weights(&self) -> bool {
        let mut it = self.weights.iter().zip(&self.healthy).filter(|&(_, &h)| h).map(|(w, _)| w);
        let first = it.next();
        it.all(|w| Some(w) == first)
    }

    fn nth_healthy(&self, n: usize) -> usize {
        self.healthy.iter().enumerate().filter(|&(_, &h)| h).nth(n).map_or(0, |(i, _)| i)
    }
}

/// Envoy `ROUND_ROBIN`.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvoyRoundRobin {
    hosts: HostSet,
    seed: u64,
    rr_index: u64,
    edf: EdfScheduler,
    equal: bool,
}

impl EnvoyRoundRobin {
    /// Draws the balancer's `seed_` (its random start) from `rng`.
    pub fn new(weights: &[u32], rng: &mut impl Entropy) -> Result<Self, PolicyError> {
        Self::with_seed(weights, rng.next_u64())
    }

    /// With the balancer's `seed_` given (Envoy draws it with `random.random()` when the balancer
    /// is built): equal weights start at host `seed % hosts`; unequal ones build the EDF schedule
    /// as if `seed as u32` picks had been made (`createWithPicks`).
    pub fn with_seed(weights: &[u32], seed: u64) -> Result<Self, PolicyError> {
        let hosts = HostSet::new(weights)?;
        let mut lb = Self { hosts, seed, rr_index: seed, edf: EdfScheduler::default(), equal: true };
        lb.refresh();
        Ok(lb)
    }

    fn refresh(&mut self) {
        self.equal = self.hosts.equal_weights();
        if !self.equal {
            let weights = &self.hosts.weights;
            let healthy = &self.hosts.healthy;
            let iter = (0..weights.len()).filter(|&i| healthy[i]).map(|i| (i, f64::from(weights[i])));
            self.edf.rebuild(iter, self.seed as u32, |i| f64::from(weights[i]));
        }
    }

    /// Next host among the healthy ones; `None` if none is healthy.
    pub fn pick(&mut self, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        if self.hosts.sync(status) {
            self.refresh();
        }
        if self.hosts.healthy_count == 0 {
            return None;
        }
        if self.equal {
            let n = (self.rr_index % self.hosts.healthy_count as u64) as usize;
            self.rr_index = self.rr_index.wrapping_add(1);
            return Some(self.hosts.nth_healthy(n));
        }
        let weights = &self.hosts.weights;
        self.edf.pick_and_add(|i| f64::from(weights[i]))
    }
}

/// Envoy `LEAST_REQUEST`.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvoyLeastRequest {
    hosts: HostSet,
    active: Vec<u32>,
    choice_count: u32,
    bias: f64,
    seed: u64,
    edf: EdfScheduler,
    equal: bool,
}

impl EnvoyLeastRequest {
    /// `choice_count` (Envoy default 2, at least 2) and `active_request_bias` (default 1.0, >= 0).
    pub fn new(
        weights: &[u32],
        choice_count: u32,
        active_request_bias: f64,
        rng: &mut impl Entropy,
    ) -> Result<Self, PolicyError> {
        Self::with_seed(weights, choice_count, active_request_bias, rng.next_u64())
    }

    /// As [`EnvoyLeastRequest::new`] with the balancer's `seed_` given (it places the weighted
    /// EDF schedule; P2C draws still come from the caller's entropy).
    pub fn with_seed(
        weights: &[u32],
        choice_count: u32,
        active_request_bias: f64,
        seed: u64,
    ) -> Result<Self, PolicyError> {
        let hosts = HostSet::new(weights)?;
        if choice_count < 2 {
            return Err(PolicyError::Invalid { param: "choice_count", reason: "must be at least 2" });
        }
        if !(active_request_bias >= 0.0 && active_request_bias.is_finite()) {
            return Err(PolicyError::Invalid { param: "active_request_bias", reason: "must be a finite value >= 0" });
        }
        let n = weights.len();
        let mut lb = Self {
            hosts,
            active: vec![0; n],
            choice_count,
            bias: active_request_bias,
            seed,
            edf: EdfScheduler::default(),
            equal: true,
        };
        lb.refresh();
        Ok(lb)
    }

    fn effective_weight(weights: &[u32], active: &[u32], bias: f64, i: usize) -> f64 {
        let w = f64::from(weights[i]);
        if bias == 0.0 {
            w
        } else if bias == 1.0 {
            w / f64::from(active[i] + 1)
        } else {
            w / f64::from(active[i] + 1).powf(bias)
        }
    }

    fn refresh(&mut self) {
        self.equal = self.hosts.equal_weights();
        if !self.equal {
            let (weights, active, bias) = (&self.hosts.weights, &self.active, self.bias);
            let healthy = &self.hosts.healthy;
            let iter = (0..weights.len())
                .filter(|&i| healthy[i])
                .map(|i| (i, Self::effective_weight(weights, active, bias, i)));
            self.edf.rebuild(iter, self.seed as u32, |i| Self::effective_weight(weights, active, bias, i));
        }
    }

    /// A request started on `peer`.
    pub fn on_start(&mut self, peer: usize) {
        if let Some(a) = self.active.get_mut(peer) {
            *a += 1;
        }
    }

    /// A request on `peer` ended.
    pub fn on_finish(&mut self, peer: usize) {
        if let Some(a) = self.active.get_mut(peer) {
            *a = a.saturating_sub(1);
        }
    }

    /// P2C (equal weights) or weighted EDF pick among healthy hosts.
    pub fn pick(&mut self, _now_ns: u64, status: &[PeerStatus], rng: &mut impl Entropy) -> Option<usize> {
        if self.hosts.sync(status) {
            self.refresh();
        }
        let n = self.hosts.healthy_count;
        if n == 0 {
            return None;
        }
        if self.equal {
            let mut candidate: Option<usize> = None;
            for _ in 0..self.choice_count {
                let sampled = self.hosts.nth_healthy(uniform_below(rng, n as u64) as usize);
                match candidate {
                    None => candidate = Some(sampled),
                    Some(c) if self.active[sampled] < self.active[c] => candidate = Some(sampled),
                    Some(_) => {}
                }
            }
            return candidate;
        }
        let (weights, active, bias) = (&self.hosts.weights, &self.active, self.bias);
        self.edf.pick_and_add(|i| Self::effective_weight(weights, active, bias, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testutil::{Fixed, SplitMix64};

    fn healthy(n: usize) -> Vec<PeerStatus> {
        vec![PeerStatus::USABLE; n]
    }

    #[test]
    fn edf_from_zero_picks_is_weighted_and_fifo_on_equal_deadlines() {
        let mut e = EdfScheduler::default();
        let w = [3.0, 2.0, 1.0];
        e.rebuild((0..3).map(|i| (i, w[i])), 0, |i| w[i]);
        let got: Vec<_> = (0..6).map(|_| e.pick_and_add(|i| w[i]).unwrap()).collect();
        let count = |p| got.iter().filter(|&&x| x == p).count();
        assert_eq!((count(0), count(1), count(2)), (3, 2, 1));
        assert_eq!(got[0], 0);
    }

    #[test]
    fn edf_with_picks_matches_picking_from_empty() {
        let w = [5.0, 3.0, 1.0];
        let mut a = EdfScheduler::default();
        a.rebuild((0..3).map(|i| (i, w[i])), 0, |i| w[i]);
        for _ in 0..7 {
            a.pick_and_add(|i| w[i]);
        }
        let mut b = EdfScheduler::default();
        b.rebuild((0..3).map(|i| (i, w[i])), 7, |i| w[i]);
        let xa: Vec<_> = (0..18).map(|_| a.pick_and_add(|i| w[i]).unwrap()).collect();
        let xb: Vec<_> = (0..18).map(|_| b.pick_and_add(|i| w[i]).unwrap()).collect();
        let count = |v: &Vec<usize>, p| v.iter().filter(|&&x| x == p).count();
        assert_eq!((count(&xb, 0), count(&xb, 1), count(&xb, 2)), (10, 6, 2));
        assert_eq!((count(&xa, 0), count(&xa, 1), count(&xa, 2)), (10, 6, 2));
    }

    #[test]
    fn envoy_wrr_returns_to_its_start_position_after_a_host_set_change() {
        let mut rng = SplitMix64(11);
        let mut lb = EnvoyRoundRobin::new(&[3, 2, 1], &mut rng).unwrap();
        let st = healthy(3);
        let first: Vec<_> = (0..12).map(|_| lb.pick(0, &st).unwrap()).collect();
        let mut out = st.clone();
        out[2].down = true;
        for _ in 0..5 {
            assert_ne!(lb.pick(0, &out), Some(2));
        }
        let again: Vec<_> = (0..12).map(|_| lb.pick(0, &st).unwrap()).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn envoy_equal_weights_keep_the_rr_index_modulo_healthy_count() {
        let mut lb = EnvoyRoundRobin::new(&[1, 1, 1], &mut Fixed(4)).unwrap();
        let st = healthy(3);
        // rr_index starts at the seed (4): 4 % 3 = 1.
        let got: Vec<_> = (0..3).map(|_| lb.pick(0, &st).unwrap()).collect();
        assert_eq!(got, [1, 2, 0]);
        let mut st2 = st.clone();
        st2[0].down = true;
        // rr_index 7 % 2 = 1 => second healthy host (2).
        assert_eq!(lb.pick(0, &st2), Some(2));
    }

    #[test]
    fn p2c_first_draw_wins_ties_and_strictly_fewer_replaces() {
        // Fixed entropy: every draw lands on the same host, so both draws are equal: the first wins.
        let mut lb = EnvoyLeastRequest::new(&[1, 1, 1, 1], 2, 1.0, &mut Fixed(0)).unwrap();
        let st = healthy(4);
        assert_eq!(lb.pick(0, &st, &mut Fixed(0)), Some(0));
        // Draws alternate: host 0 then host 3 (u64::MAX maps to the last index).
        struct Alt(bool);
        impl Entropy for Alt {
            fn next_u64(&mut self) -> u64 {
                self.0 = !self.0;
                if self.0 { 0 } else { u64::MAX }
            }
        }
        assert_eq!(lb.pick(0, &st, &mut Alt(false)), Some(0), "tie: first draw");
        lb.on_start(0);
        assert_eq!(lb.pick(0, &st, &mut Alt(false)), Some(3), "strictly fewer");
        lb.on_start(3);
        lb.on_start(3);
        assert_eq!(lb.pick(0, &st, &mut Alt(false)), Some(0));
    }

    #[test]
    fn weighted_least_request_prefers_idle_heavy_hosts() {
        let mut rng = SplitMix64(5);
        let mut lb = EnvoyLeastRequest::new(&[1, 4], 2, 1.0, &mut rng).unwrap();
        let st = healthy(2);
        let mut count = [0; 2];
        for _ in 0..50 {
            count[lb.pick(0, &st, &mut rng).unwrap()] += 1;
        }
        assert_eq!(count, [10, 40]);
        assert!(EnvoyLeastRequest::new(&[1], 1, 1.0, &mut rng).is_err());
    }
}
#[cfg(test)]
mod seed_tests {
    use super::*;
    use crate::policy::testutil::SplitMix64;

    /// Picks from a balancer with `seed` and from one with `seed` reduced modulo the weights' sum:
    /// the index of the first difference within `n` picks, if any.
    fn first_difference(weights: &[u32], seed: u64, n: usize) -> Option<usize> {
        let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let st = vec![PeerStatus::USABLE; weights.len()];
        // createWithPicks takes the seed as a uint32 of picks, reduced modulo 429,496,729.
        let reduced = u64::from(seed as u32 % 429_496_729) % sum;
        let mut a = EnvoyRoundRobin::with_seed(weights, seed).unwrap();
        let mut b = EnvoyRoundRobin::with_seed(weights, reduced).unwrap();
        (0..n).find(|_| a.pick(0, &st) != b.pick(0, &st))
    }

    #[test]
    fn a_seed_is_pinned_by_its_rotation_with_power_of_two_weights_only() {
        // Envoy's EDF deadlines are doubles: current time + 1/weight. With weights whose
        // reciprocals are exact binary fractions the schedule built from a 32-bit seed is the one
        // built from the seed modulo the weights' sum, so the first picks of a running Envoy pin
        // it for good; with 3/2/1 the rounding at large times reorders ties after ~100 picks.
        let mut rng = SplitMix64(99);
        for _ in 0..40 {
            let seed = rng.next_u64();
            assert_eq!(first_difference(&[4, 2, 1], seed, 1000), None, "seed {seed}");
            assert_eq!(first_difference(&[2, 1, 1], seed, 1000), None, "seed {seed}");
        }
        let drifted = (0..40).filter(|_| first_difference(&[3, 2, 1], rng.next_u64(), 1000).is_some()).count();
        assert!(drifted > 30, "{drifted}");
    }

    #[test]
    fn with_seed_is_new_with_that_draw() {
        let st = vec![PeerStatus::USABLE; 3];
        for weights in [[1, 1, 1], [4, 2, 1]] {
            let mut a = EnvoyRoundRobin::new(&weights, &mut SplitMix64(5)).unwrap();
            let mut b = EnvoyRoundRobin::with_seed(&weights, SplitMix64(5).next_u64()).unwrap();
            for _ in 0..50 {
                assert_eq!(a.pick(0, &st), b.pick(0, &st));
            }
        }
        // Equal weights start at host seed % hosts (rr_index_ = seed_).
        let mut lb = EnvoyRoundRobin::with_seed(&[1, 1, 1], 5).unwrap();
        assert_eq!(lb.pick(0, &st), Some(2));
    }
}
