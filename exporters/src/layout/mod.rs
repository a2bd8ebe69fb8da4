//! A layered (Sugiyama) layout of our own, near-linear in the size of the graph.
//!
//! Pure geometry: box sizes and edges in, box centers and edge polylines out; nothing is
//! drawn here. Deterministic: the same input gives the same output, bit for bit.
//!
//! Steps, each linear or `O(E log V)` per pass with a bounded number of passes:
//! 1. self-loops and repeated edges set aside, cycles broken by reversing the back
//!    edges of a depth-first search;
//! 2. weakly connected components laid out separately;
//! 3. longest-path layers, sources moved down next to their dependents, dummy nodes on
//!    edges spanning several layers;
//! 4. a depth-first initial order, then alternating down/up barycenter sweeps with
//!    adjacent swaps, keeping the order with the fewest crossings;
//! 5. coordinates minimizing weighted squared edge lengths under the order and gaps
//!    (long edges weigh most and run nearly straight, parents sit centered over their
//!    children, boxes never overlap);
//! 6. edges routed through their dummies, components packed near square, and axes
//!    turned to the requested direction.
//!
//! ```
//! use taskscope_exporters::layout::{LayoutInput, layout};
//!
//! let input = LayoutInput {
//!     sizes: vec![(90.0, 36.0); 3],
//!     edges: vec![(0, 1), (0, 2), (1, 2)],
//!     ..LayoutInput::default()
//! };
//! let out = layout(&input);
//! assert_eq!((out.layers, out.crossings, out.edges.len()), (3, 0, 3));
//! assert!(out.centers[0].1 < out.centers[1].1 && out.centers[1].1 < out.centers[2].1);
//! ```

mod layering;
mod ordering;
mod packing;
mod placement;
mod routing;

#[cfg(test)]
mod tests;

pub use ordering::count_crossings;

use layering::{EdgeRole, Proper};
use packing::Components;
use placement::Extents;
use routing::Geometry;

/// The flow direction: where edges point, like Graphviz's `rankdir`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Dependencies above their dependents (`TB`).
    #[default]
    TopToBottom,
    /// Dependencies below (`BT`, Dask's default).
    BottomToTop,
    /// Dependencies on the left (`LR`).
    LeftToRight,
    /// Dependencies on the right (`RL`).
    RightToLeft,
}

/// Direction of the drawing, as Graphviz's `rankdir`: where the first tasks are.
/// taskscope defaults to `TB` (inputs at the top, results at the bottom); Dask's
/// `visualize` uses `BT`.
///
/// ```
/// use taskscope_exporters::RankDir;
/// use taskscope_exporters::layout::Direction;
/// assert_eq!(RankDir::BT.as_str(), "BT");
/// assert_eq!(Direction::from(RankDir::LR), Direction::LeftToRight);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RankDir {
    /// Top to bottom: inputs at the top.
    #[default]
    TB,
    /// Bottom to top: inputs at the bottom, like Dask's `visualize`.
    BT,
    /// Left to right: inputs on the left.
    LR,
    /// Right to left: inputs on the right.
    RL,
}

impl RankDir {
    /// The name Graphviz gives this direction (`TB`, `BT`, `LR`, `RL`).
    pub fn as_str(self) -> &'static str {
        match self {
            RankDir::TB => "TB",
            RankDir::BT => "BT",
            RankDir::LR => "LR",
            RankDir::RL => "RL",
        }
    }
}

impl From<RankDir> for Direction {
    fn from(r: RankDir) -> Self {
        match r {
            RankDir::TB => Direction::TopToBottom,
            RankDir::BT => Direction::BottomToTop,
            RankDir::LR => Direction::LeftToRight,
            RankDir::RL => Direction::RightToLeft,
        }
    }
}

/// What to lay out: boxes, the edges between them, and spacing.
#[derive(Clone, Debug, PartialEq)]
pub struct LayoutInput {
    /// Width and height of each node's box, as drawn.
    pub sizes: Vec<(f64, f64)>,
    /// Edges (from, to): `from` is drawn before `to` in the flow direction (a dependency
    /// before its dependent). Repeats and self-loops are tolerated: ignored for layout,
    /// still routed; an edge naming a node that does not exist gets an empty polyline.
    pub edges: Vec<(usize, usize)>,
    /// Where edges point.
    pub direction: Direction,
    /// Space between neighboring boxes in a layer.
    pub node_gap: f64,
    /// Space between layers.
    pub layer_gap: f64,
    /// Space between packed components.
    pub component_gap: f64,
    /// Crossing-reduction sweeps, each one pass down or up over all layers.
    pub sweeps: usize,
}

impl Default for LayoutInput {
    fn default() -> Self {
        LayoutInput {
            sizes: Vec::new(),
            edges: Vec::new(),
            direction: Direction::TopToBottom,
            node_gap: 20.0,
            layer_gap: 40.0,
            component_gap: 40.0,
            sweeps: 8,
        }
    }
}

/// Where everything goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Center of each node in the drawing's coordinates (origin top-left, `y` down,
    /// all `>= 0`).
    pub centers: Vec<(f64, f64)>,
    /// One polyline per input edge, same index: it starts on the border of `from`'s box
    /// and ends on the border of `to`'s box, bends only between and at the edges of
    /// layers (where long edges pass their dummy nodes), and never enters another box.
    /// A self-loop is a small loop beside its box; an edge to a missing node is empty.
    pub edges: Vec<Vec<(f64, f64)>>,
    /// Width of the bounding box of all boxes and edges.
    pub width: f64,
    /// Height of the bounding box of all boxes and edges.
    pub height: f64,
    /// Edge crossings between adjacent layers after ordering, over all components.
    pub crossings: usize,
    /// Number of layers of the deepest component.
    pub layers: usize,
}

/// How far a self-loop reaches out of its box, as a share of the box's thickness
/// across the layers.
const LOOP_REACH: f64 = 0.4;

/// Longest length taken as given: sums of many stay far from overflowing.
const MAX_LENGTH: f64 = 1e12;

/// A finite, non-negative length, at most [`MAX_LENGTH`]; NaN and negatives count as 0.
fn length(v: f64) -> f64 {
    if v > 0.0 { v.min(MAX_LENGTH) } else { 0.0 }
}

/// Lays out `input`; see the [module documentation](self).
pub fn layout(input: &LayoutInput) -> Layout {
    let n = input.sizes.len();
    let sideways = matches!(
        input.direction,
        Direction::LeftToRight | Direction::RightToLeft
    );
    // Sizes along the layer and across it: in LR a layer's thickness is a box's width.
    let inner: Vec<(f64, f64)> = input
        .sizes
        .iter()
        .map(|&(w, h)| {
            let (w, h) = (length(w), length(h));
            if sideways { (h, w) } else { (w, h) }
        })
        .collect();
    let prepared = layering::prepare(n, &input.edges);
    let mut has_loop = vec![false; n];
    for (role, &(a, _)) in prepared.roles.iter().zip(&input.edges) {
        if *role == EdgeRole::SelfLoop {
            has_loop[a] = true;
        }
    }
    let comps = packing::components(n, &prepared.dag);
    let mut out = Parts {
        input,
        inner: &inner,
        has_loop: &has_loop,
        dag: &prepared.dag,
        comps: &comps,
        centers: vec![(0.0, 0.0); n],
        routes: vec![Vec::new(); prepared.dag.len()],
    };
    let mut boxes = Vec::with_capacity(comps.len());
    let (mut crossings, mut layers) = (0, 0);
    for c in 0..comps.len() {
        let part = out.component(c);
        boxes.push((part.width, part.height));
        crossings += part.crossings;
        layers = layers.max(part.layers);
    }
    let (corners, width, height) = packing::pack(&boxes, length(input.component_gap));
    let Parts {
        mut centers,
        mut routes,
        ..
    } = out;
    for (c, &(dx, dy)) in corners.iter().enumerate() {
        for &v in comps.nodes(c) {
            let p = &mut centers[v as usize];
            *p = (p.0 + dx, p.1 + dy);
        }
        for &e in comps.edges(c) {
            for p in &mut routes[e as usize] {
                *p = (p.0 + dx, p.1 + dy);
            }
        }
    }
    let edges = prepared
        .roles
        .iter()
        .zip(&input.edges)
        .map(|(role, &(a, _))| match *role {
            EdgeRole::Outside => Vec::new(),
            EdgeRole::SelfLoop => self_loop(centers[a], inner[a], input.direction),
            EdgeRole::Dag { index, reversed } => {
                let mut r = routes[index as usize].clone();
                if reversed {
                    r.reverse();
                }
                r
            }
        })
        .collect();
    Layout {
        centers,
        edges,
        width,
        height,
        crossings,
        layers,
    }
}

/// A loop out of the side of a box (right in TB/BT, bottom in LR/RL), within the space
/// placement reserved for it. `inner` is the box's size along and across its layer.
fn self_loop(center: (f64, f64), inner: (f64, f64), direction: Direction) -> Vec<(f64, f64)> {
    let (cx, cy) = center;
    let reach = LOOP_REACH * inner.1;
    let (side, spread) = (inner.0 / 2.0, inner.1 / 4.0);
    match direction {
        Direction::TopToBottom | Direction::BottomToTop => vec![
            (cx + side, cy - spread),
            (cx + side + reach, cy - spread),
            (cx + side + reach, cy + spread),
            (cx + side, cy + spread),
        ],
        Direction::LeftToRight | Direction::RightToLeft => vec![
            (cx - spread, cy + side),
            (cx - spread, cy + side + reach),
            (cx + spread, cy + side + reach),
            (cx + spread, cy + side),
        ],
    }
}

/// One laid-out component: its size as drawn and its statistics.
struct Part {
    width: f64,
    height: f64,
    crossings: usize,
    layers: usize,
}

/// The inputs shared by all components, and the outputs they fill in, in component
/// coordinates until packing moves them.
struct Parts<'a> {
    input: &'a LayoutInput,
    inner: &'a [(f64, f64)],
    has_loop: &'a [bool],
    dag: &'a [(u32, u32)],
    comps: &'a Components,
    centers: Vec<(f64, f64)>,
    /// Polyline of each acyclic edge, from its upper end.
    routes: Vec<Vec<(f64, f64)>>,
}

impl Parts<'_> {
    /// Lays out component `c` with its top-left corner at the origin.
    fn component(&mut self, c: usize) -> Part {
        let nodes = self.comps.nodes(c);
        let edges = self.comps.edges(c);
        let local = &self.comps.local;
        let local_edges: Vec<(u32, u32)> = edges
            .iter()
            .map(|&e| {
                let (a, b) = self.dag[e as usize];
                (local[a as usize], local[b as usize])
            })
            .collect();
        let g = Proper::new(layering::layers(nodes.len(), &local_edges), &local_edges);
        let (order, crossings) = ordering::order(&g, self.input.sweeps);

        let mut left = vec![0.0; g.len()];
        let mut right = vec![0.0; g.len()];
        let mut half = Vec::with_capacity(nodes.len());
        for (i, &v) in nodes.iter().enumerate() {
            let (w, h) = self.inner[v as usize];
            left[i] = w / 2.0;
            right[i] = w / 2.0
                + if self.has_loop[v as usize] {
                    LOOP_REACH * h
                } else {
                    0.0
                };
            half.push((w / 2.0, h / 2.0));
        }
        let extents = Extents {
            left: &left,
            right: &right,
            gap: length(self.input.node_gap),
        };
        let x = placement::place_x(&g, &order, &extents);
        let heights: Vec<f64> = half.iter().map(|h| 2.0 * h.1).collect();
        let bands = placement::bands(&g, &heights, length(self.input.layer_gap));

        let x_min = (0..g.len())
            .map(|v| x[v] - left[v])
            .fold(f64::INFINITY, f64::min);
        let x_max = (0..g.len())
            .map(|v| x[v] + right[v])
            .fold(f64::NEG_INFINITY, f64::max);
        let (along, across) = (x_max - x_min, bands.last().map_or(0.0, |b| b.1));
        let direction = self.input.direction;
        let drawn = |(px, py): (f64, f64)| {
            let (u, v) = (px - x_min, py);
            match direction {
                Direction::TopToBottom => (u, v),
                Direction::BottomToTop => (u, across - v),
                Direction::LeftToRight => (v, u),
                Direction::RightToLeft => (across - v, u),
            }
        };
        let slot = routing::slots(&g, &order, &x, &left, &right);
        let geo = Geometry {
            x: &x,
            bands: &bands,
            half: &half,
            slot: &slot,
        };
        for (i, &v) in nodes.iter().enumerate() {
            self.centers[v as usize] = drawn(geo.center(&g, i as u32));
        }
        for (k, (&e, &(a, b))) in edges.iter().zip(&local_edges).enumerate() {
            let points = routing::route(&g, &geo, k, a, b);
            self.routes[e as usize] = points.into_iter().map(drawn).collect();
        }
        let (width, height) = match direction {
            Direction::TopToBottom | Direction::BottomToTop => (along, across),
            Direction::LeftToRight | Direction::RightToLeft => (across, along),
        };
        Part {
            width,
            height,
            crossings,
            layers: g.layer_count,
        }
    }
}
