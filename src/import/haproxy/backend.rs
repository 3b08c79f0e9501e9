//! A `backend` (or `listen`) section to a pool: `balance`, `server` lines (with `default-server`
//! and the `defaults` section), checks, and `retries`/`option redispatch`/`timeout connect` as
//! `HaproxyRetries`.

use super::{Reader, is_proxy_keyword};
use crate::import::haproxy_syntax::{Line, time_ms};
use crate::import::{ImportError, IrPool, IrServer, Loc, NoteKind, at};
use crate::model::{ActiveCheck, Balance, Failover};
use std::collections::BTreeSet;

/// Whether a server parameter is a flag (takes no value).
fn is_flag(p: &str) -> bool {
    let valued = ["check-sni", "check-alpn", "check-proto", "check-reuse-pool"];
    matches!(
        p,
        "check"
            | "backup"
            | "disabled"
            | "enabled"
            | "ssl"
            | "agent-check"
            | "allow-0rtt"
            | "non-stick"
            | "stick"
            | "tfo"
            | "tls-tickets"
            | "ssl-reuse"
            | "sslv3"
            | "tlsv10"
            | "tlsv11"
            | "tlsv12"
            | "tlsv13"
    ) || p.starts_with("no-")
        || p.starts_with("force-")
        || p.starts_with("send-proxy")
        || (p.starts_with("check-") && !valued.contains(&p))
}

impl Reader<'_> {
    /// The pool of a backend: balance, servers, checks, failover.
    pub(super) fn pool(&mut self, name: &str) -> Result<IrPool, ImportError> {
        let Some(be) = self.backends.get(name) else {
            return Err(ImportError::File {
                path: Default::default(),
                message: format!("backend {name:?} is not defined"),
            });
        };
        let (at_be, lines): (Loc, Vec<Line>) = (be.at.clone(), be.defaults.iter().chain(&be.lines).cloned().collect());
        let own: BTreeSet<usize> = be.lines.iter().map(|l| l.at.line).collect();
        let mut algorithm = Balance::HaproxyRoundRobin;
        let (mut retries, mut redispatch, mut connect_ms) = (3u32, false, None);
        let mut default_server: Vec<String> = Vec::new();
        let mut servers = Vec::new();
        let mut check: Option<(ActiveCheck, Loc)> = None;
        let mut unchecked = None;
        for l in &lines {
            let mine = own.contains(&l.at.line);
            match (l.word(0), l.word(1)) {
                ("balance", b) => {
                    algorithm = match b {
                        "roundrobin" => Balance::HaproxyRoundRobin,
                        "leastconn" => Balance::HaproxyLeastConn,
                        "first" => Balance::HaproxyFirst,
                        "source" => Balance::HaproxySource,
                        "static-rr" => {
                            self.note_once(
                                &l.at,
                                NoteKind::NotMapped,
                                "static-rr: simulated as roundrobin (weights do not change at run time)",
                            );
                            Balance::HaproxyRoundRobin
                        }
                        other => {
                            self.note_once(
                                &l.at,
                                NoteKind::NotMapped,
                                format!("balance {other}: not simulated; balanced as roundrobin"),
                            );
                            Balance::HaproxyRoundRobin
                        }
                    }
                }
                ("retries", n) => {
                    retries = n.parse().map_err(|_| at(&l.at, format!("retries {n:?} is not a number")))?
                }
                ("option", "redispatch") => {
                    redispatch = l.word(2).parse::<i64>() != Ok(0);
                }
                ("no", "option") if l.word(2) == "redispatch" => redispatch = false,
                ("timeout", "connect") => {
                    connect_ms = Some(
                        time_ms(l.word(2), 1)
                            .ok_or_else(|| at(&l.at, format!("timeout connect {:?} is not a time", l.word(2))))?,
                    );
                }
                ("default-server", _) => default_server = l.words[1..].to_vec(),
                ("server", _) => {
                    let srv = l.word(1).to_owned();
                    if l.words.len() < 3 {
                        return Err(at(&l.at, "server: expected a name and an address"));
                    }
                    let mut params = default_server.clone();
                    params.extend(l.words[3..].iter().cloned());
                    let mut weight = 1u32;
                    let mut c = ActiveCheck::default();
                    let (mut checked, mut takes_traffic) = (false, true);
                    let mut i = 0;
                    while i < params.len() {
                        let p = params[i].as_str();
                        let v = params.get(i + 1).map_or("", String::as_str);
                        i += if is_flag(p) { 1 } else { 2 };
                        let number = |what: &str| -> Result<u32, ImportError> {
                            v.parse().map_err(|_| at(&l.at, format!("server {srv}: {what} {v:?} is not a number")))
                        };
                        match p {
                            "weight" => weight = number("weight")?,
                            "check" => checked = true,
                            "no-check" => checked = false,
                            "inter" => {
                                c.inter_ms = time_ms(v, 1)
                                    .ok_or_else(|| at(&l.at, format!("server {srv}: inter {v:?} is not a time")))?
                            }
                            "rise" => c.rise = number("rise")?,
                            "fall" => c.fall = number("fall")?,
                            "backup" | "disabled" => {
                                self.note_once(
                                    &l.at,
                                    NoteKind::NotMapped,
                                    format!("server {srv} is {p}: it takes no traffic in the simulation"),
                                );
                                takes_traffic = false;
                            }
                            "maxconn" | "slowstart" | "maxqueue" | "track" | "observe" => {
                                self.note_once(
                                    &l.at,
                                    NoteKind::NotMapped,
                                    format!("server {srv}: {p} is not simulated"),
                                );
                            }
                            _ => {}
                        }
                    }
                    if weight > 256 {
                        return Err(at(&l.at, format!("server {srv}: weight {weight} is above HAProxy's 256")));
                    }
                    if weight == 0 {
                        self.note_once(
                            &l.at,
                            NoteKind::NotMapped,
                            format!("server {srv} has weight 0: it takes no new traffic, not imported"),
                        );
                        takes_traffic = false;
                    }
                    if !takes_traffic {
                        continue;
                    }
                    if checked {
                        match &check {
                            None => check = Some((c, l.at.clone())),
                            Some((first, _)) if *first != c => self.note_once(&l.at, NoteKind::NotMapped, format!(
                                "server {srv}: check settings differ from the first checked server's: the simulated balancer checks all alike, as the first"
                            )),
                            Some(_) => {}
                        }
                    } else {
                        unchecked.get_or_insert_with(|| l.at.clone());
                    }
                    servers.push(IrServer { name: Some(srv), weight, at: l.at.clone() });
                }
                _ if mine
                    && !matches!(
                        l.word(0),
                        "acl"
                            | "http-request"
                            | "stick-table"
                            | "mode"
                            | "timeout"
                            | "use_backend"
                            | "default_backend"
                            | "bind"
                            | "tcp-request"
                    )
                    && !is_proxy_keyword(l) =>
                {
                    self.classify(l);
                }
                _ => {}
            }
        }
        if let (Some(_), Some(loc)) = (&check, &unchecked) {
            self.note_once(
                loc,
                NoteKind::NotMapped,
                "a server without check in a backend whose other servers are checked: the simulation checks all",
            );
        }
        let connect_timeout_ms = match connect_ms {
            Some(ms) => ms.max(1),
            None => {
                self.note(
                    &at_be,
                    NoteKind::NotMapped,
                    format!("backend {name}: no timeout connect (HAProxy waits without bound): simulated as 5000 ms"),
                );
                5000
            }
        };
        let failover = Failover::HaproxyRetries { retries, redispatch, connect_timeout_ms };
        Ok(IrPool { name: name.to_owned(), at: at_be, algorithm, failover, check: check.map(|c| c.0), servers })
    }
}
