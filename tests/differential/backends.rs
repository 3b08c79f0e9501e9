//! In-process loopback HTTP/1.1 backends: each answers `200` (or the status the request's
//! `X-Gatesim-Status` gives it, the trace's `status` column) with its instance name in the
//! `X-Backend` header and the body, after sleeping the request's `X-Service-Ms`. Each logs the
//! id of every request it receives (in arrival order, shared by all backends: a retry or failover
//! path is observable) and echoes it back as an `X-Gatesim-Id` response header. The id is the
//! replayer's `X-Gatesim-Id` (else `X-Request-Id`): Envoy replaces the `X-Request-Id` of an edge
//! request with a UUID of its own (`use_remote_address`, a loopback client is external, and
//! `preserve_external_request_id` is false by default), so the harness carries its id in a header
//! no product touches. A backend can be
//! taken down (its listener is closed, so new connections are refused; requests in flight finish)
//! and brought back up (it listens again on the same port) at exact times of a schedule.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a backend polls its listener and its schedule.
const POLL: Duration = Duration::from_micros(200);
/// Longest a connection handler waits for a request or sleeps for service.
const HANDLER_LIMIT: Duration = Duration::from_secs(20);

/// A schedule armed at trace start: (ms from `t0`, up?) per backend, in time order.
type Schedule = Arc<Mutex<Option<(Instant, Vec<(f64, bool)>)>>>;

/// Requests received, in arrival order: (request id, instance).
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A health-check path and the status each instance answers on it (others: 200).
type Health = Arc<Mutex<Option<(String, BTreeMap<String, u16>)>>>;

/// A set of running backends.
pub struct Backends {
    /// Address of each instance.
    pub addrs: BTreeMap<String, SocketAddr>,
    received: Received,
    health: Health,
    schedules: BTreeMap<String, Schedule>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Backends {
    /// Starts one backend per name on a free loopback port.
    pub fn start(names: &[String]) -> Backends {
        let stop = Arc::new(AtomicBool::new(false));
        let mut addrs = BTreeMap::new();
        let mut schedules = BTreeMap::new();
        let mut threads = Vec::new();
        let received: Received = Arc::new(Mutex::new(Vec::new()));
        let health: Health = Arc::new(Mutex::new(None));
        for name in names {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let addr = listener.local_addr().unwrap();
            let schedule: Schedule = Arc::new(Mutex::new(None));
            addrs.insert(name.clone(), addr);
            schedules.insert(name.clone(), schedule.clone());
            let (name, stop, log) = (name.clone(), stop.clone(), (received.clone(), health.clone()));
            threads.push(
                std::thread::Builder::new()
                    .name(format!("backend-{name}"))
                    .spawn(move || serve(name, addr, listener, schedule, stop, log))
                    .unwrap(),
            );
        }
        Backends { addrs, received, health, schedules, stop, threads }
    }

    /// Answers requests for `path` (HTTP health checks) with `status[instance]`, 200 for others.
    pub fn set_health(&self, path: &str, status: BTreeMap<String, u16>) {
        *self.health.lock().unwrap() = Some((path.to_string(), status));
    }

    /// The instances each request id reached, in order (requests without an id, such as HTTP
    /// health checks, are left out).
    pub fn received(&self) -> BTreeMap<String, Vec<String>> {
        let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (id, name) in self.received.lock().unwrap().iter().filter(|(id, _)| !id.is_empty()) {
            by_id.entry(id.clone()).or_default().push(name.clone());
        }
        by_id
    }

    /// Arms the outage schedule: `events` are (ms from `t0`, instance, up?) in time order.
    pub fn arm(&self, t0: Instant, events: &[(f64, String, bool)]) {
        for (name, sched) in &self.schedules {
            let mine: Vec<(f64, bool)> = events.iter().filter(|e| &e.1 == name).map(|e| (e.0, e.2)).collect();
            *sched.lock().unwrap() = Some((t0, mine));
        }
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            t.join().ok();
        }
    }
}

/// Whether the backend should be listening now.
fn wanted_up(schedule: &Schedule) -> bool {
    let guard = schedule.lock().unwrap();
    let Some((t0, events)) = guard.as_ref() else { return true };
    let now_ms = t0.elapsed().as_secs_f64() * 1000.0;
    events.iter().take_while(|e| e.0 <= now_ms).last().is_none_or(|e| e.1)
}

fn serve(
    name: String,
    addr: SocketAddr,
    listener: TcpListener,
    schedule: Schedule,
    stop: Arc<AtomicBool>,
    log: (Received, Health),
) {
    let mut listener = Some(listener);
    while !stop.load(Ordering::SeqCst) {
        let up = wanted_up(&schedule);
        if !up {
            // Closing the listener makes the kernel refuse new connections (and reset any not accepted).
            listener = None;
        } else if listener.is_none() {
            // Listen again on the same port (std sets SO_REUSEADDR); retry on the next poll if busy.
            if let Ok(l) = TcpListener::bind(addr)
                && l.set_nonblocking(true).is_ok()
            {
                listener = Some(l);
            }
        }
        if let Some(l) = &listener {
            loop {
                match l.accept() {
                    Ok((stream, _)) => {
                        let (name, log) = (name.clone(), log.clone());
                        std::thread::Builder::new()
                            .stack_size(128 * 1024)
                            .spawn(move || handle(&name, stream, &log.0, &log.1))
                            .ok();
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => break,
                }
            }
        }
        std::thread::sleep(POLL);
    }
}

/// Serves one connection: one request, then close. Connections closed without a request (TCP
/// health checks) are fine.
fn handle(name: &str, mut stream: TcpStream, log: &Received, health: &Health) {
    stream.set_nonblocking(false).ok();
    stream.set_nodelay(true).ok();
    stream.set_read_timeout(Some(HANDLER_LIMIT)).ok();
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]);
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let service_ms: u64 = header("x-service-ms").and_then(|v| v.parse().ok()).unwrap_or(0);
    let id = header("x-gatesim-id").or_else(|| header("x-request-id")).unwrap_or_default();
    log.lock().unwrap().push((id.clone(), name.to_string()));
    let echo = if id.is_empty() { String::new() } else { format!("X-Gatesim-Id: {id}\r\n") };
    let wait = Duration::from_millis(service_ms).min(HANDLER_LIMIT);
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
    // The health-check path answers with the instance's health status; a request, with the
    // status the trace gives this instance (`X-Gatesim-Status`), else 200.
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let code = match health.lock().unwrap().as_ref() {
        Some((p, by)) if p == path => by.get(name).copied().unwrap_or(200),
        _ => header("x-gatesim-status").map_or(200, |cell| crate::trace_status::answer(&cell, name)),
    };
    let reason = match code {
        200 => "OK",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nX-Backend: {name}\r\n{echo}Content-Length: {}\r\nConnection: close\r\n\r\n{name}",
        name.len()
    );
    stream.write_all(response.as_bytes()).ok();
    stream.flush().ok();
    stream.shutdown(std::net::Shutdown::Write).ok();
    // Let the peer read before the socket closes (a close with unread input would send a reset).
    stream.set_read_timeout(Some(Duration::from_millis(200))).ok();
    let mut rest = [0u8; 256];
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        match stream.read(&mut rest) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}
