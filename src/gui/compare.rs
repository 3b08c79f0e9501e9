//! Baseline versus change: pin a report, run again, read the differences. Rows are computed as
//! data ([`rows`]) and then drawn.

use super::theme;
use crate::report::{Report, verdict};
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

/// Median time to detect, minutes.
fn detect_min(r: &Report) -> Option<f64> {
    r.timeline.as_ref().and_then(|t| t.time_to_detect_s.median).map(|s| s / 60.0)
}

/// Median measured RTO, minutes.
fn rto_min(r: &Report) -> Option<f64> {
    r.timeline.as_ref().filter(|t| t.recovered_in > 0).and_then(|t| t.rto_s.median).map(|s| s / 60.0)
}

/// The rows comparing two reports: headline figures, time to detect and RTO when either report
/// has them, then each service's utilisation (services in either report, by name).
pub fn rows(base: &Report, change: &Report) -> Vec<Row> {
    let (b, c) = (&base.summary, &change.summary);
    let mut out = vec![
        row("users impacted", Some(b.users_impacted_pct), Some(c.users_impacted_pct), " %", 2, false),
        row("success rate", Some(100.0 * b.success_rate), Some(100.0 * c.success_rate), " %", 2, true),
        row("p99 latency", b.latency_ms.p99, c.latency_ms.p99, " ms", 0, false),
        row("requests", Some(b.requests), Some(c.requests), "", 0, true),
    ];
    for (label, figure) in [("time to detect", detect_min as fn(&Report) -> Option<f64>), ("RTO", rto_min)] {
        let (fb, fc) = (figure(base), figure(change));
        if fb.is_some() || fc.is_some() {
            out.push(row(label, fb, fc, " min", 1, false));
        }
    }
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

/// The `check` verdict on a report as the panel's last line (`check: PASS`, or `check: FAIL: ...`),
/// and whether it passed.
pub fn check_line(report: &Report) -> (String, bool) {
    let v = verdict(report);
    (format!("check: {}", v.describe()), v.pass)
}

/// The verdict line, green or red.
fn check_ui(ui: &mut Ui, report: &Report) {
    let (text, pass) = check_line(report);
    let (fg, bg) = if pass { (theme::OK, theme::CALLOUT_OK_BG) } else { (theme::BAD, theme::CALLOUT_BAD_BG) };
    egui::Frame::new()
        .fill(bg)
        .stroke(egui::Stroke::new(1.0, fg))
        .corner_radius(theme::RADIUS)
        .inner_margin(egui::Margin::symmetric(8, 5))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.add(egui::Label::new(RichText::new(text).color(fg)).wrap());
        })
        .response
        .on_hover_text("The run against the scenario's SLOs, as `gatesim check` judges it");
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
    // Room for the verdict line under the table.
    let check_h = if current.is_some() { 48.0 } else { 0.0 };
    match (baseline, current) {
        (Some(b), Some(c)) => {
            let table_h = (ui.available_height() - check_h).max(60.0);
            egui::ScrollArea::vertical().max_height(table_h).auto_shrink([false, false]).show(ui, |ui| {
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
    if let Some(c) = current {
        ui.add_space(4.0);
        check_ui(ui, c);
    }
    pin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(timeline: &str, replicates: u32) -> Report {
        let text = format!(
            r#"Scenario(format_version: 1, name: "t", run: (seed: 3, duration_s: 600, replicates: {replicates}),
            slo: (window: "10s", hold: "1m"),
            topology: (nodes: [
                Clients((name: "users", users: 500, arrivals: Deterministic, traffic: Constant(rate_rps: 50.0))),
                Service((name: "api", instances: 2, concurrency: 8, queue_capacity: 16, service_time: Constant(ms: 10.0))),
            ], links: [(from: "users", to: "api", latency: Constant(ms: 1.0))]),
            timeline: [{timeline}])"#
        );
        let s = crate::model::load::from_str(&text, std::path::Path::new("t.ron")).unwrap_or_else(|e| panic!("{e}"));
        crate::sim::run(&s, &Default::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn detection_and_rto_rows_appear_when_a_report_has_them_and_the_verdict_reads_as_check_does() {
        let calm = run("", 1);
        let broken = run(
            r#"Fault((name: "outage", at: 100, end: 200, target: "api", kind: Errors(share: 1.0, status: 503))),
               Alarm((name: "5xx", metric: Share5xx, threshold: 0.05, rule: Prometheus(interval: "10s", window: "10s", for: "10s")))"#,
            1,
        );
        let labels = |rs: &[Row]| rs.iter().map(|r| r.label.clone()).collect::<Vec<_>>();
        assert!(!labels(&rows(&calm, &calm)).contains(&"RTO".to_owned()));
        let rs = rows(&calm, &broken);
        let rto = rs.iter().find(|r| r.label == "RTO").unwrap_or_else(|| panic!("{rs:?}"));
        assert_eq!((rto.baseline.as_str(), rto.change.as_str()), ("-", "1.7 min"));
        assert!(labels(&rs).contains(&"time to detect".to_owned()));

        assert_eq!(check_line(&calm), ("check: PASS".to_owned(), true));
        let (text, pass) = check_line(&broken);
        assert!(!pass);
        assert!(text.starts_with("check: FAIL: availability"), "{text}");
    }
}
