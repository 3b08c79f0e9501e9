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
    let statuses: Vec<String> = s
        .statuses
        .iter()
        .map(|(code, n)| if *code == 0 { format!("no answer: {n:.0}") } else { format!("{code}: {n:.0}") })
        .collect();
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
    who_section(&mut out, r);
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
    slo_section(&mut out, r);
    timeline_section(&mut out, r);
    cost_section(&mut out, r);
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
            let note = match svc.deployment.as_str() {
                "serverless" => {
                    format!("  serverless: {:.0} cold starts, {:.0} throttled", svc.cold_starts, n.rejected)
                }
                "container" if svc.liveness_restarts > 0.0 => {
                    format!("  container: {:.0} killed by liveness", svc.liveness_restarts)
                }
                _ => String::new(),
            };
            // Its instances' own 5xx answers (not the gateway's 502/503/504).
            let note = if n.answered_5xx > 0.0 { format!("{note}  answered 5xx: {:.0}", n.answered_5xx) } else { note };
            writeln!(
                out,
                "  {:<20} {:>10.0} {:>10.1} {:>11.1}% {:>14} {:>10.2} {:>9.2}%{note}",
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

/// Dollars: `$1,234`, `$12.30`, `$0.0042`.
pub fn usd_text(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let whole = v.round() as i64;
        let digits = whole.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{}${grouped}", if whole < 0 { "-" } else { "" })
    } else if v.abs() >= 1.0 || v == 0.0 {
        format!("${v:.2}")
    } else {
        let places = (2 - v.abs().log10().floor() as i64).clamp(2, 8) as usize;
        format!("${v:.places$}")
    }
}

fn cost_section(out: &mut String, r: &Report) {
    let Some(c) = &r.cost else { return };
    let parts: Vec<String> =
        c.by_category.iter().filter(|(_, v)| **v > 0.0).map(|(k, v)| format!("{k} {}", usd_text(*v))).collect();
    writeln!(
        out,
        "  cost              {} this run ({:.2} h), {} per month ({})",
        usd_text(c.run_usd),
        c.hours,
        usd_text(c.per_month_usd),
        parts.join(", ")
    )
    .ok();
    if let Some(o) = &c.outage {
        writeln!(
            out,
            "  outage cost       {} ({:.0} failed requests: {}; SLA credit {} at {:.4}% availability for the month)",
            usd_text(o.total_usd),
            o.failed_requests,
            usd_text(o.lost_value_usd),
            usd_text(o.sla_credit_usd),
            100.0 * o.month_availability
        )
        .ok();
    }
}

/// A time of the run as the report shows it: `14:30 (+1800 s)` with a start time, else `1800 s`.
pub fn at_text(r: &Report, t_s: f64) -> String {
    match r.start {
        Some(start) => format!("{} (+{t_s:.0} s)", start.clock_after(t_s)),
        None => format!("{t_s:.0} s"),
    }
}

/// A duration in minutes and seconds: `75 min`, `2 min 30 s`, `45 s`.
pub fn duration_text(s: f64) -> String {
    let whole = s.round() as u64;
    match (whole / 60, whole % 60) {
        (0, sec) => format!("{sec} s"),
        (m, 0) => format!("{m} min"),
        (m, sec) => format!("{m} min {sec} s"),
    }
}

/// A spread of durations: `75 min [71 min, 80 min]` (median and interval).
fn spread_duration(s: &super::Spread) -> String {
    match (s.median, s.low, s.high) {
        (Some(m), Some(l), Some(h)) if s.n > 1 => {
            format!("{} [{}, {}]", duration_text(m), duration_text(l), duration_text(h))
        }
        (Some(m), _, _) => duration_text(m),
        _ => "-".into(),
    }
}

/// A spread of short spans (an RPO's age): milliseconds below 10 s.
fn spread_short(s: &super::Spread) -> String {
    let text = |v: f64| if v < 10.0 { format!("{:.0} ms", v * 1e3) } else { duration_text(v) };
    match (s.median, s.low, s.high) {
        (Some(m), Some(l), Some(h)) if s.n > 1 => format!("{} [{}, {}]", text(m), text(l), text(h)),
        (Some(m), _, _) => text(m),
        _ => "-".into(),
    }
}

fn slo_section(out: &mut String, r: &Report) {
    let slo = &r.slo;
    let latency = slo.latency_p99_ms.map(|l| format!(" and p99 <= {l:.0} ms")).unwrap_or_default();
    writeln!(out).ok();
    writeln!(
        out,
        "  SLO: availability >= {}%{latency} per {} window",
        100.0 * slo.availability,
        duration_text(slo.window_s)
    )
    .ok();
    if slo.breaches.is_empty() {
        writeln!(out, "    met in every window").ok();
    } else {
        let shown: Vec<String> = slo
            .breaches
            .iter()
            .take(4)
            .map(|w| format!("{} to {}", at_text(r, w.start_s), at_text(r, w.end_s)))
            .collect();
        let more = slo.breaches.len().saturating_sub(4);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        writeln!(out, "    breached       {}{more}", shown.join(", ")).ok();
        writeln!(out, "    time in breach {}", spread_duration(&slo.breach_s)).ok();
    }
    if let Some(burn) = slo.budget_burn_rate.median {
        writeln!(
            out,
            "    error budget   burn rate {burn:.1}x; this run spent {:.2}% of a {:.0}-day budget",
            slo.budget_spent_pct.median.unwrap_or(0.0),
            slo.budget_period_days
        )
        .ok();
    }
}

fn timeline_section(out: &mut String, r: &Report) {
    let Some(t) = &r.timeline else { return };
    let per = if r.replicates > 1 { " (median [95% interval] over replicates)" } else { "" };
    writeln!(out).ok();
    writeln!(out, "  timeline{per}").ok();
    match &t.trigger {
        Some(tr) => writeln!(out, "    trigger         {} at {}", tr.name, at_text(r, tr.at_s)).ok(),
        None => writeln!(out, "    trigger         none: no change, fault or traffic event started").ok(),
    };
    let detect = if t.time_to_detect_s.n == 0 {
        "no alarm fired after the trigger".to_owned()
    } else {
        format!("{} (detected in {} of {})", spread_duration(&t.time_to_detect_s), t.time_to_detect_s.n, r.replicates)
    };
    writeln!(out, "    time to detect  {detect}").ok();
    let rto = if t.recovered_in == 0 {
        "not recovered by the end of the run".to_owned()
    } else {
        format!("{} (recovered in {} of {})", spread_duration(&t.rto_s), t.recovered_in, r.replicates)
    };
    writeln!(out, "    RTO (measured)  {rto}").ok();
    if t.users_impacted_in_incident_pct.n > 0 {
        writeln!(out, "    users impacted during the incident  {}", t.users_impacted_in_incident_pct.text(1.0, "%"))
            .ok();
    }
    let failed: Vec<String> =
        t.failed_in_incident.iter().filter(|(_, n)| **n >= 0.5).map(|(o, n)| format!("{} {n:.0}", o.name())).collect();
    if !failed.is_empty() {
        writeln!(out, "    failed during the incident  {}", failed.join(", ")).ok();
    }
    for (what, list) in [("alarm", &t.alarms), ("action", &t.actions)] {
        for a in list.iter() {
            let when = match a.at_s.median {
                Some(m) => format!("at {} in {} of {}", at_text(r, m), a.happened_in, r.replicates),
                None => "never".into(),
            };
            let verb = if what == "alarm" { "fired" } else { "acted" };
            writeln!(out, "    {what} {:<24} {verb} {when}", a.name).ok();
        }
    }
    for d in &t.records {
        if d.happened_in > 0 {
            let when = d.at_s.median.map_or_else(String::new, |m| at_text(r, m));
            writeln!(
                out,
                "    DNS {:<26} unhealthy at {when} in {} of {} (answers fail over)",
                d.name, d.happened_in, r.replicates
            )
            .ok();
        }
    }
    for s in &t.stores {
        if s.failed_over_in == 0 {
            continue;
        }
        writeln!(
            out,
            "    RPO (measured)  {}: {} writes lost, the oldest {} old; writes again after {} (in {} of {})",
            s.store,
            s.rpo_writes.text(1.0, ""),
            spread_short(&s.rpo_age_s),
            spread_duration(&s.promoted_after_s),
            s.failed_over_in,
            r.replicates
        )
        .ok();
    }
    if !t.attack.is_empty() {
        let sent: f64 = t.attack.values().sum();
        let blocked = t.attack.get(&Outcome::RateLimited).copied().unwrap_or(0.0);
        writeln!(
            out,
            "    attack traffic  {sent:.0} requests, {} rate limited (counted apart)",
            percent(blocked, sent)
        )
        .ok();
    }
}

/// Who was hurt: each population's impacted share on one line, then per population with several
/// paths the share per path, then the reasons in words.
fn who_section(out: &mut String, r: &Report) {
    if r.populations.is_empty() {
        return;
    }
    writeln!(out, "  who was hurt      {}", super::who::who_line(&r.populations)).ok();
    for p in r.populations.iter().filter(|p| p.paths.len() > 1) {
        let paths: Vec<String> =
            p.paths.iter().map(|x| format!("{} {}", x.path, super::who::pct_words(x.users_impacted_pct))).collect();
        writeln!(out, "    {:<15} {}", p.name, paths.join(", ")).ok();
    }
    for why in &r.reasons {
        writeln!(out, "    why             {}: {}", why.clients, why.text).ok();
        writeln!(out, "                    at {} route {} ({}, per {})", why.gateway, why.route, why.limit, why.key)
            .ok();
    }
}

fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 { format!("{:.2}%", 100.0 * part / whole) } else { "-".into() }
}
