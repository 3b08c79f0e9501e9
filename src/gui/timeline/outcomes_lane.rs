//! The outcomes lane at the foot of the timeline: answers per second stacked by outcome (successes
//! at the bottom, each failure cause above), on the timeline's own time axis, so the scrubber and
//! the entries above line up with what users got. Its y axis starts at zero and ends at a round
//! number ([`round_top`]); during a run it stops at the progress point.

use super::super::theme;
use super::Geometry;
use crate::metrics::Outcome;
use crate::report::Report;
use egui::{Align2, FontId, Rect, Sense, Shape, Stroke, Ui, pos2};

/// Height of the outcomes lane.
pub(super) const OUTCOMES_H: f32 = 70.0;

/// The smallest of 1, 2 or 5 x 10^n at or above `x` (1 for nothing to show): where a
/// non-negative series' axis ends.
pub fn round_top(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|&v| v >= x * (1.0 - 1e-12)).unwrap_or(10.0 * p)
}

/// The outcomes to draw, bottom first: successes, then each failure cause that occurred.
fn drawn(report: &Report) -> Vec<(Outcome, &[f64])> {
    Outcome::ALL
        .into_iter()
        .filter_map(|o| report.series.outcomes_rps.get(&o).map(|v| (o, v.as_slice())))
        .filter(|(o, v)| *o == Outcome::Success || v.iter().any(|&x| x > 0.0))
        .collect()
}

/// Draws the lane in `lane` (its label on the left, the stack over the plot's width).
pub(super) fn outcomes_lane_ui(ui: &mut Ui, painter: &egui::Painter, report: Option<&Report>, lane: Rect, g: Geometry) {
    let font = FontId::proportional(12.0);
    painter.text(pos2(lane.min.x, lane.min.y + 12.0), Align2::LEFT_CENTER, "outcomes", font, theme::TEXT);
    painter.text(
        pos2(lane.min.x, lane.min.y + 27.0),
        Align2::LEFT_CENTER,
        "answers (r/s)",
        FontId::proportional(10.5),
        theme::TEXT_DIM,
    );
    let area = Rect::from_min_max(pos2(g.plot.min.x, lane.min.y + 4.0), pos2(g.plot.max.x, lane.max.y - 2.0));
    painter.rect_filled(area, 2.0, theme::CANVAS);
    let Some(r) = report.filter(|r| !r.series.t_s.is_empty()) else {
        painter.text(
            area.left_center() + egui::vec2(8.0, 0.0),
            Align2::LEFT_CENTER,
            "run (F5) to see what users got, by outcome, on this time axis",
            FontId::proportional(11.0),
            theme::TEXT_DIM,
        );
        return;
    };
    let series = drawn(r);
    let n = r.series.t_s.len();
    let total = |b: usize| series.iter().map(|(_, v)| v.get(b).copied().unwrap_or(0.0)).sum::<f64>();
    let top = round_top((0..n).map(total).fold(0.0, f64::max));
    let y_of = |v: f64| area.max.y - (v / top) as f32 * (area.height() - 2.0);
    // Axis: its round top and zero, in the label column's right edge.
    let small = FontId::proportional(10.0);
    let axis_x = g.plot.min.x - 4.0;
    painter.text(pos2(axis_x, area.min.y), Align2::RIGHT_TOP, format!("{top}"), small.clone(), theme::TEXT_DIM);
    painter.text(pos2(axis_x, area.max.y), Align2::RIGHT_BOTTOM, "0", small.clone(), theme::TEXT_DIM);
    painter
        .line_segment([pos2(area.min.x, y_of(top)), pos2(area.max.x, y_of(top))], Stroke::new(1.0, theme::LANE_GRID));
    // One polygon strip per outcome, bucket by bucket, from the stack below it to its own top.
    let mut lower = vec![0.0; n];
    for (o, v) in &series {
        let colour = theme::outcome_colour(*o);
        let mut shapes = Vec::with_capacity(n);
        for ((low, &t0), &rate) in lower.iter_mut().zip(&r.series.t_s).zip(v.iter()) {
            let upper = *low + rate;
            if upper > *low {
                let t1 = (t0 + r.bucket_s).min(g.duration);
                let (x0, x1) = (g.x_of(t0), g.x_of(t1));
                let rect = Rect::from_min_max(pos2(x0, y_of(upper)), pos2(x1.max(x0 + 0.5), y_of(*low)));
                shapes.push(Shape::rect_filled(rect, 0.0, colour.gamma_multiply(0.85)));
            }
            *low = upper;
        }
        painter.extend(shapes);
    }
    // Legend: the outcomes drawn, right-aligned over the lane.
    let mut x = area.max.x - 4.0;
    for (o, _) in series.iter().rev() {
        let rect = painter.text(
            pos2(x, area.min.y + 2.0),
            Align2::RIGHT_TOP,
            o.name(),
            small.clone(),
            theme::outcome_colour(*o),
        );
        x = rect.min.x - 10.0;
    }
    // Hover: the bucket's figures.
    let resp = ui.interact(area, ui.scope_id().with("outcomes-lane"), Sense::hover());
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "outcomes lane"));
    if let Some(p) = resp.hover_pos() {
        let b = ((g.t_of(p.x) / r.bucket_s.max(1e-9)).floor() as usize).min(n - 1);
        let text: Vec<String> = std::iter::once(format!("at {}", super::time_text(r.start, r.series.t_s[b])))
            .chain(series.iter().map(|(o, v)| format!("{}: {:.1} r/s", o.name(), v.get(b).copied().unwrap_or(0.0))))
            .collect();
        resp.on_hover_text(text.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::round_top;

    #[test]
    fn axes_end_at_one_two_or_five_times_a_power_of_ten() {
        let cases = [(0.0, 1.0), (0.3, 0.5), (1.0, 1.0), (1.2, 2.0), (3.0, 5.0), (7.0, 10.0), (96.0, 100.0)];
        for (x, top) in cases {
            assert!((round_top(x) - top).abs() < 1e-12, "{x}: {} not {top}", round_top(x));
        }
        assert_eq!(round_top(120.0), 200.0);
        assert_eq!(round_top(501.0), 1000.0);
        assert_eq!(round_top(f64::NAN), 1.0);
    }
}
