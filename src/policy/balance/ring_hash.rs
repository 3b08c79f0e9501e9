//! Envoy ring hash (ketama): Envoy 1.40 behaviour (`load_balancing_policies/ring_hash/
//! ring_hash_lb.cc` fn `Ring::Ring` and `chooseHost`).
//!
//! Entries per host = `scale * normalized_weight` accumulated (`current_hashes < target_hashes`),
//! `scale = min(ceil(min_w * min_ring_size) / min_w, max_ring_size)`; each entry hashes
//! `"<address>_<i>"` with xxHash64 (Envoy's default; MurmurHash2 is not implemented); sorted; lookup
//! takes the first entry with hash >= the request hash, wrapping. The ring is built over the healthy
//! hosts and rebuilt when the healthy set changes (`PeerStatus::down`), as Envoy rebuilds it on host
//! set updates.

use super::super::PolicyError;
use super::PeerStatus;
use super::xxhash::xxh64;

/// A ring over named hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingHash {
    names: Vec<String>,
    weights: Vec<u32>,
    healthy: Vec<bool>,
    min_ring_size: u64,
    max_ring_size: u64,
    ring: Vec<(u64, u32)>,
}

impl RingHash {
    /// `names[i]` is host i's address (`ip:port`); `minimum_ring_size` default 1024,
    /// `maximum_ring_size` default 8,388,608.
    pub fn new(names: &[&str], weights: &[u32], min_ring_size: u64, max_ring_size: u64) -> Result<Self, PolicyError> {
        if names.is_empty() || names.len() != weights.len() {
            return Err(PolicyError::Invalid {
                param: "hosts",
                reason: "one name and weight per host, at least one host",
            });
        }
        if weights.contains(&0) {
            return Err(PolicyError::Zero { param: "load_balancing_weight" });
        }
        if min_ring_size == 0 || min_ring_size > max_ring_size {
            return Err(PolicyError::Invalid {
                param: "minimum_ring_size",
                reason: "must be > 0 and <= maximum_ring_size",
            });
        }
        let mut r = Self {
            names: names.iter().map(|s| s.to_string()).collect(),
            weights: weights.to_vec(),
            healthy: vec![true; names.len()],
            min_ring_size,
            max_ring_size,
            ring: Vec::new(),
        };
        r.build();
        Ok(r)
    }

    fn build(&mut self) {
        self.ring.clear();
        let total: f64 = self.weights.iter().zip(&self.healthy).filter(|&(_, &h)| h).map(|(&w, _)| f64::from(w)).sum();
        if total == 0.0 {
            return;
        }
        let min_w = self
            .weights
            .iter()
            .zip(&self.healthy)
            .filter(|&(_, &h)| h)
            .map(|(&w, _)| f64::from(w) / total)
            .fold(f64::INFINITY, f64::min);
        let scale = ((min_w * self.min_ring_size as f64).ceil() / min_w).min(self.max_ring_size as f64);
        let mut current = 0.0f64;
        let mut target = 0.0f64;
        let mut key = String::new();
        for i in 0..self.names.len() {
            if !self.healthy[i] {
                continue;
            }
            target += scale * f64::from(self.weights[i]) / total;
            let mut j = 0u64;
            while current < target {
                key.clear();
                key.push_str(&self.names[i]);
                key.push('_');
                key.push_str(&j.to_string());
                self.ring.push((xxh64(key.as_bytes(), 0), i as u32));
                j += 1;
                current += 1.0;
            }
        }
        self.ring.sort_by_key(|&(h, _)| h);
    }

    /// Number of ring entries.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether the ring is empty (no healthy host).
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// The host for a request hash (e.g. xxHash64 of a header value).
    pub fn pick(&mut self, hash: u64, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        if super::sync_healthy(&mut self.healthy, status) {
            self.build();
        }
        if self.ring.is_empty() {
            return None;
        }
        let k = self.ring.partition_point(|&(h, _)| h < hash);
        Some(self.ring[k % self.ring.len()].1 as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_size_follows_scale_and_weights() {
        let r = RingHash::new(&["a:1", "b:1", "c:1"], &[1, 1, 2], 1024, 8_388_608).unwrap();
        // min normalized weight 0.25: scale = ceil(256)/0.25 = 1024 => 256 + 256 + 512.
        assert_eq!(r.len(), 1024);
        let r = RingHash::new(&["a:1", "b:1", "c:1"], &[1, 1, 1], 1024, 8_388_608).unwrap();
        // 1/3: ceil(341.33) = 342 / (1/3) = 1026 entries.
        assert_eq!(r.len(), 1026);
    }

    #[test]
    fn ring_lookup_takes_first_entry_at_or_after_hash_and_wraps() {
        let mut r = RingHash::new(&["a:1", "b:1"], &[1, 1], 16, 1024).unwrap();
        let st = vec![PeerStatus::USABLE; 2];
        let (h0, p0) = r.ring[0];
        assert_eq!(r.pick(h0, 0, &st), Some(p0 as usize));
        let (hl, _) = *r.ring.last().unwrap();
        assert_eq!(r.pick(hl + 1, 0, &st), Some(p0 as usize));
        assert_eq!(r.ring[0].0, r.ring.iter().map(|e| e.0).min().unwrap());
        let first_a = xxh64(b"a:1_0", 0);
        assert!(r.ring.contains(&(first_a, 0)));
    }

    #[test]
    fn ring_is_rebuilt_without_down_hosts() {
        let mut r = RingHash::new(&["a:1", "b:1"], &[1, 1], 16, 1024).unwrap();
        let mut st = vec![PeerStatus::USABLE; 2];
        st[0].down = true;
        for h in [0, u64::MAX / 3, u64::MAX] {
            assert_eq!(r.pick(h, 0, &st), Some(1));
        }
    }
}
