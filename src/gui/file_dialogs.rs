//! The system's file dialogs (through `rfd`) for Open, Save As and Import, without blocking a
//! frame, and the way back to the app's own typed-path dialog when the desktop has none.
//!
//! A dialog is rfd's asynchronous one: on Linux its XDG portal backend asks the desktop portal
//! over D-Bus (libdbus is loaded at run time), else runs `zenity`, on a thread of its own; the
//! future is polled once a frame with a waker that repaints the window, so the answer arrives as
//! soon as it is given and no frame waits for it. rfd answers `None` both for a cancelled dialog
//! and for one that could not be shown, so:
//! - before asking, [`precheck`] looks for what the backend needs (a D-Bus session or `zenity`);
//! - an answer of no file within [`QUICK`] of asking is taken for a dialog that could not be
//!   shown (nobody cancels a file dialog that fast), not for a cancel ([`classify`]).
//!
//! Either way the app says so in one line ([`UNAVAILABLE`]), opens its typed-path dialog instead,
//! and uses that one for the rest of the session ([`FileDialogs::Unavailable`], which tests also
//! start in to exercise the fallback). `GATESIM_FILE_DIALOG=typed` (and most tests, through
//! [`FileDialogs::Typed`]) always uses the typed one, without the line.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// The line shown when the desktop has no file dialog.
pub const UNAVAILABLE: &str = "no file dialog available on this desktop: type a path";

/// A dialog that answers no file sooner than this after it was asked for was not shown.
pub const QUICK: Duration = Duration::from_millis(500);

/// Which dialogs the app uses for files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileDialogs {
    /// The system's (XDG portal, zenity, or the platform's own), the typed one as a fallback.
    #[default]
    Native,
    /// Always the app's typed-path dialog, by choice (`GATESIM_FILE_DIALOG=typed`; tests).
    Typed,
    /// The desktop has no file dialog (found when one was asked for): the typed-path dialog, with
    /// [`UNAVAILABLE`] saying why.
    Unavailable,
}

impl FileDialogs {
    /// From `GATESIM_FILE_DIALOG`: `typed` for the typed-path dialog, else the system's.
    pub fn from_env() -> Self {
        match std::env::var("GATESIM_FILE_DIALOG") {
            Ok(v) if v.trim().eq_ignore_ascii_case("typed") => FileDialogs::Typed,
            _ => FileDialogs::Native,
        }
    }
}

/// What a file is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A scenario to open.
    Open,
    /// Where to save the scenario.
    SaveAs,
    /// An NGINX or HAProxy config to import.
    Import,
}

/// Where a dialog starts, and the file name it proposes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proposal {
    /// The folder shown first.
    pub dir: Option<PathBuf>,
    /// The file name filled in (Save As).
    pub name: Option<String>,
}

/// The folder and name a dialog proposes. `doc`: the document's file, `bundled`: it is one of the
/// bundled examples (Save As then never proposes it: the user's copy goes to `documents`, or the
/// working directory `cwd`, as `my-<name>.ron`); an untitled document is saved as `untitled.ron`
/// there too. Open starts in the document's folder; Import in the working directory.
pub fn proposal(
    purpose: Purpose,
    doc: Option<&Path>,
    bundled: bool,
    documents: Option<&Path>,
    cwd: Option<&Path>,
) -> Proposal {
    let own_dir = doc.and_then(Path::parent).filter(|d| !d.as_os_str().is_empty()).map(Path::to_owned);
    let home = documents.or(cwd).map(Path::to_owned);
    match purpose {
        Purpose::Open => Proposal { dir: own_dir.or_else(|| cwd.map(Path::to_owned)), name: None },
        Purpose::Import => Proposal { dir: cwd.map(Path::to_owned), name: None },
        Purpose::SaveAs => match doc {
            Some(p) if bundled => Proposal { dir: home, name: Some(super::files::copy_name(p)) },
            Some(p) => Proposal {
                dir: own_dir.or_else(|| cwd.map(Path::to_owned)),
                name: p.file_name().map(|n| n.to_string_lossy().into_owned()),
            },
            None => Proposal { dir: home, name: Some("untitled.ron".to_owned()) },
        },
    }
}

/// A scenario saved under a name without an extension gets `.ron` (the Open filter lists it).
pub fn with_ron_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_some() { path } else { path.with_extension("ron") }
}

/// What a system dialog answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This file.
    Chosen(PathBuf),
    /// Closed without a file.
    Cancelled,
    /// No dialog could be shown: the typed one takes over.
    Unavailable,
}

/// An answer, `elapsed` after the dialog was asked for (see the module docs).
pub fn classify(answer: Option<PathBuf>, elapsed: Duration) -> Outcome {
    match answer {
        Some(p) => Outcome::Chosen(p),
        None if elapsed < QUICK => Outcome::Unavailable,
        None => Outcome::Cancelled,
    }
}

/// Whether this desktop can show a system dialog at all; why not, when it cannot. On Linux and
/// the BSDs rfd needs the portal (a D-Bus session bus) or `zenity`; elsewhere the platform's own
/// dialog is always there.
pub fn precheck() -> Result<(), &'static str> {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "netbsd",
        target_os = "openbsd"
    )) {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
            || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).join("bus").exists());
        let zenity = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("zenity").is_file()));
        if !bus && !zenity {
            return Err("no D-Bus session for the desktop portal, and no zenity");
        }
    }
    Ok(())
}

/// Repaints the window when the dialog's thread answers.
struct Repaint(egui::Context);

impl Wake for Repaint {
    fn wake(self: Arc<Self>) {
        self.0.request_repaint();
    }
}

type Answer = Pin<Box<dyn Future<Output = Option<rfd::FileHandle>> + Send>>;

/// A system dialog being shown.
pub struct Pending {
    /// What for.
    pub purpose: Purpose,
    answer: Answer,
    asked: Instant,
    waker: Waker,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("purpose", &self.purpose).field("asked", &self.asked).finish_non_exhaustive()
    }
}

impl Pending {
    /// Asks the system for a file: the dialog starts on the first [`Pending::poll`].
    pub fn ask(purpose: Purpose, proposal: Proposal, ctx: &egui::Context) -> Self {
        let mut d = rfd::AsyncFileDialog::new();
        if let Some(dir) = &proposal.dir {
            d = d.set_directory(dir);
        }
        if let Some(name) = &proposal.name {
            d = d.set_file_name(name);
        }
        let answer: Answer = match purpose {
            Purpose::Open => Box::pin(
                d.set_title("Open scenario")
                    .add_filter("gatesim scenario (*.ron)", &["ron"])
                    .add_filter("All files", &["*"])
                    .pick_file(),
            ),
            Purpose::SaveAs => Box::pin(
                d.set_title("Save scenario as")
                    .add_filter("gatesim scenario (*.ron)", &["ron"])
                    .set_can_create_directories(true)
                    .save_file(),
            ),
            // A gateway's config has any name (nginx.conf, conf.d/api, haproxy.cfg): every file first.
            Purpose::Import => Box::pin(
                d.set_title("Import a gateway config (NGINX or HAProxy)")
                    .add_filter("All files", &["*"])
                    .add_filter("NGINX or HAProxy config (*.conf, *.cfg)", &["conf", "cfg"])
                    .pick_file(),
            ),
        };
        Pending { purpose, answer, asked: Instant::now(), waker: Waker::from(Arc::new(Repaint(ctx.clone()))) }
    }

    /// The answer, once given; never waits.
    pub fn poll(&mut self) -> Option<Outcome> {
        let mut cx = std::task::Context::from_waker(&self.waker);
        match self.answer.as_mut().poll(&mut cx) {
            Poll::Ready(handle) => Some(classify(handle.map(|h| h.path().to_owned()), self.asked.elapsed())),
            Poll::Pending => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_as_proposes_the_documents_own_name_and_never_a_bundled_examples_path() {
        let docs = Path::new("/home/u/Documents");
        let cwd = Path::new("/work/repo");
        let own = proposal(Purpose::SaveAs, Some(Path::new("/srv/designs/api.ron")), false, Some(docs), Some(cwd));
        assert_eq!(own, Proposal { dir: Some("/srv/designs".into()), name: Some("api.ron".into()) });
        let example = proposal(Purpose::SaveAs, Some(Path::new("scenarios/checkout.ron")), true, Some(docs), Some(cwd));
        assert_eq!(example, Proposal { dir: Some(docs.into()), name: Some("my-checkout.ron".into()) });
        let untitled = proposal(Purpose::SaveAs, None, false, None, Some(cwd));
        assert_eq!(untitled, Proposal { dir: Some(cwd.into()), name: Some("untitled.ron".into()) });
        // A relative file name: its folder is the working directory.
        let bare = proposal(Purpose::SaveAs, Some(Path::new("api.ron")), false, Some(docs), Some(cwd));
        assert_eq!(bare, Proposal { dir: Some(cwd.into()), name: Some("api.ron".into()) });
    }

    #[test]
    fn open_starts_in_the_documents_folder_and_import_in_the_working_directory() {
        let cwd = Path::new("/work/repo");
        let open = proposal(Purpose::Open, Some(Path::new("/srv/designs/api.ron")), false, None, Some(cwd));
        assert_eq!(open, Proposal { dir: Some("/srv/designs".into()), name: None });
        assert_eq!(proposal(Purpose::Open, None, false, None, Some(cwd)).dir.as_deref(), Some(cwd));
        let import = proposal(Purpose::Import, Some(Path::new("/srv/designs/api.ron")), false, None, Some(cwd));
        assert_eq!(import, Proposal { dir: Some(cwd.into()), name: None });
    }

    #[test]
    fn an_instant_empty_answer_means_no_dialog_and_a_later_one_a_cancel() {
        let p = PathBuf::from("/tmp/a.ron");
        assert_eq!(classify(Some(p.clone()), Duration::from_millis(3)), Outcome::Chosen(p));
        assert_eq!(classify(None, Duration::from_millis(20)), Outcome::Unavailable);
        assert_eq!(classify(None, Duration::from_secs(4)), Outcome::Cancelled);
    }

    #[test]
    fn a_name_without_an_extension_is_saved_as_ron() {
        assert_eq!(with_ron_extension("/tmp/design".into()), PathBuf::from("/tmp/design.ron"));
        assert_eq!(with_ron_extension("/tmp/design.ron".into()), PathBuf::from("/tmp/design.ron"));
        assert_eq!(with_ron_extension("/tmp/notes.txt".into()), PathBuf::from("/tmp/notes.txt"));
    }
}
