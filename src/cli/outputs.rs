//! Outputs are checked before any simulation starts: each can be written (its directory exists and
//! accepts a new file), none is an input (the same file, compared by device and inode, so a second
//! name or a link does not hide it) or another output, and a CSV directory holds only what gatesim
//! writes there. A run that would fail to write its results fails at once, not after an hour.

use crate::model::load::{parent_dir, write_target};
use crate::report::csv_dir_replaceable;
use std::path::{Path, PathBuf};

/// An output: the flag that names it, its path, and whether it is a directory (`--csv`).
pub type Output<'a> = (&'a str, &'a Path, bool);

#[cfg(unix)]
fn identity(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &Path) -> Option<(u64, u64)> {
    None
}

/// The path with its directory made absolute and links resolved (the file itself may not exist).
fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    let dir = std::fs::canonicalize(parent_dir(p)).unwrap_or_else(|_| parent_dir(p));
    p.file_name().map_or(dir.clone(), |n| dir.join(n))
}

fn same(a: &Path, b: &Path) -> bool {
    match (identity(a), identity(b)) {
        (Some(x), Some(y)) => x == y,
        _ => canonical(a) == canonical(b),
    }
}

/// Checks `outputs` against `inputs` and each other, and that each can be written. The error names
/// the flag, the path and what is wrong.
pub fn check(inputs: &[&Path], outputs: &[Output<'_>]) -> Result<(), String> {
    for (i, &(flag, path, is_dir)) in outputs.iter().enumerate() {
        if let Some(input) = inputs.iter().find(|input| same(input, path)) {
            return Err(format!(
                "{flag} {} is the same file as the input {}: it would be overwritten",
                path.display(),
                input.display()
            ));
        }
        if let Some(&(other, _, _)) = outputs[..i].iter().find(|o| same(o.1, path)) {
            return Err(format!("{flag} {} is also the path of {other}", path.display()));
        }
        let dir = if is_dir {
            csv_dir_replaceable(path)?;
            parent_dir(path)
        } else {
            if path.is_dir() {
                return Err(format!("{flag} {} is a directory; give a file name", path.display()));
            }
            parent_dir(&write_target(path))
        };
        if is_dir && !dir.exists() {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
        }
        tempfile::tempfile_in(&dir)
            .map_err(|e| format!("{flag} {}: cannot write in {}: {e}", path.display(), dir.display()))?;
    }
    Ok(())
}
