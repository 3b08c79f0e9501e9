//! Debian's nginx 1.22: validate an exported config with `nginx -t` and run it in the foreground.

use crate::process::{Running, find_binary, run_checked, start};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The nginx binary, if installed.
pub fn binary() -> Option<PathBuf> {
    find_binary("nginx")
}

/// `nginx -t -c CONFIG` (the error log is the workdir's, so no system path is touched).
pub fn validate(bin: &Path, config: &Path, workdir: &Path) -> Result<(), String> {
    let mut c = Command::new(bin);
    c.arg("-e").arg(workdir.join("error.log")).arg("-p").arg(workdir).arg("-t").arg("-c").arg(config);
    run_checked(c)
}

/// Starts a fresh nginx with `config` and waits until it accepts connections on `listen`.
pub fn start_nginx(bin: &Path, config: &Path, workdir: &Path, listen: SocketAddr) -> Result<Running, String> {
    let mut c = Command::new(bin);
    c.arg("-e").arg(workdir.join("error.log")).arg("-p").arg(workdir).arg("-c").arg(config);
    start(c, listen, workdir.join("error.log"))
}
