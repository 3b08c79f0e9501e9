//! The comments of a scenario file, which a save cannot keep: gatesim writes the scenario from
//! its data ([`super::load::save`]), so notes belong in the data (`description` on the scenario
//! and on every node). Before a save overwrites a file, the desktop app asks whether comments
//! found here may be dropped.

use std::path::Path;

/// A comment of a RON file: the 1-based line it starts on and its text (trimmed, at most 80
/// characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Line it starts on, from 1.
    pub line: usize,
    /// Its first line, trimmed.
    pub text: String,
}

/// The comments of RON text (`// ...` to the end of a line, `/* ... */` nested as RON nests
/// them), outside strings (`"..."` with escapes, raw strings `r#"..."#`).
pub fn comments(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let first_line = |from: usize| -> String {
        let rest = &text[from..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end].trim().chars().take(80).collect()
    };
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'\n') {
                        line += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'r' if matches!(b.get(i + 1), Some(b'#' | b'"')) => {
                // A raw string: r, n hashes, a quote, up to a quote and n hashes.
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(j - i - 1));
                let end = text[j + 1..].find(&close).map_or(b.len(), |k| j + 1 + k + close.len());
                line += text[i..end].matches('\n').count();
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                out.push(Comment { line, text: first_line(i) });
                i = text[i..].find('\n').map_or(b.len(), |k| i + k);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                out.push(Comment { line, text: first_line(i) });
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        line += usize::from(b[i] == b'\n');
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The comments a save over `path` would drop: those of the file as it is on disk (none when it
/// does not exist or cannot be read: nothing to lose that a save could keep).
pub fn comments_in_file(path: &Path) -> Vec<Comment> {
    std::fs::read_to_string(path).map(|t| comments(&t)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_with_their_line_outside_strings() {
        let text = "// first\nScenario(\n  name: \"a // not a comment\", /* block\n spans */ x: 1,\n  d: r#\"raw /* no \"# // tail\n)\n";
        let got = comments(text);
        let lines: Vec<usize> = got.iter().map(|c| c.line).collect();
        assert_eq!(lines, [1, 3, 5], "{got:?}");
        assert_eq!(got[0].text, "// first");
        assert_eq!(got[1].text, "/* block");
        assert_eq!(got[2].text, "// tail");
        assert!(comments("Scenario(name: \"x\\\" // y\")").is_empty(), "an escaped quote stays in the string");
        assert_eq!(comments("/* a /* nested */ still */ // after").len(), 2);
    }

    #[test]
    fn what_gatesim_writes_has_no_comments() {
        let s = crate::model::Scenario::new("plain", crate::model::Topology::default());
        assert!(comments(&crate::model::load::to_string(&s)).is_empty());
    }
}
