//! The readable summary the CLI prints.

use super::{Estimate, Report};
use crate::metrics::Outcome;
use std::fmt::Write as _;

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.2} ms"))
}

fn ci(e: Option<&Estimate>, scale: f64, unit: &str) -> String {
    match e.and_then(|e| e.ci99_half_width) {
        Some(h) => format!(" ± {:.3}{unit} (99% CI)", h * scale),
        None => String::new(),
    }
}

/// A plain-text summary: headline figures, failures by cause, latency, and per-service figures.
pub fn summary_table(r: &Report) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let per = if r.replicates > 1 { " (mean per replicate)" } else { "" };
    writeln!(
        out,
        "{}: seed {}, {} replicate(s), {} s simulated{}",
        r.scenario, r.seed, r.replicates, r.duration_s, per
    )
    .ok();
    if r.warmup_s > 0.0 {
        writeln!(out, "summary window: {} s to {} s", r.warmup_s, r.duration_s).ok();
    }
    writeln!(out).ok();
    writeln!(out, "  requests          {:>14.0}", s.requests).ok();
    writeln!(
        out,
        "  success rate      {:>13.3}%{}",
        100.0 * s.success_rate,
        ci(r.estimates.get("success_rate"), 100.0, "%")
    )
    .ok();
    for o in Outcome::ALL.iter().skip(1) {
        let n = s.failures_by_cause.get(o).copied().unwrap_or(0.0);
        if n > 0.0 {
            writeln!(out, "    {:<15} {:>14.0}  ({})", o.name(), n, percent(n, s.requests)).ok();
        }
    }
    let statuses: Vec<String> = s.statuses.iter().map(|(code, n)| format!("{code}: {n:.0}")).collect();
    writeln!(out, "  HTTP statuses     {}", statuses.join(", ")).ok();
    writeln!(
        out,
        "  users impacted    {:>13.2}%  ({:.0} of {:.0} active){}",
        s.users_impacted_pct,
        s.users_impacted,
        s.users_active,
        ci(r.estimates.get("users_impacted_pct"), 1.0, "%")
    )
    .ok();
    let l = &s.latency_ms;
    writeln!(
        out,
        "  latency (successes)  mean {}  p50 {}  p90 {}  p99 {}  p99.9 {}",
        ms(l.mean),
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.p999)
    )
    .ok();
    let services: Vec<_> = r.nodes.iter().filter_map(|n| n.service.as_ref().map(|s| (n, s))).collect();
    if !services.is_empty() {
        writeln!(out).ok();
        writeln!(
            out,
            "  {:<20} {:>10} {:>10} {:>12} {:>14} {:>10} {:>10}",
            "service", "arrivals", "instances", "utilisation", "mean wait", "queue len", "blocked"
        )
        .ok();
        for (n, svc) in services {
            writeln!(
                out,
                "  {:<20} {:>10.0} {:>10.1} {:>11.1}% {:>14} {:>10.2} {:>9.2}%",
                n.name,
                n.arrivals,
                svc.mean_instances,
                100.0 * svc.utilisation,
                ms(svc.mean_queue_wait_ms),
                svc.mean_queue_len,
                100.0 * svc.blocking_probability
            )
            .ok();
        }
    }
    out
}

fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 { format!("{:.2}%", 100.0 * part / whole) } else { "-".into() }
}
