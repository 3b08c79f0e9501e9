//! Files: open and save dialogs (a path field), recent files, the examples gallery, and the
//! autosave that never touches the user's file.
//!
//! # Autosave and recovery: one recovery file per document, owned by one window
//!
//! Each window owns a *slot* in `<data dir>/recovery/` for the document it shows ([`Slot`]):
//!
//! - `<name>.lock`, created with `create_new` when the window takes the slot, holding the owner's
//!   pid, its start time (Linux), a per-process nonce and a per-window token;
//! - `<name>.ron`, only while the document has unsaved changes: a `Recovery(...)` wrapper with the
//!   document's absolute path (canonical when the file exists; `None` when untitled), the time it
//!   was written and the scenario, rewritten atomically ([`load::write_atomic`]) every
//!   [`AUTOSAVE_EVERY_S`] seconds, and removed as soon as the document is clean again.
//!
//! `<name>` is `doc-` and the FNV-1a hash of the canonical path, with `-<pid>-<n>` added when that
//! name is taken (another live window has the same file open, or unsaved work of a session that
//! ended waits there for the user); `untitled-<pid>-<n>` for a document without a file. The path
//! stored inside, never the name, says which file the work belongs to.
//!
//! Saving removes the window's `.ron`; saving under another path, opening another file or New move
//! the slot to the new document's name (the old `.ron` and `.lock` deleted, a new lock taken). A
//! window's clean exit (closing with nothing unsaved, or choosing to discard) deletes its own
//! `.ron` and `.lock` and nothing else; a window that is killed leaves both.
//!
//! **When a lock is live.** A lock of this process (same pid and nonce) is live while its window's
//! token is registered (dropping a window's [`Slot`] without a clean exit unregisters it, as a kill
//! would). A lock of another process: on Linux (when `/proc` is mounted), live while
//! `/proc/<pid>` exists, is not a zombie and has the start time the lock recorded (so a reused pid
//! does not keep it alive); elsewhere, live while the lock file was modified less than
//! [`LOCK_STALE_AFTER_S`] seconds ago: the owner touches it every [`LOCK_HEARTBEAT_S`] seconds from
//! a thread of its own. A lock that cannot be parsed (being written) counts as live while that
//! fresh. A stale lock may be taken over: it is removed only if its content is still the one
//! judged stale, then created again with `create_new`. A window checks that its lock is still its
//! own before each autosave (and its heartbeat thread every minute); if another took it over, it
//! moves to a fresh name and leaves that file to the other.
//!
//! **At start** every `.ron` whose lock is missing or stale belongs to no live window: the app
//! lists each with its file (or "untitled") and time before anything is saved ([`Store::orphans`]).
//! Restoring one takes over its lock ([`Store::adopt`]: from then on that window owns it, and no
//! other window offers it) and opens the scenario unsaved, bound to the path stored inside; the
//! first Save to that path asks first. Discarding deletes it. A file that cannot be read is renamed
//! `<name>.ron.corrupt` and named in a message; stale locks without a `.ron` are removed. The single
//! recovery file of earlier versions (`recovery.ron`, whose path was relative) is offered once as
//! untitled work, never bound to the path it named.

use crate::model::load::{self, LoadError};
use crate::model::{FORMAT_VERSION, Scenario, UtcTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds between autosaves of a scenario with unsaved changes.
pub const AUTOSAVE_EVERY_S: f64 = 60.0;
/// Seconds between two touches of a window's lock file by its heartbeat thread.
pub const LOCK_HEARTBEAT_S: u64 = 60;
/// Where `/proc` cannot tell whether a lock's process lives: a lock file not touched for this
/// many seconds is stale.
pub const LOCK_STALE_AFTER_S: u64 = 300;
/// Recent files remembered.
const RECENT_MAX: usize = 8;
/// Version of the recovery file's wrapper.
const RECOVERY_FORMAT: u32 = 1;
/// A recovery file is read up to this size (the scenario's limit, and room for its indentation).
const RECOVERY_MAX_BYTES: u64 = 2 * load::MAX_FILE_BYTES;
/// Names tried for a slot before giving up.
const SLOT_ATTEMPTS: usize = 16;

/// The bundled example opened when no file is given.
pub const DEFAULT_EXAMPLE: &str = "scenarios/incidents/rate-limit-tightened.ron";
/// Its text, built in, for when the binary runs away from the repository.
pub const BUILTIN_EXAMPLE: &str = include_str!("../../scenarios/incidents/rate-limit-tightened.ron");

/// The app's data directory: `$GATESIM_DATA_DIR` if set, else the platform's data directory.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("GATESIM_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("org", "gatesim", "gatesim").map(|d| d.data_dir().to_owned())
}

/// The path a document's recovery names: canonical when the file exists, else absolute.
pub fn document_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_owned())
}

/// Where autosave, recovery and the recent list live.
#[derive(Clone, Debug)]
pub struct Store {
    dir: Option<PathBuf>,
    recent: Vec<PathBuf>,
}

/// Unsaved work of a window that is gone, found in the data directory.
#[derive(Clone, Debug)]
pub struct Recovery {
    /// The autosaved scenario.
    pub scenario: Scenario,
    /// The file it belongs to (absolute), or None for an untitled document.
    pub path: Option<PathBuf>,
    /// When it was autosaved.
    pub saved_at: UtcTime,
    /// A remark shown with it (work converted from an earlier version's recovery file).
    pub note: Option<String>,
    /// The recovery file itself.
    pub file: PathBuf,
    /// Its slot name (the file's name without `.ron`).
    name: String,
}

impl Recovery {
    /// Which document it is: its file's absolute path, or "untitled".
    pub fn document(&self) -> String {
        self.path.as_ref().map_or_else(|| "untitled".to_owned(), |p| p.display().to_string())
    }

    /// When it was autosaved, in UTC, and how long before `now`.
    pub fn when(&self, now: SystemTime) -> String {
        format!("{} ({})", self.saved_at.to_string().replace('T', " ").replace('Z', " UTC"), ago(self.saved_at, now))
    }
}

/// The current time as a [`UtcTime`].
fn now_utc() -> UtcTime {
    UtcTime(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// How long before `now` an instant was, in words.
pub fn ago(at: UtcTime, now: SystemTime) -> String {
    let now_s = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let s = now_s.saturating_sub(at.0);
    match s {
        0..60 => "less than a minute ago".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h {} min ago", s / 3600, s / 60 % 60),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// What [`Store::orphans`] found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Unsaved work that belongs to no live window, newest first.
    pub offers: Vec<Recovery>,
    /// Recovery files that could not be read, each named with what was done with it.
    pub problems: Vec<String>,
}

impl Store {
    /// A store in `dir` (None: nothing is remembered, nothing autosaved).
    pub fn new(dir: Option<PathBuf>) -> Self {
        let recent = dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join("recent.txt")).ok())
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).map(PathBuf::from).collect())
            .unwrap_or_default();
        Store { dir, recent }
    }

    fn file(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(name))
    }

    /// The directory of the recovery files and their locks.
    pub fn recovery_dir(&self) -> Option<PathBuf> {
        self.file("recovery")
    }

    /// Takes a slot for a document (`path` None: untitled): a fresh lock under the document's
    /// name, or under a name of its own when that one is taken. None when there is no data
    /// directory.
    pub fn claim(&self, path: Option<&Path>) -> Result<Option<Slot>, String> {
        let Some(dir) = self.recovery_dir() else {
            return Ok(None);
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = path.map(document_path).filter(|p| p.is_absolute());
        let me = Owner::register();
        let base = match &path {
            Some(p) => format!("doc-{:016x}", fnv1a(p.as_os_str().as_encoded_bytes())),
            None => "untitled".to_owned(),
        };
        for attempt in 0..SLOT_ATTEMPTS {
            let name = if attempt == 0 && path.is_some() {
                base.clone()
            } else {
                format!("{base}-{}-{}", std::process::id(), NEXT_TOKEN.fetch_add(1, Ordering::Relaxed))
            };
            let data = dir.join(format!("{name}.ron"));
            // Work already there is another window's, or waits for the user: never written over.
            if data.exists() {
                continue;
            }
            let lock = dir.join(format!("{name}.lock"));
            if !try_lock(&lock, &me.info)? {
                continue;
            }
            if data.exists() {
                remove_if_owned(&lock, me.info.token);
                continue;
            }
            return Ok(Some(Slot::new(dir, name, path, me, false)));
        }
        Err(format!("{}: no free recovery file name", dir.display()))
    }

    /// Takes over the slot of unsaved work found at start, to go on autosaving it; fails when a
    /// live window has taken it since.
    pub fn adopt(&self, rec: &Recovery) -> Result<Slot, String> {
        let dir = rec.file.parent().map(Path::to_owned).unwrap_or_default();
        let me = Owner::register();
        let lock = dir.join(format!("{}.lock", rec.name));
        if try_lock(&lock, &me.info)? {
            let written = rec.file.exists();
            Ok(Slot::new(dir, rec.name.clone(), rec.path.clone(), me, written))
        } else {
            Err(format!("Another window has taken the unsaved work of {} since.", rec.document()))
        }
    }

    /// Deletes unsaved work found at start (its file and its lock), unless a live window has
    /// taken it since.
    pub fn discard(&self, rec: &Recovery) -> Result<(), String> {
        self.adopt(rec)?.release();
        Ok(())
    }

    /// The unsaved work of windows that are gone: every recovery file whose lock is missing or
    /// stale. Files that cannot be read are set aside (`.corrupt`) with a message; stale locks
    /// without work are removed; an earlier version's recovery file is converted first.
    pub fn orphans(&self) -> Scan {
        let mut scan = Scan::default();
        let Some(dir) = self.recovery_dir() else {
            return scan;
        };
        self.convert_legacy(&dir, &mut scan.problems);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return scan;
        };
        let (mut data, mut locks) = (BTreeSet::new(), BTreeSet::new());
        for entry in entries.filter_map(Result::ok) {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with('.') {
                continue;
            }
            if let Some(name) = file_name.strip_suffix(".ron") {
                data.insert(name.to_owned());
            } else if let Some(name) = file_name.strip_suffix(".lock") {
                locks.insert(name.to_owned());
            }
        }
        for name in &data {
            let lock = dir.join(format!("{name}.lock"));
            if lock_live_at(&lock) {
                continue;
            }
            let file = dir.join(format!("{name}.ron"));
            match read_recovery(&file, name) {
                Ok(rec) => scan.offers.push(rec),
                Err(Unreadable::Newer(why)) => scan.problems.push(why),
                Err(Unreadable::Corrupt(why)) => {
                    let aside = dir.join(format!("{name}.ron.corrupt"));
                    let done = match std::fs::rename(&file, &aside) {
                        Ok(()) => format!("set aside as {}", aside.display()),
                        Err(e) => format!("left in place ({e})"),
                    };
                    scan.problems.push(format!("A recovery file could not be read and was {done}: {why}"));
                    if let Ok((bytes, _)) = read_lock(&lock) {
                        remove_if_unchanged(&lock, &bytes);
                    }
                }
            }
        }
        for name in locks.difference(&data) {
            let lock = dir.join(format!("{name}.lock"));
            if let Ok((bytes, modified)) = read_lock(&lock)
                && !lock_is_live(&bytes, modified, SystemTime::now())
            {
                remove_if_unchanged(&lock, &bytes);
            }
        }
        scan.offers.sort_by(|a, b| b.saved_at.cmp(&a.saved_at).then_with(|| a.name.cmp(&b.name)));
        scan
    }

    /// Turns the recovery file of earlier versions (`recovery.ron`, with the relative path it
    /// belonged to in `recovery-path.txt`) into an untitled orphan: its path was relative to a
    /// directory nobody knows, so it is never bound to it.
    fn convert_legacy(&self, dir: &Path, problems: &mut Vec<String>) {
        let (Some(old), Some(marker)) = (self.file("recovery.ron"), self.file("recovery-path.txt")) else {
            return;
        };
        if !old.is_file() || std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        let name = format!("untitled-earlier-{}-{token}", std::process::id());
        // Only the window whose rename succeeds converts it.
        let taken = dir.join(format!(".{name}.legacy"));
        if std::fs::rename(&old, &taken).is_err() {
            return;
        }
        let named = std::fs::read_to_string(&marker).map(|t| t.trim().to_owned()).unwrap_or_default();
        std::fs::remove_file(&marker).ok();
        let note = if named.is_empty() {
            "Autosaved by an earlier version of gatesim.".to_owned()
        } else {
            format!(
                "Autosaved by an earlier version of gatesim, which named it \"{named}\" relative to a directory it did \
                 not record: restored untitled, save it where it belongs."
            )
        };
        let converted = open(&taken).map_err(|e| e.to_string()).and_then(|s| {
            let saved_at = std::fs::metadata(&taken)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
                .map_or_else(now_utc, |d| UtcTime(d.as_secs()));
            let text = recovery_text(None, saved_at, Some(&note), &s)?;
            load::write_atomic(&dir.join(format!("{name}.ron")), text.as_bytes()).map_err(|e| e.to_string())
        });
        match converted {
            Ok(()) => {
                std::fs::remove_file(&taken).ok();
            }
            Err(e) => {
                let aside = old.with_extension("ron.corrupt");
                std::fs::rename(&taken, &aside).ok();
                problems.push(format!(
                    "The recovery file of an earlier version could not be read and was set aside as {}: {e}",
                    aside.display()
                ));
            }
        }
    }

    /// Recently opened or saved files, newest first (read at start, kept up to date).
    pub fn recent(&self) -> &[PathBuf] {
        &self.recent
    }

    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: &Path) {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        self.recent.retain(|p| p != &abs);
        self.recent.insert(0, abs);
        self.recent.truncate(RECENT_MAX);
        let (Some(file), Some(dir)) = (self.file("recent.txt"), &self.dir) else {
            return;
        };
        let text: String = self.recent.iter().map(|p| format!("{}\n", p.display())).collect();
        if std::fs::create_dir_all(dir).is_ok() {
            // The recent list is a convenience: failing to write it must not bother the user.
            load::write_atomic(&file, text.as_bytes()).ok();
        }
    }
}

/// A window's recovery slot: its lock, held while the slot lives, and its autosave file.
///
/// [`Slot::release`] is the clean exit (both files deleted). Dropping a slot without it is what a
/// killed window leaves: the files stay, and the lock is no longer live (its token unregistered,
/// its heartbeat stopped), so the next start offers the work.
#[derive(Debug)]
pub struct Slot {
    dir: PathBuf,
    name: String,
    path: Option<PathBuf>,
    token: u64,
    /// The autosave file may exist (written, or adopted).
    written: bool,
    /// Set by the heartbeat thread when the lock is no longer this window's.
    lost: Arc<AtomicBool>,
    /// Dropping it stops the heartbeat thread.
    _heartbeat: Option<mpsc::Sender<()>>,
}

impl Slot {
    fn new(dir: PathBuf, name: String, path: Option<PathBuf>, owner: Owner, written: bool) -> Slot {
        let token = owner.keep();
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = heartbeat(dir.join(format!("{name}.lock")), token, Arc::clone(&lost));
        Slot { dir, name, path, token, written, lost, _heartbeat: heartbeat }
    }

    /// The autosave file.
    pub fn file(&self) -> PathBuf {
        self.dir.join(format!("{}.ron", self.name))
    }

    /// The lock file.
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.name))
    }

    /// The document's absolute path (None: untitled).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// True when the lock is no longer this window's (another took it over as stale).
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed) || !owns(&self.lock_file(), self.token)
    }

    /// Writes the autosave file: the scenario, the document's path and the time.
    pub fn write(&mut self, scenario: &Scenario) -> Result<(), String> {
        if self.is_lost() {
            return Err(format!("{}: the lock is no longer this window's", self.lock_file().display()));
        }
        let text = recovery_text(self.path.as_deref(), now_utc(), None, scenario)?;
        self.written = true;
        load::write_atomic(&self.file(), text.as_bytes()).map_err(|e| e.to_string())
    }

    /// Deletes the autosave file (the document is clean), keeping the lock.
    pub fn clear(&mut self) {
        if self.written && !self.is_lost() {
            std::fs::remove_file(self.file()).ok();
        }
        self.written = false;
    }

    /// True when the autosave file may exist.
    pub fn is_written(&self) -> bool {
        self.written
    }

    /// The clean exit: deletes this window's autosave file and lock (only if still its own).
    pub fn release(self) {
        if owns(&self.lock_file(), self.token) {
            std::fs::remove_file(self.file()).ok();
            remove_if_owned(&self.lock_file(), self.token);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        live_tokens().remove(&self.token);
    }
}

/// The recovery file's wrapper, as written.
#[derive(Serialize)]
#[serde(rename = "Recovery")]
struct RecoveryOut<'a> {
    format: u32,
    path: Option<&'a Path>,
    saved_at: UtcTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    scenario: &'a Scenario,
}

/// The recovery file's wrapper, as read.
#[derive(Deserialize)]
#[serde(rename = "Recovery")]
struct RecoveryIn {
    path: Option<PathBuf>,
    saved_at: UtcTime,
    #[serde(default)]
    note: Option<String>,
    scenario: Scenario,
}

/// Only the wrapper's version, read first.
#[derive(Deserialize)]
#[serde(rename = "Recovery")]
struct FormatProbe {
    format: u32,
}

/// The text of a recovery file.
fn recovery_text(
    path: Option<&Path>,
    saved_at: UtcTime,
    note: Option<&str>,
    scenario: &Scenario,
) -> Result<String, String> {
    let out = RecoveryOut { format: RECOVERY_FORMAT, path, saved_at, note, scenario };
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(9)
        .struct_names(true)
        .separate_tuple_members(false)
        .indentor("    ".to_string());
    ron::ser::to_string_pretty(&out, config).map_err(|e| format!("the recovery file cannot be written: {e}"))
}

/// Why a recovery file was not offered.
enum Unreadable {
    /// Damaged: set aside.
    Corrupt(String),
    /// Written by a newer gatesim: left alone.
    Newer(String),
}

/// Reads a recovery file: the wrapper, its scenario, an absolute path or none.
fn read_recovery(file: &Path, name: &str) -> Result<Recovery, Unreadable> {
    let shown = file.display();
    let corrupt = |why: String| Unreadable::Corrupt(format!("{shown}: {why}"));
    let mut bytes = Vec::new();
    let read = std::fs::File::open(file).and_then(|f| f.take(RECOVERY_MAX_BYTES + 1).read_to_end(&mut bytes));
    if let Err(e) = read {
        return Err(corrupt(e.to_string()));
    }
    if bytes.len() as u64 > RECOVERY_MAX_BYTES {
        return Err(corrupt(format!("larger than {RECOVERY_MAX_BYTES} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8 text".into()))?;
    let spanned =
        |e: ron::error::SpannedError| corrupt(format!("{}:{}: {}", e.span.start.line, e.span.start.col, e.code));
    let probe: FormatProbe = ron::from_str(&text).map_err(spanned)?;
    if probe.format > RECOVERY_FORMAT {
        return Err(Unreadable::Newer(format!(
            "{shown}: written by a newer version of gatesim (recovery format {}), left for it",
            probe.format
        )));
    }
    let r: RecoveryIn = ron::from_str(&text).map_err(spanned)?;
    if r.scenario.format_version == 0 || r.scenario.format_version > FORMAT_VERSION {
        return Err(corrupt(format!("scenario format_version {} is not supported", r.scenario.format_version)));
    }
    if let Some(p) = &r.path
        && !p.is_absolute()
    {
        return Err(corrupt(format!("the path it names, {}, is not absolute", p.display())));
    }
    Ok(Recovery {
        scenario: r.scenario,
        path: r.path,
        saved_at: r.saved_at,
        note: r.note,
        file: file.to_owned(),
        name: name.to_owned(),
    })
}

/// FNV-1a, 64 bits: a hash that does not change between releases of anything.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// What a lock file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct LockInfo {
    pid: u32,
    /// The process's start time in clock ticks after boot (Linux, `/proc/<pid>/stat` field 22).
    #[serde(default)]
    start: Option<u64>,
    /// Tells this process from an earlier one that had the same pid.
    nonce: u64,
    /// The window, within its process.
    token: u64,
}

/// Tokens of the windows of this process that hold a slot.
static LIVE_TOKENS: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

fn live_tokens() -> MutexGuard<'static, BTreeSet<u64>> {
    // The set stays consistent even if a holder panicked: each operation is a single insert or remove.
    LIVE_TOKENS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This process's nonce.
fn nonce() -> u64 {
    static NONCE: OnceLock<u64> = OnceLock::new();
    *NONCE.get_or_init(|| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        fnv1a(format!("{}-{nanos}", std::process::id()).as_bytes()) | 1
    })
}

/// A token registered for a window that is taking a slot; unregistered if it does not get one.
struct Owner {
    info: LockInfo,
    kept: bool,
}

impl Owner {
    fn register() -> Owner {
        let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        live_tokens().insert(token);
        let info = LockInfo { pid: std::process::id(), start: own_start(), nonce: nonce(), token };
        Owner { info, kept: false }
    }

    /// The token, now a slot's (which unregisters it when dropped).
    fn keep(mut self) -> u64 {
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
fn own_start() -> Option<u64> {
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
fn lock_is_live(bytes: &[u8], modified: Option<SystemTime>, now: SystemTime) -> bool {
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
fn read_lock(lock: &Path) -> std::io::Result<(Vec<u8>, Option<SystemTime>)> {
    let bytes = std::fs::read(lock)?;
    let modified = std::fs::metadata(lock).and_then(|m| m.modified()).ok();
    Ok((bytes, modified))
}

/// Whether a lock file has a live owner (one that cannot be read, other than missing, counts
/// as live: nothing is decided on it).
fn lock_live_at(lock: &Path) -> bool {
    match read_lock(lock) {
        Ok((bytes, modified)) => lock_is_live(&bytes, modified, SystemTime::now()),
        Err(e) => e.kind() != ErrorKind::NotFound,
    }
}

/// True when `lock` holds this window's token.
fn owns(lock: &Path, token: u64) -> bool {
    std::fs::read(lock)
        .ok()
        .and_then(|b| serde_json::from_slice::<LockInfo>(&b).ok())
        .is_some_and(|i| i.pid == std::process::id() && i.nonce == nonce() && i.token == token)
}

/// Removes a lock only if it still holds `bytes` (what was judged stale); true when it is gone.
fn remove_if_unchanged(lock: &Path, bytes: &[u8]) -> bool {
    match std::fs::read(lock) {
        Ok(now) if now == bytes => {
            std::fs::remove_file(lock).map_or_else(|e| e.kind() == ErrorKind::NotFound, |()| true)
        }
        Ok(_) => false,
        Err(e) => e.kind() == ErrorKind::NotFound,
    }
}

/// Removes a lock if it is this window's.
fn remove_if_owned(lock: &Path, token: u64) {
    if owns(lock, token) {
        std::fs::remove_file(lock).ok();
    }
}

/// Creates `lock` for `me` with `create_new`, taking it over first if it is stale. False when a
/// live owner holds it.
fn try_lock(lock: &Path, me: &LockInfo) -> Result<bool, String> {
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
fn heartbeat(lock: PathBuf, token: u64, lost: Arc<AtomicBool>) -> Option<mpsc::Sender<()>> {
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

/// A group of the examples gallery, in the order it lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExampleGroup {
    /// `scenarios/incidents/`: postmortems replayed, with their counterfactuals.
    Incident,
    /// `scenarios/`: topologies to start from.
    Example,
    /// `scenarios/validation/`: single-station queueing models checked against closed forms.
    Validation,
}

impl ExampleGroup {
    /// The group's heading in the gallery.
    pub fn heading(self) -> &'static str {
        match self {
            ExampleGroup::Incident => "Incident replays (with counterfactuals)",
            ExampleGroup::Example => "Examples",
            ExampleGroup::Validation => "Validation models (single queueing stations)",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            ExampleGroup::Incident => "scenarios/incidents",
            ExampleGroup::Example => "scenarios",
            ExampleGroup::Validation => "scenarios/validation",
        }
    }
}

/// One entry of the examples gallery.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// The file, relative to the current directory.
    pub path: PathBuf,
    /// Its group.
    pub group: ExampleGroup,
    /// The scenario's name (the file's name if it does not load).
    pub title: String,
    /// Its description on one line, shortened to [`EXAMPLE_DESCRIPTION_CHARS`].
    pub description: String,
    /// Its whole description (hover).
    pub full_description: String,
}

/// Characters of an example's description shown in the gallery.
pub const EXAMPLE_DESCRIPTION_CHARS: usize = 110;

/// `text` on one line, at most `max` characters: cut at a word and ended with `…` when longer.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// The bundled examples under the current directory: the incident replays
/// (`scenarios/incidents/*.ron`, by title: `incident 000: ...` first) first, then `scenarios/*.ron`,
/// then the validation models (`scenarios/validation/*.ron`), by file name, with their titles and
/// descriptions.
pub fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for group in [ExampleGroup::Incident, ExampleGroup::Example, ExampleGroup::Validation] {
        let Ok(entries) = std::fs::read_dir(group.dir()) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .collect();
        files.sort();
        let first = out.len();
        for path in files {
            let (title, full) = match open(&path) {
                Ok(s) => (s.name, s.description),
                Err(e) => {
                    (path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(), e.to_string())
                }
            };
            let description = one_line(&full, EXAMPLE_DESCRIPTION_CHARS);
            out.push(Example { path, group, title, description, full_description: full });
        }
        // Incidents by their number (`incident 000: ...`), the others by file name.
        if group == ExampleGroup::Incident {
            out[first..].sort_by(|a, b| a.title.cmp(&b.title));
        }
    }
    out
}

/// Loads a scenario for editing: parse errors fail, semantic problems do not (the editor shows
/// them on the nodes).
pub fn open(path: &Path) -> Result<Scenario, LoadError> {
    let text = load::read_text(path)?;
    load::parse(&text, path)
}

/// The default example: from the current directory if there, else the built-in copy.
pub fn default_example() -> (Scenario, Option<PathBuf>) {
    let path = PathBuf::from(DEFAULT_EXAMPLE);
    if let Ok(s) = open(&path) {
        return (s, Some(path));
    }
    match load::parse(BUILTIN_EXAMPLE, Path::new(DEFAULT_EXAMPLE)) {
        Ok(s) => (s, None),
        Err(_) => (empty_scenario(), None),
    }
}

/// A new, empty scenario.
pub fn empty_scenario() -> Scenario {
    Scenario::new("untitled", Default::default())
}

/// Which file dialog is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    /// Open a file.
    Open,
    /// Save under a new path.
    SaveAs,
    /// The examples gallery.
    Examples,
}

/// A file dialog: a path field plus recent files or examples.
#[derive(Debug)]
pub struct Dialog {
    /// Which one.
    pub kind: DialogKind,
    /// The path typed.
    pub path: String,
    /// The last error, shown under the field.
    pub error: Option<String>,
    /// The examples listed (read when the gallery opens).
    examples: Vec<Example>,
}

/// What the user chose in a dialog.
#[derive(Debug, PartialEq)]
pub enum DialogChoice {
    /// Open this file.
    Open(PathBuf),
    /// Save to this file.
    SaveAs(PathBuf),
}

impl Dialog {
    /// A dialog of a kind, its field filled with `path`.
    pub fn new(kind: DialogKind, path: String) -> Self {
        let examples = if kind == DialogKind::Examples { examples() } else { Vec::new() };
        Dialog { kind, path, error: None, examples }
    }

    /// Shows the dialog; returns the choice, and whether it should stay open.
    pub fn ui(&mut self, ctx: &egui::Context, recent: &[PathBuf]) -> (Option<DialogChoice>, bool) {
        let mut choice = None;
        let title = match self.kind {
            DialogKind::Open => "Open scenario",
            DialogKind::SaveAs => "Save scenario as",
            DialogKind::Examples => "Examples",
        };
        let mut keep_open = true;
        let modal = egui::Modal::new(egui::Id::unique("file-dialog")).show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading(title);
            if self.kind != DialogKind::Examples {
                ui.horizontal(|ui| {
                    let label = ui.label("Path");
                    let edit = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.path)
                                .desired_width(360.0)
                                .hint_text("scenarios/my-topology.ron"),
                        )
                        .labelled_by(label.id);
                    let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let verb = if self.kind == DialogKind::Open { "Open" } else { "Save" };
                    if ui.button(verb).clicked() || enter {
                        let p = PathBuf::from(self.path.trim());
                        choice = Some(if self.kind == DialogKind::Open {
                            DialogChoice::Open(p)
                        } else {
                            DialogChoice::SaveAs(p)
                        });
                    }
                });
            }
            if let Some(e) = &self.error {
                ui.colored_label(super::theme::BAD, e);
            }
            if self.kind == DialogKind::Examples {
                if self.examples.is_empty() {
                    ui.label(
                        "No scenarios/ directory here: start gatesim from the repository to list its \
                         examples (File > New or Open work anywhere).",
                    );
                } else {
                    ui.separator();
                    if let Some(p) = examples_ui(ui, &self.examples) {
                        choice = Some(DialogChoice::Open(p));
                    }
                }
            }
            if self.kind == DialogKind::Open && !recent.is_empty() {
                ui.separator();
                ui.label("Recent files");
                egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                    for p in recent {
                        if ui.selectable_label(false, p.display().to_string()).clicked() {
                            choice = Some(DialogChoice::Open(p.clone()));
                        }
                    }
                });
            }
            ui.separator();
            if ui.button("Close").clicked() {
                keep_open = false;
            }
        });
        if modal.should_close() {
            keep_open = false;
        }
        (choice, keep_open)
    }
}

/// The gallery's list, grouped; returns the file clicked (its title or its path).
fn examples_ui(ui: &mut egui::Ui, examples: &[Example]) -> Option<PathBuf> {
    use super::theme;
    use egui::RichText;
    let mut chosen = None;
    // A fixed height from the first frame: the modal, centred on its size, does not move.
    let height = (ui.ctx().content_rect().height() - 260.0).clamp(200.0, 560.0);
    egui::ScrollArea::vertical().max_height(height).min_scrolled_height(height).show(ui, |ui| {
        let mut group = None;
        for e in examples {
            if group != Some(e.group) {
                group = Some(e.group);
                ui.add_space(4.0);
                ui.label(RichText::new(e.group.heading()).small().color(theme::TEXT_DIM));
            }
            let hover =
                if e.full_description.is_empty() { e.path.display().to_string() } else { e.full_description.clone() };
            let title = ui.selectable_label(false, RichText::new(&e.title).strong()).on_hover_text(&hover);
            let path = e.path.display().to_string();
            let mut clicked = title.clicked();
            ui.horizontal(|ui| {
                ui.add_space(8.0);
                clicked |= ui
                    .add(
                        egui::Label::new(RichText::new(&path).small().color(theme::ACCENT)).sense(egui::Sense::click()),
                    )
                    .on_hover_text("Open this file")
                    .clicked();
                if !e.description.is_empty() {
                    ui.add(egui::Label::new(RichText::new(&e.description).small().color(theme::TEXT_DIM)).truncate())
                        .on_hover_text(&hover);
                }
            });
            if clicked {
                chosen = Some(e.path.clone());
            }
        }
    });
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_at_a_word_on_one_line() {
        assert_eq!(one_line("a  short\n text", 20), "a short text");
        let long = "NGINX limit_req tightened from 100r/s to 10r/s per client address at 14:30; 20,000 users";
        let cut = one_line(long, 40);
        assert!(cut.chars().count() <= 40, "{cut}");
        assert_eq!(cut, "NGINX limit_req tightened from 100r/s…");
    }

    #[test]
    fn the_gallery_lists_incidents_first_then_examples_then_validation_models() {
        // Tests run in the package's directory, where scenarios/ is.
        let list = examples();
        let groups: Vec<ExampleGroup> = list.iter().map(|e| e.group).collect();
        assert!(groups.is_sorted(), "{groups:?}");
        assert_eq!(list.first().map(|e| e.group), Some(ExampleGroup::Incident));
        let incident = &list[0];
        assert!(incident.path.starts_with("scenarios/incidents"), "{incident:?}");
        assert!(incident.title.starts_with("incident 000"), "{incident:?}");
        assert!(!incident.description.is_empty() && incident.description.chars().count() <= EXAMPLE_DESCRIPTION_CHARS);
        assert!(list.iter().any(|e| e.group == ExampleGroup::Validation));
    }

    /// A fresh data directory for one test.
    fn data(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gatesim-store-{}-{name}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    fn claim(store: &Store, path: Option<&Path>) -> Slot {
        match store.claim(path) {
            Ok(Some(slot)) => slot,
            other => panic!("{other:?}"),
        }
    }

    /// A lock of a process that does not exist (no pid is that large), last touched an hour ago.
    fn dead_lock(lock: &Path) {
        let info = LockInfo { pid: 0x7fff_fff0, start: Some(1), nonce: 7, token: 1 };
        std::fs::write(lock, serde_json::to_vec(&info).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let f = std::fs::OpenOptions::new().write(true).open(lock).unwrap_or_else(|e| panic!("{e}"));
        f.set_modified(hour_ago).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn each_document_has_its_own_recovery_file_and_a_clean_exit_removes_only_its_own() {
        let dir = data("own");
        let store = Store::new(Some(dir.clone()));
        let (s, _) = default_example();
        let a_file = dir.join("a.ron");
        std::fs::write(&a_file, "").unwrap_or_else(|e| panic!("{e}"));
        let mut a = claim(&store, Some(&a_file));
        let mut b = claim(&store, None);
        assert_ne!(a.file(), b.file());
        assert!(a.lock_file().exists() && b.lock_file().exists());
        a.write(&s).unwrap_or_else(|e| panic!("{e}"));
        b.write(&s).unwrap_or_else(|e| panic!("{e}"));
        // Both are owned by live windows: nothing to offer.
        assert!(store.orphans().offers.is_empty());
        // b exits cleanly; a is killed (dropped without releasing).
        b.release();
        let a_data = a.file();
        drop(a);
        assert!(a_data.exists());
        let scan = store.orphans();
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
        assert_eq!(scan.offers.len(), 1);
        let rec = &scan.offers[0];
        assert_eq!(rec.scenario, s);
        assert_eq!(rec.path.as_deref(), Some(document_path(&a_file).as_path()));
        assert!(rec.path.as_deref().is_some_and(Path::is_absolute));
        assert_eq!(rec.document(), document_path(&a_file).display().to_string());
        assert!(now_utc().0 - rec.saved_at.0 < 60);
        // A new window on the same file does not take the work waiting for the user.
        let c = claim(&store, Some(&a_file));
        assert_ne!(c.file(), rec.file);
        // Restoring takes its lock over: it is no longer offered, and cannot be adopted twice.
        let adopted = store.adopt(rec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(adopted.file(), rec.file);
        assert!(store.orphans().offers.is_empty());
        assert!(store.adopt(rec).is_err());
        adopted.release();
        assert!(!rec.file.exists());
        c.release();
        assert_eq!(std::fs::read_dir(store.recovery_dir().unwrap_or_default()).map(|d| d.count()).ok(), Some(0));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn recent_files_are_remembered_newest_first() {
        let dir = data("recent");
        let mut store = Store::new(Some(dir.clone()));
        store.remember(Path::new("a.ron"));
        store.remember(Path::new("b.ron"));
        store.remember(Path::new("a.ron"));
        let recent = Store::new(Some(dir.clone())).recent().to_vec();
        assert_eq!(recent.len(), 2);
        assert!(recent[0].ends_with("a.ron"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_stale_lock_is_taken_over_and_a_live_one_is_not() {
        let dir = data("stale");
        let store = Store::new(Some(dir.clone()));
        let file = dir.join("x.ron");
        let first = claim(&store, Some(&file));
        let lock = first.lock_file();
        // Another live window has it: a second claim gets another name.
        let second = claim(&store, Some(&file));
        assert_ne!(second.lock_file(), lock);
        second.release();
        first.release();
        // A lock whose process is gone, with no work: taken over under the document's own name.
        dead_lock(&lock);
        let taken = claim(&store, Some(&file));
        assert_eq!(taken.lock_file(), lock);
        assert!(!taken.is_lost());
        drop(taken);
        // An earlier process that had this process's pid: stale too.
        let info = LockInfo { pid: std::process::id(), start: own_start(), nonce: nonce() ^ 2, token: 1 };
        let bytes = serde_json::to_vec(&info).unwrap_or_default();
        assert!(!lock_is_live(&bytes, Some(SystemTime::now()), SystemTime::now()));
        // Stale locks without work are removed by the scan at start.
        assert!(lock.exists());
        assert!(store.orphans().offers.is_empty());
        assert!(!lock.exists());
        // Unsaved work under a dead lock is offered, and adopting it takes the lock over.
        let mut w = claim(&store, Some(&file));
        w.write(&empty_scenario()).unwrap_or_else(|e| panic!("{e}"));
        let lock = w.lock_file();
        drop(w);
        dead_lock(&lock);
        let scan = store.orphans();
        assert_eq!(scan.offers.len(), 1);
        let slot = store.adopt(&scan.offers[0]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!slot.is_lost() && slot.is_written());
        slot.release();
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_window_whose_lock_was_taken_over_knows_it() {
        let dir = data("lost");
        let store = Store::new(Some(dir.clone()));
        let mut slot = claim(&store, None);
        dead_lock(&slot.lock_file());
        assert!(slot.is_lost());
        assert!(slot.write(&empty_scenario()).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

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

    #[test]
    fn a_corrupt_recovery_file_is_set_aside_with_a_message() {
        let dir = data("corrupt");
        let store = Store::new(Some(dir.clone()));
        let rec = dir.join("recovery");
        std::fs::create_dir_all(&rec).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(rec.join("doc-0123.ron"), "Recovery(format: 1, path: Some(\"/x.ron\"), saved_at: ")
            .unwrap_or_else(|e| panic!("{e}"));
        // A relative path is refused: the work would be bound to whatever directory the app is in.
        let mut w = claim(&store, None);
        let text = recovery_text(Some(Path::new("x.ron")), now_utc(), None, &empty_scenario())
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(rec.join("doc-4567.ron"), text).unwrap_or_else(|e| panic!("{e}"));
        w.write(&empty_scenario()).unwrap_or_else(|e| panic!("{e}"));
        let scan = store.orphans();
        assert!(scan.offers.is_empty(), "{:?}", scan.offers);
        assert_eq!(scan.problems.len(), 2, "{:?}", scan.problems);
        assert!(scan.problems.iter().all(|p| p.contains("could not be read")), "{:?}", scan.problems);
        assert!(scan.problems.iter().any(|p| p.contains("not absolute")), "{:?}", scan.problems);
        assert!(rec.join("doc-0123.ron.corrupt").exists());
        // Set aside: not reported again.
        assert!(store.orphans().problems.is_empty());
        drop(w);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_recovery_file_of_an_earlier_version_is_offered_untitled() {
        let dir = data("legacy");
        let store = Store::new(Some(dir.clone()));
        let (s, _) = default_example();
        load::save(&s, &dir.join("recovery.ron")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("recovery-path.txt"), "scenarios/x.ron").unwrap_or_else(|e| panic!("{e}"));
        let scan = store.orphans();
        assert_eq!(scan.offers.len(), 1, "{:?}", scan.problems);
        let rec = &scan.offers[0];
        assert_eq!((rec.path.as_ref(), &rec.scenario), (None, &s));
        assert!(rec.note.as_deref().is_some_and(|n| n.contains("scenarios/x.ron")), "{:?}", rec.note);
        assert!(!dir.join("recovery.ron").exists() && !dir.join("recovery-path.txt").exists());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_hash_naming_a_document_does_not_change() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
