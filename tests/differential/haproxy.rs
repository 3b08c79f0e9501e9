//! Debian's HAProxy 2.6: validate an exported config with `haproxy -c` and run it in the foreground.
//!
//! The export has no `global` section (the host keeps its own). The harness layer is a `global`
//! file of the tests' own ([`harness`]), read first (`-f harness -f export`), as a host loads its
//! global settings before a site's file; `-db` keeps the process in the foreground.

use crate::process::{Running, find_binary, run_checked, start};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The haproxy binary, if installed.
pub fn binary() -> Option<PathBuf> {
    find_binary("haproxy")
}

/// Writes the harness's global section (one thread, as the tests' timing assumes) and returns its
/// path.
pub fn harness(workdir: &Path) -> PathBuf {
    let path = workdir.join("harness-global.cfg");
    let text = "# Test harness: a host's global section; the exported file is read after it, unchanged.\nglobal\n    nbthread 1\n";
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// `haproxy -c -f HARNESS -f CONFIG`.
pub fn validate(bin: &Path, config: &Path, workdir: &Path) -> Result<(), String> {
    let mut c = Command::new(bin);
    c.arg("-c").arg("-f").arg(harness(workdir)).arg("-f").arg(config);
    run_checked(c)
}

/// Starts a fresh haproxy with `config` and waits until it accepts connections on `listen`.
pub fn start_haproxy(bin: &Path, config: &Path, workdir: &Path, listen: SocketAddr) -> Result<Running, String> {
    let mut c = Command::new(bin);
    c.arg("-db").arg("-f").arg(harness(workdir)).arg("-f").arg(config);
    start(c, listen, workdir.join("haproxy.out"))
}
