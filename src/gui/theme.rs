//! Every colour and size the app paints with. Nothing else in `gui/` names a colour.

use crate::metrics::Outcome;
use crate::model::{EventKind, NodeKind};
use egui::{Color32, CornerRadius, Stroke, Visuals};

/// Window background (behind panels).
pub const BG: Color32 = Color32::from_rgb(0x1b, 0x1e, 0x24);
/// Panel background.
pub const PANEL: Color32 = Color32::from_rgb(0x20, 0x23, 0x2a);
/// Canvas background.
pub const CANVAS: Color32 = Color32::from_rgb(0x19, 0x1b, 0x21);
/// Canvas grid dots.
pub const GRID: Color32 = Color32::from_rgb(0x2a, 0x2e, 0x36);
/// Node card and summary card fill.
pub const CARD: Color32 = Color32::from_rgb(0x2a, 0x2e, 0x36);
/// Card outline.
pub const CARD_BORDER: Color32 = Color32::from_rgb(0x3a, 0x3f, 0x4a);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0xe6, 0xe8, 0xec);
/// Secondary text.
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x9a, 0xa0, 0xab);
/// Selection and focus.
pub const ACCENT: Color32 = Color32::from_rgb(0x4c, 0x8d, 0xf6);
/// Healthy figures.
pub const OK: Color32 = Color32::from_rgb(0x3d, 0xb3, 0x7e);
/// Figures that need attention.
pub const WARN: Color32 = Color32::from_rgb(0xe8, 0xa3, 0x3d);
/// Failures and errors.
pub const BAD: Color32 = Color32::from_rgb(0xe0, 0x55, 0x4d);
/// Links.
pub const EDGE: Color32 = Color32::from_rgb(0x8a, 0x90, 0x9c);
/// Region frames.
pub const REGION: Color32 = Color32::from_rgb(0x4a, 0x50, 0x5c);
/// A region down at the scrubbed time: its frame, label and hatching.
pub const REGION_DOWN: Color32 = Color32::from_rgb(0xe0, 0x55, 0x4d);
/// A region down: the background of its frame's label.
pub const REGION_DOWN_LABEL: Color32 = Color32::from_rgb(0x2e, 0x1b, 0x1d);
/// A region down: the frame's fill under the hatching.
pub const REGION_DOWN_FILL: Color32 = Color32::from_rgba_premultiplied(0x2e, 0x11, 0x10, 0x50);
/// A region short of a zone, cut off from another or reached over a degraded link at the scrubbed
/// time.
pub const REGION_IMPAIRED: Color32 = Color32::from_rgb(0xe8, 0xa3, 0x3d);
/// Replication: the dashed line from a data store to its replicas, and the replica markers.
pub const REPLICATION: Color32 = Color32::from_rgb(0x4f, 0xc1, 0xc9);
/// Box selection fill.
pub const SELECT_FILL: Color32 = Color32::from_rgba_premultiplied(0x13, 0x23, 0x3d, 0x40);
/// Time scrubber.
pub const SCRUB: Color32 = Color32::from_rgb(0x4c, 0x8d, 0xf6);
/// Text on coloured pills and buttons (badges, Run).
pub const ON_COLOUR: Color32 = Color32::from_rgb(0x10, 0x12, 0x16);
/// Callout background for warnings.
pub const CALLOUT_WARN_BG: Color32 = Color32::from_rgb(0x3a, 0x30, 0x1c);
/// Callout background for good news (a passing check).
pub const CALLOUT_OK_BG: Color32 = Color32::from_rgb(0x1c, 0x33, 0x2a);
/// Callout background for errors.
pub const CALLOUT_BAD_BG: Color32 = Color32::from_rgb(0x3d, 0x22, 0x22);

/// Timeline lane background.
pub const LANE: Color32 = Color32::from_rgb(0x1d, 0x20, 0x26);
/// Timeline grid lines under the ruler's ticks.
pub const LANE_GRID: Color32 = Color32::from_rgb(0x2c, 0x30, 0x38);
/// An alarm firing (its bar in the alarm lane).
pub const FIRING: Color32 = Color32::from_rgb(0xb8, 0x42, 0x3c);
/// A rollback (its tick in the change lane).
pub const ROLLBACK: Color32 = Color32::from_rgb(0x3d, 0xb3, 0x7e);

/// Node card size on the canvas at zoom 1, in canvas units.
pub const NODE_SIZE: [f32; 2] = [180.0, 58.0];
/// Grid step nodes snap to.
pub const GRID_STEP: f32 = 20.0;
/// Corner radius of cards.
pub const RADIUS: CornerRadius = CornerRadius::same(5);

/// The colour of a node kind (its card's bar and palette swatch).
pub fn kind_colour(kind: NodeKind) -> Color32 {
    match kind {
        NodeKind::Clients => Color32::from_rgb(0x9b, 0x7c, 0xd6),
        NodeKind::Gateway => Color32::from_rgb(0xe8, 0xa3, 0x3d),
        NodeKind::LoadBalancer => Color32::from_rgb(0x4c, 0x8d, 0xf6),
        NodeKind::Service => Color32::from_rgb(0x3d, 0xb3, 0x7e),
        NodeKind::Dns => Color32::from_rgb(0xd6, 0x6b, 0xa8),
        NodeKind::DataStore => REPLICATION,
    }
}

/// The colour of a timeline lane's entries.
pub fn event_colour(kind: EventKind) -> Color32 {
    match kind {
        EventKind::Change => Color32::from_rgb(0xe8, 0xa3, 0x3d),
        EventKind::Fault => Color32::from_rgb(0xe0, 0x6a, 0x5a),
        EventKind::Traffic => Color32::from_rgb(0x9b, 0x7c, 0xd6),
        EventKind::Alarm => Color32::from_rgb(0xe0, 0x55, 0x4d),
        EventKind::Action => Color32::from_rgb(0x4f, 0xc1, 0xc9),
    }
}

/// The colour of an outcome in charts.
pub fn outcome_colour(outcome: Outcome) -> Color32 {
    match outcome {
        Outcome::Success => Color32::from_rgb(0x2f, 0x8f, 0x66),
        Outcome::QueueFull => Color32::from_rgb(0xe8, 0xa3, 0x3d),
        Outcome::Timeout => Color32::from_rgb(0xe0, 0x55, 0x4d),
        Outcome::NoUpstream => Color32::from_rgb(0xc9, 0x6b, 0xd6),
        Outcome::NoRoute => Color32::from_rgb(0x8a, 0x90, 0x9c),
        Outcome::ServerError => Color32::from_rgb(0xb8, 0x3b, 0x5e),
        Outcome::RateLimited => Color32::from_rgb(0xd9, 0x9a, 0x2b),
        Outcome::Overloaded => Color32::from_rgb(0xd0, 0x6a, 0x3a),
        Outcome::ClientTimeout => Color32::from_rgb(0x6b, 0x8f, 0xd6),
        Outcome::UpstreamReset => Color32::from_rgb(0x9e, 0x3a, 0x2f),
        Outcome::Unreachable => Color32::from_rgb(0x5a, 0x5f, 0x6b),
        Outcome::Throttled => Color32::from_rgb(0xc2, 0x7c, 0x1e),
    }
}

/// A series colour for the `i`-th service in charts.
pub fn series_colour(i: usize) -> Color32 {
    const PALETTE: [Color32; 6] = [
        Color32::from_rgb(0x3d, 0xb3, 0x7e),
        Color32::from_rgb(0x4c, 0x8d, 0xf6),
        Color32::from_rgb(0xe8, 0xa3, 0x3d),
        Color32::from_rgb(0x9b, 0x7c, 0xd6),
        Color32::from_rgb(0xe0, 0x55, 0x4d),
        Color32::from_rgb(0x4f, 0xc1, 0xc9),
    ];
    PALETTE[i % PALETTE.len()]
}

/// Colour for a load figure from 0 (idle) to 1 (saturated): green, amber above 70%, red above 90%.
pub fn load_colour(fraction: f64) -> Color32 {
    if fraction >= 0.9 {
        BAD
    } else if fraction >= 0.7 {
        WARN
    } else {
        OK
    }
}

/// Colour for an error share: green under 0.1%, amber under 5%, red above.
pub fn error_colour(fraction: f64) -> Color32 {
    if fraction >= 0.05 {
        BAD
    } else if fraction >= 0.001 {
        WARN
    } else {
        OK
    }
}

/// Link stroke: thicker and brighter with traffic (`load.0`, the share of the busiest link's
/// rate, 0 to 1), coloured by the share of its requests failed behind it (`load.1`, 0 to 1) as a
/// node's errors are: amber from 0.1%, red from 5%.
pub fn edge_stroke(load: Option<(f64, f64)>, selected: bool) -> Stroke {
    if selected {
        return Stroke::new(2.5, ACCENT);
    }
    match load {
        None => Stroke::new(1.5, EDGE),
        Some((share, failed)) => {
            let s = share.clamp(0.0, 1.0) as f32;
            // Coloured by the share failed behind it (as a node's errors), else by its rate.
            let failing = failed >= 0.001;
            let colour = if failing { error_colour(failed) } else { OK };
            // A failing link stays visible however little it carries.
            let strength = if failing { s.max(0.5) } else { s };
            Stroke::new(1.2 + 3.0 * s, EDGE.lerp_to_gamma(colour, 0.3 + 0.7 * strength))
        }
    }
}

/// Installs the app's dark look.
pub fn apply(ctx: &egui::Context) {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = PANEL;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = BG;
    visuals.selection.bg_fill = ACCENT.gamma_multiply(0.6);
    visuals.hyperlink_color = ACCENT;
    ctx.set_visuals(visuals);
}
