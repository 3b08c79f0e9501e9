//! Reading and writing scenario files (RON), with errors that point at the line, and atomic saves.

use super::{FORMAT_VERSION, Scenario, validate};
use serde::Deserialize;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Files larger than this are refused before parsing (a hostile or mistaken input). A scenario of
/// 100,000 nodes written a field a line is about 26 MB; parsing 64 MiB takes about 2 s and 0.5 GB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a scenario could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The text is not a valid scenario.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What was expected.
        message: String,
    },
    /// The file was written by a newer gatesim.
    #[error("{path}: format_version {found} is newer than this gatesim reads ({supported}); upgrade gatesim")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The file's version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("{path}: {bytes} bytes is larger than the {MAX_FILE_BYTES}-byte limit for a scenario")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// The scenario parsed but is not meaningful.
    #[error("{}", Invalid(.path, .problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<validate::Problem>,
    },
}

struct Invalid<'a>(&'a Path, &'a [validate::Problem]);

impl fmt::Display for Invalid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.1.len();
        write!(f, "{}: {n} problem{}", self.0.display(), if n == 1 { "" } else { "s" })?;
        for p in self.1 {
            write!(f, "\n  {}", p.display_in(self.0))?;
        }
        Ok(())
    }
}

/// Only the version, read first so that a newer file gets a version message, not a field error.
#[derive(Deserialize)]
#[serde(rename = "Scenario")]
struct VersionProbe {
    format_version: u32,
}

/// Parses and validates scenario text. `path` is used in messages only.
pub fn from_str(text: &str, path: &Path) -> Result<Scenario, LoadError> {
    let scenario = parse(text, path)?;
    let problems = validate::validate(&scenario, Some(text));
    if problems.iter().any(|p| p.severity == validate::Severity::Error) {
        return Err(LoadError::Invalid { path: path.to_owned(), problems });
    }
    Ok(scenario)
}

/// The `name` of the entry (a node, a timeline entry, a variant) that holds line `line` (1-based):
/// the nearest `name: "..."` at or above it, so that a value the parser refuses is reported with
/// the node it belongs to.
fn enclosing_name(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(line).collect();
    let (i, l) = lines.iter().enumerate().rev().find(|(_, l)| l.contains("name: \""))?;
    // The scenario's own title is not an entry.
    if lines[i.saturating_sub(1)..=i].iter().any(|l| l.contains("format_version")) {
        return None;
    }
    let rest = &l[l.find("name: \"")? + 7..];
    let name = &rest[..rest.find('"')?];
    (!name.is_empty() && name.len() <= 200).then(|| name.to_owned())
}

/// Deepest nesting of values the parser follows (RON's default, stated here so the message can name
/// it): deeper input is an error, never a stack overflow.
const RECURSION_LIMIT: usize = 128;

/// Parses scenario text without semantic validation (the linter and the editor want the problems
/// as data, not as an error).
pub fn parse(text: &str, path: &Path) -> Result<Scenario, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let syntax = |e: ron::error::SpannedError| LoadError::Syntax {
        path: path.to_owned(),
        line: e.span.start.line,
        col: e.span.start.col,
        message: match e.code {
            // RON's own message suggests raising the limit, which a user of gatesim cannot do.
            ron::Error::ExceededRecursionLimit => {
                format!("values nest more than {RECURSION_LIMIT} levels deep here; no scenario needs that many")
            }
            code => match enclosing_name(text, e.span.start.line) {
                Some(name) if matches!(code, ron::Error::IntegerOutOfBounds) => {
                    format!("{code}: this field takes a whole number >= 0 that fits it (in \"{name}\")")
                }
                Some(name) => format!("{code} (in \"{name}\")"),
                None => code.to_string(),
            },
        },
    };
    // `Some(...)` may be left out around an optional value (`end: "15:30"`).
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(RECURSION_LIMIT);
    if let Ok(probe) = options.from_str::<VersionProbe>(text)
        && probe.format_version > FORMAT_VERSION
    {
        return Err(LoadError::TooNew {
            path: path.to_owned(),
            found: probe.format_version,
            supported: FORMAT_VERSION,
        });
    }
    let scenario: Scenario = options.from_str(text).map_err(syntax)?;
    if scenario.format_version == 0 {
        return Err(LoadError::Syntax {
            path: path.to_owned(),
            line: 1,
            col: 1,
            message: "format_version must be at least 1".into(),
        });
    }
    Ok(scenario)
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = read_text(path)?;
    from_str(&text, path)
}

/// Reads a scenario file's text: a regular file (not a directory, device or pipe) of at most
/// [`MAX_FILE_BYTES`] (counted on the bytes read, so a file that grows or lies about its size
/// cannot exceed it), UTF-8 with or without a byte-order mark; invalid UTF-8 is an error at its
/// line and column.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let io = |source| LoadError::Io { path: path.to_owned(), source };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::other(
            "not a regular file (a directory, a device or a pipe): give the path of a scenario file",
        )));
    }
    let mut bytes = Vec::new();
    fs::File::open(path).map_err(io)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge { path: path.to_owned(), bytes: meta.len().max(bytes.len() as u64) });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let valid = &body[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[start..]).chars().count() + 1;
            Err(LoadError::Syntax {
                path: path.to_owned(),
                line,
                col,
                message: "invalid UTF-8: a scenario file is UTF-8 text".into(),
            })
        }
    }
}

/// The scenario as RON text, the way [`save`] writes it.
pub fn to_string(scenario: &Scenario) -> String {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(8)
        .struct_names(true)
        .separate_tuple_members(false)
        .indentor("    ".to_string());
    // Serialising plain data with finite and non-finite floats cannot fail; fall back to the
    // debug form rather than lose the user's work if it ever did.
    ron::ser::to_string_pretty(scenario, config)
        .unwrap_or_else(|e| format!("// could not serialise: {e}\n{scenario:?}"))
}

/// Writes the scenario atomically: a temporary file in the same directory, flushed to disk, then
/// renamed over `path`, then the directory flushed. A crash at any point leaves either the old or
/// the new file, never a torn one.
pub fn save(scenario: &Scenario, path: &Path) -> Result<(), LoadError> {
    write_atomic(path, to_string(scenario).as_bytes())
}

/// Temporary files and directories being written, so that a signal handler can remove them
/// ([`remove_temporaries`]) before the process exits.
static TEMPORARIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Registers a temporary path until the returned guard is dropped.
pub(crate) struct Registered(PathBuf);

impl Registered {
    pub(crate) fn new(path: &Path) -> Registered {
        if let Ok(mut t) = TEMPORARIES.lock() {
            t.push(path.to_owned());
        }
        Registered(path.to_owned())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut t) = TEMPORARIES.lock() {
            t.retain(|p| *p != self.0);
        }
    }
}

/// Removes every temporary file or directory still being written (the command line calls this on
/// SIGINT and SIGTERM, then exits).
pub fn remove_temporaries() {
    let paths = match TEMPORARIES.lock() {
        Ok(mut t) => std::mem::take(&mut *t),
        Err(_) => return,
    };
    for p in paths {
        if p.is_dir() {
            fs::remove_dir_all(&p).ok();
        } else {
            fs::remove_file(&p).ok();
        }
    }
}

/// Where writing to `path` really writes: `path`, or, when it is a symbolic link, the file it
/// points to (followed on purpose: the link stays and its target is replaced).
pub fn write_target(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match fs::read_link(path) {
            Ok(t) if t.is_absolute() => t,
            Ok(t) => path.parent().map_or(t.clone(), |d| d.join(&t)),
            Err(_) => path.to_owned(),
        },
        _ => path.to_owned(),
    }
}

/// The directory of `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Writes bytes to `path` atomically: a temporary file with a random name, created exclusively in
/// the same directory (it cannot replace anything that exists), given the target's permissions,
/// flushed, then renamed over the target and the directory flushed. A symbolic link is followed on
/// purpose (its target is replaced, the link kept). A write that fails, or a SIGINT/SIGTERM in the
/// command line, leaves no temporary file; a crash leaves the old or the new file, never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: path.to_owned(), source };
    let target = write_target(path);
    let dir = parent_dir(&target);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(&dir).map_err(io)?;
    let _registered = Registered::new(tmp.path());
    if let Ok(meta) = fs::metadata(&target) {
        fs::set_permissions(tmp.path(), meta.permissions()).map_err(io)?;
    }
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(&target).map_err(|e| io(e.error))?;
    // Make the rename durable. Directories cannot be opened for syncing on every platform; the
    // rename itself has happened either way.
    if let Ok(d) = fs::File::open(&dir) {
        d.sync_all().ok();
    }
    Ok(())
}
