//! Who was hurt: per client population, which users were active and which were impacted (one bit
//! each), the outcomes of its requests, and the same users per request path of its mix.

use super::{N_OUTCOMES, Outcome};

/// The most bits the per-path user sets of one recorder may take (active and impacted, every
/// population): 2^27 bits, 16 MiB. Populations are given per-path sets in file order while they
/// fit; a population past the budget reports no per-path figures (its whole figure stays exact).
pub const MAX_PATH_USER_BITS: u64 = 1 << 27;

/// A set of small integers, one bit each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// An empty set able to hold `0..n`.
    pub fn new(n: u32) -> BitSet {
        BitSet { words: vec![0; (n as usize).div_ceil(64)] }
    }

    /// Adds `i`, growing the set when needed.
    #[inline]
    pub fn insert(&mut self, i: u32) {
        let w = i as usize / 64;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (i % 64);
    }

    /// Whether `i` is in the set.
    pub fn contains(&self, i: u32) -> bool {
        self.words.get(i as usize / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Number of members.
    pub fn len(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }
}

/// The users of one population who sent a request for one path, and those it impacted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathUsers {
    /// The path (index into `Plan::paths`).
    pub path: u32,
    /// Users who sent a request for it (emptied by [`PopUsers::finish`]).
    pub active: BitSet,
    /// Users impacted by a request for it (emptied by [`PopUsers::finish`]).
    pub impacted: BitSet,
    /// Active users, counted by [`PopUsers::finish`] (summed over merged replicates).
    pub active_count: u64,
    /// Impacted users, counted by [`PopUsers::finish`] (summed over merged replicates).
    pub impacted_count: u64,
}

/// One population's users and requests in the summary window (see the report's definitions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PopUsers {
    /// Users who sent at least one request (emptied by [`PopUsers::finish`]).
    pub active: BitSet,
    /// Users with at least one request that impacted them (emptied by [`PopUsers::finish`]).
    pub impacted: BitSet,
    /// Active users, counted by [`PopUsers::finish`] (summed over merged replicates).
    pub active_count: u64,
    /// Impacted users, counted by [`PopUsers::finish`] (summed over merged replicates).
    pub impacted_count: u64,
    /// Its requests by outcome, indexed by `Outcome as usize`.
    pub outcomes: [u64; N_OUTCOMES],
    /// Per path of its mix, sorted by path; empty when the population has no per-path sets
    /// (see [`MAX_PATH_USER_BITS`]).
    pub paths: Vec<PathUsers>,
    /// Whether it has per-path sets.
    pub paths_tracked: bool,
}

impl PopUsers {
    /// A population of `users` users (`0`: sets that grow as users appear) sending for `paths`
    /// (`None`: no per-path sets).
    pub fn new(users: u32, paths: Option<&[u32]>) -> PopUsers {
        let mut sorted: Vec<u32> = paths.unwrap_or(&[]).to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        PopUsers {
            active: BitSet::new(users),
            impacted: BitSet::new(users),
            paths: sorted
                .into_iter()
                .map(|path| PathUsers {
                    path,
                    active: BitSet::new(users),
                    impacted: BitSet::new(users),
                    ..Default::default()
                })
                .collect(),
            paths_tracked: paths.is_some(),
            ..Default::default()
        }
    }

    /// A request of `user` for `path` got `outcome`; `impacts`: whether it impacted the user;
    /// `user` is `None` for a request without a key (counted, but nobody's).
    #[inline]
    pub fn record(&mut self, user: Option<u32>, path: u32, outcome: Outcome, impacts: bool) {
        self.outcomes[outcome as usize] += 1;
        let Some(user) = user else { return };
        self.active.insert(user);
        if impacts {
            self.impacted.insert(user);
        }
        if let Ok(k) = self.paths.binary_search_by_key(&path, |p| p.path) {
            let p = &mut self.paths[k];
            p.active.insert(user);
            if impacts {
                p.impacted.insert(user);
            }
        }
    }

    /// Turns the sets into counts and frees them, so that replicates can be merged.
    pub fn finish(&mut self) {
        self.active_count = self.active.len();
        self.impacted_count = self.impacted.len();
        self.active = BitSet::default();
        self.impacted = BitSet::default();
        for p in &mut self.paths {
            p.active_count = p.active.len();
            p.impacted_count = p.impacted.len();
            p.active = BitSet::default();
            p.impacted = BitSet::default();
        }
    }

    /// Adds another finished replicate's counts (integers: the order of merging does not matter).
    pub fn merge(&mut self, o: &PopUsers) {
        self.active_count += o.active_count;
        self.impacted_count += o.impacted_count;
        for (a, b) in self.outcomes.iter_mut().zip(o.outcomes) {
            *a += b;
        }
        for (a, b) in self.paths.iter_mut().zip(&o.paths) {
            a.active_count += b.active_count;
            a.impacted_count += b.impacted_count;
        }
    }
}

/// Which populations get per-path sets: for each population (`users`, its paths), whether its
/// sets fit in what [`MAX_PATH_USER_BITS`] leaves after the populations before it.
pub fn paths_within_budget(pops: &[(u32, usize)]) -> Vec<bool> {
    let mut used = 0u64;
    pops.iter()
        .map(|&(users, paths)| {
            let bits = 2 * u64::from(users) * paths as u64;
            let fits = used + bits <= MAX_PATH_USER_BITS;
            if fits {
                used += bits;
            }
            fits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_contains_len() {
        let mut s = BitSet::new(130);
        assert!(s.is_empty());
        for i in [0, 63, 64, 129, 129, 500] {
            s.insert(i);
        }
        assert_eq!(s.len(), 5);
        assert!(s.contains(64) && s.contains(129) && !s.contains(1) && s.contains(500) && !s.contains(501));
    }

    #[test]
    fn a_population_counts_its_users_per_path_and_merges() {
        let mut p = PopUsers::new(10, Some(&[7, 3, 7]));
        assert_eq!(p.paths.iter().map(|x| x.path).collect::<Vec<_>>(), [3, 7]);
        p.record(Some(1), 3, Outcome::Success, false);
        p.record(Some(1), 7, Outcome::RateLimited, true);
        p.record(Some(2), 7, Outcome::Success, false);
        p.record(Some(4), 9, Outcome::RateLimited, true); // a path outside the mix
        p.record(None, 3, Outcome::RateLimited, true);
        p.finish();
        assert_eq!((p.active_count, p.impacted_count), (3, 2));
        assert_eq!(p.outcomes[Outcome::RateLimited as usize], 3);
        let counts = |p: &PopUsers| p.paths.iter().map(|x| (x.active_count, x.impacted_count)).collect::<Vec<_>>();
        assert_eq!(counts(&p), [(1, 0), (2, 1)]);
        let mut twice = p.clone();
        twice.merge(&p);
        assert_eq!((twice.active_count, twice.impacted_count), (6, 4));
        assert_eq!(counts(&twice), [(2, 0), (4, 2)]);
    }

    #[test]
    fn per_path_sets_stop_at_the_budget_in_file_order() {
        let half = (MAX_PATH_USER_BITS / 4) as u32;
        assert_eq!(paths_within_budget(&[(half, 1), (half, 2), (half / 2, 1), (10, 3)]), [true, false, true, true]);
    }
}
