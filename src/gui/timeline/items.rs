//! What the entry lanes draw, as data: the scenario's entries (bars, markers, chips) and, after a
//! run, replicate 0's log over them (alarms firing, changes in force, actions, faults, crashes);
//! what is in force at a time, for the scrubber's caption.

use super::super::theme;
use super::{end_s, start_of, start_s, time_text};
use crate::model::{Event, EventKind, Scenario, UtcTime};
use crate::report::Report;
use crate::report::timeline::LogLine;
use egui::Color32;

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
