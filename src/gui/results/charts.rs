//! The time-series charts under the timeline: latency, utilisation, queue length (the outcomes
//! are the timeline's last lane, on its time axis). Every chart spans the run (during a run, its
//! series stop at the progress point), its y axis starts at zero and ends at a round number
//! ([`round_top`]), its time axis has the timeline ruler's round marks, and its title its unit.

use crate::gui::theme;
use crate::gui::timeline::{round_top, ruler_ticks};
use crate::model::UtcTime;
use crate::report::{Report, ServiceSeries};
use egui::{RichText, Ui};
use egui_plot::{AxisHints, Corner, Legend, Line, Plot, PlotPoints, VLine};

fn points(t: &[f64], v: impl Iterator<Item = Option<f64>>) -> PlotPoints<'static> {
    t.iter().zip(v).filter_map(|(&t, v)| v.map(|v| [t, v])).collect::<Vec<_>>().into()
}

/// Room above a chart's data for its legend, as a factor of the data's top.
const LEGEND_ROOM: f64 = 1.4;

/// A chart over `[0, span_s]` whose y axis runs from zero to a round number above `top` (the
/// data's largest value) with room for its legend. Its time axis reads in wall-clock times on the
/// ruler's round marks when the run has a start, else in seconds.
fn chart<'a>(id: &str, [w, h]: [f32; 2], top: f64, span_s: f64, start: Option<UtcTime>) -> Plot<'a> {
    let x_axis = match start {
        Some(st) => AxisHints::new_x().label_spacing(36.0..=48.0).formatter(move |m, _| st.clock_after(m.value)),
        None => AxisHints::new_x().label_spacing(28.0..=40.0).formatter(|m, _| format!("{:.0} s", m.value)),
    };
    Plot::new(id)
        .include_y(0.0)
        .include_y(round_top(top * LEGEND_ROOM))
        .include_x(0.0)
        .include_x(span_s)
        .set_margin_fraction(egui::vec2(0.0, 0.0))
        .height(h)
        .width(w)
        .legend(Legend::default().position(Corner::LeftTop).background_alpha(0.6))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![AxisHints::new_y().label_spacing(14.0..=20.0)])
        .x_grid_spacer(move |input| time_marks(input, start))
        .y_grid_spacer(|input| value_marks(input.bounds.1))
}

/// Grid marks on the ruler's round times (wall-clock with a start, else seconds), in two sizes.
fn time_marks(input: egui_plot::GridInput, start: Option<UtcTime>) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = input.bounds;
    let span = (hi - lo).max(1e-3);
    let mut out = Vec::new();
    for (k, most) in [(0, 4), (1, 16)] {
        let ticks = ruler_ticks(hi.max(0.0), start, most);
        let step = match ticks.as_slice() {
            [a, b, ..] => b.t_s - a.t_s,
            _ => span,
        };
        out.extend(ticks.into_iter().filter(|t| t.t_s >= lo).map(|t| egui_plot::GridMark {
            value: t.t_s,
            step_size: if k == 0 { step } else { step.min(span / 16.0) },
        }));
    }
    out
}

/// Grid marks from zero to `top` on 1, 2 or 5 x 10^n steps (about four of them).
fn value_marks(top: f64) -> Vec<egui_plot::GridMark> {
    let step = round_top((top / 4.0).max(1e-9));
    let n = (top / step).floor() as usize;
    (0..=n).map(|k| egui_plot::GridMark { value: k as f64 * step, step_size: step }).collect()
}

/// The three charts side by side: latency p50/p99, service utilisation, queue length, over
/// `[0, span_s]`. `scrub_s` draws the scrubber's time.
pub fn charts_ui(ui: &mut Ui, report: Option<&Report>, scrub_s: Option<f64>, span_s: f64) {
    let Some(r) = report else {
        ui.weak("Latency, utilisation and queue charts appear here during and after a run (F5).");
        return;
    };
    let s = &r.series;
    let t = &s.t_s;
    let gap = 8.0;
    let w = ((ui.available_width() - 2.0 * gap) / 3.0).max(120.0);
    let h = ui.available_height().max(80.0);
    let span_s = span_s.max(r.duration_s);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = gap;
        ui.vertical(|ui| {
            ui.label(RichText::new("latency of successes (ms)").small().color(theme::TEXT_DIM));
            let top = s.latency_p99_ms.iter().flatten().copied().fold(0.0, f64::max);
            chart("latency", [w, h - 18.0], top, span_s, r.start).show(ui, |p| {
                p.line(Line::new("p50", points(t, s.latency_p50_ms.iter().copied())).color(theme::series_colour(1)));
                p.line(Line::new("p99", points(t, s.latency_p99_ms.iter().copied())).color(theme::series_colour(2)));
                if let Some(x) = scrub_s {
                    p.vline(VLine::new("", x).color(theme::SCRUB).width(1.5));
                }
            });
        });
        let shape = Shape { size: [w, h], span_s, scrub_s, start: r.start };
        service_chart_ui(ui, "utilisation (% of slots busy)", shape, t, &s.services, |x| &x.utilisation, 100.0);
        service_chart_ui(ui, "queue length (requests waiting)", shape, t, &s.services, |x| &x.queue_len, 1.0);
    });
}

/// Where a chart sits and what it spans.
#[derive(Clone, Copy)]
struct Shape {
    size: [f32; 2],
    span_s: f64,
    scrub_s: Option<f64>,
    start: Option<UtcTime>,
}

/// One line per service of one of its series (`values`, times `scale`), titled.
fn service_chart_ui(
    ui: &mut Ui,
    title: &str,
    shape: Shape,
    t: &[f64],
    services: &[ServiceSeries],
    values: fn(&ServiceSeries) -> &Vec<f64>,
    scale: f64,
) {
    let [w, h] = shape.size;
    ui.vertical(|ui| {
        ui.label(RichText::new(title).small().color(theme::TEXT_DIM));
        let top = services.iter().flat_map(values).fold(0.0, |a: f64, &b| a.max(scale * b));
        chart(title, [w, h - 18.0], top, shape.span_s, shape.start).show(ui, |p| {
            for (i, svc) in services.iter().enumerate() {
                let v = values(svc).iter().map(|x| Some(scale * x));
                p.line(Line::new(svc.name.clone(), points(t, v)).color(theme::series_colour(i)));
            }
            if let Some(x) = shape.scrub_s {
                p.vline(VLine::new("", x).color(theme::SCRUB).width(1.5));
            }
        });
    });
}
