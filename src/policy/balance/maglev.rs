//! Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
//! Balancer", NSDI 2016, section 3.4) with Envoy's weighting (`load_balancing_policies/maglev/
//! maglev_lb.cc`): table size prime (default 65537); per host `offset = xxHash64(name, 0) % M`,
//! `skip = xxHash64(name, 1) % (M - 1) + 1`, permutation `(offset + j*skip) % M`; hosts take turns
//! claiming their next free preferred slot, a host of normalized weight w taking a turn whenever
//! `w * iteration >= target` (target grows by the largest normalized weight per turn). Built over the
//! healthy hosts, rebuilt when that set changes.

use super::super::PolicyError;
use super::PeerStatus;
use super::xxhash::xxh64;

/// A Maglev lookup table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Maglev {
    offset: Vec<u64>,
    skip: Vec<u64>,
    weights: Vec<u32>,
    healthy: Vec<bool>,
    table: Vec<u32>,
    next: Vec<u64>,
}

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

impl Maglev {
    /// Envoy's default table size.
    pub const DEFAULT_TABLE_SIZE: u64 = 65_537;

    /// Errors: table size not prime, empty hosts, zero weight.
    pub fn new(names: &[&str], weights: &[u32], table_size: u64) -> Result<Self, PolicyError> {
        if !is_prime(table_size) || table_size > u64::from(u32::MAX) {
            return Err(PolicyError::Invalid { param: "table_size", reason: "must be a prime number" });
        }
        if names.is_empty() || names.len() != weights.len() {
            return Err(PolicyError::Invalid {
                param: "hosts",
                reason: "one name and weight per host, at least one host",
            });
        }
        if weights.contains(&0) {
            return Err(PolicyError::Zero { param: "load_balancing_weight" });
        }
        let m = table_size;
        let mut t = Self {
            offset: names.iter().map(|n| xxh64(n.as_bytes(), 0) % m).collect(),
            skip: names.iter().map(|n| xxh64(n.as_bytes(), 1) % (m - 1) + 1).collect(),
            weights: weights.to_vec(),
            healthy: vec![true; names.len()],
            table: vec![u32::MAX; m as usize],
            next: vec![0; names.len()],
        };
        t.build();
        Ok(t)
    }

    fn build(&mut self) {
        let m = self.table.len() as u64;
        self.table.iter_mut().for_each(|s| *s = u32::MAX);
        self.next.iter_mut().for_each(|n| *n = 0);
        let total: f64 = (0..self.weights.len()).filter(|&i| self.healthy[i]).map(|i| f64::from(self.weights[i])).sum();
        if total == 0.0 {
            return;
        }
        let max_w = (0..self.weights.len())
            .filter(|&i| self.healthy[i])
            .map(|i| f64::from(self.weights[i]) / total)
            .fold(0.0, f64::max);
        let mut target = vec![0.0f64; self.weights.len()];
        let mut filled = 0u64;
        let mut iteration = 1u64;
        while filled < m {
            for (i, tgt) in target.iter_mut().enumerate() {
                if filled >= m {
                    break;
                }
                if !self.healthy[i] {
                    continue;
                }
                let w = f64::from(self.weights[i]) / total;
                if w * (iteration as f64) < *tgt {
                    continue;
                }
                *tgt += max_w;
                let mut c = (self.offset[i] + self.skip[i] * self.next[i]) % m;
                while self.table[c as usize] != u32::MAX {
                    self.next[i] += 1;
                    c = (self.offset[i] + self.skip[i] * self.next[i]) % m;
                }
                self.table[c as usize] = i as u32;
                self.next[i] += 1;
                filled += 1;
            }
            iteration += 1;
        }
    }

    /// Slots owned by `peer`.
    pub fn slots_of(&self, peer: usize) -> usize {
        self.table.iter().filter(|&&s| s as usize == peer).count()
    }

    /// The host for a request hash: `table[hash % M]`.
    pub fn pick(&mut self, hash: u64, _now_ns: u64, status: &[PeerStatus]) -> Option<usize> {
        if super::sync_healthy(&mut self.healthy, status) {
            self.build();
        }
        let slot = self.table[(hash % self.table.len() as u64) as usize];
        (slot != u32::MAX).then_some(slot as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maglev_requires_a_prime_table_size() {
        assert!(Maglev::new(&["a"], &[1], 65_536).is_err());
        assert!(Maglev::new(&["a"], &[1], 7).is_ok());
    }

    #[test]
    fn maglev_splits_slots_by_weight() {
        let m = Maglev::new(&["a:1", "b:1", "c:1"], &[1, 1, 2], 4099).unwrap();
        let (a, b, c) = (m.slots_of(0), m.slots_of(1), m.slots_of(2));
        assert_eq!(a + b + c, 4099);
        assert!(a.abs_diff(1025) <= 1 && b.abs_diff(1025) <= 1 && c.abs_diff(2049) <= 1, "{a} {b} {c}");
    }

    #[test]
    fn maglev_first_slot_is_the_hosts_offset_and_removal_moves_little() {
        let names = ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"];
        let mut m = Maglev::new(&names, &[1; 4], 65_537).unwrap();
        let off0 = (xxh64(names[0].as_bytes(), 0) % 65_537) as usize;
        assert_eq!(m.table[off0], 0, "host 0 claims its offset on its first turn");
        let before = m.table.clone();
        let mut st = vec![PeerStatus::USABLE; 4];
        st[3].down = true;
        m.pick(0, 0, &st);
        let moved = before.iter().zip(&m.table).filter(|&(&b, &a)| b != 3 && b != a).count();
        assert!(moved < 65_537 / 20, "moved {moved}");
        assert!(!m.table.contains(&3));
    }
}
