//! The topology canvas, drawn with egui's painter: nodes as cards, links as arrows, regions as
//! frames (failed while a region outage is in force at the scrubbed time), replication as dashed
//! lines to replica markers. Pan with the middle button (or space + drag), zoom with the wheel
//! around the cursor, drag nodes (snapped to the grid, one undo step per drag), click /
//! shift-click / box select, connect by dragging from a node's output handle onto another node.
//!
//! The canvas never changes the document itself: it returns [`Command`]s.

use super::canvas_paint;
use super::commands::Command;
use super::overlay::Overlay;
use super::regions::{self, RegionMarks};
use super::theme;
use crate::model::validate::{Problem, Severity, validate};
use crate::model::{Dist, DnsRouting, Link, Node, Replication, Scenario, Traffic};
use egui::{Align2, FontId, Key, PointerButton, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2, pos2, vec2};
use std::collections::BTreeSet;

/// Which nodes (or which link, or which timeline entry) are selected.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Selected node names.
    pub nodes: BTreeSet<String>,
    /// The selected link's index, when a link is selected.
    pub link: Option<usize>,
    /// The selected timeline entry's index in `Scenario::timeline`, when one is selected.
    pub event: Option<usize>,
}

impl Selection {
    /// Selects one node only.
    pub fn only(name: &str) -> Self {
        Selection { nodes: [name.to_owned()].into(), ..Default::default() }
    }

    /// Selects one timeline entry only.
    pub fn event(index: usize) -> Self {
        Selection { event: Some(index), ..Default::default() }
    }
}

#[derive(Clone, Debug, Default)]
enum Gesture {
    #[default]
    None,
    Pan,
    Minimap,
    Move {
        names: Vec<String>,
        delta: Vec2,
    },
    Connect {
        from: String,
        to: Pos2,
    },
    Box {
        start: Pos2,
        end: Pos2,
        additive: bool,
    },
}

/// The canvas's view and interaction state (not part of the document).
#[derive(Debug)]
pub struct CanvasState {
    /// Screen offset of the canvas origin from the panel's corner, points.
    pub pan: Vec2,
    /// Points per canvas unit.
    pub zoom: f32,
    /// What is selected.
    pub selection: Selection,
    /// Fit the graph to the panel on the next frame.
    pub fit_requested: bool,
    /// The panel's rectangle last frame.
    pub rect: Rect,
    /// Why the last connection was refused, shown for a while.
    pub refusal: Option<String>,
    /// A line shown at the canvas's top left (e.g. the scrubbed time).
    pub caption: Option<String>,
    /// What the timeline's region faults do to each region at the scrubbed time (the frames of
    /// regions down are drawn failed).
    pub regions: RegionMarks,
    gesture: Gesture,
}

impl Default for CanvasState {
    fn default() -> Self {
        CanvasState {
            pan: vec2(20.0, 20.0),
            zoom: 1.0,
            selection: Selection::default(),
            fit_requested: true,
            rect: Rect::NOTHING,
            refusal: None,
            caption: None,
            regions: RegionMarks::new(),
            gesture: Gesture::None,
        }
    }
}

impl CanvasState {
    /// Canvas units to screen points.
    pub fn to_screen(&self, p: [f32; 2]) -> Pos2 {
        self.rect.min + self.pan + vec2(p[0], p[1]) * self.zoom
    }

    /// Screen points to canvas units.
    pub fn to_canvas(&self, p: Pos2) -> [f32; 2] {
        let v = (p - self.rect.min - self.pan) / self.zoom;
        [v.x, v.y]
    }

    /// A node's card on screen.
    pub fn node_rect(&self, pos: [f32; 2]) -> Rect {
        Rect::from_min_size(self.to_screen(pos), vec2(theme::NODE_SIZE[0], theme::NODE_SIZE[1]) * self.zoom)
    }

    /// A node's output handle (drag from it to connect).
    pub fn handle_pos(&self, pos: [f32; 2]) -> Pos2 {
        self.node_rect(pos).right_center()
    }

    /// The centre of the current view, in canvas units.
    pub fn view_centre(&self) -> [f32; 2] {
        if self.rect.is_positive() { self.to_canvas(self.rect.center()) } else { [200.0, 200.0] }
    }

    fn fit(&mut self, scenario: &Scenario) {
        let mut bb = Rect::NOTHING;
        for n in &scenario.topology.nodes {
            let [x, y] = n.pos().unwrap_or_default();
            bb = bb.union(Rect::from_min_size(pos2(x, y), vec2(theme::NODE_SIZE[0], theme::NODE_SIZE[1])));
        }
        if !bb.is_positive() || !self.rect.is_positive() {
            return;
        }
        let bb = bb.expand(50.0);
        self.zoom = (self.rect.width() / bb.width()).min(self.rect.height() / bb.height()).clamp(0.25, 1.4);
        self.pan = self.rect.size() / 2.0 - bb.center().to_vec2() * self.zoom;
    }
}

/// The key parameters of a node in words, e.g. `x2 · 8 slots · exp(20 ms)`.
pub fn node_summary(node: &Node) -> String {
    match node {
        Node::Clients(c) => format!("{} users · {}", thousands(c.users), traffic_words(&c.traffic)),
        Node::Gateway(g) => {
            // The policy that decides most, in words, as the sketch shows it: the first route's
            // limit (a shared one by its name), with how many routes have one when not all do.
            let routes = g.routes.len();
            let limited = g.routes.iter().filter(|r| g.route_limit(r).is_some()).count();
            let first = g.routes.iter().find_map(|r| {
                let words = g.route_limit(r)?.algorithm.describe();
                Some(match &r.shared_limit {
                    Some(name) => format!("shared {name}: {words}"),
                    None => words,
                })
            });
            match first {
                Some(words) if limited == routes && routes > 1 => format!("{words} · all {routes} routes"),
                Some(words) if limited < routes => format!("{words} · {limited} of {routes} routes"),
                Some(words) => words,
                None => format!("no rate limit · {routes} route{}", if routes == 1 { "" } else { "s" }),
            }
        }
        Node::LoadBalancer(lb) if lb.rules.is_empty() => lb.algorithm.label().to_owned(),
        Node::LoadBalancer(lb) => format!("{} · {} pools", lb.algorithm.label(), lb.rules.len()),
        Node::Service(s) => match (&s.deployment, &s.autoscaling) {
            (crate::model::Deployment::Serverless(f), _) => {
                format!("function · ≤{} at once · {}", f.concurrency_limit, dist_words(&s.service_time))
            }
            (_, Some(a)) => format!(
                "HPA {}–{} · {} slots · {}",
                a.min_replicas,
                a.max_replicas,
                s.concurrency,
                dist_words(&s.service_time)
            ),
            (_, None) => format!("x{} · {} slots · {}", s.instances, s.concurrency, dist_words(&s.service_time)),
        },
        Node::Dns(d) => {
            let checks = match &d.health_check {
                Some(h) => format!("checks {} x{}", span_words(h.interval.0), h.failure_threshold),
                None => "no health checks".to_owned(),
            };
            format!("{} · TTL {} · {checks}", routing_words(d.routing), span_words(d.ttl.0))
        }
        Node::DataStore(st) => {
            let primary = match &st.region {
                Some(r) => format!("primary {r}"),
                None => "primary (no region)".to_owned(),
            };
            match st.replicas.len() {
                0 if st.backups.is_some() => format!("{primary} · backups only"),
                0 => format!("{primary} · no replica"),
                n => format!(
                    "{primary} · {n} replica{} · {}",
                    if n == 1 { "" } else { "s" },
                    replication_words(&st.replication)
                ),
            }
        }
    }
}

/// A Route 53 routing policy in a word.
pub fn routing_words(r: DnsRouting) -> &'static str {
    match r {
        DnsRouting::Simple => "simple",
        DnsRouting::Failover => "failover",
        DnsRouting::Weighted => "weighted",
        DnsRouting::Latency => "latency",
        DnsRouting::Geolocation => "geolocation",
    }
}

/// How writes reach the replicas: `sync`, `async 100 ms`, `async ~150 ms` (a typical lag: the
/// mean or median of a random one).
pub fn replication_words(r: &Replication) -> String {
    match r {
        Replication::Sync => "sync".to_owned(),
        Replication::Async { lag } => match *lag {
            Dist::Constant { ms } => format!("async {ms} ms"),
            Dist::Exponential { mean_ms: ms } | Dist::LogNormal { median_ms: ms, .. } => format!("async ~{ms} ms"),
            Dist::Uniform { min_ms, max_ms } => format!("async {min_ms}–{max_ms} ms"),
        },
    }
}

/// A duration in seconds as a card shows it: `60 s`, `5 min`, `1 h`, `250 ms`.
pub fn span_words(s: f64) -> String {
    let fmt = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") };
    if s > 0.0 && s < 1.0 {
        format!("{} ms", fmt(s * 1000.0))
    } else if s < 120.0 || (s % 60.0 != 0.0 && s < 600.0) {
        format!("{} s", fmt(s))
    } else if s < 7200.0 || s % 3600.0 != 0.0 {
        format!("{} min", fmt(s / 60.0))
    } else {
        format!("{} h", fmt(s / 3600.0))
    }
}

fn thousands(n: u32) -> String {
    if n >= 10_000 { format!("{}k", n / 1000) } else { n.to_string() }
}

fn traffic_words(t: &Traffic) -> String {
    match t {
        Traffic::Constant { rate_rps } => format!("{rate_rps} r/s"),
        Traffic::Steps { steps } => {
            let rates: Vec<String> = steps.iter().map(|s| format!("{}", s.rate_rps)).collect();
            format!("{} r/s", rates.join("->"))
        }
        Traffic::Diurnal { mean_rps, .. } => format!("~{mean_rps} r/s daily"),
        Traffic::Spike { base_rps, peak_rps, .. } => format!("{base_rps}->{peak_rps} r/s spike"),
    }
}

/// A distribution in a few characters.
pub fn dist_words(d: &Dist) -> String {
    match *d {
        Dist::Constant { ms } => format!("{ms} ms"),
        Dist::Exponential { mean_ms } => format!("exp({mean_ms} ms)"),
        Dist::LogNormal { p99_ms, .. } => format!("p99 {p99_ms} ms"),
        Dist::Uniform { min_ms, max_ms } => format!("{min_ms}–{max_ms} ms"),
    }
}

/// The minimap in the canvas's bottom-right corner: every node, and the view's outline. Click or
/// drag in it to move the view.
#[derive(Clone, Copy, Debug)]
struct Minimap {
    rect: Rect,
    /// Canvas-unit bounds of the graph shown.
    world: Rect,
}

impl Minimap {
    fn new(scenario: &Scenario, state: &CanvasState) -> Option<Minimap> {
        let mut world = Rect::NOTHING;
        for n in &scenario.topology.nodes {
            let [x, y] = n.pos().unwrap_or_default();
            world = world.union(Rect::from_min_size(pos2(x, y), vec2(theme::NODE_SIZE[0], theme::NODE_SIZE[1])));
        }
        if !world.is_positive() || state.rect.width() < 500.0 || state.rect.height() < 300.0 {
            return None;
        }
        let world = world.expand(40.0);
        let size = vec2(170.0, 170.0 * world.height() / world.width()).min(vec2(170.0, 110.0));
        // The first corner (bottom right, bottom left, top right, top left) where it covers no
        // card; none: hidden.
        let cards: Vec<Rect> =
            scenario.topology.nodes.iter().map(|n| state.node_rect(n.pos().unwrap_or_default()).expand(6.0)).collect();
        let (r, m) = (state.rect, vec2(12.0, 12.0));
        let corners = [
            r.right_bottom() - size - m,
            pos2(r.min.x + m.x, r.max.y - size.y - m.y),
            pos2(r.max.x - size.x - m.x, r.min.y + 36.0),
            r.min + vec2(m.x, 36.0),
        ];
        corners
            .into_iter()
            .map(|at| Rect::from_min_size(at, size))
            .find(|rect| !cards.iter().any(|c| c.intersects(rect.expand(4.0))))
            .map(|rect| Minimap { rect, world })
    }

    fn scale(&self) -> f32 {
        (self.rect.width() / self.world.width()).min(self.rect.height() / self.world.height())
    }

    fn map_pos(&self, p: [f32; 2]) -> Pos2 {
        self.rect.min + (pos2(p[0], p[1]) - self.world.min) * self.scale()
    }

    fn centre_view_on(&self, state: &mut CanvasState, p: Pos2) {
        let world = self.world.min + (p - self.rect.min) / self.scale();
        state.pan = state.rect.size() / 2.0 - world.to_vec2() * state.zoom;
    }

    fn paint(&self, painter: &egui::Painter, scenario: &Scenario, state: &CanvasState) {
        painter.rect(
            self.rect.expand(4.0),
            theme::RADIUS,
            theme::PANEL,
            Stroke::new(1.0, theme::CARD_BORDER),
            StrokeKind::Outside,
        );
        let node = vec2(theme::NODE_SIZE[0], theme::NODE_SIZE[1]) * self.scale();
        for n in &scenario.topology.nodes {
            let r = Rect::from_min_size(self.map_pos(n.pos().unwrap_or_default()), node);
            painter.rect_filled(r, 1.0, theme::kind_colour(n.kind()).gamma_multiply(0.7));
        }
        let a = self.map_pos(state.to_canvas(state.rect.min));
        let b = self.map_pos(state.to_canvas(state.rect.max));
        let view = Rect::from_min_max(a, b).intersect(self.rect.expand(4.0));
        painter.rect_stroke(view, 1.0, Stroke::new(1.0, theme::ACCENT), StrokeKind::Inside);
    }
}

/// The worst severity among a node's problems.
fn worst(problems: &[Problem], node: &str) -> Option<Severity> {
    problems.iter().filter(|p| p.node.as_deref() == Some(node)).map(|p| p.severity).min()
}

fn snap(v: f32) -> f32 {
    (v / theme::GRID_STEP).round() * theme::GRID_STEP
}

fn dist_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

pub(super) fn link_ends(state: &CanvasState, a: [f32; 2], b: [f32; 2]) -> (Pos2, Pos2) {
    (state.handle_pos(a), state.node_rect(b).left_center())
}

/// A new link as the editor adds it: 1 ms of latency, weight 1.
pub fn new_link(from: &str, to: &str) -> Link {
    Link { from: from.to_owned(), to: to.to_owned(), latency: Dist::Constant { ms: 1.0 }, weight: 1.0 }
}

/// Why linking `from` to `to` would be refused by validation, if it would.
pub fn link_refusal(scenario: &Scenario, from: &str, to: &str) -> Option<String> {
    let mut trial = scenario.clone();
    trial.topology.links.push(new_link(from, to));
    let before = validate(scenario, None);
    validate(&trial, None).into_iter().find(|p| p.severity == Severity::Error && !before.contains(p)).map(|p| p.message)
}

/// Draws the canvas and handles its input; returns the document changes the user made.
pub fn canvas_ui(
    ui: &mut Ui,
    scenario: &Scenario,
    problems: &[Problem],
    edited: &BTreeSet<String>,
    overlay: &Overlay,
    state: &mut CanvasState,
) -> Vec<Command> {
    let mut commands = Vec::new();
    let (rect, resp) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    state.rect = rect;
    if state.fit_requested {
        state.fit(scenario);
        state.fit_requested = false;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, theme::CANVAS);
    let nodes = &scenario.topology.nodes;
    let pos_of = |i: usize| nodes[i].pos().unwrap_or_default();

    // Zoom around the cursor.
    if let Some(hover) = resp.hover_pos() {
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        let factor = (scroll * 0.0015).exp() * pinch;
        if (factor - 1.0).abs() > 1e-4 {
            let anchor = state.to_canvas(hover);
            state.zoom = (state.zoom * factor).clamp(0.2, 3.0);
            state.pan = hover - rect.min - vec2(anchor[0], anchor[1]) * state.zoom;
        }
    }

    let hit_node = |state: &CanvasState, p: Pos2| -> Option<usize> {
        (0..nodes.len()).rev().find(|&i| state.node_rect(pos_of(i)).contains(p))
    };
    let hit_handle = |state: &CanvasState, p: Pos2| -> Option<usize> {
        (0..nodes.len()).rev().find(|&i| state.handle_pos(pos_of(i)).distance(p) < 9.0 * state.zoom.max(0.7))
    };
    let hit_link = |state: &CanvasState, p: Pos2| -> Option<usize> {
        scenario.topology.links.iter().position(|l| {
            match (scenario.topology.node_index(&l.from), scenario.topology.node_index(&l.to)) {
                (Some(a), Some(b)) => {
                    let (s, e) = link_ends(state, pos_of(a), pos_of(b));
                    dist_to_segment(p, s, e) < 6.0
                }
                _ => false,
            }
        })
    };

    let (shift, space) = ui.input(|i| (i.modifiers.shift, i.key_down(Key::Space)));
    let space = space && !ui.ctx().egui_wants_keyboard_input();

    // Start of a drag: decide what it does from where it began.
    let minimap = Minimap::new(scenario, state);
    let origin = ui.input(|i| i.pointer.press_origin());
    if resp.drag_started_by(PointerButton::Middle) || (resp.drag_started() && space) {
        state.gesture = Gesture::Pan;
    } else if resp.drag_started() && minimap.is_some_and(|m| origin.is_some_and(|o| m.rect.contains(o))) {
        state.gesture = Gesture::Minimap;
    } else if resp.drag_started_by(PointerButton::Primary) {
        let origin = ui.input(|i| i.pointer.press_origin()).unwrap_or(rect.center());
        state.gesture = if let Some(i) = hit_handle(state, origin) {
            Gesture::Connect { from: nodes[i].name().to_owned(), to: origin }
        } else if let Some(i) = hit_node(state, origin) {
            let name = nodes[i].name().to_owned();
            if !state.selection.nodes.contains(&name) {
                if shift {
                    state.selection.nodes.insert(name);
                } else {
                    state.selection = Selection::only(&name);
                }
            }
            Gesture::Move { names: state.selection.nodes.iter().cloned().collect(), delta: Vec2::ZERO }
        } else {
            Gesture::Box { start: origin, end: origin, additive: shift }
        };
    }
    if resp.dragged() {
        let d = resp.drag_delta();
        let pointer = resp.interact_pointer_pos();
        match &mut state.gesture {
            Gesture::Pan => state.pan += d,
            Gesture::Minimap => {
                if let (Some(m), Some(p)) = (minimap, pointer) {
                    m.centre_view_on(state, p);
                }
            }
            Gesture::Move { delta, .. } => *delta += d / state.zoom,
            Gesture::Connect { to, .. } => *to = pointer.unwrap_or(*to),
            Gesture::Box { end, .. } => *end = pointer.unwrap_or(*end),
            Gesture::None => {}
        }
    }
    if resp.drag_stopped() {
        match std::mem::take(&mut state.gesture) {
            Gesture::Move { names, delta } => {
                let anchor =
                    names.first().and_then(|n| scenario.topology.node(n)).and_then(Node::pos).unwrap_or_default();
                let snapped = [snap(anchor[0] + delta.x) - anchor[0], snap(anchor[1] + delta.y) - anchor[1]];
                if snapped != [0.0, 0.0] {
                    commands.push(Command::MoveNodes { names, delta: snapped });
                }
            }
            Gesture::Connect { from, to } => {
                if let Some(i) = hit_node(state, to) {
                    let target = nodes[i].name().to_owned();
                    if target != from {
                        match link_refusal(scenario, &from, &target) {
                            Some(why) => state.refusal = Some(why),
                            None => {
                                state.refusal = None;
                                commands.push(Command::AddLink(new_link(&from, &target)));
                            }
                        }
                    }
                }
            }
            Gesture::Box { start, end, additive } => {
                let area = Rect::from_two_pos(start, end);
                if !additive {
                    state.selection = Selection::default();
                }
                for (i, n) in nodes.iter().enumerate() {
                    if area.intersects(state.node_rect(pos_of(i))) {
                        state.selection.nodes.insert(n.name().to_owned());
                    }
                }
            }
            Gesture::Pan | Gesture::Minimap | Gesture::None => {}
        }
    }
    if resp.clicked()
        && let Some(p) = resp.interact_pointer_pos()
    {
        if let Some(m) = minimap.filter(|m| m.rect.contains(p)) {
            m.centre_view_on(state, p);
        } else if let Some(i) = hit_node(state, p) {
            let name = nodes[i].name().to_owned();
            if shift {
                state.selection.link = None;
                state.selection.event = None;
                if !state.selection.nodes.remove(&name) {
                    state.selection.nodes.insert(name);
                }
            } else {
                state.selection = Selection::only(&name);
            }
        } else if let Some(l) = hit_link(state, p) {
            state.selection = Selection { link: Some(l), ..Default::default() };
        } else {
            state.selection = Selection::default();
            state.refusal = None;
        }
    }

    // Where each node is drawn this frame (moving nodes follow the pointer).
    let moving: Option<(&Vec<String>, Vec2)> = match &state.gesture {
        Gesture::Move { names, delta } => Some((names, *delta)),
        _ => None,
    };
    let drawn: Vec<[f32; 2]> = (0..nodes.len())
        .map(|i| {
            let p = pos_of(i);
            match moving {
                Some((names, d)) if names.iter().any(|n| n == nodes[i].name()) => [p[0] + d.x, p[1] + d.y],
                _ => p,
            }
        })
        .collect();

    canvas_paint::paint_grid(&painter, state);
    let replicas = regions::replicas(scenario);
    let frames = canvas_paint::region_frames(&painter, scenario, &drawn, &replicas, state);
    canvas_paint::paint_regions(&painter, &frames, state);
    let labels = canvas_paint::paint_links(&painter, scenario, &drawn, overlay, state);
    canvas_paint::paint_replication(&painter, scenario, &drawn, &replicas, &frames, state);
    canvas_paint::paint_region_labels(&painter, &frames, &labels, state);
    for (i, node) in nodes.iter().enumerate() {
        let selected = state.selection.nodes.contains(node.name());
        let badge = canvas_paint::paint_node(
            &painter,
            node,
            state.node_rect(drawn[i]),
            canvas_paint::CardMarks {
                selected,
                problem: worst(problems, node.name()),
                edited: edited.contains(node.name()),
            },
            overlay,
            state.zoom,
        );
        if let (Some(rect), Some(b)) = (badge, overlay.nodes.get(node.name())) {
            let label = format!("{}: {}", node.name(), b.text);
            canvas_paint::accessible_ui(ui, resp.id.with(("badge", i)), rect, &label);
        }
    }
    canvas_paint::paint_link_labels(&painter, labels, state);
    // Callouts last: what they say matters more than what they cover.
    for (i, node) in nodes.iter().enumerate() {
        let Some(lines) = overlay.callouts.get(node.name()).filter(|_| state.zoom >= 0.35) else { continue };
        let r = canvas_paint::paint_callout(&painter, state.node_rect(drawn[i]), lines, state.zoom);
        canvas_paint::accessible_ui(ui, resp.id.with(("callout", i)), r, &lines.join("\n"));
    }
    match &state.gesture {
        Gesture::Connect { from, to } => {
            if let Some(i) = scenario.topology.node_index(from) {
                painter.line_segment([state.handle_pos(drawn[i]), *to], Stroke::new(2.0, theme::ACCENT));
            }
        }
        Gesture::Box { start, end, .. } => {
            let r = Rect::from_two_pos(*start, *end);
            painter.rect(r, 0.0, theme::SELECT_FILL, Stroke::new(1.0, theme::ACCENT), StrokeKind::Inside);
        }
        _ => {}
    }
    if let Some(m) = Minimap::new(scenario, state) {
        m.paint(&painter, scenario, state);
    }
    if let Some(why) = &state.refusal {
        let text = format!("Link refused: {why}");
        let pos = rect.left_bottom() + vec2(12.0, -12.0);
        let galley = painter.layout(text, FontId::proportional(13.0), theme::TEXT, rect.width() - 40.0);
        let r = Rect::from_min_size(pos - vec2(0.0, galley.size().y), galley.size()).expand(6.0);
        painter.rect(r, theme::RADIUS, theme::CALLOUT_BAD_BG, Stroke::new(1.0, theme::BAD), StrokeKind::Inside);
        painter.galley(r.min + vec2(6.0, 6.0), galley, theme::TEXT);
    }
    if let Some(caption) = &state.caption {
        painter.text(
            rect.left_top() + vec2(12.0, 10.0),
            Align2::LEFT_TOP,
            caption,
            FontId::proportional(13.0),
            theme::SCRUB,
        );
    }
    // An empty topology's note is drawn by `empty_state.rs`, over the canvas.
    // Tooltip: the card's whole name and policy in words (the card may shorten them), and the
    // node's problems as validation words them.
    if matches!(state.gesture, Gesture::None)
        && let Some(p) = resp.hover_pos()
        && let Some(i) = hit_node(state, p)
    {
        let node = &nodes[i];
        let name = node.name();
        let mine: Vec<&Problem> = problems.iter().filter(|p| p.node.as_deref() == Some(name)).collect();
        resp.on_hover_ui_at_pointer(|ui| {
            ui.strong(format!("{name} ({})", node.kind().label()));
            if !node.description().is_empty() {
                ui.label(node.description());
            }
            ui.label(node_summary(node));
            for p in mine {
                let colour = if p.severity == Severity::Error { theme::BAD } else { theme::WARN };
                ui.colored_label(colour, &p.message);
            }
        });
    }
    commands
}

#[cfg(test)]
mod tests;
