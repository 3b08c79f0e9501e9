//! Whether a run meets its SLOs: the verdict `gatesim check` gates on and the GUI's compare panel
//! shows.

use super::Report;
use serde::{Deserialize, Serialize};

/// One objective and how the run did against it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// What is measured, e.g. `users impacted`.
    pub name: String,
    /// The run's figure.
    pub value: f64,
    /// The objective.
    pub target: f64,
    /// The unit both are in (`%`, `ms`).
    pub unit: String,
    /// Whether the run meets it.
    pub met: bool,
}

impl Objective {
    /// E.g. `users impacted 80.4% > 1%`.
    pub fn describe(&self) -> String {
        let op = if self.met {
            if self.name == "availability" { ">=" } else { "<=" }
        } else if self.name == "availability" {
            "<"
        } else {
            ">"
        };
        format!("{} {:.2}{} {op} {}{}", self.name, self.value, self.unit, self.target, self.unit)
    }
}

/// The verdict on a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Every objective met.
    pub pass: bool,
    /// Each objective, met or not.
    pub objectives: Vec<Objective>,
}

impl Verdict {
    /// `PASS`, or `FAIL: users impacted 80.40% > 1%; ...`.
    pub fn describe(&self) -> String {
        if self.pass {
            return "PASS".into();
        }
        let broken: Vec<String> = self.objectives.iter().filter(|o| !o.met).map(Objective::describe).collect();
        format!("FAIL: {}", broken.join("; "))
    }
}

/// The run against its SLOs over the summary window: availability (successes / requests) at
/// least `slo.availability`, the p99 latency of successes at most `slo.latency_p99_ms`, users
/// impacted at most `slo.users_impacted_pct`.
pub fn verdict(r: &Report) -> Verdict {
    let slo = &r.slo;
    let s = &r.summary;
    let mut objectives = vec![
        Objective {
            name: "availability".into(),
            value: 100.0 * s.success_rate,
            target: 100.0 * slo.availability,
            unit: "%".into(),
            met: s.success_rate >= slo.availability,
        },
        Objective {
            name: "users impacted".into(),
            value: s.users_impacted_pct,
            target: slo.users_impacted_pct,
            unit: "%".into(),
            met: s.users_impacted_pct <= slo.users_impacted_pct,
        },
    ];
    if let (Some(target), Some(p99)) = (slo.latency_p99_ms, s.latency_ms.p99) {
        objectives.push(Objective {
            name: "p99 latency".into(),
            value: p99,
            target,
            unit: " ms".into(),
            met: p99 <= target,
        });
    }
    Verdict { pass: objectives.iter().all(|o| o.met), objectives }
}
