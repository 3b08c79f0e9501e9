//! Request traces: what `gatesim run --requests` reads, and the per-request decisions it writes.
//!
//! `REQUESTS.csv` columns (header row; extra columns ignored): `id`, `send_ms` (from the trace
//! start, decimals allowed, non-decreasing), `client_key` (the rate-limit key; empty = none),
//! `path`, and optionally `service_ms` (the backend's service time for this request) and
//! `status` (what the backend answers this request, after its service time, instead of what the
//! model says: `503` for every instance, `s1-0=503` for one, or several separated by spaces,
//! `s1-0=503 s2=500 200`, a bare status applying to the instances not named; each status is 200
//! or 500 to 599; empty: as the service's model says). A backend's 5xx is attributed to it in the
//! decisions (`backend`, cause `server_error`) unless the gateway tries another server.
//!
//! `OUTAGES.csv`: `time_ms`, `backend` (an instance name: `<service>-<i>`, or the service's name when it has one instance),
//! `action` (`down`: new connections are refused, in-flight requests finish; `up`: accepted again).
//!
//! `DECISIONS.csv`, one row per request in input order: `id`, `status`, `backend` (empty when the
//! gateway answered itself), `delay_ms` (time held by the gateway before choosing an upstream),
//! `attempts` (instances tried in order, a refused one marked `!`), `cause` (empty on success),
//! `latency_ms`.
//!
//! Readers stream: memory does not grow with the trace's length. Every bad line is an error naming
//! the file and line.

use super::plan::Plan;
use super::time::ms_to_ns;
use crate::metrics::Outcome;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// A bad trace file or line.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct TraceError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when the problem is on one.
    pub line: Option<u64>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl TraceError {
    fn new(path: &Path, line: Option<u64>, message: impl Into<String>) -> TraceError {
        TraceError { path: path.to_owned(), line, message: message.into() }
    }
}

/// One request of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRequest {
    /// The request's id, echoed in the decisions.
    pub id: String,
    /// When it is sent, ns from the trace start.
    pub send_ns: u64,
    /// Its rate-limit key, if it carries one.
    pub client_key: Option<String>,
    /// Path and query.
    pub path: String,
    /// The backend's service time for it, if the trace says.
    pub service_ns: Option<u64>,
    /// What the backends answer it (the `status` column): (instance, status), an empty instance
    /// for every instance not named. Empty: as the model says.
    pub status: Vec<(String, u16)>,
}

/// Parses a `status` cell (see the module docs).
fn parse_status(path: &Path, line: u64, text: &str) -> Result<Vec<(String, u16)>, TraceError> {
    let mut out: Vec<(String, u16)> = Vec::new();
    for token in text.split_whitespace() {
        let (instance, code) = token.split_once('=').unwrap_or(("", token));
        let bad = || {
            TraceError::new(
                path,
                Some(line),
                format!("status: expected 200 or a 5xx (500 to 599), optionally after `INSTANCE=`, got {token:?}"),
            )
        };
        let code: u16 = code.parse().map_err(|_| bad())?;
        if code != 200 && !(500..=599).contains(&code) {
            return Err(bad());
        }
        if out.iter().any(|(i, _)| i == instance) {
            let what = if instance.is_empty() { "the default".to_string() } else { format!("instance {instance:?}") };
            return Err(TraceError::new(path, Some(line), format!("status: {what} is given twice in {text:?}")));
        }
        out.push((instance.to_owned(), code));
    }
    Ok(out)
}

fn parse_ms(path: &Path, line: u64, column: &str, text: &str) -> Result<u64, TraceError> {
    let v: f64 = text.trim().parse().map_err(|_| {
        TraceError::new(path, Some(line), format!("{column}: expected a number of milliseconds, got {text:?}"))
    })?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(TraceError::new(path, Some(line), format!("{column}: expected a time >= 0, got {text:?}")));
    }
    let limit_ms = crate::model::limits::MAX_DURATION_S * 1000.0;
    if v > limit_ms {
        return Err(TraceError::new(
            path,
            Some(line),
            format!("{column}: {text} ms is beyond the one-year limit on a run ({limit_ms} ms)"),
        ));
    }
    Ok(ms_to_ns(v))
}

/// Column positions by name, from a header row.
fn columns(
    path: &Path,
    headers: &csv::StringRecord,
    required: &[&str],
    optional: &[&str],
) -> Result<Vec<Option<usize>>, TraceError> {
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut out = Vec::new();
    for name in required {
        out.push(Some(find(name).ok_or_else(|| {
            TraceError::new(
                path,
                Some(1),
                format!("missing column `{name}` (expected columns: {})", required.join(", ")),
            )
        })?));
    }
    out.extend(optional.iter().map(|n| find(n)));
    Ok(out)
}

fn reader(path: &Path) -> Result<csv::Reader<File>, TraceError> {
    csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| TraceError::new(path, None, e.to_string()))
}

/// Streams the requests of a `REQUESTS.csv`.
#[derive(Debug)]
pub struct RequestReader {
    path: PathBuf,
    inner: csv::Reader<File>,
    cols: [usize; 4],
    service_col: Option<usize>,
    status_col: Option<usize>,
    last_send: u64,
    record: csv::StringRecord,
}

impl RequestReader {
    /// Opens the file and checks its header.
    pub fn open(path: &Path) -> Result<RequestReader, TraceError> {
        let mut inner = reader(path)?;
        let headers = inner.headers().map_err(|e| TraceError::new(path, Some(1), e.to_string()))?.clone();
        let c = columns(path, &headers, &["id", "send_ms", "client_key", "path"], &["service_ms", "status"])?;
        let col = |i: usize| c[i].unwrap_or(0);
        Ok(RequestReader {
            path: path.to_owned(),
            inner,
            cols: [col(0), col(1), col(2), col(3)],
            service_col: c[4],
            status_col: c[5],
            last_send: 0,
            record: csv::StringRecord::new(),
        })
    }

    /// Reads the whole file once to check every line and find the last send time (so a bad line
    /// is reported before any output is written). A request id seen twice is an error naming both
    /// lines; to find one, the scan keeps 16 bytes per request (a hash of its id and its line).
    /// An instance the `status` column names must be `known`.
    pub fn scan(path: &Path, known: &dyn Fn(&str) -> bool) -> Result<(u64, u64), TraceError> {
        use std::hash::BuildHasher;
        let mut r = RequestReader::open(path)?;
        let hasher = std::collections::hash_map::RandomState::new();
        let mut seen: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
        let mut n = 0;
        let mut last = 0;
        while let Some(req) = r.next() {
            let req = req?;
            let line = r.record.position().map_or(0, |p| p.line());
            if let Some((name, _)) = req.status.iter().find(|(i, _)| !i.is_empty() && !known(i)) {
                return Err(TraceError::new(
                    path,
                    Some(line),
                    format!(
                        "status: unknown instance {name:?} (instances are named <service>-<i>, or the service's name when it has one)"
                    ),
                ));
            }
            if let Some(&first) = seen.get(&hasher.hash_one(&req.id)) {
                if Self::id_at(path, first)?.as_deref() == Some(req.id.as_str()) {
                    return Err(TraceError::new(
                        path,
                        Some(line),
                        format!("id {:?} was already used on line {first}: request ids must be unique", req.id),
                    ));
                }
            } else {
                seen.insert(hasher.hash_one(&req.id), line);
            }
            last = req.send_ns;
            n += 1;
        }
        Ok((n, last))
    }

    /// The id of the request on `line` (to confirm a duplicate the scan's hashes suggest).
    fn id_at(path: &Path, line: u64) -> Result<Option<String>, TraceError> {
        let mut r = RequestReader::open(path)?;
        while let Some(req) = r.next() {
            let req = req?;
            if r.record.position().map_or(0, |p| p.line()) == line {
                return Ok(Some(req.id));
            }
        }
        Ok(None)
    }
}

impl Iterator for RequestReader {
    type Item = Result<TraceRequest, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.path.clone();
        match self.inner.read_record(&mut self.record) {
            Ok(false) => return None,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                return Some(Err(TraceError::new(&path, line, e.to_string())));
            }
            Ok(true) => {}
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let get = |i: usize| self.record.get(i);
        let [id_c, send_c, key_c, path_c] = self.cols;
        let result = (|| {
            let field = |i: usize, name: &str| {
                get(i).ok_or_else(|| TraceError::new(&path, Some(line), format!("missing field `{name}`")))
            };
            let send_ns = parse_ms(&path, line, "send_ms", field(send_c, "send_ms")?)?;
            if send_ns < self.last_send {
                return Err(TraceError::new(
                    &path,
                    Some(line),
                    format!(
                        "send_ms goes backwards ({} ms after {} ms): requests must be in time order",
                        send_ns as f64 / 1e6,
                        self.last_send as f64 / 1e6
                    ),
                ));
            }
            let key = field(key_c, "client_key")?.trim();
            let service_ns = match self.service_col.and_then(get).map(str::trim) {
                Some(t) if !t.is_empty() => Some(parse_ms(&path, line, "service_ms", t)?),
                _ => None,
            };
            let status = match self.status_col.and_then(get).map(str::trim) {
                Some(t) if !t.is_empty() => parse_status(&path, line, t)?,
                _ => Vec::new(),
            };
            Ok(TraceRequest {
                status,
                id: field(id_c, "id")?.to_owned(),
                send_ns,
                client_key: (!key.is_empty()).then(|| key.to_owned()),
                path: field(path_c, "path")?.trim().to_owned(),
                service_ns,
            })
        })();
        if let Ok(r) = &result {
            self.last_send = r.send_ns;
        }
        Some(result)
    }
}

/// A backend going down or coming back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// When, ns.
    pub time_ns: u64,
    /// Station index in the plan.
    pub station: u32,
    /// `true`: back up; `false`: down.
    pub up: bool,
}

/// Reads an `OUTAGES.csv`, resolving backends against the plan's instances.
pub fn read_outages(path: &Path, plan: &Plan) -> Result<Vec<Outage>, TraceError> {
    let mut r = reader(path)?;
    let headers = r.headers().map_err(|e| TraceError::new(path, Some(1), e.to_string()))?.clone();
    let c = columns(path, &headers, &["time_ms", "backend", "action"], &[])?;
    let (t_c, b_c, a_c) = (c[0].unwrap_or(0), c[1].unwrap_or(0), c[2].unwrap_or(0));
    let mut out: Vec<Outage> = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| TraceError::new(path, e.position().map(|p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let field = |i: usize| rec.get(i).map(str::trim).unwrap_or("");
        let time_ns = parse_ms(path, line, "time_ms", field(t_c))?;
        let backend = field(b_c);
        let station = plan.station_by_name(backend).ok_or_else(|| {
            let names: Vec<&str> = plan.stations.iter().map(|s| s.name.as_str()).take(12).collect();
            TraceError::new(path, Some(line), format!("unknown backend {backend:?} (instances: {})", names.join(", ")))
        })?;
        let up = match field(a_c) {
            "up" => true,
            "down" => false,
            other => {
                return Err(TraceError::new(
                    path,
                    Some(line),
                    format!("action: expected `up` or `down`, got {other:?}"),
                ));
            }
        };
        if out.last().is_some_and(|o| o.time_ns > time_ns) {
            return Err(TraceError::new(path, Some(line), "time_ms goes backwards: outages must be in time order"));
        }
        out.push(Outage { time_ns, station, up });
    }
    Ok(out)
}

/// What happened to one request of a trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// The request's id.
    pub id: String,
    /// The outcome (its status is [`Outcome::status`] unless `status` overrides it).
    pub outcome: Option<Outcome>,
    /// The HTTP status the client got.
    pub status: u16,
    /// The instance that served it.
    pub backend: Option<u32>,
    /// Time held by the gateway before choosing an upstream, ns.
    pub delay_ns: u64,
    /// Instances tried, in order, with `true` for a refused connection.
    pub attempts: Vec<(u32, bool)>,
    /// Client-side latency, ns.
    pub latency_ns: u64,
}

/// Writes `DECISIONS.csv` through a temporary file that replaces the target only when complete.
#[derive(Debug)]
pub struct DecisionWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<csv::Writer<BufWriter<File>>>,
}

impl DecisionWriter {
    /// Creates the temporary file next to `path` and writes the header.
    pub fn create(path: &Path) -> Result<DecisionWriter, TraceError> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(|e| TraceError::new(path, None, e.to_string()))?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(["id", "status", "backend", "delay_ms", "attempts", "cause", "latency_ms"])
            .map_err(|e| TraceError::new(path, None, e.to_string()))?;
        Ok(DecisionWriter { path: path.to_owned(), tmp, out: Some(out) })
    }

    /// Writes one row.
    pub fn write(&mut self, d: &Decision, plan: &Plan) -> Result<(), TraceError> {
        let name = |s: u32| plan.stations.get(s as usize).map_or("?", |st| st.name.as_str());
        let attempts: Vec<String> =
            d.attempts.iter().map(|&(s, refused)| format!("{}{}", name(s), if refused { "!" } else { "" })).collect();
        let cause = d.outcome.filter(|o| o.is_failure()).map_or("", |o| o.name());
        let ms = |ns: u64| format!("{}", ns as f64 / 1e6);
        let Some(out) = self.out.as_mut() else { return Ok(()) };
        out.write_record([
            d.id.as_str(),
            &d.status.to_string(),
            d.backend.map_or("", name),
            &ms(d.delay_ns),
            &attempts.join(" "),
            cause,
            &ms(d.latency_ns),
        ])
        .map_err(|e| TraceError::new(&self.path, None, e.to_string()))
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<(), TraceError> {
        let path = self.path.clone();
        let err = |e: std::io::Error| TraceError::new(&path, None, e.to_string());
        let Some(out) = self.out.take() else { return Ok(()) };
        let buf = out.into_inner().map_err(|e| err(e.into_error()))?;
        let file = buf.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(err)
    }
}

impl Drop for DecisionWriter {
    fn drop(&mut self) {
        // After a successful commit the temporary file no longer exists; otherwise clean it up.
        std::fs::remove_file(&self.tmp).ok();
    }
}
