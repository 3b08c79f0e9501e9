//! Small helpers every writer shares: identifiers, durations, the `Unsupported` error.

use super::{ExportError, Target};
use crate::model::names;

/// An identifier for config names: ASCII letters, digits and `_` (others become `_`); the mapping
/// of [`names::identifier`], under which validation refuses collisions.
pub fn ident(name: &str) -> String {
    names::identifier(name)
}

/// Milliseconds as a whole-ms duration string (`"2000ms"`), rounding up so that a timeout is never
/// shorter than the scenario's.
pub fn ms(v: f64) -> String {
    format!("{}ms", v.max(1.0).ceil() as u64)
}

impl ExportError {
    /// An [`ExportError::Unsupported`] for `target`.
    pub fn unsupported(node: &str, policy: impl Into<String>, target: Target, reason: impl Into<String>) -> Self {
        ExportError::Unsupported { node: node.into(), policy: policy.into(), target, reason: reason.into() }
    }
}
