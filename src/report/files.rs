//! Report files: JSON (the whole report) and CSV (time series and per-node figures).

use super::Report;
use crate::metrics::Outcome;
use crate::model::load::{LoadError, write_atomic};
use std::fmt::Write as _;
use std::path::Path;

/// Writes the whole report as pretty JSON, atomically. The bytes depend only on the report, so the
/// same scenario and seed give the same file.
pub fn write_json(report: &Report, path: &Path) -> Result<(), LoadError> {
    let mut text = serde_json::to_string_pretty(report)
        .map_err(|e| LoadError::Io { path: path.to_owned(), source: std::io::Error::other(e) })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Writes `series.csv` (one row per bucket) and `nodes.csv` (one row per node and instance) into
/// `dir`, creating it if needed.
pub fn write_csv(report: &Report, dir: &Path) -> Result<(), LoadError> {
    std::fs::create_dir_all(dir).map_err(|source| LoadError::Io { path: dir.to_owned(), source })?;
    let s = &report.series;
    let mut out = String::from("t_s");
    for o in Outcome::ALL {
        write!(out, ",{}_rps", o.name()).ok();
    }
    out.push_str(",latency_p50_ms,latency_p99_ms");
    for svc in &s.services {
        write!(out, ",{0}.utilisation,{0}.queue_len", csv_field(&svc.name)).ok();
    }
    out.push('\n');
    for (b, t) in s.t_s.iter().enumerate() {
        write!(out, "{t}").ok();
        for o in Outcome::ALL {
            write!(out, ",{}", s.outcomes_rps.get(&o).and_then(|v| v.get(b)).copied().unwrap_or(0.0)).ok();
        }
        write!(
            out,
            ",{},{}",
            opt(s.latency_p50_ms.get(b).copied().flatten()),
            opt(s.latency_p99_ms.get(b).copied().flatten())
        )
        .ok();
        for svc in &s.services {
            write!(
                out,
                ",{},{}",
                svc.utilisation.get(b).copied().unwrap_or(0.0),
                svc.queue_len.get(b).copied().unwrap_or(0.0)
            )
            .ok();
        }
        out.push('\n');
    }
    write_atomic(&dir.join("series.csv"), out.as_bytes())?;

    let mut out =
        String::from("name,kind,arrivals,utilisation,mean_queue_wait_ms,mean_queue_len,blocking_probability\n");
    for n in &report.nodes {
        match &n.service {
            Some(svc) => {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    csv_field(&n.name),
                    n.kind.label(),
                    n.arrivals,
                    svc.utilisation,
                    opt(svc.mean_queue_wait_ms),
                    svc.mean_queue_len,
                    svc.blocking_probability
                )
                .ok();
                for i in &svc.instances {
                    writeln!(
                        out,
                        "{},instance,{},{},{},,{}",
                        csv_field(&i.name),
                        i.arrivals,
                        i.utilisation,
                        opt(i.mean_queue_wait_ms),
                        if i.arrivals > 0.0 { i.rejected / i.arrivals } else { 0.0 }
                    )
                    .ok();
                }
            }
            None => {
                writeln!(out, "{},{},{},,,,", csv_field(&n.name), n.kind.label(), n.arrivals).ok();
            }
        }
    }
    write_atomic(&dir.join("nodes.csv"), out.as_bytes())
}

/// A name as a CSV field: quoted when it needs it, and never read as a formula by a spreadsheet
/// (a field starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, as
/// OWASP's CSV injection guidance advises).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn names_cannot_become_formulas_or_break_rows() {
        assert_eq!(csv_field("payments"), "payments");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@sum"), "'@sum");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
    }
}
