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
//!
//! [`TraceRequest`]: super::trace::TraceRequest
//! [`TraceError`]: super::trace::TraceError

use std::fmt;
use std::str::FromStr;

mod parse;
mod reader;
#[cfg(test)]
mod tests;

pub use reader::{AccessLogReader, looks_like_access_log};

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
