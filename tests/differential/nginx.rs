//! Debian's nginx 1.22: validate an exported config with `nginx -t` and run it in the foreground.
//!
//! The export is a file for nginx's `http` context, as deployed in `conf.d/`. The harness layer is
//! a main config of the tests' own ([`harness`]) that includes it: the process settings a host
//! would have (foreground, one worker, pid, logs and temporary files in the run's directory).
//! Nothing in the exported file is changed.

use crate::process::{Running, find_binary, run_checked, start};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The nginx binary, if installed.
pub fn binary() -> Option<PathBuf> {
    find_binary("nginx")
}

/// Writes the harness's main config, which includes the exported `export` file, and returns its path.
pub fn harness(export: &Path, workdir: &Path) -> PathBuf {
    let w = workdir.display();
    let mut text = format!(
        "# Test harness: the process settings of a host; the exported file is included unchanged.\n\
         daemon off;\nmaster_process off;\nworker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/error.log notice;\n\
         events {{\n    worker_connections 1024;\n}}\nhttp {{\n    access_log off;\n"
    );
    for dir in ["client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"] {
        text.push_str(&format!("    {dir}_path {w}/{dir};\n"));
    }
    text.push_str(&format!("    include {};\n}}\n", export.display()));
    let main = workdir.join("harness-nginx.conf");
    std::fs::write(&main, text).unwrap_or_else(|e| panic!("{}: {e}", main.display()));
    main
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
