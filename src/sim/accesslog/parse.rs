//! One line of a combined/common log: its fields, its time and its request line.

use super::KeySource;
use std::borrow::Cow;

/// The fields of a combined/common line.
#[derive(Debug)]
pub(super) struct Shape<'a> {
    host: &'a str,
    user: &'a str,
    pub(super) time: &'a str,
    pub(super) request: Cow<'a, str>,
    /// The quoted fields after the byte count.
    pub(super) quoted: Vec<Cow<'a, str>>,
}

/// What a good line gives.
#[derive(Debug, PartialEq)]
pub(super) struct Entry {
    pub(super) time_s: i64,
    pub(super) key: Option<String>,
    pub(super) path: String,
}

pub(super) fn parse_entry(line: &str, key: &KeySource) -> Result<Entry, String> {
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
pub(super) fn parse_shape(line: &str) -> Result<Shape<'_>, String> {
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
pub(super) fn parse_time(s: &str) -> Option<i64> {
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
pub(super) fn request_path(request: &str) -> Result<String, String> {
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
