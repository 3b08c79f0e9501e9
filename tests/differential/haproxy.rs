//! Debian's HAProxy 2.6: validate an exported config with `haproxy -c` and run it in the foreground.

use crate::process::{Running, find_binary, run_checked, start};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The haproxy binary, if installed.
pub fn binary() -> Option<PathBuf> {
    find_binary("haproxy")
}

/// `haproxy -c -f CONFIG`.
pub fn validate(bin: &Path, config: &Path) -> Result<(), String> {
    let mut c = Command::new(bin);
    c.arg("-c").arg("-f").arg(config);
    run_checked(c)
}

/// Starts a fresh haproxy with `config` and waits until it accepts connections on `listen`.
pub fn start_haproxy(bin: &Path, config: &Path, workdir: &Path, listen: SocketAddr) -> Result<Running, String> {
    let mut c = Command::new(bin);
    c.arg("-f").arg(config);
    start(c, listen, workdir.join("haproxy.out"))
}
