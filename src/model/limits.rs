//! Hard limits: values no real system has are refused when the scenario loads, so a run cannot
//! hang, exhaust memory or overflow its nanosecond clock on them; and a warning when a valid
//! scenario means hours of work.
//!
//! | value | limit | why |
//! |---|---|---|
//! | `run.duration_s`, timeline times and durations | 1 year | nanoseconds in a `u64` stay far from overflow |
//! | a population's request rate (any point of its profile, traffic events) | 10,000,000 r/s | |
//! | a population's `users` | 10,000,000 | per-user impact is kept per user (up to 160 MB with a timeline) |
//! | a service's `instances`, `max_replicas` | 100,000 | one queueing station each |
//! | `concurrency` | 100,000 slots per instance | |
//! | `queue_capacity` | 10,000,000 per instance | |
//! | any latency, service or processing time, timeout, backoff | 1 day | |
//! | `run.max_in_flight` | 1 to 50,000,000 | about 250 bytes per request in flight |
//!
//! Requests in flight are bounded at run time by `run.max_in_flight` (default 1,000,000): an
//! overloaded system with unbounded queues stops with an error naming the time and the bound.

use super::{Dist, Event, Node, Scenario, Traffic};

/// Longest run and longest timeline span, s.
pub const MAX_DURATION_S: f64 = 366.0 * 86_400.0;
/// Highest request rate of a population, r/s.
pub const MAX_RATE_RPS: f64 = 1e7;
/// Most users of a population.
pub const MAX_USERS: u32 = 10_000_000;
/// Most instances of a service.
pub const MAX_INSTANCES: u32 = 100_000;
/// Most concurrency slots of an instance.
pub const MAX_CONCURRENCY: u32 = 100_000;
/// Longest queue of an instance.
pub const MAX_QUEUE: u32 = 10_000_000;
/// Longest latency, service time, timeout or backoff, ms.
pub const MAX_DELAY_MS: f64 = 86_400_000.0;
/// Bounds of `run.max_in_flight`.
pub const MAX_IN_FLIGHT_BOUND: u32 = 50_000_000;
/// Requests above which `lint` warns about the work a run means.
pub const WARN_REQUESTS: f64 = 1e9;
/// The speed the work estimate assumes, requests per second per core (measured: README).
pub const ESTIMATE_RPS_PER_CORE: f64 = 1e6;

/// A problem: the node concerned (if any) and the message; `true` for an error, `false` for a
/// warning.
pub type Finding = (Option<String>, String, bool);

fn rates(t: &Traffic) -> Vec<f64> {
    match t {
        Traffic::Constant { rate_rps } => vec![*rate_rps],
        Traffic::Steps { steps } => steps.iter().map(|s| s.rate_rps).collect(),
        Traffic::Diurnal { mean_rps, amplitude, .. } => vec![mean_rps * (1.0 + amplitude.abs())],
        Traffic::Spike { base_rps, peak_rps, .. } => vec![*base_rps, *peak_rps],
    }
}

/// The mean rate of a profile over `[0, duration_s)`, r/s.
fn mean_rate(t: &Traffic, duration_s: f64) -> f64 {
    match t {
        Traffic::Constant { rate_rps } => *rate_rps,
        Traffic::Steps { steps } => {
            let mut total = 0.0;
            for (i, s) in steps.iter().enumerate() {
                let end = steps.get(i + 1).map_or(duration_s, |n| n.at_s).min(duration_s);
                total += s.rate_rps * (end - s.at_s.min(duration_s)).max(0.0);
            }
            total / duration_s.max(1e-9)
        }
        Traffic::Diurnal { mean_rps, .. } => *mean_rps,
        Traffic::Spike { base_rps, peak_rps, duration_s: d, .. } => {
            base_rps + (peak_rps - base_rps) * (d / duration_s.max(1e-9)).min(1.0)
        }
    }
}

fn delay(findings: &mut Vec<Finding>, node: &str, what: &str, d: &Dist) {
    let values = match *d {
        Dist::Constant { ms } => vec![ms],
        Dist::Exponential { mean_ms } => vec![mean_ms],
        Dist::LogNormal { median_ms, p99_ms } => vec![median_ms, p99_ms],
        Dist::Uniform { min_ms, max_ms } => vec![min_ms, max_ms],
    };
    if values.iter().any(|v| v.is_finite() && *v > MAX_DELAY_MS) {
        findings.push((
            Some(node.into()),
            format!("{what}: {} exceeds the 1-day limit on any delay", d.describe()),
            true,
        ));
    }
}

/// A number as a person reads it: `1e308` rather than its 309 digits.
fn num(v: f64) -> String {
    super::dist::Short(v).to_string()
}

fn over<T: PartialOrd + std::fmt::Display>(
    findings: &mut Vec<Finding>,
    node: &str,
    what: &str,
    value: T,
    limit: T,
    why: &str,
) {
    if value > limit {
        findings.push((Some(node.into()), format!("{what} {value} is above the limit of {limit} ({why})"), true));
    }
}

/// Every value above its limit (errors), and the work warning.
pub fn check(s: &Scenario) -> Vec<Finding> {
    let mut f = Vec::new();
    let run = &s.run;
    if run.duration_s.is_finite() && run.duration_s > MAX_DURATION_S {
        f.push((
            None,
            format!("run.duration_s {} is above the limit of one year ({MAX_DURATION_S} s)", num(run.duration_s)),
            true,
        ));
    }
    if let Some(m) = run.max_in_flight
        && !(1..=MAX_IN_FLIGHT_BOUND).contains(&m)
    {
        f.push((None, format!("run.max_in_flight must be between 1 and {MAX_IN_FLIGHT_BOUND}, got {m}"), true));
    }
    let mut requests = 0.0;
    let duration = if run.duration_s.is_finite() { run.duration_s.clamp(0.0, MAX_DURATION_S) } else { 0.0 };
    for n in &s.topology.nodes {
        let name = n.name();
        match n {
            Node::Clients(c) => {
                if let Some(r) = rates(&c.traffic).into_iter().find(|r| r.is_finite() && *r > MAX_RATE_RPS) {
                    let msg = format!("traffic of {} r/s is above the limit of {} r/s", num(r), num(MAX_RATE_RPS));
                    f.push((Some(name.into()), msg, true));
                }
                over(&mut f, name, "users", c.users, MAX_USERS, "impact is kept per user");
                if let Some(r) = &c.retry {
                    for (what, v) in [("retry.base_ms", r.base_ms as f64), ("retry.cap_ms", r.cap_ms as f64)] {
                        if v > MAX_DELAY_MS {
                            f.push((
                                Some(name.into()),
                                format!("{what} {v} exceeds the 1-day limit on any delay"),
                                true,
                            ));
                        }
                    }
                    if r.timeout_ms.is_some_and(|t| t.is_finite() && t > MAX_DELAY_MS) {
                        f.push((
                            Some(name.into()),
                            "retry.timeout_ms exceeds the 1-day limit on any delay".into(),
                            true,
                        ));
                    }
                }
                let rate = mean_rate(&c.traffic, duration);
                if rate.is_finite() && rate > 0.0 {
                    requests += rate * duration;
                }
            }
            Node::Gateway(g) => {
                delay(&mut f, name, "processing", &g.processing);
                for r in &g.routes {
                    if r.timeout_ms.is_some_and(|t| t.is_finite() && t > MAX_DELAY_MS) {
                        f.push((
                            Some(name.into()),
                            format!("route {}: timeout_ms exceeds the 1-day limit", r.path_prefix),
                            true,
                        ));
                    }
                }
            }
            Node::LoadBalancer(_) => {}
            Node::Service(svc) => {
                over(&mut f, name, "instances", svc.instances, MAX_INSTANCES, "one queueing station each");
                if let Some(a) = &svc.autoscaling {
                    over(&mut f, name, "autoscaling.max_replicas", a.max_replicas, MAX_INSTANCES, "one station each");
                }
                over(&mut f, name, "concurrency", svc.concurrency, MAX_CONCURRENCY, "slots per instance");
                if let Some(q) = svc.queue_capacity {
                    over(&mut f, name, "queue_capacity", q, MAX_QUEUE, "requests per instance");
                }
                delay(&mut f, name, "service_time", &svc.service_time);
            }
            Node::Dns(d) => {
                if d.ttl.0.is_finite() && d.ttl.0 > MAX_DURATION_S {
                    f.push((Some(name.into()), format!("ttl {} s is above the limit of one year", num(d.ttl.0)), true));
                }
            }
            Node::DataStore(ds) => {
                delay(&mut f, name, "read", &ds.read);
                delay(&mut f, name, "write", &ds.write);
                if let super::Replication::Async { lag } = &ds.replication {
                    delay(&mut f, name, "replication lag", lag);
                }
            }
        }
    }
    for l in &s.topology.links {
        delay(&mut f, &l.from, &format!("link {} -> {} latency", l.from, l.to), &l.latency);
    }
    for e in &s.timeline {
        if let Event::Traffic(t) = e
            && t.rate_rps.is_finite()
            && t.rate_rps <= MAX_RATE_RPS
        {
            requests += t.rate_rps * t.duration.0.clamp(0.0, duration);
        }
    }
    let total = requests * f64::from(run.replicates.max(1));
    if total.is_finite() && total > WARN_REQUESTS {
        let cpu_min = total / ESTIMATE_RPS_PER_CORE / 60.0;
        f.push((
            None,
            format!(
                "this run simulates about {total:.2e} requests ({} replicate(s)): at about {ESTIMATE_RPS_PER_CORE:.0e} requests/s per core that is about {cpu_min:.0} CPU-minutes; shorten the run, lower the traffic or the replicates",
                run.replicates
            ),
            false,
        ));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_rates_follow_the_profile() {
        let steps = Traffic::Steps {
            steps: vec![
                super::super::Step { at_s: 0.0, rate_rps: 10.0 },
                super::super::Step { at_s: 50.0, rate_rps: 30.0 },
            ],
        };
        assert_eq!(mean_rate(&steps, 100.0), 20.0);
        let spike = Traffic::Spike { base_rps: 10.0, peak_rps: 110.0, start_s: 10.0, duration_s: 10.0 };
        assert_eq!(mean_rate(&spike, 100.0), 20.0);
    }
}
