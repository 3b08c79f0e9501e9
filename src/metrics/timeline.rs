//! What the recorder keeps for a run with a timeline: per-node and per-route series (alarms read
//! them while the run goes on), attack traffic apart from legitimate traffic, which users were
//! impacted in which part of the run, and the log of what happened when.

use super::N_OUTCOMES;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Number of equal segments of the run that per-user impact is kept at: "users impacted between
/// two times" is exact to a segment.
pub const USER_SEGMENTS: u64 = 64;

/// Something that happened on the timeline, at `t_ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When.
    pub t_ns: u64,
    /// What.
    pub what: Logged,
}

/// What happened (indices into the compiled timeline's lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Logged {
    /// Change `i` started its rollout (a stage of `share_pct` percent, or 100 at once).
    ChangeStage(u32, u32),
    /// Change `i` rolled back.
    ChangeRolledBack(u32),
    /// Fault `i` started.
    FaultStarted(u32),
    /// Fault `i` ended.
    FaultEnded(u32),
    /// Traffic event `i` started.
    TrafficStarted(u32),
    /// Traffic event `i` ended.
    TrafficEnded(u32),
    /// Alarm `i` started to fire (CloudWatch: went to ALARM).
    AlarmFiring(u32),
    /// Alarm `i` stopped firing.
    AlarmResolved(u32),
    /// Action `i` was triggered (a person paged).
    ActionTriggered(u32),
    /// A person working on action `i` finished phase `p` (0 acknowledge, 1 investigate, 2 identify).
    ActionPhase(u32, u8),
    /// Action `i` acted.
    ActionDone(u32),
    /// Station `k` crashed (resource exhaustion).
    Crashed(u32),
    /// Station `k` serves again after a crash.
    Restarted(u32),
    /// Container station `k` was killed by its liveness probe.
    LivenessKilled(u32),
    /// Record `r` of DNS name `d` turned healthy (`true`) or unhealthy.
    RecordHealth(u32, u32, bool),
    /// Data store `s` lost its primary; recovering will lose `n` committed writes, the oldest
    /// committed `age_ms` before the loss (the measured RPO).
    StoreLost(u32, u32, u32),
    /// Data store `s` lost its primary and has no way to recover but the region's return.
    StoreDown(u32),
    /// Data store `s`'s primary region is back before any recovery (nothing lost).
    StoreBack(u32),
    /// Data store `s` takes writes again (a replica promoted or a backup restored).
    StoreRecovered(u32),
}

/// Timeline aggregates of one replicate (and, merged, of all: the series add up).
#[derive(Clone, Debug)]
pub struct TimelineRec {
    /// Per bucket: answers with a 4xx and with a 5xx status (attack traffic included).
    pub class_series: Vec<[u64; 2]>,
    /// Per model node and bucket: requests that reached it.
    pub node_arrivals: Vec<u32>,
    /// Per model node and bucket: requests it rejected itself.
    pub node_rejected: Vec<u32>,
    /// Per route scope and bucket: answers by outcome.
    pub scope_outcomes: Vec<[u64; N_OUTCOMES]>,
    /// Per route scope and bucket: answers with a 4xx and a 5xx status.
    pub scope_classes: Vec<[u64; 2]>,
    /// Per route scope and bucket: latency of successes, µs.
    pub scope_latency: Vec<Histogram<u64>>,
    /// Per bucket: attack traffic's answers by outcome (also in the recorder's series).
    pub attack_series: Vec<[u64; N_OUTCOMES]>,
    /// Attack requests sent in the summary window, by outcome.
    pub attack_outcomes: [u64; N_OUTCOMES],
    /// Width of a user segment, ns.
    pub segment_ns: u64,
    /// Per population and user: a bit per segment in which the user was impacted.
    pub user_impact: Vec<Vec<u64>>,
    /// Per population and user: a bit per segment in which the user sent a request.
    pub user_active: Vec<Vec<u64>>,
    /// What happened when (this replicate's).
    pub log: Vec<LogEntry>,
}

impl TimelineRec {
    /// Empty aggregates for `nodes` nodes, `scopes` route scopes, `nb` buckets, populations of
    /// `users` users, over a run of `duration_ns`.
    pub fn new(nodes: usize, scopes: usize, nb: usize, users: &[u32], duration_ns: u64) -> TimelineRec {
        TimelineRec {
            class_series: vec![[0; 2]; nb],
            node_arrivals: vec![0; nodes * nb],
            node_rejected: vec![0; nodes * nb],
            scope_outcomes: vec![[0; N_OUTCOMES]; scopes * nb],
            scope_classes: vec![[0; 2]; scopes * nb],
            scope_latency: (0..scopes * nb).map(|_| super::recorder::histogram(2)).collect(),
            attack_series: vec![[0; N_OUTCOMES]; nb],
            attack_outcomes: [0; N_OUTCOMES],
            segment_ns: duration_ns.div_ceil(USER_SEGMENTS).max(1),
            user_impact: users.iter().map(|&u| vec![0; u as usize]).collect(),
            user_active: users.iter().map(|&u| vec![0; u as usize]).collect(),
            log: Vec::new(),
        }
    }

    /// The segment bit of time `t`.
    #[inline]
    pub fn segment_bit(&self, t: u64) -> u64 {
        1 << (t / self.segment_ns).min(USER_SEGMENTS - 1)
    }

    /// The segment bits covering `[from, to)`.
    pub fn segments(&self, from: u64, to: u64) -> u64 {
        if to <= from {
            return 0;
        }
        let a = (from / self.segment_ns).min(USER_SEGMENTS - 1);
        let b = ((to - 1) / self.segment_ns).min(USER_SEGMENTS - 1);
        let upper = if b == 63 { u64::MAX } else { (1u64 << (b + 1)) - 1 };
        upper & !((1u64 << a) - 1)
    }

    /// Users (of every population) active and impacted in the segments `mask`.
    pub fn users_in(&self, mask: u64) -> (u64, u64) {
        let count = |sets: &[Vec<u64>]| -> u64 {
            sets.iter().map(|users| users.iter().filter(|&&bits| bits & mask != 0).count() as u64).sum()
        };
        (count(&self.user_active), count(&self.user_impact))
    }

    /// Adds another replicate's series (its log and user bits are its own and are not merged).
    pub fn merge(&mut self, o: &TimelineRec) {
        let add32 = |a: &mut [u32], b: &[u32]| a.iter_mut().zip(b).for_each(|(x, y)| *x = x.saturating_add(*y));
        add32(&mut self.node_arrivals, &o.node_arrivals);
        add32(&mut self.node_rejected, &o.node_rejected);
        for (a, b) in self
            .scope_outcomes
            .iter_mut()
            .zip(&o.scope_outcomes)
            .chain(self.attack_series.iter_mut().zip(&o.attack_series))
        {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        for (a, b) in
            self.scope_classes.iter_mut().zip(&o.scope_classes).chain(self.class_series.iter_mut().zip(&o.class_series))
        {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        for (a, b) in self.scope_latency.iter_mut().zip(&o.scope_latency) {
            a.add(b).ok();
        }
        self.attack_outcomes.iter_mut().zip(o.attack_outcomes).for_each(|(x, y)| *x += y);
        self.user_impact = Vec::new();
        self.user_active = Vec::new();
        self.log = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_a_span() {
        let t = TimelineRec::new(0, 0, 1, &[], 64_000);
        assert_eq!(t.segment_ns, 1000);
        assert_eq!(t.segments(0, 1000), 1);
        assert_eq!(t.segments(500, 2500), 0b111);
        assert_eq!(t.segments(63_500, 70_000), 1 << 63);
        assert_eq!(t.segments(0, 64_000), u64::MAX);
        assert_eq!(t.segments(5, 5), 0);
    }
}
