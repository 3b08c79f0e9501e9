//! The scenario timeline under the canvas: a time ruler with the scrubber (which replays the run
//! over the canvas), one lane per client population drawing its traffic profile, one lane per
//! kind of timeline entry (changes, faults, traffic events, alarms, actions), and the run's
//! outcomes per second at the foot, all on one time axis.
//!
//! A `Steps` profile is edited in place: drag a step's point (one undo step per drag), double-click
//! the lane to add a step, right-click a point to remove it. Timeline entries are drawn at their
//! start, as a bar to their end where they last, labelled with their name: click one to select it,
//! drag it to move it (one undo step), right-click an empty spot of a lane to add an entry of that
//! kind there. After a run, replicate 0's log is drawn over the lanes: alarms firing (red bars),
//! changes in force with their stages and rollbacks (ticks), actions from trigger to act with
//! their phases, faults active and instances crashed. What is drawn is computed as data first
//! ([`lane_items`], [`ruler_ticks`], [`in_force_at`]).
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the state, the lanes' layout, [`timeline_ui`] drawing the ruler and the scrubber |
//! | `ruler.rs` | the ruler's ticks, and the snapping of drags and new entries |
//! | `entries.rs` | timeline entries as data: start, end, moved, a new entry |
//! | `items.rs` | what the entry lanes draw, from the entries and replicate 0's log |
//! | `traffic_lanes.rs` | the client populations' traffic lanes, `Steps` edited in place |
//! | `event_lanes.rs` | one lane of timeline entries: painting, select, drag, add |
//! | `outcomes_lane.rs` | answers per second by outcome under the entries, on the same time axis |
//!
//! [`in_force_at`]: items::in_force_at

use super::commands::Command;
use super::theme;
use crate::model::{EventKind, Node, Scenario, Traffic, UtcTime};
use crate::report::Report;
use egui::{Align2, FontId, Rect, Sense, Stroke, Ui, pos2, vec2};
use event_lanes::event_lane_ui;
use traffic_lanes::traffic_lanes_ui;

mod entries;
mod event_lanes;
mod items;
mod outcomes_lane;
mod ruler;
mod traffic_lanes;

pub use entries::{end_s, moved_to, new_event, start_s};
pub use items::{LaneItem, Look, lane_items, scrub_caption};
pub use outcomes_lane::round_top;
pub use ruler::ruler_ticks;

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
    RULER_H + lanes as f32 * LANE_H + EventKind::ALL.len() as f32 * EVENT_LANE_H + outcomes_lane::OUTCOMES_H + 6.0
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
    let outcomes = Rect::from_min_size(
        pos2(rect.min.x, events_top + EventKind::ALL.len() as f32 * EVENT_LANE_H),
        vec2(rect.width(), outcomes_lane::OUTCOMES_H),
    );
    outcomes_lane::outcomes_lane_ui(ui, &painter, report, outcomes, Geometry { plot, duration, start });

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

#[cfg(test)]
mod tests {
    use super::items::in_force_at;
    use super::ruler::{snap, snap_step};
    use super::*;
    use crate::model::load;
    use crate::model::validate::{Severity, validate};
    use crate::model::{At, Event, Span, Trigger};
    use crate::report::timeline::LogLine;
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
