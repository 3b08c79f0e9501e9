//! Form rows for the inspector: a label and a widget tied to it (so screen readers and tests find
//! the widget by its label), numbers with units and ranges, distributions and traffic profiles.

use super::theme;
use crate::model::{Dist, Step, Traffic};
use egui::{DragValue, Id, Key, Response, RichText, Ui};

/// Width of text fields in the inspector.
pub const TEXT_W: f32 = 190.0;

/// A text field whose edits apply when complete: on Enter or when it loses focus (Escape drops
/// them; a value set through accessibility applies at once). It shows `current` while it is not
/// being edited. Returns the field's response and the text to apply, if any.
pub fn commit_text_ui(ui: &mut Ui, id: Id, current: &str, hint: &str, width: f32) -> (Response, Option<String>) {
    commit_ui(ui, id, current, hint, width, None)
}

/// A multi-line text field applied when it loses focus (Enter starts a new line; Escape drops
/// the edit). Returns the field's response and the text to apply, if it changed.
pub fn commit_note_ui(ui: &mut Ui, id: Id, current: &str, hint: &str, width: f32) -> (Response, Option<String>) {
    commit_ui(ui, id, current, hint, width, Some(2))
}

/// A text field of one line (`rows` None) or several, holding its edit in a buffer of its own
/// while it has the keyboard and returning the text once committed.
fn commit_ui(
    ui: &mut Ui,
    id: Id,
    current: &str,
    hint: &str,
    width: f32,
    rows: Option<usize>,
) -> (Response, Option<String>) {
    let buffer = id.with("buffer");
    let editing = ui.memory(|m| m.has_focus(id));
    let mut text = if editing {
        ui.data(|d| d.get_temp::<String>(buffer)).unwrap_or_else(|| current.to_owned())
    } else {
        current.to_owned()
    };
    let edit = match rows {
        None => egui::TextEdit::singleline(&mut text),
        Some(n) => egui::TextEdit::multiline(&mut text).desired_rows(n),
    };
    let r = ui.add(edit.id(id).hint_text(hint).desired_width(width));
    let cancelled = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Escape));
    let done = !cancelled && (r.lost_focus() || (r.changed() && !r.has_focus()));
    if r.has_focus() {
        ui.data_mut(|d| d.insert_temp(buffer, text.clone()));
    } else {
        ui.data_mut(|d| d.remove::<String>(buffer));
    }
    let commit = (done && text != current).then_some(text);
    (r, commit)
}

/// A grid row: `label`, then a text field applied on commit whose text `parse` reads. A text
/// that does not parse changes nothing and says why under the field (until a text that parses is
/// applied). Returns the value of a committed text that parsed.
pub fn parsed_row_ui<T>(
    ui: &mut Ui,
    label: &str,
    id: Id,
    current: &str,
    hint: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let l = ui.label(label);
    let mut out = None;
    ui.vertical(|ui| {
        let (r, commit) = commit_text_ui(ui, id, current, hint, TEXT_W);
        r.labelled_by(l.id).on_hover_text(hint);
        if let Some(text) = commit {
            out = parsed(ui, id, parse(&text));
        }
        error_line_ui(ui, id);
        super::field_marks::mark_ui(ui, label);
    });
    ui.end_row();
    out
}

/// The value of a parse, or none with its error kept for [`error_line_ui`] under field `id`.
pub fn parsed<T>(ui: &Ui, id: Id, result: Result<T, String>) -> Option<T> {
    let key = id.with("error");
    match result {
        Ok(v) => {
            ui.data_mut(|d| d.remove::<String>(key));
            Some(v)
        }
        Err(e) => {
            ui.data_mut(|d| d.insert_temp(key, e));
            None
        }
    }
}

/// Why the last text committed in field `id` did not parse, if it did not.
pub fn error_line_ui(ui: &mut Ui, id: Id) {
    if let Some(e) = ui.data(|d| d.get_temp::<String>(id.with("error"))) {
        ui.add(egui::Label::new(egui::RichText::new(e).small().color(theme::BAD)).wrap());
    }
}

/// A row with a combo box of `names`; returns the index chosen when it changed.
pub fn choice_row_ui(ui: &mut Ui, label: &str, id: Id, current: usize, names: &[&str]) -> Option<usize> {
    let mut i = current.min(names.len().saturating_sub(1));
    let text = names.get(i).copied().unwrap_or("");
    let r = row_ui(ui, label, |ui| {
        egui::ComboBox::from_id_salt(id).selected_text(text).show_index(ui, &mut i, names.len(), |k| names[k])
    });
    (r.changed() && i != current).then_some(i)
}

/// A row with a combo box of `options` (node or entry names) for `value`; a value not among them
/// stays listed. Returns whether it changed.
pub fn name_row_ui(ui: &mut Ui, label: &str, id: Id, value: &mut String, options: &[String]) -> bool {
    let before = value.clone();
    row_ui(ui, label, |ui| {
        egui::ComboBox::from_id_salt(id)
            .selected_text(value.as_str())
            .show_ui(ui, |ui| {
                if !options.contains(value) {
                    let v = value.clone();
                    ui.selectable_value(value, v.clone(), if v.is_empty() { "(none)".to_owned() } else { v });
                }
                for o in options {
                    ui.selectable_value(value, o.clone(), o);
                }
            })
            .response
    });
    *value != before
}

/// A row of a two-column grid: `label`, then the widget `add` makes, labelled by it.
pub fn row_ui(ui: &mut Ui, label: &str, add: impl FnOnce(&mut Ui) -> Response) -> Response {
    let l = ui.label(label);
    let r = match super::field_marks::was_text(ui, label) {
        // Changed since saved: what it was, beside the field.
        Some(was) => {
            ui.horizontal(|ui| {
                let r = add(ui);
                ui.label(RichText::new(was).small().color(theme::WARN));
                r
            })
            .inner
        }
        None => add(ui),
    }
    .labelled_by(l.id);
    ui.end_row();
    r
}

/// A number row with a unit suffix and a range.
pub fn number_ui<N: egui::emath::Numeric>(
    ui: &mut Ui,
    label: &str,
    value: &mut N,
    range: std::ops::RangeInclusive<N>,
    suffix: &str,
    speed: f64,
) -> bool {
    row_ui(ui, label, |ui| ui.add(DragValue::new(value).range(range).suffix(suffix).speed(speed))).changed()
}

/// An optional number: a checkbox (with `on_label`) and the value when set.
pub fn optional_ui(ui: &mut Ui, label: &str, value: &mut Option<f64>, default: f64, suffix: &str) -> bool {
    let l = ui.label(label);
    let mut changed = false;
    ui.horizontal(|ui| {
        let mut on = value.is_some();
        if ui.checkbox(&mut on, "").labelled_by(l.id).on_hover_text(format!("{label}: on or off")).changed() {
            *value = on.then_some(value.unwrap_or(default));
            changed = true;
        }
        if let Some(v) = value {
            changed |= ui.add(DragValue::new(v).range(0.0..=1e9).suffix(suffix).speed(1.0)).labelled_by(l.id).changed();
        }
        super::field_marks::mark_ui(ui, label);
    });
    ui.end_row();
    changed
}

const DIST_KINDS: [&str; 4] = ["constant", "exponential", "log-normal", "uniform"];

fn dist_kind(d: &Dist) -> usize {
    match d {
        Dist::Constant { .. } => 0,
        Dist::Exponential { .. } => 1,
        Dist::LogNormal { .. } => 2,
        Dist::Uniform { .. } => 3,
    }
}

/// The same mean in another family (switching the kind keeps the scale).
fn convert(d: &Dist, kind: usize) -> Dist {
    let m = d.mean_ms().max(0.001);
    match kind {
        0 => Dist::Constant { ms: m },
        1 => Dist::Exponential { mean_ms: m },
        2 => Dist::LogNormal { median_ms: m, p99_ms: m * 4.0 },
        _ => Dist::Uniform { min_ms: m * 0.5, max_ms: m * 1.5 },
    }
}

/// A distribution: its family in a combo box, then its parameters in ms.
pub fn dist_ui(ui: &mut Ui, label: &str, d: &mut Dist) -> bool {
    let mut changed = false;
    let l = ui.label(label);
    let mut kind = dist_kind(d);
    let r = egui::ComboBox::from_id_salt((label, "dist")).selected_text(DIST_KINDS[kind]).show_index(
        ui,
        &mut kind,
        DIST_KINDS.len(),
        |i| DIST_KINDS[i],
    );
    let r = r.labelled_by(l.id);
    if r.changed() {
        *d = convert(d, kind);
        changed = true;
    }
    ui.end_row();
    if let Some(was) = super::field_marks::was_text(ui, label) {
        ui.label("");
        ui.label(RichText::new(was).small().color(theme::WARN));
        ui.end_row();
    }
    let ms = |ui: &mut Ui, name: &str, v: &mut f64| number_ui(ui, &format!("  {name}"), v, 0.0..=1e7, " ms", 0.1);
    match d {
        Dist::Constant { ms: v } => changed |= ms(ui, "value", v),
        Dist::Exponential { mean_ms } => changed |= ms(ui, "mean", mean_ms),
        Dist::LogNormal { median_ms, p99_ms } => {
            changed |= ms(ui, "median", median_ms);
            changed |= ms(ui, "p99", p99_ms);
        }
        Dist::Uniform { min_ms, max_ms } => {
            changed |= ms(ui, "min", min_ms);
            changed |= ms(ui, "max", max_ms);
        }
    }
    changed
}

const TRAFFIC_KINDS: [&str; 4] = ["constant", "steps", "diurnal", "spike"];

fn traffic_kind(t: &Traffic) -> usize {
    match t {
        Traffic::Constant { .. } => 0,
        Traffic::Steps { .. } => 1,
        Traffic::Diurnal { .. } => 2,
        Traffic::Spike { .. } => 3,
    }
}

/// The mean rate of a profile, roughly (to keep the scale when the kind changes).
fn typical_rps(t: &Traffic) -> f64 {
    match t {
        Traffic::Constant { rate_rps } => *rate_rps,
        Traffic::Steps { steps } => steps.first().map_or(100.0, |s| s.rate_rps),
        Traffic::Diurnal { mean_rps, .. } => *mean_rps,
        Traffic::Spike { base_rps, .. } => *base_rps,
    }
}

/// A traffic profile: its kind, then its parameters; steps as an editable list.
pub fn traffic_ui(ui: &mut Ui, t: &mut Traffic, duration_s: f64) -> bool {
    let mut changed = false;
    let l = ui.label("traffic");
    let mut kind = traffic_kind(t);
    let r = egui::ComboBox::from_id_salt("traffic-kind")
        .selected_text(TRAFFIC_KINDS[kind])
        .show_index(ui, &mut kind, TRAFFIC_KINDS.len(), |i| TRAFFIC_KINDS[i])
        .labelled_by(l.id);
    ui.end_row();
    if r.changed() {
        let r0 = typical_rps(t);
        *t = match kind {
            0 => Traffic::Constant { rate_rps: r0 },
            1 => Traffic::Steps {
                steps: vec![Step { at_s: 0.0, rate_rps: r0 }, Step { at_s: duration_s / 2.0, rate_rps: r0 * 2.0 }],
            },
            2 => Traffic::Diurnal {
                mean_rps: r0,
                amplitude: 0.5,
                period_s: duration_s.max(1.0),
                peak_at_s: duration_s / 2.0,
            },
            _ => Traffic::Spike {
                base_rps: r0,
                peak_rps: r0 * 5.0,
                start_s: duration_s / 3.0,
                duration_s: duration_s / 6.0,
            },
        };
        changed = true;
    }
    let rps = |ui: &mut Ui, name: &str, v: &mut f64| number_ui(ui, &format!("  {name}"), v, 0.0..=1e7, " r/s", 1.0);
    let secs = |ui: &mut Ui, name: &str, v: &mut f64| number_ui(ui, &format!("  {name}"), v, 0.0..=1e7, " s", 1.0);
    match t {
        Traffic::Constant { rate_rps } => changed |= rps(ui, "rate", rate_rps),
        Traffic::Steps { steps } => {
            let mut remove = None;
            for (i, s) in steps.iter_mut().enumerate() {
                let l = ui.label(format!("  step {}", i + 1));
                ui.horizontal(|ui| {
                    changed |= ui
                        .add(DragValue::new(&mut s.at_s).range(0.0..=1e7).prefix("at ").suffix(" s"))
                        .labelled_by(l.id)
                        .changed();
                    changed |= ui
                        .add(DragValue::new(&mut s.rate_rps).range(0.0..=1e7).suffix(" r/s"))
                        .labelled_by(l.id)
                        .changed();
                    if ui.small_button("×").on_hover_text("Remove this step").clicked() {
                        remove = Some(i);
                    }
                });
                ui.end_row();
            }
            if let Some(i) = remove {
                steps.remove(i);
                changed = true;
            }
            ui.label("");
            if ui.button("Add step").clicked() {
                let last = steps.last().map_or((0.0, 100.0), |s| (s.at_s, s.rate_rps));
                steps.push(Step { at_s: (last.0 + duration_s / 10.0).min(duration_s), rate_rps: last.1 });
                changed = true;
            }
            ui.end_row();
        }
        Traffic::Diurnal { mean_rps, amplitude, period_s, peak_at_s } => {
            changed |= rps(ui, "mean", mean_rps);
            changed |= number_ui(ui, "  amplitude", amplitude, 0.0..=1.0, "", 0.01);
            changed |= secs(ui, "period", period_s);
            changed |= secs(ui, "peak at", peak_at_s);
        }
        Traffic::Spike { base_rps, peak_rps, start_s, duration_s: d } => {
            changed |= rps(ui, "base", base_rps);
            changed |= rps(ui, "peak", peak_rps);
            changed |= secs(ui, "start", start_s);
            changed |= secs(ui, "length", d);
        }
    }
    changed
}

/// An editable list: a title, one row per item (`row` returns whether it changed the item), a
/// remove button per row and an add button. Returns whether the list changed.
pub fn list_ui<T>(
    ui: &mut Ui,
    title: &str,
    noun: &str,
    items: &mut Vec<T>,
    mut row: impl FnMut(&mut Ui, usize, &mut T) -> bool,
    new: impl FnOnce() -> T,
) -> bool {
    ui.separator();
    ui.label(RichText::new(title).small().color(theme::TEXT_DIM));
    let mut changed = false;
    let mut remove = None;
    for (i, item) in items.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            if ui.small_button("×").on_hover_text(format!("Remove this {noun}")).clicked() {
                remove = Some(i);
            }
            changed |= row(ui, i, item);
        });
    }
    if let Some(i) = remove {
        items.remove(i);
        changed = true;
    }
    if ui.button(format!("Add {noun}")).clicked() {
        items.push(new());
        changed = true;
    }
    changed
}
