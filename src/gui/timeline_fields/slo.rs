//! The run's start time and the SLOs, in the inspector when nothing is selected.

use super::super::commands::Command;
use super::super::fields::{number_ui, parsed_row_ui};
use super::super::inspector::{Edit, key};
use super::super::theme;
use super::{SPAN_HINT, span_parse};
use crate::model::Scenario;
use egui::{Grid, Id, RichText, Ui};

/// The scenario's start time and SLOs (with nothing selected); returns the edits.
pub(in crate::gui) fn run_start_and_slo_ui(ui: &mut Ui, s: &Scenario, edits: &mut Vec<Edit>) {
    ui.separator();
    ui.label(RichText::new("TIME AND SLO").small().color(theme::TEXT_DIM));
    let mut run = s.run.clone();
    let mut slo = s.slo.clone();
    let mut slo_merge = None;
    Grid::new("slo-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
        let current = if run.start.0 == 0 { String::new() } else { run.start.to_string() };
        let parse = |t: &str| {
            if t.trim().is_empty() { Ok(crate::model::UtcTime(0)) } else { crate::model::UtcTime::parse(t) }
        };
        if let Some(t) =
            parsed_row_ui(ui, "start (UTC)", Id::unique("run-start"), &current, "2024-08-16T14:00:00Z", parse)
        {
            run.start = t;
        }
        let mut pct = slo.availability * 100.0;
        if number_ui(ui, "availability", &mut pct, 0.0..=100.0, " %", 0.01) {
            slo.availability = pct / 100.0;
            slo_merge = Some(key(("slo", "availability")));
        }
        if super::super::fields::optional_ui(ui, "p99 latency", &mut slo.latency_p99_ms, 1000.0, " ms") {
            slo_merge = Some(key(("slo", "latency")));
        }
        if number_ui(ui, "max users impacted", &mut slo.users_impacted_pct, 0.0..=100.0, " %", 0.01) {
            slo_merge = Some(key(("slo", "users")));
        }
        for (label, field, v) in [("window", "slo-window", &mut slo.window), ("hold", "slo-hold", &mut slo.hold)] {
            if let Some(x) = parsed_row_ui(ui, label, Id::unique(field), &v.to_string(), SPAN_HINT, span_parse) {
                *v = x;
            }
        }
    });
    if run != s.run {
        edits.push((Command::SetRun(run), None));
    }
    if slo != s.slo {
        edits.push((Command::SetSlo(slo), slo_merge));
    }
}
