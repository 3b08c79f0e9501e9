//! The inspector for a timeline entry: its name, times, target and the parameters of its kind,
//! with the problems validation finds in it as callouts. Text fields (names, times, durations,
//! parameter paths and values) apply when complete (Enter or focus loss); a text that does not
//! parse says why under its field. Number drags merge into one undo step per field.
//!
//! The parameters of an alarm are edited in [`alarms`], those of an action in [`actions`]; the
//! run's start and the SLOs (shown with nothing selected) in [`slo`].

use super::commands::{Command, Document};
use super::fields::{
    TEXT_W, choice_row_ui, commit_text_ui, error_line_ui, name_row_ui, number_ui, parsed, parsed_row_ui,
};
use super::inspector::{Edit, callouts_ui, key};
use super::theme;
use crate::model::{
    At, CanaryBy, Comparison, Event, EventKind, FaultKind, NodeKind, ParamValue, Rollout, Scenario, Setting, Span,
    Stage, TrafficSource, Trigger,
};
use actions::{act_ui, response_ui};
use alarms::{metric_ui, rule_ui, scope_ui};
use egui::{Grid, Id, RichText, Ui};

mod actions;
mod alarms;
mod slo;

pub(super) use slo::run_start_and_slo_ui;

/// Hint of time fields.
const AT_HINT: &str = "14:30, 90 (s) or 15m";
/// Hint of duration fields.
const SPAN_HINT: &str = "90s, 2m, 1h15m";

/// Which edits were made this frame: the merge key of a dragged number, or none for a commit.
struct Form {
    index: usize,
    merge: Option<u64>,
}

impl Form {
    /// A number drag on `field`: frames of one drag merge.
    fn drag(&mut self, changed: bool, field: &str) {
        if changed {
            self.merge = Some(key(("event", self.index, field)));
        }
    }
}

fn at_parse(text: &str) -> Result<At, String> {
    At::parse(text.trim())
}

fn opt_at_parse(text: &str) -> Result<Option<At>, String> {
    if text.trim().is_empty() { Ok(None) } else { At::parse(text.trim()).map(Some) }
}

fn span_parse(text: &str) -> Result<Span, String> {
    Span::parse(text.trim())
}

fn opt_span_parse(text: &str) -> Result<Option<Span>, String> {
    if text.trim().is_empty() { Ok(None) } else { Span::parse(text.trim()).map(Some) }
}

fn opt_text<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A parameter value as RON text (how the file writes it).
pub fn value_text(v: &ParamValue) -> String {
    ron::to_string(v).unwrap_or_else(|_| v.describe())
}

/// A parameter value read from RON text: `0.2`, `"10r/s"`, `true`, `None`, `{"NginxLeastConn": {}}`.
pub fn parse_value(text: &str) -> Result<ParamValue, String> {
    ron::from_str::<ParamValue>(text.trim()).map_err(|e| format!("\"{}\": {e}", text.trim()))
}

/// Names of the nodes of some kinds.
fn nodes_of(s: &Scenario, kinds: &[NodeKind]) -> Vec<String> {
    s.topology.nodes.iter().filter(|n| kinds.contains(&n.kind())).map(|n| n.name().to_owned()).collect()
}

/// Names of the timeline entries of a kind.
fn entries_of(s: &Scenario, kind: EventKind) -> Vec<String> {
    s.timeline.iter().filter(|e| e.kind() == kind).map(|e| e.name().to_owned()).collect()
}

/// Edits the timeline entry at `index`.
pub(super) fn event_ui(ui: &mut Ui, doc: &Document, index: usize, event: &Event, edits: &mut Vec<Edit>) {
    let s = doc.scenario();
    let kind = event.kind();
    let id = |field: &str| Id::unique(("event-field", index, field));
    ui.horizontal(|ui| {
        ui.heading(event.name());
        ui.label(RichText::new(kind.label()).color(theme::event_colour(kind)));
    });
    ui.add(egui::Label::new(RichText::new(event.describe()).color(theme::TEXT_DIM)).wrap());
    let saved = doc.saved().timeline.iter().find(|e| e.name() == event.name());
    match saved {
        Some(was) if was != event => {
            ui.colored_label(theme::WARN, format!("Changed since saved; was: {}", was.describe()));
        }
        None => {
            ui.colored_label(theme::WARN, "New since saved");
        }
        Some(_) => {}
    }
    callouts_ui(ui, doc.problems_of_event(kind, event.name()), false);
    let mut e = event.clone();
    let mut form = Form { index, merge: None };
    egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
        Grid::new(("event-grid", index)).num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            // The name: through RenameEvent, so actions that name the entry follow.
            let l = ui.label("name");
            ui.vertical(|ui| {
                let (r, commit) = commit_text_ui(ui, id("name"), event.name(), "a unique name", TEXT_W);
                r.labelled_by(l.id);
                if let Some(new) = commit {
                    let new = new.trim().to_owned();
                    let taken = s.topology.node(&new).is_some() || s.timeline.iter().any(|x| x.name() == new);
                    let result = if new.is_empty() {
                        Err("a name is needed".to_owned())
                    } else if taken {
                        Err(format!("\"{new}\" is taken by another entry or a node"))
                    } else {
                        Ok(new)
                    };
                    if let Some(name) = parsed(ui, id("name"), result) {
                        edits.push((Command::RenameEvent { index, name }, None));
                    }
                }
                error_line_ui(ui, id("name"));
            });
            ui.end_row();
            match &mut e {
                Event::Change(c) => {
                    if let Some(at) = parsed_row_ui(ui, "start", id("at"), &opt_text(&c.at), AT_HINT, opt_at_parse) {
                        c.at = at;
                    }
                    let targets = nodes_of(s, &[NodeKind::Gateway, NodeKind::LoadBalancer, NodeKind::Service]);
                    name_row_ui(ui, "node", id("node"), &mut c.node, &targets);
                    if let Some(rb) = parsed_row_ui(
                        ui,
                        "rollback at",
                        id("rollback"),
                        &opt_text(&c.rollback_at),
                        AT_HINT,
                        opt_at_parse,
                    ) {
                        c.rollback_at = rb;
                    }
                    let staged = matches!(c.rollout, Rollout::Staged { .. });
                    if let Some(k) =
                        choice_row_ui(ui, "rollout", id("rollout"), usize::from(staged), &["at once", "staged"])
                    {
                        c.rollout = if k == 0 {
                            Rollout::AtOnce
                        } else {
                            Rollout::Staged {
                                stages: vec![Stage { share: 0.1, duration: Span::mins(10.0) }],
                                by: CanaryBy::Requests,
                            }
                        };
                    }
                    if let Rollout::Staged { by, .. } = &mut c.rollout {
                        const BY: [CanaryBy; 3] = [CanaryBy::Requests, CanaryBy::Users, CanaryBy::ClientAddress];
                        let at = BY.iter().position(|b| b == by).unwrap_or(0);
                        if let Some(k) =
                            choice_row_ui(ui, "  split by", id("by"), at, &["request", "user", "client address"])
                        {
                            *by = BY.get(k).copied().unwrap_or_default();
                        }
                    }
                }
                Event::Fault(f) => {
                    if let Some(at) = parsed_row_ui(ui, "start", id("at"), &f.at.to_string(), AT_HINT, at_parse) {
                        f.at = at;
                    }
                    if let Some(d) = parsed_row_ui(
                        ui,
                        "duration",
                        id("duration"),
                        &opt_text(&f.duration),
                        "5m; empty: until the end or an action",
                        opt_span_parse,
                    ) {
                        f.duration = d;
                    }
                    if let Some(end) = parsed_row_ui(ui, "end", id("end"), &opt_text(&f.end), AT_HINT, opt_at_parse) {
                        f.end = end;
                    }
                    // Nodes (a DNS name or a data store fails with its region, not by itself).
                    let mut targets =
                        nodes_of(s, &[NodeKind::Clients, NodeKind::Gateway, NodeKind::LoadBalancer, NodeKind::Service]);
                    targets.extend(s.topology.links.iter().map(|l| format!("{}->{}", l.from, l.to)));
                    // A region (an outage), one of its zones, or two regions (a partition or a
                    // degraded link between them).
                    let regions = &s.topology.regions;
                    for r in regions {
                        targets.push(r.name.clone());
                        targets.extend(r.zones.iter().map(|z| format!("{}/{z}", r.name)));
                    }
                    for (i, a) in regions.iter().enumerate() {
                        targets.extend(regions[i + 1..].iter().map(|b| format!("{}->{}", a.name, b.name)));
                    }
                    name_row_ui(ui, "target", id("target"), &mut f.target, &targets);
                    fault_kind_ui(ui, &mut f.kind, &id, &mut form);
                }
                Event::Traffic(t) => {
                    if let Some(at) = parsed_row_ui(ui, "start", id("at"), &t.at.to_string(), AT_HINT, at_parse) {
                        t.at = at;
                    }
                    if let Some(d) =
                        parsed_row_ui(ui, "duration", id("duration"), &t.duration.to_string(), SPAN_HINT, span_parse)
                    {
                        t.duration = d;
                    }
                    name_row_ui(ui, "clients", id("clients"), &mut t.clients, &nodes_of(s, &[NodeKind::Clients]));
                    form.drag(number_ui(ui, "extra rate", &mut t.rate_rps, 0.0..=1e7, " r/s", 1.0), "rate");
                    let attack = matches!(t.from, TrafficSource::Attack { .. });
                    if let Some(k) =
                        choice_row_ui(ui, "sent by", id("from"), usize::from(attack), &["its users", "an attack"])
                    {
                        t.from = if k == 0 { TrafficSource::Users } else { TrafficSource::Attack { sources: 100 } };
                    }
                    if let TrafficSource::Attack { sources } = &mut t.from {
                        form.drag(number_ui(ui, "  sources", sources, 1..=10_000_000, " addresses", 1.0), "sources");
                    }
                }
                Event::Alarm(a) => {
                    metric_ui(ui, &mut a.metric, &id);
                    scope_ui(ui, &mut a.scope, s, &id);
                    let above = a.comparison == Comparison::Above;
                    if let Some(k) =
                        choice_row_ui(ui, "breaching", id("comparison"), usize::from(!above), &["above", "below"])
                    {
                        a.comparison = if k == 0 { Comparison::Above } else { Comparison::Below };
                    }
                    form.drag(
                        number_ui(ui, "threshold", &mut a.threshold, f64::MIN..=f64::MAX, "", 0.001),
                        "threshold",
                    );
                    rule_ui(ui, &mut a.rule, &id, &mut form);
                }
                Event::Action(a) => {
                    let on_alarm = matches!(a.trigger, Trigger::Alarm(_));
                    if let Some(k) =
                        choice_row_ui(ui, "trigger", id("trigger"), usize::from(on_alarm), &["at a time", "an alarm"])
                    {
                        let at = At::Offset(Span(0.0));
                        a.trigger = if k == 0 {
                            Trigger::At(at)
                        } else {
                            Trigger::Alarm(entries_of(s, EventKind::Alarm).into_iter().next().unwrap_or_default())
                        };
                    }
                    match &mut a.trigger {
                        Trigger::At(at) => {
                            if let Some(v) = parsed_row_ui(ui, "start", id("at"), &at.to_string(), AT_HINT, at_parse) {
                                *at = v;
                            }
                        }
                        Trigger::Alarm(name) => {
                            name_row_ui(ui, "  alarm", id("alarm"), name, &entries_of(s, EventKind::Alarm));
                        }
                    }
                    response_ui(ui, &mut a.response, &id);
                    act_ui(ui, &mut a.act, s, &id, &mut form);
                }
            }
        });
        if let Event::Change(c) = &mut e {
            settings_ui(ui, &mut c.set, index);
            if let Rollout::Staged { stages, .. } = &mut c.rollout {
                stages_ui(ui, stages, index, &mut form);
            }
        }
        ui.add_space(8.0);
        if ui.button("Delete entry").on_hover_text("Remove this entry from the timeline (Delete)").clicked() {
            edits.push((Command::RemoveEvent(index), None));
        }
    });
    if e != *event {
        edits.push((Command::UpdateEvent { index, event: e }, form.merge));
    }
}

const FAULT_KINDS: [&str; 5] = ["down", "errors", "added latency", "slowdown", "exhaustion"];

fn fault_kind_ui(ui: &mut Ui, kind: &mut FaultKind, id: &impl Fn(&str) -> Id, form: &mut Form) {
    let current = match kind {
        FaultKind::Down => 0,
        FaultKind::Errors { .. } => 1,
        FaultKind::Latency { .. } => 2,
        FaultKind::Slowdown { .. } => 3,
        FaultKind::Exhaustion { .. } => 4,
    };
    if let Some(k) = choice_row_ui(ui, "what breaks", id("fault-kind"), current, &FAULT_KINDS) {
        *kind = match k {
            0 => FaultKind::Down,
            1 => FaultKind::Errors { share: 0.2, status: 500 },
            2 => FaultKind::Latency { added: crate::model::Dist::Constant { ms: 500.0 } },
            3 => FaultKind::Slowdown { factor: 3.0 },
            _ => FaultKind::Exhaustion { after: Span::secs(30.0), restart: Span::secs(60.0) },
        };
    }
    match kind {
        FaultKind::Down => {}
        FaultKind::Errors { share, status } => {
            let mut pct = *share * 100.0;
            if number_ui(ui, "  share", &mut pct, 0.0..=100.0, " %", 0.1) {
                *share = pct / 100.0;
                form.drag(true, "share");
            }
            form.drag(number_ui(ui, "  status", status, 400..=599, "", 0.2), "status");
        }
        FaultKind::Latency { added } => form.drag(super::fields::dist_ui(ui, "  added", added), "added"),
        FaultKind::Slowdown { factor } => {
            form.drag(number_ui(ui, "  factor", factor, 0.01..=1000.0, " x", 0.01), "factor")
        }
        FaultKind::Exhaustion { after, restart } => {
            if let Some(v) =
                parsed_row_ui(ui, "  crashes after", id("after"), &after.to_string(), SPAN_HINT, span_parse)
            {
                *after = v;
            }
            if let Some(v) =
                parsed_row_ui(ui, "  restarts in", id("restart"), &restart.to_string(), SPAN_HINT, span_parse)
            {
                *restart = v;
            }
        }
    }
}

/// A change's settings: a parameter path and a value (RON) per row.
fn settings_ui(ui: &mut Ui, set: &mut Vec<Setting>, index: usize) {
    ui.separator();
    ui.label(RichText::new("SETTINGS (path = value)").small().color(theme::TEXT_DIM));
    let mut remove = None;
    for (i, setting) in set.iter_mut().enumerate() {
        let path_id = Id::unique(("event-setting-path", index, i));
        let value_id = Id::unique(("event-setting-value", index, i));
        ui.horizontal(|ui| {
            if ui.small_button("×").on_hover_text("Remove this setting").clicked() {
                remove = Some(i);
            }
            let (r, commit) = commit_text_ui(ui, path_id, &setting.path, "service_time.median_ms", 150.0);
            r.on_hover_text("The parameter's path in the node, e.g. routes[/api].rate_limit.algorithm.rate");
            if let Some(p) = commit {
                setting.path = p.trim().to_owned();
            }
            ui.label("=");
            let (r, commit) = commit_text_ui(ui, value_id, &value_text(&setting.value), "0.2", 90.0);
            r.on_hover_text("The value as the file writes it: 20, \"10r/s\", true, None");
            if let Some(text) = commit
                && let Some(v) = parsed(ui, value_id, parse_value(&text))
            {
                setting.value = v;
            }
        });
        error_line_ui(ui, value_id);
    }
    if let Some(i) = remove {
        set.remove(i);
    }
    if ui.button("Add setting").clicked() {
        set.push(Setting { path: "instances".into(), value: ParamValue(serde_json::json!(1)) });
    }
}

/// A staged rollout's stages: a share and a duration each.
fn stages_ui(ui: &mut Ui, stages: &mut Vec<Stage>, index: usize, form: &mut Form) {
    ui.separator();
    ui.label(RichText::new("STAGES (then every request)").small().color(theme::TEXT_DIM));
    let mut remove = None;
    for (i, stage) in stages.iter_mut().enumerate() {
        let id = Id::unique(("event-stage", index, i));
        ui.horizontal(|ui| {
            if ui.small_button("×").on_hover_text("Remove this stage").clicked() {
                remove = Some(i);
            }
            let mut pct = stage.share * 100.0;
            if ui.add(egui::DragValue::new(&mut pct).range(0.0..=100.0).suffix(" %").speed(0.5)).changed() {
                stage.share = pct / 100.0;
                form.drag(true, &format!("stage-{i}"));
            }
            ui.label("for");
            let (_, commit) = commit_text_ui(ui, id, &stage.duration.to_string(), SPAN_HINT, 80.0);
            if let Some(text) = commit
                && let Some(v) = parsed(ui, id, span_parse(&text))
            {
                stage.duration = v;
            }
        });
        error_line_ui(ui, id);
    }
    if let Some(i) = remove {
        stages.remove(i);
    }
    if ui.button("Add stage").clicked() {
        let share = stages.last().map_or(0.1, |s| (s.share * 2.0).min(1.0));
        stages.push(Stage { share, duration: Span::mins(10.0) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_and_print_as_ron() {
        for text in ["0.2", "20", "\"10r/s\"", "true"] {
            let v = parse_value(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(value_text(&v), text);
        }
        let v = parse_value("{\"NginxLeastConn\": {\"max_fails\": 2}}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.describe(), "NginxLeastConn(max_fails: 2)");
        assert_eq!(parse_value(&value_text(&v)), Ok(v));
        assert!(parse_value("10r/s").is_err());
    }

    #[test]
    fn times_and_durations_parse_as_the_file_writes_them() {
        assert_eq!(at_parse("14:30"), Ok(At::Clock(14 * 3600 + 30 * 60)));
        assert_eq!(at_parse(" 90 "), Ok(At::Offset(Span(90.0))));
        assert_eq!(at_parse("15m"), Ok(At::Offset(Span(900.0))));
        assert_eq!(opt_at_parse(""), Ok(None));
        assert_eq!(opt_span_parse("1h15m"), Ok(Some(Span(4500.0))));
        assert!(span_parse("soon").is_err());
    }
}
