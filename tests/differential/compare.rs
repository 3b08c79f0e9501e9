//! Request-by-request comparison of a real run with the simulator's decisions, keyed by request
//! id on both sides: a request missing from the decisions, from the replayer's results, or an id
//! at a backend that no request was sent with fails the test outright (never an empty outcome).
//!
//! A request agrees when its status and backend match, the answer carries the id it was sent with
//! (the backends echo it as `X-Gatesim-Id`; an answer the product made itself carries none), the
//! instances that received it are the `attempts` of DECISIONS.csv without the refused ones (`!`,
//! which never reach a backend), and its rate-limit delay matches `delay_ms`.
//!
//! Delay: a request served on its first attempt took `latency = overhead + delay + service_ms`
//! plus jitter. The overhead is the median of `latency - service_ms` over the requests the
//! simulator did not delay; the jitter is the largest distance from it there. A delay agrees when
//! `|latency - service_ms - overhead - delay_ms| <= late + jitter + 3 ms` (`late`: how late the
//! replayer sent that request; a late arrival shortens NGINX's delay by as much). The 3 ms are
//! NGINX's timer, which undelayed requests do not measure: the delay is armed on NGINX's cached
//! millisecond clock and fires on the first event-loop turn after it expires, and real delays
//! were seen up to 1.7 ms over the prediction with 0.6 ms of jitter. A wrong prediction is off by
//! a multiple of the limit's leak interval (1 / rate: 200 ms at 5r/s), far beyond 3 ms.
//! A request that agrees on everything but left later than that is counted apart (`left_late`):
//! a stall of the machine only ever adds time, and a run whose only disagreements are such is run
//! again (a wrong delay is wrong in every run).

use crate::Expected;
use crate::replayer::Seen;
use crate::trace_gen::Request;
use std::collections::{BTreeMap, BTreeSet};

/// NGINX's delay timer: how much later than predicted a delayed request may leave (see the module
/// docs).
const TIMER_MS: f64 = 3.0;

/// What a run's comparison found.
pub struct Compared {
    /// Requests that agree on everything.
    pub agree: usize,
    /// The first disagreeing rows, formatted.
    pub shown: Vec<String>,
    /// Requests compared on their delay, and the largest delay among them, ms.
    pub delays_checked: usize,
    pub max_delay_ms: f64,
    /// The measured overhead and jitter of undelayed requests, ms.
    pub overhead_ms: f64,
    pub jitter_ms: f64,
    /// Sends: latest and 99th percentile lateness, ms.
    pub late_max_ms: f64,
    pub late_p99_ms: f64,
    /// Requests whose attempt path was compared with more than one instance or a refusal.
    pub multi_attempt: usize,
    /// Requests that agree on everything but left later than their predicted delay allows: the
    /// signature of a machine that stalled the product or a backend (see `run_once`'s callers).
    pub left_late: usize,
}

/// The instances that should have received the request: `attempts` without refused ones.
fn accepted_path(attempts: &str) -> Vec<&str> {
    attempts.split_whitespace().filter(|a| !a.ends_with('!')).collect()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Compares one run. Panics when the two sides do not hold the same request ids.
pub fn compare(
    requests: &[Request],
    expected: &BTreeMap<String, Expected>,
    seen: &[Seen],
    received: &BTreeMap<String, Vec<String>>,
    show: usize,
) -> Compared {
    let sent: BTreeSet<&str> = requests.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(sent.len(), requests.len(), "request ids are unique");
    let predicted: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    let missing: Vec<&&str> = sent.difference(&predicted).take(10).collect();
    let extra: Vec<&&str> = predicted.difference(&sent).take(10).collect();
    assert!(missing.is_empty() && extra.is_empty(), "decisions: missing ids {missing:?}, unknown ids {extra:?}");
    let real: BTreeMap<&str, &Seen> = seen.iter().map(|s| (s.id.as_str(), s)).collect();
    let real_ids: BTreeSet<&str> = real.keys().copied().collect();
    assert!(real_ids == sent && seen.len() == requests.len(), "the replayer's results do not hold every sent id once");
    let strays: Vec<&String> = received.keys().filter(|id| !sent.contains(id.as_str())).take(10).collect();
    assert!(strays.is_empty(), "backends received ids no request was sent with: {strays:?}");

    let delay = |e: &Expected| e.delay_ms.trim().parse::<f64>().unwrap_or(0.0);
    // Served on the first attempt, as predicted: the latency shows the delay.
    let direct = |r: &Request| {
        let (e, s) = (&expected[&r.id], real[r.id.as_str()]);
        e.status == 200 && s.status == 200 && !e.attempts.contains('!') && accepted_path(&e.attempts).len() == 1
    };
    let excess = |r: &Request| real[r.id.as_str()].latency_ms - r.service_ms as f64;
    let mut base: Vec<f64> =
        requests.iter().filter(|r| direct(r) && delay(&expected[&r.id]) == 0.0).map(excess).collect();
    base.sort_by(f64::total_cmp);
    let overhead_ms = quantile(&base, 0.5);
    let jitter_ms = base.iter().map(|x| (x - overhead_ms).abs()).fold(0.0, f64::max);
    let mut late: Vec<f64> = seen.iter().map(|s| s.late_ms).collect();
    late.sort_by(f64::total_cmp);

    let mut c = Compared {
        agree: 0,
        shown: Vec::new(),
        delays_checked: 0,
        max_delay_ms: 0.0,
        overhead_ms,
        jitter_ms,
        late_max_ms: late.last().copied().unwrap_or(0.0),
        late_p99_ms: quantile(&late, 0.99),
        multi_attempt: 0,
        left_late: 0,
    };
    for r in requests {
        let (e, s) = (&expected[&r.id], real[r.id.as_str()]);
        let mut wrong = Vec::new();
        if e.status != s.status || e.backend != s.backend {
            wrong.push(format!("expected {} {:?}, real {} {:?}", e.status, e.backend, s.status, s.backend));
        }
        match &s.echoed_id {
            Some(id) if id != &r.id => wrong.push(format!("answer carries id {id:?}")),
            None if !s.backend.is_empty() => wrong.push("a backend's answer without its id".into()),
            _ => {}
        }
        let path = accepted_path(&e.attempts);
        if path.len() > 1 || e.attempts.contains('!') {
            c.multi_attempt += 1;
        }
        let got: Vec<&str> = received.get(&r.id).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default();
        if path != got {
            wrong.push(format!("attempts {:?} (refused marked !), backends received {got:?}", e.attempts));
        }
        let mut late_only = false;
        if direct(r) {
            let (want, real_delay) = (delay(e), excess(r) - overhead_ms);
            c.delays_checked += 1;
            c.max_delay_ms = c.max_delay_ms.max(want);
            let tolerance = s.late_ms + jitter_ms + TIMER_MS;
            if (real_delay - want).abs() > tolerance {
                late_only = wrong.is_empty() && real_delay > want;
                wrong.push(format!("delay {want} ms expected, {real_delay:.1} ms real"));
            }
        }
        if late_only {
            c.left_late += 1;
        }
        if wrong.is_empty() {
            c.agree += 1;
        } else if c.shown.len() < show {
            c.shown.push(format!(
                "  {} send={}ms (+{:.1}) key={:?} path={} svc={}ms: {}{}",
                r.id,
                r.send_ms,
                s.late_ms,
                r.client_key,
                r.path,
                r.service_ms,
                wrong.join("; "),
                s.error.as_ref().map(|x| format!(" (error: {x})")).unwrap_or_default()
            ));
        }
    }
    c
}
