//! Baseline versus change: pin a report, run again, read the differences; or "Check change",
//! which runs the document without its config changes and with them ([`check_job`]) and fills
//! both sides. Rows are computed as data ([`rows`]) and then drawn.

use super::run::Job;
use super::theme;
use crate::cli::check::{baseline_of, comparable};
use crate::model::{Event, Scenario};
use crate::report::{Report, detect_absent, rto_absent, rto_s, time_to_detect_s, verdict};
use egui::{Color32, Grid, RichText, Ui};

/// Label of the panel's check button (and of the action).
pub const CHECK_BUTTON: &str = "Check change";

/// What "Check change" runs for a document: the document without its config changes (and the
/// actions naming them) as the baseline, then the document as edited, on the same seed and
/// replicates; or why there is nothing to check.
pub fn check_job(s: &Scenario) -> Result<Job, String> {
    let changes = s.timeline.iter().filter(|e| matches!(e, Event::Change(_))).count();
    if changes == 0 {
        return Err("Nothing to check: the timeline has no config change. Add a change to the timeline, or pin \
                    a baseline, edit the topology and run again."
            .into());
    }
    let baseline = baseline_of(s);
    let mut change = s.clone();
    change.variants.clear();
    comparable(&baseline, &change)?;
    Ok(Job::Check { baseline: Box::new(baseline), change: Box::new(change) })
}

/// The caption over a comparison made by "Check change".
pub fn check_caption(s: &Scenario) -> String {
    let n = s.timeline.iter().filter(|e| matches!(e, Event::Change(_))).count();
    let changes = if n == 1 { "its config change".to_owned() } else { format!("its {n} config changes") };
    format!("Checked: the document without {changes} (baseline) and as edited (change), same seed")
}

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

/// A figure of a report, or why the report has none (shown in its place, in words).
type Figure = Result<f64, &'static str>;

fn row(label: &str, b: Figure, c: Figure, unit: &str, digits: usize, higher_is_better: bool) -> Row {
    let fmt = |v: Figure| v.map_or_else(str::to_owned, |v| format!("{v:.digits$}{unit}"));
    let (delta, better) = match (b, c) {
        (Ok(b), Ok(c)) => {
            let d = c - b;
            let better =
                if d.abs() < 10f64.powi(-(digits as i32)) / 2.0 { None } else { Some((d > 0.0) == higher_is_better) };
            (format!("{d:+.digits$}{unit}"), better)
        }
        // No difference to take: the cells say why.
        _ => (String::new(), None),
    };
    Row { label: label.to_owned(), baseline: fmt(b), change: fmt(c), delta, better }
}

/// Median time to detect, minutes.
fn detect_min(r: &Report) -> Figure {
    time_to_detect_s(r).map(|s| s / 60.0).ok_or_else(|| detect_absent(r))
}

/// Median measured RTO, minutes.
fn rto_min(r: &Report) -> Figure {
    rto_s(r).map(|s| s / 60.0).ok_or_else(|| rto_absent(r))
}

/// The 99th percentile latency, or why there is none.
fn p99(s: &crate::report::Summary) -> Figure {
    s.latency_ms.p99.ok_or("none served")
}

/// The rows comparing two reports: headline figures, time to detect and RTO when either report
/// has them, then each service's utilisation (services in either report, by name).
pub fn rows(base: &Report, change: &Report) -> Vec<Row> {
    let (b, c) = (&base.summary, &change.summary);
    let mut out = vec![
        row("users impacted", Ok(b.users_impacted_pct), Ok(c.users_impacted_pct), " %", 2, false),
        row("success rate", Ok(100.0 * b.success_rate), Ok(100.0 * c.success_rate), " %", 2, true),
        row("p99 latency", p99(b), p99(c), " ms", 0, false),
        row("requests", Ok(b.requests), Ok(c.requests), "", 0, true),
    ];
    for (label, figure) in [("time to detect", detect_min as fn(&Report) -> Figure), ("RTO", rto_min)] {
        let (fb, fc) = (figure(base), figure(change));
        if fb.is_ok() || fc.is_ok() {
            out.push(row(label, fb, fc, " min", 1, false));
        }
    }
    let mut names: Vec<&str> =
        base.nodes.iter().chain(&change.nodes).filter(|n| n.service.is_some()).map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let util = |r: &Report, name: &str| {
        r.nodes
            .iter()
            .find(|n| n.name == name)
            .and_then(|n| n.service.as_ref())
            .map(|s| 100.0 * s.utilisation)
            .ok_or("not in this run")
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

/// What the comparison panel shows.
#[derive(Debug, Default)]
pub struct CompareIn<'a> {
    /// The pinned (or checked) baseline.
    pub baseline: Option<&'a Report>,
    /// The last finished run (or the checked change).
    pub current: Option<&'a Report>,
    /// What the two reports are, when a check made them.
    pub caption: Option<&'a str>,
    /// A message about the last "Check change" (nothing to check, or why it failed).
    pub note: Option<&'a str>,
    /// While a check runs: the fraction done and what is running.
    pub progress: Option<(f32, String)>,
    /// A simulation is under way (the check waits for it).
    pub busy: bool,
}

/// What the user did in the comparison panel.
#[derive(Debug, Default, PartialEq)]
pub struct CompareOut {
    /// "Pin as baseline" clicked.
    pub pin: bool,
    /// "Check change" clicked.
    pub check: bool,
    /// "Cancel" clicked (during a check).
    pub cancel: bool,
}

/// The comparison panel.
pub fn compare_ui(ui: &mut Ui, input: &CompareIn<'_>) -> CompareOut {
    let mut out = CompareOut::default();
    let (baseline, current) = (input.baseline, input.current);
    ui.horizontal(|ui| {
        if let Some((fraction, text)) = &input.progress {
            if ui.button("Cancel").on_hover_text("Stop the check (Esc)").clicked() {
                out.cancel = true;
            }
            ui.add(egui::ProgressBar::new(*fraction).desired_width(ui.available_width()).text(text.as_str()));
            return;
        }
        out.check = ui
            .add_enabled(!input.busy, egui::Button::new(CHECK_BUTTON))
            .on_hover_text(
                "Run the document without its config changes and with them (unsaved edits included) on the same \
                 seed, and judge the change against the SLOs as `gatesim check` does (Ctrl+Shift+Enter)",
            )
            .clicked();
        out.pin = ui
            .add_enabled(current.is_some(), egui::Button::new("Pin as baseline"))
            .on_hover_text("Keep this report; the next run is compared against it (Ctrl+B)")
            .clicked();
    });
    if let Some(note) = input.note {
        ui.add(egui::Label::new(RichText::new(note).color(theme::WARN)).wrap());
    }
    if let Some(caption) = input.caption {
        ui.add(egui::Label::new(RichText::new(caption).small().color(theme::TEXT_DIM)).wrap());
    }
    // Room for the verdict line(s) under the table.
    let check_h = if current.is_some() { 56.0 } else { 0.0 };
    match (baseline, current) {
        (Some(b), Some(c)) => {
            let table_h = (ui.available_height() - check_h).max(60.0);
            // The verdict right under the table; the table scrolls when the panel is short.
            egui::ScrollArea::vertical().max_height(table_h).auto_shrink([false, true]).show(ui, |ui| {
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
        _ if input.progress.is_some() => {}
        (None, Some(_)) => {
            ui.weak(
                "Check change runs the file without its config changes and with them. Or pin this report as the \
                 baseline, change the topology, run again: the differences show here.",
            );
        }
        (Some(_), None) => {
            ui.weak("Baseline pinned. Run the changed scenario (F5) to compare.");
        }
        (None, None) => {
            ui.weak(
                "Check change (Ctrl+Shift+Enter) runs the file without its config changes and with them. Or run \
                 the scenario, pin the report as baseline, change something and run again.",
            );
        }
    }
    if let Some(c) = current {
        ui.add_space(4.0);
        check_ui(ui, c);
        if let Some(b) = baseline {
            let (text, pass) = check_line(b);
            if !pass && input.caption.is_some() {
                let already = text.replacen("check: FAIL: ", "", 1);
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("The baseline fails too: {already}")).small().color(theme::TEXT_DIM),
                    )
                    .wrap(),
                );
            }
        }
    }
    out
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
        assert_eq!((rto.baseline.as_str(), rto.change.as_str(), rto.delta.as_str()), ("no outage", "1.7 min", ""));
        let detect = rs.iter().find(|r| r.label == "time to detect").unwrap_or_else(|| panic!("{rs:?}"));
        assert_eq!(detect.baseline, "no alarm");
        assert!(labels(&rs).contains(&"time to detect".to_owned()));

        assert_eq!(check_line(&calm), ("check: PASS".to_owned(), true));
        let (text, pass) = check_line(&broken);
        assert!(!pass);
        assert!(text.starts_with("check: FAIL: availability"), "{text}");
    }

    #[test]
    fn check_change_runs_the_file_without_its_changes_or_says_there_is_none() {
        let text = include_str!("../../scenarios/incidents/rate-limit-tightened.ron");
        let s = crate::model::load::parse(text, std::path::Path::new("incident.ron")).unwrap_or_else(|e| panic!("{e}"));
        let Ok(Job::Check { baseline, change }) = check_job(&s) else { panic!("no check job") };
        assert!(!baseline.timeline.iter().any(|e| matches!(e, Event::Change(_))));
        assert!(change.variants.is_empty());
        assert_eq!((baseline.run.seed, baseline.run.replicates), (change.run.seed, change.run.replicates));
        assert_eq!(change.timeline, s.timeline);
        assert_eq!(
            check_caption(&s),
            "Checked: the document without its 2 config changes (baseline) and as edited (change), same seed"
        );

        let mut calm = s.clone();
        calm.timeline.retain(|e| !matches!(e, Event::Change(_)));
        let why = check_job(&calm).err().unwrap_or_default();
        assert!(why.starts_with("Nothing to check: the timeline has no config change"), "{why}");
    }
}
