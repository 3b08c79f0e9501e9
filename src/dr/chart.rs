//! [`chart`]: the strategies as points, cost per month against RTO, with the RPO as marker area.
//! Written as SVG by hand (a few dozen elements; no plotting library is a dependency).

use super::{DrError, DrRow, Strategy};
use std::fmt::Write as _;
use std::path::Path;

const W: f64 = 900.0;
const H: f64 = 500.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 80.0;
/// Width of the band at the right edge where strategies that did not recover are drawn.
const BAND: f64 = 70.0;
const R_MIN: f64 = 5.0;
const R_MAX: f64 = 30.0;

/// Writes the chart of `rows` to `path` (SVG; the extension must be `.svg`), through a temporary
/// file renamed over it.
pub fn chart(rows: &[DrRow], path: &Path) -> Result<(), DrError> {
    chart_titled(rows, None, path)
}

/// [`chart`] with a subtitle (the scenario's name).
pub fn chart_titled(rows: &[DrRow], subtitle: Option<&str>, path: &Path) -> Result<(), DrError> {
    check_path(path)?;
    crate::model::load::write_atomic(path, svg(rows, subtitle).as_bytes()).map_err(|e| DrError::Chart(e.to_string()))
}

/// Whether `path` names a chart this module writes (`.svg`); the error says what to give.
pub fn check_path(path: &Path) -> Result<(), DrError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => Ok(()),
        _ => Err(DrError::Chart(format!(
            "{}: the chart is written as SVG; give a path ending in .svg (PNG is not supported)",
            path.display()
        ))),
    }
}

/// A round step for about `n` ticks up to `max`.
fn step(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn colour(st: Strategy) -> &'static str {
    match st {
        Strategy::AsDesigned => "#6b7280",
        Strategy::BackupRestore => "#b45309",
        Strategy::PilotLight => "#d97706",
        Strategy::WarmStandby => "#2563eb",
        Strategy::ActiveActive => "#059669",
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

/// The chart as SVG text.
pub fn svg(rows: &[DrRow], subtitle: Option<&str>) -> String {
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, H - BOTTOM, TOP);
    let lost = rows.iter().any(|r| r.rto_s.is_none());
    let xr = if lost { x1 - BAND } else { x1 };
    let max_rto = rows.iter().filter_map(|r| r.rto_s).fold(0.0, f64::max) / 60.0;
    let sx = step(max_rto.max(1.0) * 1.05, 6.0);
    let x_max = (max_rto.max(1.0) * 1.05 / sx).ceil() * sx;
    let max_cost = rows.iter().map(|r| r.cost_per_month_usd).fold(0.0, f64::max).max(1.0);
    let sy = step(max_cost * 1.1, 5.0);
    let y_max = (max_cost * 1.1 / sy).ceil() * sy;
    let px = |min: f64| x0 + (xr - x0) * (min / x_max);
    let py = |usd: f64| y0 - (y0 - y1) * (usd / y_max);
    let max_rpo = rows.iter().filter_map(|r| r.rpo).map(|x| x.oldest_s).fold(0.0, f64::max);
    let radius = |r: &DrRow| match r.rpo {
        Some(x) if max_rpo > 0.0 && x.writes_lost > 0.0 => {
            (R_MIN * R_MIN + (R_MAX * R_MAX - R_MIN * R_MIN) * x.oldest_s / max_rpo).sqrt()
        }
        _ => R_MIN,
    };

    let mut s = String::new();
    writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    )
    .ok();
    writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#).ok();
    writeln!(
        s,
        r#"<text x="{}" y="28" font-size="17" font-weight="bold">Disaster recovery strategies: cost per month against RTO</text>"#,
        LEFT
    )
    .ok();
    if let Some(t) = subtitle {
        writeln!(s, r##"<text x="{LEFT}" y="48" fill="#374151">{}</text>"##, esc(t)).ok();
    }
    // Grid and ticks.
    let mut v = 0.0;
    while v <= x_max + 1e-9 {
        let x = px(v);
        writeln!(s, r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y0}" stroke="#e5e7eb"/>"##).ok();
        writeln!(s, r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{v}</text>"#, y0 + 18.0).ok();
        v += sx;
    }
    let mut v = 0.0;
    while v <= y_max + 1e-9 {
        let y = py(v);
        writeln!(s, r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e5e7eb"/>"##).ok();
        writeln!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#, x0 - 8.0, y + 4.0, money(v)).ok();
        v += sy;
    }
    writeln!(s, r##"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#111827"/>"##).ok();
    writeln!(s, r##"<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#111827"/>"##).ok();
    if lost {
        writeln!(
            s,
            r##"<line x1="{xr:.1}" y1="{y1}" x2="{xr:.1}" y2="{y0}" stroke="#9ca3af" stroke-dasharray="4 4"/>"##
        )
        .ok();
        writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#b91c1c">not recovered</text>"##,
            (xr + x1) / 2.0,
            y1 - 6.0
        )
        .ok();
    }
    writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">RTO (minutes, measured)</text>"#,
        (x0 + xr) / 2.0,
        y0 + 40.0
    )
    .ok();
    writeln!(
        s,
        r#"<text transform="translate(22 {:.1}) rotate(-90)" text-anchor="middle">cost per month (USD, steady state)</text>"#,
        (y0 + y1) / 2.0
    )
    .ok();
    writeln!(
        s,
        r##"<text x="{x0}" y="{:.1}" fill="#374151">Marker area: RPO, the age of the oldest write lost at failover (smallest: none lost, or no failover).</text>"##,
        H - 16.0
    )
    .ok();
    // Points, largest first so small markers stay visible; labels moved down when they would
    // overlap one drawn already.
    let mut order: Vec<&DrRow> = rows.iter().collect();
    order.sort_by(|a, b| radius(b).total_cmp(&radius(a)));
    let mut labels: Vec<(f64, f64)> = Vec::new();
    for r in order {
        let cx = match r.rto_s {
            Some(t) => px(t / 60.0),
            None => (xr + x1) / 2.0,
        };
        let cy = py(r.cost_per_month_usd);
        let rad = radius(r);
        let c = colour(r.strategy);
        writeln!(
            s,
            r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{rad:.1}" fill="{c}" fill-opacity="0.35" stroke="{c}" stroke-width="1.5"/>"#
        )
        .ok();
        let (lx, mut ly) = (cx + rad + 5.0, cy + 4.0);
        while labels.iter().any(|&(x, y)| (x - lx).abs() < 150.0 && (y - ly).abs() < 28.0) {
            ly += 28.0;
        }
        labels.push((lx, ly));
        if ly > cy + 4.0 {
            writeln!(
                s,
                r##"<line x1="{cx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="0.8"/>"##,
                cy + rad,
                lx - 3.0,
                ly - 4.0
            )
            .ok();
        }
        writeln!(
            s,
            r#"<text x="{lx:.1}" y="{ly:.1}" fill="{c}" font-weight="bold">{}</text>"#,
            esc(r.strategy.label())
        )
        .ok();
        let rto = match r.rto_s {
            Some(_) => super::table::rto_text(r),
            None => "not recovered".into(),
        };
        writeln!(
            s,
            r##"<text x="{lx:.1}" y="{:.1}" fill="#374151" font-size="11">{} · {} · {}/mo</text>"##,
            ly + 13.0,
            esc(&rto),
            esc(&rpo_text(r)),
            money(r.cost_per_month_usd)
        )
        .ok();
    }
    s.push_str("</svg>\n");
    s
}
