//! `gatesim import`: an NGINX or HAProxy config read into a scenario.

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::import::{self, Format};
use crate::model::load;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `gatesim import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The config: an nginx.conf (or a conf.d snippet) or an haproxy.cfg.
    pub file: PathBuf,
    /// Its syntax, nginx or haproxy (default: from the file's name, else its content).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Write the scenario here (replaced atomically) instead of printing it.
    #[arg(short = 'o', long = "output", value_name = "OUT.ron")]
    pub output: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// Runs `gatesim import`; returns the exit code. The scenario goes to `-o` or stdout; what was
/// not mapped is listed on stderr, one entry a line.
pub fn run(a: &ImportArgs) -> u8 {
    if let Some(out) = &a.output
        && let Err(e) = super::outputs::check(&[a.file.as_path()], &[("-o", out.as_path(), false)])
    {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let imported = match import::import_file(&a.file, a.format) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    // An output must not replace a file the config includes either.
    if let Some(out) = &a.output {
        let inputs: Vec<&std::path::Path> = imported.files.iter().map(PathBuf::as_path).collect();
        if let Err(e) = super::outputs::check(&inputs, &[("-o", out.as_path(), false)]) {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    for note in &imported.notes {
        match &note.at {
            Some(_) => eprintln!("{note}"),
            None => eprintln!("{}: {note}", a.file.display()),
        }
    }
    let text = load::to_string(&imported.scenario) + "\n";
    match &a.output {
        Some(out) => {
            if let Err(e) = load::write_atomic(out, text.as_bytes()) {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).ok();
            stdout.flush().ok();
        }
    }
    EXIT_OK
}
