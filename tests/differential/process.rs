//! Finding, validating, starting and stopping a product process.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for a product to start listening.
const START_LIMIT: Duration = Duration::from_secs(10);

/// `name` on PATH, or in the sbin directories Debian installs daemons into. The environment
/// variable `GATESIM_<NAME>` (e.g. `GATESIM_NGINX`) names the binary instead; a path that does not
/// exist counts as not installed.
pub fn find_binary(name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(format!("GATESIM_{}", name.to_ascii_uppercase())) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `name` from `find_binary`, else from the virtual environment `.ci/tools.sh` installs
/// (`$GATESIM_TOOLS/venv/bin`, default `~/.cache/gatesim-tools/venv/bin`): Envoy and the export
/// validators.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    if let Some(p) = find_binary(name) {
        return Some(p);
    }
    if std::env::var_os(format!("GATESIM_{}", name.to_ascii_uppercase())).is_some() {
        return None;
    }
    let tools = std::env::var_os("GATESIM_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gatesim-tools")))?;
    let p = tools.join("venv/bin").join(name);
    p.is_file().then_some(p)
}

/// [`find_tool`], or `None` after printing `SKIPPED: ...` (`hint` says how to install it); with
/// `CI=true` a missing tool fails the test instead.
pub fn required_tool(name: &str, hint: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        let msg = format!("SKIPPED: {name} not found ({hint})");
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}; CI=true requires it");
        }
        println!("{msg}");
        eprintln!("{msg}");
    }
    found
}

/// A free loopback port (bound to port 0, then released).
pub fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// Runs a validator; Err carries its output.
pub fn run_checked(mut c: Command) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{c:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{c:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A product process we started; killed (by its own pid) and reaped on drop.
pub struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    /// The product's log so far (for failure messages).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("limiting requests") && !l.contains("delaying request") && !l.contains("[notice]"))
            .collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Starts `c` with its output going to `log`, and waits until `listen` accepts a connection (the
/// probe sends no request, so no upstream state changes).
pub fn start(mut c: Command, listen: SocketAddr, log: PathBuf) -> Result<Running, String> {
    let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    c.stdin(Stdio::null()).stdout(out).stderr(err);
    let child = c.spawn().map_err(|e| format!("{c:?}: {e}"))?;
    let mut running = Running { child, log };
    let deadline = Instant::now() + START_LIMIT;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = running.child.try_wait() {
            return Err(format!("{c:?} exited with {status}:\n{}", running.log_tail()));
        }
        if TcpStream::connect_timeout(&listen, Duration::from_millis(100)).is_ok() {
            return Ok(running);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("{c:?} did not listen on {listen} within {START_LIMIT:?}:\n{}", running.log_tail()))
}

/// A fresh, empty temporary directory for one run.
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "gatesim-diff-{}-{tag}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}
