//! The `gatesim` binary: parses the command line and hands over to the library. Without a
//! subcommand it opens the desktop app (when built with the `gui` feature) on `gatesim FILE`'s
//! file, else `$GATESIM_FILE`, else the bundled example
//! `scenarios/incidents/rate-limit-tightened.ron` (from the current directory, else the built-in
//! copy): the mechanism of the first seed incident.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = gatesim::cli::Cli::parse();
    #[cfg(feature = "gui")]
    if cli.command.is_none() {
        let mut options = gatesim::gui::AppOptions::from_env();
        if let Some(file) = &cli.file {
            options.file = Some(file.clone());
        }
        return match gatesim::gui::run_native(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: could not open the window: {e}");
                ExitCode::from(gatesim::cli::EXIT_BAD_INPUT)
            }
        };
    }
    // A SIGINT or SIGTERM removes the temporary files being written before the process exits, so
    // a killed command leaves the old output or the new one, never a stray temporary file.
    ctrlc::set_handler(|| {
        gatesim::model::load::remove_temporaries();
        std::process::exit(130);
    })
    .ok();
    gatesim::cli::run(cli)
}
