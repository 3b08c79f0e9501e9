//! Saving over a file whose comments gatesim cannot keep: a save writes the scenario from its
//! data, so the user is asked first (Save As, save without them, or cancel), once per file and
//! session. Notes that must survive belong in the data: a `description` on the scenario.

use super::App;
use crate::gui::actions::UiCommand;
use crate::model::comments::Comment;
use std::path::PathBuf;

/// A save waiting for the answer: the file and the comments it would drop.
#[derive(Clone, Debug)]
pub struct CommentsPrompt {
    /// The file the save would overwrite.
    pub path: PathBuf,
    /// Its comments.
    pub comments: Vec<Comment>,
}

impl App {
    /// Saves to the document's own file `path`, unless it holds comments the user has not agreed
    /// to drop yet: then asks.
    pub(super) fn save_keeping_comments(&mut self, path: PathBuf) {
        let comments = crate::model::comments::comments_in_file(&path);
        if !comments.is_empty() && !self.comments_dropped.contains(&path) {
            self.comments_prompt = Some(CommentsPrompt { path, comments });
            return;
        }
        if let Err(e) = self.save_to(path) {
            self.status = Some((e, true));
        }
    }

    /// The question, while a save waits for it.
    pub(in crate::gui) fn comments_prompt_ui(&mut self, ctx: &egui::Context) {
        let Some(p) = self.comments_prompt.clone() else { return };
        let mut choice = None;
        crate::gui::dialog::modal(ctx, "comments-prompt").show(ctx, |ui| {
            ui.set_width(480.0);
            ui.heading("Save without the file's comments?");
            let first = &p.comments[0];
            let more = match p.comments.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            ui.add(
                egui::Label::new(format!(
                    "{} has comments gatesim cannot keep (line {}: {}{more}): a save writes the scenario \
                     from its data. Save As keeps this file as it is; notes that must last go in the \
                     scenario's description.",
                    p.path.display(),
                    first.line,
                    first.text
                ))
                .wrap(),
            );
            ui.horizontal(|ui| {
                for (label, c) in [("Save As…", 0), ("Save without the comments", 1), ("Cancel", 2)] {
                    if ui.button(label).clicked() {
                        choice = Some(c);
                    }
                }
            });
        });
        match choice {
            Some(0) => {
                self.comments_prompt = None;
                self.dispatch(UiCommand::SaveAs);
            }
            Some(1) => {
                self.comments_prompt = None;
                self.comments_dropped.insert(p.path.clone());
                self.save_keeping_comments(p.path);
            }
            Some(_) => self.comments_prompt = None,
            None => {}
        }
    }

    /// The save waiting for an answer about comments, if any.
    pub fn pending_comments_prompt(&self) -> Option<&CommentsPrompt> {
        self.comments_prompt.as_ref()
    }
}
