//! `gatesim export`: a gateway of a scenario written as an NGINX or HAProxy config, or the scenario
//! for a scenario-wide target (`export_scenario.rs`).

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::export::{self, ExportOptions, Scope, Target};
use crate::model::load;
use clap::Args;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Arguments of `gatesim export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The product: nginx or haproxy (a gateway), kubernetes, route53 or prometheus (the scenario).
    #[arg(long, value_parser = parse_target)]
    pub target: Target,
    /// The gateway node to export (gateway targets; may be left out when there is one).
    #[arg(long)]
    pub gateway: Option<String>,
    /// Where the gateway listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// An instance's address, `INSTANCE=HOST:PORT` (repeatable). Instances not given get
    /// 127.0.0.1:9001, 9002, ... in pool order.
    #[arg(long = "backend", value_name = "INSTANCE=ADDR", value_parser = parse_backend)]
    pub backends: Vec<(String, SocketAddr)>,
    /// Directory for the product's pid file, logs and temporary files.
    #[arg(long, default_value = "/tmp/gatesim")]
    pub workdir: PathBuf,
    /// The scenario file (.ron).
    pub file: PathBuf,
    /// Where to write the config (replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Options of the scenario-wide targets (kubernetes, route53, prometheus).
    #[command(flatten)]
    pub scenario: super::export_scenario::ScenarioArgs,
}

fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
}

fn parse_backend(s: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = s.split_once('=').ok_or_else(|| format!("{s:?}: expected INSTANCE=HOST:PORT"))?;
    let addr: SocketAddr = addr.trim().parse().map_err(|e| format!("{s:?}: bad address: {e}"))?;
    Ok((name.trim().to_owned(), addr))
}

/// Runs `gatesim export`; returns the exit code.
pub fn run(a: &ExportArgs) -> u8 {
    let scenario = match load::load(&a.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if a.target.scope() == Scope::Scenario {
        return super::export_scenario::run(a, &scenario);
    }
    let gateway = match export::the_gateway(&scenario, a.gateway.as_deref()) {
        Ok(g) => g.to_owned(),
        Err(e) => {
            eprintln!("error: {}: {e}", a.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    let names = match export::instances(&scenario, &gateway) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}: {e}", a.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    let mut backends = BTreeMap::new();
    for (name, addr) in &a.backends {
        if !names.contains(name) {
            eprintln!(
                "error: --backend {name}: no such instance behind gateway {:?} (instances: {})",
                gateway,
                names.join(", ")
            );
            return EXIT_BAD_INPUT;
        }
        backends.insert(name.clone(), *addr);
    }
    let mut next_port = 9001u16;
    for name in &names {
        if !backends.contains_key(name) {
            let addr = SocketAddr::from(([127, 0, 0, 1], next_port));
            eprintln!("note: {name} has no --backend; using {addr}");
            backends.insert(name.clone(), addr);
        }
        next_port = next_port.saturating_add(1);
    }
    // `-o` must not be the scenario itself (`export -o s.ron s.ron`), nor in a directory that cannot
    // be written.
    if let Err(e) = super::outputs::check(&[a.file.as_path()], &[("-o", a.output.as_path(), false)]) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let options = ExportOptions {
        listen: a.listen,
        backends,
        workdir: a.workdir.clone(),
        header: Vec::new(),
        scenario: Default::default(),
    };
    let config = match export::export(&scenario, Some(&gateway), a.target, &options) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}: {e}", a.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    if let Err(e) = load::write_atomic(&a.output, config.as_bytes()) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    EXIT_OK
}
