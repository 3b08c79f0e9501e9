//! One lane of timeline entries: its items placed and painted, and its clicks (select), drags
//! (move an entry) and right-clicks (add one).

use super::super::commands::Command;
use super::super::theme;
use super::ruler::{snap, snap_step};
use super::{
    EventDrag, Geometry, LABEL_SIZE, LaneItem, Look, TimelineOut, TimelineState, lane_title, moved_to, new_event,
    time_text,
};
use crate::model::{EventKind, Scenario};
use egui::{Align2, FontId, PointerButton, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, pos2, vec2};

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
pub(super) fn event_lane_ui(
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
