//! Timeline entries as data: where an entry starts and ends on the run, the entry moved by a
//! drag (in the form its times were written in), and a new entry that validates.

use super::super::commands::free_event_name;
use super::start_of;
use crate::model::{
    Act, Action, Alarm, AlarmRule, At, Change, Comparison, Delay, Event, EventKind, Fault, FaultKind, HumanResponse,
    Metric, MissingData, Node, NodeKind, ParamValue, Response, Rollout, Scenario, Scope, Setting, Span, Traffic,
    TrafficEvent, TrafficSource, Trigger, UtcTime,
};

/// The start of an entry, seconds from the start of the run.
pub fn start_s(e: &Event, start: UtcTime) -> Option<f64> {
    e.at().map(|at| at.offset_s(start))
}

/// The end of an entry that lasts: a fault (its duration or end; without either, the run's end),
/// a traffic event, a change with a rollback time (or a staged rollout's last stage).
pub fn end_s(e: &Event, start: UtcTime, run_end_s: f64) -> Option<f64> {
    let t0 = start_s(e, start)?;
    match e {
        Event::Fault(f) => Some(match (f.duration, f.end) {
            (Some(d), _) => t0 + d.0,
            (None, Some(end)) => end.offset_s(start),
            (None, None) => run_end_s,
        }),
        Event::Traffic(t) => Some(t0 + t.duration.0),
        Event::Change(c) => match (&c.rollback_at, &c.rollout) {
            (Some(rb), _) => Some(rb.offset_s(start)),
            (None, Rollout::Staged { stages, .. }) if !stages.is_empty() => {
                Some(t0 + stages.iter().map(|s| s.duration.0).sum::<f64>())
            }
            _ => None,
        },
        _ => None,
    }
}

/// A moment moved by `delta_s`, in the form it was written in (a time of day stays one).
fn moved(at: At, delta_s: f64, start: UtcTime) -> At {
    match at {
        At::Offset(s) => At::Offset(Span(((s.0 + delta_s) * 1000.0).round() / 1000.0)),
        At::Clock(_) => {
            let t = (at.offset_s(start) + delta_s).max(0.0);
            At::Clock(((start.time_of_day_s() as f64 + t).round() as u64 % 86_400) as u32)
        }
    }
}

/// The entry moved so that it starts at `to_s`: its start in the form it was written in, and an
/// end given as a time (a fault's `end`, a change's `rollback_at`) by the same amount.
pub fn moved_to(e: &Event, to_s: f64, start: UtcTime) -> Event {
    let mut out = e.clone();
    let Some(at) = e.at() else { return out };
    let delta = to_s - at.offset_s(start);
    out.set_at(moved(at, delta, start));
    match &mut out {
        Event::Fault(f) => f.end = f.end.map(|a| moved(a, delta, start)),
        Event::Change(c) => c.rollback_at = c.rollback_at.map(|a| moved(a, delta, start)),
        _ => {}
    }
    out
}

/// A moment as a new entry writes it: a time of day when the run has a start, else seconds.
fn at_for(s: &Scenario, t_s: f64) -> At {
    match start_of(s) {
        Some(st) => At::Clock(((st.time_of_day_s() as f64 + t_s).round() as u64 % 86_400) as u32),
        None => At::Offset(Span(t_s.round())),
    }
}

/// A new entry of `kind` at `t_s` with defaults that validate on a scenario with a service and a
/// client population: a change raising the first service's error rate to 5%, a 5-minute `Down`
/// fault of the first service, 5 minutes of twice the first population's traffic, an alarm on the
/// share of 5xx (CloudWatch, 3 of 3 one-minute periods above 5%), an action paging a person on
/// the first alarm (or at `t_s` without one). Its name is free.
pub fn new_event(s: &Scenario, kind: EventKind, t_s: f64) -> Event {
    let at = at_for(s, t_s);
    let nodes = &s.topology.nodes;
    let service = nodes.iter().find(|n| n.kind() == NodeKind::Service).map(|n| n.name().to_owned());
    let any_target = || nodes.iter().find(|n| n.kind() != NodeKind::Clients).map(|n| n.name().to_owned());
    let first_clients = nodes.iter().find_map(|n| match n {
        Node::Clients(c) => Some(c),
        _ => None,
    });
    // Five minutes, or what is left of the run.
    let lasting = Span(300f64.min((s.run.duration_s - t_s).floor()).max(1.0));
    let name = |base: &str| free_event_name(s, base);
    match kind {
        EventKind::Change => Event::Change(Change {
            name: name("change"),
            at: Some(at),
            node: service.clone().or_else(any_target).unwrap_or_default(),
            set: if service.is_some() {
                vec![Setting { path: "error_rate".into(), value: ParamValue(serde_json::json!(0.05)) }]
            } else {
                Vec::new()
            },
            rollout: Rollout::AtOnce,
            rollback_at: None,
        }),
        EventKind::Fault => Event::Fault(Fault {
            name: name("outage"),
            at,
            duration: Some(lasting),
            end: None,
            target: service.or_else(any_target).unwrap_or_default(),
            kind: FaultKind::Down,
        }),
        EventKind::Traffic => Event::Traffic(TrafficEvent {
            name: name("surge"),
            at,
            duration: lasting,
            clients: first_clients.map(|c| c.name.clone()).unwrap_or_default(),
            rate_rps: first_clients.map_or(100.0, |c| typical_rps(&c.traffic)),
            from: TrafficSource::Users,
        }),
        EventKind::Alarm => Event::Alarm(Alarm {
            name: name("5xx-alarm"),
            metric: Metric::Share5xx,
            scope: Scope::System,
            threshold: 0.05,
            comparison: Comparison::Above,
            rule: AlarmRule::CloudWatch {
                period: Span::mins(1.0),
                evaluation_periods: 3,
                datapoints_to_alarm: Some(3),
                treat_missing_data: MissingData::Missing,
            },
        }),
        EventKind::Action => {
            let alarm = s.timeline.iter().find(|e| e.kind() == EventKind::Alarm).map(|e| e.name().to_owned());
            let (trigger, response) = match alarm {
                Some(a) => (
                    Trigger::Alarm(a),
                    Response::Human(HumanResponse {
                        acknowledge: Delay::Fixed(Span::mins(5.0)),
                        investigate: Delay::Fixed(Span::mins(10.0)),
                        identify: Delay::Fixed(Span::mins(5.0)),
                        act: Delay::Fixed(Span::mins(2.0)),
                    }),
                ),
                None => (Trigger::At(at), Response::Automatic { delay: Span(0.0) }),
            };
            Event::Action(Action { name: name("page"), trigger, response, act: Act::Page })
        }
    }
}

/// A population's usual rate.
fn typical_rps(t: &Traffic) -> f64 {
    match t {
        Traffic::Constant { rate_rps } => *rate_rps,
        Traffic::Steps { steps } => steps.iter().map(|s| s.rate_rps).fold(0.0, f64::max),
        Traffic::Diurnal { mean_rps, .. } => *mean_rps,
        Traffic::Spike { base_rps, .. } => *base_rps,
    }
}
