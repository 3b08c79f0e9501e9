//! The client populations' traffic lanes: each profile drawn, a `Steps` profile edited in place
//! (drag a point, double-click to add one, right-click to remove one).

use super::super::commands::Command;
use super::super::theme;
use super::{LANE_H, StepDrag, TimelineOut, TimelineState, clients};
use crate::model::{NodeKind, Scenario, Step, Traffic};
use crate::sim::plan::TrafficPlan;
use crate::sim::time::secs_to_ns;
use egui::{Align2, FontId, PointerButton, Pos2, Rect, Sense, Shape, Stroke, Ui, pos2, vec2};

/// The client populations' traffic lanes (the first four; the inspector edits the others).
#[allow(clippy::too_many_arguments, reason = "the timeline's geometry, all needed")]
pub(super) fn traffic_lanes_ui(
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
