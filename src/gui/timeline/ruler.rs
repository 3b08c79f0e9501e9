//! The ruler's ticks on round times, and the step drags and new entries snap to.

use crate::model::UtcTime;

/// A tick of the ruler.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Seconds from the start.
    pub t_s: f64,
    /// `09:15` with a start time, else `600 s`.
    pub label: String,
}

/// Ruler ticks on round values: wall-clock times (multiples of the step in time of day) when the
/// run has a start, else multiples of the step in seconds; at most `max_ticks` + 1 of them.
pub fn ruler_ticks(duration_s: f64, start: Option<UtcTime>, max_ticks: usize) -> Vec<Tick> {
    const STEPS: [f64; 20] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
        43200.0, 86400.0, 172_800.0, 604_800.0,
    ];
    let duration = duration_s.max(1e-3);
    let max = max_ticks.max(1) as f64;
    let step = STEPS.iter().copied().find(|s| duration / s <= max).unwrap_or(duration / max);
    // Ticks sit on multiples of the step in wall-clock seconds, or in seconds from the start.
    let origin = start.map_or(0.0, |s| s.0 as f64);
    let first = (origin / step).ceil() * step - origin;
    let mut out = Vec::new();
    let mut k = 0.0;
    loop {
        let t = first + k * step;
        if t > duration + 1e-9 {
            break;
        }
        let label = match start {
            Some(st) => st.clock_after(t),
            None if step >= 60.0 && duration >= 3600.0 => format!("{:.0} min", t / 60.0),
            None => format!("{t:.0} s"),
        };
        out.push(Tick { t_s: t, label });
        k += 1.0;
    }
    out
}

/// The step drags and new entries snap to: a round number of seconds worth at least 2 points.
pub(super) fn snap_step(duration_s: f64, width: f32) -> f64 {
    let per_point = duration_s / f64::from(width.max(1.0));
    [1.0, 5.0, 10.0, 15.0, 30.0, 60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0]
        .into_iter()
        .find(|s| *s >= 2.0 * per_point)
        .unwrap_or(3600.0)
}

/// `t_s` rounded to a multiple of `step` on the wall clock (or from the start without one), kept
/// inside the run.
pub(super) fn snap(t_s: f64, step: f64, start: Option<UtcTime>, duration_s: f64) -> f64 {
    let origin = start.map_or(0.0, |s| s.0 as f64);
    let t = ((origin + t_s) / step).round() * step - origin;
    let last = ((origin + duration_s) / step).ceil() * step - origin - step;
    t.clamp(0.0, last.max(0.0))
}
