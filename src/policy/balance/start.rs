//! Where a rotation starts: NGINX's smooth WRR and HAProxy's fwrr built as if a number of picks
//! had already been made (Envoy's round robin takes its start as its `seed_`, see
//! [`super::EnvoyRoundRobin::with_seed`]).
//!
//! A fresh NGINX worker starts its smooth WRR with every `current_weight` at 0
//! (`src/http/ngx_http_upstream_round_robin.c` fn `ngx_http_upstream_init_round_robin`, nginx 1.22),
//! and a fresh HAProxy backend queues its servers by weight into the init tree at `curr_pos =
//! curr_weight = next_weight = total` (`src/lb_fwrr.c` fn `fwrr_init_server_groups`, HAProxy 2.6):
//! both start at a fixed point, and neither has a setting for another one. A real instance that
//! already served `k` requests is `k` picks into its rotation: these constructors let a replay start
//! where such an instance is. Both rotations repeat after the sum of the weights with every server
//! up (each server is picked `weight` times per cycle and the state returns to its start: pinned by
//! the tests below), so only `picks` modulo that sum is made, whatever `picks` is.

use super::super::PolicyError;
use super::PeerStatus;
use super::haproxy_fwrr::HaproxyRoundRobin;
use super::nginx::NginxUpstream;

impl NginxUpstream {
    /// Advances the smooth WRR as if `picks` requests had been balanced with every peer usable
    /// (no connection is left open, no failure counted). Only `picks % total_weight` picks are made.
    pub fn advance_round_robin(&mut self, picks: u64) {
        if self.total_weight == 0 {
            return;
        }
        for _ in 0..picks % self.total_weight {
            // Every peer usable: a pick always succeeds; `checked` is not re-armed at time 0.
            let _ = self.pick_round_robin(0, &[]);
        }
    }
}

impl HaproxyRoundRobin {
    /// fwrr over `weights` (as [`HaproxyRoundRobin::new`]) as if `picks` requests had been balanced
    /// with every server up. Only `picks % sum(weights)` picks are made.
    pub fn with_start(weights: &[u32], picks: u64) -> Result<Self, PolicyError> {
        let mut lb = Self::new(weights)?;
        let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let all = [PeerStatus::USABLE; 0];
        for _ in 0..picks % sum.max(1) {
            let _ = lb.pick(0, &all);
        }
        Ok(lb)
    }
}

#[cfg(test)]
mod tests {
    use super::super::nginx::NginxServer;
    use super::*;

    fn nginx(weights: &[u32]) -> NginxUpstream {
        let servers: Vec<_> = weights.iter().map(|&w| NginxServer::new(w)).collect();
        NginxUpstream::new(&servers, 0).unwrap()
    }

    const WEIGHTS: [&[u32]; 6] = [&[5, 1, 1], &[3, 2, 1], &[1, 5, 1], &[4, 2, 1], &[2, 2], &[7, 3, 3, 1]];

    #[test]
    fn nginx_swrr_returns_to_its_start_after_the_sum_of_the_weights() {
        for w in WEIGHTS {
            let mut u = nginx(w);
            let fresh = u.clone();
            let sum: u64 = w.iter().map(|&x| u64::from(x)).sum();
            u.advance_round_robin(sum - 1);
            u.pick_round_robin(0, &[]);
            assert_eq!(u, fresh, "weights {w:?}");
        }
    }

    #[test]
    fn nginx_swrr_start_k_continues_as_the_fresh_rotation_after_k_picks() {
        // Weights 5/1/1 give a a b a c a a (ngx_http_upstream_get_peer); starting 3 picks in, the
        // next picks are a c a a, then the cycle again.
        let mut u = nginx(&[5, 1, 1]);
        u.advance_round_robin(3);
        let got: Vec<_> = (0..8).map(|_| u.pick_round_robin(0, &[]).unwrap()).collect();
        assert_eq!(got, [0, 2, 0, 0, 0, 0, 1, 0]);
        // A start of 3 + 7k is the same start.
        let mut v = nginx(&[5, 1, 1]);
        v.advance_round_robin(3 + 7 * 1_000_000_007);
        let mut w = nginx(&[5, 1, 1]);
        w.advance_round_robin(3);
        assert_eq!(v, w);
    }

    #[test]
    fn haproxy_fwrr_returns_to_its_start_after_the_sum_of_the_weights() {
        for w in WEIGHTS {
            let fresh = HaproxyRoundRobin::new(w).unwrap();
            let sum: u64 = w.iter().map(|&x| u64::from(x)).sum();
            let mut a = HaproxyRoundRobin::new(w).unwrap();
            let mut b = HaproxyRoundRobin::with_start(w, sum).unwrap();
            // The insertion counter differs; the picks, for several cycles, do not.
            let st = vec![PeerStatus::USABLE; w.len()];
            let pa: Vec<_> = (0..3 * sum).map(|_| a.pick(0, &st)).collect();
            let pb: Vec<_> = (0..3 * sum).map(|_| b.pick(0, &st)).collect();
            assert_eq!(pa, pb, "weights {w:?}");
            assert_eq!(HaproxyRoundRobin::with_start(w, 0).unwrap(), fresh);
        }
    }

    #[test]
    fn haproxy_fwrr_start_k_continues_as_the_fresh_rotation_after_k_picks() {
        // Weights 3/2/1 give r0 r1 r0 r2 r0 r1 (lb_fwrr.c); starting 2 picks in: r0 r2 r0 r1 r0 r1.
        let st = [PeerStatus::USABLE; 3];
        let mut lb = HaproxyRoundRobin::with_start(&[3, 2, 1], 2).unwrap();
        let got: Vec<_> = (0..6).map(|_| lb.pick(0, &st).unwrap()).collect();
        assert_eq!(got, [0, 2, 0, 1, 0, 1]);
        // And a server going down afterwards behaves as in the fresh rotation k picks in.
        let mut fresh = HaproxyRoundRobin::new(&[3, 2, 1]).unwrap();
        for _ in 0..2 {
            fresh.pick(0, &st);
        }
        let mut pinned = HaproxyRoundRobin::with_start(&[3, 2, 1], 2 + 6 * 41).unwrap();
        let down = [PeerStatus::USABLE, PeerStatus { down: true, ..PeerStatus::USABLE }, PeerStatus::USABLE];
        let a: Vec<_> = (0..9).map(|i| fresh.pick(0, if i < 4 { &down } else { &st })).collect();
        let b: Vec<_> = (0..9).map(|i| pinned.pick(0, if i < 4 { &down } else { &st })).collect();
        assert_eq!(a, b);
    }
}
