use super::parse::{parse_shape, parse_time, request_path};
use super::*;
use crate::sim::time::NS_PER_S;
use crate::sim::trace::TraceRequest;
use std::fs::File;
use std::io::BufReader;
use std::io::{Cursor as IoCursor, Read, Write};
use std::path::{Path, PathBuf};

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
            status: Vec::new(),
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
    let text =
        [at(0), at(2), at(4), at(4)].iter().map(|t| combined("a", t, "GET / HTTP/1.1")).collect::<Vec<_>>().join("\n");
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
    let text = format!("{}\n{}\n", combined("a", &at(0), "GET / HTTP/1.1"), combined("b", &at(9), "GET / HTTP/1.1"));
    let input = BufReader::new(Failing(IoCursor::new(text.into_bytes())));
    let mut r = AccessLogReader::from_reader(Path::new("f.log"), input, &AccessLogOptions::default()).expect("options");
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
