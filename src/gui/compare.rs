//! Baseline versus change: pin a report, run again, read the differences. Rows are computed as
//! data ([`rows`]) and then drawn.

use super::theme;
use crate::report::Report;
use egui::{Color32, Grid, RichText, Ui};

/// One row of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The figure.
    pub label: String,
    /// Its value in the baseline.
    pub baseline: String,
    /// Its value after the change.
    pub change: String,
    /// change - baseline, signed.
    pub delta: String,
    /// Whether the change made it better (Some(true)), worse (Some(false)) or neither.
    pub better: Option<bool>,
}

fn row(label: &str, b: Option<f64>, c: Option<f64>, unit: &str, digits: usize, higher_is_better: bool) -> Row {
    let fmt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.digits$}{unit}"));
    let (delta, better) = match (b, c) {
        (Some(b), Some(c)) => {
            let d = c - b;
            let better =
                if d.abs() < 10f64.powi(-(digits as i32)) / 2.0 { None } else { Some((d > 0.0) == higher_is_better) };
            (format!("{d:+.digits$}{unit}"), better)
        }
        _ => ("-".to_owned(), None),
    };
    Row { label: label.to_owned(), baseline: fmt(b), change: fmt(c), delta, better }
}

/// The rows comparing two reports: headline figures, then each service's utilisation (services in
/// either report, by name).
pub fn rows(base: &Report, change: &Report) -> Vec<Row> {
    let (b, c) = (&base.summary, &change.summary);
    let mut out = vec![
        row("users impacted", Some(b.users_impacted_pct), Some(c.users_impacted_pct), " %", 2, false),
        row("success rate", Some(100.0 * b.success_rate), Some(100.0 * c.success_rate), " %", 2, true),
        row("p99 latency", b.latency_ms.p99, c.latency_ms.p99, " ms", 0, false),
        row("requests", Some(b.requests), Some(c.requests), "", 0, true),
    ];
    let mut names: Vec<&str> =
        base.nodes.iter().chain(&change.nodes).filter(|n| n.service.is_some()).map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let util = |r: &Report, name: &str| {
        r.nodes.iter().find(|n| n.name == name).and_then(|n| n.service.as_ref()).map(|s| 100.0 * s.utilisation)
    };
    for name in names {
        let mut r = row(&format!("{name} utilisation"), util(base, name), util(change, name), " %", 1, false);
        r.better = None;
        out.push(r);
    }
    out
}

fn delta_colour(better: Option<bool>) -> Color32 {
    match better {
        Some(true) => theme::OK,
        Some(false) => theme::BAD,
        None => theme::TEXT_DIM,
    }
}

/// The comparison panel; returns true when "Pin as baseline" was clicked.
pub fn compare_ui(ui: &mut Ui, baseline: Option<&Report>, current: Option<&Report>) -> bool {
    let mut pin = false;
    ui.horizontal(|ui| {
        ui.label(RichText::new("BASELINE vs CHANGE").small().color(theme::TEXT_DIM));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            pin = ui
                .add_enabled(current.is_some(), egui::Button::new("Pin as baseline"))
                .on_hover_text("Keep this report; the next run is compared against it (Ctrl+B)")
                .clicked();
        });
    });
    match (baseline, current) {
        (Some(b), Some(c)) => {
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                Grid::new("compare-grid").num_columns(4).striped(true).spacing([12.0, 3.0]).show(ui, |ui| {
                    for h in ["", "baseline", "change", "delta"] {
                        ui.label(RichText::new(h).small().color(theme::TEXT_DIM));
                    }
                    ui.end_row();
                    for r in rows(b, c) {
                        ui.label(&r.label);
                        ui.label(&r.baseline);
                        ui.label(&r.change);
                        ui.colored_label(delta_colour(r.better), &r.delta);
                        ui.end_row();
                    }
                });
            });
        }
        (None, Some(_)) => {
            ui.weak("Pin this report as the baseline, change the topology, run again: the differences show here.");
        }
        (Some(_), None) => {
            ui.weak("Baseline pinned. Run the changed scenario (F5) to compare.");
        }
        (None, None) => {
            ui.weak("Run the scenario, pin the report as baseline, change something and run again.");
        }
    }
    pin
}
