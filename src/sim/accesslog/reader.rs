//! The streaming reader: lines read with a bounded length, parsed, held in the reorder window and
//! handed out in time order with their send times; and the detection of an access log by its
//! first line.

use super::parse::{parse_entry, parse_shape, parse_time};
use super::{AccessLogOptions, BadLines, KeySource, MAX_LINE_BYTES, REORDER_WINDOW_S, ScanSummary};
use crate::sim::time::{NS_PER_S, secs_to_ns};
use crate::sim::trace::{TraceError, TraceRequest};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

/// A request read but not yet handed out.
#[derive(Debug)]
struct Pending {
    line: u64,
    key: Option<String>,
    path: String,
}

/// Streams the requests of an access log in time order (see the module documentation).
pub struct AccessLogReader<R = BufReader<File>> {
    path: PathBuf,
    input: R,
    key: KeySource,
    speed: f64,
    shift_ns: u64,
    /// Lines read so far (the number of the last one).
    line_no: u64,
    buf: Vec<u8>,
    /// Requests waiting to be put in order, by log second (UTC), in file order within a second.
    pending: BTreeMap<i64, Vec<Pending>>,
    buffered: usize,
    pub(super) peak_buffered: usize,
    /// The latest log second read.
    max_seen: Option<i64>,
    /// The earliest and the latest log second handed out.
    span: Option<(i64, i64)>,
    ready: VecDeque<TraceRequest>,
    bad: BadLines,
    done: bool,
}

impl<R> fmt::Debug for AccessLogReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessLogReader")
            .field("path", &self.path)
            .field("key", &self.key)
            .field("line", &self.line_no)
            .field("buffered", &self.buffered)
            .field("bad", &self.bad.count)
            .finish_non_exhaustive()
    }
}

impl AccessLogReader<BufReader<File>> {
    /// Checks the options and opens the file.
    pub fn open(path: &Path, options: &AccessLogOptions) -> Result<AccessLogReader, TraceError> {
        options.validate().map_err(|m| error(path, None, m))?;
        let file = File::open(path).map_err(|e| error(path, None, e.to_string()))?;
        AccessLogReader::from_reader(path, BufReader::new(file), options)
    }

    /// Reads the whole file once, keeping nothing but the count, the last send time and the bad
    /// lines, so a caller knows how long the replay is before it starts (like
    /// [`crate::sim::trace::RequestReader::scan`]). Reading the file again with [`AccessLogReader::open`]
    /// yields the same requests.
    pub fn scan(path: &Path, options: &AccessLogOptions) -> Result<ScanSummary, TraceError> {
        let mut r = AccessLogReader::open(path, options)?;
        let mut requests = 0;
        let mut last_send_ns = 0;
        for req in r.by_ref() {
            last_send_ns = req?.send_ns;
            requests += 1;
        }
        Ok(ScanSummary { requests, last_send_ns, log_span_s: r.span, bad: r.bad })
    }
}

impl<R: BufRead> AccessLogReader<R> {
    /// Reads a log from any buffered reader; `path` only names it in errors.
    pub fn from_reader(path: &Path, input: R, options: &AccessLogOptions) -> Result<AccessLogReader<R>, TraceError> {
        options.validate().map_err(|m| error(path, None, m))?;
        Ok(AccessLogReader {
            path: path.to_owned(),
            input,
            key: options.key.clone(),
            speed: options.speed,
            shift_ns: secs_to_ns(options.time_shift_s),
            line_no: 0,
            buf: Vec::new(),
            pending: BTreeMap::new(),
            buffered: 0,
            peak_buffered: 0,
            max_seen: None,
            span: None,
            ready: VecDeque::new(),
            bad: BadLines::default(),
            done: false,
        })
    }

    /// The lines skipped so far (all of them once the stream has ended).
    pub fn bad_lines(&self) -> &BadLines {
        &self.bad
    }

    /// Log times (UTC, seconds since 1970-01-01) of the earliest and the latest request handed out
    /// so far.
    pub fn log_span_s(&self) -> Option<(i64, i64)> {
        self.span
    }

    /// Parses the line in `buf` and buffers its request, or records why it is bad.
    fn take_line(&mut self, overlong: bool) {
        let line_no = self.line_no;
        if overlong {
            self.bad.push(line_no, format!("line longer than {MAX_LINE_BYTES} bytes"));
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let mut line = text.trim_end_matches(['\r', '\n']);
        if line_no == 1 {
            line = line.trim_start_matches('\u{feff}');
        }
        if line.trim().is_empty() {
            return;
        }
        let entry = match parse_entry(line, &self.key) {
            Ok(e) => e,
            Err(reason) => {
                self.bad.push(line_no, reason);
                return;
            }
        };
        if let Some(latest) = self.max_seen
            && entry.time_s < latest - REORDER_WINDOW_S
        {
            self.bad.push(
                line_no,
                format!(
                    "out of order by more than {REORDER_WINDOW_S} s ({} s before a line already read)",
                    latest - entry.time_s
                ),
            );
            return;
        }
        let latest = self.max_seen.map_or(entry.time_s, |m| m.max(entry.time_s));
        self.max_seen = Some(latest);
        self.pending.entry(entry.time_s).or_default().push(Pending { line: line_no, key: entry.key, path: entry.path });
        self.buffered += 1;
        self.peak_buffered = self.peak_buffered.max(self.buffered);
        self.release(Some(latest - REORDER_WINDOW_S));
    }

    /// Hands out the buffered seconds before `before` (all of them with `None`), in time order.
    fn release(&mut self, before: Option<i64>) {
        while let Some(entry) = self.pending.first_entry() {
            if before.is_some_and(|b| *entry.key() >= b) {
                break;
            }
            let (second, requests) = entry.remove_entry();
            let first = self.span.map_or(second, |(f, _)| f);
            self.span = Some((first, second));
            let n = requests.len();
            self.buffered -= n;
            let whole_ns = u64::try_from(second - first).unwrap_or(0).saturating_mul(NS_PER_S);
            for (k, p) in requests.into_iter().enumerate() {
                let frac_ns = (k as u128 * u128::from(NS_PER_S) / n as u128) as u64;
                let send_ns = self.scale(whole_ns.saturating_add(frac_ns));
                self.ready.push_back(TraceRequest {
                    id: format!("L{}", p.line),
                    send_ns,
                    client_key: p.key,
                    path: p.path,
                    service_ns: None,
                    status: Vec::new(),
                });
            }
        }
    }

    /// From log time since the earliest request to send time.
    fn scale(&self, log_ns: u64) -> u64 {
        let ns = if self.speed == 1.0 {
            log_ns
        } else {
            // `as` saturates, which is the intent for absurd speeds.
            (log_ns as f64 / self.speed).round() as u64
        };
        ns.saturating_add(self.shift_ns)
    }
}

impl<R: BufRead> Iterator for AccessLogReader<R> {
    type Item = Result<TraceRequest, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Some(Ok(r));
            }
            if self.done {
                return None;
            }
            match read_line_bounded(&mut self.input, &mut self.buf) {
                Ok(Some(overlong)) => {
                    self.line_no += 1;
                    self.take_line(overlong);
                }
                Ok(None) => {
                    self.release(None);
                    self.done = true;
                }
                Err(e) => {
                    self.done = true;
                    self.pending.clear();
                    self.buffered = 0;
                    return Some(Err(error(&self.path, Some(self.line_no + 1), format!("cannot read the log: {e}"))));
                }
            }
        }
    }
}

/// Whether the file looks like an access log rather than a `REQUESTS.csv`: its first non-blank
/// line has the combined/common shape with a valid time (its request line may be bad) and is not a
/// CSV header. Unreadable or empty files are not access logs.
pub fn looks_like_access_log(path: &Path) -> bool {
    let Ok(file) = File::open(path) else { return false };
    let mut input = BufReader::new(file);
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        match read_line_bounded(&mut input, &mut buf) {
            Ok(Some(false)) => {}
            _ => return false,
        }
        let text = String::from_utf8_lossy(&buf);
        let mut line = text.trim_end_matches(['\r', '\n']);
        if first {
            line = line.trim_start_matches('\u{feff}');
            first = false;
        }
        if line.trim().is_empty() {
            continue;
        }
        if line.split(',').next().is_some_and(|c| c.trim() == "id") || line.split(',').any(|c| c.trim() == "send_ms") {
            return false;
        }
        return parse_shape(line).is_ok_and(|s| parse_time(s.time).is_some());
    }
}

fn error(path: &Path, line: Option<u64>, message: impl Into<String>) -> TraceError {
    TraceError { path: path.to_owned(), line, message: message.into() }
}

/// Reads one line (without its `\n`) into `buf`, keeping at most [`MAX_LINE_BYTES`] of it.
/// `Ok(None)` at the end of the input, else `Ok(Some(true))` when the line was cut.
fn read_line_bounded<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut overlong = false;
    let mut any = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(any.then_some(overlong));
        }
        any = true;
        let (take, found) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(buf.len());
        overlong |= take > room;
        buf.extend_from_slice(&chunk[..take.min(room)]);
        input.consume(take + usize::from(found));
        if found {
            return Ok(Some(overlong));
        }
    }
}
