//! gatesim's integration tests: one binary, one module per behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed setup step should stop the test loudly

mod cli;
mod deploy;
mod determinism;
mod dr;
mod engine;
mod fuzz;
#[cfg(feature = "gui")]
mod gui;
mod hostset;
mod import;
mod incident;
mod input;
mod invariants;
mod limits;
mod loader;
mod names;
mod outputs;
mod queueing;
mod regions;
mod replay;
mod shared_limits;
mod timeline;
mod upstream_status;

use std::path::{Path, PathBuf};

/// Path of a file in the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads a bundled scenario, failing the test with the loader's message.
pub fn scenario(rel: &str) -> gatesim::model::Scenario {
    match gatesim::model::load::load(&repo(rel)) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Runs a scenario with default options.
pub fn run(s: &gatesim::model::Scenario) -> gatesim::report::Report {
    match gatesim::sim::run(s, &Default::default()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}
