//! The scenario timeline under the canvas: a time ruler with the scrubber (which replays the run
//! over the canvas), one lane per client population drawing its traffic profile, and one lane per
//! kind of timeline entry (changes, faults, traffic events, alarms, actions).
//!
//! A `Steps` profile is edited in place: drag a step's point (one undo step per drag), double-click
//! the lane to add a step, right-click a point to remove it. Timeline entries are drawn at their
//! start, as a bar to their end where they last, labelled with their name: click one to select it,
//! drag it to move it (one undo step), right-click an empty spot of a lane to add an entry of that
//! kind there. After a run, replicate 0's log is drawn over the lanes: alarms firing (red bars),
//! changes in force with their stages and rollbacks (ticks), actions from trigger to act with
//! their phases, faults active and instances crashed. What is drawn is computed as data first
//! ([`lane_items`], [`ruler_ticks`], [`in_force_at`]).

use super::commands::{Command, free_event_name};
use super::theme;
use crate::model::{
    Act, Action, Alarm, AlarmRule, At, Change, Comparison, Delay, Event, EventKind, Fault, FaultKind, HumanResponse,
    Metric, MissingData, Node, NodeKind, ParamValue, Response, Rollout, Scenario, Scope, Setting, Span, Step, Traffic,
    TrafficEvent, TrafficSource, Trigger, UtcTime,
};
use crate::report::Report;
use crate::report::timeline::LogLine;
use crate::sim::plan::TrafficPlan;
use crate::sim::time::secs_to_ns;
use egui::{Align2, Color32, FontId, PointerButton, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Ui, pos2, vec2};

/// Height of a traffic lane.
const LANE_H: f32 = 44.0;
/// Height of a lane of timeline entries.
const EVENT_LANE_H: f32 = 22.0;
/// Width of the lane labels.
const LABEL_W: f32 = 110.0;
/// Height of the ruler.
const RULER_H: f32 = 18.0;
/// Font size of entry labels.
const LABEL_SIZE: f32 = 11.5;

#[derive(Clone, Debug)]
struct StepDrag {
    node: String,
    index: usize,
    at_s: f64,
    rate_rps: f64,
}

/// A timeline entry being dragged.
#[derive(Clone, Debug)]
struct EventDrag {
    /// Its index in the timeline.
    index: usize,
    /// The pointer's time when the drag started, s.
    grab_s: f64,
    /// Its start when the drag started, s.
    from_s: f64,
    /// Its start now (snapped), s.
    to_s: f64,
}

/// The timeline's interaction state.
#[derive(Debug, Default)]
pub struct TimelineState {
    drag: Option<StepDrag>,
    event_drag: Option<EventDrag>,
}

/// What the user did on the timeline.
#[derive(Debug, Default, PartialEq)]
pub struct TimelineOut {
    /// Document changes.
    pub commands: Vec<Command>,
    /// Select the timeline entry at this index.
    pub select: Option<usize>,
}

/// The lane title of an entry kind.
pub fn lane_title(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Change => "changes",
        EventKind::Fault => "faults",
        EventKind::Traffic => "traffic events",
        EventKind::Alarm => "alarms",
        EventKind::Action => "actions",
    }
}

/// Height the timeline needs for a scenario.
pub fn height(scenario: &Scenario) -> f32 {
    let lanes = clients(scenario).count().clamp(1, 4);
    RULER_H + lanes as f32 * LANE_H + EventKind::ALL.len() as f32 * EVENT_LANE_H + 6.0
}

fn clients(s: &Scenario) -> impl Iterator<Item = (&str, &Traffic)> {
    s.topology.nodes.iter().filter_map(|n| match n {
        Node::Clients(c) => Some((c.name.as_str(), &c.traffic)),
        _ => None,
    })
}

/// The scrubber's time for a bucket.
pub fn bucket_time(report: &Report, bucket: usize) -> Option<f64> {
    report.series.t_s.get(bucket).map(|t| t + report.bucket_s / 2.0)
}

/// The run's wall-clock start, when the scenario sets one.
pub fn start_of(s: &Scenario) -> Option<UtcTime> {
    (s.run.start.0 != 0).then_some(s.run.start)
}

/// A time of the run in words: `09:13` (or `09:13:20`) with a start time, else `780 s`.
pub fn time_text(start: Option<UtcTime>, t_s: f64) -> String {
    match start {
        Some(st) => st.clock_after(t_s),
        None => format!("{t_s:.0} s"),
    }
}

// ---------------------------------------------------------------------------------------------
// The ruler.

/// A tick of the ruler.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Seconds from the start.
    pub t_s: f64,
    /// `09:15` with a start time, else `600 s`.
    pub label: String,
}

/// Ruler ticks on round values: wall-clock times (multiples of the step in time of day) when the
/// run has a start, else multiples of the step in seconds; at most `max_ticks` + 1 of them.
pub fn ruler_ticks(duration_s: f64, start: Option<UtcTime>, max_ticks: usize) -> Vec<Tick> {
    const STEPS: [f64; 20] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
        43200.0, 86400.0, 172_800.0, 604_800.0,
    ];
    let duration = duration_s.max(1e-3);
    let max = max_ticks.max(1) as f64;
    let step = STEPS.iter().copied().find(|s| duration / s <= max).unwrap_or(duration / max);
    // Ticks sit on multiples of the step in wall-clock seconds, or in seconds from the start.
    let origin = start.map_or(0.0, |s| s.0 as f64);
    let first = (origin / step).ceil() * step - origin;
    let mut out = Vec::new();
    let mut k = 0.0;
    loop {
        let t = first + k * step;
        if t > duration + 1e-9 {
            break;
        }
        let label = match start {
            Some(st) => st.clock_after(t),
            None if step >= 60.0 && duration >= 3600.0 => format!("{:.0} min", t / 60.0),
            None => format!("{t:.0} s"),
        };
        out.push(Tick { t_s: t, label });
        k += 1.0;
    }
    out
}

/// The step drags and new entries snap to: a round number of seconds worth at least 2 points.
fn snap_step(duration_s: f64, width: f32) -> f64 {
    let per_point = duration_s / f64::from(width.max(1.0));
    [1.0, 5.0, 10.0, 15.0, 30.0, 60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0]
        .into_iter()
        .find(|s| *s >= 2.0 * per_point)
        .unwrap_or(3600.0)
}

/// `t_s` rounded to a multiple of `step` on the wall clock (or from the start without one), kept
/// inside the run.
fn snap(t_s: f64, step: f64, start: Option<UtcTime>, duration_s: f64) -> f64 {
    let origin = start.map_or(0.0, |s| s.0 as f64);
    let t = ((origin + t_s) / step).round() * step - origin;
    let last = ((origin + duration_s) / step).ceil() * step - origin - step;
    t.clamp(0.0, last.max(0.0))
}

// ---------------------------------------------------------------------------------------------
// Entries as data.

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

/// How a lane item is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Look {
    /// From the log: a change in force, a fault or traffic event active, an instance down (a pale
    /// band behind the rest).
    Band,
    /// From the log: an alarm firing (a red bar with its name).
    Firing,
    /// From the log: an action from its trigger to its act (a thin bar).
    Response,
    /// A scheduled entry: a marker at its start, a bar to its end where it lasts; draggable.
    Scheduled,
    /// From the log: a moment (a rollout stage, a rollback, an act, a crash).
    Tick,
    /// From the log: a person's phase (acknowledged, investigated, identified).
    MinorTick,
    /// An entry with no time of its own and nothing in the log yet: a chip at the lane's right end.
    Chip,
}

/// One thing drawn in an entry lane.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneItem {
    /// The lane.
    pub lane: EventKind,
    /// The timeline entry it belongs to (clicking it selects that entry).
    pub index: Option<usize>,
    /// How it is drawn.
    pub look: Look,
    /// Start, s.
    pub start_s: f64,
    /// End, s, for bars and bands.
    pub end_s: Option<f64>,
    /// Its label, if it has one.
    pub label: Option<String>,
    /// Its colour.
    pub colour: Color32,
    /// What hovering it says.
    pub tooltip: String,
}

/// Everything the entry lanes draw: the scenario's entries, and replicate 0's log when there is a
/// report with a timeline.
pub fn lane_items(s: &Scenario, report: Option<&Report>) -> Vec<LaneItem> {
    let start = s.run.start;
    let clock = start_of(s);
    let run_end = s.run.duration_s;
    let mut out = Vec::new();
    let log: &[LogLine] = report.and_then(|r| r.timeline.as_ref()).map_or(&[], |t| t.log.as_slice());
    for (i, e) in s.timeline.iter().enumerate() {
        let kind = e.kind();
        let about = format!("{} {}: {}", kind.label(), e.name(), e.describe());
        match start_s(e, start) {
            Some(t0) => {
                let end = end_s(e, start, run_end);
                let when = match end {
                    Some(t1) => format!("{} to {}", time_text(clock, t0), time_text(clock, t1)),
                    None => format!("at {}", time_text(clock, t0)),
                };
                out.push(LaneItem {
                    lane: kind,
                    index: Some(i),
                    look: Look::Scheduled,
                    start_s: t0,
                    end_s: end,
                    label: Some(e.name().to_owned()),
                    colour: theme::event_colour(kind),
                    tooltip: format!("{about}\n{when}; drag to move, Delete to remove"),
                });
            }
            None if !log.iter().any(|l| l.kind == kind && l.entry == e.name()) => {
                let why = match e {
                    Event::Alarm(_) => "watches the whole run",
                    Event::Action(_) => "acts when its alarm fires",
                    _ => "applied only by an action",
                };
                out.push(LaneItem {
                    lane: kind,
                    index: Some(i),
                    look: Look::Chip,
                    start_s: 0.0,
                    end_s: None,
                    label: Some(e.name().to_owned()),
                    colour: theme::event_colour(kind),
                    tooltip: format!("{about}\n{why}"),
                });
            }
            None => {}
        }
    }
    // The log: intervals open from one line to the line that closes them (or the run's end).
    let mut log_items = LogItems { s, start: report.and_then(|r| r.start), open: Vec::new(), out: Vec::new() };
    for l in log {
        log_items.line(l);
    }
    let end_of_run = report.map_or(run_end, |r| r.duration_s);
    let still: Vec<(EventKind, String)> = log_items.open.iter().map(|o| (o.kind, o.entry.clone())).collect();
    for (kind, entry) in still {
        log_items.close(kind, &entry, end_of_run, "until the end of the run");
    }
    out.extend(log_items.out);
    out.sort_by_key(|i| i.look);
    out
}

/// An interval of the log waiting for the line that closes it.
struct Open {
    kind: EventKind,
    entry: String,
    t_s: f64,
    look: Look,
}

/// Lane items from a log, line by line.
struct LogItems<'a> {
    s: &'a Scenario,
    start: Option<UtcTime>,
    open: Vec<Open>,
    out: Vec<LaneItem>,
}

impl LogItems<'_> {
    fn index_of(&self, kind: EventKind, name: &str) -> Option<usize> {
        self.s.timeline.iter().position(|e| e.kind() == kind && e.name() == name)
    }

    fn is_open(&self, kind: EventKind, entry: &str) -> bool {
        self.open.iter().any(|o| o.kind == kind && o.entry == entry)
    }

    fn open(&mut self, l: &LogLine, look: Look) {
        if !self.is_open(l.kind, &l.entry) {
            self.open.push(Open { kind: l.kind, entry: l.entry.clone(), t_s: l.t_s, look });
        }
    }

    /// Closes the open interval of `entry` at `t_s` (`what`: the state it was in).
    fn close(&mut self, kind: EventKind, entry: &str, t_s: f64, what: &str) {
        let Some(k) = self.open.iter().position(|o| o.kind == kind && o.entry == entry) else { return };
        let o = self.open.remove(k);
        let index = self.index_of(kind, &o.entry);
        let untimed = index.and_then(|i| self.s.timeline.get(i)).is_none_or(|e| e.at().is_none());
        let span = format!("{} to {}", time_text(self.start, o.t_s), time_text(self.start, t_s));
        let name = o.entry;
        let (label, colour, tooltip) = match o.look {
            Look::Firing => (Some(name.clone()), theme::FIRING, format!("alarm {name} firing {span}")),
            Look::Response => (
                untimed.then(|| name.clone()),
                theme::event_colour(kind),
                format!("action {name}: from its trigger to {what}, {span}"),
            ),
            // An entry with no time of its own is named where the log places it.
            _ => (untimed.then(|| name.clone()), theme::event_colour(kind), format!("{name} {what}: {span}")),
        };
        self.out.push(LaneItem {
            lane: kind,
            index,
            look: o.look,
            start_s: o.t_s,
            end_s: Some(t_s),
            label,
            colour,
            tooltip,
        });
    }

    fn tick(&mut self, l: &LogLine, look: Look, colour: Color32) {
        self.out.push(LaneItem {
            lane: l.kind,
            index: self.index_of(l.kind, &l.entry),
            look,
            start_s: l.t_s,
            end_s: None,
            label: None,
            colour,
            tooltip: format!("{} {}: {}", time_text(self.start, l.t_s), l.entry, l.what),
        });
    }

    fn line(&mut self, l: &LogLine) {
        let colour = theme::event_colour(l.kind);
        match (l.kind, l.what.as_str()) {
            (EventKind::Change, "rolled back") => {
                self.tick(l, Look::Tick, theme::ROLLBACK);
                self.close(l.kind, &l.entry, l.t_s, "in force");
            }
            (EventKind::Change, _) => {
                self.tick(l, Look::Tick, colour);
                self.open(l, Look::Band);
            }
            (EventKind::Alarm, "firing") => self.open(l, Look::Firing),
            (EventKind::Alarm, _) => self.close(l.kind, &l.entry, l.t_s, "firing"),
            (EventKind::Action, "triggered") => self.open(l, Look::Response),
            (EventKind::Action, "acted") => {
                self.tick(l, Look::Tick, colour);
                self.close(l.kind, &l.entry, l.t_s, "its act");
            }
            (EventKind::Action, _) => self.tick(l, Look::MinorTick, colour),
            (EventKind::Fault | EventKind::Traffic, "started") => self.open(l, Look::Band),
            (EventKind::Fault, w) if w.starts_with("crashed") => {
                self.tick(l, Look::Tick, theme::BAD);
                self.open(l, Look::Band);
            }
            (EventKind::Fault, "restarted") => {
                self.tick(l, Look::Tick, theme::OK);
                self.close(l.kind, &l.entry, l.t_s, "down");
            }
            _ => self.close(l.kind, &l.entry, l.t_s, "active"),
        }
    }
}

/// What is in force at `t_s` according to a log: changes live (and at what stage), faults and
/// traffic events active, instances down, alarms firing, actions under way; in lane order.
pub fn in_force_at(log: &[LogLine], t_s: f64) -> Vec<String> {
    let mut live: Vec<(EventKind, String, String)> = Vec::new();
    for l in log.iter().filter(|l| l.t_s <= t_s + 1e-9) {
        live.retain(|(k, e, _)| !(*k == l.kind && *e == l.entry));
        let what = match (l.kind, l.what.as_str()) {
            (EventKind::Change, "in force for every request") => format!("{} in force", l.entry),
            (EventKind::Change, w) => match w.strip_prefix("rollout stage: ") {
                Some(share) => format!("{} at {share}", l.entry),
                None => continue,
            },
            (EventKind::Fault, "started") => format!("fault {} active", l.entry),
            (EventKind::Fault, w) if w.starts_with("crashed") => format!("{} crashed", l.entry),
            (EventKind::Traffic, "started") => format!("{} sending", l.entry),
            (EventKind::Alarm, "firing") => format!("alarm {} firing", l.entry),
            (EventKind::Action, "triggered") => format!("{} paged", l.entry),
            (EventKind::Action, "acted") => continue,
            (EventKind::Action, w) => format!("{} {w}", l.entry),
            _ => continue,
        };
        live.push((l.kind, l.entry.clone(), what));
    }
    live.sort_by_key(|(k, _, _)| *k);
    live.into_iter().map(|(_, _, w)| w).collect()
}

/// The canvas caption while the scrubber is at `t_s`: `Replaying 09:15 — payments-v2 in force;
/// alarm 5xx-high firing`.
pub fn scrub_caption(report: &Report, t_s: f64) -> String {
    let when = time_text(report.start, t_s);
    match &report.timeline {
        Some(tl) => {
            let live = in_force_at(&tl.log, t_s);
            let what = if live.is_empty() { "nothing in force".to_owned() } else { live.join("; ") };
            format!("Replaying {when} — {what}")
        }
        None => format!("Replaying the run at {when}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing.

/// Draws the timeline; moves the scrubber (`scrub`, a bucket of `report`); returns the edits and
/// the entry to select. `selected` is the selected entry's index.
pub fn timeline_ui(
    ui: &mut Ui,
    scenario: &Scenario,
    report: Option<&Report>,
    scrub: &mut Option<usize>,
    state: &mut TimelineState,
    selected: Option<usize>,
) -> TimelineOut {
    let mut out = TimelineOut::default();
    let duration = scenario.run.duration_s.max(1e-3);
    let start = start_of(scenario);
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), height(scenario)), Sense::hover());
    let painter = ui.painter_at(rect);
    let plot = Rect::from_min_max(pos2(rect.min.x + LABEL_W, rect.min.y), rect.max - vec2(8.0, 0.0));
    let x_of = |t: f64| plot.min.x + (t / duration) as f32 * plot.width();
    let t_of = |x: f32| (((x - plot.min.x) / plot.width()) as f64 * duration).clamp(0.0, duration);

    // Ruler and scrubber.
    let ruler = Rect::from_min_size(plot.min, vec2(plot.width(), RULER_H));
    painter.text(
        pos2(rect.min.x, ruler.center().y),
        Align2::LEFT_CENTER,
        "TIMELINE",
        FontId::proportional(11.0),
        theme::TEXT_DIM,
    );
    let ticks = ruler_ticks(duration, start, ((plot.width() / 95.0).floor() as usize).max(2));
    let font = FontId::proportional(11.0);
    for tick in &ticks {
        let x = x_of(tick.t_s);
        let galley = painter.layout_no_wrap(tick.label.clone(), font.clone(), theme::TEXT_DIM);
        let w = galley.size().x;
        let left = (x - w / 2.0).clamp(plot.min.x, plot.max.x - w);
        painter.galley(pos2(left, ruler.center().y - galley.size().y / 2.0), galley, theme::TEXT_DIM);
        painter.line_segment([pos2(x, ruler.max.y - 3.0), pos2(x, rect.max.y)], Stroke::new(1.0, theme::LANE_GRID));
    }
    let ruler_resp = ui.interact(ruler, ui.scope_id().with("ruler"), Sense::click_and_drag());
    if let Some(r) = report {
        let n = r.series.t_s.len();
        if ruler_resp.double_clicked() {
            *scrub = None;
        } else if (ruler_resp.clicked() || ruler_resp.dragged())
            && let Some(p) = ruler_resp.interact_pointer_pos()
            && n > 0
        {
            let b = (t_of(p.x) / r.bucket_s.max(1e-9)).floor() as usize;
            *scrub = Some(b.min(n - 1));
        }
        ruler_resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "timeline ruler"));
        ruler_resp
            .on_hover_text("Click or drag to replay the run on the canvas; double-click to show the whole run again");
    }

    let traffic_lanes = clients(scenario).count().clamp(1, 4);
    let events_top = ruler.max.y + traffic_lanes as f32 * LANE_H;
    traffic_lanes_ui(ui, &painter, scenario, rect, ruler, plot, state, &mut out);
    let items = lane_items(scenario, report);
    for (k, kind) in EventKind::ALL.into_iter().enumerate() {
        let lane = Rect::from_min_size(
            pos2(rect.min.x, events_top + k as f32 * EVENT_LANE_H),
            vec2(rect.width(), EVENT_LANE_H),
        );
        let geometry = Geometry { plot, duration, start };
        event_lane_ui(ui, &painter, scenario, kind, lane, geometry, &items, state, selected, &mut out);
    }

    if let (Some(r), Some(b)) = (report, *scrub)
        && let Some(t) = bucket_time(r, b)
    {
        let x = x_of(t);
        painter.line_segment([pos2(x, ruler.min.y), pos2(x, rect.max.y)], Stroke::new(1.5, theme::SCRUB));
        let label = time_text(r.start, t);
        let galley = painter.layout_no_wrap(label, FontId::proportional(11.0), theme::TEXT);
        let pill = Rect::from_center_size(pos2(x, ruler.center().y), galley.size() + vec2(10.0, 2.0));
        painter.rect_filled(pill, 6.0, theme::SCRUB);
        painter.galley(pill.min + vec2(5.0, 1.0), galley, theme::TEXT);
    }
    out
}

/// How times map onto the lanes.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    plot: Rect,
    duration: f64,
    start: Option<UtcTime>,
}

impl Geometry {
    fn x_of(&self, t: f64) -> f32 {
        self.plot.min.x + (t / self.duration) as f32 * self.plot.width()
    }
    fn t_of(&self, x: f32) -> f64 {
        (((x - self.plot.min.x) / self.plot.width()) as f64 * self.duration).clamp(0.0, self.duration)
    }
}

/// The client populations' traffic lanes (the first four; the inspector edits the others).
#[allow(clippy::too_many_arguments, reason = "the timeline's geometry, all needed")]
fn traffic_lanes_ui(
    ui: &mut Ui,
    painter: &egui::Painter,
    scenario: &Scenario,
    rect: Rect,
    ruler: Rect,
    plot: Rect,
    state: &mut TimelineState,
    out: &mut TimelineOut,
) {
    let duration = scenario.run.duration_s.max(1e-3);
    let x_of = |t: f64| plot.min.x + (t / duration) as f32 * plot.width();
    let t_of = |x: f32| (((x - plot.min.x) / plot.width()) as f64 * duration).clamp(0.0, duration);
    let populations = clients(scenario).count();
    if populations == 0 {
        painter.text(
            pos2(plot.min.x, ruler.max.y + LANE_H / 2.0),
            Align2::LEFT_CENTER,
            "No client population: add Clients from the palette to send traffic",
            FontId::proportional(12.0),
            theme::TEXT_DIM,
        );
    } else if populations > 4 {
        painter.text(
            pos2(rect.min.x, ruler.max.y + 4.0 * LANE_H - 2.0),
            Align2::LEFT_BOTTOM,
            format!("+{} more (select them to edit)", populations - 4),
            FontId::proportional(10.0),
            theme::TEXT_DIM,
        );
    }
    for (k, (name, traffic)) in clients(scenario).take(4).enumerate() {
        let lane = Rect::from_min_size(pos2(rect.min.x, ruler.max.y + k as f32 * LANE_H), vec2(rect.width(), LANE_H));
        let area = Rect::from_min_max(pos2(plot.min.x, lane.min.y + 3.0), pos2(plot.max.x, lane.max.y - 3.0));
        painter.rect_filled(area, 2.0, theme::CANVAS);
        painter.text(
            pos2(lane.min.x, lane.center().y),
            Align2::LEFT_CENTER,
            format!("traffic {name}"),
            FontId::proportional(12.0),
            theme::TEXT,
        );
        // The profile as drawn, with a dragged step in its new place.
        let mut shown = traffic.clone();
        if let (Some(d), Traffic::Steps { steps }) = (&state.drag, &mut shown)
            && d.node == name
            && let Some(s) = steps.get_mut(d.index)
        {
            s.at_s = d.at_s;
            s.rate_rps = d.rate_rps;
        }
        let plan = TrafficPlan::new(&sorted(&shown));
        let samples = 240;
        let rates: Vec<(f64, f64)> = (0..=samples)
            .map(|i| {
                let t = duration * i as f64 / samples as f64;
                (t, plan.rate_at(secs_to_ns(t)))
            })
            .collect();
        let max = rates.iter().map(|r| r.1).fold(1.0, f64::max) * 1.5;
        let y_of = |rate: f64| area.max.y - (rate / max) as f32 * area.height();
        let rate_of = |y: f32| (((area.max.y - y) / area.height()) as f64 * max).max(0.0);
        let line: Vec<Pos2> = match &shown {
            Traffic::Steps { .. } | Traffic::Constant { .. } | Traffic::Spike { .. } => {
                let mut pts = Vec::new();
                let mut prev: Option<f64> = None;
                for &(t, r) in &rates {
                    if let Some(p) = prev
                        && p != r
                    {
                        pts.push(pos2(x_of(t), y_of(p)));
                    }
                    pts.push(pos2(x_of(t), y_of(r)));
                    prev = Some(r);
                }
                pts
            }
            Traffic::Diurnal { .. } => rates.iter().map(|&(t, r)| pos2(x_of(t), y_of(r))).collect(),
        };
        painter.add(Shape::line(line, Stroke::new(1.5, theme::kind_colour(NodeKind::Clients))));
        painter.text(
            area.right_top() + vec2(-4.0, 1.0),
            Align2::RIGHT_TOP,
            format!("peak {:.0} r/s", max / 1.5),
            FontId::proportional(10.0),
            theme::TEXT_DIM,
        );

        let Traffic::Steps { steps } = &shown else {
            continue;
        };
        let handles: Vec<Pos2> = steps.iter().map(|s| pos2(x_of(s.at_s), y_of(s.rate_rps))).collect();
        for h in &handles {
            painter.circle(*h, 4.0, theme::CARD, Stroke::new(1.5, theme::ACCENT));
        }
        let resp = ui.interact(area, ui.scope_id().with(("lane", name)), Sense::click_and_drag());
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, format!("traffic lane {name}")));
        let hit = |p: Pos2| handles.iter().position(|h| h.distance(p) < 8.0);
        if resp.drag_started_by(PointerButton::Primary)
            && let Some(origin) = ui.input(|i| i.pointer.press_origin())
            && let Some(i) = hit(origin)
        {
            state.drag =
                Some(StepDrag { node: name.to_owned(), index: i, at_s: steps[i].at_s, rate_rps: steps[i].rate_rps });
        }
        if resp.dragged()
            && let Some(p) = resp.interact_pointer_pos()
            && let Some(d) = &mut state.drag
            && d.node == name
        {
            d.at_s = (t_of(p.x) * 10.0).round() / 10.0;
            d.rate_rps = rate_of(p.y).round();
        }
        if resp.drag_stopped()
            && let Some(d) = state.drag.take()
            && d.node == name
        {
            out.commands.push(Command::SetTraffic { node: name.to_owned(), traffic: sorted(&shown) });
        }
        if resp.double_clicked()
            && let Some(p) = resp.interact_pointer_pos()
        {
            let mut new = steps.clone();
            new.push(Step { at_s: (t_of(p.x) * 10.0).round() / 10.0, rate_rps: rate_of(p.y).round() });
            out.commands
                .push(Command::SetTraffic { node: name.to_owned(), traffic: sorted(&Traffic::Steps { steps: new }) });
        }
        if resp.secondary_clicked()
            && let Some(p) = resp.interact_pointer_pos()
            && let Some(i) = hit(p)
        {
            let mut new = steps.clone();
            new.remove(i);
            out.commands.push(Command::SetTraffic { node: name.to_owned(), traffic: Traffic::Steps { steps: new } });
        }
        resp.on_hover_text("Drag a point to move a step; double-click to add one; right-click a point to remove it");
    }
}

/// Where an item is on screen: what is hit and where its label goes.
struct Placed<'a> {
    item: &'a LaneItem,
    /// The marker, bar, band or tick.
    shape: Rect,
    /// The shape and its label: what a click hits.
    hit: Rect,
    /// Where the label starts (left centre).
    label_at: Pos2,
}

/// Places a lane's items: bars and markers at their times, chips stacked from the lane's right end.
fn place<'a>(
    items: &'a [LaneItem],
    kind: EventKind,
    area: Rect,
    g: Geometry,
    drag: Option<&EventDrag>,
    painter: &egui::Painter,
) -> Vec<Placed<'a>> {
    let font = FontId::proportional(LABEL_SIZE);
    let width = |text: &Option<String>| {
        text.as_ref().map_or(0.0, |t| painter.layout_no_wrap(t.clone(), font.clone(), theme::TEXT).size().x)
    };
    let mut chip_right = area.max.x - 2.0;
    let mut out = Vec::new();
    for item in items.iter().filter(|i| i.lane == kind) {
        // A dragged entry is drawn where it is being dropped.
        let shift = match (drag, item.look) {
            (Some(d), Look::Scheduled) if Some(d.index) == item.index => d.to_s - d.from_s,
            _ => 0.0,
        };
        let x0 = g.x_of(item.start_s + shift);
        let x1 = item.end_s.map(|e| g.x_of(e + shift).max(x0 + 2.0));
        let label_w = width(&item.label);
        let (shape, label_at) = match item.look {
            Look::Chip => {
                let w = label_w + 12.0;
                let r = Rect::from_min_max(pos2(chip_right - w, area.min.y + 1.0), pos2(chip_right, area.max.y - 1.0));
                chip_right -= w + 6.0;
                (r, pos2(r.min.x + 6.0, r.center().y))
            }
            Look::Band => {
                let r = Rect::from_x_y_ranges(x0..=x1.unwrap_or(x0 + 2.0), area.y_range());
                (r, pos2(r.min.x + 5.0, r.center().y))
            }
            Look::Firing => {
                let r = Rect::from_x_y_ranges(x0..=x1.unwrap_or(x0 + 2.0), area.shrink2(vec2(0.0, 2.0)).y_range());
                (r, pos2(r.min.x + 4.0, r.center().y))
            }
            Look::Response => {
                let r = Rect::from_x_y_ranges(x0..=x1.unwrap_or(x0 + 2.0), (area.max.y - 5.0)..=(area.max.y - 2.0));
                (r, pos2(r.min.x + 4.0, area.center().y - 2.0))
            }
            Look::Scheduled => {
                let r = match x1 {
                    Some(x1) => Rect::from_x_y_ranges(x0..=x1, area.shrink2(vec2(0.0, 3.0)).y_range()),
                    None => Rect::from_x_y_ranges((x0 - 3.0)..=(x0 + 3.0), area.shrink2(vec2(0.0, 2.0)).y_range()),
                };
                let label_x = if x1.is_some() { x0 + 5.0 } else { x0 + 7.0 };
                (r, pos2(label_x, area.center().y))
            }
            Look::Tick | Look::MinorTick => {
                let r = Rect::from_x_y_ranges((x0 - 3.0)..=(x0 + 3.0), area.y_range());
                (r, pos2(x0, area.center().y))
            }
        };
        let label_rect = Rect::from_min_size(
            pos2(label_at.x, area.min.y),
            vec2(if item.look == Look::Chip { 0.0 } else { label_w }, area.height()),
        );
        let hit = if item.label.is_some() { shape.union(label_rect) } else { shape };
        out.push(Placed { item, shape, hit, label_at });
    }
    out
}

/// The entry under the pointer: entries drawn by themselves (markers, bars, chips) before what
/// the log drew; among equals, the one starting nearest the pointer.
fn hit<'a>(placed: &'a [Placed<'a>], p: Pos2) -> Option<&'a Placed<'a>> {
    let rank = |l: Look| match l {
        Look::Scheduled | Look::Chip => 0,
        Look::Firing | Look::Response => 1,
        Look::Tick | Look::MinorTick => 2,
        Look::Band => 3,
    };
    placed.iter().filter(|pl| pl.hit.expand2(vec2(2.0, 0.0)).contains(p)).min_by(|a, b| {
        let key = |pl: &Placed<'_>| (rank(pl.item.look), (pl.shape.min.x - p.x).abs());
        let (ra, da) = key(a);
        let (rb, db) = key(b);
        ra.cmp(&rb).then(da.total_cmp(&db))
    })
}

/// One lane of timeline entries: its items, and its clicks, drags and right-clicks.
#[allow(clippy::too_many_arguments, reason = "the timeline's geometry and state, all needed")]
fn event_lane_ui(
    ui: &mut Ui,
    painter: &egui::Painter,
    scenario: &Scenario,
    kind: EventKind,
    lane: Rect,
    g: Geometry,
    items: &[LaneItem],
    state: &mut TimelineState,
    selected: Option<usize>,
    out: &mut TimelineOut,
) {
    let area = Rect::from_min_max(pos2(g.plot.min.x, lane.min.y + 1.0), pos2(g.plot.max.x, lane.max.y - 1.0));
    painter.rect_filled(area, 2.0, theme::LANE);
    painter.text(
        pos2(lane.min.x, lane.center().y),
        Align2::LEFT_CENTER,
        lane_title(kind),
        FontId::proportional(12.0),
        theme::TEXT,
    );
    let placed = place(items, kind, area, g, state.event_drag.as_ref(), painter);
    let font = FontId::proportional(LABEL_SIZE);
    if placed.is_empty() {
        painter.text(
            pos2(area.min.x + 6.0, area.center().y),
            Align2::LEFT_CENTER,
            "none · right-click to add one",
            FontId::proportional(10.5),
            theme::TEXT_DIM.gamma_multiply(0.7),
        );
    }
    for pl in &placed {
        let it = pl.item;
        let is_selected = it.index.is_some() && it.index == selected;
        let outline = if is_selected { Stroke::new(2.0, theme::ACCENT) } else { Stroke::NONE };
        match it.look {
            Look::Band => {
                painter.rect_filled(pl.shape, 0.0, it.colour.gamma_multiply(0.16));
            }
            Look::Firing => {
                painter.rect_filled(pl.shape, 2.0, it.colour);
                painter.rect_stroke(pl.shape, 2.0, outline, StrokeKind::Outside);
            }
            Look::Response => {
                painter.rect_filled(pl.shape, 1.0, it.colour.gamma_multiply(0.8));
            }
            Look::Scheduled => {
                let lasting = it.end_s.is_some();
                let fill = if lasting { it.colour.gamma_multiply(0.35) } else { it.colour };
                painter.rect_filled(pl.shape, 2.0, fill);
                if lasting {
                    let marker = Rect::from_x_y_ranges(pl.shape.min.x..=(pl.shape.min.x + 3.0), pl.shape.y_range());
                    painter.rect_filled(marker, 1.0, it.colour);
                }
                painter.rect_stroke(pl.shape, 2.0, outline, StrokeKind::Outside);
            }
            Look::Tick | Look::MinorTick => {
                let x = pl.shape.center().x;
                let (y0, y1) = if it.look == Look::Tick {
                    (pl.shape.min.y + 1.0, pl.shape.max.y - 1.0)
                } else {
                    (pl.shape.center().y, pl.shape.max.y - 1.0)
                };
                painter.line_segment([pos2(x, y0), pos2(x, y1)], Stroke::new(2.0, it.colour));
            }
            Look::Chip => {
                let stroke = if is_selected { outline } else { Stroke::new(1.0, it.colour) };
                painter.rect(pl.shape, 8.0, theme::CARD, stroke, StrokeKind::Inside);
            }
        }
    }
    // Labels over every shape of the lane.
    for pl in &placed {
        let it = pl.item;
        if let Some(label) = &it.label {
            // A dragged entry shows where it will start.
            let text = match &state.event_drag {
                Some(d) if Some(d.index) == it.index && it.look == Look::Scheduled => {
                    format!("{label} to {}", time_text(g.start, d.to_s))
                }
                _ => label.clone(),
            };
            painter.text(pl.label_at, Align2::LEFT_CENTER, text, font.clone(), theme::TEXT);
        }
    }

    let resp = ui.interact(area, ui.scope_id().with(("event-lane", kind)), Sense::click_and_drag());
    let title = format!("{} lane", lane_title(kind));
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, &title));
    // Drag a scheduled entry to move it: one command when it is dropped.
    if resp.drag_started_by(PointerButton::Primary)
        && let Some(origin) = ui.input(|i| i.pointer.press_origin())
        && let Some(pl) = hit(&placed, origin)
        && let Some(index) = pl.item.index
    {
        out.select = Some(index);
        if pl.item.look == Look::Scheduled {
            let from_s = pl.item.start_s;
            state.event_drag = Some(EventDrag { index, grab_s: g.t_of(origin.x), from_s, to_s: from_s });
        }
    }
    if resp.dragged()
        && let Some(p) = resp.interact_pointer_pos()
        && let Some(d) = &mut state.event_drag
    {
        let step = snap_step(g.duration, g.plot.width());
        d.to_s = snap(d.from_s + g.t_of(p.x) - d.grab_s, step, g.start, g.duration);
    }
    if resp.drag_stopped()
        && let Some(d) = state.event_drag.take()
        && (d.to_s - d.from_s).abs() > 1e-9
        && let Some(e) = scenario.timeline.get(d.index)
        && e.kind() == kind
    {
        out.commands.push(Command::UpdateEvent { index: d.index, event: moved_to(e, d.to_s, scenario.run.start) });
    }
    if resp.clicked()
        && let Some(p) = resp.interact_pointer_pos()
        && let Some(index) = hit(&placed, p).and_then(|pl| pl.item.index)
    {
        out.select = Some(index);
    }
    if resp.secondary_clicked()
        && let Some(p) = resp.interact_pointer_pos()
    {
        match hit(&placed, p).and_then(|pl| pl.item.index) {
            Some(index) => out.select = Some(index),
            None => {
                let step = snap_step(g.duration, g.plot.width());
                let t = snap(g.t_of(p.x), step, g.start, g.duration);
                out.commands.push(Command::AddEvent(new_event(scenario, kind, t)));
                out.select = Some(scenario.timeline.len());
            }
        }
    }
    let hovered = resp.hover_pos().and_then(|p| hit(&placed, p)).map(|pl| pl.item.tooltip.clone());
    match hovered {
        Some(tip) => {
            resp.on_hover_text_at_pointer(tip);
        }
        None => {
            resp.on_hover_text(format!(
                "{}: right-click an empty spot to add one there",
                lane_title(kind).trim_end_matches('s')
            ));
        }
    }
}

/// Steps in time order (the model requires it).
fn sorted(t: &Traffic) -> Traffic {
    match t {
        Traffic::Steps { steps } => {
            let mut steps = steps.clone();
            steps.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
            Traffic::Steps { steps }
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load;
    use crate::model::validate::{Severity, validate};
    use std::path::Path;

    fn scenario(timeline: &str, start: &str) -> Scenario {
        let text = format!(
            r#"Scenario(format_version: 1, name: "t", run: (seed: 3, duration_s: 600{start}),
            slo: (window: "10s", hold: "30s"),
            topology: (nodes: [
                Clients((name: "users", users: 500, arrivals: Deterministic, traffic: Constant(rate_rps: 50.0))),
                Service((name: "api", instances: 2, concurrency: 8, queue_capacity: 16, service_time: Constant(ms: 10.0))),
            ], links: [(from: "users", to: "api", latency: Constant(ms: 1.0))]),
            timeline: [{timeline}])"#
        );
        load::from_str(&text, Path::new("t.ron")).unwrap_or_else(|e| panic!("{e}"))
    }

    const INCIDENT: &str = r#"
        Fault((name: "outage", at: 100, end: 200, target: "api", kind: Errors(share: 1.0, status: 503))),
        Alarm((name: "5xx", metric: Share5xx, threshold: 0.05,
               rule: Prometheus(interval: "10s", window: "10s", for: "10s"))),
        Action((name: "pager", trigger: Alarm("5xx"), act: Page,
                response: Human((acknowledge: Fixed("20s"), investigate: Fixed("20s"), identify: Fixed("10s"), act: Fixed("10s"))))),
    "#;

    #[test]
    fn ruler_ticks_are_round_clock_times_or_seconds() {
        let start = UtcTime::parse("2024-03-05T09:00:00Z").ok();
        let t = ruler_ticks(4800.0, start, 10);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["09:00", "09:10", "09:20", "09:30", "09:40", "09:50", "10:00", "10:10", "10:20"]);
        // A start off the minute: ticks stay on round clock times.
        let t = ruler_ticks(600.0, UtcTime::parse("2024-03-05T09:03:20Z").ok(), 6);
        assert_eq!(t[0].label, "09:04");
        assert!((t[0].t_s - 40.0).abs() < 1e-9);
        let t = ruler_ticks(600.0, None, 6);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0 s", "120 s", "240 s", "360 s", "480 s", "600 s"]);
    }

    #[test]
    fn a_drag_keeps_a_clock_time_a_clock_time_and_moves_the_end_with_it() {
        let s = scenario(
            r#"Fault((name: "f", at: "09:02", end: "09:04", target: "api", kind: Down)),
               Change((name: "c", at: 60, node: "api", set: [(path: "error_rate", value: 0.1)], rollback_at: 120))"#,
            r#", start: "2024-03-05T09:00:00Z""#,
        );
        let start = s.run.start;
        let f = moved_to(&s.timeline[0], 300.0, start);
        match &f {
            Event::Fault(f) => {
                assert_eq!(f.at, At::Clock(9 * 3600 + 5 * 60));
                assert_eq!(f.end, Some(At::Clock(9 * 3600 + 7 * 60)));
            }
            other => panic!("{other:?}"),
        }
        let c = moved_to(&s.timeline[1], 90.0, start);
        match &c {
            Event::Change(c) => {
                assert_eq!(c.at, Some(At::Offset(Span(90.0))));
                assert_eq!(c.rollback_at, Some(At::Offset(Span(150.0))));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(end_s(&c, start, 600.0), Some(150.0));
    }

    #[test]
    fn new_entries_validate_and_take_free_names() {
        let mut s = scenario("", r#", start: "2024-03-05T09:00:00Z""#);
        for kind in EventKind::ALL {
            let e = new_event(&s, kind, 120.0);
            assert_eq!(e.kind(), kind);
            s.timeline.push(e);
        }
        // A second fault gets a name of its own.
        let again = new_event(&s, EventKind::Fault, 300.0);
        assert_eq!(again.name(), "outage-2");
        assert_eq!(start_s(&again, s.run.start), Some(300.0));
        assert!(matches!(again.at(), Some(At::Clock(_))));
        let errors: Vec<String> =
            validate(&s, None).into_iter().filter(|p| p.severity == Severity::Error).map(|p| p.message).collect();
        assert!(errors.is_empty(), "{errors:?}");
        // The action pages on the alarm added before it.
        match &s.timeline[4] {
            Event::Action(a) => assert_eq!(a.trigger, Trigger::Alarm("5xx-alarm".into())),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lanes_draw_entries_then_the_log_of_a_run() {
        let s = scenario(INCIDENT, "");
        let before = lane_items(&s, None);
        // The fault is a bar; the alarm and the action have no time of their own: chips.
        let looks: Vec<(EventKind, Look)> = before.iter().map(|i| (i.lane, i.look)).collect();
        assert_eq!(
            looks,
            [(EventKind::Fault, Look::Scheduled), (EventKind::Alarm, Look::Chip), (EventKind::Action, Look::Chip)]
        );
        assert_eq!((before[0].start_s, before[0].end_s), (100.0, Some(200.0)));

        let r = crate::sim::run(&s, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
        let after = lane_items(&s, Some(&r));
        let firing: Vec<&LaneItem> = after.iter().filter(|i| i.look == Look::Firing).collect();
        assert_eq!(firing.len(), 1, "{after:?}");
        assert_eq!(firing[0].index, Some(1));
        assert_eq!(firing[0].label.as_deref(), Some("5xx"));
        let fired = firing[0].start_s;
        assert!((100.0..=130.0).contains(&fired), "{fired}");
        // The person: a bar from the page to the act, three phase ticks, the act's tick.
        let response: Vec<&LaneItem> = after.iter().filter(|i| i.look == Look::Response).collect();
        assert_eq!(response.len(), 1);
        assert_eq!(response[0].end_s.map(|e| (e - fired).round()), Some(60.0));
        assert_eq!(after.iter().filter(|i| i.look == Look::MinorTick).count(), 3);
        // Nothing untimed is left as a chip once the log places it.
        assert!(after.iter().all(|i| i.look != Look::Chip));

        // The scrubber's caption says what is in force.
        let log = &r.timeline.as_ref().unwrap_or_else(|| panic!("no timeline")).log;
        assert_eq!(in_force_at(log, 50.0), Vec::<String>::new());
        let mid = in_force_at(log, fired + 25.0);
        assert_eq!(mid, ["fault outage active", "alarm 5xx firing", "pager acknowledged"]);
        assert_eq!(
            scrub_caption(&r, fired + 25.0),
            format!("Replaying {:.0} s — fault outage active; alarm 5xx firing; pager acknowledged", fired + 25.0)
        );
        assert!(scrub_caption(&r, 590.0).ends_with("nothing in force"), "{}", scrub_caption(&r, 590.0));
    }

    #[test]
    fn changes_in_force_read_from_their_stages() {
        let line = |t_s: f64, entry: &str, kind: EventKind, what: &str| LogLine {
            t_s,
            clock: None,
            entry: entry.into(),
            kind,
            what: what.into(),
        };
        let log = [
            line(10.0, "canary", EventKind::Change, "rollout stage: 10%"),
            line(20.0, "canary", EventKind::Change, "in force for every request"),
            line(25.0, "api-1", EventKind::Fault, "crashed (queue full too long)"),
            line(30.0, "canary", EventKind::Change, "rolled back"),
            line(35.0, "api-1", EventKind::Fault, "restarted"),
        ];
        assert_eq!(in_force_at(&log, 15.0), ["canary at 10%"]);
        assert_eq!(in_force_at(&log, 26.0), ["canary in force", "api-1 crashed"]);
        assert!(in_force_at(&log, 40.0).is_empty());
    }

    #[test]
    fn drags_snap_to_round_times_inside_the_run() {
        assert_eq!(snap_step(4800.0, 1000.0), 10.0);
        assert_eq!(snap_step(600.0, 1000.0), 5.0);
        assert_eq!(snap(1234.0, 10.0, None, 4800.0), 1230.0);
        assert_eq!(snap(4799.0, 10.0, None, 4800.0), 4790.0);
        assert_eq!(snap(-5.0, 10.0, None, 4800.0), 0.0);
    }
}
