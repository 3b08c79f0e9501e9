//! The time-series charts under the cards: outcomes, latency, utilisation, queue length.

use crate::gui::theme;
use crate::metrics::Outcome;
use crate::model::UtcTime;
use crate::report::{Report, ServiceSeries};
use egui::{RichText, Ui};
use egui_plot::{AxisHints, Corner, FilledArea, Legend, Line, Plot, PlotPoints, VLine};

fn points(t: &[f64], v: impl Iterator<Item = Option<f64>>) -> PlotPoints<'static> {
    t.iter().zip(v).filter_map(|(&t, v)| v.map(|v| [t, v])).collect::<Vec<_>>().into()
}

/// A chart with room above the data for its legend (`top`: the data's largest value). Its time
/// axis reads in wall-clock times on round minutes when the run has a start, else in seconds.
fn chart<'a>(id: &str, height: f32, width: f32, top: f64, start: Option<UtcTime>) -> Plot<'a> {
    let x_axis = match start {
        Some(st) => AxisHints::new_x().label_spacing(36.0..=48.0).formatter(move |m, _| st.clock_after(m.value)),
        None => AxisHints::new_x().label_spacing(28.0..=40.0).formatter(|m, _| format!("{:.0} s", m.value)),
    };
    let plot = Plot::new(id)
        // A series of zeros (no queue) still gets a positive axis.
        .include_y(top.max(1.0) * 1.45)
        .height(height)
        .width(width)
        .legend(Legend::default().position(Corner::LeftTop).background_alpha(0.6))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![AxisHints::new_y().label_spacing(14.0..=20.0)]);
    match start {
        Some(st) => plot.x_grid_spacer(move |input| clock_marks(input, st)),
        None => plot,
    }
}

/// Grid marks on round wall-clock times (the timeline ruler's steps), in two sizes.
fn clock_marks(input: egui_plot::GridInput, start: UtcTime) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = input.bounds;
    let span = (hi - lo).max(1e-3);
    let mut out = Vec::new();
    for (k, most) in [(0, 4), (1, 16)] {
        let ticks = crate::gui::timeline::ruler_ticks(hi.max(0.0), Some(start), most);
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

/// The four charts side by side: outcomes per second stacked by cause, latency p50/p99, service
/// utilisation, queue length. `scrub_s` draws the scrubber's time.
pub fn charts_ui(ui: &mut Ui, report: Option<&Report>, scrub_s: Option<f64>) {
    let Some(r) = report else {
        ui.weak("Charts appear here during and after a run.");
        return;
    };
    let s = &r.series;
    let t = &s.t_s;
    let gap = 8.0;
    let w = ((ui.available_width() - 3.0 * gap) / 4.0).max(120.0);
    let h = ui.available_height().max(80.0);
    let scrub = |plot_ui: &mut egui_plot::PlotUi| {
        if let Some(x) = scrub_s {
            plot_ui.vline(VLine::new("", x).color(theme::SCRUB).width(1.5));
        }
    };
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = gap;
        ui.vertical(|ui| {
            ui.label(RichText::new("outcomes (r/s)").small().color(theme::TEXT_DIM));
            let total = (0..t.len())
                .map(|i| s.outcomes_rps.values().map(|v| v.get(i).copied().unwrap_or(0.0)).sum::<f64>())
                .fold(0.0, f64::max);
            chart("outcomes", h - 18.0, w, total, r.start).show(ui, |p| {
                let mut lower = vec![0.0; t.len()];
                for o in Outcome::ALL {
                    let Some(v) = s.outcomes_rps.get(&o) else {
                        continue;
                    };
                    if o != Outcome::Success && v.iter().all(|&x| x == 0.0) {
                        continue;
                    }
                    let upper: Vec<f64> = lower.iter().zip(v).map(|(a, b)| a + b).collect();
                    p.add(
                        FilledArea::new(o.name(), t, &lower, &upper)
                            .fill_color(theme::outcome_colour(o).gamma_multiply(0.8))
                            .stroke(egui::Stroke::new(1.0, theme::outcome_colour(o))),
                    );
                    lower = upper;
                }
                scrub(p);
            });
        });
        ui.vertical(|ui| {
            ui.label(RichText::new("latency (ms)").small().color(theme::TEXT_DIM));
            let top = s.latency_p99_ms.iter().flatten().copied().fold(0.0, f64::max);
            chart("latency", h - 18.0, w, top, r.start).show(ui, |p| {
                p.line(Line::new("p50", points(t, s.latency_p50_ms.iter().copied())).color(theme::series_colour(1)));
                p.line(Line::new("p99", points(t, s.latency_p99_ms.iter().copied())).color(theme::series_colour(2)));
                scrub(p);
            });
        });
        let (start, size) = (r.start, [w, h]);
        service_chart_ui(ui, "utilisation (%)", size, t, &s.services, |x| &x.utilisation, 100.0, scrub_s, start);
        service_chart_ui(ui, "queue length (waiting)", size, t, &s.services, |x| &x.queue_len, 1.0, scrub_s, start);
    });
}

/// One line per service of one of its series (`values`, times `scale`), titled.
#[allow(clippy::too_many_arguments, reason = "a chart's layout and data, all needed")]
fn service_chart_ui(
    ui: &mut Ui,
    title: &str,
    [w, h]: [f32; 2],
    t: &[f64],
    services: &[ServiceSeries],
    values: fn(&ServiceSeries) -> &Vec<f64>,
    scale: f64,
    scrub_s: Option<f64>,
    start: Option<UtcTime>,
) {
    ui.vertical(|ui| {
        ui.label(RichText::new(title).small().color(theme::TEXT_DIM));
        let top = services.iter().flat_map(values).fold(0.0, |a: f64, &b| a.max(scale * b));
        chart(title, h - 18.0, w, top, start).show(ui, |p| {
            for (i, svc) in services.iter().enumerate() {
                let v = values(svc).iter().map(|x| Some(scale * x));
                p.line(Line::new(svc.name.clone(), points(t, v)).color(theme::series_colour(i)));
            }
            if let Some(x) = scrub_s {
                p.vline(VLine::new("", x).color(theme::SCRUB).width(1.5));
            }
        });
    });
}
