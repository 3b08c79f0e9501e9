//! HAProxy's config syntax (src/tools.c `parse_line`): one keyword line per line, grouped in
//! sections (`global`, `defaults`, `frontend`, `backend`, `listen`, ...); words separated by
//! spaces or tabs; `#` starts a comment; `"..."` (with `\` escapes) and `'...'` (literal) quote
//! parts of a word; `\` escapes a space, `#`, a quote or a backslash outside single quotes.

use super::{ImportError, Loc, at};
use std::path::Path;

/// One keyword line: its words (quotes and escapes resolved) and where it is.
#[derive(Clone, Debug)]
pub(super) struct Line {
    /// The words; the first is the keyword.
    pub words: Vec<String>,
    /// Where.
    pub at: Loc,
}

impl Line {
    /// Word `i`, or "".
    pub(super) fn word(&self, i: usize) -> &str {
        self.words.get(i).map_or("", String::as_str)
    }
}

/// A section: its keyword (`frontend`...), its arguments (the name), its lines.
#[derive(Clone, Debug)]
pub(super) struct Section {
    /// `global`, `defaults`, `frontend`, `backend`, `listen`, ...
    pub kind: String,
    /// The section's name, when it has one.
    pub name: Option<String>,
    /// Where the section starts.
    pub at: Loc,
    /// Its keyword lines.
    pub lines: Vec<Line>,
}

/// Keywords that open a section.
const SECTIONS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "peers",
    "resolvers",
    "userlist",
    "mailers",
    "program",
    "http-errors",
    "ring",
    "cache",
    "log-forward",
    "crt-store",
    "traces",
];

/// Sections whose name is required.
const NAMED: &[&str] = &["frontend", "backend", "listen", "peers", "resolvers", "userlist", "mailers", "program"];

/// Splits one line into words; `None` for a line with none.
fn words(text: &str, loc: &Loc) -> Result<Vec<String>, ImportError> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => {
                in_word = true;
                match chars.next() {
                    Some('t') => word.push('\t'),
                    Some('r') => word.push('\r'),
                    Some('n') => word.push('\n'),
                    Some('x') => {
                        let hex: String = [chars.next(), chars.next()].iter().flatten().collect();
                        match u8::from_str_radix(&hex, 16) {
                            Ok(b) => word.push(char::from(b)),
                            Err(_) => return Err(at(loc, format!("invalid escape \\x{hex}: expected two hex digits"))),
                        }
                    }
                    Some(e) => word.push(e),
                    None => word.push('\\'),
                }
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                in_word = true;
                quote = Some(c);
            }
            (None, '#') => break,
            (None, c) if c == ' ' || c == '\t' || c == '\r' => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if let Some(q) = quote {
        return Err(at(loc, format!("unterminated quote: expected a closing {q} on this line")));
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

/// Parses a config into sections. A keyword before any section is an error, as in HAProxy.
pub(super) fn parse(text: &str, file: &Path) -> Result<Vec<Section>, ImportError> {
    let mut out: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc { file: file.to_owned(), line: i + 1 };
        let w = words(raw, &loc)?;
        let Some(first) = w.first() else { continue };
        if SECTIONS.contains(&first.as_str()) {
            let name = w.get(1).cloned();
            if NAMED.contains(&first.as_str()) && name.as_deref().is_none_or(str::is_empty) {
                return Err(at(&loc, format!("{first}: expected a name")));
            }
            if let Some(extra) = w.get(2).filter(|x| *x != "from") {
                return Err(at(&loc, format!("{first} {}: unexpected {extra:?}", w[1])));
            }
            out.push(Section { kind: first.clone(), name, at: loc, lines: Vec::new() });
            continue;
        }
        let Some(section) = out.last_mut() else {
            return Err(at(
                &loc,
                format!(
                    "{first:?} is outside any section: expected global, defaults, frontend, backend or listen first"
                ),
            ));
        };
        section.lines.push(Line { words: w, at: loc });
    }
    Ok(out)
}

/// Whole milliseconds from an HAProxy time (`5s`, `100ms`, `1m`; a bare number in `unit_ms`).
pub(super) fn time_ms(s: &str, unit_ms: u64) -> Option<u64> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits == 0 {
        return None;
    }
    let n: u64 = s[..digits].parse().ok()?;
    match &s[digits..] {
        "" => n.checked_mul(unit_ms),
        "us" => Some(n.div_ceil(1000)),
        "ms" => Some(n),
        "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => None,
    }
}
