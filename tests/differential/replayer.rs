//! Sends each trace request at its exact time on its own connection (one thread per request,
//! `Connection: close`) from the request's client address (a loopback address bound before
//! connecting: Linux routes all of 127.0.0.0/8 to the loopback interface), and records the status
//! and the `X-Backend` and `X-Gatesim-Id` headers of the answer. Each request carries its id as
//! `X-Request-Id` and `X-Gatesim-Id` (the one Envoy leaves alone, see `backends.rs`); the
//! backends echo it, so a response is matched to its request by what the product returned. The product sees the address as the peer's, so a
//! config keyed on the client address (`$binary_remote_addr`, `src`, Envoy's `remote_address`) is
//! tested as deployed, with no header standing in for it.

use crate::trace_gen::Request;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Longest wait for a whole response.
const RESPONSE_LIMIT: Duration = Duration::from_secs(30);

/// What the client saw for one request.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    /// HTTP status; 0 when there was no valid response.
    pub status: u16,
    /// `X-Backend` header, empty when absent.
    pub backend: String,
    /// The id this request was sent with.
    pub id: String,
    /// `X-Gatesim-Id` of the answer (echoed by the backend), `None` when absent (the product
    /// answered itself).
    pub echoed_id: Option<String>,
    /// How late the connection attempt started, ms.
    pub late_ms: f64,
    /// Time from send to the end of the response, ms.
    pub latency_ms: f64,
    /// A transport error, if any.
    pub error: Option<String>,
}

/// Replays `requests` against `addr`, request `i` at `t0 + send_ms`. Returns one result per request.
pub fn replay(addr: SocketAddr, requests: &[Request], t0: Instant) -> Vec<Seen> {
    let threads: Vec<_> = requests
        .iter()
        .map(|r| {
            let r = r.clone();
            std::thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || send_at(addr, &r, t0 + Duration::from_secs_f64(r.send_ms / 1000.0)))
                .unwrap()
        })
        .collect();
    threads
        .into_iter()
        .zip(requests)
        .map(|(t, r)| {
            t.join().unwrap_or_else(|_| Seen {
                id: r.id.clone(),
                error: Some("replayer thread panicked".into()),
                ..Seen::default()
            })
        })
        .collect()
}

/// A connection to `addr` from the address `from` (any loopback address when `from` is empty or
/// not an IPv4 address).
fn connect_from(from: &str, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let Ok(ip) = from.parse::<std::net::Ipv4Addr>() else {
        return TcpStream::connect_timeout(&addr, Duration::from_secs(2));
    };
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    socket.bind(&SocketAddr::from((ip, 0)).into())?;
    socket.connect_timeout(&addr.into(), Duration::from_secs(2))?;
    Ok(socket.into())
}

fn send_at(addr: SocketAddr, r: &Request, at: Instant) -> Seen {
    // Sleep to just before the time, then spin (yielding) to it.
    let early = Duration::from_micros(1500);
    if let Some(d) = at.checked_duration_since(Instant::now()).and_then(|d| d.checked_sub(early)) {
        std::thread::sleep(d);
    }
    while Instant::now() < at {
        std::thread::yield_now();
    }
    let started = Instant::now();
    let late_ms = started.saturating_duration_since(at).as_secs_f64() * 1000.0;
    let mut seen = Seen { late_ms, id: r.id.clone(), ..Seen::default() };
    let mut head =
        format!("GET {} HTTP/1.1\r\nHost: gatesim\r\nX-Request-Id: {id}\r\nX-Gatesim-Id: {id}\r\n", r.path, id = r.id);
    if !r.status.is_empty() {
        // What the backends answer (the trace's `status` column): read by `backends.rs` only.
        head.push_str(&format!("X-Gatesim-Status: {}\r\n", r.status));
    }
    head.push_str(&format!("X-Service-Ms: {}\r\nConnection: close\r\n\r\n", r.service_ms));
    let result = (|| -> std::io::Result<Vec<u8>> {
        let mut s = connect_from(&r.client_key, addr)?;
        s.set_nodelay(true)?;
        s.write_all(head.as_bytes())?;
        s.set_read_timeout(Some(RESPONSE_LIMIT))?;
        let mut out = Vec::new();
        let deadline = Instant::now() + RESPONSE_LIMIT;
        let mut chunk = [0u8; 4096];
        while Instant::now() < deadline {
            match s.read(&mut chunk)? {
                0 => break,
                n => out.extend_from_slice(&chunk[..n]),
            }
        }
        Ok(out)
    })();
    seen.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Err(e) => seen.error = Some(e.to_string()),
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let mut lines = text.split("\r\n");
            seen.status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
            for l in lines.take_while(|l| !l.is_empty()) {
                if let Some((k, v)) = l.split_once(':') {
                    if k.trim().eq_ignore_ascii_case("x-backend") {
                        seen.backend = v.trim().to_string();
                    } else if k.trim().eq_ignore_ascii_case("x-gatesim-id") {
                        seen.echoed_id = Some(v.trim().to_string());
                    }
                }
            }
            if seen.status == 0 {
                seen.error = Some(format!("no HTTP status in {:?}", text.chars().take(80).collect::<String>()));
            }
        }
    }
    seen
}
