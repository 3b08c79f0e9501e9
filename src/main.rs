//! The `gatesim` binary: parses the command line and hands over to the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = gatesim::cli::Cli::parse();
    gatesim::cli::run(cli)
}
