//! Times and durations as a person writes them in a scenario file.
//!
//! - [`UtcTime`]: the wall-clock moment of simulated time 0, written `"2024-08-16T14:00:00Z"` (or as
//!   whole seconds since the Unix epoch, the form of format version 1 files).
//! - [`At`]: a moment on the timeline, written as seconds from the start (`90`), a duration from the
//!   start (`"15m"`), or a wall-clock time of day (`"14:30"`, `"14:30:15"`) read against the run's
//!   start, so incident replays read like their postmortems.
//! - [`Span`]: a duration in seconds, written as a number or with units (`"90s"`, `"2m"`, `"1h15m"`,
//!   `"250ms"`, `"30d"`).
//!
//! Calendar arithmetic is the proleptic Gregorian calendar in UTC (days from civil date after
//! Howard Hinnant's public-domain algorithm, "chrono-Compatible Low-Level Date Algorithms").

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const DAY_S: u64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// A wall-clock time of day, `HH:MM` or `HH:MM:SS`, as seconds after midnight.
fn parse_time_of_day(t: &str) -> Option<u32> {
    let mut parts = t.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// A UTC instant, stored as whole seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(pub u64);

impl UtcTime {
    /// Parses `YYYY-MM-DDTHH:MM[:SS]Z` (a space may replace `T`; `Z` or `+00:00` may end it).
    pub fn parse(text: &str) -> Result<UtcTime, String> {
        let expected = || format!("\"{text}\": expected a UTC time like \"2024-08-16T14:00:00Z\"");
        let t = text.trim();
        let t = t.strip_suffix('Z').or_else(|| t.strip_suffix("+00:00")).unwrap_or(t);
        let (date, time) = t.split_once(['T', ' ']).ok_or_else(expected)?;
        let mut d = date.split('-');
        let (Some(y), Some(m), Some(day), None) = (d.next(), d.next(), d.next(), d.next()) else {
            return Err(expected());
        };
        let (y, m, day): (i64, u32, u32) = match (y.parse(), m.parse(), day.parse()) {
            (Ok(y), Ok(m), Ok(day)) => (y, m, day),
            _ => return Err(expected()),
        };
        if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || day == 0 || day > days_in_month(y, m) {
            return Err(expected());
        }
        let tod = parse_time_of_day(time).ok_or_else(expected)?;
        let days = days_from_civil(y, m, day);
        Ok(UtcTime(days as u64 * DAY_S + u64::from(tod)))
    }

    /// Seconds after midnight UTC.
    pub fn time_of_day_s(self) -> u64 {
        self.0 % DAY_S
    }

    /// The instant `offset_s` seconds later as `HH:MM` (or `HH:MM:SS` when the seconds are not 0).
    pub fn clock_after(self, offset_s: f64) -> String {
        let t = (self.0 as f64 + offset_s.max(0.0)).floor() as u64 % DAY_S;
        let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
        if s == 0 { format!("{h:02}:{m:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days((self.0 / DAY_S) as i64);
        let t = self.0 % DAY_S;
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = UtcTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a UTC time like \"2024-08-16T14:00:00Z\" or whole seconds since 1970")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<UtcTime, E> {
                Ok(UtcTime(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<UtcTime, E> {
                u64::try_from(v).map(UtcTime).map_err(|_| E::custom("a start time must not be before 1970"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UtcTime, E> {
                UtcTime::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration in seconds, written as a number of seconds or with units: `"250ms"`, `"90s"`, `"2m"`,
/// `"1h15m"`, `"30d"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Span(pub f64);

impl Span {
    /// `n` seconds.
    pub const fn secs(n: f64) -> Span {
        Span(n)
    }

    /// `n` minutes.
    pub const fn mins(n: f64) -> Span {
        Span(n * 60.0)
    }

    /// Parses a duration with units (`"1h15m"`, `"250ms"`) or a bare number of seconds.
    pub fn parse(text: &str) -> Result<Span, String> {
        let expected = || format!("\"{text}\": expected a duration like \"90s\", \"2m\", \"1h15m\" or \"250ms\"");
        let t = text.trim();
        if let Ok(v) = t.parse::<f64>() {
            return Ok(Span(v));
        }
        if t.is_empty() {
            return Err(expected());
        }
        let mut total = 0.0;
        let mut rest = t;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(expected)?;
            if digits == 0 {
                return Err(expected());
            }
            let value: f64 = rest[..digits].parse().map_err(|_| expected())?;
            rest = &rest[digits..];
            let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
            let scale = match &rest[..unit_len] {
                "ms" => 1e-3,
                "s" => 1.0,
                "m" | "min" => 60.0,
                "h" => 3600.0,
                "d" => 86_400.0,
                _ => return Err(expected()),
            };
            total += value * scale;
            rest = &rest[unit_len..];
        }
        Ok(Span(total))
    }
}

impl fmt::Display for Span {
    /// The shortest exact form: `"1h15m"`, `"90s"` as `"1m30s"`, `"250ms"`, or plain seconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.is_finite() && v > 0.0 && v.fract() == 0.0 && v < 1e12 {
            let mut t = v as u64;
            let d = t / DAY_S;
            t %= DAY_S;
            let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
            for (n, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
                if n > 0 {
                    write!(f, "{n}{unit}")?;
                }
            }
            Ok(())
        } else if v.is_finite() && v > 0.0 && v < 1.0 && (v * 1000.0).fract().abs() < 1e-9 {
            write!(f, "{}ms", (v * 1000.0).round())
        } else {
            write!(f, "{v}s")
        }
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 == 0.0 { s.serialize_f64(0.0) } else { s.serialize_str(&self.to_string()) }
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: seconds, or a string like \"90s\", \"2m\", \"1h15m\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Span, E> {
                Ok(Span(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Span, E> {
                Ok(Span(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Span, E> {
                Ok(Span(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Span, E> {
                Span::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A moment on the timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum At {
    /// Seconds after the start of the run (written as a number or a duration string).
    Offset(Span),
    /// A wall-clock time of day, seconds after midnight UTC, read against `run.start`: the first
    /// such moment at or after the start.
    Clock(u32),
}

impl At {
    /// Seconds after the start of the run, for a run starting at `start`.
    pub fn offset_s(self, start: UtcTime) -> f64 {
        match self {
            At::Offset(s) => s.0,
            At::Clock(tod) => ((i64::from(tod) - start.time_of_day_s() as i64).rem_euclid(DAY_S as i64)) as f64,
        }
    }

    /// Parses `"14:30"`, `"14:30:15"`, or a duration from the start (`"15m"`, `"90"`).
    pub fn parse(text: &str) -> Result<At, String> {
        if text.contains(':') {
            return parse_time_of_day(text.trim())
                .map(At::Clock)
                .ok_or_else(|| format!("\"{text}\": expected a time of day like \"14:30\" or \"14:30:15\""));
        }
        Span::parse(text).map(At::Offset)
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            At::Offset(s) => write!(f, "{s}"),
            At::Clock(t) => {
                let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
                if s == 0 { write!(f, "{h:02}:{m:02}") } else { write!(f, "{h:02}:{m:02}:{s:02}") }
            }
        }
    }
}

impl Serialize for At {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            At::Offset(span) => span.serialize(s),
            At::Clock(_) => s.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for At {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = At;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time: seconds from the start, a duration like \"15m\", or a time of day like \"14:30\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<At, E> {
                Ok(At::Offset(Span(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<At, E> {
                Ok(At::Offset(Span(v as f64)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<At, E> {
                Ok(At::Offset(Span(v as f64)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<At, E> {
                At::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_parse_and_print() {
        let t = UtcTime::parse("2024-08-16T14:00:00Z").unwrap();
        assert_eq!(t.0, 1_723_816_800);
        assert_eq!(t.to_string(), "2024-08-16T14:00:00Z");
        assert_eq!(UtcTime::parse("1970-01-01 00:00").unwrap().0, 0);
        assert_eq!(UtcTime::parse("2000-02-29T12:00:00+00:00").unwrap().to_string(), "2000-02-29T12:00:00Z");
        for bad in ["2023-02-29T00:00:00Z", "2024-13-01T00:00Z", "14:30", "2024-08-16", "2024-08-16T25:00Z"] {
            assert!(UtcTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1, 0, 59, 365, 11_016, 19_951, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn spans_parse_and_print_in_their_shortest_form() {
        assert_eq!(Span::parse("1h15m").unwrap().0, 4500.0);
        assert_eq!(Span::parse("250ms").unwrap().0, 0.25);
        assert_eq!(Span::parse("90").unwrap().0, 90.0);
        assert_eq!(Span::parse("1.5m").unwrap().0, 90.0);
        assert_eq!(Span(90.0).to_string(), "1m30s");
        assert_eq!(Span(4500.0).to_string(), "1h15m");
        assert_eq!(Span(0.25).to_string(), "250ms");
        assert_eq!(Span(2_592_000.0).to_string(), "30d");
        for bad in ["", "m", "5x", "1h-2m", "ms5"] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clock_times_are_read_against_the_start() {
        let start = UtcTime::parse("2024-08-16T14:00:00Z").unwrap();
        assert_eq!(At::parse("14:30").unwrap().offset_s(start), 1800.0);
        assert_eq!(At::parse("15:45:30").unwrap().offset_s(start), 6330.0);
        // A time of day before the start's is the next day's.
        assert_eq!(At::parse("13:00").unwrap().offset_s(start), 23.0 * 3600.0);
        assert_eq!(At::parse("15m").unwrap().offset_s(start), 900.0);
        assert_eq!(start.clock_after(1800.0), "14:30");
    }

    #[test]
    fn values_round_trip_through_ron() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct T {
            a: At,
            b: At,
            s: Span,
            u: UtcTime,
        }
        let t: T = ron::from_str(r#"(a: "14:30", b: 90, s: "2m", u: "2024-08-16T14:00:00Z")"#).unwrap();
        assert_eq!(t.a, At::Clock(52_200));
        assert_eq!(t.b, At::Offset(Span(90.0)));
        let text = ron::to_string(&t).unwrap();
        assert_eq!(ron::from_str::<T>(&text).unwrap(), t);
        let legacy: T = ron::from_str(r#"(a: 0, b: "1h", s: 1.5, u: 1723816800)"#).unwrap();
        assert_eq!(legacy.u.to_string(), "2024-08-16T14:00:00Z");
    }
}
