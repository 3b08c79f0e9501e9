//! HAProxy `balance first` and `balance source` (map-based hashing): HAProxy 2.6 behaviour.
//!
//! `first`: `src/lb_fas.c` fn `fas_get_next_server`: the lowest server id (config order) that is not
//! saturated, ignoring weights; the avoided server only as a last resort.
//! `source`: `src/backend.c` fn `get_server_sh` (XOR of the address's 32-bit big-endian words, no
//! avalanche with the default `hash-type map-based`; no hashing with a single usable server) and
//! `src/lb_map.c` fns `init_server_map` (weights divided by their GCD) and `recalc_server_map` (a table
//! of `tot_weight` slots filled by the largest `(wscore + tot)/tot`, first server on ties), looked up at
//! `hash % tot_weight` (fn `map_get_server_hash`). The table covers the running servers only, so a
//! server going down or up remaps many clients.

use super::super::PolicyError;
use super::{PeerStatus, status_of};

/// `balance first`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyFirst {
    n: usize,
}

impl HaproxyFirst {
    /// `n` servers in id order. Errors: `n == 0`.
    pub fn new(n: usize) -> Result<Self, PolicyError> {
        if n == 0 {
            return Err(PolicyError::Zero { param: "servers" });
        }
        Ok(Self { n })
    }

    /// Lowest-id usable server with a free slot (`full` = no free `maxconn` slot).
    pub fn pick(&self, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        let mut avoided = None;
        for i in 0..self.n {
            let st = status_of(status, i);
            if st.down || st.full {
                continue;
            }
            if !st.tried {
                return Some(i);
            }
            avoided = avoided.or(Some(i));
        }
        avoided
    }
}

/// `balance source` with the default map-based hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxySource {
    eweight: Vec<u64>,
    up: Vec<bool>,
    map: Vec<u32>,
    wscore: Vec<i64>,
}

impl HaproxySource {
    /// Servers with user weights 1..=256, all up.
    pub fn new(weights: &[u32]) -> Result<Self, PolicyError> {
        super::check_haproxy_weights(weights)?;
        let gcd = weights.iter().fold(0u32, |a, &b| gcd(a, b)).max(1);
        let eweight: Vec<u64> = weights.iter().map(|&w| u64::from(w.div_ceil(gcd))).collect();
        let cap = eweight.iter().sum::<u64>() as usize;
        let mut s = Self {
            up: vec![true; weights.len()],
            wscore: vec![0; weights.len()],
            map: Vec::with_capacity(cap),
            eweight,
        };
        s.recalc();
        Ok(s)
    }

    /// `recalc_server_map`.
    fn recalc(&mut self) {
        let tot: i64 = self.eweight.iter().zip(&self.up).filter(|&(_, &up)| up).map(|(&w, _)| w as i64).sum();
        self.map.clear();
        self.wscore.iter_mut().for_each(|w| *w = 0);
        for _ in 0..tot {
            let mut best: Option<usize> = None;
            let mut max = 0;
            for i in 0..self.eweight.len() {
                if !self.up[i] {
                    continue;
                }
                if tot == 1 {
                    best = Some(i);
                    break;
                }
                self.wscore[i] += self.eweight[i] as i64;
                let v = (self.wscore[i] + tot) / tot;
                if best.is_none() || v > max {
                    max = v;
                    best = Some(i);
                }
            }
            if let Some(b) = best {
                self.map.push(b as u32);
                self.wscore[b] -= tot;
            }
        }
    }

    /// Marks a server down or up and rebuilds the map (no allocation: the map's capacity is fixed).
    pub fn set_up(&mut self, peer: usize, up: bool) {
        if peer < self.up.len() && self.up[peer] != up {
            self.up[peer] = up;
            self.recalc();
        }
    }

    /// Picks for a client address (4 bytes IPv4 or 16 bytes IPv6). `down` is synchronised first.
    pub fn pick(&mut self, addr: &[u8], _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        let mut changed = false;
        for i in 0..self.up.len() {
            let up = !status_of(status, i).down;
            if self.up[i] != up {
                self.up[i] = up;
                changed = true;
            }
        }
        if changed {
            self.recalc();
        }
        if self.map.is_empty() {
            return None;
        }
        let used = self.up.iter().filter(|&&u| u).count();
        let mut h: u32 = 0;
        if used > 1 {
            for w in addr.chunks_exact(4) {
                h ^= u32::from_be_bytes([w[0], w[1], w[2], w[3]]);
            }
        }
        Some(self.map[(h as usize) % self.map.len()] as usize)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_takes_the_lowest_id_with_a_free_slot() {
        let f = HaproxyFirst::new(3).unwrap();
        let mut st = vec![PeerStatus::USABLE; 3];
        assert_eq!(f.pick(0, &st), Some(0));
        st[0].full = true;
        assert_eq!(f.pick(0, &st), Some(1));
        st[1].tried = true;
        assert_eq!(f.pick(0, &st), Some(2));
    }

    #[test]
    fn source_map_spreads_weights_and_gives_the_first_server_priority() {
        let s = HaproxySource::new(&[2, 4, 2]).unwrap(); // gcd 2 => 1, 2, 1
        assert_eq!(s.map, [0, 1, 1, 2]);
    }

    #[test]
    fn source_hashes_the_address_modulo_total_weight_and_remaps_on_down() {
        let mut s = HaproxySource::new(&[1, 1, 1]).unwrap();
        let st = vec![PeerStatus::USABLE; 3];
        let addr = [10, 0, 0, 7];
        let h = u32::from_be_bytes(addr);
        assert_eq!(s.pick(&addr, 0, &st), Some(s.map[(h % 3) as usize] as usize));
        let mut st2 = st.clone();
        st2[0].down = true;
        let got = s.pick(&addr, 0, &st2).unwrap();
        assert_eq!(got, s.map[(h % 2) as usize] as usize);
        assert_ne!(got, 0);
    }
}
