//! Modal dialogs that stay where they opened.
//!
//! egui centres a modal in the window, so a dialog whose content changes height (the command
//! palette narrowed by typing, an export target with more options, an error line appearing under a
//! field) moves its title and its buttons on the next frame, away from the pointer that was about
//! to click them. Every gatesim dialog is pinned by its top edge instead, horizontally centred, a
//! tenth of the window's height below its top: what changes grows or shrinks at the bottom. A
//! dialog taller than the room below is still kept inside the window (egui's areas are
//! constrained to the screen).

/// The top margin: a tenth of the window's height, between 24 and 120 points.
pub fn top_margin(window_height: f32) -> f32 {
    (window_height * 0.1).clamp(24.0, 120.0)
}

/// A modal dialog named `name`, pinned by its top edge (see the module docs).
pub fn modal(ctx: &egui::Context, name: &str) -> egui::Modal {
    let id = egui::Id::unique(name);
    let top = top_margin(ctx.content_rect().height());
    egui::Modal::new(id).area(egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, top)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_margin_is_a_tenth_of_the_window_within_bounds() {
        assert_eq!(top_margin(760.0), 76.0);
        assert_eq!(top_margin(100.0), 24.0);
        assert_eq!(top_margin(2000.0), 120.0);
    }
}
