//! New node and timeline-entry names that are valid and collide with nothing (see
//! `model::names`).

use crate::model::names::{NAME_MAX, check_name, collision_key};
use crate::model::{Node, Scenario};
use std::collections::BTreeSet;

/// Names already used (by collision key: nodes, instances, regions and timeline entries share
/// one namespace), and new unique names.
pub(super) struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    pub(super) fn of(s: &Scenario) -> Names {
        let mut n = Names { taken: BTreeSet::new() };
        for node in &s.topology.nodes {
            n.taken.insert(collision_key(node.name()));
            if let Node::Service(svc) = node
                && svc.instance_slots() > 1
            {
                for i in 0..svc.instance_slots() {
                    n.taken.insert(collision_key(&svc.instance_name(i)));
                }
            }
        }
        for r in &s.topology.regions {
            n.taken.insert(collision_key(&r.name));
        }
        for e in &s.timeline {
            n.taken.insert(collision_key(e.name()));
        }
        n
    }

    pub(super) fn reserve(&mut self, name: &str) {
        self.taken.insert(collision_key(name));
    }

    /// A valid name from `base` (shortened to fit, `-2`, `-3`, ... added until it is unique),
    /// reserved with its `instances` instance names when there are several.
    pub(super) fn take(&mut self, base: &str, instances: u32) -> String {
        let cleaned: String =
            base.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).collect();
        for k in 1u32.. {
            let suffix = if k == 1 { String::new() } else { format!("-{k}") };
            // Room for the suffix and an instance suffix (`-99`).
            let room = NAME_MAX - suffix.len() - if instances > 1 { 1 + instances.to_string().len() } else { 0 };
            let stem: String = cleaned.chars().take(room).collect();
            let stem = stem.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            let stem = stem.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
            let stem = if stem.is_empty() { "dr" } else { stem };
            let cand = format!("{stem}{suffix}");
            let mut all = vec![cand.clone()];
            if instances > 1 {
                all.extend((0..instances).map(|i| format!("{cand}-{i}")));
            }
            if check_name(&cand).is_ok() && all.iter().all(|n| !self.taken.contains(&collision_key(n))) {
                for n in &all {
                    self.reserve(n);
                }
                return cand;
            }
        }
        // Four billion candidates were taken: no topology holds that many names. Validation
        // reports the duplicate.
        base.to_owned()
    }
}
