//! The users-impacted card: the whole run's share, who was hurt (each client population's share),
//! and on hover the figures per population and path, and the reasons in words.

use super::{Card, USERS_IMPACTED, count_text, pct_text};
use crate::gui::theme;
use crate::report::Report;
use crate::report::who::pct_words;

/// The users-impacted card of a report. With several populations its line lists each one's
/// share (`mobile-users 94.1 % · partners 0.0 %`); with one, the counts and the interval.
pub fn users_card(r: &Report) -> Card {
    let s = &r.summary;
    let ci = |name: &str| {
        r.estimates
            .get(name)
            .and_then(|e| e.ci99_half_width)
            .map(|h| format!(" · ±{h:.2} (99% CI)"))
            .unwrap_or_default()
    };
    let detail = if r.populations.len() > 1 {
        r.populations
            .iter()
            .map(|p| format!("{} {}", p.name, pct_words(p.users_impacted_pct)))
            .collect::<Vec<_>>()
            .join(" · ")
    } else {
        format!("{} of {} users{}", count_text(s.users_impacted), count_text(s.users_active), ci("users_impacted_pct"))
    };
    let mut more = Vec::new();
    if !r.populations.is_empty() {
        more.push((
            "all users".to_owned(),
            format!("{} of {}", count_text(s.users_impacted), count_text(s.users_active)),
        ));
    }
    for p in &r.populations {
        let figure = format!(
            "{} · {} of {}{}",
            pct_words(p.users_impacted_pct),
            count_text(p.users_impacted),
            count_text(p.users_active),
            ci(&format!("{}.users_impacted_pct", p.name))
        );
        more.push((p.name.clone(), figure));
        for path in p.paths.iter().filter(|_| p.paths.len() > 1) {
            let figure = format!("{} of {}", pct_words(path.users_impacted_pct), count_text(path.users_active));
            more.push((format!("  {}", path.path), figure));
        }
    }
    for why in &r.reasons {
        more.push((format!("why {}", why.clients), why.text.clone()));
    }
    Card {
        caption: USERS_IMPACTED,
        value: pct_text(s.users_impacted_pct),
        detail,
        colour: theme::error_colour(s.users_impacted_pct / 100.0),
        more,
        no_figure: false,
    }
}
