//! NGINX `random two least_conn`: nginx 1.22 behaviour (read at release-1.22.1).
//!
//! Follows `src/http/modules/ngx_http_upstream_random_module.c`:
//! - fn `ngx_http_upstream_update_random`: one range per primary peer, `range` = the sum of the
//!   weights before it (down peers included; the directive accepts no `backup`);
//! - fn `ngx_http_upstream_peek_random_peer`: `x = ngx_random() % total_weight`, the peer whose
//!   range holds `x` (a draw proportional to weight);
//! - fn `ngx_http_upstream_get_random2_peer`: draws until two distinct usable peers are held. A draw
//!   is skipped when it repeats the first peer, or its peer was already tried by this request, is
//!   `down`, failed (`fails >= max_fails` within `fail_timeout`) or at `max_conns`; every skipped draw
//!   counts one try, and after more than 20 tries (over the whole request, its retries included)
//!   or with a single server, the smooth weighted round robin of
//!   `ngx_http_upstream_get_round_robin_peer` decides. Of the two, the first wins only when
//!   `second.conns * first.weight > first.conns * second.weight` (strictly): ties go to the second
//!   draw. The winner's `checked` is re-armed after `fail_timeout`, and `conns++`.
//!
//! `least_conn` is the only method `random two` accepts in open-source NGINX (fn
//! `ngx_http_upstream_random`) and the default. `ngx_random()` is libc `random()`, seeded per
//! worker at start-up from the wall clock and pid (src/os/unix/ngx_process.c), so a real instance
//! cannot be aligned draw for draw: the simulator draws from its own seeded stream, with the same
//! weights, and only the distribution is comparable.

use super::super::{Entropy, uniform_below};
use super::nginx::NginxUpstream;
use super::nginx_hash::NginxHashRequest;
use super::{PeerStatus, status_of};

impl NginxUpstream {
    /// The primary whose range holds `x` (`x < total_weight`): the peek's binary search, written
    /// as a walk over the primaries' weights.
    fn range_holding(&self, mut x: u64) -> usize {
        for (i, p) in self.peers.iter().enumerate().filter(|(_, p)| !p.backup) {
            if x < p.weight as u64 {
                return i;
            }
            x -= p.weight as u64;
        }
        0
    }

    /// `random two least_conn`. `req` carries the request's tries across its retries (create one
    /// per request). `None` = 502 ("no live upstreams").
    pub fn pick_random_two(
        &mut self,
        req: &mut NginxHashRequest,
        now_ns: u64,
        status: &[PeerStatus],
        rng: &mut impl Entropy,
    ) -> Option<usize> {
        if req.tries > 20 || self.single || self.total_weight == 0 {
            return self.pick_round_robin(now_ns, status);
        }
        let now_s = self.now_s(now_ns);
        let mut first: Option<usize> = None;
        loop {
            let i = self.range_holding(uniform_below(rng, self.total_weight));
            if first != Some(i) && self.peers[i].usable(status_of(status, i), now_s) {
                if let Some(f) = first {
                    let (p, q) = (&self.peers[i], &self.peers[f]);
                    let second_busier = u64::from(p.conns) * q.weight as u64 > u64::from(q.conns) * p.weight as u64;
                    let chosen = if second_busier { f } else { i };
                    self.peers[chosen].touch(now_s);
                    return Some(chosen);
                }
                first = Some(i);
            }
            // Every draw but the deciding one reaches NGINX's `next:` label, the first kept draw
            // included (it falls through to it), and counts one try.
            req.tries += 1;
            if req.tries > 20 {
                return self.pick_round_robin(now_ns, status);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::nginx::{NginxServer, PeerOutcome};
    use super::*;
    use crate::policy::testutil::SplitMix64;

    /// Draws that land on the given `x` values of `ngx_random() % total_weight` in turn (each
    /// in the middle of its bucket of `uniform_below`).
    struct Draws {
        xs: Vec<u64>,
        total: u64,
        at: usize,
    }

    impl Entropy for Draws {
        fn next_u64(&mut self) -> u64 {
            let x = self.xs[self.at % self.xs.len()];
            self.at += 1;
            let bucket = (1u128 << 64) / u128::from(self.total);
            (u128::from(x) * bucket + bucket / 2) as u64
        }
    }

    fn draws(total: u64, xs: &[u64]) -> Draws {
        Draws { xs: xs.to_vec(), total, at: 0 }
    }

    fn up(weights: &[u32]) -> NginxUpstream {
        let servers: Vec<_> = weights.iter().map(|&w| NginxServer::new(w)).collect();
        NginxUpstream::new(&servers, 0).unwrap()
    }

    fn pick(u: &mut NginxUpstream, st: &[PeerStatus], rng: &mut impl Entropy) -> Option<usize> {
        u.pick_random_two(&mut NginxHashRequest::default(), 0, st, rng)
    }

    const ALL3: [PeerStatus; 3] = [PeerStatus::USABLE; 3];

    #[test]
    fn ties_go_to_the_second_draw() {
        // get_random2_peer: `if (peer->conns * prev->weight > prev->conns * peer->weight) peer = prev`.
        let mut u = up(&[1, 1, 1]);
        assert_eq!(pick(&mut u, &ALL3, &mut draws(3, &[0, 2])), Some(2));
        assert_eq!(pick(&mut u, &ALL3, &mut draws(3, &[2, 0])), Some(0));
    }

    #[test]
    fn fewer_conns_per_weight_wins_cross_multiplied() {
        // Weights 3 and 1 by x ranges [0, 3) and [3, 4): peer 0 with 2 conns (2/3) beats peer 1
        // with 1 conn (1/1), whichever is drawn first.
        let st = [PeerStatus::USABLE; 2];
        let mut u = up(&[3, 1]);
        u.on_start(0);
        u.on_start(0);
        u.on_start(1);
        assert_eq!(pick(&mut u, &st, &mut draws(4, &[0, 3])), Some(0));
        assert_eq!(pick(&mut u, &st, &mut draws(4, &[3, 1])), Some(0));
        // A third conn on peer 0 (3/3 = 1/1) ties: the second draw wins.
        u.on_start(0);
        assert_eq!(pick(&mut u, &st, &mut draws(4, &[3, 1])), Some(0));
        assert_eq!(pick(&mut u, &st, &mut draws(4, &[1, 3])), Some(1));
    }

    #[test]
    fn draws_are_proportional_to_weight_over_the_ranges() {
        // update_random: ranges 0, 1, 3 for weights 1, 2, 3 (total 6); x = 0 -> peer 0,
        // x = 1..=2 -> peer 1, x = 3..=5 -> peer 2.
        let u = up(&[1, 2, 3]);
        let got: Vec<usize> = (0..6).map(|x| u.range_holding(x)).collect();
        assert_eq!(got, [0, 1, 1, 2, 2, 2]);
    }

    #[test]
    fn skipped_draws_count_tries_and_more_than_20_fall_back_to_round_robin() {
        // Every draw lands on peer 1: the first is kept (1 try), the next 20 repeat it (21 tries
        // > 20), and the smooth WRR of get_round_robin_peer picks peer 0 of a fresh upstream.
        let st = [PeerStatus::USABLE; 2];
        let mut u = up(&[1, 1]);
        let mut req = NginxHashRequest::default();
        assert_eq!(u.pick_random_two(&mut req, 0, &st, &mut draws(2, &[1])), Some(0));
        assert_eq!(req.tries, 21);
        // The request's next try goes straight to round robin (rp->tries is per request).
        assert_eq!(u.pick_random_two(&mut req, 0, &st, &mut draws(2, &[0, 1])), Some(1));
    }

    #[test]
    fn unusable_peers_are_skipped() {
        // Peer 0 tried by this request, peer 1 failed (max_fails 1 within fail_timeout): only
        // peer 2 is usable, so draws never find a second peer and round robin decides after the
        // tries run out, over the usable peer 2.
        let mut u = up(&[1, 1, 1]);
        u.on_finish(1, PeerOutcome::Failure, 0);
        let st = [PeerStatus { tried: true, ..PeerStatus::USABLE }, PeerStatus::USABLE, PeerStatus::USABLE];
        let mut req = NginxHashRequest::default();
        assert_eq!(u.pick_random_two(&mut req, 0, &st, &mut SplitMix64(3)), Some(2));
        assert!(req.tries > 20);
        // Down everywhere: 502.
        let down = [PeerStatus { down: true, ..PeerStatus::USABLE }; 3];
        assert_eq!(pick(&mut u, &down, &mut SplitMix64(4)), None);
    }

    #[test]
    fn idle_peers_share_as_the_second_of_two_distinct_weighted_draws() {
        // All idle, every pick ties, so the second draw wins: P(j) = sum over i != j of
        // w_i/W * w_j/(W - w_i). Weights 1, 2, 3: 0.25, 0.40, 0.35. No conns are added.
        let mut u = up(&[1, 2, 3]);
        let mut rng = SplitMix64(19);
        let n = 120_000;
        let mut count = [0u32; 3];
        for _ in 0..n {
            count[pick(&mut u, &ALL3, &mut rng).unwrap()] += 1;
        }
        for (j, want) in [0.25, 0.40, 0.35].into_iter().enumerate() {
            let got = f64::from(count[j]) / f64::from(n);
            // 5 standard deviations of a binomial share at n = 120,000: about 0.007.
            assert!((got - want).abs() < 0.007, "peer {j}: {got} vs {want}");
        }
    }

    #[test]
    fn a_busy_peer_loses_unless_both_draws_hit_busy_peers() {
        // Weights 1, 1, 1; peer 0 holds one conn. It wins only if both draws are busy, which
        // cannot happen with one busy peer: it never wins; the idle two split by the second draw.
        let mut u = up(&[1, 1, 1]);
        u.on_start(0);
        let mut rng = SplitMix64(23);
        let mut count = [0u32; 3];
        for _ in 0..30_000 {
            count[pick(&mut u, &ALL3, &mut rng).unwrap()] += 1;
        }
        assert_eq!(count[0], 0);
        let share = f64::from(count[1]) / 30_000.0;
        assert!((share - 0.5).abs() < 0.015, "{count:?}");
    }
}
