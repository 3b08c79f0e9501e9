//! Painting the canvas: grid, region frames (failed when down), links with their rates, replication
//! to replica markers, node cards with badges, callouts under cards. Painted figures a reader
//! needs (badges, callouts) are also given to the accessibility tree ([`accessible_ui`]).

use super::canvas::{CanvasState, link_ends, node_summary};
use super::overlay::Overlay;
use super::regions::{RegionMark, ReplicaMark};
use super::theme;
use crate::model::validate::Severity;
use crate::model::{Node, Scenario};
use egui::{Align2, FontId, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2, pos2, vec2};

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

/// A region's frame as drawn this frame: around the cards of its nodes, with room at the top
/// for its label and the markers of the replicas it holds.
pub(super) struct Frame {
    /// Its region.
    pub region: String,
    /// The frame, on screen.
    pub rect: Rect,
    /// Around the cards it holds, on screen.
    pub cards: Rect,
    /// Its label: the region's name, and what the timeline does to it at the scrubbed time.
    pub label: String,
    /// Down at the scrubbed time (drawn failed: red, hatched).
    pub down: bool,
    /// Short of a zone, cut off from another region or reached over a degraded link at the
    /// scrubbed time (an amber outline).
    pub impaired: bool,
    /// The replicas it holds (indices into [`regions::replicas`]) and their markers on screen.
    pub markers: Vec<(usize, Rect)>,
}

fn label_font(state: &CanvasState) -> FontId {
    FontId::proportional(12.0 * state.zoom.clamp(0.6, 1.3))
}

fn marker_font(state: &CanvasState) -> FontId {
    FontId::proportional(11.0 * state.zoom.clamp(0.6, 1.2))
}

/// The text of a replica marker inside its region's frame: its store and how writes reach it.
fn marker_text(r: &ReplicaMark) -> String {
    format!("{} replica · {}", r.store, r.lag)
}

/// Frames around groups of a region's cards (`members`, indices into `cards`) that hold no
/// other card: one frame when the cards of the region are not among other cards, else groups
/// merged greedily, the pair whose extent grows least first, while no other card sits among
/// them. Each frame is its group's extent grown by `pad`, then pulled in, `gap` short of any
/// other card in its margins. Regions of more than [`MAX_CLUSTERED`] nodes get one frame.
/// Returns each frame, its group's extent and the number of cards in it.
fn frames_of(cards: &[Rect], members: &[usize], pad: impl Fn(Rect) -> Rect, gap: f32) -> Vec<(Rect, Rect, usize)> {
    let foreign = || cards.iter().enumerate().filter(|(i, _)| !members.contains(i)).map(|(_, c)| *c);
    let holds_foreign = |extent: Rect| foreign().any(|c| extent.intersect(c).is_positive());
    let all = members.iter().fold(Rect::NOTHING, |bb, &i| bb.union(cards[i]));
    let groups = if members.len() > MAX_CLUSTERED || !holds_foreign(all) {
        vec![(all, members.len())]
    } else {
        let mut groups: Vec<(Rect, usize)> = members.iter().map(|&i| (cards[i], 1)).collect();
        loop {
            let mut best: Option<(f32, usize, usize)> = None;
            for a in 0..groups.len() {
                for b in a + 1..groups.len() {
                    let u = groups[a].0.union(groups[b].0);
                    let growth = u.area() - groups[a].0.area() - groups[b].0.area();
                    if best.is_none_or(|(g, _, _)| growth < g) && !holds_foreign(u) {
                        best = Some((growth, a, b));
                    }
                }
            }
            let Some((_, a, b)) = best else { break };
            let (rb, nb) = groups.remove(b);
            groups[a] = (groups[a].0.union(rb), groups[a].1 + nb);
        }
        groups
    };
    groups
        .into_iter()
        .map(|(bb, n)| {
            let mut frame = pad(bb);
            for c in foreign() {
                if !c.intersects(frame.expand(gap)) || bb.intersects(c) {
                    continue;
                }
                if c.min.x >= bb.max.x {
                    frame.max.x = frame.max.x.min(c.min.x - gap).max(bb.max.x + gap);
                } else if c.max.x <= bb.min.x {
                    frame.min.x = frame.min.x.max(c.max.x + gap).min(bb.min.x - gap);
                } else if c.min.y >= bb.max.y {
                    frame.max.y = frame.max.y.min(c.min.y - gap).max(bb.max.y + gap);
                } else if c.max.y <= bb.min.y {
                    frame.min.y = frame.min.y.max(c.max.y + gap).min(bb.min.y - gap);
                }
            }
            (frame, bb, n)
        })
        .collect()
}

/// Regions with more nodes than this get one frame around all of them (grouping is quadratic).
const MAX_CLUSTERED: usize = 40;

/// The frame of every region that has nodes, in the order of `topology.regions`: around its
/// cards with room at the top for its label, never around a card of another region or of none
/// (a region whose cards such a card sits among gets a frame per group); frames of two regions
/// that would overlap give up their bottom or right margin. The markers of the replicas in a
/// region go right-aligned in the label strip of its largest group (which widens when they and
/// the label do not fit).
pub(super) fn region_frames(
    painter: &egui::Painter,
    scenario: &Scenario,
    drawn: &[[f32; 2]],
    replicas: &[ReplicaMark],
    state: &CanvasState,
) -> Vec<Frame> {
    let z = state.zoom;
    let nodes = &scenario.topology.nodes;
    let cards: Vec<Rect> = drawn.iter().map(|p| state.node_rect(*p)).collect();
    let pad = |bb: Rect| Rect::from_min_max(bb.min - vec2(20.0, 34.0) * z, bb.max + vec2(20.0, 20.0) * z);
    let mut out: Vec<Frame> = Vec::new();
    for region in &scenario.topology.regions {
        let members: Vec<usize> =
            (0..nodes.len()).filter(|&i| nodes[i].region() == Some(region.name.as_str())).collect();
        if members.is_empty() {
            continue;
        }
        let groups = frames_of(&cards, &members, pad, 4.0 * z);
        let largest = (0..groups.len()).max_by_key(|&g| groups[g].2).unwrap_or(0);
        let mark = state.regions.get(&region.name);
        let label = mark.map_or_else(|| region.name.clone(), |m| m.label(&region.name));
        for (g, (mut rect, bb, _)) in groups.into_iter().enumerate() {
            let mut markers = Vec::new();
            if g == largest {
                let label_w = painter.layout_no_wrap(label.clone(), label_font(state), theme::TEXT).size().x;
                let sizes: Vec<(usize, Vec2)> = replicas
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.region == region.name)
                    .map(|(k, r)| {
                        let g = painter.layout_no_wrap(marker_text(r), marker_font(state), theme::TEXT);
                        (k, g.size() + vec2(12.0, 4.0) * z)
                    })
                    .collect();
                let gap = 8.0 * z;
                let needed = 10.0 * z + label_w + sizes.iter().map(|(_, s)| s.x + gap).sum::<f32>() + 2.0 * gap;
                if !sizes.is_empty() && rect.width() < needed {
                    rect.max.x = rect.min.x + needed;
                }
                let mut right = rect.max.x - gap;
                for (k, size) in sizes {
                    markers.push((k, Rect::from_min_size(pos2(right - size.x, rect.min.y + 7.0 * z), size)));
                    right -= size.x + gap;
                }
            }
            out.push(Frame {
                region: region.name.clone(),
                rect,
                cards: bb,
                label: label.clone(),
                down: mark.is_some_and(RegionMark::is_down),
                impaired: mark.is_some_and(|m| !m.is_down()),
                markers,
            });
        }
    }
    // Frames of two regions that overlap: the upper (or left) one gives up its bottom (or right)
    // margin, down to its cards.
    let margin = 4.0 * z;
    for a in 0..out.len() {
        for b in 0..out.len() {
            let (fa, fb) = (&out[a], &out[b]);
            if a == b || fa.region == fb.region || !fa.rect.intersects(fb.rect) {
                continue;
            }
            let (ra, rb, cards_a) = (fa.rect, fb.rect, fa.cards);
            if cards_a.max.y <= rb.min.y && ra.min.y < rb.min.y {
                out[a].rect.max.y = (rb.min.y - margin).max(cards_a.max.y + margin);
            } else if cards_a.max.x <= rb.min.x && ra.min.x < rb.min.x {
                out[a].rect.max.x = (rb.min.x - margin).max(cards_a.max.x + margin);
            }
        }
    }
    out
}

/// Region frames: dashed outlines (labelled by [`paint_region_labels`]); a region down at the
/// scrubbed time is drawn failed (red outline, hatched), one short of a zone, cut off or degraded
/// with an amber outline.
pub(super) fn paint_regions(painter: &egui::Painter, frames: &[Frame], state: &CanvasState) {
    for f in frames {
        let frame = f.rect;
        let colour = if f.down {
            theme::REGION_DOWN
        } else if f.impaired {
            theme::REGION_IMPAIRED
        } else {
            theme::REGION
        };
        if f.down {
            painter.rect_filled(frame, 4.0, theme::REGION_DOWN_FILL);
            // Hatching: diagonal strokes clipped to the frame.
            let hatch = painter.with_clip_rect(frame.intersect(painter.clip_rect()));
            let step = 16.0 * state.zoom.max(0.5);
            let stroke = Stroke::new(1.0, theme::REGION_DOWN.gamma_multiply(0.35));
            let mut x = frame.min.x;
            while x < frame.max.x + frame.height() {
                hatch.line_segment([pos2(x, frame.min.y), pos2(x - frame.height(), frame.max.y)], stroke);
                x += step;
            }
            painter.rect_stroke(frame, 4.0, Stroke::new(1.5, colour), StrokeKind::Inside);
        } else {
            let corners =
                [frame.left_top(), frame.right_top(), frame.right_bottom(), frame.left_bottom(), frame.left_top()];
            painter.extend(Shape::dashed_line(&corners, Stroke::new(1.0, colour), 6.0, 4.0));
        }
    }
}

/// The frames' labels, drawn over the links that cross them (on the canvas's colour), moved right
/// past the links' rate labels (`link_labels`) they would run into.
pub(super) fn paint_region_labels(
    painter: &egui::Painter,
    frames: &[Frame],
    link_labels: &[(Pos2, String)],
    state: &CanvasState,
) {
    let taken: Vec<Rect> = link_labels
        .iter()
        .map(|(at, text)| {
            let g = painter.layout_no_wrap(text.clone(), link_label_font(state), theme::TEXT);
            Rect::from_center_size(*at, g.size()).expand(2.0)
        })
        .collect();
    for f in frames {
        let colour = if f.down {
            theme::REGION_DOWN
        } else if f.impaired {
            theme::REGION_IMPAIRED
        } else {
            theme::TEXT_DIM
        };
        let galley = painter.layout_no_wrap(f.label.clone(), label_font(state), colour);
        let mut at = f.rect.left_top() + vec2(10.0, 8.0) * state.zoom;
        while let Some(t) = taken.iter().find(|t| t.intersects(Rect::from_min_size(at, galley.size()).expand(3.0)))
            && t.max.x + 6.0 + galley.size().x < f.rect.max.x
        {
            at.x = t.max.x + 6.0;
        }
        let back = Rect::from_min_size(at, galley.size()).expand(2.0);
        painter.rect_filled(back, 3.0, if f.down { theme::REGION_DOWN_LABEL } else { theme::CANVAS });
        painter.galley(at, galley, colour);
    }
}

/// The point where the segment from `r`'s centre towards `to` leaves `r`.
fn edge_towards(r: Rect, to: Pos2) -> Pos2 {
    let c = r.center();
    let d = to - c;
    let (hw, hh) = (r.width() / 2.0, r.height() / 2.0);
    let t = [
        if d.x.abs() > 1e-6 { hw / d.x.abs() } else { f32::INFINITY },
        if d.y.abs() > 1e-6 { hh / d.y.abs() } else { f32::INFINITY },
    ]
    .into_iter()
    .fold(1.0, f32::min);
    c + d * t
}

/// Replication: a dashed arrow from each data store's card to a marker of each replica, in the
/// replica region's frame (or beside the card when that region has no frame), the marker
/// labelled with the lag (`orders-db replica · async 100 ms`, `replica us-west-2 · sync`).
pub(super) fn paint_replication(
    painter: &egui::Painter,
    scenario: &Scenario,
    drawn: &[[f32; 2]],
    replicas: &[ReplicaMark],
    frames: &[Frame],
    state: &CanvasState,
) {
    let z = state.zoom;
    let stroke = Stroke::new(1.5, theme::REPLICATION);
    // Markers beside a card stack under it.
    let mut beside: Vec<(String, usize)> = Vec::new();
    for (k, r) in replicas.iter().enumerate() {
        let Some(i) = scenario.topology.node_index(&r.store) else { continue };
        let card = state.node_rect(drawn[i]);
        let framed = frames.iter().flat_map(|f| &f.markers).find(|(m, _)| *m == k).map(|(_, rect)| *rect);
        let (marker, text) = match framed {
            Some(rect) => (rect, marker_text(r)),
            None => {
                let n = match beside.iter_mut().find(|(s, _)| *s == r.store) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        beside.push((r.store.clone(), 0));
                        0
                    }
                };
                let text = format!("replica {} · {}", r.region, r.lag);
                let g = painter.layout_no_wrap(text.clone(), marker_font(state), theme::TEXT);
                let size = g.size() + vec2(12.0, 4.0) * z;
                let top = card.max.y + (10.0 + n as f32 * (size.y / z + 6.0)) * z;
                (Rect::from_min_size(pos2(card.min.x + 24.0 * z, top), size), text)
            }
        };
        let a = edge_towards(card, marker.center());
        let b = edge_towards(marker, card.center());
        painter.extend(Shape::dashed_line(&[a, b], stroke, 6.0 * z.max(0.5), 4.0 * z.max(0.5)));
        if a.distance(b) > 8.0 {
            let dir = (b - a).normalized();
            let head = 8.0 * z.clamp(0.6, 1.4);
            let side = vec2(-dir.y, dir.x) * head * 0.45;
            painter.add(Shape::convex_polygon(
                vec![b, b - dir * head + side, b - dir * head - side],
                theme::REPLICATION,
                Stroke::NONE,
            ));
        }
        painter.rect(marker, 8.0 * z, theme::CARD, stroke, StrokeKind::Inside);
        painter.text(marker.center(), Align2::CENTER_CENTER, text, marker_font(state), theme::REPLICATION);
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
        let stroke = theme::edge_stroke(load.map(|x| (x.share, x.failed)), state.selection.link == Some(li));
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

fn link_label_font(state: &CanvasState) -> FontId {
    FontId::proportional((11.0 * state.zoom.clamp(0.7, 1.2)).max(MIN_TEXT))
}

/// Link rates, drawn last so cards never hide them.
pub(super) fn paint_link_labels(painter: &egui::Painter, labels: Vec<(Pos2, String)>, state: &CanvasState) {
    for (at, text) in labels {
        let galley = painter.layout_no_wrap(text, link_label_font(state), theme::TEXT);
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

/// The smallest text on a card, in points: below it cards show only their outline and badge
/// colour (a zoom under 0.35), never text too small to read.
pub(super) const MIN_TEXT: f32 = 10.0;

/// Paints a node's card; returns where its badge is, if it has one and it was drawn.
pub(super) fn paint_node(
    painter: &egui::Painter,
    node: &Node,
    r: Rect,
    marks: CardMarks,
    overlay: &Overlay,
    zoom: f32,
) -> Option<Rect> {
    let CardMarks { selected, problem, edited } = marks;
    if !painter.clip_rect().intersects(r.expand(20.0)) {
        return None;
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
        return None;
    }
    let inner = painter.with_clip_rect(r.shrink(2.0).intersect(painter.clip_rect()));
    let pad = 14.0 * zoom;
    let mut badge_w = 0.0;
    let mut badge_rect = None;
    if let Some(b) = badge {
        let galley =
            painter.layout_no_wrap(b.text.clone(), FontId::proportional((11.0 * zoom).max(MIN_TEXT)), theme::ON_COLOUR);
        let size = galley.size() + vec2(12.0, 4.0) * zoom;
        let br = Rect::from_min_size(r.right_top() + vec2(-size.x - 10.0 * zoom, 9.0 * zoom), size);
        inner.rect_filled(br, 8.0 * zoom, b.colour);
        inner.galley(br.min + vec2(6.0, 2.0) * zoom, galley, theme::ON_COLOUR);
        badge_w = size.x + 14.0 * zoom;
        badge_rect = Some(br);
    }
    let name_font = FontId::proportional((14.0 * zoom).max(MIN_TEXT + 1.0));
    let name = elide(painter, node.name(), &name_font, r.width() - pad - badge_w - 6.0);
    let small = FontId::proportional((11.5 * zoom).max(MIN_TEXT));
    let width = r.width() - pad - 10.0 * zoom;
    let summary = node_summary(node);
    match two_lines(painter, &summary, &small, width) {
        // A long summary (a DNS name's policy, a data store's replication) on two lines.
        Some((first, second)) => {
            let small = FontId::proportional((11.0 * zoom).max(MIN_TEXT));
            inner.text(r.min + vec2(pad, 6.0 * zoom), Align2::LEFT_TOP, name, name_font, theme::TEXT);
            inner.text(r.min + vec2(pad, 26.0 * zoom), Align2::LEFT_TOP, first, small.clone(), theme::TEXT_DIM);
            let second = elide(painter, &second, &small, width);
            inner.text(r.min + vec2(pad, 39.5 * zoom), Align2::LEFT_TOP, second, small, theme::TEXT_DIM);
        }
        None => {
            inner.text(r.min + vec2(pad, 9.0 * zoom), Align2::LEFT_TOP, name, name_font, theme::TEXT);
            let words = elide(painter, &summary, &small, width);
            inner.text(r.min + vec2(pad, 33.0 * zoom), Align2::LEFT_TOP, words, small, theme::TEXT_DIM);
        }
    }
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
    badge_rect
}

/// A callout under a card (`card`): an amber box with `lines` (why a gateway's rate limit hurt
/// a population), wrapped to a little wider than the card. Returns the box.
pub(super) fn paint_callout(painter: &egui::Painter, card: Rect, lines: &[String], zoom: f32) -> Rect {
    let font = FontId::proportional((11.5 * zoom.clamp(0.7, 1.2)).max(MIN_TEXT));
    let width = (card.width() * 1.5).max(160.0);
    let galley = painter.layout(lines.join("\n"), font, theme::TEXT, width);
    let pad = 6.0 * zoom.clamp(0.7, 1.2);
    let at = card.left_bottom() + vec2(0.0, 8.0 * zoom);
    let r = Rect::from_min_size(at, galley.size() + vec2(2.0 * pad, 2.0 * pad));
    // A pointer from the box up to the card.
    let tip = pos2(card.min.x + 24.0 * zoom, card.max.y);
    painter.add(Shape::convex_polygon(
        vec![tip, tip + vec2(6.0, 8.0) * zoom, tip + vec2(-6.0, 8.0) * zoom],
        theme::WARN,
        Stroke::NONE,
    ));
    painter.rect(r, theme::RADIUS, theme::CALLOUT_WARN_BG, Stroke::new(1.0, theme::WARN), StrokeKind::Inside);
    painter.galley(r.min + vec2(pad, pad), galley, theme::TEXT);
    r
}

/// Gives a painted text to the accessibility tree (screen readers, and tests that find it by
/// label): a hover-only widget over `rect`, which never takes the canvas's clicks or drags.
pub(super) fn accessible_ui(ui: &egui::Ui, id: egui::Id, rect: Rect, label: &str) {
    let resp = ui.interact(rect, id, egui::Sense::hover());
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, label));
}

/// `text` split in two lines when it does not fit `width` points in `font` on one: at a ` · `
/// (the first line as long as fits, the rest on the second), else at the last space that lets
/// the first line fit; None when it fits, or has nowhere to split.
fn two_lines(painter: &egui::Painter, text: &str, font: &FontId, width: f32) -> Option<(String, String)> {
    let fits = |t: &str| painter.layout_no_wrap(t.to_owned(), font.clone(), theme::TEXT).size().x <= width;
    if fits(text) {
        return None;
    }
    for sep in [" · ", " "] {
        let parts: Vec<&str> = text.split(sep).collect();
        if parts.len() < 2 {
            continue;
        }
        // At least one part on the first line, the most that fit.
        let k = (1..parts.len()).rev().find(|&k| fits(&parts[..k].join(sep))).unwrap_or(1);
        if sep == " · " || fits(&parts[..k].join(sep)) {
            return Some((parts[..k].join(sep), parts[k..].join(sep)));
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn card(x: f32, y: f32) -> Rect {
        Rect::from_min_size(pos2(x, y), vec2(180.0, 58.0))
    }

    fn pad(bb: Rect) -> Rect {
        Rect::from_min_max(bb.min - vec2(20.0, 34.0), bb.max + vec2(20.0, 20.0))
    }

    #[test]
    fn a_frame_never_holds_a_card_of_another_region() {
        // The two-region example: users (us-east-1), the DNS name (no region) right of it, then
        // the gateway and service of us-east-1 above and the data store to their right; the
        // gateway of us-west-2 below.
        let cards = [
            card(40.0, 220.0),
            card(240.0, 220.0),
            card(460.0, 120.0),
            card(680.0, 120.0),
            card(900.0, 220.0),
            card(460.0, 320.0),
        ];
        let east = [0, 2, 3, 4];
        let frames = frames_of(&cards, &east, pad, 4.0);
        assert_eq!(frames.iter().map(|f| f.2).collect::<Vec<_>>(), [1, 3], "{frames:?}");
        for (frame, _, _) in &frames {
            for foreign in [cards[1], cards[5]] {
                assert!(!frame.intersects(foreign), "{frame:?} holds {foreign:?}");
            }
        }
        // The users' frame gives up its right margin to stay clear of the DNS card.
        assert_eq!(frames[0].0.max.x, 236.0);
        // Without the DNS card among them, one frame holds the four.
        let alone = [cards[0], cards[2], cards[3], cards[4]];
        assert_eq!(frames_of(&alone, &[0, 1, 2, 3], pad, 4.0).len(), 1);
    }
}
