//! Web-server access logs as request traces, so a real NGINX or Apache log can be replayed
//! (`gatesim run --requests access.log`) instead of a `REQUESTS.csv` (see [`super::trace`]).
//!
//! Formats. Each line must have the shape shared by NGINX's default `combined` format, Apache's
//! `combined` format and Apache's `common` format:
//! `host ident user [time] "request" status bytes`, optionally followed by quoted fields such as
//! `"referer" "user agent" "x-forwarded-for"`. In NGINX terms that is
//! `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
//! "$http_user_agent"`; in Apache terms `%h %l %u %t "%r" %>s %b` (common) plus
//! `"%{Referer}i" "%{User-agent}i"` (combined). Any number of quoted fields may follow the byte
//! count; they are numbered from 0 (the referer in the combined format) and are ignored unless one
//! is chosen as the rate-limit key with [`KeySource::Field`]. Unquoted words after the byte count
//! (such as a request time) are ignored too. Inside quotes, `\"` stands for a quote and `\\` for a
//! backslash (Apache's escaping); NGINX's `\xHH` escapes are kept as they are.
//!
//! The time is `[10/Oct/2000:13:55:36 -0700]`: day, English month abbreviation (`Jan` to `Dec`),
//! year, local time and the offset from UTC, which is applied, so logs written in different time
//! zones line up. The request line is `METHOD target [HTTP/x.y]`; the request's path is its target
//! (`GET /api/x?y=1 HTTP/1.1` gives `/api/x?y=1`), with the scheme and host removed from an
//! absolute target (`GET http://example.com/a HTTP/1.1` gives `/a`).
//!
//! Each request becomes a [`TraceRequest`]: its `id` is `L` followed by its line number (`L1` is
//! the first line of the file), its `client_key` comes from the [`KeySource`] chosen (the remote
//! address by default; a key of `-` or empty means none), and its `service_ns` is not given, so
//! the scenario's service times apply.
//!
//! Timing. Send times are relative to the earliest request in the log: a request logged at time
//! `t` is sent at `(t - t_first) / speed + time_shift_s`, so the earliest one is sent at
//! `time_shift_s`. Log times have whole-second resolution, so the requests logged in the same
//! second are spread evenly over that second in the order they appear in the file: the k-th of n
//! requests (counting from 0) in second `s` is sent at `s + k/n` (before the speed-up).
//!
//! Servers write a line when a request ends, so lines are a little out of order by start time.
//! The reader keeps the lines of the last [`REORDER_WINDOW_S`] seconds of log time (measured from
//! the latest time read so far) in a buffer and hands requests out in time order once no later
//! line can precede them. A line more than [`REORDER_WINDOW_S`] seconds older than the latest time
//! already read cannot be placed any more and is a bad line. Memory is therefore bounded by the
//! number of requests in that window, not by the length of the file (and lines are cut at
//! [`MAX_LINE_BYTES`]).
//!
//! Bad lines. A line that does not have the shape above, or has a bad time or request line (such
//! as the `"-"` NGINX logs for a connection closed before a request), or is out of order beyond
//! the window, or is longer than [`MAX_LINE_BYTES`], is skipped. Skipped lines are counted and the
//! first [`MAX_BAD_EXAMPLES`] are kept with their line number and a short reason
//! ([`AccessLogReader::bad_lines`], [`ScanSummary::bad`]). Blank lines are ignored and not counted.
//! Only a failure to read the file is an error ([`TraceError`]), and it ends the stream.

use super::time::{NS_PER_S, secs_to_ns};
use super::trace::{TraceError, TraceRequest};
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// How far back in log time (seconds, from the latest time read so far) a line may be and still be
/// put back in order. Older lines are bad lines.
pub const REORDER_WINDOW_S: i64 = 5;

/// How many bad lines are kept as examples (all of them are counted).
pub const MAX_BAD_EXAMPLES: usize = 20;

/// The longest line read; longer lines are bad lines (and are not kept in memory).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Where a request's rate-limit key comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum KeySource {
    /// The client address, the first field (`$remote_addr`, `%h`).
    #[default]
    RemoteAddr,
    /// The authenticated user, the third field (`$remote_user`, `%u`).
    User,
    /// The n-th quoted field after the request line, counting from 0: in the combined format 0 is
    /// the referer and 1 the user agent, and 2 the first extra field (such as
    /// `"$http_x_forwarded_for"` or a logged API key). A line without that field has no key. The
    /// field's whole text is the key (an X-Forwarded-For list is not split).
    Field(usize),
}

impl FromStr for KeySource {
    type Err = String;

    /// Reads `remote_addr` (or `addr`), `user` (or `remote_user`), or `field:N`.
    fn from_str(s: &str) -> Result<KeySource, String> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "remote_addr" | "remote-addr" | "addr" => return Ok(KeySource::RemoteAddr),
            "user" | "remote_user" | "remote-user" => return Ok(KeySource::User),
            _ => {}
        }
        if let Some(n) = s.strip_prefix("field:")
            && let Ok(n) = n.trim().parse::<usize>()
        {
            return Ok(KeySource::Field(n));
        }
        Err(format!(
            "unknown key source {s:?}: expected `remote_addr`, `user`, or `field:N` (the N-th quoted field \
             after the request line, from 0: 0 = referer, 1 = user agent, 2 = the first extra field)"
        ))
    }
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::RemoteAddr => f.write_str("remote_addr"),
            KeySource::User => f.write_str("user"),
            KeySource::Field(n) => write!(f, "field:{n}"),
        }
    }
}

/// How an access log is turned into a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessLogOptions {
    /// Where the rate-limit key comes from.
    pub key: KeySource,
    /// Added to every send time, seconds (finite, >= 0): the earliest request is sent then.
    pub time_shift_s: f64,
    /// Divides the gaps between requests (finite, > 0): 2.0 replays the log twice as fast.
    pub speed: f64,
}

impl Default for AccessLogOptions {
    fn default() -> AccessLogOptions {
        AccessLogOptions { key: KeySource::RemoteAddr, time_shift_s: 0.0, speed: 1.0 }
    }
}

impl AccessLogOptions {
    /// Checks the speed and the shift; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err(format!("the replay speed must be a finite number > 0, got {}", self.speed));
        }
        if !(self.time_shift_s.is_finite() && self.time_shift_s >= 0.0) {
            return Err(format!("the time shift must be a finite number of seconds >= 0, got {}", self.time_shift_s));
        }
        Ok(())
    }
}

/// One skipped line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// The lines skipped so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BadLines {
    /// How many.
    pub count: u64,
    /// The first [`MAX_BAD_EXAMPLES`] of them, in file order.
    pub examples: Vec<BadLine>,
}

impl BadLines {
    /// No line was skipped.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn push(&mut self, line: u64, reason: String) {
        self.count += 1;
        if self.examples.len() < MAX_BAD_EXAMPLES {
            self.examples.push(BadLine { line, reason });
        }
    }
}

impl fmt::Display for BadLines {
    /// `N bad line(s) skipped`, then one indented `line L: reason` per example, then how many more.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 0 {
            return f.write_str("no bad lines");
        }
        write!(f, "{} bad line{} skipped", self.count, if self.count == 1 { "" } else { "s" })?;
        for b in &self.examples {
            write!(f, "\n  line {}: {}", b.line, b.reason)?;
        }
        let more = self.count.saturating_sub(self.examples.len() as u64);
        if more > 0 {
            write!(f, "\n  ... and {more} more")?;
        }
        Ok(())
    }
}

/// What a whole read of an access log found (see [`AccessLogReader::scan`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Requests yielded.
    pub requests: u64,
    /// Send time of the last request, ns (0 when there is none).
    pub last_send_ns: u64,
    /// The lines skipped.
    pub bad: BadLines,
    /// Log times (UTC, seconds since 1970-01-01) of the earliest and the latest request, if any.
    pub log_span_s: Option<(i64, i64)>,
}

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
    peak_buffered: usize,
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
    /// [`super::trace::RequestReader::scan`]). Reading the file again with [`AccessLogReader::open`]
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

/// The fields of a combined/common line.
#[derive(Debug)]
struct Shape<'a> {
    host: &'a str,
    user: &'a str,
    time: &'a str,
    request: Cow<'a, str>,
    /// The quoted fields after the byte count.
    quoted: Vec<Cow<'a, str>>,
}

/// What a good line gives.
#[derive(Debug, PartialEq)]
struct Entry {
    time_s: i64,
    key: Option<String>,
    path: String,
}

fn parse_entry(line: &str, key: &KeySource) -> Result<Entry, String> {
    let shape = parse_shape(line)?;
    let time_s = parse_time(shape.time).ok_or_else(|| format!("bad time [{}]", clip(shape.time)))?;
    let path = request_path(&shape.request)?;
    let key = match key {
        KeySource::RemoteAddr => Some(shape.host),
        KeySource::User => Some(shape.user),
        KeySource::Field(n) => shape.quoted.get(*n).map(|c| c.as_ref()),
    }
    .map(str::trim)
    .filter(|k| !k.is_empty() && *k != "-")
    .map(str::to_owned);
    Ok(Entry { time_s, key, path })
}

/// A position in a line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_spaces(&mut self) {
        while self.s.as_bytes().get(self.pos).is_some_and(|b| *b == b' ' || *b == b'\t') {
            self.pos += 1;
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// A non-empty run of non-blank characters.
    fn word(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let start = self.pos;
        while self.peek().is_some_and(|b| b != b' ' && b != b'\t') {
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.s[start..self.pos])
    }

    /// `[...]`, returning what is inside.
    fn bracketed(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        if self.peek() != Some(b'[') {
            return None;
        }
        let rest = &self.s[self.pos + 1..];
        let end = rest.find(']')?;
        self.pos += end + 2;
        Some(&rest[..end])
    }

    /// `"..."`, returning what is inside with `\"` and `\\` unescaped.
    fn quoted(&mut self) -> Option<Cow<'a, str>> {
        self.skip_spaces();
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        let bytes = self.s.as_bytes();
        let mut i = start;
        let mut escaped = false;
        loop {
            match bytes.get(i)? {
                b'"' => break,
                b'\\' if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        let raw = &self.s[start..i];
        if !escaped {
            return Some(Cow::Borrowed(raw));
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\'
                && let Some(&n) = chars.peek()
                && (n == '"' || n == '\\')
            {
                out.push(n);
                chars.next();
            } else {
                out.push(c);
            }
        }
        Some(Cow::Owned(out))
    }
}

/// Splits a line into the combined/common fields, or says which one is missing.
fn parse_shape(line: &str) -> Result<Shape<'_>, String> {
    let bad = |what: &str| format!("not a combined/common log line: bad or missing {what}");
    let mut c = Cursor { s: line, pos: 0 };
    let host = c.word().ok_or_else(|| bad("remote address"))?;
    c.word().ok_or_else(|| bad("ident field"))?;
    let user = c.word().ok_or_else(|| bad("user field"))?;
    let time = c.bracketed().ok_or_else(|| bad("[time]"))?;
    let request = c.quoted().ok_or_else(|| bad("quoted request line"))?;
    let status = c.word().filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()));
    status.ok_or_else(|| bad("status"))?;
    let bytes = c.word().filter(|s| *s == "-" || s.bytes().all(|b| b.is_ascii_digit()));
    bytes.ok_or_else(|| bad("byte count"))?;
    let mut quoted = Vec::new();
    loop {
        c.skip_spaces();
        if c.at_end() {
            break;
        }
        if c.peek() == Some(b'"') {
            quoted.push(c.quoted().ok_or_else(|| bad("closing quote"))?);
        } else {
            c.word();
        }
    }
    Ok(Shape { host, user, time, request, quoted })
}

fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// `10/Oct/2000:13:55:36 -0700` to seconds since 1970-01-01 UTC.
fn parse_time(s: &str) -> Option<i64> {
    let (local, zone) = s.trim().split_once(' ')?;
    let mut parts = local.splitn(4, ':');
    let date = parts.next()?;
    let (hour, minute, second) =
        (digits(parts.next()?, 2, 2)?, digits(parts.next()?, 2, 2)?, digits(parts.next()?, 2, 2)?);
    let mut d = date.splitn(3, '/');
    let day = digits(d.next()?, 1, 2)?;
    let month_name = d.next()?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let year = i64::from(digits(d.next()?, 4, 4)?);
    let month_days = match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day == 0 || day > month_days || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let zone = zone.trim();
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let z = digits(&zone[1..], 4, 4)?;
    let (zh, zm) = (z / 100, z % 100);
    if zh > 23 || zm > 59 {
        return None;
    }
    let offset = sign * i64::from(zh * 3600 + zm * 60);
    let local_s = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second);
    Some(local_s - offset)
}

/// The path and query of a request line (`GET /a?b HTTP/1.1` gives `/a?b`).
fn request_path(request: &str) -> Result<String, String> {
    let request = request.trim();
    if request.is_empty() || request == "-" {
        return Err("no request line (\"-\")".into());
    }
    let bad = |why: &str| format!("bad request line {:?}: {why}", clip(request));
    let (method, rest) = request.split_once(' ').ok_or_else(|| bad("expected `METHOD target HTTP/x.y`"))?;
    let token = method.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !token || !method.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(bad("not an HTTP method"));
    }
    let target = match rest.trim().rsplit_once(' ') {
        Some((t, proto)) if proto.starts_with("HTTP/") => t.trim(),
        _ => rest.trim(),
    };
    if target.is_empty() || target.contains(char::is_whitespace) {
        return Err(bad("expected one target"));
    }
    if target.starts_with('/') || target == "*" {
        return Ok(target.to_owned());
    }
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let after_scheme = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return Err(bad("the target is not a path"));
    };
    Ok(match after_scheme.find(['/', '?']) {
        Some(i) if after_scheme.as_bytes()[i] == b'/' => after_scheme[i..].to_owned(),
        Some(i) => format!("/{}", &after_scheme[i..]),
        None => "/".to_owned(),
    })
}

/// At most 40 characters of `s`, for messages.
fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(40) {
        Some((i, _)) => Cow::Owned(format!("{}...", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor as IoCursor, Read, Write};

    const T0: &str = "10/Oct/2000:13:55:36 -0700";

    fn combined(ip: &str, time: &str, request: &str) -> String {
        format!(r#"{ip} - - [{time}] "{request}" 200 2326 "http://example.com/start.html" "Mozilla/4.08""#)
    }

    fn read(text: &str, options: &AccessLogOptions) -> (Vec<TraceRequest>, BadLines) {
        let mut r = AccessLogReader::from_reader(Path::new("test.log"), IoCursor::new(text.to_owned()), options)
            .expect("valid options");
        let reqs: Vec<TraceRequest> = r.by_ref().map(|x| x.expect("no I/O error")).collect();
        (reqs, r.bad_lines().clone())
    }

    fn read_default(text: &str) -> (Vec<TraceRequest>, BadLines) {
        read(text, &AccessLogOptions::default())
    }

    fn ids(reqs: &[TraceRequest]) -> Vec<&str> {
        reqs.iter().map(|r| r.id.as_str()).collect()
    }

    fn sends_ms(reqs: &[TraceRequest]) -> Vec<f64> {
        reqs.iter().map(|r| r.send_ns as f64 / 1e6).collect()
    }

    /// `10/Oct/2000:13:55:SS -0700` for a second offset from T0's minute start (+36 s).
    fn at(offset_s: u32) -> String {
        let total = 36 + offset_s;
        format!("10/Oct/2000:13:{:02}:{:02} -0700", 55 + total / 60, total % 60)
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gatesim-accesslog-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn combined_line() {
        let line = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1&b=2 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#;
        let (reqs, bad) = read_default(line);
        assert!(bad.is_empty(), "{bad}");
        assert_eq!(
            reqs,
            vec![TraceRequest {
                id: "L1".into(),
                send_ns: 0,
                client_key: Some("127.0.0.1".into()),
                path: "/apache_pb.gif?a=1&b=2".into(),
                service_ns: None,
            }]
        );
    }

    #[test]
    fn common_line_and_nginx_line() {
        let text = "\
127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326\n\
192.168.1.20 - - [10/Oct/2000:13:55:37 -0700] \"POST /api/v1/orders HTTP/2.0\" 201 - \"-\" \"curl/8.5.0\"\n";
        let (reqs, bad) = read_default(text);
        assert!(bad.is_empty(), "{bad}");
        assert_eq!(ids(&reqs), ["L1", "L2"]);
        assert_eq!(reqs[0].path, "/apache_pb.gif");
        assert_eq!(reqs[1].path, "/api/v1/orders");
        assert_eq!(reqs[1].client_key.as_deref(), Some("192.168.1.20"));
        assert_eq!(sends_ms(&reqs), [0.0, 1000.0]);
    }

    #[test]
    fn quoted_fields_with_escaped_quotes() {
        let line = r#"10.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET /q?x=\"y\" HTTP/1.1" 200 5 "http://r/\"a\"" "Mozilla \"quoted\" \\ ok" "203.0.113.9, 10.0.0.1" rt=0.002 "key-42""#;
        let shape = parse_shape(line).expect("parses");
        assert_eq!(shape.request, r#"GET /q?x="y" HTTP/1.1"#);
        assert_eq!(shape.quoted, [r#"http://r/"a""#, r#"Mozilla "quoted" \ ok"#, "203.0.113.9, 10.0.0.1", "key-42"]);
        let key = |k| read(line, &AccessLogOptions { key: k, ..Default::default() }).0[0].client_key.clone();
        assert_eq!(key(KeySource::Field(1)).as_deref(), Some(r#"Mozilla "quoted" \ ok"#));
        assert_eq!(key(KeySource::Field(2)).as_deref(), Some("203.0.113.9, 10.0.0.1"));
        assert_eq!(key(KeySource::Field(3)).as_deref(), Some("key-42"));
        assert_eq!(key(KeySource::Field(4)), None);
        let (reqs, _) = read_default(line);
        assert_eq!(reqs[0].path, r#"/q?x="y""#);
        // NGINX's `\x22` escapes are kept as they are.
        let nginx = r#"10.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "say \x22hi\x22""#;
        let ua = read(nginx, &AccessLogOptions { key: KeySource::Field(1), ..Default::default() }).0;
        assert_eq!(ua[0].client_key.as_deref(), Some(r#"say \x22hi\x22"#));
        // An unterminated quote is a bad line.
        let (reqs, bad) = read_default(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "open"#);
        assert!(reqs.is_empty());
        assert!(bad.examples[0].reason.contains("closing quote"), "{bad}");
    }

    #[test]
    fn times_and_time_zones() {
        assert_eq!(parse_time(T0), Some(971_211_336));
        assert_eq!(parse_time("01/Jan/1970:00:00:00 +0000"), Some(0));
        assert_eq!(parse_time("31/Dec/1969:23:59:59 +0000"), Some(-1));
        assert_eq!(parse_time("01/Jan/1970:05:30:00 +0530"), Some(0));
        assert_eq!(parse_time("29/Feb/2000:00:00:00 +0000"), Some(951_782_400));
        assert_eq!(parse_time("01/mar/2024:12:00:00 -0000"), Some(1_709_294_400));
        for bad in [
            "29/Feb/1900:00:00:00 +0000",
            "31/Apr/2020:00:00:00 +0000",
            "10/Okt/2000:13:55:36 -0700",
            "10/Oct/2000:24:00:00 -0700",
            "10/Oct/2000:13:60:00 -0700",
            "10/Oct/2000:13:55:36",
            "10/Oct/2000:13:55:36 0700",
            "10/Oct/2000:13:55:36 -07:00",
            "10/Oct/00:13:55:36 -0700",
            "2000-10-10T13:55:36Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        // The same instant in three zones, one second apart each.
        let text = [
            combined("a", "10/Oct/2000:13:55:36 -0700", "GET /1 HTTP/1.1"),
            combined("b", "10/Oct/2000:20:55:37 +0000", "GET /2 HTTP/1.1"),
            combined("c", "11/Oct/2000:02:25:38 +0530", "GET /3 HTTP/1.1"),
        ]
        .join("\n");
        let (reqs, bad) = read_default(&text);
        assert!(bad.is_empty(), "{bad}");
        assert_eq!(sends_ms(&reqs), [0.0, 1000.0, 2000.0]);
        let (reqs, bad) = read_default(&format!(
            "{}\n{}\n",
            combined("a", "10/Oct/2000:20:55:36 +0000", "GET /1 HTTP/1.1"),
            combined("b", "10/Oct/2000:14:55:36 -0600", "GET /2 HTTP/1.1"),
        ));
        assert!(bad.is_empty(), "{bad}");
        assert_eq!(sends_ms(&reqs), [0.0, 500.0], "one second, two requests");
    }

    #[test]
    fn requests_in_one_second_are_spread_over_it() {
        let mut lines: Vec<String> = (0..4).map(|i| combined("a", &at(0), &format!("GET /{i} HTTP/1.1"))).collect();
        lines.push(combined("a", &at(1), "GET /4 HTTP/1.1"));
        lines.extend((5..8).map(|i| combined("a", &at(3), &format!("GET /{i} HTTP/1.1"))));
        let (reqs, _) = read_default(&lines.join("\n"));
        assert_eq!(ids(&reqs), ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"]);
        assert_eq!(
            reqs.iter().map(|r| r.send_ns).collect::<Vec<_>>(),
            [0, 250_000_000, 500_000_000, 750_000_000, 1_000_000_000, 3_000_000_000, 3_333_333_333, 3_666_666_666]
        );
    }

    #[test]
    fn out_of_order_lines_within_the_window_are_reordered() {
        let text = [
            combined("a", &at(10), "GET /a HTTP/1.1"),
            combined("b", &at(12), "GET /b HTTP/1.1"),
            combined("c", &at(11), "GET /c HTTP/1.1"),
            combined("d", &at(10), "GET /d HTTP/1.1"),
            combined("e", &at(16), "GET /e HTTP/1.1"),
            combined("f", &at(11), "GET /f HTTP/1.1"),
        ]
        .join("\n");
        let (reqs, bad) = read_default(&text);
        assert!(bad.is_empty(), "{bad}");
        assert_eq!(ids(&reqs), ["L1", "L4", "L3", "L6", "L2", "L5"]);
        assert_eq!(sends_ms(&reqs), [0.0, 500.0, 1000.0, 1500.0, 2000.0, 6000.0]);
    }

    #[test]
    fn lines_beyond_the_window_are_bad() {
        let text = [
            combined("a", &at(10), "GET /a HTTP/1.1"),
            combined("b", &at(20), "GET /b HTTP/1.1"),
            combined("c", &at(14), "GET /c HTTP/1.1"),
            combined("d", &at(15), "GET /d HTTP/1.1"),
            combined("e", &at(21), "GET /e HTTP/1.1"),
            combined("f", &at(10), "GET /f HTTP/1.1"),
        ]
        .join("\n");
        let (reqs, bad) = read_default(&text);
        assert_eq!(ids(&reqs), ["L1", "L4", "L2", "L5"]);
        assert_eq!(sends_ms(&reqs), [0.0, 5000.0, 10_000.0, 11_000.0]);
        assert_eq!(bad.count, 2);
        assert_eq!(bad.examples.iter().map(|b| b.line).collect::<Vec<_>>(), [3, 6]);
        assert!(bad.examples[0].reason.starts_with("out of order by more than 5 s (6 s"), "{bad}");
        assert!(bad.examples[1].reason.contains("(11 s before"), "{bad}");
    }

    #[test]
    fn speed_and_shift() {
        let text = [at(0), at(2), at(4), at(4)]
            .iter()
            .map(|t| combined("a", t, "GET / HTTP/1.1"))
            .collect::<Vec<_>>()
            .join("\n");
        let (reqs, _) = read(&text, &AccessLogOptions { speed: 2.0, time_shift_s: 1.5, ..Default::default() });
        assert_eq!(sends_ms(&reqs), [1500.0, 2500.0, 3500.0, 3750.0]);
        let (reqs, _) = read(&text, &AccessLogOptions { speed: 0.5, time_shift_s: 0.0, ..Default::default() });
        assert_eq!(sends_ms(&reqs), [0.0, 4000.0, 8000.0, 9000.0]);
        let (reqs, _) = read(&text, &AccessLogOptions { speed: 3.0, time_shift_s: 0.001, ..Default::default() });
        assert_eq!(
            reqs.iter().map(|r| r.send_ns).collect::<Vec<_>>(),
            [1_000_000, 667_666_667, 1_334_333_333, 1_501_000_000]
        );
    }

    #[test]
    fn options_are_validated() {
        for (speed, shift) in [(0.0, 0.0), (-1.0, 0.0), (f64::NAN, 0.0), (f64::INFINITY, 0.0)] {
            let o = AccessLogOptions { speed, time_shift_s: shift, ..Default::default() };
            let e = AccessLogReader::from_reader(Path::new("x.log"), IoCursor::new(""), &o).expect_err("bad speed");
            assert!(e.message.contains("speed must be a finite number > 0"), "{e}");
            assert_eq!(e.line, None);
        }
        for shift in [-0.5, f64::NAN, f64::INFINITY] {
            let o = AccessLogOptions { time_shift_s: shift, ..Default::default() };
            let e = o.validate().expect_err("bad shift");
            assert!(e.contains("time shift must be a finite number of seconds >= 0"), "{e}");
        }
        assert!(AccessLogOptions::default().validate().is_ok());
        let e = AccessLogReader::open(Path::new("/nonexistent/gatesim/access.log"), &AccessLogOptions::default())
            .expect_err("no file");
        assert!(e.to_string().starts_with("/nonexistent/gatesim/access.log: "), "{e}");
    }

    #[test]
    fn key_sources() {
        let text = "\
10.0.0.1 - alice [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 5 \"-\" \"ua-1\" \"198.51.100.7\"\n\
- - - [10/Oct/2000:13:55:36 -0700] \"GET /b HTTP/1.1\" 200 5 \"-\" \"\" \"-\"\n\
10.0.0.3 - bob [10/Oct/2000:13:55:36 -0700] \"GET /c HTTP/1.1\" 200 5\n";
        let keys = |key: KeySource| {
            let (reqs, bad) = read(text, &AccessLogOptions { key, ..Default::default() });
            assert!(bad.is_empty(), "{bad}");
            reqs.into_iter().map(|r| r.client_key).collect::<Vec<_>>()
        };
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(keys(KeySource::RemoteAddr), [s("10.0.0.1"), None, s("10.0.0.3")]);
        assert_eq!(keys(KeySource::User), [s("alice"), None, s("bob")]);
        assert_eq!(keys(KeySource::Field(0)), [None, None, None]);
        assert_eq!(keys(KeySource::Field(1)), [s("ua-1"), None, None]);
        assert_eq!(keys(KeySource::Field(2)), [s("198.51.100.7"), None, None]);
        assert_eq!("remote_addr".parse(), Ok(KeySource::RemoteAddr));
        assert_eq!("User".parse(), Ok(KeySource::User));
        assert_eq!("field:2".parse(), Ok(KeySource::Field(2)));
        assert!("field:x".parse::<KeySource>().is_err());
        assert!("cookie".parse::<KeySource>().is_err());
        for k in [KeySource::RemoteAddr, KeySource::User, KeySource::Field(7)] {
            assert_eq!(k.to_string().parse(), Ok(k));
        }
    }

    #[test]
    fn request_lines() {
        let ok = |r: &str| request_path(r).expect(r);
        assert_eq!(ok("GET /api/x?y=1 HTTP/1.1"), "/api/x?y=1");
        assert_eq!(ok("GET /index.html"), "/index.html");
        assert_eq!(ok("OPTIONS * HTTP/1.1"), "*");
        assert_eq!(ok("GET http://example.com/a/b?c HTTP/1.1"), "/a/b?c");
        assert_eq!(ok("GET HTTPS://example.com?q=1 HTTP/1.1"), "/?q=1");
        assert_eq!(ok("GET http://example.com HTTP/1.1"), "/");
        assert!(request_path("-").expect_err("-").starts_with("no request line"));
        for bad in [
            "",
            "GET",
            r"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03",
            "GET /a b HTTP/1.1",
            "CONNECT example.com:443 HTTP/1.1",
            "get@ /a HTTP/1.1",
        ] {
            assert!(request_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_lines_are_skipped_counted_and_numbered() {
        let good = combined("a", T0, "GET /ok HTTP/1.1");
        let text = [
            "this is not a log line".to_owned(),
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "-" 400 0 "-" "-""#.to_owned(),
            good.clone(),
            combined("a", "10/Okt/2000:13:55:36 -0700", "GET / HTTP/1.1"),
            String::new(),
            "   ".to_owned(),
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01" 400 157 "-" "-""#.to_owned(),
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 2000 5"#.to_owned(),
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 x5"#.to_owned(),
            format!("{good}\r"),
        ]
        .join("\n");
        let (reqs, bad) = read_default(&text);
        assert_eq!(ids(&reqs), ["L3", "L10"]);
        assert_eq!(reqs[1].path, "/ok");
        assert_eq!(bad.count, 6);
        let numbers: Vec<u64> = bad.examples.iter().map(|b| b.line).collect();
        assert_eq!(numbers, [1, 2, 4, 7, 8, 9]);
        let reasons: Vec<&str> = bad.examples.iter().map(|b| b.reason.as_str()).collect();
        assert!(reasons[0].contains("bad or missing [time]"), "{reasons:?}");
        assert!(reasons[1].starts_with("no request line"), "{reasons:?}");
        assert!(reasons[2].starts_with("bad time [10/Okt/2000"), "{reasons:?}");
        assert!(reasons[3].starts_with("bad request line"), "{reasons:?}");
        assert!(reasons[4].contains("status"), "{reasons:?}");
        assert!(reasons[5].contains("byte count"), "{reasons:?}");
        let shown = bad.to_string();
        assert!(shown.starts_with("6 bad lines skipped\n  line 1: not a combined/common log line"), "{shown}");

        // Only the first 20 are kept, all are counted.
        let text: Vec<String> = (0..30).map(|i| if i % 3 == 0 { good.clone() } else { format!("junk {i}") }).collect();
        let (reqs, bad) = read_default(&text.join("\n"));
        assert_eq!(reqs.len(), 10);
        assert_eq!(bad.count, 20);
        assert_eq!(bad.examples.len(), 20);
        let text: Vec<String> = (0..40).map(|i| format!("junk {i}")).collect();
        let (reqs, bad) = read_default(&text.join("\n"));
        assert!(reqs.is_empty());
        assert_eq!(bad.count, 40);
        assert_eq!(bad.examples.len(), MAX_BAD_EXAMPLES);
        assert_eq!(bad.examples[19].line, 20);
        assert!(bad.to_string().ends_with("\n  ... and 20 more"));
    }

    #[test]
    fn long_lines_and_invalid_utf8() {
        let long = combined("a", T0, &format!("GET /{} HTTP/1.1", "x".repeat(MAX_LINE_BYTES)));
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        bytes.extend_from_slice(format!("{}\n{long}\n", combined("a", T0, "GET /a HTTP/1.1")).as_bytes());
        let mut second = combined("\u{e9}", &at(1), "GET /b\u{e9} HTTP/1.1").into_bytes();
        second[0] = 0xff;
        bytes.extend_from_slice(&second);
        let mut r = AccessLogReader::from_reader(Path::new("t"), IoCursor::new(bytes), &AccessLogOptions::default())
            .expect("options");
        let reqs: Vec<_> = r.by_ref().map(|x| x.expect("read")).collect();
        assert_eq!(ids(&reqs), ["L1", "L3"]);
        assert_eq!(reqs[0].client_key.as_deref(), Some("a"), "a byte-order mark is ignored");
        assert_eq!(reqs[1].path, "/b\u{e9}");
        assert_eq!(reqs[1].client_key.as_deref(), Some("\u{fffd}\u{fffd}"));
        assert_eq!(r.bad_lines().examples, [BadLine { line: 2, reason: "line longer than 65536 bytes".into() }]);
    }

    /// Yields its data, then fails.
    struct Failing(IoCursor<Vec<u8>>);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("disk on fire")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn read_errors_end_the_stream() {
        let text =
            format!("{}\n{}\n", combined("a", &at(0), "GET / HTTP/1.1"), combined("b", &at(9), "GET / HTTP/1.1"));
        let input = BufReader::new(Failing(IoCursor::new(text.into_bytes())));
        let mut r =
            AccessLogReader::from_reader(Path::new("f.log"), input, &AccessLogOptions::default()).expect("options");
        assert_eq!(r.next().map(|x| x.map(|q| q.id)).transpose().expect("first"), Some("L1".to_owned()));
        let e = r.next().expect("an item").expect_err("the error");
        assert_eq!(e.line, Some(3));
        assert_eq!(e.to_string(), "f.log:3: cannot read the log: disk on fire");
        assert!(r.next().is_none());
    }

    #[test]
    fn detects_access_logs_by_content() {
        let dir = temp_dir("detect");
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).expect("write");
            p
        };
        let log = format!("\n\r\n{}\n", combined("a", T0, "GET / HTTP/1.1"));
        assert!(looks_like_access_log(&write("access.log", &log)));
        let common = r#"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" 400 0"#;
        assert!(looks_like_access_log(&write("common.log", common)), "a bad request line is still a log");
        assert!(!looks_like_access_log(&write("requests.csv", "id,send_ms,client_key,path\nr1,0,k,/a\n")));
        assert!(!looks_like_access_log(&write("reordered.csv", "path,send_ms,id\n/a,0,r1\n")));
        assert!(!looks_like_access_log(&write("empty.log", "")));
        assert!(!looks_like_access_log(&write("junk.log", "hello world\n")));
        let bad_time = combined("a", "10/Oct/2000:13:55:36", "GET / HTTP/1.1");
        assert!(!looks_like_access_log(&write("badtime.log", &bad_time)));
        assert!(!looks_like_access_log(&dir.join("missing.log")));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_long_log_streams_in_bounded_memory() {
        const LINES: u64 = 200_000;
        const PER_SECOND: u64 = 1000;
        let dir = temp_dir("stream");
        let path = dir.join("access.log");
        {
            let mut w = std::io::BufWriter::new(File::create(&path).expect("create"));
            for i in 0..LINES {
                // Every seventh line is logged up to 4 s late, so it arrives out of order.
                let second = (i / PER_SECOND).saturating_sub(if i % 7 == 3 { i % 5 } else { 0 });
                let (m, s) = (second / 60, second % 60);
                writeln!(
                    w,
                    r#"10.0.{}.{} - - [01/Mar/2024:12:{m:02}:{s:02} +0100] "GET /api/{}?n={i} HTTP/1.1" 200 {} "-" "load/1.0" "k{}""#,
                    i % 256,
                    (i / 256) % 256,
                    i % 10,
                    i % 5000,
                    i % 100
                )
                .expect("write");
            }
            w.flush().expect("flush");
        }
        let options = AccessLogOptions { key: KeySource::Field(2), ..Default::default() };
        let mut r = AccessLogReader::open(&path, &options).expect("open");
        let (mut n, mut last, mut ids_sum) = (0u64, 0u64, 0u64);
        for req in r.by_ref() {
            let req = req.expect("read");
            assert!(req.send_ns >= last, "send times go backwards at {}", req.id);
            assert!(req.client_key.as_deref().is_some_and(|k| k.starts_with('k')));
            last = req.send_ns;
            ids_sum += req.id[1..].parse::<u64>().expect("L<n>");
            n += 1;
        }
        assert!(r.bad_lines().is_empty(), "{}", r.bad_lines());
        assert_eq!(n, LINES);
        assert_eq!(ids_sum, LINES * (LINES + 1) / 2, "every line exactly once");
        let end = LINES / PER_SECOND;
        assert!(last >= (end - 1) * NS_PER_S && last < end * NS_PER_S, "{last}");
        // The buffer holds the window (6 whole seconds), never the file.
        assert!(r.peak_buffered <= 7 * PER_SECOND as usize, "{}", r.peak_buffered);
        assert_eq!(r.log_span_s().map(|(a, b)| b - a), Some(end as i64 - 1));

        let summary = AccessLogReader::scan(&path, &options).expect("scan");
        assert_eq!((summary.requests, summary.last_send_ns), (n, last));
        assert!(summary.bad.is_empty());
        assert_eq!(summary.log_span_s, Some((1_709_290_800, 1_709_290_800 + end as i64 - 1)));
        std::fs::remove_dir_all(&dir).ok();
    }
}
