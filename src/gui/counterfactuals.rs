//! The counterfactuals panel: the scenario as written and each of its variants (what-ifs of an
//! incident: caught by check, an automatic rollback, ...) run on the same seed, side by side.
//! Rows are computed as data ([`rows`], from the library's [`RunRow`]) and then drawn.

use super::results::{count_text, pct_text};
use super::theme;
use crate::report::{RunRow, duration_text};
use egui::{Color32, Grid, RichText, Ui};

/// One row of the panel, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `as written`, or the variant's name.
    pub name: String,
    /// The variant's description (shown on hover; empty for the scenario as written).
    pub description: String,
    /// Users impacted, `80.4 %`.
    pub users_hurt: String,
    /// Colour of the users figure (green to red).
    pub users_colour: Color32,
    /// Measured outage (RTO), `-` when nothing broke or nothing recovered.
    pub rto: String,
    /// Time in SLO breach.
    pub breach: String,
    /// Time to detect.
    pub detect: String,
    /// Failed requests per replicate, `153.2 k`.
    pub failed: String,
    /// The cause of most failures (`rate_limited`), empty without failures.
    pub top_cause: String,
    /// `PASS` or `FAIL`.
    pub verdict: String,
    /// Whether the run meets its SLOs.
    pub pass: bool,
    /// The verdict in full, with each broken objective (`FAIL: users impacted 80.40% > 1%`).
    pub verdict_detail: String,
}

/// A duration that fits a narrow column: `45 s`, `4 min 30 s`, `75 min`, `2.5 h`; `-` for none.
pub fn short_duration(s: Option<f64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s < 600.0 => duration_text(s),
        Some(s) if s < 3.0 * 3600.0 => format!("{:.0} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3600.0),
    }
}

/// [`short_duration`], or why there is none when the row says (`no outage`, `unrecovered`).
fn duration_or(s: Option<f64>, absent: &str) -> String {
    match s {
        None if !absent.is_empty() => absent.to_owned(),
        s => short_duration(s),
    }
}

/// The panel's rows, one per run, in the order given (the scenario as written first).
pub fn rows(runs: &[RunRow]) -> Vec<Row> {
    runs.iter()
        .map(|r| {
            let top = r.failed_by_cause.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(o, _)| o.name());
            Row {
                name: r.name.clone(),
                description: r.description.clone(),
                users_hurt: pct_text(r.users_impacted_pct),
                users_colour: theme::error_colour(r.users_impacted_pct / 100.0),
                rto: duration_or(r.rto_s, &r.rto_absent),
                breach: short_duration(r.breach_s),
                detect: duration_or(r.time_to_detect_s, &r.detect_absent),
                failed: count_text(r.failed),
                top_cause: top.unwrap_or_default().to_owned(),
                verdict: if r.verdict.pass { "PASS" } else { "FAIL" }.to_owned(),
                pass: r.verdict.pass,
                verdict_detail: format!("check: {}", r.verdict.describe()),
            }
        })
        .collect()
}

/// The finished counterfactuals, kept by the app.
#[derive(Debug)]
pub struct Counterfactuals {
    /// The library's rows, in file order (the scenario as written first).
    pub runs: Vec<RunRow>,
    /// The panel's rows.
    pub rows: Vec<Row>,
    /// What the document was when they ran (see `App::doc_key`): the table is stale when the
    /// document has changed since.
    pub key: (u64, u64),
}

impl Counterfactuals {
    /// From the library's rows.
    pub fn new(runs: Vec<RunRow>, key: (u64, u64)) -> Self {
        Counterfactuals { rows: rows(&runs), runs, key }
    }
}

/// What the panel shows besides the rows.
#[derive(Debug, Default)]
pub struct PanelIn<'a> {
    /// Variants in the document.
    pub variants: usize,
    /// The last results, and whether the document changed since.
    pub results: Option<(&'a [Row], bool)>,
    /// While the counterfactuals run: the fraction done and what is running.
    pub progress: Option<(f32, String)>,
    /// Why the last attempt failed.
    pub failed: Option<&'a str>,
    /// Another simulation is under way (the button waits for it).
    pub busy: bool,
}

/// What the user did in the panel.
#[derive(Debug, Default, PartialEq)]
pub struct PanelOut {
    /// "Run counterfactuals" clicked.
    pub run: bool,
    /// "Cancel" clicked.
    pub cancel: bool,
    /// Open this variant as a new document.
    pub open: Option<String>,
}

/// Label of the panel's run button (and of the action).
pub const RUN_BUTTON: &str = "Run counterfactuals";

/// The panel.
pub fn counterfactuals_ui(ui: &mut Ui, input: &PanelIn<'_>) -> PanelOut {
    let mut out = PanelOut::default();
    ui.horizontal(|ui| match &input.progress {
        Some((fraction, text)) => {
            if ui.button("Cancel").on_hover_text("Stop the runs (Esc)").clicked() {
                out.cancel = true;
            }
            ui.add(egui::ProgressBar::new(*fraction).desired_width(ui.available_width()).text(text.as_str()));
        }
        None => {
            let enabled = input.variants > 0 && !input.busy;
            let hover = if input.variants == 0 {
                "This scenario has no variants: add `variants: [...]` to its file \
                 (scenarios/incidents/ has examples)"
            } else {
                "Run the scenario as written and each variant on the same seed (same traffic), on a worker \
                 thread"
            };
            if ui.add_enabled(enabled, egui::Button::new(RUN_BUTTON)).on_hover_text(hover).clicked() {
                out.run = true;
            }
            let what = match input.variants {
                0 => "no variants in this scenario".to_owned(),
                1 => "the scenario as written and its variant, same seed".to_owned(),
                n => format!("the scenario as written and its {n} variants, same seed"),
            };
            ui.add(egui::Label::new(RichText::new(what).color(theme::TEXT_DIM)).truncate());
        }
    });
    if let Some(why) = input.failed {
        ui.add(egui::Label::new(RichText::new(why).color(theme::BAD)).truncate()).on_hover_text(why);
    }
    let Some((rows, stale)) = input.results else {
        if input.progress.is_none() && input.failed.is_none() {
            ui.add_space(6.0);
            let hint = if input.variants == 0 {
                "Counterfactuals are what-ifs of an incident written in its file (caught by check, an automatic \
                 rollback, ...). Open an incident from File > Examples to see them."
            } else {
                "Each variant changes the timeline or a setting of the incident (see the file's `variants`). The \
                 table compares users hurt, the outage, detection and the check verdict."
            };
            ui.add(egui::Label::new(RichText::new(hint).color(theme::TEXT_DIM)).wrap());
        }
        return out;
    };
    if stale {
        ui.add(
            egui::Label::new(
                RichText::new("The document changed since these runs; run them again.").color(theme::WARN),
            )
            .truncate(),
        );
    }
    ui.add_space(2.0);
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        Grid::new("counterfactuals-grid").num_columns(7).striped(true).spacing([10.0, 4.0]).show(ui, |ui| {
            let headers: [(&str, &str); 7] = [
                ("run", "The scenario as written, then each variant (hover a name for what it changes)"),
                ("users\nhurt", "Users with at least one failed request, % of active users"),
                ("outage\n(RTO)", "From the trigger to the SLO met again for the hold period (median)"),
                ("in SLO\nbreach", "Time the SLO was breached (median over replicates)"),
                ("time to\ndetect", "From the trigger to the first alarm firing (median)"),
                ("failed requests\n(top cause)", "Requests failed per replicate, and the cause of most"),
                ("check", "The run against the scenario's SLOs, as `gatesim check` judges it"),
            ];
            for (h, hover) in headers {
                ui.label(RichText::new(h).small().color(theme::TEXT_DIM)).on_hover_text(hover);
            }
            ui.end_row();
            for r in rows {
                let mut name = egui::Label::new(&r.name).truncate().sense(egui::Sense::click());
                if r.name == "as written" {
                    name = egui::Label::new(RichText::new(&r.name).strong()).truncate();
                }
                let cell = ui
                    .allocate_ui_with_layout(
                        egui::vec2(170.0, 18.0),
                        egui::Layout::left_to_right(egui::Align::Center),
                        |ui| ui.add(name),
                    )
                    .inner;
                if r.description.is_empty() {
                    cell.on_hover_text("The scenario as written in its file");
                } else {
                    let hover = format!("{}\n\nRight-click: open this variant as a new document.", r.description);
                    let cell = cell.on_hover_text(hover);
                    cell.context_menu(|ui| {
                        if ui.button("Open this variant as a new document").clicked() {
                            out.open = Some(r.name.clone());
                            ui.close();
                        }
                    });
                }
                ui.colored_label(r.users_colour, &r.users_hurt);
                ui.label(&r.rto);
                ui.label(&r.breach);
                ui.label(&r.detect);
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 5.0;
                    ui.label(&r.failed);
                    ui.label(RichText::new(&r.top_cause).small().color(theme::TEXT_DIM));
                });
                let (fg, bg) =
                    if r.pass { (theme::OK, theme::CALLOUT_OK_BG) } else { (theme::BAD, theme::CALLOUT_BAD_BG) };
                egui::Frame::new()
                    .fill(bg)
                    .corner_radius(theme::RADIUS)
                    .inner_margin(egui::Margin::symmetric(5, 1))
                    .show(ui, |ui| ui.label(RichText::new(&r.verdict).small().strong().color(fg)))
                    .response
                    .on_hover_text(&r.verdict_detail);
                ui.end_row();
            }
        });
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Outcome;
    use crate::report::{Objective, Verdict};

    fn run_row(name: &str, users: f64, rto_s: Option<f64>, rejected: f64) -> RunRow {
        let met = users <= 1.0;
        RunRow {
            name: name.into(),
            description: format!("what {name} changes"),
            users_impacted_pct: users,
            breach_s: rto_s,
            time_to_detect_s: rto_s.map(|_| 270.0),
            rto_s,
            rto_absent: if rto_s.is_none() { "no outage".into() } else { String::new() },
            detect_absent: if rto_s.is_none() { "no alarm".into() } else { String::new() },
            failed: rejected + 10.0,
            failed_by_cause: [(Outcome::RateLimited, rejected), (Outcome::Timeout, 10.0)].into_iter().collect(),
            rpo: None,
            verdict: Verdict {
                pass: met,
                objectives: vec![Objective {
                    name: "users impacted".into(),
                    value: users,
                    target: 1.0,
                    unit: "%".into(),
                    met,
                }],
            },
        }
    }

    #[test]
    fn rows_read_as_the_cli_table_does_with_the_verdict_per_run() {
        let rs =
            rows(&[run_row("as written", 80.43, Some(4530.0), 153_191.0), run_row("caught by check", 0.4, None, 0.0)]);
        let [written, caught] = rs.as_slice() else { panic!("{rs:?}") };
        assert_eq!(written.users_hurt, "80.4 %");
        assert_eq!(written.users_colour, theme::BAD);
        assert_eq!((written.rto.as_str(), written.detect.as_str()), ("76 min", "4 min 30 s"));
        assert_eq!((written.failed.as_str(), written.top_cause.as_str()), ("153.2 k", "rate_limited"));
        assert_eq!((written.verdict.as_str(), written.pass), ("FAIL", false));
        assert_eq!(written.verdict_detail, "check: FAIL: users impacted 80.43% > 1%");
        assert_eq!((caught.rto.as_str(), caught.detect.as_str()), ("no outage", "no alarm"));
        // Without rejections the top cause is the one left.
        assert_eq!(caught.top_cause, "timeout");
        assert_eq!((caught.verdict.as_str(), caught.pass), ("PASS", true));
        assert_eq!(caught.description, "what caught by check changes");
    }

    #[test]
    fn durations_fit_a_narrow_column() {
        assert_eq!(short_duration(None), "-");
        assert_eq!(short_duration(Some(45.0)), "45 s");
        assert_eq!(short_duration(Some(270.0)), "4 min 30 s");
        assert_eq!(short_duration(Some(4500.0)), "75 min");
        assert_eq!(short_duration(Some(5.0 * 3600.0)), "5.0 h");
    }
}
