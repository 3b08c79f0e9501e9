//! An `upstream` block to a pool: the method (`least_conn`, `ip_hash`, `hash KEY [consistent]`,
//! `random two [least_conn]`,
//! smooth weighted round robin by default) with the servers' `max_fails`/`fail_timeout`, and the
//! servers' weights. `backup` and `down` servers take no traffic and are listed.

use super::{Reader, Upstream, number, time_ms};
use crate::import::nginx_syntax::Directive;
use crate::import::{ImportError, IrServer, NoteKind, at};
use crate::model::Balance;

impl Reader<'_> {
    pub(super) fn upstream(&mut self, d: &Directive) -> Result<(), ImportError> {
        let [name] = d.args.as_slice() else { return Err(at(&d.at, "upstream takes one name")) };
        if self.upstreams.contains_key(&name.to_ascii_lowercase()) {
            return Err(at(&d.at, format!("duplicate upstream {name:?}")));
        }
        let mut method: Option<(&str, bool)> = None;
        let mut health: Option<(u32, u32)> = None;
        let mut servers = Vec::new();
        for s in d.block.as_deref().unwrap_or_default() {
            match s.name.as_str() {
                "least_conn" | "ip_hash" => {
                    method = Some((if s.name == "least_conn" { "least_conn" } else { "ip_hash" }, false))
                }
                "hash" => {
                    let key = s.args.first().ok_or_else(|| at(&s.at, "hash: expected a key"))?;
                    if !["$remote_addr", "$binary_remote_addr", "$http_x_client_key", "$http_x_api_key"]
                        .contains(&key.as_str())
                    {
                        self.note(
                            s,
                            NoteKind::NotMapped,
                            format!("key {key}: the simulated hash is on the client's key"),
                        );
                    }
                    method = Some(("hash", s.args.get(1).is_some_and(|a| a == "consistent")));
                }
                // `random two least_conn` (`least_conn` is the default and only method after `two`).
                "random" if s.args.first().is_some_and(|a| a == "two") => method = Some(("random two", false)),
                "random" | "sticky" | "ntlm" => {
                    self.note(s, NoteKind::NotMapped, "not simulated; balanced as smooth weighted round robin")
                }
                "server" => {
                    let Some(addr) = s.args.first() else { return Err(at(&s.at, "server: expected an address")) };
                    let (mut weight, mut max_fails, mut fail_timeout_s, mut takes_traffic) = (1u32, 1u32, 10u32, true);
                    for p in &s.args[1..] {
                        let (k, v) = p.split_once('=').unwrap_or((p.as_str(), ""));
                        match k {
                            "weight" => weight = number(s, "weight", v)?,
                            "max_fails" => max_fails = number(s, "max_fails", v)?,
                            "fail_timeout" => {
                                let ms = time_ms(v).filter(|ms| ms % 1000 == 0 && !v.contains("ms"));
                                let ms = ms.ok_or_else(|| {
                                    at(&s.at, format!("server: fail_timeout {v:?} is not a time in whole seconds"))
                                })?;
                                fail_timeout_s = u32::try_from(ms / 1000)
                                    .map_err(|_| at(&s.at, "server: fail_timeout is too long"))?;
                            }
                            "backup" | "down" => {
                                self.note(
                                    s,
                                    NoteKind::NotMapped,
                                    format!("{addr} is a {k} server: it takes no traffic in the simulation"),
                                );
                                takes_traffic = false;
                            }
                            "max_conns" | "slow_start" => {
                                self.note(s, NoteKind::NotMapped, format!("{k} is not simulated"))
                            }
                            "resolve" | "service" | "route" => {
                                self.note(s, NoteKind::Ignored, format!("{k}: address resolution"))
                            }
                            _ => return Err(at(&s.at, format!("server: unknown parameter {p:?}"))),
                        }
                    }
                    if weight == 0 {
                        return Err(at(&s.at, "server: weight must be at least 1"));
                    }
                    if !takes_traffic {
                        continue;
                    }
                    match health {
                        None => health = Some((max_fails, fail_timeout_s)),
                        Some(h) if h != (max_fails, fail_timeout_s) => self.note(s, NoteKind::NotMapped, format!(
                            "max_fails={max_fails} fail_timeout={fail_timeout_s}s differs from the first server's ({}, {}s): the simulated balancer uses the first server's for all",
                            h.0, h.1
                        )),
                        Some(_) => {}
                    }
                    servers.push(IrServer { name: None, weight, at: s.at.clone() });
                }
                _ => self.unknown_or_ignored(s),
            }
        }
        let (max_fails, fail_timeout_s) = health.unwrap_or((1, 10));
        let algorithm = match method {
            None => Balance::NginxRoundRobin { max_fails, fail_timeout_s },
            Some(("least_conn", _)) => Balance::NginxLeastConn { max_fails, fail_timeout_s },
            Some(("ip_hash", _)) => Balance::NginxIpHash { max_fails, fail_timeout_s },
            Some(("random two", _)) => Balance::NginxRandomTwo { max_fails, fail_timeout_s },
            Some((_, consistent)) => Balance::NginxHash { consistent, max_fails, fail_timeout_s },
        };
        self.upstreams
            .insert(name.to_ascii_lowercase(), Upstream { name: name.clone(), at: d.at.clone(), algorithm, servers });
        Ok(())
    }
}
