//! The DR strategies panel (the tab beside the counterfactuals): the four classic disaster
//! recovery strategies applied to the document's design and the design as written, each facing
//! the same outage of its primary region (`crate::dr`, as `gatesim dr` runs them, on the batch
//! worker): cost per month, outage cost, RTO, RPO and users impacted, and their chart (cost
//! against RTO, the marker's area growing with the RPO). Rows and chart points are computed as
//! data ([`rows`], [`points`]) and then drawn. A strategy opens as a new document.

use super::app::App;
use super::counterfactuals::short_duration;
use super::results::{count_text, pct_text};
use super::run::{BatchState, DR_TITLE, Job};
use super::theme;
use crate::dr::{self, DrOptions, DrRow, Strategy};
use crate::report::usd_text;
use egui::{Color32, Grid, RichText, Ui};
use egui_plot::{AxisHints, HoverPosition, Plot, PlotPoint, Points, Text, VLine};

/// Label of the panel's run button (and of the action).
pub const RUN_BUTTON: &str = "Run DR strategies";

/// One row of the table, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The strategy.
    pub strategy: Strategy,
    /// `pilot light`.
    pub name: String,
    /// What it is and what it assumes (on hover).
    pub hover: String,
    /// Infrastructure per month, steady state: `$1,234`.
    pub cost: String,
    /// The faulted run's outage cost, `-` when the scenario prices no outage.
    pub outage: String,
    /// Measured RTO: `4 min 30 s`, `12 min (3 of 4)`, `not recovered`.
    pub rto: String,
    /// Whether every replicate recovered.
    pub recovered: bool,
    /// Measured RPO: `180 ms · 37 writes`, `none lost`, `no failover`.
    pub rpo: String,
    /// Users impacted over the faulted run, `80.4 %`.
    pub users: String,
    /// Its colour (green to red).
    pub users_colour: Color32,
}

/// The RPO of a row in words (`*`: not restored within the run; the writes a restore from the
/// last backup would lose; `no failover` when no data store failed over, so nothing was measured).
pub fn rpo_text(r: &DrRow) -> String {
    match r.rpo {
        Some(x) if x.writes_lost > 0.0 => {
            let age = super::results::age_text(x.oldest_s);
            let writes = match count_text(x.writes_lost).as_str() {
                "1" => "1 write".to_owned(),
                c => format!("{c} writes"),
            };
            format!("{age} · {writes}{}", if x.recovered { "" } else { "*" })
        }
        Some(_) => "none lost".into(),
        None => "no failover".into(),
    }
}

/// The RTO of a row in words.
pub fn rto_text(r: &DrRow) -> String {
    match r.rto_s {
        Some(s) if r.recovered_in < r.replicates => {
            format!("{} ({} of {})", short_duration(Some(s)), r.recovered_in, r.replicates)
        }
        Some(s) => short_duration(Some(s)),
        None => "not recovered".into(),
    }
}

/// The table's rows, in the order given; `priced`: the scenario gives business figures (else the
/// outage cost says `not priced`, not a zero).
pub fn rows(rows: &[DrRow], priced: bool) -> Vec<Row> {
    rows.iter()
        .map(|r| Row {
            strategy: r.strategy,
            name: r.strategy.label().to_owned(),
            hover: format!("{}.\n\n{}", capitalised(r.strategy.summary()), r.description.trim()),
            cost: usd_text(r.cost_per_month_usd),
            outage: if priced { usd_text(r.outage_cost_usd) } else { "not priced".into() },
            rto: rto_text(r),
            recovered: r.rto_s.is_some() && r.recovered_in == r.replicates,
            rpo: rpo_text(r),
            users: pct_text(r.users_impacted_pct),
            users_colour: theme::error_colour(r.users_impacted_pct / 100.0),
        })
        .collect()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// One marker of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartPoint {
    /// The strategy.
    pub strategy: Strategy,
    /// RTO, minutes; a strategy that did not recover is drawn in the band right of [`x_band`].
    pub x_min: f64,
    /// Cost per month, USD.
    pub y_usd: f64,
    /// Marker radius, points: its area grows with the RPO (the oldest write lost); the smallest
    /// when nothing was lost or no store failed over.
    pub radius: f32,
    /// Whether it recovered within the run.
    pub recovered: bool,
}

/// Smallest and largest marker radius.
const R_MIN: f32 = 4.0;
const R_MAX: f32 = 15.0;

/// Where the band of strategies that did not recover starts, minutes (past the slowest RTO).
pub fn x_band(rows: &[DrRow]) -> f64 {
    let max = rows.iter().filter_map(|r| r.rto_s).fold(0.0, f64::max) / 60.0;
    (max * 1.15).max(5.0)
}

/// The chart's markers.
pub fn points(rows: &[DrRow]) -> Vec<ChartPoint> {
    let band = x_band(rows);
    let max_rpo =
        rows.iter().filter_map(|r| r.rpo).filter(|x| x.writes_lost > 0.0).map(|x| x.oldest_s).fold(0.0, f64::max);
    rows.iter()
        .map(|r| {
            let radius = match r.rpo {
                Some(x) if max_rpo > 0.0 && x.writes_lost > 0.0 => {
                    let share = (x.oldest_s / max_rpo) as f32;
                    (R_MIN * R_MIN + (R_MAX * R_MAX - R_MIN * R_MIN) * share).sqrt()
                }
                _ => R_MIN,
            };
            ChartPoint {
                strategy: r.strategy,
                x_min: r.rto_s.map_or(band * 1.1, |s| s / 60.0),
                y_usd: r.cost_per_month_usd,
                radius,
                recovered: r.rto_s.is_some(),
            }
        })
        .collect()
}

/// A strategy's colour in the chart.
fn colour(st: Strategy) -> Color32 {
    let i = Strategy::ALL.iter().position(|&s| s == st).unwrap_or(0);
    theme::series_colour(i)
}

/// The finished DR table, kept by the app.
#[derive(Debug)]
pub struct DrResults {
    /// The library's rows, in [`Strategy::ALL`]'s order.
    pub rows: Vec<DrRow>,
    /// The panel's rows.
    pub table: Vec<Row>,
    /// What the document was when they ran (see `App::doc_key`).
    pub key: (u64, u64),
}

impl DrResults {
    /// From the library's rows; `priced`: the scenario gives business figures.
    pub fn new(rows: Vec<DrRow>, priced: bool, key: (u64, u64)) -> Self {
        DrResults { table: self::rows(&rows, priced), rows, key }
    }
}

/// What the panel shows besides the rows.
#[derive(Debug, Default)]
pub struct PanelIn<'a> {
    /// The last results, and whether the document changed since.
    pub results: Option<(&'a DrResults, bool)>,
    /// While the strategies run: the fraction done and what is running.
    pub progress: Option<(f32, String)>,
    /// Why the last attempt failed.
    pub failed: Option<&'a str>,
    /// Another simulation is under way (the button waits for it).
    pub busy: bool,
}

/// What the user did in the panel.
#[derive(Debug, Default, PartialEq)]
pub struct PanelOut {
    /// The run button clicked.
    pub run: bool,
    /// "Cancel" clicked.
    pub cancel: bool,
    /// Open this strategy's scenario as a new document.
    pub open: Option<Strategy>,
}

/// The panel: the run button (or progress), then the table and the chart side by side.
pub fn dr_ui(ui: &mut Ui, input: &PanelIn<'_>) -> PanelOut {
    let mut out = PanelOut::default();
    let o = DrOptions::default();
    ui.horizontal(|ui| match &input.progress {
        Some((fraction, text)) => {
            if ui.button("Cancel").on_hover_text("Stop after the strategy under way (Esc)").clicked() {
                out.cancel = true;
            }
            ui.add(egui::ProgressBar::new(*fraction).desired_width(ui.available_width()).text(text.as_str()));
        }
        None => {
            let hover = "Apply each strategy to this design and simulate it facing the same outage of its \
                         primary region (as `gatesim dr`), one after the other on a worker thread";
            if ui.add_enabled(!input.busy, egui::Button::new(RUN_BUTTON)).on_hover_text(hover).clicked() {
                out.run = true;
            }
            let what = format!(
                "primary region down at {} for {}, runs of {}",
                short_duration(Some(o.fault_at_s)),
                short_duration(Some(o.fault_for_s)),
                short_duration(Some(o.duration_s))
            );
            ui.add(egui::Label::new(RichText::new(what).color(theme::TEXT_DIM)).truncate());
        }
    });
    if let Some(why) = input.failed {
        ui.add(egui::Label::new(RichText::new(why).color(theme::BAD)).truncate()).on_hover_text(why);
    }
    let Some((results, stale)) = input.results else {
        if input.progress.is_none() && input.failed.is_none() {
            ui.add_space(6.0);
            let hint = "Backup and restore, pilot light, warm standby and active/active (the AWS whitepaper's \
                        four strategies) built from this design in a recovery region, beside the design as \
                        written: what each costs per month and what the outage costs, its RTO and RPO, \
                        measured by simulation. Give the scenario a value per request (inspector, nothing \
                        selected) to price the outage. See docs/dr.md.";
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
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| table_ui(ui, &results.table, &mut out));
        ui.add_space(8.0);
        chart_ui(ui, &results.rows);
    });
    out
}

fn table_ui(ui: &mut Ui, rows: &[Row], out: &mut PanelOut) {
    Grid::new("dr-grid").num_columns(6).striped(true).spacing([10.0, 4.0]).show(ui, |ui| {
        let headers: [(&str, &str); 6] = [
            ("strategy", "Hover a strategy for what it assumes; right-click to open it as a new document"),
            ("cost\n/ month", "Infrastructure of a run without the fault, priced x 730 h (steady state)"),
            (
                "outage\ncost",
                "Failed requests of the faulted run x the scenario's value per request; not priced: add a \
                 business value per request (PRICES AND BUSINESS, in the inspector with nothing selected)",
            ),
            ("RTO", "From the fault to a recovery of the SLO that holds (median over the replicates)"),
            (
                "RPO",
                "The oldest committed write the recovery lost, and how many (median); no failover: no data \
                 store failed over, so nothing was measured; *: not restored within the run, what a restore \
                 from the last backup would lose",
            ),
            ("users\nhurt", "Users with a failed or too slow request over the faulted run"),
        ];
        for (h, hover) in headers {
            ui.label(RichText::new(h).small().color(theme::TEXT_DIM)).on_hover_text(hover);
        }
        ui.end_row();
        for r in rows {
            let mut text = RichText::new(&r.name).color(colour(r.strategy));
            if r.strategy == Strategy::AsDesigned {
                text = text.strong();
            }
            let cell = ui
                .allocate_ui_with_layout(
                    egui::vec2(130.0, 18.0),
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| ui.add(egui::Label::new(text).truncate().sense(egui::Sense::click())),
                )
                .inner;
            let cell = cell.on_hover_text(format!("{}\n\nRight-click: open it as a new document.", r.hover));
            cell.context_menu(|ui| {
                if ui.button("Open this strategy as a new document").clicked() {
                    out.open = Some(r.strategy);
                    ui.close();
                }
            });
            ui.label(&r.cost);
            ui.label(&r.outage);
            if r.recovered {
                ui.label(&r.rto);
            } else {
                ui.colored_label(theme::BAD, &r.rto);
            }
            ui.label(&r.rpo);
            ui.colored_label(r.users_colour, &r.users);
            ui.end_row();
        }
    });
}

/// Money on the chart's axis: `$0`, `$500`, `$1,500`.
fn axis_usd(v: f64) -> String {
    if v.abs() >= 1000.0 { usd_text(v) } else { format!("${v:.0}") }
}

/// Height of a label on the chart, points, and the width of one of its characters (small text).
const LABEL_H: f32 = 13.0;
const CHAR_W: f32 = 6.0;

/// Where each marker's label goes on screen: right of the marker (left of it near the right edge
/// `right`), moved down while it would overlap a label placed before it or a rectangle of
/// `taken`. Markers are taken in the order given.
pub fn label_rects(markers: &[(egui::Pos2, f32, usize)], right: f32, taken: &[egui::Rect]) -> Vec<egui::Rect> {
    let mut placed: Vec<egui::Rect> = taken.to_vec();
    let mut out = Vec::new();
    for &(centre, radius, chars) in markers {
        let w = CHAR_W * chars as f32;
        let x = if centre.x + radius + 4.0 + w > right { centre.x - radius - 4.0 - w } else { centre.x + radius + 4.0 };
        let mut rect = egui::Rect::from_min_size(egui::pos2(x, centre.y - LABEL_H / 2.0), egui::vec2(w, LABEL_H));
        while placed.iter().any(|r| r.intersects(rect)) {
            rect = rect.translate(egui::vec2(0.0, LABEL_H));
        }
        placed.push(rect);
        out.push(rect);
    }
    out
}

fn chart_ui(ui: &mut Ui, rows: &[DrRow]) {
    let mut pts = points(rows);
    // The largest markers first: the small ones stay visible on top.
    pts.sort_by(|a, b| b.radius.total_cmp(&a.radius));
    let hovers: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let text = format!(
                "{}\nRTO {} · RPO {}\n{} per month",
                r.strategy.label(),
                rto_text(r),
                rpo_text(r),
                usd_text(r.cost_per_month_usd)
            );
            (r.strategy.label().to_owned(), text)
        })
        .collect();
    let band = x_band(rows);
    let lost = pts.iter().any(|p| !p.recovered);
    let top = pts.iter().map(|p| p.y_usd).fold(0.0, f64::max).max(1.0);
    let x_axis = AxisHints::new_x()
        .label("RTO (min)")
        .label_spacing(28.0..=40.0)
        .formatter(move |m, _| if lost && m.value > band + 1e-9 { String::new() } else { format!("{:.0}", m.value) });
    let y_axis =
        AxisHints::new_y().label("cost / month").label_spacing(16.0..=24.0).formatter(|m, _| axis_usd(m.value));
    let h = ui.available_height().max(120.0);
    Plot::new("dr-chart")
        .height(h)
        .width(ui.available_width().max(200.0))
        .include_x(0.0)
        .include_x(if lost { band * 1.2 } else { band })
        .include_y(0.0)
        .include_y(top * 1.2)
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![y_axis])
        .label_formatter(move |pos| match pos {
            HoverPosition::NearDataPoint { plot_name, .. } => {
                hovers.iter().find(|(name, _)| name == plot_name).map(|(_, text)| text.clone())
            }
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |p| {
            let frame = *p.transform().frame();
            let mut taken = Vec::new();
            if lost {
                p.vline(VLine::new("", band).color(theme::TEXT_DIM).style(egui_plot::LineStyle::dashed_loose()));
                let at = p.screen_from_plot(PlotPoint::new(band, top * 1.2));
                let caption = "not recovered";
                let w = CHAR_W * caption.len() as f32;
                // Right of the band's line, or left of it when the chart ends first.
                let x = if at.x + 3.0 + w > frame.right() { at.x - 3.0 - w } else { at.x + 3.0 };
                let rect = egui::Rect::from_min_size(egui::pos2(x, at.y), egui::vec2(w, LABEL_H));
                taken.push(rect);
                p.text(
                    Text::new("", p.plot_from_screen(rect.left_center()), RichText::new(caption).small())
                        .color(theme::BAD)
                        .anchor(egui::Align2::LEFT_CENTER),
                );
            }
            for pt in &pts {
                let c = colour(pt.strategy);
                p.points(
                    Points::new(pt.strategy.label(), vec![[pt.x_min, pt.y_usd]])
                        .radius(pt.radius)
                        .color(c.gamma_multiply(0.75))
                        .filled(true),
                );
            }
            let markers: Vec<(egui::Pos2, f32, usize)> = pts
                .iter()
                .map(|pt| {
                    let centre = p.screen_from_plot(PlotPoint::new(pt.x_min, pt.y_usd));
                    (centre, pt.radius, pt.strategy.label().chars().count())
                })
                .collect();
            // Labels keep off every marker too.
            taken
                .extend(markers.iter().map(|&(c, r, _)| egui::Rect::from_center_size(c, egui::vec2(2.0 * r, 2.0 * r))));
            for (pt, rect) in pts.iter().zip(label_rects(&markers, frame.right(), &taken)) {
                let text = RichText::new(pt.strategy.label()).small().color(colour(pt.strategy));
                p.text(Text::new("", p.plot_from_screen(rect.left_center()), text).anchor(egui::Align2::LEFT_CENTER));
            }
        });
}

impl App {
    /// The DR strategies of the document on the batch worker.
    pub(super) fn start_dr(&mut self, ctx: &egui::Context) {
        self.bottom_tab = super::BottomTab::Dr;
        if self.is_busy() {
            return;
        }
        self.dr_failed = None;
        let ctx = ctx.clone();
        self.batch.start(Job::Dr(Box::new(self.doc.scenario().clone())), move || ctx.request_repaint());
    }

    /// The DR tab.
    pub(super) fn dr_tab_ui(&mut self, ui: &mut Ui) {
        let running = matches!(&self.batch.state, BatchState::Running { title, .. } if *title == DR_TITLE);
        let key = self.doc_key();
        let input = PanelIn {
            results: self.dr.as_ref().map(|d| (d, d.key != key)),
            progress: if running { self.batch.progress().zip(self.batch.progress_text()) } else { None },
            failed: self.dr_failed.as_deref(),
            busy: self.is_busy(),
        };
        let out = dr_ui(ui, &input);
        if out.cancel {
            self.batch.cancel();
        }
        if out.run {
            let ctx = ui.ctx().clone();
            self.dispatch_in(&ctx, super::actions::UiCommand::RunDr);
        }
        if let Some(st) = out.open {
            self.open_strategy(st);
        }
    }

    /// Opens a strategy's scenario built from the document (`dr::apply`) as a new, unsaved document
    /// (the table stays, marked as describing another document).
    pub(super) fn open_strategy(&mut self, st: Strategy) {
        if self.doc.is_dirty() {
            self.status =
                Some(("Save or undo the changes first: opening a strategy replaces the document".into(), true));
            return;
        }
        match dr::apply(self.doc.scenario(), st, &DrOptions::default()) {
            Ok(s) => {
                let kept = self.dr.take();
                self.replace(s, None);
                self.doc.forget_saved();
                self.dr = kept;
                self.status = Some((format!("Opened the strategy \"{st}\" (unsaved)"), false));
            }
            Err(e) => self.status = Some((e.to_string(), true)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dr::Rpo;

    pub(crate) fn row(st: Strategy, cost: f64, rto_s: Option<f64>, rpo: Option<Rpo>) -> DrRow {
        DrRow {
            strategy: st,
            cost_per_month_usd: cost,
            outage_cost_usd: 1234.5,
            rto_s,
            recovered_in: if rto_s.is_some() { 2 } else { 0 },
            replicates: 2,
            rpo,
            users_impacted_pct: 12.34,
            time_to_detect_s: Some(60.0),
            failed_requests: 1000.0,
            description: "assumes things".into(),
        }
    }

    #[test]
    fn rows_read_as_the_cli_table_does() {
        let lost = Rpo { writes_lost: 37.0, oldest_s: 0.18, recovered: true };
        let pending = Rpo { writes_lost: 1.0, oldest_s: 900.0, recovered: false };
        let rs = rows(
            &[
                row(Strategy::PilotLight, 1460.0, Some(1260.0), Some(lost)),
                row(Strategy::BackupRestore, 730.0, None, Some(pending)),
                row(Strategy::ActiveActive, 2920.4, Some(45.0), Some(Rpo { writes_lost: 0.0, ..lost })),
            ],
            true,
        );
        let cells: Vec<[&str; 5]> = rs.iter().map(|r| [r.name.as_str(), &r.cost, &r.outage, &r.rto, &r.rpo]).collect();
        assert_eq!(
            cells,
            [
                ["pilot light", "$1,460", "$1,235", "21 min", "180 ms · 37 writes"],
                ["backup and restore", "$730.00", "$1,235", "not recovered", "15 min · 1 write*"],
                ["active/active", "$2,920", "$1,235", "45 s", "none lost"],
            ]
        );
        assert_eq!((rs[0].recovered, rs[1].recovered), (true, false));
        assert_eq!(rs[0].users, "12.3 %");
        assert!(rs[0].hover.starts_with("Data replicated live"), "{}", rs[0].hover);
        assert!(rs[0].hover.ends_with("assumes things"));
        // Without business figures the outage is not priced: said, not $0; without a failover,
        // no RPO was measured: said, not a dash.
        let unpriced = rows(&[row(Strategy::AsDesigned, 10.0, None, None)], false);
        assert_eq!((unpriced[0].outage.as_str(), unpriced[0].rpo.as_str()), ("not priced", "no failover"));
        let partly = DrRow { recovered_in: 1, ..row(Strategy::WarmStandby, 1.0, Some(300.0), None) };
        assert_eq!(rto_text(&partly), "5 min (1 of 2)");
    }

    #[test]
    fn chart_points_put_cost_against_rto_with_the_rpo_as_area() {
        let lost = |s| Some(Rpo { writes_lost: 5.0, oldest_s: s, recovered: true });
        let rs = [
            row(Strategy::PilotLight, 1000.0, Some(1200.0), lost(100.0)),
            row(Strategy::WarmStandby, 2000.0, Some(600.0), lost(25.0)),
            row(Strategy::BackupRestore, 500.0, None, None),
        ];
        let p = points(&rs);
        assert_eq!((p[0].x_min, p[0].y_usd, p[0].radius), (20.0, 1000.0, R_MAX));
        assert_eq!(p[1].x_min, 10.0);
        // A quarter of the largest RPO: a quarter of the area above the smallest marker's.
        let area = |r: f32| r * r - R_MIN * R_MIN;
        assert!((area(p[1].radius) / area(p[0].radius) - 0.25).abs() < 1e-4, "{p:?}");
        // Not recovered: in the band past the slowest RTO, the smallest marker.
        assert_eq!(x_band(&rs), 23.0);
        assert!(p[2].x_min > x_band(&rs) && !p[2].recovered && p[2].radius == R_MIN, "{:?}", p[2]);
    }

    #[test]
    fn labels_move_down_instead_of_overlapping_and_left_near_the_edge() {
        let at = |x: f32, y: f32| egui::pos2(x, y);
        let rects = label_rects(
            &[(at(100.0, 50.0), 5.0, 10), (at(110.0, 52.0), 5.0, 8), (at(290.0, 200.0), 4.0, 6)],
            300.0,
            &[],
        );
        assert_eq!(rects[0].min, at(109.0, 50.0 - LABEL_H / 2.0));
        // The second would overlap the first: one line lower.
        assert!(!rects[1].intersects(rects[0]) && rects[1].min.y > rects[0].min.y, "{rects:?}");
        // The third would leave the chart: left of its marker.
        assert!(rects[2].max.x <= 290.0 - 4.0, "{rects:?}");
    }
}
