//! The bottom of the window: six summary cards and the time-series charts (live from partial
//! reports during a run). Card contents are computed as data ([`cards`]) before they are drawn.

use super::theme;
use crate::metrics::Outcome;
use crate::report::{Report, ServiceSeries};
use egui::{Color32, RichText, Ui};
use egui_plot::{AxisHints, Corner, FilledArea, Legend, Line, Plot, PlotPoints, VLine};

/// Caption of the users-impacted card.
pub const USERS_IMPACTED: &str = "users impacted";
/// Caption of the failed-requests card.
pub const FAILED_REQUESTS: &str = "failed requests";
/// Caption of the p99 card.
pub const LATENCY_P99: &str = "latency p99";

/// One summary card.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    /// What the figure is.
    pub caption: &'static str,
    /// The figure, or `-` when there is none.
    pub value: String,
    /// A line of context under it.
    pub detail: String,
    /// Colour of the figure.
    pub colour: Color32,
}

/// A count in words: `1,234`, `2.07 M`.
pub fn count_text(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2} M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The users-impacted figure as the card shows it.
pub fn pct_text(pct: f64) -> String {
    format!("{pct:.1} %")
}

/// A latency as the cards show it.
pub fn ms_text(ms: f64) -> String {
    if ms >= 1000.0 { format!("{:.2} s", ms / 1000.0) } else { format!("{ms:.0} ms") }
}

/// The six cards for a report (or dashes without one). Time to detect, RTO and cost are not
/// computed by the library yet: they show `-`, never an invented number.
pub fn cards(report: Option<&Report>) -> [Card; 6] {
    let none =
        |caption, detail: &str| Card { caption, value: "-".into(), detail: detail.into(), colour: theme::TEXT_DIM };
    let Some(r) = report else {
        let d = "run the scenario (F5)";
        return [
            none(USERS_IMPACTED, d),
            none(FAILED_REQUESTS, d),
            none(LATENCY_P99, d),
            none("time to detect", d),
            none("outage (RTO)", d),
            none("cost of run", d),
        ];
    };
    let s = &r.summary;
    let hw = r
        .estimates
        .get("users_impacted_pct")
        .and_then(|e| e.ci99_half_width)
        .map(|h| format!(" · ±{h:.2} (99% CI)"))
        .unwrap_or_default();
    let impacted = Card {
        caption: USERS_IMPACTED,
        value: pct_text(s.users_impacted_pct),
        detail: format!("{} of {} users{hw}", count_text(s.users_impacted), count_text(s.users_active)),
        colour: theme::error_colour(s.users_impacted_pct / 100.0),
    };
    let failed: f64 = s.failures_by_cause.values().sum();
    let top = s.failures_by_cause.iter().max_by(|a, b| a.1.total_cmp(b.1)).filter(|(_, n)| **n > 0.0);
    let failed_card = Card {
        caption: FAILED_REQUESTS,
        value: count_text(failed),
        detail: match top {
            Some((o, n)) => format!("{} {:.0} % of failures", o.name(), 100.0 * n / failed),
            None => format!("of {} requests", count_text(s.requests)),
        },
        colour: theme::error_colour(if s.requests > 0.0 { failed / s.requests } else { 0.0 }),
    };
    let p99 = match s.latency_ms.p99 {
        Some(p) => Card {
            caption: LATENCY_P99,
            value: ms_text(p),
            detail: s.latency_ms.p50.map(|m| format!("p50 {}", ms_text(m))).unwrap_or_default(),
            colour: theme::TEXT,
        },
        None => none(LATENCY_P99, "nothing succeeded"),
    };
    let later = "not computed by the simulator yet";
    [impacted, failed_card, p99, none("time to detect", later), none("outage (RTO)", later), none("cost of run", later)]
}

/// The row of cards.
pub fn cards_ui(ui: &mut Ui, cards: &[Card]) {
    let n = cards.len() as f32;
    let gap = 8.0;
    let w = ((ui.available_width() - gap * (n - 1.0)) / n).max(80.0);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = gap;
        for c in cards {
            egui::Frame::new()
                .fill(theme::CARD)
                .stroke(egui::Stroke::new(1.0, theme::CARD_BORDER))
                .corner_radius(theme::RADIUS)
                .inner_margin(egui::Margin::symmetric(10, 6))
                .show(ui, |ui| {
                    ui.set_width(w - 22.0);
                    ui.set_height(50.0);
                    ui.vertical(|ui| {
                        ui.spacing_mut().item_spacing.y = 1.0;
                        ui.label(RichText::new(c.caption).size(12.0).color(theme::TEXT_DIM));
                        ui.label(RichText::new(&c.value).size(20.0).strong().color(c.colour));
                        ui.add(egui::Label::new(RichText::new(&c.detail).size(11.0).color(theme::TEXT_DIM)).truncate());
                    });
                });
        }
    });
}

fn points(t: &[f64], v: impl Iterator<Item = Option<f64>>) -> PlotPoints<'static> {
    t.iter().zip(v).filter_map(|(&t, v)| v.map(|v| [t, v])).collect::<Vec<_>>().into()
}

/// A chart with room above the data for its legend (`top`: the data's largest value).
fn chart<'a>(id: &str, height: f32, width: f32, top: f64) -> Plot<'a> {
    Plot::new(id)
        .include_y(top * 1.45)
        .height(height)
        .width(width)
        .legend(Legend::default().position(Corner::LeftTop).background_alpha(0.6))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .custom_x_axes(vec![
            AxisHints::new_x().label_spacing(28.0..=40.0).formatter(|m, _| format!("{:.0} s", m.value)),
        ])
        .custom_y_axes(vec![AxisHints::new_y().label_spacing(14.0..=20.0)])
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
            chart("outcomes", h - 18.0, w, total).show(ui, |p| {
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
            chart("latency", h - 18.0, w, top).show(ui, |p| {
                p.line(Line::new("p50", points(t, s.latency_p50_ms.iter().copied())).color(theme::series_colour(1)));
                p.line(Line::new("p99", points(t, s.latency_p99_ms.iter().copied())).color(theme::series_colour(2)));
                scrub(p);
            });
        });
        service_chart_ui(ui, "utilisation (%)", w, h, t, &s.services, |x| &x.utilisation, 100.0, scrub_s);
        service_chart_ui(ui, "queue length (waiting)", w, h, t, &s.services, |x| &x.queue_len, 1.0, scrub_s);
    });
}

/// One line per service of one of its series (`values`, times `scale`), titled.
#[allow(clippy::too_many_arguments, reason = "a chart's layout and data, all needed")]
fn service_chart_ui(
    ui: &mut Ui,
    title: &str,
    w: f32,
    h: f32,
    t: &[f64],
    services: &[ServiceSeries],
    values: fn(&ServiceSeries) -> &Vec<f64>,
    scale: f64,
    scrub_s: Option<f64>,
) {
    ui.vertical(|ui| {
        ui.label(RichText::new(title).small().color(theme::TEXT_DIM));
        let top = services.iter().flat_map(values).fold(0.0, |a: f64, &b| a.max(scale * b));
        chart(title, h - 18.0, w, top).show(ui, |p| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_report_every_card_is_a_dash() {
        assert!(cards(None).iter().all(|c| c.value == "-"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(count_text(2_070_000.0), "2.07 M");
        assert_eq!(count_text(950.0), "950");
        assert_eq!(ms_text(412.3), "412 ms");
        assert_eq!(pct_text(80.43), "80.4 %");
    }
}
