//! The neutral scene: everything a drawing holds, positioned, computed once and then
//! written as SVG (and from that SVG, PNG and PDF).

/// A task (or a group of tasks) drawn as a box with a label and a tooltip.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskShape {
    /// The task's key (or the group's name), written as `data-key`.
    pub key: String,
    /// Top-left corner and size.
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub fill: String,
    /// Lines of the label, drawn centered in the box; empty for no label.
    pub label: Vec<String>,
    /// Tooltip (`<title>`): key, group, and duration and bytes when known.
    pub tooltip: String,
    /// Outline drawn thicker and in this color (the critical path).
    pub highlight: Option<String>,
}

/// A dependency drawn as a polyline with an arrowhead at its end.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeShape {
    pub points: Vec<(f64, f64)>,
    pub highlight: bool,
}

/// One entry of the legend: a color and what it means.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub fill: String,
    pub label: String,
}

/// Anything else: axes, lanes, curves, notes.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: String,
        stroke: Option<String>,
    },
    Line {
        points: Vec<(f64, f64)>,
        stroke: String,
        width: f64,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        /// `start`, `middle` or `end`.
        anchor: &'static str,
        fill: String,
    },
}

/// A whole drawing. Coordinates in px, origin at the top left, y down.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    /// The title line (the graph's name and size).
    pub title: String,
    /// Drawn below everything else, in order.
    pub background: Vec<Shape>,
    pub edges: Vec<EdgeShape>,
    pub tasks: Vec<TaskShape>,
    pub legend: Vec<LegendEntry>,
    /// Drawn above everything else.
    pub foreground: Vec<Shape>,
    /// Edge crossings of the layout (graph drawings).
    pub crossings: Option<usize>,
}

/// Approximate width of `text` in the bundled sans-serif font at `size` px: used to
/// size boxes before any font is loaded (Ubuntu Light averages ~0.53 em per glyph).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}
