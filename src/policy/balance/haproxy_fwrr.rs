//! HAProxy `balance roundrobin` = fast weighted round robin (fwrr): HAProxy 2.6 behaviour (read at
//! v2.6.0), active servers only.
//!
//! Re-derived from `src/lb_fwrr.c` fns `fwrr_get_next_server`, `fwrr_get_server_from_group`,
//! `fwrr_update_position`, `fwrr_queue_srv`, `fwrr_queue_by_weight`, `fwrr_switch_trees`,
//! `fwrr_set_server_status_down` (the weight leaves `next_weight`, not the current round) and
//! `fwrr_set_server_status_up` (requeued at `curr_pos + (next_weight + curr_weight - curr_pos) /
//! eweight`). Effective weights are `weight * BE_WEIGHT_SCALE` (16); `SRV_EWGHT_MAX` = 4096. The eb32
//! trees are modelled as keys plus an insertion counter (duplicates are FIFO in ebtrees). This is not
//! smooth WRR: weights 3/2/1 give `r0 r1 r0 r2 r0 r1`.
//!
//! `PeerStatus::down` is synchronised with [`HaproxyRoundRobin::set_up`]/[`set_down`]
//! (in peer order) before each pick; `full` servers are skipped and requeued (saturated);
//! `tried` plays `srvtoavoid`, which HAProxy applies to one server (the previous one).
//!
//! [`set_down`]: HaproxyRoundRobin::set_down

use super::super::PolicyError;
use super::{PeerStatus, status_of};

const BE_WEIGHT_SCALE: i64 = 16;
const SRV_EWGHT_MAX: i64 = 256 * BE_WEIGHT_SCALE;
const SRV_UWGHT_RANGE: i64 = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tree {
    None,
    T0,
    T1,
    Curr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Srv {
    eweight: i64,
    npos: i64,
    lpos: i64,
    rweight: i64,
    tree: Tree,
    key: i64,
    seq: u64,
    up: bool,
}

/// fwrr state of one backend's active group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyRoundRobin {
    srv: Vec<Srv>,
    curr_pos: i64,
    curr_weight: i64,
    next_weight: i64,
    /// Which of T0/T1 is the "init" tree (the other is "next").
    init_is_t0: bool,
    seq: u64,
}

impl HaproxyRoundRobin {
    /// Servers with user weights 1..=256, all up. Errors: no server, weight outside 1..=256.
    pub fn new(weights: &[u32]) -> Result<Self, PolicyError> {
        super::check_haproxy_weights(weights)?;
        let srv: Vec<Srv> = weights
            .iter()
            .map(|&w| Srv {
                eweight: i64::from(w) * BE_WEIGHT_SCALE,
                npos: 0,
                lpos: 0,
                rweight: 0,
                tree: Tree::None,
                key: 0,
                seq: 0,
                up: true,
            })
            .collect();
        let total: i64 = srv.iter().map(|s| s.eweight).sum();
        let mut lb = Self { srv, curr_pos: total, curr_weight: total, next_weight: total, init_is_t0: true, seq: 0 };
        for i in 0..lb.srv.len() {
            lb.queue_by_weight(i, Tree::T0);
        }
        Ok(lb)
    }

    fn init_tree(&self) -> Tree {
        if self.init_is_t0 { Tree::T0 } else { Tree::T1 }
    }

    fn next_tree(&self) -> Tree {
        if self.init_is_t0 { Tree::T1 } else { Tree::T0 }
    }

    fn insert(&mut self, i: usize, tree: Tree, key: i64) {
        self.seq += 1;
        let s = &mut self.srv[i];
        s.tree = tree;
        s.key = key;
        s.seq = self.seq;
    }

    /// `fwrr_queue_by_weight`: heavy servers first.
    fn queue_by_weight(&mut self, i: usize, tree: Tree) {
        let key = SRV_EWGHT_MAX - self.srv[i].eweight;
        self.insert(i, tree, key);
    }

    fn first(&self, tree: Tree) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, s) in self.srv.iter().enumerate() {
            if s.tree == tree && best.is_none_or(|b| (s.key, s.seq) < (self.srv[b].key, self.srv[b].seq)) {
                best = Some(i);
            }
        }
        best
    }

    /// `fwrr_queue_srv`.
    fn queue_srv(&mut self, i: usize) {
        let s = self.srv[i];
        if !s.up {
            self.srv[i].tree = Tree::None;
        } else if s.eweight <= 0 || s.npos >= 2 * self.curr_weight || s.npos >= self.curr_weight + self.next_weight {
            self.srv[i].npos -= self.curr_weight;
            let next = self.next_tree();
            self.queue_by_weight(i, next);
        } else {
            let key = SRV_UWGHT_RANGE * s.npos + (SRV_EWGHT_MAX + s.rweight - s.eweight) / BE_WEIGHT_SCALE;
            self.insert(i, Tree::Curr, key);
        }
    }

    /// `fwrr_get_server_from_group`.
    fn server_from_group(&mut self) -> Option<usize> {
        let s1 = self.first(Tree::Curr);
        if let Some(a) = s1
            && self.srv[a].npos <= self.curr_pos
        {
            return Some(a);
        }
        if let Some(b) = self.first(self.init_tree()) {
            self.srv[b].npos = 0;
            self.srv[b].rweight = 0;
            return Some(b);
        }
        s1
    }

    /// `fwrr_update_position`.
    fn update_position(&mut self, i: usize) {
        let (curr_pos, next_weight) = (self.curr_pos, self.next_weight);
        let s = &mut self.srv[i];
        if s.npos == 0 {
            s.npos = curr_pos;
        }
        s.lpos = s.npos;
        s.npos += next_weight / s.eweight;
        s.rweight += next_weight % s.eweight;
        if s.rweight >= s.eweight {
            s.rweight -= s.eweight;
            s.npos += 1;
        }
    }

    /// `fwrr_set_server_status_down`.
    pub fn set_down(&mut self, peer: usize) {
        if peer >= self.srv.len() || !self.srv[peer].up {
            return;
        }
        self.next_weight -= self.srv[peer].eweight;
        let s = &mut self.srv[peer];
        s.up = false;
        s.tree = Tree::None;
    }

    /// `fwrr_set_server_status_up`.
    pub fn set_up(&mut self, peer: usize) {
        if peer >= self.srv.len() || self.srv[peer].up {
            return;
        }
        self.next_weight += self.srv[peer].eweight;
        let s = &mut self.srv[peer];
        s.up = true;
        s.npos = self.curr_pos + (self.next_weight + self.curr_weight - self.curr_pos) / s.eweight;
        self.queue_srv(peer);
    }

    /// `fwrr_get_next_server`: the next server, or `None` when no server is up (or all are full).
    pub fn pick(&mut self, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        for i in 0..self.srv.len() {
            let down = status_of(status, i).down;
            if down && self.srv[i].up {
                self.set_down(i);
            } else if !down && !self.srv[i].up {
                self.set_up(i);
            }
        }
        if self.next_weight == 0 && self.srv.iter().all(|s| !s.up) {
            return None;
        }
        let mut switched = false;
        let mut avoided: Option<usize> = None;
        // Saturated/avoided servers extracted during this pick, as a bitmask (<= 64 peers) plus a
        // fallback scan for larger groups.
        let mut full: u64 = 0;
        let mut full_overflow = false;
        let chosen = loop {
            if self.curr_weight == 0 {
                self.curr_pos = self.next_weight;
                self.curr_weight = self.next_weight;
            }
            let srv = loop {
                if let Some(s) = self.server_from_group() {
                    break Some(s);
                }
                if switched {
                    break None;
                }
                switched = true;
                self.init_is_t0 = !self.init_is_t0;
                self.curr_weight = self.next_weight;
                self.curr_pos = self.curr_weight;
            };
            let Some(srv) = srv else {
                break avoided;
            };
            self.update_position(srv);
            self.srv[srv].tree = Tree::None;
            self.curr_pos += 1;
            let st = status_of(status, srv);
            if !st.full {
                if !st.tried || avoided.is_some() {
                    break Some(srv);
                }
                avoided = Some(srv);
            }
            if srv < 64 {
                full |= 1 << srv;
            } else {
                full_overflow = true;
            }
        };
        if let Some(c) = chosen {
            self.queue_srv(c);
        }
        // Requeue the extracted servers (all except the chosen one).
        for i in 0..self.srv.len() {
            let extracted = if i < 64 {
                full & (1 << i) != 0
            } else {
                full_overflow && self.srv[i].up && self.srv[i].tree == Tree::None
            };
            if !extracted || Some(i) == chosen {
                continue;
            }
            if switched {
                let init = self.init_tree();
                self.queue_by_weight(i, init);
            } else {
                self.queue_srv(i);
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(weights: &[u32], n: usize) -> Vec<usize> {
        let mut lb = HaproxyRoundRobin::new(weights).unwrap();
        let st = vec![PeerStatus::USABLE; weights.len()];
        (0..n).map(|_| lb.pick(0, &st).unwrap()).collect()
    }

    #[test]
    fn fwrr_weights_3_2_1_give_r0_r1_r0_r2_r0_r1() {
        assert_eq!(seq(&[3, 2, 1], 12), [0, 1, 0, 2, 0, 1, 0, 1, 0, 2, 0, 1]);
    }

    #[test]
    fn fwrr_weights_1_5_1_give_p1_p1_p1_p0_p1_p1_p2() {
        assert_eq!(seq(&[1, 5, 1], 7), [1, 1, 1, 0, 1, 1, 2]);
    }

    #[test]
    fn fwrr_equal_weights_rotate_in_config_order() {
        assert_eq!(seq(&[1, 1, 1], 6), [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn fwrr_keeps_proportions_over_many_rounds() {
        let got = seq(&[3, 2, 1], 600);
        let count = |p| got.iter().filter(|&&x| x == p).count();
        assert_eq!((count(0), count(1), count(2)), (300, 200, 100));
    }

    #[test]
    fn fwrr_down_server_leaves_next_weight_and_comes_back_requeued() {
        let mut lb = HaproxyRoundRobin::new(&[1, 1, 1]).unwrap();
        let mut st = vec![PeerStatus::USABLE; 3];
        assert_eq!(lb.pick(0, &st), Some(0));
        st[1].down = true;
        lb.set_down(1);
        assert_eq!(lb.next_weight, 32);
        assert_eq!(lb.curr_weight, 48, "the current round keeps its weight");
        let got: Vec<_> = (0..4).map(|_| lb.pick(0, &st).unwrap()).collect();
        assert!(!got.contains(&1));
        let (pos, cw, nw) = (lb.curr_pos, lb.curr_weight, lb.next_weight + 16);
        lb.set_up(1);
        st[1].down = false;
        let s = lb.srv[1];
        let npos = pos + (nw + cw - pos) / 16;
        if npos >= 2 * cw || npos >= cw + nw {
            assert_eq!((s.npos, s.tree), (npos - cw, lb.next_tree()));
        } else {
            assert_eq!((s.npos, s.tree), (npos, Tree::Curr));
        }
        let got: Vec<_> = (0..6).map(|_| lb.pick(0, &st).unwrap()).collect();
        assert!(got.contains(&1), "{got:?}");
    }

    #[test]
    fn fwrr_skips_full_servers_and_returns_none_when_all_full_or_down() {
        let mut lb = HaproxyRoundRobin::new(&[1, 1]).unwrap();
        let mut st = vec![PeerStatus::USABLE; 2];
        st[0].full = true;
        for _ in 0..3 {
            assert_eq!(lb.pick(0, &st), Some(1));
        }
        st[1].full = true;
        assert_eq!(lb.pick(0, &st), None);
        let st = vec![PeerStatus { down: true, ..PeerStatus::USABLE }; 2];
        assert_eq!(lb.pick(0, &st), None);
    }

    #[test]
    fn fwrr_avoids_the_tried_server_unless_it_is_the_only_one() {
        let mut lb = HaproxyRoundRobin::new(&[1, 1]).unwrap();
        let mut st = vec![PeerStatus::USABLE; 2];
        st[0].tried = true;
        assert_eq!(lb.pick(0, &st), Some(1));
        let mut lb = HaproxyRoundRobin::new(&[1]).unwrap();
        let st = vec![PeerStatus { tried: true, ..PeerStatus::USABLE }];
        assert_eq!(lb.pick(0, &st), Some(0));
    }
}
