//! The viewer's colors and the names of task states: one place, so the graph, the
//! timeline, the legend and the panels agree.

use egui::{Color32, Rect, pos2};
use taskscope_analysis::replay::{GroupProgress, TaskState};
use taskscope_exporters::palette::text_on;

/// The outline color of the critical path.
pub(crate) const HIGHLIGHT: Color32 = Color32::from_rgb(255, 140, 0);

/// Every task state, in the order a task goes through them (the legend's order).
pub(crate) const STATES: [TaskState; 6] = [
    TaskState::Waiting,
    TaskState::Ready,
    TaskState::Running,
    TaskState::Done,
    TaskState::Released,
    TaskState::Failed,
];

/// The color of a task's state, as in Dask's dashboard: gray waiting, green running,
/// red in memory, blue released, black failed.
pub(crate) fn state_color(s: TaskState) -> Color32 {
    match s {
        TaskState::Waiting => Color32::from_rgb(200, 200, 200),
        TaskState::Ready => Color32::from_rgb(240, 210, 120),
        TaskState::Running => Color32::from_rgb(44, 160, 44),
        TaskState::Done => Color32::from_rgb(214, 39, 40),
        TaskState::Released => Color32::from_rgb(31, 119, 180),
        TaskState::Failed => Color32::from_rgb(25, 25, 25),
    }
}

/// A task state in the user's words ("in memory" rather than "done").
pub(crate) fn state_name(s: TaskState) -> &'static str {
    match s {
        TaskState::Waiting => "waiting",
        TaskState::Ready => "ready",
        TaskState::Running => "running",
        TaskState::Done => "in memory",
        TaskState::Released => "released",
        TaskState::Failed => "failed",
    }
}

/// A group's progress as bands across `r`, left to right, each as wide as its share of
/// the group's tasks: done in `done` (the group's color), running in green, failed in
/// black, like Dask's progress bars. The graph's group boxes and the progress panel
/// both draw these.
pub(crate) fn progress_bands(r: Rect, p: GroupProgress, done: Color32) -> Vec<(Rect, Color32)> {
    let total = p.total.max(1) as f32;
    let mut x = r.left();
    let mut bands = Vec::with_capacity(3);
    for (n, color) in [
        (p.done, done),
        (p.running, state_color(TaskState::Running)),
        (p.failed, state_color(TaskState::Failed)),
    ] {
        let w = r.width() * n as f32 / total;
        if w > 0.0 {
            bands.push((
                Rect::from_min_max(pos2(x, r.top()), pos2(x + w, r.bottom())),
                color,
            ));
            x += w;
        }
    }
    bands
}

/// Black or white, whichever contrasts more with `fill` (at least 4.5:1, WCAG).
pub(crate) fn contrast(fill: Color32) -> Color32 {
    let [r, g, b, _] = fill.to_array();
    let [r, g, b] = text_on([r, g, b]);
    Color32::from_rgb(r, g, b)
}

/// `#rrggbb` (the exporters' palette) to a color (gray for anything else).
pub(crate) fn parse_hex(hex: &str) -> Color32 {
    let h = hex.trim_start_matches('#');
    let byte = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok());
    match (byte(0), byte(2), byte(4)) {
        (Some(r), Some(g), Some(b)) if h.len() == 6 => Color32::from_rgb(r, g, b),
        _ => Color32::GRAY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_colors_parse() {
        assert_eq!(parse_hex("#1f77b4"), Color32::from_rgb(0x1f, 0x77, 0xb4));
        assert_eq!(parse_hex("nope"), Color32::GRAY);
    }

    #[test]
    fn text_contrasts_with_its_box() {
        assert_eq!(contrast(Color32::from_rgb(20, 20, 20)), Color32::WHITE);
        assert_eq!(contrast(Color32::from_rgb(230, 230, 230)), Color32::BLACK);
    }
}
