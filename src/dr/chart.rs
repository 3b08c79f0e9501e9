//! [`chart`]: the strategies as points, cost per month against RTO, with the RPO as marker area.
//! Drawn with plotters, as SVG or PNG (by the path's extension). Text is measured, and drawn in
//! the PNG, with DejaVu Sans bundled in `assets/` (plotters' `ab_glyph` font support): no system
//! font is needed and the chart is the same on every machine.

use super::{DrError, DrRow, Strategy};
use crate::model::load;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::OnceLock;

/// The family the bundled font is registered under (also the SVG's `font-family`).
const FONT: &str = "sans-serif";
/// DejaVu Sans (licence: `assets/DejaVuSans-LICENSE.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The SVG's size; the PNG is [`PNG_SCALE`] times larger, everything in it scaled alike.
const W: f64 = 960.0;
const H: f64 = 560.0;
const PNG_SCALE: f64 = 2.0;
/// Room above the plot (title, subtitle, the band's heading) and below it (the note).
const TOP: f64 = 92.0;
const FOOT: f64 = 34.0;
const MARGIN: f64 = 16.0;
const R_MIN: f64 = 5.0;
const R_MAX: f64 = 30.0;
/// Gap between the plot and the band of strategies that did not recover.
const BAND_GAP: f64 = 14.0;
/// Gap between a marker and its label, and between labels.
const PAD: f64 = 6.0;
/// Between the two lines of a label.
const LINE_GAP: f64 = 3.0;

const TITLE: &str = "Disaster recovery strategies: cost per month against RTO";
const NOTE: &str =
    "Marker area: RPO, the age of the oldest write lost at failover (smallest: none lost, or no failover).";

const INK: RGBColor = RGBColor(0x11, 0x18, 0x27);
const MUTED: RGBColor = RGBColor(0x37, 0x41, 0x51);
const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
const LOST: RGBColor = RGBColor(0xb9, 0x1c, 0x1c);
const LOST_FILL: RGBColor = RGBColor(0xfe, 0xf2, 0xf2);

/// The chart's format, from its path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Svg,
    Png,
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => Some(Format::Svg),
        Some(e) if e.eq_ignore_ascii_case("png") => Some(Format::Png),
        _ => None,
    }
}

/// Writes the chart of `rows` to `path` (SVG or PNG by its extension, `.svg` or `.png`), through
/// a temporary file renamed over it.
pub fn chart(rows: &[DrRow], path: &Path) -> Result<(), DrError> {
    chart_titled(rows, None, path)
}

/// [`chart`] with a subtitle (the scenario's name).
pub fn chart_titled(rows: &[DrRow], subtitle: Option<&str>, path: &Path) -> Result<(), DrError> {
    let failed = |e: String| DrError::Chart(format!("{}: {e}", path.display()));
    match format_of(path) {
        None => check_path(path),
        Some(Format::Svg) => {
            let text = render_svg(rows, subtitle).map_err(failed)?;
            load::write_atomic(path, text.as_bytes()).map_err(|e| DrError::Chart(e.to_string()))
        }
        Some(Format::Png) => write_png(rows, subtitle, path).map_err(failed),
    }
}

/// Whether `path` names a chart this module writes (`.svg` or `.png`); the error says what to give.
pub fn check_path(path: &Path) -> Result<(), DrError> {
    match format_of(path) {
        Some(_) => Ok(()),
        None => Err(DrError::Chart(format!(
            "{}: the chart is written as SVG or PNG; give a path ending in .svg or .png",
            path.display()
        ))),
    }
}

/// The chart as SVG text.
pub fn svg(rows: &[DrRow], subtitle: Option<&str>) -> Result<String, DrError> {
    render_svg(rows, subtitle).map_err(DrError::Chart)
}

fn render_svg(rows: &[DrRow], subtitle: Option<&str>) -> Result<String, String> {
    register_font()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (W as u32, H as u32)).into_drawing_area();
        draw(&root, rows, subtitle, 1.0).map_err(|e| format!("drawing the chart: {e}"))?;
        root.present().map_err(|e| format!("drawing the chart: {e}"))?;
    }
    Ok(text)
}

/// Plotters' PNG encoder only writes to a path (its `image` crate, by the path's extension), so
/// the PNG is drawn into a temporary file beside the target (random name, removed on failure or
/// on SIGINT) and renamed over it, as [`load::write_atomic`] does.
fn write_png(rows: &[DrRow], subtitle: Option<&str>, path: &Path) -> Result<(), String> {
    register_font()?;
    let target = load::write_target(path);
    let dir = load::parent_dir(&target);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp.png")
        .tempfile_in(&dir)
        .map_err(|e| e.to_string())?;
    let _registered = load::Registered::new(tmp.path());
    {
        let size = ((W * PNG_SCALE) as u32, (H * PNG_SCALE) as u32);
        let root = BitMapBackend::new(tmp.path(), size).into_drawing_area();
        draw(&root, rows, subtitle, PNG_SCALE).map_err(|e| format!("drawing the chart: {e}"))?;
        root.present().map_err(|e| format!("writing the PNG: {e}"))?;
    }
    if let Ok(meta) = std::fs::metadata(&target) {
        std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(|e| e.to_string())?;
    }
    // The encoder wrote through its own handle to the same file (truncated, not replaced).
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    tmp.persist(&target).map_err(|e| e.error.to_string())?;
    if let Ok(d) = std::fs::File::open(&dir) {
        d.sync_all().ok();
    }
    Ok(())
}

/// Registers the bundled font with plotters, once per process.
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err("the bundled font (assets/DejaVuSans.ttf) is not a font plotters can read".into()) }
}

/// A round step for about `n` ticks up to `max`.
fn step(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag)
}

fn colour(st: Strategy) -> RGBColor {
    match st {
        Strategy::AsDesigned => RGBColor(0x6b, 0x72, 0x80),
        Strategy::BackupRestore => RGBColor(0xb4, 0x53, 0x09),
        Strategy::PilotLight => RGBColor(0xc0, 0x26, 0xd3),
        Strategy::WarmStandby => RGBColor(0x25, 0x63, 0xeb),
        Strategy::ActiveActive => RGBColor(0x05, 0x96, 0x69),
    }
}

fn money(v: f64) -> String {
    let v = v.round();
    if v >= 100_000.0 {
        format!("${:.0}k", v / 1000.0)
    } else if v >= 1000.0 {
        format!("${},{:03}", (v / 1000.0).floor(), v % 1000.0)
    } else {
        format!("${v:.0}")
    }
}

/// A tick's number: whole numbers without decimals, others with as few as they need.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        format!("{:.0}", v.round())
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn money_tick(v: f64) -> String {
    if v.abs() < 10.0 && (v - v.round()).abs() > 1e-9 { format!("${}", number(v)) } else { money(v) }
}

fn rpo_text(r: &DrRow) -> String {
    let Some(x) = r.rpo else { return "no failover".into() };
    let age = if x.oldest_s < 1.0 {
        format!("{:.0} ms", x.oldest_s * 1e3)
    } else if x.oldest_s < 60.0 {
        format!("{:.0} s", x.oldest_s)
    } else {
        format!("{:.0} min", x.oldest_s / 60.0)
    };
    match (x.writes_lost > 0.0, x.recovered) {
        (false, _) => "RPO 0".into(),
        (true, true) => format!("RPO {age}"),
        (true, false) => format!("RPO {age} when restored"),
    }
}

/// A rectangle in pixels: left, top, right, bottom.
#[derive(Clone, Copy, Debug)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn overlap(&self, o: &Rect) -> f64 {
        let w = (self.2.min(o.2) - self.0.max(o.0)).max(0.0);
        let h = (self.3.min(o.3) - self.1.max(o.1)).max(0.0);
        w * h
    }
    /// The area of `self` outside `o`.
    fn outside(&self, o: &Rect) -> f64 {
        (self.2 - self.0) * (self.3 - self.1) - self.overlap(o)
    }
}

/// A point's label, in pixels: the strategy's name above `detail`.
struct Label {
    detail: String,
    w: f64,
    name_h: f64,
    h: f64,
}

/// A strategy's marker, in pixels.
struct Marker<'a> {
    row: &'a DrRow,
    x: f64,
    y: f64,
    r: f64,
}

/// The chart on `root`, every length scaled by `k` (1 for the SVG).
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[DrRow],
    subtitle: Option<&str>,
    k: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let px = |v: f64| (v * k).round() as i32;
    let font = |size: f64| (FONT, size * k).into_font();
    let at = |h: HPos, v: VPos| Pos::new(h, v);
    root.fill(&WHITE)?;

    root.draw(&Text::new(TITLE, (px(MARGIN), px(14.0)), font(24.0).color(&INK).pos(at(HPos::Left, VPos::Top))))?;
    if let Some(t) = subtitle {
        root.draw(&Text::new(t, (px(MARGIN), px(44.0)), font(17.0).color(&MUTED).pos(at(HPos::Left, VPos::Top))))?;
    }
    root.draw(&Text::new(
        NOTE,
        (px(MARGIN), px(H - FOOT / 2.0)),
        font(14.0).color(&MUTED).pos(at(HPos::Left, VPos::Center)),
    ))?;

    // Each point's label: its name, then RTO, RPO and cost.
    let name_style = |c: RGBColor| font(16.0).color(&c).pos(at(HPos::Left, VPos::Top));
    let detail_style = font(14.0).color(&MUTED).pos(at(HPos::Left, VPos::Top));
    let mut labels: Vec<Label> = Vec::with_capacity(rows.len());
    for r in rows {
        let detail = match r.rto_s {
            Some(_) => format!("{} · {} · {}/mo", super::table::rto_text(r), rpo_text(r), money(r.cost_per_month_usd)),
            None => format!("{} · {}/mo", rpo_text(r), money(r.cost_per_month_usd)),
        };
        let (nw, nh) = root.estimate_text_size(r.strategy.label(), &name_style(INK))?;
        let (dw, dh) = root.estimate_text_size(&detail, &detail_style)?;
        let (name_h, line_gap) = (f64::from(nh), LINE_GAP * k);
        labels.push(Label { detail, w: f64::from(nw.max(dw)), name_h, h: name_h + line_gap + f64::from(dh) });
    }

    // Strategies that never recovered sit in a band right of the plot, their labels right of it.
    let lost = rows.iter().any(|r| r.rto_s.is_none());
    let heading = "not recovered";
    let heading_style = font(15.0).color(&LOST).pos(at(HPos::Center, VPos::Bottom));
    let band_w = if lost {
        let (hw, _) = root.estimate_text_size(heading, &heading_style)?;
        (f64::from(hw) + 12.0 * k).max((2.0 * R_MAX + 24.0) * k)
    } else {
        0.0
    };
    let lost_labels = rows.iter().zip(&labels).filter(|(r, _)| r.rto_s.is_none()).map(|(_, l)| l.w).fold(0.0, f64::max);
    let right = if lost { BAND_GAP * k + band_w + PAD * k + lost_labels + MARGIN * k } else { MARGIN * k };

    let max_rto = rows.iter().filter_map(|r| r.rto_s).fold(0.0, f64::max) / 60.0;
    let sx = step(max_rto.max(1.0) * 1.05, 6.0);
    let x_max = (max_rto.max(1.0) * 1.05 / sx).ceil() * sx;
    let max_cost = rows.iter().map(|r| r.cost_per_month_usd).fold(0.0, f64::max).max(1.0);
    let sy = step(max_cost * 1.1, 6.0);
    let y_max = (max_cost * 1.1 / sy).ceil() * sy;

    let area = root.margin(px(TOP), px(FOOT), px(MARGIN / 2.0), right.round() as i32);
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(px(46.0))
        .y_label_area_size(px(86.0))
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    let x_fmt = |v: &f64| number(*v);
    let y_fmt = |v: &f64| money_tick(*v);
    chart
        .configure_mesh()
        .x_labels(((x_max / sx).round() as usize + 1).max(2))
        .y_labels(((y_max / sy).round() as usize + 1).max(2))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("RTO (minutes, measured)")
        .y_desc("cost per month (USD, steady state)")
        .label_style(font(14.0).color(&INK))
        .axis_desc_style(font(15.0).color(&INK))
        .bold_line_style(GRID.stroke_width(px(1.0).max(1) as u32))
        .max_light_lines(0)
        .axis_style(INK.stroke_width(px(1.0).max(1) as u32))
        .draw()?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let plot = Rect(f64::from(xs.start), f64::from(ys.start), f64::from(xs.end), f64::from(ys.end));

    if !rows.iter().any(|r| r.rto_s.is_some()) {
        let centre = (((plot.0 + plot.2) / 2.0) as i32, ((plot.1 + plot.3) / 2.0) as i32);
        let style = font(15.0).color(&MUTED).pos(at(HPos::Center, VPos::Center));
        root.draw(&Text::new("no strategy recovered within the run", centre, style))?;
    }
    let band = Rect(plot.2 + BAND_GAP * k, plot.1, plot.2 + BAND_GAP * k + band_w, plot.3);
    if lost {
        let corners = [(band.0 as i32, band.1 as i32), (band.2 as i32, band.3 as i32)];
        root.draw(&Rectangle::new(corners, LOST_FILL.filled()))?;
        root.draw(&Rectangle::new(corners, LOST.mix(0.5).stroke_width(px(1.0).max(1) as u32)))?;
        root.draw(&Text::new(heading, (((band.0 + band.2) / 2.0) as i32, (band.1 - 5.0 * k) as i32), heading_style))?;
    }

    // Markers: area linear in the RPO's age.
    let max_rpo = rows.iter().filter_map(|r| r.rpo).map(|x| x.oldest_s).fold(0.0, f64::max);
    let radius = |r: &DrRow| match r.rpo {
        Some(x) if max_rpo > 0.0 && x.writes_lost > 0.0 => {
            (R_MIN * R_MIN + (R_MAX * R_MAX - R_MIN * R_MIN) * x.oldest_s / max_rpo).sqrt() * k
        }
        _ => R_MIN * k,
    };
    let mut markers: Vec<Marker<'_>> = Vec::with_capacity(rows.len());
    for r in rows {
        let rad = radius(r);
        let y = f64::from(chart.backend_coord(&(0.0, r.cost_per_month_usd)).1);
        let x = match r.rto_s {
            Some(t) => f64::from(chart.backend_coord(&(t / 60.0, 0.0)).0),
            None => {
                // Side by side in the band when they would cover each other.
                let mid = (band.0 + band.2) / 2.0;
                let free = |x: f64| {
                    markers
                        .iter()
                        .filter(|m| m.row.rto_s.is_none())
                        .all(|m| (m.x - x).hypot(m.y - y) > m.r + rad + 2.0 * k)
                };
                let half = ((band.2 - band.0) / 2.0 - rad).max(0.0);
                [0.0, -0.5, 0.5, -1.0, 1.0].iter().map(|f| mid + f * half).find(|&x| free(x)).unwrap_or(mid)
            }
        };
        markers.push(Marker { row: r, x, y, r: rad });
    }
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by(|&a, &b| markers[b].r.total_cmp(&markers[a].r));
    let stroke = px(1.5).max(1) as u32;
    for &i in &order {
        let m = &markers[i];
        let c = colour(m.row.strategy);
        let centre = (m.x.round() as i32, m.y.round() as i32);
        let rad = m.r.round() as i32;
        root.draw(&Circle::new(centre, rad, c.mix(0.35).filled()))?;
        root.draw(&Circle::new(centre, rad, c.stroke_width(stroke)))?;
    }

    // Labels: beside their marker if there is room, else above, below, or further off with a
    // leader line; over no other label, marker or leader line when a place is free.
    let spots: Vec<Spot> = markers
        .iter()
        .zip(&labels)
        .map(|(m, l)| Spot {
            x: m.x,
            y: m.y,
            r: m.r,
            w: l.w,
            h: l.h,
            bounds: if m.row.rto_s.is_none() {
                Rect(band.2 + PAD * k, plot.1, f64::from(root.dim_in_pixel().0), plot.3)
            } else {
                Rect(plot.0 + PAD * k, plot.1 + 2.0 * k, plot.2 - 2.0 * k, plot.3 - 2.0 * k)
            },
            beside_only: m.row.rto_s.is_none(),
        })
        .collect();
    let places = place_labels(&spots, PAD * k);
    for (m, (_, leader)) in markers.iter().zip(&places) {
        if let Some(((x0, y0), (x1, y1))) = *leader {
            let line = vec![(x0.round() as i32, y0.round() as i32), (x1.round() as i32, y1.round() as i32)];
            root.draw(&PathElement::new(line, colour(m.row.strategy).stroke_width(px(1.0).max(1) as u32)))?;
        }
    }
    for ((m, (b, _)), l) in markers.iter().zip(&places).zip(&labels) {
        let (lx, ly) = (b.0.round() as i32, b.1.round() as i32);
        root.draw(&Text::new(m.row.strategy.label(), (lx, ly), name_style(colour(m.row.strategy))))?;
        let dy = (b.1 + l.name_h + LINE_GAP * k).round() as i32;
        root.draw(&Text::new(l.detail.as_str(), (lx, dy), detail_style.clone()))?;
    }
    Ok(())
}

/// A marker to label, in pixels: its centre and radius, the label's size, where the label must
/// stay, and whether it may only go to the right (the band's labels).
#[derive(Clone, Copy, Debug)]
struct Spot {
    x: f64,
    y: f64,
    r: f64,
    w: f64,
    h: f64,
    bounds: Rect,
    beside_only: bool,
}

type Segment = ((f64, f64), (f64, f64));

/// Whether the segment passes through `b` (sampled: a leader line is short).
fn crosses(s: &Segment, b: &Rect) -> bool {
    let ((x0, y0), (x1, y1)) = *s;
    (0..=24).any(|i| {
        let t = f64::from(i) / 24.0;
        let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
        b.0 < x && x < b.2 && b.1 < y && y < b.3
    })
}

/// Whether two segments cross.
fn intersect(a: &Segment, b: &Segment) -> bool {
    let cross = |o: (f64, f64), p: (f64, f64), q: (f64, f64)| (p.0 - o.0) * (q.1 - o.1) - (p.1 - o.1) * (q.0 - o.0);
    let (d1, d2) = (cross(b.0, b.1, a.0), cross(b.0, b.1, a.1));
    let (d3, d4) = (cross(a.0, a.1, b.0), cross(a.0, a.1, b.1));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// Each spot's label box and leader line (none when the label is next to its marker). The
/// labels are placed one by one, each where it overlaps least (other labels, markers, leader
/// lines, its bounds), then nearest its marker, preferring right, left, above, below; every order
/// of placing them is tried when there are few (the strategies are five), and the layout that
/// overlaps least is kept.
fn place_labels(spots: &[Spot], pad: f64) -> Vec<(Rect, Option<Segment>)> {
    // First the band's top to bottom, then the plot's left to right.
    let mut first: Vec<usize> = (0..spots.len()).collect();
    first.sort_by(|&a, &b| {
        let (p, q) = (&spots[a], &spots[b]);
        q.beside_only.cmp(&p.beside_only).then(if p.beside_only { p.y.total_cmp(&q.y) } else { p.x.total_cmp(&q.x) })
    });
    let (mut best, mut best_score) = place_in(spots, &first, pad);
    if spots.len() <= 5 {
        let mut order = first.clone();
        each_permutation(&mut order, 0, &mut |o| {
            let (layout, score) = place_in(spots, o, pad);
            if score < best_score {
                (best, best_score) = (layout, score);
            }
        });
    }
    best
}

/// Calls `f` with every permutation of `v[k..]` (after `v[..k]`).
fn each_permutation(v: &mut Vec<usize>, k: usize, f: &mut dyn FnMut(&[usize])) {
    if k + 1 >= v.len() {
        f(v);
        return;
    }
    for i in k..v.len() {
        v.swap(k, i);
        each_permutation(v, k + 1, f);
        v.swap(k, i);
    }
}

/// The labels placed greedily in `order`, and the layout's score (lower is better).
fn place_in(spots: &[Spot], order: &[usize], pad: f64) -> (Vec<(Rect, Option<Segment>)>, f64) {
    let mut out: Vec<(Rect, Option<Segment>)> = spots.iter().map(|s| (Rect(s.x, s.y, s.x, s.y), None)).collect();
    let mut total = 0.0;
    let mut done: Vec<usize> = Vec::with_capacity(spots.len());
    for &i in order {
        let s = spots[i];
        let (w, h) = (s.w, s.h);
        // Overlaps are counted in squares of the label's height; a line through a label or a
        // marker, or across another line, as three of them.
        let unit = h * h;
        let line_cost = 3.0;
        // (left, top, preference)
        let mut candidates: Vec<(f64, f64, f64)> = Vec::new();
        for n in 0..=16 {
            for sign in [1.0, -1.0] {
                let top = s.y - h / 2.0 + sign * f64::from(n) * h / 4.0;
                if s.beside_only {
                    candidates.push((s.bounds.0, top, 0.0));
                } else {
                    candidates.push((s.x + s.r + pad, top, 0.0));
                    candidates.push((s.x - s.r - pad - w, top, 1.0));
                }
            }
        }
        if !s.beside_only {
            for n in 0..=6 {
                let d = f64::from(n) * h / 2.0;
                for left in [s.x - w / 2.0, s.x - s.r, s.x + s.r - w] {
                    candidates.push((left, s.y - s.r - pad - h - d, 2.0));
                    candidates.push((left, s.y + s.r + pad + d, 3.0));
                }
            }
        }
        let leader = |b: &Rect| -> Option<Segment> {
            let (ax, ay) = (s.x.clamp(b.0, b.2), s.y.clamp(b.1 + h * 0.25, b.3 - h * 0.25).clamp(b.1, b.3));
            let d = (ax - s.x).hypot(ay - s.y);
            (d > s.r + pad * 1.5).then(|| {
                let (ux, uy) = ((ax - s.x) / d, (ay - s.y) / d);
                ((s.x + ux * s.r, s.y + uy * s.r), (ax - ux * pad * 0.4, ay - uy * pad * 0.4))
            })
        };
        let score = |&(x, y, pref): &(f64, f64, f64)| {
            let b = Rect(x, y, x + w, y + h);
            let line = leader(&b);
            let mut bad = b.outside(&s.bounds) * 4.0 / unit;
            for (j, o) in spots.iter().enumerate() {
                let m = Rect(o.x - o.r, o.y - o.r, o.x + o.r, o.y + o.r);
                bad += b.overlap(&m) / unit;
                if j != i && line.is_some_and(|l| crosses(&l, &m)) {
                    bad += line_cost;
                }
            }
            for &j in &done {
                let (p, pl) = &out[j];
                // Kept apart by half a gap, so that stacked labels do not touch.
                let g = pad;
                bad += b.overlap(&Rect(p.0 - g, p.1 - g, p.2 + g, p.3 + g)) * 4.0 / unit;
                if line.is_some_and(|l| crosses(&l, p)) {
                    bad += line_cost;
                }
                if let Some(pl) = pl {
                    if crosses(pl, &b) {
                        bad += line_cost;
                    }
                    if line.is_some_and(|l| intersect(&l, pl)) {
                        bad += line_cost;
                    }
                }
            }
            let (ax, ay) = (s.x.clamp(b.0, b.2), s.y.clamp(b.1, b.3));
            bad * 1e4 + (ax - s.x).hypot(ay - s.y) / h + pref * 0.2
        };
        let best = candidates.iter().map(|c| (score(c), c)).min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((sc, &(x, y, _))) = best {
            let b = Rect(x, y, x + w, y + h);
            out[i] = (b, leader(&b));
            total += sc;
        }
        done.push(i);
    }
    (out, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markers as crowded as those of scenarios/two-region-failover.ron (SVG pixels): three small
    /// ones within 100 px and 20 px of each other, a large one, and one in the band.
    #[test]
    fn crowded_labels_overlap_nothing_and_stay_in_bounds() {
        let plot = Rect(94.0, 92.0, 680.0, 475.0);
        let band = Rect(808.0, 92.0, 960.0, 475.0);
        let spot = |x, y, r, w, in_band| Spot {
            x,
            y,
            r,
            w,
            h: 32.0,
            bounds: if in_band { band } else { plot },
            beside_only: in_band,
        };
        let spots = [
            spot(117.0, 179.0, 5.0, 200.0, false),
            spot(151.0, 193.0, 5.0, 200.0, false),
            spot(221.0, 197.0, 5.0, 215.0, false),
            spot(625.0, 210.0, 30.0, 200.0, false),
            spot(747.0, 179.0, 5.0, 140.0, true),
        ];
        let places = place_labels(&spots, PAD);
        for (i, (b, line)) in places.iter().enumerate() {
            assert_eq!(b.outside(&spots[i].bounds), 0.0, "{i}: {b:?}");
            for (j, s) in spots.iter().enumerate() {
                assert_eq!(b.overlap(&Rect(s.x - s.r, s.y - s.r, s.x + s.r, s.y + s.r)), 0.0, "{i} over marker {j}");
            }
            for (j, (o, _)) in places.iter().enumerate().filter(|(j, _)| *j != i) {
                assert_eq!(b.overlap(o), 0.0, "{i} over label {j}");
                assert!(!line.is_some_and(|l| crosses(&l, o)), "{i}'s leader through label {j}");
            }
        }
        // The band's label right of the band, level with its marker.
        let (b, _) = places[4];
        assert!(b.0 == band.0 && b.1 < 179.0 && 179.0 < b.3, "{b:?}");
    }
}
