//! The neutral scene: everything a drawing holds, positioned, computed once and then
//! written as SVG (and from that SVG, PNG and PDF).

/// A task (or a group of tasks) drawn as a box with a label and a tooltip.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskShape {
    /// The task's key (or the group's name), written as `data-key`.
    pub key: String,
    /// Left edge of the box, in px.
    pub x: f64,
    /// Top edge of the box, in px.
    pub y: f64,
    /// Width of the box, in px.
    pub w: f64,
    /// Height of the box, in px.
    pub h: f64,
    /// Fill color of the box (`#rrggbb`).
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
    /// The polyline from the dependency's box to the dependent's, in px.
    pub points: Vec<(f64, f64)>,
    /// Whether the edge is on the critical path (drawn red and thicker).
    pub highlight: bool,
}

/// One entry of the legend: a color and what it means.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// The swatch's color (`#rrggbb`).
    pub fill: String,
    /// What the color stands for.
    pub label: String,
}

/// Anything else: axes, lanes, curves, notes.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A filled rectangle, such as a worker's lane or the memory plot's frame.
    Rect {
        /// Left edge, in px.
        x: f64,
        /// Top edge, in px.
        y: f64,
        /// Width, in px.
        w: f64,
        /// Height, in px.
        h: f64,
        /// Fill color.
        fill: String,
        /// Outline color, if outlined.
        stroke: Option<String>,
    },
    /// A polyline, such as a grid line or a memory curve.
    Line {
        /// The points, in px.
        points: Vec<(f64, f64)>,
        /// Line color.
        stroke: String,
        /// Line width, in px.
        width: f64,
    },
    /// One line of text, such as a tick label or a lane's name.
    Text {
        /// Where the text is anchored, across, in px.
        x: f64,
        /// The text's baseline, in px.
        y: f64,
        /// The text itself.
        text: String,
        /// Font size, in px.
        size: f64,
        /// `start`, `middle` or `end`.
        anchor: &'static str,
        /// Text color.
        fill: String,
    },
}

/// A whole drawing. Coordinates in px, origin at the top left, y down.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    /// Width of the drawing, in px.
    pub width: f64,
    /// Height of the drawing, in px.
    pub height: f64,
    /// The title line (the graph's name and size).
    pub title: String,
    /// Drawn below everything else, in order.
    pub background: Vec<Shape>,
    /// The dependencies, drawn below the tasks.
    pub edges: Vec<EdgeShape>,
    /// The task (or group) boxes.
    pub tasks: Vec<TaskShape>,
    /// The legend below the drawing, in order.
    pub legend: Vec<LegendEntry>,
    /// Drawn above everything else.
    pub foreground: Vec<Shape>,
    /// Edge crossings of the layout (graph drawings).
    pub crossings: Option<usize>,
}

/// Approximate width of `text` in the bundled sans-serif font at `size` px: used to
/// size boxes before any font is loaded (Ubuntu Light averages ~0.53 em per glyph).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}
