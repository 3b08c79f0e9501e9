//! NGINX upstream peers: smooth weighted round robin, `least_conn`, passive health and backups;
//! nginx 1.22 behaviour (read at release-1.22.1).
//!
//! Follows `src/http/ngx_http_upstream_round_robin.c` fns `ngx_http_upstream_get_peer` (smooth WRR,
//! `effective_weight` recovery, `checked` re-arm), `ngx_http_upstream_get_round_robin_peer` (the
//! single-server path, backups, NGX_BUSY = 502 "no live upstreams"),
//! `ngx_http_upstream_free_round_robin_peer` (`fails`, `accessed`, `checked`, `effective_weight -=
//! weight/max_fails`), and `modules/ngx_http_upstream_least_conn_module.c` fn
//! `ngx_http_upstream_get_least_conn_peer` (cross-multiplied comparison, smooth WRR among tied peers
//! only, starting from the first tied peer).
//!
//! Passive-health times are whole seconds (`ngx_time()`): `(now_ns + second_phase_ns) / 1e9`, where
//! `second_phase_ns` places the wall-clock second boundary. State is per worker unless the upstream has
//! `zone`: one `NginxUpstream` models one worker (or a zone). A request that fell through to backups
//! stays there for its later tries in NGINX; here each pick re-checks the primaries first.

use super::super::{NS_PER_S, PolicyError, status};
use super::{PeerStatus, status_of};

/// What the engine reports when a request to a peer ends (its classification of NGINX's
/// `NGX_PEER_FAILED`: `error`, `timeout`, `invalid_header`, and listed `http_5xx` while another try
/// remains).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerOutcome {
    /// The peer answered (a 5xx on the last try counts as a success).
    Success,
    /// `NGX_PEER_FAILED`.
    Failure,
}

/// One `server` line of an `upstream` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxServer {
    /// `weight=` (default 1).
    pub weight: u32,
    /// `max_fails=` (default 1; 0 disables accounting).
    pub max_fails: u32,
    /// `fail_timeout=` in whole seconds (default 10).
    pub fail_timeout_s: u64,
    /// `max_conns=` (0 = unlimited).
    pub max_conns: u32,
    /// `backup`.
    pub backup: bool,
    /// `down`.
    pub down: bool,
}

impl NginxServer {
    /// A server with `weight` and NGINX's defaults for everything else.
    pub fn new(weight: u32) -> Self {
        Self { weight, max_fails: 1, fail_timeout_s: 10, max_conns: 0, backup: false, down: false }
    }
}

/// Per-peer runtime state (`ngx_http_upstream_rr_peer_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NginxPeer {
    pub(crate) weight: i64,
    pub(crate) current_weight: i64,
    pub(crate) effective_weight: i64,
    pub(crate) conns: u32,
    pub(crate) fails: u32,
    pub(crate) accessed_s: u64,
    pub(crate) checked_s: u64,
    pub(crate) max_fails: u32,
    pub(crate) fail_timeout_s: u64,
    pub(crate) max_conns: u32,
    pub(crate) backup: bool,
    pub(crate) down: bool,
}

impl NginxPeer {
    /// Usable for selection at `now_s` (the checks of `ngx_http_upstream_get_peer`).
    #[inline]
    pub(crate) fn usable(&self, st: PeerStatus, now_s: u64) -> bool {
        !(st.tried
            || st.down
            || st.full
            || self.down
            || (self.max_fails != 0
                && self.fails >= self.max_fails
                && now_s.saturating_sub(self.checked_s) <= self.fail_timeout_s)
            || (self.max_conns != 0 && self.conns >= self.max_conns))
    }

    /// `effective_weight` recovery and `current_weight` accumulation for a candidate.
    #[inline]
    pub(crate) fn accumulate(&mut self) -> i64 {
        self.current_weight += self.effective_weight;
        let added = self.effective_weight;
        if self.effective_weight < self.weight {
            self.effective_weight += 1;
        }
        added
    }

    /// Re-arms `checked` when the peer is chosen after `fail_timeout`.
    #[inline]
    pub(crate) fn touch(&mut self, now_s: u64) {
        if now_s.saturating_sub(self.checked_s) > self.fail_timeout_s {
            self.checked_s = now_s;
        }
    }
}

/// An NGINX `upstream` block's peers (primaries and backups, in config order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxUpstream {
    pub(crate) peers: Vec<NginxPeer>,
    /// Exactly one primary and no backup: `peers->single`, which ignores `max_fails`.
    pub(crate) single: bool,
    /// Sum of the primaries' weights (`peers->total_weight`, down ones included).
    pub(crate) total_weight: u64,
    second_phase_ns: u64,
}

impl NginxUpstream {
    /// HTTP status NGINX answers when no peer is usable ("no live upstreams").
    pub const NO_LIVE_UPSTREAMS: u16 = status::BAD_GATEWAY;

    /// Builds the peers. Errors: no primary server, a weight of 0.
    pub fn new(servers: &[NginxServer], second_phase_ns: u64) -> Result<Self, PolicyError> {
        if servers.iter().all(|s| s.backup) {
            return Err(PolicyError::Invalid { param: "upstream", reason: "no servers are inside upstream" });
        }
        if servers.iter().any(|s| s.weight == 0) {
            return Err(PolicyError::Zero { param: "weight" });
        }
        let peers: Vec<NginxPeer> = servers
            .iter()
            .map(|s| NginxPeer {
                weight: i64::from(s.weight),
                effective_weight: i64::from(s.weight),
                max_fails: s.max_fails,
                fail_timeout_s: s.fail_timeout_s,
                max_conns: s.max_conns,
                backup: s.backup,
                down: s.down,
                ..NginxPeer::default()
            })
            .collect();
        let primaries = servers.iter().filter(|s| !s.backup).count();
        let backups = servers.len() - primaries;
        let total_weight = servers.iter().filter(|s| !s.backup).map(|s| u64::from(s.weight)).sum();
        Ok(Self { peers, single: primaries == 1 && backups == 0, total_weight, second_phase_ns })
    }

    /// Number of peers (primaries and backups).
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// Whether there are no peers (never true for a validated upstream).
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// `ngx_time()` for a simulation instant.
    #[inline]
    pub(crate) fn now_s(&self, now_ns: u64) -> u64 {
        (now_ns + self.second_phase_ns) / NS_PER_S
    }

    /// Current `(current_weight, effective_weight, fails)` of a peer, for inspection.
    pub fn peer_weights(&self, peer: usize) -> Option<(i64, i64, u32)> {
        self.peers.get(peer).map(|p| (p.current_weight, p.effective_weight, p.fails))
    }

    /// The single-server path: the one primary unless `down` or full; failures are ignored.
    fn pick_single(&self, status: &[PeerStatus]) -> Option<usize> {
        let p = &self.peers[0];
        let st = status_of(status, 0);
        if p.down || st.down || st.full || (p.max_conns != 0 && p.conns >= p.max_conns) {
            return None;
        }
        Some(0)
    }

    /// Smooth weighted round robin over one group (`ngx_http_upstream_get_peer`).
    pub(crate) fn swrr(&mut self, backup: bool, now_s: u64, status: &[PeerStatus]) -> Option<usize> {
        let mut best: Option<usize> = None;
        let mut total = 0i64;
        for i in 0..self.peers.len() {
            let p = &mut self.peers[i];
            if p.backup != backup || !p.usable(status_of(status, i), now_s) {
                continue;
            }
            total += p.accumulate();
            let cw = p.current_weight;
            if best.is_none_or(|b| cw > self.peers[b].current_weight) {
                best = Some(i);
            }
        }
        let b = best?;
        self.peers[b].current_weight -= total;
        self.peers[b].touch(now_s);
        Some(b)
    }

    /// `round_robin` (the default): smooth WRR over usable primaries, then backups; `None` = 502.
    pub fn pick_round_robin(&mut self, now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        if self.single {
            return self.pick_single(status);
        }
        let now_s = self.now_s(now_ns);
        self.swrr(false, now_s, status).or_else(|| self.swrr(true, now_s, status))
    }

    /// `least_conn` over one group.
    fn least_conn_group(&mut self, backup: bool, now_s: u64, status: &[PeerStatus]) -> Option<usize> {
        let mut best: Option<usize> = None;
        let mut many = false;
        for i in 0..self.peers.len() {
            let p = &self.peers[i];
            if p.backup != backup || !p.usable(status_of(status, i), now_s) {
                continue;
            }
            match best {
                None => best = Some(i),
                Some(b) => {
                    let q = &self.peers[b];
                    let lhs = u64::from(p.conns) * q.weight as u64;
                    let rhs = u64::from(q.conns) * p.weight as u64;
                    if lhs < rhs {
                        best = Some(i);
                        many = false;
                    } else if lhs == rhs {
                        many = true;
                    }
                }
            }
        }
        let mut b = best?;
        if many {
            let first = b;
            let mut total = 0i64;
            for i in first..self.peers.len() {
                let (conns_b, weight_b) = (self.peers[b].conns, self.peers[b].weight);
                let p = &mut self.peers[i];
                if p.backup != backup || !p.usable(status_of(status, i), now_s) {
                    continue;
                }
                if u64::from(p.conns) * weight_b as u64 != u64::from(conns_b) * p.weight as u64 {
                    continue;
                }
                total += p.accumulate();
                if p.current_weight > self.peers[b].current_weight {
                    b = i;
                }
            }
            self.peers[b].current_weight -= total;
        }
        // Without ties NGINX subtracts a zero total: current_weight is unchanged.
        self.peers[b].touch(now_s);
        Some(b)
    }

    /// `least_conn`: least `conns/weight` (cross-multiplied), ties by smooth WRR among the tied
    /// peers only; then backups; `None` = 502.
    pub fn pick_least_conn(&mut self, now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        if self.single {
            return self.pick_single(status);
        }
        let now_s = self.now_s(now_ns);
        self.least_conn_group(false, now_s, status).or_else(|| self.least_conn_group(true, now_s, status))
    }

    /// The engine dispatched a request to `peer` (`conns++`).
    pub fn on_start(&mut self, peer: usize) {
        if let Some(p) = self.peers.get_mut(peer) {
            p.conns += 1;
        }
    }

    /// The request on `peer` ended (`ngx_http_upstream_free_round_robin_peer`): on failure
    /// `fails++`, `accessed = checked = now`, `effective_weight -= weight/max_fails` (floored at 0);
    /// on success `fails = 0` only if `accessed < checked`. `conns--` either way.
    pub fn on_finish(&mut self, peer: usize, outcome: PeerOutcome, now_ns: u64) {
        let now_s = self.now_s(now_ns);
        let single = self.single;
        let Some(p) = self.peers.get_mut(peer) else {
            return;
        };
        p.conns = p.conns.saturating_sub(1);
        if single {
            return;
        }
        match outcome {
            PeerOutcome::Failure => {
                p.fails += 1;
                p.accessed_s = now_s;
                p.checked_s = now_s;
                if p.max_fails != 0 {
                    p.effective_weight -= p.weight / i64::from(p.max_fails);
                }
                p.effective_weight = p.effective_weight.max(0);
            }
            PeerOutcome::Success => {
                if p.accessed_s < p.checked_s {
                    p.fails = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NS_PER_S;

    fn up(weights: &[u32]) -> NginxUpstream {
        let servers: Vec<_> = weights.iter().map(|&w| NginxServer::new(w)).collect();
        NginxUpstream::new(&servers, 0).unwrap()
    }

    fn all(n: usize) -> Vec<PeerStatus> {
        vec![PeerStatus::USABLE; n]
    }

    #[test]
    fn swrr_weights_5_1_1_give_a_a_b_a_c_a_a() {
        let mut u = up(&[5, 1, 1]);
        let st = all(3);
        let got: Vec<_> = (0..7).map(|_| u.pick_round_robin(0, &st).unwrap()).collect();
        assert_eq!(got, [0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn swrr_first_in_list_wins_ties() {
        let mut u = up(&[1, 1]);
        let st = all(2);
        let got: Vec<_> = (0..4).map(|_| u.pick_round_robin(0, &st).unwrap()).collect();
        assert_eq!(got, [0, 1, 0, 1]);
    }

    #[test]
    fn failure_lowers_effective_weight_which_recovers_by_one_per_selection() {
        let mut s = NginxServer::new(4);
        s.max_fails = 2;
        let mut u = NginxUpstream::new(&[s, NginxServer::new(1)], 0).unwrap();
        u.on_start(0);
        u.on_finish(0, PeerOutcome::Failure, 0);
        assert_eq!(u.peer_weights(0), Some((0, 2, 1)));
        u.pick_round_robin(0, &all(2));
        assert_eq!(u.peer_weights(0).unwrap().1, 3);
    }

    #[test]
    fn failed_peer_is_excluded_while_now_minus_checked_at_most_fail_timeout() {
        let mut u = up(&[1, 1]); // max_fails 1, fail_timeout 10 s
        let st = all(2);
        u.on_finish(0, PeerOutcome::Failure, 100 * S + 900_000_000); // checked = 100 s
        for t in [101, 105, 110] {
            assert_eq!(u.pick_round_robin(t * S, &st), Some(1), "t={t}");
        }
        // At 111 s: 111 - 100 > 10: one probe is let through and re-arms `checked`.
        let mut picks = vec![];
        for _ in 0..4 {
            picks.push(u.pick_round_robin(111 * S, &st).unwrap());
        }
        assert_eq!(picks.iter().filter(|&&p| p == 0).count(), 1, "{picks:?}");
        // The probe succeeds: accessed (100) < checked (111) => fails reset.
        u.on_finish(0, PeerOutcome::Success, 111 * S);
        assert_eq!(u.peer_weights(0).unwrap().2, 0);
    }

    #[test]
    fn fails_are_not_a_sliding_window() {
        let mut s = NginxServer::new(1);
        s.max_fails = 2;
        let mut u = NginxUpstream::new(&[s.clone(), s], 0).unwrap();
        let st = all(2);
        u.on_finish(0, PeerOutcome::Failure, 10 * S);
        // Successes within fail_timeout of the failure do not reset `fails`.
        u.pick_round_robin(13 * S, &st);
        u.on_finish(0, PeerOutcome::Success, 13 * S);
        assert_eq!(u.peer_weights(0).unwrap().2, 1);
        u.on_finish(0, PeerOutcome::Failure, 16 * S);
        assert_eq!(u.peer_weights(0).unwrap().2, 2);
        assert_eq!(u.pick_round_robin(17 * S, &st), Some(1));
        assert_eq!(u.pick_round_robin(17 * S, &st), Some(1));
    }

    #[test]
    fn no_live_upstreams_without_backup_and_backup_takes_over() {
        let mut u = up(&[1, 1]);
        let mut st = all(2);
        st[0].down = true;
        st[1].tried = true;
        assert_eq!(u.pick_round_robin(0, &st), None);
        assert_eq!(NginxUpstream::NO_LIVE_UPSTREAMS, 502);
        let mut b = NginxServer::new(1);
        b.backup = true;
        let mut u = NginxUpstream::new(&[NginxServer::new(1), NginxServer::new(1), b], 0).unwrap();
        let mut st = all(3);
        st[0].down = true;
        st[1].down = true;
        assert_eq!(u.pick_round_robin(0, &st), Some(2));
    }

    #[test]
    fn single_server_ignores_max_fails() {
        let mut u = up(&[1]);
        u.on_finish(0, PeerOutcome::Failure, 0);
        u.on_finish(0, PeerOutcome::Failure, 0);
        assert_eq!(u.pick_round_robin(0, &all(1)), Some(0));
        let mut st = all(1);
        st[0].down = true;
        assert_eq!(u.pick_round_robin(0, &st), None);
    }

    #[test]
    fn least_conn_compares_by_cross_multiplication() {
        let mut u = up(&[3, 1]);
        let st = all(2);
        for _ in 0..3 {
            u.on_start(0);
        }
        u.on_start(1);
        // 3/3 == 1/1: tie => SWRR among tied, from the first tied: weight 3 wins.
        assert_eq!(u.pick_least_conn(0, &st), Some(0));
        u.on_start(0);
        // 4/3 > 1/1.
        assert_eq!(u.pick_least_conn(0, &st), Some(1));
    }

    #[test]
    fn least_conn_idle_peers_tie_and_rotate_by_swrr_among_tied_only() {
        let mut u = up(&[1, 2, 1]);
        u.on_start(0);
        let st = all(3);
        // Peers 1 and 2 tie at 0 conns; SWRR over {1 (w2), 2 (w1)}: 1, 2, 1, 1, 2, 1.
        let got: Vec<_> = (0..6).map(|_| u.pick_least_conn(0, &st).unwrap()).collect();
        assert_eq!(got, [1, 2, 1, 1, 2, 1]);
        assert_eq!(u.peer_weights(0).unwrap().0, 0, "untied peer keeps its current_weight");
    }

    #[test]
    fn upstream_validation() {
        assert!(NginxUpstream::new(&[NginxServer::new(0)], 0).is_err());
        let mut b = NginxServer::new(1);
        b.backup = true;
        assert!(NginxUpstream::new(&[b], 0).is_err());
    }
}
