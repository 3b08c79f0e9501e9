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

/// The files `write_csv` writes.
pub const CSV_FILES: [&str; 2] = ["series.csv", "nodes.csv"];

/// Writes `series.csv` (one row per bucket) and `nodes.csv` (one row per node and instance) as
/// directory `dir`, as one unit: both are written into a new temporary directory beside it, which
/// then replaces `dir` (a kill leaves the old directory or the new one, never a new file beside an
/// old one). `dir` must be new, or hold only files gatesim writes there (it is replaced whole).
pub fn write_csv(report: &Report, dir: &Path) -> Result<(), LoadError> {
    let (series, nodes) = csv_texts(report);
    write_dir_atomic(dir, &[(CSV_FILES[0], &series), (CSV_FILES[1], &nodes)])
}

/// Whether `dir` can be replaced by [`write_csv`]: it does not exist, or is a directory holding
/// only [`CSV_FILES`]. The error says why not.
pub fn csv_dir_replaceable(dir: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(dir) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_dir() => Err(format!("{} exists and is not a directory", dir.display())),
        Ok(_) => {
            let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !CSV_FILES.contains(&name.as_str()) {
                    return Err(format!(
                        "{} holds {name}, which gatesim did not write there: the CSV directory is replaced whole, so give a new directory or one gatesim wrote",
                        dir.display()
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Writes `files` as directory `dir`, as one unit (see [`write_csv`]).
fn write_dir_atomic(dir: &Path, files: &[(&str, &str)]) -> Result<(), LoadError> {
    use std::io::Write as _;
    let io = |source| LoadError::Io { path: dir.to_owned(), source };
    csv_dir_replaceable(dir).map_err(|e| io(std::io::Error::other(e)))?;
    let parent = crate::model::load::parent_dir(dir);
    std::fs::create_dir_all(&parent).map_err(io)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "csv".into());
    let tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempdir_in(&parent).map_err(io)?;
    let _registered = crate::model::load::Registered::new(tmp.path());
    for (file, text) in files {
        let mut f = std::fs::File::create(tmp.path().join(file)).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    let new = tmp.keep();
    let swap = || -> std::io::Result<()> {
        if dir.exists() {
            let old = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".old").tempdir_in(&parent)?.keep();
            std::fs::remove_dir(&old)?;
            std::fs::rename(dir, &old)?;
            std::fs::rename(&new, dir)?;
            std::fs::remove_dir_all(&old).ok();
        } else {
            std::fs::rename(&new, dir)?;
        }
        if let Ok(d) = std::fs::File::open(&parent) {
            d.sync_all().ok();
        }
        Ok(())
    };
    let result = swap();
    if result.is_err() {
        std::fs::remove_dir_all(&new).ok();
    }
    result.map_err(io)
}

/// The texts of `series.csv` and `nodes.csv`.
fn csv_texts(report: &Report) -> (String, String) {
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
    let series = out;

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
    (series, out)
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
