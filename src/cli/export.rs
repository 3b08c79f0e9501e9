//! `gatesim export`: a scenario (or one gateway of it) written as a real product's config, after
//! the scenario was simulated and met its SLOs (`export::validated`).

use super::{EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK};
use crate::export::validated::{self, Request, ValidatedError};
use crate::export::{self, ExportOptions, Scope, Target};
use crate::model::load;
use crate::sim::RunOptions;
use clap::Args;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Arguments of `gatesim export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The product (nginx, haproxy, ...; `gatesim export --help` lists them).
    #[arg(long, value_parser = parse_target)]
    pub target: Target,
    /// The gateway node to export (needed only when the scenario has several).
    #[arg(long)]
    pub gateway: Option<String>,
    /// Where the gateway listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// An instance's address, `INSTANCE=HOST:PORT` (repeatable). Instances not given get
    /// 127.0.0.1:9001, 9002, ... in pool order.
    #[arg(long = "backend", value_name = "INSTANCE=ADDR", value_parser = parse_backend)]
    pub backends: Vec<(String, SocketAddr)>,
    /// Export even when the simulated design breaks its SLOs (the file's header says which).
    #[arg(long)]
    pub force: bool,
    /// Seed of the validating run (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replicates of the validating run (default: the scenario's).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// The scenario file (.ron).
    pub file: PathBuf,
    /// Where to write the config (replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
}

fn parse_backend(s: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = s.split_once('=').ok_or_else(|| format!("{s:?}: expected INSTANCE=HOST:PORT"))?;
    let addr: SocketAddr = addr.trim().parse().map_err(|e| format!("{s:?}: bad address: {e}"))?;
    Ok((name.trim().to_owned(), addr))
}

/// Runs `gatesim export`; returns the exit code: 0 written, 1 the design breaks its SLOs (nothing
/// written), 2 bad input or a policy the target cannot express.
pub fn run(a: &ExportArgs) -> u8 {
    let source = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: {e}", a.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    let scenario = match load::load(&a.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut backends = BTreeMap::new();
    if a.target.scope() == Scope::Gateway {
        let gateway = match export::the_gateway(&scenario, a.gateway.as_deref()) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("error: {}: {e}", a.file.display());
                return EXIT_BAD_INPUT;
            }
        };
        let names = match export::instances(&scenario, gateway) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("error: {}: {e}", a.file.display());
                return EXIT_BAD_INPUT;
            }
        };
        for (name, addr) in &a.backends {
            if !names.contains(name) {
                eprintln!(
                    "error: --backend {name}: no such instance behind gateway {gateway:?} (instances: {})",
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
    }
    // `-o` must not be the scenario itself (`export -o s.ron s.ron`), nor in a directory that cannot
    // be written.
    if let Err(e) = super::outputs::check(&[a.file.as_path()], &[("-o", a.output.as_path(), false)]) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let req = Request {
        target: a.target,
        gateway: a.gateway.as_deref(),
        options: ExportOptions { listen: a.listen, backends, header: Vec::new() },
        force: a.force,
    };
    let run = RunOptions { seed: a.seed, replicates: a.replicates, ..Default::default() };
    let name = a.file.file_name().map_or_else(|| a.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let exported = match validated::validated_export(&scenario, &source, &name, &req, &run) {
        Ok(x) => x,
        Err(ValidatedError::BreaksSlos(v)) => {
            eprintln!(
                "error: {}: the simulated design breaks its SLOs, so no {} config was written: {}",
                a.file.display(),
                a.target,
                v.describe()
            );
            eprintln!("  (fix the design, or export anyway with --force: the file's header will say so)");
            return EXIT_CHECK_FAILED;
        }
        Err(e) => {
            eprintln!("error: {}: {e}", a.file.display());
            return EXIT_BAD_INPUT;
        }
    };
    if let Err(e) = load::write_atomic(&a.output, exported.text.as_bytes()) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    eprintln!("{}", exported.header.last().map_or("", String::as_str));
    EXIT_OK
}
