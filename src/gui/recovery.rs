//! The autosave that never touches the user's file, and the recovery of unsaved work at start.
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

use super::files::{Store, open};
use crate::model::load;
use crate::model::{FORMAT_VERSION, Scenario, UtcTime};
use lock::{
    NEXT_TOKEN, Owner, heartbeat, live_tokens, lock_is_live, lock_live_at, owns, read_lock, remove_if_owned,
    remove_if_unchanged, try_lock,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{SystemTime, UNIX_EPOCH};

mod lock;
#[cfg(test)]
mod tests;

/// Seconds between autosaves of a scenario with unsaved changes.
pub const AUTOSAVE_EVERY_S: f64 = 60.0;
/// Seconds between two touches of a window's lock file by its heartbeat thread.
pub const LOCK_HEARTBEAT_S: u64 = 60;
/// Where `/proc` cannot tell whether a lock's process lives: a lock file not touched for this
/// many seconds is stale.
pub const LOCK_STALE_AFTER_S: u64 = 300;
/// Version of the recovery file's wrapper.
const RECOVERY_FORMAT: u32 = 1;
/// A recovery file is read up to this size (the scenario's limit, and room for its indentation).
const RECOVERY_MAX_BYTES: u64 = 2 * load::MAX_FILE_BYTES;
/// Names tried for a slot before giving up.
const SLOT_ATTEMPTS: usize = 16;

/// The path a document's recovery names: canonical when the file exists, else absolute.
pub fn document_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_owned())
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
