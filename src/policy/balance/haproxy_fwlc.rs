//! HAProxy `balance leastconn` (fwlc): HAProxy 2.6 behaviour (read at v2.6.0; tie-breaking changed in
//! 3.2, which this does not follow).
//!
//! Re-derived from `src/lb_fwlc.c` fns `fwlc_queue_srv`, `fwlc_srv_reposition` (key unchanged: the
//! server keeps its place), `fwlc_set_server_status_up/down`, `fwlc_get_next_server` (first server in
//! key order that is not saturated; `srvtoavoid` only as a last resort). Key = 0 with nothing in flight,
//! else `(inflight + 1) * SRV_EWGHT_MAX / eweight` with `eweight = weight * 16`, `SRV_EWGHT_MAX = 4096`.
//! Equal keys are FIFO by (re)insertion. In-flight = served + queued: the engine calls
//! [`HaproxyLeastConn::on_start`]/[`HaproxyLeastConn::on_finish`] (HAProxy's take/drop hooks).

use super::super::PolicyError;
use super::{PeerStatus, status_of};

const SRV_EWGHT_MAX: u64 = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Srv {
    eweight: u64,
    inflight: u32,
    key: u64,
    seq: u64,
    up: bool,
}

/// fwlc state of one backend's active servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyLeastConn {
    srv: Vec<Srv>,
    seq: u64,
}

impl HaproxyLeastConn {
    /// Servers with user weights 1..=256, all up and idle, queued in config order.
    pub fn new(weights: &[u32]) -> Result<Self, PolicyError> {
        super::check_haproxy_weights(weights)?;
        let srv = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| Srv { eweight: u64::from(w) * 16, inflight: 0, key: 0, seq: i as u64 + 1, up: true })
            .collect::<Vec<_>>();
        let seq = srv.len() as u64;
        Ok(Self { srv, seq })
    }

    fn key_of(s: &Srv) -> u64 {
        if s.inflight == 0 { 0 } else { (u64::from(s.inflight) + 1) * SRV_EWGHT_MAX / s.eweight }
    }

    /// `fwlc_srv_reposition`: re-inserted (new FIFO position) only if the key changed.
    fn reposition(&mut self, i: usize) {
        let new_key = Self::key_of(&self.srv[i]);
        if self.srv[i].key != new_key {
            self.seq += 1;
            self.srv[i].key = new_key;
            self.srv[i].seq = self.seq;
        }
    }

    /// Current tree key of a server.
    pub fn key(&self, peer: usize) -> Option<u64> {
        self.srv.get(peer).map(|s| s.key)
    }

    /// A request was assigned to `peer` (served or queued on it).
    pub fn on_start(&mut self, peer: usize) {
        if peer < self.srv.len() {
            self.srv[peer].inflight += 1;
            self.reposition(peer);
        }
    }

    /// A request on `peer` ended.
    pub fn on_finish(&mut self, peer: usize) {
        if peer < self.srv.len() {
            self.srv[peer].inflight = self.srv[peer].inflight.saturating_sub(1);
            self.reposition(peer);
        }
    }

    /// `fwlc_set_server_status_down`.
    pub fn set_down(&mut self, peer: usize) {
        if let Some(s) = self.srv.get_mut(peer) {
            s.up = false;
        }
    }

    /// `fwlc_set_server_status_up`: queued again at the end of its key's list.
    pub fn set_up(&mut self, peer: usize) {
        if peer < self.srv.len() && !self.srv[peer].up {
            self.seq += 1;
            let s = &mut self.srv[peer];
            s.up = true;
            s.key = Self::key_of(s);
            s.seq = self.seq;
        }
    }

    /// `fwlc_get_next_server`. `down` is synchronised with `set_down`/`set_up` first.
    pub fn pick(&mut self, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        for i in 0..self.srv.len() {
            let down = status_of(status, i).down;
            if down && self.srv[i].up {
                self.set_down(i);
            } else if !down && !self.srv[i].up {
                self.set_up(i);
            }
        }
        let mut best: Option<usize> = None;
        let mut avoided: Option<usize> = None;
        for (i, s) in self.srv.iter().enumerate() {
            let st = status_of(status, i);
            if !s.up || st.full {
                continue;
            }
            let slot = if st.tried { &mut avoided } else { &mut best };
            if slot.is_none_or(|b| (s.key, s.seq) < (self.srv[b].key, self.srv[b].seq)) {
                *slot = Some(i);
            }
        }
        best.or(avoided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fwlc_key_is_zero_when_idle_else_scaled_by_eweight() {
        let mut lb = HaproxyLeastConn::new(&[1, 4]).unwrap();
        lb.on_start(0);
        lb.on_start(1);
        assert_eq!(lb.key(0), Some(2 * 4096 / 16));
        assert_eq!(lb.key(1), Some(2 * 4096 / 64));
        lb.on_finish(0);
        assert_eq!(lb.key(0), Some(0));
    }

    #[test]
    fn fwlc_idle_servers_tie_whatever_their_weight_fifo_by_reinsertion() {
        let mut lb = HaproxyLeastConn::new(&[1, 10, 1]).unwrap();
        let st = vec![PeerStatus::USABLE; 3];
        assert_eq!(lb.pick(0, &st), Some(0));
        lb.on_start(0);
        assert_eq!(lb.pick(0, &st), Some(1));
        lb.on_start(1);
        assert_eq!(lb.pick(0, &st), Some(2));
        lb.on_start(2);
        // Finishing in order 2, 0: 2 was re-inserted at key 0 first, so it wins the tie.
        lb.on_finish(2);
        lb.on_finish(0);
        assert_eq!(lb.pick(0, &st), Some(2));
    }

    #[test]
    fn fwlc_server_whose_key_does_not_change_keeps_its_place() {
        // weight 256: eweight 4096; keys (n+1) for n in flight. Two servers both at key 3.
        let mut lb = HaproxyLeastConn::new(&[256, 256]).unwrap();
        lb.on_start(1);
        lb.on_start(1);
        lb.on_start(0);
        lb.on_start(0);
        assert_eq!((lb.key(0), lb.key(1)), (Some(3), Some(3)));
        let st = vec![PeerStatus::USABLE; 2];
        assert_eq!(lb.pick(0, &st), Some(1));
        // A repositioning with an unchanged key does not move server 1 behind server 0.
        lb.reposition(1);
        assert_eq!(lb.pick(0, &st), Some(1));
    }

    #[test]
    fn fwlc_skips_full_and_uses_avoided_only_as_last_resort() {
        let mut lb = HaproxyLeastConn::new(&[1, 1]).unwrap();
        let mut st = vec![PeerStatus::USABLE; 2];
        st[0].tried = true;
        assert_eq!(lb.pick(0, &st), Some(1));
        st[1].full = true;
        assert_eq!(lb.pick(0, &st), Some(0));
        st[0].down = true;
        assert_eq!(lb.pick(0, &st), None);
    }
}
