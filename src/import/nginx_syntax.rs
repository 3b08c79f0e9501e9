//! NGINX's config syntax (ngx_conf_file.c): directives of words ended by `;` or by a `{ ... }`
//! block, `#` comments (at the start of a word), single- and double-quoted strings with `\`
//! escapes, `${var}` inside a word; and `include`, followed only inside the imported file's
//! directory.

use super::{ImportError, Loc, at, read_config};
use std::path::{Path, PathBuf};

/// One directive: its name, arguments (quotes and escapes resolved), where it is, and its block.
#[derive(Clone, Debug)]
pub(super) struct Directive {
    /// The first word.
    pub name: String,
    /// The other words.
    pub args: Vec<String>,
    /// Where the directive starts.
    pub at: Loc,
    /// The `{ ... }` block, if it has one.
    pub block: Option<Vec<Directive>>,
}

/// Deepest nesting of blocks accepted (NGINX configs nest three or four deep).
const MAX_BLOCK_DEPTH: usize = 32;
/// Deepest nesting of `include`s.
pub(super) const MAX_INCLUDE_DEPTH: usize = 8;
/// Most files one import reads (a glob could match thousands).
const MAX_FILES: usize = 256;

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Semi,
    Open,
    Close,
}

/// The tokens of `text` with their lines.
fn tokens(text: &str, file: &Path) -> Result<Vec<(Tok, usize)>, ImportError> {
    let loc = |line| Loc { file: file.to_owned(), line };
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ';' => {
                out.push((Tok::Semi, line));
                i += 1;
            }
            '{' => {
                out.push((Tok::Open, line));
                i += 1;
            }
            '}' => {
                out.push((Tok::Close, line));
                i += 1;
            }
            '"' | '\'' => {
                let start = line;
                let mut word = String::new();
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err(at(&loc(start), format!("unterminated quoted string: expected a closing {c}")));
                    };
                    i += 1;
                    match d {
                        '\\' => {
                            let Some(&e) = chars.get(i) else { continue };
                            i += 1;
                            if e == '\n' {
                                line += 1;
                            }
                            unescape(&mut word, e);
                        }
                        d if d == c => break,
                        '\n' => {
                            line += 1;
                            word.push(d);
                        }
                        d => word.push(d),
                    }
                }
                match chars.get(i) {
                    None | Some(';' | '{') => {}
                    Some(c) if c.is_whitespace() => {}
                    Some(&other) => {
                        return Err(at(
                            &loc(line),
                            format!("unexpected {other:?} after a quoted string: expected a space, `;` or `{{`"),
                        ));
                    }
                }
                out.push((Tok::Word(word), start));
            }
            _ => {
                let mut word = String::new();
                while let Some(&d) = chars.get(i) {
                    if d.is_whitespace() || d == ';' || d == '}' || (d == '{' && !word.ends_with('$')) {
                        break;
                    }
                    i += 1;
                    match d {
                        '\\' => {
                            if let Some(&e) = chars.get(i) {
                                i += 1;
                                if e == '\n' {
                                    line += 1;
                                }
                                unescape(&mut word, e);
                            }
                        }
                        '{' => {
                            // `${name}`: the braces belong to the variable.
                            word.push('{');
                            while let Some(&e) = chars.get(i) {
                                i += 1;
                                if e == '\n' {
                                    return Err(at(&loc(line), "unterminated ${...} variable: expected }"));
                                }
                                word.push(e);
                                if e == '}' {
                                    break;
                                }
                            }
                        }
                        d => word.push(d),
                    }
                }
                out.push((Tok::Word(word), line));
            }
        }
    }
    Ok(out)
}

/// NGINX's escapes: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; any other `\x` stays as written.
fn unescape(word: &mut String, e: char) {
    match e {
        '"' | '\'' | '\\' => word.push(e),
        't' => word.push('\t'),
        'r' => word.push('\r'),
        'n' => word.push('\n'),
        other => {
            word.push('\\');
            word.push(other);
        }
    }
}

/// Parses one file's text into directives (includes not followed).
pub(super) fn parse(text: &str, file: &Path) -> Result<Vec<Directive>, ImportError> {
    let toks = tokens(text, file)?;
    let mut pos = 0;
    let last_line = text.lines().count().max(1);
    let dirs = block(&toks, &mut pos, file, 0, None, last_line)?;
    Ok(dirs)
}

fn block(
    toks: &[(Tok, usize)],
    pos: &mut usize,
    file: &Path,
    depth: usize,
    opened: Option<usize>,
    last_line: usize,
) -> Result<Vec<Directive>, ImportError> {
    let loc = |line| Loc { file: file.to_owned(), line };
    if depth > MAX_BLOCK_DEPTH {
        return Err(at(&loc(opened.unwrap_or(1)), format!("blocks nest more than {MAX_BLOCK_DEPTH} deep")));
    }
    let mut out = Vec::new();
    let mut words: Vec<(String, usize)> = Vec::new();
    loop {
        let Some((tok, line)) = toks.get(*pos) else {
            if let Some((w, l)) = words.first() {
                return Err(at(
                    &loc(*l),
                    format!("unexpected end of file in directive {w:?}: expected `;` or `{{` (is the file truncated?)"),
                ));
            }
            return match opened {
                Some(l) => Err(at(
                    &loc(last_line),
                    format!("unexpected end of file: the block opened at line {l} is not closed, expected `}}`"),
                )),
                None => Ok(out),
            };
        };
        *pos += 1;
        match tok {
            Tok::Word(w) => words.push((w.clone(), *line)),
            Tok::Semi => {
                let Some(((name, l), args)) = words.split_first() else {
                    return Err(at(&loc(*line), "unexpected `;`: expected a directive name first"));
                };
                out.push(Directive {
                    name: name.clone(),
                    args: args.iter().map(|a| a.0.clone()).collect(),
                    at: loc(*l),
                    block: None,
                });
                words.clear();
            }
            Tok::Open => {
                let Some(((name, l), args)) = words.split_first() else {
                    return Err(at(&loc(*line), "unexpected `{`: expected a directive name first"));
                };
                let (name, args, l) = (name.clone(), args.iter().map(|a| a.0.clone()).collect(), *l);
                words.clear();
                let inner = block(toks, pos, file, depth + 1, Some(*line), last_line)?;
                out.push(Directive { name, args, at: loc(l), block: Some(inner) });
            }
            Tok::Close => {
                if let Some((w, l)) = words.first() {
                    return Err(at(&loc(*l), format!("directive {w:?} is not terminated: expected `;` before `}}`")));
                }
                return match opened {
                    Some(_) => Ok(out),
                    None => Err(at(&loc(*line), "unexpected `}`: no block is open here")),
                };
            }
        }
    }
}

/// Follows `include`s: every path must resolve (after `..` and symbolic links) inside `root`.
pub(super) struct Includer {
    /// The imported file's directory, canonical; `None` when it cannot be resolved.
    root: Option<PathBuf>,
    /// The same directory as the user named it (for messages).
    shown: PathBuf,
    /// Files being read, canonical, outermost first.
    stack: Vec<PathBuf>,
    /// Files read so far.
    files: usize,
    /// The included files read, as reached from the imported file.
    pub(super) read: Vec<PathBuf>,
}

impl Includer {
    /// An includer for the file at `path`.
    pub(super) fn new(path: &Path) -> Includer {
        let shown = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let root = std::fs::canonicalize(&shown).ok();
        let stack = std::fs::canonicalize(path).ok().into_iter().collect();
        Includer { root, shown, stack, files: 1, read: Vec::new() }
    }

    /// `dirs` with every `include` replaced by the directives of the files it names.
    pub(super) fn expand(&mut self, dirs: Vec<Directive>) -> Result<Vec<Directive>, ImportError> {
        let mut out = Vec::new();
        for mut d in dirs {
            if d.name == "include" && d.block.is_none() {
                out.extend(self.include(&d)?);
                continue;
            }
            if let Some(inner) = d.block.take() {
                d.block = Some(self.expand(inner)?);
            }
            out.push(d);
        }
        Ok(out)
    }

    fn include(&mut self, d: &Directive) -> Result<Vec<Directive>, ImportError> {
        let [pattern] = d.args.as_slice() else {
            return Err(at(&d.at, "include takes exactly one file name or pattern"));
        };
        let Some(root) = self.root.clone() else {
            return Err(at(
                &d.at,
                format!("include {pattern:?}: the directory {} cannot be read", self.shown.display()),
            ));
        };
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(at(&d.at, format!("include {pattern:?}: includes nest more than {MAX_INCLUDE_DEPTH} deep")));
        }
        let given = Path::new(pattern);
        let shown = if given.is_absolute() { given.to_owned() } else { self.shown.join(given) };
        let name = shown.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir_part = shown.parent().map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."));
        let is_glob = |s: &str| s.contains(['*', '?', '[']);
        if is_glob(&dir_part.to_string_lossy()) {
            return Err(at(&d.at, format!("include {pattern:?}: wildcards are accepted in the file name only")));
        }
        let outside = |p: &Path| {
            at(
                &d.at,
                format!(
                    "include {pattern:?} resolves to {}, outside the imported file's directory {}: refused",
                    p.display(),
                    root.display()
                ),
            )
        };
        let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
        if is_glob(&name) {
            // NGINX: a pattern matching nothing is not an error.
            let Ok(dir) = std::fs::canonicalize(&dir_part) else { return Ok(Vec::new()) };
            if !dir.starts_with(&root) {
                return Err(outside(&dir));
            }
            let entries = std::fs::read_dir(&dir).map_err(|e| at(&d.at, format!("include {pattern:?}: {e}")))?;
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && glob_match(&name, n))
                .collect();
            names.sort();
            for n in names {
                let shown_file = dir_part.join(&n);
                let canon = std::fs::canonicalize(&shown_file)
                    .map_err(|e| at(&d.at, format!("include {}: {e}", shown_file.display())))?;
                if !canon.starts_with(&root) {
                    return Err(outside(&canon));
                }
                if canon.is_file() {
                    files.push((shown_file, canon));
                }
            }
        } else {
            let canon = std::fs::canonicalize(&shown)
                .map_err(|e| at(&d.at, format!("include {pattern:?}: {} cannot be opened: {e}", shown.display())))?;
            if !canon.starts_with(&root) {
                return Err(outside(&canon));
            }
            files.push((shown, canon));
        }
        let mut out = Vec::new();
        for (shown_file, canon) in files {
            if self.stack.contains(&canon) {
                return Err(at(
                    &d.at,
                    format!("include {pattern:?}: {} includes itself (a cycle)", shown_file.display()),
                ));
            }
            self.files += 1;
            if self.files > MAX_FILES {
                return Err(at(&d.at, format!("include {pattern:?}: more than {MAX_FILES} files in one import")));
            }
            let text = read_config(&canon).map_err(|e| at(&d.at, format!("include {pattern:?}: {e}")))?;
            let dirs = parse(&text, &shown_file)?;
            self.read.push(shown_file.clone());
            self.stack.push(canon);
            let expanded = self.expand(dirs);
            self.stack.pop();
            out.extend(expanded?);
        }
        Ok(out)
    }
}

/// Shell-style matching of a file name: `*`, `?`, `[abc]`, `[a-z]`, `[!a]`.
pub(super) fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => class(&p[pi..], n[ni]),
            Some(&c) if c == n[ni] => Some(1),
            _ => None,
        };
        match step {
            Some(len) => {
                pi += len;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A `[...]` class at the start of `p` matched against `c`: the class's length when it matches.
fn class(p: &[char], c: char) -> Option<usize> {
    let mut i = 1;
    let negated = matches!(p.get(1), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    while let Some(&x) = p.get(i) {
        if x == ']' && !first {
            return (hit != negated).then_some(i + 1);
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&y| y != ']') {
            hit |= (x..=p[i + 2]).contains(&c);
            i += 3;
        } else {
            hit |= x == c;
            i += 1;
        }
    }
    // No closing `]`: a literal `[`.
    (c == '[').then_some(1)
}
