//! Importers: a real NGINX or HAProxy config read back into a [`Scenario`], the inverse of
//! [`crate::export`].
//!
//! Each syntax has a tokenizer that knows only the product's lexical rules (`nginx_syntax.rs`:
//! quoting, escapes, comments, blocks, `include`; `haproxy_syntax.rs`: line-based sections,
//! quoting, `\` escapes, `{ ... }` anonymous ACLs) and a mapper that turns directives into the
//! product-neutral `Ir` below (`nginx.rs` with `nginx/upstream.rs`; `haproxy.rs` with
//! `haproxy/backend.rs` and `haproxy_rules.rs`, the conditions). `Ir` is then built
//! into a scenario in one place (`build.rs`): a client population, one gateway with a route per
//! location or path rule, one load balancer per `upstream`/`backend`, one service per group of
//! alike servers, links with the servers' weights.
//!
//! What a config says that the scenario cannot hold is never dropped silently: it becomes a
//! [`Note`] with the file and line and why. What a config cannot say (service times, traffic) gets
//! a documented default, also listed. What makes the config unusable (a syntax error, an include
//! outside the imported file's directory, a reference to something undefined, a value the product
//! itself would refuse) is an [`ImportError`] with `file:line`. See `docs/import.md`.

mod build;
mod haproxy;
mod haproxy_rules;
mod haproxy_syntax;
mod nginx;
mod nginx_syntax;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(test)]
mod tests;

use crate::model::{ActiveCheck, Balance, Failover, RateLimit, Scenario, validate};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The syntax of a config to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An `nginx.conf` or an http-context snippet (`conf.d/*.conf`).
    Nginx,
    /// An `haproxy.cfg`.
    Haproxy,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nginx" => Ok(Format::Nginx),
            "haproxy" => Ok(Format::Haproxy),
            other => Err(format!("unknown format {other:?} (expected nginx or haproxy)")),
        }
    }
}

/// A place in a config: the file (as reached from the imported file) and the 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// What kind of listing entry a [`Note`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// A directive with no bearing on what gatesim simulates (logging, TLS, headers, process
    /// settings): nothing is lost.
    Ignored,
    /// Something the config does that the scenario does not (a regex location, a second rate
    /// limit, an `if`, a backup server...): the simulation will not show it.
    NotMapped,
    /// A name that is not a valid gatesim name, imported under another.
    Renamed,
    /// A value a config does not hold (service times, traffic), given a default.
    Default,
}

impl NoteKind {
    /// The label the listing prints.
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Ignored => "ignored",
            NoteKind::NotMapped => "not mapped",
            NoteKind::Renamed => "renamed",
            NoteKind::Default => "default",
        }
    }
}

/// One entry of the listing of what was not mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where (none for defaults, which no line holds).
    pub at: Option<Loc>,
    /// What kind of entry.
    pub kind: NoteKind,
    /// What and why.
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = &self.at {
            write!(f, "{at}: ")?;
        }
        write!(f, "{}: {}", self.kind.label(), self.text)
    }
}

/// Why a config could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A problem at a line: a syntax error, a refused include, an undefined reference, a value the
    /// product refuses.
    #[error("{at}: {message}")]
    At {
        /// Where.
        at: Loc,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A problem with the file as a whole.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The scenario built from the config does not validate.
    #[error("{path}: the imported scenario is not valid: {}", .problems.join("; "))]
    Invalid {
        /// The imported file.
        path: PathBuf,
        /// Every error, as `model::validate` words it.
        problems: Vec<String>,
    },
}

/// Shorthand for an [`ImportError::At`].
pub(crate) fn at(loc: &Loc, message: impl Into<String>) -> ImportError {
    ImportError::At { at: loc.clone(), message: message.into() }
}

/// A config imported: the scenario and the listing.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The scenario, validated.
    pub scenario: Scenario,
    /// What was ignored, not mapped, renamed or defaulted, in file order, defaults last.
    pub notes: Vec<Note>,
    /// Every file read: the imported one, then the files it includes (an output must not be one).
    pub files: Vec<PathBuf>,
}

/// Files larger than this are refused (a config is kilobytes).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most routes one import builds (a real gateway has tens to hundreds).
pub const MAX_ROUTES: usize = 5000;

/// Most servers (over all pools) one import builds.
pub const MAX_SERVERS: usize = 20_000;

/// The client population's request rate, r/s (a config holds no traffic).
pub const DEFAULT_RATE_RPS: f64 = 50.0;
/// The client population's users.
pub const DEFAULT_USERS: u32 = 1000;
/// A service's time per request: exponential with this mean, ms.
pub const DEFAULT_SERVICE_MEAN_MS: f64 = 20.0;
/// A service instance's concurrency slots.
pub const DEFAULT_CONCURRENCY: u32 = 8;
/// A service instance's queue.
pub const DEFAULT_QUEUE: u32 = 64;
/// The gateway's processing time per request, ms.
pub const DEFAULT_PROCESSING_MS: f64 = 1.0;
/// The name of the client population.
pub const CLIENTS_NAME: &str = "clients";

/// The syntax a file is in, from its name (`*.cfg` or a name containing
/// `haproxy` is HAProxy, `*.conf` or a name containing `nginx` is NGINX), else from its content
/// (HAProxy section keywords at the start of a line, or NGINX's `;`-terminated directives).
pub fn detect(path: &Path, text: &str) -> Option<Format> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if name.contains("haproxy") || name.ends_with(".cfg") {
        return Some(Format::Haproxy);
    }
    if name.contains("nginx") || name.ends_with(".conf") {
        return Some(Format::Nginx);
    }
    let mut haproxy = 0;
    let mut nginx = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if ["frontend", "backend", "listen", "defaults", "global"].contains(&first) && !t.contains('{') {
            haproxy += 1;
        }
        if t.ends_with(';') || t.ends_with('{') || t == "}" {
            nginx += 1;
        }
    }
    match (haproxy, nginx) {
        (0, 0) => None,
        (h, n) if h >= n => Some(Format::Haproxy),
        _ => Some(Format::Nginx),
    }
}

/// Reads a config file: a regular file of at most [`MAX_FILE_BYTES`], decoded as UTF-8 with
/// invalid bytes replaced (a config's comments may hold any bytes; a name holding them is renamed).
pub(crate) fn read_config(path: &Path) -> Result<String, ImportError> {
    use std::io::Read;
    let io = |source| ImportError::Io { path: path.to_owned(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::other("not a regular file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ImportError::File {
            path: path.to_owned(),
            message: format!("larger than the {MAX_FILE_BYTES}-byte limit for a config"),
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    Ok(String::from_utf8_lossy(body).into_owned())
}

/// Imports the config at `path` (NGINX `include`s are followed inside its directory).
pub fn import_file(path: &Path, format: Option<Format>) -> Result<Imported, ImportError> {
    let text = read_config(path)?;
    let format = match format.or_else(|| detect(path, &text)) {
        Some(f) => f,
        None => {
            return Err(ImportError::File {
                path: path.to_owned(),
                message: "cannot tell whether this is an NGINX or an HAProxy config; give --format".into(),
            });
        }
    };
    import_str(&text, path, format)
}

/// Imports config text read from `path` (used in messages, and as the directory NGINX `include`s
/// are resolved in and confined to).
pub fn import_str(text: &str, path: &Path, format: Format) -> Result<Imported, ImportError> {
    let mut notes = Vec::new();
    let ir = match format {
        Format::Nginx => nginx::read(text, path, &mut notes)?,
        Format::Haproxy => haproxy::read(text, path, &mut notes)?,
    };
    let mut seen = BTreeSet::new();
    notes.retain(|n| seen.insert(n.to_string()));
    let mut files = vec![path.to_owned()];
    files.extend(ir.included.iter().cloned());
    let scenario = build::build(ir, path, &mut notes)?;
    let problems: Vec<String> = validate::validate(&scenario, None)
        .into_iter()
        .filter(|p| p.severity == validate::Severity::Error)
        .map(|p| match p.node {
            Some(n) => format!("[{n}] {}", p.message),
            None => p.message,
        })
        .collect();
    if !problems.is_empty() {
        return Err(ImportError::Invalid { path: path.to_owned(), problems });
    }
    Ok(Imported { scenario, notes, files })
}

/// The product-neutral result of reading a config: a gateway's routes and its pools.
#[derive(Clone, Debug)]
pub(crate) struct Ir {
    /// The gateway's name as the config gives it (server name, frontend name), and where.
    pub gateway: (String, Loc),
    /// Routes, any order (the gateway matches by longest prefix).
    pub routes: Vec<IrRoute>,
    /// Pools, in order of first use.
    pub pools: Vec<IrPool>,
    /// The files read besides the imported one (NGINX includes), as reached from it.
    pub included: Vec<PathBuf>,
}

/// A route.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IrRoute {
    /// Path prefix.
    pub prefix: String,
    /// Where it is (the location, the ACL).
    pub at: Loc,
    /// Index into [`Ir::pools`].
    pub pool: usize,
    /// Upstream timeout, ms.
    pub timeout_ms: Option<f64>,
    /// Rate limit, and the identifier of its state in the config (zone, stick table) and where
    /// that is: routes with one state share one bucket in the product.
    pub limit: Option<(RateLimit, String, Loc)>,
}

/// An upstream or backend.
#[derive(Clone, Debug)]
pub(crate) struct IrPool {
    /// Its name in the config.
    pub name: String,
    /// Where it is declared.
    pub at: Loc,
    /// Balancing algorithm.
    pub algorithm: Balance,
    /// Failover.
    pub failover: Failover,
    /// Active checks.
    pub check: Option<ActiveCheck>,
    /// Servers in order.
    pub servers: Vec<IrServer>,
}

/// A server of a pool.
#[derive(Clone, Debug)]
pub(crate) struct IrServer {
    /// Its name (HAProxy), none for NGINX.
    pub name: Option<String>,
    /// Weight (whole, >= 1).
    pub weight: u32,
    /// Where the server is.
    pub at: Loc,
}
