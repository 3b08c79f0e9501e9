//! Painting the canvas: grid, region frames, links with their rates, node cards with badges.

use super::canvas::{CanvasState, link_ends, node_summary};
use super::overlay::Overlay;
use super::theme;
use crate::model::validate::Severity;
use crate::model::{Node, Scenario};
use egui::{Align2, FontId, Pos2, Rect, Shape, Stroke, StrokeKind, pos2, vec2};

pub(super) fn paint_grid(painter: &egui::Painter, state: &CanvasState) {
    let step = theme::GRID_STEP * 2.0 * state.zoom;
    if step < 8.0 {
        return;
    }
    let rect = state.rect;
    let off = state.pan;
    let x0 = rect.min.x + off.x.rem_euclid(step);
    let y0 = rect.min.y + off.y.rem_euclid(step);
    let mut shapes = Vec::new();
    let mut x = x0;
    while x < rect.max.x {
        let mut y = y0;
        while y < rect.max.y {
            shapes.push(Shape::circle_filled(pos2(x, y), 1.0, theme::GRID));
            y += step;
        }
        x += step;
    }
    painter.extend(shapes);
}

pub(super) fn paint_regions(painter: &egui::Painter, scenario: &Scenario, drawn: &[[f32; 2]], state: &CanvasState) {
    for region in &scenario.topology.regions {
        let mut bb = Rect::NOTHING;
        for (i, n) in scenario.topology.nodes.iter().enumerate() {
            if n.region() == Some(region.name.as_str()) {
                bb = bb.union(state.node_rect(drawn[i]));
            }
        }
        if !bb.is_positive() {
            continue;
        }
        let frame = Rect::from_min_max(bb.min - vec2(20.0, 34.0) * state.zoom, bb.max + vec2(20.0, 20.0) * state.zoom);
        let corners =
            [frame.left_top(), frame.right_top(), frame.right_bottom(), frame.left_bottom(), frame.left_top()];
        painter.extend(Shape::dashed_line(&corners, Stroke::new(1.0, theme::REGION), 6.0, 4.0));
        painter.text(
            frame.left_top() + vec2(10.0, 8.0) * state.zoom,
            Align2::LEFT_TOP,
            &region.name,
            FontId::proportional(12.0 * state.zoom.clamp(0.6, 1.3)),
            theme::TEXT_DIM,
        );
    }
}

pub(super) fn paint_links(
    painter: &egui::Painter,
    scenario: &Scenario,
    drawn: &[[f32; 2]],
    overlay: &Overlay,
    state: &CanvasState,
) -> Vec<(Pos2, String)> {
    let mut labels = Vec::new();
    let topo = &scenario.topology;
    for (li, l) in topo.links.iter().enumerate() {
        let (Some(a), Some(b)) = (topo.node_index(&l.from), topo.node_index(&l.to)) else {
            continue;
        };
        let (s, e) = link_ends(state, drawn[a], drawn[b]);
        let load = overlay.links.get(&(l.from.clone(), l.to.clone()));
        let stroke = theme::edge_stroke(load.map(|x| x.share), state.selection.link == Some(li));
        painter.line_segment([s, e], stroke);
        let dir = (e - s).normalized();
        let head = 9.0 * state.zoom.clamp(0.6, 1.4);
        let side = vec2(-dir.y, dir.x) * head * 0.5;
        painter.add(Shape::convex_polygon(
            vec![e, e - dir * head + side, e - dir * head - side],
            stroke.color,
            Stroke::NONE,
        ));
        if let Some(load) = load
            && state.zoom > 0.45
        {
            // Beside the line's middle, on its upper (or right) side.
            let mut normal = vec2(dir.y, -dir.x);
            if normal.y > 0.0 || (normal.y == 0.0 && normal.x < 0.0) {
                normal = -normal;
            }
            labels.push((s + (e - s) * 0.5 + normal * 10.0, load.text.clone()));
        }
    }
    labels
}

/// Link rates, drawn last so cards never hide them.
pub(super) fn paint_link_labels(painter: &egui::Painter, labels: Vec<(Pos2, String)>, state: &CanvasState) {
    for (at, text) in labels {
        let galley = painter.layout_no_wrap(text, FontId::proportional(11.0 * state.zoom.clamp(0.7, 1.2)), theme::TEXT);
        let r = Rect::from_center_size(at, galley.size()).expand(2.0);
        painter.rect_filled(r, 3.0, theme::CANVAS.gamma_multiply(0.9));
        painter.galley(r.min + vec2(2.0, 2.0), galley, theme::TEXT);
    }
}

/// How a card is marked besides its contents.
#[derive(Clone, Copy, Debug)]
pub(super) struct CardMarks {
    /// Part of the selection.
    pub selected: bool,
    /// The worst problem validation found, if any.
    pub problem: Option<Severity>,
    /// New or changed since the file was saved.
    pub edited: bool,
}

pub(super) fn paint_node(
    painter: &egui::Painter,
    node: &Node,
    r: Rect,
    marks: CardMarks,
    overlay: &Overlay,
    zoom: f32,
) {
    let CardMarks { selected, problem, edited } = marks;
    if !painter.clip_rect().intersects(r.expand(20.0)) {
        return;
    }
    // After a run, the outline takes the colour of the node's load or errors.
    let badge = overlay.nodes.get(node.name());
    let border = match (selected, problem, badge) {
        (true, _, _) => Stroke::new(2.0, theme::ACCENT),
        (false, Some(Severity::Error), _) => Stroke::new(1.5, theme::BAD),
        (false, _, Some(b)) if b.colour != theme::TEXT_DIM => Stroke::new(1.5, b.colour.gamma_multiply(0.7)),
        _ => Stroke::new(1.0, theme::CARD_BORDER),
    };
    painter.rect(r, theme::RADIUS, theme::CARD, border, StrokeKind::Inside);
    let bar = Rect::from_min_size(r.min, vec2(4.0 * zoom.max(0.5), r.height()));
    painter.rect_filled(bar, egui::CornerRadius { nw: 5, sw: 5, ne: 0, se: 0 }, theme::kind_colour(node.kind()));
    // Output handle.
    painter.circle(
        r.right_center(),
        5.0 * zoom.clamp(0.6, 1.2),
        theme::CARD,
        Stroke::new(1.5, theme::kind_colour(node.kind())),
    );
    if edited {
        // An amber rule along the bottom: changed since the file was saved.
        let rule = Rect::from_min_max(
            r.left_bottom() + vec2(8.0 * zoom, -3.0 * zoom),
            r.right_bottom() - vec2(8.0 * zoom, 1.0 * zoom),
        );
        painter.rect_filled(rule, 1.0, theme::WARN);
    }
    if zoom < 0.35 {
        return;
    }
    let inner = painter.with_clip_rect(r.shrink(2.0).intersect(painter.clip_rect()));
    let pad = 14.0 * zoom;
    let mut badge_w = 0.0;
    if let Some(b) = badge {
        let galley = painter.layout_no_wrap(b.text.clone(), FontId::proportional(11.0 * zoom), theme::ON_COLOUR);
        let size = galley.size() + vec2(12.0, 4.0) * zoom;
        let br = Rect::from_min_size(r.right_top() + vec2(-size.x - 10.0 * zoom, 9.0 * zoom), size);
        inner.rect_filled(br, 8.0 * zoom, b.colour);
        inner.galley(br.min + vec2(6.0, 2.0) * zoom, galley, theme::ON_COLOUR);
        badge_w = size.x + 14.0 * zoom;
    }
    let name_font = FontId::proportional(14.0 * zoom);
    let name = elide(painter, node.name(), &name_font, r.width() - pad - badge_w - 6.0);
    inner.text(r.min + vec2(pad, 9.0 * zoom), Align2::LEFT_TOP, name, name_font, theme::TEXT);
    let small = FontId::proportional(11.5 * zoom);
    let words = elide(painter, &node_summary(node), &small, r.width() - pad - 10.0 * zoom);
    inner.text(r.min + vec2(pad, 33.0 * zoom), Align2::LEFT_TOP, words, small, theme::TEXT_DIM);
    if let Some(sev) = problem {
        let c = r.left_top() + vec2(0.0, 0.0);
        let colour = if sev == Severity::Error { theme::BAD } else { theme::WARN };
        painter.circle_filled(c, 8.0 * zoom.clamp(0.7, 1.2), colour);
        painter.text(
            c,
            Align2::CENTER_CENTER,
            "!",
            FontId::proportional(12.0 * zoom.clamp(0.7, 1.2)),
            theme::ON_COLOUR,
        );
    }
}

/// `text`, shortened with an ellipsis to fit `width` points in `font`.
fn elide(painter: &egui::Painter, text: &str, font: &FontId, width: f32) -> String {
    let fits = |t: &str| painter.layout_no_wrap(t.to_owned(), font.clone(), theme::TEXT).size().x <= width;
    if fits(text) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + "…";
        if fits(&candidate) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "…"
}
