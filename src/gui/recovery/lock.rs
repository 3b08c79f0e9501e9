//! The lock files that make a window the owner of a recovery slot: what a lock holds, when it
//! is live (by `/proc`, or else by its heartbeat), and the take-over of a stale one (see
//! [`super`]).

use super::{LOCK_HEARTBEAT_S, LOCK_STALE_AFTER_S, fnv1a};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a lock file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct LockInfo {
    pub(super) pid: u32,
    /// The process's start time in clock ticks after boot (Linux, `/proc/<pid>/stat` field 22).
    #[serde(default)]
    pub(super) start: Option<u64>,
    /// Tells this process from an earlier one that had the same pid.
    pub(super) nonce: u64,
    /// The window, within its process.
    pub(super) token: u64,
}

/// Tokens of the windows of this process that hold a slot.
static LIVE_TOKENS: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());
pub(super) static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

pub(super) fn live_tokens() -> MutexGuard<'static, BTreeSet<u64>> {
    // The set stays consistent even if a holder panicked: each operation is a single insert or remove.
    LIVE_TOKENS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This process's nonce.
pub(super) fn nonce() -> u64 {
    static NONCE: OnceLock<u64> = OnceLock::new();
    *NONCE.get_or_init(|| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        fnv1a(format!("{}-{nanos}", std::process::id()).as_bytes()) | 1
    })
}

/// A token registered for a window that is taking a slot; unregistered if it does not get one.
pub(super) struct Owner {
    pub(super) info: LockInfo,
    kept: bool,
}

impl Owner {
    pub(super) fn register() -> Owner {
        let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        live_tokens().insert(token);
        let info = LockInfo { pid: std::process::id(), start: own_start(), nonce: nonce(), token };
        Owner { info, kept: false }
    }

    /// The token, now a slot's (which unregisters it when dropped).
    pub(super) fn keep(mut self) -> u64 {
        self.kept = true;
        self.info.token
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if !self.kept {
            live_tokens().remove(&self.info.token);
        }
    }
}

/// The state and start time of a process from its `/proc/<pid>/stat` line (fields 3 and 22; the
/// command name, field 2, may hold spaces and parentheses).
fn parse_stat(stat: &str) -> Option<(char, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// This process's start time (Linux).
pub(super) fn own_start() -> Option<u64> {
    static START: OnceLock<Option<u64>> = OnceLock::new();
    *START.get_or_init(|| std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| parse_stat(&s)).map(|s| s.1))
}

/// Whether a process lives, by `/proc` (None: no `/proc` to ask, not Linux or not mounted).
fn proc_alive(pid: u32, start: Option<u64>) -> Option<bool> {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self/stat").exists() {
        return None;
    }
    if !Path::new(&format!("/proc/{pid}")).exists() {
        return Some(false);
    }
    let Some((state, started)) = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| parse_stat(&s))
    else {
        return Some(true);
    };
    Some(!matches!(state, 'Z' | 'X' | 'x') && start.is_none_or(|s| s == started))
}

/// The rule where `/proc` cannot answer: a lock touched less than [`LOCK_STALE_AFTER_S`] ago.
fn heartbeat_fresh(modified: Option<SystemTime>, now: SystemTime) -> bool {
    modified.is_some_and(|m| now.duration_since(m).map_or(true, |age| age.as_secs() < LOCK_STALE_AFTER_S))
}

/// Whether a lock with this content and modification time has a live owner.
pub(super) fn lock_is_live(bytes: &[u8], modified: Option<SystemTime>, now: SystemTime) -> bool {
    let Ok(info) = serde_json::from_slice::<LockInfo>(bytes) else {
        // Being written, or damaged: live while fresh.
        return heartbeat_fresh(modified, now);
    };
    if info.pid == std::process::id() {
        // Ours, or an earlier process's that had this pid (then dead).
        return info.nonce == nonce() && live_tokens().contains(&info.token);
    }
    proc_alive(info.pid, info.start).unwrap_or_else(|| heartbeat_fresh(modified, now))
}

/// A lock file's content and modification time.
pub(super) fn read_lock(lock: &Path) -> std::io::Result<(Vec<u8>, Option<SystemTime>)> {
    let bytes = std::fs::read(lock)?;
    let modified = std::fs::metadata(lock).and_then(|m| m.modified()).ok();
    Ok((bytes, modified))
}

/// Whether a lock file has a live owner (one that cannot be read, other than missing, counts
/// as live: nothing is decided on it).
pub(super) fn lock_live_at(lock: &Path) -> bool {
    match read_lock(lock) {
        Ok((bytes, modified)) => lock_is_live(&bytes, modified, SystemTime::now()),
        Err(e) => e.kind() != ErrorKind::NotFound,
    }
}

/// True when `lock` holds this window's token.
pub(super) fn owns(lock: &Path, token: u64) -> bool {
    std::fs::read(lock)
        .ok()
        .and_then(|b| serde_json::from_slice::<LockInfo>(&b).ok())
        .is_some_and(|i| i.pid == std::process::id() && i.nonce == nonce() && i.token == token)
}

/// Removes a lock only if it still holds `bytes` (what was judged stale); true when it is gone.
pub(super) fn remove_if_unchanged(lock: &Path, bytes: &[u8]) -> bool {
    match std::fs::read(lock) {
        Ok(now) if now == bytes => {
            std::fs::remove_file(lock).map_or_else(|e| e.kind() == ErrorKind::NotFound, |()| true)
        }
        Ok(_) => false,
        Err(e) => e.kind() == ErrorKind::NotFound,
    }
}

/// Removes a lock if it is this window's.
pub(super) fn remove_if_owned(lock: &Path, token: u64) {
    if owns(lock, token) {
        std::fs::remove_file(lock).ok();
    }
}

/// Creates `lock` for `me` with `create_new`, taking it over first if it is stale. False when a
/// live owner holds it.
pub(super) fn try_lock(lock: &Path, me: &LockInfo) -> Result<bool, String> {
    let io = |e: std::io::Error| format!("{}: {e}", lock.display());
    for _ in 0..3 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(lock) {
            Ok(mut f) => {
                let json = serde_json::to_vec(me).map_err(|e| e.to_string())?;
                if let Err(e) = f.write_all(&json).and_then(|()| f.sync_all()) {
                    drop(f);
                    std::fs::remove_file(lock).ok();
                    return Err(io(e));
                }
                return Ok(true);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => match read_lock(lock) {
                Ok((bytes, modified)) => {
                    if lock_is_live(&bytes, modified, SystemTime::now()) || !remove_if_unchanged(lock, &bytes) {
                        return Ok(false);
                    }
                }
                // Gone in between: try again.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            },
            Err(e) => return Err(io(e)),
        }
    }
    Ok(false)
}

/// Touches the lock every [`LOCK_HEARTBEAT_S`] while the returned sender lives; flags `lost` and
/// stops if the lock is no longer the window's.
pub(super) fn heartbeat(lock: PathBuf, token: u64, lost: Arc<AtomicBool>) -> Option<mpsc::Sender<()>> {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("gatesim-recovery-lock".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Duration::from_secs(LOCK_HEARTBEAT_S))
            {
                if !owns(&lock, token) {
                    lost.store(true, Ordering::Relaxed);
                    break;
                }
                if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&lock) {
                    f.set_modified(SystemTime::now()).ok();
                }
            }
        })
        .ok()?;
    Some(stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_proc_a_lock_is_stale_after_minutes_without_a_heartbeat() {
        let now = SystemTime::now();
        let at = |s: u64| Some(now - Duration::from_secs(s));
        assert!(heartbeat_fresh(at(0), now));
        assert!(heartbeat_fresh(at(LOCK_HEARTBEAT_S * 2), now));
        assert!(!heartbeat_fresh(at(LOCK_STALE_AFTER_S), now));
        assert!(heartbeat_fresh(Some(now + Duration::from_secs(10)), now), "a clock that went back");
        assert!(!heartbeat_fresh(None, now));
        // A lock being written (empty) is live while fresh.
        assert!(lock_is_live(b"", at(1), now));
        assert!(!lock_is_live(b"", at(LOCK_STALE_AFTER_S + 1), now));
    }

    #[test]
    fn proc_stat_is_read_past_a_command_name_with_spaces_and_parentheses() {
        // After the state (field 3) come 18 fields, then the start time (field 22, proc(5)).
        let line = "4242 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
        assert_eq!(parse_stat(line), Some(('S', 987_654)));
        if cfg!(target_os = "linux") {
            assert_eq!(proc_alive(std::process::id(), own_start()), Some(true));
            assert_eq!(proc_alive(std::process::id(), own_start().map(|s| s + 1)), Some(false));
            assert_eq!(proc_alive(0x7fff_fff0, None), Some(false));
        }
    }
}
